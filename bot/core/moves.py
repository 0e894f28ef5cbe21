"""The moves a lead can make after hand-off, and what each one does to its stage.

What each move *is* (where it leads, what it asks for) is fixed here; which moves a team allows
from which stage is the playbook's `moves:` (`bot.pursuit.machine` combines the two).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.stages import Stage


class Move(StrEnum):
    CLAIM = "claim"
    TOUCH = "touch"  # a contact attempt by the owner; a nurture touch by marketing
    NOTE = "note"
    QUALIFY = "qualify"
    DISQUALIFY = "disqualify"
    RECYCLE = "recycle"
    SNOOZE = "snooze"
    WON = "won"
    LOST = "lost"
    HOLD = "hold"
    REOPEN = "reopen"


#: The outcomes of a contact attempt that reached the person (a connect): the owner's next step
#: changes, and the funnel report counts the attempts before the first of them.
CONNECTED = frozenset({"connected", "replied", "meeting booked"})


class ReasonList(StrEnum):
    """The playbook's `reasons:` lists a move picks from."""

    DISQUALIFY = "disqualify"
    RECYCLE = "recycle"
    LOST = "lost"


class DateRole(StrEnum):
    """What a date given with a move means."""

    REVISIT = "revisit"  # recycle: when the lead comes back to sales
    WAKE = "wake"  # snooze: when the owner is reminded again
    RESUME = "resume"  # hold: when the deal is picked up again


@dataclass(frozen=True)
class MoveSpec:
    move: Move
    to: Stage | None  # None: the lead stays where it is
    label: str  # the button
    past: str  # the thread line: "Ana qualified it"
    reasons: ReasonList | None = None  # a reason from this list is required
    date: DateRole | None = None
    date_required: bool = False
    text_required: bool = False  # a note needs its text


MOVES: dict[Move, MoveSpec] = {
    spec.move: spec
    for spec in (
        MoveSpec(Move.CLAIM, Stage.WORKING, "Claim", "claimed it"),
        MoveSpec(Move.TOUCH, None, "Log attempt", "logged an attempt"),
        MoveSpec(Move.NOTE, None, "Note", "noted", text_required=True),
        MoveSpec(Move.QUALIFY, Stage.OPPORTUNITY, "Qualify", "qualified it"),
        MoveSpec(
            Move.DISQUALIFY, Stage.DISQUALIFIED, "Disqualify", "disqualified it",
            reasons=ReasonList.DISQUALIFY,
        ),
        MoveSpec(
            Move.RECYCLE, Stage.NURTURE, "Recycle", "recycled it",
            reasons=ReasonList.RECYCLE, date=DateRole.REVISIT,
        ),
        MoveSpec(
            Move.SNOOZE, None, "Snooze", "snoozed it", date=DateRole.WAKE, date_required=True
        ),
        MoveSpec(Move.WON, Stage.WON, "Won", "won it"),
        MoveSpec(Move.LOST, Stage.LOST, "Lost", "lost it", reasons=ReasonList.LOST),
        MoveSpec(
            Move.HOLD, Stage.ON_HOLD, "Hold", "put it on hold", date=DateRole.RESUME,
            date_required=True,
        ),
        MoveSpec(Move.REOPEN, Stage.WORKING, "Reopen", "reopened it"),
    )
}  # fmt: skip

#: The moves from each stage when the playbook has no `moves:` section (DESIGN.md's process).
DEFAULT_MOVES: dict[Stage, tuple[Move, ...]] = {
    Stage.NURTURE: (Move.TOUCH, Move.NOTE),
    Stage.SALES_READY: (Move.CLAIM, Move.DISQUALIFY, Move.NOTE),
    Stage.WORKING: (
        Move.TOUCH, Move.QUALIFY, Move.DISQUALIFY, Move.RECYCLE, Move.SNOOZE, Move.NOTE,
        Move.HOLD,
    ),
    Stage.OPPORTUNITY: (Move.WON, Move.LOST, Move.HOLD, Move.TOUCH, Move.SNOOZE, Move.NOTE),
    Stage.ON_HOLD: (Move.REOPEN, Move.LOST, Move.NOTE),
    Stage.WON: (Move.NOTE,),
    Stage.LOST: (Move.REOPEN, Move.NOTE),
    Stage.DISQUALIFIED: (Move.REOPEN, Move.NOTE),
}  # fmt: skip


def move_named(word: str) -> Move | None:
    """The move a word names ("Qualify", "disqualify"), or None."""
    try:
        return Move(word.strip().lower())
    except ValueError:
        return None
