"""Nothing waits on Slack: the Claim ack beside a slow webhook, and the drain after an outage.

Run: `python bench/slack_resilience.py` (about 2.5 minutes: the outage lasts 60 s per database).

For each database it starts the server the way `leadbot serve` does (`build_server`, the outbox
worker running, uvicorn), with FakeSlack as the Slack Web API, and measures two things, each
against a baseline measured in the same run:

1. **Claim ack with a slow response_url.** Reps click Claim on sales-ready cards (signed
   block_actions requests). The baseline clicks are answered while FakeSlack answers the
   response_url at once; the measured ones while every response_url call takes
   `--webhook-latency` seconds (2 s), as a slow Slack webhook does. The private reply goes out
   after the ack, so the ack must not notice (target: p99 under 100 ms).
2. **Drain after an outage.** `--cards` sales-ready leads (200) are captured while Slack answers
   every call with 503 for `--outage` seconds (60). Measured: the time from Slack's return to the
   last card's arrival. The baseline is the time the same number of cards take to arrive when
   Slack is up throughout (target: the drain ends within 5 s of Slack's return).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as `python bench/slack_resilience.py`
    sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from bench.intake import DEFAULT_POSTGRES_URL, Skipped, postgres_database  # noqa: E402
from bench.report import percentile  # noqa: E402
from bot.playbook.loading import load_playbook  # noqa: E402
from bot.playbook.model import Playbook  # noqa: E402
from bot.runtime.demo import example_playbook_text  # noqa: E402
from bot.runtime.server import LeadbotServer, build_server, serving_in_thread  # noqa: E402
from bot.runtime.settings import Settings  # noqa: E402
from bot.slack.ids import ActionId, LeadRef  # noqa: E402
from bot.testkit.fakeslack import FakeSlack  # noqa: E402
from bot.testkit.payloads import block_action, signed_headers  # noqa: E402
from store.migrate import upgrade  # noqa: E402

TOKEN = "bench-intake-token"
SECRET = "bench-signing-secret"
BUYER = re.compile(r"Buyer (\d+)")
WAIT = 120.0  # seconds: only reached when something is broken


def hot_lead(n: int, run: str) -> dict[str, object]:
    """A sales-ready lead (the example playbook's EMEA team), unique per `n` and `run`."""
    return {
        "email": f"buyer{n}.{run}@bigcorp-industries.de",
        "name": f"Buyer {n}",
        "company": "BigCorp",
        "title": "VP Operations",
        "country": "DE",
        "company_size": 300,
        "budget": "approved",
        "timeframe": "this quarter",
    }


@contextmanager
def running_server(
    database_url: str,
    slack_api_url: str,
    prepare: Callable[[Settings, Playbook], None] | None = None,
) -> Iterator[tuple[str, LeadbotServer, Playbook]]:
    """The server as `leadbot serve` runs it, on a fresh database, with Slack's Web API at
    `slack_api_url`; `prepare` fills the database (migrated) before the server starts."""
    with tempfile.TemporaryDirectory(prefix="leadbot-bench-") as tmp:
        playbook_path = Path(tmp) / "playbook.yml"
        playbook_path.write_text(example_playbook_text(), encoding="utf-8")
        settings = Settings(
            slack_bot_token=SecretStr("xoxb-bench"),
            slack_signing_secret=SecretStr(SECRET),
            slack_app_token=None,
            slack_api_url=slack_api_url,
            database_url=database_url.replace("{tmp}", tmp),
            leadbot_config=playbook_path,
            leadbot_intake_token=SecretStr(TOKEN),
            outbox_poll_seconds=2.0,
        )
        upgrade(settings.database_url)
        playbook = load_playbook(settings.leadbot_config)
        if prepare is not None:
            prepare(settings, playbook)
        server = build_server(settings, playbook)
        server.worker.start()
        try:
            with serving_in_thread(server.api) as base:
                yield base, server, playbook
        finally:
            server.worker.stop()
            server.engine.dispose()


def capture(http: httpx.Client, count: int, run: str) -> list[int]:
    ids = []
    for n in range(count):
        answer = http.post(
            "/api/leads", json=hot_lead(n, run), headers={"Authorization": f"Bearer {TOKEN}"}
        )
        answer.raise_for_status()
        ids.append(int(answer.json()["id"]))
    return ids


def cards_posted(fake: FakeSlack) -> int:
    return sum(call.ok for call in fake.calls_to("chat.postMessage"))


def claim_acks(
    http: httpx.Client, fake: FakeSlack, playbook: Playbook, lead_ids: list[int]
) -> list[float]:
    """Click Claim on each lead as a rep of its team; the seconds each answer took."""
    ts_of = {}
    for team in playbook.teams.values():
        for message in fake.messages(team.channel):
            for block in message.blocks:
                for element in block.get("elements", []) if block["type"] == "actions" else []:
                    if element.get("action_id") == ActionId.CLAIM:
                        ts_of[LeadRef.read(element.get("value")).lead_id] = (team, message.ts)
    seconds = []
    for lead_id in lead_ids:
        team, ts = ts_of[lead_id]
        rep = team.reps[0]
        body, content_type = block_action(
            user_id=rep,
            action_id=ActionId.CLAIM,
            value=LeadRef(lead_id=lead_id).model_dump_json(),
            channel=team.channel,
            message_ts=ts,
            response_url=fake.response_url(rep),
        )
        headers = signed_headers(SECRET, body, int(time.time()), content_type)
        started = time.monotonic()
        answer = http.post("/slack/events", content=body, headers=headers)
        seconds.append(time.monotonic() - started)
        if answer.status_code != 200:
            raise RuntimeError(f"a Claim click was answered {answer.status_code}: {answer.text}")
    return seconds


def bench_acks(database_url: str, args: argparse.Namespace) -> dict[str, list[float]]:
    with (
        FakeSlack() as fake,
        running_server(database_url, fake.url) as (base, _, playbook),
        httpx.Client(base_url=base, timeout=30) as http,
    ):
        ids = capture(http, 2 * args.claims, "acks")
        if not fake.wait_until(lambda: cards_posted(fake) >= len(ids), timeout=WAIT):
            raise RuntimeError("the cards were not posted")
        fast = claim_acks(http, fake, playbook, ids[: args.claims])
        fake.answer_slowly("response_url", args.webhook_latency)
        slow = claim_acks(http, fake, playbook, ids[args.claims :])
        replies = 2 * args.claims
        if not fake.wait_until(lambda: len(fake.calls_to("response_url")) >= replies, timeout=WAIT):
            raise RuntimeError("the private replies were not all sent")
    return {"fast": fast, "slow": slow}


def bench_drain(database_url: str, args: argparse.Namespace) -> dict[str, float]:
    with (
        FakeSlack() as fake,
        running_server(database_url, fake.url) as (base, server, _),
        httpx.Client(base_url=base, timeout=30) as http,
    ):
        started = time.monotonic()
        capture(http, args.cards, "up")
        if not fake.wait_until(lambda: cards_posted(fake) >= args.cards, timeout=WAIT):
            raise RuntimeError("the cards were not posted")
        baseline = time.monotonic() - started
        before = cards_posted(fake)
        with fake.outage():
            capture(http, args.cards, "outage")
            time.sleep(args.outage)  # Slack stays down; the worker probes meanwhile
            tried = len(fake.calls_to("chat.postMessage"))
        back = time.monotonic()
        done = fake.wait_until(lambda: cards_posted(fake) >= before + args.cards, timeout=WAIT)
        drained = time.monotonic() - back
        if not done:
            raise RuntimeError("the backlog did not drain")
        posted = fake.calls_to("chat.postMessage")
        texts = [call.args.get("text", "") for call in posted[before:] if call.ok]
    numbers = [int(match.group(1)) for text in texts if (match := BUYER.search(text))]
    in_order = len(numbers) == args.cards and numbers == sorted(numbers)
    return {
        "baseline": baseline,
        "drain": drained,
        "tries_while_down": tried - before,
        "probes": server.worker.probes,
        "in_order": float(in_order),
    }


def report(
    label: str, acks: dict[str, list[float]], drain: dict[str, float], args: argparse.Namespace
) -> str:
    fast, slow = acks["fast"], acks["slow"]
    latency = f"{args.webhook_latency:g} s"

    def ms(values: list[float]) -> str:
        p50, p99 = percentile(values, 50) * 1000, percentile(values, 99) * 1000
        return f"p50 {p50:6.1f} ms   p99 {p99:6.1f} ms"

    lines = [
        f"## {label}",
        "",
        f"Claim ack, {args.claims} clicks each (target: p99 < 100 ms with a {latency} webhook)",
        f"  response_url answering at once    : {ms(fast)}",
        f"  response_url taking {latency:<13} : {ms(slow)}",
        f"  p99 ratio, slow webhook / fast    : {percentile(slow, 99) / percentile(fast, 99):.2f}x",
        "",
        f"Drain after a {args.outage:g} s outage, {args.cards} cards queued (target: <= 5 s)",
        f"  baseline, Slack up: capture -> last card  : {drain['baseline']:.2f} s",
        f"  after the outage: Slack back -> last card : {drain['drain']:.2f} s "
        f"({drain['drain'] / drain['baseline']:.2f}x the baseline)",
        f"  cards tried while Slack was down: {drain['tries_while_down']:.0f}; "
        f"auth.test probes: {drain['probes']:.0f}; "
        f"drained in order: {'yes' if drain['in_order'] else 'NO'}",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--claims", type=int, default=200, help="Claim clicks per phase")
    parser.add_argument("--cards", type=int, default=200, help="cards queued during the outage")
    parser.add_argument("--outage", type=float, default=60.0, help="seconds Slack is down")
    parser.add_argument("--webhook-latency", type=float, default=2.0, help="seconds")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="server for a throw-away database ('none' to skip PostgreSQL)",
    )
    args = parser.parse_args(argv)
    databases = [("SQLite", "sqlite:///{tmp}/bench.db")]
    print(f"leadbot Slack resilience benchmark; options: {json.dumps(vars(args))}\n")
    for label, url in databases:
        print(report(label, bench_acks(url, args), bench_drain(url, args), args), flush=True)
    if args.postgres_url != "none":
        try:
            with postgres_database(args.postgres_url) as url:
                acks = bench_acks(url, args)
            with postgres_database(args.postgres_url) as url:
                drain = bench_drain(url, args)
            print(report("PostgreSQL", acks, drain, args), flush=True)
        except Skipped as skipped:
            print(f"## PostgreSQL\n\nskipped: {skipped}\n")


if __name__ == "__main__":
    main()
