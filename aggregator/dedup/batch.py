"""Batch clustering of JSON-lines records (the ``aggregator cluster`` command)."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime

from aggregator.dedup.deduper import Deduper, DedupItem
from aggregator.enrich.language import decide_language

log = logging.getLogger(__name__)

# ---- batch clustering (the `aggregator cluster` command) ------------------------------------


def _parse_time(v: object) -> float | None:
    """A record's ``published`` as unix seconds: ISO-8601 (naive = UTC) or a number; None
    when absent, unreadable or not finite (the record then keeps the previous time)."""
    if v is None or v == "" or isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        t = float(v)
    else:
        s = str(v).strip()
        try:
            t = float(s)
        except ValueError:
            try:
                d = datetime.fromisoformat(s.replace("Z", "+00:00"))
            except ValueError:
                log.warning("cluster: unreadable published=%r, using the previous time", s[:40])
                return None
            if d.tzinfo is None:
                d = d.replace(tzinfo=UTC)
            try:
                t = d.timestamp()
            except (OverflowError, ValueError):
                return None
    return t if math.isfinite(t) else None


def cluster(
    records: Iterable[Mapping[str, object]],
    *,
    window: float = 7 * 86400,
    story_window: float = 3 * 86400,
) -> Iterator[dict[str, str | None]]:
    """Run the daemon's dedup over records in arrival order; yield {id, duplicate_of, story}.

    The clock is the latest ``published`` (ISO-8601 or unix seconds) seen so far: it never
    runs backwards, so a record dated 2019 between records of today arrives today, as it
    would in the daemon (``article_time``), and a file without dates is one window.
    Stories are consolidated as the daemon does after each poll: whenever the clock moves
    on by ``CLUSTER_POLL`` or more, and at the end; so results come out once the input is
    read.  A record whose dedup raises (a defect) is its own story, with ``error`` set, and
    the others go on."""
    d = Deduper(window=window, story_window=story_window)
    now: float | None = None
    last_cons: float | None = None
    out: list[dict[str, str | None]] = []
    where: dict[str, int] = {}
    for r in records:
        t = _parse_time(r.get("published"))
        if t is not None:
            now = t if now is None else max(now, t)
        clock = now if now is not None else 0.0
        if last_cons is None:
            last_cons = clock
        elif clock - last_cons >= CLUSTER_POLL:
            _apply(out, where, d.consolidate(last_cons))
            last_cons = clock
        url, source, lang = r.get("url"), r.get("source"), r.get("language")
        text, title = str(r.get("text") or ""), str(r.get("title") or "")
        item = DedupItem(
            id=str(r["id"]),
            text=text,
            title=title,
            url=url if isinstance(url, str) else None,
            published=t,
            source=source if isinstance(source, str) else None,  # carried, never decides
            # as the daemon decides it: a declared "language" when the text agrees, else
            # detected (``enrich.language``)
            language=decide_language(title, text, (lang if isinstance(lang, str) else None,)),
        )
        line: dict[str, str | None]
        try:
            res = d.add(item, clock)
            d.evict(clock)
        except Exception as e:  # a defect: this record is set aside, the rest go on
            log.exception("cluster id=%s: dedup failed; the record is its own story", item.id)
            line = {"id": item.id, "duplicate_of": None, "story": item.id, "error": repr(e)}
        else:
            line = {"id": res.id, "duplicate_of": res.duplicate_of, "story": res.story}
        where[item.id] = len(out)
        out.append(line)
    _apply(out, where, d.consolidate(now if now is not None else 0.0))
    yield from out


CLUSTER_POLL = 3600.0  # `cluster`: consolidate when the records' clock moves on this much


def _apply(
    out: list[dict[str, str | None]], where: dict[str, int], changes: Mapping[str, str]
) -> None:
    for id, story in changes.items():
        i = where.get(id)
        if i is not None:
            out[i]["story"] = story


def cluster_lines(lines: Iterable[str]) -> Iterator[str]:
    """JSON-lines wrapper around ``cluster`` for the CLI."""
    recs = (json.loads(line) for line in lines if line.strip())
    for out in cluster(recs):
        yield json.dumps(out, ensure_ascii=False)
