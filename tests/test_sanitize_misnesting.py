"""sanitize_html keeps the words of distinct blocks apart, however misnested the input.

The HTML5 tree builder in nh3 (html5ever, which parses as browsers do) moves content misplaced
in a table in front of the table ("foster parenting"), ignores table tags outside a table and
the end tag of a block it closed already; and nh3 drops block tags outside the allowlist while
keeping their text. Each could glue two words into one. One example per kind of misnesting;
tests/faults/test_properties.py fuzzes them.
"""

from __future__ import annotations

import re

import pytest

from aggregator.enrich.sanitize import ALLOWED_TAGS, html_to_text, sanitize_html

BASE = "https://news.example.org/section/story.html"
_TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9-]*)")

# (input, the lines of html_to_text(sanitize_html(input)))
MISNESTED = {
    # tables with stray content (foster parenting)
    "blocks in a table, a blank between": ("<table><div>one</div> <div>two</div></table>",
                                           ["one two"]),
    "blocks in a table": ("<table><div>one</div><div>two</div></table>", ["one", "two"]),
    "text around a cell": ("<table><tr>one<td>two</td>three</tr></table>",
                           ["one", "three", "two"]),
    "inline elements in a table": ("<table><b>one</b> <i>two</i></table>", ["one two"]),
    "inline elements on both sides of a row": (
        "<table><span>one</span><tr><td>two</td></tr><span>three</span></table>",
        ["one", "three", "two"],
    ),
    "text before a table meets stray text": ("one<table>two</table>", ["one", "two"]),
    "text in a column group": ("<table><colgroup>one</colgroup><tr><td>two</td></tr></table>",
                               ["one", "two"]),
    "a form in a table": ("<table><form>one</form><div>two</div></table>", ["one", "two"]),
    "stray block in a nested table": (
        "<table><tr><td>one<table><div>two</div></table>three</td></tr></table>",
        ["one", "two", "three"],
    ),
    "a table closed by a nested table, its block end tag ignored": (
        "<table><div><table></table>one</div>two</table>",
        ["one", "two"],
    ),
    # table parts out of place, which the tree builder ignores
    "unclosed cells": ("<table><tr><td>one<td>two</table>", ["one two"]),
    "cells without a table": ("<td>one</td><td>two</td>", ["one", "two"]),
    "rows without a table": ("<tr><td>one</td></tr><tr><td>two</td></tr>", ["one", "two"]),
    "captions": ("<table><caption>one<caption>two</table>", ["one", "two"]),
    # other ignored tags
    "a form in a form": ("<form>one<form>two</form></form>", ["one", "two"]),
    "a list item in a list item": ("<ul><li>one<li>two</li>three</li>four</ul>",
                                   ["one", "two", "three", "four"]),
    "a heading in a heading": ("<h2>one<h3>two</h3>three</h2>four",
                               ["one", "two", "three", "four"]),
    "a stray </p>": ("one</p>two", ["one", "two"]),
    # blocks outside the allowlist
    "divs": ("<div>one</div><div>two</div>", ["one", "two"]),
    "a div in a list": ("<ul>one<div>two</div></ul>", ["one", "two"]),
    "a definition list": ("<dl><dt>one</dt><dd>two</dd></dl>", ["one", "two"]),
    "sections": ("<section>one</section><article>two</article>", ["one", "two"]),
    "inline then div": ("<b>one</b><div>two</div>", ["one", "two"]),
    "divs in a preformatted block": ("<pre><div>one</div><div>two</div></pre>",
                                     ["one", "two"]),
    "upper-case tags": ("<TABLE><TR>one<TD>two</TD>three</TR></TABLE>",
                        ["one", "three", "two"]),
}  # fmt: skip


@pytest.mark.parametrize("html, lines", MISNESTED.values(), ids=MISNESTED.keys())
def test_misnested_blocks_stay_apart(html: str, lines: list[str]) -> None:
    out = sanitize_html(html, BASE)
    assert html_to_text(out).split("\n") == lines, out
    assert {t.lower() for t in _TAG.findall(out)} <= ALLOWED_TAGS, out
    assert sanitize_html(out, BASE) == out


def test_the_example_hypothesis_found() -> None:
    # It sanitized to "aa<table> </table>": two words became one.
    out = sanitize_html("<table><div>a</div> <div>a</div></table>", BASE)
    assert out == "a a<table></table>"


def test_well_formed_input_is_sanitized_as_before() -> None:
    html = (
        "<h2>Head</h2><p>One <b>two</b></p><ul><li>a</li></ul>"
        "<table><tbody><tr><th>x</th><td>y</td></tr></tbody></table>"
    )
    assert sanitize_html(html, BASE) == html


@pytest.mark.parametrize(
    "html, out",
    [
        ("<li><div>a</div></li>", "<li>a</li>"),
        ("<p>a</p><div>b</div>", "<p>a</p>b"),
        ("<div>\n<p>a</p>\n</div>", "<p>a</p>"),
        ("<div>a</div>\n<div>b</div>", "a\nb"),
        ("<div>a</div> <div>b</div>", "a b"),
        ("<blockquote><div>a</div></blockquote>", "<blockquote>a</blockquote>"),
    ],
)
def test_a_block_outside_the_allowlist_adds_a_line_break_only_where_needed(
    html: str, out: str
) -> None:
    assert sanitize_html(html) == out


def test_blocks_outside_the_allowlist_never_reach_the_output_nor_their_attributes() -> None:
    out = sanitize_html(
        '<div onclick="x()" title="t" lang="en" class="c">a</div>'
        '<section style="color:red">b</section><x-sep>c</x-sep>'
    )
    assert out == "a\nb\nc"


def test_markers_never_leak_into_attributes_or_text() -> None:
    # The markers go in by pattern, not by parsing: some land in an attribute value or in a
    # <textarea>; none is left in the output.
    out = sanitize_html(
        '<table><tr><td><a title="</div>t</td>" href="https://a.example/">l</a></td></tr></table>'
        "<textarea></td>x</textarea><table>y</table>",
        BASE,
    )
    assert "x-sep" not in out
    assert 'title="&lt;/div&gt;t&lt;/td&gt;"' in out
    assert "&lt;/td&gt;x" in out


def test_a_select_box_goes_with_its_options() -> None:
    html = "<p>one</p><select><option>Audi<option>BMW</select><p>two</p>"
    assert sanitize_html(html) == "<p>one</p><p>two</p>"
    assert html_to_text(html) == "one\ntwo"


def test_html_to_text_keeps_cells_apart_and_captions_on_their_own_line() -> None:
    html = "<table><caption>Cap</caption><tr><th>a</th><td>b</td></tr><tr><td>c</td></tr></table>"
    assert html_to_text(html) == "Cap\na b\nc"
