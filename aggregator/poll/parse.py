"""Parsing: feed bytes -> ParsedFeed.

feedparser reads RSS 0.9x/1.0/2.0 and Atom from the bytes we fetched (it never does HTTP here:
we hand it bytes plus the response headers, so it can honour the declared charset). feedparser
does not read JSON Feed, so JSON Feed 1.0/1.1 is parsed here directly.

A document that yields nothing usable raises ParseError; a document feedparser calls "bozo" but
that still yields entries is accepted with a warning. Single entries that are unusable (no link,
no id and no content) are skipped and counted.

When the body is an HTML page, ``discover_feed_links`` finds `<link rel="alternate">` feeds so the
caller can say where the real feed is.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin

import feedparser

from aggregator.enrich.language import normalise_code
from aggregator.errors import ParseError
from aggregator.types import Enclosure, LeadImage, Media, ParsedEntry, ParsedFeed

# A published date further in the future than this is not believed; the entry gets the fetch
# time instead (feeds with year-9999 dates would otherwise sit on top of every digest).
MAX_FUTURE_SKEW = timedelta(days=1)

_JSONFEED_MARK = "jsonfeed.org/version/"
# feedparser's "bozo" notes that say nothing about the document's structure: a charset header
# that disagrees with the XML declaration, a feed served as text/html or text/plain
_BENIGN = frozenset({"CharacterEncodingOverride", "NonXMLContentType"})
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_str(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = _CONTROL_CHARS.sub("", value).strip()
    return value or None


def _struct_to_dt(value: object) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _iso_to_dt(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC)
    except (ValueError, OverflowError):  # "0001-01-01T00:00:00+01:00" is before year 1 in UTC
        return None


def _believable(dt: datetime | None, now: datetime) -> datetime | None:
    if dt is None or dt > now + MAX_FUTURE_SKEW:
        return None
    return dt


def looks_like_json_feed(body: bytes, content_type: str = "") -> bool:
    ct = content_type.lower()
    if "feed+json" in ct:
        return True
    head = body[:2048].lstrip()
    return head.startswith(b"{") and _JSONFEED_MARK.encode() in body[:4096]


def parse_feed(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> ParsedFeed:
    """Parse one fetched feed document. Raises ParseError when nothing usable is in it."""
    now = now or datetime.now(UTC)
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    ctype = headers.get("content-type", "")
    if looks_like_json_feed(body, ctype):
        return _parse_json_feed(body, url=url, now=now)
    try:
        d = feedparser.parse(
            body,
            response_headers=headers | {"content-location": url},
            resolve_relative_uris=True,
            sanitize_html=False,
        )
    except Exception as e:  # feedparser is robust, but a hostile body must never crash a poll
        raise ParseError(f"feed parser failed: {type(e).__name__}: {e}") from e
    feed = d.get("feed", {}) or {}
    raw_entries = d.get("entries", []) or []
    version = d.get("version", "") or ""
    if not raw_entries and not version:
        reason = d.get("bozo_exception")
        links = discover_feed_links(body, url) if _looks_like_html(body) else []
        if links:
            raise ParseError(
                f"this is an HTML page, not a feed; it names a feed at {links[0]} "
                f"- use that URL in the feed list"
            )
        if _looks_like_html(body):
            raise ParseError("this is an HTML page, not a feed, and it names no feed")
        raise ParseError(f"not a feed: {reason or 'no RSS/Atom/JSON Feed structure found'}")
    entries: list[ParsedEntry] = []
    skipped = 0
    feed_language = _clean_str(feed.get("language"))
    for raw in raw_entries:
        entry = _entry_from_feedparser(raw, now, feed_language)
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    ttl = None
    ttl_raw = feed.get("ttl")
    if isinstance(ttl_raw, str) and ttl_raw.strip().isdigit():
        ttl = int(ttl_raw.strip())
    warning = None
    exc = d.get("bozo_exception")
    if d.get("bozo") and type(exc).__name__ not in _BENIGN:
        warning = _xml_problem(exc)
    return ParsedFeed(
        title=_clean_str(feed.get("title")),
        link=_clean_str(feed.get("link")),
        entries=tuple(entries),
        ttl_minutes=ttl,
        kind=version,
        skipped_entries=skipped,
        warning=warning,
    )


def _content_of(raw: Mapping[str, object]) -> str | None:
    contents = raw.get("content") or []
    if not isinstance(contents, Iterable):
        return None
    best: str | None = None
    for c in contents:
        value = c.get("value") if isinstance(c, Mapping) else None
        value = _clean_str(value)
        if value and (best is None or len(value) > len(best)):
            best = value
    return best


def _declared_language(raw: Mapping[str, object], feed_language: str | None) -> str | None:
    """The language an entry declares (xml:lang on its content, summary or title, which
    feedparser fills from the feed's own ``<language>`` too), else the feed's; normalised
    (``ru-RU`` -> ``ru``).  Enrichment checks it against the text (``enrich.language``)."""
    contents = raw.get("content")
    details = [*(contents if isinstance(contents, list) else []),
               raw.get("summary_detail"), raw.get("title_detail")]  # fmt: skip
    for d in details:
        lang = normalise_code(_clean_str(d.get("language"))) if isinstance(d, Mapping) else None
        if lang:
            return lang
    return normalise_code(feed_language)


def _xml_problem(exc: object) -> str:
    """Where and what the XML parser stopped at, as a reader can look it up: "line 1,
    column 93: no element found" (an expat error), else the exception's own words."""
    if exc is None:
        return "not well-formed XML"
    line, col, msg = (
        getattr(exc, a, None) for a in ("getLineNumber", "getColumnNumber", "getMessage")
    )
    if callable(line) and callable(col) and callable(msg):
        try:
            return f"line {line()}, column {col()}: {msg()}"
        except Exception:  # a partly built exception: its plain words below
            pass
    return f"{type(exc).__name__}: {exc}"


def _entry_from_feedparser(
    raw: Mapping[str, object], now: datetime, feed_language: str | None = None
) -> ParsedEntry | None:
    guid = _clean_str(raw.get("id"))
    link = _clean_str(raw.get("link"))
    title = _clean_str(raw.get("title")) or ""
    content = _content_of(raw)
    summary = _clean_str(raw.get("summary"))
    if summary and content and summary == content:
        summary = None
    if not (guid or link or content or summary or title):
        return None
    if link and not link.lower().startswith(("http://", "https://")):
        link = None
    published = _believable(_struct_to_dt(raw.get("published_parsed")), now)
    updated = _believable(_struct_to_dt(raw.get("updated_parsed")), now)
    return ParsedEntry(
        guid=guid,
        link=link,
        title=title,
        content_html=content,
        summary_html=summary,
        published=published or updated,
        updated=updated,
        author=_clean_str(raw.get("author")),
        media=_media_of(raw, title),
        language=_declared_language(raw, feed_language),
    )


MAX_ENCLOSURES = 4  # an entry listing more files than this shows its first four


def _http_url(value: object) -> str | None:
    url = _clean_str(value)
    return url if url and url.lower().startswith(("http://", "https://")) else None


def _media_of(raw: Mapping[str, object], title: str) -> Media:
    """Enclosures (RSS ``<enclosure>``, Atom ``rel="enclosure"``) and a lead image
    (media:thumbnail, media:content with an image medium or type, or an image enclosure)."""
    files: list[Enclosure] = []
    image: LeadImage | None = None
    duration = _clean_str(raw.get("itunes_duration"))
    alt = _clean_str(raw.get("media_description")) or _clean_str(raw.get("media_title")) or title
    encl = raw.get("enclosures")
    for e in encl if isinstance(encl, list) else []:
        if not isinstance(e, Mapping):
            continue
        url = _http_url(e.get("href") or e.get("url"))
        kind = _clean_str(e.get("type"))
        if url is None:
            continue
        if kind and kind.lower().startswith("image/"):
            image = image or LeadImage(url, alt)
            continue
        length = str(e.get("length") or "").strip()
        size = int(length) if length.isdigit() and 0 < int(length) < 1 << 53 else None
        if len(files) < MAX_ENCLOSURES:
            files.append(Enclosure(url, kind, size, duration))
    for key in ("media_thumbnail", "media_content"):
        items = raw.get(key)
        for m in items if isinstance(items, list) else []:
            if image is not None or not isinstance(m, Mapping):
                continue
            url = _http_url(m.get("url"))
            kind = str(m.get("medium") or m.get("type") or "image")
            if url is not None and (key == "media_thumbnail" or kind.startswith("image")):
                image = LeadImage(url, alt)
    return Media(tuple(files), image)


def _parse_json_feed(body: bytes, *, url: str, now: datetime) -> ParsedFeed:
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParseError(f"JSON Feed is not valid JSON: {e}") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise ParseError("JSON Feed has no 'items' list")
    version = str(doc.get("version", ""))
    entries: list[ParsedEntry] = []
    skipped = 0
    for item in doc["items"]:
        if not isinstance(item, dict):
            skipped += 1
            continue
        link = _clean_str(item.get("url")) or _clean_str(item.get("external_url"))
        if link:
            link = urljoin(url, link)
            if not link.lower().startswith(("http://", "https://")):
                link = None
        guid = item.get("id")
        guid_s = _clean_str(str(guid)) if guid is not None else None
        content = _clean_str(item.get("content_html"))
        if content is None:
            text = _clean_str(item.get("content_text"))
            if text:
                from html import escape

                content = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
        summary = _clean_str(item.get("summary"))
        title = _clean_str(item.get("title")) or ""
        if not (guid_s or link or content or summary):
            skipped += 1
            continue
        author = None
        authors = item.get("authors")
        if isinstance(authors, list) and authors and isinstance(authors[0], dict):
            author = _clean_str(authors[0].get("name"))
        elif isinstance(item.get("author"), dict):
            author = _clean_str(item["author"].get("name"))
        published = _believable(_iso_to_dt(item.get("date_published")), now)
        updated = _believable(_iso_to_dt(item.get("date_modified")), now)
        entries.append(
            ParsedEntry(
                guid=guid_s,
                link=link,
                title=title,
                content_html=content,
                summary_html=summary,
                published=published or updated,
                updated=updated,
                author=author,
                # JSON Feed 1.1: "language" per item, else the feed's
                language=normalise_code(
                    _clean_str(item.get("language")) or _clean_str(doc.get("language"))
                ),
            )
        )
    kind = "json" + (version.rsplit("/", 1)[-1] if "/" in version else "")
    return ParsedFeed(
        title=_clean_str(doc.get("title")),
        link=_clean_str(doc.get("home_page_url")),
        entries=tuple(entries),
        kind=kind,
        skipped_entries=skipped,
    )


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lower()
    return b"<html" in head or b"<!doctype html" in head


class _AlternateLinkFinder(HTMLParser):
    FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        if "alternate" in a.get("rel", "").lower().split() and a.get("type", "").lower() in (
            self.FEED_TYPES
        ):
            href = a.get("href", "").strip()
            if href:
                self.hrefs.append(href)


def discover_feed_links(body: bytes, base_url: str) -> list[str]:
    """Feed URLs an HTML page advertises with <link rel="alternate">, absolute."""
    finder = _AlternateLinkFinder()
    try:
        finder.feed(body[:512_000].decode("utf-8", errors="replace"))
    except Exception:  # html.parser on hostile markup: discovery is best effort
        return []
    out = []
    for href in finder.hrefs:
        absolute = urljoin(base_url, href)
        if absolute.startswith(("http://", "https://")) and absolute not in out:
            out.append(absolute)
    return out
