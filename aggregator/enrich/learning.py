"""What the enricher learns per site, and how it is applied (the I/O side of ``repeats``).

Two kinds of learned boilerplate live in the store, per site (the host of the entry's link):

* exact copies: every cleaned article adds the hashes of its blocks to ``site_blocks``; a hash
  seen in ``clean.LEARN_MIN_ARTICLES`` articles is removed anywhere (``learned`` in
  ``clean_structured``);
* near-copies (``repeats.learn``): after an enrichment chunk is cleaned, the chunk's articles
  of each site are compared with each other and with the site's ``RECENT_ARTICLES`` latest
  stored ones. So a feed whose items all end with one appeal teaches it on its first poll, and
  a site's bio box is learned from its second article page. The chunk's articles lose the new
  blocks before they are deduplicated and stored; the site's undelivered articles lose them
  right after (``relearn``).

A feed's ``keep_blocks`` match is never learned nor removed; its ``drop_blocks`` remove.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from aggregator.config import FeedConfig
from aggregator.enrich import clean, repeats
from aggregator.enrich.extract import Extracted
from aggregator.enrich.repeats import BlockRules
from aggregator.feeds import FeedIndex
from aggregator.store import Store
from aggregator.types import LearnedBlock

log = logging.getLogger(__name__)

# A site's latest stored articles compared with a chunk's new ones. Enough to see a bio box
# again across polls (2 are needed) and to judge a middle block's share; small enough that
# a chunk of 400 articles from 400 sites stays cheap (one indexed query per site).
RECENT_ARTICLES = 12
# How many of a site's latest headlines a teaser is looked up in (one indexed query per site
# and chunk; articles link to recent stories of their own site).
RECENT_HEADLINES = 500

# (the articles' blocks, the blocks the site has learned already)
LearnGroup = tuple[list[list[str | None]], tuple[LearnedBlock, ...]]


def learn_job(groups: Sequence[LearnGroup]) -> list[tuple[LearnedBlock, ...]]:
    """``repeats.learn`` for several sites (a worker job: module-level, so it pickles)."""
    return [tuple(repeats.learn(docs, known)) for docs, known in groups]


def doc_blocks(text: str, keep: BlockRules | None = None) -> list[str | None]:
    """A stored text's blocks for learning (list markers off; ``keep_blocks`` matches None)."""
    blocks = [ln.removeprefix("- ") for ln in text.split("\n")]
    if keep is None or not keep.keep:
        return list(blocks)
    return [None if keep.keeps(b) else b for b in blocks]


def apply_learned(ext: Extracted, taught: Sequence[LearnedBlock], rules: BlockRules) -> Extracted:
    """``ext`` without the newly ``taught`` blocks (``rules``' keep patterns still win)."""
    now = BlockRules(learned=tuple(taught), keep=rules.keep)
    text, html = repeats.drop_from_stored(ext.text, ext.html, now)
    if text == ext.text:
        return ext
    gone = tuple(("learned", t) for t in ext.text.split("\n") if t not in set(text.split("\n")))
    return replace(ext, text=text, html=html, removed=ext.removed + gone)


class SiteLearning:
    """Per-site learned blocks, cached from the store, and the rules a feed's articles get."""

    def __init__(self, store: Store, feeds: Callable[[], FeedIndex]) -> None:
        self.store = store
        self._feeds = feeds  # the current config's feeds (hot reload swaps them)
        self._exact: dict[str, frozenset[str]] = {}
        self._near: dict[str, tuple[LearnedBlock, ...]] = {}
        self._headlines: dict[str, frozenset[str]] = {}

    def exact(self, site: str) -> frozenset[str]:
        if site not in self._exact:
            self._exact[site] = self.store.learned_blocks(site, clean.LEARN_MIN_ARTICLES)
        return self._exact[site]

    def near(self, site: str) -> tuple[LearnedBlock, ...]:
        if not site:
            return ()
        if site not in self._near:
            self._near[site] = self.store.site_learned(site, repeats.MAX_LEARNED_PER_SITE)
        return self._near[site]

    def rules(self, site: str, feed_url: str) -> BlockRules:
        """What an article of ``site`` from feed ``feed_url`` loses beyond the detectors."""
        feed: FeedConfig | None = self._feeds().get(feed_url)
        keep = feed.keep_blocks if feed is not None else ()
        drop = feed.drop_blocks if feed is not None else ()
        return BlockRules(
            learned=self.near(site), keep=keep, drop=drop, headlines=self.headlines(site)
        )

    def headlines(self, site: str) -> frozenset[str]:
        """The site's recent headlines (a teaser of one inside another article goes)."""
        if not site:
            return frozenset()
        if site not in self._headlines:
            titles = self.store.recent_site_titles(site, RECENT_HEADLINES)
            self._headlines[site] = repeats.headline_keys(titles)
        return self._headlines[site]

    def forget_headlines(self) -> None:
        """New articles were stored: read the sites' headlines again when next needed."""
        self._headlines.clear()

    def group(self, site: str, items: Sequence[tuple[int, str, Extracted]]) -> LearnGroup | None:
        """What ``learn_job`` compares for ``site``: a chunk's articles ``(id, feed URL,
        cleaned)`` with the site's latest stored ones, and what the site knows already."""
        ids = {i for i, _, _ in items}
        stored = [t for i, t in self.store.recent_site_texts(site, RECENT_ARTICLES) if i not in ids]
        if len(items) + len(stored) < repeats.EDGE_MIN_ARTICLES:
            return None
        docs = [doc_blocks(ext.text, self.rules(site, feed)) for _, feed, ext in items]
        docs += [doc_blocks(t) for t in stored]
        return docs, self.near(site)

    def record(
        self, taught: dict[str, tuple[str, tuple[LearnedBlock, ...]]], now: datetime
    ) -> None:
        """Store the blocks sites were taught: site -> (feed that taught them, blocks)."""
        for site, (feed_url, blocks) in taught.items():
            self.store.add_learned(site, blocks, feed_url=feed_url, now=now)

    def relearn(self, sites: set[str]) -> None:
        """A site's learned boilerplate grew: re-clean its undelivered articles."""
        for site in sites - {""}:
            exact_before, near_before = self._exact.get(site, frozenset()), self._near.get(site, ())
            self._exact.pop(site, None)
            self._near.pop(site, None)
            exact = self.exact(site)
            near = self.near(site)
            if exact == exact_before and near == near_before:
                continue
            changed = 0
            with self.store.transaction():
                for article_id, feed_url, text, html in self.store.undelivered_from_site(site):
                    rules = self.rules(site, feed_url)
                    new_text, new_html = repeats.drop_from_stored(text, html, rules, exact)
                    if new_text != text:
                        self.store.update_article_text(article_id, html=new_html, text=new_text)
                        changed += 1
            log.info(
                "learned site=%s exact=%d near=%d recleaned=%d",
                site, len(exact), len(near), changed,
            )  # fmt: skip
