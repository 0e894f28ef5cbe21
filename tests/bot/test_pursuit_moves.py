"""apply_move: what each move does to the lead, its history and the outbox, and that a refused
move changes nothing; conflicting moves at once leave one outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from bot.core.errors import (
    LeadbotError,
    LeadNotFound,
    MoveIncomplete,
    MoveNotAllowed,
    NotClaimable,
    NotYours,
)
from bot.core.events import EventKind
from bot.core.moves import Move
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.pursuit.moves import OTHER, Amount, Attempt, MoveRequest, MoveResult, apply_move
from bot.slack.cards import slack_date
from store.db import session_factory, session_scope
from store.leads import get_lead, lead_history
from store.models import Lead, OutboxMessage
from store.outbox import OutboxKind
from tests.bot.test_intake_concurrency import at_once
from tests.conftest import NOW
from tests.factories import make_lead

OWNER, TEAMMATE, MANAGER = "U0REPEMEA1", "U0REPEMEA2", "U0MGREMEA1"
ADMIN, MARKETER = "U0ADMIN001", "U0MKTG0001"
EMEA, MARKETING = "C0EMEA0001", "C0MKTG0001"
CARD_TS = "1700000000.000100"
AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=7)
OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]


def lead_in(session: Session, stage: Stage, **overrides: Any) -> Lead:
    """A lead of EMEA whose card is posted; owned by OWNER unless it is sales-ready."""
    owned = stage is not Stage.SALES_READY
    fields: dict[str, Any] = {
        "stage": stage,
        "owner_id": OWNER if owned else None,
        "claimed_at": AT if owned else None,
        "card_channel": EMEA,
        "card_ts": CARD_TS,
    }
    return make_lead(session, **{**fields, **overrides})


def move(
    session: Session, playbook: Playbook, lead: Lead, what: Move, actor: str = OWNER, **kw: Any
) -> MoveResult:
    assert lead.id is not None
    request = MoveRequest(move=what, lead_id=lead.id, actor=actor, **kw)
    return apply_move(session=session, request=request, playbook=playbook, now=NOW)


def events(session: Session, lead: Lead) -> list[tuple[Any, ...]]:
    assert lead.id is not None
    return [
        (e.kind, e.actor, e.from_stage, e.to_stage, e.reason, e.data)
        for e in lead_history(session=session, lead_id=lead.id)
    ]


def outbox(session: Session) -> list[tuple[Any, ...]]:
    rows = session.execute(select(OUTBOX).order_by(OUTBOX.c.id)).all()
    return [(r.kind, r.channel, r.lead_id, r.status, r.payload["text"]) for r in rows]


def stored(session: Session, lead: Lead) -> Lead:
    assert lead.id is not None
    found = get_lead(session=session, lead_id=lead.id)
    assert found is not None
    return found


def everything(session: Session, lead: Lead) -> tuple[Any, ...]:
    """The lead's every column, its history and the whole outbox: what a move may change."""
    fresh = stored(session, lead)
    return (
        {n: getattr(fresh, n) for n in Lead.model_fields},
        events(session, lead),
        outbox(session),
    )


# -- every move ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    move: Move
    start: Stage
    to: Stage
    kind: EventKind  # the event the move records
    line: str  # the thread line after "<@actor> "
    request: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # the event's reason
    data: dict[str, Any] = field(default_factory=dict)  # the event's data
    lead: dict[str, Any] = field(default_factory=dict)  # fields of the lead after the move
    actor: str = OWNER
    notice: bool = False  # announced in marketing's channel


CASES = [
    Case(Move.CLAIM, Stage.SALES_READY, Stage.WORKING, EventKind.CLAIMED, "claimed it",
         actor=TEAMMATE, data={"speed_to_lead_seconds": 3600.0},
         lead={"owner_id": TEAMMATE, "claimed_at": NOW}),
    Case(Move.TOUCH, Stage.WORKING, Stage.WORKING, EventKind.ATTEMPT,
         "logged an attempt: call: no answer",
         request={"attempt": Attempt("call", "no answer")},
         data={"channel": "call", "outcome": "no answer", "number": 1},
         lead={"attempts": 1, "connected_at": None}),
    Case(Move.TOUCH, Stage.WORKING, Stage.WORKING, EventKind.ATTEMPT,
         "logged an attempt: meeting: connected; great chat",
         request={"attempt": Attempt("meeting", "connected"), "text": "great chat"},
         reason="great chat", data={"channel": "meeting", "outcome": "connected", "number": 1},
         lead={"attempts": 1, "connected_at": NOW}),
    Case(Move.TOUCH, Stage.NURTURE, Stage.NURTURE, EventKind.NURTURE_TOUCH,
         "logged an attempt: e-mail; newsletter", actor=MARKETER,
         request={"attempt": Attempt("e-mail"), "text": "newsletter"}, reason="newsletter",
         data={"channel": "e-mail", "outcome": ""}, lead={"nurture_touches": 1, "attempts": 0}),
    Case(Move.NOTE, Stage.WORKING, Stage.WORKING, EventKind.NOTE, "noted: left voicemail",
         request={"text": "left voicemail"}, reason="left voicemail"),
    Case(Move.QUALIFY, Stage.WORKING, Stage.OPPORTUNITY, EventKind.STAGE_CHANGED,
         "qualified it: demo booked", request={"text": "demo booked"},
         data={"move": "qualify", "text": "demo booked"}, lead={"qualified_at": NOW}),
    Case(Move.DISQUALIFY, Stage.WORKING, Stage.DISQUALIFIED, EventKind.STAGE_CHANGED,
         "disqualified it: no budget", request={"reason": "no budget"}, reason="no budget",
         data={"move": "disqualify"}, lead={"closed_at": NOW, "reason": "no budget"},
         notice=True),
    Case(Move.DISQUALIFY, Stage.SALES_READY, Stage.DISQUALIFIED, EventKind.STAGE_CHANGED,
         "disqualified it: spam; a bot filled the form", actor=TEAMMATE,
         request={"reason": "spam", "text": "a bot filled the form"}, reason="spam",
         data={"move": "disqualify", "text": "a bot filled the form"},
         lead={"closed_at": NOW, "reason": "spam", "owner_id": None}, notice=True),
    Case(Move.RECYCLE, Stage.WORKING, Stage.NURTURE, EventKind.STAGE_CHANGED,
         f"recycled it: budget frozen; revisit {slack_date(LATER)}",
         request={"reason": OTHER, "text": "budget frozen", "when": LATER},
         reason="budget frozen", data={"move": "recycle", "date": LATER.isoformat()},
         lead={"revisit_at": LATER, "reason": "budget frozen", "owner_id": OWNER}, notice=True),
    Case(Move.SNOOZE, Stage.WORKING, Stage.WORKING, EventKind.SNOOZED,
         f"snoozed it: until {slack_date(LATER)}", request={"when": LATER},
         data={"move": "snooze", "until": LATER.isoformat()}, lead={"snoozed_until": LATER}),
    Case(Move.WON, Stage.OPPORTUNITY, Stage.WON, EventKind.STAGE_CHANGED,
         "won it: 18,000 EUR", request={"amount": Amount(18000, "EUR")},
         data={"move": "won", "amount": 18000, "currency": "EUR"},
         lead={"amount": 18000, "currency": "EUR", "closed_at": NOW}),
    Case(Move.LOST, Stage.OPPORTUNITY, Stage.LOST, EventKind.STAGE_CHANGED,
         "lost it: chose competitor", request={"reason": "chose competitor"},
         reason="chose competitor", data={"move": "lost"},
         lead={"reason": "chose competitor", "closed_at": NOW}),
    Case(Move.HOLD, Stage.OPPORTUNITY, Stage.ON_HOLD, EventKind.STAGE_CHANGED,
         f"put it on hold: resume {slack_date(LATER)}", request={"when": LATER},
         data={"move": "hold", "date": LATER.isoformat()}, lead={"snoozed_until": LATER}),
    Case(Move.REOPEN, Stage.ON_HOLD, Stage.WORKING, EventKind.STAGE_CHANGED, "reopened it",
         data={"move": "reopen"}, lead={"snoozed_until": None, "closed_at": None}),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.move}-from-{c.start}")
def test_each_move_changes_the_lead_records_it_and_queues_its_messages(
    case: Case, session: Session, playbook: Playbook
) -> None:
    lead = lead_in(session, case.start)
    result = move(session, playbook, lead, case.move, actor=case.actor, **case.request)

    after = stored(session, lead)
    assert (result.lead.stage, after.stage) == (case.to, case.to)
    for name, value in case.lead.items():
        assert getattr(after, name) == value, name
    moved = case.to is not case.start
    assert after.stage_entered_at == (NOW if moved else AT)
    assert after.updated_at == NOW

    recorded = events(session, lead)
    if case.move is Move.CLAIM:
        assert recorded[0][:4] == (EventKind.STAGE_CHANGED, case.actor, case.start, case.to)
    else:
        [only] = recorded  # one move, one event
        from_to = (case.start, case.to) if moved else (None, None)
        assert only == (case.kind, case.actor, *from_to, case.reason, case.data)
    kinds = [(kind, channel) for kind, channel, *_ in outbox(session)]
    expected = [(OutboxKind.UPDATE_CARD, ""), (OutboxKind.THREAD_REPLY, "")]
    if case.notice:
        expected.append((OutboxKind.POST_MESSAGE, MARKETING))
    assert kinds == expected
    texts = [text for *_, text in outbox(session)]
    assert texts[1] == f"<@{case.actor}> {case.line}"
    if case.notice:
        assert texts[2] == f"*Lead #{lead.id}* ({lead.name}): <@{case.actor}> {case.line}"


def test_every_move_has_a_case() -> None:
    assert {case.move for case in CASES} == set(Move)


def test_recycle_without_a_date_comes_back_after_the_playbooks_period(
    session: Session, playbook: Playbook
) -> None:
    lead = lead_in(session, Stage.WORKING)
    result = move(session, playbook, lead, Move.RECYCLE, reason="not now")
    back = NOW + timedelta(days=90)
    assert stored(session, lead).revisit_at == back
    assert result.line.when == back
    [(*_, data)] = events(session, lead)
    assert data == {"move": "recycle", "date": back.isoformat()}


@pytest.mark.parametrize(
    ("closed", "qualified", "back_to"),
    [
        (Stage.LOST, NOW - timedelta(days=3), Stage.OPPORTUNITY),
        (Stage.ON_HOLD, NOW - timedelta(days=3), Stage.OPPORTUNITY),
        (Stage.ON_HOLD, None, Stage.WORKING),
        (Stage.DISQUALIFIED, None, Stage.WORKING),
    ],
)
def test_reopen_goes_back_to_the_deal_if_it_was_one_else_to_working_it(
    closed: Stage, qualified: datetime | None, back_to: Stage, session: Session, playbook: Playbook
) -> None:
    lead = lead_in(session, closed, qualified_at=qualified, closed_at=AT, reason="price")
    move(session, playbook, lead, Move.REOPEN)
    after = stored(session, lead)
    assert (after.stage, after.closed_at, after.owner_id) == (back_to, None, OWNER)
    assert after.qualified_at == qualified


def test_a_move_before_the_card_is_posted_folds_into_the_post_and_threads_after_it(
    session: Session, playbook: Playbook
) -> None:
    lead = lead_in(session, Stage.WORKING, card_channel=None, card_ts=None)
    assert lead.id is not None
    from bot.slack.outbox import queue_card
    from bot.slack.text import Message

    queue_card(session=session, lead_id=lead.id, channel=EMEA, message=Message("old"), now=AT)
    move(session, playbook, lead, Move.QUALIFY)
    [(post, *_, card_text), (thread, *_)] = outbox(session)
    assert (post, thread) == (OutboxKind.POST_CARD, OutboxKind.THREAD_REPLY)
    assert card_text != "old"  # the post carries the card as it is now


def test_a_nurtured_lead_that_never_had_a_card_gets_no_thread_line(
    session: Session, playbook: Playbook
) -> None:
    lead = make_lead(session, stage=Stage.NURTURE, team=None, sales_ready_at=None)
    move(session, playbook, lead, Move.TOUCH, actor=MARKETER, text="webinar invite")
    assert outbox(session) == []
    assert stored(session, lead).nurture_touches == 1


# -- refused moves change nothing ---------------------------------------------------------------

REFUSALS = [
    ("not allowed from the stage", Stage.OPPORTUNITY, Move.QUALIFY, OWNER, {}, MoveNotAllowed),
    ("closed lead", Stage.LOST, Move.WON, OWNER, {}, MoveNotAllowed),
    ("another rep", Stage.WORKING, Move.QUALIFY, TEAMMATE, {}, NotYours),
    ("marketing on a working lead", Stage.WORKING, Move.NOTE, MARKETER, {"text": "hi"}, NotYours),
    ("owner on the nurtured lead", Stage.NURTURE, Move.TOUCH, OWNER, {}, NotYours),
    ("missing reason", Stage.WORKING, Move.DISQUALIFY, OWNER, {}, MoveIncomplete),
    ("other without words", Stage.WORKING, Move.DISQUALIFY, OWNER, {"reason": OTHER},
     MoveIncomplete),
    ("unknown reason", Stage.OPPORTUNITY, Move.LOST, OWNER, {"reason": "<!channel>"},
     MoveIncomplete),
    ("past date", Stage.WORKING, Move.SNOOZE, OWNER, {"when": NOW - timedelta(days=1)},
     MoveIncomplete),
    ("date now", Stage.WORKING, Move.RECYCLE, OWNER, {"reason": "timing", "when": NOW},
     MoveIncomplete),
    ("hold without a date", Stage.OPPORTUNITY, Move.HOLD, OWNER, {}, MoveIncomplete),
    ("note without text", Stage.WORKING, Move.NOTE, OWNER, {"text": "  "}, MoveIncomplete),
    ("claim of a claimed lead", Stage.WORKING, Move.CLAIM, TEAMMATE, {}, LeadbotError),
]  # fmt: skip


@pytest.mark.parametrize(
    ("stage", "what", "actor", "request_", "error"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_a_refused_move_changes_nothing(
    stage: Stage,
    what: Move,
    actor: str,
    request_: dict[str, Any],
    error: type[LeadbotError],
    session: Session,
    playbook: Playbook,
) -> None:
    lead = lead_in(session, stage, qualified_at=AT if stage is Stage.OPPORTUNITY else None)
    before = everything(session, lead)
    with pytest.raises(error) as refused:
        move(session, playbook, lead, what, actor=actor, **request_)
    assert everything(session, lead) == before
    assert "<!channel>" not in refused.value.user_message  # user text is escaped


def test_a_move_on_no_lead_says_so(session: Session, playbook: Playbook) -> None:
    request = MoveRequest(move=Move.NOTE, lead_id=999_999, actor=OWNER, text="hi")
    with pytest.raises(LeadNotFound, match="There is no lead #999999"):
        apply_move(session=session, request=request, playbook=playbook, now=NOW)


def test_the_missing_reason_sentence_lists_the_reasons_with_an_example(
    session: Session, playbook: Playbook
) -> None:
    lead = lead_in(session, Stage.WORKING)
    with pytest.raises(MoveIncomplete) as refused:
        move(session, playbook, lead, Move.DISQUALIFY)
    said = refused.value.user_message
    assert "no budget, no authority, no need" in said
    assert f"`/lead disqualify {lead.id} no budget`" in said


def test_other_without_words_asks_why(session: Session, playbook: Playbook) -> None:
    lead = lead_in(session, Stage.WORKING)
    with pytest.raises(MoveIncomplete, match=r"^Why\? Give a reason"):
        move(session, playbook, lead, Move.RECYCLE, reason=OTHER)


# -- attempts -----------------------------------------------------------------------------------


def touches(session: Session, playbook: Playbook, lead: Lead, outcomes: list[str]) -> list[bool]:
    return [
        move(session, playbook, lead, Move.TOUCH, attempt=Attempt("call", o)).offer_way_out
        for o in outcomes
    ]


def test_the_way_out_is_offered_once_when_the_attempts_pass_without_a_connect(
    session: Session, playbook: Playbook
) -> None:
    lead = lead_in(session, Stage.WORKING)
    offers = touches(session, playbook, lead, ["no answer"] * (playbook.contact_attempts + 2))
    assert offers == [False] * 5 + [True, False, False]
    after = stored(session, lead)
    assert (after.attempts, after.attempts_prompted_at) == (8, NOW)


def test_a_connect_means_no_way_out_is_offered(session: Session, playbook: Playbook) -> None:
    lead = lead_in(session, Stage.WORKING)
    offers = touches(session, playbook, lead, ["no answer", "connected"] + ["voicemail"] * 6)
    assert not any(offers)
    assert stored(session, lead).connected_at == NOW


def test_no_way_out_is_offered_where_recycle_and_disqualify_are_not_allowed(
    session: Session, playbook: Playbook
) -> None:
    lead = lead_in(session, Stage.OPPORTUNITY, qualified_at=AT)
    assert not any(touches(session, playbook, lead, ["no answer"] * 7))


def test_the_attempt_number_is_in_the_history(session: Session, playbook: Playbook) -> None:
    lead = lead_in(session, Stage.WORKING)
    touches(session, playbook, lead, ["no answer", "voicemail"])
    assert [data["number"] for *_, data in events(session, lead)] == [1, 2]


# -- conflicts ----------------------------------------------------------------------------------


def race(
    engine: Engine, playbook: Playbook, lead_id: int, *moves: tuple[Move, str, dict[str, Any]]
) -> tuple[list[Move], list[LeadbotError]]:
    """The moves at once, each in its own thread and session: which won, and what the rest heard."""
    factory = session_factory(engine)
    won: list[Move] = []
    refused: list[LeadbotError] = []
    queue = list(moves)

    def one() -> None:
        what, actor, kw = queue.pop()  # list.pop is atomic: each thread takes its own move
        request = MoveRequest(move=what, lead_id=lead_id, actor=actor, **kw)
        try:
            with session_scope(factory) as session:
                apply_move(session=session, request=request, playbook=playbook, now=NOW)
            won.append(what)
        except LeadbotError as error:
            refused.append(error)

    assert at_once(len(moves), one) == []
    return won, refused


def committed_lead(engine: Engine, stage: Stage) -> int:
    with session_scope(session_factory(engine)) as session:
        lead_id = lead_in(session, stage).id
    assert lead_id is not None
    return lead_id


def history_of(engine: Engine, lead_id: int) -> list[Any]:
    with session_scope(session_factory(engine)) as session:
        return list(lead_history(session=session, lead_id=lead_id))


def test_qualify_and_disqualify_at_once_leave_one_outcome(
    engine: Engine, playbook: Playbook
) -> None:
    lead_id = committed_lead(engine, Stage.WORKING)
    won, refused = race(
        engine, playbook, lead_id,
        (Move.QUALIFY, OWNER, {"text": "demo booked"}),
        (Move.DISQUALIFY, MANAGER, {"reason": "no budget"}),
    )  # fmt: skip
    assert len(won) == 1 and len(refused) == 1
    [winner], [error] = won, refused
    stage = Stage.OPPORTUNITY if winner is Move.QUALIFY else Stage.DISQUALIFIED
    assert isinstance(error, MoveNotAllowed)
    assert error.user_message.startswith(f"Lead #{lead_id} is {stage}")  # what happened
    moved = [e for e in history_of(engine, lead_id) if e.kind == EventKind.STAGE_CHANGED]
    assert [(e.from_stage, e.to_stage) for e in moved] == [(Stage.WORKING, stage)]
    with session_scope(session_factory(engine)) as session:
        assert [kind for kind, *_ in outbox(session) if kind == OutboxKind.THREAD_REPLY] == [
            OutboxKind.THREAD_REPLY
        ]


def test_a_move_racing_the_claim_leaves_one_outcome(engine: Engine, playbook: Playbook) -> None:
    lead_id = committed_lead(engine, Stage.SALES_READY)
    won, refused = race(
        engine, playbook, lead_id,
        (Move.CLAIM, OWNER, {}),
        (Move.DISQUALIFY, TEAMMATE, {"reason": "spam"}),
    )  # fmt: skip
    assert len(won) == 1 and len(refused) == 1
    [winner], [error] = won, refused
    with session_scope(session_factory(engine)) as session:
        lead = get_lead(session=session, lead_id=lead_id)
    assert lead is not None
    if winner is Move.CLAIM:
        assert (lead.stage, lead.owner_id) == (Stage.WORKING, OWNER)
        assert isinstance(error, NotYours)
        assert error.user_message.startswith(f"Lead #{lead_id} is working: only its owner <@")
    else:
        assert (lead.stage, lead.owner_id) == (Stage.DISQUALIFIED, None)
        assert isinstance(error, NotClaimable)
        assert error.user_message == f"Lead #{lead_id} is closed (disqualified)."


def test_two_claims_and_a_disqualify_at_once_leave_one_consistent_lead(
    engine: Engine, playbook: Playbook
) -> None:
    lead_id = committed_lead(engine, Stage.SALES_READY)
    won, refused = race(
        engine, playbook, lead_id,
        (Move.CLAIM, OWNER, {}), (Move.CLAIM, TEAMMATE, {}),
        (Move.DISQUALIFY, MANAGER, {"reason": "spam"}),
    )  # fmt: skip
    # At most one claim: the manager may then still disqualify the claimed lead (in turn).
    assert won.count(Move.CLAIM) <= 1
    assert len(won) + len(refused) == 3 and won
    moved = [e for e in history_of(engine, lead_id) if e.kind == EventKind.STAGE_CHANGED]
    stages = [(e.from_stage, e.to_stage) for e in moved]
    assert stages[0] in (
        (Stage.SALES_READY, Stage.WORKING),
        (Stage.SALES_READY, Stage.DISQUALIFIED),
    )
    for (_, to), (frm, _) in zip(stages, stages[1:], strict=False):
        assert to == frm  # a chain: every move started where the one before it ended
