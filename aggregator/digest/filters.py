"""Readers' filters (``filters: {mute, keep}``): which articles a profile's digest leaves out,
and why (pure; no I/O).

The filters of three levels add up for one article and one profile: the global ``filters``,
its feed's ``feeds[].filters`` and the profile's ``profiles[].filters``. They are matched on
title + text + author. An article that matches any ``mute`` entry is muted; else, when the
levels hold any ``keep`` entry, an article that matches none of them is not kept. Mute wins
over keep: ``keep`` narrows what is mailed, it never lets a muted article through.

Filters are applied when a digest is built, against the config in force then (never frozen
into the database), so an edit of the YAML also applies to articles stored but not yet
delivered, and ``export`` (which asks the same functions) always agrees with the next digest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aggregator.config import Config
from aggregator.config.model import FeedConfig, FiltersConfig, ProfileConfig

# (where the patterns come from, as the YAML says it; the patterns)
Level = tuple[str, FiltersConfig]

# quoted matches are cut to this many characters in a reason
_SHOWN_MATCH = 60


def haystack(title: str, text: str, author: str | None) -> str:
    """What filters look at: title, then text, then author (a ``/^.../`` regex anchors at
    the start of the title)."""
    return "\n".join((title, text, author or ""))


def levels(config: Config, feed: FeedConfig | None, profile: ProfileConfig) -> list[Level]:
    """The filter levels that apply to one feed's articles in one profile's digest."""
    out: list[Level] = [("filters", config.filters)]
    if feed is not None:
        out.append((f"feeds[{feed.name or feed.url}].filters", feed.filters))
    out.append((f"profiles[{profile.name}].filters", profile.filters))
    return [(where, f) for where, f in out if f.mute or f.keep]


def filter_reason(text: str, applied: Sequence[Level]) -> str | None:
    """Why ``text`` (a ``haystack``) is left out of a digest by ``applied``, or None."""
    for where, f in applied:
        for pattern in f.mute:
            m = pattern.search(text)
            if m is not None:
                return f"mute: {where}.mute matches {m.group()[:_SHOWN_MATCH]!r}"
    keeps = [(where, p) for where, f in applied for p in f.keep]
    if keeps and not any(p.search(text) for _, p in keeps):
        sources = ", ".join(dict.fromkeys(f"{where}.keep" for where, _ in keeps))
        return f"keep: matches none of {sources}"
    return None


def reasons_by_profile(
    config: Config, feed_url: str, text: str, profiles: Iterable[ProfileConfig] | None = None
) -> dict[str, str]:
    """Profile name -> why its digest leaves this article out (profiles that take it are
    absent). ``text``: the article's ``haystack``."""
    feed = config.feed(feed_url)
    out: dict[str, str] = {}
    for profile in config.readers() if profiles is None else profiles:
        why = filter_reason(text, levels(config, feed, profile))
        if why is not None:
            out[profile.name] = why
    return out
