"""Intake input: a lead or an engagement event as sent, checked against the playbook in one pure
step before anything is stored. Every mistake is reported at once, as FieldErrors."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from bot.core.errors import FieldError, InvalidLead, field_errors
from bot.playbook.countries import country_code
from bot.playbook.fields import option_key
from bot.playbook.model import Playbook
from bot.rules.scoring import NO_EVENT, event_types
from bot.rules.scrub import CleanEmail, clean_email, junk_reason

#: Fit questions answered by picking one of the playbook's options.
CHOICE_QUESTIONS = ("budget", "authority", "timeframe")
#: An event a little ahead of our clock is clock skew, not a mistake.
FUTURE_TOLERANCE = timedelta(minutes=5)

Model = TypeVar("Model", bound=BaseModel)


def _checked_email(value: object) -> CleanEmail:
    if not isinstance(value, str):
        raise ValueError("Give the e-mail address as text")
    try:
        return clean_email(value)
    except InvalidLead as invalid:
        raise ValueError(invalid.errors[0].message) from None


#: An e-mail address, syntax-checked and normalised; disposable and reserved domains are refused.
Email = Annotated[
    CleanEmail,
    PlainValidator(_checked_email),
    PlainSerializer(lambda email: email.email, return_type=str),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 320}),
]


def _country(value: str) -> str:
    if not value:
        return ""
    code = country_code(value)
    if code is None:
        raise ValueError(
            f"'{value}' is not a country we know; give its name or ISO code, like Germany or DE"
        )
    return code


def _playbook(info: ValidationInfo) -> Playbook | None:
    """The playbook `parse_lead` and `parse_event` validate against (None: nothing to check)."""
    return (info.context or {}).get("playbook")


def _fit_options(info: ValidationInfo, question: str) -> Mapping[str, float]:
    book = _playbook(info)
    return getattr(book.scoring.fit, question) if book else {}


def _one_of(value: object, allowed: list[str], what: str = "an answer the playbook knows") -> str:
    return f"'{value}' is not {what}; use one of: {', '.join(allowed) or 'none listed'}"


#: The largest lead number: PostgreSQL's `integer` column (SQLite's is wider, but they agree).
MAX_LEAD_ID = 2**31 - 1
#: Engagement older than this is no engagement (and year 1 in a zone east of UTC overflows).
EARLIEST_YEAR = 2000


class Contact(BaseModel):
    """Who the lead is; checked on its own too, so junk is reported beside any other mistake."""

    model_config = ConfigDict(str_strip_whitespace=True)

    email: Email = Field(description="The lead's e-mail address (required); one lead per person.")
    name: str = Field(default="", max_length=200, description="The person's full name.")
    company: str = Field(default="", max_length=200, description="The company's name.")


SOLO_SIZES = frozenset({"myself only", "self-employed", "self employed", "just me", "freelancer"})
SIZE_WORDS = re.compile(r"\b(?:employees?|staff|people|persons|mitarbeiter(?:innen)?)\b")
#: A thousands separator (, . ' or a thin or no-break space) before a group of three digits.
THOUSANDS = re.compile(r"(?<=\d)[.,'\u2019 \u00a0\u202f](?=\d{3}(?!\d))")
UNDER = re.compile(r"^(?:<|under|less than|fewer than)\s*\d+$")
SIZE = re.compile(r"^(?:>|over|more than)?\s*(\d+)\s*(?:\+|(?:-|\u2013|\u2014|to|bis)\s*\d+)?$")


def employees(text: str) -> int | None:
    """A company size as people write it, as a number: the lower bound of a range."""
    cleaned = SIZE_WORDS.sub("", text.strip().lower()).strip(" ()")
    if not cleaned:
        return None
    if cleaned in SOLO_SIZES:
        return 1
    cleaned = THOUSANDS.sub("", cleaned)
    if UNDER.match(cleaned):
        return 1
    match = SIZE.match(cleaned)
    if match is None:
        raise ValueError(
            f"'{text}' is not a number of employees; give a number like 250 or a range like 200-500"
        )
    return int(match.group(1))


class LeadIn(Contact):
    """A lead as a web form, a CSV row or the Slack modal sends it (the intake API's body).

    Validated by `parse_lead`, its values are normalised: the country is an ISO code and the fit
    answers are the playbook's option keys.
    """

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    title: str = Field(
        default="", max_length=200, description="Job title; leadbot reads the seniority from it."
    )
    phone: str = Field(default="", max_length=50, description="Phone number, as typed.")
    country: Annotated[str, AfterValidator(_country)] = Field(
        default="",
        max_length=60,
        description="Country name or ISO code (Germany, DE, DEU); stored as the ISO code.",
    )
    source: str = Field(
        default="",
        max_length=40,
        pattern=r"^[A-Za-z0-9_ \-]*$",
        description="Where the lead came from (webinar, ebook…); web_form when not given.",
    )
    budget: str = Field(default="", max_length=40, description="Is there a budget?")
    authority: str = Field(
        default="",
        max_length=40,
        description="Can the person decide? Read from the job title when not given.",
    )
    timeframe: str = Field(default="", max_length=40, description="When do they mean to buy?")
    compelling_event: Annotated[
        str,
        WithJsonSchema({"anyOf": [{"type": "boolean"}, {"type": "string", "maxLength": 500}]}),
    ] = Field(
        default="",
        max_length=500,
        description="Is something forcing a decision? true/false, yes/no, or describe the event.",
    )
    company_size: int | None = Field(
        default=None,
        ge=1,
        le=10_000_000,
        description="Employees: a number, or text like '1,200', '200-500' or '1000+'.",
    )
    fast_track: bool = Field(
        default=False,
        description="Marketing's exception: hand the lead to sales now, whatever its score.",
    )

    @field_validator("compelling_event", mode="before")
    @classmethod
    def _event_flag(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return "yes" if value else ""
        return value

    @field_validator("company_size", mode="before")
    @classmethod
    def _size_text(cls, value: Any) -> Any:
        """Forms and CRMs send '1,200', '1.001-5.000', '200 - 500 employees' or '10,001+'."""
        if isinstance(value, str):
            return employees(value)
        return value

    @field_validator(*CHOICE_QUESTIONS)
    @classmethod
    def _playbook_option(cls, value: str, info: ValidationInfo) -> str:
        """One of the playbook's options in any case or spacing; kept as the option's key."""
        if not value:
            return ""
        key = option_key(value)
        options = _fit_options(info, str(info.field_name))
        if options and key not in options:
            raise ValueError(_one_of(value, list(options)))
        return key

    @field_validator("compelling_event")
    @classmethod
    def _playbook_event(cls, value: str, info: ValidationInfo) -> str:
        """Scoring reads any description as 'yes': free text is fine when 'yes' scores."""
        options = _fit_options(info, "compelling_event")
        key = option_key(value)
        if value and options and "yes" not in options and key not in {*options, *NO_EVENT}:
            raise ValueError(_one_of(value, [*options, "no"]))
        return value

    def custom_fields(self) -> dict[str, Any]:
        """The playbook's custom fields this lead carries."""
        return dict(self.model_extra or {})


class EventIn(BaseModel):
    """An engagement event: by lead_id or email; `at` defaults to now."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lead_id: int | None = Field(
        default=None, ge=1, le=MAX_LEAD_ID, description="The lead's number (or email)."
    )
    email: Email | None = Field(default=None, description="The lead's e-mail (or give lead_id).")
    type: str = Field(
        min_length=1, max_length=60, description="The event type; the playbook sets its points."
    )
    at: AwareDatetime | None = Field(
        default=None, description="When it happened, with its time zone; now when not given."
    )

    @field_validator("type")
    @classmethod
    def _playbook_type(cls, value: str, info: ValidationInfo) -> str:
        book = _playbook(info)
        key = option_key(value)
        if book and key not in event_types(book.scoring):
            types = event_types(book.scoring)
            raise ValueError(_one_of(value, types, "an event type the playbook knows"))
        return key

    @field_validator("at")
    @classmethod
    def _not_ahead(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        now = (info.context or {}).get("now")
        if value is not None and now is not None and value > now + FUTURE_TOLERANCE:
            raise ValueError("This time is in the future; give when the event happened")
        if value is not None and value.year < EARLIEST_YEAR:
            raise ValueError(f"This time is before {EARLIEST_YEAR}; give when the event happened")
        return value


#: Characters no text column stores on PostgreSQL (NUL) or that no person types (other controls).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Half of a UTF-16 pair: a JSON escape ("\ud800") can carry one, but it is no text (UTF-8
#: cannot encode it, so neither a database nor pydantic nor a JSON answer takes it).
SURROGATE = re.compile("[\ud800-\udfff]")


def shown(name: object) -> str:
    """A field name as an answer can quote it: a lone surrogate becomes U+FFFD."""
    return SURROGATE.sub("\ufffd", str(name))


def unstorable(data: Mapping[str, Any]) -> list[FieldError]:
    """Values no database column takes alike: control characters, lone surrogates, NaN and
    infinite numbers; one error per field, named so the answer can quote it."""
    errors: list[FieldError] = []
    for name, value in data.items():
        for item in _leaves(value, name):
            if isinstance(item, str) and CONTROL.search(item):
                errors.append(FieldError(shown(name), "Remove the control character (like NUL)"))
                break
            if isinstance(item, str) and SURROGATE.search(item):
                message = "Remove the broken character (half of a UTF-16 pair, like \\ud800)"
                errors.append(FieldError(shown(name), message))
                break
            if isinstance(item, float) and not math.isfinite(item):
                errors.append(FieldError(shown(name), "Give a finite number (not NaN or Infinity)"))
                break
    return errors


def _checkable(data: Mapping[str, Any], refused: list[FieldError]) -> dict[str, Any]:
    """The fields the models may judge: what `unstorable` refused is left out, as pydantic
    cannot read a lone surrogate (and would quote it back in a message no answer can carry)."""
    fields = {e.field for e in refused}
    return {k: v for k, v in data.items() if shown(k) not in fields}


def _without(errors: list[FieldError], fields: set[str]) -> list[FieldError]:
    """A field already refused is not also 'required' because it was left out."""
    return [e for e in errors if e.field not in fields]


def _leaves(value: Any, name: object = "") -> Iterator[Any]:
    """Every key and scalar inside a value, the field's own name first."""
    yield name
    yield from _values(value)


def _values(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)
    else:
        yield value


def _validated(
    model: type[Model], data: Any, errors: list[FieldError], context: dict[str, Any]
) -> Model | None:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        errors.extend(field_errors(exc.errors()))
        return None


def parse_lead(data: dict[str, Any], playbook: Playbook) -> LeadIn:
    """Check raw lead data against the playbook; InvalidLead lists every mistake at once.

    The one entry point of the API, the CSV import and the Slack modal; it touches no database.
    """
    known = set(LeadIn.model_fields) | set(playbook.custom_fields)
    custom = ", ".join(playbook.custom_fields) or "none"
    unknown = f"leadbot does not know this field; the playbook's custom fields: {custom}"
    errors = [FieldError(shown(name), unknown) for name in sorted(set(data) - known)]
    refused = unstorable(data)
    errors += refused
    checkable = _checkable(data, refused)
    context = {"playbook": playbook}
    judged: list[FieldError] = []
    lead = _validated(LeadIn, checkable, judged, context)
    errors += _without(judged, {e.field for e in refused})
    contact: Contact | None = lead
    if lead is None and not {e.field for e in errors} & set(Contact.model_fields):
        # Another field is wrong: judge the contact alone, so junk is reported in the same go.
        picked = {k: v for k, v in checkable.items() if k in Contact.model_fields}
        contact = _validated(Contact, picked, [], context)
    if contact is not None:
        reason = junk_reason(email=contact.email, name=contact.name, company=contact.company)
        if reason:
            errors.append(FieldError("email", reason))
    if errors or lead is None:
        raise InvalidLead(errors)
    return lead


def parse_event(data: dict[str, Any], playbook: Playbook, now: datetime) -> EventIn:
    """Check a raw engagement event against the playbook; InvalidLead lists every mistake."""
    refused = unstorable(data)
    judged: list[FieldError] = []
    context = {"playbook": playbook, "now": now}
    event = _validated(EventIn, _checkable(data, refused), judged, context)
    errors = refused + _without(judged, {e.field for e in refused})
    if all(data.get(name) in (None, "") for name in ("lead_id", "email")):
        errors.append(FieldError("email", "Give the lead's email or lead_id"))
    if errors or event is None:
        raise InvalidLead(errors)
    return event
