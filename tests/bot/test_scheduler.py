"""`serve`'s scheduler: the SLA sweep every minute and the nurture job every five, first at once,
never overlapping themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.pursuit.due import schedule_due
from bot.runtime.scheduler import build_scheduler, nurture_job, sla_job
from store.db import session_factory
from store.leads import save_lead
from tests.factories import make_lead

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_the_sla_sweep_is_scheduled_every_minute_merged_and_never_twice_at_once(
    engine: Engine, playbook: Playbook
) -> None:
    scheduler = build_scheduler(
        session_factory=session_factory(engine),
        playbook=playbook,
        clock=lambda: MONDAY,
        wake_outbox=lambda: None,
        sla_every_seconds=60,
    )
    scheduler.start(paused=True)  # the defaults apply once it starts; paused, nothing runs
    try:
        job = scheduler.get_job("sla")
        assert job.trigger.interval == timedelta(seconds=60)
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, None)
        assert job.next_run_time is not None  # the first sweep runs at once, not in a minute
    finally:
        scheduler.shutdown(wait=False)


def test_a_sweep_that_queued_reminders_wakes_the_outbox(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead = make_lead(session, at=MONDAY)
    schedule_due(lead, playbook, MONDAY)
    save_lead(session=session, lead=lead)
    session.commit()
    woken: list[int] = []
    job = {"session_factory": session_factory(engine), "playbook": playbook,
           "wake_outbox": lambda: woken.append(1)}  # fmt: skip
    assert sla_job(clock=lambda: MONDAY, **job) == 0 and woken == []
    assert sla_job(clock=lambda: MONDAY + timedelta(hours=2), **job) == 1 and woken == [1]


def test_a_failing_sweep_is_logged_and_does_not_stop_the_scheduler(
    playbook: Playbook, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> Session:
        raise RuntimeError("the database went away")

    done = sla_job(session_factory=broken, playbook=playbook, clock=lambda: MONDAY,
                   wake_outbox=lambda: None)  # fmt: skip
    assert done == 0
    assert "The SLA sweep failed" in caplog.text and "the database went away" in caplog.text


def test_the_nurture_job_runs_every_five_minutes_and_its_catch_up_once_at_start(
    engine: Engine, playbook: Playbook
) -> None:
    scheduler = build_scheduler(
        session_factory=session_factory(engine),
        playbook=playbook,
        clock=lambda: MONDAY,
        wake_outbox=lambda: None,
        sla_every_seconds=60,
        nurture_every_seconds=300,
    )
    scheduler.start(paused=True)
    try:
        every, once = scheduler.get_job("nurture"), scheduler.get_job("nurture-catch-up")
        assert every.trigger.interval == timedelta(seconds=300)
        assert every.next_run_time is not None and "catch_up" not in every.kwargs
        assert once.kwargs["catch_up"] is True and once.next_run_time is not None
        assert (every.coalesce, every.max_instances) == (True, 1)
    finally:
        scheduler.shutdown(wait=False)


def test_a_nurture_run_that_moved_a_lead_wakes_the_outbox(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    make_lead(session, at=MONDAY, stage=Stage.NURTURE, revisit_at=MONDAY + timedelta(days=1))
    session.commit()
    woken: list[int] = []
    job = {"session_factory": session_factory(engine), "playbook": playbook,
           "wake_outbox": lambda: woken.append(1)}  # fmt: skip
    assert nurture_job(clock=lambda: MONDAY, **job).looked_at == 0 and woken == []
    assert nurture_job(clock=lambda: MONDAY + timedelta(days=1), **job).revisited == 1
    assert woken == [1]


def test_a_failing_nurture_run_is_logged_and_does_not_stop_the_scheduler(
    playbook: Playbook, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> Session:
        raise RuntimeError("the database went away")

    done = nurture_job(session_factory=broken, playbook=playbook, clock=lambda: MONDAY,
                       wake_outbox=lambda: None)  # fmt: skip
    assert done.looked_at == 0
    assert "The nurture job failed" in caplog.text and "the database went away" in caplog.text
