"""Hostile feed servers and hostile feed documents, through the real poll pipeline.

Each catalog record of area ``feed`` names one scenario below. A scenario serves a bad feed
next to a healthy one on the same local server; one poll (two for the GUID-churn case) runs
the real Pipeline against a real SQLite file. Every scenario asserts the common invariants

* the healthy feed is polled normally (one bad feed never stops the others),
* no feed ends as ``internal_error`` (an unexpected exception is a bug, not a fault),
* the poll ends within the fetch timeout plus slack (no hang), and the database is intact,
* a failing feed's error names what was wrong,

and then reduces what happened to a short observation string that must equal the record's
``observed`` text: the table in docs/reliability.md is exactly what this suite saw.
"""

from __future__ import annotations

import gzip
import io
import resource
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from aggregator.store import Store
from tests.faults.catalog import Fault
from tests.faults.conftest import (
    DATE,
    FAULT_TIMEOUT,
    HEALTHY,
    Clock,
    PollRun,
    article_items,
    fault_ids,
    faults,
    feed_cfg,
    healthy_feed,
    item,
    make_config,
    paragraph,
    poll,
    rss,
)
from tests.support.httpd import FixtureHTTPServer, Reply

# A hang guard, not a speed target (those live in bench/): a poll must end within the fetch
# timeout plus this much. The 10,000-entry feed is the slowest case at ~3-4 s on the 2-core
# machine, and twice that under load; a hung poll never ends, so a wide margin costs nothing.
POLL_SLACK_S = 60.0
# Peak RSS growth allowed for one hostile poll; the cap is fetch.max_bytes (1 MB here), and
# the parsed/cleaned copies of a 1 MB document stay far below this.
RSS_GROWTH_CAP_MB = 200


@dataclass(frozen=True)
class Scenario:
    serve: Callable[[FixtureHTTPServer], str]  # sets up routes, returns the feed path
    says: str = ""  # a fragment the failing feed's error must contain
    polls: int = 1
    check: Callable[[Store, FixtureHTTPServer], str] | None = None  # extra observation
    workers: int = 0  # 1: parse/clean in the process pool (heavy documents), as the daemon does


def _serve(path: str, reply: Reply | Callable[..., Reply]) -> Callable[[FixtureHTTPServer], str]:
    def setup(srv: FixtureHTTPServer) -> str:
        srv.add(path, reply)
        return path

    return setup


def _static(path: str, body: bytes, ctype: str = "application/rss+xml") -> Callable[..., str]:
    def setup(srv: FixtureHTTPServer) -> str:
        srv.static(path, body, content_type=ctype)
        return path

    return setup


def _gzip_bomb() -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        chunk = b"\0" * (1 << 20)
        for _ in range(200):  # 200 MB of zeros -> ~200 KB on the wire
            gz.write(chunk)
    return buf.getvalue()


def _redirect_loop(srv: FixtureHTTPServer) -> str:
    srv.add("/loop-a", Reply(status=302, headers={"Location": "/loop-b"}))
    srv.add("/loop-b", Reply(status=302, headers={"Location": "/loop-a"}))
    return "/loop-a"


def _page_with_feed(srv: FixtureHTTPServer) -> str:
    srv.static("/real-feed.xml", rss([article_items("found", 2, seed=3)]))
    page = (
        b"<!doctype html><html><head><title>Blog</title>"
        b'<link rel="alternate" type="application/rss+xml" href="/real-feed.xml">'
        b"</head><body><p>Welcome</p></body></html>"
    )
    srv.static("/blog.html", page, content_type="text/html")
    return "/blog.html"


def _billion_laughs() -> bytes:
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{ents}]><rss version="2.0"><channel><title>L</title>'
        "<item><guid>laugh</guid><title>&lol9;</title><description>&lol9;</description></item>"
        "</channel></rss>"
    )
    return doc.encode()


def _big_feed() -> bytes:
    # 10,000 short entries (~800 KB, under the 1 MB cap of these tests); the pipeline must
    # take only its newest MAX_NEW_ENTRIES_PER_POLL and count the rest as skipped.
    items = "".join(
        f"<item><guid>e{i}</guid><title>t{i}</title><link>https://b.example/{i}</link></item>"
        for i in range(10_000)
    )
    return rss([items])


def _nul_feed() -> bytes:
    return rss(
        [
            item(
                "nul-1",
                "https://n.example/1",
                "Null\x00 title",
                f"<p>{'a b c ' * 30}\x00 end</p>",
                DATE,
            )
        ]
    )


def _bad_utf8_feed() -> bytes:
    good = rss(
        [
            item(
                "u-1",
                "https://u.example/1",
                "Caf\u00e9 TITLE_MARK",
                "<p>" + "word " * 40 + "</p>",
                DATE,
            )
        ]
    )
    return good.replace(b"TITLE_MARK", b"\xff\xfe\xc3(")


def _dates_feed() -> bytes:
    import random

    rng = random.Random(5)
    return rss(
        [
            item("d-9999", "https://d.example/9999", "far future", f"<p>{paragraph(rng)}</p>",
                 "Fri, 31 Dec 9999 23:59:59 +0000"),
            item("d-none", "https://d.example/none", "no date", f"<p>{paragraph(rng)}</p>", None),
            item("d-junk", "https://d.example/junk", "junk date", f"<p>{paragraph(rng)}</p>",
                 "the day after tomorrow"),
        ]
    )  # fmt: skip


def _dup_guid_feed() -> bytes:
    import random

    rng = random.Random(9)
    return rss(
        [
            item("same", "https://g.example/1", "first copy", f"<p>{paragraph(rng)}</p>", DATE),
            item("same", "https://g.example/2", "second copy", f"<p>{paragraph(rng)}</p>", DATE),
        ]
    )


def _churn(srv: FixtureHTTPServer) -> str:
    counter = {"n": 0}
    import random

    body = paragraph(random.Random(11))

    def reply(req: object) -> Reply:
        counter["n"] += 1
        n = counter["n"]
        doc = rss(
            [item(f"churn-{n}-a", "https://c.example/a", "Stable story", f"<p>{body}</p>", DATE)]
        )
        return Reply(body=doc, headers={"Content-Type": "application/rss+xml"})

    srv.add("/churn.xml", reply)
    return "/churn.xml"


def _stored(url_fragment: str) -> Callable[[Store, FixtureHTTPServer], str]:
    def check(store: Store, srv: FixtureHTTPServer) -> str:
        arts = [a for a in store.iter_articles() if url_fragment in (a.feed_url or "")]
        return f"stored={len(arts)}"

    return check


def _check_nul(store: Store, srv: FixtureHTTPServer) -> str:
    arts = [a for a in store.iter_articles() if "nul" in a.feed_url]
    clean = all("\x00" not in a.title + a.text + a.html for a in arts)
    return f"stored={len(arts)} nul_free={clean}"


def _check_utf8(store: Store, srv: FixtureHTTPServer) -> str:
    arts = [a for a in store.iter_articles() if "utf8" in a.feed_url]
    return f"stored={len(arts)} title_has_cafe={any('Caf' in a.title for a in arts)}"


def _check_dates(store: Store, srv: FixtureHTTPServer) -> str:
    arts = [a for a in store.iter_articles() if "dates" in a.feed_url]
    future = sum(1 for a in arts if a.published is not None and a.published > a.fetched_at)
    return f"stored={len(arts)} published_in_future={future}"


def _check_laughs(store: Store, srv: FixtureHTTPServer) -> str:
    arts = [a for a in store.iter_articles() if "laughs" in a.feed_url]
    longest = max((len(a.text) + len(a.title) for a in arts), default=0)
    return f"stored={len(arts)} expanded={'yes' if longest > 100_000 else 'no'}"


SCENARIOS: dict[str, Scenario] = {
    "feed-slowloris": Scenario(
        _serve("/slow.xml", Reply(body=rss([article_items("slow", 2, 1)]), chunk_delay=1.0)),
        says="no complete response within",
    ),
    "feed-endless-body": Scenario(_serve("/endless.xml", Reply(endless=True)), says="max_bytes"),
    "feed-gzip-bomb": Scenario(
        _serve(
            "/bomb.xml",
            Reply(
                body=_gzip_bomb(),
                headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"},
            ),
        ),
        says="after decompression",
    ),  # fmt: skip
    "feed-redirect-loop": Scenario(_redirect_loop, says="redirect loop"),
    "feed-reset-mid-body": Scenario(
        _serve("/reset.xml", Reply(body=rss([article_items("reset", 5, 2)]), drop_after=300)),
        says="Error",
    ),
    "feed-html-with-alternate": Scenario(_page_with_feed, check=_stored("blog")),
    "feed-html-without-feed": Scenario(
        _static(
            "/plain.html",
            b"<!doctype html><html><body><p>just a page</p></body></html>",
            "text/html",
        ),
        says="names no feed",
    ),
    "feed-malformed-xml": Scenario(
        _static(
            "/malformed.xml", (Path(__file__).parents[1] / "feeds" / "malformed.xml").read_bytes()
        ),
        says="feed is not well-formed",
        check=_stored("malformed"),
    ),
    "feed-truncated-xml": Scenario(
        _static("/truncated.xml", rss([article_items("trunc", 4, 4)])[:-900]),
        says="feed is not well-formed",
        check=_stored("truncated"),
    ),
    "feed-garbage-bytes": Scenario(
        _static("/garbage.xml", bytes(range(256)) * 40, "application/octet-stream"),
        says="not a feed",
    ),
    "feed-billion-laughs": Scenario(
        _static("/laughs.xml", _billion_laughs()),
        says="feed is not well-formed",
        check=_check_laughs,
        workers=1,
    ),
    "feed-10000-entries": Scenario(
        _static("/big.xml", _big_feed()), check=_stored("big"), workers=1
    ),
    "feed-nul-bytes": Scenario(
        _static("/nul.xml", _nul_feed()), says="feed is not well-formed", check=_check_nul
    ),
    "feed-invalid-utf8": Scenario(_static("/utf8.xml", _bad_utf8_feed()), check=_check_utf8),
    "feed-dates-9999-missing": Scenario(_static("/dates.xml", _dates_feed()), check=_check_dates),
    "feed-duplicate-guids": Scenario(
        _static("/dupguid.xml", _dup_guid_feed()), check=_stored("dupguid")
    ),
    "feed-guid-churn": Scenario(_churn, polls=2, check=_stored("churn")),
    "feed-server-500-forever": Scenario(
        _serve("/err.xml", Reply(status=500, body=b"oops")), says="HTTP 500"
    ),
}


def _observe(run: PollRun, url: str) -> str:
    s = run.summaries[url]
    skipped = f" skipped={s.skipped}" if s.skipped else ""
    return f"outcome={s.outcome} new={s.new}{skipped}"


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


FEED_FAULTS = faults("feed")


def test_every_feed_fault_has_a_scenario() -> None:
    assert {f.id for f in FEED_FAULTS} == set(SCENARIOS)


@pytest.mark.parametrize("fault", FEED_FAULTS, ids=fault_ids(FEED_FAULTS))
def test_feed_fault(
    fault: Fault, httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock, store: Store
) -> None:
    sc = SCENARIOS[fault.id]
    httpd.static(HEALTHY, healthy_feed())
    path = sc.serve(httpd)
    bad_url, ok_url = httpd.url(path), httpd.url(HEALTHY)
    config = make_config(tmp_path, [feed_cfg(bad_url), feed_cfg(ok_url)])
    rss_before = _maxrss_mb()
    observations = []
    for n in range(sc.polls):
        if n:
            clock.advance(hours=1)
        run = poll(config, store, clock, workers=sc.workers)
        assert run.seconds < FAULT_TIMEOUT + POLL_SLACK_S, f"poll took {run.seconds:.1f}s"
        assert run.summaries[ok_url].outcome in ("ok", "unchanged")
        assert all(s.outcome != "internal_error" for s in run.summaries.values()), run.summaries
        bad = run.summaries[bad_url]
        if bad.error is not None:
            assert sc.says and sc.says in bad.error, bad.error
        observations.append(_observe(run, bad_url))
    assert _maxrss_mb() - rss_before < RSS_GROWTH_CAP_MB
    assert store.integrity_check() == "ok"
    assert len([a for a in store.iter_articles() if a.feed_url == ok_url]) == 2
    observed = "; ".join(observations)
    if sc.check is not None:
        observed += "; " + sc.check(store, httpd)
    assert observed == fault.observed
