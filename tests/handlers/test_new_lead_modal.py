"""The /lead new form: a valid submission captures the lead, a bad one shows field errors."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from bot.slack.ids import BlockId, CallbackId, ModalOrigin
from bot.testkit.payloads import view_submission
from store.db import session_scope
from store.models import Lead, OutboxMessage
from tests.handlers.conftest import Harness

REP = "U0REPEMEA1"


def _text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def submit(harness: Harness, **fields: str) -> Any:
    values: dict[str, Any] = {
        BlockId.NEW_EMAIL: _text(fields.get("email", "ana@solarfarm.com.br")),
        BlockId.NEW_NAME: _text(fields.get("name", "Ana Lima")),
        BlockId.NEW_COUNTRY: _text(fields.get("country", "Brazil")),
        BlockId.NEW_SOURCE: {
            "value": {"type": "static_select", "selected_option": {"value": "booth"}}
        },
        BlockId.NEW_FAST_TRACK: {
            "value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
        },
    }
    body, content_type = view_submission(
        user_id=REP,
        callback_id=CallbackId.NEW_LEAD,
        values=values,
        private_metadata=ModalOrigin(channel_id="C0EMEA0001").model_dump_json(),
    )
    return harness.slack(body, content_type)


def test_submitted_form_captures_and_routes_the_lead(harness: Harness) -> None:
    answer = submit(harness)
    assert answer.status_code == 200
    assert answer.text == ""
    with session_scope(harness.factory) as session:
        lead = session.exec(select(Lead)).one()
        assert (lead.email, lead.source, lead.stage, lead.team) == (
            "ana@solarfarm.com.br",
            "booth",
            "sales_ready",
            "amer",
        )


def test_submitter_gets_a_dm_saying_where_the_lead_went(harness: Harness) -> None:
    submit(harness)
    harness.deliver()
    [dm] = [c for c in harness.fake.calls_to("chat.postMessage") if c.args["channel"] == REP]
    assert "sales-ready and posted to <#C0AMER0001>" in dm.args["text"]


def test_bad_email_is_shown_under_the_field_and_nothing_is_written(harness: Harness) -> None:
    answer = submit(harness, email="someone@mailinator.com")
    body = json.loads(answer.text)
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [BlockId.NEW_EMAIL]
    with session_scope(harness.factory) as session:
        assert session.exec(select(Lead)).all() == []
        assert session.exec(select(OutboxMessage)).all() == []
