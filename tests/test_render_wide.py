"""Plain-text wrapping of CJK lines by display columns (digest.wide_wrap via wrap_text)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.digest.render import TEXT_WIDTH, wrap_text
from aggregator.digest.wide_wrap import _NO_START, _units, columns, wrap_wide

ZH = (
    "国家统计局7日发布数据显示，11月份全国居民消费价格指数同比上涨0.4%，环比下降0.3%。"
    "其中，城市上涨0.5%，农村上涨0.2%；食品价格下降1.1%，非食品价格上涨0.8%。"
)


def test_a_chinese_paragraph_fills_lines_by_columns_and_keeps_numbers_whole() -> None:
    lines = wrap_text(f"* {ZH}").splitlines()
    assert len(lines) == 3 and all(columns(x) <= TEXT_WIDTH for x in lines)
    assert all(x.startswith("  ") for x in lines[1:])
    body = "".join(x[2:] for x in lines)
    assert body == ZH  # nothing lost, no spaces added inside the Chinese text
    for a, b in zip(lines, lines[1:], strict=False):
        assert not (a[-1].isdigit() or a[-1] == ".") or not b.lstrip()[0].isdigit()
        assert b.lstrip()[0] not in _NO_START  # no line opens with ，。%


def test_korean_words_stay_whole_and_ascii_lines_are_as_before() -> None:
    ko = "서울시는 7일 새로운 지하철 노선을 개통했다고 밝혔다. 이 노선은 강남구와 송파구를 연결하며 하루 평균 30만 명이 이용할 것으로 예상된다."
    lines = wrap_text(f"* {ko}").splitlines()
    assert " ".join(x.strip("* ") for x in lines) == ko
    en = "word " * 40
    assert wrap_text(f"* {en}") == wrap_text(f"* {en}".replace("  ", " "))
    assert all(len(x) <= TEXT_WIDTH for x in wrap_text(f"* {en}").splitlines())


_CHARS = st.sampled_from(list("国家统计局发布数据显示，。、（）“”％%0123456789.abc xyz한국어"))


@settings(max_examples=300)
@given(st.text(_CHARS, max_size=300), st.integers(12, 100))
def test_wide_wrap_keeps_every_character_and_the_width(body: str, width: int) -> None:
    lines = wrap_wide(body, width, "* ", "  ")
    assert "".join(x[2:] for x in lines).replace(" ", "") == body.replace(" ", "")
    for line in lines:
        # a line is within the width, or it is one piece that cannot be broken
        assert columns(line) <= width or len([u for u in _units(line[2:]) if u != " "]) == 1
    for b in lines[1:]:
        assert b[2:3] not in _NO_START
    # a break falls at a space or beside a Chinese character, never inside a word or number
    for run in re.findall(r"[0-9a-z.%]+|[한국어]+", body):
        assert any(run in line for line in lines), run
