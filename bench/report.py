"""The intake benchmark's figures and the table it prints (bench/intake.py runs the phases)."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# The targets.
TARGET_SQLITE_LEADS_PER_S = 300.0
TARGET_COST = 3.0
TARGET_CARD_P99_S = 1.0
# A load generator using this share of a core, or with the server this share of all cores, may
# be what limits GET /healthz.
CLIENT_LIMIT_SHARE = 0.9


# -- figures ---------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Phase:
    """One measured burst of requests."""

    count: int
    wall: float
    latencies: list[float]
    statuses: Counter[int]
    server_cpu: float
    client_cpu: float
    results: list[list[Any]] = field(repr=False)

    @property
    def throughput(self) -> float:
        return self.count / self.wall

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)


@dataclass
class DatabaseRun:
    label: str
    health: Phase
    intake: Phase
    card_latencies: list[float]
    cards_expected: int
    cards_missing: int
    drain_after_last_response: float
    slack: dict[str, Any]
    outcomes: Counter[str]
    kinds_not_as_planned: int
    profile: str = ""
    paced_rate: float = 0.0
    paced_card_latencies: list[float] = field(default_factory=list)

    @property
    def p50_ratio(self) -> float:
        return self.intake.p(50) / self.health.p(50)

    @property
    def p99_ratio(self) -> float:
        return self.intake.p(99) / self.health.p(99)

    @property
    def card_target_met(self) -> bool:
        return not self.cards_missing and percentile(self.card_latencies, 99) <= TARGET_CARD_P99_S

    @property
    def throughput_ratio(self) -> float:
        return self.intake.throughput / self.health.throughput


# -- the report ------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def render(runs: list[DatabaseRun], skipped: dict[str, str], args: argparse.Namespace) -> str:
    rows: list[tuple[str, list[str], str]] = []

    def row(label: str, cell: Any, target: str = "") -> None:
        rows.append((label, [cell(r) for r in runs], target))

    row("GET /healthz        req/s", lambda r: f"{r.health.throughput:.0f}")
    row("  latency p50 / p99    ms", lambda r: f"{_ms(r.health.p(50))} / {_ms(r.health.p(99))}")
    row(
        "POST /api/leads   leads/s",
        lambda r: f"{r.intake.throughput:.0f}"
        + (f" {_mark(r.intake.throughput >= TARGET_SQLITE_LEADS_PER_S)}"
           if r.label == "SQLite" else ""),
        f"≥ {TARGET_SQLITE_LEADS_PER_S:.0f} on SQLite",
    )  # fmt: skip
    row("  latency p50 / p99    ms", lambda r: f"{_ms(r.intake.p(50))} / {_ms(r.intake.p(99))}")
    row(
        "intake/healthz  p50 lat.",
        lambda r: f"{r.p50_ratio:.1f}× {_mark(r.p50_ratio <= TARGET_COST)}",
        f"≤ {TARGET_COST:g}×",
    )
    row(
        "                p99 lat.",
        lambda r: f"{r.p99_ratio:.1f}× {_mark(r.p99_ratio <= TARGET_COST)}",
        f"≤ {TARGET_COST:g}×",
    )
    row(
        "                thruput",
        lambda r: (
            f"{r.throughput_ratio:.2f} (cost {1 / r.throughput_ratio:.1f}×) "
            f"{_mark(1 / r.throughput_ratio <= TARGET_COST)}"
        ),
        f"cost ≤ {TARGET_COST:g}×",
    )
    row(
        "intake→card p50/p99 ms, saturated",
        lambda r: (
            f"{_ms(percentile(r.card_latencies, 50))} / "
            f"{_ms(percentile(r.card_latencies, 99))} "
            f"{_mark(r.card_target_met)}"
        ),
        f"p99 ≤ {TARGET_CARD_P99_S * 1000:.0f} ms",
    )
    row(
        "intake→card p50/p99 ms, paced",
        lambda r: (
            f"{_ms(percentile(r.paced_card_latencies, 50))} / "
            f"{_ms(percentile(r.paced_card_latencies, 99))} "
            f"{_mark(percentile(r.paced_card_latencies, 99) <= TARGET_CARD_P99_S)} "
            f"@{r.paced_rate:.0f}/s"
        ),
        f"p99 ≤ {TARGET_CARD_P99_S * 1000:.0f} ms",
    )
    row("  cards (missing)", lambda r: f"{r.cards_expected} ({r.cards_missing})")
    row("  last card after last 2xx ms", lambda r: _ms(r.drain_after_last_response))
    row(
        "server CPU healthz/intake",
        lambda r: (
            f"{r.health.server_cpu / r.health.wall:.0%} / {r.intake.server_cpu / r.intake.wall:.0%}"
        ),
    )
    row(
        "client CPU healthz/intake",
        lambda r: (
            f"{r.health.client_cpu / r.health.wall:.0%} / {r.intake.client_cpu / r.intake.wall:.0%}"
        ),
    )
    row(
        "client CPU ms per request",
        lambda r: (
            # Two decimals: a cheap client spends well under 0.1 ms a request.
            f"{r.health.client_cpu / r.health.count * 1000:.2f} / "
            f"{r.intake.client_cpu / r.intake.count * 1000:.2f}"
        ),
    )
    row(
        "server CPU ms per request",
        lambda r: (
            f"{_ms(r.health.server_cpu / r.health.count)} / "
            f"{_ms(r.intake.server_cpu / r.intake.count)}"
        ),
    )

    header = ["", *[r.label for r in runs], "target"]
    table = [header, *[[label, *cells, target] for label, cells, target in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"leadbot intake benchmark · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {_revision()} · "
        f"{platform.system()} {os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"N={args.leads} leads, C={args.concurrency} client threads · load avg {load}",
        _client_note(runs),
        "",
    ]
    for i, line in enumerate(table):
        lines.append("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(line)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    for r in runs:
        mix = ", ".join(f"{k} {v}" for k, v in sorted(r.outcomes.items()))
        slack = (
            f"chat.postMessage {r.slack['posts']}, chat.update {r.slack['updates']}, "
            f"failed calls {r.slack['failed']}"
        )
        lines.append(f"{r.label}: {mix}; stage not as planned {r.kinds_not_as_planned}; {slack}")
    for label, reason in skipped.items():
        lines.append(f"{label}: skipped: {reason}")
    return "\n".join(lines)


def _client_note(runs: list[DatabaseRun]) -> str:
    """Whether the load generator could have limited the baseline (GET /healthz): its threads
    share one GIL, so near a full core it sets the pace; and where it and the server fill the
    machine's cores, its CPU is the server's."""
    if not runs:
        return ""
    cores = os.cpu_count() or 1
    busy: list[str] = []
    used: list[str] = []
    for r in runs:
        client = r.health.client_cpu / r.health.wall
        both = (r.health.client_cpu + r.health.server_cpu) / r.health.wall
        used.append(f"{r.label} {client:.0%} ({both:.0%})")
        if client >= CLIENT_LIMIT_SHARE or both >= CLIENT_LIMIT_SHARE * cores:
            busy.append(r.label)
    verdict = (
        f"it could have limited the baseline on {' and '.join(busy)}"
        if busy
        else "it did not limit the baseline"
    )
    return (
        f"client CPU during GET /healthz, alone (with the server): {', '.join(used)}; {verdict} "
        f"(that takes ≥ {CLIENT_LIMIT_SHARE:.0%} of a core alone, or of the {cores} cores with "
        "the server)"
    )


def _revision() -> str:
    """The commit measured (and whether the work tree differs from it), if this is a checkout."""

    def git(*args: str) -> str:
        # --no-optional-locks: never take the index lock that others' commits need.
        command = ["git", "--no-optional-locks", *args]
        done = subprocess.run(
            command, cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=5
        )
        done.check_returncode()
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"
    return f"commit {commit}" + (" + local changes" if dirty else "")
