"""Calls deferred until after the ack run after it, in order, and a failure is reported."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.runtime.socketmode import SocketModeAfterAck
from bot.testkit.fakeslack import FakeSlack
from handlers.afterack import AFTER_ACK, AfterAck, DeferredRuns, after_ack


def test_deferred_calls_run_in_order_and_a_failure_does_not_stop_the_rest() -> None:
    ran: list[str] = []
    failures: list[Exception] = []
    deferred = AfterAck()
    context = BoltContext({AFTER_ACK: deferred})
    after_ack(context, lambda: ran.append("first"))
    after_ack(context, lambda: 1 / 0, on_error=failures.append)
    after_ack(context, lambda: ran.append("third"))
    assert ran == []
    deferred.run()
    assert ran == ["first", "third"]
    assert [type(f) for f in failures] == [ZeroDivisionError]


def test_without_an_edge_that_runs_them_a_deferred_call_runs_at_once() -> None:
    ran: list[str] = []
    after_ack(BoltContext({}), lambda: ran.append("now"))
    assert ran == ["now"]


def test_a_failing_report_of_a_failure_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    deferred = AfterAck()
    deferred.add(lambda: 1 / 0, on_error=lambda error: [][0])
    deferred.run()
    assert "Could not report a failed call" in caplog.text


def test_deferred_runs_run_on_their_own_threads_and_are_counted_until_done() -> None:
    runs = DeferredRuns()
    release, threads = threading.Event(), []
    deferred = AfterAck()
    deferred.add(lambda: (threads.append(threading.current_thread().name), release.wait(10)), print)
    runs.expect()
    runs.submit(deferred)  # returns at once: the caller (the request's task) is not held up
    assert not runs.wait_idle(timeout=0)
    release.set()
    assert runs.wait_idle(timeout=10)
    assert threads[0].startswith("leadbot-after-ack")
    runs.shutdown()


class RecordingSocket:
    """Stands in for the Socket Mode connection: records acknowledgements in `order`."""

    def __init__(self, order: list[str]) -> None:
        self.order = order
        self.logger = logging.getLogger("test.socket")

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.order.append(f"ack {response.envelope_id}")


def test_socket_mode_acknowledges_the_envelope_before_the_deferred_calls() -> None:
    order: list[str] = []
    fake = FakeSlack().start()  # answers the auth.test Bolt makes for each request
    client = WebClient(token="xoxb-test", base_url=fake.url)
    app = App(client=client, signing_secret="s" * 32, token_verification_enabled=False)

    @app.command("/lead")
    def lead(ack: Any, context: BoltContext) -> None:
        ack()
        after_ack(context, lambda: order.append("deferred call"))

    handler = SocketModeAfterAck(app, "xapp-test")
    payload = {
        "command": "/lead", "text": "new", "user_id": "U1", "team_id": "T1",
        "channel_id": "C1", "trigger_id": "1.2.3", "response_url": fake.response_url("U1"),
    }  # fmt: skip
    request = SocketModeRequest(type="slash_commands", envelope_id="E1", payload=payload)
    try:
        handler.handle(RecordingSocket(order), request)  # type: ignore[arg-type]
    finally:
        fake.stop()
    assert order == ["ack E1", "deferred call"]


def test_socket_mode_acknowledges_a_malformed_request_and_hands_it_to_no_listener(
    caplog: pytest.LogCaptureFixture,
) -> None:
    order: list[str] = []
    fake = FakeSlack().start()
    client = WebClient(token="xoxb-test", base_url=fake.url)
    app = App(client=client, signing_secret="s" * 32, token_verification_enabled=False)

    @app.command("/lead")
    def lead(ack: Any) -> None:
        order.append("listener")
        ack()

    handler = SocketModeAfterAck(app, "xapp-test")
    payload = {"command": "/lead", "text": None, "user_id": "U1", "team_id": "T1"}
    request = SocketModeRequest(type="slash_commands", envelope_id="E2", payload=payload)
    try:
        handler.handle(RecordingSocket(order), request)  # type: ignore[arg-type]
    finally:
        fake.stop()
    assert order == ["ack E2"]
    assert "not shaped as Slack sends it" in caplog.text
