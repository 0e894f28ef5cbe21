"""POST /api/events with whatever a client may send: never a 5xx, a touch only when answered 200."""

from __future__ import annotations

from typing import Any

from hypothesis import given

from tests.fuzz.checks import describe, field_errors_of, row_counts, stored_lead
from tests.fuzz.strategies import event_bodies, json_bytes, raw_bodies
from tests.handlers.conftest import INTAKE_TOKEN, Harness

HEADERS = {"Authorization": f"Bearer {INTAKE_TOKEN}", "Content-Type": "application/json"}
#: Leads the events can find, by number or by these addresses.
KNOWN = ["greta.maier@bigcorp-industries.de", "Tom+x@BrightLabs.co.uk", "anna@gmail.com"]


def _known_leads(harness: Harness) -> list[int]:
    answers = [harness.intake({"email": email}) for email in KNOWN]
    assert [a.status_code for a in answers] == [201] * len(KNOWN)
    return [a.json()["id"] for a in answers]


def _post_and_check(harness: Harness, body: bytes) -> None:
    before = row_counts(harness.factory)
    answer = harness.http.post("/api/events", content=body, headers=HEADERS)
    assert answer.status_code in (200, 400, 404, 413), describe(answer)
    after = row_counts(harness.factory)
    if answer.status_code != 200:
        field_errors_of(answer)
        assert after == before, "a refused event wrote something"
        return
    out = answer.json()
    assert set(out) == {"id", "stage", "score"}, out
    lead = stored_lead(harness.factory, out["id"])
    assert lead is not None, "the event's lead cannot be read back"
    assert (lead.stage, lead.score) == (out["stage"], out["score"])
    assert after["Engagement"] == before["Engagement"] + 1
    assert after["Lead"] == before["Lead"]
    report = harness.deliver()  # a lead the event made sales-ready gets a card Slack takes
    assert (report.failed, report.retried) == (0, 0), [c for c in harness.fake.calls if not c.ok]


def test_any_json_event_is_answered_without_a_server_error(harness: Harness) -> None:
    @given(sent=event_bodies(_known_leads(harness), KNOWN))
    def post(sent: Any) -> None:
        _post_and_check(harness, json_bytes(sent))

    post()


def test_any_bytes_as_an_event_are_answered_without_a_server_error(harness: Harness) -> None:
    @given(body=raw_bodies(event_bodies(_known_leads(harness), KNOWN)))
    def post(body: bytes) -> None:
        _post_and_check(harness, body)

    post()
