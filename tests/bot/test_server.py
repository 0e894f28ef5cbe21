"""`leadbot serve` checks its bot token with Slack before serving."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.core.errors import SettingsError
from bot.runtime.server import check_bot_token, free_port, remember_workspace
from bot.testkit.fakeslack import FakeSlack
from store.db import session_factory, session_scope
from store.digests import workspace_url


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


def client(url: str) -> WebClient:
    return WebClient(token="xoxb-test", base_url=url, timeout=5)


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "account_inactive"])
def test_a_token_slack_refuses_stops_the_start(fake: FakeSlack, code: str) -> None:
    fake.fail_next("auth.test", status=200, error=code)
    with pytest.raises(SettingsError, match=f"Slack refuses SLACK_BOT_TOKEN \\({code}\\)"):
        check_bot_token(client(fake.url))


def test_a_good_token_passes_and_names_the_workspace(fake: FakeSlack) -> None:
    assert check_bot_token(client(fake.url)) == "https://leadbot-fake.slack.com/"
    assert [call.method for call in fake.calls] == ["auth.test"]


def test_the_workspace_is_remembered_for_links(engine: Engine) -> None:
    remember_workspace(engine, "https://acme.slack.com/")
    remember_workspace(engine, "https://acme-renamed.slack.com/")
    with session_scope(session_factory(engine)) as session:
        assert workspace_url(session=session) == "https://acme-renamed.slack.com/"


def test_slack_down_only_warns(fake: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    with fake.outage():
        assert check_bot_token(client(fake.url)) == ""
    assert "serving anyway" in caplog.text


def test_slack_unreachable_only_warns(caplog: pytest.LogCaptureFixture) -> None:
    check_bot_token(client(f"http://127.0.0.1:{free_port()}/api/"))
    assert "Slack does not answer" in caplog.text
