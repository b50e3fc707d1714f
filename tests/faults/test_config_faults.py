"""Every malformed config through `aggregator check`: exit 2 and PATH:LINE:COL: message.

The cases (YAML text, expected position, hint fragments) live in tests/test_config.py, which
checks ``load_config`` directly; here each one goes through the CLI (click's in-process
runner, the real command) the way a user meets it, and the catalog lists every case.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from aggregator.cli import main
from tests.faults.catalog import Fault
from tests.faults.conftest import fault_ids, faults
from tests.test_config import BAD, CONFIG_NAME, write_case

CASES = {f"config-{c.id}": c for c in BAD}
CONFIG_FAULTS = [f for f in faults("config") if f.id in CASES]


def test_at_least_30_malformed_configs() -> None:
    assert len(CONFIG_FAULTS) >= 30


@pytest.mark.parametrize("fault", CONFIG_FAULTS, ids=fault_ids(CONFIG_FAULTS))
def test_check_reports_where_and_what(
    fault: Fault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[fault.id]
    monkeypatch.chdir(tmp_path)
    write_case(tmp_path, case)
    result = CliRunner().invoke(main, ["--config", CONFIG_NAME, "check"])
    where = f"{case.file}:{case.line}:{case.col}"
    lines = [ln for ln in result.output.splitlines() if ln.startswith(where + ": ")]
    assert lines, result.output
    for fragment in case.fragments:
        assert any(fragment in ln for ln in lines), (fragment, lines)
    assert f"exit {result.exit_code} at {where}" == fault.observed
