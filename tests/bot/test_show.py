"""`/lead show` built from a lead and its events: details per stage, one line per event."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.core.events import EventKind
from bot.playbook.model import Playbook
from bot.slack.cards import slack_date
from bot.slack.history import history_lines
from bot.slack.replies import lead_summary_reply
from bot.slack.text import as_seen
from store.models import LeadEvent
from tests.bot.test_due import open_lead
from tests.conftest import NOW

REP = "U0REPEMEA1"
DAY = timedelta(days=1)


def event(kind: str, actor: str = REP, **values: Any) -> LeadEvent:
    return LeadEvent(lead_id=1, at=values.pop("at", NOW), kind=kind, actor=actor, **values)


def details(playbook: Playbook, due: datetime | None = None, **lead: Any) -> list[str]:
    reply = lead_summary_reply(open_lead(**lead), [], playbook, now=NOW, due=due, events_total=0)
    [section] = reply.blocks
    return [
        as_seen(line, now=NOW, names={REP: "Ana"}) for line in section["text"]["text"].split("\n")
    ]


def lines(playbook: Playbook, *events: LeadEvent) -> list[str]:
    seen = [as_seen(line, now=NOW, names={REP: "Ana"}) for line in history_lines(events, playbook)]
    return [line.split(" — ", 1)[1] for line in seen]


def test_an_open_lead_shows_how_long_in_its_stage_and_when_it_is_due(playbook: Playbook) -> None:
    shown = details(playbook, due=NOW - DAY, stage="working", entered=NOW - 3 * DAY)
    assert (
        "Stage: Working for 3 days · :warning: *overdue* by 24 h (due Yesterday at 10:00 AM)"
        in shown
    )
    assert "Next step: Call or e-mail within 24 business hours and log every attempt" in shown


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        ({"stage": "won", "amount": 18000.0, "currency": "EUR"}, "Amount: 18,000 EUR"),
        ({"stage": "lost", "reason": "<price>"}, "Reason: <price>"),
        ({"stage": "disqualified", "reason": "student"}, "Reason: student"),
        ({"stage": "working", "snoozed_until": NOW + DAY}, "Snoozed until Tomorrow at 10:00 AM"),
        ({"stage": "on_hold", "snoozed_until": NOW + DAY}, "On hold until Tomorrow at 10:00 AM"),
        ({"stage": "nurture", "revisit_at": NOW + DAY, "reason": "timing"},
         "Revisit Tomorrow at 10:00 AM"),
    ],
    ids=["won amount", "lost reason", "disqualified reason", "snoozed", "on hold", "revisit"],
)  # fmt: skip
def test_details_say_what_the_stage_needs_said(
    playbook: Playbook, lead: dict[str, Any], expected: str
) -> None:
    assert expected in details(playbook, **lead)


def test_moves_read_as_their_thread_lines(playbook: Playbook) -> None:
    revisit, resume = NOW + 90 * DAY, NOW + 30 * DAY
    assert lines(
        playbook,
        event(EventKind.STAGE_CHANGED, from_stage="working", to_stage="nurture", reason="timing",
              data={"move": "recycle", "text": "budget frozen", "date": revisit.isoformat()}),
        event(EventKind.STAGE_CHANGED, from_stage="working", to_stage="on_hold",
              data={"move": "hold", "date": resume.isoformat()}),
        event(EventKind.STAGE_CHANGED, from_stage="on_hold", to_stage="opportunity",
              data={"move": "reopen"}),
        event(EventKind.SNOOZED, data={"move": "snooze", "until": resume.isoformat()}),
        event(EventKind.STAGE_CHANGED, from_stage="opportunity", to_stage="won",
              data={"move": "won", "amount": 1234.5, "currency": "USD"}),
        event(EventKind.STAGE_CHANGED, from_stage="working", to_stage="disqualified",
              reason="said <!here> is spam", data={"move": "disqualify"}),
    ) == [
        f"@Ana recycled it: timing; budget frozen; revisit {_seen(revisit)}",
        f"@Ana put it on hold: resume {_seen(resume)}",
        "@Ana reopened it",
        f"@Ana snoozed it: until {_seen(resume)}",
        "@Ana won it: 1,234.50 USD",
        "@Ana disqualified it: said <!here> is spam",
    ]  # fmt: skip


def test_intake_routing_and_engagement_read_in_plain_words(playbook: Playbook) -> None:
    assert lines(
        playbook,
        event(EventKind.CAPTURED, actor="csv", data={"source": "event"}),
        event(EventKind.MERGED, actor="form:contact", data={"fields": ["phone", "company_size"]}),
        event(EventKind.STAGE_CHANGED, actor="api", from_stage="new", to_stage="nurture",
              reason="score 40 is below the threshold 60"),
        event(EventKind.ENGAGED, actor="api", data={"type": "page_view", "points": 2}),
        event(EventKind.ENGAGED, actor="api", data={"type": "page_view", "points": 2}),
        event(EventKind.ENGAGED, actor="api", data={"type": "demo_request", "points": 30}),
        event(EventKind.ROUTED, actor="leadbot",
              data={"team": "emea", "channel": "C0EMEA0001", "rule": "default team"}),
        event(EventKind.STAGE_CHANGED, actor="U0ADMIN001", from_stage="working",
              to_stage="sales_ready", reason=""),
    ) == [
        "Captured (Event) by a CSV import",
        "New details merged in by web form `contact`: phone, company size",
        "Nurtured by marketing: score 40 is below the threshold 60",
        "3 engagements: page view ×2, demo request (+34 points)",
        "Routed to EMEA Sales (#C0EMEA0001): default team",
        "Sales-ready",
    ]  # fmt: skip


def _seen(at: datetime) -> str:
    return as_seen(slack_date(at), now=NOW)


def test_the_nurture_jobs_moves_read_in_plain_words(playbook: Playbook) -> None:
    assert lines(
        playbook,
        event(EventKind.SCORED, actor="leadbot", data={"score": 59.9, "previous": 65.0}),
        event(EventKind.STAGE_CHANGED, actor="leadbot", from_stage="sales_ready",
              to_stage="nurture", reason="score 59.9 fell below the threshold 60"),
        event(EventKind.STAGE_CHANGED, actor="leadbot", from_stage="nurture",
              to_stage="sales_ready", reason="revisit date reached"),
        event(EventKind.REVISITED, actor="leadbot", data={"team": "emea"}),
    ) == [
        "Scored 59.9 (was 65, as interest decays)",
        "Nurtured by marketing: score 59.9 fell below the threshold 60",
        "Back to sales to EMEA Sales: its revisit date came",
    ]  # fmt: skip
