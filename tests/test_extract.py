"""Extraction end to end on real HTML: the 12-article fixture site, files, feed HTML, teasers."""

from __future__ import annotations

import gzip
import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from aggregator.enrich.clean import LEARN_MIN_ARTICLES, block_hash
from aggregator.enrich.extract import (
    Extracted,
    clean_feed_html,
    extract_file,
    extract_page,
    feed_blocks,
    is_teaser,
)
from aggregator.errors import ExtractError

SITE = Path(__file__).parent / "fixtures" / "site"
EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))
ARTICLES = sorted(EXPECTED["articles"])
SHARED = EXPECTED["shared"]
SHARED_BLOCKS = [SHARED["donation"], SHARED["bio"], *SHARED["related"]]


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<html><body><p>fetched</p></body></html>")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture()
def local_site() -> Iterator[str]:
    """A real local HTTP server: the URLs we pass must never be fetched by extraction."""
    _Recorder.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _check_article(name: str, got: Extracted) -> None:
    for block in SHARED_BLOCKS:
        assert block not in got.text, (name, block)
        assert block not in got.html, (name, block)
    for para in EXPECTED["articles"][name]["paragraphs"]:
        assert para in got.text, (name, para)
    assert "Related:" not in got.text


def test_fixture_site_without_learning(local_site: str) -> None:
    for name in ARTICLES:
        got = extract_page((SITE / name).read_bytes(), f"{local_site}/2026/{name}")
        _check_article(name, got)
        assert got.title == EXPECTED["articles"][name]["title"]
        assert got.author == "Maya Ortiz"
        assert got.language == "en"
        assert got.date is not None and got.date.startswith("2026-03-")
        assert any(name == "donation" for name, _ in got.removed)
    assert _Recorder.hits == []  # trafilatura never fetched anything


def test_fixture_site_with_per_site_learning(local_site: str) -> None:
    """The store's role, played by a Counter: article n is cleaned with what 1..n-1 taught."""
    seen: Counter[str] = Counter()
    learned_at: list[int] = []
    for name in ARTICLES:
        learned = {h for h, c in seen.items() if c >= LEARN_MIN_ARTICLES}
        got = extract_page((SITE / name).read_bytes(), f"{local_site}/2026/{name}", learned=learned)
        _check_article(name, got)
        seen.update(set(got.block_hashes))
        learned_at.append(len(learned))
    # the shared donation appeal and bio were learned (counted once per article) ...
    assert seen[block_hash(SHARED["donation"])] == len(ARTICLES)
    assert seen[block_hash(SHARED["bio"])] == len(ARTICLES)
    # ... from the (LEARN_MIN_ARTICLES + 1)-th article on, and no real paragraph was
    assert learned_at[:LEARN_MIN_ARTICLES] == [0] * LEARN_MIN_ARTICLES
    assert learned_at[LEARN_MIN_ARTICLES] > 0
    for name in ARTICLES:
        for para in EXPECTED["articles"][name]["paragraphs"]:
            assert seen[block_hash(para)] == 1
    assert _Recorder.hits == []


def test_learning_removes_site_boilerplate_no_detector_knows() -> None:
    promo = "The Harbor Ledger turns 40 this year: join us on the pier for cake and music."
    feed_items = [
        f"<p>{para}</p><p>{promo}</p>"
        + "".join(f"<p>{p}</p>" for p in EXPECTED["articles"][n]["paragraphs"][1:])
        for n, para in ((n, EXPECTED["articles"][n]["paragraphs"][0]) for n in ARTICLES)
    ]
    seen: Counter[str] = Counter()
    kept_promo = []
    for html in feed_items:
        learned = {h for h, c in seen.items() if c >= LEARN_MIN_ARTICLES}
        got = clean_feed_html(html, "https://harborledger.example/", learned=learned)
        kept_promo.append(promo in got.text)
        seen.update(set(got.block_hashes))
    assert kept_promo[:LEARN_MIN_ARTICLES] == [True] * LEARN_MIN_ARTICLES
    assert not any(kept_promo[LEARN_MIN_ARTICLES:])


def test_extract_file_html_and_gz(tmp_path: Path) -> None:
    page = (SITE / ARTICLES[0]).read_bytes()
    plain = tmp_path / "a.html"
    plain.write_bytes(page)
    packed = tmp_path / "a.html.gz"
    packed.write_bytes(gzip.compress(page))
    a = extract_file(plain)
    b = extract_file(packed, "https://harborledger.example/a")
    assert a.text == b.text
    _check_article(ARTICLES[0], a)


def test_extract_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ExtractError, match="cannot read"):
        extract_file(tmp_path / "missing.html")
    bad = tmp_path / "bad.html.gz"
    bad.write_bytes(b"\x1f\x8bnot really gzip")
    with pytest.raises(ExtractError):
        extract_file(bad)


@pytest.mark.parametrize(
    "html", [b"", "   ", "<html><body></body></html>", "<html><body><nav>Home</nav></body></html>"]
)
def test_nothing_usable_raises(html: str | bytes) -> None:
    with pytest.raises(ExtractError):
        extract_page(html, "https://example.org/x")


def test_html_output_is_sanitized_and_absolute() -> None:
    page = (
        "<html><body><article><h1>Ferry fares rise again</h1>"
        + "".join(
            f'<p>{p} <a href="/more/{i}">more</a><script>alert(1)</script></p>'
            for i, p in enumerate(EXPECTED["articles"][ARTICLES[0]]["paragraphs"])
        )
        + "</article></body></html>"
    )
    got = extract_page(page, "https://harborledger.example/2026/fares")
    assert "<script" not in got.html and "alert(1)" not in got.html
    assert 'href="https://harborledger.example/more/0"' in got.html
    assert "alert(1)" not in got.text


def test_clean_feed_html_removes_boilerplate_and_keeps_text() -> None:
    paras = EXPECTED["articles"][ARTICLES[1]]["paragraphs"]
    html = (
        "".join(f"<p>{p}</p>" for p in paras)
        + f"<p>{SHARED['donation']}</p>"
        + "<p>The post Library opens weekend hours appeared first on The Harbor Ledger.</p>"
    )
    got = clean_feed_html(html, "https://harborledger.example/")
    assert got.text.split("\n") == paras
    assert [n for n, _ in got.removed] == ["donation", "byline"]


def test_clean_feed_html_plain_text_with_breaks() -> None:
    got = clean_feed_html(
        "First line of text here.<br><br>Second line of text here.<br>Share this article"
    )
    assert "First line of text here." in got.text
    assert "Second line of text here." in got.text


@pytest.mark.parametrize(
    ("content", "summary", "expected"),
    [
        (None, "<p>Short summary.</p>", True),
        ("", "<p>Short summary.</p>", True),
        (None, None, True),
        ("<p>Only a couple of sentences here.</p>", None, True),
        ("<p>" + "Long text. " * 80 + "</p>", None, False),
        ("<p>" + "Long text. " * 80 + "and then it stops…</p>", None, True),
        ("<p>" + "Long text. " * 80 + "[...]</p>", None, True),
        ("<p>" + "Long text. " * 80 + '<a href="/x">Continue reading »</a></p>', None, True),
        ("<p>" + "Long text. " * 80 + "Read more</p>", None, True),
        ("<p>" + "Long text. " * 80 + "Readers want more detail.</p>", None, False),
    ],
)
def test_is_teaser(content: str | None, summary: str | None, expected: bool) -> None:
    assert is_teaser(content, summary) is expected


# ---- text assembly (issue 20) ----------------------------------------------------------------

LEDE = (
    "The harbor board voted on Tuesday night to close the north pier for repairs through the "
    "summer, after inspectors found corroded pilings under the ferry landing."
)
BODY = (
    "Ferry service will move to the south terminal from June 1, the board said, and buses will "
    "run between the two landings every fifteen minutes during the morning rush."
)
MORE = (
    "Business owners near the north pier said they expect to lose a third of their summer "
    "trade, and asked the city for help with rent while the work goes on."
)


def _page(body: str, title: str = "Harbor board closes the north pier") -> str:
    return (
        f"<!doctype html><html lang='en'><head><title>{title} | The Example Times</title></head>"
        f"<body><header><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></header>"
        f"<main><article><h1>{title}</h1>{body}</article></main>"
        "<footer><p>© 2026 The Example Times</p></footer></body></html>"
    )


def test_page_byline_boxes_stay_apart() -> None:
    # outlet and author in two styled spans, as news templates publish them
    byline = (
        '<div class="credit"><a href="/">The Example Times</a><span class="name">Jane Doe'
        "</span></div>"
    )
    got = extract_page(_page(f"<p>{LEDE}</p>{byline}<p>{BODY}</p><p>{MORE}</p>"), None)
    assert "TimesJane" not in got.text and "TimesJane" not in got.html
    assert "The Example Times Jane Doe" in got.text


def test_feed_byline_boxes_stay_apart_and_words_inside_markup_do_not_split() -> None:
    html = (
        f"<p>{LEDE}</p>"
        '<p><a href="https://example.com/">The Example Times</a><span>Jane Doe</span> reports '
        "from the <b>W</b>aterfront, where CO<sub>2</sub> sensors and a <em>re</em>built "
        "crane stand idle.</p>"
        f"<p>{BODY}</p>"
    )
    got = clean_feed_html(html, "https://example.com/feed")
    assert "The Example Times Jane Doe reports" in got.text
    assert "the Waterfront, where CO2 sensors and a rebuilt crane" in got.text


def test_embedded_tweet_becomes_one_linked_quote_line() -> None:
    tweet = (
        '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">The north pier is closed '
        'from today. Ferries leave from the south terminal. <a href="https://t.co/Xy12ab">'
        "pic.twitter.com/Xy12ab</a></p>&mdash; Harbor Board (@harborboard) "
        '<a href="https://twitter.com/harborboard/status/1765432100000000000">March 3, 2026</a>'
        '</blockquote><script async src="https://platform.twitter.com/widgets.js"></script>'
    )
    for got in (
        extract_page(_page(f"<p>{LEDE}</p>{tweet}<p>{BODY}</p><p>{MORE}</p>"), None),
        clean_feed_html(f"<p>{LEDE}</p>{tweet}<p>{BODY}</p>", "https://example.com/feed"),
    ):
        line = (
            "The north pier is closed from today. Ferries leave from the south terminal. "
            "— Harbor Board (@harborboard) March 3, 2026"
        )
        assert line in got.text.split("\n")
        assert "pic.twitter.com" not in got.text and "t.co" not in got.html
        assert "https://twitter.com/harborboard/status/1765432100000000000" in got.html


def test_instagram_embed_and_leftover_debris_are_removed() -> None:
    insta = (
        '<blockquote class="instagram-media" data-instgrm-permalink='
        '"https://www.instagram.com/p/C4abcDEF/"><div><a href="https://www.instagram.com/p/'
        'C4abcDEF/">View this post on Instagram</a></div><p><a href="https://www.instagram.com/'
        'p/C4abcDEF/">A post shared by Harbor Board (@harborboard)</a></p></blockquote>'
    )
    debris = (
        "<p>pic.twitter.com/Zz98yy</p><p>— Harbor Board (@harborboard) March 3, 2026</p>"
        "<p>A post shared by Harbor Board (@harborboard)</p>"
    )
    got = clean_feed_html(
        f"<p>{LEDE}</p>{insta}<p>{BODY}</p>{debris}<p>{MORE}</p>", "https://example.com/feed"
    )
    assert got.text.split("\n") == [LEDE, BODY, MORE]


def test_live_blog_header_slug_teaser_and_author_profile_are_removed() -> None:
    html = (
        "<p>What happened on March 3:</p>"
        f"<p>{LEDE}</p><p>{BODY}</p>"
        '<p><a href="https://example.com/2026/03/city-council-approves-new-budget">'
        "city-council-approves-new-budget</a></p>"
        f"<p>{MORE}</p>"
        "<h3>Author Profile</h3><p>Jane Doe</p><p>Jane Doe covers the harbor, its ferries and "
        "its unions for The Example Times. She lives in the old town with two cats and a "
        "rowing boat, and before this she covered the statehouse for a decade.</p>"
    )
    got = clean_feed_html(html, "https://example.com/feed")
    assert got.text.split("\n") == [LEDE, BODY, MORE]


def test_text_after_a_subheading_outside_any_paragraph_is_kept() -> None:
    from lxml import etree

    from aggregator.enrich.assemble import blocks_from_body

    body = etree.fromstring(
        f"<body><p>{LEDE}</p><head rend='h2'>Why the pier closed</head>{BODY}"
        "<p>Ein Resu\u0308mee mit wei\u00adchen Tren\u00adnun\u00adgen.</p>"
        "<p>Keep <code>~/harbor</code>, then run it.</p>"
        "<list><item>one</item></list>Tags<p>end.</p></body>"
    )
    texts = [b.text for b in blocks_from_body(body)]
    assert texts == [
        LEDE,
        "Why the pier closed",
        BODY,  # loose text that reads as prose
        "Ein Resümee mit weichen Trennungen.",  # NFC, soft hyphens gone
        "Keep ~/harbor, then run it.",  # inline code stays inline
        "one",
        "end.",  # "Tags": loose metadata, not a sentence
    ]


def test_a_line_break_ends_a_line_and_never_glues_its_two_sides() -> None:
    blocks = feed_blocks("Jane Doe<br>Staff writer<br><br>The council met on Monday.<br>")
    assert [b.text for b in blocks] == ["Jane Doe", "Staff writer", "The council met on Monday."]
    got = clean_feed_html("The council met on Monday.<br>Share this article")
    assert got.text == "The council met on Monday."
    inside = feed_blocks("<p>Work starts next week.<br>Share this article</p><p>Next.</p>")
    assert [b.text for b in inside] == ["Work starts next week.", "Share this article", "Next."]


def test_second_pass_runs_only_when_the_first_kept_too_little() -> None:
    from aggregator.enrich.extract import RECALL_GAIN, second_pass, visible_chars

    html = (SITE / ARTICLES[0]).read_bytes()
    first = extract_page(html, "https://harbor.example/news/" + ARTICLES[0])
    assert len(first.text) > 0 and visible_chars(html) > len(first.text)
    assert len(first.text) >= 0.4 * visible_chars(html)  # the fixture's article covers it
    assert second_pass(html, None, first) is None  # covered enough: no second run
    again = second_pass(html, None, None)  # nothing from the first pass: the recall run
    assert again is not None and len(again.text) >= RECALL_GAIN
    assert "every block" not in again.text
    assert second_pass(b"", None, None) is None and visible_chars(b"") == 0
