"""A realistic lead table for the pursuit benchmark, written in bulk (bench/pursuit.py).

`seed_leads` stores N leads as a team that has used leadbot for a year and a half would have
them: most in nurture or closed, a few percent in the pipeline, spread over the example
playbook's teams (routed by their company, as intake routes them) and owned by the teams' reps;
each with the history its stage implies (captured, sales-ready and routed, claimed, contact
attempts, the moves since) and, once it reached sales, its sent card in the outbox. The first
`targets` leads are fresh `working` leads of the measured rep: each qualify the benchmark makes
needs one.

Rows go in in bulk on store/'s own tables (statements compiled from SQLAlchemy Core, no SQL text;
sqlite3's executemany on SQLite, COPY on PostgreSQL): 100,000 leads through `POST /api/leads`
would take minutes, this takes seconds.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import JSON, Table, insert, select
from sqlmodel import Session

from bench.leads import COMPANIES, EVENTS, FIRST_NAMES, LAST_NAMES, OTHER_TITLES, SENIOR_TITLES
from bot.core.events import EventKind
from bot.core.stages import Stage
from bot.playbook.countries import country_code
from bot.playbook.model import Playbook
from bot.rules.routing import RoutingFacts, route_lead
from bot.rules.scoring import FitAnswers, Score, fit_score
from store.db import SessionFactory, session_scope
from store.leads import EVENT, LEAD, new_lead
from store.outbox import OUTBOX, OutboxKind, OutboxStatus

#: Where the leads of a long-running team are (of those not kept as targets).
STAGE_SHARES: dict[Stage, float] = {
    Stage.NEW: 0.01,
    Stage.NURTURE: 0.44,  # a fifth of them recycled by sales (team, owner of record, reason)
    Stage.SALES_READY: 0.01,
    Stage.WORKING: 0.05,
    Stage.OPPORTUNITY: 0.04,
    Stage.ON_HOLD: 0.01,
    Stage.WON: 0.06,
    Stage.LOST: 0.08,
    Stage.DISQUALIFIED: 0.30,
}
RECYCLED_SHARE = 0.2
OPEN = frozenset({Stage.WORKING, Stage.OPPORTUNITY, Stage.ON_HOLD})
#: The stages a lead passed through after capture to reach its stage (recycled: see _path).
PATHS: dict[Stage, tuple[Stage, ...]] = {
    Stage.NEW: (),
    Stage.NURTURE: (Stage.NURTURE,),
    Stage.SALES_READY: (Stage.SALES_READY,),
    Stage.WORKING: (Stage.SALES_READY, Stage.WORKING),
    Stage.OPPORTUNITY: (Stage.SALES_READY, Stage.WORKING, Stage.OPPORTUNITY),
    Stage.ON_HOLD: (Stage.SALES_READY, Stage.WORKING, Stage.OPPORTUNITY, Stage.ON_HOLD),
    Stage.WON: (Stage.SALES_READY, Stage.WORKING, Stage.OPPORTUNITY, Stage.WON),
    Stage.LOST: (Stage.SALES_READY, Stage.WORKING, Stage.OPPORTUNITY, Stage.LOST),
    Stage.DISQUALIFIED: (Stage.SALES_READY, Stage.WORKING, Stage.DISQUALIFIED),
}
REASONS = {
    Stage.DISQUALIFIED: ("no budget", "no need", "competitor", "student or job seeker"),
    Stage.LOST: ("price", "chose competitor", "no decision"),
    Stage.NURTURE: ("not now", "timing", "no response"),
}
SOURCES = ("web_form", "web_form", "web_form", "event", "referral", "list", "phone")
ANSWERS = {
    "budget": ("approved", "planned", "none", ""),
    "authority": ("decision_maker", "influencer", "user", ""),
    "timeframe": ("this_quarter", "this_half", "this_year", "later", ""),
}
CHUNK = 5000  # leads per transaction: SQLite's writer lock is never held for long
HISTORY_DAYS = 540


@dataclass(frozen=True)
class Seeded:
    """What was stored."""

    lead_ids: list[int]  # every lead, in insertion order
    target_ids: list[int]  # fresh working leads of the measured rep (the first ones)
    stages: Counter[str]
    owners: Counter[str | None]
    open_owned: Counter[str]  # owner -> their leads in working, opportunity or on_hold
    events: int
    outbox_rows: int
    seconds: float


@dataclass(frozen=True)
class _Company:
    name: str
    domain: str
    size: int
    country: str
    team: str


def _companies(playbook: Playbook) -> tuple[_Company, ...]:
    companies = []
    for name, domain, size, country in COMPANIES:
        code = country_code(country)
        route = route_lead(
            RoutingFacts(country=code, company_size=size, source="web_form"), playbook
        )
        companies.append(_Company(name, domain, size, code or "", route.team))
    return tuple(companies)


class LeadRows:
    """Builds the rows of one lead at a time: the lead, its history, its outbox rows (also used by
    bench/sla_sweep.py)."""

    def __init__(self, playbook: Playbook, now: datetime, rng: random.Random) -> None:
        self.playbook, self.now, self.rng = playbook, now, rng
        self.companies = _companies(playbook)
        self.by_team: dict[str, list[_Company]] = {}
        for company in self.companies:
            self.by_team.setdefault(company.team, []).append(company)
        template = new_lead(email="", email_key="", stage=Stage.NEW, created_at=now,
                            updated_at=now, stage_entered_at=now)  # fmt: skip
        self.template = {c.name: getattr(template, c.name) for c in LEAD.columns if c.name != "id"}
        self.scores: dict[tuple[Any, ...], Score] = {}

    def _score(self, answers: FitAnswers) -> Score:
        key = (answers.budget, answers.authority, answers.timeframe, answers.compelling_event,
               answers.company_size)  # fmt: skip
        if key not in self.scores:
            fit, reasons = fit_score(answers, self.playbook.scoring)
            self.scores[key] = Score(total=fit, fit=fit, engagement=0.0, reasons=tuple(reasons))
        return self.scores[key]

    def _times(self, start: datetime, count: int, end: datetime | None = None) -> list[datetime]:
        """`count` moments between `start` and `end` (a minute before now), in order."""
        span = ((end or self.now - timedelta(minutes=1)) - start).total_seconds()
        offsets = sorted(self.rng.uniform(0, span) for _ in range(count))
        return [start + timedelta(seconds=offset) for offset in offsets]

    def lead(
        self, serial: int, stage: Stage, *, team: str | None = None, owner: str | None = None,
        recent: bool = False,
    ) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:  # fmt: skip
        """(lead row, its events without lead_id, whether its card was posted)."""
        rng = self.rng
        recycled = stage is Stage.NURTURE and rng.random() < RECYCLED_SHARE
        path = (Stage.SALES_READY, Stage.WORKING, Stage.NURTURE) if recycled else PATHS[stage]
        in_sales = Stage.SALES_READY in path
        company = rng.choice(self.by_team[team] if team else self.companies)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{_ascii(first)}.{_ascii(last)}.{serial}@{company.domain}"
        hot = in_sales
        answers = FitAnswers(
            budget="approved" if hot else rng.choice(ANSWERS["budget"][1:]),
            authority="decision_maker" if hot else rng.choice(ANSWERS["authority"][1:]),
            timeframe="this_quarter" if hot else rng.choice(ANSWERS["timeframe"][1:]),
            compelling_event="yes" if hot and rng.random() < 0.5 else "",
            company_size=company.size,
        )
        score = self._score(answers)
        age = timedelta(days=rng.uniform(1, 20) if recent else rng.uniform(1, HISTORY_DAYS))
        created = self.now - age
        times = self._times(created, len(path))
        at = dict(zip(path, times, strict=True))
        lead_team = company.team if in_sales else None
        owner_id = None
        if Stage.WORKING in path:
            owner_id = owner or rng.choice(self.playbook.team(company.team).reps)
        row = self.template | {
            "email": email, "email_key": email, "name": f"{first} {last}",
            "company": company.name, "title": rng.choice(SENIOR_TITLES if hot else OTHER_TITLES),
            "country": company.country, "domain": company.domain,
            "source": rng.choice(SOURCES), "company_size": company.size,
            "budget": answers.budget, "authority": answers.authority,
            "timeframe": answers.timeframe,
            "compelling_event": rng.choice(EVENTS) if answers.compelling_event else "",
            "custom": {"product": "analytics"} if rng.random() < 0.3 else {},
            "stage": stage, "team": lead_team, "owner_id": owner_id,
            "score": score.total, "fit_score": score.fit, "score_reasons": score.as_dict(),
            "created_at": created, "updated_at": times[-1] if path else created,
            "stage_entered_at": at.get(stage, created),
            "sales_ready_at": at.get(Stage.SALES_READY), "claimed_at": at.get(Stage.WORKING),
            "qualified_at": at.get(Stage.OPPORTUNITY),
            "closed_at": at.get(stage) if stage in (Stage.WON, Stage.LOST, Stage.DISQUALIFIED)
            else None,
            "card_channel": self.playbook.team(company.team).channel if in_sales else None,
            "card_ts": f"{1_600_000_000 + serial}.000100" if in_sales else None,
            "reason": rng.choice(REASONS[stage]) if stage in REASONS and in_sales else "",
        }  # fmt: skip
        if recycled:
            row["revisit_at"] = self.now + timedelta(days=rng.uniform(1, 90))
        if stage is Stage.ON_HOLD:
            row["snoozed_until"] = self.now + timedelta(days=rng.uniform(1, 30))
        if stage is Stage.WON:
            row["amount"], row["currency"] = float(rng.randrange(5_000, 90_000, 500)), "EUR"
        events = [_event(created, EventKind.CAPTURED, "api", data={"source": row["source"]})]
        previous = Stage.NEW
        for step in path:
            actor = owner_id if step not in (Stage.SALES_READY, Stage.NURTURE) else "leadbot"
            if step is Stage.NURTURE and recycled:
                actor = owner_id
            reason = row["reason"] if step is stage else ""
            events.append(_event(at[step], EventKind.STAGE_CHANGED, actor or "leadbot",
                                 from_stage=previous, to_stage=step, reason=reason))  # fmt: skip
            if step is Stage.SALES_READY:
                events.append(_event(at[step], EventKind.ROUTED, "leadbot",
                                     data={"team": company.team}))  # fmt: skip
            if step is Stage.WORKING:
                events.append(_event(at[step], EventKind.CLAIMED, owner_id or "",
                                     data={"speed_to_lead_seconds": 600.0}))  # fmt: skip
                attempts = rng.randint(0, 3)
                row["attempts"] = attempts
                # Before the next move, if it was moved on.
                after = path.index(Stage.WORKING) + 1
                until = at[path[after]] if after < len(path) else None
                for n, when in enumerate(self._times(at[step], attempts, until), start=1):
                    events.append(_event(when, EventKind.ATTEMPT, owner_id or "",
                                         data={"channel": "call", "outcome": "no answer",
                                               "number": n}))  # fmt: skip
            previous = step
        return row, events, in_sales

    def card_post(self, lead_id: int, row: dict[str, Any]) -> dict[str, Any]:
        """The outbox row that posted the lead's card (sent long ago)."""
        at = row["sales_ready_at"]
        return {
            "kind": OutboxKind.POST_CARD, "lead_id": lead_id, "channel": row["card_channel"],
            "payload": {"text": f"Sales-ready lead #{lead_id}: {row['name']}"},
            "status": OutboxStatus.SENT, "attempts": 1, "created_at": at,
            "next_attempt_at": at, "locked_until": None, "sent_at": at,
            "result_ts": row["card_ts"], "last_error": "",
        }  # fmt: skip


def _event(
    at: datetime, kind: EventKind, actor: str, *, from_stage: str | None = None,
    to_stage: str | None = None, reason: str = "", data: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {"at": at, "kind": kind, "actor": actor, "from_stage": from_stage,
            "to_stage": to_stage, "reason": reason, "data": data or {}}  # fmt: skip


def _ascii(text: str) -> str:
    return text.encode("ascii", "ignore").decode().lower().replace("'", "")


def _plan(count: int, targets: int, rng: random.Random) -> Iterator[Stage | None]:
    """None for each target, then a stage for every other lead in STAGE_SHARES' proportions."""
    yield from [None] * targets
    stages, weights = list(STAGE_SHARES), list(STAGE_SHARES.values())
    yield from rng.choices(stages, weights, k=count - targets)


def seed_leads(
    factory: SessionFactory, *, count: int, targets: int, rep: str, team: str,
    playbook: Playbook, now: datetime, seed: int = 7,
) -> Seeded:  # fmt: skip
    """Store `count` leads (the first `targets` of them working leads of `rep` in `team`)."""
    if targets > count:
        raise ValueError(f"{targets} targets do not fit in {count} leads")
    started = time.monotonic()
    rng = random.Random(seed)
    rows = LeadRows(playbook, now, rng)
    plan = list(_plan(count, targets, rng))
    lead_ids: list[int] = []
    stages: Counter[str] = Counter()
    owners: Counter[str | None] = Counter()
    open_owned: Counter[str] = Counter()
    events = outbox = 0
    for start in range(0, count, CHUNK):
        built = [
            rows.lead(serial, Stage.WORKING, team=team, owner=rep, recent=True)
            if stage is None
            else rows.lead(serial, stage)
            for serial, stage in enumerate(plan[start : start + CHUNK], start=start)
        ]
        with session_scope(factory) as session:
            ids = insert_leads(session, [row for row, _, _ in built])
            history = [event | {"lead_id": lead_id}
                       for lead_id, (_, lead_events, _) in zip(ids, built, strict=True)
                       for event in lead_events]  # fmt: skip
            cards = [rows.card_post(lead_id, row)
                     for lead_id, (row, _, carded) in zip(ids, built, strict=True)
                     if carded]  # fmt: skip
            insert_rows(session, EVENT, history)
            insert_rows(session, OUTBOX, cards)
        lead_ids += ids
        events += len(history)
        outbox += len(cards)
        stages.update(row["stage"] for row, _, _ in built)
        owners.update(row["owner_id"] for row, _, _ in built)
        open_owned.update(row["owner_id"] for row, _, _ in built if row["stage"] in OPEN)
    return Seeded(
        lead_ids=lead_ids,
        target_ids=lead_ids[:targets],
        stages=stages,
        owners=owners,
        open_owned=open_owned,
        events=events,
        outbox_rows=outbox,
        seconds=time.monotonic() - started,
    )


def insert_leads(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the leads; their ids, in the order of `rows`."""
    if session.get_bind().dialect.name != "postgresql":
        inserted = session.execute(
            insert(LEAD).returning(LEAD.c.id, sort_by_parameter_order=True), rows
        )
        return list(inserted.scalars())
    _copy(session, LEAD, rows)
    keys = [row["email_key"] for row in rows]
    found = session.execute(
        select(LEAD.c.email_key, LEAD.c.id).where(LEAD.c.email_key.in_(keys))
    ).all()
    ids = {key: lead_id for key, lead_id in found}
    return [ids[key] for key in keys]


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert the rows (COPY on PostgreSQL, executemany on SQLite); no ids are read back."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, table, rows)
    else:
        _sqlite_many(session, table, rows)


def _sqlite_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """sqlite3's executemany with each column's own bind processing (the value SQLAlchemy would
    store): SQLAlchemy's executemany costs ~100 µs of CPU a lead row, this a fraction of it."""
    dialect = session.get_bind().dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(rows[0]))
    order = list(compiled.positiontup or ())
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in order]  # fmt: skip
    processed = [(i, process) for i, process in enumerate(processors) if process is not None]
    # Rows copied from one lead share their values (bench/sla_sweep.py): each value is
    # processed once. `is` guards against an id reused by another object.
    done: dict[tuple[int, int], tuple[Any, Any]] = {}
    values = []
    pick = itemgetter(*order)
    for row in rows:
        line = list(pick(row))
        for i, process in processed:
            value = line[i]
            if value is None:
                continue
            seen = done.get((i, id(value)))
            if seen is None or seen[0] is not value:
                seen = done[(i, id(value))] = (value, process(value))
            line[i] = seen[1]
        values.append(line)
    driver = session.connection().connection.dbapi_connection
    assert driver is not None
    driver.executemany(str(compiled), values)


def _copy(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY, through psycopg: executemany there costs ~60 µs of client CPU a row
    (insertmanyvalues more), which makes 100,000 leads and their history a minute and a half."""
    import psycopg
    from psycopg import sql

    columns = list(rows[0])
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    dumped: dict[int, tuple[Any, str]] = {}  # id(value) -> (value, its JSON), as in _sqlite_many

    def as_json(value: Any) -> str:
        seen = dumped.get(id(value))
        if seen is None or seen[0] is not value:
            seen = dumped[id(value)] = (value, json.dumps(value))
        return seen[1]

    driver = cast("psycopg.Connection[Any]", session.connection().connection.dbapi_connection)
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([as_json(row[c]) if c in json_columns else _plain(row[c])
                            for c in columns])  # fmt: skip


def _plain(value: Any) -> Any:
    """StrEnum members as the strings they are (psycopg dumps by exact type)."""
    return str(value) if isinstance(value, StrEnum) else value
