"""Is it an ownership question at all? How-tos, prices and definitions are not; "who" always is."""

from __future__ import annotations

import pytest

from bot.answer.language import fold
from bot.answer.topic_gate import asks_who, off_topic_reason


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("how do I attach an IAM role to an instance", "how_to"),
        ("How can we enable MFA in the console?", "how_to"),
        ("steps to create an S3 bucket", "how_to"),
        ("can you write a python script that lists my s3 buckets?", "how_to"),
        ("hey, how to create a vpc", "how_to"),
        ("what does VPC stand for?", "definition"),
        ("explain what a docker container is", "definition"),
        ("difference between TCP and UDP", "comparison"),
        ("give me a one-sentence definition of a NAT gateway", "definition"),
        ("ELI5 what a transit gateway is", "definition"),
        ("does AWS WAF support regex pattern sets in custom rules?", "feature"),
        ("can SQS FIFO queues support exactly-once processing", "feature"),
        ("who pays for data transfer costs", "account"),
        ("how much does S3 cost per GB?", "quantity"),
        ("how many availability zones does us-east-1 have", "quantity"),
        ("S3 pricing for the infrequent access tier", "price"),
        ("is there a free tier for lambda", "price"),
        ("what year did AWS launch S3?", "trivia"),
        ("who founded Amazon", "trivia"),
        ("who is the CEO of AWS", "trivia"),
        ("could anyone walk me through setting up CloudTrail?", "how_to"),
        ("need to create a KMS key, step by step please", "how_to"),
        ("what's the maximum size of a DynamoDB item?", "limits"),
        ("Lambda account limits per region", "limits"),
        ("who approves vacation requests in our team?", "workplace"),
        ("my laptop keeps losing wifi, who can help?", "workplace"),
        ("can I expense the AWS Summit ticket?", "price"),
        ("Which AWS service provides a managed message broker for RabbitMQ?", "which_service"),
        ("what tool should we use to scan our container images?", "which_service"),
        (
            "Which statement about security groups and network ACLs is correct? A) Security "
            "groups are stateless B) NACLs are stateful",
            "which_statement",
        ),
    ],
)
def test_not_an_ownership_question(question: str, reason: str) -> None:
    assert off_topic_reason(fold(question)) == reason


@pytest.mark.parametrize(
    "question",
    [
        "who patches the guest OS on EC2?",
        "how do we know who patches the hypervisor",  # a how-to shape, but it asks who
        "whose job is the S3 bucket policy",
        "is that on us or on aws",
        "do we still have to patch the OS after moving to Fargate",
        "does AWS support us in patching the guest OS or is that on us?",  # asks a side
        "who supports the hypervisor, in one sentence",  # asks who
        # the model itself in a line: its summary is the answer (shared), not a decline
        "give me a one-sentence definition of the shared responsibility model",
        "what does aws secure",
        "is IAM security of the cloud or in the cloud",
        "encryption at rest for RDS",  # terse keywords: not declined here
        "who is on call this weekend for the RDS failover?",  # team matters about the cloud
        "who keeps the office's AWS accounts' MFA devices",
        "who monitors our CloudWatch alarms",  # "monitors" the verb
        "which service is responsible for encrypting EBS volumes, AWS or us?",
        # a statement question that names a side is about ownership
        "Which statement about the shared responsibility model is correct? A) AWS patches guest OS",
        "which statement about patching EC2 is true? A) the customer patches the guest OS",
    ],
)
def test_ownership_questions_pass(question: str) -> None:
    assert off_topic_reason(fold(question)) is None


def test_asks_who() -> None:
    assert asks_who(fold("Whose responsibility is the firewall?"))
    assert asks_who(fold("aws or us?"))
    assert not asks_who(fold("encryption at rest for RDS"))


@pytest.mark.parametrize(
    "question",
    [
        "Azure App Service: who patches the guest OS under our web app, Microsoft or us?",
        "GKE Autopilot: do we patch the node OS or does Google?",
        "on google cloud, whose job is encrypting Cloud SQL backups?",
    ],
)
def test_another_providers_cloud_is_said_to_be_outside_what_ofin_knows(question: str) -> None:
    assert off_topic_reason(fold(question)) == "other_cloud"


@pytest.mark.parametrize(
    "question",
    [
        "we moved from Azure to AWS: who patches the database hosts now?",
        "who scans the OCI images we push to the registry",
    ],
)
def test_a_question_about_aws_that_mentions_another_cloud_passes(question: str) -> None:
    assert off_topic_reason(fold(question)) is None


def test_leaving_another_cloud_for_aws_keeps_the_question_in() -> None:
    question = fold("moving off Azure to RDS, who patches the database hosts?")
    assert off_topic_reason(question, names_a_service=True) is None
    # generic words ("VM") may look like an AWS service; the other provider decides
    assert off_topic_reason(fold("Azure VM: who patches the OS?"), names_a_service=True) == (
        "other_cloud"
    )
