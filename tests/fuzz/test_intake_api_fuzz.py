"""POST /api/leads with whatever a client may send: never a 5xx, never half a lead."""

from __future__ import annotations

from typing import Any

from hypothesis import given

from tests.fuzz.checks import describe, field_errors_of, row_counts, stored_lead
from tests.fuzz.strategies import json_bytes, lead_body, raw_bodies
from tests.handlers.conftest import INTAKE_TOKEN, Harness

HEADERS = {"Authorization": f"Bearer {INTAKE_TOKEN}", "Content-Type": "application/json"}


def _post_and_check(harness: Harness, body: bytes) -> None:
    before = row_counts(harness.factory)
    answer = harness.http.post("/api/leads", content=body, headers=HEADERS)
    assert answer.status_code in (200, 201, 400, 413), describe(answer)
    after = row_counts(harness.factory)
    if answer.status_code in (400, 413):
        field_errors_of(answer)
        assert after == before, "a refused lead wrote something"
        return
    out = answer.json()
    assert set(out) == {"id", "stage", "score"}, out
    lead = stored_lead(harness.factory, out["id"])
    assert lead is not None, "a 2xx lead cannot be read back"
    assert (lead.stage, lead.score) == (out["stage"], out["score"])
    grew = 1 if answer.status_code == 201 else 0
    assert after["Lead"] == before["Lead"] + grew
    # What the lead made leadbot say in Slack (its card) is a message Slack takes.
    report = harness.deliver()
    assert (report.failed, report.retried) == (0, 0), [c for c in harness.fake.calls if not c.ok]


def test_any_json_body_is_answered_without_a_server_error(harness: Harness) -> None:
    @given(lead=lead_body)
    def post(lead: Any) -> None:
        _post_and_check(harness, json_bytes(lead))

    post()


def test_any_bytes_are_answered_without_a_server_error(harness: Harness) -> None:
    @given(body=raw_bodies(lead_body))
    def post(body: bytes) -> None:
        _post_and_check(harness, body)

    post()
