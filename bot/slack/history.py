"""A lead's history as people read it: the line each move adds to the card's thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.moves import MOVES, DateRole, Move
from bot.slack.cards import mention, slack_date
from bot.slack.text import Message, fit

DATE_WORDS = {DateRole.REVISIT: "revisit", DateRole.WAKE: "until", DateRole.RESUME: "resume"}


@dataclass(frozen=True)
class MoveLine:
    """What one move did, for its thread line and its announcement."""

    lead_id: int
    actor: str
    move: Move
    reason: str = ""
    text: str = ""
    when: datetime | None = None
    amount: str = ""  # "18,000 EUR", already formatted
    attempt: str = ""  # "call: no answer"


def move_line(line: MoveLine) -> Message:
    """'<@Ana> recycled it: budget frozen; revisit Mon 2 Mar 2027' (each reader's own time zone)."""
    spec = MOVES[line.move]
    parts = [f"{mention(line.actor)} {spec.past}"]
    details = [fit(d, 300) for d in (line.attempt, line.amount, line.reason) if d]
    if line.text and line.text != line.reason:
        details.append(fit(line.text, 500))
    if line.when is not None and spec.date is not None:
        details.append(f"{DATE_WORDS[spec.date]} {slack_date(line.when)}")
    if details:
        parts.append(": " + "; ".join(details))
    return Message(text="".join(parts))


def handed_back_notice(line: MoveLine, lead_name: str) -> Message:
    """Marketing's channel hears of each lead sales sends back (recycle) or rules out."""
    who = fit(lead_name, 80) or "no name"
    return Message(text=f"*Lead #{line.lead_id}* ({who}): {move_line(line).text}")
