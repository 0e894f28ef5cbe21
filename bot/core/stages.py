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


def stage_name(stage: str) -> str:
    """'sales_ready' -> 'sales ready', for sentences."""
    return stage.replace("_", " ")


CLOSED_STAGES = frozenset({Stage.WON, Stage.LOST, Stage.DISQUALIFIED})
