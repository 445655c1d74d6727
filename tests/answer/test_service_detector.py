"""Service detection on a small, hand-made service registry."""

from __future__ import annotations

import pytest

from bot.answer import language
from bot.answer.service_detector import ServiceDetector
from bot.kb.model import Service, StackLayer


def service(service_id: str, name: str, *aliases: str) -> Service:
    layer = StackLayer("Physical data centers", "aws")
    return Service(service_id, name, "abstracted", aliases, (layer,), ("https://example.com",))


DETECTOR = ServiceDetector(
    (
        service("ecs-ec2", "Amazon ECS on EC2", "ecs", "ecs cluster"),
        service("fargate", "AWS Fargate", "fargate", "ecs on fargate", "eks on fargate"),
        service("eks", "Amazon EKS", "eks", "kubernetes", "eks worker nodes"),
        service("lambda", "AWS Lambda", "lambda", "lambda function"),
    )
)


def words(text: str) -> list[str]:
    return language.content_words(language.fold(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("who patches my lambda function", ["lambda"]),
        ("the ecs agent on fargate", ["fargate", "ecs-ec2"]),  # the refinement comes first
        ("ecs cluster and kubernetes", ["ecs-ec2", "eks"]),  # longest alias, then earliest
        ("the weather today", []),
        ("Amazon EKS", ["eks"]),  # the service's own name counts
    ],
)
def test_detect(text: str, expected: list[str]) -> None:
    assert [s.id for s in DETECTOR.detect(words(text))] == expected


def test_only_the_shortest_alias_is_set_apart_from_the_topic() -> None:
    services, naming = DETECTOR.split(words("who patches eks worker nodes"))
    assert [s.id for s in services] == ["eks"]
    assert naming == {"eks"}  # "worker nodes" stays the topic


def test_split_with_no_service() -> None:
    assert DETECTOR.split(words("who patches the hypervisor")) == ([], set())


def test_a_name_typed_in_two_pieces_is_found_and_set_apart() -> None:
    services, naming = DETECTOR.split(words("who patches lamb da functions"))
    assert [s.id for s in services] == ["lambda"]
    assert naming == {"lamb", "da"}


def test_the_words_of_a_service_name_are_not_the_topic() -> None:
    from bot.kb.loader import load

    detector = ServiceDetector(load().services)
    services, naming = detector.split(["sql", "injection", "on", "elastic", "beanstalk"])
    assert services[0].id == "elastic-beanstalk"
    assert naming == {"elastic", "beanstalk"}
    # A longer alias's other words stay the topic: "eks worker nodes" is about worker nodes.
    _, naming = detector.split(["eks", "worker", "nodes"])
    assert naming == {"eks"}


def test_a_match_name_is_read_instead_of_the_official_name() -> None:
    """ "AWS Batch" is shown, but "aws" is filler: matching on it would read every "batch"."""
    layer = StackLayer("Physical data centers", "aws")
    batch = Service(
        "batch-service", "AWS Batch", "container", ("batch job queue",), (layer,), ("https://x.com",),
        match_name="AWS Batch service",
    )  # fmt: skip
    detector = ServiceDetector((batch,))
    assert detector.detect(words("run the nightly batch of invoices")) == []
    assert detector.detect(words("who patches the aws batch service hosts")) == [batch]
    assert detector.detect(words("my batch job queue")) == [batch]


@pytest.mark.parametrize(
    ("service_id", "official", "question"),
    [
        ("batch-service", "AWS Batch", "who patches the AMI of an aws batch compute environment"),
        ("config-service", "AWS Config", "who writes the rules of the aws config service"),
        ("backup-service", "AWS Backup", "who encrypts the aws backup service vaults"),
        ("qbusiness", "Amazon Q Business", "who controls access in amazon q business assistant"),
        ("organizations", "AWS Organizations", "who writes the scps in aws organizations"),
    ],
)
def test_services_show_their_official_name_and_are_still_detected(
    service_id: str, official: str, question: str
) -> None:
    from bot.kb.loader import load

    kb = load()
    known = kb.service(service_id)
    assert known is not None and known.name == official
    detector = ServiceDetector(kb.services)
    found = detector.detect(
        language.content_words(detector.fuse_branded_names(language.fold(question)))
    )
    assert found and found[0].id == service_id


BATCH = Service(
    "batch-service", "AWS Batch", "container", ("batch job queue",),
    (StackLayer("Physical data centers", "aws"),), ("https://x.com",),
    match_name="AWS Batch service",
)  # fmt: skip
BRANDED = ServiceDetector((BATCH, service("lambda", "AWS Lambda", "lambda")))


def branded_words(text: str) -> list[str]:
    return language.content_words(BRANDED.fuse_branded_names(language.fold(text)))


def test_a_generic_name_is_detected_when_its_brand_directly_precedes_it() -> None:
    assert BRANDED.detect(branded_words("who secures aws batch job definitions")) == [BATCH]
    assert BRANDED.detect(branded_words("AWS Batch: who patches it?")) == [BATCH]
    assert BRANDED.detect(branded_words("who secures a batch of files")) == []
    assert BRANDED.detect(branded_words("aws runs my batch of files")) == []
    assert BRANDED.detect(branded_words("batch aws")) == []


def test_the_branded_name_is_set_apart_from_the_topic() -> None:
    services, naming = BRANDED.split(branded_words("who encrypts aws batch job logs"))
    assert services == [BATCH]
    assert naming == {"awsbatch"}
    # The raw words of a question (filler kept) name it too: "aws batch" typed in two pieces.
    _, naming = BRANDED.split(language.fold("aws batch logs").split())
    assert naming == {"aws", "batch"}


def test_only_names_that_alone_would_match_too_much_are_fused() -> None:
    """A name specific without its brand ("AWS Lambda") is matched as before, brand or not."""
    assert BRANDED.fuse_branded_names("aws lambda and aws batch") == "aws lambda and awsbatch"
    assert BRANDED.detect(branded_words("who patches aws lambda")) == [BRANDED.by_id("lambda")]


def _branded_services() -> list[Service]:
    from bot.kb.loader import load

    return [
        s
        for s in load().services
        if s.match_name and language.fold(s.name).split()[0] in language.FILLER
    ]


def test_the_knowledge_base_has_branded_names() -> None:
    """AWS Batch, AWS Backup, AWS Config, AWS Organizations, Amazon Q Business at least."""
    ids = {s.id for s in _branded_services()}
    assert {"batch-service", "backup-service", "config-service", "organizations"} <= ids


@pytest.mark.parametrize("branded", _branded_services(), ids=lambda s: s.id)
def test_every_branded_name_in_the_knowledge_base_is_detected_through_the_engine_words(
    branded: Service,
) -> None:
    from bot.answer.lexical import LexicalIndex
    from bot.kb.loader import load

    kb = load()
    detector = ServiceDetector(kb.services)
    lexical = LexicalIndex(kb, detector)
    found = detector.detect(lexical.words(language.fold(f"who secures {branded.name} for us?")))
    assert [s.id for s in found][:1] == [branded.id]
    bare = " ".join(language.fold(branded.name).split()[1:])
    found = detector.detect(lexical.words(language.fold(f"who secures the {bare} for us?")))
    assert branded.id not in {s.id for s in found}


def test_an_id_that_spells_only_a_generic_name_names_no_service() -> None:
    """AWS Organizations' id is "organizations": "our organization's data" is the customer's."""
    organizations = Service(
        "organizations", "AWS Organizations", "abstracted", ("organizations scps",),
        (StackLayer("Physical data centers", "aws"),), ("https://x.com",),
        match_name="AWS Organizations and SCPs",
    )  # fmt: skip
    detector = ServiceDetector((organizations,))

    def detected(text: str) -> list[Service]:
        return detector.detect(
            language.content_words(detector.fuse_branded_names(language.fold(text)))
        )

    assert detected("who protects our organization's data") == []
    assert detected("who writes the scps of aws organizations") == [organizations]
    assert detected("organizations scps") == [organizations]
