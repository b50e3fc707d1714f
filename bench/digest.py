"""The whole digest path for 1,000 stories: select from SQLite, group and rank, render
(issue 14 acceptance: a 1,000-story digest selects and renders in under 1 s).

Builds a temporary state database holding the stories of ``render_speed.candidates`` (8
topics, 1-8 sources a story, some updates, some RTL titles) as stored, enriched articles of
eight configured feeds, then times, median of REPEATS runs: ``digest_candidates`` (the SQL
selection of everything not yet delivered), ``build_digest`` and ``render``, with the
default ``digest.max_stories_per_topic`` (the rest as headlines) and with every story in full.

    .venv/bin/python bench/digest.py [--stories 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render_speed import NOW, TOPICS, candidates, timed  # noqa: E402

from aggregator.config import Config, DigestConfig, FeedConfig  # noqa: E402
from aggregator.digest import build_digest  # noqa: E402
from aggregator.digest.deliver import digest_candidates  # noqa: E402
from aggregator.digest.render import render  # noqa: E402
from aggregator.store import ArticleRow, Store  # noqa: E402

RECIPIENT = "me@example.org"
SENDER = "Aggregator <digest@example.org>"


def fill(store: Store, stories: int) -> Config:
    cands = candidates(stories)
    feeds: dict[str, str] = {}
    with store.transaction():
        for c in cands:
            feeds.setdefault(c.feed_url, c.topic)
            store.insert_article(
                ArticleRow(
                    feed_url=c.feed_url, key=f"g:{c.article_id}", guid=str(c.article_id),
                    url=c.url, canonical_url=c.url, content_hash=str(c.article_id),
                    text_hash=None, title=c.title, author=None, published=c.published,
                    fetched_at=c.fetched_at, html=f"<p>{c.text}</p>", text=c.text,
                    site=c.feed_url, full_text_error=None, id=c.article_id, story=c.story,
                    dedup_reason="new",
                )
            )  # fmt: skip
    return Config(
        path=Path(store.path).parent / "aggregator.yaml",
        database=Path(store.path),
        feeds=tuple(FeedConfig(url=u, topic=t) for u, t in feeds.items()),
        digest=DigestConfig(timezone="Europe/Kyiv"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "state.db") as store:
        config = fill(store, args.stories)
        for label, cap in (("default cap", config.digest.max_stories_per_topic),
                           ("all in full", args.stories)):  # fmt: skip
            cfg = replace(config, digest=replace(config.digest, max_stories_per_topic=cap))
            t_select = timed(lambda: digest_candidates(cfg, store, RECIPIENT))  # noqa: B023
            t_whole = timed(lambda: whole(cfg, store))  # noqa: B023
            n = len(digest_candidates(cfg, store, RECIPIENT))
            print(
                f"{label:12} stories={args.stories} articles={n}: select {t_select:.3f} s,"
                f" select + build + render {t_whole:.3f} s (target < 1 s)"
            )


def whole(config: Config, store: Store) -> object:
    """What a digest run does before sending: select, group and rank, render."""
    cands = digest_candidates(config, store, RECIPIENT)
    digest = build_digest(
        cands, recipient=RECIPIENT, topics_order=TOPICS, timezone="Europe/Kyiv", now=NOW,
        per_topic_cap=config.digest.max_stories_per_topic,
    )  # fmt: skip
    return render(digest, sender=SENDER)


if __name__ == "__main__":
    main()
