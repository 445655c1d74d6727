"""Text folding shared by questions and aliases: framing, owner choices, options, context."""

from __future__ import annotations

import pytest

from bot.answer import language
from bot.answer.glossary import shared_glossary
from bot.answer.language import answer_options, fold, question_clause, set_aside_phrases, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Physical and environmental controls: customer, AWS, or shared?",
            ["physical", "environmental", "controls"],
        ),
        ("Is configuration management AWS's job or mine?", ["configuration", "management"]),
        ("patch mgmt aws vs cust", ["patch", "mgmt"]),
        (
            "which control category fits patch management: inherited, shared or customer-specific?",
            ["control", "category", "fits", "patch", "management"],
        ),
    ],
)
def test_the_possible_answers_are_not_the_topic(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_who_manages_a_key_is_one_term() -> None:
    assert "awsmanaged" in words("rotating AWS managed KMS keys")
    assert "customermanaged" in words("rotating customer-managed KMS keys")
    assert words("aws managed keys") != words("customer managed keys")


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("what does aws secure", "awsside"),
        ("what falls under customer responsibility", "customerside"),
    ],
)
def test_a_question_about_a_side_itself_keeps_the_side(text: str, side: str) -> None:
    assert side in words(text)


def test_according_to_aws_is_framing() -> None:
    assert words("According to AWS, who patches the hypervisor?") == ["patches", "hypervisor"]
    # …and names no side: the question is about IN the cloud, not about AWS's half.
    assert words("According to AWS, security IN the cloud is whose?") == ["incloud"]


def test_our_own_is_the_customers_side_and_chat_noise_is_filler() -> None:
    assert "ourown" in words("training our own developers")
    assert words("need answer fast pls!! AWS's job or ours?") == ["answer"]


@pytest.mark.parametrize(
    ("text", "aside"),
    [
        ("a self-managed cluster on EC2, not EKS. who patches it?", ["eks"]),
        ("we migrated from ECS on EC2 over to Fargate", ["ecs on ec2"]),
        ("we moved from EC2 to Lambda", ["ec2"]),
        ("who patches rds", []),
    ],
)
def test_services_set_aside(text: str, aside: list[str]) -> None:
    assert set_aside_phrases(fold(text)) == aside


def test_answer_options_of_an_exam_question() -> None:
    options = answer_options("Which is AWS's job? A) the hypervisor B) IAM policies C) your data")
    assert options is not None
    assert options.options == ("the hypervisor", "IAM policies", "your data")
    assert (options.side, options.negated) == ("aws", False)
    negated = answer_options("Which is NOT the customer's? (1) guest OS (2) data center guards")
    assert negated is not None and (negated.side, negated.negated) == ("customer", True)
    handed = answer_options("Which task does the company no longer perform? A) x B) y")
    assert handed is not None and (handed.side, handed.negated) == ("customer", True)


@pytest.mark.parametrize(
    "text", ["who patches ec2? a) yes", "plan A) and then B", "A) one", "who patches the OS"]
)
def test_not_options(text: str) -> None:
    options = answer_options(text)
    assert options is None or len(options.options) >= 2 and options.side is None


def test_the_question_clause_of_a_long_message() -> None:
    story = (
        "We moved the nightly batch to Fargate last sprint and the on-call rotation keeps "
        "arguing about it, so who patches the hosts now? Thanks!"
    )
    assert question_clause(story) == "who patches the hosts now?"
    assert question_clause("who patches the hosts?") is None  # nothing to set apart
    assert question_clause("we moved everything to Fargate and all is well now") is None


def test_lower_layer_words_are_terms_of_the_language() -> None:
    assert {"underlying", "firmware", "hardware"} <= language.LOWER_LAYER_WORDS


@pytest.mark.parametrize(
    ("stem", "side"),
    [
        (
            "Which is a customer responsibility under the AWS shared responsibility model?",
            "customer",
        ),
        ("A company runs AWS Lambda. Which task is the customer's job?", "customer"),
        ("On Amazon RDS, which is the responsibility of AWS?", "aws"),
        ("Under the model, AWS is responsible for which of these?", "aws"),
        ("Which of these is a shared control?", "shared"),
        # Stems call the customer "the company": its side, whatever AWS service it uses.
        ("A company uses Amazon RDS. What is the company responsible for?", "customer"),
        ("An organization runs Amazon EC2. Which task is AWS responsible for?", "aws"),
        ("Is the organisation responsible for which of these on Amazon S3?", "customer"),
        # The model's name without "according to" (a translated stem): still no side of its own.
        ("shared responsibility model: responsibility of AWS?", "aws"),
        # The model's control categories name their side.
        ("Which is an example of an inherited control for a customer on AWS?", "aws"),
        ("Which of these is a customer specific control?", "customer"),
        # Capitals for emphasis are not a service's name ("AWS KMS" is).
        ("Which of these is AWS SOLELY responsible for?", "aws"),
        # A stem's "their" is the company or team it is about.
        (
            "A team deploys Lambda functions as container images. Which is their responsibility?",
            "customer",
        ),
    ],
)
def test_the_side_an_exam_stem_asks_about(stem: str, side: str) -> None:
    options = answer_options(stem + " A) one thing B) another thing")
    assert options is not None and options.side == side


def test_the_side_of_a_stem_read_from_another_language() -> None:
    stem = "Laquelle relève de la responsabilité du client ? A) L'hyperviseur B) Les données"
    read = shared_glossary().read(stem)  # "… responsibility customer? A) …"
    options = answer_options(read.text)
    assert read.translated and options is not None and options.side == "customer"


@pytest.mark.parametrize(
    "stem",
    [
        # A stem that asks for a party names a side only in passing: "an AWS account", "a customer".
        "Who is responsible for enabling MFA on the root user of an AWS account?",
        "After a customer enables automatic minor version upgrades on Amazon MQ, who applies them?",
        "A company uses Amazon RDS. Who is responsible for patching the host operating system?",
        "¿Quién es responsable de la MFA de la cuenta de AWS?",
    ],
)
def test_a_stem_that_asks_who_asks_no_side(stem: str) -> None:
    options = answer_options(stem + " A) one thing B) another thing")
    assert options is not None and options.side is None


def test_options_that_are_owners() -> None:
    options = answer_options("Who patches the hypervisor? A) AWS B) The customer C) Both")
    assert options is not None and options.are_owners
    assert language.option_owner("Both AWS and the customer") == "shared"
    assert language.option_owner("the hypervisor") is None
    # Two parties and two distractors: still the parties; three distractors are not.
    parties = answer_options("Who enables it? A) AWS B) The customer C) AWS Support D) Nobody")
    assert parties is not None and parties.are_owners
    tasks = answer_options("Which is AWS's? A) AWS B) guest OS C) your data D) IAM users")
    assert tasks is not None and not tasks.are_owners


def test_a_question_sentence_after_a_short_story_is_the_clause() -> None:
    story = "Meltdown: AWS says its infrastructure is patched. Do we still patch our kernels?"
    assert question_clause(story) == "Do we still patch our kernels?"
    assert question_clause("RDS. who patches it?") is None  # no story before it


@pytest.mark.parametrize(
    ("text", "aside"),
    [
        ("we migrated Mongo on EC2 to DocumentDB", ["mongo on ec2"]),
        ("moved from self managed kafka on ec2 to msk", ["self managed kafka on ec2"]),
        ("we swapped self-managed Kafka on EC2 for MSK", ["self managed kafka on ec2"]),
        ("replaced RabbitMQ on EC2 with Amazon MQ last year", ["rabbitmq on ec2"]),
        ("moving our postgres off a self-managed EC2 box and onto RDS", ["a self managed ec2 box"]),
        ("we turned off GuardDuty in the sandbox", []),
    ],
)
def test_what_a_migration_leaves_is_set_aside(text: str, aside: list[str]) -> None:
    assert set_aside_phrases(fold(text)) == aside
