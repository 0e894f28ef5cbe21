"""kill -9 in the middle of an SLA sweep, then a restart: every nudge once, none skipped.

`leadbot jobs run sla` runs in a subprocess against a throw-away PostgreSQL schema. A trigger
installed for the test (the *gate*) makes the sweep's transaction wait on an advisory lock that
the test holds, after it has locked its leads and written its first outbox rows; a NOTICE just
before the wait tells the test (a line on the subprocess's stdout), which then SIGKILLs the
process with its transaction open. Releasing the lock lets the orphaned server backend go on
until it finds its client gone and rolls back; taking the lock again waits for exactly that.
Then an ordinary sweep runs, and each due lead must have one nudge event and one outbox message.
No sleeps: every wait is on a lock, a line or a state in pg_stat_activity, with a deadline.
"""

from __future__ import annotations

import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import pytest
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.schema import CreateSchema, DropSchema
from sqlmodel import col, select

from bot.core.events import EventKind
from bot.playbook.model import Playbook
from bot.pursuit.due import schedule_due
from jobs.sla import BATCH, run_sla
from store.db import make_engine, session_factory, session_scope
from store.leads import save_lead
from store.migrate import upgrade
from store.models import Lead, LeadEvent, OutboxMessage
from tests.conftest import POSTGRES_URL, REPO
from tests.factories import make_lead
from tests.jobs.test_sla import MONDAY, at

SWEEP_AT = "2026-11-23T12:00Z"  # sales-ready lasts 2 business hours: MONDAY's leads are due
DEADLINE = 60  # seconds: bounds on waiting, never a timing the test relies on

#: The CLI as an operator runs it, plus one hook: the server's NOTICEs are printed on stdout.
CLI_WITH_NOTICES = """
from sqlalchemy import event
from sqlalchemy.pool import Pool

@event.listens_for(Pool, "connect")
def _print_notices(dbapi_connection, _record):
    dbapi_connection.add_notice_handler(lambda d: print(d.message_primary, flush=True))

from bot.runtime.cli import main
main()
"""


@dataclass
class CrashDb:
    url: str  # the throw-away schema, migrated by `leadbot db upgrade`
    engine: Engine
    app_name: str  # the subprocess's connections, as pg_stat_activity shows them


@pytest.fixture
def crash_db(postgres_engine: Engine) -> Iterator[CrashDb]:
    schema = f"leadbot_crash_{uuid.uuid4().hex[:12]}"
    with postgres_engine.begin() as conn:
        conn.execute(CreateSchema(schema))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    try:
        upgrade(rendered)
        yield CrashDb(url=rendered, engine=engine, app_name=f"leadbot-sweep-{schema}")
    finally:
        engine.dispose()
        with postgres_engine.begin() as conn:
            conn.execute(DropSchema(schema, cascade=True))


def seed_due_leads(db: CrashDb, playbook: Playbook, count: int) -> list[int]:
    """`count` unclaimed leads, all due at SWEEP_AT (the sweep re-announces them)."""
    ids = []
    with session_scope(session_factory(db.engine)) as session:
        for _ in range(count):
            lead = make_lead(session, at=MONDAY)
            schedule_due(lead, playbook, MONDAY)
            save_lead(session=session, lead=lead)
            assert lead.id is not None
            ids.append(lead.id)
    return ids


def install_gate(conn: Connection, *, after_rows: int, key: int) -> None:
    """A sweep that finds `after_rows` outbox rows (its own uncommitted ones included) says so
    and waits for the advisory lock `key` before writing the next one."""
    conn.execute(
        text(
            f"""
            CREATE FUNCTION crash_gate() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF (SELECT count(*) FROM outbox) >= {after_rows} THEN
                RAISE NOTICE 'crash gate: waiting';
                PERFORM pg_advisory_xact_lock_shared({key});
              END IF;
              RETURN NEW;
            END $$
            """  # noqa: S608  (test-only DDL; both values are integers made here)
        )
    )
    conn.execute(
        text(
            "CREATE TRIGGER crash_gate BEFORE INSERT ON outbox "
            "FOR EACH ROW EXECUTE FUNCTION crash_gate()"
        )
    )


def remove_gate(conn: Connection) -> None:
    conn.execute(text("DROP TRIGGER crash_gate ON outbox"))
    conn.execute(text("DROP FUNCTION crash_gate()"))


def lines_of(stream: IO[str]) -> queue.Queue[str | None]:
    """The stream's lines as they come (None at its end), read by a thread of their own."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def start_sweep(db: CrashDb, errors: IO[str]) -> subprocess.Popen[str]:
    """`leadbot jobs run sla --now SWEEP_AT` on the throw-away schema, in a process of its own."""
    url = make_url(db.url).update_query_dict({"application_name": db.app_name})
    env = {
        **os.environ,
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "LEADBOT_CONFIG": str(REPO / "playbook.example.yml"),
    }
    command = [sys.executable, "-c", CLI_WITH_NOTICES, "jobs", "run", "sla", "--now", SWEEP_AT]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)


def wait_for_gate(sweep: subprocess.Popen[str], errors: IO[str]) -> None:
    assert sweep.stdout is not None
    try:
        line = lines_of(sweep.stdout).get(timeout=DEADLINE)
    except queue.Empty:
        line = f"nothing in {DEADLINE} s"
    if line != "crash gate: waiting":
        sweep.kill()
        sweep.wait(timeout=DEADLINE)
        errors.seek(0)
        pytest.fail(f"The sweep did not reach the gate ({line!r}):\n{errors.read()}")


def wait_until_blocked(holder: Connection, app_name: str) -> None:
    """Until the sweep's backend waits for the gate's lock, inside a transaction that has
    written (it has a transaction id). It said it would just before: this is microseconds."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
        "AND wait_event_type = 'Lock' AND wait_event = 'advisory' AND backend_xid IS NOT NULL"
    )
    deadline = time.monotonic() + DEADLINE
    while holder.execute(waiting, {"name": app_name}).scalar_one() != 1:
        assert time.monotonic() < deadline, "the sweep never waited at the gate"


def kill_mid_sweep(db: CrashDb, *, after_rows: int) -> None:
    """Run `leadbot jobs run sla`, SIGKILL it once its transaction has written `after_rows`
    outbox rows in all (committed batches included) and waits inside the next write; return
    once the server has rolled that transaction back."""
    key = secrets.randbits(62)  # other test runs share the database, not this key
    holder = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        install_gate(holder, after_rows=after_rows, key=key)
        holder.execute(text("SET lock_timeout = '60s'"))  # a bound on every wait below
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        with tempfile.TemporaryFile("w+") as errors:
            sweep = start_sweep(db, errors)
            try:
                wait_for_gate(sweep, errors)
                wait_until_blocked(holder, db.app_name)
                sweep.send_signal(signal.SIGKILL)
                assert sweep.wait(timeout=DEADLINE) == -signal.SIGKILL
            finally:
                if sweep.poll() is None:
                    sweep.kill()
                    sweep.wait(timeout=DEADLINE)
        # The orphaned backend takes the lock once it is free, finishes its INSERT, finds no
        # client and rolls back, releasing the lock; it was queued first, so taking the lock
        # again returns exactly then.
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        still_open = holder.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = :name AND backend_xid IS NOT NULL"
            ),
            {"name": db.app_name},
        ).scalar_one()
        assert still_open == 0  # (the backend itself may take a moment more to exit)
        remove_gate(holder)
    finally:
        holder.execute(text("SELECT pg_advisory_unlock_all()"))
        holder.close()


def sent(db: CrashDb) -> tuple[Counter[int], Counter[int]]:
    """Per lead: how many nudge events, and how many outbox messages name it."""
    with session_scope(session_factory(db.engine)) as session:
        nudges = session.exec(
            select(LeadEvent.lead_id).where(col(LeadEvent.kind) == EventKind.NUDGED)
        ).all()
        texts = session.exec(select(OutboxMessage.payload)).all()
    named = [int(m.group(1)) for p in texts if (m := re.search(r"Lead #(\d+)\*", p["text"]))]
    return Counter(nudges), Counter(named)


def escalation_steps(db: CrashDb) -> set[int]:
    with session_scope(session_factory(db.engine)) as session:
        return set(session.exec(select(Lead.escalation)).all())


def test_a_sweep_killed_inside_its_transaction_then_rerun_nudges_each_lead_once(
    crash_db: CrashDb, playbook: Playbook
) -> None:
    leads = seed_due_leads(crash_db, playbook, 50)
    kill_mid_sweep(crash_db, after_rows=5)  # the first batch has written 5 of its 50
    nudges, messages = sent(crash_db)
    assert (sum(nudges.values()), sum(messages.values())) == (0, 0)  # all rolled back
    assert escalation_steps(crash_db) == {0}

    assert run_sla(session_factory=session_factory(crash_db.engine), playbook=playbook,
                   now=at(23, 12)) == 50  # fmt: skip
    nudges, messages = sent(crash_db)
    assert nudges == messages == Counter(dict.fromkeys(leads, 1))
    assert escalation_steps(crash_db) == {1}


def test_a_sweep_killed_after_committing_two_batches_then_rerun_nudges_each_lead_once(
    crash_db: CrashDb, playbook: Playbook
) -> None:
    assert BATCH == 200  # the figures below assume it
    leads = seed_due_leads(crash_db, playbook, 450)
    kill_mid_sweep(crash_db, after_rows=410)  # batches 1 and 2 committed; 3 has written 10
    nudges, messages = sent(crash_db)
    assert sum(nudges.values()) == sum(messages.values()) == 400
    assert set(nudges.values()) == set(messages.values()) == {1}

    factory = session_factory(crash_db.engine)
    assert run_sla(session_factory=factory, playbook=playbook, now=at(23, 12)) == 50
    assert run_sla(session_factory=factory, playbook=playbook, now=at(23, 12)) == 0
    nudges, messages = sent(crash_db)
    assert nudges == messages == Counter(dict.fromkeys(leads, 1))  # 450, none twice, none missed
    assert escalation_steps(crash_db) == {1}
