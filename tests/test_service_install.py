"""The README's "Run it as a service" steps, followed in a temporary root (issue 15).

systemd is not running in the test container (``systemctl is-system-running``: offline), so
the steps that need it (``systemctl``, ``journalctl``) and the ones that set up the
environment (``apt-get``, the venv, ``pip install``: this interpreter already has aggregator)
are skipped by name; every other line of the README's block runs, with /etc, /var/lib and
/opt mapped into the temporary root. A line of an unknown kind fails the test, so the README
cannot drift from it. Then the daemon runs as the unit runs it: ``$STATE_DIRECTORY`` set, the
config directory read-only (0555, and as an unprivileged user when the tests run as root),
the working directory elsewhere; the database and the digest must land in the state
directory, nothing in the config directory, and ``/healthz`` must answer 200.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.httpd import FixtureHTTPServer
from tests.test_daemon import rss
from tests.test_metrics import free_port, get

REPO = Path(__file__).resolve().parents[1]
NOBODY = 65534
SETUP_ONLY = ("apt-get", "python3", "/opt/aggregator/.venv/bin/pip")  # this venv stands in
NEEDS_SYSTEMD = ("systemctl", "journalctl")
RUNS = ("install", "echo", "sed", "STATE_DIRECTORY=")


def service_steps() -> list[str]:
    """The command lines of the README's service block."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Run it as a service (systemd)", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def first_word(line: str) -> str:
    return re.sub(r"^sudo\s+", "", line.split("|")[-1].strip()).split()[0]


class Root:
    """A temporary root the README's paths are mapped into (readable by an unprivileged
    user: pytest's own temp dirs are private to root)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.etc = base / "etc" / "aggregator"
        self.state = base / "var" / "lib" / "aggregator"
        self.cwd = base / "elsewhere"
        (base / "etc" / "systemd" / "system").mkdir(parents=True)  # there on any machine
        self.cwd.mkdir()

    def map(self, line: str) -> str:
        out = line.replace("sudo ", "")
        for path, there in (
            ("/opt/aggregator/.venv/bin/aggregator", f"{shlex.quote(sys.executable)} -m aggregator"),
            ("/etc/aggregator", str(self.etc)),
            ("/etc/systemd/system", str(self.base / "etc" / "systemd" / "system")),
            ("/var/lib/aggregator", str(self.state)),
        ):  # fmt: skip
            out = out.replace(path, there)
        return out


@pytest.fixture
def root() -> Iterator[Root]:
    base = Path(tempfile.mkdtemp(prefix="aggregator-root-"))
    base.chmod(0o755)
    try:
        yield Root(base)
    finally:
        for p in (base / "etc" / "aggregator",):
            if p.exists():
                p.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def run_readme_steps(root: Root) -> tuple[list[str], str]:
    """Run the steps that make sense here; returns the skipped lines and `check`'s output."""
    skipped, checked = [], ""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for line in service_steps():
        word = first_word(line)
        if word in SETUP_ONLY or word in NEEDS_SYSTEMD or word == "curl":
            skipped.append(line)
            continue
        assert word.startswith(RUNS), f"a README step this test does not know: {line}"
        r = subprocess.run(
            ["bash", "-c", root.map(line)], cwd=REPO, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert r.returncode == 0, f"{line}\n{r.stdout}{r.stderr}"
        if " check" in line:
            checked = r.stdout
    return skipped, checked


def make_hermetic(root: Root, http: FixtureHTTPServer, port: int) -> None:
    """The user's "then edit" step, for a test that stays on loopback: the example's feeds
    point at the fixture server, private addresses allowed, the metrics port a free one, and
    today's digest 20 minutes overdue (the daemon catches it up and writes it)."""
    send_at = (datetime.now(UTC) - timedelta(minutes=20)).strftime("%H:%M")
    n = 0
    for name in ("aggregator.yaml", "feeds.example.yaml"):
        path = root.etc / name
        text = path.read_text()
        for url in re.findall(r"(?m)^(?![ \t]*#).*?url: (https?://\S+)", text):
            http.static(f"/f{n}.xml", rss(1, http.base_url, f"f{n}", offset=n))
            text = text.replace(url, http.url(f"/f{n}.xml"))
            n += 1
        text = text.replace("allow_private: false", "allow_private: true")
        text = text.replace("127.0.0.1:9464", f"127.0.0.1:{port}")
        text = re.sub(r'send_at: "\d\d:\d\d"', f'send_at: "{send_at}"', text)
        path.write_text(text)
    assert n == 3, "the example's feeds changed; update this test"


def as_nobody(root: Root) -> bool:
    """Run the daemon as an unprivileged user (as DynamicUser= does), so that the read-only
    config directory is really read-only to it? Only as root, and only when that user can
    run this interpreter (a pyenv under /root cannot); otherwise the test still checks that
    nothing was written next to the config."""
    if os.geteuid() != 0:
        return False
    try:
        r = subprocess.run(
            [sys.executable, "-c", "import aggregator"], user=NOBODY, group=NOBODY,
            cwd=root.cwd, env={"PYTHONPATH": str(REPO)}, capture_output=True, timeout=60,
        )  # fmt: skip
    except OSError:
        return False
    return r.returncode == 0


def env_file(path: Path) -> dict[str, str]:
    """What systemd's EnvironmentFile= gives the service."""
    pairs = (ln.split("=", 1) for ln in path.read_text().splitlines() if "=" in ln)
    return {k.strip(): v.strip() for k, v in pairs}


@pytest.mark.slow
def test_the_readme_service_steps_give_a_running_healthy_service(root: Root) -> None:
    port = free_port()
    skipped, checked = run_readme_steps(root)
    assert any(first_word(s) == "systemctl" for s in skipped)
    # each step's effect
    assert (root.etc / "aggregator.yaml").is_file()
    assert (root.etc / "feeds.example.yaml").is_file(), "the feeds file the example names"
    assert (root.etc / "aggregator.env").stat().st_mode & 0o777 == 0o600
    assert (root.base / "etc" / "systemd" / "system" / "aggregator.service").is_file()
    assert "listen: 127.0.0.1:9464" in (root.etc / "aggregator.yaml").read_text()
    assert f"database {root.state / 'aggregator.db'}" in checked, checked
    assert not root.state.exists(), "check must not write"
    # what StateDirectory= does before the service starts: the dynamic user's 0700 directory
    root.state.mkdir(parents=True, mode=0o700)
    unprivileged = as_nobody(root)
    if unprivileged:
        os.chown(root.state, NOBODY, NOBODY)

    with FixtureHTTPServer() as http:
        make_hermetic(root, http, port)
        before = sorted(p.name for p in root.etc.iterdir())
        root.etc.chmod(0o555)  # /etc under ProtectSystem=strict
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "HOME")},
            **env_file(root.etc / "aggregator.env"),
            "STATE_DIRECTORY": str(root.state),
            "PYTHONPATH": str(REPO),
            "HOME": str(root.cwd),
        }
        log = root.base / "daemon.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "aggregator", "--config", str(root.etc / "aggregator.yaml"),
                 "--log-level", "info", "run"],
                cwd=root.cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                user=NOBODY if unprivileged else None, group=NOBODY if unprivileged else None,
            )  # fmt: skip
        try:
            end = time.monotonic() + 60
            while time.monotonic() < end and not list((root.state / "digests").glob("*.html")):
                assert proc.poll() is None, log.read_text()[-3000:]
                time.sleep(0.3)
            assert list((root.state / "digests").glob("*.html")), log.read_text()[-3000:]
            assert get(port, "/healthz") == (200, "ok\n")
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=20)
    assert code == 0, log.read_text()[-3000:]
    assert (root.state / "aggregator.db").is_file()
    assert sorted(p.name for p in root.etc.iterdir()) == before, (
        "nothing written next to the config"
    )
    assert list(root.cwd.iterdir()) == [], "nothing written in the working directory"
