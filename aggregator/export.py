"""`aggregator export`: every stored article as one JSON object per line.

Schema (DESIGN.md): {"id", "feed", "url", "title", "published", "text", "story", "duplicate_of"}
and, an extension (issue 19), ``language``: the article's ISO 639 code (``en``, ``zh``, ``ru``:
the page's or feed's declared language when the text agrees, else detected; ``enrich.language``)
or null when the text is too short to tell.
``feed`` is the feed URL (stable, unlike display names); ``published`` is ISO-8601 UTC or null;
``story`` is shared by every article grouped into one story; ``duplicate_of`` is the id of the
article this one was collapsed into, else null. ``error`` (beyond the contract, present only then)
says why an article was kept without a dedup decision: its cleaning or dedup raised on every
attempt, and it became its own story (``aggregator status`` lists these); ``held`` (present
only then) why it is never mailed (older than ``digest.max_age`` when first seen). Articles still waiting for cleaning and dedup
(stored by a poll that stopped before it finished them) have no cleaned text yet and are left
out; ``aggregator fetch`` finishes them.
"""

from __future__ import annotations

from collections.abc import Iterator

from aggregator.store import Store


def iter_export(store: Store) -> Iterator[dict[str, object]]:
    for a in store.iter_articles(enriched_only=True):
        yield {
            "id": a.id,
            "feed": a.feed_url,
            "url": a.url,
            "title": a.title,
            "published": a.published.isoformat() if a.published else None,
            "text": a.text,
            "story": a.story,
            "duplicate_of": a.duplicate_of,
            "language": a.language,
            **({"error": a.enrich_error} if a.enrich_error else {}),
            **({"held": a.held} if a.held else {}),
        }
