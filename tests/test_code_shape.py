"""The package keeps the shape the architecture issue set: no module over 600 lines, no
function over 80 lines or 8 parameters, no ``Any`` in a function signature
(``scripts/code_shape.py`` prints the offenders)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("code_shape", REPO / "scripts" / "code_shape.py")
    assert spec is not None and spec.loader is not None
    shape = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shape)
    return shape


def test_no_module_function_or_signature_over_the_limits() -> None:
    assert _checker().offenders(REPO / "aggregator") == []


def test_the_checker_sees_each_kind_of_offence(tmp_path: Path) -> None:
    shape = _checker()
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(85))
    (pkg / "m.py").write_text(
        "from typing import Any\n\n"
        f"def long() -> None:\n{body}\n\n"
        "def many(a, b, c, d, e, f, g, h, i) -> None:\n    pass\n\n"
        "def loose(x: Any) -> None:\n    pass\n" + "\n" * 520
    )
    found = shape.offenders(pkg)
    assert any("lines (max 600)" in f for f in found)
    assert any("long: 86 lines" in f for f in found)
    assert any("many: 9 parameters" in f for f in found)
    assert any("loose: Any" in f for f in found)
