"""Slack's request signature, checked strictly: malformed, stale, future, forged and replayed."""

from __future__ import annotations

import pytest

from bot.slack.verify import MAX_AGE_SECONDS, RequestVerifier, Verdict
from tests.e2e.harness import signature

SECRET = "unit-secret"
NOW = 1_800_000_000
BODY = b"command=%2Fofin&text=hi"


def verifier() -> RequestVerifier:
    return RequestVerifier(SECRET, clock=lambda: NOW)


def test_a_fresh_signed_request_passes_once():
    check = verifier()
    sig = signature(SECRET, NOW, BODY)
    assert check.verify(BODY, str(NOW), sig) is True
    assert check.verify(BODY, str(NOW), sig) is False  # the replay


def test_a_repeat_is_a_repeat_and_a_forgery_is_invalid():
    check = verifier()
    sig = signature(SECRET, NOW, BODY)
    assert check.check(BODY, str(NOW), sig) is Verdict.FRESH
    assert check.check(BODY, str(NOW), sig) is Verdict.REPEAT
    assert check.check(BODY, str(NOW), "v0=" + "0" * 64) is Verdict.INVALID


def test_a_request_resigned_at_another_second_is_fresh():
    """Slack re-signs some retries: a new key (the event_id claim drops those, see middleware)."""
    check = verifier()
    assert check.verify(BODY, str(NOW), signature(SECRET, NOW, BODY))
    assert check.verify(BODY, str(NOW - 1), signature(SECRET, NOW - 1, BODY))


@pytest.mark.parametrize(
    "timestamp", ["abc", "", " 1800000000", "1800000000.0", "1e9", "-1", "١٢٣", "9" * 30]
)
def test_a_timestamp_that_is_not_plain_digits_fails(timestamp):
    assert not verifier().verify(BODY, timestamp, signature(SECRET, timestamp, BODY))


@pytest.mark.parametrize("offset", [MAX_AGE_SECONDS + 1, -(MAX_AGE_SECONDS + 1)])
def test_stale_and_future_timestamps_fail(offset):
    ts = NOW + offset
    assert not verifier().verify(BODY, str(ts), signature(SECRET, ts, BODY))


def test_the_edge_of_the_window_passes():
    ts = NOW - MAX_AGE_SECONDS
    assert verifier().verify(BODY, str(ts), signature(SECRET, ts, BODY))


@pytest.mark.parametrize(
    "sig",
    [None, "", "v0=", "v1=" + "0" * 64, signature("other-secret", NOW, BODY), "v0=" + "0" * 64],
)
def test_a_missing_or_wrong_signature_fails(sig):
    assert not verifier().verify(BODY, str(NOW), sig)


def test_a_changed_body_fails():
    assert not verifier().verify(BODY + b"x", str(NOW), signature(SECRET, NOW, BODY))


def test_no_signing_secret_verifies_nothing():
    check = RequestVerifier("", clock=lambda: NOW)
    assert not check.verify(BODY, str(NOW), signature("", NOW, BODY))


def test_memory_is_bounded():
    check = RequestVerifier(SECRET, clock=lambda: NOW, max_remembered=3)
    bodies = [BODY + str(i).encode() for i in range(5)]
    for body in bodies:
        assert check.verify(body, str(NOW), signature(SECRET, NOW, body))
    assert len(check._seen) <= 3
