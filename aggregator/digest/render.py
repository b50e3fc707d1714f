"""Rendering: ``Digest`` -> subject + HTML + plain text -> one multipart/alternative mail.

Templates are jinja2 files, ``digest.html.j2`` and ``digest.txt.j2``. The loader looks in the
user's ``template_dir`` first, then in the package's own ``templates/`` (shipped inside the
package through the ``aggregator/templates`` symlink). The environment is strict
(``StrictUndefined``: a typo in a user template fails loudly instead of printing nothing) and
autoescapes everything except the ``.txt.j2`` plain-text template.

Safety is layered: candidates' titles and texts are plain text, so autoescape neutralises any
markup in them; links reach the templates only through the ``safe_url`` filter (absolute
http(s) or nothing); the templates contain no scripts, images, external CSS or fonts.

HTML for mail clients: the template has one ``<style>`` block; css-inline copies every rule
into ``style=""`` attributes (Gmail and Outlook drop or ignore ``<style>`` in parts) while
``keep_at_rules`` leaves the ``@media`` blocks (dark mode via ``prefers-color-scheme``,
narrow screens) in a ``<style>`` in ``<head>`` for the clients that honour them; those rules
use ``!important`` to beat the inlined styles.

Plain text: whatever the template produces is re-wrapped to ``TEXT_WIDTH`` columns with
``textwrap``, keeping each line's indent and bullet; URLs are never broken (a long URL stays
on its own line), other over-long tokens are split.

``build_message`` assembles the mail: text part first, then HTML (clients show the last
alternative they understand), UTF-8, a ``Date`` from the digest, and a Message-ID derived from
``digest_id`` so a retried send of the same digest carries the same Message-ID.
"""

from __future__ import annotations

import email.utils
import re
import textwrap
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import css_inline
import jinja2

from aggregator.digest.build import build_digest, safe_url
from aggregator.digest.wide_wrap import columns, wrap_wide
from aggregator.errors import TemplateError
from aggregator.types import Digest, DigestCandidate, Enclosure, FailingFeed

HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"

# Plain-text column limit (RFC 3676 recommends <= 78 characters per line).
TEXT_WIDTH = 78

# Sources listed by name under a story; the rest become "+N more" (issue 5).
MAX_SOURCES = 5

_URL_TOKEN = re.compile(r"^<?https?://", re.IGNORECASE)
_BULLET = re.compile(r"^(\s*)([*\-•]\s+|\d{1,3}[.)]\s+)?")


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    html: str
    text: str


# ---- pure formatting helpers (also exposed to templates) --------------------------------------


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``plural(1, "story")`` -> "1 story"; ``plural(2, "story", "stories")`` -> "2 stories"."""
    word = singular if n == 1 else (plural_form or singular + "s")
    return f"{n:,} {word}"


def local_time(dt: datetime | None, timezone: str, now: datetime | None = None) -> str:
    """A short, locale-independent time in the recipient's zone: "Sat 21 Nov, 07:05", with
    the year when it is not the year of ``now`` (the digest's): "Fri 1 Mar 2019, 10:00"."""
    if dt is None:
        return ""
    tz = ZoneInfo(timezone)
    local = dt.astimezone(tz)
    year = "" if now is None or local.year == now.astimezone(tz).year else f" {local.year}"
    return f"{local:%a} {local.day} {local:%b}{year}, {local:%H:%M}"


_KINDS = {"audio": "Audio", "video": "Video", "image": "Image", "application": "File"}


def enclosure_label(e: Enclosure) -> str:
    """ "Audio (MP3, 34.5 MB, 42:10)": the kind, the format, the size and the duration the
    feed gives; only what it gives."""
    kind = "File"
    details = []
    if e.type:
        major, _, minor = e.type.partition("/")
        kind = _KINDS.get(major.lower(), "File")
        fmt = {"mpeg": "MP3", "x-m4a": "M4A", "mp4": "MP4", "ogg": "OGG", "pdf": "PDF"}.get(
            minor.lower(), minor.upper()
        )
        if fmt:
            details.append(fmt[:12])
    if e.length:
        details.append(_size(e.length))
    if e.duration:
        details.append(e.duration[:12])
    return f"{kind} ({', '.join(details)})" if details else kind


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def long_date(dt: datetime, timezone: str) -> str:
    """ "Saturday 21 November 2026" in the recipient's zone."""
    local = dt.astimezone(ZoneInfo(timezone))
    return f"{local:%A} {local.day} {local:%B %Y}"


def subject_for(digest: Digest) -> str:
    local = digest.generated_at.astimezone(ZoneInfo(digest.timezone))
    date = f"{local:%a} {local.day} {local:%b %Y}"
    if digest.is_empty:
        return f"News digest for {date}: nothing new"
    updates = sum(1 for t in digest.topics for s in t.stories if s.is_update)
    extra = f" ({plural(updates, 'update')})" if updates else ""
    return f"News digest for {date}: {plural(digest.story_count, 'story', 'stories')}{extra}"


def _split_long_tokens(line: str, room: int) -> str:
    """Split non-URL tokens longer than ``room`` so textwrap can fold them."""
    if room < 8:
        return line
    words = []
    for word in line.split(" "):
        if len(word) > room and not _URL_TOKEN.match(word):
            word = " ".join(word[i : i + room] for i in range(0, len(word), room))
        words.append(word)
    return " ".join(words)


def wrap_text(text: str, width: int = TEXT_WIDTH) -> str:
    """Wrap every line to ``width`` columns keeping its indent and bullet; URLs stay whole."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        cols = columns(line)
        if cols <= width:
            out.append(line)
            continue
        m = _BULLET.match(line)
        assert m is not None  # the pattern matches the empty string
        indent, bullet = m.group(1), m.group(2) or ""
        hanging = indent + " " * len(bullet)
        if cols != len(line):  # wide characters: by display columns, see wide_wrap
            out.extend(wrap_wide(line[m.end() :], width, indent + bullet, hanging) or [line])
            continue
        body = _split_long_tokens(line[m.end() :], width - len(hanging))
        wrapper = textwrap.TextWrapper(
            width=width,
            initial_indent=indent + bullet,
            subsequent_indent=hanging,
            break_long_words=False,
            break_on_hyphens=False,
        )
        out.extend(wrapper.wrap(body) or [line])
    return "\n".join(out) + "\n"


# ---- jinja environment ------------------------------------------------------------------------


def _autoescape(name: str | None) -> bool:
    return not (name or "").endswith(".txt.j2")


def make_environment(template_dir: Path | None = None) -> jinja2.Environment:
    """The jinja2 environment: user ``template_dir`` first, then the package templates."""
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(template_dir)))
    loaders.append(jinja2.PackageLoader("aggregator", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["safe_url"] = safe_url
    env.globals["plural"] = plural
    return env


def template_context(
    digest: Digest, *, sender: str, dry_run: bool = False, images: bool = False
) -> dict[str, object]:
    tz = digest.timezone
    when: Callable[[datetime | None], str] = lambda dt: local_time(  # noqa: E731
        dt, tz, digest.generated_at
    )
    headlines = [s.headline for t in digest.topics for s in t.stories]
    return {
        "digest": digest,
        "subject": subject_for(digest),
        "sender": sender,
        "date": long_date(digest.generated_at, tz),
        "when": when,
        "max_sources": MAX_SOURCES,
        "update_count": sum(1 for t in digest.topics for s in t.stories if s.is_update),
        "preheader": " · ".join(headlines[:3])[:180],
        "dry_run": dry_run,  # a preview: nothing is marked as read
        "images": images,  # digest.images: show lead images
        "enclosure_label": enclosure_label,
    }


_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def render(
    digest: Digest,
    *,
    template_dir: Path | None = None,
    sender: str,
    dry_run: bool = False,
    images: bool = False,
) -> RenderedDigest:
    """Render ``digest`` into a subject, mail-ready HTML (CSS inlined) and wrapped text.
    Raises ``TemplateError`` (with the template's PATH:LINE) when a template fails."""
    env = make_environment(template_dir)
    context = template_context(digest, sender=sender, dry_run=dry_run, images=images)
    try:
        html = env.get_template(HTML_TEMPLATE).render(context)
        text = env.get_template(TEXT_TEMPLATE).render(context)
    except jinja2.TemplateError as e:
        raise _template_error(e) from e
    except Exception as e:  # a user's template calling a filter or method that raises
        raise _template_error(e) from e
    return RenderedDigest(
        subject=str(context["subject"]),
        html=_INLINER.inline(html),
        text=wrap_text(text),
    )


def sender_domain(sender: str) -> str:
    """The domain of the sender's address when it is a fully qualified name (has a dot),
    else ``aggregator.invalid`` (RFC 2606: never a real host, never someone else's)."""
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2].strip().lower().rstrip(".")
    ok = "." in domain and all(part and len(part) < 64 for part in domain.split("."))
    return domain if ok and re.fullmatch(r"[a-z0-9.-]+", domain) else "aggregator.invalid"


def _template_error(e: Exception) -> TemplateError:
    """``e`` located at the template line it came from: jinja2 gives syntax errors a file and
    line, and rewrites tracebacks of runtime errors so their frames name template lines."""
    if isinstance(e, jinja2.TemplateSyntaxError):
        where = f"{e.filename or e.name or '<template>'}:{e.lineno}"
        return TemplateError(f"template syntax error: {e.message}", where)
    if isinstance(e, jinja2.TemplateNotFound):
        return TemplateError(f"template not found: {e.name}")
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.endswith(".j2")]
    at = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None
    detail = e.message if isinstance(e, jinja2.TemplateError) and e.message else str(e)
    return TemplateError(f"template error: {type(e).__name__}: {detail}", at)


def check_templates(template_dir: Path | None, *, sender: str, timezone: str) -> list[str]:
    """Compile the templates a digest would use and render them against a built-in sample
    digest; the problems as ``PATH:LINE: message`` lines (none: the templates work)."""
    try:
        render(sample_digest(timezone), template_dir=template_dir, sender=sender)
    except TemplateError as e:
        return [str(e)]
    return []


def sample_digest(timezone: str) -> Digest:
    """A small digest with every feature the templates show: two topics, an update, a story
    with several sources, copies and other reports, headlines beyond the cap, a failing
    feed."""
    now = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
    cands = [
        DigestCandidate(
            article_id=i,
            feed_url=f"https://feed{i % 4}.example/rss",
            feed_name=f"Feed {i % 4}",
            topic="World" if i < 6 else "Tech",
            url=f"https://feed{i % 4}.example/a/{i}",
            title=f"Sample headline number {i}",
            text="A first sentence. A second one follows.",
            published=now - timedelta(hours=i),
            fetched_at=now,
            story=f"s{min(i, 3)}",
            duplicate_of=1 if i == 2 else None,
            prefer=False,
            story_delivered_before=i == 7,
        )  # fmt: skip
        for i in range(1, 10)
    ]
    failing = [FailingFeed("Broken feed", "https://broken.example/rss", "HTTP 500", 3, now)]
    return build_digest(
        cands, recipient="me@example.org", topics_order=["World", "Tech"],
        timezone=timezone, now=now, failing=failing, per_topic_cap=2,
    )  # fmt: skip


def message_id(digest: Digest, sender: str) -> str:
    """Deterministic per (recipient, digest): ``digest_id`` already hashes both; on the
    sender's domain, so a retry after a crash repeats the very same Message-ID."""
    return f"<digest-{digest.digest_id}@{sender_domain(sender)}>"


def build_message(
    rendered: RenderedDigest, *, sender: str, recipient: str, digest: Digest
) -> EmailMessage:
    """One multipart/alternative message: text/plain first, then text/html, UTF-8."""
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = email.utils.format_datetime(digest.generated_at)
    msg["Message-ID"] = message_id(digest, sender)
    # mail clients and filters: an automated list-like mail, not a person (RFC 2919, 3834)
    msg["List-Id"] = f"aggregator digest <digest.{sender_domain(sender)}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Aggregator-Digest"] = digest.digest_id
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return msg
