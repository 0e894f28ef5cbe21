"""The enums stored in text columns, and the column type that reads them back as enums.

They live in store/ because the tables are typed with them and store/ never imports bot/; bot/
re-exports them where they belong (bot.core.stages, bot.core.events).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Dialect, String, TypeDecorator


class Stage(StrEnum):
    NEW = "new"
    NURTURE = "nurture"
    SALES_READY = "sales_ready"
    WORKING = "working"
    OPPORTUNITY = "opportunity"
    WON = "won"
    LOST = "lost"
    DISQUALIFIED = "disqualified"
    ON_HOLD = "on_hold"


class EventKind(StrEnum):
    CAPTURED = "captured"
    MERGED = "merged"
    SCORED = "scored"
    ENGAGED = "engaged"
    STAGE_CHANGED = "stage_changed"
    ROUTED = "routed"
    CLAIMED = "claimed"
    ATTEMPT = "attempt"  # a contact attempt by the owner
    NURTURE_TOUCH = "nurture_touch"  # a touch by marketing while the lead is nurtured
    NOTE = "note"
    SNOOZED = "snoozed"
    NUDGED = "nudged"  # the SLA sweep reminded the owner (or re-announced an unclaimed lead)
    ESCALATED = "escalated"  # the SLA sweep told the team's manager (or the admins)
    OFFERED = "offered"  # an unclaimed lead offered to one rep by DM (Accept / Pass)
    OFFER_PASSED = "offer_passed"  # that rep passed, or let the offer time out
    REVISITED = "revisited"  # a recycled lead's revisit date came: back to sales (the nurture job)
    ERASED = "erased"  # the person's data was erased on request (`leadbot forget`)


class OutboxKind(StrEnum):
    """What a queued send does in Slack (defined here, as store/ never imports bot/)."""

    POST_CARD = "post_card"  # chat.postMessage, then remember the card's channel and ts
    UPDATE_CARD = "update_card"  # chat.update of the lead's card, in place
    POST_MESSAGE = "post_message"  # a plain chat.postMessage: a DM, a nudge, a digest
    THREAD_REPLY = "thread_reply"  # a line in the thread of the lead's card, once it is posted
    # files_upload_v2 (an image in the payload); in the thread of the row `thread_of`, once sent
    UPLOAD_FILE = "upload_file"
    #: chat.update of a message already posted (a thread line, a channel post): its channel is
    #: the row's, its ts is the payload's "ts" (an erasure rewrites what was said of a person).
    EDIT_MESSAGE = "edit_message"


class OfferAnswer(StrEnum):
    """What became of an offer; every answer but PENDING is final."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    PASSED = "passed"
    EXPIRED = "expired"  # no answer within the playbook's offers.timeout
    WITHDRAWN = "withdrawn"  # the lead was claimed or assigned some other way meanwhile


class OutboxStatus(StrEnum):
    """Where an outbox row is in its life; every status but PENDING is final."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SUPERSEDED = "superseded"  # an update replaced by a newer one before it was sent


class EnumText(TypeDecorator[StrEnum]):
    """A VARCHAR holding an enum's value: the schema stays plain text (no database ENUM type to
    migrate), while every read, Core or ORM, hands back the enum member."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length=length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(self.enum(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)
