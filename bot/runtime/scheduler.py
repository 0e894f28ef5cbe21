"""The jobs `leadbot serve` runs on its own (APScheduler 3, in a background thread).

Each job is a plain function of (session, now, playbook) in jobs/; the scheduler only calls it.
Exactly-once lives in the jobs (row locks, state on the lead), not here: two replicas may both
run the SLA sweep each minute, and each lead's step is still taken once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.playbook.model import Playbook
from jobs.nurture import NurtureResult, run_nurture
from jobs.sla import run_sla
from store.db import SessionFactory

log = logging.getLogger(__name__)


def sla_job(
    *,
    session_factory: SessionFactory,
    playbook: Playbook,
    clock: Callable[[], datetime],
    wake_outbox: Callable[[], None],
) -> int:
    """One SLA sweep at the clock's time; wakes the outbox when it queued reminders."""
    try:
        done = run_sla(session_factory=session_factory, playbook=playbook, now=clock())
    except Exception:
        # The next run tries again; a database hiccup must not stop the scheduler.
        log.exception("The SLA sweep failed; it runs again at its next time")
        return 0
    if done:
        log.info("SLA sweep: %d lead(s) reminded or escalated", done)
        wake_outbox()
    return done


def nurture_job(
    *,
    session_factory: SessionFactory,
    playbook: Playbook,
    clock: Callable[[], datetime],
    wake_outbox: Callable[[], None],
    catch_up: bool = False,
) -> NurtureResult:
    """One nurture run at the clock's time (revisits, then rescores; with `catch_up`, the
    playbook's threshold applied to every waiting lead too); wakes the outbox when it moved one."""
    try:
        done = run_nurture(
            session_factory=session_factory,
            playbook=playbook,
            now=clock(),
            catch_up_scores=catch_up,
        )
    except Exception:
        # The next run tries again; a database hiccup must not stop the scheduler.
        log.exception("The nurture job failed; it runs again at its next time")
        return NurtureResult()
    if done.looked_at:
        log.info("Nurture job: %s", done.words())
    if done.sent:
        wake_outbox()
    return done


def build_scheduler(
    *,
    session_factory: SessionFactory,
    playbook: Playbook,
    clock: Callable[[], datetime],
    wake_outbox: Callable[[], None],
    sla_every_seconds: float,
    nurture_every_seconds: float = 300.0,
) -> BackgroundScheduler:
    """The scheduler `serve` starts: the SLA sweep every `sla_every_seconds` and the nurture job
    every `nurture_every_seconds`, both first at once, and the nurture catch-up once at start
    (the playbook, and so its threshold, is read at start).

    Runs that pile up while the process is busy or asleep are merged into one (coalesce), never
    overlap (max_instances=1), and a late run still runs (no misfire grace limit): a sweep
    missed while leadbot was down happens once at start.
    """
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    kwargs = {
        "session_factory": session_factory,
        "playbook": playbook,
        "clock": clock,
        "wake_outbox": wake_outbox,
    }
    start = datetime.now(UTC)
    scheduler.add_job(
        sla_job,
        "interval",
        seconds=sla_every_seconds,
        id="sla",
        name="SLA sweep",
        next_run_time=start,
        kwargs=kwargs,
    )
    scheduler.add_job(
        nurture_job,
        "interval",
        seconds=nurture_every_seconds,
        id="nurture",
        name="Nurture: revisits and decay",
        next_run_time=start,
        kwargs=kwargs,
    )
    scheduler.add_job(
        nurture_job,
        "date",
        run_date=start,
        id="nurture-catch-up",
        name="Nurture: the playbook's threshold applied to waiting leads",
        kwargs={**kwargs, "catch_up": True},
    )
    return scheduler
