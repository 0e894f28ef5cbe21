"""Intake benchmark: what a lead costs against a bare request, and how fast its card reaches Slack.

    python bench/intake.py [--leads N] [--concurrency C] [--postgres-url URL] [--profile]
    python -m bench.intake ...

For SQLite (a temporary file) and PostgreSQL (a database of its own, created on the server that
--postgres-url names and dropped afterwards; skipped, with the reason, when the server does not
answer) it starts the server as `leadbot serve` does: `build_server`, the outbox worker running,
uvicorn with its default settings, FakeSlack as the Slack Web API. Then, after a warm-up:

1. GET /healthz, N times: the baseline (a bare request that touches the database);
2. POST /api/leads with N realistic leads (bench/leads.py: ~30% post a card, ~10% merges);
3. the ratios intake / healthz of p50 and p99 latency and of throughput: the figure;
4. intake -> card: from sending the POST that made a lead sales-ready to its card's
   chat.postMessage arriving at FakeSlack.

The client (bench/loadgen.py) and FakeSlack (bench/slackstub.py) run in processes of their own,
so the server's process holds what `leadbot serve` holds and nothing else. Timing figures are
printed, never asserted. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as `python bench/intake.py`
    sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from bench.leads import Kind, LeadRequest, make_requests  # noqa: E402
from bench.report import DatabaseRun, Phase, render  # noqa: E402
from bot.playbook.loading import load_playbook  # noqa: E402
from bot.runtime.demo import example_playbook_text  # noqa: E402
from bot.runtime.server import build_server, serving_in_thread  # noqa: E402
from bot.runtime.settings import Settings  # noqa: E402
from store.migrate import upgrade  # noqa: E402

TOKEN = "bench-intake-token"
BOT_TOKEN = "xoxb-bench"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
WARMUP_HEALTH, WARMUP_LEADS = 300, 150
CARD_TIMEOUT = 30.0  # seconds to wait for the last card after the intake phase
PACED_LEADS = 600  # leads sent at half the measured capacity, for intake -> card latency


# -- helpers processes -----------------------------------------------------------------------------


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


class LoadGen:
    """bench/loadgen.py in its own process."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.loadgen"], cwd=REPO, env=_child_env(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def run(
        self, base_url: str, requests: list[list[Any]], concurrency: int, rate: float = 0
    ) -> dict[str, Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        job = {"base_url": base_url, "token": TOKEN, "concurrency": concurrency,
               "requests": requests, "rate": rate}  # fmt: skip
        self._proc.stdin.write(json.dumps(job) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the load generator died; see its traceback above")
        return json.loads(line)  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=10)


class SlackStub:
    """bench/slackstub.py (FakeSlack noting card arrival times) in its own process."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.slackstub"], cwd=REPO, env=_child_env(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self._proc.stdout is not None
        self.url = self._proc.stdout.readline().strip()
        if not self.url:
            raise RuntimeError("the Slack stand-in did not start; see its traceback above")
        self._http = httpx.Client(headers={"Authorization": f"Bearer {BOT_TOKEN}"}, timeout=10)

    def arrivals(self) -> dict[str, Any]:
        return self.call("bench.arrivals")

    def call(self, method: str) -> dict[str, Any]:
        """One of the stub's methods (bench/slackstub.py), as a bench calls it."""
        return self._http.post(self.url + method).json()  # type: ignore[no-any-return]

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`: response URLs are `{origin}/response/<user>/<channel>`."""
        return self.url.removesuffix("/api/")

    def reset(self) -> None:
        self._http.post(self.url + "bench.reset")

    def wait_for_cards(self, lead_ids: set[int], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            seen = self.arrivals()
            if lead_ids <= {int(k) for k in seen["cards"]} or time.monotonic() > deadline:
                return seen
            time.sleep(0.05)

    def close(self) -> None:
        self._http.close()
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=10)


# -- phases ----------------------------------------------------------------------------------------


def run_phase(
    loadgen: LoadGen, base: str, requests: list[list[Any]], concurrency: int, rate: float = 0
) -> Phase:
    cpu = time.process_time()  # this process is the server's
    answer = loadgen.run(base, requests, concurrency, rate)
    server_cpu = time.process_time() - cpu
    results = answer["results"]
    return Phase(
        count=len(results),
        wall=answer["wall"],
        latencies=[done - sent for sent, done, _, _ in results],
        statuses=Counter(status for _, _, status, _ in results),
        server_cpu=server_cpu,
        client_cpu=answer["cpu"],
        results=results,
    )


# -- one database ----------------------------------------------------------------------------------

HEALTH = ["GET", "/healthz", None]


def _lead_requests(leads: list[LeadRequest]) -> list[list[Any]]:
    return [["POST", "/api/leads", lead.body] for lead in leads]


def _card_triggers(results: list[list[Any]]) -> dict[int, float]:
    """Lead id -> when the request that first answered `sales_ready` for it was sent."""
    triggers: dict[int, float] = {}
    for sent, _, status, body in sorted(results, key=lambda r: r[0]):
        if status in (200, 201) and body and body.get("stage") == "sales_ready":
            lead_id = int(body["id"])
            triggers[lead_id] = min(sent, triggers.get(lead_id, sent))
    return triggers


def _expected_stage(kind: Kind) -> str:
    return "nurture" if kind in (Kind.NURTURE, Kind.MERGE_NURTURE) else "sales_ready"


def bench_database(
    label: str, database_url: str, args: argparse.Namespace, loadgen: LoadGen
) -> DatabaseRun:
    warm, measured = make_requests(args.leads, warmup=WARMUP_LEADS)
    with tempfile.TemporaryDirectory(prefix="leadbot-bench-") as tmp:
        stub = SlackStub()
        try:
            playbook_path = Path(tmp) / "playbook.yml"
            playbook_path.write_text(example_playbook_text(), encoding="utf-8")
            settings = Settings(
                slack_bot_token=SecretStr(BOT_TOKEN),
                slack_signing_secret=SecretStr("bench-signing-secret"),
                slack_app_token=None,
                slack_api_url=stub.url,
                database_url=database_url.replace("{tmp}", tmp),
                leadbot_config=playbook_path,
                leadbot_intake_token=SecretStr(TOKEN),
                outbox_poll_seconds=2.0,
            )
            upgrade(settings.database_url)
            server = build_server(settings, load_playbook(settings.leadbot_config))
            server.worker.start()
            try:
                with serving_in_thread(server.api) as base:
                    return _measure(label, base, args, loadgen, stub, warm, measured)
            finally:
                server.worker.stop()
                server.engine.dispose()
        finally:
            stub.close()


def _measure(
    label: str, base: str, args: argparse.Namespace, loadgen: LoadGen, stub: SlackStub,
    warm: list[LeadRequest], measured: list[LeadRequest],
) -> DatabaseRun:  # fmt: skip
    c = args.concurrency
    # Warm-up: connections, imports, caches, the first cards; then an empty outbox.
    run_phase(loadgen, base, [HEALTH] * WARMUP_HEALTH, c)
    warm_phase = run_phase(loadgen, base, _lead_requests(warm), c)
    stub.wait_for_cards(set(_card_triggers(warm_phase.results)), CARD_TIMEOUT)
    stub.reset()

    health = run_phase(loadgen, base, [HEALTH] * args.leads, c)
    profiler = None
    if args.profile:
        from bench.profiling import ThreadProfiler

        profiler = ThreadProfiler()
        profiler.start()
    intake = run_phase(loadgen, base, _lead_requests(measured), c)
    if profiler is not None:
        profiler.stop()

    triggers = _card_triggers(intake.results)
    seen = stub.wait_for_cards(set(triggers), CARD_TIMEOUT)
    half_capacity = intake.count / intake.wall / 2
    paced_rate, paced_latencies = _paced(base, args, loadgen, stub, rate=half_capacity)
    arrivals = {int(k): v for k, v in seen["cards"].items()}
    card_latencies = [arrivals[i] - sent for i, sent in triggers.items() if i in arrivals]
    last_response = max(done for _, done, _, _ in intake.results)
    last_card = max((arrivals[i] for i in triggers if i in arrivals), default=last_response)

    outcomes: Counter[str] = Counter()
    not_as_planned = errors = 0
    for lead, (_, _, status, body) in zip(measured, intake.results, strict=True):
        if status in (200, 201):
            outcomes["created" if status == 201 else "merged"] += 1
            outcomes[f"stage {body['stage']}"] += 1
            if body["stage"] != _expected_stage(lead.kind):
                not_as_planned += 1
                if args.verbose:
                    print(f"  [{label}] {lead.kind}: {lead.body} -> {body}", file=sys.stderr)
        else:
            outcomes[f"HTTP {status}"] += 1
            errors += 1
            if errors <= 3 or args.verbose:
                print(f"  [{label}] HTTP {status}: {str(body)[:300]}", file=sys.stderr)
    unhealthy = health.count - health.statuses[200]
    if unhealthy:
        outcomes["healthz not 200"] = unhealthy
    return DatabaseRun(
        label=label,
        health=health,
        intake=intake,
        card_latencies=card_latencies,
        cards_expected=len(triggers),
        cards_missing=len(set(triggers) - set(arrivals)),
        drain_after_last_response=max(0.0, last_card - last_response),
        slack=seen,
        outcomes=outcomes,
        kinds_not_as_planned=not_as_planned,
        profile=profiler.report() if profiler is not None else "",
        paced_rate=paced_rate,
        paced_card_latencies=paced_latencies,
    )


def _paced(
    base: str, args: argparse.Namespace, loadgen: LoadGen, stub: SlackStub, rate: float
) -> tuple[float, list[float]]:
    """Intake -> card at a steady rate of half the measured capacity, as real form traffic
    arrives: the saturated phase above measures queueing, this measures the hand-off itself."""
    _, leads = make_requests(PACED_LEADS, seed=7, merge_share=0)
    requests = [
        ["POST", "/api/leads", {**lead.body, "email": "paced." + lead.body["email"]}]
        for lead in leads
    ]
    stub.reset()
    phase = run_phase(loadgen, base, requests, args.concurrency, rate=rate)
    triggers = _card_triggers(phase.results)
    seen = stub.wait_for_cards(set(triggers), CARD_TIMEOUT)
    arrivals = {int(k): v for k, v in seen["cards"].items()}
    return rate, [arrivals[i] - sent for i, sent in triggers.items() if i in arrivals]


# -- PostgreSQL: a database of our own -------------------------------------------------------------


class Skipped(Exception):
    pass


@contextmanager
def postgres_database(server_url: str, suffix: str = "") -> Iterator[str]:
    """Create `leadbot_bench_<pid>` (+ `suffix`, for a second one at once) on the server
    `server_url` names; drop it afterwards.

    The database in `server_url` is only used to connect for CREATE/DROP DATABASE.
    """
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    connect = {
        "host": url.host or "127.0.0.1", "port": url.port or 5432, "user": url.username,
        "password": url.password, "dbname": url.database or "postgres", "connect_timeout": 3,
        "autocommit": True,
    }  # fmt: skip
    name = f"leadbot_bench_{os.getpid()}{suffix}"
    try:
        with psycopg.connect(**connect) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise Skipped(
            f"PostgreSQL at {url.render_as_string(hide_password=True)} does not answer "
            f"or refuses CREATE DATABASE ({reason})"
        ) from None
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**connect) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# -- main ------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--leads", type=int, default=2000, help="leads (and health checks) per run")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LEADBOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a PostgreSQL server to create a throw-away database on (default %(default)s; "
        "env LEADBOT_BENCH_POSTGRES_URL); 'none' skips PostgreSQL",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--verbose", action="store_true", help="print surprises as they happen")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile every server thread's CPU during the intake phase (needs yappi) and print "
        "where the time goes; the figures of a profiled run are not the benchmark's",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.profile:
        try:
            import yappi  # noqa: F401
        except ImportError:
            sys.exit("--profile needs yappi (it profiles every thread): pip install yappi")
    # What `leadbot serve` configures; warnings (outbox retries…) then show on stderr.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the bench's own calls to the stub
    runs: list[DatabaseRun] = []
    skipped: dict[str, str] = {}
    loadgen = LoadGen()
    try:
        if not args.no_sqlite:
            print("SQLite: running…", file=sys.stderr, flush=True)
            runs.append(bench_database("SQLite", "sqlite:///{tmp}/bench.db", args, loadgen))
        if args.postgres_url.lower() == "none":
            skipped["PostgreSQL"] = "--postgres-url none"
        else:
            try:
                with postgres_database(args.postgres_url) as url:
                    print("PostgreSQL: running…", file=sys.stderr, flush=True)
                    runs.append(bench_database("PostgreSQL", url, args, loadgen))
            except Skipped as why:
                skipped["PostgreSQL"] = str(why)
    finally:
        loadgen.close()
    print(render(runs, skipped, args))
    for run in runs:
        if run.profile:
            print(f"\n== where the server's threads spent the intake phase ({run.label})")
            print(run.profile)


if __name__ == "__main__":
    main()
