"""Reading a playbook: YAML with line numbers, the model's field checks, and the checks that span
sections (a name used in one place and defined in another), all reported in one run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from bot.core.errors import ConfigProblem, PlaybookError
from bot.core.moves import DEFAULT_MOVES, MOVES, Move
from bot.core.stages import Stage
from bot.playbook.check import (
    document_problem,
    dotted,
    field_problems,
    read_playbook_text,
    yaml_problem,
)
from bot.playbook.countries import country_code
from bot.playbook.csvcolumns import field_for, known_fields
from bot.playbook.fields import ROUTABLE_FIELDS, country_text
from bot.playbook.forms import WebForm, form_problems
from bot.playbook.model import Playbook, RoutingRule, SizeRange
from bot.playbook.yamlmap import load_yaml_with_lines

Problem = tuple[tuple[str | int, ...], str]
_RULE = TypeAdapter(RoutingRule)
_FORM = TypeAdapter(WebForm)


def _mapping(value: object) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _defined(data: dict[str, Any], section: str) -> list[str] | None:
    """The names a section defines, read from the raw data: a section with a mistake in it still
    defines them. None when the section has the wrong shape (its own error says so)."""
    value = data.get(section, {})
    if isinstance(value, dict):
        names = list(value)
    elif isinstance(value, list) and section in ("segments", "custom_fields"):
        names = [v.get("name") if isinstance(v, dict) else v for v in value]
    else:
        return None
    return [name for name in names if isinstance(name, str)]


def _cross_check(data: dict[str, Any]) -> list[Problem]:
    """Mistakes that span sections: names used in one place and defined in another.

    Runs on the raw data beside the field checks, so one run reports both.
    """
    problems: list[Problem] = []
    teams = _defined(data, "teams")
    known_teams = ", ".join(teams or ())
    routing = _mapping(data.get("routing"))
    default_team = routing.get("default_team")
    if teams is not None and isinstance(default_team, str) and default_team not in teams:
        problems.append(
            (
                ("routing", "default_team"),
                f"default_team '{default_team}' is not a team (teams: {known_teams})",
            )
        )
    rules = routing.get("rules", [])
    for i, raw in enumerate(rules if isinstance(rules, list) else []):
        at: tuple[str | int, ...] = ("routing", "rules", i)
        team = _mapping(raw).get("team")
        if teams is not None and isinstance(team, str) and team not in teams:
            problems.append(((*at, "team"), f"team '{team}' is not a team (teams: {known_teams})"))
        try:
            rule = _RULE.validate_python(raw)
        except ValidationError:
            continue  # its field errors are reported; its team was checked above
        problems += _condition_problems(rule, at, data)
    for region, members in _mapping(data.get("regions")).items():
        for j, member in enumerate(members if isinstance(members, list) else []):
            member = country_text(member)
            if isinstance(member, str) and country_code(member) is None:
                problems.append((("regions", region, j), f"'{member}' is not a country"))
    problems.extend(_form_problems(data))
    problems.extend(_csv_column_problems(data))
    problems.extend(_move_problems(data))
    problems.extend(_people_problems(data))
    return problems


def _user_ids(value: object) -> list[str]:
    """The member IDs in a raw list (as written: a profile link is checked by its own field)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _people_problems(data: dict[str, Any]) -> list[Problem]:
    """Round-robin weights name the team's reps; escalation targets are people of the playbook."""
    problems: list[Problem] = []
    everyone = set(_user_ids(data.get("admins")))
    everyone |= set(_user_ids(_mapping(data.get("marketing")).get("users")))
    for key, raw in _mapping(data.get("teams")).items():
        team = _mapping(raw)
        reps = _user_ids(team.get("reps"))
        manager = team.get("manager")
        everyone |= {*reps, *([manager] if isinstance(manager, str) else [])}
        for user in _mapping(team.get("weights")):
            if isinstance(user, str) and user not in reps:
                problems.append(
                    (("teams", key, "weights", user), f"{user} is not one of this team's reps")
                )
    escalation = _mapping(data.get("escalation"))
    for i, user in enumerate(_user_ids(escalation.get("admins"))):
        if user not in everyone:
            problems.append(
                (
                    ("escalation", "admins", i),
                    f"{user} is nobody this playbook names (admins, managers, reps, marketing)",
                )
            )
    if escalation.get("admins_after") is not None and not (
        _user_ids(escalation.get("admins")) or _user_ids(data.get("admins"))
    ):
        problems.append(
            (("escalation", "admins_after"), "nobody to tell: list admins (here or at the top)")
        )
    return problems


#: Stages a lead enters without a move: capture puts it in nurture or sales-ready.
ENTRY_STAGES = frozenset({Stage.NEW, Stage.NURTURE, Stage.SALES_READY})
REOPENABLE = frozenset({Stage.ON_HOLD, Stage.LOST, Stage.DISQUALIFIED})


def _move_problems(data: dict[str, Any]) -> list[Problem]:
    """Every stage the playbook describes is reachable; a move that needs reasons has some."""
    problems: list[Problem] = []
    raw_moves = data.get("moves")
    if raw_moves is None:
        declared: dict[Stage, list[Move]] = {s: list(m) for s, m in DEFAULT_MOVES.items()}
    else:
        declared = {}
        for stage, moves in _mapping(raw_moves).items():
            if stage in Stage.__members__.values() and isinstance(moves, list):
                declared[Stage(stage)] = [Move(m) for m in moves if m in Move.__members__.values()]
    # A misspelt move or stage has its own error; what it would reach is unknown, so no
    # "unreachable" problem follows from it.
    misspelt = raw_moves is not None and any(
        stage not in declared or len(moves) != len(declared[stage])
        for stage, moves in _mapping(raw_moves).items()
    )
    reached = set(ENTRY_STAGES)
    for moves in declared.values():
        reached |= {MOVES[m].to for m in moves if MOVES[m].to is not None}  # type: ignore[misc]
    for stage in _mapping(data.get("stages")):
        if misspelt:
            break
        if stage in Stage.__members__.values() and Stage(stage) not in reached:
            where = ("stages", stage)
            problems.append((where, f"no move leads to stage '{stage}': add one under moves:"))
    reasons = _mapping(data.get("reasons"))
    allowed = {move for moves in declared.values() for move in moves}
    for move in sorted(allowed):
        kind = MOVES[move].reasons
        # An empty list; a missing value (`disqualify:`) has its own error already.
        if kind is not None and reasons.get(kind.value) == []:
            at: tuple[str | int, ...] = ("reasons", kind.value)
            problems.append((at, f"'{move}' needs reasons to choose from: list some here"))
    for stage, moves in declared.items():
        if Move.REOPEN in moves and stage not in REOPENABLE:
            problems.append((("moves", stage), "reopen is a move from a closed or held lead only"))
    return problems


def _csv_column_problems(data: dict[str, Any]) -> list[Problem]:
    """csv_columns must name a lead field or one of the custom fields."""
    custom = _defined(data, "custom_fields") or []
    return [
        (
            ("csv_columns", str(header)),
            f"'{target}' is no lead field (fields: {known_fields(custom)})",
        )
        for header, target in _mapping(data.get("csv_columns")).items()
        if isinstance(target, str) and field_for(target, custom) is None
    ]


def _form_problems(data: dict[str, Any]) -> list[Problem]:
    """The cross-checks of every form that is valid on its own (the rest report field errors)."""
    forms: dict[str, WebForm] = {}
    for key, raw in _mapping(data.get("forms")).items():
        try:
            forms[str(key)] = _FORM.validate_python(raw)
        except ValidationError:
            continue
    return form_problems(forms=forms, custom_fields=_defined(data, "custom_fields") or [])


def _condition_problems(
    rule: RoutingRule, at: tuple[str | int, ...], data: dict[str, Any]
) -> list[Problem]:
    """A routing rule's conditions: fields routing knows, and regions and segments defined."""
    problems: list[Problem] = []
    custom = _defined(data, "custom_fields")
    routable = None if custom is None else ROUTABLE_FIELDS | set(custom)
    defined = {"region": _defined(data, "regions"), "segment": _defined(data, "segments")}
    for key, condition in rule.when.items():
        where = (*at, "when", key)
        if routable is not None and key not in routable:
            problems.append(
                (
                    where,
                    f"'{key}' is no lead field routing can test "
                    f"(known: {', '.join(sorted(routable))}; add custom ones to custom_fields)",
                )
            )
        elif key == "company_size" and not isinstance(condition, SizeRange):
            problems.append((where, "company_size takes a range like {min: 200, max: 999}"))
        elif key != "company_size" and isinstance(condition, SizeRange):
            problems.append((where, f"'{key}' takes a list of values, not a range"))
        elif isinstance(condition, list) and (names := defined.get(key)) is not None:
            plural = "regions" if key == "region" else "segments"
            problems += [
                (where, f"{key} '{value}' is not defined under {plural}")
                for value in condition
                if value not in names
            ]
        elif key == "country" and isinstance(condition, list):
            problems += [
                (where, f"'{value}' is not a country")
                for value in condition
                if country_code(value) is None
            ]
    return problems


def parse_playbook(text: str, source: str = "playbook") -> Playbook:
    """Validate playbook YAML text; raise PlaybookError naming every mistake with its line."""
    try:
        loaded = load_yaml_with_lines(text)
    except yaml.YAMLError as exc:
        raise PlaybookError(source, [yaml_problem(exc, text)]) from None
    shape = document_problem(loaded, text)
    if shape is not None:
        raise PlaybookError(source, [shape])
    found = list(loaded.duplicates)
    book = None
    try:
        book = Playbook.model_validate(loaded.data)
    except ValidationError as exc:
        found += field_problems(exc, loaded.lines)
    found += [
        ConfigProblem(loaded.lines.line_of(path), dotted(path), message)
        for path, message in _cross_check(loaded.data)
    ]
    if found or book is None:
        raise PlaybookError(source, sorted(found, key=lambda p: p.line))
    return book


def load_playbook(path: Path) -> Playbook:
    """Read and validate the playbook file at `path`."""
    return parse_playbook(read_playbook_text(path), source=str(path))
