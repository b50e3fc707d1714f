"""Property tests (hypothesis) for the dedup index over untrusted dates and texts.

Issue 17: one entry dated 2019 among entries of today made the time-decayed document
frequencies divide by zero, and every later article waited forever.  These properties feed
the ``Deduper`` random streams: publication dates anywhere from 1970 to 2100 or none (equal,
reversed and far apart), a clock that may stand still or step back, texts that are empty, one
word, huge, in non-Latin scripts or random unicode; with evictions, consolidations and a
restart (snapshot -> restore) at random points.  For every stream:

* nothing raises, and every article gets a decision (a story; ``duplicate_of`` an earlier
  article or None);
* an exact copy (same text and URL, or the same text of ``MIN_TEXT_TOKENS`` words or more)
  arriving right after its original is always a duplicate;
* the document frequencies stay finite and non-negative.

CI runs a bounded, derandomized number of examples (tests/conftest.py);
``HYPOTHESIS_PROFILE=thorough`` runs many more.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.dedup import Deduper, DedupItem, article_time
from aggregator.dedup.docfreq import DocFreq
from aggregator.dedup.features import tokens
from aggregator.dedup.thresholds import MIN_TEXT_TOKENS

T1970 = 0.0
T2100 = 4102444800.0
DAY = 86400.0

_SCRIPTS = (
    "abcdefghijklmnopqrstuvwxyz",
    "абвгдеёжзийклмнопрстуфхцчшщыэюя",  # Cyrillic
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年",  # CJK
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",  # Arabic
    "αβγδεζηθικλμνξοπρστυφχψω",
)
_word = st.sampled_from(_SCRIPTS).flatmap(lambda a: st.text(alphabet=a, min_size=1, max_size=9))
_sentence = st.lists(_word, min_size=1, max_size=30).map(" ".join)
_texts = st.one_of(
    st.just(""),
    _word,
    st.lists(_sentence, min_size=1, max_size=8).map(". ".join),
    st.text(max_size=200),  # anything unicode: controls, surrogates excluded by hypothesis
    # huge: one paragraph repeated (a 20k-word page), cheap to generate
    st.tuples(_sentence, st.integers(200, 700)).map(lambda p: ". ".join([p[0]] * p[1])),
)
_dates = st.one_of(
    st.none(),
    st.floats(T1970, T2100, allow_nan=False),
    st.sampled_from([T1970, 1551398400.0, 1790000000.0, T2100]),  # 1970, 2019, 2026, 2100
)
_steps = st.one_of(
    st.just(0.0),
    st.floats(-2 * DAY, 40 * DAY, allow_nan=False),  # the clock may step back a little
    st.sampled_from([3600.0, 8 * DAY, 400 * DAY]),
)


@st.composite
def streams(draw: st.DrawFn) -> list[tuple[str, str, float | None, float, str, bool]]:
    """(text, url, published, clock step, action, copy_next) per arriving article; action is
    one of add / evict / consolidate / restart (after the add)."""
    n = draw(st.integers(1, 14))
    out = []
    for i in range(n):
        out.append(
            (
                draw(_texts),
                draw(st.sampled_from([f"https://a.example/{i}", f"https://b.example/{i}?x=1"])),
                draw(_dates),
                draw(_steps),
                draw(st.sampled_from(["add", "add", "evict", "consolidate", "restart"])),
                draw(st.booleans()),
            )
        )
    return out


def _restart(d: Deduper, blobs: dict[str, tuple[bytes, float]]) -> Deduper:
    fresh = Deduper(window=d.window, story_window=d.story_window)
    for id, (blob, t) in blobs.items():
        fresh.restore(id, blob, t)
    return fresh


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams(), st.floats(T1970 + 30 * DAY, T2100, allow_nan=False))
def test_any_dates_and_texts_get_a_decision(
    stream: list[tuple[str, str, float | None, float, str, bool]], start: float
) -> None:
    d = Deduper(window=7 * DAY, story_window=3 * DAY)
    now = start
    seen: list[str] = []
    blobs: dict[str, tuple[bytes, float]] = {}
    for i, (text, url, published, step, action, copy_next) in enumerate(stream):
        now = max(T1970, now + step)
        arrivals = [(f"{i}", text, url)]
        if copy_next:
            arrivals.append((f"{i}c", text, url))
        for id, body, link in arrivals:
            res = d.add(DedupItem(id=id, text=body, title="", url=link, published=published), now)
            assert res.id == id
            assert res.story
            assert res.duplicate_of is None or res.duplicate_of in seen
            if id.endswith("c"):
                assert res.duplicate_of is not None, "an exact copy must collapse"
            seen.append(id)
            blobs[id] = (d.snapshot(id), now)
        if action == "evict":
            d.evict(now)
        elif action == "consolidate":
            changes = d.consolidate(now)
            assert set(changes) <= set(seen)
        elif action == "restart":
            d = _restart(d, blobs)
    df = d._df
    assert np_finite(df.table) and df.total >= 0 and math.isfinite(df.total)


@settings(deadline=None)
@given(
    st.lists(st.sampled_from(_SCRIPTS[:3]), min_size=1, max_size=1).map(lambda a: a[0]),
    st.lists(_dates, min_size=2, max_size=6),
    st.floats(T1970 + 30 * DAY, T2100, allow_nan=False),
)
def test_exact_text_copy_without_url_collapses(
    alphabet: str, dates: list[float | None], now: float
) -> None:
    """The same text (long enough to be matched by text) from another URL, under any
    publication dates, arriving with its original: a duplicate, never a new story."""
    words = [alphabet[i % len(alphabet)] * (1 + i % 4) + alphabet[(i * 7) % len(alphabet)]
             for i in range(40)]  # fmt: skip
    text = " ".join(words)
    assert len(tokens(text)[0]) >= MIN_TEXT_TOKENS
    d = Deduper()
    first = d.add(
        DedupItem(id="orig", text=text, url="https://a.example/x", published=dates[0]), now
    )
    assert first.duplicate_of is None
    for k, pub in enumerate(dates[1:]):
        res = d.add(
            DedupItem(id=f"c{k}", text=text, url=f"https://m{k}.example/y", published=pub), now
        )
        assert res.duplicate_of == "orig"
        assert res.story == first.story


@given(
    st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), st.floats(T1970, T2100)
)
def test_article_time_stays_inside_the_window(published: float | None, now: float) -> None:
    window = 7 * DAY
    t = article_time(published, now, window)
    assert math.isfinite(t)
    assert now - window <= t <= now


def np_finite(a: object) -> bool:
    arr = np.asarray(a)
    return bool(np.isfinite(arr).all() and (arr >= 0).all())


_any_time = st.one_of(
    st.floats(T1970, T2100, allow_nan=False), st.sampled_from([T1970, 1551398400.0, T2100])
)


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["add", "df", "ndocs", "idf"]), _any_time), max_size=40),
    st.sampled_from([1.0, 3600.0, 3.5 * DAY]),
)
def test_document_frequencies_are_finite_for_any_times(
    ops: list[tuple[str, float]], tau: float
) -> None:
    """The time-decayed counts themselves, with raw times in any order (the Deduper maps
    article times into its window first; these hold without that)."""
    df = DocFreq(tau)
    terms = np.array([1, 2, 3, 0xFFFFFFFF], dtype=np.uint32)
    for op, t in ops:
        if op == "add":
            df.add(terms, t)
        elif op == "df":
            v = df.df(terms, t)
            assert np_finite(v)
        elif op == "ndocs":
            n = df.ndocs(t)
            assert math.isfinite(n) and n >= 0
        else:
            v = df.idf(terms, t)
            assert np_finite(v)
        assert np_finite(df.table) and math.isfinite(df.total)
    if ops:
        # every stored weight is bounded (float32 cells stay precise)
        assert float(df.table.max(initial=0.0)) <= math.exp(DocFreq.RESCALE_SPAN) * len(ops) + 1
