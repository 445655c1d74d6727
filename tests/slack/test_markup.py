"""Slack markup in a question becomes the plain words a person reads."""

from __future__ import annotations

import pytest

from bot.slack.markup import to_plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!channel> who patches the hypervisor", "who patches the hypervisor"),
        ("<@U123> who encrypts s3", "who encrypts s3"),
        ("who owns <#C123|security-groups> rules", "who owns security-groups rules"),
        ("see <https://aws.amazon.com|the docs> please", "see the docs please"),
        ("see <https://aws.amazon.com>", "see https://aws.amazon.com"),
        ("<!subteam^S1|@sec> who patches ec2", "who patches ec2"),
        ("a &lt; b &amp; c &gt; d", "a < b & c > d"),  # Slack escapes a typed <, > and &
        ("", ""),
    ],
)
def test_to_plain(text: str, expected: str) -> None:
    assert to_plain(text) == expected
