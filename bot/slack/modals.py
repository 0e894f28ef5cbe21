"""The 'new lead' modal (phone calls, booths) and reading its submission back."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core.errors import FieldError
from bot.slack.ids import BlockId, CallbackId, ModalOrigin

ACTION = "value"
MODAL_SOURCES = {
    "phone": "Phone call",
    "booth": "Booth / event",
    "referral": "Referral",
    "other": "Other",
}
FIELD_BLOCKS = {
    "email": BlockId.NEW_EMAIL,
    "name": BlockId.NEW_NAME,
    "company": BlockId.NEW_COMPANY,
    "title": BlockId.NEW_TITLE,
    "phone": BlockId.NEW_PHONE,
    "country": BlockId.NEW_COUNTRY,
    "company_size": BlockId.NEW_SIZE,
    "compelling_event": BlockId.NEW_NOTES,
    "source": BlockId.NEW_SOURCE,
}


def _text(
    block_id: BlockId,
    label: str,
    *,
    optional: bool = True,
    max_length: int = 200,
    multiline: bool = False,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=PlainTextInputElement(action_id=ACTION, max_length=max_length, multiline=multiline),
    )


def new_lead_modal(origin: ModalOrigin) -> dict[str, Any]:
    """The form a rep fills in after a call or at a booth."""
    view = View(
        type="modal",
        callback_id=CallbackId.NEW_LEAD,
        title="New lead",
        submit="Capture",
        close="Cancel",
        private_metadata=origin.model_dump_json(),
        blocks=[
            _text(BlockId.NEW_EMAIL, "E-mail", optional=False, max_length=320),
            _text(BlockId.NEW_NAME, "Name"),
            _text(BlockId.NEW_COMPANY, "Company"),
            _text(BlockId.NEW_TITLE, "Job title"),
            _text(BlockId.NEW_PHONE, "Phone", max_length=50),
            _text(BlockId.NEW_COUNTRY, "Country", max_length=60),
            InputBlock(
                block_id=BlockId.NEW_SIZE,
                label="Company size (employees)",
                optional=True,
                element=NumberInputElement(
                    action_id=ACTION, is_decimal_allowed=False, min_value="1"
                ),
            ),
            InputBlock(
                block_id=BlockId.NEW_SOURCE,
                label="Where did the lead come from?",
                element=StaticSelectElement(
                    action_id=ACTION,
                    options=[Option(value=k, text=v) for k, v in MODAL_SOURCES.items()],
                    initial_option=Option(value="phone", text=MODAL_SOURCES["phone"]),
                ),
            ),
            _text(BlockId.NEW_NOTES, "Compelling event or notes", max_length=500, multiline=True),
            InputBlock(
                block_id=BlockId.NEW_FAST_TRACK,
                label="Exception",
                optional=True,
                element=CheckboxesElement(
                    action_id=ACTION,
                    options=[Option(value="yes", text="Sales-ready now (fast-track)")],
                ),
            ),
        ],
    )
    return view.to_dict()


def read_new_lead(view: dict[str, Any]) -> dict[str, Any]:
    """The submitted values as intake data (the same shape the HTTP API takes)."""
    values = view.get("state", {}).get("values", {})
    data: dict[str, Any] = {}
    for field, block_id in FIELD_BLOCKS.items():
        state = values.get(block_id, {}).get(ACTION, {})
        if state.get("type") == "static_select":
            selected = state.get("selected_option") or {}
            value = selected.get("value")
        else:
            value = state.get("value")
        if value not in (None, ""):
            data[field] = value
    checked = values.get(BlockId.NEW_FAST_TRACK, {}).get(ACTION, {}).get("selected_options") or []
    data["fast_track"] = any(o.get("value") == "yes" for o in checked)
    return data


def modal_errors(errors: list[FieldError]) -> dict[str, str]:
    """Field errors placed under the inputs they belong to (unknown fields go under e-mail)."""
    placed: dict[str, str] = {}
    for error in errors:
        block = FIELD_BLOCKS.get(error.field, BlockId.NEW_EMAIL)
        placed[block] = (placed.get(block, "") + " " + error.message).strip()[:150]
    return placed


def modal_origin(view: dict[str, Any]) -> ModalOrigin:
    raw = view.get("private_metadata") or "{}"
    try:
        return ModalOrigin.model_validate_json(raw)
    except ValueError:
        return ModalOrigin()
