"""A year of lead history for the digest benchmark, written in bulk (bench/digest.py).

`seed_history` stores N leads captured evenly over the `weeks` before `now`, each with the
events of its path through the funnel as leadbot's code writes them (bot/intake, bot/pursuit):
captured; into nurture with marketing's touches, or straight to sales-ready; sales-ready, routed
to a team, re-announced in its channel now and then; claimed (the wait, whether within the
2-hour SLA) with contact attempts, some connecting, the owner reminded and the manager told now
and then; then qualified, disqualified or recycled, and a deal won, lost or put on hold. A path
stops at `now`: what had not happened by then has not happened, and the lead stays in the
stage it reached. Engagement events (which the report does not read, as a real history has
plenty) make up the rest of the `events` asked for.

Rows go in through the driver, without SQLAlchemy's per-row work: executemany on SQLite, COPY
on PostgreSQL, with the secondary indexes dropped first and built again once at the end (as a
bulk load is done), then ANALYZE. Lead ids are given, so events need no round trip.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Index, Table, text

from bench.leads import COMPANIES, FIRST_NAMES, LAST_NAMES
from bot.core.events import EventKind
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from store.leads import EVENT, LEAD, new_lead

WEEK = 7 * 24 * 3600.0
HOUR, MINUTE, DAY = 3600.0, 60.0, 86400.0
SOURCES = ("web_form", "web_form", "web_form", "event", "referral", "list", "phone")
TEAM_SHARES = {"emea": 0.45, "amer": 0.40, "enterprise": 0.15}
SLA_SECONDS = 2 * HOUR  # the example playbook's sales_ready max (taken as wall time here)
CHUNK = 20_000  # leads per batch
EVENT_COLUMNS: tuple[str, ...] = (
    "lead_id",
    "at",
    "kind",
    "actor",
    "from_stage",
    "to_stage",
    "reason",
    "data",
)

Event = tuple[float, str, str, str | None, str | None, str, dict[str, Any]]


@dataclass(frozen=True)
class Seeded:
    """What was stored."""

    leads: int
    events: int
    kinds: Counter[str]
    stages: Counter[str]
    seconds: float


class _Path:
    """One lead's life, built step by step; steps after `now` do not happen."""

    def __init__(self, rng: random.Random, now: float, created: float) -> None:
        self.rng, self.now, self.t = rng, now, created
        self.events: list[Event] = []
        self.stage = Stage.NEW
        self.entered = created
        self.fields: dict[str, Any] = {}

    def later(self, seconds: float) -> bool:
        """Move the clock on; False (and the path ends) when that is past `now`."""
        if self.t + seconds >= self.now:
            return False
        self.t += seconds
        return True

    def event(self, kind: str, actor: str = "leadbot", frm: str | None = None,
              to: str | None = None, reason: str = "",
              data: dict[str, Any] | None = None) -> None:  # fmt: skip
        # Plain text, not enum members: the drivers take them as they are.
        self.events.append((self.t, str(kind), actor, frm and str(frm), to and str(to), reason,
                            data or {}))  # fmt: skip

    def move(self, to: Stage, actor: str = "leadbot", reason: str = "",
             data: dict[str, Any] | None = None) -> None:  # fmt: skip
        self.event(EventKind.STAGE_CHANGED, actor, self.stage, to, reason, data)
        self.stage, self.entered = to, self.t


class _Histories:
    """Lead paths for the example playbook's teams, reps and reasons."""

    def __init__(self, playbook: Playbook, rng: random.Random) -> None:
        self.rng = rng
        self.teams = [t for t in TEAM_SHARES if t in playbook.teams]
        self.weights = [TEAM_SHARES[t] for t in self.teams]
        self.playbook = playbook
        self.reasons = playbook.reasons

    def lead(self, lead_id: int, created: float, now: float) -> tuple[dict[str, Any], list[Event]]:
        rng = self.rng
        p = _Path(rng, now, created)
        source = rng.choice(SOURCES)
        p.event(EventKind.CAPTURED, "api", data={"source": source})
        touches = 0
        if rng.random() < 0.12:
            p.move(Stage.SALES_READY, "api", "score reached the threshold")
        else:
            p.move(Stage.NURTURE, "api", "score is below the threshold")
            touches = self._nurture(p)
        fields: dict[str, Any] = {"nurture_touches": touches}
        if p.stage is Stage.SALES_READY:
            self._sales(p, fields)
        fields["source"] = source
        return fields | {"stage": p.stage, "stage_entered_at": p.entered}, p.events

    def _nurture(self, p: _Path) -> int:
        """Marketing's touches; some of the leads become sales-ready after them."""
        rng, touches = self.rng, 0
        for _ in range(rng.choice((0, 0, 0, 0, 0, 1, 1, 1, 2, 3, 5))):
            if not p.later(rng.uniform(1, 10) * DAY):
                return touches
            touches += 1
            p.event(EventKind.NURTURE_TOUCH, "U0MKTG0001", data={"number": touches})
        if rng.random() < 0.12 + 0.04 * touches and p.later(rng.uniform(1, 5) * DAY):
            p.move(Stage.SALES_READY, "api", "score reached the threshold")
        return touches

    def _sales(self, p: _Path, fields: dict[str, Any]) -> None:
        rng = self.rng
        team_key = rng.choices(self.teams, self.weights)[0]
        team = self.playbook.team(team_key)
        fields |= {"team": team_key, "sales_ready_at": p.t, "card_channel": team.channel}
        p.event(EventKind.ROUTED, data={"team": team_key, "channel": team.channel})
        wait = rng.lognormvariate(7.3, 1.2)  # median ~25 minutes, a long tail of hours
        if wait > SLA_SECONDS and p.t + SLA_SECONDS < p.now:
            p.event(EventKind.NUDGED, data={"to": "channel", "recipient": team.channel,
                                            "step": 1, "owner": None})  # fmt: skip
        if rng.random() < 0.05:  # disqualified on sight
            if p.later(wait):
                p.move(Stage.DISQUALIFIED, team.manager, rng.choice(self.reasons.disqualify))
            return
        if not p.later(wait):
            return
        rep = rng.choice(team.reps)
        fields |= {"owner_id": rep, "claimed_at": p.t}
        p.move(Stage.WORKING, rep, "claimed")
        p.event(EventKind.CLAIMED, rep, data={"speed_to_lead_seconds": round(wait, 3),
                                              "within_sla": wait <= SLA_SECONDS})  # fmt: skip
        connected = self._attempts(p, rep, team.manager, fields)
        if connected and rng.random() < 0.55:
            if p.later(rng.uniform(1, 7) * DAY):
                fields["qualified_at"] = p.t
                p.move(Stage.OPPORTUNITY, rep, data={"move": "qualify"})
                self._deal(p, rep, fields)
        elif p.later(rng.uniform(1, 10) * DAY):
            if connected or rng.random() < 0.5:
                reason = rng.choice(self.reasons.disqualify)
                p.move(Stage.DISQUALIFIED, rep, reason, data={"move": "disqualify"})
            else:
                reason = rng.choice(self.reasons.recycle)
                p.move(Stage.NURTURE, rep, reason, data={"move": "recycle"})

    def _attempts(self, p: _Path, rep: str, manager: str, fields: dict[str, Any]) -> bool:
        rng = self.rng
        if rng.random() < 0.15 and p.later(rng.uniform(2, 4) * DAY):
            p.event(EventKind.NUDGED, data={"to": "owner", "recipient": rep, "step": 1,
                                            "owner": rep})  # fmt: skip
            if rng.random() < 0.4 and p.later(4 * HOUR):
                p.event(EventKind.ESCALATED, data={"to": "manager", "recipient": manager,
                                                   "step": 3, "owner": rep})  # fmt: skip
        for n in range(1, rng.randint(1, 7)):
            if not p.later(rng.uniform(2, 48) * HOUR):
                return False
            outcome = "connected" if rng.random() < 0.3 else "no answer"
            fields["attempts"] = n
            p.event(EventKind.ATTEMPT, rep, data={"channel": "call", "outcome": outcome,
                                                  "number": n})  # fmt: skip
            if outcome == "connected":
                return True
        return False

    def _deal(self, p: _Path, rep: str, fields: dict[str, Any]) -> None:
        rng = self.rng
        if not p.later(rng.uniform(5, 60) * DAY):
            return
        roll = rng.random()
        if roll < 0.4:
            p.move(Stage.WON, rep, data={"move": "won", "amount": 25000.0, "currency": "EUR"})
        elif roll < 0.85:
            p.move(Stage.LOST, rep, rng.choice(self.reasons.lost), data={"move": "lost"})
        else:
            p.move(Stage.ON_HOLD, rep, data={"move": "hold"})
        if p.stage is not Stage.ON_HOLD:
            fields["closed_at"] = p.t


def seed_history(
    engine: Engine, *, leads: int, events: int, playbook: Playbook, now: datetime,
    weeks: int = 52, seed: int = 7,
) -> Seeded:  # fmt: skip
    """Store `leads` leads captured over `weeks` weeks before `now`, and `events` events (more
    when their paths need more: then no engagement events are added).

    Rows go in as a live database gets them: lead ids in the order of capture, events in the
    order they happened (a week's events lie together in the table, as in production). Leads
    are made in order of capture, so once a lead captured at T is made no event before T is
    still to come: events wait in per-day buckets until their day is complete."""
    started = time.monotonic()
    rng = random.Random(seed)
    histories = _Histories(playbook, rng)
    end = now.timestamp()
    first = end - weeks * WEEK
    step = (end - first) / max(leads, 1)
    kinds: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    waiting: dict[int, list[tuple[Any, ...]]] = defaultdict(list)  # day -> (at, lead_id, …)
    planned = 0
    with _Writer(engine) as writer:
        for start in range(0, leads, CHUNK):
            lead_rows = []
            for lead_id in range(start + 1, min(start + CHUNK, leads) + 1):
                created = first + (lead_id - 1 + rng.random()) * step
                fields, path = histories.lead(lead_id, created, end)
                lead_rows.append(writer.lead_row(_lead_fields(lead_id, created, fields, path, rng)))
                stages[fields["stage"]] += 1
                # Engagement events keep the count on course for `events` at the last lead.
                left = events - planned - len(path)
                behind = events * lead_id / leads - planned - len(path)
                extra = _engaged(rng, created, end, behind)
                for event in (*path, *extra[: max(left, 0)]):
                    waiting[int(event[0] // DAY)].append((event[0], lead_id, *event[1:]))
                    kinds[event[1]] += 1
                planned += len(path) + min(len(extra), max(left, 0))
            writer.write("lead", writer.lead_columns, lead_rows)
            _flush(writer, waiting, before_day=int(created // DAY))
        _flush(writer, waiting, before_day=None)
        if planned < events:  # a few, after the rest: the report reads none of them
            extra = [(rng.uniform(first, end), rng.randint(1, leads), *_ENGAGED)
                     for _ in range(events - planned)]  # fmt: skip
            writer.write("lead_event", EVENT_COLUMNS, [_event_row(writer, e) for e in extra])
            kinds["engaged"] += len(extra)
            planned = events
    return Seeded(leads=leads, events=planned, kinds=kinds, stages=stages,
                  seconds=time.monotonic() - started)  # fmt: skip


_ENGAGED = ("engaged", "api", None, None, "", {"type": "page_view", "points": 1.0})


def _engaged(rng: random.Random, created: float, end: float, mean: float) -> list[Event]:
    """About `mean` page views in the lead's first two months (none past `end`)."""
    count = int(mean) + (rng.random() < mean - int(mean)) if mean > 0 else 0
    times = (created + rng.uniform(0, 60) * DAY for _ in range(count))
    return [(t, *_ENGAGED) for t in times if t < end]  # type: ignore[misc]


def _flush(
    writer: _Writer, waiting: dict[int, list[tuple[Any, ...]]], before_day: int | None
) -> None:
    """Store the waiting events of the days before `before_day` (all: None), in time order
    (a stable sort: a lead's events of one moment keep their order)."""
    days = sorted(d for d in waiting if before_day is None or d < before_day)
    rows = []
    for day in days:
        rows += sorted(waiting.pop(day), key=lambda e: e[0])
    if rows:
        writer.write("lead_event", EVENT_COLUMNS, [_event_row(writer, e) for e in rows])


def _event_row(writer: _Writer, event: tuple[Any, ...]) -> tuple[Any, ...]:
    at, lead_id, kind, actor, frm, to, reason, data = event
    return (lead_id, writer.time(at), kind, actor, frm, to, reason, _json(data))


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data) if data else "{}"


def _lead_fields(
    lead_id: int, created: float, fields: dict[str, Any], path: list[Event], rng: random.Random
) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    company, domain = rng.choice(COMPANIES)[:2]
    email = f"lead{lead_id}@{domain}"
    row = {
        "id": lead_id, "email": email, "email_key": email, "name": f"{first} {last}",
        "company": company, "domain": domain, "score": 40.0, "created_at": created,
        "updated_at": path[-1][0],
    } | fields  # fmt: skip
    if row.get("card_channel"):
        row["card_ts"] = f"{1_700_000_000 + lead_id}.000100"
    return row


class _Writer:
    """Bulk rows through the driver: executemany (SQLite) or COPY (PostgreSQL). Rows come as
    the driver takes them: times as text (`time`), JSON as text, None for NULL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        # timestamptz text needs its offset; SQLAlchemy keeps SQLite's as naive UTC text.
        self.suffix = "+00" if self.postgres else ""
        moment = datetime.now(UTC)
        template = new_lead(email="", email_key="", stage=Stage.NEW, created_at=moment,
                            updated_at=moment, stage_entered_at=moment)  # fmt: skip
        self.lead_columns = tuple(c.name for c in LEAD.columns)
        self.kinds = {c.name: _kind(c.type) for c in LEAD.columns}
        self.position = {name: i for i, name in enumerate(self.lead_columns)}
        self.days: dict[int, str] = {}
        self.defaults = [
            self._value(getattr(template, c), self.kinds[c]) for c in self.lead_columns
        ]
        self.dropped: list[Index] = []

    def time(self, seconds: float) -> str:
        """UTC text to the microsecond, as SQLAlchemy writes it ("2026-11-16 09:00:00.000000");
        days are formatted once (millions of times go through here)."""
        micros = round(seconds * 1_000_000)
        day, micro = divmod(micros, 86_400_000_000)
        date_text = self.days.get(day)
        if date_text is None:
            date_text = self.days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime(
                "%Y-%m-%d"
            )
        second, micro = divmod(micro, 1_000_000)
        hour, second = divmod(second, 3600)
        minute, second = divmod(second, 60)
        return f"{date_text} {hour:02d}:{minute:02d}:{second:02d}.{micro:06d}{self.suffix}"

    def _value(self, value: Any, kind: str) -> Any:
        if value is None:
            return None
        if kind == "time":
            return self.time(value if isinstance(value, float) else value.timestamp())
        if kind == "json":
            return json.dumps(value)
        if kind == "bool":
            return int(value)
        return str(value) if isinstance(value, str) else value  # StrEnum members as text

    def lead_row(self, fields: dict[str, Any]) -> list[Any]:
        row = list(self.defaults)
        for column, value in fields.items():
            row[self.position[column]] = self._value(value, self.kinds[column])
        return row

    def __enter__(self) -> _Writer:
        self.connection = self.engine.raw_connection()
        if not self.postgres:  # a throw-away database: no need to survive a power cut
            self._run("PRAGMA synchronous=OFF")
            self._run("PRAGMA cache_size=-262144")  # 256 MB
        for table in (LEAD, EVENT):
            for index in _secondary(table):
                self._run(f"DROP INDEX {index.name}")
                self.dropped.append(index)
        self.connection.commit()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self._finish()
        finally:
            self.connection.close()

    def _finish(self) -> None:
        """Build the indexes again, then gather the planner's statistics."""
        with self.engine.begin() as conn:
            for index in self.dropped:
                index.create(conn)
            if self.postgres:
                conn.execute(text("SELECT setval('lead_id_seq', (SELECT max(id) FROM lead))"))
        if self.postgres:  # VACUUM too: its visibility map lets index-only scans skip the heap
            autocommit = {"isolation_level": "AUTOCOMMIT"}
            with self.engine.connect().execution_options(**autocommit) as conn:
                conn.execute(text("VACUUM ANALYZE lead, lead_event"))
        else:
            with self.engine.begin() as conn:
                conn.execute(text("ANALYZE lead"))
                conn.execute(text("ANALYZE lead_event"))

    def _run(self, statement: str) -> None:
        cursor = self.connection.cursor()
        cursor.execute(statement)
        cursor.close()

    def write(self, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
        """Store rows of driver values; generated text holds no tab, newline or backslash, so
        COPY's text format needs no escaping."""
        names = ", ".join(columns)
        cursor = self.connection.cursor()
        if self.postgres:
            null = "\\N"
            lines = "".join(
                "\t".join(null if v is None else str(v) for v in row) + "\n" for row in rows
            )
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                copy.write(lines)
        else:
            marks = ", ".join("?" * len(columns))
            cursor.execute("BEGIN")  # the engine's connections are in autocommit mode
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
        cursor.close()
        self.connection.commit()


def _secondary(table: Table) -> list[Index]:
    """The table's non-unique indexes (unique ones stay: they are constraints)."""
    return [index for index in table.indexes if not index.unique]


def _kind(column_type: Any) -> str:
    name = type(column_type).__name__
    return {"UtcDateTime": "time", "JSON": "json", "Boolean": "bool"}.get(name, "plain")
