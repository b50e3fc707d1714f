"""The near-copy matcher and the learning rule of ``aggregator.enrich.repeats`` (pure), with
hypothesis properties: a block is removed only when it matches a learned block or a drop
pattern (and never when a keep pattern matches), and applying the rules twice changes nothing
more than applying them once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aggregator.config.kinds import compile_pattern
from aggregator.enrich import repeats
from aggregator.enrich.clean import Block, clean_structured
from aggregator.enrich.repeats import BlockRules, drop_from_stored, learn, near, removals
from aggregator.types import LearnedBlock

APPEAL = (
    "You could simply close this tab now, and nobody would hold it against you. Some four "
    "hundred neighbours keep this small newsroom afloat, and the four of us who write it lean "
    "on them entirely. Chipping in costs less than a cup of coffee a month. Questions go to "
    "Nadia (@nadia_ledger) or https://ledger.example/join?ref=1 on 3 March."
)
BIO = (
    "Pieter Vanhoutte has walked the dunes of this coast since 1998 and still writes every "
    "column by hand before typing it up on a borrowed laptop."
)
QUOTE = (
    '"We will not stop until every family in this county has clean water running from the '
    'tap," the governor said at the plant on Tuesday.'
)
REAL = [
    "The port authority voted on Tuesday to postpone dredging of the north channel.",
    "Volunteers planted two hundred oak saplings along the old railway path on Saturday.",
    "The county library will lend fishing rods from next month, with a small deposit.",
    "A bakery on Front Street won the regional bread prize for a rye loaf.",
    "Night buses will run every half hour on the coast route during the festival.",
    "The school board approved a later start time for the two high schools.",
    "Fishermen reported the largest herring catch in a decade off the northern banks.",
    "The museum reopened its maritime wing after a two-year renovation of the roof.",
]


def test_near_copies_survive_a_changed_name_link_handle_and_date() -> None:
    other = (
        APPEAL.replace("Nadia", "Tomas")
        .replace("@nadia_ledger", "@tomas_news")
        .replace("ref=1", "ref=item-77")
        .replace("3 March", "12 April")
    )
    assert near(other, APPEAL) and near(APPEAL, other)
    assert not near(REAL[0], APPEAL) and not near(QUOTE, BIO)


def test_a_part_of_a_learned_block_matches_but_a_short_line_never() -> None:
    half = "Some four hundred neighbours keep this small newsroom afloat, and the four of us"
    assert near(half, APPEAL)
    assert not near("Chipping in costs less", APPEAL)  # shorter than LEARN_MIN_CHARS
    assert not near(APPEAL + " " + " ".join(REAL), APPEAL)  # a long paragraph holding it


def _doc(i: int, *tail: str | None) -> list[str | None]:
    return [REAL[i % len(REAL)], REAL[(i + 3) % len(REAL)], *tail]


def test_a_tail_block_of_two_articles_is_learned_at_the_edge() -> None:
    (got,) = learn([_doc(0, BIO), _doc(1, BIO)])
    assert got.edge and got.articles == 2 and got.text == BIO


def test_a_head_block_is_learned_too() -> None:
    docs = [[BIO, *_doc(i)] for i in range(2)]
    assert [b.text for b in learn(docs)] == [BIO]


def test_a_short_edge_line_needs_three_articles() -> None:
    line = "The trial continues on Monday at the court."
    assert len(line) < repeats.PAIR_MIN_CHARS
    assert learn([_doc(0, line), _doc(1, line)]) == []
    assert [b.text for b in learn([_doc(i, line) for i in range(3)])] == [line]


def test_a_quote_in_the_middle_of_two_articles_is_not_learned() -> None:
    docs = [[REAL[i], QUOTE, REAL[i + 4]] for i in range(2)]
    assert learn(docs) == []


def test_a_middle_block_in_most_articles_is_learned_anywhere() -> None:
    docs = [[REAL[i], QUOTE, REAL[i + 4]] for i in range(3)]
    (got,) = learn(docs)
    assert not got.edge and got.articles == 3


def test_copies_of_one_story_do_not_teach_each_other() -> None:
    story = [REAL[0], REAL[1], REAL[2], REAL[3]]
    assert learn([story, list(story)]) == []
    # and with a third, different article the copies count once: the tail is in two stories
    got = learn([[*story, BIO], [*story, BIO], _doc(5, BIO)])
    assert [b.text for b in got] == [BIO]


def test_known_and_unlearnable_blocks_are_not_learned_again() -> None:
    known = (LearnedBlock(BIO, 2, True),)
    assert learn([_doc(0, BIO), _doc(1, BIO)], known) == []
    assert learn([_doc(0, None), _doc(1, None)]) == []


def test_edge_learned_blocks_are_removed_only_at_the_edges() -> None:
    rules = BlockRules(learned=(LearnedBlock(BIO, 2, True),))
    assert removals([REAL[0], BIO, REAL[1], BIO], rules) == [None, None, None, "learned"]
    assert removals([BIO, "Photo", REAL[1]], rules) == ["learned", None, None]
    assert removals([BIO], rules) == [None]  # never the whole article


def test_a_short_line_goes_with_the_template_around_it_but_not_inside_the_article() -> None:
    rules = BlockRules(learned=(LearnedBlock(BIO, 2, True), LearnedBlock(QUOTE, 2, True)))
    texts = [REAL[0], "By Jane Doe", REAL[1], QUOTE, "Thanks!", BIO, "Ends."]
    assert removals(texts, rules) == [None, None, None, "learned", "learned", "learned", "learned"]
    assert removals([REAL[0], "Photo", BIO], rules) == [None, None, "learned"]


def test_keep_wins_and_drop_removes() -> None:
    rules = BlockRules(
        learned=(LearnedBlock(BIO, 3, False),),
        keep=(compile_pattern("dunes of this coast"),),
        drop=(compile_pattern("/^night buses/"), compile_pattern("dunes")),
    )
    assert removals([REAL[0], BIO, REAL[4]], rules) == [None, None, "drop_blocks"]


def test_a_keep_pattern_brings_back_a_block_a_detector_removed() -> None:
    blocks = [Block(REAL[0]), Block(REAL[1]), Block("Leave a Reply")]
    plain = clean_structured(blocks)
    assert "Leave a Reply" not in plain.texts
    rules = BlockRules(keep=(compile_pattern("leave a reply"),))
    kept = repeats.apply_rules(blocks, plain, rules)
    assert kept.texts == (REAL[0], REAL[1], "Leave a Reply") and kept.kept_indices == (0, 1, 2)


# ---- properties ------------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "the",
        "a",
        "harbor",
        "ferry",
        "council",
        "vote",
        "coffee",
        "month",
        "patron",
        "tab",
        "close",
        "team",
        "readers",
        "four",
        "join",
        "community",
        "small",
        "depends",
        "on",
        "you",
        "today",
        "river",
        "bridge",
        "rain",
    ]
)
_SENTENCE = st.lists(_WORDS, min_size=1, max_size=30).map(lambda w: " ".join(w) + ".")


@st.composite
def _case(draw: st.DrawFn) -> tuple[list[str], BlockRules]:
    learned = draw(st.lists(_SENTENCE, max_size=3))
    texts = draw(st.lists(st.one_of(_SENTENCE, st.sampled_from(learned or ["x"])), max_size=8))
    # near-copies: a learned block with one word changed
    texts = [t.replace("the", "a", 1) if draw(st.booleans()) else t for t in texts]
    rules = BlockRules(
        learned=tuple(LearnedBlock(t, 3, draw(st.booleans())) for t in learned),
        keep=tuple(compile_pattern(w) for w in draw(st.lists(_WORDS, max_size=1))),
        drop=tuple(compile_pattern(w) for w in draw(st.lists(_WORDS, max_size=1))),
    )
    return texts, rules


@given(_case())
def test_only_matching_blocks_are_removed(case: tuple[list[str], BlockRules]) -> None:
    """A block is removed only when it matches a learned block or a drop pattern, and never
    when it matches a keep pattern; a block too short to be learned goes only inside the
    template: with everything between it and one edge, a matching block among them."""
    texts, rules = case
    why = removals(texts, rules)

    def matches(j: int) -> bool:
        return any(near(texts[j], b.text) for b in rules.learned)

    for k, text in enumerate(texts):
        if why[k] is None:
            continue
        assert not rules.keeps(text)
        if why[k] == "drop_blocks":
            assert rules.drops(text)
        elif repeats.learnable(text):
            assert why[k] == "learned" and matches(k)
        else:
            n = len(texts)
            assert any(
                matches(j) and all(why[i] for i in range(0, j + 1)) for j in range(k + 1, n)
            ) or any(matches(j) and all(why[i] for i in range(j, n)) for j in range(k))


@given(_case())
def test_applying_the_rules_twice_changes_nothing_more(case: tuple[list[str], BlockRules]) -> None:
    texts, rules = case
    once = [t for t, why in zip(texts, removals(texts, rules), strict=True) if why is None]
    assert all(why is None for why in removals(once, rules)) or not once
    text, html = "\n".join(texts), "".join(f"<p>{t}</p>" for t in texts)
    first = drop_from_stored(text, html, rules)
    assert drop_from_stored(*first, rules) == first


def test_stored_list_items_leave_the_html_with_their_text_lines() -> None:
    item = "Ferry fares rise for the second time this year, and the council asks why"
    rules = BlockRules(learned=(LearnedBlock(item, 3, False),))
    text = f"{REAL[0]}\n- {item}\n- {REAL[1]}"
    html = f"<p>{REAL[0]}</p><ul><li>{item}</li><li>{REAL[1]}</li></ul>"
    new_text, new_html = drop_from_stored(text, html, rules)
    assert new_text == f"{REAL[0]}\n- {REAL[1]}"
    assert item not in new_html and REAL[1] in new_html
