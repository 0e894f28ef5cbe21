"""The playbook: one YAML file that describes a team's whole lead process (LEADBOT_CONFIG)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
)

from bot.core.moves import DEFAULT_MOVES, Move, ReasonList
from bot.core.stages import Stage
from bot.playbook.calendars import holiday_calendar
from bot.playbook.countries import country_code
from bot.playbook.fields import (
    CLOCK,
    ChannelId,
    CountryText,
    Duration,
    DurationField,
    UserId,
    country_text,
    option_key,
)
from bot.playbook.forms import FormKey, WebForm


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Team(Strict):
    name: str = Field(min_length=1)
    channel: ChannelId
    manager: UserId
    reps: list[UserId] = Field(default_factory=list)
    #: Round robin: a rep's share of offers (2 takes twice the leads, 0.5 half, 0 none); 1 if
    #: left out.
    weights: dict[UserId, Annotated[float, Field(ge=0, le=100)]] = Field(default_factory=dict)
    #: Round robin: no offer to a rep who already works this many open leads.
    open_leads_cap: int | None = Field(default=None, ge=0)

    def weight_of(self, user_id: str) -> float:
        return self.weights.get(user_id, 1.0)

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


def _condition_shape(value: Any) -> str:
    return "SizeRange" if isinstance(value, dict | SizeRange) else "list[str]"


# The shape is chosen by the value, so a mistake is reported once, for the shape meant.
Condition = Annotated[
    Annotated[list[str], Tag("list[str]")] | Annotated[SizeRange, Tag("SizeRange")],
    Discriminator(_condition_shape),
]


def _as_values(key: str, value: Any) -> Any:
    """`country: DE` and `size_band: [42]` both mean a list of strings.

    A YAML 1.1 boolean stays one, to be refused with a hint: `yes` would never match "yes".
    """
    if key == "country":
        value = [country_text(v) for v in value] if isinstance(value, list) else country_text(value)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list):
        return [
            str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in value
        ]
    return value


class RoutingRule(Strict):
    team: str
    when: dict[str, Condition] = Field(default_factory=dict)

    @field_validator("when", mode="before")
    @classmethod
    def _scalars_become_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _as_values(k, v) for k, v in value.items()}
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


#: What the nurture job does with an unclaimed sales-ready lead whose decaying engagement took
#: its score below the threshold: back to marketing (nurture), or leave it with sales (keep).
OnDecay = Literal["nurture", "keep"]


class Scoring(Strict):
    threshold: float
    engagement_half_life_days: float = Field(default=14, gt=0)
    fit: FitWeights = Field(default_factory=FitWeights)
    engagement: NormalisedOptions = Field(default_factory=dict)
    on_decay: OnDecay = "nurture"


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WORKWEEK: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]

#: One public-holiday calendar: a country code (DE) or a region (DE-BY), kept in that form.
HolidayCalendar = Annotated[str, BeforeValidator(country_text), AfterValidator(holiday_calendar)]


def _holidays_shape(value: Any) -> str:
    return "list" if isinstance(value, list) else "one"


# `holidays: DE` or `holidays: [DE, AT]`: the shape is chosen by the value, so a mistake is
# reported once, for the shape meant (as routing conditions do).
Holidays = Annotated[
    Annotated[HolidayCalendar, Tag("one")] | Annotated[list[HolidayCalendar], Tag("list")],
    Discriminator(_holidays_shape),
]


class BusinessHours(Strict):
    """When durations count: days, hours in the zone, and public holidays off (see
    bot/rules/businesstime.py and docs/architecture.md, "Business time")."""

    timezone: str = "UTC"
    days: list[Weekday] = Field(default_factory=lambda: list(WORKWEEK))
    start: str = "09:00"
    end: str = "17:00"
    holidays: Holidays | None = None

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

    @field_validator("days")
    @classmethod
    def _some_day(cls, value: list[Weekday]) -> list[Weekday]:
        if not value:
            raise ValueError("name at least one working day, like [mon, tue, wed, thu, fri]")
        return value

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not CLOCK.match(value):
            raise ValueError(f"'{value}' is not a time of day; write it as HH:MM, like 09:00")
        return value

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: str, info: ValidationInfo) -> str:
        # Fields validate in order: `start` is here when it was a time of day.
        start = info.data.get("start")
        if start is not None and value <= start:  # HH:MM strings sort as times
            raise ValueError(
                f"end {value} is not after start {start}; business hours lie within one day "
                "(hours past midnight are not supported)"
            )
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def holiday_calendars(self) -> tuple[str, ...]:
        """The calendars whose public holidays are days off, like ('DE-BY', 'AT')."""
        if self.holidays is None:
            return ()
        return (self.holidays,) if isinstance(self.holidays, str) else tuple(self.holidays)


class StageRule(Strict):
    owner: Literal["marketing", "team", "rep", "manager"]
    max: DurationField | None = None
    next_step: str = ""
    #: The next step once the owner has reached the person (an attempt that connected).
    next_step_connected: str = ""


#: After a connect, when the stage names no next step for it.
CONNECTED_STEP = "You reached them: qualify it, or recycle or disqualify it with a reason"


class Reasons(Strict):
    disqualify: list[str] = Field(default_factory=lambda: ["no budget", "no need", "spam"])
    recycle: list[str] = Field(default_factory=lambda: ["not now", "no response"])
    lost: list[str] = Field(default_factory=lambda: ["price", "chose competitor", "no decision"])


class Marketing(Strict):
    """Marketing owns nurtured leads; recycled and disqualified leads are announced here."""

    channel: ChannelId
    users: list[UserId] = Field(default_factory=list)


WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Digest(Strict):
    """The weekly funnel digest: where it goes, and when (a weekday and a time, in `timezone`,
    the business hours' zone if left out). It covers the last full Monday-to-Sunday week."""

    channel: ChannelId
    schedule: str = "mon 08:00"
    timezone: str | None = None

    @field_validator("schedule")
    @classmethod
    def _weekly(cls, value: str) -> str:
        words = value.lower().split()
        day = words[0][:3] if words else ""
        if len(words) != 2 or day not in WEEKDAYS or not CLOCK.match(words[1]):
            raise ValueError(
                f"'{value}' is not a weekly time; write a weekday and HH:MM, like \"mon 08:00\""
            )
        return f"{day} {words[1]}"

    @field_validator("timezone")
    @classmethod
    def _digest_zone(cls, value: str | None) -> str | None:
        return None if value is None else BusinessHours._known_zone(value)

    @property
    def weekday(self) -> int:
        """Monday 0 … Sunday 6."""
        return WEEKDAYS.index(self.schedule.split()[0])

    @property
    def at(self) -> tuple[int, int]:
        hour, minute = self.schedule.split()[1].split(":")
        return int(hour), int(minute)


class Offers(Strict):
    """An unclaimed lead, re-announced and still unclaimed at the escalation time, is offered to
    one available rep at a time by DM (Accept / Pass) before the manager hears."""

    enabled: bool = True
    #: How long (business time) each rep has to accept before the next one is asked.
    timeout: DurationField = Duration(minutes=30)
    #: Fairness counts the offers of this rolling window (calendar time), not lifetime totals.
    fairness_window: DurationField = Duration(days=14)


class Escalation(Strict):
    """The end of the chain: after the manager, the admins (when `admins_after` is set)."""

    #: How long (business time) after the manager heard before the admins do; none: they don't.
    admins_after: DurationField | None = None
    #: Who hears at that step: Slack member IDs the playbook names; the playbook's admins if empty.
    admins: list[UserId] = Field(default_factory=list)


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
    #: The moves allowed from each stage (DEFAULT_MOVES when left out); a stage left out of a
    #: `moves:` section allows none.
    moves: dict[Stage, list[Move]] | None = None
    #: When a recycled lead comes back to sales if the rep gives no date.
    revisit_after: DurationField = Duration(days=90)
    #: After a lead's first reminder, how long (business time) before its team's manager hears.
    escalate_after: DurationField = Duration(minutes=4 * 60)
    offers: Offers = Field(default_factory=Offers)
    escalation: Escalation = Field(default_factory=Escalation)
    marketing: Marketing | None = None
    digest: Digest | None = None
    plan: Plan | None = None
    forms: dict[FormKey, WebForm] = Field(default_factory=dict)

    def escalation_admins(self) -> list[str]:
        """Who hears at the escalation chain's last step."""
        return self.escalation.admins or self.admins

    def team(self, key: str) -> Team:
        return self.teams[key]

    def moves_from(self, stage: Stage) -> tuple[Move, ...]:
        """The moves the playbook allows from `stage`, in its order."""
        if self.moves is None:
            return DEFAULT_MOVES.get(stage, ())
        return tuple(self.moves.get(stage, ()))

    def reasons_for(self, kind: ReasonList) -> list[str]:
        return list(getattr(self.reasons, kind.value))

    def next_step(self, stage: Stage, *, connected: bool = False) -> str:
        """The step the owner is shown in `stage`; a different one once they have connected."""
        rule = self.stages.get(stage)
        if connected and stage == Stage.WORKING:
            return (rule.next_step_connected if rule else "") or CONNECTED_STEP
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
