"""Ephemeral replies to a rep: help, a lead's summary, their own leads, a claim."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.moves import Move
from bot.core.stages import CLOSED_STAGES, Stage, stage_name
from bot.playbook.model import Playbook
from bot.slack.cards import (
    SECTION_LIMIT,
    duration_words,
    fit_markup,
    mention,
    move_actions,
    slack_date,
)
from bot.slack.history import MoveLine, history_lines, money_words, move_line
from bot.slack.text import Message, escape, fit
from store.models import Lead, LeadEvent


@dataclass(frozen=True)
class CommandHelp:
    usage: str
    summary: str


def help_reply(commands: Sequence[CommandHelp]) -> Message:
    lines = [f"• `{c.usage}` — {c.summary}" for c in commands]
    lines.append("A lead is its number (42, #42, L-42) or its e-mail address.")
    return Message(text="*leadbot* — what you can do with `/lead`:\n" + "\n".join(lines))


def unknown_command_reply(word: str, commands: Sequence[CommandHelp]) -> Message:
    return Message(text=f"I don't know `{fit(word, 40)}`. {help_reply(commands).text}")


def move_reply(lead: Lead, line: MoveLine, playbook: Playbook, *, offer_way_out: bool) -> Message:
    """The actor's private confirmation: what the thread now says, and the next step."""
    text = f"Done: {move_line(line).text} (lead #{lead.id}, now {stage_name(lead.stage)})."
    step = playbook.next_step(Stage(lead.stage), connected=lead.connected_at is not None)
    if step:
        text += f" Next step: {escape(step)}"
    if not offer_way_out:
        return Message(text=text)
    ways_out = tuple(
        m for m in (Move.RECYCLE, Move.DISQUALIFY) if m in playbook.moves_from(Stage(lead.stage))
    )
    question = f"{lead.attempts} attempts and no connect yet: time to let go?"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": fit_markup(text)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": question}},
        {"type": "actions", "elements": move_actions(lead, ways_out)},
    ]
    return Message(text=f"{text}\n{question}", blocks=blocks)


def lead_line(lead: Lead) -> str:
    who = fit(lead.name or lead.email, 80)
    company = f", {fit(lead.company, 80)}" if lead.company else ""
    stage = stage_name(lead.stage)
    return f"#{lead.id} *{who}*{company} — {stage}, score {lead.score:g}"


def due_words(due: datetime | None, now: datetime) -> str:
    """'*overdue* by 2 days (due <date>)' or 'due <date> (in 5 h)'; '' without a deadline."""
    if due is None:
        return ""
    if due <= now:
        late = duration_words((now - due).total_seconds())
        return f":warning: *overdue* by {late} (due {slack_date(due)})"
    return f"due {slack_date(due)} (in {duration_words((due - now).total_seconds())})"


def stage_words(lead: Lead, now: datetime) -> str:
    """'Working for 3 days', 'Won' (closed stages say since when)."""
    stage = stage_name(lead.stage).capitalize()
    if lead.stage in CLOSED_STAGES:
        return f"{stage} since {slack_date(lead.stage_entered_at)}"
    return f"{stage} for {duration_words((now - lead.stage_entered_at).total_seconds())}"


def paused_words(lead: Lead, now: datetime) -> str:
    """'Snoozed until <date>' / 'On hold until <date>' while it lasts, else ''."""
    until = lead.snoozed_until
    if until is None or until <= now or lead.stage in CLOSED_STAGES:
        return ""
    paused = "On hold" if lead.stage == Stage.ON_HOLD else "Snoozed"
    return f"{paused} until {slack_date(until)}"


#: `/lead show` prints the most recent events of a lead's history, at most this many.
SHOWN_EVENTS = 15


def lead_summary_reply(
    lead: Lead,
    history: Sequence[LeadEvent],
    playbook: Playbook,
    *,
    now: datetime,
    due: datetime | None,
    events_total: int,
) -> Message:
    """`/lead show`: the lead's details, then its latest history as people read it."""
    details = fit_markup("\n".join(_details(lead, playbook, now=now, due=due)))
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": details}}]
    if history:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _history(history, playbook, events_total)},
            }
        )
    who = fit(lead.name or lead.email, 200)
    return Message(text=f"Lead #{lead.id}: {who} ({stage_name(lead.stage)})", blocks=blocks)


def _details(lead: Lead, playbook: Playbook, *, now: datetime, due: datetime | None) -> list[str]:
    company = f", {fit(lead.company, 120)}" if lead.company else ""
    lines = [f"*Lead #{lead.id}* — *{fit(lead.name or lead.email, 120)}*{company}"]
    about = [fit(lead.title, 120)] if lead.title else []
    lines.append(" · ".join([*about, f"score {lead.score:g}"]))
    phone = f" · {fit(lead.phone, 50)}" if lead.phone else ""
    lines.append(f"Contact: {fit(lead.email, 320)}{phone}")
    team = fit(playbook.teams[lead.team].name, 80) if lead.team in playbook.teams else ""
    if lead.owner_id:
        owner = f"Owner: {mention(lead.owner_id)}"
    elif lead.stage == Stage.SALES_READY:
        owner = (
            f"Unclaimed, waiting since {slack_date(lead.sales_ready_at or lead.stage_entered_at)}"
        )
    else:
        owner = ""
    lines.append(" · ".join(part for part in (f"Team: {team}" if team else "", owner) if part))
    stage = stage_words(lead, now)
    when = due_words(due, now)
    lines.append(f"Stage: {stage}" + (f" · {when}" if when else ""))
    if lead.attempts or lead.connected_at:
        connected = f" · connected {slack_date(lead.connected_at)}" if lead.connected_at else ""
        lines.append(f"Contact attempts: {lead.attempts}{connected}")
    paused = paused_words(lead, now)
    if paused:
        lines.append(paused)
    if lead.stage == Stage.NURTURE and lead.revisit_at:
        lines.append(f"Revisit {slack_date(lead.revisit_at)}")
    if lead.stage == Stage.WON and lead.amount is not None:
        lines.append(f"Amount: {money_words(lead.amount, escape(lead.currency))}")
    if lead.stage in (Stage.LOST, Stage.DISQUALIFIED, Stage.NURTURE) and lead.reason:
        lines.append(f"Reason: {fit(lead.reason, 200)}")
    step = playbook.next_step(Stage(lead.stage))
    if step and lead.stage not in CLOSED_STAGES:
        lines.append(f"Next step: {fit(step, 300)}")
    return [line for line in lines if line]


def _history(history: Sequence[LeadEvent], playbook: Playbook, events_total: int) -> str:
    """The newest lines that fit in one section, whole lines only (a cut date token or
    entity would show as garbage)."""
    head = "*History*"
    if events_total > len(history):
        head += f" (the last {len(history)} of {events_total} events)"
    lines = [f"• {line}" for line in history_lines(history, playbook)]
    kept: list[str] = []
    used = len(head) + len(CUT_NOTE) + 2
    for line in reversed(lines):
        if used + len(line) + 1 > SECTION_LIMIT:
            break
        kept.append(line)
        used += len(line) + 1
    kept.reverse()
    if len(kept) < len(lines):
        kept.insert(0, CUT_NOTE)
    return "\n".join([head, *kept])


CUT_NOTE = "_…older lines left out_"


def my_leads_reply(
    leads: Sequence[tuple[Lead, datetime | None]], total: int, now: datetime
) -> Message:
    """`/lead mine`: the rep's open leads, the most urgent first, whole lines within a message."""
    if not leads:
        return Message(
            text="You are not working any lead right now. Claim one from your team channel."
        )
    lines = ["*Your leads*"]
    used = len(lines[0])
    for shown, (lead, due) in enumerate(leads):
        when = due_words(due, now)
        line = f"• {lead_line(lead)}" + (f" · {when}" if when else "")
        if used + len(line) + 60 > MINE_LIMIT:
            lines.append(f"…and {total - shown} more.")
            break
        lines.append(line)
        used += len(line) + 1
    else:
        if total > len(leads):
            lines.append(f"…and {total - len(leads)} more.")
    return Message(text="\n".join(lines))


#: `/lead mine` answers in one message's text; Slack advises keeping it under 4,000 characters.
MINE_LIMIT = 3900


def claimed_reply(lead: Lead, waited_seconds: float, playbook: Playbook) -> Message:
    step = playbook.next_step(Stage.WORKING)
    text = (
        f"You own lead #{lead.id} now "
        f"(claimed {duration_words(waited_seconds)} after it was posted)."
    )
    if step:
        text += f" Next step: {escape(step)}"
    return Message(text=text)


#: What the round robin did after a pass, as the passing rep reads it.
AFTER_PASS = {
    "offer": "it is offered to the next rep.",
    "assign": "nobody else could take it, so the manager was asked to assign it.",
    "deferred": "the manager is asked to assign it when their working day starts.",
}


def passed_reply(lead_id: int, next_step: str) -> Message:
    after = AFTER_PASS.get(next_step, "it waits in the channel.")
    return Message(text=f"You passed on lead #{lead_id}; {after}")


def assigned_reply(lead: Lead) -> Message:
    return Message(
        text=f"Lead #{lead.id} is assigned to {mention(lead.owner_id or '')}; they were told."
    )


def away_reply(until: datetime) -> Message:
    return Message(
        text=f"You are away until {slack_date(until)}: no leads are offered to you until then. "
        "Back earlier? `/lead back`."
    )


def back_reply(was_away: bool) -> Message:
    if was_away:
        return Message(text="Welcome back: leads are offered to you again.")
    return Message(text="You were not away: leads are offered to you as usual.")


def lead_captured_reply(
    lead: Lead, handed_to_sales: bool, playbook: Playbook, created: bool
) -> Message:
    verb = "captured" if created else "merged into the existing lead"
    if handed_to_sales and lead.team:
        team = playbook.team(lead.team)
        where = f"it is sales-ready and posted to <#{team.channel}>."
    elif lead.stage == Stage.NURTURE:
        threshold = playbook.scoring.threshold
        where = f"score {lead.score:g} is below {threshold:g}, so marketing nurtures it."
    else:
        where = f"it is {stage_name(lead.stage)}."
    return Message(text=f"Lead #{lead.id} ({fit(lead.email, 320)}) {verb}: {where}")
