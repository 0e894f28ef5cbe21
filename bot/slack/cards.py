"""The lead card: the one Block Kit message a team channel shows for a lead."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.erased import ERASED_WORDS, is_erased
from bot.core.moves import MOVES, Move
from bot.core.stages import CLOSED_STAGES, Stage, stage_name
from bot.playbook.countries import country_name
from bot.playbook.fields import USER_ID
from bot.playbook.model import Playbook
from bot.rules.scoring import Score
from bot.slack.ids import ActionId, BlockId, LeadMove, LeadRef
from bot.slack.text import Message, escape, fit
from store.models import Lead

FIELD_LIMIT = 2000
SECTION_LIMIT = 3000
FALLBACK_LIMIT = 3000
SOURCE_LABELS = {
    "web_form": "Web form",
    "event": "Event",
    "phone": "Phone call",
    "booth": "Booth",
    "list": "List import",
    "referral": "Referral",
}


def slack_date(at: datetime, fallback_format: str = "%Y-%m-%d %H:%M UTC") -> str:
    """A date every reader sees in their own time zone (Slack's <!date> token)."""
    stamp = int(at.timestamp())
    return f"<!date^{stamp}^{{date_short_pretty}} at {{time}}|{at.strftime(fallback_format)}>"


def mention(user_id: str) -> str:
    """`<@U…>` for a real user ID; anything else is shown as escaped text, never a ping."""
    return f"<@{user_id}>" if USER_ID.match(user_id) else escape(user_id)


def duration_words(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def _who(lead: Lead) -> str:
    name = lead.name or lead.email
    return f"{name}, {lead.company}" if lead.company else name


# The card is built for every lead that turns sales-ready and on every change, on intake's hot
# path: plain dicts cost a tenth of slack_sdk's block models. Every text is fitted to its
# Block Kit limit here (fit, FIELD_LIMIT, SECTION_LIMIT), and the tests check the blocks.
Block = dict[str, Any]


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str, fields: list[Block] | None = None) -> Block:
    section: Block = {"type": "section", "text": _mrkdwn(text)}
    if fields:
        section["fields"] = fields
    return section


def _field(label: str, value: str) -> Block:
    budget = FIELD_LIMIT - len(label) - 4
    return _mrkdwn(f"*{label}*\n{fit(value, budget)}")


def _fields(lead: Lead, playbook: Playbook) -> list[Block]:
    company = lead.company or "—"
    if lead.domain:
        company += f" ({lead.domain})"
    if lead.company_size:
        company += f" · {lead.company_size:,} employees"
    country = country_name(lead.country) if lead.country else "—"
    region = playbook.region_of(lead.country)
    if region:
        country += f" ({region})"
    contact = lead.email + (f" · {lead.phone}" if lead.phone else "")
    fields = [
        _field("Contact", contact),
        _field("Company", company),
        _field("Title", lead.title or "—"),
        _field("Country", country),
        _field("Source", SOURCE_LABELS.get(lead.source, lead.source.replace("_", " "))),
        _field("Team", playbook.team(lead.team).name if lead.team else "—"),
    ]
    if lead.compelling_event:
        fields.append(_field("Compelling event", lead.compelling_event))
    return fields


def _score_line(lead: Lead, playbook: Playbook) -> str:
    score = Score.from_dict(lead.score_reasons) if lead.score_reasons else None
    line = f"*Score {lead.score:g}* (sales-ready at {playbook.scoring.threshold:g})"
    if lead.fast_tracked:
        line += " · fast-tracked by marketing"
    if score and score.reasons:
        reasons = " · ".join(f"{escape(r.label)} +{r.points:g}" for r in score.top(3))
        line += f"\nWhy: {reasons}"
    return line


def _status(lead: Lead, playbook: Playbook, now: datetime) -> list[Block]:
    if lead.owner_id is None and lead.stage == Stage.NURTURE:
        return _back_with_marketing(lead, playbook)
    if lead.owner_id is None:
        since = slack_date(lead.sales_ready_at or lead.created_at)
        step = playbook.next_step(Stage.SALES_READY) or "Claim the lead"
        claim = {
            "type": "button",
            "text": _plain("Claim"),
            "action_id": str(ActionId.CLAIM),
            "value": LeadRef(lead_id=lead.id or 0).model_dump_json(),
            "style": "primary",
        }
        return [
            {"type": "context", "elements": [_mrkdwn(f"Waiting since {since} · {escape(step)}")]},
            {"type": "actions", "block_id": str(BlockId.CARD_ACTIONS), "elements": [claim]},
        ]
    waited = ""
    if lead.claimed_at and lead.sales_ready_at:
        waited = f" after {duration_words((lead.claimed_at - lead.sales_ready_at).total_seconds())}"
    owner = f":white_check_mark: Claimed by {mention(lead.owner_id)}{waited}"
    stage = Stage(lead.stage)
    step = playbook.next_step(stage, connected=lead.connected_at is not None)
    lines = [owner]
    if stage != Stage.WORKING:
        lines.append(f"Stage: {stage_name(stage)}{_stage_detail(lead)}")
    if lead.attempts or lead.connected_at:
        connected = " · connected" if lead.connected_at else ""
        lines.append(f"Contact attempts: {lead.attempts}{connected}")
    if lead.snoozed_until and lead.snoozed_until > now and stage not in CLOSED_STAGES:
        lines.append(f"Snoozed until {slack_date(lead.snoozed_until)}")
    if step and stage not in CLOSED_STAGES:
        lines.append(f"*Next step:* {escape(step)}")
    blocks = [_section(fit_markup("\n".join(lines)))]
    actions = move_actions(lead, playbook.moves_from(stage))
    if actions:
        blocks.append(
            {"type": "actions", "block_id": str(BlockId.CARD_ACTIONS), "elements": actions}
        )
    return blocks


def _back_with_marketing(lead: Lead, playbook: Playbook) -> list[Block]:
    """An unclaimed lead whose interest decayed: marketing has it again, nobody can claim it."""
    since = slack_date(lead.stage_entered_at)
    line = (
        f":leftwards_arrow_with_hook: Back with marketing (nurture) since {since}: its score "
        f"{lead.score:g} is below the sales-ready threshold {playbook.scoring.threshold:g}"
    )
    blocks: list[Block] = [{"type": "context", "elements": [_mrkdwn(line)]}]
    actions = move_actions(lead, playbook.moves_from(Stage.NURTURE))
    if actions:
        blocks.append(
            {"type": "actions", "block_id": str(BlockId.CARD_ACTIONS), "elements": actions}
        )
    return blocks


def with_note(card: Message, note: str) -> Message:
    """The card with one line of context under its title (already escaped markup)."""
    context = {"type": "context", "elements": [_mrkdwn(fit_markup(note))]}
    return Message(text=card.text, blocks=[*card.blocks[:1], context, *card.blocks[1:]])


def _stage_detail(lead: Lead) -> str:
    if lead.stage == Stage.WON and lead.amount is not None:
        return f" · {lead.amount:,.0f} {escape(lead.currency)}".rstrip()
    if lead.stage in (Stage.LOST, Stage.DISQUALIFIED, Stage.NURTURE) and lead.reason:
        detail = f" · {fit(lead.reason, 200)}"
        if lead.stage == Stage.NURTURE and lead.revisit_at:
            detail += f" · revisit {slack_date(lead.revisit_at)}"
        return detail
    return ""


#: At most this many moves are buttons; the rest go in the "More" menu (Slack allows 25
#: elements per actions block, but a card with more than five buttons is hard to read).
MAX_BUTTONS = 5


def move_actions(lead: Lead, moves: tuple[Move, ...]) -> list[Block]:
    """The buttons (and the overflow menu) for the moves the playbook allows from here."""
    offered = [m for m in moves if m is not Move.CLAIM]
    buttons = [m for m in offered if m is not Move.NOTE][:MAX_BUTTONS]
    more = [m for m in offered if m not in buttons]
    elements: list[Block] = [
        {
            "type": "button",
            "text": _plain(MOVES[move].label),
            "action_id": f"{ActionId.MOVE}.{move.value}",
            "value": _move_value(lead, move),
        }
        for move in buttons
    ]
    if more:
        elements.append(
            {
                "type": "overflow",
                "action_id": str(ActionId.MOVE_MENU),
                "options": [
                    {"text": _plain(MOVES[m].label), "value": _move_value(lead, m)} for m in more
                ],
            }
        )
    return elements


def _move_value(lead: Lead, move: Move) -> str:
    return LeadMove(lead_id=lead.id or 0, move=move).model_dump_json(exclude_defaults=True)


def fit_markup(text: str) -> str:
    """Markup we built ourselves (already escaped) cut to a section's limit."""
    return text if len(text) <= SECTION_LIMIT else text[: SECTION_LIMIT - 1] + "…"


def erased_card(lead_id: int) -> Message:
    """What the card of a lead erased on request (`leadbot forget`) shows: its number, no
    person, no buttons (nothing can be claimed or moved from a card about nobody)."""
    title = f"Lead #{lead_id}"
    note = f":wastebasket: This lead's personal data was {ERASED_WORDS}."
    return Message(
        text=f"{title}: {ERASED_WORDS}",
        blocks=[
            {"type": "header", "text": _plain(title)},
            _section(note),
        ],
    )


def erased_line() -> Message:
    """What a line of an erased lead's card thread is edited to (it may have quoted a note)."""
    return Message(text=f"_This line was {ERASED_WORDS}._")


def lead_card(lead: Lead, *, playbook: Playbook, now: datetime) -> Message:
    """The card in the team channel: who, why they are hot, and Claim — or who owns it now."""
    if is_erased(lead):  # a move after the erasure must not bring back a card of the placeholder
        return erased_card(lead.id or 0)
    headline = f"*{fit(lead.name or lead.email, 200)}*"
    if lead.title:
        headline += f" — {fit(lead.title, 200)}"
    if lead.company:
        headline += f" at *{fit(lead.company, 200)}*"
    blocks: list[Block] = [
        {"type": "header", "text": _plain(f"Sales-ready lead #{lead.id}")},
        _section(headline, _fields(lead, playbook)),
        _section(_score_line(lead, playbook)),
        *_status(lead, playbook, now),
    ]
    state = f"claimed by {mention(lead.owner_id)}" if lead.owner_id else "unclaimed"
    text = fit(
        f"Sales-ready lead #{lead.id}: {_who(lead)} (score {lead.score:g}", FALLBACK_LIMIT - 40
    )
    return Message(text=f"{text}, {state})", blocks=blocks)
