"""The lead stages of DESIGN.md."""

from enum import StrEnum


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


CLOSED_STAGES = frozenset({Stage.WON, Stage.LOST, Stage.DISQUALIFIED})
