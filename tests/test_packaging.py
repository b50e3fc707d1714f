"""A built wheel carries every subpackage, the default templates and the boilerplate data.

The repo keeps `templates/` at the top level (layout contract) and ships it through the
`aggregator/templates` symlink; the stage packages (poll/, enrich/, dedup/, digest/, store/,
config/) must all be in the wheel. This builds the wheel from this checkout (offline: no build
isolation, setuptools from the test extras), installs it with `--no-deps` into a fresh venv
that borrows only the third-party dependencies from the running interpreter, and renders a
dry-run digest there with the installed package's own templates.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _run(*cmd: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    r = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=600, env=env
    )
    assert r.returncode == 0, f"{cmd}: {r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    return r.stdout


def test_wheel_installs_and_renders_a_digest_from_its_own_templates(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--disable-pip-version-check", "-q", "-w", dist, REPO,
    )  # fmt: skip
    (wheel,) = dist.glob("aggregator-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "aggregator/templates/digest.html.j2" in names
    assert "aggregator/templates/digest.txt.j2" in names
    packages = {n.rsplit("/", 1)[0] for n in names if n.endswith("/__init__.py")}
    on_disk = {str(p.parent.relative_to(REPO)) for p in (REPO / "aggregator").rglob("__init__.py")}
    assert on_disk <= packages, f"missing from the wheel: {sorted(on_disk - packages)}"
    data = {
        str(p.relative_to(REPO))
        for p in (REPO / "aggregator").rglob("*")
        if p.is_file() and p.suffix in {".toml", ".txt", ".json", ".yaml"}
    }
    assert data <= names, f"package data missing from the wheel: {sorted(data - names)}"

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    # third-party dependencies come from the running interpreter's site-packages, read as a
    # plain path (its .pth files, among them our editable install's finder, are not run)
    site = Path(_run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # without PYTHONPATH: a checkout on it (PYTHONPATH=. in a worktree) looks installed to pip,
    # which then skips the wheel
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    _run(
        py, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check", "-q", wheel, env=env
    )
    where = _run(py, "-c", "import aggregator; print(aggregator.__file__)", cwd=tmp_path, env=env)
    assert where.startswith(str(site)), where

    config = tmp_path / "aggregator.yaml"
    config.write_text(
        "database: state.db\nfeeds:\n  - url: https://feed.example/rss.xml\n"
        "digest:\n  timezone: UTC\n  send_empty: true\n"
    )
    aggregator = env_dir / "bin" / "aggregator"
    _run(aggregator, "--config", config, "check", cwd=tmp_path, env=env)
    out = tmp_path / "dry"
    _run(aggregator, "--config", config, "digest", "--dry-run", "--out", out, cwd=tmp_path, env=env)
    html = (out / "digest.html").read_text()
    text = (out / "digest.txt").read_text()
    assert "<html" in html.lower() and "DIGEST" in text.upper()
