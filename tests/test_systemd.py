"""The shipped systemd unit: it verifies cleanly and its exposure rating stays at 1.5 or lower."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent.parent / "systemd" / "aggregator.service"
ANALYZE = shutil.which("systemd-analyze")
pytestmark = pytest.mark.skipif(
    ANALYZE is None, reason="systemd-analyze not installed: apt-get install systemd"
)


def local_copy(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this checkout's console script (verify checks it)."""
    exe = Path(sys.executable).with_name("aggregator")
    text = UNIT.read_text().replace("/opt/aggregator/.venv/bin/aggregator", str(exe))
    out = tmp_path / "aggregator.service"
    out.write_text(text)
    return out


def test_unit_verifies_without_errors(tmp_path: Path) -> None:
    unit = local_copy(tmp_path)
    r = subprocess.run(
        [str(ANALYZE), "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    problems = [ln for ln in (r.stdout + r.stderr).splitlines() if "aggregator.service" in ln]
    assert r.returncode == 0 and not problems, r.stdout + r.stderr


def test_exposure_rating_at_most_1_5(tmp_path: Path) -> None:
    unit = local_copy(tmp_path)
    r = subprocess.run(
        [str(ANALYZE), "security", "--offline=yes", str(unit)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout + r.stderr)
    assert m, r.stdout + r.stderr
    assert float(m.group(1)) <= 1.5, r.stdout


def test_every_directive_is_commented() -> None:
    """Each directive sits under a comment (a comment may cover a run of related lines)."""
    lines = UNIT.read_text().splitlines()
    for i, line in enumerate(lines):
        if not line or line.startswith(("#", "[")):
            continue
        j = i - 1
        while j >= 0 and lines[j] and not lines[j].startswith(("#", "[")):
            j -= 1  # step over the directives of the same commented run
        assert j >= 0 and lines[j].startswith("#"), f"line {i + 1} has no comment: {line}"
