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


def build_scheduler(
    *,
    session_factory: SessionFactory,
    playbook: Playbook,
    clock: Callable[[], datetime],
    wake_outbox: Callable[[], None],
    sla_every_seconds: float,
) -> BackgroundScheduler:
    """The scheduler `serve` starts: the SLA sweep every `sla_every_seconds`, first at once.

    Runs that pile up while the process is busy or asleep are merged into one (coalesce), never
    overlap (max_instances=1), and a late run still runs (no misfire grace limit): a sweep
    missed while leadbot was down happens once at start.
    """
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    scheduler.add_job(
        sla_job,
        "interval",
        seconds=sla_every_seconds,
        id="sla",
        name="SLA sweep",
        next_run_time=datetime.now(UTC),
        kwargs={
            "session_factory": session_factory,
            "playbook": playbook,
            "clock": clock,
            "wake_outbox": wake_outbox,
        },
    )
    return scheduler
