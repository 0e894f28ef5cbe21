"""The kinds of a lead's history events (stored as their values, stable for reports)."""

from enum import StrEnum


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
