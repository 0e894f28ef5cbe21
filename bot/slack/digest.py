"""The funnel digest as Slack shows it: one message per report (the company, each team), the
same for the weekly digest and `/lead report`. Sized for Block Kit's limits however many reps
and reasons there are: lists are cut with "and N more", never rejected by Slack."""

from __future__ import annotations

from bot.core.stages import stage_name
from bot.playbook.model import Playbook
from bot.reporting.report import FUNNEL_STEPS, Duration, FunnelReport, Rate
from bot.slack.cards import Block, duration_words, mention, slack_date
from bot.slack.text import Message, escape, fit

STEP_NAMES = {
    "new": "new",
    "nurture": "nurture (MQL)",
    "sales_ready": "sales-ready (SQL)",
    "claimed": "claimed",
    "opportunity": "opportunity",
    "won": "won",
}
#: Section text holds 3,000 characters; a line list stops well before.
SECTION_CHARS = 2800
#: Reps and reasons listed at most; the rest are counted.
LISTED = 8
#: Stuck leads per stage.
STUCK = 5
NONE = "–"


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text)}}


def _cut(text: str) -> str:
    return text if len(text) <= SECTION_CHARS else text[: SECTION_CHARS - 1] + "…"


def _percent(value: float | None) -> str:
    return NONE if value is None else f"{value:.0%}"


def _rate(rate: Rate) -> str:
    if not rate.denominator:
        return NONE
    return f"{rate.numerator} of {rate.denominator} ({_percent(rate.value)})"


def _durations(figure: Duration) -> str:
    if not figure.count or figure.median is None:
        return NONE
    p90 = f", p90 {duration_words(figure.p90)}" if figure.p90 is not None else ""
    return f"median {duration_words(figure.median)}{p90} ({figure.count})"


def _change(now: float | None, before: float | None, *, points: bool = False) -> str:
    """' (▲ 3)' against the window before; nothing when either side is unknown."""
    if now is None or before is None:
        return ""
    delta = (now - before) * (100 if points else 1)
    if round(delta, 1) == 0:
        return " (= last time)"
    arrow = "▲" if delta > 0 else "▼"
    unit = " pts" if points else ""
    return f" ({arrow} {abs(delta):.0f}{unit})"


def _mean(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f}"


def _link(lead_id: int, name: str, channel: str | None, ts: str | None, url: str) -> str:
    label = f"#{lead_id} {fit(name, 60)}" if name else f"#{lead_id}"
    if url and channel and ts:
        return f"<{url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}|{label}>"
    return label


def digest_message(
    report: FunnelReport,
    before: FunnelReport | None,
    playbook: Playbook,
    *,
    workspace_url: str = "",
    title: str = "Weekly funnel",
) -> Message:
    """The figures of one report; `before` (the window before) gives the week-over-week change."""
    who = playbook.teams[report.team].name if report.team in playbook.teams else report.team
    scope = escape(who) if who else escape(playbook.company)
    head = f"{title} — {scope} — {report.window.label}"
    previous = before.funnel if before else {}

    leads_in = sum(report.leads_in_by_source.values())
    sources = sorted(report.leads_in_by_source.items(), key=lambda item: (-item[1], item[0]))
    by_source = ", ".join(f"{escape(s.replace('_', ' '))} {n}" for s, n in sources[:LISTED])
    if len(sources) > LISTED:
        by_source += f", and {len(sources) - LISTED} more sources"
    before_in = sum(before.leads_in_by_source.values()) if before else None
    lines = [f"*Leads in:* {leads_in}{_change(leads_in, before_in)}"
             + (f" — {by_source}" if by_source else "")]  # fmt: skip

    steps = []
    for step in FUNNEL_STEPS:
        count = report.funnel.get(step, 0)
        rate = report.conversion(step)
        shown = f"{STEP_NAMES[step]} *{count}*" + (
            f" ({_percent(rate)})" if rate is not None else ""
        )
        steps.append(shown + _change(count, previous.get(step) if before else None))
    lines.append("*Funnel:* " + " → ".join(steps))

    follow_before = before.follow_up.value if before else None
    lines += [
        f"*Speed to lead* (sales-ready → claimed): {_durations(report.speed_to_lead)}",
        f"*Followed up within the SLA:* {_rate(report.follow_up)}"
        + _change(report.follow_up.value, follow_before, points=True),
        f"*Contact attempts before connect or recycle:* {_mean(report.attempts_before_outcome)}"
        f" · *nurture touches before sales-ready:* "
        f"{_mean(report.nurture_touches_before_sales_ready)}",
        f"*Win rate:* {_rate(report.win_rate)} · *sales cycle:* {_durations(report.sales_cycle)}",
        f"*Qualified vs the lead plan:* {_rate(report.qualified_vs_plan)}",
    ]
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": fit_plain(head, 150)}},
        _section("\n".join(lines)),
    ]

    breaches = sorted(
        report.breaches_by_rep, key=lambda r: (-r.breaches - r.escalations, r.user_id)
    )
    if breaches:
        reps = [f"{mention(r.user_id)} {r.breaches} reminded, {r.escalations} escalated"
                 for r in breaches[:LISTED]]  # fmt: skip
        more = len(breaches) - LISTED
        blocks.append(_section("*SLA breaches by rep:* " + "; ".join(reps)
                               + (f"; and {more} more reps" if more > 0 else "")))  # fmt: skip

    reasons = []
    for kind in ("disqualify", "recycle", "lost"):
        listed = report.top_reasons.get(kind, [])
        if listed:
            words = ", ".join(f"{fit(r.reason, 60)} {r.count}" for r in listed[:5])
            reasons.append(f"*Top {kind} reasons:* {words}")
    if reasons:
        blocks.append(_section("\n".join(reasons)))

    stuck = []
    for stage, leads in report.stuck.items():
        if not leads:
            continue
        named = ", ".join(
            f"{_link(s.lead_id, s.name, s.card_channel, s.card_ts, workspace_url)}"
            f" (since {slack_date(s.since)}{', ' + mention(s.owner_id) if s.owner_id else ''})"
            for s in leads[:STUCK]
        )
        stuck.append(f"*{stage_name(stage).capitalize()}:* {named}")
    if stuck:
        blocks.append(_section("*Stuck longest*\n" + "\n".join(stuck)))
    text = f"{head}: {leads_in} leads in, {report.funnel.get('won', 0)} won"
    return Message(text=text, blocks=blocks)


def fit_plain(text: str, limit: int) -> str:
    """Plain text (a header: no markup) cut to Slack's limit."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
