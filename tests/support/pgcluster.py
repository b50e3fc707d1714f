"""A throwaway PostgreSQL cluster for the tests: ``initdb`` into a temporary folder, a free
port, the unix socket in that folder (no TCP listener), ``pg_ctl stop`` at the end.

The binaries are looked up in ``$PG_BINDIR``, ``pg_config --bindir``, /usr/lib/postgresql/*/bin
(Debian's package, newest first) and PATH. initdb refuses to run as root, so as root the
cluster runs as ``nobody`` (``setpriv``), in a folder it owns. Nothing is left behind.

Use: ``with Cluster.start() as c: url = c.create_database("t1")``; or
``python -m tests.support.pgcluster`` to start one by hand (prints its URL, Ctrl-C stops it).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Self

_TOOLS = ("initdb", "pg_ctl", "postgres")


def find_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, or None."""
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10
            )
            candidates.append(Path(out.stdout.strip()))
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(debian)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for c in candidates:
        if all((c / t).is_file() and os.access(c / t, os.X_OK) for t in _TOOLS):
            return c
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A running throwaway cluster (superuser ``postgres``, trust authentication)."""

    def __init__(self, bindir: Path, root: Path, port: int, run_as: list[str]) -> None:
        self.bindir, self.root, self.port, self._run_as = bindir, root, port, run_as
        self.data = root / "data"

    @property
    def socket_dir(self) -> str:
        return str(self.root)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.root}&port={self.port}"

    @classmethod
    def start(cls, bindir: Path | None = None, settings: dict[str, str] | None = None) -> Self:
        """initdb and start; ``settings``: server settings beyond the defaults below (a
        benchmark's ``shared_buffers``)."""
        bindir = bindir or find_bindir()
        if bindir is None:
            raise RuntimeError("no PostgreSQL binaries (initdb, pg_ctl, postgres) found")
        root = Path(tempfile.mkdtemp(prefix="agg-pg-"))
        run_as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as nobody
            nobody = pwd.getpwnam("nobody")
            os.chown(root, nobody.pw_uid, nobody.pw_gid)
            run_as = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                      "--clear-groups"]  # fmt: skip
        cluster = cls(bindir, root, free_port(), run_as)
        try:
            cluster._run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres",
                         "-E", "UTF8", "--no-sync", "--locale=C")  # fmt: skip
            options = (
                f"-k {root} -p {cluster.port} -c listen_addresses= -c fsync=off"
                " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            ) + "".join(f" -c {k}={v}" for k, v in (settings or {}).items())
            cluster._run("pg_ctl", "-D", str(cluster.data), "-o", options,
                         "-l", str(root / "log"), "-w", "-t", "60", "start")  # fmt: skip
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _run(self, tool: str, *args: str) -> None:
        cmd = [*self._run_as, str(self.bindir / tool), *args]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.root)
        if out.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed ({out.returncode}): {out.stderr[-2000:]}{tail}")

    def create_database(self, name: str, template: str = "template1") -> str:
        """A new database (a copy of ``template``); its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.SubprocessError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def cluster_or_reason() -> Iterator[Cluster | str]:
    """A started cluster, or why there is none (for a skip message)."""
    bindir = find_bindir()
    if bindir is None:
        yield (
            "PostgreSQL binaries not found (initdb, pg_ctl, postgres in $PG_BINDIR, pg_config"
            " --bindir, /usr/lib/postgresql/*/bin or PATH); scripts/setup.sh installs the"
            " Debian package `postgresql` when run as root"
        )
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        yield "psycopg is not installed (pip install -e '.[postgresql]')"
        return
    try:
        cluster = Cluster.start(bindir)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        yield f"cannot start a throwaway PostgreSQL cluster: {e}"
        return
    try:
        yield cluster
    finally:
        cluster.stop()


if __name__ == "__main__":
    with Cluster.start() as c:
        print(c.url(), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
