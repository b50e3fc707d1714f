"""The thirteenth round of issue 19's cleaning rules (after languages-dev13): appeals that
explain the missing paywall or ask the reader to become a member (only with an appeal's own
words: independence, support, a price), small-donation appeals in Chinese, subscribe-and-access
offers, "subscribe or log in", closed comments, letters lines, consent placeholders in German
and their buttons, listen prompts, newsroom contact lines, preparation credits, a Swiss job
title at the tail, Chinese related labels and LINE prompts; and a Chinese report's closing
"记者将持续关注" kept as the article's.

Every line was written for this test, not taken from the development sets
(tests/fixtures/languages-dev*); the negatives are reporting with the same words.
"""

from __future__ import annotations

import pytest

from tests.support.articles import P1, P2, P3, removed

STRONG = [
    ("no paywall", "Wir haben keine Paywall, weil uns 12.000 Leserinnen und Leser unterstützen."),
    ("no paywall", "Aquí no hay muros: sin paywall, gracias a quienes aportan cada mes."),
    ("member", "Le journal est indépendant. Devenez membre dès 5 $ par mois."),
    ("member", "Siamo un giornale indipendente: diventa sostenitore anche tu."),
    ("zh donation", "您的每一笔小额捐款，都是我们坚持调查报道的力量。"),
    ("access", "Suscríbete a El Diario del Sur y accede a todas las noticias sin límite."),
    ("login", "Para ler a matéria completa, assine ou faça login."),
    ("zh newsletter", "訂閱《城市觀察》電子報，每週一寄送。"),
    ("comments closed", "Les commentaires de cet article sont fermés."),
    ("comments closed", "I commenti sono chiusi."),
    ("letters", "读者如对本报报道有意见，欢迎来信至编辑部。"),
    ("consent", "Dieser Beitrag von YouTube kann hier nicht angezeigt werden."),
    ("consent button", "Externen Inhalt anzeigen"),
    ("listen", "Hören Sie sich diesen Beitrag an"),
    ("contact", "Contactez-nous : redaction@journal-exemple.fr"),
    ("credit", "Статья подготовлена при поддержке фонда «Культура»."),
    ("zh related", "延伸閱讀》 颱風逼近 東部停班停課"),
    ("zh line", "新聞不漏接！加入日報LINE官方帳號"),
]

TAIL_ONLY = [
    ("bio", "Anna Keller ist Redaktorin im Ressort Basel."),
]

REPORTING = [
    "Werde Mitglied im Sportverein, rät die Ärztin allen Eltern.",
    "Le ministre a dit: devenez membre du parti, et le parti vous le rendra.",
    "Kontakt: Die Polizei bittet Zeugen, sich zu melden.",
    "Inhalt anzeigen lassen konnten die Kunden nur mit Ausweis.",
]


@pytest.mark.parametrize(("kind", "line"), STRONG)
def test_kinds_are_removed_between_paragraphs(kind: str, line: str) -> None:
    got = removed([P1, P2, line, P3])
    assert line in got, kind
    assert len(got) == 1


@pytest.mark.parametrize(("kind", "line"), STRONG + TAIL_ONLY)
def test_kinds_are_removed_at_the_tail(kind: str, line: str) -> None:
    got = removed([P1, P2, P3, line])
    assert line in got, kind
    assert len(got) == 1


@pytest.mark.parametrize("sentence", REPORTING)
def test_reporting_with_the_same_words_is_kept(sentence: str) -> None:
    assert removed([P1, sentence, P2]) == {}


def test_a_chinese_follow_up_line_closes_the_report() -> None:
    tips = "您身边有什么新鲜事？欢迎拨打报料热线，一经采用有奖。"
    got = removed([P1, P2, "记者将持续关注。", tips])
    assert "记者将持续关注。" not in got
    assert tips in got
