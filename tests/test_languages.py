"""Languages (issue 19): detection, storage and export, sentence splitting and summaries in
other scripts, and CJK / Russian syndicated copies and stories through the real Deduper."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.config import FeedConfig, FullText
from aggregator.dedup import Deduper, DedupItem
from aggregator.dedup import features as tf
from aggregator.digest import summarize
from aggregator.enrich.language import decide_language, normalise_code
from aggregator.export import iter_export
from aggregator.sentences import cut, sentences, width
from aggregator.store import Store
from tests.support.clock import Clock
from tests.support.httpd import FixtureHTTPServer
from tests.support.langtexts import (
    RU,
    RU_EDITED,
    RU_OTHER,
    RU_TRUNCATED,
    ZH,
    ZH_EDITED,
    ZH_OTHER,
    ZH_TRUNCATED,
    background,
)
from tests.test_pipeline import make_config, poll

DAY = 86400.0


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))


T0 = 1.7e9
FAMILIES = {
    "zh": (ZH, ZH_EDITED, ZH_TRUNCATED, ZH_OTHER),
    "ru": (RU, RU_EDITED, RU_TRUNCATED, RU_OTHER),
}


def _run(
    lang: str, order: list[str], window: int, consolidate: bool
) -> dict[str, tuple[str | None, str]]:
    """Feed ``window`` unrelated articles, then ``order`` (names in FAMILIES order: o, e, t, x)."""
    texts = dict(zip("oetx", FAMILIES[lang], strict=True))
    d = Deduper(window=7 * DAY, story_window=3 * DAY)
    for i, text in enumerate(background(lang, window)):
        d.add(DedupItem(id=f"bg{i}", text=text, language=lang), T0 + i * 60)
    now = T0 + 3600
    out: dict[str, tuple[str | None, str]] = {}
    for i, name in enumerate(order):
        r = d.add(DedupItem(id=name, text=texts[name], language=lang), now + i * 60)
        out[name] = (r.duplicate_of, r.story)
    if consolidate:
        for aid, story in d.consolidate(now + 3600).items():
            if aid in out:
                out[aid] = (out[aid][0], story)
    return out


@pytest.mark.parametrize("lang", ["zh", "ru"])
@pytest.mark.parametrize("order", [list("oetx"), list("xoet")])
def test_copies_collapse_and_other_event_stays_apart_online(lang: str, order: list[str]) -> None:
    got = _run(lang, order, window=0, consolidate=False)
    assert got["e"][0] == "o" and got["t"][0] == "o"  # edited and truncated copies collapse
    assert got["o"][0] is None and got["x"][0] is None
    assert got["x"][1] != got["o"][1]  # the other event is its own story


@pytest.mark.parametrize("order", [list("oetx"), list("xoet")])
def test_chinese_other_event_apart_after_consolidation(order: list[str]) -> None:
    got = _run("zh", order, window=60, consolidate=True)
    assert got["e"][0] == "o" and got["t"][0] == "o"
    assert got["x"][1] != got["o"][1]
    assert got["o"][1] == got["e"][1] == got["t"][1]


@pytest.mark.xfail(
    reason="known weakness: with 60 synthetic Russian local-news articles in the window (template "
    "sentences that all share words, so they already form a few big online stories), "
    "consolidation's average link puts the background, the rate story and the other event "
    "(Belarus's rate cut) into one group named after a background article. Online, and for "
    "Chinese, the other event stays apart. Cause: in a 64-article window the Russian articles "
    "keep few terms of document frequency >= 2, and their vectors, normalised over those terms "
    "alone, meet on subject words; normalising over all terms fixes this case but lowers "
    "ECB+ story F1 on topics 16-30 from 0.947 to 0.915 (docs/decisions.md, stop 29). Strict: "
    "a fix makes it pass and then this marker must go",
    strict=True,
)
def test_russian_other_event_apart_after_consolidation() -> None:
    got = _run("ru", list("oetx"), window=60, consolidate=True)
    stories = {s for _, s in got.values()}
    assert got["x"][1] != got["o"][1] and stories <= {"o", "x"}


def test_chinese_summary_is_first_real_sentence() -> None:
    title = "四川泸定发生6.8级地震"
    text = f"{title}\n2024-06-05 08:30\n{ZH}"
    dateline = "新华社北京6月5日电 "  # the agency's stamp, not the sentence
    assert ZH.startswith(dateline)
    first = ZH.split("。")[0].removeprefix(dateline) + "。"
    got = summarize(text, title=title)
    assert got.startswith(first) and got.endswith("。")
    assert width(got) <= 300 and got in ZH.replace("\n", "")


def test_sentences_in_many_scripts() -> None:
    assert sentences("会议指出，挑战很多。“我们必须加快行动！”他说。会议还决定……继续改革。") == [
        "会议指出，挑战很多。", "“我们必须加快行动！”他说。", "会议还决定……继续改革。"
    ]  # fmt: skip
    assert sentences("東京都は対策を発表した。「増えている。」と知事は述べた。") == [
        "東京都は対策を発表した。", "「増えている。」と知事は述べた。"
    ]  # fmt: skip
    assert sentences("सरकार ने घोषणा की। मंत्री ने कहा।") == ["सरकार ने घोषणा की।", "मंत्री ने कहा।"]
    assert sentences("هل ستأتي غدا؟ قال الوزير.") == ["هل ستأتي غدا؟", "قال الوزير."]
    assert sentences("¿Vendrá? preguntó él. ¡Claro! Dijo.") == [
        "¿Vendrá? preguntó él.",
        "¡Claro!",
        "Dijo.",
    ]
    assert sentences("Ανακοίνωσε μέτρα; Ναι.") == ["Ανακοίνωσε μέτρα;", "Ναι."]
    assert sentences("Նախարարը նշեց։ Լավ է:") == ["Նախարարը նշեց։", "Լավ է:"]
    assert sentences("He said “no.” Dr. Smith left at 3 p.m. today.") == [
        "He said “no.”", "Dr. Smith left at 3 p.m. today."
    ]  # fmt: skip


def test_thai_summary_is_cut_at_a_space() -> None:
    th = "รัฐบาลประกาศมาตรการใหม่ เพื่อกระตุ้นเศรษฐกิจ " * 20
    got = summarize(th)
    assert got.endswith("…") and width(got) <= 300
    assert th.startswith(got[:-1]) and th[len(got) - 1] == " "


def test_language_decision() -> None:
    long_ru = "Правительство объявило о новых мерах поддержки экономики и малого бизнеса."
    assert decide_language("", long_ru, ("en-US",)) == "ru"  # a CMS default, not the text's
    assert decide_language("", ZH, ()) == "zh"
    es = "El gobierno anunció el martes nuevas medidas para apoyar la economía del país."
    assert decide_language("", es, ("en",)) == "es"
    assert decide_language("", es, ("es-ES",)) == "es"
    assert decide_language("Video", "", ()) is None  # too short to tell
    assert decide_language("", "", ("de",)) is None
    assert normalise_code("zh-Hans-CN") == "zh" and normalise_code("<b>") is None


def test_language_stored_and_exported(
    httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock
) -> None:
    def feed(lang: str, items: list[tuple[str, str, str]]) -> bytes:
        body = "".join(
            f"<item><guid>{g}</guid><link>{httpd.url('/' + g)}</link><title>{t}</title>"
            f"<description><![CDATA[{c}]]></description></item>"
            for g, t, c in items
        )
        return (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>'
            f"<language>{lang}</language>{body}</channel></rss>"
        ).encode()

    def paras(text: str) -> str:
        return "".join(f"<p>{p}</p>" for p in text.split("\n"))

    httpd.static("/zh.xml", feed("zh-CN", [("z1", "四川泸定发生6.8级地震", paras(ZH))]))
    # a feed that says en-US above Russian text (a CMS default): the text decides
    httpd.static("/ru.xml", feed("en-US", [("r1", "ЦБ повысил ставку", paras(RU))]))
    feeds = [FeedConfig(url=httpd.url(f"/{n}.xml"), full_text=FullText.NEVER) for n in ("zh", "ru")]
    config = make_config(tmp_path, feeds)
    with Store(config.database) as store:
        poll(config, store, clock)
        recs = {r["title"]: r for r in iter_export(store)}
    assert recs["四川泸定发生6.8级地震"]["language"] == "zh"
    assert recs["ЦБ повысил ставку"]["language"] == "ru"
    json.dumps(list(recs.values()), ensure_ascii=False)


# ---- properties -------------------------------------------------------------------------------

_MIXED = st.lists(
    st.sampled_from(
        list("abc XYZ.!?;:…\"”」』）¿¡,\n 。！？．，、") + list("中国人民的了新闻東京カナ한국어") +
        list("Москваजी।؟۔Ελλάς;Հայ։ไทย") + ["Dr.", "U.S.", "3 p.m. ", "e.g. x"]
    ),
    max_size=300,
).map("".join)  # fmt: skip
_ANY = st.text(st.characters(codec="utf-8"), max_size=300)  # no surrogates


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_MIXED, _ANY))
def test_sentences_never_lose_or_reorder_text(text: str) -> None:
    parts = sentences(text)
    assert _squash("".join(parts)) == _squash(text)
    pos = 0
    for p in parts:
        assert p and p == p.strip()
        pos = text.index(p, pos) + len(p)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_MIXED, _ANY), st.integers(min_value=2, max_value=400))
def test_summary_and_cut_never_exceed_the_limit(text: str, limit: int) -> None:
    assert width(summarize(text, limit)) <= limit
    assert width(cut(text, limit)) <= limit


@settings(max_examples=300, deadline=None)
@given(st.one_of(_MIXED, _ANY), st.sampled_from([None, "en", "zh", "ru", "ja", "xx"]))
def test_tokeniser_total_and_deterministic(text: str, lang: str | None) -> None:
    words, ents = tf.tokens(text)
    assert (words, ents) == tf.tokens(text)
    assert all(w and not any(c.isspace() for c in w) for w in words)
    a, b = tf.extract(text, "t", language=lang), tf.extract(text, "t", language=lang)
    assert a.thash == b.thash and a.simhash == b.simhash
    assert (a.terms == b.terms).all() and (a.sketch == b.sketch).all()
    assert tf.text_digest(tf.normalise(text)) == a.thash


@settings(max_examples=100, deadline=None)
@given(st.one_of(_MIXED, _ANY))
def test_language_decision_never_raises(text: str) -> None:
    got = decide_language(text[:20], text, ("en", None, "??"))
    assert got is None or re.fullmatch(r"[a-z]{2,3}", got)


def test_english_tokens_unchanged() -> None:
    text = "The U.S. Senate voted 52-48 on Tuesday; Sen. Smith’s bill passed."
    words, _ = tf.tokens(text)
    assert words == re.findall(r"\w+(?:['’]\w+)*", unicodedata.normalize("NFKC", text).casefold())
    assert tf.stopwords("en") is tf.STOPWORDS and tf.stopwords(None) is tf.STOPWORDS
    assert "的" in tf.stopwords("zh") and "и" in tf.stopwords("ru")


def _boundary_by_copying(text: str, start: int, m: re.Match[str]) -> bool:
    """The definition ``sentences._is_boundary`` keeps (it looked at copies of the rest of
    the text, quadratic in a long paragraph)."""
    from aggregator.sentences import _CLOSE, ABBREVIATIONS, WIDE_CHARS

    mark = m.group()
    if mark[-1] in _CLOSE and m.group("w") is None and WIDE_CHARS.match(text[m.end() :]):
        return False
    if m.group("w") is not None and mark.startswith("."):
        before = text[start : m.start() + 1].split()
        last = before[-1].rstrip(".").casefold() if before else ""
        if last in ABBREVIATIONS or len(last) == 1:
            return False
    nxt = text[m.end() :].lstrip().lstrip("¿¡")
    return not (nxt and nxt[0].islower())


@settings(max_examples=300, deadline=None)
@given(st.one_of(_MIXED, _ANY))
def test_sentence_boundaries_match_the_copying_definition(text: str) -> None:
    from aggregator import sentences as sm

    start = 0
    for m in sm._END.finditer(text):
        if m.end() <= start:
            continue
        got = sm._is_boundary(text, start, m)
        assert got == _boundary_by_copying(text, start, m), m
        if got:  # as sentences() moves on
            start = m.end()


def test_a_huge_paragraph_is_split_in_one_pass() -> None:
    """60,000 sentences in one paragraph (a feed entry of megabytes): every sentence comes
    back, and the summary is its first two (it took 12 s when each mark copied the rest)."""
    para = "Huge paragraph of repeated words about tides. " * 60_000
    assert len(sentences(para)) == 60_000
    got = summarize(para)
    assert got == "Huge paragraph of repeated words about tides. " * 1 + (
        "Huge paragraph of repeated words about tides."
    )
