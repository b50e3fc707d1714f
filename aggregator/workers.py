"""The worker processes where CPU-heavy jobs run (feed parsing, extraction, cleaning).

feedparser and trafilatura are pure Python/lxml and hold the GIL, so they run in a process
pool (forkserver: forking a process with live threads is unsafe) while the event loop keeps
fetching. ``count=0`` runs every job inline (tests, small runs). Jobs are module-level
functions so they pickle.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# modules the fork server imports once (lxml, feedparser, numpy, trafilatura: ~0.7 CPU s), so
# that every worker is forked from it instead of importing them again on its first job
PRELOAD = ["__main__", "aggregator.pipeline"]


class Workers:
    """A lazily started process pool of ``count`` workers (inline when ``count`` is 0)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` in a worker (or inline), awaited."""
        pool = self._executor()
        if pool is None:
            return fn(*args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, fn, *args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor | None:
        if self.count <= 0:
            return None
        if self._pool is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            self._pool = concurrent.futures.ProcessPoolExecutor(
                self.count,
                mp_context=ctx,
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
        return self._pool


def _die_with_parent(parent: int) -> None:
    """Worker initializer: exit when the parent is gone (a SIGKILLed `aggregator fetch` would
    otherwise leave its forkserver and workers behind, each waiting on the other)."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
