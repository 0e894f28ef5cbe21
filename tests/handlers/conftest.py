"""A running leadbot (real uvicorn, real Bolt app) wired to a fake Slack Web API over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.playbook.model import Playbook
from bot.runtime.app import create_app, make_web_client
from bot.runtime.http import create_http_app
from bot.runtime.server import serving_in_thread
from bot.runtime.settings import Settings
from bot.slack.ids import ActionId, LeadRef
from bot.testkit.fakeslack import FakeSlack
from bot.testkit.payloads import block_action, event_callback, signed_headers, slash_command
from handlers.afterack import DeferredRuns
from jobs.outbox import DeliveryReport, deliver_outbox
from store.db import SessionFactory, session_factory
from tests.conftest import NOW

SECRET = "test-signing-secret"
INTAKE_TOKEN = "test-intake-token"


@dataclass
class Clock:
    """The app's injected clock; tests move it explicitly."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Harness:
    """Talks to leadbot the way Slack and web forms do, and reads what Slack was sent."""

    http: httpx.Client
    fake: FakeSlack
    factory: SessionFactory
    playbook: Playbook
    clock: Clock
    client: WebClient
    deferred_runs: DeferredRuns
    sent: list[httpx.Response] = field(default_factory=list)

    def slack(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = SECRET,
        headers: dict[str, str] | None = None,
        settle: bool = True,
    ) -> httpx.Response:
        """POST a request to /slack/events, signed as Slack signs it.

        With `settle` (the default) it returns once the calls the app deferred until after its
        answer (replies, modals) have run too, so a test reads what Slack was sent.
        """
        signed = signed_headers(secret, body, timestamp or int(time.time()), content_type)
        answer = self.http.post(
            "/slack/events", content=body, headers={**signed, **(headers or {})}
        )
        if settle:
            self.settle()
        return answer

    def settle(self) -> None:
        """Wait until the calls the app deferred until after its answers have run."""
        assert self.deferred_runs.wait_idle(timeout=10), "calls deferred after the ack hung"

    def click_claim(
        self,
        user_id: str,
        lead_id: int,
        channel: str = "C0EMEA0001",
        ts: str = "1.000100",
        settle: bool = True,
    ) -> httpx.Response:
        body, content_type = block_action(
            user_id=user_id,
            action_id=ActionId.CLAIM,
            value=LeadRef(lead_id=lead_id).model_dump_json(),
            channel=channel,
            message_ts=ts,
            response_url=self.fake.response_url(user_id),
        )
        return self.slack(body, content_type, settle=settle)

    def command(
        self, user_id: str, text: str, channel: str = "C0EMEA0001", settle: bool = True
    ) -> httpx.Response:
        body, content_type = slash_command(
            user_id=user_id,
            text=text,
            channel=channel,
            response_url=self.fake.response_url(user_id),
        )
        return self.slack(body, content_type, settle=settle)

    def event(
        self, event: dict[str, Any], event_id: str, retry: int | None = None, settle: bool = True
    ) -> httpx.Response:
        body, content_type = event_callback(event=event, event_id=event_id)
        headers = {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
        return self.slack(body, content_type, headers=headers if retry else None, settle=settle)

    def intake(self, lead: dict[str, Any]) -> httpx.Response:
        return self.http.post(
            "/api/leads", json=lead, headers={"Authorization": f"Bearer {INTAKE_TOKEN}"}
        )

    def deliver(self) -> DeliveryReport:
        """Run the outbox job once at the clock's time (the worker thread does this in serve)."""
        return deliver_outbox(session_factory=self.factory, client=self.client, now=self.clock())


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def harness(engine: Engine, fake_slack: FakeSlack, playbook: Playbook) -> Iterator[Harness]:
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_signing_secret=SecretStr(SECRET),
        slack_api_url=fake_slack.url,
        leadbot_intake_token=SecretStr(INTAKE_TOKEN),
    )
    factory = session_factory(engine)
    clock = Clock()
    bolt = create_app(settings=settings, session_factory=factory, playbook=playbook, clock=clock)
    api = create_http_app(
        settings=settings, session_factory=factory, playbook=playbook, bolt_app=bolt, clock=clock
    )
    with serving_in_thread(api) as base, httpx.Client(base_url=base, timeout=10) as http:
        yield Harness(
            http=http,
            fake=fake_slack,
            factory=factory,
            playbook=playbook,
            clock=clock,
            client=make_web_client(settings),
            deferred_runs=api.state.deferred_runs,
        )
