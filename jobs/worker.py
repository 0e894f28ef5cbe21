"""The outbox worker `leadbot serve` runs beside the web app: delivers soon after each commit."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from jobs.outbox import deliver_outbox, next_due_in, without_retries
from store.db import SessionFactory

log = logging.getLogger(__name__)

# When the last round tried nothing yet a row looks due (a frozen clock, a lease ending this very
# instant), wait at least this long so the loop cannot spin.
MIN_WAIT_SECONDS = 0.05
# While Slack is down the worker sends nothing and asks auth.test whether Slack answers: first
# after PROBE_FIRST seconds, then doubling up to PROBE_MAX, each wait jittered (a random share of
# up to half of it) so replicas do not probe, nor resume, in step. Short and capped: the backlog
# starts draining within PROBE_MAX seconds of Slack's return.
PROBE_FIRST = 0.25
PROBE_MAX = 2.0


class OutboxWorker:
    """A daemon thread that delivers the outbox when woken, when rows fall due, and on a poll."""

    def __init__(
        self,
        *,
        session_factory: SessionFactory,
        client: WebClient,
        poll_seconds: float = 2.0,
        clock: Callable[[], datetime],
        probe_first: float = PROBE_FIRST,
        probe_max: float = PROBE_MAX,
        jitter: random.Random | None = None,
    ) -> None:
        self._session_factory = session_factory
        # The outbox retries by itself; the client's own retry handlers could send a message
        # twice (see without_retries). A copy if needed, so the caller's client is left as it was.
        self._client = without_retries(client)
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._probe_first, self._probe_max = probe_first, probe_max
        self._jitter = jitter or random.Random()
        self.probes = 0  # auth.test calls made while Slack was down (read by tests and benches)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rounds = 0
        self._round_done = threading.Condition()

    def start(self) -> None:
        """Start delivering in a daemon thread (a second call does nothing)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="leadbot-outbox", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Deliver now: called right after a commit that queued something."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the round in progress, then stop; waits up to `timeout` seconds."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("The outbox worker did not stop within %.0f s", timeout)

    @property
    def running(self) -> bool:
        """Whether the worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def rounds(self) -> int:
        """How many delivery rounds have ended (failed ones included) since this worker was made."""
        with self._round_done:
            return self._rounds

    def wait_for_rounds(self, count: int, timeout: float) -> bool:
        """Block until `count` rounds have ended; False if `timeout` seconds pass first."""
        with self._round_done:
            return self._round_done.wait_for(lambda: self._rounds >= count, timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            # Cleared before the round, so a wake() during it triggers the next round at once.
            self._wake.clear()
            try:
                pause, rate_limited = self._round()
            except Exception:
                # The worker must outlive a database hiccup or a bug in one message; the
                # traceback goes to the log and the next round tries again.
                log.exception("Outbox delivery failed; trying again in %.1f s", self._poll_seconds)
                pause, rate_limited = self._poll_seconds, False
            with self._round_done:
                self._rounds += 1
                self._round_done.notify_all()
            if rate_limited:
                # Slack asked for a pause: a wake() must not send the next call before it ends.
                self._stop.wait(pause)
            else:
                self._wake.wait(pause)

    def _round(self) -> tuple[float, bool]:
        """Deliver one batch; returns how long to wait and whether Slack rate-limited us."""
        # The clock is read again between rows: a slow Slack must not outlast the batch's lease.
        report = deliver_outbox(
            session_factory=self._session_factory,
            client=self._client,
            now=self._clock(),
            clock=self._clock,
        )
        if report.retry_after is not None:
            return report.retry_after, True
        if report.unavailable is not None:
            self._wait_for_slack(report.unavailable)
            return 0.0, False
        if report.sent:
            return 0.0, False  # more may be due: claim again at once, without asking when
        due_in = next_due_in(session_factory=self._session_factory, now=self._clock())
        if due_in is None:
            return self._poll_seconds, False
        if due_in <= 0 and not report.attempted:
            return MIN_WAIT_SECONDS, False
        return min(self._poll_seconds, due_in), False

    def _wait_for_slack(self, reason: str) -> None:
        """Send nothing until Slack answers a probe (or the worker stops).

        One paused worker instead of every row backing off on its own: the queue keeps its
        order, Slack is not hit by each waiting row in turn, and once it answers the backlog goes
        out at once.
        """
        log.warning("Slack is unavailable (%s); outbox paused until it answers again", reason)
        started = time.monotonic()
        delay = self._probe_first
        while not self._stop.wait(self._jitter.uniform(delay / 2, delay)):
            self.probes += 1
            if slack_answers(self._client):
                log.info(
                    "Slack answers again after %.1f s; outbox resumed", time.monotonic() - started
                )
                return
            delay = min(delay * 2, self._probe_max)


def slack_answers(client: WebClient) -> bool:
    """Whether Slack's Web API answers at all: auth.test reached it, whatever it said."""
    try:
        client.auth_test()
    except SlackApiError as error:
        # An HTTP 200 refusal (invalid_auth…) is Slack answering; 429 and 5xx are not.
        return error.response.status_code == 200
    except OSError:
        return False
    return True
