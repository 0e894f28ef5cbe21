"""`leadbot serve` checks its bot token with Slack before serving."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.core.errors import SettingsError
from bot.runtime.server import check_bot_token, free_port
from bot.testkit.fakeslack import FakeSlack


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


def test_a_good_token_passes(fake: FakeSlack) -> None:
    check_bot_token(client(fake.url))
    assert [call.method for call in fake.calls] == ["auth.test"]


def test_slack_down_only_warns(fake: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    with fake.outage():
        check_bot_token(client(fake.url))
    assert "serving anyway" in caplog.text


def test_slack_unreachable_only_warns(caplog: pytest.LogCaptureFixture) -> None:
    check_bot_token(client(f"http://127.0.0.1:{free_port()}/api/"))
    assert "Slack does not answer" in caplog.text
