"""The HTTP intake API: bearer token, 201/200/400/401/404, OpenAPI, health."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from store.db import session_scope
from store.models import Lead, LeadEvent
from tests.conftest import NOW
from tests.handlers.conftest import INTAKE_TOKEN, Harness

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


def test_every_mistake_comes_back_in_one_400_and_nothing_is_written(harness: Harness) -> None:
    answer = harness.intake(
        {"email": "not-an-email", "country": "Narnia", "company_size": "lots", "budget": "huge"}
    )
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert {e["field"] for e in errors} == {"email", "country", "company_size", "budget"}
    assert all(set(e) == {"field", "message"} for e in errors)
    [budget] = [e["message"] for e in errors if e["field"] == "budget"]
    assert "approved, planned, none" in budget
    with session_scope(harness.factory) as session:
        assert session.exec(select(Lead)).all() == []


def test_fit_answers_in_any_case_are_scored(harness: Harness) -> None:
    answer = harness.intake(
        {**LEAD, "budget": "Approved", "authority": "Decision Maker", "timeframe": "This Quarter"}
    )
    assert answer.status_code == 201
    assert answer.json()["stage"] == "sales_ready"


@pytest.mark.parametrize("body", [b"[1, 2]", b'"tom@brightlabs.co.uk"'])
def test_body_that_is_not_an_object_is_400(harness: Harness, body: bytes) -> None:
    answer = harness.http.post(
        "/api/leads",
        content=body,
        headers={"Authorization": "Bearer test-intake-token", "content-type": "application/json"},
    )
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["body"]


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
    errors = answer.json()["errors"]
    assert {e["field"] for e in errors} == {"email", "at"}
    assert "time zone" in " ".join(e["message"] for e in errors)


def test_every_mistake_in_an_event_comes_back_at_once(harness: Harness) -> None:
    answer = harness.http.post(
        "/api/events",
        json={"lead_id": 0, "type": "telepathy", "at": "2026-11-23T10:00:00"},
        headers={"Authorization": "Bearer test-intake-token"},
    )
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert {e["field"] for e in errors} == {"lead_id", "type", "at"}
    [type_error] = [e["message"] for e in errors if e["field"] == "type"]
    assert "demo_request" in type_error


def test_health_is_200_when_the_database_answers(harness: Harness) -> None:
    answer = harness.http.get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


def body_doc(spec: dict[str, Any], path: str) -> dict[str, Any]:
    return spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]


def test_openapi_publishes_the_lead_schema(harness: Harness) -> None:
    spec = harness.http.get("/openapi.json").json()
    post = spec["paths"]["/api/leads"]["post"]
    assert {"200", "201", "400", "401"} <= set(post["responses"])
    assert post["requestBody"]["required"] is True
    assert "email" in body_doc(spec, "/api/leads")["schema"]["required"]
    assert "/slack/events" not in spec["paths"]


def test_openapi_lists_the_playbook_answers_custom_fields_and_an_example(harness) -> None:
    spec = harness.http.get("/openapi.json").json()
    lead = body_doc(spec, "/api/leads")
    props = lead["schema"]["properties"]
    assert props["budget"]["enum"] == ["approved", "planned", "none"]
    assert props["authority"]["enum"] == ["decision_maker", "influencer", "user"]
    assert {"product", "industry"} <= set(props)
    assert harness.intake(lead["example"]).status_code == 201
    event = body_doc(spec, "/api/events")
    assert event["schema"]["properties"]["type"]["enum"] == [
        *harness.playbook.scoring.engagement,
        "touch",  # marketing's own touch of a nurtured lead, always known
    ]
    assert event["example"]["type"] in harness.playbook.scoring.engagement


def test_openapi_describes_every_field(harness: Harness) -> None:
    spec = harness.http.get("/openapi.json").json()
    components = spec["components"]["schemas"]
    schemas = [
        *(components[name] for name in ("LeadOut", "ErrorsOut", "FieldErrorOut")),
        body_doc(spec, "/api/leads")["schema"],
        body_doc(spec, "/api/events")["schema"],
    ]
    undescribed = [
        f"{schema['title']}.{name}"
        for schema in schemas
        for name, prop in schema.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert undescribed == []


class AssetLinks(HTMLParser):
    """Every src and href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_docs_work_offline(harness: Harness, page: str) -> None:
    answer = harness.http.get(page)
    assert answer.status_code == 200
    assert "cdn." not in answer.text
    assert "fonts.googleapis" not in answer.text
    links = AssetLinks()
    links.feed(answer.text)
    assert len(links.urls) >= 2
    for url in links.urls:
        assert urlsplit(url).netloc == "", url
        assert harness.http.get(url).status_code == 200, url


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


RAW_HEADERS = {"Authorization": "Bearer test-intake-token", "content-type": "application/json"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"email": "tom@brightlabs.co.uk", "name": "To\\u0000m"}', "name"),  # NUL: PostgreSQL
        ('{"email": "tom@brightlabs.co.uk", "product": "a\\u0007b"}', "product"),
        ('{"email": "tom@brightlabs.co.uk", "product": NaN}', "body"),
        ('{"email": "tom@brightlabs.co.uk", "product": Infinity}', "body"),
        ("[" * 20_000 + "]" * 20_000, "body"),  # nested past any real form
        ('{"email": "\\ud800"}', "email"),  # half a UTF-16 pair: was a 500
        ('{"email": "tom@brightlabs.co.uk", "\\udfff": 1}', "\ufffd"),
        ('{"email": "tom@brightlabs.co.uk", "product": "\\ud83d"}', "product"),  # was stored
    ],
)
def test_what_no_database_stores_is_a_400_on_both(harness: Harness, body: str, field: str) -> None:
    answer = harness.http.post("/api/leads", content=body.encode(), headers=RAW_HEADERS)
    assert answer.status_code == 400
    assert field in {e["field"] for e in answer.json()["errors"]}
    with session_scope(harness.factory) as session:
        assert session.exec(select(Lead)).all() == []


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"lead_id": 2**31, "type": "page_view"}, "lead_id"),  # past PostgreSQL's integer
        ({"lead_id": 2**63, "type": "page_view"}, "lead_id"),  # past SQLite's
        ({"lead_id": 1, "type": "page_view", "at": "0001-01-01T00:00:00+01:00"}, "at"),
    ],
)
def test_an_event_out_of_any_range_is_a_400(
    harness: Harness, event: dict[str, object], field: str
) -> None:
    answer = harness.http.post(
        "/api/events", json=event, headers={"Authorization": "Bearer test-intake-token"}
    )
    assert answer.status_code == 400
    assert field in {e["field"] for e in answer.json()["errors"]}


def test_an_unexpected_failure_is_a_500_with_an_incident_that_closes_the_connection(
    harness: Harness,
) -> None:
    harness.clock.now = None  # type: ignore[assignment]  # a bug: capture has no time to stamp
    answer = harness.intake(LEAD)
    assert answer.status_code == 500
    assert "incident" in answer.json()["errors"][0]["message"]
    assert answer.headers["connection"] == "close"
    harness.clock.now = NOW
    assert harness.intake(LEAD).status_code == 201  # the client's next request is served


def test_a_surrogate_written_in_utf_8_bytes_is_a_400(harness: Harness) -> None:
    body = b'{"email": "\xed\xa0\x80@brightlabs.co.uk"}'  # invalid UTF-8, as Python reads JSON
    answer = harness.http.post("/api/leads", content=body, headers=RAW_HEADERS)
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["email"]


def test_a_body_past_64_kb_is_413_unread(harness: Harness) -> None:
    body = json.dumps({"email": "tom@brightlabs.co.uk", "product": "x" * 70_000})
    answer = harness.http.post("/api/leads", content=body.encode(), headers=RAW_HEADERS)
    assert answer.status_code == 413
    assert "64 KB" in answer.json()["errors"][0]["message"]


def test_a_thousand_unknown_fields_get_a_short_answer(harness: Harness) -> None:
    body = {"email": "tom@brightlabs.co.uk", **{f"f{n}": 1 for n in range(1000)}}
    answer = harness.intake(body)
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert len(errors) == 51
    assert errors[-1]["message"] == "…and 950 more mistakes like these"


def test_a_touch_event_counts_marketings_touches_of_a_nurtured_lead(harness: Harness) -> None:
    created = harness.intake({"email": "nina.berg@northwind-traders.de", "name": "Nina"})
    assert created.json()["stage"] == "nurture", created.text
    headers = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
    touch = {"email": "nina.berg@northwind-traders.de", "type": "touch"}
    for _ in range(3):
        answer = harness.http.post("/api/events", json=touch, headers=headers)
        assert answer.status_code == 200, answer.text
    with session_scope(harness.factory) as session:
        lead = session.exec(select(Lead)).one()
        kinds = [e.kind for e in session.exec(select(LeadEvent)).all()]
    assert lead.nurture_touches == 3
    assert kinds.count("nurture_touch") == 3
    assert "touch" in harness.http.get("/openapi.json").text


def test_no_route_documents_a_422_it_never_gives(harness: Harness) -> None:
    """Mistakes are 400s with field errors; FastAPI's 422 appears only for parameters it checks
    itself, and no route has any (a new one would show here)."""
    spec = harness.http.get("/openapi.json").json()
    documented = {
        (path, method): set(operation["responses"])
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    }
    assert documented and not [route for route, codes in documented.items() if "422" in codes]
    assert {"name": "form_key", "in": "path", "required": True, "schema": {"type": "string"}} in (
        spec["paths"]["/f/{form_key}"]["post"]["parameters"]
    )
