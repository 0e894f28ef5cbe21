"""Every Slack action_id, callback_id and block_id, and the typed values they carry."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.core.errors import StaleButton
from bot.core.moves import Move


class ActionId(StrEnum):
    CLAIM = "lead.claim"
    MOVE = "lead.move"  # "lead.move.<move>": a move button on the card; its value is a LeadMove
    MOVE_MENU = "lead.more"  # the card's overflow menu of less common moves
    OFFER_ACCEPT = "lead.offer.accept"  # the offer DM's Accept; its value is a LeadRef
    OFFER_PASS = "lead.offer.pass"
    ASSIGN = "lead.assign"  # the manager's one-click assign; its value is a LeadAssign
    ASSIGN_MENU = "lead.assign.menu"  # the same, as a menu when the team has many reps
    QUICK_SNOOZE = "lead.snooze.quick"  # the reminder's snooze menu; option values: ConfirmedMove


class CallbackId(StrEnum):
    NEW_LEAD = "lead.new"
    MOVE = "lead.move"  # the modal a move opens when it needs a reason, a date…
    MOVE_CONFIRM = "lead.move.confirm"  # "this is the date I understood": confirm a recycle


class BlockId(StrEnum):
    CARD_ACTIONS = "lead.card.actions"
    HOME_LEAD = "home.lead"  # "home.lead.<id>": an own lead's buttons on the Home tab
    HOME_CLAIM = "home.claim"  # "home.claim.<id>": an unclaimed lead with its Claim button
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
    MOVE_REASON = "move.reason"
    MOVE_TEXT = "move.text"
    MOVE_WHEN = "move.when"
    MOVE_DATE = "move.date"
    MOVE_AMOUNT = "move.amount"
    MOVE_CHANNEL = "move.channel"
    MOVE_OUTCOME = "move.outcome"


class SlackValue(BaseModel):
    """JSON leadbot writes into a button's value or a view's private_metadata, and reads back."""

    model_config = ConfigDict(frozen=True)

    @classmethod
    def read(cls, value: object) -> Self:
        """The value as written; one the bot did not write (an old message, a forged payload)
        is a readable refusal."""
        try:
            return cls.model_validate_json(value if isinstance(value, str | bytes) else "")
        except ValidationError:
            raise StaleButton() from None


class LeadRef(SlackValue):
    """The value of a button that acts on one lead (well under Slack's 2,000 characters)."""

    lead_id: int


class LeadAssign(SlackValue):
    """The value of an "Assign to <rep>" button (or menu option) in the manager's DM."""

    lead_id: int
    rep_id: str


class LeadMove(SlackValue):
    """A move button's (or menu option's) value, and the move modal's private_metadata."""

    lead_id: int
    move: Move
    channel_id: str = ""  # where the card is: the modal's confirmation is shown there
    home: bool = False  # pressed on the Home tab: the modal's confirmation is shown there


class ConfirmedMove(SlackValue):
    """The confirmation view's private_metadata: the move as understood, waiting for Confirm."""

    lead_id: int
    move: Move
    reason: str = ""
    text: str = ""
    when: datetime | None = None
    channel_id: str = ""
    home: bool = False  # made from the Home tab: the confirmation is shown there


class ModalOrigin(BaseModel):
    """A modal's private_metadata: where it was opened, to answer there."""

    model_config = ConfigDict(frozen=True)
    channel_id: str = ""
