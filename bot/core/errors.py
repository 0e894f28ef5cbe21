"""Domain errors: each carries the sentence the user is shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class LeadbotError(Exception):
    """Base of every error whose message is meant for a person to read."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class SettingsError(LeadbotError):
    """The environment does not describe a runnable leadbot."""


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field (HTTP 400 body, CSV line report, modal error)."""

    field: str
    message: str


#: pydantic's error types in words a marketer reads (pydantic's own are for developers).
MESSAGES = {
    "missing": "This field is required",
    "string_type": "Give this as text",
    "string_too_short": "Give at least {min_length} character(s)",
    "string_too_long": "Use at most {max_length} characters",
    "string_pattern_mismatch": "'{input}' has characters that are not allowed here",
    "int_type": "Give a whole number",
    "int_parsing": "Give a whole number",
    "int_from_float": "Give a whole number",
    "greater_than_equal": "Give a number of at least {ge}",
    "less_than_equal": "Give a number of at most {le}",
    "bool_type": "Give true or false",
    "bool_parsing": "Give true or false",
    "datetime_type": "Give a date and time like 2026-11-23T10:00:00Z",
    "datetime_parsing": "Give a date and time like 2026-11-23T10:00:00Z",
    "datetime_from_date_parsing": "Give a date and time like 2026-11-23T10:00:00Z",
    "timezone_aware": "Give the time with its time zone, like 2026-11-23T10:00:00Z",
    "extra_forbidden": "leadbot does not know this field",
    "json_invalid": "The body is not valid JSON",
    "model_type": "Send a JSON object",
    "model_attributes_type": "Send a JSON object",
    "dict_type": "Send a JSON object",
}


def field_errors(details: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """pydantic's error details as FieldErrors; the field is the JSON name, 'body' for the whole."""
    errors = []
    for detail in details:
        template = MESSAGES.get(detail["type"])
        if template is None:
            # A validator's ValueError carries our own sentence.
            message = str(detail["msg"]).removeprefix("Value error, ")
        else:
            message = template.format(input=detail.get("input"), **detail.get("ctx", {}))
        errors.append(FieldError(".".join(str(p) for p in detail["loc"]) or "body", message))
    return errors


class InvalidLead(LeadbotError):
    """Lead data that cannot be accepted; lists every field at fault."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))


class LeadNotFound(LeadbotError):
    """No lead with that number (or, for `email=`, that e-mail)."""

    def __init__(self, lead_id: int | None = None, *, email: str | None = None) -> None:
        if email is not None:
            super().__init__(f"No lead has the e-mail {email}.")
            self.field = "email"
        else:
            super().__init__(f"There is no lead #{lead_id}.")
            self.field = "lead_id"
        self.lead_id = lead_id


class AlreadyClaimed(LeadbotError):
    def __init__(self, lead_id: int, owner_id: str) -> None:
        super().__init__(f"Lead #{lead_id} is already claimed by <@{owner_id}>.")
        self.lead_id = lead_id
        self.owner_id = owner_id


class NotClaimable(LeadbotError):
    """The lead is in a stage where claiming makes no sense (nurture, closed…)."""


class NotOnTeam(LeadbotError):
    def __init__(self, lead_id: int, team_name: str) -> None:
        super().__init__(
            f"Only reps and the manager of {team_name} (or an admin) can claim lead #{lead_id}. "
            "Ask your RevOps admin to add you to the team in the playbook."
        )


@dataclass
class ConfigProblem:
    """One mistake in the playbook, with the line it is on (0 when unknown)."""

    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        at = f" ({self.path})" if self.path else ""
        return f"{where}{at}: {self.message}"


@dataclass
class PlaybookError(LeadbotError):
    """The playbook is not valid; `problems` names every mistake with its line."""

    source: str
    problems: list[ConfigProblem] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.problems) == 1 and not self.problems[0].line:
            # A problem with the file as a whole (not found, unreadable) is one sentence.
            message = self.problems[0].message
            LeadbotError.__init__(self, message[:1].upper() + message[1:])
            return
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        LeadbotError.__init__(
            self,
            f"The playbook {self.source} has {count} mistake{'' if count == 1 else 's'}:\n{lines}",
        )


class StaleButton(LeadbotError):
    """A button whose value leadbot did not write (an old message, or a forged payload)."""

    def __init__(self) -> None:
        super().__init__(
            "This button is not one leadbot can read any more; use `/lead` instead "
            "(`/lead help` lists what it does)."
        )


class MoveRefused(LeadbotError):
    """A move that cannot be made as asked; the sentence says what can be done instead."""


class MoveNotAllowed(MoveRefused):
    """The playbook does not allow this move from the lead's stage."""


class NotYours(MoveRefused):
    """The user may not make this move on this lead; the sentence names who may."""


class MoveIncomplete(MoveRefused):
    """The move lacks what it needs (a reason, a date, a note's text), or got it wrong."""
