"""Issue 20, "repetition within a feed", through the real pipeline: a local HTTP server, a real
SQLite file, the controllable clock; nothing of ours is mocked.

The feeds are built like real ones: full-content items (``content:encoded``) whose real
paragraphs are the fixture site's articles, ending with an appeal in our own words that names
no keyword of the phrase tables (checked with ``clean.classify``), with a name, link and
@handle that change from item to item."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pytest

from aggregator.config import Config, DigestConfig, FeedConfig, FetchConfig, FullText
from aggregator.config.kinds import compile_pattern
from aggregator.enrich import clean
from aggregator.enrich.clean import Block
from aggregator.pipeline import Pipeline
from aggregator.status import collect_status
from aggregator.store import Store
from tests.support.clock import Clock
from tests.support.httpd import FixtureHTTPServer, Reply

SITE = Path(__file__).parent / "fixtures" / "site"
ARTICLES = json.loads((SITE / "expected.json").read_text())["articles"]
NAMES = ["Nadia", "Tomas", "Aiko", "Bram", "Ines", "Kofi", "Lea", "Marek", "Oona", "Priya"]
HOST = "ledger.example"

APPEAL_1 = (
    "You could simply close this tab now, and nobody would hold it against you. But if these "
    "stories from the waterfront matter to you, come and sit with us: some four hundred "
    "neighbours already keep this small newsroom afloat, and the four of us who write it lean "
    "on them entirely. Chipping in costs less than a cup of coffee a month."
)


SHORT = "Pull up a chair."  # too short to learn on its own: goes as part of the appeal


def appeal_2(i: int) -> str:
    """The appeal's last paragraph: a name, a link and a handle that change per item."""
    name = NAMES[i % len(NAMES)]
    return (
        f"Take your place among the regulars of the Ledger today at "
        f"https://{HOST}/join?ref=item{i} and we will keep a seat for you at the next readers "
        f"evening. Questions go to {name} (@{name.lower()}_ledger)."
    )


def test_the_appeal_names_no_keyword_of_the_phrase_tables() -> None:
    # (the evidence-counting appeal detector may know it: it reads no phrase)
    for text in (APPEAL_1, appeal_2(0), *APPEAL_1.split(". ")):
        hit = clean.classify(Block(text))
        assert hit is None or hit[0] not in clean.PATTERNS, text


def _item(i: int, name: str, content: str) -> str:
    art = ARTICLES[name]
    return (
        f"<item><guid>{name}</guid><link>https://{HOST}/news/{name}</link>"
        f"<title>{escape(art['title'])}</title>"
        f"<content:encoded><![CDATA[{content}]]></content:encoded></item>"
    )


def _feed(items: list[str]) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Harbor Ledger</title>{''.join(items)}</channel></rss>"
    ).encode()


def _appeal_feed(count: int = 10) -> tuple[bytes, dict[str, list[str]]]:
    names = sorted(ARTICLES)[:count]
    items = []
    for i, name in enumerate(names):
        paras = "".join(f"<p>{escape(p)}</p>" for p in ARTICLES[name]["paragraphs"])
        tail = f"<p>{escape(APPEAL_1)}</p><p>{SHORT}</p><p>{escape(appeal_2(i))}</p>"
        items.append(_item(i, name, paras + tail))
    return _feed(items), {n: ARTICLES[n]["paragraphs"] for n in names}


def _config(tmp_path: Path, url: str, **feed: object) -> Config:
    return Config(
        path=tmp_path / "c.yaml", database=tmp_path / "s.db",
        feeds=(FeedConfig(url=url, full_text=FullText.NEVER, **feed),),  # type: ignore[arg-type]
        fetch=FetchConfig(allow_private=True, timeout=5.0),
        digest=DigestConfig(out_dir=tmp_path / "out"),
    )  # fmt: skip


def _poll(config: Config, store: Store, clock: Clock, workers: int = 0) -> None:
    p = Pipeline(config, store, clock=clock, workers=workers, strict=True)
    try:
        asyncio.run(p.poll())
    finally:
        p.close()


def _texts(store: Store) -> dict[str, tuple[str, str]]:
    return {a.url.rsplit("/", 1)[-1]: (a.text, a.html) for a in store.iter_articles() if a.url}


@pytest.mark.parametrize("workers", [0, 1])  # 1: rules and learning cross a process pool
def test_a_feed_appeal_is_removed_on_its_first_poll(
    httpd: FixtureHTTPServer, tmp_path: Path, workers: int
) -> None:
    body, paragraphs = _appeal_feed(10)
    httpd.static("/ledger.xml", body)
    config = _config(tmp_path, httpd.url("/ledger.xml"))
    clock = Clock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    with Store(config.database) as store:
        _poll(config, store, clock, workers)
        texts = _texts(store)
        assert len(texts) == 10
        for name, (text, html) in texts.items():
            for para in paragraphs[name]:
                assert para in text, f"{name}: real paragraph lost: {para[:50]}"
            assert "close this tab" not in text and "close this tab" not in html, name
            assert "regulars of the Ledger" not in text and "regulars" not in html, name
            assert SHORT not in text, name
        report = collect_status(config, store, now=clock())
    (feed,) = report["feeds"]
    learned = feed["learned"]
    assert learned["blocks"] >= 2
    previews = " ".join(b["preview"] for b in learned["preview"])
    assert "You could simply close this tab" in previews
    assert all(len(b["preview"]) <= 80 for b in learned["preview"])


# ---- (b) a site's bio box, from its article pages ---------------------------------------------

BIO = (
    "Pieter Vanhoutte has walked the dunes of this coast since 1998 and still writes every "
    "column by hand before typing it up on a borrowed laptop. He lives in Ostend with two cats "
    "and a leaking rowing boat."
)


def _page(name: str, tail: str) -> bytes:
    art = ARTICLES[name]
    paras = "".join(f"<p>{escape(p)}</p>" for p in art["paragraphs"])
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(art['title'])} | The Dune Courier</title></head><body>"
        f"<header><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></header>"
        f"<main><article><h1>{escape(art['title'])}</h1>{paras}{tail}</article></main>"
        f"<footer><p>The Dune Courier</p></footer></body></html>"
    ).encode()


def _teaser_feed(httpd: FixtureHTTPServer, names: list[str]) -> bytes:
    items = []
    for name in names:
        art = ARTICLES[name]
        teaser = escape(art["paragraphs"][0][:100]) + "…"
        items.append(
            f"<item><guid>{name}</guid><link>{httpd.url('/news/' + name)}</link>"
            f"<title>{escape(art['title'])}</title><description>{teaser}</description></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Dune Courier</title>'
        f"{''.join(items)}</channel></rss>"
    ).encode()


def test_a_site_bio_box_is_removed_from_its_second_article_page(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    assert clean.classify(Block(BIO)) is None
    first, second = sorted(ARTICLES)[:2]
    for name in (first, second):
        page = _page(name, f'<p class="bio">{escape(BIO)}</p>')
        httpd.add(f"/news/{name}", Reply(body=page, headers={"Content-Type": "text/html"}))
    httpd.static("/courier.xml", _teaser_feed(httpd, [first]))
    config = Config(
        path=tmp_path / "c.yaml", database=tmp_path / "s.db",
        feeds=(FeedConfig(url=httpd.url("/courier.xml")),),
        fetch=FetchConfig(allow_private=True, timeout=5.0),
    )  # fmt: skip
    clock = Clock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    with Store(config.database) as store:
        _poll(config, store, clock)
        assert BIO in _texts(store)[first][0]  # one page: no evidence yet
        httpd.set_body("/courier.xml", _teaser_feed(httpd, [first, second]))
        clock.advance(hours=1)
        _poll(config, store, clock)
        texts = _texts(store)
    assert set(texts) == {first, second}
    for name in (first, second):
        text, html = texts[name]
        assert "Pieter Vanhoutte" not in text and "Pieter Vanhoutte" not in html, name
        for para in ARTICLES[name]["paragraphs"]:
            assert para in text


# ---- (c) keep_blocks and drop_blocks ----------------------------------------------------------


def test_keep_blocks_overrides_learning(httpd: FixtureHTTPServer, tmp_path: Path) -> None:
    body, _ = _appeal_feed(10)
    httpd.static("/ledger.xml", body)
    keep = (compile_pattern("close this tab"), compile_pattern("/^Take your place/"))
    config = _config(tmp_path, httpd.url("/ledger.xml"), keep_blocks=keep)
    clock = Clock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    with Store(config.database) as store:
        _poll(config, store, clock)
        texts = _texts(store)
        report = collect_status(config, store, now=clock())
    for i, name in enumerate(sorted(texts)):
        assert APPEAL_1 in texts[name][0] and appeal_2(i) in texts[name][0]
    assert report["feeds"][0]["learned"]["blocks"] == 0  # a kept block is not learned either


NOTE = "Programming note: the Ledger's print desk moves to the old ferry office next week."


def test_drop_blocks_removes_and_hot_reload_picks_it_up(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    """drop_blocks removes a block that is not repeated (one item's note); a config edited
    while running (``Pipeline.reconfigure``, what hot reload calls) applies to the next poll."""
    from aggregator.config import load_config

    names = sorted(ARTICLES)

    def feed(upto: int) -> bytes:
        items = []
        for i, name in enumerate(names[:upto]):
            paras = "".join(f"<p>{escape(p)}</p>" for p in ARTICLES[name]["paragraphs"])
            items.append(_item(i, name, f"<p>{escape(NOTE)}</p>{paras}"))
        return _feed(items)

    httpd.static("/ledger.xml", feed(1))
    yaml = tmp_path / "c.yaml"
    base = f"database: s.db\nfetch: {{allow_private: true}}\nfeeds:\n  - url: {httpd.url('/ledger.xml')}\n    full_text: never\n"
    yaml.write_text(base)
    clock = Clock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    config = load_config(yaml)
    with Store(config.database) as store:
        p = Pipeline(config, store, clock=clock, workers=0, strict=True)
        try:
            asyncio.run(p.poll())
            assert NOTE in _texts(store)[names[0]][0]
            yaml.write_text(base + "    drop_blocks: ['/^programming note:/']\n")
            p.reconfigure(load_config(yaml))
            httpd.set_body("/ledger.xml", feed(2))
            clock.advance(hours=1)
            asyncio.run(p.poll())
        finally:
            p.close()
        texts = _texts(store)
    assert NOTE not in texts[names[1]][0]
    assert ARTICLES[names[1]]["paragraphs"][0] in texts[names[1]][0]


# ---- (e) a quotation repeated in the middle of two articles -----------------------------------

QUOTE = (
    '"We will not stop until every family in this county has clean water running from the '
    'tap," the governor said at the plant on Tuesday.'
)


def test_a_quotation_repeated_in_the_middle_of_two_articles_is_kept(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    names = sorted(ARTICLES)[:2]
    items = []
    for i, name in enumerate(names):
        paras = [f"<p>{escape(p)}</p>" for p in ARTICLES[name]["paragraphs"]]
        paras.insert(2, f"<p>{escape(QUOTE)}</p>")
        items.append(_item(i, name, "".join(paras)))
    httpd.static("/ledger.xml", _feed(items))
    config = _config(tmp_path, httpd.url("/ledger.xml"))
    with Store(config.database) as store:
        _poll(config, store, Clock(datetime(2026, 11, 2, 9, tzinfo=UTC)))
        texts = _texts(store)
    for name in names:
        assert QUOTE in texts[name][0]


# ---- (d) extract on several pages of one site ------------------------------------------------


@pytest.mark.parametrize("how", ["canonical", "url", "directory"])
def test_extract_learns_across_the_pages_of_one_site(tmp_path: Path, how: str) -> None:
    from tests.support.cli import cli

    names = sorted(ARTICLES)[:3]
    files = []
    for i, name in enumerate(names):
        page = _page(name, f"<p>{escape(APPEAL_1)}</p><p>{escape(appeal_2(i))}</p>")
        if how == "canonical":
            link = f'<link rel="canonical" href="https://{HOST}/news/{name}">'
            page = page.replace(b"</head>", link.encode() + b"</head>")
        path = tmp_path / f"{name}"
        path.write_bytes(page)
        files.append(str(path))
    extra = ["--url", f"https://{HOST}/news/x"] if how == "url" else []
    done = cli(tmp_path / "none.yaml", "extract", "--jsonl", *extra, *files)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [x["file"] for x in lines] == files
    for name, got in zip(names, lines, strict=True):
        assert "close this tab" not in got["text"] and "regulars of the Ledger" not in got["text"]
        for para in ARTICLES[name]["paragraphs"]:
            assert para in got["text"]
    one = cli(tmp_path / "none.yaml", "extract", "--jsonl", files[0])
    assert "close this tab" in json.loads(one.stdout)["text"]  # one page: nothing to compare


def test_extract_does_not_learn_across_different_sites(tmp_path: Path) -> None:
    from tests.support.cli import cli

    files = []
    for i, name in enumerate(sorted(ARTICLES)[:3]):
        page = _page(name, f"<p>{escape(APPEAL_1)}</p><p>{escape(appeal_2(i))}</p>")
        link = f'<meta property="og:url" content="https://site{i}.example/news/{name}">'
        (tmp_path / name).write_bytes(page.replace(b"</head>", link.encode() + b"</head>"))
        files.append(str(tmp_path / name))
    done = cli(tmp_path / "none.yaml", "extract", "--jsonl", *files)
    assert done.returncode == 0, done.stderr
    assert all("close this tab" in json.loads(x)["text"] for x in done.stdout.splitlines())


def test_a_template_feed_keeps_its_items_whole(httpd: FixtureHTTPServer, tmp_path: Path) -> None:
    """A feed whose every item is one and the same paragraph (a status feed, a podcast with one
    description): learning never takes a whole article, so every item keeps its text."""
    names = sorted(ARTICLES)[:5]
    httpd.static(
        "/same.xml", _feed([_item(i, n, f"<p>{escape(APPEAL_1)}</p>") for i, n in enumerate(names)])
    )
    config = _config(tmp_path, httpd.url("/same.xml"))
    with Store(config.database) as store:
        _poll(config, store, Clock(datetime(2026, 11, 2, 9, tzinfo=UTC)))
        texts = _texts(store)
    assert len(texts) == 5 and all(APPEAL_1 in text for text, _ in texts.values())


def test_a_teaser_of_another_story_of_the_site_goes_as_a_headline_or_a_slug(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    """ "Related" teasers that are only another story's headline, or its lowercase URL slug,
    with no marker a phrase table knows."""
    names = sorted(ARTICLES)[:3]
    titles = [ARTICLES[n]["title"] for n in names]
    slug = "-".join(titles[2].lower().replace("’", "").replace("'", "").split())
    bodies = {n: "".join(f"<p>{escape(p)}</p>" for p in ARTICLES[n]["paragraphs"]) for n in names}
    teasers = f"<p>{escape(titles[0])}</p><p>{escape(slug)}</p>"
    items = [
        _item(0, names[0], bodies[names[0]]),
        _item(1, names[1], bodies[names[1]] + teasers),
        _item(2, names[2], bodies[names[2]]),
    ]
    httpd.static("/teasers.xml", _feed(items))
    config = _config(tmp_path, httpd.url("/teasers.xml"))
    with Store(config.database) as store:
        _poll(config, store, Clock(datetime(2026, 11, 2, 9, tzinfo=UTC)))
        texts = _texts(store)
    assert len(texts) == 3
    assert titles[0] not in texts[names[1]][0] and slug not in texts[names[1]][0]
    for n in names:
        for para in ARTICLES[n]["paragraphs"]:
            assert para in texts[n][0], (n, para[:60])
