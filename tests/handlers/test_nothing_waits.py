"""No Slack call sits between a request and its ack: Slack gives up on an answer after 3 s.

Each test holds the Slack method the request leads to (the fake answers nothing until the block
ends). The request is answered all the same, and the held call is made once the answer is out.
"""

from __future__ import annotations

from sqlmodel import select

from store.db import session_scope
from store.models import Lead
from tests.factories import make_lead
from tests.handlers.conftest import Harness
from tests.handlers.test_claim_flow import posted_lead

REP = "U0REPEMEA1"


def test_a_claim_is_answered_before_its_private_reply_is_sent(harness: Harness) -> None:
    lead_id, ts = posted_lead(harness)
    with harness.fake.hold("response_url"):
        answer = harness.click_claim(REP, lead_id, ts=ts, settle=False)
        assert answer.status_code == 200
        assert harness.fake.responses_to(REP) == []
        with session_scope(harness.factory) as session:
            assert session.exec(select(Lead)).one().owner_id == REP
    harness.settle()
    [reply] = harness.fake.responses_to(REP)
    assert f"You own lead #{lead_id} now" in reply["text"]


def test_a_refused_claim_is_answered_before_the_refusal_is_sent(harness: Harness) -> None:
    lead_id, ts = posted_lead(harness)
    harness.click_claim(REP, lead_id, ts=ts)
    with harness.fake.hold("response_url"):
        assert harness.click_claim("U0REPEMEA2", lead_id, ts=ts, settle=False).status_code == 200
    harness.settle()
    [reply] = harness.fake.responses_to("U0REPEMEA2")
    assert reply["text"] == f"Lead #{lead_id} is already claimed by <@{REP}>."


def test_lead_new_is_answered_before_the_modal_is_opened(harness: Harness) -> None:
    with harness.fake.hold("views.open"):
        answer = harness.command(REP, "new", settle=False)
        assert (answer.status_code, answer.content) == (200, b"")
        assert harness.fake.calls_to("views.open") == []
    harness.settle()
    assert len(harness.fake.calls_to("views.open")) == 1


def test_an_event_is_answered_before_the_home_tab_is_published(harness: Harness) -> None:
    with session_scope(harness.factory) as session:
        make_lead(session, name="Greta Maier")
    opened = {"type": "app_home_opened", "user": REP, "channel": "D0HOME0001", "tab": "home"}
    with harness.fake.hold("views.publish"):
        assert harness.event(opened, "Ev0100", settle=False).status_code == 200
        assert harness.fake.calls_to("views.publish") == []
    harness.settle()
    [call] = harness.fake.calls_to("views.publish")
    assert "Greta Maier" in str(call.args["view"])


def test_a_reply_slack_holds_up_does_not_hold_up_the_next_request_on_the_connection(
    harness: Harness,
) -> None:
    lead_id, ts = posted_lead(harness)
    with harness.fake.hold("response_url"):
        harness.click_claim(REP, lead_id, ts=ts, settle=False)
        # The same keep-alive connection: uvicorn reads it again only once the first request's
        # task has ended, so the reply must not run on that task.
        second = harness.click_claim("U0REPEMEA2", lead_id, ts=ts, settle=False)
        assert second.status_code == 200
    harness.settle()
    assert len(harness.fake.responses_to("U0REPEMEA2")) == 1
