"""Questions in other languages are read through the translated vocabulary (data, not code)."""

from __future__ import annotations

import pytest

from bot.answer.glossary import Glossary, shared_glossary
from bot.answer.language import fold, set_aside_phrases


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
        # who decides: the customer's side on many managed services
        ("Und bei FSx for Windows: wer legt das Wartungsfenster fest?", {"who", "decides"}),
        ("谁决定 RDS 的维护窗口？", {"who", "decides", "RDS"}),
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


@pytest.mark.parametrize(
    "question",
    [
        "MySQLをEC2からRDSに移行しました。エンジンのパッチは誰が当てますか？",
        "MySQL을 EC2에서 RDS로 옮겼습니다. 엔진 패치는 누가 하나요?",
        "Wir haben die Datenbank von EC2 auf RDS migriert. Wer patcht jetzt die Engine?",
        "我们把MySQL从EC2迁移到RDS了，现在谁给引擎打补丁？",
    ],
)
def test_a_move_reads_from_and_to_in_english_order(glossary: Glossary, question: str) -> None:
    """Japanese and Korean put "from" after the service, German its verb at the end: the reading
    says "moved from EC2 to RDS", so EC2 is set aside as in English (not "from RDS")."""
    assert "moved from EC2 to RDS" in glossary.read(question).text


@pytest.mark.parametrize(
    "question",
    ["EC2에서 실행되는 앱의 OS 패치는 누가 하나요?", "Wer ist für das Patchen von RDS zuständig?"],
)
def test_without_a_verb_of_moving_from_stays_at_or_of(glossary: Glossary, question: str) -> None:
    """에서 is also "at" and "von" also "of": in a sentence that says nothing moved, nothing is
    set aside."""
    assert "moved from" not in glossary.read(question).text


def test_moves_are_data() -> None:
    tiny = Glossary(
        {
            "_moves": {"ja": {"moved": ["移行"], "from": ["から"], "to": ["に"], "after": True}},
            "who": {"ja": ["誰"]},
        }
    )
    assert tiny.read("EC2からRDSに移行、誰").text == "moved from EC2 to RDS who"
    assert tiny.read("EC2から誰").text == "EC2 who"


@pytest.mark.parametrize(
    "question",
    [
        "EC2上の自前PostgreSQLをRDSに移行しました。エンジンのパッチは誰が当てますか？",
        "我们把EC2上自建的RabbitMQ迁到了Amazon MQ，broker引擎的补丁谁来打？",
    ],
)
def test_a_move_that_names_only_where_it_went(glossary: Glossary, question: str) -> None:
    """Read as "moved … EC2 … to X", as English says "we moved PostgreSQL on EC2 to RDS"."""
    text = glossary.read(question).text
    assert text.startswith("moved ")
    assert text.index("EC2") < text.index(" to ")
    assert "moved from" not in text


def test_exam_options_right_after_a_question_mark(glossary: Glossary) -> None:
    question = "以下哪项由 AWS 负责?A) 来宾操作系统补丁 B) IAM 用户权限 C) 主机操作系统"
    assert {"A)", "B)", "C)"} <= set(glossary.read(question).text.split())


@pytest.mark.parametrize(
    ("question", "aside"),
    [
        # "not RDS but MySQL on EC2": only RDS is set aside
        ("No usamos RDS sino MySQL instalado en una EC2. ¿Quién aplica los parches?", ["rds"]),
        # "switched back from Fargate to ECS on EC2": Fargate is what was left
        ("我们从 Fargate 换回了 ECS on EC2，现在容器实例的操作系统补丁谁负责?", ["fargate"]),
        # the French infinitive, away from its "from": EC2 goes with what was moved
        ("On vient de migrer notre MySQL d'EC2 vers RDS. Qui patche l'OS ?", ["our mysql ec2"]),
        # Portuguese "no" is "in the", not Spanish "no": nothing set aside
        ("Quem aplica os patches no RDS?", []),
    ],
)
def test_what_a_foreign_question_sets_aside(
    glossary: Glossary, question: str, aside: list[str]
) -> None:
    assert set_aside_phrases(fold(glossary.read(question).text)) == aside
