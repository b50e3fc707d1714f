"""Rendering: templates -> mail-ready HTML + plain text -> one multipart/alternative message."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
import pytest

from aggregator.digest import build_digest
from aggregator.digest.render import (
    MAX_SOURCES,
    TEXT_WIDTH,
    RenderedDigest,
    build_message,
    render,
    wrap_text,
)
from aggregator.errors import TemplateError
from aggregator.types import Digest, DigestCandidate, FailingFeed

NOW = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
SENDER = "Aggregator <digest@example.org>"
RECIPIENT = "reader@example.org"


def cand(article_id: int, story: str, **kw: Any) -> DigestCandidate:
    feed = kw.pop("feed", f"feed{article_id}")
    values: dict[str, Any] = {
        "article_id": article_id,
        "feed_url": f"https://{feed}.example/rss",
        "feed_name": f"{feed.title()} News",
        "topic": "World",
        "url": f"https://{feed}.example/2026/11/21/a-long-article-path-{article_id}",
        "title": f"Parliament passes the budget after a long night, story {story}",
        "text": "Parliament passed the budget early on Saturday after an all-night session. "
        "The vote was 240 to 180. Opposition leaders promised to challenge it in court.",
        "published": NOW - timedelta(hours=article_id),
        "fetched_at": NOW,
        "story": story,
        "duplicate_of": None,
        "prefer": False,
        "story_delivered_before": False,
    }
    values.update(kw)
    return DigestCandidate(**values)


HOSTILE_TITLE = (
    '<script>alert("owned")</script>Evil <b onmouseover="alert(1)">headline</b> '
    '<img src="https://track.example/p.gif" width="1" height="1"> 🎉 '
    '<x-widget onclick="steal()">widget</x-widget>'
)
HOSTILE_TEXT = (
    '<div style="width: expression(alert(1))">Readers were warned about malware today.</div> '
    '<a href="javascript:alert(1)" onclick="alert(2)">Click here</a> to learn more. '
    "More text follows."
)
LONG_TITLE = " ".join(["Interminable"] * 416)  # 5,000+ characters
RTL_TITLE = "مرحبا بالعالم: البرلمان يقر الميزانية 🇺🇦"


def hostile_candidates() -> list[DigestCandidate]:
    return [
        cand(1, "evil", title=HOSTILE_TITLE, text=HOSTILE_TEXT, url="javascript:alert(1)"),
        cand(2, "long", title=LONG_TITLE, text="x" * 5000 + " end."),
        cand(
            3,
            "rtl",
            title=RTL_TITLE,
            text="هذا نص عربي يصف الأحداث. وهذه جملة ثانية.",
            topic="عالم",
        ),
        cand(4, "data", url="data:text/html,<script>alert(1)</script>", feed="data"),
        cand(5, "evil", url="https://ok.example/" + "segment/" * 40, feed="fine"),
    ]


def make_digest(cands: list[DigestCandidate] | None = None, **kw: Any) -> Digest:
    args: dict[str, Any] = {
        "recipient": RECIPIENT,
        "topics_order": ["World", "Tech"],
        "timezone": "Europe/Kyiv",
        "now": NOW,
    }
    args.update(kw)
    return build_digest(cands if cands is not None else rich_candidates(), **args)


def rich_candidates() -> list[DigestCandidate]:
    many = [cand(10 + i, "many", feed=f"outlet{i}") for i in range(8)]  # 8 sources
    return [
        *many,
        cand(1, "upd", story_delivered_before=True, topic="Tech"),
        cand(2, "solo", topic="General"),
        *[cand(30 + i, f"flood{i}", feed="flood", topic="Sports") for i in range(14)],
    ]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._stack:
            while self._stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not set(self._stack) & {"style", "title"}:
            self.text.append(data)


def parse(html: str) -> Tags:
    p = Tags()
    p.feed(html)
    return p


def check_mail_html(html: str) -> Tags:
    """Invariants every rendered digest must satisfy."""
    p = parse(html)
    names = {t for t, _ in p.tags}
    assert not names & {"script", "img", "iframe", "object", "embed", "link", "form", "svg"}
    for tag, attrs in p.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        if tag == "a":
            assert re.match(r"https?://[^/\s]+", attrs.get("href") or ""), attrs
        style = (attrs.get("style") or "").lower()
        assert "expression(" not in style and "url(" not in style and "javascript:" not in style
    head = html.split("</head>", 1)[0]
    assert "@media (prefers-color-scheme: dark)" in head
    assert "@import" not in html and "<link" not in html
    return p


def check_text(text: str) -> None:
    for line in text.splitlines():
        if len(line) > TEXT_WIDTH:
            assert re.fullmatch(r"\s*\S*https?://\S+", line), f"long line: {line!r}"


# ---- the message ----------------------------------------------------------------------------


@pytest.fixture
def rendered() -> tuple[Digest, RenderedDigest]:
    digest = make_digest()
    return digest, render(digest, sender=SENDER)


def test_message_is_multipart_alternative_text_then_html(
    rendered: tuple[Digest, RenderedDigest],
) -> None:
    digest, r = rendered
    msg = build_message(r, sender=SENDER, recipient=RECIPIENT, digest=digest)
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert parts[0].get_content() == r.text
    assert parts[1].get_content().rstrip("\n") == r.html.rstrip("\n")
    # on the sender's domain (a fully qualified name), with list and automation headers
    assert parsed["Message-ID"] == f"<digest-{digest.digest_id}@example.org>"
    assert parsed["List-Id"] == "aggregator digest <digest.example.org>"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Date"] is not None and parsed["To"] == RECIPIENT
    assert parsed["Subject"] == "News digest for Sat 21 Nov 2026: 17 stories (1 update)"


@pytest.mark.parametrize(
    ("sender", "domain"),
    [
        ("Aggregator <aggregator@news.example.org>", "news.example.org"),
        ("aggregator@Example.ORG.", "example.org"),
        ("Aggregator <aggregator@localhost>", "aggregator.invalid"),  # not fully qualified
        ("no address at all", "aggregator.invalid"),
        ("x <a@exa_mple!.org>", "aggregator.invalid"),
    ],
)
def test_message_id_is_on_the_senders_domain(sender: str, domain: str) -> None:
    d = make_digest()
    msg = build_message(render(d, sender=sender), sender=sender, recipient=RECIPIENT, digest=d)
    assert str(msg["Message-ID"]) == f"<digest-{d.digest_id}@{domain}>"
    assert str(msg["List-Id"]).endswith(f"<digest.{domain}>")


def test_message_id_is_deterministic_per_recipient_and_digest() -> None:
    def mid(recipient: str, now: datetime = NOW) -> str:
        d = make_digest(recipient=recipient, now=now)
        msg = build_message(render(d, sender=SENDER), sender=SENDER, recipient=recipient, digest=d)
        return str(msg["Message-ID"])

    assert mid(RECIPIENT) == mid(RECIPIENT, NOW + timedelta(minutes=5))  # a retry
    assert mid(RECIPIENT) != mid("someone@example.org")


def test_html_is_mail_safe_and_inlined(rendered: tuple[Digest, RenderedDigest]) -> None:
    _, r = rendered
    p = check_mail_html(r.html)
    styled = [t for t, a in p.tags if a.get("style")]
    assert len(styled) > 20  # css-inline copied the rules into style="" attributes
    body_css = r.html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert body_css.lstrip().startswith("@media")  # plain rules inlined, only @media kept
    assert ".card { max-width" not in body_css
    assert "max-width: 640px" in r.html


def test_content_sections_counts_and_footer(rendered: tuple[Digest, RenderedDigest]) -> None:
    digest, r = rendered
    html_text = " ".join(" ".join(parse(r.html).text).split())
    for text in (html_text, r.text):
        # eight outlets' own write-ups of one story are reports, not copies (issue 14, 4)
        assert "17 stories" in text and "24 articles" in text and "7 other reports" in text
        assert "copies collapsed" not in text
        assert f"+{8 - MAX_SOURCES} more" in text
        # beyond the cap: linked headlines with their sources, not an "N more" line (issue 14, 1)
        assert "More in Sports:" in text and "left out" not in text
        for story in digest.topics[2].headlines:
            assert story.headline in text
    positions = [r.text.index(f"\n{name} (") for name in ("World", "Tech", "Sports", "General")]
    assert positions == sorted(positions)
    assert html_text.index("World") < html_text.index("Tech") < html_text.index("General")
    assert 'class="badge"' in r.html and "[UPDATE]" in r.text
    assert "Feeds in trouble" not in html_text


def test_failing_feeds_footer() -> None:
    failing = [FailingFeed("Flaky", "https://flaky.example/rss", "HTTP 503", 4, NOW)]
    r = render(make_digest(failing=failing), sender=SENDER)
    assert "1 feed failing" in r.text and "FEEDS IN TROUBLE" in r.text and "HTTP 503" in r.text
    assert "Feeds in trouble" in r.html and "1 feed failing" in r.html
    assert "Sat 21 Nov, 07:00" in r.text  # since, in the recipient's zone


def test_text_part_wrapped_and_readable(rendered: tuple[Digest, RenderedDigest]) -> None:
    _, r = rendered
    check_text(r.text)
    assert "https://outlet7.example/2026/11/21/a-long-article-path-17" in r.text
    assert "<" not in r.text and "&amp;" not in r.text


def test_empty_digest_renders() -> None:
    d = make_digest([])
    r = render(d, sender=SENDER)
    assert "nothing new" in r.subject and "Nothing new since the last digest." in r.text
    check_mail_html(r.html)


# ---- hostile content ------------------------------------------------------------------------


def test_hostile_content_is_neutralised_in_both_parts() -> None:
    d = make_digest(hostile_candidates())
    r = render(d, sender=SENDER)
    p = check_mail_html(r.html)
    visible = " ".join(" ".join(p.text).split())
    assert "Evil headline" in visible and "🎉" in visible  # legible, markup gone
    assert "<x-widget" not in r.html and "&lt;x-widget" in r.html  # unknown tag: escaped text
    assert "Readers were warned about malware today." in visible
    for part in (r.html.lower(), r.text.lower()):
        assert "javascript:" not in part and "<script" not in part and "expression(" not in part
        assert "track.example" not in part  # the tracking pixel is gone, not even as text
    # the 5,000-character title is cut at a word boundary
    long_headline = next(s.headline for t in d.topics for s in t.stories if s.story_id == "long")
    assert len(long_headline) <= 200 and long_headline.endswith("Interminable…")
    # RTL text keeps its direction hint and arrives intact in both parts
    assert RTL_TITLE in r.text and RTL_TITLE in r.html
    assert re.search(r'<h3 class="headline" dir="auto"[^>]*>(?:(?!</h3>).)*' + "مرحبا", r.html)
    check_text(r.text)


def test_an_outlets_second_report_is_listed_with_its_link_in_both_parts() -> None:
    hostile = '<script>x()</script>Second <b onclick="y()">report</b>'
    d = make_digest([
        cand(1, "s", feed="desk", text="The lead, the longest text of the three. " * 9),
        cand(2, "s", feed="desk", title=hostile, url="https://desk.example/second"),
        cand(3, "s", feed="desk", title="A third", url="javascript:alert(1)"),
    ])  # fmt: skip
    r = render(d, sender=SENDER)
    hrefs = [a.get("href") for t, a in parse(r.html).tags if t == "a"]
    assert "https://desk.example/second" in hrefs and not any("javascript" in h for h in hrefs)
    visible = " ".join(" ".join(check_mail_html(r.html).text).split())
    assert "Also from Desk News: Second report" in visible
    assert "Also from Desk News: A third" in visible  # named, not linked
    assert "Also from Desk News: Second report\n  https://desk.example/second" in r.text
    assert "<script" not in r.html.lower() and "onclick" not in r.html.lower()
    check_text(r.text)


def test_data_and_javascript_links_become_plain_text() -> None:
    d = make_digest(hostile_candidates())
    r = render(d, sender=SENDER)
    hrefs = [a.get("href") for t, a in parse(r.html).tags if t == "a"]
    assert hrefs and all(h and h.startswith("https://") for h in hrefs)
    assert "Data News" in r.html  # the source is still named, just not linked


# ---- templates --------------------------------------------------------------------------------


def test_user_template_dir_overrides_one_template(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text(
        "Custom {{ digest.story_count }} & <raw>\n{% for t in digest.topics %}{{ t.name }}\n{% endfor %}"
    )
    r = render(make_digest(), template_dir=tmp_path, sender=SENDER)
    assert r.text.startswith(
        "Custom 17 & <raw>\nWorld\nTech\nSports\nGeneral\n"
    )  # text: no HTML escaping
    assert "Daily digest" in r.html  # html falls back to the package template


def test_strict_undefined_in_user_template(tmp_path: Path) -> None:
    (tmp_path / "digest.html.j2").write_text("<p>\n{{ digest.no_such_field }}")
    with pytest.raises(TemplateError) as exc:
        render(make_digest(), template_dir=tmp_path, sender=SENDER)
    # located at the template line, with jinja2's own error kept as the cause
    assert exc.value.where == f"{tmp_path / 'digest.html.j2'}:2"
    assert isinstance(exc.value.__cause__, jinja2.UndefinedError)
    assert "no_such_field" in str(exc.value)


def test_html_template_autoescapes_user_templates_too(tmp_path: Path) -> None:
    (tmp_path / "digest.html.j2").write_text("<p>{{ digest.topics[0].stories[0].headline }}</p>")
    d = make_digest([cand(1, "a", title="Tom & Jerry <b>x</b>")])
    assert render(d, template_dir=tmp_path, sender=SENDER).html.count("Tom &amp; Jerry x") == 1


def test_wrap_text_keeps_bullets_indents_and_urls() -> None:
    url = "https://example.org/" + "a" * 100
    text = "* " + "word " * 30 + "\n  " + url + "\n  " + "z" * 200 + "\nshort"
    out = wrap_text(text)
    lines = out.splitlines()
    assert lines[0].startswith("* word") and all(line.startswith("  word") for line in lines[1:2])
    assert "  " + url in lines
    assert lines[-1] == "short"
    check_text(out)
    assert "".join(line.strip() for line in lines if set(line.strip()) == {"z"}) == "z" * 200


def test_dates_carry_the_year_when_it_is_not_the_digests() -> None:
    """Issue 14, item 3: a 2019 post showed as "Fri 1 Mar, 10:00"."""
    from aggregator.digest.render import local_time

    now = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
    assert local_time(datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "UTC", now) == "Sun 1 Mar, 10:00"
    assert (
        local_time(datetime(2019, 3, 1, 10, 0, tzinfo=UTC), "UTC", now) == "Fri 1 Mar 2019, 10:00"
    )
    # the year is the recipient's: 23:30 UTC on New Year's Eve is already next year in Kyiv
    eve = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    assert (
        local_time(eve, "Europe/Kyiv", datetime(2026, 1, 1, 7, 0, tzinfo=UTC)) == "Thu 1 Jan, 01:30"
    )
    d = make_digest([cand(1, "old", published=datetime(2019, 3, 1, 10, 0, tzinfo=UTC))])
    text = render(d, sender=SENDER).text
    assert "1 Mar 2019" in text


def test_a_malformed_feed_is_listed_without_failed_attempts() -> None:
    """A feed whose last document was broken XML answered (no failed attempt) but may have
    lost entries: it is listed under the feeds in trouble and counted apart."""
    failing = [
        FailingFeed("Flaky", "https://flaky.example/rss", "HTTP 503", 2, NOW),
        FailingFeed(
            "Cut Off", "https://cut.example/rss",
            "feed is not well-formed (line 1, column 93: no element found); 0 entries read,"
            " others may be missing or garbled", 0, None,
        ),
    ]  # fmt: skip
    r = render(make_digest(failing=failing), sender=SENDER)
    html_text = " ".join(" ".join(parse(r.html).text).split())
    for text in (" ".join(r.text.split()), html_text):
        assert "1 feed failing" in text and "1 feed malformed" in text
        assert "(2 failed attempts)" in text and "0 failed attempts" not in text
        assert "Cut Off" in text and "feed is not well-formed (line 1, column 93" in text
