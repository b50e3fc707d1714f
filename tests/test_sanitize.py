"""sanitize_html / html_to_text: allowlist behaviour and invariants (property tests)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import lxml.html
import nh3
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.enrich.sanitize import (
    _absolutize,
    _nh3_clean,
    _nh3_options,
    element_text,
    html_to_text,
    sanitize_html,
)

BASE = "https://news.example.org/section/story.html"


def test_script_and_style_vanish_with_their_content() -> None:
    out = sanitize_html("<p>Hi</p><script>alert('x')</script><style>p{color:red}</style>")
    assert out == "<p>Hi</p>"


def test_event_handlers_and_style_attributes_are_dropped() -> None:
    out = sanitize_html(
        '<p onclick="steal()" style="width: expression(alert(1))" class="x">Text</p>'
        '<img src="x.png" onerror="steal()">'
    )
    assert out == "<p>Text</p>"


def test_javascript_and_data_links_are_removed() -> None:
    out = sanitize_html(
        '<a href="javascript:alert(1)">a</a><a href="data:text/html,<b>x</b>">b</a>'
        '<a href=" JaVaScRiPt:alert(1)">c</a><a href="vbscript:x">d</a>',
        BASE,
    )
    assert "href" not in out
    assert "a</a>" in out and "d</a>" in out


def test_relative_links_become_absolute_and_get_rel() -> None:
    out = sanitize_html(
        '<p><a href="../other.html">more</a> <a href="https://x.org/">x</a></p>', BASE
    )
    assert 'href="https://news.example.org/other.html"' in out
    assert 'href="https://x.org/"' in out
    assert out.count('rel="noopener noreferrer nofollow"') == 2


def test_relative_links_without_base_are_dropped() -> None:
    out = sanitize_html('<a href="/x">x</a> <a href="https://ok.example/">ok</a>')
    assert 'href="/x"' not in out
    assert 'href="https://ok.example/"' in out


def test_structure_survives() -> None:
    html = "<h2>Head</h2><p>One <strong>two</strong> <em>three</em></p><ul><li>a</li></ul><blockquote>q</blockquote>"
    assert sanitize_html(html) == html


def test_iframes_forms_and_media_are_dropped() -> None:
    out = sanitize_html(
        '<iframe src="https://evil.example/"></iframe><form action="/x"><input name="q"></form>'
        '<video src="v.mp4"></video><p>kept</p>'
    )
    assert out == "<p>kept</p>"


def test_empty_input() -> None:
    assert sanitize_html("") == ""
    assert sanitize_html("   ") == ""
    assert html_to_text("") == ""


def test_html_to_text_blocks_become_lines() -> None:
    text = html_to_text(
        "<h1>Title</h1><p>First  para&amp;more</p><ul><li>a</li><li>b</li></ul>x<br>y"
    )
    assert text.split("\n") == ["Title", "First para&more", "a", "b", "x", "y"]


def test_html_to_text_drops_script_text() -> None:
    assert html_to_text("<p>a</p><script>var x = 1;</script><p>b</p>") == "a\nb"


# ---- properties ------------------------------------------------------------------------------

_TAGS = [
    "p",
    "a",
    "script",
    "style",
    "img",
    "div",
    "b",
    "iframe",
    "svg",
    "li",
    "ul",
    "span",
    "object",
]
_ATTRS = [
    'onclick="x()"',
    'onmouseover="x()"',
    'href="javascript:alert(1)"',
    'href="data:text/html;base64,PHNjcmlwdD4="',
    'href="/rel"',
    'href="https://ok.example/p"',
    'src="javascript:alert(1)"',
    'style="background:url(javascript:alert(1))"',
    'style="width:expression(alert(1))"',
    'formaction="javascript:x"',
]

fragment = st.recursive(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    lambda children: st.builds(
        lambda tag, attrs, inner: f"<{tag} {' '.join(attrs)}>{''.join(inner)}</{tag}>",
        st.sampled_from(_TAGS),
        st.lists(st.sampled_from(_ATTRS), max_size=3),
        st.lists(children, max_size=3),
    ),
    max_leaves=12,
)

_DANGER = re.compile(
    r"<script|<style|<iframe|<object|<svg|\son\w+\s*=|javascript:|data:|vbscript:|expression\(|\sstyle\s*=",
    re.I,
)


@settings(max_examples=150, deadline=None)
@given(fragment, st.sampled_from([None, BASE]))
def test_sanitize_never_lets_danger_through(html: str, base: str | None) -> None:
    out = sanitize_html(html, base)
    assert not _DANGER.search(out), out


@settings(max_examples=150, deadline=None)
@given(fragment, st.sampled_from([None, BASE]))
def test_sanitize_is_idempotent(html: str, base: str | None) -> None:
    once = sanitize_html(html, base)
    assert sanitize_html(once, base) == once


@settings(max_examples=150, deadline=None)
@given(fragment, st.sampled_from([None, BASE, "http://other.example/a/b/"]))
def test_reused_cleaner_cleans_like_a_fresh_one(html: str, base: str | None) -> None:
    options = _nh3_options()
    if base:
        options["attribute_filter"] = _absolutize(base)
    assert _nh3_clean(html, base) == nh3.clean(html, **options)


def test_links_are_made_absolute_against_each_callers_own_base_across_threads() -> None:
    html = '<p><a href="/x">x</a> and <a href="y">y</a></p>'

    def run(i: int) -> tuple[int, str]:
        return i, sanitize_html(html, f"https://site{i}.example/dir/page")

    with ThreadPoolExecutor(max_workers=8) as pool:
        for i, out in pool.map(run, range(400)):
            assert f'href="https://site{i}.example/x"' in out
            assert f'href="https://site{i}.example/dir/y"' in out
            assert "site" not in out.replace(f"site{i}.", "")


def test_element_text_is_html_to_text_of_the_parsed_fragment() -> None:
    html = "<p>One <b>two</b></p>x<script>no</script><ul><li>three</li></ul>"
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    assert element_text(root) == html_to_text(html) == "One two\nx\nthree"
