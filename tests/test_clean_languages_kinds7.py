"""The seventh round of issue 19's cleaning rules (after languages-dev6): in-article
boilerplate that dailies put between paragraphs, each kind enumerated across es, fr, pt, it,
ru and zh: players ("listen to the news", lone video/podcast/gallery labels, a video's credit,
"the article continues after the video", podcast promos), inline newsletter and paywall
boxes, "originally published in" notes, breaking-news stubs and edit stamps, print-edition
stamps, buttons (comment, report an error, rate, enlarge), author-box and recommendation
headings, headings with a bare colon, and headings of a table of contents, a tag list or an
inline link box whose entries follow them.

Every line was written for this test, not taken from the development sets
(tests/fixtures/languages-dev*); the negatives are reporting with the same words.
"""

from __future__ import annotations

import pytest

from tests.support.articles import removed

P1 = (
    "El Ayuntamiento aprobó ayer el presupuesto para el próximo año. Las partidas más "
    "grandes son la reforma de tres colegios y la ampliación del carril bici del puerto."
)
P2 = (
    "La oposición criticó que las tasas de las guarderías vuelvan a subir. El concejal de "
    "Hacienda atribuyó el aumento a los costes de personal y a la inflación de los últimos años."
)
P3 = (
    "En primavera un foro vecinal debatirá el reparto del resto de los fondos. La fecha se "
    "anunciará más adelante, según informó el consistorio por la tarde."
)

# (language, boilerplate line): removed between paragraphs and at the tail
MIDDLE = [
    ("es", "Escuchar la nota"),
    ("pt", "Ouvir a notícia"),
    ("fr", "Écouter l'article"),
    ("it", "Ascolta la notizia"),
    ("ru", "Прослушать"),
    ("zh", "收听"),
    ("pt", "Ouça a versão em áudio desta reportagem"),
    ("es", "Vídeo"),
    ("fr", "Diaporama"),
    ("it", "Fotogallery"),
    ("ru", "Фотогалерея"),
    ("zh", "组图"),
    ("ru", "Видео: пресс-служба МЧС"),
    ("zh", "视频：央视示例新闻"),
    ("it", "L'articolo continua dopo il video"),
    ("es", "La noticia continúa después del video"),
    ("ru", "Продолжение после видео"),
    ("es", "El podcast del día"),
    ("it", "Ascolta il nostro podcast sulla politica locale su Spotify e Apple Podcasts."),
    ("ru", "Слушайте наш подкаст «Утро» на всех платформах."),
    ("es", "Recibe las claves de la economía cada semana. Suscríbete gratis."),
    ("pt", "Receba no seu WhatsApp as principais notícias do interior."),
    ("pt", "Assine a newsletter Manhã e comece o dia bem informado."),
    ("it", "Ogni mattina le notizie di Bologna nella tua casella email."),
    ("es", "Cada mañana, lo más importante de Sevilla en tu correo."),
    ("ru", "Каждое утро главные новости региона на вашу почту."),
    ("it", "Continua a leggere la notizia"),
    ("es", "Continúa leyendo el artículo"),
    ("fr", "Continuer la lecture"),
    ("es", "Contenido exclusivo para suscriptores"),
    ("it", "Articolo riservato agli abbonati"),
    ("fr", "Cet article a été initialement publié sur le site de notre partenaire."),
    ("pt", "Este artigo foi publicado originalmente no Jornal do Sul Exemplo."),
    ("it", "Questo articolo è stato pubblicato originariamente su Economia Oggi."),
    ("ru", "Статья впервые опубликована на сайте издания «Пример»."),
    ("zh", "本文首发于示例财经公众号"),
    ("es", "Más información en breve."),
    ("fr", "Article en cours d'actualisation"),
    ("it", "Notizia in aggiornamento"),
    ("ru", "Новость дополняется"),
    ("zh", "（持续更新中）"),
    ("es", "(Noticia actualizada a las 18.40)"),
    ("fr", "12 mars 2024 (mis à jour le 12 mars 2024 | 19:05)"),
    ("zh", "《示例日报》（2024年03月12日 第 05 版）"),
    ("ru", "Опубликовано в газете «Пример» №41 от 12.03.2024, стр. 3"),
    ("pt", "Comentar"),
    ("it", "Segnala un errore"),
    ("fr", "Notez cet article"),
    ("pt", "Avalie esta matéria"),
    ("zh", "点击看大图"),
    ("it", "La redazione vi consiglia"),
    ("ru", "Подробности — в нашем материале о реформе"),
    ("pt", "Mais lidas:"),
    ("it", "Approfondimenti:"),
]

# (language, heading of an author box): removed at the tail, with the box's lines
AUTHOR_BOX = [
    ("it", "Sull'autrice"),
    ("zh", "作者简介"),
    ("pt", "Sobre a autora"),
]

# (language, heading, entries): the heading and the short lines after it are removed
HEADED = [
    ("fr", "Table des matières", ["Ce que prévoit le texte", "Les réactions des élus"]),
    ("pt", "Sumário", ["O que muda em 2025", "Quem tem direito"]),
    ("it", "Parole chiave", ["bilancio comunale scuole piste ciclabili"]),
    ("ru", "Темы", ["Бюджет Школы Велодорожки"]),
    ("zh", "关键词", ["预算 学校 自行车道"]),
    ("es", "Para saber más:", ["Qué cambia con el nuevo presupuesto municipal"]),
]

# reporting with the same words: kept at the head, the tail and in the middle
REPORTING = [
    "El vídeo de la agresión, difundido en redes, ya suma dos millones de reproducciones.",
    "Escuchar la noticia por la radio fue, para muchos vecinos, la única forma de enterarse.",
    "Le podcast de la radio locale a été écouté 40 000 fois en une semaine, selon la mairie.",
    "A publicidade institucional do governo cresceu 20% em relação ao ano passado.",
    "Continua a leggere i dati con attenzione, ha detto la ministra ai giornalisti.",
    "Подробнее о мерах поддержки ведомство расскажет на следующей неделе.",
    "Статья 12 закона впервые опубликована в 1993 году и с тех пор не менялась.",
    "Mais informações sobre o investimento serão divulgadas na próxima semana.",
    "Cada mañana cientos de vecinos esperan el autobús en la parada del mercado.",
    "目录价格下调后，多款车型的实际成交价也随之下降。",
    "Les pays producteurs ont refusé toute limitation, et le sommaire des désaccords reste long.",
    "Содержание документа пока не раскрывается, уточнили в министерстве.",
    "Il video diffuso dai vigili del fuoco mostra un'auto travolta dall'acqua.",
    "Реклама новых маршрутов пока приостановлена, сообщили в авиакомпании.",
]


@pytest.mark.parametrize(("lang", "block"), MIDDLE)
def test_mid_article_kinds_are_removed_between_paragraphs(lang: str, block: str) -> None:
    got = removed([P1, P2, block, P3])
    assert block in got, lang
    assert len(got) == 1


@pytest.mark.parametrize(("lang", "block"), MIDDLE)
def test_mid_article_kinds_are_removed_at_the_tail(lang: str, block: str) -> None:
    got = removed([P1, P2, P3, block])
    assert block in got, lang
    assert len(got) == 1


@pytest.mark.parametrize(("lang", "heading"), AUTHOR_BOX)
def test_author_box_headings_are_removed_at_the_tail(lang: str, heading: str) -> None:
    bio = "Giornalista, scrive di scuola e trasporti."
    got = removed([P1, P2, P3, heading, bio])
    assert set(got) == {heading, bio}, lang


@pytest.mark.parametrize(("lang", "heading", "entries"), HEADED)
def test_headed_lists_are_removed_between_paragraphs(
    lang: str, heading: str, entries: list[str]
) -> None:
    got = removed([P1, heading, *entries, P2, P3])
    assert set(got) == {heading, *entries}, lang


@pytest.mark.parametrize("sentence", REPORTING)
def test_reporting_with_the_same_words_is_kept(sentence: str) -> None:
    for blocks in ([sentence, P1, P2, P3], [P1, P2, sentence, P3], [P1, P2, P3, sentence]):
        assert removed(blocks) == {}, sentence
