"""The `/lead` command: a table of subcommands, each a function of the text after its name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.commands.report import ReportRequest, read_report_request
from bot.commands.words import move_request, resolve_lead
from bot.core.errors import LeadbotError, LeadNotFound
from bot.core.moves import Move
from bot.core.stages import Stage
from bot.intake.leadinput import CONTROL
from bot.playbook.model import Playbook
from bot.pursuit.away import come_back, go_away
from bot.pursuit.due import due_at, open_leads_by_due
from bot.pursuit.moves import apply_move
from bot.slack.home import UNCLAIMED_SHOWN, home_view
from bot.slack.replies import (
    SHOWN_EVENTS,
    CommandHelp,
    away_reply,
    back_reply,
    claimed_reply,
    help_reply,
    lead_summary_reply,
    move_reply,
    my_leads_reply,
    unknown_command_reply,
)
from bot.slack.text import Message
from store.leads import (
    count_lead_events,
    count_unclaimed_leads,
    get_lead,
    lead_history,
    unclaimed_leads,
)


class OpenNewLeadModal:
    """The reply to `/lead new`: the handler opens the form (it holds the trigger_id)."""


@dataclass(frozen=True)
class ComputeReport:
    """The reply to `/lead report`: the handler acks at once and answers with the figures
    after the ack (they can take longer than Slack's 3 seconds on a big history)."""

    request: ReportRequest

    def working(self) -> Message:
        scope = self.request.team or "the whole company"
        return Message(text=f"Working out the figures for {scope}, {self.request.window.label}…")


Reply = Message | OpenNewLeadModal | ComputeReport


@dataclass(frozen=True)
class CommandCall:
    session: Session
    playbook: Playbook
    now: datetime
    user_id: str
    zone: ZoneInfo  # the user's time zone, for the dates they type


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str  # as help shows it: "/lead qualify 42 [note]"
    summary: str
    run: Callable[[str, CommandCall], Reply]
    reads_only: bool = False  # then it runs without SQLite's write lock


def _help(_: str, call: CommandCall) -> Reply:
    return help_reply(HELP)


def _new(_: str, call: CommandCall) -> Reply:
    return OpenNewLeadModal()


def _mine(_: str, call: CommandCall) -> Reply:
    mine = open_leads_by_due(
        session=call.session, playbook=call.playbook, owner_id=call.user_id, now=call.now
    )
    return my_leads_reply(mine.leads, mine.total, call.now)


def _away(text: str, call: CommandCall) -> Reply:
    until = go_away(session=call.session, user_id=call.user_id, text=text, now=call.now,
                    zone=call.zone)  # fmt: skip
    return away_reply(until)


def _back(_: str, call: CommandCall) -> Reply:
    was_away = come_back(session=call.session, user_id=call.user_id, now=call.now)
    return back_reply(was_away)


def _report(text: str, call: CommandCall) -> Reply:
    return ComputeReport(
        read_report_request(
            text, user_id=call.user_id, playbook=call.playbook, now=call.now, zone=call.zone
        )  # fmt: skip
    )


def _lead_and_rest(name: str, text: str, call: CommandCall) -> tuple[int, str]:
    # Any whitespace ends the lead's word: Slack keeps the line breaks of a multi-line command.
    word, rest = [*text.split(maxsplit=1), "", ""][:2]
    if not word:
        raise LeadbotError(f"Which lead? Write `/lead {name} 42`.")
    return resolve_lead(word, call.session), rest.strip()


def _show(text: str, call: CommandCall) -> Reply:
    lead_id, _ = _lead_and_rest("show", text, call)
    lead = get_lead(session=call.session, lead_id=lead_id)
    if lead is None:
        raise LeadNotFound(lead_id)
    history = lead_history(session=call.session, lead_id=lead_id, last=SHOWN_EVENTS)
    total = len(history)
    if total == SHOWN_EVENTS:  # there may be more: count them (one indexed query)
        total = count_lead_events(session=call.session, lead_id=lead_id)
    return lead_summary_reply(
        lead,
        history,
        call.playbook,
        now=call.now,
        due=due_at(lead, call.playbook, call.now),
        events_total=total,
    )


def _move(move: Move, text: str, call: CommandCall) -> Reply:
    lead_id, rest = _lead_and_rest(move.value, text, call)
    request = move_request(
        move,
        lead_id,
        rest,
        actor=call.user_id,
        playbook=call.playbook,
        now=call.now,
        zone=call.zone,
    )
    result = apply_move(session=call.session, request=request, playbook=call.playbook, now=call.now)
    if result.waited_seconds is not None:
        return claimed_reply(result.lead, result.waited_seconds, call.playbook)
    return move_reply(result.lead, result.line, call.playbook, offer_way_out=result.offer_way_out)


MOVE_USAGE = {
    Move.CLAIM: ("42", "take a sales-ready lead (same as its Claim button)"),
    Move.TOUCH: ("42 call no answer", "log a contact attempt (call, e-mail, LinkedIn…)"),
    Move.NOTE: ("42 left voicemail", "add a note to the lead's history"),
    Move.QUALIFY: ("42 demo booked", "it is a real opportunity"),
    Move.DISQUALIFY: ("42 no budget", "close it, with a reason"),
    Move.RECYCLE: ("42 budget frozen, revisit in 3 months", "send it back to marketing"),
    Move.SNOOZE: ("42 next tuesday 9am", "no reminders until then"),
    Move.WON: ("42 18000 EUR", "the deal is won"),
    Move.LOST: ("42 chose competitor", "the deal is lost, with a reason"),
    Move.HOLD: ("42 until Jan 15", "pause the deal until a date"),
    Move.REOPEN: ("42", "reopen a closed or held lead"),
}

SUBCOMMANDS: dict[str, Subcommand] = {
    sub.name: sub
    for sub in (
        Subcommand("help", "/lead help", "this list", _help, reads_only=True),
        Subcommand("new", "/lead new", "capture a lead from a call or a booth", _new, True),
        Subcommand("show", "/lead show 42", "a lead's details and history", _show, True),
        Subcommand("mine", "/lead mine", "the leads you are working", _mine, True),
        Subcommand("away", "/lead away until monday", "no leads offered to you until then", _away),
        Subcommand("back", "/lead back", "you are back: leads are offered to you again", _back),
        Subcommand(
            "report",
            "/lead report emea last month",
            "the funnel's figures, privately",
            _report,
            reads_only=True,
        ),  # fmt: skip
        *(
            Subcommand(move.value, f"/lead {move.value} {example}", summary, partial(_move, move))
            for move, (example, summary) in MOVE_USAGE.items()
        ),
    )
}
HELP = [CommandHelp(sub.usage, sub.summary) for sub in SUBCOMMANDS.values()]


def subcommand_of(text: str) -> Subcommand | None:
    """The subcommand `/lead <text>` names (help when empty), or None for an unknown word."""
    words = text.split()
    return SUBCOMMANDS.get(words[0].lower() if words else "help")


def run_lead_command(text: str, call: CommandCall) -> Reply:
    """Run `/lead <text>` for `call.user_id`."""
    # No person types control characters, and PostgreSQL stores no NUL: they become spaces.
    text = CONTROL.sub(" ", text)
    words = text.split()
    sub = subcommand_of(text)
    if sub is None:
        return unknown_command_reply(words[0], HELP)
    return sub.run(text.strip()[len(words[0]) :] if words else "", call)


def home_for(
    *, session: Session, playbook: Playbook, user_id: str, now: datetime, notice: str = ""
) -> dict[str, object]:
    """The Home tab view for one user: their open leads by due time, then the unclaimed leads
    of their teams (every team for an admin, who may claim any lead)."""
    teams = [key for key, team in playbook.teams.items() if user_id in team.members()]
    if user_id in playbook.admins:
        teams = list(playbook.teams)
    mine = open_leads_by_due(session=session, playbook=playbook, owner_id=user_id, now=now)
    unclaimed = unclaimed_leads(
        session=session, teams=teams, stage=Stage.SALES_READY, limit=UNCLAIMED_SHOWN + 1
    )
    unclaimed_total = len(unclaimed)
    if unclaimed_total > UNCLAIMED_SHOWN:
        unclaimed_total = count_unclaimed_leads(
            session=session, teams=teams, stage=Stage.SALES_READY
        )
    return home_view(
        mine=mine.leads,
        mine_total=mine.total,
        unclaimed=unclaimed[:UNCLAIMED_SHOWN],
        unclaimed_total=unclaimed_total,
        playbook=playbook,
        now=now,
        notice=notice,
    )
