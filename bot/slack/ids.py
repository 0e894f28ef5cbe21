"""Every Slack action_id, callback_id and block_id, and the typed values they carry."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.core.errors import StaleButton


class ActionId(StrEnum):
    CLAIM = "lead.claim"


class CallbackId(StrEnum):
    NEW_LEAD = "lead.new"


class BlockId(StrEnum):
    CARD_ACTIONS = "lead.card.actions"
    NEW_EMAIL = "new.email"
    NEW_NAME = "new.name"
    NEW_COMPANY = "new.company"
    NEW_TITLE = "new.title"
    NEW_PHONE = "new.phone"
    NEW_COUNTRY = "new.country"
    NEW_SOURCE = "new.source"
    NEW_SIZE = "new.company_size"
    NEW_NOTES = "new.compelling_event"
    NEW_FAST_TRACK = "new.fast_track"


class LeadRef(BaseModel):
    """The value of a button that acts on one lead (well under Slack's 2,000 characters)."""

    model_config = ConfigDict(frozen=True)
    lead_id: int

    @classmethod
    def from_button(cls, value: object) -> LeadRef:
        """The lead a button names; a value the bot did not write is a readable refusal."""
        try:
            return cls.model_validate_json(value if isinstance(value, str | bytes) else "")
        except ValidationError:
            raise StaleButton() from None


class ModalOrigin(BaseModel):
    """A modal's private_metadata: where it was opened, to answer there."""

    model_config = ConfigDict(frozen=True)
    channel_id: str = ""
