"""Intake over HTTP: one writer thread captures many requests' leads and commits them together.

A lead costs a few cheap statements; what made intake slow was everything around them: a
thread-pool hop, a session, a transaction (SQLite's write lock, a commit) and a wake of the
outbox per request. Here the event loop hands each checked lead to a queue; one thread takes
whatever has queued up (one lead when traffic is light, dozens under load), captures them all in
one transaction, commits once, wakes the outbox once, and answers every request.

Every lead stays all-or-nothing: if any lead of a group fails, the group is rolled back and each
of its leads is captured again in a transaction of its own, so a bad one cannot take its
neighbours down, and an answer is only ever sent for a committed lead.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from bot.intake.capture import CaptureResult, Outcome, capture_lead
from bot.intake.leadinput import LeadIn
from bot.playbook.model import Playbook
from store.db import SessionFactory, others_wait_to_write, session_scope

log = logging.getLogger(__name__)

#: Leads captured in one transaction at most: enough to amortise it, short enough that the
#: outbox worker and Slack's requests get the write lock between groups.
MAX_GROUP = 32


@dataclass(frozen=True)
class Captured:
    """What intake answers about a captured lead."""

    id: int
    stage: str
    score: float
    outcome: Outcome

    @classmethod
    def of(cls, result: CaptureResult) -> Captured:
        lead = result.lead
        assert lead.id is not None
        return cls(id=lead.id, stage=lead.stage, score=lead.score, outcome=result.outcome)

    def as_json(self) -> dict[str, Any]:
        """The intake API's answer body."""
        return {"id": self.id, "stage": self.stage, "score": self.score}


@dataclass(frozen=True)
class _Request:
    lead: LeadIn
    actor: str
    default_source: str
    loop: asyncio.AbstractEventLoop
    answer: asyncio.Future[Captured]


_STOP = object()


class IntakeQueue:
    """Captures leads for the event loop in one writer thread, committing them in groups."""

    def __init__(
        self,
        *,
        session_factory: SessionFactory,
        playbook: Playbook,
        clock: Callable[[], datetime],
        after_commit: Callable[[], None],
        max_group: int = MAX_GROUP,
    ) -> None:
        self._session_factory = session_factory
        self._playbook = playbook
        self._clock = clock
        self._after_commit = after_commit
        self._max_group = max_group
        self._queue: queue.SimpleQueue[_Request | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    async def capture(self, lead: LeadIn, *, actor: str, default_source: str) -> Captured:
        """Capture a checked lead; returns once it is committed (raises what capture raised)."""
        self._start()
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Captured] = loop.create_future()
        self._queue.put(_Request(lead, actor, default_source, loop, answer))
        return await answer

    def stop(self, timeout: float = 10.0) -> None:
        """Capture what is queued, then stop the writer thread."""
        thread = self._thread
        if thread is None:
            return
        self._queue.put(_STOP)
        thread.join(timeout)
        self._thread = None

    def _start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._starting:
            if self._thread is None or not self._thread.is_alive():
                thread = threading.Thread(target=self._run, name="leadbot-intake", daemon=True)
                thread.start()
                self._thread = thread

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group = [first]
            while len(group) < self._max_group:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = _STOP in group
            requests = [r for r in group if isinstance(r, _Request)]
            try:
                self._capture_group(requests)
            except Exception as error:
                # Never let the writer die: every request after it would wait forever.
                log.exception("intake writer: a group of %d leads failed", len(requests))
                self._answer(requests, [error] * len(requests))
            if stop:
                return

    def _capture_group(self, group: list[_Request]) -> None:
        """Capture and answer the group, in as few transactions as fairness allows.

        A transaction ends early when another one (the outbox worker recording a sent card, a
        rep's claim) waits for SQLite's write lock, so they never wait for a whole group.
        """
        # One order for every replica: two groups never lock the same leads crosswise
        # (PostgreSQL would break the deadlock after a second, failing one of them).
        pending = sorted(group, key=lambda request: request.lead.email.key)
        while pending:
            try:
                done = self._capture_together(pending)
            except OperationalError as error:
                # The database does not answer or stays locked (another process holds it): so
                # would it for each lead alone. Say so at once rather than ten seconds a lead.
                log.warning("intake writer: the database did not answer (%s)", error.orig)
                self._answer(pending, [error] * len(pending))
                return
            except Exception:
                log.debug("a group of %d leads failed; capturing each alone", len(pending))
                for request in pending:
                    self._answer([request], [self._capture_alone(request)])
                return
            self._wake_outbox()
            self._answer(pending[: len(done)], done)
            pending = pending[len(done) :]

    def _capture_together(self, pending: list[_Request]) -> list[Captured]:
        """Capture leads in one transaction until they are done or someone waits to write."""
        done: list[Captured] = []
        with session_scope(self._session_factory) as session:
            for request in pending:
                done.append(Captured.of(self._capture(session, request)))
                if others_wait_to_write(session):
                    break
        return done

    def _capture_alone(self, request: _Request) -> Captured | BaseException:
        for attempt in (1, 2):
            try:
                with session_scope(self._session_factory) as session:
                    captured = Captured.of(self._capture(session, request))
            except IntegrityError as error:
                # The same person arrived at another replica at the same moment: the second
                # attempt finds their lead and merges.
                if attempt == 2:
                    return error
                continue
            except Exception as error:
                return error
            self._wake_outbox()
            return captured
        raise AssertionError("unreachable")

    def _wake_outbox(self) -> None:
        """Tell the outbox worker cards may be due; its failure must not undo a commit."""
        try:
            self._after_commit()
        except Exception:
            log.exception("intake writer: waking the outbox failed (it polls anyway)")

    def _capture(self, session: Session, request: _Request) -> CaptureResult:
        return capture_lead(
            session=session,
            data=request.lead,
            playbook=self._playbook,
            now=self._clock(),
            actor=request.actor,
            default_source=request.default_source,
        )

    @staticmethod
    def _answer(group: list[_Request], results: Sequence[Captured | BaseException]) -> None:
        for request, result in zip(group, results, strict=True):
            try:
                request.loop.call_soon_threadsafe(_settle, request.answer, result)
            except RuntimeError:  # the event loop has closed: nobody is waiting any more
                log.warning("intake writer: lead answered after its server stopped")


def _settle(answer: asyncio.Future[Captured], result: Captured | BaseException) -> None:
    if answer.done():  # the client went away (cancelled); its lead is stored all the same
        return
    if isinstance(result, BaseException):
        answer.set_exception(result)
    else:
        answer.set_result(result)
