"""`/lead` moves end to end: signed slash commands into the real app, the outbox delivered to the
fake Slack; the card is updated in place and its thread gets one line per move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from bot.core.stages import Stage
from bot.slack.cards import slack_date
from bot.testkit.blocks import render_blocks
from store.db import session_scope
from store.leads import get_lead
from store.models import LeadEvent, OutboxMessage
from tests.factories import make_lead
from tests.handlers.conftest import Harness
from tests.handlers.test_claim_flow import HOT
from tests.store.test_read_scope import writing

EMEA, MARKETING = "C0EMEA0001", "C0MKTG0001"
REP, MANAGER, OTHER_REP = "U0REPEMEA1", "U0MGREMEA1", "U0REPEMEA2"


def claimed_lead(harness: Harness) -> tuple[int, str]:
    """A lead posted to EMEA and claimed by REP; returns its id and its card's ts."""
    answer = harness.intake(HOT)
    assert answer.status_code == 201, answer.text
    lead_id = int(answer.json()["id"])
    harness.deliver()
    [card] = harness.fake.messages(EMEA)
    assert "You own lead" in lead(harness, REP, f"claim {lead_id}")
    return lead_id, card.ts


def lead(harness: Harness, user: str, text: str) -> str:
    """`/lead <text>` as `user`; the private reply's text (and its blocks' text, one line each),
    after the outbox is delivered."""
    answer = harness.command(user, text)
    assert answer.status_code == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    harness.deliver()
    return "\n".join([str(body["text"]), *render_blocks(body.get("blocks") or [])])


def thread(harness: Harness, ts: str) -> list[str]:
    """The card's thread after the claim's own line, which `claimed_lead` put first."""
    lines = [m.text for m in harness.fake.replies(EMEA, ts)]
    assert lines[:1] == [f"<@{REP}> claimed it"]
    return lines[1:]


def card_edits(harness: Harness, ts: str) -> int:
    [card] = harness.fake.messages(EMEA)  # never a second card: always the one, edited
    assert card.ts == ts
    return card.edits


def test_a_lead_worked_to_won_has_one_thread_line_per_move(harness: Harness) -> None:
    lead_id, ts = claimed_lead(harness)
    tuesday = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, the playbook's zone
    jan_15 = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    steps = [
        (f"touch {lead_id} call no answer", "logged an attempt: call: no answer", "working"),
        (f"note {lead_id} left voicemail", "noted: left voicemail", "working"),
        (f"snooze {lead_id} next tuesday 9am", f"snoozed it: until {slack_date(tuesday)}",
         "working"),
        (f"qualify {lead_id} demo booked", "qualified it: demo booked", "opportunity"),
        (f"hold {lead_id} until Jan 15", f"put it on hold: resume {slack_date(jan_15)}",
         "on hold"),
        (f"reopen {lead_id}", "reopened it", "opportunity"),
        (f"won {lead_id} 18000", "won it: 18,000", "won"),
    ]  # fmt: skip
    edits = card_edits(harness, ts)
    for n, (text, line, stage) in enumerate(steps, start=1):
        reply = lead(harness, REP, text)
        assert reply.startswith(f"Done: <@{REP}> {line} (lead #{lead_id}, now {stage}).")
        assert thread(harness, ts)[-1] == f"<@{REP}> {line}"
        assert len(thread(harness, ts)) == n
        assert card_edits(harness, ts) == edits + n  # updated in place, once per move
    assert harness.fake.messages(MARKETING) == []  # won is nothing to hand back


def test_disqualify_by_l_number_picks_the_reason_and_tells_marketing(harness: Harness) -> None:
    lead_id, ts = claimed_lead(harness)
    reply = lead(harness, REP, f"disqualify L-{lead_id} student")
    line = f"<@{REP}> disqualified it: student or job seeker"
    assert reply.startswith(f"Done: {line} (lead #{lead_id}, now disqualified).")
    assert thread(harness, ts) == [line]
    [notice] = harness.fake.messages(MARKETING)
    assert notice.text == f"*Lead #{lead_id}* (Greta Maier): {line}"
    lead(harness, MANAGER, f"reopen #{lead_id}")
    assert thread(harness, ts)[-1] == f"<@{MANAGER}> reopened it"


def test_recycle_reads_the_revisit_date_inside_the_reason(harness: Harness) -> None:
    lead_id, ts = claimed_lead(harness)
    reply = lead(harness, REP, f"recycle {lead_id} budget frozen, revisit in 3 months")
    revisit = datetime(2027, 2, 23, 10, 0, tzinfo=UTC)  # 11:00 in Berlin, three months on
    line = f"<@{REP}> recycled it: budget frozen; revisit {slack_date(revisit)}"
    assert reply.startswith(f"Done: {line} (lead #{lead_id}, now nurture).")  # the date echoed
    assert thread(harness, ts) == [line]
    [notice] = harness.fake.messages(MARKETING)
    assert line in notice.text
    with session_scope(harness.factory) as session:
        stored = get_lead(session=session, lead_id=lead_id)
    assert stored is not None
    assert (stored.revisit_at, stored.reason, stored.owner_id) == (revisit, "budget frozen", REP)


def test_recycle_without_a_date_echoes_the_default_revisit(harness: Harness) -> None:
    lead_id, _ = claimed_lead(harness)
    reply = lead(harness, REP, f"recycle {lead_id} not now")
    assert f"recycled it: not now; revisit {slack_date(harness.clock() + timedelta(days=90))}" in (
        reply
    )


def test_a_lost_deal_keeps_its_reason_and_show_prints_the_history(harness: Harness) -> None:
    lead_id, ts = claimed_lead(harness)
    lead(harness, REP, f"qualify {lead_id} demo booked")
    lead(harness, REP, f"lost {lead_id} chose competitor")
    assert thread(harness, ts)[-1] == f"<@{REP}> lost it: chose competitor"
    shown = lead(harness, OTHER_REP, f"show {lead_id}")  # anyone may look
    assert f"*Lead #{lead_id}* — *Greta Maier*, BigCorp" in shown
    assert "Stage: Lost" in shown
    assert "Reason: chose competitor" in shown
    assert f"<@{REP}> qualified it: demo booked" in shown
    assert f"<@{REP}> lost it: chose competitor" in shown


def test_a_lead_named_by_its_e_mail_as_slack_sends_it(harness: Harness) -> None:
    lead_id, ts = claimed_lead(harness)
    email = HOT["email"]
    lead(harness, REP, f"note <mailto:{email}|{email}> sent the deck")
    assert thread(harness, ts) == [f"<@{REP}> noted: sent the deck"]


def test_a_multi_line_command_reads_the_lead_and_the_text(harness: Harness) -> None:
    lead_id, ts = claimed_lead(harness)
    lead(harness, REP, f"qualify {lead_id}\ndemo booked")
    assert thread(harness, ts) == [f"<@{REP}> qualified it: demo booked"]


def test_user_text_in_replies_and_thread_lines_pings_nobody(harness: Harness) -> None:
    lead_id, ts = claimed_lead(harness)
    reply = lead(harness, REP, f"note {lead_id} <!channel> call <@{MANAGER}> & <https://x.io|win>")
    escaped = f"&lt;!channel&gt; call &lt;@{MANAGER}&gt; &amp; &lt;https://x.io|win&gt;"
    assert thread(harness, ts) == [f"<@{REP}> noted: {escaped}"]
    assert escaped in reply
    reply = lead(harness, REP, f"disqualify {lead_id} <!here> wasted our time")
    assert "<!here>" not in reply
    assert "<!here>" not in harness.fake.messages(MARKETING)[0].text
    assert "<!here>" not in thread(harness, ts)[-1]


def test_a_refused_command_says_why_and_changes_nothing(harness: Harness) -> None:
    lead_id, ts = claimed_lead(harness)
    with session_scope(harness.factory) as session:
        before = [
            session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (LeadEvent, OutboxMessage)
        ]
    refusals = {
        f"won {lead_id} 18000": "so it cannot be won now. From here: log attempt, qualify",
        f"disqualify {lead_id}": "Why? Give a reason",
        f"snooze {lead_id} yesterday": "“yesterday” is in the past",
        f"note {lead_id}": "What should the note say?",
        f"reopen {lead_id} now": "takes only the lead",
    }
    for text, said in refusals.items():
        assert said in lead(harness, REP, text), text
    assert f"Lead #{lead_id} is working: only its owner <@{REP}>" in lead(
        harness, OTHER_REP, f"qualify {lead_id}"
    )
    with session_scope(harness.factory) as session:
        after = [
            session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (LeadEvent, OutboxMessage)
        ]
    assert after == before
    assert thread(harness, ts) == []


def test_show_and_mine_answer_while_a_write_transaction_is_open(
    harness: Harness, engine: Engine
) -> None:
    with session_scope(harness.factory) as session:
        lead_id = make_lead(session, name="Greta Maier", stage=Stage.WORKING, owner_id=REP).id
    with writing(engine) as writer:
        get_lead(session=writer, lead_id=lead_id, for_update=True)  # PostgreSQL: the row locked
        # settle=False: the rep's time zone is cached after the ack, a write that waits its turn.
        shown = str(harness.command(REP, f"show {lead_id}", settle=False).json()["blocks"])
        mine = harness.command(REP, "mine", settle=False).json()["text"]
    harness.settle()
    assert f"*Lead #{lead_id}* — *Greta Maier*" in shown
    assert f"Owner: <@{REP}>" in shown
    assert f"#{lead_id} *Greta Maier*" in mine
