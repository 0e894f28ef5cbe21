"""`/lead report [team] [range]`: the digest's figures on demand, privately."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core.errors import LeadbotError
from bot.playbook.model import Playbook
from bot.reporting.metrics import compute_report
from bot.reporting.report import Window
from bot.reporting.windows import parse_window, previous
from bot.slack.digest import digest_message
from bot.slack.text import Message
from store.digests import workspace_url

WHOLE_COMPANY = frozenset({"all", "company", "everyone", "overall", "total"})


@dataclass(frozen=True)
class ReportRequest:
    """What `/lead report` asked for: a team (None: the whole company) and a window."""

    team: str | None
    window: Window
    zone: ZoneInfo


def _people(playbook: Playbook) -> set[str]:
    people = set(playbook.admins)
    if playbook.marketing is not None:
        people |= set(playbook.marketing.users)
    for team in playbook.teams.values():
        people |= team.members()
    return people


def _team_named(word: str, playbook: Playbook) -> str | None:
    """The team a word names: its key, or the first word of its name ("emea" for "EMEA Sales")."""
    word = word.lower()
    for key, team in playbook.teams.items():
        if word == key.lower() or word == team.name.lower().split()[0]:
            return key
    return None


def read_report_request(
    text: str, *, user_id: str, playbook: Playbook, now: datetime, zone: ZoneInfo
) -> ReportRequest:
    """`emea last month`, `all Q3`, `since Nov 1` (the asker's team), or nothing (their team,
    last week). The range is read in the asker's time zone."""
    if user_id not in _people(playbook):
        raise LeadbotError(
            "The funnel report is for the people the playbook names (reps, managers, marketing "
            "and admins); ask your RevOps admin to add you."
        )
    words = text.split()
    team: str | None
    if words and words[0].lower() in WHOLE_COMPANY:
        team, words = None, words[1:]
    elif words and (named := _team_named(words[0], playbook)) is not None:
        team, words = named, words[1:]
    else:
        own = [key for key, t in playbook.teams.items() if user_id in t.members()]
        team = own[0] if len(own) == 1 else None
    window = parse_window(" ".join(words), now=now, zone=zone)
    if window.start >= now:
        raise LeadbotError(f"{window.label} has not begun yet: pick a range in the past.")
    return ReportRequest(team=team, window=window, zone=zone)


def report_reply(
    *, session: Session, request: ReportRequest, playbook: Playbook, now: datetime
) -> Message:
    """The figures asked for, with the change since the window just before."""
    report = compute_report(session=session, playbook=playbook, window=request.window,
                            team=request.team, now=now)  # fmt: skip
    before = compute_report(session=session, playbook=playbook,
                            window=previous(request.window), team=request.team,
                            now=now)  # fmt: skip
    url = workspace_url(session=session)
    return digest_message(report, before, playbook, workspace_url=url, title="Funnel report")
