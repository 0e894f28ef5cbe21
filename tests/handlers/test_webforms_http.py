"""Web-to-lead over real HTTP: plain HTML form posts to /f/{key}, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.intake.webforms import MAX_BODY, MAX_FIELDS
from bot.playbook.forms import WebForm
from bot.playbook.model import Playbook
from store.db import session_scope
from store.models import Lead
from tests.conftest import REPO
from tests.handlers.conftest import Harness

SITE = "https://www.acme-analytics.example"
THANKS = "https://www.acme-analytics.example/thanks"
HOT = {
    "first_name": "Greta",
    "last_name": "Maier",
    "email": "greta@bigcorp-industries.de",
    "company": "BigCorp",
    "title": "VP Operations",
    "country": "DE",
    "employees": "300",
    "budget": "approved",
    "timeframe": "this quarter",
}
JSON = {"Accept": "application/json"}
#: httpx sends a multipart body when there are `files`; this one is the empty honeypot.
MULTIPART = {"website": (None, "")}


@pytest.fixture
def playbook(playbook: Playbook) -> Playbook:
    """The example playbook's form, plus one without redirect or origins and a tight limit."""
    plain = WebForm(source="webinar", rate_limit="3/minute")  # type: ignore[arg-type]
    return playbook.model_copy(update={"forms": {**playbook.forms, "plain": plain}})


def leads(harness: Harness) -> list[Lead]:
    with session_scope(harness.factory) as session:
        found = list(session.exec(select(Lead)).all())
        session.expunge_all()
    return found


def post(harness: Harness, key: str, data: Any, **kwargs: Any) -> httpx.Response:
    return harness.http.post(f"/f/{key}", data=data, **kwargs)


def test_urlencoded_post_creates_the_lead_and_redirects(harness: Harness) -> None:
    answer = post(harness, "contact-sales", {**HOT, "website": ""}, headers={"Origin": SITE})
    assert answer.status_code == 303
    assert answer.headers["location"] == THANKS
    [lead] = leads(harness)
    assert (lead.name, lead.source, lead.company_size) == ("Greta Maier", "website_contact", 300)
    assert lead.custom == {"product": "analytics"}


def test_multipart_post_of_a_sales_ready_lead_shows_up_as_a_card(harness: Harness) -> None:
    answer = post(harness, "contact-sales", HOT, files=MULTIPART)
    assert answer.status_code == 303
    assert answer.request.headers["content-type"].startswith("multipart/form-data")
    harness.deliver()
    [card] = harness.fake.messages("C0EMEA0001")
    assert "Greta Maier" in card.text


def test_form_without_redirect_answers_a_thank_you_page(harness: Harness) -> None:
    answer = post(harness, "plain", {"email": "tom@brightlabs.co.uk"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "<title>Thank you</title>" in answer.text
    [lead] = leads(harness)
    assert lead.source == "webinar"


def test_no_token_is_needed(harness: Harness) -> None:
    answer = post(harness, "plain", {"email": "tom@brightlabs.co.uk"})
    assert "authorization" not in answer.request.headers
    assert answer.status_code == 200


def test_unknown_form_is_404(harness: Harness) -> None:
    assert post(harness, "nope", HOT).status_code == 404
    answer = post(harness, "nope", HOT, headers=JSON)
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["field"] == "form_key"
    assert leads(harness) == []


def test_filled_honeypot_looks_accepted_but_stores_nothing(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.intake.webforms"):
        answer = post(harness, "contact-sales", {**HOT, "website": "http://spam.example"})
    assert answer.status_code == 303
    assert answer.headers["location"] == THANKS
    assert leads(harness) == []
    assert [r.message for r in caplog.records if "honeypot" in r.message] == [
        "form contact-sales: honeypot filled, nothing stored (client 127.0.0.1)"
    ]


def test_too_many_posts_from_one_client_get_429_until_the_bucket_refills(
    harness: Harness,
) -> None:
    for n in range(3):
        assert post(harness, "plain", {"email": f"p{n}@brightlabs.co.uk"}).status_code == 200
    refused = post(harness, "plain", {"email": "p4@brightlabs.co.uk"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "20"
    assert "try again" in refused.text
    # Behind a trusted proxy (uvicorn trusts 127.0.0.1) each visitor has their own bucket.
    visitor = {"X-Forwarded-For": "203.0.113.9"}
    other = post(harness, "plain", {"email": "o@brightlabs.co.uk"}, headers=visitor)
    assert other.status_code == 200
    harness.clock.advance(timedelta(seconds=20))
    assert post(harness, "plain", {"email": "p4@brightlabs.co.uk"}).status_code == 200
    assert len(leads(harness)) == 5


def test_preflight_from_an_allowed_origin_gets_cors_headers(harness: Harness) -> None:
    answer = harness.http.options(
        "/f/contact-sales",
        headers={
            "Origin": SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept",
        },
    )
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == SITE
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert "content-type" in answer.headers["access-control-allow-headers"].lower()
    assert answer.headers["vary"] == "Origin"


def test_preflight_from_another_origin_gets_no_cors_headers(harness: Harness) -> None:
    for key in ("contact-sales", "plain"):
        answer = harness.http.options(
            f"/f/{key}",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert answer.status_code == 403
        assert not [h for h in answer.headers if h.startswith("access-control-")]


def test_post_from_an_origin_not_listed_is_refused(harness: Harness) -> None:
    answer = post(harness, "contact-sales", HOT, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403
    assert "access-control-allow-origin" not in answer.headers
    assert leads(harness) == []


def test_post_from_a_page_that_hides_its_origin_is_taken(harness: Harness) -> None:
    answer = post(harness, "contact-sales", HOT, headers={"Origin": "null"})
    assert answer.status_code == 303
    assert "access-control-allow-origin" not in answer.headers
    assert len(leads(harness)) == 1


def test_fetch_from_an_allowed_origin_gets_json_it_may_read(harness: Harness) -> None:
    answer = post(harness, "contact-sales", HOT, headers={**JSON, "Origin": SITE})
    assert answer.status_code == 201
    assert answer.headers["access-control-allow-origin"] == SITE
    body = answer.json()
    assert set(body) == {"id", "stage", "score"}
    assert body["stage"] == "sales_ready"
    again = post(harness, "contact-sales", {**HOT, "phone": "+49 1"}, headers=JSON)
    assert (again.status_code, again.json()["id"]) == (200, body["id"])


def test_invalid_input_over_json_is_400_with_errors(harness: Harness) -> None:
    answer = post(harness, "plain", {"email": "not-an-address"}, headers=JSON)
    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["field"] == "email"


def test_bad_email_gets_a_page_listing_the_error_and_stores_nothing(harness: Harness) -> None:
    answer = post(
        harness,
        "plain",
        {"email": "<b>greta</b>"},
        headers={"Referer": f"{SITE}/contact"},
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert (
        "<strong>E-mail</strong>: &#x27;&lt;b&gt;greta&lt;/b&gt;&#x27; is not a valid"
        in answer.text
    )
    assert f'href="{SITE}/contact"' in answer.text
    assert leads(harness) == []


def test_overlong_fields_are_each_named(harness: Harness) -> None:
    answer = post(
        harness, "plain", {"email": "tom@brightlabs.co.uk", "name": "x" * 201, "phone": "1" * 51}
    )
    assert answer.status_code == 400
    assert "<strong>Name</strong>: Use at most 200 characters" in answer.text
    assert "<strong>Phone</strong>: Use at most 50 characters" in answer.text
    assert leads(harness) == []


def test_oversize_body_is_413_and_stores_nothing(harness: Harness) -> None:
    big = {"email": "tom@brightlabs.co.uk", "company": "x" * MAX_BODY}
    assert post(harness, "plain", big).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap must hold while reading
        yield b"email=tom%40brightlabs.co.uk&company="
        for _ in range(MAX_BODY // 1024 + 1):
            yield b"x" * 1024

    chunked = harness.http.post(
        "/f/plain",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert chunked.status_code == 413
    assert leads(harness) == []


def test_form_with_too_many_inputs_is_400(harness: Harness) -> None:
    inputs = {f"x{n}": "1" for n in range(MAX_FIELDS + 1)}
    answer = post(harness, "plain", {"email": "tom@brightlabs.co.uk", **inputs}, headers=JSON)
    assert answer.status_code == 400
    assert "Too many fields" in answer.json()["errors"][0]["message"]
    assert leads(harness) == []


def test_body_that_is_not_a_form_is_415(harness: Harness) -> None:
    answer = harness.http.post("/f/plain", json={"email": "tom@brightlabs.co.uk"})
    assert answer.status_code == 415
    assert leads(harness) == []


def test_checkboxes_and_utf8_names_round_trip(harness: Harness) -> None:
    posted = {
        "first_name": "José",
        "last_name": "Müller",
        "email": "jose.mueller@brightlabs.co.uk",
        "industry": ["Retail", "Logistics"],
        "compelling_event": "on",
    }
    for files in (None, MULTIPART):  # urlencoded, then multipart
        answer = post(harness, "contact-sales", posted, files=files, headers=JSON)
        assert answer.status_code in (200, 201), answer.text
    [lead] = leads(harness)
    assert lead.name == "José Müller"
    assert lead.custom == {"product": "analytics", "industry": "Retail, Logistics"}
    assert lead.compelling_event == "on"


def test_the_page_cannot_fast_track_a_lead(harness: Harness) -> None:
    post(harness, "plain", {"email": "tom@brightlabs.co.uk", "fast_track": "true"})
    [lead] = leads(harness)
    assert (lead.fast_tracked, lead.stage) == (False, "nurture")


def test_openapi_documents_the_form_endpoint(harness: Harness) -> None:
    spec = harness.http.get("/openapi.json").json()
    post_spec = spec["paths"]["/f/{form_key}"]["post"]
    assert {"303", "400", "404", "413", "429"} <= set(post_spec["responses"])
    assert "application/x-www-form-urlencoded" in post_spec["requestBody"]["content"]


def test_the_readme_snippet_posts_a_lead(harness: Harness) -> None:
    readme = (REPO / "README.md").read_text()
    snippet = readme.split('<form action="https://leadbot.example.com/f/', 1)[1]
    key, snippet = snippet.split('"', 1)[0], snippet.split("</form>", 1)[0]
    answers = {
        "first_name": "Greta",
        "last_name": "Maier",
        "email": "greta@bigcorp-industries.de",
        "company": "BigCorp",
        "title": "VP Operations",
        "company_size": "300",
        "website": "",
    }
    assert re.findall(r'name="([^"]+)"', snippet) == list(answers)
    assert post(harness, key, answers).status_code == 303
    [lead] = leads(harness)
    assert (lead.name, lead.company_size, lead.source) == ("Greta Maier", 300, "website_contact")
