"""Slack calls that must not delay the ack: they run once Slack has its answer.

Slack waits at most 3 seconds for the answer to a click, a command or an event, and a listener
runs before that answer goes out (`process_before_response`). So a listener never calls Slack
itself: it defers the call with `after_ack(context, call)`. The HTTP edge hands the deferred calls
to a thread pool once the response is sent (`DeferredRuns`); Socket Mode
(bot/runtime/socketmode.py) runs them after the envelope is acknowledged. Messages that must
survive a restart go through the outbox instead; deferred here is only what cannot wait for it
(a modal's trigger_id lasts 3 seconds) or what is tied to the request (a private reply through
its response_url, valid for 30 minutes).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.people import look_up_user

log = logging.getLogger(__name__)

#: The context key under which the edge hands a request's `AfterAck` to the listeners.
AFTER_ACK = "after_ack"

Deferred = Callable[[], object]  # what it returns is not used


class AfterAck:
    """The calls one request deferred, run in order once its answer has gone out."""

    def __init__(self) -> None:
        self._calls: list[tuple[Deferred, Callable[[Exception], None]]] = []

    def add(self, call: Deferred, on_error: Callable[[Exception], None]) -> None:
        self._calls.append((call, on_error))

    def __bool__(self) -> bool:
        return bool(self._calls)

    def run(self) -> None:
        """Run every deferred call; one that fails is reported and does not stop the others."""
        calls, self._calls = self._calls, []
        for call, on_error in calls:
            try:
                call()
            except Exception as error:  # reported to the user by on_error, and logged there
                try:
                    on_error(error)
                except Exception:
                    log.exception("Could not report a failed call made after the ack")


class DeferredRuns:
    """Runs answered requests' deferred calls on threads of their own, and counts those running.

    Not on the request's own task: uvicorn reads the next request on a keep-alive connection only
    once the previous one's task has ended, so a deferred call there would hold up the next ack
    on that connection for as long as Slack takes to answer it.
    """

    def __init__(self, threads: int = 8) -> None:
        self._busy = 0
        self._changed = threading.Condition()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="leadbot-after-ack")

    def expect(self) -> None:
        """Count a request whose deferred calls are about to be submitted, before its answer goes
        out: whoever has the answer and waits for idle then waits for them too."""
        with self._changed:
            self._busy += 1

    def submit(self, deferred: AfterAck) -> None:
        """Run `deferred` soon on a thread of the pool (once its answer has gone out); it must
        have been `expect`ed."""
        self._pool.submit(self._finish, deferred)

    def _finish(self, deferred: AfterAck) -> None:
        try:
            deferred.run()
        finally:
            with self._changed:
                self._busy -= 1
                self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no deferred call is running or due; False if `timeout` seconds pass."""
        with self._changed:
            return self._changed.wait_for(lambda: self._busy == 0, timeout)

    def shutdown(self) -> None:
        """Let the deferred calls already submitted finish; then stop the threads."""
        self._pool.shutdown(wait=True)


def after_ack(
    context: BoltContext, call: Deferred, on_error: Callable[[Exception], None] | None = None
) -> None:
    """Run `call` once Slack has the request's answer; `on_error` hears if it fails.

    Without an edge that runs deferred calls (a direct `App.dispatch`, as in a script) the call
    runs at once, so it is never lost.
    """
    report = on_error if on_error is not None else _log_failure
    deferred = context.get(AFTER_ACK)
    if isinstance(deferred, AfterAck):
        deferred.add(call, report)
        return
    single = AfterAck()
    single.add(call, report)
    single.run()


def remember_zone_after_ack(context: BoltContext, client: WebClient, user_id: str) -> None:
    """Look the user's time zone up in Slack after the ack, for their next dates."""
    factory, now, zones = context["session_factory"], context["now"], context.get("zones")
    after_ack(
        context,
        lambda: look_up_user(
            client=client, session_factory=factory, user_id=user_id, now=now, cache=zones
        ),
    )


def _log_failure(error: Exception) -> None:
    log.error("A Slack call made after the ack failed: %r", error)


def request_context() -> tuple[dict[str, Any], AfterAck]:
    """A fresh context for a BoltRequest, holding the `AfterAck` the edge runs after answering."""
    deferred = AfterAck()
    return {AFTER_ACK: deferred}, deferred
