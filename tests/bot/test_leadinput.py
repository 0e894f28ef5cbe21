"""Intake input: one pure step checks a lead or an event against the playbook."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core.errors import FieldError, InvalidLead
from bot.intake.leadinput import employees, parse_event, parse_lead
from bot.intake.schema import event_example, event_schema, lead_example, lead_schema
from bot.playbook.model import FitWeights, Playbook
from tests.conftest import NOW

FIT_QUESTIONS = ("budget", "authority", "timeframe", "compelling_event")


def errors_of(data: dict[str, Any], playbook: Playbook) -> list[FieldError]:
    with pytest.raises(InvalidLead) as caught:
        parse_lead(data, playbook)
    return caught.value.errors


def fields_of(data: dict[str, Any], playbook: Playbook) -> set[str]:
    return {e.field for e in errors_of(data, playbook)}


def message_for(field: str, errors: list[FieldError]) -> str:
    [message] = [e.message for e in errors if e.field == field]
    return message


def with_fit(playbook: Playbook, **options: Any) -> Playbook:
    """The playbook with other fit options (unlisted questions have none)."""
    scoring = playbook.scoring.model_copy(update={"fit": FitWeights(**options)})
    return playbook.model_copy(update={"scoring": scoring})


def test_every_mistake_in_a_lead_is_reported_at_once(playbook) -> None:
    data = {"email": "not-an-email", "country": "Narnia", "company_size": "lots", "budget": "huge"}
    assert fields_of(data, playbook) == {"email", "country", "company_size", "budget"}


def test_junk_is_reported_beside_other_mistakes(playbook) -> None:
    errors = errors_of({"email": "test@test.com", "company_size": "lots"}, playbook)
    assert {e.field for e in errors} == {"email", "company_size"}
    assert "test" in message_for("email", errors)


def test_junk_name_is_reported_beside_other_mistakes(playbook) -> None:
    data = {"email": "ann@brightlabs.co.uk", "name": "asdf", "budget": "huge"}
    assert fields_of(data, playbook) == {"email", "budget"}


def test_unknown_fields_are_reported_beside_other_mistakes(playbook) -> None:
    errors = errors_of({"email": "ann@brightlabs.co.uk", "shoe_size": 42, "country": "X"}, playbook)
    assert {e.field for e in errors} == {"shoe_size", "country"}
    assert "product, industry" in message_for("shoe_size", errors)


def test_messages_are_sentences_a_marketer_reads(playbook) -> None:
    data = {"name": "x" * 300, "company_size": "lots", "country": "Narnia", "fast_track": "maybe"}
    errors = errors_of(data, playbook)
    assert message_for("email", errors) == "This field is required"
    assert message_for("name", errors) == "Use at most 200 characters"
    assert "'lots' is not a number of employees" in message_for("company_size", errors)
    assert "'Narnia' is not a country" in message_for("country", errors)
    assert message_for("fast_track", errors) == "Give true or false"
    assert not [e for e in errors if "Input should" in e.message or "Value error" in e.message]


def test_a_valid_lead_comes_back_checked_and_normalised(playbook) -> None:
    lead = parse_lead(
        {
            "email": " Greta.Maier@BigCorp.de ",
            "country": "Germany",
            "budget": "Approved",
            "authority": "Decision Maker",
            "timeframe": " this-quarter ",
            "company_size": "1,200",
        },
        playbook,
    )
    assert (lead.email.email, lead.email.key, lead.email.domain) == (
        "greta.maier@bigcorp.de",
        "greta.maier@bigcorp.de",
        "bigcorp.de",
    )
    assert (lead.country, lead.budget, lead.authority, lead.timeframe) == (
        "DE",
        "approved",
        "decision_maker",
        "this_quarter",
    )
    assert lead.company_size == 1200


def test_a_fit_answer_the_playbook_does_not_list_names_the_allowed_ones(playbook) -> None:
    errors = errors_of({"email": "ann@brightlabs.co.uk", "budget": "huge"}, playbook)
    message = message_for("budget", errors)
    assert "'huge'" in message
    assert "approved, planned, none" in message


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("authority", "sales rep"),
        ("timeframe", "next decade"),
    ],
)
def test_every_fit_question_is_checked(playbook, question: str, answer: str) -> None:
    assert fields_of({"email": "ann@brightlabs.co.uk", question: answer}, playbook) == {question}


@pytest.mark.parametrize("answer", ["APPROVED", "Approved", " approved "])
def test_crm_spellings_of_an_answer_are_accepted(playbook, answer: str) -> None:
    assert parse_lead({"email": "ann@brightlabs.co.uk", "budget": answer}, playbook).budget == (
        "approved"
    )


@pytest.mark.parametrize(
    "answer", [True, False, "yes", "Yes", "no", "none", "", "Contract with the vendor ends in May"]
)
def test_compelling_event_takes_yes_no_or_a_description(playbook, answer: Any) -> None:
    """The example playbook scores {"yes": 15}: a described event counts as yes."""
    parse_lead({"email": "ann@brightlabs.co.uk", "compelling_event": answer}, playbook)


def test_compelling_event_options_without_yes_are_checked(playbook) -> None:
    book = with_fit(playbook, compelling_event={"funding_round": 10, "new_leader": 5})
    assert (
        parse_lead({"email": "a@brightlabs.co.uk", "compelling_event": "Funding Round"}, book)
    ).compelling_event == "Funding Round"
    parse_lead({"email": "a@brightlabs.co.uk", "compelling_event": "no"}, book)
    errors = errors_of({"email": "a@brightlabs.co.uk", "compelling_event": "we moved"}, book)
    assert "funding_round, new_leader" in message_for("compelling_event", errors)


def test_a_fit_question_without_options_takes_any_answer(playbook) -> None:
    book = with_fit(playbook)
    lead = parse_lead({"email": "a@brightlabs.co.uk", "budget": "Huge", "timeframe": "soon"}, book)
    assert (lead.budget, lead.timeframe) == ("huge", "soon")


def test_every_mistake_in_an_event_is_reported_at_once(playbook) -> None:
    data = {"lead_id": 0, "type": "telepathy", "at": "2026-11-23T10:00:00"}
    with pytest.raises(InvalidLead) as caught:
        parse_event(data, playbook, NOW)
    errors = caught.value.errors
    assert {e.field for e in errors} == {"lead_id", "type", "at"}
    assert "page_view, pricing_page_view" in message_for("type", errors)
    assert "time zone" in message_for("at", errors)


def test_an_event_needs_a_lead_reference_and_a_known_type_at_once(playbook) -> None:
    with pytest.raises(InvalidLead) as caught:
        parse_event({"type": "telepathy"}, playbook, NOW)
    assert {e.field for e in caught.value.errors} == {"email", "type"}


def test_an_event_in_the_future_is_refused(playbook) -> None:
    at = (NOW + timedelta(hours=1)).isoformat()
    with pytest.raises(InvalidLead) as caught:
        parse_event({"lead_id": 1, "type": "page_view", "at": at}, playbook, NOW)
    assert [e.field for e in caught.value.errors] == ["at"]


@pytest.mark.parametrize(
    "data",
    [
        {"email": "\ud800"},  # pydantic itself failed quoting it in its message (a 500)
        {"email": "ann@brightlabs.co.uk", "name": "Ann \udfff"},
        {"email": "ann@brightlabs.co.uk", "product": {"\ud83d": 1}},
    ],
)
def test_a_lone_surrogate_is_refused_once_as_a_broken_character(
    playbook, data: dict[str, Any]
) -> None:
    [error] = errors_of(data, playbook)
    assert error.field in data
    assert "UTF-16" in error.message


def test_a_field_named_with_a_lone_surrogate_is_named_so_an_answer_can_carry_it(playbook) -> None:
    errors = errors_of({"email": "ann@brightlabs.co.uk", "x\ud800": 1}, playbook)
    assert {e.field for e in errors} == {"x\ufffd"}
    for error in errors:
        (error.field + error.message).encode()  # a JSON answer is UTF-8


def test_an_event_with_a_lone_surrogate_is_refused_as_a_broken_character(playbook) -> None:
    with pytest.raises(InvalidLead) as caught:
        parse_event({"email": "\ud800@brightlabs.co.uk", "type": "page_view"}, playbook, NOW)
    assert [e.field for e in caught.value.errors] == ["email"]


def test_a_valid_event_comes_back_with_the_type_key(playbook) -> None:
    event = parse_event({"email": "Tom@BrightLabs.co.uk", "type": "Demo Request"}, playbook, NOW)
    assert event.email is not None
    assert (event.type, event.email.key, event.lead_id) == (
        "demo_request",
        "tom@brightlabs.co.uk",
        None,
    )


def test_lead_schema_lists_the_playbook_answers_and_custom_fields(playbook) -> None:
    schema = lead_schema(playbook)
    props = schema["properties"]
    assert props["budget"]["enum"] == ["approved", "planned", "none"]
    assert props["authority"]["enum"] == ["decision_maker", "influencer", "user"]
    assert props["timeframe"]["enum"] == ["this_quarter", "this_half", "this_year", "later"]
    assert {"product", "industry"} <= set(props)
    assert schema["required"] == ["email"]
    assert schema["additionalProperties"] is False
    assert [name for name, prop in props.items() if not prop.get("description")] == []


def test_lead_schema_without_options_lists_no_enum(playbook) -> None:
    props = lead_schema(with_fit(playbook))["properties"]
    assert [q for q in FIT_QUESTIONS if "enum" in str(props[q])] == []


def test_the_published_examples_are_valid(playbook) -> None:
    parse_lead(lead_example(playbook), playbook)
    parse_event(event_example(playbook), playbook, NOW)


def test_event_schema_lists_the_playbook_types(playbook) -> None:
    schema = event_schema(playbook)
    assert schema["properties"]["type"]["enum"] == [*playbook.scoring.engagement, "touch"]
    assert [n for n, p in schema["properties"].items() if not p.get("description")] == []


@pytest.mark.parametrize(
    ("written", "size"),
    [
        ("1,200", 1200),
        ("1.001-5.000", 1001),  # Excel in Germany: dots group thousands
        ("1 001–5 000", 1001),
        ("1'200", 1200),
        ("200 - 500 employees", 200),
        ("10,001+ employees", 10001),  # LinkedIn Lead Gen
        ("Myself Only", 1),
        ("<50", 1),
        ("over 10000", 10000),
        ("", None),
    ],
)
def test_company_sizes_as_crms_and_people_write_them(written: str, size: int | None) -> None:
    assert employees(written) == size


@pytest.mark.parametrize("written", ["lots", "1.5", "12,34"])
def test_a_size_that_is_no_headcount_is_refused(written: str) -> None:
    with pytest.raises(ValueError, match="is not a number of employees"):
        employees(written)
