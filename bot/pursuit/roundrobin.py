"""The facts the round robin decides on, read from the store: who of a team can be offered a
lead now, and how many offers each had in the fairness window (bot/rules/rotation.py decides)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.playbook.model import Playbook, Team
from bot.pursuit.due import OPEN_STAGES
from bot.pursuit.quiethours import hours_of
from bot.rules.businesstime import business_day_length, business_time_between, is_business_time
from bot.rules.rotation import Rep, next_rep
from bot.slack.cards import slack_date
from store.leads import count_open_leads_by_owner
from store.models import Lead
from store.offers import availability_of, note_reps_seen, offer_counts, reps_offered
from store.users import get_slack_user

#: The manager's list counts a rep's open leads up to this many ("100+ open leads").
SHOWN_OPEN = 100


@dataclass(frozen=True)
class TeamRep:
    """A rep as the round robin saw them, and in words why they cannot be offered a lead."""

    rep: Rep
    at_work: bool
    away_until: datetime | None

    @property
    def can_take(self) -> bool:
        return self.rep.eligible and self.at_work

    def note(self) -> str:
        """How the rep stands, for the manager choosing whom to assign the lead to."""
        rep = self.rep
        many = "+" if rep.open_leads >= SHOWN_OPEN else ""
        notes = [f"{rep.open_leads}{many} open lead{'' if rep.open_leads == 1 else 's'}"]
        if not rep.active:
            notes.append("deactivated in Slack")
        if rep.away and self.away_until is not None:
            notes.append(f"away until {slack_date(self.away_until)}")
        if rep.cap is not None and rep.open_leads >= rep.cap:
            notes.append(f"at the team's cap of {rep.cap}")
        if rep.passed:
            notes.append("passed on it")
        if not self.at_work and rep.active and not rep.away:
            notes.append("outside working hours")
        return ", ".join(notes)


def team_reps(
    *,
    session: Session,
    team: Team,
    lead: Lead,
    playbook: Playbook,
    now: datetime,
    count_open: bool = False,
) -> list[TeamRep]:
    """The team's reps with what the rotation weighs: offers in the window per available day,
    weight, open leads and cap, away, deactivated, passed on this lead, at work now.

    Open leads are counted only when the team has a cap, or with `count_open` (the manager's
    list shows them): a rep owns thousands of leads, and counting them is the one read here
    that grows with the table."""
    reps = list(dict.fromkeys(team.reps))
    window_start = now - playbook.offers.fairness_window.as_timedelta
    note_reps_seen(session=session, user_ids=reps, now=now)
    availability = availability_of(session=session, user_ids=reps)
    offered = offer_counts(session=session, rep_ids=reps, since=window_start)
    cap = team.open_leads_cap
    open_leads = (
        count_open_leads_by_owner(
            session=session, owner_ids=reps, stages=[s.value for s in OPEN_STAGES],
            at_most=max(cap or 0, SHOWN_OPEN) if count_open else cap or 0,
        )
        if count_open or cap is not None
        else {}
    )  # fmt: skip
    asked = reps_offered(
        session=session, lead_id=lead.id or 0, since=lead.sales_ready_at or lead.stage_entered_at
    )
    day = business_day_length(playbook.business_hours).total_seconds()
    result = []
    for user in reps:
        known = availability.get(user)
        available_from = window_start
        away_until = None
        if known is not None:
            available_from = max(available_from, known.first_seen_at)
            if known.away_until is not None and known.away_until > now:
                away_until = known.away_until
            elif known.away_until is not None:  # back: owed leads from their return only
                available_from = max(available_from, known.away_until)
        worked = business_time_between(available_from, now, playbook.business_hours)
        slack = get_slack_user(session=session, user_id=user)
        rep = Rep(
            user_id=user,
            weight=team.weight_of(user),
            offered_recently=offered.get(user, 0),
            available_days=worked.total_seconds() / day if day else 1.0,
            open_leads=open_leads.get(user, 0),
            cap=team.open_leads_cap,
            away=away_until is not None,
            active=not (slack is not None and slack.deleted),
            passed=user in asked,
        )
        at_work = is_business_time(now, hours_of(session, user, playbook))
        result.append(TeamRep(rep=rep, at_work=at_work, away_until=away_until))
    return result


def choose_rep(reps: list[TeamRep], *, lead_id: int) -> str | None:
    """The rep to offer the lead to now (fair, eligible, at work), or None: nobody can."""
    return next_rep([r.rep for r in reps if r.at_work], lead_id=lead_id)
