"""The catalog and docs/reliability.md cannot drift apart, and every record is backed by a test.

Regenerate the doc with ``.venv/bin/python -m tests.faults.catalog > docs/reliability.md``.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.faults.catalog import AREAS, FAULTS, render

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "reliability.md"
HERE = Path(__file__).parent
# Areas whose tests parametrize over every catalog record of the area (by_area/faults()).
PARAMETRIZED_AREAS = {"feed", "page", "mail", "config"}


def test_doc_is_what_the_catalog_renders() -> None:
    assert DOC.exists(), "run: .venv/bin/python -m tests.faults.catalog > docs/reliability.md"
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/reliability.md is stale; run: "
        ".venv/bin/python -m tests.faults.catalog > docs/reliability.md"
    )


def test_ids_are_unique_and_areas_known() -> None:
    ids = [f.id for f in FAULTS]
    assert len(ids) == len(set(ids))
    assert {f.area for f in FAULTS} <= set(AREAS)
    assert all(f.id.startswith(f.area + "-") for f in FAULTS)


def test_existing_tests_named_by_the_catalog_exist() -> None:
    for f in FAULTS:
        if f.test is None:
            continue
        path, _, name = f.test.partition("::")
        source = (REPO / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {re.escape(name)}\(", source, re.M), f.test


def test_every_own_record_is_run_by_a_fault_test() -> None:
    sources = "\n".join(p.read_text(encoding="utf-8") for p in HERE.glob("test_*.py"))
    for f in FAULTS:
        if f.test is not None or f.area in PARAMETRIZED_AREAS:
            continue
        name = "test_" + f.id.removeprefix(f.area + "-").replace("-", "_")
        assert f"'{f.id}'" in sources or f'"{f.id}"' in sources or f"def {name}(" in sources, f.id


def test_every_bug_has_a_strict_xfail() -> None:
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for p in HERE.glob("test_*.py")
        if p.name != Path(__file__).name
    )
    xfails = sources.count("@pytest.mark.xfail(strict=True")
    assert xfails == sum(1 for f in FAULTS if f.bug is not None)
