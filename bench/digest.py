"""Digest benchmark: the funnel report over 1,000,000 leads and 5,000,000 events, beside one
raw `SELECT stage, count(*) FROM lead GROUP BY stage` on the same data in the same run.

    python bench/digest.py [--leads N] [--events N] [--repeat N] [--postgres-url URL|none]

For SQLite (a temporary file) and PostgreSQL (a throw-away database on --postgres-url's server)
it stores a year of history in bulk (bench/digest_seed.py: leads captured evenly over 52 weeks,
each with the events of its path), then times, --repeat times each and interleaved, after one
warm-up run of each:
- the baseline: `store.metrics.leads_by_stage`, the raw GROUP BY count over every lead;
- `compute_report` of the whole company for the last full week (what the target is about);
- `compute_report` of one team (EMEA) for the same week;
- the whole Monday digest: every team and the company, this week and the week before (for the
  week-over-week change).
Also printed: where a company report's time goes, query by query (its store/metrics.py
function), and the week's figures, to show that the data is not empty.
Targets (issue 9): the company report ≤ 2 s and ≤ 10× the raw count. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as `python bench/digest.py`
    sys.path.insert(0, str(REPO))

from sqlalchemy import Engine, event  # noqa: E402

from bench.digest_seed import Seeded, seed_history  # noqa: E402
from bench.intake import DEFAULT_POSTGRES_URL, Skipped, postgres_database  # noqa: E402
from bench.report import _revision as revision  # noqa: E402
from bot.playbook.loading import load_playbook  # noqa: E402
from bot.playbook.model import Playbook  # noqa: E402
from bot.reporting.metrics import compute_report, previous, window_for_week  # noqa: E402
from bot.reporting.report import FunnelReport  # noqa: E402
from store.db import create_schema, make_engine, read_scope, session_factory  # noqa: E402
from store.metrics import leads_by_stage  # noqa: E402

#: Monday 23 November 2026, 08:00 in Berlin: when the example playbook's digest goes out.
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
TEAM = "emea"
TARGET_SECONDS = 2.0
TARGET_RATIO = 10.0
KINDS = ("raw", "company", "team", "digest")
LABELS = {
    "raw": "SELECT stage, count(*) … GROUP BY stage (baseline)",
    "company": "compute_report, whole company, one week",
    "team": f"compute_report, one team ({TEAM}), one week",
    "digest": "the Monday digest: every team + company, 2 weeks",
}


@dataclass
class Run:
    label: str
    seeded: Seeded
    seconds: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    queries: dict[str, float] = field(default_factory=dict)  # store function -> seconds
    report: FunnelReport | None = None
    stages: dict[str, int] = field(default_factory=dict)
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def median(self, kind: str) -> float:
        return statistics.median(self.seconds[kind])

    @property
    def ratio(self) -> float:
        return self.median("company") / self.median("raw")


class Tasks:
    """The measured calls, each in a read-only session of its own (as a job would read)."""

    def __init__(self, engine: Engine, playbook: Playbook) -> None:
        self.factory = session_factory(engine)
        self.playbook = playbook
        self.week = window_for_week(NOW, playbook)

    def raw(self) -> dict[str, int]:
        with read_scope(self.factory) as session:
            return leads_by_stage(session=session)

    def report(self, team: str | None = None, window: Any = None) -> FunnelReport:
        with read_scope(self.factory) as session:
            return compute_report(session=session, playbook=self.playbook,
                                  window=window or self.week, team=team, now=NOW)  # fmt: skip

    def company(self) -> FunnelReport:
        return self.report()

    def team(self) -> FunnelReport:
        return self.report(TEAM)

    def digest(self) -> list[FunnelReport]:
        weeks = (self.week, previous(self.week))
        teams: list[str | None] = [*self.playbook.teams, None]
        return [self.report(team, window) for window in weeks for team in teams]


def measure(engine: Engine, playbook: Playbook, seeded: Seeded, label: str, repeat: int) -> Run:
    """Time each kind `repeat` times, interleaved, after one warm-up run of each."""
    tasks = Tasks(engine, playbook)
    calls: dict[str, Callable[[], object]] = {
        "raw": tasks.raw, "company": tasks.company, "team": tasks.team, "digest": tasks.digest,
    }  # fmt: skip
    run = Run(label=label, seeded=seeded)
    run.stages = tasks.raw()
    run.report = tasks.company()
    for kind in KINDS[:-1]:
        calls[kind]()
    for _ in range(repeat):
        for kind in KINDS:
            started = time.perf_counter()
            calls[kind]()
            run.seconds[kind].append(time.perf_counter() - started)
    with query_times(engine) as times:
        tasks.company()
    run.queries = dict(times)
    run.load = os.getloadavg()
    return run


@contextmanager
def query_times(engine: Engine) -> Iterator[dict[str, float]]:
    """Seconds spent in each statement, named by the store/ function that ran it."""
    times: dict[str, float] = defaultdict(float)
    started: list[float] = []

    def before(*_: object) -> None:
        started.append(time.perf_counter())

    def after(*_: object) -> None:
        times[_caller()] += time.perf_counter() - started.pop()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield times
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _caller() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        if Path(frame.f_code.co_filename).name in ("metrics.py", "spreads.py") and (
            Path(frame.f_code.co_filename).parent.name == "store"
        ):
            name = frame.f_code.co_name
            return name if not name.startswith("_") else f"{name} ({frame.f_back.f_code.co_name})"
        frame = frame.f_back  # type: ignore[assignment]
    return "other"


def bench_database(label: str, url: str, playbook: Playbook, args: argparse.Namespace) -> Run:
    engine = make_engine(url)
    try:
        create_schema(engine)
        seeded = seed_history(engine, leads=args.leads, events=args.events, playbook=playbook,
                              now=NOW)  # fmt: skip
        print(f"{label}: {seeded.leads:,} leads and {seeded.events:,} events stored in "
              f"{seeded.seconds:.0f} s", flush=True)  # fmt: skip
        return measure(engine, playbook, seeded, label, args.repeat)
    finally:
        engine.dispose()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def summary(run: Run) -> tuple[str, bool]:
    """The run's table, its breakdown and figures; whether both targets are met."""
    rows = [["", "median ms", "min ms", "max ms", "× raw"]]
    for kind in KINDS:
        values, median = run.seconds[kind], run.median(kind)
        times = [_ms(median), _ms(min(values)), _ms(max(values))]
        rows.append([LABELS[kind], *times, f"{median / run.median('raw'):.1f}"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    company = run.median("company")
    met = company <= TARGET_SECONDS and run.ratio <= TARGET_RATIO
    s = run.seeded
    lines = [
        f"## {run.label}",
        "",
        f"{s.leads:,} leads and {s.events:,} events ("
        + ", ".join(f"{kind} {n:,}" for kind, n in s.kinds.most_common())
        + "); leads now: " + ", ".join(f"{k} {n:,}" for k, n in sorted(run.stages.items()))
        + f". {len(run.seconds['raw'])} runs of each, interleaved; load average "
        + " / ".join(f"{x:.2f}" for x in run.load) + ".",
        "",
    ]  # fmt: skip
    for i, row in enumerate(rows):
        lines.append("  ".join(c.rjust(widths[j]) if j else c.ljust(widths[j])
                               for j, c in enumerate(row)).rstrip())  # fmt: skip
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += [
        "",
        f"Company report: {_ms(company)} ms (target ≤ {TARGET_SECONDS:g} s: "
        f"{'met' if company <= TARGET_SECONDS else 'NOT met'}), {run.ratio:.1f}× the raw count "
        f"(target ≤ {TARGET_RATIO:g}×: {'met' if run.ratio <= TARGET_RATIO else 'NOT met'}).",
        "Where a company report's time goes: "
        + ", ".join(f"{name} {_ms(t)} ms" for name, t in
                    sorted(run.queries.items(), key=lambda item: -item[1])),
    ]  # fmt: skip
    if run.report is not None:
        r = run.report
        lines.append(
            f"The week ({r.window.label}): funnel {r.funnel}; speed-to-lead median "
            f"{r.speed_to_lead.median or 0:.0f} s; follow-up {r.follow_up.numerator}/"
            f"{r.follow_up.denominator}; win rate {r.win_rate.numerator}/{r.win_rate.denominator}; "
            f"{len(r.breaches_by_rep)} reps with breaches."
        )
    return "\n".join(lines) + "\n", met


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads stored")
    parser.add_argument("--events", type=int, default=5_000_000, help="events stored")
    parser.add_argument("--repeat", type=int, default=7, help="measured runs of each")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LEADBOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="server for a throw-away database (default %(default)s; 'none' skips PostgreSQL)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    args = parser.parse_args(argv)
    playbook = load_playbook(REPO / "playbook.example.yml")
    print(
        f"leadbot digest benchmark · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {revision()} · "
        f"{platform.system()} {os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"{args.leads:,} leads, {args.events:,} events\n",
        flush=True,
    )
    all_met = True
    reports: list[FunnelReport | None] = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run = bench_database("SQLite", f"sqlite:///{tmp}/bench.db", playbook, args)
        text, met = summary(run)
        print(text, flush=True)
        all_met &= met
        reports.append(run.report)
    if args.postgres_url.lower() != "none":
        try:
            with postgres_database(args.postgres_url) as url:
                run = bench_database("PostgreSQL", url, playbook, args)
            text, met = summary(run)
            print(text, flush=True)
            all_met &= met
            reports.append(run.report)
        except Skipped as skipped:
            print(f"## PostgreSQL\n\nskipped: {skipped}\n")
    if len(reports) == 2:  # the same data (the same seed) on both: the same figures
        same = reports[0] == reports[1]
        print(f"The two databases' company reports are {'equal' if same else 'NOT equal'}.")
    print("Every target met." if all_met else "Some target was missed (see above).")


if __name__ == "__main__":
    main()
