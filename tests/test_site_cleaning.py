"""Issue 3 acceptance 3 through the real pipeline: a 12-article site whose pages share a
donation appeal, an author-bio box and a related-links block. The feed gives teasers, so the
pipeline fetches each page; none of the shared blocks may reach the stored text or the digest,
and every real paragraph must."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from aggregator.config import Config, DigestConfig, FeedConfig, FetchConfig, FullText
from aggregator.digest.deliver import run_digests
from aggregator.pipeline import Pipeline
from aggregator.store import Store
from tests.support.httpd import FixtureHTTPServer, Reply

SITE = Path(__file__).parent / "fixtures" / "site"


def test_site_boilerplate_never_reaches_text_or_digest(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    expected = json.loads((SITE / "expected.json").read_text())
    shared = expected["shared"]
    items = []
    for name, art in sorted(expected["articles"].items()):
        httpd.add(
            f"/news/{name}",
            Reply(
                body=(SITE / name).read_bytes(),
                headers={"Content-Type": "text/html; charset=utf-8"},
            ),
        )
        teaser = escape(art["paragraphs"][0][:120]) + "…"
        items.append(
            f"<item><guid>{name}</guid><link>{httpd.url('/news/' + name)}</link>"
            f"<title>{escape(art['title'])}</title><description>{teaser}</description></item>"
        )
    httpd.static(
        "/feed.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbor Ledger</title>{"".join(items)}</channel></rss>'.encode(),
    )
    out = tmp_path / "digests"
    config = Config(
        path=tmp_path / "c.yaml", database=tmp_path / "s.db",
        feeds=(FeedConfig(url=httpd.url("/feed.xml"), topic="Harbor"),),
        fetch=FetchConfig(allow_private=True, timeout=5.0),
        digest=DigestConfig(out_dir=out),
    )  # fmt: skip
    now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    with Store(config.database) as store:
        p = Pipeline(config, store, clock=lambda: now, workers=0, strict=True)
        try:
            (summary,) = asyncio.run(p.poll())
        finally:
            p.close()
        assert summary.new == 12
        arts = {a.url.rsplit("/", 1)[-1]: a for a in store.iter_articles() if a.url}
        assert len(arts) == 12
        boiler = [shared["donation"], shared["bio"], *shared["related"]]
        for name, art in expected["articles"].items():
            text = arts[name].text
            for para in art["paragraphs"]:
                assert para in text, f"{name}: real paragraph lost: {para[:60]}"
            for block in boiler:
                assert block not in text, f"{name}: boilerplate kept: {block[:60]}"
                assert escape(block) not in arts[name].html
        (outcome,) = run_digests(config, store, now=now)
        assert outcome.status == "written"
    html = next(out.glob("*.html")).read_text()
    eml = next(out.glob("*.eml")).read_bytes().decode("utf-8", "replace")
    for block in [shared["donation"][:60], shared["bio"][:60], *shared["related"]]:
        assert block not in html and escape(block) not in html and block not in eml


def test_learned_block_is_removed_from_earlier_undelivered_articles(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    """A block no detector knows, repeated on every article of a site, is learned after
    LEARN_MIN_ARTICLES articles; the articles stored before that are re-cleaned."""
    from aggregator.enrich import clean

    stamp = (
        "The Harbor Ledger print edition reaches homes across the county every Thursday morning."
    )
    topics = [
        "The ferry operator added a late crossing on Fridays after a petition gathered 900 signatures from island residents.",
        "Volunteers planted two hundred oak saplings along the old railway path on Saturday despite the rain.",
        "The county library will lend fishing rods from next month, with a deposit of ten dollars per rod.",
        "A bakery on Front Street won the regional bread prize for a rye loaf made with harbour-grown barley.",
        "Night buses will run every half hour on the coast route during the festival week in August.",
    ]
    items = [
        f"<item><guid>p{i}</guid><link>https://ledger.example/p{i}</link><title>Story {i}</title>"
        f"<description><![CDATA[<p>{t}</p><p>{stamp}</p>]]></description></item>"
        for i, t in enumerate(topics)
    ]
    httpd.static(
        "/ledger.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Ledger</title>{"".join(items)}</channel></rss>'.encode(),
    )
    config = Config(
        path=tmp_path / "c.yaml", database=tmp_path / "s.db",
        feeds=(FeedConfig(url=httpd.url("/ledger.xml"), full_text=FullText.NEVER),),
        fetch=FetchConfig(allow_private=True, timeout=5.0),
    )  # fmt: skip
    assert len(topics) > clean.LEARN_MIN_ARTICLES
    now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    with Store(config.database) as store:
        p = Pipeline(config, store, clock=lambda: now, workers=0, strict=True)
        try:
            asyncio.run(p.poll())
        finally:
            p.close()
        texts = [a.text for a in store.iter_articles()]
        htmls = [a.html for a in store.iter_articles()]
    assert len(texts) == len(topics)
    for text, html, topic in zip(texts, htmls, topics, strict=True):
        assert topic in text
        assert stamp not in text and "print edition" not in html
