"""The playbook: one YAML file that describes a team's whole lead process (LEADBOT_CONFIG)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from bot.countries import country_code
from bot.csvcolumns import field_for, known_fields
from bot.errors import ConfigProblem, PlaybookError
from bot.stages import Stage
from bot.yamlmap import LineMap, load_yaml_with_lines

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{8,}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{8,}$")
DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

#: Lead fields that routing rules may test besides the playbook's custom fields.
ROUTABLE_FIELDS = frozenset({"country", "region", "segment", "company_size", "source"})


def _channel_id(value: str) -> str:
    if not CHANNEL_ID.match(value):
        raise ValueError(
            f"'{value}' is not a Slack channel ID (like C0123ABCD); "
            "use the channel's ID, not its #name"
        )
    return value


def _user_id(value: str) -> str:
    if not USER_ID.match(value):
        raise ValueError(
            f"'{value}' is not a Slack user ID (like U0123ABCD); use the ID, not @name"
        )
    return value


def option_key(value: object) -> str:
    """Normalise a categorical answer or option: 'Decision Maker' -> 'decision_maker'.

    YAML 1.1 reads an unquoted yes/no as a boolean, so booleans map back to "yes"/"no".
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    return re.sub(r"[\s\-]+", "_", str(value).strip().lower())


def _country_text(value: object) -> object:
    # YAML 1.1 reads an unquoted NO (Norway) as false.
    return "NO" if value is False else value


ChannelId = Annotated[str, AfterValidator(_channel_id)]
CountryText = Annotated[str, BeforeValidator(_country_text)]
UserId = Annotated[str, AfterValidator(_user_id)]


class Duration(BaseModel):
    """A stage duration like '2d', '4h' or '1d 4h 30m' (business time once hours are applied)."""

    model_config = ConfigDict(frozen=True)
    days: int = 0
    minutes: int = 0

    @property
    def as_timedelta(self) -> timedelta:
        return timedelta(days=self.days, minutes=self.minutes)


def _parse_duration(value: object) -> object:
    if isinstance(value, Duration | dict):
        return value
    text = str(value)
    match = DURATION.match(text)
    if not match or not any(match.groups()):
        raise ValueError(f"'{text}' is not a duration; write it like 30m, 4h, 2d or 1d 4h")
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    return Duration(days=days, minutes=hours * 60 + minutes)


DurationField = Annotated[Duration, BeforeValidator(_parse_duration)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Team(Strict):
    name: str = Field(min_length=1)
    channel: ChannelId
    manager: UserId
    reps: list[UserId] = Field(default_factory=list)

    def members(self) -> frozenset[str]:
        """Everyone who may claim this team's leads."""
        return frozenset([self.manager, *self.reps])


class SegmentBand(Strict):
    name: str = Field(min_length=1)
    min: int = Field(default=0, ge=0)
    max: int | None = Field(default=None, ge=0)


class SizeRange(Strict):
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


Condition = list[str] | SizeRange


def _as_values(value: Any) -> Any:
    """`country: DE` and `size_band: [42]` both mean a list of strings."""
    if isinstance(value, str | int | float | bool):
        return [str(value)]
    if isinstance(value, list):
        return [str(v) if isinstance(v, int | float | bool) else v for v in value]
    return value


class RoutingRule(Strict):
    team: str
    when: dict[str, Condition] = Field(default_factory=dict)

    @field_validator("when", mode="before")
    @classmethod
    def _scalars_become_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _as_values(v) for k, v in value.items()}
        return value


class Routing(Strict):
    rules: list[RoutingRule] = Field(default_factory=list)
    default_team: str


class SizePoints(Strict):
    min: int = Field(ge=0)
    points: float


Options = dict[str, float]


def _normalise_options(value: Any) -> Any:
    if isinstance(value, dict):
        return {option_key(k): v for k, v in value.items()}
    return value


NormalisedOptions = Annotated[Options, BeforeValidator(_normalise_options)]


class FitWeights(Strict):
    budget: NormalisedOptions = Field(default_factory=dict)
    authority: NormalisedOptions = Field(default_factory=dict)
    timeframe: NormalisedOptions = Field(default_factory=dict)
    compelling_event: NormalisedOptions = Field(default_factory=dict)
    company_size: list[SizePoints] = Field(default_factory=list)


class Scoring(Strict):
    threshold: float
    engagement_half_life_days: float = Field(default=14, gt=0)
    fit: FitWeights = Field(default_factory=FitWeights)
    engagement: NormalisedOptions = Field(default_factory=dict)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WORKWEEK: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]


class BusinessHours(Strict):
    timezone: str = "UTC"
    days: list[Weekday] = Field(default_factory=lambda: list(WORKWEEK))
    start: str = "09:00"
    end: str = "17:00"
    holidays: str | list[str] | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"'{value}' is not a time zone (use a name like Europe/Berlin)"
            ) from None
        return value

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not CLOCK.match(value):
            raise ValueError(f"'{value}' is not a time of day; write it as HH:MM, like 09:00")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class StageRule(Strict):
    owner: Literal["marketing", "team", "rep", "manager"]
    max: DurationField | None = None
    next_step: str = ""


class Reasons(Strict):
    disqualify: list[str] = Field(default_factory=lambda: ["no budget", "no need", "spam"])
    recycle: list[str] = Field(default_factory=lambda: ["not now", "no response"])
    lost: list[str] = Field(default_factory=lambda: ["price", "chose competitor", "no decision"])


class Digest(Strict):
    channel: ChannelId
    schedule: str = "mon 08:00"


class Plan(Strict):
    qualified_per_week: int = Field(ge=0)


class Playbook(Strict):
    """A validated playbook. Build it with `load_playbook` to get line-numbered errors."""

    company: str = "Your company"
    admins: list[UserId] = Field(default_factory=list)
    teams: dict[str, Team] = Field(min_length=1)
    regions: dict[str, list[CountryText]] = Field(default_factory=dict)
    segments: list[SegmentBand] = Field(default_factory=list)
    routing: Routing
    scoring: Scoring
    custom_fields: list[str] = Field(default_factory=list)
    #: CSV header -> lead field or custom field, for columns `leadbot import` cannot guess.
    csv_columns: dict[str, str] = Field(default_factory=dict)
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    stages: dict[Stage, StageRule] = Field(default_factory=dict)
    contact_attempts: int = Field(default=6, ge=1)
    reasons: Reasons = Field(default_factory=Reasons)
    digest: Digest | None = None
    plan: Plan | None = None

    def team(self, key: str) -> Team:
        return self.teams[key]

    def next_step(self, stage: Stage) -> str:
        rule = self.stages.get(stage)
        return rule.next_step if rule else ""

    def region_of(self, country: str | None) -> str | None:
        """The first playbook region listing this ISO country code."""
        if not country:
            return None
        for name, members in self.regions.items():
            if country in {country_code(m) for m in members}:
                return name
        return None

    def segment_of(self, company_size: int | None) -> str | None:
        if company_size is None:
            return None
        for band in self.segments:
            if company_size >= band.min and (band.max is None or company_size <= band.max):
                return band.name
        return None

    def can_claim(self, team_key: str, user_id: str) -> bool:
        """Only the owning team's reps and its manager claim its leads."""
        return user_id in self.teams[team_key].members()


def _cross_check(book: Playbook) -> list[tuple[tuple[str | int, ...], str]]:
    """Mistakes that span sections: names used in one place and defined in another."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    known_teams = ", ".join(book.teams)
    if book.routing.default_team not in book.teams:
        problems.append(
            (
                ("routing", "default_team"),
                f"default_team '{book.routing.default_team}' is not a team (teams: {known_teams})",
            )
        )
    segment_names = {s.name for s in book.segments}
    routable = ROUTABLE_FIELDS | set(book.custom_fields)
    for i, rule in enumerate(book.routing.rules):
        at: tuple[str | int, ...] = ("routing", "rules", i)
        if rule.team not in book.teams:
            problems.append(
                ((*at, "team"), f"team '{rule.team}' is not a team (teams: {known_teams})")
            )
        for key, condition in rule.when.items():
            where = (*at, "when", key)
            if key not in routable:
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
            elif key == "region" and isinstance(condition, list):
                for value in condition:
                    if value not in book.regions:
                        problems.append((where, f"region '{value}' is not defined under regions"))
            elif key == "segment" and isinstance(condition, list):
                for value in condition:
                    if value not in segment_names:
                        problems.append((where, f"segment '{value}' is not defined under segments"))
            elif key == "country" and isinstance(condition, list):
                for value in condition:
                    if country_code(value) is None:
                        problems.append((where, f"'{value}' is not a country"))
    for region, members in book.regions.items():
        for j, member in enumerate(members):
            if country_code(member) is None:
                problems.append((("regions", region, j), f"'{member}' is not a country"))
    problems += _csv_column_problems(book)
    return problems


def _csv_column_problems(book: Playbook) -> list[tuple[tuple[str | int, ...], str]]:
    """csv_columns must name a lead field or one of the custom fields."""
    return [
        (
            ("csv_columns", header),
            f"'{target}' is no lead field (fields: {known_fields(book.custom_fields)})",
        )
        for header, target in book.csv_columns.items()
        if field_for(target, book.custom_fields) is None
    ]


def _message(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"unknown setting '{error['loc'][-1]}' (check the spelling)"
    if error["type"] == "missing":
        return f"'{error['loc'][-1]}' is required"
    return message


def parse_playbook(text: str, source: str = "playbook") -> Playbook:
    """Validate playbook YAML text; raise PlaybookError naming every mistake with its line."""
    try:
        data, lines = load_yaml_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlaybookError(
            source, [ConfigProblem(line, "", f"not valid YAML: {problem}")]
        ) from None
    if not isinstance(data, dict):
        raise PlaybookError(
            source, [ConfigProblem(1, "", "the playbook must be a mapping of settings")]
        )
    try:
        book = Playbook.model_validate(data)
    except ValidationError as exc:
        raise PlaybookError(source, _problems(exc, lines)) from None
    cross = _cross_check(book)
    if cross:
        raise PlaybookError(
            source,
            [ConfigProblem(lines.line_of(path), _dotted(path), msg) for path, msg in cross],
        )
    return book


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path)


def _problems(exc: ValidationError, lines: LineMap) -> list[ConfigProblem]:
    problems = []
    for error in exc.errors():
        # pydantic adds the union member or validator name to the location; drop those.
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        loc = tuple(p for p in loc if p not in ("list[str]", "SizeRange", "function-after"))
        problems.append(ConfigProblem(lines.line_of(loc), _dotted(loc), _message(error)))
    problems.sort(key=lambda p: p.line)
    return problems


def load_playbook(path: Path) -> Playbook:
    """Read and validate the playbook file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlaybookError(
            str(path), [ConfigProblem(0, "", "file not found: set LEADBOT_CONFIG to your playbook")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError(str(path), [ConfigProblem(0, "", f"cannot be read: {exc}")]) from None
    return parse_playbook(text, source=str(path))
