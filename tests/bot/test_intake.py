"""Capture: scrub, merge, score, route and queue the card — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.core.errors import InvalidLead, LeadNotFound
from bot.core.stages import Stage
from bot.intake.capture import Outcome, capture_lead, parse_lead, record_engagement
from bot.playbook.model import Playbook
from store.leads import lead_history
from store.models import Lead, LeadEvent, OutboxMessage
from tests.factories import WARM

HOT = {
    "email": "Greta.Maier@bigcorp.de",
    "name": "Greta Maier",
    "company": "BigCorp",
    "title": "VP Operations",
    "country": "Germany",
    "company_size": 5200,
    "budget": "approved",
    "timeframe": "this quarter",
}
LUKEWARM = {
    "email": "tom@brightlabs.co.uk",
    "name": "Tom Hughes",
    "title": "Data Analyst",
    "country": "GB",
    "company_size": 300,
}


def capture(session: Session, playbook: Playbook, now: datetime, data: dict[str, Any]):
    return capture_lead(
        session=session,
        data=parse_lead(data, playbook),
        playbook=playbook,
        now=now,
        actor="api",
        default_source="web_form",
    )


def outbox(session: Session) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage)).all())


def test_hot_lead_is_routed_and_its_card_queued(session, playbook, now) -> None:
    result = capture(session, playbook, now, HOT)
    lead = result.lead
    assert result.outcome is Outcome.CREATED
    assert lead.stage == Stage.SALES_READY
    assert lead.team == "enterprise"
    assert lead.score >= playbook.scoring.threshold
    assert lead.sales_ready_at == now
    [message] = outbox(session)
    assert message.kind == "post_card"
    assert message.channel == playbook.team("enterprise").channel
    assert "Greta Maier" in message.payload["text"]


def test_capture_records_the_history(session, playbook, now) -> None:
    lead = capture(session, playbook, now, HOT).lead
    kinds = [(e.kind, e.to_stage) for e in lead_history(session=session, lead_id=lead.id)]
    assert kinds == [("captured", None), ("stage_changed", "sales_ready"), ("routed", None)]


def test_lead_below_threshold_goes_to_nurture_without_a_card(session, playbook, now) -> None:
    result = capture(session, playbook, now, LUKEWARM)
    assert result.lead.stage == Stage.NURTURE
    assert result.lead.team is None
    assert outbox(session) == []


def test_email_is_normalised_and_domain_and_seniority_derived(session, playbook, now) -> None:
    lead = capture(session, playbook, now, HOT).lead
    assert lead.email == "greta.maier@bigcorp.de"
    assert lead.domain == "bigcorp.de"
    assert lead.seniority == "vp"
    assert lead.country == "DE"


def test_free_mail_is_flagged_and_gets_no_company_domain(session, playbook, now) -> None:
    lead = capture(session, playbook, now, {**LUKEWARM, "email": "tom.h@gmail.com"}).lead
    assert lead.free_mail is True
    assert lead.domain == ""


def test_same_person_merges_into_one_lead(session, playbook, now) -> None:
    first = capture(session, playbook, now, LUKEWARM).lead
    later = now + timedelta(hours=1)
    again = capture(
        session, playbook, later, {"email": "TOM+webinar@BrightLabs.co.uk", "phone": "+44 20 1"}
    )
    assert again.outcome is Outcome.MERGED
    assert again.lead.id == first.id
    assert again.lead.phone == "+44 20 1"
    assert session.exec(select(Lead)).all() == [again.lead]
    merged = [e for e in lead_history(session=session, lead_id=first.id) if e.kind == "merged"]
    assert merged[0].data["fields"] == ["phone"]


def test_empty_answers_never_erase_known_ones(session, playbook, now) -> None:
    capture(session, playbook, now, LUKEWARM)
    lead = capture(session, playbook, now, {"email": LUKEWARM["email"], "title": ""}).lead
    assert lead.title == "Data Analyst"


def test_identical_capture_changes_nothing_and_writes_no_event(session, playbook, now) -> None:
    capture(session, playbook, now, LUKEWARM)
    before = len(session.exec(select(LeadEvent)).all())
    again = capture(session, playbook, now, LUKEWARM)
    assert again.outcome is Outcome.UNCHANGED
    assert len(session.exec(select(LeadEvent)).all()) == before


def test_merge_that_makes_a_lead_hot_hands_it_to_sales(session, playbook, now) -> None:
    capture(session, playbook, now, LUKEWARM)
    result = capture(
        session,
        playbook,
        now,
        {
            "email": LUKEWARM["email"],
            "budget": "approved",
            "timeframe": "this quarter",
            "authority": "decision maker",
        },
    )
    assert result.handed_to_sales
    assert result.lead.stage == Stage.SALES_READY
    assert result.lead.team == "emea"


def test_disposable_address_is_rejected_and_nothing_written(session, playbook, now) -> None:
    with pytest.raises(InvalidLead) as caught:
        capture(session, playbook, now, {"email": "x@mailinator.com"})
    assert caught.value.errors[0].field == "email"
    assert session.exec(select(Lead)).all() == []


def test_unknown_country_is_a_field_error(session, playbook, now) -> None:
    with pytest.raises(InvalidLead) as caught:
        capture(session, playbook, now, {**LUKEWARM, "country": "Narnia"})
    assert [e.field for e in caught.value.errors] == ["country"]


def test_fields_outside_the_playbook_are_refused(playbook) -> None:
    with pytest.raises(InvalidLead) as caught:
        parse_lead({"email": "a@b.de", "shoe_size": 42}, playbook)
    assert [e.field for e in caught.value.errors] == ["shoe_size"]


def test_playbook_custom_fields_are_kept(session, playbook, now) -> None:
    lead = capture(session, playbook, now, {**LUKEWARM, "product": "analytics"}).lead
    assert lead.custom == {"product": "analytics"}


def test_every_bad_field_is_listed(playbook) -> None:
    with pytest.raises(InvalidLead) as caught:
        parse_lead({"name": "x" * 300, "company_size": -5}, playbook)
    assert {e.field for e in caught.value.errors} == {"email", "name", "company_size"}


def test_company_size_text_from_forms_is_understood(playbook) -> None:
    assert parse_lead({"email": "a@b.de", "company_size": "1,200"}, playbook).company_size == 1200
    assert parse_lead({"email": "a@b.de", "company_size": "200-500"}, playbook).company_size == 200


def test_fast_track_hands_a_cold_lead_to_sales(session, playbook, now) -> None:
    result = capture(session, playbook, now, {**LUKEWARM, "fast_track": True})
    assert result.lead.stage == Stage.SALES_READY
    assert result.lead.fast_tracked
    moves = [e for e in lead_history(session=session, lead_id=result.lead.id) if e.to_stage]
    assert moves[-1].reason == "fast-tracked by marketing"


def test_engagement_that_crosses_the_threshold_routes_the_lead(session, playbook, now) -> None:
    lead = capture(session, playbook, now, WARM).lead
    assert lead.stage == Stage.NURTURE
    lead, handed = record_engagement(
        session=session,
        lead_id=None,
        email="tom@brightlabs.co.uk",
        event_type="demo_request",
        at=None,
        playbook=playbook,
        now=now,
    )
    assert handed
    assert lead.stage == Stage.SALES_READY
    assert [m.kind for m in outbox(session)] == ["post_card"]


def test_old_engagement_counts_for_less(session, playbook, now) -> None:
    lead = capture(session, playbook, now, LUKEWARM).lead
    fresh_score = lead.score
    lead, handed = record_engagement(
        session=session,
        lead_id=lead.id,
        email=None,
        event_type="demo_request",
        at=now - timedelta(days=28),
        playbook=playbook,
        now=now,
    )
    assert not handed
    assert lead.score == pytest.approx(fresh_score + 30 / 4, abs=0.1)


def test_unknown_engagement_type_is_refused(session, playbook, now) -> None:
    lead = capture(session, playbook, now, LUKEWARM).lead
    with pytest.raises(InvalidLead) as caught:
        record_engagement(
            session=session,
            lead_id=lead.id,
            email=None,
            event_type="telepathy",
            at=None,
            playbook=playbook,
            now=now,
        )
    assert caught.value.errors[0].field == "type"


def test_engagement_for_unknown_lead_is_not_found(session, playbook, now) -> None:
    with pytest.raises(LeadNotFound):
        record_engagement(
            session=session,
            lead_id=999,
            email=None,
            event_type="page_view",
            at=None,
            playbook=playbook,
            now=now,
        )


def test_new_data_on_a_posted_lead_updates_its_pending_card(session, playbook, now) -> None:
    capture(session, playbook, now, HOT)
    capture(session, playbook, now, {"email": HOT["email"], "phone": "+49 89 1"})
    [message] = outbox(session)  # the post is still pending: its content is replaced
    assert message.kind == "post_card"
    assert "+49 89 1" in str(message.payload["blocks"])
