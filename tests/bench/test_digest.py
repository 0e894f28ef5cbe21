"""bench/digest.py and bench/digest_seed.py at a tiny scale: what they store and print (no
timing is asserted; the figures are the benchmark's to print)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from bench.digest import NOW, measure, summary
from bench.digest_seed import seed_history
from bot.core.events import EventKind
from bot.playbook.model import Playbook
from bot.reporting.metrics import compute_report, previous, window_for_week
from store.db import read_scope, session_factory
from store.leads import EVENT, LEAD
from store.metrics import leads_by_stage
from tests.conftest import empty_tables


def test_the_seed_stores_exactly_the_leads_and_events_asked_for_in_time_order(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    seeded = seed_history(engine, leads=400, events=2400, playbook=playbook, now=NOW, weeks=6)

    assert (seeded.leads, seeded.events) == (400, 2400)
    assert sum(leads_by_stage(session=session).values()) == 400
    rows = session.execute(select(EVENT.c.id, EVENT.c.at, EVENT.c.kind).order_by(EVENT.c.id))
    events = rows.all()
    assert len(events) == 2400 == sum(seeded.kinds.values())
    assert Counter(str(kind) for _, _, kind in events) == seeded.kinds
    # As a live database gets them: in the order they happened (a few engagement events that
    # top the count up at the end excepted), none after `now`, none before the first week.
    reported = [at for _, at, kind in events if kind != EventKind.ENGAGED]
    assert reported == sorted(reported)
    assert max(at for _, at, _ in events) < NOW
    assert min(at for _, at, _ in events) >= NOW - timedelta(weeks=6)


def test_every_lead_has_its_capture_and_the_stage_its_last_move_says(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    seed_history(engine, leads=300, events=1500, playbook=playbook, now=NOW, weeks=4)

    captured = session.execute(
        select(func.count()).select_from(EVENT).where(EVENT.c.kind == EventKind.CAPTURED)
    ).scalar_one()
    assert captured == 300
    last_move = (
        select(EVENT.c.lead_id, func.max(EVENT.c.id).label("id"))
        .where(EVENT.c.kind == EventKind.STAGE_CHANGED)
        .group_by(EVENT.c.lead_id)
        .subquery()
    )
    moved_to = dict(
        session.execute(
            select(EVENT.c.lead_id, EVENT.c.to_stage).join(last_move, last_move.c.id == EVENT.c.id)
        ).all()
    )
    stages = dict(session.execute(select(LEAD.c.id, LEAD.c.stage)).all())
    assert stages == moved_to  # every lead left `new` at capture


def test_measure_times_each_kind_and_the_summary_names_the_targets(
    engine: Engine, playbook: Playbook
) -> None:
    seeded = seed_history(engine, leads=500, events=2600, playbook=playbook, now=NOW, weeks=3)

    run = measure(engine, playbook, seeded, "tiny", repeat=2)

    assert {kind: len(times) for kind, times in run.seconds.items()} == {
        "raw": 2, "company": 2, "team": 2, "digest": 2,
    }  # fmt: skip
    assert run.report is not None and run.report.funnel["new"] > 0
    assert sum(run.stages.values()) == 500
    assert "count_leads" in run.queries
    text, _ = summary(run)
    assert "Company report:" in text and "× the raw count" in text


def test_sqlite_and_postgresql_compute_the_same_reports_of_the_same_history(
    sqlite_engine: Engine, postgres_engine: Engine, playbook: Playbook
) -> None:
    """Same seed, same rows: every figure equal, floats included (medians of durations come
    from whole microseconds on both; a rounded julianday() once made SQLite's differ)."""
    empty_tables(postgres_engine)
    try:
        reports = []
        for engine in (sqlite_engine, postgres_engine):
            seed_history(engine, leads=1500, events=8000, playbook=playbook, now=NOW, weeks=4)
            week = window_for_week(NOW, playbook)
            with read_scope(session_factory(engine)) as session:
                reports.append([
                    compute_report(session=session, playbook=playbook, window=window, team=team,
                                   now=NOW)
                    for window in (week, previous(week)) for team in (None, "emea", "amer")
                ])  # fmt: skip
        assert reports[0] == reports[1]
        assert reports[0][0].sales_cycle.count > 0 and reports[0][0].speed_to_lead.count > 0
    finally:
        empty_tables(postgres_engine)
