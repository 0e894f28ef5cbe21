"""`leadbot demo`: the whole hand-off against a local Slack stand-in, with a transcript."""

from __future__ import annotations

import json
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import httpx
from pydantic import SecretStr

from bot.fakeslack import FakeSlack
from bot.ids import ActionId, LeadRef
from bot.playbook import Playbook, load_playbook
from bot.server import LeadbotServer, build_server, serving_in_thread
from bot.settings import Settings
from bot.slackpayloads import block_action, signed_headers
from store.db import session_factory, session_scope
from store.migrate import upgrade
from store.outbox import OutboxStatus, count_by_status

INTAKE_TOKEN = "demo-intake-token"
SIGNING_SECRET = "demo-signing-secret"

SAMPLE_LEADS: list[tuple[str, dict[str, Any]]] = [
    (
        "A hot enterprise lead from a web form",
        {
            "email": "Greta.Maier@bigcorp-industries.de",
            "name": "Greta Maier",
            "company": "BigCorp Industries",
            "title": "VP Operations",
            "country": "Germany",
            "company_size": 5200,
            "budget": "approved",
            "timeframe": "this quarter",
            "compelling_event": "Contract with the current vendor ends in March",
        },
    ),
    (
        "A mid-market lead below the threshold: marketing nurtures it",
        {
            "email": "tom.hughes@brightlabs.co.uk",
            "name": "Tom Hughes",
            "company": "Bright Labs",
            "title": "Head of Analytics",
            "country": "GB",
            "company_size": 300,
            "budget": "planned",
            "timeframe": "this half",
        },
    ),
    (
        "A name that tries to ping the whole channel (escaped, pings nobody)",
        {
            "email": "mallory@north-analytics.com",
            "name": "<!channel> <https://evil.example|click>",
            "company": "North & Co",
            "title": "CEO",
            "country": "US",
            "company_size": 80,
            "budget": "approved",
            "timeframe": "this quarter",
        },
    ),
    (
        "Marketing fast-tracks a booth conversation",
        {
            "email": "ana.lima@solarfarm.com.br",
            "name": "Ana Lima",
            "company": "SolarFarm",
            "title": "Head of IT",
            "country": "Brazil",
            "company_size": 150,
            "source": "event",
            "fast_track": True,
        },
    ),
    ("A throw-away address is rejected", {"email": "someone@mailinator.com", "name": "Someone"}),
    (
        "The same person again, with a new phone number: merged, not duplicated",
        {"email": "greta.maier+webinar@BIGCORP-industries.de", "phone": "+49 89 1234567"},
    ),
]


def demo_settings(directory: Path, slack_url: str) -> Settings:
    return Settings(
        slack_bot_token=SecretStr("xoxb-demo"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack_url,
        database_url=f"sqlite:///{directory / 'demo.db'}",
        leadbot_config=directory / "playbook.yml",
        leadbot_intake_token=SecretStr(INTAKE_TOKEN),
    )


def example_playbook_text() -> str:
    return resources.files("bot").joinpath("playbook.example.yml").read_text(encoding="utf-8")


def click(
    http: httpx.Client, *, user_id: str, lead_id: int, channel: str, ts: str, response_url: str
) -> httpx.Response:
    """A rep clicks Claim: a block_actions request, signed as Slack signs it."""
    body, content_type = block_action(
        user_id=user_id,
        action_id=ActionId.CLAIM,
        value=LeadRef(lead_id=lead_id).model_dump_json(),
        channel=channel,
        message_ts=ts,
        response_url=response_url,
    )
    headers = signed_headers(SIGNING_SECRET, body, int(time.time()), content_type)
    return http.post("/slack/events", content=body, headers=headers)


def run_demo(out: TextIO) -> None:
    """Print, step by step, what each channel shows while sample leads flow through."""
    say = lambda text="": print(text, file=out, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="leadbot-demo-") as tmp, FakeSlack() as fake:
        directory = Path(tmp)
        (directory / "playbook.yml").write_text(example_playbook_text(), encoding="utf-8")
        settings = demo_settings(directory, fake.url)
        playbook: Playbook = load_playbook(settings.leadbot_config)
        upgrade(settings.database_url)
        server = build_server(settings, playbook)
        say("leadbot demo — a temporary SQLite store, the example playbook, a local Slack stand-in")
        say(f"Slack Web API stand-in: {fake.url}")
        server.worker.start()
        with (
            serving_in_thread(server.api) as base,
            httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {INTAKE_TOKEN}"}, timeout=10
            ) as http,
        ):
            say(f"leadbot serving at {base}\n")
            say("== 1. Web forms post leads to POST /api/leads")
            ids: dict[str, int] = {}
            for title, lead in SAMPLE_LEADS:
                answer = http.post("/api/leads", json=lead)
                say(f"- {title}\n    {answer.status_code} {answer.text}")
                if answer.status_code in (200, 201):
                    ids[lead["email"]] = answer.json()["id"]
            say(
                "\n== 2. Engagement: Tom requests a demo (POST /api/events), crossing the threshold"
            )
            answer = http.post(
                "/api/events", json={"email": "tom.hughes@brightlabs.co.uk", "type": "demo_request"}
            )
            say(f"    {answer.status_code} {answer.text}")
            settle(server)
            say("\n== 3. What the team channels show now")
            say(_indent(fake.transcript()))

            greta = ids["Greta.Maier@bigcorp-industries.de"]
            channel = playbook.team("enterprise").channel
            card = fake.messages(channel)[0]
            rep, other = playbook.team("enterprise").reps[0], playbook.team("enterprise").manager
            say(f"\n== 4. {rep} clicks Claim on lead #{greta}; a moment later {other} clicks too")
            for user in (rep, other):
                answer = click(
                    http,
                    user_id=user,
                    lead_id=greta,
                    channel=channel,
                    ts=card.ts,
                    response_url=fake.response_url(user),
                )
                say(f"    {user}: HTTP {answer.status_code}")
            settle(server)
            say("\n== 5. The card updated in place, and each clicker got a private answer")
            say(_indent(fake.transcript(channels=[channel])))
            health = http.get("/healthz")
            say(f"\nGET /healthz -> {health.status_code} {json.dumps(health.json())}")
        server.worker.stop()
        server.engine.dispose()
    say("\nDone. Next: `leadbot check-config`, then connect a real workspace (README).")


def settle(server: LeadbotServer, timeout: float = 10) -> None:
    """Wake the outbox worker and wait until it has delivered everything queued so far."""
    server.worker.wake()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(session_factory(server.engine)) as session:
            if not count_by_status(session=session).get(OutboxStatus.PENDING):
                return
        time.sleep(0.02)
    raise RuntimeError("the outbox did not drain; is the Slack stand-in answering?")


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
