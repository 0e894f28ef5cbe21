"""The HTTP intake API: bearer token, 201/200/400/401/404, OpenAPI, health."""

from __future__ import annotations

from sqlmodel import select

from store.db import session_scope
from store.models import Lead
from tests.handlers.conftest import Harness

LEAD = {"email": "tom@brightlabs.co.uk", "name": "Tom Hughes", "country": "GB", "company_size": 300}


def test_new_lead_is_created_with_201(harness: Harness) -> None:
    answer = harness.intake(LEAD)
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {"id", "stage", "score"}
    assert body["stage"] == "nurture"


def test_same_person_again_is_merged_with_200(harness: Harness) -> None:
    first = harness.intake(LEAD).json()
    again = harness.intake({"email": "Tom+x@BrightLabs.co.uk", "phone": "+44 1"})
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]


def test_missing_token_is_401(harness: Harness) -> None:
    answer = harness.http.post("/api/leads", json=LEAD)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


def test_wrong_token_is_401_and_writes_nothing(harness: Harness) -> None:
    answer = harness.http.post("/api/leads", json=LEAD, headers={"Authorization": "Bearer guess"})
    assert answer.status_code == 401
    with session_scope(harness.factory) as session:
        assert session.exec(select(Lead)).all() == []


def test_bad_body_is_400_with_every_field_error(harness: Harness) -> None:
    answer = harness.intake({"name": "x" * 300, "company_size": "lots"})
    assert answer.status_code == 400
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"email", "name", "company_size"}


def test_junk_lead_is_400_naming_the_reason(harness: Harness) -> None:
    answer = harness.intake({"email": "test@test.com"})
    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["field"] == "email"


def test_body_that_is_not_json_is_400(harness: Harness) -> None:
    answer = harness.http.post(
        "/api/leads",
        content=b"{not json",
        headers={"Authorization": "Bearer test-intake-token", "content-type": "application/json"},
    )
    assert answer.status_code == 400


def test_engagement_event_rescores_and_can_hand_to_sales(harness: Harness) -> None:
    warm = {**LEAD, "title": "Head of Analytics", "budget": "planned", "timeframe": "this half"}
    created = harness.intake(warm).json()
    assert created["stage"] == "nurture"
    lead_id = created["id"]
    answer = harness.http.post(
        "/api/events",
        json={"lead_id": lead_id, "type": "demo_request"},
        headers={"Authorization": "Bearer test-intake-token"},
    )
    assert answer.status_code == 200
    assert answer.json()["stage"] == "sales_ready"


def test_event_for_unknown_lead_is_404(harness: Harness) -> None:
    answer = harness.http.post(
        "/api/events",
        json={"email": "nobody@nowhere-corp.com", "type": "page_view"},
        headers={"Authorization": "Bearer test-intake-token"},
    )
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["field"] == "email"


def test_event_needs_a_lead_reference_and_an_aware_time(harness: Harness) -> None:
    answer = harness.http.post(
        "/api/events",
        json={"type": "page_view", "at": "2026-11-23T10:00:00"},
        headers={"Authorization": "Bearer test-intake-token"},
    )
    assert answer.status_code == 400
    messages = " ".join(e["message"] for e in answer.json()["errors"])
    assert "timezone" in messages


def test_health_is_200_when_the_database_answers(harness: Harness) -> None:
    answer = harness.http.get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


def test_openapi_publishes_the_lead_schema(harness: Harness) -> None:
    spec = harness.http.get("/openapi.json").json()
    post = spec["paths"]["/api/leads"]["post"]
    assert {"200", "201", "400", "401"} <= set(post["responses"])
    assert "email" in spec["components"]["schemas"]["LeadIn"]["required"]
    assert "/slack/events" not in spec["paths"]


def test_malformed_body_without_token_is_401_not_400(harness: Harness) -> None:
    answer = harness.http.post(
        "/api/leads", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 401


def test_events_api_needs_the_token_too(harness: Harness) -> None:
    answer = harness.http.post(
        "/api/events",
        json={"lead_id": 1, "type": "page_view"},
        headers={"Authorization": "Basic dXNlcjpwdw=="},
    )
    assert answer.status_code == 401
