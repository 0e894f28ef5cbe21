"""The stage machine: which moves each stage allows, and who may make them (a matrix)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.errors import MoveNotAllowed, NotOnTeam, NotYours
from bot.core.moves import DEFAULT_MOVES, MOVES, Move
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.pursuit.machine import allowed_moves, check_move
from store.leads import new_lead
from store.models import Lead

OWNER, TEAMMATE, MANAGER = "U0REPEMEA1", "U0REPEMEA2", "U0MGREMEA1"
ADMIN, OTHER_TEAM, STRANGER, MARKETER = "U0ADMIN001", "U0REPAMER1", "U0STRANGE1", "U0MKTG0001"
ROLES = {
    "owner": OWNER,
    "teammate": TEAMMATE,
    "manager": MANAGER,
    "admin": ADMIN,
    "other team's rep": OTHER_TEAM,
    "stranger": STRANGER,
    "marketing": MARKETER,
}
AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
#: The situations of the matrix; the owner-of-record stays on a recycled (nurtured) lead.
SITUATIONS = {
    "nurture": (Stage.NURTURE, OWNER),
    "unclaimed sales_ready": (Stage.SALES_READY, None),
    "working": (Stage.WORKING, OWNER),
    "opportunity": (Stage.OPPORTUNITY, OWNER),
    "on_hold": (Stage.ON_HOLD, OWNER),
    "lost": (Stage.LOST, OWNER),
}


def lead_in(stage: Stage, owner: str | None) -> Lead:
    return new_lead(
        id=42, email="a@b.de", email_key="a@b.de", stage=stage, team="emea", owner_id=owner,
        created_at=AT, updated_at=AT, stage_entered_at=AT, sales_ready_at=AT,
    )  # fmt: skip


def may_act(role: str, stage: Stage) -> bool:
    """The rule, written out independently: admins always; marketing owns nurture; the team an
    unclaimed lead; the owner and the team's manager a claimed one."""
    if role == "admin":
        return True
    if stage is Stage.NURTURE:
        return role == "marketing"
    if stage is Stage.SALES_READY:
        return role in ("owner", "teammate", "manager")  # "owner": a rep of the team, here
    return role in ("owner", "manager")


@pytest.mark.parametrize("move", list(Move))
@pytest.mark.parametrize("situation", list(SITUATIONS))
@pytest.mark.parametrize("role", list(ROLES))
def test_who_may_make_which_move(role: str, situation: str, move: Move, playbook: Playbook) -> None:
    stage, owner = SITUATIONS[situation]
    lead = lead_in(stage, owner)
    user = ROLES[role]
    allowed = playbook.moves_from(stage)
    if move not in allowed:
        with pytest.raises(MoveNotAllowed) as refused:
            check_move(lead=lead, move=move, user_id=user, playbook=playbook)
        # The sentence names the state and what can be done from it.
        assert f"Lead #42 is {stage.value.replace('_', ' ')}" in refused.value.user_message
        assert all(MOVES[m].label.lower() in refused.value.user_message for m in allowed)
    elif may_act(role, stage):
        check_move(lead=lead, move=move, user_id=user, playbook=playbook)
    elif move is Move.CLAIM:
        with pytest.raises(NotOnTeam) as refused:
            check_move(lead=lead, move=move, user_id=user, playbook=playbook)
        assert "Only reps and the manager of EMEA Sales (or an admin)" in refused.value.user_message
    else:
        with pytest.raises(NotYours) as refused:
            check_move(lead=lead, move=move, user_id=user, playbook=playbook)
        said = refused.value.user_message
        assert said.startswith(f"Lead #42 is {stage.value.replace('_', ' ')}: only ")
        assert "or an admin" in said
        if stage is Stage.NURTURE:
            assert "marketing" in said
        elif stage is Stage.SALES_READY:
            assert "the reps and the manager of EMEA Sales" in said
        else:
            assert f"its owner <@{OWNER}>" in said
            assert f"the EMEA Sales manager <@{MANAGER}>" in said


def test_the_matrix_covers_allowed_and_refused_moves_in_every_situation(
    playbook: Playbook,
) -> None:
    """Guard against a vacuous matrix: every situation allows some moves and refuses others."""
    for stage, owner in SITUATIONS.values():
        allowed = allowed_moves(lead_in(stage, owner), playbook)
        assert allowed
        assert set(Move) - set(allowed)


def test_example_playbook_spells_out_the_default_moves(playbook: Playbook) -> None:
    assert playbook.moves is not None
    assert {stage: tuple(moves) for stage, moves in playbook.moves.items()} == DEFAULT_MOVES


def test_a_stage_left_out_of_moves_allows_nothing(playbook: Playbook) -> None:
    book = playbook.model_copy(update={"moves": {Stage.WORKING: [Move.NOTE]}})
    lead = lead_in(Stage.OPPORTUNITY, OWNER)
    with pytest.raises(MoveNotAllowed, match="nothing more can be done with it"):
        check_move(lead=lead, move=Move.WON, user_id=OWNER, playbook=book)


def test_without_marketing_only_admins_move_a_nurtured_lead(playbook: Playbook) -> None:
    book = playbook.model_copy(update={"marketing": None})
    lead = lead_in(Stage.NURTURE, OWNER)
    check_move(lead=lead, move=Move.TOUCH, user_id=ADMIN, playbook=book)
    with pytest.raises(NotYours):
        check_move(lead=lead, move=Move.TOUCH, user_id=MARKETER, playbook=book)


def test_a_lead_of_a_team_no_longer_in_the_playbook_is_refused_not_crashed(
    playbook: Playbook,
) -> None:
    lead = lead_in(Stage.SALES_READY, None)
    lead.team = "apac"  # renamed away in the playbook since the lead was routed
    with pytest.raises(NotYours, match="only an admin can claim it"):
        check_move(lead=lead, move=Move.CLAIM, user_id=OWNER, playbook=playbook)
    check_move(lead=lead, move=Move.CLAIM, user_id=ADMIN, playbook=playbook)
