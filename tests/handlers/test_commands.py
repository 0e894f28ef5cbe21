"""`/lead` subcommands answer privately in the command's own HTTP response."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.slack.ids import CallbackId
from store.db import session_scope
from store.models import Lead
from tests.factories import make_lead
from tests.handlers.conftest import Harness

REP = "U0REPEMEA1"


def _a_lead(harness: Harness, **overrides: object) -> int:
    with session_scope(harness.factory) as session:
        lead_id = make_lead(session, **overrides).id
    assert lead_id is not None
    return lead_id


def test_help_lists_the_commands(harness: Harness) -> None:
    answer = harness.command(REP, "help")
    assert answer.status_code == 200
    assert answer.json()["response_type"] == "ephemeral"
    assert "/lead claim 42" in answer.json()["text"]


def test_claim_by_command_makes_the_rep_owner(harness: Harness) -> None:
    lead_id = _a_lead(harness)
    answer = harness.command(REP, f"claim #{lead_id}")
    assert f"You own lead #{lead_id} now" in answer.json()["text"]
    with session_scope(harness.factory) as session:
        assert session.exec(select(Lead)).one().owner_id == REP


def test_claim_without_a_number_says_how(harness: Harness) -> None:
    answer = harness.command(REP, "claim")
    assert answer.status_code == 200
    assert answer.json()["text"] == "Which lead? Write `/lead claim 42`."


def test_a_command_that_says_payload_reaches_the_command(harness: Harness) -> None:
    # Bolt read any form body with the word 'payload' in it as an interaction: no listener (404).
    answer = harness.command(REP, "show payload")
    assert answer.status_code == 200
    assert answer.json()["text"].startswith("'payload' is not a lead;")


def test_claim_of_a_word_is_refused_readably(harness: Harness) -> None:
    answer = harness.command(REP, "claim <!everyone>")
    text = answer.json()["text"]
    assert "is not a lead;" in text
    assert "<!everyone>" not in text


def test_show_gives_details_and_history(harness: Harness) -> None:
    lead_id = _a_lead(harness, name="Greta Maier")
    harness.command(REP, f"claim {lead_id}")
    text = str(harness.command(REP, f"show {lead_id}").json()["blocks"])
    assert "Greta Maier" in text
    assert f"Owner: <@{REP}>" in text
    assert f"<@{REP}> claimed it after 1 h" in text


def test_show_of_a_missing_lead_says_so(harness: Harness) -> None:
    assert harness.command(REP, "show 999").json()["text"] == "There is no lead #999."


def test_mine_lists_the_reps_leads(harness: Harness) -> None:
    lead_id = _a_lead(harness, name="Greta Maier")
    assert "not working any lead" in harness.command(REP, "mine").json()["text"]
    harness.command(REP, f"claim {lead_id}")
    assert f"#{lead_id} *Greta Maier*" in harness.command(REP, "mine").json()["text"]


def test_unknown_subcommand_is_escaped_and_helped(harness: Harness) -> None:
    text = harness.command(REP, "<!here> please").json()["text"]
    assert "<!here>" not in text
    assert "/lead help" in text


def test_new_opens_the_lead_form(harness: Harness) -> None:
    answer = harness.command(REP, "new")
    assert answer.status_code == 200
    [call] = harness.fake.calls_to("views.open")
    assert call.args["view"]["callback_id"] == CallbackId.NEW_LEAD


def test_a_modal_slack_refuses_to_open_is_reported_with_an_incident_id(harness: Harness) -> None:
    harness.fake.fail_next("views.open", status=200, error="invalid_trigger_id")
    assert harness.command(REP, "new").content == b""  # the ack; views.open comes after it
    [reply] = harness.fake.responses_to(REP)
    assert "something went wrong on our side (incident " in reply["text"]
    assert reply["response_type"] == "ephemeral"


@pytest.mark.parametrize("number", ["2147483648", "9223372036854775808", "0"])
def test_show_of_a_number_past_any_lead_says_there_is_none(harness: Harness, number: str) -> None:
    assert (
        harness.command(REP, f"show {number}").json()["text"] == f"There is no lead #{int(number)}."
    )


@pytest.mark.parametrize("word", ["²", "٤٢", "-3", "L-"])
def test_show_of_what_only_looks_like_a_number_is_refused_readably(
    harness: Harness, word: str
) -> None:
    assert "is not a lead;" in harness.command(REP, f"show {word}").json()["text"]


def test_a_lead_is_named_the_ways_people_write_it(harness: Harness) -> None:
    for name in ("L-999", "l-999", "#999", "L999"):
        assert harness.command(REP, f"show {name}").json()["text"] == "There is no lead #999."
