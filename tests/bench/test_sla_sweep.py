"""bench/sla_sweep.py at a tiny scale: it seeds the leads it says, and each measured sweep
escalates exactly the due leads, after which the database is as seeded again."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from bench.sla_sweep import NOW, Seeded, measure, seed
from bench.sla_sweep import main as bench_main
from bot.core.stages import CLOSED_STAGES, Stage
from bot.playbook.model import Playbook
from store.db import read_scope, session_factory
from store.leads import EVENT, LEAD
from store.outbox import OUTBOX

COUNT, DUE = 2000, 50


@pytest.fixture
def seeded(engine: Engine, playbook: Playbook) -> Seeded:
    return seed(session_factory(engine), count=COUNT, due=DUE, playbook=playbook)


def _leads(engine: Engine) -> list[tuple[Any, ...]]:
    with read_scope(session_factory(engine)) as session:
        query = select(LEAD.c.id, LEAD.c.stage, LEAD.c.team, LEAD.c.owner_id, LEAD.c.due_at,
                       LEAD.c.escalation)  # fmt: skip
        return [tuple(row) for row in session.execute(query).all()]


def test_exactly_the_due_leads_are_due_and_the_others_later_or_never(
    engine: Engine, seeded: Seeded
) -> None:
    rows = _leads(engine)
    due = {lead_id for lead_id, _, _, _, at, _ in rows if at is not None and at <= NOW}
    later = [at for _, _, _, _, at, _ in rows if at is not None and at > NOW]

    assert len(rows) == COUNT
    assert due == set(seeded.due_ids) and len(due) == DUE
    assert len(later) == seeded.later > 0
    assert all(at is None for _, stage, _, _, at, _ in rows if stage in CLOSED_STAGES)


def test_the_due_leads_are_unclaimed_sales_ready_or_owned_by_their_teams_reps(
    engine: Engine, seeded: Seeded, playbook: Playbook
) -> None:
    due = [row for row in _leads(engine) if row[0] in seeded.due_state]

    assert {stage for _, stage, _, _, _, _ in due} >= {Stage.SALES_READY, Stage.WORKING}
    for _, stage, team, owner, _, escalation in due:
        assert team is not None and escalation in (0, 1)
        if stage == Stage.SALES_READY:
            assert owner is None
        else:
            assert owner in playbook.team(team).reps


def test_every_sweep_escalates_exactly_the_due_leads_and_the_reset_undoes_it(
    engine: Engine, seeded: Seeded, playbook: Playbook
) -> None:
    factory = session_factory(engine)

    [measured] = measure([("tiny", factory, seeded)], playbook, repeats=2)

    assert measured.selected == DUE and len(measured.selection) == 2
    assert len(measured.sweep) == 2 and measured.problems() == []
    for swept in measured.swept:
        assert (swept.escalated, swept.changed, swept.still_due) == (DUE, DUE, 0)
        assert swept.events >= DUE and swept.outbox >= DUE
    with read_scope(factory) as session:
        left = [session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (EVENT, OUTBOX)]  # fmt: skip
    assert left == [0, 0]
    assert {row[0]: (row[4], row[5]) for row in _leads(engine) if row[0] in seeded.due_state} == (
        seeded.due_state
    )


def test_the_bench_runs_and_reports_on_sqlite(capsys: pytest.CaptureFixture[str]) -> None:
    bench_main(["--leads", "600", "--small", "300", "--due", "20", "--repeats", "1",
                "--postgres-url", "none"])  # fmt: skip
    report = capsys.readouterr().out
    assert "## SQLite" in report and "whole sweep: run_sla, 20 due" in report
    # At least a message per step; a reminder also writes a line in the card's thread.
    counted = re.search(
        r"1× escalated 20, changed 20, still due 0, events 20, outbox rows (\d+)", report
    )
    assert counted is not None and int(counted.group(1)) >= 20
    assert "Problems" not in report
