"""Bolt verifies Slack's signature: forged or stale requests get 401 and change nothing."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from bot.runtime.http import MAX_SLACK_BODY
from bot.testkit.payloads import slash_command
from store.db import session_scope
from store.models import Lead
from tests.factories import make_lead
from tests.handlers.conftest import Harness


def _claim_body(harness: Harness, lead_id: int) -> tuple[str, str]:
    return slash_command(
        user_id="U0REPEMEA1",
        text=f"claim {lead_id}",
        channel="C0EMEA0001",
        response_url=harness.fake.response_url("U0REPEMEA1"),
    )


def _a_lead(harness: Harness) -> int:
    with session_scope(harness.factory) as session:
        lead_id = make_lead(session).id
    assert lead_id is not None
    return lead_id


def _owner(harness: Harness) -> str | None:
    with session_scope(harness.factory) as session:
        return session.exec(select(Lead)).one().owner_id


def test_wrong_signature_is_rejected_with_401(harness: Harness) -> None:
    lead_id = _a_lead(harness)
    body, content_type = _claim_body(harness, lead_id)
    answer = harness.slack(body, content_type, secret="not-the-secret")
    assert answer.status_code == 401
    assert _owner(harness) is None


def test_stale_signature_is_rejected_with_401(harness: Harness) -> None:
    lead_id = _a_lead(harness)
    body, content_type = _claim_body(harness, lead_id)
    answer = harness.slack(body, content_type, timestamp=int(time.time()) - 10 * 60)
    assert answer.status_code == 401
    assert _owner(harness) is None


def test_unsigned_request_is_rejected_with_401(harness: Harness) -> None:
    body, content_type = _claim_body(harness, 1)
    answer = harness.http.post(
        "/slack/events", content=body, headers={"content-type": content_type}
    )
    assert answer.status_code == 401


def test_correctly_signed_request_is_served(harness: Harness) -> None:
    lead_id = _a_lead(harness)
    body, content_type = _claim_body(harness, lead_id)
    assert harness.slack(body, content_type).status_code == 200
    assert _owner(harness) == "U0REPEMEA1"


UNSIGNED_BODIES = [b"{", b"payload=notjson", b"\xff\xfe\x00bad", b"command=/lead&text=claim+1"]


@pytest.mark.parametrize("body", UNSIGNED_BODIES)
@pytest.mark.parametrize("timestamp", ["abc", "", "1700000000.5", None])
def test_an_unverified_request_is_401_and_calls_nobody(
    harness: Harness, body: bytes, timestamp: str | None
) -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if timestamp is not None:
        headers |= {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=00"}
    answer = harness.http.post("/slack/events", content=body, headers=headers)
    assert answer.status_code == 401
    assert harness.fake.calls == []  # not even the response_url an attacker names


def test_a_body_larger_than_slack_sends_is_413_unread(harness: Harness) -> None:
    answer = harness.http.post(
        "/slack/events", content=b"x" * (MAX_SLACK_BODY + 1), headers={"X-Slack-Signature": "v0"}
    )
    assert answer.status_code == 413
