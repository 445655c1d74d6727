"""Questions in other languages are read through the translated vocabulary (data, not code)."""

from __future__ import annotations

import pytest

from bot.answer.glossary import Glossary, shared_glossary


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return shared_glossary()


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        ("¿Quién parchea el sistema operativo de nuestras instancias EC2?", {"who", "EC2"}),
        ("Qui applique les correctifs de l'hyperviseur ? Nous ou AWS ?", {"hypervisor"}),
        ("Wer ist für die Verschlüsselung unserer S3 Daten zuständig?", {"S3"}),
        ("RDSのホストOSのパッチは誰が適用しますか", {"RDS"}),
        ("S3 버킷의 암호화는 누구 책임인가요?", {"S3"}),
        ("谁负责 Lambda 函数代码的安全？", {"Lambda"}),
    ],
)
def test_a_foreign_question_reads_as_english_terms(
    glossary: Glossary, question: str, terms: set[str]
) -> None:
    reading = glossary.read(question)
    assert reading.translated
    assert terms <= set(reading.text.rstrip("?").split())
    assert reading.text.isascii()


def test_english_passes_through_untouched(glossary: Glossary) -> None:
    question = "Who patches the RDS host OS? Our DBA says it is on us."
    assert glossary.read(question).text == question
    assert not glossary.read(question).translated


def test_a_small_glossary_maps_spaced_and_unspaced_forms() -> None:
    tiny = Glossary({"patch": {"es": ["parchea"], "ja": ["パッチ"]}, "who": {"es": ["quien"]}})
    assert tiny.read("quien parchea los servidores de RDS").text == "who patch RDS"
    assert tiny.read("RDSのパッチ").text == "RDS patch"
