"""SLA sweep benchmark: the sweep of 1,000 due leads among 1,000,000, beside the same 1,000 among
10,000 (issue 8).

    python bench/sla_sweep.py [--leads N] [--small N] [--due N] [--repeats N]
                              [--postgres-url URL|none] [--no-sqlite]

For SQLite (temporary files) and PostgreSQL (throw-away databases on --postgres-url's server),
two fresh databases migrated as `leadbot db upgrade` does it get --small and --leads leads; in
both the same --due of them are due. Rows go in in bulk through bench/pursuit_seed.py's
`LeadRows` and inserts (sqlite3's executemany, PostgreSQL's COPY).

The due leads (`due_at` minutes to hours before `NOW`) are unclaimed sales-ready leads (the
channel is reminded) and claimed working, opportunity and on-hold leads of the example playbook's
reps (the owner is reminded), a quarter of them reminded already (the manager is told); they sit
at random places in the table. The others are shaped as in a table the sweep keeps up with:
closed, nurture and new leads have no `due_at`; of the open and sales-ready ones (11%) most are
due later in their stage's `max` (business time; on hold: when the hold ends) or
`escalate_after` after a reminder, and some were escalated to their manager (`due_at` empty).
So the `due_at` index holds about 93,000 future values among 1,000,000 leads, the rest NULL.
20,000 of the others are built one by one; the rest are copies of them, each with its own
e-mail, card and `due_at` (see `_Others`).

Measured, --repeats times each, the two tables in turn, median reported:
- the selection alone: `store.leads.due_leads(now, limit=jobs.sla.BATCH)`, in its own transaction
  (the sweep's first statement; FOR UPDATE SKIP LOCKED on PostgreSQL), rolled back;
- the whole sweep: `jobs.sla.run_sla`, every due lead escalated (event, outbox row, next `due_at`)
  and committed, batch by batch. After each sweep one UPDATE puts the due leads' `due_at` and
  `escalation` back as seeded, and the events and outbox rows it added are deleted.
Each sweep is counted: leads escalated, due leads changed, leads still due afterwards, events and
outbox rows added. Targets: the whole sweep among --leads ≤ 1.5× the one among --small, and the
selection among --leads under 1 s.

`NOW` is a fixed Wednesday morning in the playbook's business hours, so no step waits for anyone's
morning. On PostgreSQL the lead table is analysed after seeding (autovacuum would within a minute
of such a load).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as `python bench/sla_sweep.py`
    sys.path.insert(0, str(REPO))

from sqlalchemy import Engine, bindparam, delete, func, select, text, update  # noqa: E402

from bench.intake import DEFAULT_POSTGRES_URL, Skipped, postgres_database  # noqa: E402
from bench.pursuit_seed import STAGE_SHARES, LeadRows, insert_leads, insert_rows  # noqa: E402
from bench.report import _revision as revision  # noqa: E402
from bot.core.stages import CLOSED_STAGES, Stage  # noqa: E402
from bot.playbook.loading import load_playbook  # noqa: E402
from bot.playbook.model import Playbook  # noqa: E402
from bot.rules.businesstime import add_business_time  # noqa: E402
from jobs.sla import BATCH, run_sla  # noqa: E402
from store.db import SessionFactory, make_engine, session_factory, session_scope  # noqa: E402
from store.leads import EVENT, LEAD, due_leads  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from store.outbox import OUTBOX  # noqa: E402

#: A Wednesday, 11:00 in Berlin: inside the example playbook's business hours.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
#: The due leads: (stage, escalation steps already taken) -> share.
DUE_SHARES: dict[tuple[Stage, int], float] = {
    (Stage.SALES_READY, 0): 0.25,  # nobody claimed it: the channel is reminded
    (Stage.SALES_READY, 1): 0.10,  # still nobody after the reminder: the manager
    (Stage.WORKING, 0): 0.30,  # the owner is reminded
    (Stage.WORKING, 1): 0.15,  # the owner did nothing: the manager
    (Stage.OPPORTUNITY, 0): 0.12,
    (Stage.ON_HOLD, 0): 0.08,  # the hold ended
}
#: Where the not-due open and sales-ready leads stand: due later in their stage, reminded (due
#: again `escalate_after` later), or escalated to the manager (nothing more until someone moves).
LATER, REMINDED, ESCALATED = "later", "reminded", "escalated"
STANDING = {LATER: 0.6, REMINDED: 0.25, ESCALATED: 0.15}
CHUNK = 5000  # leads per transaction
POOL = 20_000  # leads not due built one by one; the rest are copies of them (see _Others)
COPIES = 50  # copies of a lead in a row
TARGET_RATIO = 1.5
TARGET_SELECTION_S = 1.0


@dataclass
class Seeded:
    """What was stored."""

    count: int
    due_ids: list[int]
    due_state: dict[int, tuple[datetime | None, int]]  # lead id -> (due_at, escalation) seeded
    stages: Counter[str] = field(default_factory=Counter)
    due_kinds: Counter[tuple[str, int]] = field(default_factory=Counter)
    later: int = 0  # leads not due with a due_at (in the future)
    seconds: float = 0.0


@dataclass(frozen=True)
class Swept:
    """What one sweep did."""

    escalated: int  # run_sla's count
    changed: int  # due leads whose due_at or escalation moved
    still_due: int  # leads due by NOW afterwards
    events: int
    outbox: int


@dataclass
class Measured:
    label: str
    seeded: Seeded
    selection: list[float] = field(default_factory=list)
    selected: int = 0
    sweep: list[float] = field(default_factory=list)
    swept: list[Swept] = field(default_factory=list)

    def problems(self) -> list[str]:
        """What did not go as planned: a selection short of a batch, or a sweep that did not
        escalate exactly the due leads, once each (at least an event and a message each)."""
        due = len(self.seeded.due_ids)
        found = []
        if self.selected != min(due, BATCH):
            found.append(f"the selection returned {self.selected} leads, not {min(due, BATCH)}")
        for n, s in enumerate(self.swept, start=1):
            # At least one event and one message a lead: a step may come to say more.
            exact = (s.escalated, s.changed, s.still_due) == (due, due, 0)
            if not exact or min(s.events, s.outbox) < due:
                found.append(f"sweep {n}: {s}")
        return found


# -- seeding ---------------------------------------------------------------------------------------


class _Shaper:
    """Gives each lead the `due_at` and `escalation` the sweep would have left it with."""

    def __init__(self, playbook: Playbook, now: datetime, rng: random.Random) -> None:
        self.playbook, self.now, self.rng = playbook, now, rng

    def _in(self, duration: timedelta) -> datetime:
        """A moment within `duration` of business time from now."""
        part = duration * self.rng.uniform(0.01, 1.0)
        return add_business_time(self.now, part, self.playbook.business_hours)

    def not_due(self, row: dict[str, Any]) -> None:
        stage = Stage(row["stage"])
        rule = self.playbook.stages.get(stage)
        if stage in CLOSED_STAGES or rule is None or rule.max is None:
            return  # nurture and new: no deadline; closed: none either
        standing = self.rng.choices(list(STANDING), list(STANDING.values()))[0]
        if standing == LATER:
            due = row.get("snoozed_until") if stage is Stage.ON_HOLD else None
            row["due_at"] = due or self._in(rule.max.as_timedelta)
        elif standing == REMINDED:
            row["due_at"] = self._in(self.playbook.escalate_after.as_timedelta)
            row["escalation"] = 1
        else:
            row["escalation"] = 2

    def due(self, row: dict[str, Any], escalation: int) -> None:
        row["due_at"] = self.now - timedelta(minutes=self.rng.uniform(1, 240))
        row["escalation"] = escalation
        if row["stage"] == Stage.ON_HOLD:
            row["snoozed_until"] = row["due_at"]  # the hold ended then


class _Others:
    """The leads not due: POOL built one by one (spread over the stages as a long-running team's
    are), then copies of them, each with its own e-mail, card and `due_at`. Building a lead
    costs ~80 µs, as much as storing it: a million would take minutes more."""

    def __init__(self, playbook: Playbook, now: datetime, rng: random.Random) -> None:
        self.rows, self.shaper = LeadRows(playbook, now, rng), _Shaper(playbook, now, rng)
        self.rng, self.pool = rng, list[dict[str, Any]]()

    def row(self, serial: int) -> dict[str, Any]:
        if len(self.pool) < POOL:
            stage = self.rng.choices(list(STAGE_SHARES), list(STAGE_SHARES.values()))[0]
            built, _, _ = self.rows.lead(serial, stage)
            self.pool.append(built)
            row = dict(built)
        else:
            # Copies of one lead come together: the inserts process its values once a chunk.
            base = self.pool[serial // COPIES % POOL]
            local, domain = base["email"].split("@")
            email = f"{local}.{serial}@{domain}"  # four dots: never a pool lead's e-mail
            card = f"{1_600_000_000 + serial}.000100" if base["card_ts"] else None
            row = base | {"email": email, "email_key": email, "card_ts": card}
        self.shaper.not_due(row)
        return row


def seed(
    factory: SessionFactory, *, count: int, due: int, playbook: Playbook, now: datetime = NOW,
    seed: int = 7,
) -> Seeded:  # fmt: skip
    """Store `count` leads, `due` of them due by `now` (the same ones whatever `count`), at random
    places among the others."""
    if due > count:
        raise ValueError(f"{due} due leads do not fit in {count} leads")
    started = time.monotonic()
    due_rng = random.Random(seed)
    due_rows, due_shaper = LeadRows(playbook, now, due_rng), _Shaper(playbook, now, due_rng)
    others = _Others(playbook, now, random.Random(seed + 1))
    kinds = due_rng.choices(list(DUE_SHARES), list(DUE_SHARES.values()), k=due)
    where_due = set(random.Random(seed + 2).sample(range(count), due))
    seeded = Seeded(count=count, due_ids=[], due_state={})
    next_due = next_other = 0
    for start in range(0, count, CHUNK):
        chunk_due: list[dict[str, Any]] = []
        chunk_others: list[dict[str, Any]] = []
        for position in range(start, min(start + CHUNK, count)):
            if position in where_due:
                stage, escalation = kinds[next_due]
                # Serials apart from the others' (e-mails are unique), the same whatever `count`.
                row, _, _ = due_rows.lead(next_due, stage, recent=True)
                due_shaper.due(row, escalation)
                chunk_due.append(row)
                seeded.due_kinds[(str(stage), escalation)] += 1
                next_due += 1
            else:
                row = others.row(due + next_other)
                chunk_others.append(row)
                seeded.later += row["due_at"] is not None
                next_other += 1
            seeded.stages[str(row["stage"])] += 1
        with session_scope(factory) as session:
            insert_rows(session, LEAD, chunk_others)
            ids = insert_leads(session, chunk_due) if chunk_due else []
        for lead_id, row in zip(ids, chunk_due, strict=True):
            seeded.due_ids.append(lead_id)
            seeded.due_state[lead_id] = (row["due_at"], row["escalation"])
    seeded.seconds = time.monotonic() - started
    return seeded


def analyze(engine: Engine) -> None:
    """Fresh planner statistics on PostgreSQL, as autovacuum would give them after a bulk load."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE lead"))


# -- measuring -------------------------------------------------------------------------------------


def select_once(factory: SessionFactory, now: datetime = NOW) -> tuple[float, int]:
    """(seconds, leads) for the sweep's selection of one batch, in its own transaction."""
    session = factory()
    try:
        started = time.perf_counter()
        leads = due_leads(session=session, now=now, limit=BATCH)
        return time.perf_counter() - started, len(leads)
    finally:
        session.rollback()
        session.close()


def _high_water(factory: SessionFactory) -> tuple[int, int]:
    """The last event id and outbox id."""
    with session_scope(factory) as session:
        events = session.execute(select(func.coalesce(func.max(EVENT.c.id), 0))).scalar_one()
        outbox = session.execute(select(func.coalesce(func.max(OUTBOX.c.id), 0))).scalar_one()
    return int(events), int(outbox)


def _count(
    factory: SessionFactory, seeded: Seeded, before: tuple[int, int], escalated: int, now: datetime
) -> Swept:
    state: dict[int, tuple[datetime | None, int]] = {}
    with session_scope(factory) as session:
        for start in range(0, len(seeded.due_ids), 500):
            ids = seeded.due_ids[start : start + 500]
            query = select(LEAD.c.id, LEAD.c.due_at, LEAD.c.escalation).where(LEAD.c.id.in_(ids))
            state |= {i: (d, e) for i, d, e in session.execute(query).all()}
        still_due = session.execute(
            select(func.count()).select_from(LEAD).where(LEAD.c.due_at <= now)
        ).scalar_one()
        events = session.execute(
            select(func.count()).select_from(EVENT).where(EVENT.c.id > before[0])
        ).scalar_one()
        outbox = session.execute(
            select(func.count()).select_from(OUTBOX).where(OUTBOX.c.id > before[1])
        ).scalar_one()
    changed = sum(state.get(i) != seeded.due_state[i] for i in seeded.due_ids)
    return Swept(escalated, changed, int(still_due), int(events), int(outbox))


def reset(factory: SessionFactory, seeded: Seeded, before: tuple[int, int]) -> None:
    """The due leads as seeded again; the sweep's events and outbox rows gone."""
    put_back = (
        update(LEAD)
        .where(LEAD.c.id == bindparam("lead_id"))
        .values(due_at=bindparam("was_due_at"), escalation=bindparam("was_escalation"))
    )
    rows = [{"lead_id": i, "was_due_at": d, "was_escalation": e}
            for i, (d, e) in seeded.due_state.items()]  # fmt: skip
    with session_scope(factory) as session:
        session.execute(put_back, rows)
        session.execute(delete(EVENT).where(EVENT.c.id > before[0]))
        session.execute(delete(OUTBOX).where(OUTBOX.c.id > before[1]))


def sweep_once(
    factory: SessionFactory, seeded: Seeded, playbook: Playbook, now: datetime = NOW
) -> tuple[float, Swept]:
    """(seconds, what it did) for one whole sweep; the database is put back afterwards."""
    before = _high_water(factory)
    started = time.perf_counter()
    escalated = run_sla(session_factory=factory, playbook=playbook, now=now)
    elapsed = time.perf_counter() - started
    swept = _count(factory, seeded, before, escalated, now)
    reset(factory, seeded, before)
    return elapsed, swept


def measure(
    tables: list[tuple[str, SessionFactory, Seeded]], playbook: Playbook, repeats: int,
    now: datetime = NOW,
) -> list[Measured]:  # fmt: skip
    """The selection and the whole sweep on each (label, database, what it holds), `repeats`
    times each, the tables in turn (and in the other order every other time), so that what else
    runs on the machine falls on all of them alike."""
    measured = [Measured(label, seeded) for label, _, seeded in tables]
    turns = list(zip(tables, measured, strict=True))
    for n in range(repeats):
        for (_, factory, _), m in turns if n % 2 == 0 else reversed(turns):
            seconds, m.selected = select_once(factory, now)
            m.selection.append(seconds)
    for n in range(repeats):
        for (_, factory, seeded), m in turns if n % 2 == 0 else reversed(turns):
            seconds, swept = sweep_once(factory, seeded, playbook, now)
            m.sweep.append(seconds)
            m.swept.append(swept)
    return measured


@contextmanager
def _database(label: str, postgres_url: str, name: str) -> Iterator[str]:
    if label == "SQLite":
        with tempfile.TemporaryDirectory(prefix="leadbot-bench-") as tmp:
            yield f"sqlite:///{tmp}/{name}.db"
    else:
        with postgres_database(postgres_url, suffix=f"_{name}") as url:
            yield url


def bench_database(
    label: str, playbook: Playbook, args: argparse.Namespace
) -> tuple[Measured, Measured]:
    """Two fresh databases, --small and --leads leads (the same --due due in both), measured."""
    with ExitStack() as stack:
        tables = []
        for count, name in ((args.small, "small"), (args.leads, "large")):
            url = stack.enter_context(_database(label, args.postgres_url, name))
            upgrade(url)
            engine = make_engine(url)
            stack.callback(engine.dispose)  # before the database goes
            factory = session_factory(engine)
            print(f"{label}: seeding {count:,} leads…", file=sys.stderr, flush=True)
            seeded = seed(factory, count=count, due=args.due, playbook=playbook)
            analyze(engine)
            print(f"{label}: seeded in {seeded.seconds:.1f} s", file=sys.stderr, flush=True)
            tables.append((f"{count:,} leads", factory, seeded))
        print(f"{label}: measuring…", file=sys.stderr, flush=True)
        small, large = measure(tables, playbook, args.repeats)
    return small, large


# -- the report ------------------------------------------------------------------------------------


def _ms(values: list[float]) -> str:
    """Median (min–max), in ms."""
    low, mid, high = (x * 1000 for x in (min(values), statistics.median(values), max(values)))
    return f"{mid:.1f} ({low:.1f}–{high:.1f})"


def report(label: str, small: Measured, large: Measured) -> tuple[str, bool]:
    """One database's table, and whether both targets were met."""
    selection = statistics.median(large.selection)
    ratio = statistics.median(large.sweep) / statistics.median(small.sweep)
    selection_ratio = selection / statistics.median(small.selection)
    ratio_ok, selection_ok = ratio <= TARGET_RATIO, selection < TARGET_SELECTION_S
    due = len(large.seeded.due_ids)
    rows = [
        ["", small.label, large.label, "large ÷ small", "target"],
        ["seeding, s", f"{small.seeded.seconds:.1f}", f"{large.seeded.seconds:.1f}", "", ""],
        [f"selection: due_leads(limit {BATCH}), ms", _ms(small.selection), _ms(large.selection),
         f"{selection_ratio:.2f}×",
         f"< {TARGET_SELECTION_S * 1000:.0f} ms: {'met' if selection_ok else 'MISSED'}"],
        [f"whole sweep: run_sla, {due:,} due, ms", _ms(small.sweep), _ms(large.sweep),
         f"{ratio:.2f}×", f"≤ {TARGET_RATIO:g}×: {'met' if ratio_ok else 'MISSED'}"],
        ["  per due lead, ms", f"{statistics.median(small.sweep) / due * 1000:.2f}",
         f"{statistics.median(large.sweep) / due * 1000:.2f}", "", ""],
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"## {label}", ""]
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("Medians (min–max) of the repeats.")
    for m in (small, large):
        s = m.seeded
        kinds = ", ".join(f"{stage}/{step} {n}" for (stage, step), n in sorted(s.due_kinds.items()))
        swept = Counter(m.swept)
        counted = "; ".join(
            f"{n}× escalated {w.escalated}, changed {w.changed}, still due {w.still_due}, "
            f"events {w.events}, outbox rows {w.outbox}"
            for w, n in swept.items()
        )
        lines.append(
            f"{m.label}: due {len(s.due_ids):,} ({kinds}); not due with a due_at {s.later:,}, "
            f"without {s.count - len(s.due_ids) - s.later:,}; sweeps: {counted}."
        )
    problems = small.problems() + large.problems()
    if problems:
        lines.append(f"Problems ({len(problems)}):")
        lines += [f"  {p}" for p in problems[:10]]
    return "\n".join(lines) + "\n", ratio_ok and selection_ok and not problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads in the large table")
    parser.add_argument("--small", type=int, default=10_000, help="leads in the small table")
    parser.add_argument("--due", type=int, default=1_000, help="leads due, in both tables")
    parser.add_argument("--repeats", type=int, default=7, help="measurements of each kind")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LEADBOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="server for a throw-away database (default %(default)s; 'none' skips PostgreSQL)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    args = parser.parse_args(argv)
    if not 0 < args.due <= args.small <= args.leads or args.repeats < 1:
        parser.error("need 0 < --due ≤ --small ≤ --leads and --repeats ≥ 1")
    playbook = load_playbook(REPO / "playbook.example.yml")
    print(
        f"leadbot SLA sweep benchmark · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {revision()} · "
        f"{platform.system()} {os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"options {json.dumps(vars(args))}\n",
        flush=True,
    )
    labels = [] if args.no_sqlite else ["SQLite"]
    if args.postgres_url.lower() != "none":
        labels.append("PostgreSQL")
    all_met = True
    for label in labels:
        try:
            small, large = bench_database(label, playbook, args)
        except Skipped as skipped:
            print(f"## {label}\n\nskipped: {skipped}\n", flush=True)
            continue
        table, met = report(label, small, large)
        print(table, flush=True)
        all_met &= met
    print(
        f"Load average at the end {' / '.join(f'{x:.2f}' for x in os.getloadavg())}. "
        + ("Every target met." if all_met else "Some target was missed (see above).")
    )


if __name__ == "__main__":
    main()
