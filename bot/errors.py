"""Domain errors: each carries the sentence the user is shown."""

from __future__ import annotations

from dataclasses import dataclass, field


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
            f"Only reps and the manager of {team_name} can claim lead #{lead_id}. "
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
