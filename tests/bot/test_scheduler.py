"""`serve`'s scheduler: jobs kept in the app's database, a missed run once at start, one row per
job however many processes start, and a failing job that stops nothing."""

from __future__ import annotations

import pickle
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.executors.debug import DebugExecutor
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from freezegun import freeze_time
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.pursuit.due import schedule_due
from bot.runtime.scheduler import (
    RUN_JOB,
    JobContext,
    JobSpec,
    Scheduler,
    nurture,
    run_job,
    serve_jobs,
    sla,
)
from bot.runtime.server import build_server
from bot.runtime.settings import Settings
from store.db import make_engine, session_factory
from store.jobstore import DatabaseJobStore
from store.leads import save_lead
from store.migrate import upgrade
from tests.factories import make_lead

SUNDAY = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


class Runs:
    """A job that records the times it was run at."""

    def __init__(self, done: int = 0) -> None:
        self.times: list[datetime] = []
        self.ran: queue.Queue[datetime] = queue.Queue()
        self.done = done

    def __call__(self, context: JobContext, now: datetime) -> int:
        self.times.append(now)
        self.ran.put(now)
        return self.done

    def wait(self) -> datetime:
        """The next run's time, once it has happened (a bounded wait, not a nap)."""
        return self.ran.get(timeout=10)


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """The app's database; the job store's table goes afterwards (the PostgreSQL schema is
    shared by every test of the run, and `empty_tables` only knows leadbot's own tables)."""
    yield engine
    DatabaseJobStore(engine=engine).jobs_t.drop(engine, checkfirst=True)


@pytest.fixture
def woken() -> list[int]:
    return []


@pytest.fixture
def context(db: Engine, playbook: Playbook, woken: list[int]) -> JobContext:
    return JobContext(
        session_factory=session_factory(db),
        playbook=playbook,
        clock=lambda: datetime.now(UTC),  # frozen by freezegun, as APScheduler's own clock is
        wake_outbox=lambda: woken.append(1),
    )


def scheduler(db: Engine, context: JobContext, *jobs: JobSpec) -> Scheduler:
    # Runs happen in the scheduler's thread, in order: a test waits for one and then knows
    # that everything that pass did is done once the scheduler has shut down.
    return Scheduler(engine=db, context=context, jobs=jobs, executor=DebugExecutor())


def every(minutes: int, job: Runs, *, first_run_now: bool = False) -> JobSpec:
    return JobSpec(
        "tick", IntervalTrigger(minutes=minutes, timezone=UTC), job, first_run_now=first_run_now
    )


def weekly(job: Runs, grace: timedelta) -> JobSpec:
    """Monday 09:00 in Berlin, like a digest."""
    monday_nine = CronTrigger(day_of_week="mon", hour=9, timezone=BERLIN)
    return JobSpec("digest", monday_nine, job, misfire_grace=grace)


def rows(db: Engine) -> dict[str, tuple[datetime, dict[str, object]]]:
    """The job store's rows: id -> (next run time, the pickled job's state)."""
    table = DatabaseJobStore(engine=db).jobs_t
    with db.begin() as conn:
        found = conn.execute(select(table.c.id, table.c.next_run_time, table.c.job_state)).all()
    return {
        row.id: (datetime.fromtimestamp(row.next_run_time, UTC), pickle.loads(row.job_state))
        for row in found
    }


def test_a_job_is_stored_in_the_database_by_name_not_as_a_live_function(
    db: Engine, context: JobContext
) -> None:
    with freeze_time(SUNDAY):
        first = scheduler(db, context, every(1, Runs()))
        first.start()
        first.shutdown()
    [(name, (next_run, state))] = rows(db).items()
    assert name == "tick" and next_run == SUNDAY + timedelta(minutes=1)
    assert state["func"] == RUN_JOB == "bot.runtime.scheduler:run_job"
    assert (state["args"], state["kwargs"]) == ((), {"name": "tick"})
    assert (state["coalesce"], state["max_instances"], state["misfire_grace_time"]) == (
        True, 1, None,
    )  # fmt: skip


def test_a_job_missed_while_leadbot_was_down_runs_once_at_start(
    db: Engine, context: JobContext
) -> None:
    runs = Runs()
    with freeze_time(SUNDAY) as clock:
        first = scheduler(db, context, every(1, runs))
        first.start()
        first.shutdown()
        clock.move_to(SUNDAY + timedelta(minutes=10))  # down for ten minutes: ten runs missed
        second = scheduler(db, context, every(1, runs))
        second.start()
        assert runs.wait() == SUNDAY + timedelta(minutes=10)
        second.shutdown()
    assert runs.times == [SUNDAY + timedelta(minutes=10)]  # coalesced: once, not ten times
    assert rows(db)["tick"][0] == SUNDAY + timedelta(minutes=11)


def test_a_weekly_job_keeps_its_time_across_a_restart_and_a_missed_one_runs_at_start(
    db: Engine, context: JobContext
) -> None:
    runs = Runs()
    with freeze_time(SUNDAY) as clock:
        first = scheduler(db, context, weekly(runs, grace=timedelta(days=1)))
        first.start()
        first.shutdown()
        assert rows(db)["digest"][0] == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 Berlin
        clock.move_to(MONDAY + timedelta(minutes=30))  # down over Monday morning
        second = scheduler(db, context, weekly(runs, grace=timedelta(days=1)))
        second.start()
        assert runs.wait() == MONDAY + timedelta(minutes=30)
        second.shutdown()
    assert len(runs.times) == 1
    assert rows(db)["digest"][0] == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_a_run_later_than_its_misfire_grace_is_skipped_and_the_next_one_stands(
    db: Engine, context: JobContext
) -> None:
    runs = Runs()
    with freeze_time(SUNDAY) as clock:
        first = scheduler(db, context, weekly(runs, grace=timedelta(hours=12)))
        first.start()
        first.shutdown()
        clock.move_to(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))  # back on Wednesday
        second = scheduler(db, context, weekly(runs, grace=timedelta(hours=12)))
        second.start()
        second.shutdown()  # the pass at start is done once the scheduler has shut down
    assert runs.times == []  # Monday's digest is not sent on Wednesday
    assert rows(db)["digest"][0] == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_two_schedulers_on_one_database_keep_one_row_per_job_and_its_time(
    db: Engine, context: JobContext
) -> None:
    with freeze_time(SUNDAY) as clock:
        first = scheduler(db, context, every(1, Runs()), weekly(Runs(), timedelta(days=1)))
        first.start(paused=True)
        clock.move_to(SUNDAY + timedelta(seconds=30))
        second = scheduler(db, context, every(1, Runs()), weekly(Runs(), timedelta(days=1)))
        second.start(paused=True)
        second.shutdown()
        first.shutdown()
    stored = rows(db)
    assert sorted(stored) == ["digest", "tick"]
    assert stored["tick"][0] == SUNDAY + timedelta(minutes=1)  # not moved by the second start


def test_schedulers_starting_at_the_same_moment_create_one_table_and_one_row(
    db: Engine, context: JobContext
) -> None:
    schedulers = [scheduler(db, context, every(1, Runs())) for _ in range(4)]
    start = threading.Barrier(len(schedulers))
    errors: list[BaseException] = []

    def starting(one: Scheduler) -> None:
        try:
            start.wait(timeout=10)
            one.start(paused=True)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=starting, args=(one,)) for one in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for one in schedulers:
        if one.apscheduler.running:
            one.shutdown()
    assert errors == []
    assert list(rows(db)) == ["tick"]
    table = DatabaseJobStore(engine=db).jobs_t
    with db.begin() as conn:
        assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 1


def test_a_changed_schedule_replaces_the_stored_one(db: Engine, context: JobContext) -> None:
    with freeze_time(SUNDAY) as clock:
        first = scheduler(db, context, every(10, Runs()))
        first.start(paused=True)
        first.shutdown()
        clock.move_to(SUNDAY + timedelta(minutes=1))
        second = scheduler(db, context, every(2, Runs()))
        second.start(paused=True)
        [job] = second.stored_jobs()
        second.shutdown()
    assert job.trigger.interval == timedelta(minutes=2)
    assert rows(db)["tick"][0] == SUNDAY + timedelta(minutes=3)


def test_serve_sweeps_every_minute_nurtures_every_five_and_both_run_at_once(
    db: Engine, context: JobContext
) -> None:
    settings = Settings(sla_sweep_seconds=60, nurture_sweep_seconds=300)
    jobs = serve_jobs(settings=settings, playbook=context.playbook)
    with freeze_time(SUNDAY):
        first = scheduler(db, context, *jobs)
        first.start(paused=True)
        stored = {job.id: job for job in first.stored_jobs()}
        in_memory = {job.id: job for job in first.jobs_in_memory()}
        first.shutdown()
    assert stored["sla"].trigger.interval == timedelta(seconds=60)
    assert stored["nurture"].trigger.interval == timedelta(seconds=300)
    for name in ("sla", "nurture"):  # work may be waiting: not a minute later
        assert stored[name].next_run_time == SUNDAY
    catch_up = in_memory["nurture-catch-up"]  # once, when this process starts: not a shared row
    assert catch_up.kwargs == {"name": "nurture-catch-up"} and catch_up.next_run_time is not None
    assert "nurture-catch-up" not in stored


def test_a_failing_job_is_logged_and_does_not_stop_the_scheduler(
    db: Engine, context: JobContext, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(context: JobContext, now: datetime) -> int:
        raise RuntimeError("the database went away")

    runs = Runs()
    failing = JobSpec("broken", IntervalTrigger(minutes=1, timezone=UTC), broken,
                      first_run_now=True)  # fmt: skip
    with freeze_time(SUNDAY) as clock:
        one = scheduler(db, context, failing, every(1, runs, first_run_now=True))
        one.start()
        assert runs.wait() == SUNDAY
        clock.move_to(SUNDAY + timedelta(minutes=1))
        one.apscheduler.wakeup()  # frozen time: tell it the minute has passed
        assert runs.wait() == SUNDAY + timedelta(minutes=1)
        assert one.apscheduler.running
        one.shutdown()
    assert caplog.text.count("The broken job failed; it runs again at its next time") == 2
    assert "RuntimeError: the database went away" in caplog.text  # with its traceback
    assert rows(db)["broken"][0] == SUNDAY + timedelta(minutes=2)


def test_a_job_that_did_something_wakes_the_outbox(
    db: Engine, context: JobContext, woken: list[int]
) -> None:
    idle, busy = Runs(done=0), Runs(done=3)
    minute = IntervalTrigger(minutes=1, timezone=UTC)
    with freeze_time(SUNDAY):
        one = scheduler(db, context, JobSpec("idle", minute, idle, first_run_now=True),
                        JobSpec("busy", minute, busy, first_run_now=True))  # fmt: skip
        one.start()
        idle.wait()
        busy.wait()
        one.shutdown()
    assert woken == [1]  # by the job that queued messages, not by the one that found nothing


def test_a_stored_job_this_process_does_not_know_is_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert run_job("gone") == 0
    assert "No job 'gone' in this process" in caplog.text


def test_the_sla_job_sweeps_at_the_time_it_is_given(
    db: Engine, session: Session, context: JobContext
) -> None:
    lead = make_lead(session, at=MONDAY)
    schedule_due(lead, context.playbook, MONDAY)  # sales-ready lasts 2 business hours
    save_lead(session=session, lead=lead)
    session.commit()
    assert sla(context, MONDAY) == 0
    assert sla(context, MONDAY + timedelta(hours=2)) == 1


def test_the_nurture_job_brings_back_a_lead_whose_revisit_date_came(
    db: Engine, session: Session, context: JobContext
) -> None:
    make_lead(session, at=MONDAY - timedelta(days=90), stage=Stage.NURTURE,
              revisit_at=MONDAY + timedelta(hours=1))  # fmt: skip
    session.commit()
    assert nurture(context, MONDAY) == 0
    assert nurture(context, MONDAY + timedelta(hours=1)) == 1


def test_a_database_that_stops_answering_does_not_end_the_schedulers_thread(
    sqlite_engine: Engine, playbook: Playbook, caplog: pytest.LogCaptureFixture
) -> None:
    context = JobContext(session_factory=session_factory(sqlite_engine), playbook=playbook,
                         clock=lambda: SUNDAY, wake_outbox=lambda: None)  # fmt: skip
    with freeze_time(SUNDAY):
        one = scheduler(sqlite_engine, context, every(1, Runs()))
        one.start(paused=True)
        [job] = one.stored_jobs()
        one.shutdown()
        gone = DatabaseJobStore(engine=make_engine("sqlite:////nonexistent/dir/leadbot.db"))
        gone.update_job(job)  # APScheduler would let this raise out of its thread
        assert gone.get_next_run_time() == SUNDAY + timedelta(seconds=10)  # look again soon
    assert "Could not store scheduled job 'tick'" in caplog.text
    assert "Could not read the next scheduled run" in caplog.text


def test_serve_keeps_its_jobs_in_the_file_of_database_url(
    tmp_path: Path, playbook: Playbook
) -> None:
    url = f"sqlite:///{tmp_path / 'leadbot.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        slack_bot_token="xoxb-1",
        slack_signing_secret="0123456789abcdef0123456789abcdef",
        leadbot_intake_token="an-intake-token-nobody-guesses",
    )
    server = build_server(settings, playbook)
    server.scheduler.start(paused=True)
    server.scheduler.shutdown()
    server.engine.dispose()
    engine = make_engine(url)
    try:
        assert sorted(rows(engine)) == ["digest", "nurture", "sla"]  # the catch-up: in memory
    finally:
        engine.dispose()
