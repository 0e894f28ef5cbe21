"""`/lead <anything>`: a sentence back, never an incident, and nothing it echoes pings or links."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from bot.commands.lead import CommandCall, ComputeReport, OpenNewLeadModal, run_lead_command
from bot.commands.words import parse_lead_id
from bot.core.errors import LeadbotError, LeadNotFound
from bot.core.stages import Stage
from bot.intake.leadinput import MAX_LEAD_ID
from bot.playbook.model import Playbook
from store.db import session_scope
from store.models import Lead
from tests.conftest import NOW
from tests.factories import make_lead
from tests.fuzz.strategies import NASTY_TEXT, any_text, command_texts, lead_words
from tests.handlers.conftest import Harness

#: Lead text that would ping or link if a reply showed it as it is.
HOSTILE = [
    {"name": "<!here> & co", "company": "<https://evil.example|prize>", "phone": "<!channel>"},
    {"name": "Tom &amp; Jerry", "company": "<@U0ADMIN001>", "stage": Stage.WORKING},
    {"name": "<!subteam^S0123|@sales>", "stage": Stage.NURTURE, "team": None},
    {"name": "x" * 200, "company": "&" * 200, "phone": "<" * 50, "owner_id": "U0REPEMEA2"},
]
USERS = ["U0REPEMEA1", "U0REPAMER1", "U0MGREMEA1", "U0ADMIN001", "U0NOBODY01"]
#: What leadbot itself writes in a reply: a person, a channel, a date (all from stored IDs).
OWN_MARKUP = re.compile(r"<@[UW][A-Z0-9]{8,}>|<#[CG][A-Z0-9]{8,}>|<!date\^\d+\^[^<>|]*\|[^<>]*>")
ENTITY = re.compile(r"&(?!(?:amp|lt|gt);)")
#: 42, #42, L-42 or l42; past 19 digits it is no number anyone means (and int() has limits).
LEAD_NUMBER = re.compile(r"(?:#|[Ll]-?)?([0-9]{1,19})")


def assert_slack_safe(text: str) -> None:
    """Only leadbot's own markup is markup: user text shows as text, pings and links nobody."""
    rest = OWN_MARKUP.sub("", text)
    assert "<" not in rest and ">" not in rest, text
    assert not ENTITY.search(rest), text


def _hostile_leads(session: Session) -> list[int]:
    ids = []
    for fields in HOSTILE:
        lead_id = make_lead(session, **fields).id
        assert lead_id is not None
        ids.append(lead_id)
    return ids


@given(word=st.one_of(lead_words([1, 42]), st.sampled_from(NASTY_TEXT), any_text))
def test_a_lead_number_is_read_or_refused_with_a_sentence(word: str) -> None:
    try:
        number = parse_lead_id(word)
    except LeadNotFound as refused:  # a number, but no lead can have it
        assert LEAD_NUMBER.fullmatch(word.strip())
        assert refused.lead_id is not None and not 1 <= refused.lead_id <= MAX_LEAD_ID
        return
    except LeadbotError as refused:
        assert not LEAD_NUMBER.fullmatch(word.strip()), word
        assert_slack_safe(refused.user_message)
        return
    match = LEAD_NUMBER.fullmatch(word.strip())
    assert match is not None and int(match.group(1)) == number, word


@pytest.fixture
def hostile(session: Session) -> Iterator[tuple[Session, list[int]]]:
    yield session, _hostile_leads(session)


def test_any_command_text_gives_a_sentence_or_a_form(
    hostile: tuple[Session, list[int]], playbook: Playbook
) -> None:
    session, lead_ids = hostile

    @given(text=command_texts(lead_ids), user=st.sampled_from(USERS))
    def run(text: str, user: str) -> None:
        call = CommandCall(
            session=session,
            playbook=playbook,
            now=NOW,
            user_id=user,
            zone=playbook.business_hours.zone,
        )
        savepoint = session.begin_nested()  # each example sees the same leads: a claim is undone
        try:
            reply = run_lead_command(text, call)
        except LeadbotError as refused:  # the error boundary shows it as it is
            assert_slack_safe(refused.user_message)
        else:
            if isinstance(reply, ComputeReport):  # the figures follow after the ack
                assert_slack_safe(reply.working().text)
            elif not isinstance(reply, OpenNewLeadModal):
                assert_slack_safe(reply.text)
        finally:
            savepoint.rollback()
        assert session.get(Lead, lead_ids[0]) is not None

    run()


def test_any_slash_command_is_answered_privately_without_an_incident(harness: Harness) -> None:
    with session_scope(harness.factory) as session:
        lead_ids = _hostile_leads(session)

    @given(text=command_texts(lead_ids), user=st.sampled_from(USERS))
    def send(text: str, user: str) -> None:
        answer = harness.command(user, text)
        if "\x00" in text:
            # Slack cannot send a NUL: the edge refuses it as a body not shaped as Slack's
            # (tests/handlers/test_malformed_slack.py), before any listener.
            assert answer.status_code == 400, answer.text
            return
        assert answer.status_code == 200, answer.text
        if not answer.content:  # `/lead new` opens the form and says nothing
            return
        reply = answer.json()
        assert reply["response_type"] == "ephemeral"
        assert "went wrong on our side" not in reply["text"], reply["text"]
        assert_slack_safe(reply["text"])

    send()
