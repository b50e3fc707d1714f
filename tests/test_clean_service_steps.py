"""A how-to step with a public or third-party service's app is the article's own (keep.py);
an outlet's own app, share and subscription prompts still go.

Every line was written for this test, not taken from the development sets; the articles are
the shared council paragraphs (tests/support/articles.py)."""

from __future__ import annotations

import pytest

from aggregator.enrich.clean import Block, clean_structured
from aggregator.enrich.keep import is_service_step
from tests.support.articles import P1, P2, P3, removed

STEPS = [
    "Descarga la aplicación de la Seguridad Social e identifícate con tu certificado digital "
    "para presentar la solicitud.",
    "Baixe o aplicativo Meu INSS e faça o login com sua conta gov.br para pedir o benefício.",
    "Download the NHS App and log in with your NHS login to book a vaccine.",
    "Scarica l'app IO e richiedi il bonus con SPID entro il 30 giugno.",
    "Скачайте приложение «Госуслуги» и подайте заявление онлайн.",
    "下载“个人所得税”App，即可在线办理年度汇算申报。",
    "Laden Sie die App der Stadtwerke herunter, um den Zählerstand zu melden und den Abschlag "
    "zu beantragen.",
    "Téléchargez l'application de la CAF pour déposer votre demande d'aide au logement.",
]

OWN = [
    "Descarga nuestra app y recibe las últimas noticias.",
    "Download our app to get breaking news alerts.",
    "Laden Sie die App herunter und lesen Sie alle Artikel.",
    "Скачайте наше приложение и читайте новости.",
    "下载我们的客户端，阅读更多新闻。",
    "Baixe o app e assine a newsletter para não perder nada.",
]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("at", ["tail", "head"])
def test_a_service_step_at_an_edge_is_kept(step: str, at: str) -> None:
    blocks = [P1, P2, P3, step] if at == "tail" else [step, P1, P2, P3]
    assert removed(blocks) == {}
    shipped = clean_structured([Block(b) for b in blocks])  # with the paragraph classifier
    assert [t for _, t in shipped.removed] == []


@pytest.mark.parametrize("prompt", OWN)
def test_an_outlets_own_app_prompt_still_goes(prompt: str) -> None:
    assert not is_service_step(prompt)
    assert prompt in removed([P1, P2, P3, prompt])


def test_a_task_word_alone_does_not_keep_a_long_block_or_a_subscription() -> None:
    assert not is_service_step("Renew your subscription today and keep reading.")
    assert not is_service_step("Solicita tu suscripción digital y lee sin límites.")
    assert not is_service_step("Book " + "a table " * 60)  # longer than a step
