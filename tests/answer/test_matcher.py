"""The answer engine on the real knowledge base: tricky cases, contract, generalisation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.answer import language
from bot.answer.matcher import MAX_QUESTION_CHARS, Matcher
from bot.kb.loader import load

DATA = Path(__file__).parent.parent / "data"
REGRESSION = sorted(
    path.name
    for pattern in (
        "matcher_cases*.yaml",
        "blind_*.yaml",
        "dev_shared_*.yaml",
        "multilingual_*.yaml",
        "train_*.yaml",
    )
    for path in DATA.glob(pattern)
)
HELD_OUT = sorted(path.name for path in DATA.glob("heldout_*.yaml"))


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load())


def owner(matcher: Matcher, question: str) -> str | None:
    return matcher.ask(question).owner


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # The same word, different owners by context (DOMAIN.md's traps).
        ("Who patches the OS on my EC2 instance?", "customer"),
        ("who patches the operating system under my RDS database", "aws"),
        ("Who patches the database engine for RDS?", "aws"),
        ("who patches the hypervisor", "aws"),
        ("Who is responsible for patch management?", "shared"),
        # Security groups stay the customer's in front of managed services.
        ("who configures the security group in front of RDS", "customer"),
        ("security groups for my fargate tasks", "customer"),
        # S3 encryption: the bucket's settings and keys are the customer's.
        ("who encrypts the data in my S3 bucket", "customer"),
        ("who sets S3 bucket permissions", "customer"),
        # Lambda: the runtime is AWS's, the code is yours.
        ("who patches the lambda runtime", "aws"),
        ("who writes secure code for my lambda function", "customer"),
        # Shared controls.
        ("configuration management", "shared"),
        ("who does security awareness training", "shared"),
        # OF / IN phrasing.
        ("Is the hypervisor security OF the cloud or IN the cloud?", "aws"),
        ("Is IAM security of the cloud or in the cloud?", "customer"),
        # Typos.
        ("who pathces the guest operting system", "customer"),
        ("securty groups", "customer"),
    ],
)
def test_tricky_cases(matcher: Matcher, question: str, expected: str) -> None:
    assert owner(matcher, question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "tell me a joke",
        "what's the weather",
        "write me a poem",
        "thanks!",
        "What is the capital of France?",
        "How much does an m5.large cost per hour?",
    ],
)
def test_off_topic_chatter_gets_no_answer(matcher: Matcher, question: str) -> None:
    answer = matcher.ask(question)
    assert answer.owner is None
    assert answer.item is None
    assert answer.declined_because in {"off_topic", "unsure"}


def test_managed_service_wording_never_leaks_onto_ec2(matcher: Matcher) -> None:
    on_ec2 = matcher.ask("who patches the OS on EC2")
    on_rds = matcher.ask("who patches the OS on RDS")
    assert on_ec2.item == on_rds.item  # one item, per-service owners as data
    assert (on_ec2.owner, on_rds.owner) == ("customer", "aws")
    assert on_ec2.note and on_rds.note and on_ec2.note != on_rds.note


def test_service_detection(matcher: Matcher) -> None:
    assert matcher.ask("who patches my lambda").service.id == "lambda"
    assert matcher.ask("db users on RDS").service.id == "rds"
    assert matcher.ask("ec2 instances guest os").service.id == "ec2"
    assert matcher.find_service("Amazon Elastic Kubernetes Service").id == "eks"
    assert matcher.find_service("my lamda functions").id == "lambda"
    assert matcher.find_service("the weather") is None


def test_answers_are_deterministic(matcher: Matcher) -> None:
    questions = ["who encrypts data", "patch managment", "who owns the hardware", "poem"]
    first = [matcher.ask(q).to_json() for q in questions]
    again = [Matcher(load()).ask(q).to_json() for q in questions]
    assert first == again


def test_empty_and_absurdly_long_questions_decline(matcher: Matcher) -> None:
    assert matcher.ask("   ").declined_because == "empty"
    long = matcher.ask("who patches ec2 " * (MAX_QUESTION_CHARS // 10))
    assert long.declined_because == "too_long"
    assert long.owner is None


def test_confidence_is_a_percentage(matcher: Matcher) -> None:
    for q in ["who patches the hypervisor", "tell me a joke", "encryption"]:
        assert 0 <= matcher.ask(q).confidence <= 100


def test_unsure_questions_offer_one_to_three_distinct_suggestions(matcher: Matcher) -> None:
    answer = matcher.ask("who handles the thing under the hood")
    assert answer.owner in (None, "aws")  # the layer under the hood is AWS's, never yours
    ids = [s.id for s in answer.suggestions]
    assert len(ids) <= 3 and len(ids) == len(set(ids))
    under_the_hood = {"ec2-underlying-host", "security-of-the-cloud", "host-firmware-and-kernel"}
    assert answer.owner == "aws" or under_the_hood & set(ids)
    bare = matcher.ask("kms?")  # a bare service name: that service's items
    assert (bare.owner, bare.declined_because) == (None, "unsure")
    assert 1 <= len(bare.suggestions) <= 3
    assert all(s.id.startswith("kms-") for s in bare.suggestions)


FLOORS = yaml.safe_load((DATA / "engine_floors.yaml").read_text())
OPPOSITE = {("aws", "customer"), ("customer", "aws")}


def said(answer) -> str:
    """What an answer says: an owner, "depends" (layer by layer) or "none" (declined)."""
    return answer.owner or ("depends" if answer.declined_because == "depends" else "none")


def check_floor(name: str, pairs: list[tuple[str, str]]) -> None:
    """At least the measured share right, at most the measured opposite owners (no slack)."""
    right = sum(got == want for got, want in pairs)
    opposite = sum((want, got) in OPPOSITE for got, want in pairs)
    floor = FLOORS[name]
    assert 100 * right / len(pairs) >= floor["right"], (name, right, len(pairs))
    assert opposite <= floor["opposite"], (name, opposite)


def test_curated_aliases_answer_with_their_owner(matcher: Matcher) -> None:
    """A curated alias answered with another owner is a miss; the opposite one is the worst."""
    pairs = []
    for item in matcher.kb.items:
        for alias in item.aliases:
            answer = matcher.ask(alias)
            service = answer.service.id if answer.service else None
            pairs.append((said(answer), item.owner_for(service)))
    check_floor("aliases", pairs)


def test_quiz_questions_are_answered_with_their_answer(matcher: Matcher) -> None:
    pairs = [
        (said(matcher.ask(q.question)), q.answer)
        for item in matcher.kb.items
        for q in item.quiz
        if q.is_owner_question
    ]
    check_floor("quiz", pairs)


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_sets(matcher: Matcher, name: str) -> None:
    """Sets the engine was fitted on (regression, not held out): floors measured at fit time."""
    cases = yaml.safe_load((DATA / name).read_text())
    check_floor(name, [(said(matcher.ask(c["q"])), c["owner"]) for c in cases])


@pytest.mark.parametrize("name", HELD_OUT)
def test_held_out_sets(matcher: Matcher, name: str) -> None:
    """Sets nobody trained or tuned on: only their score is looked at, pinned as measured."""
    cases = yaml.safe_load((DATA / name).read_text())
    check_floor(name, [(said(matcher.ask(c["q"])), c["owner"]) for c in cases])


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Issue 8's classic traps: each once answered with the wrong owner.
        ("host firmware of EC2 hosts", "aws"),
        ("Who updates the firmware on the EC2 host servers?", "aws"),
        ("configuring infrastructure devices", "aws"),
        ("patching the underlying infrastructure", "aws"),
        ("rotating AWS managed KMS keys", "aws"),
        ("rotating customer managed KMS keys", "customer"),
        ("security patches on an RDS instance", "aws"),
        ("access control", "customer"),
        ("an application's database schema", "customer"),
        ("what does aws secure", "aws"),
        ("what falls under customer responsibility", "customer"),
    ],
)
def test_classic_traps(matcher: Matcher, question: str, expected: str) -> None:
    assert owner(matcher, question) == expected


def test_a_trap_the_model_is_not_sure_of_gets_its_layers_never_the_opposite(
    matcher: Matcher,
) -> None:
    # Engine v3 weighs "OS configuration" (the customer's on EC2) against Lambda's runtime
    # (AWS's): it answers layer by layer, and Lambda's OS layer there is AWS's.
    answer = matcher.ask("OS configuration and patching for Lambda")
    assert answer.owner in {"aws", None}
    if answer.owner is None:
        assert answer.declined_because == "depends"
        assert ("aws" in {owner for _, owner in answer.layers}) and answer.service.id == "lambda"


@pytest.mark.parametrize(
    "question",
    [
        "how do I attach an IAM role to an instance",
        "how do I enable MFA on my IAM user, step by step?",
        "how much does S3 cost per GB",
        "what does VPC stand for?",
        "who founded Amazon",
        "who won last night's game",
        "can you write a python script that lists my s3 buckets?",
    ],
)
def test_how_tos_prices_and_trivia_are_declined(matcher: Matcher, question: str) -> None:
    answer = matcher.ask(question)
    assert answer.owner is None, (answer.item.id if answer.item else None, answer.confidence)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Team context and politeness around the real question must not sink it.
        (
            "hey, quick one from the payments squad: we moved our nightly batch from EC2 to "
            "Fargate last sprint and the on-call rotation is arguing about it, so who patches "
            "the OS of the hosts the tasks run on now? thanks a lot!",
            "aws",
        ),
        (
            "our compliance lead is preparing for the audit next month and keeps asking me "
            "who has to decide which IAM roles may read the customer data bucket in S3",
            "customer",
        ),
        ("who is responsible for patch management in general, across both layers?", "shared"),
        (
            "We run a self-managed Kubernetes on EC2, not EKS: who patches the worker OS?",
            "customer",
        ),
    ],
)
def test_context_around_the_question(matcher: Matcher, question: str, expected: str) -> None:
    assert owner(matcher, question) == expected


def test_an_exam_question_with_options_answers_with_the_side_it_asks_about(matcher) -> None:
    question = (
        "Which of these falls to AWS? A) patching the guest OS on EC2 B) writing security group "
        "rules C) maintaining the hypervisor D) encrypting application data"
    )
    answer = matcher.ask(question)
    assert (answer.owner, answer.item.id) == ("aws", "hypervisor")
    assert answer.question == question
    negated = matcher.ask(
        "Which is NOT the customer's job? A) IAM policies B) physical security of data centers"
    )
    assert negated.owner == "aws"
    handed_over = matcher.ask(
        "A company moves its web servers from Amazon EC2 to AWS Fargate. Which task does the "
        "company no longer perform? A) Writing the application code B) Patching the host "
        "operating system C) Choosing who may call the service"
    )
    assert handed_over.owner == "aws"  # what it no longer does is what AWS now does


def test_lexical_only_when_the_model_is_missing() -> None:
    """Without the embedding model the engine still answers, on words alone."""
    lexical = Matcher(load(), semantic=False)
    assert lexical.ask("who patches the hypervisor").owner == "aws"
    assert lexical.ask("tell me a joke").owner is None


def test_chatter_is_declined() -> None:
    matcher = Matcher(load())
    lines = (DATA / "chatter.txt").read_text().splitlines()
    answered = [(q, matcher.ask(q).item.id) for q in lines if matcher.ask(q).owner]
    assert answered == []


@pytest.mark.parametrize(
    ("question", "item", "expected"),
    [
        ("what is security of the cloud", "security-of-the-cloud", "aws"),
        ("What is security IN the cloud?", "security-in-the-cloud", "customer"),
        ("what is AWS responsible for", "security-of-the-cloud", "aws"),
        ("what am I responsible for", "security-in-the-cloud", "customer"),
    ],
)
def test_questions_about_a_side_of_the_model(
    matcher: Matcher, question: str, item: str, expected: str
) -> None:
    answer = matcher.ask(question)
    assert (answer.item.id, answer.owner) == (item, expected)


def test_a_bare_service_name_offers_its_items(matcher: Matcher) -> None:
    answer = matcher.ask("lambda")
    assert answer.owner is None
    assert answer.declined_because == "unsure"
    assert answer.service.id == "lambda"
    assert answer.suggestions
    assert all("lambda" in s.services or "lambda" in s.id for s in answer.suggestions)


def test_small_talk_to_the_bot_is_declined_but_polite_questions_are_not(matcher: Matcher) -> None:
    assert matcher.ask("how old are you").owner is None
    assert matcher.ask("what's your name").owner is None
    assert matcher.ask("can you tell me who patches the hypervisor").owner == "aws"


@pytest.mark.parametrize(
    ("question", "service", "expected"),
    [
        ("who patches the ecs agent on fargate", "fargate", "aws"),
        ("who patches the ecs agent on ec2 container instances", "ecs-ec2", "customer"),
        ("who patches S3", "s3", "aws"),
        # v3.3 and v3.4 answered the shared control here; v3.5 answers the customer again.
        ("who is responsible for patch management on ec2", "ec2", "customer"),
    ],
)
def test_the_more_precise_service_decides(
    matcher: Matcher, question: str, service: str, expected: str
) -> None:
    answer = matcher.ask(question)
    assert (answer.service.id, answer.owner) == (service, expected)


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("cloud front", "cloudfront"),
        ("ec 2", "ec2"),
        ("dynamo", "dynamodb"),
        ("cloud trail", "cloudtrail"),
    ],
)
def test_service_names_typed_apart_or_short(matcher: Matcher, text: str, service: str) -> None:
    assert matcher.find_service(f"who configures {text}").id == service


@pytest.mark.parametrize(
    ("question", "item", "expected"),
    [
        ("who patches the os on my ec2 hosts", "guest-os-patching", "customer"),
        ("who patches the host os", "host-operating-system", "aws"),
        ("what is the shared responsibility model", "responsibility-varies-by-service", "shared"),
        pytest.param(
            "what is the customer's side of the model",
            "security-in-the-cloud",
            "customer",
            marks=pytest.mark.xfail(
                strict=True,
                reason="since v3.5: declined, 'did you mean' (docs/engine.md, 'Known regressions')",
            ),
        ),
        ("who patches my containers on fargate", "container-image-vulnerabilities", "customer"),
    ],
)
def test_findings_of_the_newcomer_review(
    matcher: Matcher, question: str, item: str, expected: str
) -> None:
    answer = matcher.ask(question)
    assert (answer.item.id, answer.owner) == (item, expected)


def test_an_exam_stem_naming_a_service_and_the_side_it_asks_about(matcher: Matcher) -> None:
    # "AWS Fargate" names a service, not the side; "the customer's duty" is the side asked.
    answer = matcher.ask(
        "A team deploys containers on AWS Fargate. Which of these is the customer's duty? "
        "A) patching the hosts B) rules of the security groups C) replacing failed disks"
    )
    assert (answer.owner, answer.item.id) == ("customer", "security-groups")
    # Options read in the stem's context: the database software is AWS's on DynamoDB.
    on_dynamodb = matcher.ask(
        "Using Amazon DynamoDB, which is AWS's responsibility? A) table access policies "
        "B) patching the database software C) classifying the stored data"
    )
    assert on_dynamodb.owner == "aws"


def test_options_that_are_owners_leave_the_stem_as_the_question(matcher: Matcher) -> None:
    answer = matcher.ask(
        "Who maintains the physical hosts that run Amazon RDS? A) The customer B) AWS C) Both"
    )
    assert answer.owner == "aws"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # A shared control across services whose owners differ is the shared control.
        ("who handles patch management for us, we use EC2 next to Aurora", "shared"),
        ("patch management as a control: whose is it on RDS?", "shared"),
        ("who owns patch management on RDS", "aws"),  # one service: its owner
        # A service or stack taken as a whole.
        ("the overall security of our ElastiCache cluster: AWS or us?", "shared"),
        ("who secures our whole stack, API Gateway plus Lambda plus S3?", "shared"),
        ("resilience of the workload we run on AWS: whose job?", "shared"),
        # "AWS's own" devices are AWS's.
        ("who configures AWS's own network switches in the region?", "aws"),
        (
            "certificate we imported into ACM from DigiCert is about to expire, who renews it",
            "customer",
        ),
    ],
)
def test_wholes_and_sides(matcher: Matcher, question: str, expected: str) -> None:
    assert owner(matcher, question) == expected


def test_candidates_that_agree_make_the_owner_sure_though_no_item_is(
    matcher: Matcher,
) -> None:
    # Near several items, all the customer's: the owner is clear though the item is not.
    detailed = matcher.ask(
        "Somebody left RDP open to 0.0.0.0/0 on a security group and an attacker brute-forced "
        "the admin password. Is that AWS's responsibility or ours?"
    )
    assert detailed.owner == "customer"
    assert detailed.probability is not None and detailed.probability >= 0.6


def test_a_question_close_to_nothing_names_no_owner(matcher: Matcher) -> None:
    vague = matcher.ask("who runs the whole show here")  # close to nothing in particular
    assert vague.owner is None and vague.declined_because in {"unsure", "depends"}


def test_a_shared_control_as_a_whole_carries_no_single_service_note(matcher: Matcher) -> None:
    whole = matcher.ask("who handles patch management for us, we use EC2 next to Aurora")
    assert (whole.owner, whole.item.id, whole.note) == ("shared", "patch-management", None)
    one = matcher.ask("who owns patch management on RDS")
    assert one.owner == "aws" and one.note and "maintenance window" in one.note


def test_an_answer_shows_the_words_it_was_read_from(matcher: Matcher) -> None:
    """The word head's strongest words for the owner named are the question's own words."""
    answer = matcher.ask("who patches the guest OS on our EC2 instances?")
    assert answer.owner == "customer"
    assert answer.cues, "an answered question names its cues"
    words = set(language.fold(answer.question).split())
    assert all(set(cue.split()) <= words for cue in answer.cues)
    assert answer.to_json()["cues"] == list(answer.cues)
    declined = matcher.ask("how old are you")
    assert declined.cues == ()
