"""The modal a move opens when it needs more than a click: a reason, a date, an amount…"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core.moves import MOVES, DateRole, Move
from bot.slack.cards import fit_markup
from bot.slack.ids import BlockId, CallbackId, ConfirmedMove, LeadMove
from bot.slack.text import fit

ACTION = "value"
OTHER_OPTION = "__other__"
CHANNELS = ("call", "e-mail", "LinkedIn", "meeting", "SMS", "WhatsApp", "video call", "visit")
OUTCOMES = ("no answer", "voicemail", "busy", "wrong number", "bounced", "replied", "connected",
            "meeting booked")  # fmt: skip
DATE_LABELS = {
    DateRole.REVISIT: "When should it come back to sales?",
    DateRole.WAKE: "Snooze until",
    DateRole.RESUME: "Resume on",
}
DATE_HINTS = {
    DateRole.REVISIT: "in 3 months, after the board meeting on March 3… Left empty: the playbook's",
    DateRole.WAKE: "next tuesday 9am, in 2 weeks…",
    DateRole.RESUME: "Jan 15, in 6 weeks…",
}


def needs_modal(move: Move) -> bool:
    """Whether the move asks for more than a click (a reason, a date, an amount, a note)."""
    spec = MOVES[move]
    return bool(spec.reasons or spec.date or spec.text_required) or move in (Move.TOUCH, Move.WON)


def _select(
    block_id: BlockId, label: str, options: list[tuple[str, str]], optional: bool
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=StaticSelectElement(
            action_id=ACTION,
            options=[Option(value=value, text=fit(text, 75)) for value, text in options[:100]],
        ),
    )


def _text(
    block_id: BlockId,
    label: str,
    *,
    optional: bool,
    hint: str = "",
    multiline: bool = False,
    max_length: int = 500,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint or None,
        element=PlainTextInputElement(action_id=ACTION, max_length=max_length, multiline=multiline),
    )


def move_modal(
    ref: LeadMove, *, lead_title: str, reasons: list[str], revisit_default: str
) -> dict[str, Any]:
    """The form for `ref.move` on lead `ref.lead_id`; `private_metadata` carries `ref`."""
    spec = MOVES[ref.move]
    blocks: list[Any] = [
        ContextBlock(
            elements=[MarkdownTextObject(text=f"Lead #{ref.lead_id}: {fit(lead_title, 200)}")]
        )
    ]
    if ref.move is Move.TOUCH:
        blocks.append(_select(BlockId.MOVE_CHANNEL, "How", [(c, c) for c in CHANNELS], False))
        blocks.append(
            _select(BlockId.MOVE_OUTCOME, "What came of it", [(o, o) for o in OUTCOMES], False)
        )
    if spec.reasons is not None:
        options = [(r, r) for r in reasons] + [(OTHER_OPTION, "Other (say why below)")]
        blocks.append(_select(BlockId.MOVE_REASON, "Reason", options, False))
    if ref.move is Move.WON:
        blocks.append(
            _text(
                BlockId.MOVE_AMOUNT, "Amount", optional=True, hint="18000 EUR, €18k…", max_length=40
            )
        )
    if spec.date is not None:
        hint = DATE_HINTS[spec.date] + (
            f" {revisit_default}." if spec.date is DateRole.REVISIT else ""
        )
        blocks.append(
            _text(
                BlockId.MOVE_WHEN, DATE_LABELS[spec.date], optional=True, hint=hint, max_length=120
            )
        )
        blocks.append(
            InputBlock(
                block_id=BlockId.MOVE_DATE,
                label="…or pick a day",
                optional=True,
                element=DatePickerElement(action_id=ACTION),
            )
        )
    note_label = (
        "Note"
        if spec.text_required
        else "Details (needed for Other)"
        if spec.reasons
        else "Note (optional)"
    )
    blocks.append(
        _text(BlockId.MOVE_TEXT, note_label, optional=not spec.text_required, multiline=True)
    )
    view = View(
        type="modal",
        callback_id=CallbackId.MOVE,
        title=fit(spec.label, 24),
        submit=fit(spec.label, 24),
        close="Cancel",
        private_metadata=ref.model_dump_json(),
        blocks=blocks,
    )
    return view.to_dict()


@dataclass(frozen=True)
class MoveForm:
    """What the user filled in; empty strings for what they left out."""

    reason: str = ""
    text: str = ""
    when: str = ""  # a typed phrase
    day: str = ""  # a picked date, YYYY-MM-DD
    amount: str = ""
    channel: str = ""
    outcome: str = ""


def read_move_form(view: dict[str, Any]) -> MoveForm:
    values = view.get("state", {}).get("values", {}) if isinstance(view, dict) else {}

    def value(block: BlockId) -> str:
        state = values.get(block, {}).get(ACTION, {}) if isinstance(values, dict) else {}
        if not isinstance(state, dict):
            return ""
        selected = state.get("selected_option")
        if isinstance(selected, dict):
            return str(selected.get("value") or "")
        found = state.get("selected_date") or state.get("value") or ""
        return str(found).strip()

    return MoveForm(
        reason=value(BlockId.MOVE_REASON),
        text=value(BlockId.MOVE_TEXT),
        when=value(BlockId.MOVE_WHEN),
        day=value(BlockId.MOVE_DATE),
        amount=value(BlockId.MOVE_AMOUNT),
        channel=value(BlockId.MOVE_CHANNEL),
        outcome=value(BlockId.MOVE_OUTCOME),
    )


def input_block_ids(view: dict[str, Any]) -> list[str]:
    """The view's input blocks, in order: where errors can be shown."""
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return []
    return [
        str(block.get("block_id"))
        for block in blocks
        if isinstance(block, dict) and block.get("type") == "input"
    ]


def confirm_move_view(
    confirmed: ConfirmedMove, *, lead_title: str, zone: ZoneInfo, marketing: bool
) -> dict[str, Any]:
    """What the rep is about to do, with the date as understood in their own time zone."""
    spec = MOVES[confirmed.move]
    where = "back to marketing" if marketing else "back to nurture"
    lines = [f"Lead #{confirmed.lead_id} ({fit(lead_title, 200)}) goes {where}."]
    if confirmed.reason:
        lines.append(f"*Reason:* {fit(confirmed.reason, 200)}")
    if confirmed.text and confirmed.text != confirmed.reason:
        lines.append(f"*Details:* {fit(confirmed.text, 500)}")
    if confirmed.when is not None:
        local = confirmed.when.astimezone(zone)
        lines.append(f"*It comes back on* {local:%a %-d %b %Y, %H:%M} ({zone.key})")
    view = View(
        type="modal",
        callback_id=CallbackId.MOVE_CONFIRM,
        title=fit(spec.label, 24),
        submit="Confirm",
        close="Cancel",
        private_metadata=confirmed.model_dump_json(),
        blocks=[SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))],
    )
    return view.to_dict()


def refusal_view(sentence: str) -> dict[str, Any]:
    """A modal that only says why the move could not be made (it closes with OK)."""
    view = View(
        type="modal",
        title="Not done",
        close="OK",
        blocks=[SectionBlock(text=MarkdownTextObject(text=fit_markup(sentence)))],
    )
    return view.to_dict()
