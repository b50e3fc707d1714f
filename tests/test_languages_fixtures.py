"""The multilingual fixture set (tests/fixtures/languages, issue 19) is well formed.

Only the shape of the set is checked here; its quality figures are printed by
bench/languages.py and deliberately not asserted.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import lxml.html
import pytest

ROOT = Path(__file__).resolve().parent / "fixtures" / "languages"
LANGS = ("de", "fr", "es", "pt", "it", "ru", "zh")
KINDS = ("content", "boilerplate", "chrome")
_BLOCK = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure",
    "figcaption", "section", "article", "aside", "header", "footer", "nav", "main", "br", "tr",
    "td", "th", "table", "form", "button", "time", "small", "dt", "dd",
}  # fmt: skip


def norm(text: str) -> str:
    return " ".join(text.split())


def visible_text(html: str) -> str:
    """What a reader sees: no head, scripts or styles; block boundaries become spaces."""
    tree = lxml.html.document_fromstring(html)
    for el in tree.xpath("//head|//script|//style|//noscript|//template"):
        el.drop_tree()
    for el in tree.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCK:
            el.text = " " + (el.text or "")
            el.tail = " " + (el.tail or "")
    return norm(tree.text_content())


def pages(lang: str) -> list[Path]:
    return sorted((ROOT / lang).glob("*.html"))


def label(page: Path) -> dict[str, object]:
    got: dict[str, object] = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    return got


@pytest.mark.parametrize("lang", LANGS)
def test_at_least_eight_labelled_pages_per_language(lang: str) -> None:
    found = pages(lang)
    assert len(found) >= 8
    for page in found:
        assert page.with_suffix(".json").is_file(), page


@pytest.mark.parametrize("lang", LANGS)
def test_labels_are_well_formed_and_match_the_folder(lang: str) -> None:
    for page in pages(lang):
        lab = label(page)
        assert lab["language"] == lang, page
        assert str(lab["url"]).startswith(("http://", "https://")), page
        assert lab["content"] and lab["boilerplate"], page
        for kind in KINDS:
            lines = lab.get(kind, [])
            assert isinstance(lines, list), (page, kind)
            assert all(isinstance(x, str) and x == norm(x) and x for x in lines), (page, kind)


@pytest.mark.parametrize("lang", LANGS)
def test_every_label_line_occurs_in_the_page_visible_text(lang: str) -> None:
    for page in pages(lang):
        text = visible_text(page.read_text(encoding="utf-8"))
        lab = label(page)
        for kind in KINDS:
            for line in lab.get(kind, []):  # type: ignore[attr-defined]
                assert line in text, f"{page.relative_to(ROOT)} {kind}: {line[:80]!r}"


@pytest.mark.parametrize("lang", LANGS)
def test_content_and_boilerplate_lines_do_not_contain_each_other(lang: str) -> None:
    """Otherwise one output could both keep a content line and leak a boilerplate line."""
    for page in pages(lang):
        lab = label(page)
        content, noise = lab["content"], lab["boilerplate"] + lab.get("chrome", [])  # type: ignore[operator]
        for b in noise:
            for c in content:  # type: ignore[attr-defined]
                assert b not in c and c not in b, (
                    f"{page.relative_to(ROOT)}: {b[:60]!r} / {c[:60]!r}"
                )


def test_no_page_is_duplicated() -> None:
    seen_html: dict[str, Path] = {}
    seen_url: dict[str, Path] = {}
    seen_line: dict[str, Path] = {}
    for lang in LANGS:
        for page in pages(lang):
            digest = hashlib.sha1(page.read_bytes()).hexdigest()
            assert digest not in seen_html, (page, seen_html.get(digest))
            seen_html[digest] = page
            lab = label(page)
            url = str(lab["url"])
            assert url not in seen_url, (page, seen_url.get(url))
            seen_url[url] = page
            for line in lab["content"]:  # type: ignore[attr-defined]
                assert line not in seen_line, (page, seen_line.get(line), line[:60])
                seen_line[line] = page
