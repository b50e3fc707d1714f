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
only then) why it is never mailed: older than ``digest.max_age`` when first seen (also before
a digest has recorded it), or left out
by the filters of every profile (``mute: ...`` / ``keep: ...``, evaluated against the config
in force, exactly as the next digest evaluates them); ``held_for`` (present only then) maps
the profiles whose filters leave it out, when others take it, to the reason;
``full_text_error`` (present only then) why the article page of a teaser could not be used
(a dead link, a page without text): the article keeps the feed's own text. Articles still
waiting for cleaning and dedup
(stored by a poll that stopped before it finished them) have no cleaned text yet and are left
out; ``aggregator fetch`` finishes them.
"""

from __future__ import annotations

from collections.abc import Iterator

from aggregator.config import Config
from aggregator.digest import filters
from aggregator.digest.build import held_reason
from aggregator.store import Store


def iter_export(store: Store, config: Config | None = None) -> Iterator[dict[str, object]]:
    """Every finished article; with ``config``, also why its filters hold it back."""
    for a in store.iter_articles(enriched_only=True):
        held, held_for = a.held, {}
        if config is not None and held is None:
            # max_age as the next digest will record it (a real digest stores the reason)
            held = held_reason(a.published, a.fetched_at, config.digest.max_age)
        if config is not None and held is None:
            text = filters.haystack(a.title, a.text, a.author)
            held_for = filters.reasons_by_profile(config, a.feed_url, text)
            if len(held_for) == len(config.readers()):
                held, held_for = next(iter(held_for.values())), {}
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
            **({"full_text_error": a.full_text_error} if a.full_text_error else {}),
            **({"held": held} if held else {}),
            **({"held_for": held_for} if held_for else {}),
        }
