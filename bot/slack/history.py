"""A lead's history as people read it: the line each move adds to the card's thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.events import EventKind
from bot.core.moves import MOVES, DateRole, Move, move_named
from bot.core.stages import Stage, stage_name
from bot.playbook.fields import CHANNEL_ID, USER_ID
from bot.playbook.model import Playbook
from bot.slack.cards import SOURCE_LABELS, duration_words, mention, slack_date
from bot.slack.text import ELLIPSIS, Message, fit
from store.models import LeadEvent

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
    parts = [f"{who(line.actor)} {spec.past}"]
    details = [fit(d, 300) for d in (line.attempt, line.amount, line.reason) if d]
    if line.text and line.text != line.reason:
        details.append(fit(line.text, 500))
    if line.when is not None and spec.date is not None:
        details.append(f"{DATE_WORDS[spec.date]} {slack_date(line.when)}")
    if details:
        parts.append(": " + "; ".join(details))
    return Message(text="".join(parts))


#: What each escalation step did, as its thread line and its line in `/lead show`.
ESCALATION_WORDS = {
    "owner": "Past the playbook's time: {people} reminded",
    "channel": "Re-announced in the channel: nobody had claimed it",
    "offer": "Nobody claimed it: offered to {people} (round robin)",
    "manager": "Nobody moved it: {people} (the manager) told",
    "assign": "Nobody took it: {people} (the manager) asked to assign it",
    "admins": "Still nothing after the manager heard: {people} told",
}


def escalation_line(to: str, people: Sequence[str]) -> Message:
    """'Nobody claimed it: offered to <@Ana> (round robin)'."""
    named = ", ".join(mention(p) for p in people) or "nobody"
    words = ESCALATION_WORDS.get(to, "Escalated to {people}")
    return Message(text=words.format(people=named))


def offer_passed_line(rep: str, *, timed_out: bool) -> Message:
    if timed_out:
        return Message(text=f"No answer from {mention(rep)} in time: the next rep is asked")
    return Message(text=f"{mention(rep)} passed: the next rep is asked")


def assigned_line(rep: str, by: str) -> Message:
    return Message(text=f"{who(by)} assigned it to {who(rep)}")


def handed_back_notice(line: MoveLine, lead_name: str) -> Message:
    """Marketing's channel hears of each lead sales sends back (recycle) or rules out."""
    who = fit(lead_name, 80) or "no name"
    return Message(text=f"*Lead #{line.lead_id}* ({who}): {move_line(line).text}")


# -- a lead's stored history, as `/lead show` prints it ------------------------------------------

#: Who a history event names when no person made it (the `actor` intake and routing record).
SYSTEM_ACTORS = {"api": "the lead API", "csv": "a CSV import", "leadbot": "leadbot"}
#: A history line quotes at most this much of what a person typed (raw characters; escaping may
#: lengthen it), so that fifteen lines fit in one section.
QUOTED = 160
STAGE_REACHED = {
    Stage.SALES_READY.value: "Sales-ready",
    Stage.NURTURE.value: "Nurtured by marketing",
}


def who(actor: str) -> str:
    """A person as a mention; intake, imports and forms in words (escaped)."""
    if USER_ID.match(actor):
        return mention(actor)
    if actor.startswith("form:"):
        return f"web form `{fit(actor.removeprefix('form:'), 60)}`"
    return SYSTEM_ACTORS.get(actor) or fit(actor, 60)


def money_words(value: float, currency: str = "") -> str:
    """'18,000 EUR', '1,234.50': whole amounts without cents."""
    shown = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return f"{shown} {currency}".strip()


def history_lines(events: Sequence[LeadEvent], playbook: Playbook) -> list[str]:
    """One line per event, oldest first: '<date> — <what happened>', user text escaped.

    A claim is stored as a stage change plus a `claimed` event and shows as one line; a run of
    engagement events (page views, downloads…) shows as one line too.
    """
    lines: list[str] = []
    events = list(events)
    at = 0
    while at < len(events):
        event = events[at]
        if event.kind == EventKind.ENGAGED:
            run = [event]
            while at + len(run) < len(events) and events[at + len(run)].kind == EventKind.ENGAGED:
                run.append(events[at + len(run)])
            lines.append(f"{slack_date(run[-1].at)} — {_engagements(run)}")
            at += len(run)
            continue
        following = events[at + 1] if at + 1 < len(events) else None
        if not _told_by_next(event, following):
            lines.append(f"{slack_date(event.at)} — {_event_words(event, playbook)}")
        at += 1
    return lines


def _told_by_next(event: LeadEvent, following: LeadEvent | None) -> bool:
    """A stage change the next event tells (a claim, a revisit): one line for both."""
    return (
        event.kind == EventKind.STAGE_CHANGED
        and not (event.data or {}).get("move")
        and following is not None
        and following.kind in (EventKind.CLAIMED, EventKind.REVISITED)
        and following.actor == event.actor
    )


def _quoted(text: object) -> str:
    """What a person typed, shortened (raw: `move_line` and `fit` escape it)."""
    words = str(text or "").strip()
    return words if len(words) <= QUOTED else words[: QUOTED - 1].rstrip() + ELLIPSIS


def _when(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _event_words(event: LeadEvent, playbook: Playbook) -> str:
    move = _as_move(event)
    if move is not None:  # in the words of the thread line the move added
        return move_line(move).text
    describe = _DESCRIBED.get(event.kind)
    if describe is not None:
        return describe(event, playbook)
    return f"{fit(str(event.kind).replace('_', ' '), 40)} by {who(event.actor)}"


def _as_move(event: LeadEvent) -> MoveLine | None:
    """The move an event records, as `apply_move` described it for the thread; None for the
    events no move made (intake, routing, the claim)."""
    data: dict[str, Any] = event.data or {}
    kind, lead_id, actor = event.kind, event.lead_id, event.actor
    if kind in (EventKind.ATTEMPT, EventKind.NURTURE_TOUCH):
        attempt = ": ".join(_quoted(data.get(k)) for k in ("channel", "outcome") if data.get(k))
        return MoveLine(lead_id, actor, Move.TOUCH, text=_quoted(event.reason), attempt=attempt)
    if kind == EventKind.NOTE:
        return MoveLine(lead_id, actor, Move.NOTE, text=_quoted(event.reason))
    if kind == EventKind.SNOOZED:
        return MoveLine(lead_id, actor, Move.SNOOZE, text=_quoted(data.get("text")),
                        when=_when(data.get("until")))  # fmt: skip
    move = move_named(str(data.get("move", ""))) if kind == EventKind.STAGE_CHANGED else None
    if move is None:
        return None
    amount = data.get("amount")
    money = (
        money_words(amount, str(data.get("currency") or ""))
        if isinstance(amount, int | float)
        else ""
    )
    return MoveLine(
        lead_id, actor, move, reason=_quoted(event.reason), text=_quoted(data.get("text")),
        when=_when(data.get("date")), amount=money,
    )  # fmt: skip


def _claimed(event: LeadEvent, playbook: Playbook) -> str:
    data = event.data or {}
    waited = data.get("speed_to_lead_seconds")
    after = f" after {duration_words(waited)}" if isinstance(waited, int | float) else ""
    by = data.get("assigned_by")
    if isinstance(by, str):
        return f"{assigned_line(event.actor, by).text}{after}"
    how = "accepted the offer" if data.get("offer") else "claimed it"
    return f"{who(event.actor)} {how}{after}"


def _escalated(event: LeadEvent, playbook: Playbook) -> str:
    data = event.data or {}
    people = data.get("recipients") or [data.get("recipient") or data.get("to") or ""]
    to = "offer" if event.kind == EventKind.OFFERED else str(data.get("to") or "")
    return escalation_line(to, [str(p) for p in people if p]).text


def _offer_passed(event: LeadEvent, playbook: Playbook) -> str:
    data = event.data or {}
    return offer_passed_line(str(data.get("by") or ""), timed_out=bool(data.get("timed_out"))).text


def _captured(event: LeadEvent, playbook: Playbook) -> str:
    source = str((event.data or {}).get("source") or "")
    label = SOURCE_LABELS.get(source, source.replace("_", " "))
    how = f" ({fit(label, 60)})" if label else ""
    return f"Captured{how} by {who(event.actor)}"


def _merged(event: LeadEvent, playbook: Playbook) -> str:
    fields = (event.data or {}).get("fields")
    named = ", ".join(str(f).replace("_", " ") for f in fields) if isinstance(fields, list) else ""
    return f"New details merged in by {who(event.actor)}" + (
        f": {fit(named, 200)}" if named else ""
    )


def _scored(event: LeadEvent, playbook: Playbook) -> str:
    data: dict[str, Any] = event.data or {}
    score, previous = data.get("score"), data.get("previous")
    if not isinstance(score, int | float):
        return "Rescored"
    was = f" (was {previous:g}, as interest decays)" if isinstance(previous, int | float) else ""
    return f"Scored {score:g}{was}"


def _revisited(event: LeadEvent, playbook: Playbook) -> str:
    team_key = str((event.data or {}).get("team") or "")
    team = playbook.teams.get(team_key)
    name = f" to {fit(team.name, 80)}" if team else ""
    return f"Back to sales{name}: its revisit date came"


def _stage_change(event: LeadEvent, playbook: Playbook) -> str:
    """A stage change no move made: intake handing the lead to sales or to nurture."""
    to = event.to_stage or ""
    reason = f": {fit(_quoted(event.reason), 300)}" if event.reason else ""
    reached = STAGE_REACHED.get(to)
    if reached:
        return f"{reached}{reason}"
    return (
        f"{who(event.actor)} moved it from {stage_name(event.from_stage or '?')} "
        f"to {stage_name(to)}{reason}"
    )


def _routed(event: LeadEvent, playbook: Playbook) -> str:
    data: dict[str, Any] = event.data or {}
    team_key = str(data.get("team") or "")
    team = playbook.teams.get(team_key)
    name = fit(team.name if team else team_key, 80) or "a team"
    channel = str(data.get("channel") or "")
    where = f" (<#{channel}>)" if CHANNEL_ID.match(channel) else ""
    rule = str(data.get("rule") or "")
    return f"Routed to {name}{where}" + (f": {fit(rule, 200)}" if rule else "")


def _engagements(run: Sequence[LeadEvent]) -> str:
    counts: dict[str, int] = {}
    points = 0.0
    for event in run:
        data: dict[str, Any] = event.data or {}
        kind = str(data.get("type") or "engagement").replace("_", " ")
        counts[kind] = counts.get(kind, 0) + 1
        value = data.get("points")
        points += value if isinstance(value, int | float) else 0.0
    kinds = ", ".join(f"{k} ×{n}" if n > 1 else k for k, n in counts.items())
    head = "1 engagement" if len(run) == 1 else f"{len(run)} engagements"
    return f"{head}: {fit(kinds, 200)} ({points:+g} points)"


_DESCRIBED: dict[str, Callable[[LeadEvent, Playbook], str]] = {
    EventKind.CLAIMED: _claimed,
    EventKind.CAPTURED: _captured,
    EventKind.MERGED: _merged,
    EventKind.SCORED: _scored,
    EventKind.REVISITED: _revisited,
    EventKind.ROUTED: _routed,
    EventKind.STAGE_CHANGED: _stage_change,
    EventKind.NUDGED: _escalated,
    EventKind.ESCALATED: _escalated,
    EventKind.OFFERED: _escalated,
    EventKind.OFFER_PASSED: _offer_passed,
}
