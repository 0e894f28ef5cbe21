"""The stage machine: which moves the playbook allows from the lead's stage, and who may make them.

Every entry point (a button, a modal, `/lead`, a job) goes through `check_move` before a move
changes anything, so the rules are the same wherever a move comes from.
"""

from __future__ import annotations

from bot.core.errors import MoveNotAllowed, NotOnTeam, NotYours
from bot.core.moves import MOVES, Move
from bot.core.stages import Stage, stage_name
from bot.playbook.model import Playbook
from store.models import Lead

#: Stages a lead is with marketing in: marketing's users make its moves.
MARKETING_STAGES = frozenset({Stage.NEW, Stage.NURTURE})


def allowed_moves(lead: Lead, playbook: Playbook) -> tuple[Move, ...]:
    """The moves the playbook allows from the lead's stage, in the playbook's order."""
    return playbook.moves_from(Stage(lead.stage))


def check_move(*, lead: Lead, move: Move, user_id: str, playbook: Playbook) -> None:
    """Refuse, with a sentence, a move the playbook does not allow or this user may not make."""
    allowed = allowed_moves(lead, playbook)
    if move not in allowed:
        raise MoveNotAllowed(not_allowed_sentence(lead, move, allowed))
    authorize(lead=lead, move=move, user_id=user_id, playbook=playbook)


def not_allowed_sentence(lead: Lead, move: Move, allowed: tuple[Move, ...]) -> str:
    here = f"Lead #{lead.id} is {stage_name(lead.stage)}"
    if lead.owner_id and lead.stage not in MARKETING_STAGES:
        here += f" (owner <@{lead.owner_id}>)"
    if not allowed:
        return f"{here}: nothing more can be done with it."
    options = ", ".join(MOVES[m].label.lower() for m in allowed)
    return (
        f"{here}, so it cannot be {MOVES[move].past.removesuffix(' it')} now. From here: {options}."
    )


def may_move(*, lead: Lead, user_id: str, playbook: Playbook) -> bool:
    """Whether `user_id` may move the lead on (which moves its stage allows aside)."""
    return user_id in playbook.admins or user_id in deciders(lead=lead, playbook=playbook)


def authorize(*, lead: Lead, move: Move, user_id: str, playbook: Playbook) -> None:
    """The one rule for every move: admins always; else who owns the lead in its stage.

    Marketing owns nurtured leads; the team's reps and manager an unclaimed sales-ready lead; the
    owner and the team's manager a claimed one.
    """
    if may_move(lead=lead, user_id=user_id, playbook=playbook):
        return
    team = playbook.teams.get(lead.team or "")
    if move is Move.CLAIM and team is not None:
        raise NotOnTeam(lead.id or 0, team.name)
    # The state first: of two people acting at once, the one refused learns what happened.
    raise NotYours(
        f"Lead #{lead.id} is {stage_name(lead.stage)}: "
        f"only {who_may(lead, playbook)} can {move.value} it."
    )


def deciders(*, lead: Lead, playbook: Playbook) -> frozenset[str]:
    """Who, besides the admins, may move the lead on."""
    stage = Stage(lead.stage)
    if stage in MARKETING_STAGES:
        return frozenset(playbook.marketing.users) if playbook.marketing else frozenset()
    team = playbook.teams.get(lead.team or "")
    if team is None:
        return frozenset()
    if stage is Stage.SALES_READY and lead.owner_id is None:
        return team.members()
    return frozenset({team.manager, *([lead.owner_id] if lead.owner_id else [])})


def who_may(lead: Lead, playbook: Playbook) -> str:
    """Who may move the lead, as a sentence part: "<@U1>, the EMEA Sales manager or an admin"."""
    stage = Stage(lead.stage)
    if stage in MARKETING_STAGES:
        return "marketing or an admin"
    team = playbook.teams.get(lead.team or "")
    if team is None:
        return "an admin"
    if stage is Stage.SALES_READY and lead.owner_id is None:
        return f"the reps and the manager of {team.name}, or an admin"
    owner = f"its owner <@{lead.owner_id}>, " if lead.owner_id else ""
    return f"{owner}the {team.name} manager <@{team.manager}> or an admin"
