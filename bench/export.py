"""Export benchmark: `leadbot export` of 1,000,000 leads, its time and its memory.

    python bench/export.py [--leads N] [--postgres-url URL|none] [--no-sqlite]

For SQLite (a temporary file) and PostgreSQL (a throw-away database on --postgres-url's server)
it migrates a database as `leadbot db upgrade` does, stores --leads leads in bulk (every column
filled as a long-running team's leads would have it; no history: export reads the leads table
only), then runs, each in a process of its own, so that each one's peak memory is its own:

- `read`: the export's own query, streamed the same way (`yield_per`), each row taken and
  dropped: the floor, what reading the table costs the database and the driver;
- `leadbot export > /dev/null`, the real command, end to end (start-up, playbook, migration
  check, the streamed query, every cell formatted, the CSV written);
- `leadbot export --team amer --stage won`, which selects no lead (the seeded leads are all
  EMEA's) through an index: the command's start-up (Python, imports, playbook, migration check);
- `100,000 rows at once`: the same query, cut at 100,000 rows, read with `.all()` and nothing
  else: the memory a non-streaming export would need at least (per 100,000 leads; it would
  still have every row to format). Cut, so as not to take gigabytes on a shared machine.

The claim checked: export's memory does not grow with the number of leads (it holds one batch
of 1,000), while `.all()` grows with them. Nothing is asserted: figures are printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as `python bench/export.py`
    sys.path.insert(0, str(REPO))

from bench.intake import DEFAULT_POSTGRES_URL, Skipped, postgres_database  # noqa: E402
from bench.leads import (  # noqa: E402  # noqa: E402
    COMPANIES,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    PRODUCTS,
    SENIOR_TITLES,
    _ascii,
)
from bench.pursuit_seed import CHUNK, SOURCES, _insert_many  # noqa: E402
from bench.report import _revision as revision  # noqa: E402
from bot.core.clock import utc_now  # noqa: E402
from bot.core.stages import Stage  # noqa: E402
from store.db import make_engine, session_factory, session_scope  # noqa: E402
from store.leads import LEAD, new_lead  # noqa: E402
from store.migrate import upgrade  # noqa: E402

PLAYBOOK = REPO / "playbook.example.yml"
#: Each measurement runs in a child process; it prints its peak resident memory (KiB) last on
#: stderr: VmHWM, which starts afresh at exec (getrusage's ru_maxrss would carry over the
#: forking parent's, which holds the seeding's memory).
RSS_TAIL = """
import sys
with open("/proc/self/status") as status:
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
print(peak, file=sys.stderr)
"""
READ = (
    """
from bot.intake.export import SELECTED
from store.db import make_engine, read_scope, session_factory
from store.export import stream_leads
engine = make_engine({url!r})
with read_scope(session_factory(engine)) as session:
    rows = stream_leads(session=session, columns=SELECTED, since=None, teams=(), stages=())
    print(sum(1 for _ in rows))
"""
    + RSS_TAIL
)
ALL_ROWS = (
    """
from sqlalchemy import select
from store.db import make_engine
from store.leads import LEAD
engine = make_engine({url!r})
with engine.connect() as conn:
    print(len(conn.execute(select(LEAD).order_by(LEAD.c.id).limit(100_000)).all()))
"""
    + RSS_TAIL
)
EXPORT = (
    """
import sys
from bot.runtime.cli import cli
try:
    cli(["export", *sys.argv[1:]])
except SystemExit as done:
    if done.code:
        raise
"""
    + RSS_TAIL
)


def _cpu() -> float:
    """CPU seconds (user + system) of the child processes that have ended so far: on a busy
    machine wall time says more about the neighbours than about the work."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(code: str, url: str) -> tuple[float, float, int, str]:
    """(seconds, CPU seconds, peak memory in MiB, last stdout line) of `code` in a fresh
    Python."""
    env = {**os.environ, "DATABASE_URL": url, "LEADBOT_CONFIG": str(PLAYBOOK)}
    cpu, started = _cpu(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code.replace("{url!r}", repr(url))],
        cwd=REPO, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    rss_kib = int(done.stderr.strip().splitlines()[-1])
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return seconds, _cpu() - cpu, rss_kib // 1024, last


def _export_rows(url: str, *args: str) -> tuple[float, float, int, int]:
    """(seconds, CPU seconds, peak memory MiB, CSV lines written) of `leadbot export`, its
    output counted."""
    env = {**os.environ, "DATABASE_URL": url, "LEADBOT_CONFIG": str(PLAYBOOK)}
    cpu, started = _cpu(), time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", EXPORT, *args], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: child.stdout.read(1 << 20), b""))
    _, err = child.communicate()
    seconds = time.perf_counter() - started
    if child.returncode:
        raise RuntimeError(err.decode())
    return seconds, _cpu() - cpu, int(err.decode().strip().splitlines()[-1]) // 1024, lines


def _lead_rows(start: int, count: int, rng: random.Random) -> list[dict[str, Any]]:
    now = utc_now()
    template = new_lead(email="", email_key="", stage=Stage.NEW, created_at=now, updated_at=now,
                        stage_entered_at=now)  # fmt: skip
    base = {c.name: getattr(template, c.name) for c in LEAD.columns if c.name != "id"}
    stages = list(Stage)
    rows = []
    for serial in range(start, start + count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company, domain, size, _ = rng.choice(COMPANIES)
        email = f"{_ascii(first)}.{_ascii(last)}.{serial}@{domain}"
        created = now - timedelta(minutes=rng.randrange(1, 60 * 24 * 540))
        stage = rng.choice(stages)
        owned = stage not in (Stage.NEW, Stage.NURTURE, Stage.SALES_READY)
        rows.append(base | {
            "email": email, "email_key": email, "name": f"{first} {last}", "company": company,
            "title": rng.choice(SENIOR_TITLES), "phone": f"+49 30 {serial:07d}", "country": "DE",
            "domain": domain, "company_size": size, "source": rng.choice(SOURCES),
            "stage": stage, "team": "emea", "owner_id": "U0REPEMEA1" if owned else None,
            "score": rng.randrange(0, 100) + 0.5, "budget": "approved",
            "custom": {"product": rng.choice(PRODUCTS), "industry": rng.choice(INDUSTRIES)},
            "created_at": created, "updated_at": created, "stage_entered_at": created,
            "sales_ready_at": created if stage is not Stage.NEW else None,
            "claimed_at": created + timedelta(hours=1) if owned else None,
        })  # fmt: skip
    return rows


def bench(label: str, url: str, leads: int) -> str:
    upgrade(url)
    engine = make_engine(url)
    print(f"{label}: storing {leads:,} leads…", file=sys.stderr, flush=True)
    started, rng = time.perf_counter(), random.Random(7)
    try:
        for start in range(0, leads, CHUNK):
            with session_scope(session_factory(engine)) as session:
                _insert_many(session, LEAD, _lead_rows(start, min(CHUNK, leads - start), rng))
    finally:
        engine.dispose()
    seeded = time.perf_counter() - started
    print(f"{label}: stored in {seeded:.0f} s; measuring…", file=sys.stderr, flush=True)
    read = _run(READ, url)
    empty = _export_rows(url, "--team", "amer", "--stage", "won")
    export = _export_rows(url)
    at_once = _run(ALL_ROWS, url)
    rows = export[3] - 1
    per_second = rows / max(export[1] - empty[1], 1e-9)
    return "\n".join(
        [
            f"## {label}: {int(read[3]):,} leads (load average {os.getloadavg()[0]:.1f})",
            "",
            "| | wall s | CPU s | leads per CPU second | peak memory |",
            "| --- | --- | --- | --- | --- |",
            f"| read every row, nothing done (floor, start-up included) | {read[0]:.1f} | "
            f"{read[1]:.1f} | "
            f"{int(read[3]) / read[1]:,.0f} | {read[2]} MiB |",
            f"| `leadbot export --team amer --stage won` (no rows: start-up) | {empty[0]:.1f} | "
            f"{empty[1]:.1f} | | {empty[2]} MiB |",
            f"| `leadbot export > /dev/null` ({rows:,} rows) | {export[0]:.1f} | "
            f"{export[1]:.1f} | {per_second:,.0f} after start-up | {export[2]} MiB |",
            f"| {int(at_once[3]):,} rows at once (`.all()`, no CSV) | {at_once[0]:.1f} | "
            f"{at_once[1]:.1f} | | {at_once[2]} MiB |",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads stored")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="server for a throw-away database (default %(default)s; 'none' skips PostgreSQL)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    args = parser.parse_args(argv)
    print(
        f"leadbot export benchmark · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {revision()} · "
        f"{platform.system()} {os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"{args.leads:,} leads\n",
        flush=True,
    )
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            print(bench("SQLite", f"sqlite:///{tmp}/bench.db", args.leads), flush=True)
    if args.postgres_url.lower() != "none":
        try:
            with postgres_database(args.postgres_url) as url:
                print(bench("PostgreSQL", url, args.leads), flush=True)
        except Skipped as skipped:
            print(f"## PostgreSQL\n\nskipped: {skipped}\n")


if __name__ == "__main__":
    main()
