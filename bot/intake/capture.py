"""Capture: a lead from any source is scrubbed, merged, enriched, scored and routed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from bot.core.errors import FieldError, InvalidLead, LeadNotFound
from bot.core.events import EventKind
from bot.core.stages import Stage
from bot.intake.leadinput import LeadIn
from bot.intake.leadinput import parse_lead as parse_lead  # its callers import it from here
from bot.playbook.fields import option_key
from bot.playbook.model import Playbook
from bot.pursuit.lifecycle import hand_to_sales, move_stage, refresh_card
from bot.pursuit.scores import lead_touches, rescore_time, score_now, set_score
from bot.rules.scoring import NURTURE_TOUCH, Score, Touch, engagement_points, is_sales_ready
from bot.rules.scrub import clean_email, seniority_from_title
from store.leads import (
    add_engagement,
    add_event,
    find_lead_by_email_key,
    get_lead,
    insert_lead,
    new_lead,
    save_lead,
)
from store.models import Lead

#: Fields a later capture may change on an existing lead (the first source is kept).
MERGEABLE = (
    "name",
    "company",
    "title",
    "phone",
    "country",
    "budget",
    "authority",
    "timeframe",
    "compelling_event",
    "company_size",
)


class Outcome(StrEnum):
    CREATED = "created"
    MERGED = "merged"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class CaptureResult:
    lead: Lead
    outcome: Outcome
    handed_to_sales: bool


def capture_lead(
    *,
    session: Session,
    data: LeadIn,
    playbook: Playbook,
    now: datetime,
    actor: str,
    default_source: str,
) -> CaptureResult:
    """Create the lead, or merge it into the same person's lead; score it and hand it on.

    `data` comes from `parse_lead`: checked against the playbook, so nothing here refuses it.
    """
    email = data.email
    incoming = _incoming_fields(data)
    existing = find_lead_by_email_key(session=session, email_key=email.key, for_update=True)
    if existing is None:
        lead = insert_lead(
            session=session,
            lead=new_lead(
                email=email.email,
                email_key=email.key,
                domain=email.domain if not email.free_mail else "",
                free_mail=email.free_mail,
                source=option_key(data.source) if data.source else default_source,
                stage=Stage.NEW,
                custom=data.custom_fields(),
                created_at=now,
                updated_at=now,
                stage_entered_at=now,
                seniority=_seniority(incoming["title"]),
                **incoming,
            ),
        )
        assert lead.id is not None
        add_event(
            session=session,
            lead_id=lead.id,
            at=now,
            kind=EventKind.CAPTURED,
            actor=actor,
            data={"source": lead.source},
        )
        outcome = Outcome.CREATED
    else:
        lead = existing
        changed = _merge(lead, incoming, data.custom_fields())
        outcome = Outcome.MERGED if changed else Outcome.UNCHANGED
        if changed:
            lead.seniority = _seniority(lead.title)
            lead.updated_at = now
            assert lead.id is not None
            add_event(
                session=session,
                lead_id=lead.id,
                at=now,
                kind=EventKind.MERGED,
                actor=actor,
                data={"fields": changed, "source": data.source or default_source},
            )
    if data.fast_track and not lead.fast_tracked:
        lead.fast_tracked = True
        outcome = Outcome.MERGED if outcome is Outcome.UNCHANGED else outcome
    handed = _rescore_and_advance(
        session=session,
        lead=lead,
        playbook=playbook,
        now=now,
        actor=actor,
        data_changed=outcome is not Outcome.UNCHANGED,
        is_new=existing is None,
    )
    return CaptureResult(lead=lead, outcome=outcome, handed_to_sales=handed)


def record_engagement(
    *,
    session: Session,
    lead_id: int | None,
    email: str | None,
    event_type: str,
    at: datetime | None,
    playbook: Playbook,
    now: datetime,
) -> tuple[Lead, bool]:
    """Add an engagement touch and rescore; returns the lead and whether it went to sales."""
    points = engagement_points(playbook.scoring, event_type)
    lead = _find(session=session, lead_id=lead_id, email=email)
    when = at or now
    assert lead.id is not None
    add_engagement(
        session=session, lead_id=lead.id, type=option_key(event_type), points=points, at=when
    )
    add_event(
        session=session,
        lead_id=lead.id,
        at=now,
        kind=EventKind.ENGAGED,
        actor="api",
        data={"type": option_key(event_type), "points": points, "at": when.isoformat()},
    )
    if option_key(event_type) == NURTURE_TOUCH and lead.stage == Stage.NURTURE:
        # Marketing's touches while it nurtures the lead: the digest counts them before SQL.
        lead.nurture_touches += 1
        add_event(session=session, lead_id=lead.id, at=now, kind=EventKind.NURTURE_TOUCH,
                  actor="api", data={"number": lead.nurture_touches})  # fmt: skip
    handed = _rescore_and_advance(
        session=session, lead=lead, playbook=playbook, now=now, actor="api", data_changed=True
    )
    return lead, handed


def _find(*, session: Session, lead_id: int | None, email: str | None) -> Lead:
    if lead_id is not None:
        lead = get_lead(session=session, lead_id=lead_id, for_update=True)
        if lead is None:
            raise LeadNotFound(lead_id)
        return lead
    if not email:
        raise InvalidLead([FieldError("email", "give the lead's email or lead_id")])
    key = clean_email(email).key
    found = find_lead_by_email_key(session=session, email_key=key, for_update=True)
    if found is None:
        raise LeadNotFound(email=email)
    return found


def current_score(
    *, session: Session, lead: Lead, playbook: Playbook, now: datetime, is_new: bool = False
) -> tuple[Score, list[Touch]]:
    """Fit plus decayed engagement, and the touches behind it; a lead created in this unit of
    work has no touches yet."""
    touches = [] if is_new else lead_touches(session=session, lead=lead)
    return score_now(lead, touches, playbook, now), touches


def _rescore_and_advance(
    *,
    session: Session,
    lead: Lead,
    playbook: Playbook,
    now: datetime,
    actor: str,
    data_changed: bool,
    is_new: bool = False,
) -> bool:
    score, touches = current_score(
        session=session, lead=lead, playbook=playbook, now=now, is_new=is_new
    )
    set_score(lead, score)
    handed = _advance(
        session=session,
        lead=lead,
        score=score,
        playbook=playbook,
        now=now,
        actor=actor,
        data_changed=data_changed,
    )
    # After the move: whether decay can move the lead depends on the stage it is in now.
    lead.rescore_at = rescore_time(lead, score, touches, playbook, now)
    save_lead(session=session, lead=lead)
    return handed


def _advance(
    *,
    session: Session,
    lead: Lead,
    score: Score,
    playbook: Playbook,
    now: datetime,
    actor: str,
    data_changed: bool,
) -> bool:
    """Move a marketing lead on as its score says; refresh a sales lead's card."""
    if lead.stage in (Stage.NEW, Stage.NURTURE):
        if lead.fast_tracked:
            hand_to_sales(
                session=session,
                lead=lead,
                playbook=playbook,
                actor=actor,
                now=now,
                reason="fast-tracked by marketing",
            )
            return True
        if is_sales_ready(score, playbook.scoring):
            hand_to_sales(
                session=session,
                lead=lead,
                playbook=playbook,
                actor=actor,
                now=now,
                reason=f"score {score.total:g} reached the threshold "
                f"{playbook.scoring.threshold:g}",
            )
            return True
        if lead.stage == Stage.NEW:
            move_stage(
                session=session,
                lead=lead,
                to=Stage.NURTURE,
                actor=actor,
                now=now,
                reason=f"score {score.total:g} is below the threshold "
                f"{playbook.scoring.threshold:g}",
            )
        return False
    if data_changed:
        refresh_card(session=session, lead=lead, playbook=playbook, now=now)
    return False


def _incoming_fields(data: LeadIn) -> dict[str, Any]:
    return {
        "name": data.name,
        "company": data.company,
        "title": data.title,
        "phone": data.phone,
        "country": data.country or None,
        "budget": data.budget,
        "authority": data.authority,
        "timeframe": data.timeframe,
        "compelling_event": data.compelling_event,
        "company_size": data.company_size,
    }


def _merge(lead: Lead, incoming: dict[str, Any], custom: dict[str, Any]) -> list[str]:
    """Newer non-empty answers win; an empty answer never erases what we know."""
    changed = []
    for name in MERGEABLE:
        value = incoming.get(name)
        if value not in (None, "") and getattr(lead, name) != value:
            setattr(lead, name, value)
            changed.append(name)
    merged_custom = {**lead.custom, **{k: v for k, v in custom.items() if v not in (None, "")}}
    if merged_custom != lead.custom:
        changed.extend(sorted(k for k in merged_custom if lead.custom.get(k) != merged_custom[k]))
        lead.custom = merged_custom
    return changed


def _seniority(title: str) -> str:
    return seniority_from_title(title).value
