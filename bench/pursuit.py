"""Pursuit benchmark: how fast `/lead show`, `/lead qualify` and a Qualify click are acknowledged
with 100,000 leads stored, beside a no-op listener on the same server.

    python bench/pursuit.py [--leads N] [--requests N] [--postgres-url URL|none]

For SQLite (a temporary file) and PostgreSQL (a throw-away database on --postgres-url's server)
it seeds --leads leads in bulk (bench/pursuit_seed.py: spread over the example playbook's stages,
teams and reps, with their history and sent cards), then starts the server as `leadbot serve`
does (bench/slack_resilience.py's `running_server`: `build_server`, the outbox worker, uvicorn)
and adds one listener to its Bolt app: `/noop`, which only acks. That is the baseline: the same
edge (signature, shape check, Bolt and its middleware) and no work. Slack's Web API is FakeSlack
in a process of its own (bench/slackstub.py), as for the intake benchmark, so the cost of faking
Slack is not the server's.

One rep of the EMEA team sends signed requests of five kinds, one at a time on one keep-alive
connection (the client is a raw socket in this process: bench/loadgen.py's `Connection`), a round
of each kind in a random order per round, so that what runs in the background (the outbox
worker sending the last move's card update and thread line, the last click's private reply)
falls on every kind alike:
- `/noop`;
- `/lead show <id>` of a random lead among all of them;
- `/lead qualify <id> demo booked` of a fresh working lead of the rep (each one is used once);
- a click on the Qualify button of another such lead's card (`lead.move.qualify`);
- `/lead mine` (no target; the rep owns thousands of leads, over two thousand of them open).
Measured: from sending the request to having the whole answer, which is what Slack waits for:
listeners run before the answer goes out (`process_before_response`), so this is the ack's time.
Targets: `show` ≤ 3× the no-op, a move ≤ 5× (at p50 and at p99), p99 far under Slack's 3 s
(taken as under a tenth of it).

No Slack call before any ack: afterwards --check rounds of the same five requests are sent, each
while FakeSlack holds every Web API method and every response_url (a call gets no answer until
the request's own answer has arrived), on a connection that gives up after Slack's 3 seconds. A
listener that called Slack, or waited on anything that calls Slack, before its answer would hang
there; and FakeSlack must have answered no call while the request was out (a method it does not
hold would show there). Each checked request starts once the Slack calls of the one before have
all been made, and the calls released after the answers are counted: the moves' card updates
and thread lines, the clicks' private replies. Nothing is asserted: figures are printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as `python bench/pursuit.py`
    sys.path.insert(0, str(REPO))

from slack_bolt import Ack  # noqa: E402
from slack_sdk import WebClient  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from bench.intake import BOT_TOKEN, DEFAULT_POSTGRES_URL, Skipped, SlackStub, postgres_database  # noqa: E402
from bench.loadgen import Connection  # noqa: E402
from bench.pursuit_seed import Seeded, seed_leads  # noqa: E402
from bench.report import _revision as revision  # noqa: E402
from bench.report import percentile  # noqa: E402
from bench.slack_resilience import SECRET, running_server  # noqa: E402
from bot.core.clock import utc_now  # noqa: E402
from bot.core.moves import Move  # noqa: E402
from bot.core.stages import Stage  # noqa: E402
from bot.playbook.model import Playbook  # noqa: E402
from bot.runtime.settings import Settings  # noqa: E402
from bot.slack.cards import lead_card  # noqa: E402
from bot.slack.ids import ActionId, LeadMove  # noqa: E402
from bot.testkit.payloads import block_action, signed_headers, slash_command  # noqa: E402
from store.db import SessionFactory, make_engine, read_scope, session_factory, session_scope  # noqa: E402
from store.leads import get_lead  # noqa: E402
from store.outbox import OutboxStatus, count_by_status, record_card_location  # noqa: E402

TEAM = "emea"  # the measured rep is this team's first rep
KINDS = ("noop", "show", "qualify", "click", "mine")
LABELS = {
    "noop": "/noop (baseline)", "show": "/lead show", "qualify": "/lead qualify",
    "click": "Qualify button", "mine": "/lead mine",
}  # fmt: skip
TARGETS = {"show": 3.0, "qualify": 5.0, "click": 5.0}  # × the no-op, at p50 and p99
SLACK_DEADLINE = 3.0  # seconds Slack waits for an ack
FAR_UNDER = 0.1  # "p99 far under Slack's 3 s": under a tenth of it
WAIT = 120.0  # seconds for the Slack calls after the answers; only reached when broken


def noop(ack: Ack) -> None:
    """The baseline listener: it acknowledges and does nothing."""
    ack()


@dataclass
class Run:
    label: str
    seeded: Seeded
    rep: str
    seconds: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    checked: Counter[str] = field(default_factory=Counter)  # answered while Slack was held
    check_failures: list[str] = field(default_factory=list)
    after_answers: Counter[str] = field(default_factory=Counter)  # Slack calls, once released
    failed_slack_calls: int = 0
    problems: list[str] = field(default_factory=list)
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)  # the machine's, once measured


class Requests:
    """The signed requests of each kind, as the measured rep sends them."""

    def __init__(self, stub: SlackStub, playbook: Playbook, seeded: Seeded, base: str) -> None:
        self.team = playbook.team(TEAM)
        self.rep = self.team.reps[0]
        self.host = urlsplit(base).netloc
        # Where Slack would take replies to this rep's requests (FakeSlack records them).
        self.response_url = f"{stub.origin}/response/{quote(self.rep)}/{quote(self.team.channel)}"
        self.lead_ids = seeded.lead_ids
        half = len(seeded.target_ids) // 2
        self.for_command = iter(seeded.target_ids[:half])
        self.for_click = iter(seeded.target_ids[half:])
        self.qualified: dict[str, list[int]] = {"qualify": [], "click": []}
        self.cards: dict[int, str] = {}  # lead id -> its card's ts (clicks come from the card)
        self.rng = random.Random(11)

    def build(self, kind: str) -> tuple[bytes, int | None]:
        """(the request's bytes, the lead it names)."""
        lead_id: int | None = None
        if kind == "click":
            lead_id = next(self.for_click)
            value = LeadMove(lead_id=lead_id, move=Move.QUALIFY).model_dump_json(
                exclude_defaults=True
            )
            body, content_type = block_action(
                user_id=self.rep, action_id=f"{ActionId.MOVE}.{Move.QUALIFY.value}", value=value,
                channel=self.team.channel, message_ts=self.cards[lead_id],
                response_url=self.response_url,
            )  # fmt: skip
            self.qualified["click"].append(lead_id)
        else:
            command, text = "/lead", ""
            if kind == "noop":
                command = "/noop"
            elif kind == "show":
                lead_id = self.rng.choice(self.lead_ids)
                text = f"show {lead_id}"
            elif kind == "qualify":
                lead_id = next(self.for_command)
                text = f"qualify {lead_id} demo booked"
                self.qualified["qualify"].append(lead_id)
            else:
                text = "mine"
            body, content_type = slash_command(
                user_id=self.rep, text=text, channel=self.team.channel,
                response_url=self.response_url, command=command,
            )  # fmt: skip
        headers = signed_headers(SECRET, body, int(time.time()), content_type)
        raw = body.encode()
        head = f"POST /slack/events HTTP/1.1\r\nHost: {self.host}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        head += f"Content-Length: {len(raw)}\r\n\r\n"
        return head.encode("ascii") + raw, lead_id


def _answer_problem(kind: str, lead_id: int | None, status: int, body: bytes) -> str | None:
    if status != 200:
        return f"{kind}: HTTP {status} {body[:200]!r}"
    text = body.decode("utf-8", "replace")
    if "went wrong" in text:
        return f"{kind}: {text[:300]}"
    if kind == "show" and f"#{lead_id}" not in text:
        return f"show {lead_id}: the answer does not name the lead: {text[:300]}"
    return None


def post_target_cards(
    stub: SlackStub, factory: SessionFactory, playbook: Playbook, ids: list[int]
) -> dict[int, str]:
    """Post the cards of the leads that will be qualified (their updates and thread lines need
    them in Slack), as the outbox would have; lead id -> card ts."""
    client = WebClient(token=BOT_TOKEN, base_url=stub.url)
    now, cards = utc_now(), {}
    with session_scope(factory) as session:
        for lead_id in ids:
            lead = get_lead(session=session, lead_id=lead_id)
            assert lead is not None and lead.card_channel is not None
            card = lead_card(lead, playbook=playbook, now=now)
            posted = client.chat_postMessage(
                channel=lead.card_channel, text=card.text, blocks=card.blocks
            )
            ts = str(posted["ts"])
            record_card_location(session=session, lead_id=lead_id, channel=lead.card_channel, ts=ts)
            cards[lead_id] = ts
    return cards


# -- the passes ------------------------------------------------------------------------------------


def _round(rng: random.Random) -> list[str]:
    order = list(KINDS)
    rng.shuffle(order)
    return order


def measure(
    connection: Connection, requests: Requests, rounds: int, run: Run, *, record: bool
) -> None:
    """`rounds` rounds of the five requests, one at a time; their times if `record`."""
    rng = random.Random(rounds)
    for _ in range(rounds):
        for kind in _round(rng):
            raw, lead_id = requests.build(kind)
            started = time.perf_counter()
            status, body = connection.exchange(raw)
            elapsed = time.perf_counter() - started
            problem = _answer_problem(kind, lead_id, status, body)
            if problem:
                run.problems.append(problem)
            if record:
                run.seconds[kind].append(elapsed)


def check_nothing_waits_on_slack(
    stub: SlackStub, factory: SessionFactory, requests: Requests, rounds: int, run: Run, base: str
) -> None:
    """Each request answered while every Slack call waits for its own answer until then.

    Each starts once the Slack calls of the one before have all been answered, so that a call
    released at the end of one request's hold is never counted in the next one's.
    """
    url = urlsplit(base)
    connection = Connection(url.hostname or "127.0.0.1", url.port or 80, timeout=SLACK_DEADLINE)
    rng = random.Random(5)
    for _ in range(rounds):
        for kind in _round(rng):
            if not settle(stub, factory, len(requests.qualified["click"])):
                run.check_failures.append("the Slack calls of a checked request never went out")
            raw, lead_id = requests.build(kind)
            before = _answered(stub)
            stub.call("bench.hold")
            try:
                status, body = connection.exchange(raw)
                finished = _answered(stub) - before
            except OSError as error:
                run.check_failures.append(
                    f"{kind}: no answer within {SLACK_DEADLINE:g} s while Slack was held "
                    f"({error!r})"
                )
                continue
            finally:
                stub.call("bench.release")
            if finished:
                run.check_failures.append(
                    f"{kind}: {finished} Slack call(s) answered while the request was out"
                )
            problem = _answer_problem(kind, lead_id, status, body)
            if problem:
                run.check_failures.append(problem)
            elif not finished:
                run.checked[kind] += 1
    connection.close()


def _calls(stub: SlackStub) -> Counter[str]:
    return Counter(stub.call("bench.calls")["calls"])


def _answered(stub: SlackStub) -> int:
    return sum(_calls(stub).values())


def settle(stub: SlackStub, factory: SessionFactory, clicks: int) -> bool:
    """Wait until the outbox is empty and every click's private reply has been posted."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with read_scope(factory) as session:
            pending = count_by_status(session=session).get(OutboxStatus.PENDING, 0)
        if not pending and _calls(stub)["response_url"] >= clicks:
            return True
        time.sleep(0.02)
    return False


def bench_database(label: str, database_url: str, args: argparse.Namespace) -> Run:
    moves_each = args.warmup + args.requests + args.check
    seeded: list[Seeded] = []

    def prepare(settings: Settings, playbook: Playbook) -> None:
        engine = make_engine(settings.database_url)
        try:
            seeded.append(
                seed_leads(
                    session_factory(engine),
                    count=args.leads,
                    targets=2 * moves_each,
                    rep=playbook.team(TEAM).reps[0],
                    team=TEAM,
                    playbook=playbook,
                    now=utc_now(),
                )
            )
        finally:
            engine.dispose()

    print(f"{label}: seeding {args.leads:,} leads…", file=sys.stderr, flush=True)
    stub = SlackStub()
    try:
        with running_server(database_url, stub.url, prepare) as (base, server, playbook):
            server.bolt.command("/noop")(noop)
            run = Run(label, seeded[0], playbook.team(TEAM).reps[0])
            print(f"{label}: seeded in {run.seeded.seconds:.1f} s; measuring…", file=sys.stderr,
                  flush=True)  # fmt: skip
            _measure(run, stub, server.engine, playbook, base, args)
    finally:
        stub.close()
    return run


def _measure(
    run: Run, stub: SlackStub, engine: Engine, playbook: Playbook, base: str,
    args: argparse.Namespace,
) -> None:  # fmt: skip
    factory = session_factory(engine)
    requests = Requests(stub, playbook, run.seeded, base)
    requests.cards = post_target_cards(stub, factory, playbook, run.seeded.target_ids)
    url = urlsplit(base)
    connection = Connection(url.hostname or "127.0.0.1", url.port or 80)
    measure(connection, requests, args.warmup, run, record=False)
    measure(connection, requests, args.requests, run, record=True)
    connection.close()
    run.load = os.getloadavg()
    if not settle(stub, factory, len(requests.qualified["click"])):
        run.problems.append("the Slack calls of the measured requests did not all go out")
    before = _calls(stub)
    check_nothing_waits_on_slack(stub, factory, requests, args.check, run, base)
    if not settle(stub, factory, len(requests.qualified["click"])):
        run.problems.append("the Slack calls of the checked requests did not all go out")
    run.after_answers = _calls(stub) - before
    run.failed_slack_calls = int(stub.arrivals()["failed"])
    with read_scope(factory) as session:
        for how, ids in requests.qualified.items():
            leads = [get_lead(session=session, lead_id=lead_id) for lead_id in ids]
            stages = Counter(lead.stage if lead else "missing" for lead in leads)
            if stages != Counter({Stage.OPPORTUNITY: len(ids)}):
                run.problems.append(f"{how}: the leads qualified ended in {dict(stages)}")


# -- the report ------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(run: Run, args: argparse.Namespace) -> tuple[str, bool]:
    """The table of one database, and whether every target was met."""
    noop = run.seconds["noop"]
    base50, base99 = percentile(noop, 50), percentile(noop, 99)
    met = True
    rows = [["", "p50 ms", "p99 ms", "max ms", "p50 ÷ no-op", "p99 ÷ no-op", "target"]]
    for kind in KINDS:
        values = run.seconds[kind]
        p50, p99 = percentile(values, 50), percentile(values, 99)
        r50, r99 = p50 / base50, p99 / base99
        target = ""
        if kind in TARGETS:
            limit = TARGETS[kind]
            ok = r50 <= limit and r99 <= limit and p99 < FAR_UNDER * SLACK_DEADLINE
            met &= ok
            target = f"≤ {limit:g}× {'met' if ok else 'MISSED'}"
        rows.append([LABELS[kind], _ms(p50), _ms(p99), _ms(max(values)),
                     f"{r50:.2f}×", f"{r99:.2f}×", target])  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    seeded = run.seeded
    stages = ", ".join(f"{stage} {n:,}" for stage, n in seeded.stages.most_common())
    lines = [
        f"## {run.label}",
        "",
        f"{len(seeded.lead_ids):,} leads seeded in {seeded.seconds:.1f} s ({stages}); "
        f"{seeded.events:,} history events, {seeded.outbox_rows:,} sent outbox rows; "
        f"the measured rep owns {seeded.owners[run.rep]:,} leads, "
        f"{seeded.open_owned[run.rep]:,} of them open.",
        f"{args.requests} requests of each kind, interleaved, one at a time on one keep-alive "
        f"connection, after {args.warmup} rounds of warm-up; load average then "
        f"{' / '.join(f'{x:.2f}' for x in run.load)}.",
        "",
    ]
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    worst = max(percentile(run.seconds[k], 99) for k in KINDS)
    lines.append(f"Worst p99 {_ms(worst)} ms: {worst / SLACK_DEADLINE:.1%} of Slack's 3 s.")
    checked = ", ".join(f"{LABELS[k]} {run.checked[k]}/{args.check}" for k in KINDS)
    after = ", ".join(f"{method} {n}" for method, n in sorted(run.after_answers.items()))
    held_ok = not run.check_failures and all(run.checked[k] == args.check for k in KINDS)
    met &= held_ok
    lines.append(
        f"Answered while Slack held every call "
        f"({'no Slack call before any ack' if held_ok else 'FAILED'}): {checked}; "
        f"Slack calls made once released: {after or 'none'}."
    )
    lines += [f"  check: {failure}" for failure in run.check_failures[:10]]
    lines.append(f"Slack calls that failed during the run: {run.failed_slack_calls}.")
    if run.problems:
        met = False
        lines.append(f"Problems ({len(run.problems)}):")
        lines += [f"  {problem}" for problem in run.problems[:10]]
    return "\n".join(lines) + "\n", met


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--leads", type=int, default=100_000, help="leads stored")
    parser.add_argument("--requests", type=int, default=500, help="measured requests per kind")
    parser.add_argument("--warmup", type=int, default=30, help="rounds before measuring")
    parser.add_argument("--check", type=int, default=20, help="rounds with Slack held")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="server for a throw-away database (default %(default)s; 'none' skips PostgreSQL)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    print(
        f"leadbot pursuit benchmark · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {revision()} · "
        f"{platform.system()} {os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"options {json.dumps(vars(args))}\n",
        flush=True,
    )
    all_met = True
    if not args.no_sqlite:
        text, met = report(bench_database("SQLite", "sqlite:///{tmp}/bench.db", args), args)
        print(text, flush=True)
        all_met &= met
    if args.postgres_url.lower() != "none":
        try:
            with postgres_database(args.postgres_url) as url:
                text, met = report(bench_database("PostgreSQL", url, args), args)
            print(text, flush=True)
            all_met &= met
        except Skipped as skipped:
            print(f"## PostgreSQL\n\nskipped: {skipped}\n")
    print("Every target met." if all_met else "Some target was missed (see above).")


if __name__ == "__main__":
    main()
