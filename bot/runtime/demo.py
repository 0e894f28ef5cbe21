"""`leadbot demo`: the whole hand-off against a local Slack stand-in, with a transcript."""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, TextIO

import httpx
from pydantic import SecretStr

from bot.playbook.loading import load_playbook
from bot.playbook.model import Playbook
from bot.runtime.demo_clock import (
    SIGNING_SECRET,
    DemoClock,
    click,
    digest_step,
    nobody_rots,
    settle,
    shown_message,
)
from bot.runtime.server import LeadbotServer, build_server, serving_in_thread
from bot.runtime.settings import Settings
from bot.runtime.starter import example_playbook_text
from bot.slack.text import as_seen
from bot.testkit.fakeslack import FakeSlack
from bot.testkit.payloads import signed_headers, slash_command
from bot.testkit.transcript import PostedMessage, shown
from jobs.nurture import run_nurture
from jobs.outbox import deliver_outbox
from store.db import session_factory, session_scope
from store.leads import get_lead
from store.migrate import upgrade

INTAKE_TOKEN = "demo-intake-token"

#: What a browser sends from the README's HTML form (urlencoded; the honeypot left empty).
WEB_FORM_POST = {
    "first_name": "Lucía",
    "last_name": "Fernández",
    "email": "lucia.fernandez@zephyr-retail.es",
    "company": "Zephyr Retail",
    "title": "Marketing Manager",
    "employees": "1.200",
    "website": "",
}
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
        "The same person again, with a phone number: merged into lead #1, card updated",
        {"email": "greta.maier+webinar@BIGCORP-industries.de", "phone": "+49 89 1234567"},
    ),
]


def demo_settings(directory: Path, slack_url: str) -> Settings:
    """The demo's own settings; a .env in the working directory is not the demo's business."""
    return Settings(
        _env_file=None,
        slack_bot_token=SecretStr("xoxb-demo"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack_url,
        database_url=f"sqlite:///{directory / 'demo.db'}",
        leadbot_config=directory / "playbook.yml",
        leadbot_intake_token=SecretStr(INTAKE_TOKEN),
    )


def demo_names(playbook: Playbook) -> dict[str, str]:
    """Names for the playbook's channel and user IDs, as a workspace would show them."""
    names: dict[str, str] = {}
    if playbook.marketing is not None:
        names[playbook.marketing.channel] = "marketing"
        names.update({user: "marketer" for user in playbook.marketing.users})
    for team in playbook.teams.values():
        slug = re.sub(r"[^a-z0-9]+", "-", team.name.lower()).strip("-")
        names[team.channel] = slug
        names[team.manager] = f"{slug}-manager"
        for number, rep in enumerate(team.reps, 1):
            names[rep] = f"{slug}-rep" if len(team.reps) == 1 else f"{slug}-rep-{number}"
    # A DM with the bot, as its reader's sidebar names it.
    names.update({"D" + user[1:]: f"{name}'s DM" for user, name in list(names.items())
                  if user[:1] in ("U", "W")})  # fmt: skip
    return names


def lead_command(
    http: httpx.Client, *, user_id: str, text: str, channel: str, response_url: str
) -> str:
    """A rep types `/lead <text>`: a slash command, signed as Slack signs it; the private reply."""
    body, content_type = slash_command(
        user_id=user_id, text=text, channel=channel, response_url=response_url
    )
    headers = signed_headers(SIGNING_SECRET, body, int(time.time()), content_type)
    answer = http.post("/slack/events", content=body, headers=headers)
    return str(answer.json().get("text", "")) if answer.content else f"HTTP {answer.status_code}"


def run_demo(out: TextIO, chart_dir: Path | None = None) -> None:
    """Print, step by step, what each channel shows while sample leads flow through."""
    say = lambda text="": print(text, file=out, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="leadbot-demo-") as tmp, FakeSlack() as fake:
        directory = Path(tmp)
        (directory / "playbook.yml").write_text(example_playbook_text(), encoding="utf-8")
        settings = demo_settings(directory, fake.url)
        playbook: Playbook = load_playbook(settings.leadbot_config)
        names = demo_names(playbook)
        # Slack shows each reader dates in their own time zone: here, this computer's.
        local = datetime.now(UTC).astimezone().tzinfo or UTC

        clock = DemoClock()

        def seen(channels: list[str], first_lines: int | None = None, private: bool = True) -> str:
            return fake.transcript(
                channels, names=names, tz=local, first_lines=first_lines, private=private,
                now=clock(),
            )  # fmt: skip

        upgrade(settings.database_url)
        server = build_server(settings, playbook, clock=clock)
        server.worker.start()
        with (
            serving_in_thread(server.api) as base,
            httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {INTAKE_TOKEN}"}, timeout=10
            ) as http,
        ):
            say(f"leadbot demo: the real server at {base} with the example playbook, a throw-away")
            say("SQLite database and a stand-in for Slack on this computer (no Slack account).\n")
            say("== 1. Web forms post leads to POST /api/leads (answers: HTTP status, JSON)")
            ids: dict[str, int] = {}
            for title, lead in SAMPLE_LEADS:
                answer = http.post("/api/leads", json=lead)
                say(f"- {title}\n    {answer.status_code} {answer.text}")
                if answer.status_code in (200, 201):
                    ids[lead["email"]] = answer.json()["id"]
            say("- A plain HTML form on the website posts to /f/contact-sales (no token; nurtured)")
            answer = httpx.post(f"{base}/f/contact-sales", data=WEB_FORM_POST, timeout=10)
            say(f"    {answer.status_code} -> {answer.headers.get('location')}")
            say("\n== 2. Tom requests a demo (POST /api/events): his score crosses the threshold")
            answer = http.post(
                "/api/events", json={"email": "tom.hughes@brightlabs.co.uk", "type": "demo_request"}
            )
            say(f"    {answer.status_code} {answer.text}")
            settle(server)

            team = playbook.team("enterprise")
            others = [t.channel for t in playbook.teams.values() if t.channel != team.channel]
            say("\n== 3. Each sales-ready lead is posted as a card in its team's channel")
            before = seen([team.channel])
            say(_indent(before))
            say(_indent(seen(others, first_lines=2)))
            say(
                "    (… marks a card cut short here.) Lead #3's name shows exactly as it was typed:"
            )
            say("    it pings nobody and links nowhere.")

            greta = ids["Greta.Maier@bigcorp-industries.de"]
            card = fake.messages(team.channel)[0]
            rep, manager = team.reps[0], team.manager
            say(
                f"\n== 4. @{names[rep]} clicks Claim on lead #{greta}; "
                f"a moment later @{names[manager]} clicks too"
            )
            for user in (rep, manager):
                answer = click(
                    http,
                    user_id=user,
                    lead_id=greta,
                    channel=team.channel,
                    ts=card.ts,
                    response_url=fake.response_url(user),
                )
                say(f"    @{names[user]}: HTTP {answer.status_code}")
            settle(server)
            say("\n== 5. The card is updated in place, and each clicker gets a private answer")
            after_claim = seen([team.channel])
            say(_indent(_changes_only(before, after_claim, "as in step 3")))

            claimed_card = seen([team.channel], private=False)
            say("\n== 6. Reps work their leads with /lead (buttons on the card do the same)")
            work = _pursuit_script(playbook, server, ids)
            for user, channel, text in work:
                reply = lead_command(
                    http, user_id=user, text=text, channel=channel,
                    response_url=fake.response_url(user),
                )  # fmt: skip
                shown = as_seen(reply, now=datetime.now(UTC), names=names, tz=local)
                say(f"  @{names[user]}: /lead {text}\n    -> {shown.splitlines()[0]}")
            settle(server)
            say("\n== 7. Every move edits the card and adds a line to its thread; marketing hears")
            say("   of every lead sales sends back or rules out")
            after_work = seen([team.channel], private=False)
            say(_indent(_changes_only(claimed_card, after_work, "as in step 5")))
            if playbook.marketing is not None:
                say(_indent(seen([playbook.marketing.channel], private=False)))

            def show(message: PostedMessage) -> str:
                return shown_message(message, names=names, now=clock(), tz=local)

            nobody_rots(say, show, http, fake, server, playbook, clock, names)
            _revisit_step(server, fake, playbook, ids["ana.lima@solarfarm.com.br"],
                          lambda text: as_seen(text, now=datetime.now(UTC), names=names, tz=local),
                          say)  # fmt: skip
            digest_step(say, server, fake, playbook, clock, chart_dir or Path.cwd(),
                         lambda text: as_seen(text, now=clock(), names=names,
                                              tz=local))  # fmt: skip
            health = http.get("/healthz")
            say(f"\nGET /healthz -> {health.status_code} {json.dumps(health.json())}")
        server.worker.stop()
        server.engine.dispose()
    say("\nDone. To set up your own team, in a folder of your choice:")
    say("  leadbot init           # writes playbook.yml (this example) and a commented .env")
    say("  leadbot check-config   # checks the playbook; edit it until it names your teams")
    say("Then connect a real workspace: README.md, 'Running it for your team'.")


def _pursuit_script(
    playbook: Playbook, server: LeadbotServer, ids: dict[str, int]
) -> list[tuple[str, str, str]]:
    """(rep, channel, text) of the /lead commands step 6 types: attempts and a qualify on Greta's
    lead; another team's rep claims two of its leads, disqualifies one and recycles the other."""
    enterprise = playbook.team("enterprise")
    rep, greta = enterprise.reps[0], ids["Greta.Maier@bigcorp-industries.de"]
    script = [
        (rep, enterprise.channel, f"touch {greta} call no answer"),
        (rep, enterprise.channel, f"touch {greta} e-mail replied"),
        (rep, enterprise.channel, f"qualify {greta} demo booked for Thursday"),
    ]
    moves = [
        ("mallory@north-analytics.com", "disqualify {id} spam"),  # the name that tried to ping
        ("ana.lima@solarfarm.com.br", "recycle {id} budget frozen, revisit in 3 months"),
    ]
    with session_scope(session_factory(server.engine)) as session:
        for email, move in moves:
            lead = get_lead(session=session, lead_id=ids[email])
            if lead is None or lead.team is None:
                continue
            team = playbook.team(lead.team)
            script.append((team.reps[0], team.channel, f"claim {lead.id}"))
            script.append((team.reps[0], team.channel, move.format(id=lead.id)))
    return script


def _revisit_step(
    server: LeadbotServer,
    fake: FakeSlack,
    playbook: Playbook,
    lead_id: int,
    render: Callable[[str], str],
    say: Callable[[str], None],
) -> None:
    """Step 10: the clock jumps to the recycled lead's revisit date and the nurture job (which
    `serve` runs every five minutes) brings it back to its team, linking its earlier thread."""
    factory = session_factory(server.engine)
    with session_scope(factory) as session:
        lead = get_lead(session=session, lead_id=lead_id)
    if lead is None or lead.revisit_at is None or lead.team is None or lead.card_ts is None:
        return
    channel, earlier = playbook.team(lead.team).channel, lead.card_ts
    say(f"\n== 10. The clock jumps 3 months, to lead #{lead_id}'s revisit date: the nurture job")
    say("   brings it back to sales (and hands marketing any lead nobody claimed as it cooled)")
    told = len(fake.messages(playbook.marketing.channel)) if playbook.marketing else 0
    done = run_nurture(session_factory=factory, playbook=playbook, now=lead.revisit_at)
    say(f"    nurture: {done.words()}")
    # Its messages are due at that date, months ahead of the worker's clock: sent at it here.
    while deliver_outbox(session_factory=factory, client=server.bolt.client,
                         now=lead.revisit_at).attempted:  # fmt: skip
        pass
    where = render(f"<#{channel}>")
    *_, back = fake.replies(channel, earlier)
    say(f"    {where}, the earlier card's thread ends:\n          ↳ {render(back.text)}")
    fresh = fake.messages(channel)[-1]
    say(f"    {where}, the fresh card:")
    say(_indent("\n".join(shown(fresh.blocks, fresh.text, render, first_lines=3))))
    for line in fake.replies(channel, fresh.ts):
        say(f"          ↳ {render(line.text)}")
    if playbook.marketing is not None:
        say(f"    {render(f'<#{playbook.marketing.channel}>')}:")
        for notice in fake.messages(playbook.marketing.channel)[told:]:
            say(f"        {render(notice.text)}")


def _changes_only(before: str, after: str, note: str) -> str:
    """`after`, with each long run of lines that `before` has too folded into one line."""
    old, new = before.splitlines(), after.splitlines()
    lines: list[str] = []
    for tag, _, _, start, end in SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal" and end - start > 4:
            indent = new[start + 2][: len(new[start + 2]) - len(new[start + 2].lstrip())]
            lines += [*new[start : start + 2], f"{indent}… {end - start - 2} more lines {note}"]
        else:
            lines += new[start:end]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
