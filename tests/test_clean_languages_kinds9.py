"""The ninth round of issue 19's cleaning rules (after languages-dev8): in-article widgets,
each kind as patterns across languages (metered paywall counts and remainders,
subscriber-only labels, gifted articles, live-blog buttons, button rows, ad-skip buttons,
edition pickers, the piece in another language, media no longer available, gallery counters
and links, "more news from" links, related topics and sections, messenger follow lines,
live-feed provenance, signup boxes between paragraphs, "follow the score in our app"; then a
probe round: the rest for subscribers, reading times, players, read-later buttons, consent
placeholders, error reports, print buttons, edition labels, live prompts, gallery labels,
bracketed credits, sponsor labels, lone load-more and ad-skip buttons), and
what must stay: reported calls (someone else asks for a donation or a subscription) against
the strong tables, and a "Mehr von NAME" link that is no bio box.

Every line was written for this test, not taken from the development sets
(tests/fixtures/languages-dev*); the negatives are reporting with the same words.
"""

from __future__ import annotations

import pytest

from aggregator.enrich.keep import is_reported_call
from tests.support.articles import P1, P2, P3, removed

# (kind, line): removed between paragraphs and at the tail (strong)
MIDDLE = [
    # a metered paywall's count, addressed to the reader
    ("meter", "Sie haben noch 2 kostenlose Artikel in diesem Monat."),
    ("meter", "Il vous reste 1 article gratuit ce mois-ci. Abonnez-vous pour lire sans limite."),
    ("meter", "Te quedan 2 noticias gratis este mes"),
    ("meter", "Você tem 3 matérias gratuitas restantes neste mês. Assine já."),
    ("meter", "Hai esaurito gli articoli gratuiti del mese: abbonati per continuare."),
    ("meter", "У вас осталось 2 бесплатных статьи в этом месяце."),
    ("meter", "您还可以免费阅读3篇文章"),
    # a paywall's remainder
    ("remainder", "Noch 64 % dieses Artikels warten auf Sie – jetzt weiterlesen mit Plus."),
    ("remainder", "Il vous reste 81% de l'article à lire"),
    ("remainder", "Aún te queda el 70% del artículo por leer."),
    ("remainder", "Ainda faltam 60% do artigo para ler. Entre ou assine."),
    ("remainder", "剩余70%未读，订阅后继续阅读"),
    ("remainder", "Sie lesen einen Artikel aus unserem Plus-Angebot für Abonnenten."),
    # subscriber-only labels and a gifted piece
    ("label", "Exclusivo para suscriptores"),
    ("label", "Nur für Abonnenten"),
    ("label", "Solo per abbonati"),
    ("label", "会员专享"),
    ("label", "Questo articolo è riservato agli abbonati di Digital Premium."),
    ("gift", "Dieser Artikel wurde Ihnen von einer Abonnentin geschenkt."),
    ("gift", "Este artículo te lo ha regalado un suscriptor. Hazte socio para leer más."),
    ("gift", "Questo articolo ti è stato regalato da un abbonato."),
    ("gift", "Эта статья подарена вам подписчиком."),
    ("login", "已是会员？请登录"),
    # live-blog buttons
    ("live", "Weitere Einträge laden"),
    ("live", "Liveblog aktualisieren"),
    ("live", "Voir les mises à jour précédentes"),
    ("live", "Mostrar más entradas"),
    ("live", "Carregar mais atualizações"),
    ("live", "Mostra altri aggiornamenti"),
    ("live", "Показать более ранние записи"),
    ("live", "载入更多"),
    ("live", "Épinglé par la rédaction"),
    ("live", "In evidenza"),
    # rows of buttons
    ("buttons", "Teilen | Drucken | Merken"),
    ("buttons", "Imprimer · Partager"),
    ("buttons", "Compartir | Imprimir"),
    ("buttons", "Stampa | Condividi | Commenta"),
    ("buttons", "Печать | Поделиться"),
    ("buttons", "【打印】【关闭】"),
    ("buttons", "【我要纠错】"),
    ("ad skip", "Werbung überspringen"),
    ("ad skip", "Saltar publicidad"),
    ("ad skip", "跳过广告"),
    # edition pickers, another language, media gone
    ("edition", "Выберите регион"),
    ("edition", "Choisissez votre édition : Paris, Lyon, Marseille"),
    ("edition", "Cambia edizione"),
    ("edition", "选择城市：杭州 宁波 温州"),
    ("language", "Read this story in Spanish"),
    ("language", "Leia esta reportagem em espanhol"),
    ("language", "Lesen Sie diesen Artikel auf Englisch"),
    ("language", "Читать эту статью на украинском языке"),
    ("gone", "Dieses Video ist leider nicht mehr verfügbar."),
    ("gone", "Cette vidéo n'est plus disponible."),
    ("gone", "Este vídeo ya no está disponible por motivos de derechos."),
    ("gone", "Questo video non è più disponibile."),
    ("gone", "Это видео больше недоступно."),
    ("gone", "该视频已下线"),
    # galleries
    ("gallery", "Foto 4 de 20"),
    ("gallery", "Bild 2 von 9"),
    ("gallery", "Фото 3 из 15"),
    ("gallery", "图 2/6"),
    ("gallery", "7 / 24"),
    ("gallery", "Zur Fotostrecke"),
    ("gallery", "Voir le diaporama"),
    ("gallery", "Ver la fotogalería completa"),
    ("gallery", "Confira a galeria de fotos"),
    ("gallery", "Sfoglia la gallery"),
    ("gallery", "Смотреть фоторепортаж"),
    ("gallery", "查看高清组图"),
    # more-from links, related topics, sections
    ("more", "Ver más noticias de Economía"),
    ("more", "Lire plus d'articles de la rubrique Santé"),
    ("more", "Leia mais notícias do Rio"),
    ("more", "更多李明的报道"),
    ("topics", "Temas relacionados: vivienda, alquiler, Madrid"),
    ("topics", "Sujets associés : Climat, Énergie"),
    ("topics", "Argomenti correlati: Roma, Trasporti"),
    ("topics", "Связанные темы: ЖКХ, тарифы"),
    ("section", "Zur Rubrik: Wirtschaft"),
    ("section", "Voir la rubrique Sport"),
    # follow lines
    ("follow", "Читайте нас в Дзене"),
    ("follow", "Следите за нами в телеграме"),
    ("follow", "追蹤我們的LINE官方帳號"),
    # live-feed provenance
    ("feed", "Esta noticia forma parte de nuestro directo sobre la DANA."),
    ("feed", "Dieser Beitrag stammt aus unserem Newsblog zur Bundestagswahl."),
    ("feed", "Questo articolo fa parte della nostra diretta sulle elezioni."),
    ("feed", "This story is part of our live coverage of the election."),
    # signup boxes and app prompts between paragraphs
    ("signup", "Abonnez-vous à notre newsletter Économie et recevez chaque lundi nos analyses."),
    ("signup", "Apúntate a nuestro boletín semanal de cultura, es gratis."),
    ("signup", "Inscreva-se na nossa newsletter e receba as notícias da manhã."),
    ("signup", "Iscriviti alla nostra newsletter: ogni venerdì le notizie della settimana."),
    ("signup", "Подпишитесь на нашу рассылку о технологиях."),
    (
        "signup",
        "Le meilleur de l'actualité locale, chaque matin dans votre boîte mail. Je m'inscris",
    ),
    ("app", "Siga os resultados ao vivo no aplicativo Esporte Exemplo"),
    ("app", "Suivez le match en direct dans l'application Sport Exemple"),
    # a probe round after dev8: the rest for subscribers, reading times, players, read later
    ("rest", "La suite de cet article est accessible aux abonnés"),
    ("rest", "El resto de este artículo es solo para suscriptores."),
    ("rest", "Der Rest dieses Artikels ist nur für Abonnenten sichtbar."),
    ("rest", "Дальнейший текст доступен только подписчикам."),
    ("remainder", "Il vous reste 45 % de l'article à découvrir"),
    ("signup", "Ricevi la nostra newsletter quotidiana"),
    ("reading time", "Temps de lecture estimé : 7 minutes"),
    ("reading time", "Время чтения: 6 минут"),
    ("player", "Artikel anhören (4 Min.)"),
    ("later", "Salvar para ler depois"),
    ("consent", "Um diesen Inhalt anzuzeigen, benötigen wir Ihre Zustimmung."),
    ("consent", "Per visualizzare questo contenuto devi accettare i cookie."),
    ("error", "¿Ves algún error? Avísanos"),
    ("error", "发现错误？点此反馈"),
    ("print", "Imprimer cette page"),
    ("print", "Распечатать статью"),
    ("edition", "Edizione Torino"),
    ("edition", "Региональная версия: Екатеринбург"),
    ("live", "Acompanhe em tempo real"),
    ("live", "Todas las noticias en directo"),
    ("live", "实时更新"),
    ("gallery", "Fotostrecke: 18 Bilder"),
    ("gallery", "组图（共8张）"),
    ("credit", "(Foto: Stadt Zürich)"),
    ("sponsor", "Contenido patrocinado por Banco Ejemplo"),
    ("buttons", "Cargar más"),
    ("ad skip", "Passer la pub"),
]

# reporting with the same words: kept at the head, in the middle and at the tail
REPORTING = [
    "Noch im Januar sollen kostenlose Tests in den Apotheken angeboten werden, sagte der Minister.",
    "Der Verlag teilte mit, dass Leser künftig drei Artikel im Monat kostenlos lesen könnten.",
    "Le ministère a précisé qu'il vous reste un mois pour déposer votre déclaration en ligne.",
    "La plataforma ofrece a sus usuarios diez artículos gratis al mes, según la empresa.",
    "Segundo o relatório, 60% do artigo de lei foi reescrito pelo Senado.",
    "Il 30% dell'articolo 5 è stato modificato in commissione, ha spiegato il relatore.",
    "Экземпляры газеты можно было получить бесплатно, рассказали в редакции.",
    "Solo per gli abbonati al trasporto pubblico il biglietto resterà invariato.",
    "Der Inhalt des Gesetzes ist nicht mehr verfügbar gewesen, nachdem das Ministerium die Seite löschte.",
    "Die Polizei veröffentlichte Bilder der Tatverdächtigen und bat um Hinweise.",
    "La galerie d'art a ouvert ses portes au public samedi, avec 40 photos de Doisneau.",
    "El museo presentó una galería con 120 fotos inéditas de la Guerra Civil.",
    "O fotógrafo mostrou as imagens no aplicativo da agência durante a coletiva.",
    "В приложении банка теперь можно посмотреть все фото чеков, сообщили в пресс-службе.",
    "Leitores podem imprimir o formulário e enviar por correio, informou a prefeitura.",
    "Il sindaco ha invitato i cittadini a iscriversi alla newsletter del Comune per ricevere gli avvisi.",
    "Der Bürgermeister forderte die Einwohner auf, den Newsletter der Stadt zu abonnieren, um Warnungen zu erhalten.",
    "Los vecinos pueden ver más noticias de la obra en el tablón del ayuntamiento.",
    "Стороны договорились, что трансляцию матча покажут в прямом эфире.",
    "市民可关注官方LINE账号获取停水通知，水务局表示。",
    "La chaîne a annoncé que l'émission en direct sera rediffusée dimanche.",
    "Este artículo de la Constitución fue reformado en 1992, recordó el magistrado.",
    # the probe round's words in reporting
    "Noch 30 Prozent der Artikel im Handel sind reduziert, teilte der Verband mit.",
    "Il vous reste trois jours pour vous inscrire sur les listes électorales, rappelle la préfecture.",
    "La suite du procès est prévue jeudi devant le tribunal.",
    "El resto de los abonados del Metro pagará la tarifa de siempre.",
    "Der Rest des Artikels 5 wurde vom Parlament gestrichen.",
    "Le temps de lecture moyen d'un article a baissé de 20 %, selon une étude.",
    "Tous les matchs seront diffusés en direct sur France 2.",
    "Édition 2025 du salon de l'agriculture : les exposants se préparent.",
    "Die Ausgabe der Lebensmittel an Bedürftige beginnt um 10 Uhr.",
    "Die Fotostrecke entlang des Rheins lockt jährlich viele Wanderer.",
    "El ministro encontró un error en el decreto y pidió corregirlo.",
    "Präsentiert wurde das Modell von Autohaus-Chef Maier auf der Messe.",
    "Patrocinado por la Unión Europea, el proyecto costó 3 millones de euros.",
    "Um diesen Inhalt zu verstehen, muss man die Vorgeschichte kennen.",
    "Pour afficher ce contenu sur les écrans du métro, la RATP a dû accepter les conditions de l'annonceur.",
]

# sentences of reporting with a third party's call, which the strong tables' phrases repeat
REPORTED_CALLS = [
    "Le maire a appelé les habitants à faire un don à la Croix-Rouge pour les sinistrés de la vallée.",
    "Der Verband forderte die Mitglieder auf, zu spenden und den Newsletter der Tafel zu abonnieren.",
    "El párroco pidió a los fieles que hagan una donación para reparar el tejado de la iglesia.",
    "A associação pediu aos moradores que façam uma doação e assinem a newsletter da campanha.",
    "Il presidente della Regione ha chiesto ai cittadini di fare una donazione alla Protezione civile.",
    "Глава района призвал жителей подписаться на рассылку администрации и получать уведомления.",
]


@pytest.mark.parametrize(("kind", "line"), MIDDLE)
def test_widget_kinds_are_removed_between_paragraphs(kind: str, line: str) -> None:
    got = removed([P1, P2, line, P3])
    assert line in got, kind
    assert len(got) == 1


@pytest.mark.parametrize(("kind", "line"), MIDDLE)
def test_widget_kinds_are_removed_at_the_tail(kind: str, line: str) -> None:
    got = removed([P1, P2, P3, line])
    assert line in got, kind
    assert len(got) == 1


@pytest.mark.parametrize("sentence", REPORTING)
def test_reporting_with_the_same_words_is_kept(sentence: str) -> None:
    assert removed([sentence, P1, P2]) == {}
    assert removed([P1, sentence, P2]) == {}
    assert removed([P1, P2, sentence]) == {}


@pytest.mark.parametrize("sentence", REPORTED_CALLS)
def test_a_reported_call_is_kept_against_strong_phrases(sentence: str) -> None:
    assert is_reported_call(sentence)
    assert removed([P1, sentence, P2]) == {}


def test_the_outlets_own_box_is_no_reported_call() -> None:
    box = "Faites un don à notre rédaction : sans vous, pas d'enquêtes indépendantes."
    assert not is_reported_call(box)
    assert box in removed([P1, box, P2])


def test_a_more_from_link_is_no_bio_box() -> None:
    # "Mehr von NAME" lists the writer's pieces; the paragraph after it is the article's
    para = (
        "Wer eine Mieterhöhung erhalten hat, kann sie im Rathaus prüfen lassen. Die Beratung ist "
        "kostenlos, Termine gibt es telefonisch oder per E-Mail beim Wohnungsamt der Stadt."
    )
    got = removed([P1, P2, "Mehr von Lena Vogt", para])
    assert got == {"Mehr von Lena Vogt": "related"}


@pytest.mark.parametrize("cell", ["5/5", "8/10", "4.5/5"])
def test_a_rating_is_no_gallery_counter(cell: str) -> None:
    # a review's score table (WCXB: "Invoicing" / "5/5") is the article's
    assert removed([P1, "Invoicing", cell, P2]) == {}
