"""The jobs `leadbot serve` runs on its own: APScheduler 3, its jobs kept in the app's database.

Each job is a plain function of (session, now, playbook) in jobs/; here it is only named and
timed. The job store (store/jobstore.py, the `apscheduler_jobs` table, in DATABASE_URL's
database) remembers when each job runs next: a run missed while leadbot was down happens once at
start (coalesced, however many were missed), and a restart or a second replica keeps one row per
job (`replace_existing`). Which lead is due is never the scheduler's to know: that is the lead's
`due_at`, and the jobs' row locks take each step once however many replicas run them.

A stored job is pickled, so it names no live object: its function is `run_job`, by its dotted
path, and its one argument is the job's name; `run_job` finds the function and what it needs
(sessions, the playbook, the clock) in this process's registry, filled when `serve` starts.
Adding a job is one `JobSpec` line in `serve_jobs`, e.g.

    JobSpec("nurture", IntervalTrigger(minutes=15, timezone=UTC), nurture),
    JobSpec("digest", CronTrigger(day_of_week="mon", hour=9, timezone=zone), digest,
            misfire_grace=timedelta(days=1)),
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.base import BaseExecutor
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.playbook.model import Playbook
from bot.runtime.settings import Settings
from jobs.digest import run_digest
from jobs.nurture import run_nurture
from jobs.sla import run_sla
from store.db import SessionFactory
from store.jobstore import DatabaseJobStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What every job is given: sessions, the playbook, the clock, and the outbox to wake."""

    session_factory: SessionFactory
    playbook: Playbook
    clock: Callable[[], datetime]
    wake_outbox: Callable[[], None]


#: A job: given the context and the time, does its work and says how many things it did (more
#: than 0 wakes the outbox: the messages it queued go out at once).
JobFunc = Callable[[JobContext, datetime], int]


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: its name (its row's id), when it runs and what it calls."""

    name: str
    trigger: BaseTrigger
    func: JobFunc
    #: How late a run may still start; None: however late (the jobs catch up from the database).
    misfire_grace: timedelta | None = None
    #: New to the database (or rescheduled), it first runs at once instead of at its trigger's
    #: first time: a sweep has work waiting at start; a weekly digest does not.
    first_run_now: bool = False
    #: False: kept in this process's memory, not in the database: a once-at-start job of this
    #: process (two replicas sharing its row would both run it, and the second one's removal of
    #: the spent row would fail and end APScheduler's thread).
    persisted: bool = True


#: The job store of a process's own once-at-start jobs.
MEMORY = "memory"
#: Job name -> what `run_job` calls, for this process (filled by `Scheduler.start`).
_REGISTRY: dict[str, tuple[JobSpec, JobContext]] = {}
#: What the stored rows call: a dotted path, so a row pickles and outlives the process.
RUN_JOB = f"{__name__}:run_job"


def run_job(name: str) -> int:
    """Run the job registered as `name` at its context's clock; a failure is logged, and the
    scheduler runs it again at its next time."""
    entry = _REGISTRY.get(name)
    if entry is None:
        # A row written by another version of leadbot (a job added or removed since).
        log.warning("No job %r in this process; its stored schedule is left as it is", name)
        return 0
    spec, context = entry
    try:
        done = spec.func(context, context.clock())
    except Exception:
        # The job's own transaction rolled back; the next run takes the work from the database.
        log.exception("The %s job failed; it runs again at its next time", name)
        return 0
    if done:
        log.info("The %s job: %d done", name, done)
        context.wake_outbox()
    return done


def sla(context: JobContext, now: datetime) -> int:
    """One SLA sweep: how many leads were reminded or escalated."""
    return run_sla(session_factory=context.session_factory, playbook=context.playbook, now=now)


def nurture(context: JobContext, now: datetime) -> int:
    """One nurture run: revisits due, then rescores due; how many leads it moved."""
    return _nurture(context, now, catch_up=False)


def nurture_catch_up(context: JobContext, now: datetime) -> int:
    """Once at start: the playbook's threshold (read at start) applied to every waiting lead."""
    return _nurture(context, now, catch_up=True)


def _nurture(context: JobContext, now: datetime, *, catch_up: bool) -> int:
    done = run_nurture(session_factory=context.session_factory, playbook=context.playbook,
                       now=now, catch_up_scores=catch_up)  # fmt: skip
    if done.looked_at:
        log.info("Nurture job: %s", done.words())
    return done.revisited + done.to_marketing + done.to_sales


def digest(context: JobContext, now: datetime) -> int:
    """The weekly digest, if due and not sent: how many messages it queued."""
    return run_digest(session_factory=context.session_factory, playbook=context.playbook, now=now)


def serve_jobs(*, settings: Settings, playbook: Playbook) -> list[JobSpec]:
    """The jobs `serve` runs, one line each."""
    return [
        JobSpec(
            "sla", IntervalTrigger(seconds=settings.sla_sweep_seconds, timezone=UTC), sla,
            first_run_now=True,
        ),
        JobSpec(
            "nurture", IntervalTrigger(seconds=settings.nurture_sweep_seconds, timezone=UTC),
            nurture, first_run_now=True,
        ),
        # Looks every 15 minutes whether the weekly digest is due and not yet sent: a digest
        # missed while leadbot was down goes out once, when it is back.
        JobSpec("digest", IntervalTrigger(minutes=15, timezone=UTC), digest, first_run_now=True),
        # Once at this process's start (the playbook it read may have a new threshold).
        JobSpec("nurture-catch-up", DateTrigger(datetime.now(UTC), timezone=UTC), nurture_catch_up,
                persisted=False),
    ]  # fmt: skip


def same_schedule(a: BaseTrigger, b: BaseTrigger) -> bool:
    """Whether two triggers fire alike (an interval trigger's start, the time it was made, is
    left out: a restart does not reschedule a job whose schedule did not change)."""
    return (type(a), str(a), str(getattr(a, "timezone", ""))) == (
        type(b), str(b), str(getattr(b, "timezone", "")),
    )  # fmt: skip


class Scheduler:
    """APScheduler's BackgroundScheduler with its jobs in the database (`apscheduler_jobs`).

    Runs of a job that pile up are merged into one (coalesce) and never overlap in this process
    (max_instances=1); by default a late run still runs (no misfire limit).
    """

    def __init__(
        self,
        *,
        engine: Engine,
        context: JobContext,
        jobs: Sequence[JobSpec],
        executor: BaseExecutor | None = None,
    ) -> None:
        names = [spec.name for spec in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"Two scheduled jobs share a name: {sorted(names)}")
        self.context = context
        self.jobs = list(jobs)
        self._entries = {spec.name: (spec, context) for spec in jobs}
        self.apscheduler = BackgroundScheduler(
            jobstores={"default": DatabaseJobStore(engine=engine), MEMORY: MemoryJobStore()},
            executors={"default": executor or ThreadPoolExecutor()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    def start(self, *, paused: bool = False) -> None:
        """Register the jobs in this process, store their rows, then run whatever is due
        (`paused`: not yet, until `resume`)."""
        _REGISTRY.update(self._entries)
        self.apscheduler.start(paused=True)  # the job store is open; nothing runs yet
        for spec in self.jobs:
            self._store(spec)
        if not paused:
            self.resume()

    def resume(self) -> None:
        """Run the jobs as they fall due (those already due at once)."""
        self.apscheduler.resume()

    def _store(self, spec: JobSpec) -> None:
        store = "default" if spec.persisted else MEMORY
        stored = self.apscheduler.get_job(spec.name, jobstore=store)
        when: dict[str, Any] = {}
        if (
            stored is not None
            and stored.next_run_time is not None
            and same_schedule(stored.trigger, spec.trigger)
        ):
            # The row's time stands: a run missed while leadbot was down is still due, once.
            when["next_run_time"] = stored.next_run_time
        elif spec.first_run_now:
            when["next_run_time"] = datetime.now(UTC)
        grace = None if spec.misfire_grace is None else int(spec.misfire_grace.total_seconds())
        self.apscheduler.add_job(
            RUN_JOB,
            trigger=spec.trigger,
            id=spec.name,
            name=spec.name,
            kwargs={"name": spec.name},
            replace_existing=True,  # a restart, or a second replica: still one row
            coalesce=True,
            max_instances=1,
            misfire_grace_time=grace,
            jobstore=store,
            **when,
        )

    def stored_jobs(self) -> list[Job]:
        """The jobs as the database has them."""
        return list(self.apscheduler.get_jobs(jobstore="default"))

    def jobs_in_memory(self) -> list[Job]:
        """This process's own once-at-start jobs."""
        return list(self.apscheduler.get_jobs(jobstore=MEMORY))

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop (`wait`: after the runs under way) and forget this scheduler's jobs."""
        self.apscheduler.shutdown(wait=wait)
        for name, entry in self._entries.items():
            if _REGISTRY.get(name) is entry:  # not if another scheduler took the name since
                del _REGISTRY[name]
