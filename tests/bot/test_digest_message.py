"""The digest message: every figure shown, week over week, and within Block Kit's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.reporting.report import (
    Duration,
    FunnelReport,
    Rate,
    Reason,
    RepFigures,
    StuckLead,
    Window,
)
from bot.slack.digest import digest_message

WEEK = Window(
    start=datetime(2026, 11, 15, 23, tzinfo=UTC),
    end=datetime(2026, 11, 22, 23, tzinfo=UTC),
    label="week of Mon 16 Nov 2026",
    timezone="Europe/Berlin",
)


def report(**changes: object) -> FunnelReport:
    figures: dict[str, object] = {
        "window": WEEK,
        "team": "emea",
        "leads_in_by_source": {"web_form": 30, "event": 12},
        "funnel": {
            "new": 42,
            "nurture": 30,
            "sales_ready": 20,
            "claimed": 18,
            "opportunity": 6,
            "won": 2,
        },  # fmt: skip
        "speed_to_lead": Duration(count=18, median=720.0, p90=7200.0),
        "follow_up": Rate(15, 20),
        "breaches_by_rep": [RepFigures("U0REPEMEA1", 3, 1), RepFigures("U0REPEMEA2", 1, 0)],
        "attempts_before_outcome": 3.25,
        "top_reasons": {"disqualify": [Reason("no budget", 4), Reason("spam", 2)]},
        "nurture_touches_before_sales_ready": 9.5,
        "win_rate": Rate(2, 3),
        "sales_cycle": Duration(count=2, median=21 * 86400.0, p90=30 * 86400.0),
        "qualified_vs_plan": Rate(6, 25),
        "stuck": {
            "working": [
                StuckLead(
                    7,
                    "Greta Maier",
                    Stage.WORKING,
                    "U0REPEMEA1",
                    datetime(2026, 11, 2, 9, tzinfo=UTC),
                    "C0EMEA0001",
                    "1700000000.000400",
                )
            ],  # fmt: skip
        },
    }
    figures.update(changes)
    return FunnelReport(**figures)  # type: ignore[arg-type]


def text_of(blocks: list[dict[str, object]]) -> str:
    return "\n".join(str(b["text"]["text"]) for b in blocks if "text" in b)  # type: ignore[index]


def test_every_figure_is_shown_with_its_change_since_the_week_before(playbook: Playbook) -> None:
    before = report(funnel={"new": 40, "sales_ready": 22, "won": 2}, follow_up=Rate(5, 10),
                    leads_in_by_source={"web_form": 40})  # fmt: skip
    message = digest_message(report(), before, playbook, workspace_url="https://acme.slack.com/")
    shown = text_of(message.blocks)
    assert "Weekly funnel — EMEA Sales — week of Mon 16 Nov 2026" in shown
    assert "*Leads in:* 42 (▲ 2) — web form 30, event 12" in shown
    assert "new *42* (▲ 2) → nurture (MQL) *30* (71%)" in shown
    assert "sales-ready (SQL) *20* (67%) (▼ 2)" in shown and "won *2* (33%) (= last time)" in shown
    assert "median 12 min, p90 2 h (18)" in shown
    assert "*Followed up within the SLA:* 15 of 20 (75%) (▲ 25 pts)" in shown
    assert "<@U0REPEMEA1> 3 reminded, 1 escalated" in shown
    assert "*Top disqualify reasons:* no budget 4, spam 2" in shown
    assert "*Contact attempts before connect or recycle:* 3.2" in shown
    assert (
        "*Win rate:* 2 of 3 (67%)" in shown
        and "*Qualified vs the lead plan:* 6 of 25 (24%)" in shown
    )
    assert "<https://acme.slack.com/archives/C0EMEA0001/p1700000000000400|#7 Greta Maier>" in shown


def test_an_empty_week_shows_dashes_not_zeros_divided(playbook: Playbook) -> None:
    empty = report(leads_in_by_source={}, funnel={}, speed_to_lead=Duration(0, None, None),
                   follow_up=Rate(0, 0), breaches_by_rep=[], attempts_before_outcome=None,
                   top_reasons={}, nurture_touches_before_sales_ready=None, win_rate=Rate(0, 0),
                   sales_cycle=Duration(0, None, None), qualified_vs_plan=Rate(0, 25), stuck={})  # fmt: skip  # noqa: E501
    shown = text_of(digest_message(empty, None, playbook).blocks)
    assert "*Leads in:* 0" in shown and "*Win rate:* – ·" in shown
    assert "*Qualified vs the lead plan:* 0 of 25 (0%)" in shown


def test_a_huge_team_stays_within_block_kits_limits(playbook: Playbook) -> None:
    reps = [RepFigures(f"U0REP{n:05d}", n, n // 2) for n in range(300)]
    reasons = {kind: [Reason("x" * 200 + str(n), n) for n in range(50)]
               for kind in ("disqualify", "recycle", "lost")}  # fmt: skip
    stuck = {stage: [StuckLead(n, "N" * 300, Stage.WORKING, "U0REPEMEA1",
                               datetime(2026, 11, 2, tzinfo=UTC), "C0EMEA0001", "1.2")
                     for n in range(40)] for stage in ("sales_ready", "working", "opportunity")}  # fmt: skip  # noqa: E501
    sources = {f"source_{n}": n for n in range(500)}
    message = digest_message(report(breaches_by_rep=reps, top_reasons=reasons, stuck=stuck,
                                    leads_in_by_source=sources), None, playbook)  # fmt: skip
    assert len(message.blocks) <= 50
    for block in message.blocks:
        limit = 150 if block["type"] == "header" else 3000
        assert len(block["text"]["text"]) <= limit
    shown = text_of(message.blocks)
    assert "and 292 more reps" in shown and "and 492 more sources" in shown


def test_what_people_typed_is_escaped(playbook: Playbook) -> None:
    sneaky = report(top_reasons={"lost": [Reason("<!channel> & co", 1)]},
                    leads_in_by_source={"<!here>": 1})  # fmt: skip
    shown = text_of(digest_message(sneaky, None, playbook).blocks)
    assert "&lt;!channel&gt; &amp; co 1" in shown and "&lt;!here&gt; 1" in shown
    assert "<!channel>" not in shown and "<!here>" not in shown
