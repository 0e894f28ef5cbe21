"""The lead stages of DESIGN.md."""

# Defined in the store, whose tables are typed with it and which never imports bot/.
from store.kinds import Stage as Stage


def stage_name(stage: str) -> str:
    """'sales_ready' -> 'sales ready', for sentences."""
    return stage.replace("_", " ")


CLOSED_STAGES = frozenset({Stage.WON, Stage.LOST, Stage.DISQUALIFIED})
