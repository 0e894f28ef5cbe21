"""The weekly digest and `/lead report`, end to end: leads flow in during a week, the digest
job runs at the playbook's hour, the outbox delivers to the fake Slack (the chart in the first
message's thread), and a rep asks for the same figures privately."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.playbook.model import Playbook
from jobs.digest import run_digest
from store.db import session_factory
from tests.handlers.conftest import Harness
from tests.handlers.test_claim_flow import EMEA, HOT

MANAGERS = "C0MGRS0001"
REP = "U0REPEMEA1"
WEDNESDAY = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, in the week reported
MONDAY_8AM = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # the digest's hour: "mon 08:00" Berlin


def a_week_of_leads(harness: Harness) -> int:
    """Two leads in on Wednesday: Greta (sales-ready, claimed 12 minutes later) and a nurtured
    one. Returns Greta's id."""
    harness.clock.now = WEDNESDAY
    greta = harness.intake(HOT).json()["id"]
    harness.intake({"email": "tom@brightlabs.co.uk", "name": "Tom", "country": "GB"})
    harness.deliver()
    harness.clock.now = WEDNESDAY + timedelta(minutes=12)
    harness.click_claim(REP, greta)
    harness.deliver()
    return int(greta)


def send_all(harness: Harness, now: datetime) -> None:
    for _ in range(3):  # the chart waits for the message it goes under
        harness.deliver()
        harness.clock.now = now = now + timedelta(seconds=1)


def test_the_digest_goes_out_at_its_hour_once_with_the_chart_in_its_thread(
    harness: Harness,
) -> None:
    a_week_of_leads(harness)
    factory, book = harness.factory, harness.playbook
    assert (
        run_digest(session_factory=factory, playbook=book, now=MONDAY_8AM - timedelta(minutes=1))
        == 0
    )
    assert run_digest(session_factory=factory, playbook=book, now=MONDAY_8AM) == 5  # company,
    assert run_digest(session_factory=factory, playbook=book, now=MONDAY_8AM) == 0  # 3 teams,
    harness.clock.now = MONDAY_8AM  # the chart
    send_all(harness, MONDAY_8AM)
    company, *teams = harness.fake.messages(MANAGERS)
    assert "Weekly funnel — Acme Analytics — week of 16 Nov 2026" in company.text
    assert [t.text.split(" — ")[1] for t in teams] == ["EMEA Sales", "Americas Sales", "Enterprise"]
    shown = " ".join(str(b) for b in company.blocks)
    assert "*Leads in:* 2" in shown and "claimed *1*" in shown
    assert "median 12 min" in shown  # Greta's speed to lead
    emea = " ".join(str(b) for b in teams[0].blocks)
    assert "*Followed up within the SLA:* 1 of 1 (100%)" in emea
    [chart] = harness.fake.files(MANAGERS)
    assert chart.thread_ts == company.ts and chart.filename == "funnel.png"


def test_a_digest_missed_while_leadbot_was_down_goes_out_once_when_it_is_back(
    harness: Harness,
) -> None:
    a_week_of_leads(harness)
    back = MONDAY_8AM + timedelta(hours=30)  # Tuesday afternoon
    assert run_digest(session_factory=harness.factory, playbook=harness.playbook, now=back) == 5
    assert run_digest(session_factory=harness.factory, playbook=harness.playbook,
                      now=back + timedelta(hours=1)) == 0  # fmt: skip


def test_a_digest_more_than_two_days_late_is_skipped_and_the_next_one_comes(
    engine: Engine, playbook: Playbook
) -> None:
    factory = session_factory(engine)
    thursday = MONDAY_8AM + timedelta(days=3)  # a new install's first start, say
    assert run_digest(session_factory=factory, playbook=playbook, now=thursday) == 0
    next_monday = MONDAY_8AM + timedelta(days=7)
    assert run_digest(session_factory=factory, playbook=playbook, now=next_monday) == 5


def test_two_replicas_at_the_same_moment_send_one_digest(
    engine: Engine, playbook: Playbook
) -> None:
    factory = session_factory(engine)
    results: list[int] = []
    start = threading.Barrier(2)

    def replica() -> None:
        start.wait()
        results.append(run_digest(session_factory=factory, playbook=playbook, now=MONDAY_8AM))

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [0, 5]


def test_a_playbook_without_a_digest_sends_none(engine: Engine, playbook: Playbook) -> None:
    without = playbook.model_copy(update={"digest": None})
    assert run_digest(session_factory=session_factory(engine), playbook=without,
                      now=MONDAY_8AM) == 0  # fmt: skip


def test_lead_report_answers_privately_after_the_ack(harness: Harness) -> None:
    a_week_of_leads(harness)
    harness.clock.now = MONDAY_8AM + timedelta(hours=3)
    answer = harness.command(REP, "report emea last week").json()
    assert answer["text"] == "Working out the figures for emea, week of 16 Nov 2026…"
    [figures] = harness.fake.responses_to(REP)[-1:]
    assert figures["response_type"] == "ephemeral"
    assert "Funnel report — EMEA Sales — week of 16 Nov 2026" in figures["text"]
    shown = " ".join(str(b) for b in figures["blocks"])
    assert "*Leads in:* 1" in shown and "sales-ready (SQL) *1*" in shown


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("report emea whenever", "I can't read “whenever” as a time range"),
        ("report 2031", "has not begun yet"),
    ],
)
def test_lead_report_refuses_what_it_cannot_read(harness: Harness, text: str, answer: str) -> None:
    assert answer in harness.command(REP, text).json()["text"]


def test_lead_report_is_for_the_playbooks_people(harness: Harness) -> None:
    reply = harness.command("U0STRANGER1", "report").json()["text"]
    assert "for the people the playbook names" in reply and EMEA
