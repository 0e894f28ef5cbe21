"""Reading `/lead <move> <lead> <rest>`: leads, reasons, dates, amounts and attempts; and no text
at all crashes `/lead` or changes a lead it refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from bot.commands.lead import (
    SUBCOMMANDS,
    CommandCall,
    ComputeReport,
    OpenNewLeadModal,
    run_lead_command,
)
from bot.commands.words import move_request, parse_lead_id, resolve_lead
from bot.core.errors import LeadbotError, LeadNotFound, MoveIncomplete
from bot.core.moves import Move
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.pursuit.moves import OTHER, Amount, Attempt, MoveRequest
from bot.slack.text import Message
from store.db import session_factory, session_scope
from store.models import Lead, LeadEvent, OutboxMessage
from tests.conftest import NOW
from tests.factories import make_lead

BERLIN = ZoneInfo("Europe/Berlin")
OWNER = "U0REPEMEA1"


def ask(move: Move, rest: str, playbook: Playbook, zone: ZoneInfo = BERLIN) -> MoveRequest:
    """What `/lead <move> 42 <rest>` asks for, typed on Monday 23 Nov 2026, 11:00 in Berlin."""
    with freeze_time(NOW):
        return move_request(move, 42, rest, actor=OWNER, playbook=playbook, now=NOW, zone=zone)


# -- leads --------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["42", "#42", "L-42", "l-42", "L42", " 42 "])
def test_a_lead_is_named_by_its_number(word: str) -> None:
    assert parse_lead_id(word) == 42


@pytest.mark.parametrize("word", ["0", "#0", "9" * 19])
def test_a_number_no_lead_can_have_is_no_lead(word: str) -> None:
    with pytest.raises(LeadNotFound):
        parse_lead_id(word)


@pytest.mark.parametrize("word", ["42x", "L--42", "²", "#", "<!channel>", "4 2"])
def test_a_word_that_is_no_lead_number_shows_the_right_form(word: str) -> None:
    with pytest.raises(LeadbotError) as refused:
        parse_lead_id(word)
    assert "write it like 42, #42, L-42 or an e-mail address" in refused.value.user_message
    assert "<!channel>" not in refused.value.user_message


@pytest.mark.parametrize(
    "word", ["greta@bigcorp.de", "Greta@BigCorp.de", "<mailto:greta@bigcorp.de|greta@bigcorp.de>"]
)
def test_a_lead_is_named_by_its_e_mail(word: str, session: Session) -> None:
    lead = make_lead(session, email="greta@bigcorp.de", email_key="greta@bigcorp.de")
    assert resolve_lead(word, session) == lead.id


def test_an_unknown_e_mail_is_no_lead(session: Session) -> None:
    with pytest.raises(LeadNotFound, match="No lead has the e-mail nobody@bigcorp.de"):
        resolve_lead("nobody@bigcorp.de", session)


# -- reasons ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("move", "rest", "reason", "text"),
    [
        (Move.DISQUALIFY, "spam", "spam", ""),
        (Move.DISQUALIFY, "No Budget", "no budget", ""),  # the playbook's spelling
        (Move.DISQUALIFY, "spam bot filled the form", "spam", "bot filled the form"),  # prefix
        (Move.DISQUALIFY, "no budget, maybe next year", "no budget", "maybe next year"),
        (Move.DISQUALIFY, "student", "student or job seeker", ""),  # unique first word
        (Move.LOST, "chose", "chose competitor", ""),
        (Move.LOST, "price too high", "price", "too high"),
        (Move.DISQUALIFY, "no", OTHER, "no"),  # "no" starts three reasons
        (Move.DISQUALIFY, "compet", OTHER, "compet"),  # not a whole word
        (Move.RECYCLE, "budget frozen", OTHER, "budget frozen"),  # free text
        (Move.RECYCLE, "other: they moved offices", OTHER, "they moved offices"),
        (Move.RECYCLE, "not now", "not now", ""),  # "now" is no revisit date
        (Move.RECYCLE, "no response", "no response", ""),
        (Move.DISQUALIFY, "", "", ""),  # apply_move asks why
    ],
)
def test_reasons(move: Move, rest: str, reason: str, text: str, playbook: Playbook) -> None:
    asked = ask(move, rest, playbook)
    assert (asked.reason, asked.text) == (reason, text)


def test_a_move_without_a_reason_list_keeps_the_text(playbook: Playbook) -> None:
    asked = ask(Move.QUALIFY, "demo booked", playbook)
    assert (asked.reason, asked.text, asked.when) == ("", "demo booked", None)


# -- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("move", "rest", "when", "reason", "text"),
    [
        # 11:00 in Berlin (CET, UTC+1) plus three months: 23 Feb 2027, 11:00 CET.
        (Move.RECYCLE, "budget frozen, revisit in 3 months",
         datetime(2027, 2, 23, 10, 0, tzinfo=UTC), OTHER, "budget frozen"),
        (Move.RECYCLE, "not now, revisit in 3 months",
         datetime(2027, 2, 23, 10, 0, tzinfo=UTC), "not now", ""),
        (Move.RECYCLE, "no response, after the board meeting on March 3",
         datetime(2027, 3, 3, 8, 0, tzinfo=UTC), "no response", "after the board meeting"),
        # A day without a time of day means 09:00 there; past dates in the year mean next year.
        (Move.HOLD, "until Jan 15", datetime(2027, 1, 15, 8, 0, tzinfo=UTC), "", ""),
        (Move.HOLD, "until Jun 1, budget approved", datetime(2027, 6, 1, 7, 0, tzinfo=UTC), "",
         "budget approved"),  # CEST: UTC+2
        (Move.HOLD, "2027-03-02", datetime(2027, 3, 2, 8, 0, tzinfo=UTC), "", ""),
        (Move.SNOOZE, "next tuesday 9am", datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "", ""),
        (Move.SNOOZE, "tomorrow at 14:30 call back", datetime(2026, 11, 24, 13, 30, tzinfo=UTC),
         "", "call back"),
        (Move.RECYCLE, "timing", None, "timing", ""),  # apply_move gives revisit_after
    ],
)  # fmt: skip
def test_dates_inside_the_text(
    move: Move,
    rest: str,
    when: datetime | None,
    reason: str,
    text: str,
    playbook: Playbook,
) -> None:
    asked = ask(move, rest, playbook)
    assert (asked.when, asked.reason, asked.text) == (when, reason, text)


def test_a_date_is_read_in_the_users_time_zone(playbook: Playbook) -> None:
    asked = ask(Move.SNOOZE, "tomorrow 9am", playbook, zone=ZoneInfo("America/New_York"))
    assert asked.when == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("move", "rest", "said"),
    [
        (Move.SNOOZE, "yesterday", "“yesterday” is in the past"),
        (Move.RECYCLE, "no response, revisit last week", "is in the past"),
        (Move.HOLD, "when they call back", "When should the deal resume?"),
        (Move.SNOOZE, "", "When should you be reminded?"),
    ],
)
def test_a_past_or_missing_date_is_refused_with_examples(
    move: Move, rest: str, said: str, playbook: Playbook
) -> None:
    with pytest.raises(MoveIncomplete) as refused:
        ask(move, rest, playbook)
    assert said in refused.value.user_message
    assert "“in 3 months”, “next tuesday 9am”" in refused.value.user_message


@pytest.mark.parametrize("move", [Move.REOPEN, Move.CLAIM])
def test_a_move_of_the_lead_alone_refuses_more_words(move: Move, playbook: Playbook) -> None:
    with pytest.raises(MoveIncomplete, match=f"`/lead {move} 42`"):
        ask(move, "please <!channel>", playbook)


# -- amounts and attempts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rest", "amount", "text"),
    [
        ("18000", Amount(18000, ""), ""),
        ("18,000 EUR", Amount(18000, "EUR"), ""),
        ("€18k", Amount(18000, "EUR"), ""),
        ("12.500,50 EUR", Amount(12500.5, "EUR"), ""),
        ("12,500.50 usd", Amount(12500.5, "USD"), ""),
        ("18000 for the renewal", Amount(18000, ""), "for the renewal"),
        ("$ 2.5m", Amount(2_500_000, "USD"), ""),
        ("EUR 18000", Amount(18000, "EUR"), ""),
        ("18 000 GBP, two-year deal", Amount(18000, "GBP"), "two-year deal"),
        ("finally", None, "finally"),
        ("", None, ""),
    ],
)
def test_amounts(rest: str, amount: Amount | None, text: str, playbook: Playbook) -> None:
    asked = ask(Move.WON, rest, playbook)
    assert (asked.amount, asked.text) == (amount, text)


def test_amount_words_show_thousands_and_cents() -> None:
    assert Amount(18000, "EUR").words() == "18,000 EUR"
    assert Amount(12500.5, "").words() == "12,500.50"


@pytest.mark.parametrize(
    ("rest", "attempt", "text"),
    [
        ("call no answer", Attempt("call", "no answer"), ""),
        ("Call, no answer", Attempt("call", "no answer"), ""),
        ("email bounced", Attempt("e-mail", "bounced"), ""),
        ("linkedin connected, demo next week", Attempt("LinkedIn", "connected"), "demo next week"),
        ("voicemail", Attempt("", "voicemail"), ""),
        ("left a message with the assistant", Attempt(), "left a message with the assistant"),
    ],
)
def test_attempts(rest: str, attempt: Attempt, text: str, playbook: Playbook) -> None:
    asked = ask(Move.TOUCH, rest, playbook)
    assert (asked.attempt, asked.text) == (attempt, text)
    assert asked.attempt.connected is (attempt.outcome == "connected")


# -- any text -----------------------------------------------------------------------------------

PHRASES = [
    "demo booked", "no budget", "student", "other", "budget frozen, revisit in 3 months",
    "next tuesday 9am", "until Jan 15", "yesterday", "in 99999999 years", "call no answer",
    "18000", "€18k", "12.500,50 EUR", "1e400", "99999999999999999999 EUR", "<!channel>",
    "<@U0MGREMEA1>", "not now", "\x00", "a\nb", "  ", "🙂", "now",
]  # fmt: skip


def what_a_refusal_may_not_change(session: Session) -> tuple[Any, ...]:
    leads = session.execute(select(Lead.__table__).order_by(Lead.id)).all()  # type: ignore[attr-defined]
    count = session.execute(select(func.count()).select_from(LeadEvent)).scalar_one()
    queued = session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    return [tuple(row) for row in leads], count, queued


def test_no_text_crashes_lead_or_changes_a_lead_it_refuses(
    engine: Engine, playbook: Playbook
) -> None:
    factory = session_factory(engine)
    with session_scope(factory) as session:
        working = make_lead(session, stage=Stage.WORKING, owner_id=OWNER, claimed_at=NOW)
        ready = make_lead(session)
    numbers = [str(working.id), f"#{ready.id}", f"L-{working.id}", working.email, "0", "x", ""]
    words = st.one_of(st.sampled_from(PHRASES), st.text(max_size=12))
    command = st.one_of(
        st.text(max_size=60),
        st.builds(
            "{} {} {}".format,
            st.sampled_from([*SUBCOMMANDS, "QUALIFY", "frobnicate", ""]),
            st.sampled_from([*numbers, f"<mailto:{ready.email}|{ready.email}>"]),
            st.lists(words, max_size=3).map(" ".join),
        ),
    )
    # Mostly the owner, whose moves go through, so the parser's every branch is reached.
    users = st.sampled_from([OWNER, OWNER, OWNER, "U0REPEMEA2", "U0MGREMEA1", "U0MKTG0001"])

    @settings(
        max_examples=100,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(text=command, user=users)
    @example(text=f"note {working.id} left\x00voicemail", user=OWNER)  # PostgreSQL stores no NUL
    @example(text=f"qualify {working.id}\ndemo booked", user=OWNER)
    @example(text=f"recycle {working.id} not now", user=OWNER)
    def run(text: str, user: str) -> None:
        with factory() as session:
            before = what_a_refusal_may_not_change(session)
            call = CommandCall(
                session=session, playbook=playbook, now=NOW, user_id=user, zone=BERLIN
            )
            try:
                reply = run_lead_command(text, call)
            except LeadbotError as refused:
                assert refused.user_message
                assert what_a_refusal_may_not_change(session) == before
            else:
                assert isinstance(reply, Message | OpenNewLeadModal | ComputeReport)
            finally:
                session.rollback()

    run()
