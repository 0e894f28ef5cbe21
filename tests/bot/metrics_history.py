"""A hand-made history for the funnel report's tests: the week of 16 November 2026 in Berlin,
with what happened before and after it. The expected figures are worked out in the tests.

Each lead is stored as it is *now* (its current stage), with its events written one by one.
Times are Berlin wall times (CET, UTC+1 in November; CEST, UTC+2 until 25 October).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core.events import EventKind
from bot.core.stages import Stage
from store.leads import add_event
from tests.factories import make_lead

BERLIN = ZoneInfo("Europe/Berlin")
#: The report is asked for on Monday 23 November, 11:00 in Berlin: the week of 16 November.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
REP1, REP2, REP3 = "U0REPEMEA1", "U0REPEMEA2", "U0REPAMER1"
GONE = "U0GONE0001"  # a rep no longer in the playbook
MANAGER = "U0MGREMEA1"


def berlin(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Berlin wall time in 2026, as an aware datetime."""
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def nov(day: int, hour: int, minute: int = 0) -> datetime:
    return berlin(11, day, hour, minute)


@dataclass
class History:
    session: Session
    ids: dict[str, int] = field(default_factory=dict)

    def lead(self, key: str, stage: Stage, since: datetime, **fields: Any) -> None:
        """Store lead `key` as it is now: in `stage` since `since`."""
        lead = make_lead(
            self.session, name=f"Lead {key}", stage=stage, stage_entered_at=since, **fields
        )
        assert lead.id is not None
        self.ids[key] = lead.id

    def event(self, key: str, at: datetime, kind: EventKind, **values: Any) -> None:
        actor = values.pop("actor", "leadbot")
        add_event(session=self.session, lead_id=self.ids[key], at=at, kind=kind, actor=actor,
                  **values)  # fmt: skip

    def move(self, key: str, at: datetime, frm: Stage, to: Stage, reason: str = "") -> None:
        self.event(key, at, EventKind.STAGE_CHANGED, from_stage=frm, to_stage=to, reason=reason)

    def captured(self, key: str, at: datetime, source: str) -> None:
        self.event(key, at, EventKind.CAPTURED, actor="api", data={"source": source})

    def claimed(self, key: str, at: datetime, rep: str, waited: float, within: bool) -> None:
        self.move(key, at, Stage.SALES_READY, Stage.WORKING, "claimed")
        self.event(key, at, EventKind.CLAIMED, actor=rep,
                   data={"speed_to_lead_seconds": waited, "within_sla": within})  # fmt: skip

    def attempt(self, key: str, at: datetime, rep: str, outcome: str) -> None:
        self.event(key, at, EventKind.ATTEMPT, actor=rep,
                   data={"channel": "call", "outcome": outcome})  # fmt: skip

    def touch(self, key: str, at: datetime) -> None:
        self.event(key, at, EventKind.NURTURE_TOUCH, actor="U0MKTG0001")

    def nudged(self, key: str, at: datetime, to: str, recipient: str, owner: str | None) -> None:
        self.event(key, at, EventKind.NUDGED,
                   data={"to": to, "recipient": recipient, "owner": owner})  # fmt: skip

    def escalated(self, key: str, at: datetime, to: str, owner: str | None) -> None:
        self.event(key, at, EventKind.ESCALATED,
                   data={"to": to, "recipient": MANAGER, "owner": owner})  # fmt: skip


def seed(session: Session) -> History:
    """Leads A–N. What each does in the week of 16 November (Mon 16 00:00 – Mon 23 00:00):

    A emea: captured (web form) Mon, nurtured (3 touches), sales-ready Thu 11:00, claimed by
      REP1 30 min later within the SLA, no answer then connected (2 attempts), qualified, won
      Fri 15:00 (28 hours after sales-ready); a second connect afterwards changes nothing.
    B emea: captured (event) Mon, straight to sales-ready, re-announced in its channel, claimed
      by REP2 4 h later (past the SLA), 4 attempts without a connect, REP2 reminded and the
      manager told, recycled Fri ("no response").
    C amer: captured 2 Nov and nurtured (2 touches then, 1 on Mon 16), sales-ready Tue 09:00,
      claimed by REP3 10 min later, connected at the first attempt, qualified, lost ("price").
    D emea: captured (referral) Tue, straight to sales-ready, the manager asked to assign it,
      claimed by GONE (a rep since removed from the playbook) 20 min later, GONE reminded,
      disqualified ("no budget").
    E (no team yet): captured (web form) Wed, nurtured; one touch.
    F amer: captured (phone) Sun 22 at 23:30 and sales-ready at once; claimed only on Monday
      23 at 08:00 (the next week).
    G emea: sales-ready 1 Oct 09:00 (CEST), qualified in October, won Wed 18 12:00.
    H amer: an old deal on hold, lost Thu ("no decision").
    I amer: claimed in October, 2 attempts (21 Oct, 10 Nov), recycled Mon 16 ("not now").
    J emea: recycled in September after 1 attempt, 2 touches in October, sales-ready again Wed
      18 09:00, claimed by REP1 at 09:30, no answer, then "meeting booked" Thu (2 attempts).
    K emea: disqualified from sales-ready Thu ("spam"); L amer: disqualified Fri ("no budget").
    M emea: an opportunity since 5 Oct, with its card; N amer: on hold since 1 Nov.
    """
    h = History(session)
    s = Stage
    h.lead("A", s.WON, nov(20, 15), source="web_form")
    h.captured("A", nov(16, 9), "web_form")
    h.move("A", nov(16, 9), s.NEW, s.NURTURE)
    for day in (17, 18, 19):
        h.touch("A", nov(day, 10))
    h.move("A", nov(19, 11), s.NURTURE, s.SALES_READY)
    h.event("A", nov(19, 11), EventKind.ROUTED, data={"team": "emea"})
    h.claimed("A", nov(19, 11, 30), REP1, 1800.0, True)
    h.attempt("A", nov(19, 12), REP1, "no answer")
    h.attempt("A", nov(20, 9), REP1, "connected")
    h.attempt("A", nov(20, 9, 30), REP1, "connected")
    h.move("A", nov(20, 10), s.WORKING, s.OPPORTUNITY)
    h.move("A", nov(20, 15), s.OPPORTUNITY, s.WON)

    h.lead("B", s.NURTURE, nov(20, 11), source="event", owner_id=REP2)
    h.captured("B", nov(16, 10), "event")
    h.move("B", nov(16, 10), s.NEW, s.SALES_READY)
    h.nudged("B", nov(16, 12, 30), "channel", "C0EMEA0001", None)
    h.claimed("B", nov(16, 14), REP2, 14400.0, False)
    for moment in (nov(17, 9), nov(17, 15), nov(18, 9), nov(19, 9)):
        h.attempt("B", moment, REP2, "no answer")
    h.nudged("B", nov(19, 10), "owner", REP2, REP2)
    h.escalated("B", nov(19, 14), "manager", REP2)
    h.move("B", nov(20, 11), s.WORKING, s.NURTURE, "no response")

    h.lead("C", s.LOST, nov(18, 16), team="amer")
    h.captured("C", nov(2, 10), "web_form")
    h.move("C", nov(2, 10), s.NEW, s.NURTURE)
    for moment in (nov(5, 10), nov(9, 10), nov(16, 8)):
        h.touch("C", moment)
    h.move("C", nov(17, 9), s.NURTURE, s.SALES_READY)
    h.claimed("C", nov(17, 9, 10), REP3, 600.0, True)
    h.attempt("C", nov(17, 10), REP3, "connected")
    h.move("C", nov(17, 11), s.WORKING, s.OPPORTUNITY)
    h.move("C", nov(18, 16), s.OPPORTUNITY, s.LOST, "price")

    h.lead("D", s.DISQUALIFIED, nov(20, 12), source="referral")
    h.captured("D", nov(17, 13), "referral")
    h.move("D", nov(17, 13), s.NEW, s.SALES_READY)
    h.escalated("D", nov(17, 13, 15), "assign", None)
    h.claimed("D", nov(17, 13, 20), GONE, 1200.0, True)
    h.nudged("D", nov(19, 9), "owner", GONE, GONE)
    h.move("D", nov(20, 12), s.WORKING, s.DISQUALIFIED, "no budget")

    h.lead("E", s.NURTURE, nov(18, 9), team=None)
    h.captured("E", nov(18, 9), "web_form")
    h.move("E", nov(18, 9), s.NEW, s.NURTURE)
    h.touch("E", nov(19, 10))

    h.lead("F", s.WORKING, nov(23, 8), team="amer", owner_id=REP3, source="phone")
    h.captured("F", nov(22, 23, 30), "phone")
    h.move("F", nov(22, 23, 30), s.NEW, s.SALES_READY)
    h.claimed("F", nov(23, 8), REP3, 30600.0, True)

    h.lead("G", s.WON, nov(18, 12))
    h.move("G", berlin(10, 1, 9), s.NURTURE, s.SALES_READY)
    h.claimed("G", berlin(10, 1, 10), REP1, 3600.0, True)
    h.move("G", berlin(10, 5, 10), s.WORKING, s.OPPORTUNITY)
    h.move("G", nov(18, 12), s.OPPORTUNITY, s.WON)

    h.lead("H", s.LOST, nov(19, 10), team="amer")
    h.move("H", nov(19, 10), s.ON_HOLD, s.LOST, "no decision")

    h.lead("I", s.NURTURE, nov(16, 11), team="amer", owner_id=REP3)
    h.move("I", berlin(10, 20, 9), s.NURTURE, s.SALES_READY)
    h.claimed("I", berlin(10, 20, 9, 30), REP3, 1800.0, True)
    h.attempt("I", berlin(10, 21, 10), REP3, "no answer")
    h.attempt("I", nov(10, 10), REP3, "no answer")
    h.move("I", nov(16, 11), s.WORKING, s.NURTURE, "not now")

    h.lead("J", s.WORKING, nov(18, 9, 30), owner_id=REP1)
    h.move("J", berlin(9, 1, 9), s.NURTURE, s.SALES_READY)
    h.claimed("J", berlin(9, 1, 10), REP1, 3600.0, True)
    h.attempt("J", berlin(9, 2, 10), REP1, "no answer")
    h.move("J", berlin(9, 3, 10), s.WORKING, s.NURTURE, "timing")
    h.touch("J", berlin(10, 1, 10))
    h.touch("J", berlin(10, 15, 10))
    h.move("J", nov(18, 9), s.NURTURE, s.SALES_READY)
    h.claimed("J", nov(18, 9, 30), REP1, 1800.0, True)
    h.attempt("J", nov(18, 10), REP1, "no answer")
    h.attempt("J", nov(19, 10), REP1, "meeting booked")

    h.lead("K", s.DISQUALIFIED, nov(19, 16))
    h.move("K", nov(19, 16), s.SALES_READY, s.DISQUALIFIED, "spam")
    h.lead("L", s.DISQUALIFIED, nov(20, 16), team="amer")
    h.move("L", nov(20, 16), s.WORKING, s.DISQUALIFIED, "no budget")

    h.lead("M", s.OPPORTUNITY, berlin(10, 5, 10), owner_id=REP1, card_channel="C0EMEA0001",
           card_ts="1790000000.000100")  # fmt: skip
    h.lead("N", s.ON_HOLD, nov(1, 10), team="amer", owner_id=REP3)
    return h
