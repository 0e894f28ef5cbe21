"""The listeners' unit of work and the one error boundary."""

from __future__ import annotations

import json
import logging

import pytest
from slack_bolt import BoltContext
from sqlmodel import select

from bot.core.errors import AlreadyClaimed
from bot.runtime.app import create_app, handle_error
from bot.runtime.settings import Settings
from handlers.unitofwork import AlreadyHandled, transaction
from store.db import session_factory
from store.models import Lead, SlackDelivery
from tests.conftest import NOW
from tests.factories import make_lead


def a_context(engine, event_id: str | None = None) -> BoltContext:
    commits: list[int] = []
    context = BoltContext(
        {
            "session_factory": session_factory(engine),
            "now": NOW,
            "event_id": event_id,
            "after_commit": lambda: commits.append(1),
        }
    )
    context["commits"] = commits
    return context


def test_block_commits_and_then_wakes_the_outbox(engine) -> None:
    context = a_context(engine)
    with transaction(context) as session:
        make_lead(session)
    assert context["commits"] == [1]
    with session_factory(engine)() as session:
        assert len(session.exec(select(Lead)).all()) == 1


def test_error_in_the_block_rolls_everything_back(engine) -> None:
    context = a_context(engine)
    with pytest.raises(RuntimeError), transaction(context) as session:
        make_lead(session)
        raise RuntimeError("boom")
    assert context["commits"] == []
    with session_factory(engine)() as session:
        assert session.exec(select(Lead)).all() == []


def test_redelivered_event_is_already_handled(engine) -> None:
    with transaction(a_context(engine, "Ev1")):
        pass
    with pytest.raises(AlreadyHandled), transaction(a_context(engine, "Ev1")):
        pass


def test_event_whose_first_try_failed_runs_again(engine) -> None:
    with pytest.raises(RuntimeError), transaction(a_context(engine, "Ev2")):
        raise RuntimeError("first try fails")
    with transaction(a_context(engine, "Ev2")) as session:
        assert session.exec(select(SlackDelivery)).one().event_id == "Ev2"


def body_of(response) -> dict:
    return json.loads(response.body)


def test_domain_error_in_a_command_is_an_ephemeral_reply() -> None:
    response = handle_error(
        AlreadyClaimed(7, "U0REPEMEA1"), {"command": "/lead"}, BoltContext(), logging.getLogger()
    )
    assert body_of(response) == {
        "response_type": "ephemeral",
        "text": "Lead #7 is already claimed by <@U0REPEMEA1>.",
    }


def test_unexpected_error_in_a_form_keeps_it_open_with_an_incident(caplog) -> None:
    body = {
        "type": "view_submission",
        "view": {
            "blocks": [
                {"type": "section", "block_id": "intro"},
                {"type": "input", "block_id": "new.email"},
            ]
        },
    }
    response = handle_error(RuntimeError("db gone"), body, BoltContext(), logging.getLogger("t"))
    answer = body_of(response)
    assert answer["response_action"] == "errors"
    assert "incident" in answer["errors"]["new.email"]
    assert "db gone" in caplog.text  # logged with its traceback, not swallowed


def test_creating_the_app_warns_about_nothing(
    sqlite_engine, playbook, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Bolt reads SLACK_BOT_TOKEN itself and warns that it goes unused beside our own client.
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    settings = Settings(
        slack_bot_token="xoxb-from-the-environment",
        slack_signing_secret="0123456789abcdef0123456789abcdef",
    )
    with caplog.at_level(logging.DEBUG):
        app = create_app(
            settings=settings, session_factory=session_factory(sqlite_engine), playbook=playbook
        )
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert app.client.token == "xoxb-from-the-environment"
    assert app.client.base_url == settings.slack_api_url
