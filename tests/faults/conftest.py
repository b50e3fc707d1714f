"""Shared parts of the fault suite: feed builders, a poll runner on real parts, a clock.

Everything here drives real code: a real local HTTP server (tests/support/httpd.py), a real
SQLite file in a temp dir, the real Pipeline with ``workers=0`` (inline, so a test's time is
what the code costs) and ``strict=False`` (what the daemon runs: an unexpected exception in a
feed is recorded, not raised; the tests then assert no feed ended as ``internal_error``).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pytest

from aggregator.config import Config, DigestConfig, FeedConfig, FetchConfig, FullText, SmtpConfig
from aggregator.pipeline import Pipeline, PollSummary
from aggregator.store import Store
from tests.faults.catalog import Fault, by_area
from tests.support.clock import Clock

# Words for generated article text: distinct enough that dedup never merges two test items.
WORDS = [
    "harbour",
    "council",
    "river",
    "tram",
    "library",
    "school",
    "market",
    "bridge",
    "festival",
    "orchard",
    "museum",
    "ferry",
    "station",
    "meadow",
    "quarry",
    "lantern",
    "pottery",
    "harvest",
    "glacier",
    "canyon",
    "vineyard",
    "lighthouse",
    "mill",
    "archive",
    "bakery",
    "cathedral",
    "courthouse",
    "dockyard",
    "foundry",
    "granary",
    "hospital",
    "kiln",
    "observatory",
    "pier",
    "reservoir",
    "sawmill",
    "tannery",
    "theatre",
    "tower",
    "viaduct",
    "warehouse",
    "workshop",
    "academy",
    "aqueduct",
]


SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "tu",
    "sen",
    "va",
    "lor",
    "bi",
    "ne",
    "dus",
    "fa",
    "gor",
    "hel",
    "ith",
    "jun",
    "mar",
    "pe",
    "qua",
    "ris",
    "tav",
]


def word(rng: random.Random) -> str:
    """A made-up word: 8,000 possible, so two generated texts share few shingles."""
    return "".join(rng.choice(SYLLABLES) for _ in range(3))


def paragraph(rng: random.Random, n: int = 40) -> str:
    """Text that dedup never takes for a copy of another generated paragraph."""
    return (
        " ".join(rng.choice(WORDS) if i % 4 == 0 else word(rng) for i in range(n)).capitalize()
        + "."
    )


def item(guid: str | None, link: str | None, title: str, html: str, date: str | None) -> str:
    parts = [f"<title>{escape(title)}</title>"]
    if guid is not None:
        parts.append(f"<guid isPermaLink='false'>{escape(guid)}</guid>")
    if link is not None:
        parts.append(f"<link>{escape(link)}</link>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    parts.append(f"<description><![CDATA[{html}]]></description>")
    return "<item>" + "".join(parts) + "</item>"


def rss(items: list[str], title: str = "Fault Feed", prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://faults.example/</link>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


DATE = "Mon, 02 Nov 2026 08:00:00 +0000"


def article_items(tag: str, n: int, seed: int, link_base: str = "https://faults.example") -> str:
    """``n`` ordinary, full-length items (never teasers) with distinct text."""
    rng = random.Random(seed)
    return "".join(
        item(
            f"{tag}-{i}",
            f"{link_base}/{tag}/{i}",
            f"{tag} item {i} {rng.choice(WORDS)}",
            "".join(f"<p>{paragraph(rng)}</p>" for _ in range(3)),
            DATE,
        )
        for i in range(n)
    )


HEALTHY = "/healthy.xml"


def healthy_feed() -> bytes:
    return rss([article_items("healthy", 2, seed=7)], title="Healthy Feed")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))


# Fault tests use short limits so a hostile server costs seconds, not the 20 s default.
FAULT_TIMEOUT = 2.0  # fetch.timeout in seconds
FAULT_MAX_BYTES = 1_000_000  # fetch.max_bytes


def make_config(
    tmp_path: Path,
    feeds: list[FeedConfig],
    *,
    smtp: SmtpConfig | None = None,
    to: tuple[str, ...] = ("reader@example.org",),
    allow_private: bool = True,
    max_bytes: int = FAULT_MAX_BYTES,
) -> Config:
    return Config(
        path=tmp_path / "aggregator.yaml",
        database=tmp_path / "state.db",
        feeds=tuple(feeds),
        fetch=FetchConfig(timeout=FAULT_TIMEOUT, max_bytes=max_bytes, allow_private=allow_private),
        digest=DigestConfig(to=to, timezone="UTC", out_dir=tmp_path / "digests"),
        smtp=smtp,
    )


def feed_cfg(url: str, full_text: FullText = FullText.NEVER, name: str | None = None) -> FeedConfig:
    return FeedConfig(url=url, name=name, topic="Faults", full_text=full_text)


@dataclass(frozen=True)
class PollRun:
    summaries: dict[str, PollSummary]  # by feed URL
    seconds: float


def poll(config: Config, store: Store, clock: Clock, workers: int = 0) -> PollRun:
    """One poll of every configured feed, as the daemon runs it (errors recorded, not raised).

    ``workers=0`` parses and cleans inline, on the event loop: cheap, but a CPU-heavy feed then
    stalls the other feeds' fetches; scenarios with heavy documents use the process pool, as
    the daemon does.
    """
    pipeline = Pipeline(config, store, clock=clock, workers=workers, strict=False)
    t0 = time.monotonic()
    try:
        out = asyncio.run(pipeline.poll(list(config.feeds)))
    finally:
        pipeline.close()
    return PollRun({s.url: s for s in out}, time.monotonic() - t0)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "state.db") as s:
        yield s


def faults(area: str) -> list[Fault]:
    """The catalog's records of one area that this suite exercises itself."""
    return [f for f in by_area(area) if f.test is None]


def fault_ids(records: list[Fault]) -> list[str]:
    return [f.id for f in records]
