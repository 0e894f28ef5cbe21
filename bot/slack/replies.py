"""Ephemeral replies to a rep: help, a lead's summary, their own leads, a claim."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.moves import Move
from bot.core.stages import Stage, stage_name
from bot.playbook.model import Playbook
from bot.slack.cards import duration_words, fit_markup, mention, move_actions, slack_date
from bot.slack.history import MoveLine, move_line
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


def lead_summary_reply(lead: Lead, history: Sequence[LeadEvent], playbook: Playbook) -> Message:
    lines = [
        lead_line(lead),
        f"Contact: {fit(lead.email, 320)}" + (f" · {fit(lead.phone, 50)}" if lead.phone else ""),
    ]
    if lead.team:
        lines.append(f"Team: {escape(playbook.team(lead.team).name)}")
    if lead.owner_id:
        lines.append(f"Owner: {mention(lead.owner_id)}")
    step = playbook.next_step(Stage(lead.stage))
    if step:
        lines.append(f"Next step: {escape(step)}")
    if history:
        lines.append("*History*")
        for event in list(history)[-8:]:
            move = f" {event.from_stage} → {event.to_stage}" if event.to_stage else ""
            why = f" ({fit(event.reason, 120)})" if event.reason else ""
            lines.append(
                f"• {slack_date(event.at)} {event.kind}{move}{why} — {mention(event.actor)}"
            )
    return Message(text="\n".join(lines))


def my_leads_reply(leads: Sequence[Lead]) -> Message:
    if not leads:
        return Message(
            text="You are not working any lead right now. Claim one from your team channel."
        )
    return Message(text="*Your leads*\n" + "\n".join(f"• {lead_line(lead)}" for lead in leads))


def claimed_reply(lead: Lead, waited_seconds: float, playbook: Playbook) -> Message:
    step = playbook.next_step(Stage.WORKING)
    text = (
        f"You own lead #{lead.id} now "
        f"(claimed {duration_words(waited_seconds)} after it was posted)."
    )
    if step:
        text += f" Next step: {escape(step)}"
    return Message(text=text)


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
