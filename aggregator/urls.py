"""URL canonicalisation for identity: the same article behind different tracking links."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, unquote_plus, urlencode, urlsplit, urlunsplit

# Query parameters that only track where a click came from; they never select content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
        "igshid", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "rb_clickid",
        "s_cid", "vero_id", "wickedid", "twclid", "ref_src", "cmpid", "ncid", "sr_share",
        "at_medium", "at_campaign", "guccounter", "spm", "ito", "itm_source", "itm_medium",
        "itm_campaign", "ref", "ocid", "_ga", "smid",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "__twitter", "hsa_")


def is_tracking_param(name: str) -> bool:
    n = name.lower()
    return n in TRACKING_PARAMS or n.startswith(TRACKING_PREFIXES)


# Never stripped from a link the reader clicks, though ignored for identity: on some sites it
# selects content (``?ref=main`` on a code host), so removing it could break the link.
_LINK_KEEPS = frozenset({"ref"})


def strip_tracking(url: str) -> str:
    """The link with its tracking parameters removed and everything else exactly as it was
    (scheme, host, path, the other parameters in order and encoding, fragment): what the
    digest links to."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    kept = []
    for piece in parts.query.split("&"):
        name = unquote_plus(piece.split("=", 1)[0])
        if not piece or (is_tracking_param(name) and name.lower() not in _LINK_KEEPS):
            continue
        kept.append(piece)
    return urlunsplit(parts._replace(query="&".join(kept)))


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters.

    The path and the remaining query (in its original order) are kept as they are: they select
    content. ``http`` and ``https`` stay distinct only in the scheme we keep; identity of the
    same article over both schemes is left to the text hash.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port if parts.port not in (None, 80 if scheme == "http" else 443) else None
    netloc = host if port is None else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not is_tracking_param(k)
        ],
        doseq=True,
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def url_identity(url: str) -> str:
    """Looser identity for the same article linked from different feeds: like
    ``canonical_url``, and also scheme folded to http, ``www.`` dropped, query parameters
    sorted, trailing slash removed (used by dedup's exact-URL match across feeds)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".").removeprefix("www.")
    try:
        port = parts.port if parts.port not in (None, 80, 443) else None
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(k)
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("http", netloc, path, urlencode(query), ""))


def site_of(url: str | None) -> str:
    """The site an article belongs to, for per-site boilerplate learning: host without www."""
    if not url:
        return ""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


_SLUG_ID = re.compile(r"^(?:.*\d.*|index|article|story|post|amp)$", re.I)
_SLUG_EXT = re.compile(r"\.(?:s?html?|php|aspx?|jsp|cms)$", re.I)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def title_from_url(url: str | None) -> str | None:
    """A headline for an entry that has neither title nor text: the words of the URL's slug
    ("/2026/12/07/severn-barriers-fail.html" -> "Severn barriers fail"), else None. Tokens
    with digits (dates, ids) and words like "index" are dropped; three words are needed (or
    four CJK characters), so a section path such as "/news/world-europe-123" is no slug."""
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for segment in reversed([s for s in path.split("/") if s]):
        words = re.split(r"[-_+.\s]+", _SLUG_EXT.sub("", unquote(segment)))
        words = [w for w in words if w and not _SLUG_ID.match(w)]
        while words and len(words[-1]) == 1:  # "...-haushalt-a-1234abcd" leaves an "a"
            words.pop()
        if len(words) >= 3 or len(_CJK.findall("".join(words))) >= 4:
            text = " ".join(words)
            return text[:1].upper() + text[1:]
    return None
