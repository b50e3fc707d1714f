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
