"""The paragraph classifier (aggregator/enrich/classifier.py) as the cleaner uses it.

The appeals, bios and prompts below are written for these tests the way outlets word them, on
purpose without the phrases of boilerplate.toml (checked in the first test): the classifier or
the evidence-counting detectors of aggregator/enrich/signals.py must remove them. The
classifier's held-out quality is measured by bench/paragraphs.py."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.enrich import classifier
from aggregator.enrich.clean import Block, classify, clean_structured

ARTICLE = [
    "The regional water board approved a plan on Tuesday to replace 40 kilometres of lead "
    "service pipes by 2029, after two years of tests found traces above the legal limit in "
    "three districts of the city.",
    "Engineers will start in the older northern quarter, where most houses were built before "
    "1950. The first contracts, worth 18 million euros, go out to tender next month, and "
    "residents will be told a week before crews dig up their street.",
    "Board members argued for an hour over who pays for the stretch between the street and "
    "the house. In the end they agreed that the utility covers it in full for households "
    "below the median income and half of it for everyone else.",
    "Residents who want to know whether their street is on the list can check the board's "
    "published map, which will be updated every quarter as work moves from district to "
    "district, the chair said after the vote.",
]

TAILS = {
    "appeal": (
        "You could simply close this tab and move on. Instead, we hope you will stay with the "
        "small crew that keeps this newsroom going: four people, no owner, no billionaire. "
        "Less than the price of a coffee each month keeps the lights on. Come aboard as a "
        "patron today."
    ),
    "bio": (
        "Marta Lindqvist has reported on cities and infrastructure for more than a decade and "
        "previously worked as a correspondent in Brussels. She lives in Malmö with two cats."
    ),
    "comments": "What do you think about the new pipes? Tell us below, we read every reply.",
    "newsletter": (
        "Want stories like this in your inbox every Friday? Put your address in the box and "
        "you're in, free."
    ),
}


def _blocks(tail: str) -> list[Block]:
    return [Block(p) for p in ARTICLE] + [Block(tail)]


# the tails no phrase of boilerplate.toml names, and what removes each of them
REMOVED_BY = {
    "appeal": "appeal_signals",
    "bio": "bio_signals",
    "comments": "prompt_signals",
    "newsletter": "classifier",
}


def test_the_tails_name_no_phrase_of_the_tables() -> None:
    for name, text in TAILS.items():
        hit = classify(Block(text), strong_only=False)
        assert hit is None or hit[0] == REMOVED_BY[name], name


def test_shipped_model_loads_and_matches_the_features() -> None:
    model = classifier.shipped_model()
    assert model is not None
    names = set(classifier.article_features([classifier.Para("x")], None)[0])
    assert set(model.weights) == names  # the model was trained on today's features
    assert 0.0 < model.edge <= 1.0 and 0.0 < model.strong <= 1.0


@pytest.mark.parametrize("name", sorted(TAILS))
def test_boilerplate_at_the_tail_is_removed(name: str) -> None:
    result = clean_structured(_blocks(TAILS[name]), title="Water board approves lead pipe plan")
    assert result.texts == tuple(ARTICLE), name
    assert (REMOVED_BY[name], TAILS[name]) in result.removed


@pytest.mark.parametrize("name", ["newsletter"])
def test_rules_only_keep_what_the_classifier_removes(name: str) -> None:
    result = clean_structured(_blocks(TAILS[name]), model=None)
    assert TAILS[name] in result.texts


def test_real_paragraphs_are_kept() -> None:
    result = clean_structured([Block(p) for p in ARTICLE], title="Water board approves plan")
    assert result.texts == tuple(ARTICLE)


@given(
    st.lists(
        st.builds(
            Block,
            st.text(min_size=0, max_size=300),
            st.sampled_from(["p", "head", "item", "quote", "caption"]),
            st.integers(0, 300),
        ),
        max_size=12,
    ),
    st.one_of(st.none(), st.text(max_size=80)),
)
def test_scores_are_probabilities_and_cleaning_keeps_something(
    blocks: list[Block], title: str | None
) -> None:
    model = classifier.shipped_model()
    assert model is not None
    scores = model.score(blocks, title)
    assert len(scores) == len(blocks)
    assert all(0.0 <= p <= 1.0 and not math.isnan(p) for p in scores)
    result = clean_structured(blocks, title=title)
    if any(b.text.strip() for b in blocks) and not result.kept:
        # only rules (never the classifier or learning) may empty an article
        assert all(r not in ("classifier", "learned") for r, _ in result.removed)


_GATED = [
    (classifier._MONEY, classifier._MONEY_GATE),
    (classifier._TIME_OFFER, classifier._OFFER_GATE),
    (classifier._COPYRIGHT, classifier._COPYRIGHT_GATE),
]
_MONEYISH = st.sampled_from(
    ["$5", "5 USD", "€ 3", "a month", "per Week", "COFFEE", "monthly", "just 4", "less than a",
     "© 2024", "(C) 2019", "All Rights Reserved", "copyright", "from  $1", "only\tan", "\u212a"]
)  # fmt: skip


@given(st.lists(st.one_of(st.text(max_size=20), _MONEYISH), max_size=6).map(" ".join))
def test_gated_searches_decide_what_the_patterns_decide(text: str) -> None:
    for pattern, gate in _GATED:
        assert classifier._gated(pattern, gate, text, text.casefold()) == bool(
            pattern.search(text)
        ), pattern.pattern
