"""The configured feeds by URL, and a feed's display name: one definition of each.

``feed_index(config)`` is built once per config (the pipeline keeps it and rebuilds it on a
reload); ``display_name`` is what every listing (`fetch` lines, `status`, the digest's sources,
failing feeds) calls a feed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from aggregator.config import FeedConfig
from aggregator.urls import site_of


@dataclass(frozen=True)
class FeedIndex:
    """The configured feeds, looked up by URL."""

    by_url: Mapping[str, FeedConfig]
    urls: frozenset[str]  # the same keys, as the due query takes them

    def get(self, url: str) -> FeedConfig | None:
        return self.by_url.get(url)


def feed_index(feeds: Iterable[FeedConfig]) -> FeedIndex:
    by_url = {f.url: f for f in feeds}
    return FeedIndex(by_url, frozenset(by_url))


# a feed known by its URL alone is shown as site and path, cut to this many characters
URL_LABEL_MAX = 60


def display_name(url: str, name: str | None = None, title: str | None = None) -> str:
    """The configured name, else the feed's own title, else its site and path (several
    feeds of one site that never answered are told apart), else its URL."""
    if name or title:
        return name or title or ""
    site = site_of(url)
    if not site:
        return url
    try:
        path = urlsplit(url).path.rstrip("/")
    except ValueError:
        path = ""
    label = site + path
    return label if len(label) <= URL_LABEL_MAX else label[: URL_LABEL_MAX - 1] + "…"
