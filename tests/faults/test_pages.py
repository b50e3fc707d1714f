"""Hostile article pages (and hostile feed HTML) through full text, cleaning and the digest.

Each catalog record of area ``page`` serves one feed entry whose article page (``full_text:
always``) or own content is hostile, polls it with the real pipeline, renders the digest with
``run_digests(how=Delivery(dry_run_dir=...))`` (the exact HTML a mail would carry) and checks: the poll
ends in time without an internal error, the article is kept (page text, else the feed's own
text), and the digest HTML carries no script, handler, dangerous URL, CSS expression or
tracking pixel.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.config import FullText
from aggregator.digest.deliver import Delivery, run_digests
from aggregator.store import Store
from tests.faults.catalog import Fault
from tests.faults.conftest import (
    DATE,
    FAULT_TIMEOUT,
    Clock,
    fault_ids,
    faults,
    feed_cfg,
    item,
    make_config,
    paragraph,
    poll,
    rss,
)
from tests.support.httpd import FixtureHTTPServer, Reply

PAGE_MAX_BYTES = 5_000_000  # the product default fetch.max_bytes
# A hang guard, not a speed target (those live in bench/): the 100,000-level page is the
# slowest case (~2 s); a hung extraction never ends, so a wide margin costs nothing.
POLL_SLACK_S = 60.0
PAGE_MARK = "zumbavel"  # a word only the article page contains
FEED_MARK = "quintarro"  # a word only the feed's content contains

HOSTILE = (
    '<script>alert("x")</script><style>p{color:red}</style>'
    '<p onclick="steal()" style="width: expression(alert(1))">{text}</p>'
    '<p>Read <a href="javascript:alert(1)">this</a> and <a href="data:text/html;base64,PHNjcmlwdD4=">'
    'that</a> and <a href="vbscript:msgbox(1)">more</a>.</p>'
    '<img src="https://tracker.example/pixel.gif" width="1" height="1">'
    '<iframe src="https://evil.example/"></iframe><svg onload="alert(1)"><circle r="1"/></svg>'
    '<form action="https://evil.example/"><input name="q"></form>'
    '<p><a href="https://good.example/story" onmouseover="x()">A fine link</a>. {text}</p>'
)
# What must never reach the digest HTML.
DANGER = re.compile(
    r"<script|<iframe|<form|<svg|<img|javascript:|vbscript:|data:text|expression\(|\son[a-z]+\s*=",
    re.I,
)


def _text(seed: int, mark: str) -> str:
    rng = random.Random(seed)
    return f"{paragraph(rng, 60)} {mark} {paragraph(rng, 60)}"


def _page(body: str) -> bytes:
    return (
        "<!doctype html><html><head><title>Hostile page</title></head><body><article>"
        f"<h1>Hostile page</h1>{body}</article></body></html>"
    ).encode()


@dataclass(frozen=True)
class PageScenario:
    page: Callable[[], Reply] | None  # None: no page (the feed's own HTML is the hostile part)
    feed_html: str = ""


def _hostile_page() -> Reply:
    body = HOSTILE.replace("{text}", _text(1, PAGE_MARK))
    return Reply(body=_page(body), headers={"Content-Type": "text/html; charset=utf-8"})


def _deep_page() -> Reply:
    depth = 100_000
    body = "<div>" * depth + f"<p>{_text(2, PAGE_MARK)}</p>" + "</div>" * depth
    return Reply(body=_page(body), headers={"Content-Type": "text/html"})


def _huge_page() -> Reply:
    para = f"<p>{_text(3, PAGE_MARK)}</p>".encode()
    body = _page("")[:-24] + para * (50_000_000 // len(para)) + b"</article></body></html>"
    return Reply(body=body, headers={"Content-Type": "text/html"}, chunked=True)


def _endless_page() -> Reply:
    return Reply(endless=True, headers={"Content-Type": "text/html"})


def _feed_text(mark: str = FEED_MARK) -> str:
    return f"<p>{_text(4, mark)}</p>"


SCENARIOS: dict[str, PageScenario] = {
    "page-hostile-html": PageScenario(_hostile_page, _feed_text()),
    "page-hostile-feed-html": PageScenario(None, HOSTILE.replace("{text}", _text(5, FEED_MARK))),
    "page-deep-nesting": PageScenario(_deep_page, _feed_text()),
    "page-50mb": PageScenario(_huge_page, _feed_text()),
    "page-endless": PageScenario(_endless_page, _feed_text()),
}

PAGE_FAULTS = faults("page")


def test_every_page_fault_has_a_scenario() -> None:
    assert {f.id for f in PAGE_FAULTS} == set(SCENARIOS)


@pytest.mark.parametrize("fault", PAGE_FAULTS, ids=fault_ids(PAGE_FAULTS))
def test_page_fault(
    fault: Fault, httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock, store: Store
) -> None:
    sc = SCENARIOS[fault.id]
    link = "https://no-page.example/story"
    if sc.page is not None:
        httpd.add("/article", sc.page())
        link = httpd.url("/article")
    httpd.static("/f.xml", rss([item("p1", link, "Hostile page", sc.feed_html, DATE)]))
    mode = FullText.ALWAYS if sc.page is not None else FullText.NEVER
    config = make_config(tmp_path, [feed_cfg(httpd.url("/f.xml"), mode)], max_bytes=PAGE_MAX_BYTES)
    run = poll(config, store, clock)
    assert run.seconds < FAULT_TIMEOUT + POLL_SLACK_S, f"poll took {run.seconds:.1f}s"
    summary = run.summaries[httpd.url("/f.xml")]
    assert summary.outcome == "ok" and summary.new == 1, summary
    (art,) = list(store.iter_articles())
    source = "page" if PAGE_MARK in art.text else "feed" if FEED_MARK in art.text else "none"
    out = tmp_path / "dry"
    (d,) = run_digests(
        config, store, now=datetime(2026, 11, 2, 10, tzinfo=UTC), how=Delivery(dry_run_dir=out)
    )
    html = (out / "digest.html").read_text()
    danger = sorted({m.lower() for m in DANGER.findall(html)})
    assert not danger, danger
    assert not DANGER.search(art.html), art.html[:2000]
    observed = f"stored text from {source}; digest html clean"
    assert observed == fault.observed
