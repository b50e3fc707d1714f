"""A full disk and a read-only state directory, with real mounts and real CLI subprocesses.

The state directory is a small tmpfs (``mount -t tmpfs -o size=...``) or a read-only bind
mount; both need root and a kernel that lets this container mount, so the tests skip (saying
why) where mounting is refused. Root ignores file modes, which is why chmod is not used.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator.store import Store
from tests.faults.catalog import by_area
from tests.faults.conftest import DATE, article_items, item, paragraph, rss
from tests.support.httpd import FixtureHTTPServer

CLI_TIMEOUT_S = 60
# The tmpfs is this big; the filler leaves FREE_BYTES free, less than one poll needs (the
# database starts at ~100 KB with WAL; the feed below adds ~1.5 MB of article text).
TMPFS_SIZE = "4m"
FREE_BYTES = 150_000

FAULTS = {f.id: f for f in by_area("process")}


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=10)


@contextlib.contextmanager
def mounted(target: Path, *args: str) -> Iterator[Path]:
    target.mkdir(parents=True, exist_ok=True)
    try:
        _mount(*args, str(target))
    except (subprocess.CalledProcessError, FileNotFoundError, PermissionError) as e:
        pytest.skip(f"cannot mount here ({e}); run as root in a container that allows mounts")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=10)


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aggregator", "--config", str(config), *args],
        capture_output=True, text=True, timeout=CLI_TIMEOUT_S,
    )  # fmt: skip


def write_config(path: Path, db: Path, feed_url: str, out_dir: Path | None = None) -> None:
    out = f"  out_dir: {out_dir}\n" if out_dir else ""
    path.write_text(
        f"database: {db}\nfeeds:\n  - url: {feed_url}\n    full_text: never\n"
        f"fetch:\n  allow_private: true\n  timeout: 5s\n"
        f"digest:\n  to: [reader@example.org]\n  timezone: UTC\n{out}"
    )


def big_feed(n: int) -> bytes:
    import random

    rng = random.Random(3)
    items = [
        item(f"big-{i}", f"https://disk.example/{i}", f"disk item {i}",
             "".join(f"<p>{paragraph(rng, 200)}</p>" for _ in range(10)), DATE)
        for i in range(n)
    ]  # fmt: skip
    return rss(items)


def fill(directory: Path, leave: int) -> Path:
    """Write a filler file until only about ``leave`` bytes are free (or the disk is full)."""
    st = os.statvfs(directory)
    todo = max(0, st.f_bavail * st.f_frsize - leave)
    filler = directory / f"filler{len(list(directory.glob('filler*')))}.bin"
    with open(filler, "wb", buffering=0) as f:  # unbuffered: ENOSPC shows at write()
        while todo > 0:
            try:
                f.write(b"\0" * min(todo, 65536))
            except OSError as e:  # ENOSPC: tmpfs block accounting ran out first; full is fine
                if e.errno != errno.ENOSPC:
                    raise
                break
            todo -= min(todo, 65536)
    return filler


def test_full_disk_gives_a_clear_error_and_no_corruption(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    fault = FAULTS["process-full-disk"]
    with mounted(tmp_path / "state", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs") as state:
        db = state / "state.db"
        config = tmp_path / "aggregator.yaml"
        httpd.static("/small.xml", rss([article_items("small", 1, 1)]))
        write_config(config, db, httpd.url("/small.xml"), out_dir=state / "digests")
        first = cli(config, "fetch")  # a healthy start: database created, one article
        assert first.returncode == 0, first.stderr
        httpd.static("/small.xml", big_feed(40))
        fill(state, FREE_BYTES)
        r = cli(config, "fetch")
        output = r.stdout + r.stderr
        # SQLite says "database or disk is full", or "disk I/O error" when the WAL index
        # cannot grow; either way the feed's error names the database file
        assert f"cannot write to {db}: " in r.stdout, output[-3000:]
        assert "disk is full" in r.stdout or "disk I/O error" in r.stdout, output[-3000:]
        full_disk_reports.append(output)
        with Store(db) as store:
            assert store.integrity_check() == "ok"
            assert store.article_count() == 1  # the failed poll left nothing half-written
        fill(state, 0)  # now truly full (the last free blocks)
        d = cli(config, "digest")  # out_dir on the full disk: the file cannot be written
        assert d.returncode == 1 and "disk" in d.stdout + d.stderr, d.stdout + d.stderr
        for f in state.glob("filler*.bin"):
            f.unlink()
        with Store(db) as store:
            assert store.integrity_check() == "ok"
            assert (
                len(store.pending_for("reader@example.org")) == 1
            )  # nothing marked  # space again: the next runs catch up, nothing lost
        assert cli(config, "fetch").returncode == 0
        assert cli(config, "digest").returncode == 0
        with Store(db) as store:
            assert store.integrity_check() == "ok"
            assert store.article_count() == 41
            assert store.pending_for("reader@example.org") == []
    observed = f"fetch rc={r.returncode}, digest rc={d.returncode}; integrity=ok; caught up after"
    assert observed == fault.observed


full_disk_reports: list[str] = []  # the full-disk fetch output, for the test below


def test_full_disk_is_a_store_error_not_an_internal_error(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    if not full_disk_reports:
        test_full_disk_gives_a_clear_error_and_no_corruption(httpd, tmp_path)
    output = full_disk_reports[-1]
    assert "internal_error" not in output and "Traceback" not in output
    assert "free" in output.lower()  # says what to do: free disk space
    assert "store_error" in output
    observed = "store_error with a hint to free space; no traceback"
    assert observed == FAULTS["process-full-disk-error-kind"].observed


def _read_only_run(httpd: FixtureHTTPServer, tmp_path: Path, command: str) -> tuple[Path, str, int]:
    src = tmp_path / "src"
    src.mkdir()
    httpd.static("/f.xml", rss([article_items("ro", 1, 1)]))
    with mounted(tmp_path / "ro", "--bind", "-o", "ro", str(src)) as ro:
        config = tmp_path / "aggregator.yaml"
        write_config(config, ro / "state.db", httpd.url("/f.xml"))
        r = cli(config, command)
    return ro / "state.db", r.stdout + r.stderr, r.returncode


@pytest.mark.parametrize("command", ["fetch", "run"])
def test_read_only_state_directory_is_a_clear_error_at_start(
    httpd: FixtureHTTPServer, tmp_path: Path, command: str
) -> None:
    fault = FAULTS["process-readonly-state"]
    db, output, rc = _read_only_run(httpd, tmp_path, command)
    assert "Traceback" not in output, output[-3000:]
    assert f"cannot open the state database {db}" in output, output[-2000:]
    observed = f"exit {rc}, names the database; no traceback"
    assert observed == fault.observed


def test_read_only_state_directory_error_says_what_to_do(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    db, output, rc = _read_only_run(httpd, tmp_path, "fetch")
    assert "read-only" in output.lower() and "writable" in output.lower(), output
    assert str(db.parent) in output
    observed = "names the read-only directory and says it must be writable"
    assert observed == FAULTS["process-readonly-hint"].observed
