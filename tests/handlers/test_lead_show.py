"""`/lead show`: a lead's details and its history as people read it, end to end."""

from __future__ import annotations

from datetime import timedelta

from bot.slack.text import as_seen
from bot.testkit.blocks import render_blocks
from tests.handlers.conftest import Harness
from tests.handlers.test_pursuit_commands import OTHER_REP, REP, claimed_lead, lead

NAMES = {REP: "Ana", OTHER_REP: "Ben", "C0EMEA0001": "emea-sales"}


def show(harness: Harness, text: str) -> tuple[list[str], list[str]]:
    """`/lead <text>` as another rep: its blocks' lines, raw and as a reader sees them."""
    answer = harness.command(OTHER_REP, text).json()
    assert answer["response_type"] == "ephemeral"
    raw = render_blocks(answer["blocks"])
    return raw, [as_seen(line, now=harness.clock.now, names=NAMES) for line in raw]


def test_show_prints_the_history_of_a_lead_claimed_worked_qualified_and_lost(
    harness: Harness,
) -> None:
    lead_id, _ = claimed_lead(harness)
    for step in (
        f"touch {lead_id} call no answer",
        f"touch {lead_id} email replied",
        f"note {lead_id} wants a demo <b>next week</b> & pricing",
        f"qualify {lead_id} demo booked",
        f"lost {lead_id} chose competitor",
    ):
        harness.clock.advance(timedelta(hours=1))
        lead(harness, REP, step)
    raw, seen = show(harness, f"show {lead_id}")
    details, history = seen[0].splitlines(), seen[1].splitlines()
    assert details == [
        f"*Lead #{lead_id}* — *Greta Maier*, BigCorp",
        "VP Operations · score 65",
        "Contact: greta@bigcorp-industries.de",
        "Team: EMEA Sales · Owner: @Ana",
        "Stage: Lost since Today at 3:00 PM",
        "Contact attempts: 2 · connected Today at 12:00 PM",
        "Reason: chose competitor",
    ]
    assert history == [
        "*History*",
        "• Today at 10:00 AM — Captured (Web form) by the lead API",
        "• Today at 10:00 AM — Sales-ready: score 65 reached the threshold 60",
        "• Today at 10:00 AM — Routed to EMEA Sales (#emea-sales): rule 2: region EMEA",
        "• Today at 10:00 AM — @Ana claimed it after under a minute",
        "• Today at 11:00 AM — @Ana logged an attempt: call: no answer",
        "• Today at 12:00 PM — @Ana logged an attempt: e-mail: replied",
        "• Today at 1:00 PM — @Ana noted: wants a demo <b>next week</b> & pricing",
        "• Today at 2:00 PM — @Ana qualified it: demo booked",
        "• Today at 3:00 PM — @Ana lost it: chose competitor",
    ]
    # What the rep typed is shown, never read as markup: Slack sees it escaped.
    assert "wants a demo &lt;b&gt;next week&lt;/b&gt; &amp; pricing" in raw[1]


def test_show_of_a_long_history_prints_the_last_15_events_within_a_section(
    harness: Harness,
) -> None:
    lead_id, _ = claimed_lead(harness)
    for n in range(1, 31):
        harness.clock.advance(timedelta(minutes=1))
        lead(harness, REP, f"note {lead_id} note {n}: " + "<!channel> & " * 200)
    raw, seen = show(harness, f"show {lead_id}")
    history = raw[1]
    assert len(history) <= 3000
    lines = seen[1].splitlines()
    assert lines[0] == "*History* (the last 15 of 35 events)"
    assert lines[1] == "_…older lines left out_"  # 15 long notes do not fit in 3,000 characters
    assert lines[-1].startswith("• Today at 10:30 AM — @Ana noted: note 30: <!channel> & ")
    assert lines[-1].endswith("…")
    assert "<!channel>" not in history
    assert all(line.startswith("• ") for line in lines[2:])
