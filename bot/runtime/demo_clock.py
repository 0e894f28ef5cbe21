"""`leadbot demo`'s tools and the steps where its clock jumps (8: nobody claims a lead, 9: its
owner does nothing, 11: the weekly digest): the demo's clock, a signed click, waiting for the
outbox, and messages shown in a line or two."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import time as clock_time
from pathlib import Path

import httpx

from bot.playbook.fields import Duration
from bot.playbook.model import Playbook
from bot.reporting.windows import last_digest_moment
from bot.runtime.server import LeadbotServer
from bot.slack.cards import duration_words
from bot.slack.ids import ActionId, LeadRef
from bot.slack.text import as_seen
from bot.testkit.fakeslack import FakeSlack
from bot.testkit.payloads import block_action, signed_headers
from bot.testkit.transcript import PostedMessage
from jobs.digest import digest_zone, run_digest
from jobs.sla import run_sla
from store.db import session_factory, session_scope
from store.leads import get_lead, unclaimed_leads
from store.outbox import OutboxStatus, count_by_status

#: The demo's Slack signing secret (the stand-in Slack and the server share it).
SIGNING_SECRET = "demo-signing-secret"


#: Where the demo writes the digest's funnel chart: beside the transcript it prints.
CHART_FILE = "leadbot-demo-funnel.png"


class DemoClock:
    """The server's clock: the computer's time until the demo jumps it forward."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or datetime.now(UTC)


def click(
    http: httpx.Client,
    *,
    user_id: str,
    lead_id: int,
    channel: str,
    ts: str,
    response_url: str,
    action_id: str = ActionId.CLAIM,
    value: str = "",
) -> httpx.Response:
    """A click on a button (Claim unless told): block_actions, signed as Slack signs it."""
    body, content_type = block_action(
        user_id=user_id,
        action_id=action_id,
        value=value or LeadRef(lead_id=lead_id).model_dump_json(),
        channel=channel,
        message_ts=ts,
        response_url=response_url,
    )
    headers = signed_headers(SIGNING_SECRET, body, int(time.time()), content_type)
    return http.post("/slack/events", content=body, headers=headers)


def settle(server: LeadbotServer, timeout: float = 10) -> None:
    """Wait until the calls made after the acks have run, and the outbox has delivered all."""
    if not server.api.state.deferred_runs.wait_idle(timeout):
        raise RuntimeError("the replies after the acks did not finish")
    server.worker.wake()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(session_factory(server.engine)) as session:
            if not count_by_status(session=session).get(OutboxStatus.PENDING):
                return
        time.sleep(0.02)
    raise RuntimeError("the outbox did not drain; is the Slack stand-in answering?")


def _due_at(server: LeadbotServer, lead_id: int) -> datetime:
    with session_scope(session_factory(server.engine)) as session:
        lead = get_lead(session=session, lead_id=lead_id)
        assert lead is not None and lead.due_at is not None, "the demo's lead has no due time"
        return lead.due_at


def nobody_rots(
    say: Callable[..., None],
    show: Callable[[PostedMessage], str],
    http: httpx.Client,
    fake: FakeSlack,
    server: LeadbotServer,
    playbook: Playbook,
    clock: DemoClock,
    names: dict[str, str],
) -> None:
    """Steps 8-9: the clock jumps from due time to due time and the SLA sweep runs, as
    `leadbot jobs run sla --now …` would: a re-announcement, offers with a pass, the manager's
    one-click assign; an owner's reminder and the manager's escalation."""
    factory = session_factory(server.engine)
    later = _words(playbook.escalate_after)

    def jump_to(lead_id: int, what: str) -> None:
        clock.now = _due_at(server, lead_id)
        local = clock.now.astimezone(playbook.business_hours.zone)
        say(f"  -- {local:%a %d %b %H:%M} {playbook.business_hours.timezone}: {what}")
        say(f"     (leadbot jobs run sla --now {clock.now:%Y-%m-%dT%H:%MZ})")
        run_sla(session_factory=factory, playbook=playbook, now=clock.now)
        settle(server)

    def latest(conversation: str) -> PostedMessage:
        return fake.messages(conversation)[-1]

    waiting = [lead for lead in _unclaimed(server, list(playbook.teams)) if lead[1] == "emea"]
    if not waiting:
        return
    lead_id, team_key = waiting[0]
    team = playbook.team(team_key)
    say(f"\n== 8. Nobody claims lead #{lead_id}: the clock jumps from one due time to the next")
    jump_to(lead_id, "2 business hours as sales-ready are over")
    say(show(latest(team.channel)))
    jump_to(lead_id, f"{later} later, still unclaimed: it is offered to one rep at a time")
    [first] = [r for r in team.reps if fake.messages(r)]
    say(show(latest(first)))
    say(f"  @{names[first]} clicks Pass: the next rep is asked at once (never back to a passer)")
    click(http, user_id=first, lead_id=lead_id, channel=first, ts=latest(first).ts,
          response_url=fake.response_url(first), action_id=ActionId.OFFER_PASS)  # fmt: skip
    settle(server)
    second = next(r for r in team.reps if r != first)
    say(show(latest(second)))
    jump_to(lead_id, f"nobody accepted within {_words(playbook.offers.timeout)}")
    ask = latest(team.manager)
    say(show(ask))
    assign = next(
        b["accessory"]["value"] for b in ask.blocks
        if b.get("accessory", {}).get("value", "").endswith(f'"rep_id":"{second}"}}')
    )  # fmt: skip
    say(f"  @{names[team.manager]} clicks Assign beside @{names[second]}")
    click(http, user_id=team.manager, lead_id=lead_id, channel=team.manager, ts=ask.ts,
          response_url=fake.response_url(team.manager), action_id=ActionId.ASSIGN,
          value=assign)  # fmt: skip
    settle(server)
    say(show(latest(second)))
    card = next(m for m in fake.messages(team.channel) if f"lead #{lead_id}" in m.text.lower())
    say(f"  The card in #{names[team.channel]} now shows its owner; its thread tells the story:")
    for reply in fake.replies(team.channel, card.ts):
        say(f"      ↳ {show(reply).strip()}")

    say(f"\n== 9. @{names[second]} does nothing with it: the owner is reminded, then the manager")
    jump_to(lead_id, "its 2 business days in working are over")
    say(show(latest(second)))
    jump_to(lead_id, f"{later} later, still untouched")
    say(show(latest(team.manager)))


def shown_message(
    message: PostedMessage, *, names: dict[str, str], now: datetime, tz: tzinfo
) -> str:
    """One message in a few lines, as people read it: where, what, its buttons and menus."""
    where = names.get(message.channel, message.channel)
    lines = [f"    {where}: {as_seen(message.text, now=now, names=names, tz=tz)}"]
    controls: list[str] = []
    for block in message.blocks:
        accessory = block.get("accessory") or {}
        if accessory.get("type") == "button":  # a person with their own button
            who = as_seen(block["text"]["text"], now=now, names=names, tz=tz)
            lines.append(f"      [{accessory['text']['text']}] {who}")
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            label = (element.get("text") or element.get("placeholder") or {}).get("text")
            controls += [f"[{label}]"] if label else []
    if controls:
        lines.append("      " + "  ".join(controls))
    return "\n".join(lines)


def _words(duration: Duration) -> str:
    return duration_words(duration.as_timedelta.total_seconds())


def _unclaimed(server: LeadbotServer, teams: list[str]) -> list[tuple[int, str]]:
    """(id, team) of the sales-ready leads nobody claimed, oldest first."""
    with session_scope(session_factory(server.engine)) as session:
        return [(lead.id or 0, lead.team or "") for lead in
                unclaimed_leads(session=session, teams=teams, stage="sales_ready")]  # fmt: skip


def digest_step(
    say: Callable[[str], None],
    server: LeadbotServer,
    fake: FakeSlack,
    playbook: Playbook,
    clock: DemoClock,
    chart_dir: Path,
    render: Callable[[str], str],
) -> None:
    """Step 11: the Monday after this week, at the digest's hour, the managers' channel gets the
    week's figures, the chart in the thread (written next to the transcript)."""
    if playbook.digest is None:
        return
    zone = digest_zone(playbook)
    today = datetime.now(UTC).astimezone(zone).date()
    monday = today + timedelta(days=7 - today.weekday())
    clock.now = last_digest_moment(
        datetime.combine(monday, clock_time(23, 59), tzinfo=zone), playbook.digest, zone
    )
    local = clock.now.astimezone(zone)
    say(f"\n== 11. {local:%a %d %b %H:%M} {zone.key}: the weekly digest in the managers' channel")
    say(f"     (leadbot jobs run digest --now {clock.now:%Y-%m-%dT%H:%MZ})")
    queued = run_digest(session_factory=session_factory(server.engine), playbook=playbook,
                        now=clock.now)  # fmt: skip
    settle(server)
    settle(server)  # the chart goes once its message is sent
    posted = fake.messages(playbook.digest.channel)
    say(f"    {queued} messages: the company's and each team's figures, the chart in the thread")
    if posted:
        company = posted[0]
        for block in company.blocks:
            text = (
                block.get("text", {}).get("text", "") if isinstance(block.get("text"), dict) else ""
            )
            for line in text.splitlines():
                say(f"      {render(line)}")
    for chart in fake.files(playbook.digest.channel)[:1]:
        (chart_dir / CHART_FILE).write_bytes(chart.content)
        say(f"      ↳ [image: {chart.filename}] written to ./{CHART_FILE}")
