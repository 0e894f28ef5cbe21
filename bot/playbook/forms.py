"""The playbook's `forms:` section: web forms that post leads to /f/{key} (web-to-lead)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from bot.playbook.csvcolumns import LEAD_FIELDS

FORM_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
SOURCE = re.compile(r"^[A-Za-z0-9_ \-]{1,40}$")
RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
PER_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _form_key(value: str) -> str:
    if not FORM_KEY.match(value):
        raise ValueError(
            f"form key '{value}' must be 1-32 letters, digits, '-' or '_' (it is part of the URL)"
        )
    return value


def _source(value: str) -> str:
    if not SOURCE.match(value):
        raise ValueError(f"source '{value}' must be up to 40 letters, digits, spaces, '-' or '_'")
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{value}' is not an http:// or https:// URL")
    return value


def _origin(value: str) -> str:
    """An origin as browsers send it: lower-case scheme://host[:port], no path."""
    parts = urlsplit(value.strip())
    only_host = parts.path in ("", "/") and not (parts.query or parts.fragment or parts.username)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not only_host:
        raise ValueError(
            f"'{value}' is not an origin; write the scheme and host only, "
            "like https://www.example.com"
        )
    return f"{parts.scheme}://{parts.netloc}".lower()


class RateLimit(BaseModel):
    """At most `count` posts per `seconds` from one client, like '10/minute'."""

    model_config = ConfigDict(frozen=True)
    count: int = Field(ge=1)
    seconds: int = Field(ge=1)


def _parse_rate(value: object) -> object:
    if isinstance(value, RateLimit | dict):
        return value
    match = RATE.match(str(value))
    if not match or int(match[1]) < 1:
        raise ValueError(f"'{value}' is not a rate; write it like 10/minute, 5/second or 100/hour")
    return RateLimit(count=int(match[1]), seconds=PER_SECONDS[match[2]])


FormKey = Annotated[str, AfterValidator(_form_key)]
HttpUrlText = Annotated[str, AfterValidator(_http_url)]
Origin = Annotated[str, AfterValidator(_origin)]
RateLimitField = Annotated[RateLimit, BeforeValidator(_parse_rate)]


class WebForm(BaseModel):
    """A plain HTML form that posts leads to /f/{key} (web-to-lead); the key is public."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Annotated[str, AfterValidator(_source)]
    redirect: HttpUrlText | None = None
    allowed_origins: list[Origin] = Field(default_factory=list)
    #: HTML input name -> lead field (or null to ignore the input); inputs mapped to one field
    #: are joined, so first_name + last_name make the name.
    fields: dict[str, str | None] = Field(default_factory=dict)
    #: Fixed values every lead from this form gets (they are never read from the page).
    values: dict[str, str | int | float | bool] = Field(default_factory=dict)
    honeypot: str = Field(default="website", min_length=1, max_length=60)
    rate_limit: RateLimitField = RateLimit(count=10, seconds=60)


def form_fields(custom_fields: Iterable[str]) -> frozenset[str]:
    """The lead fields a web form's page may fill: not the source, not the fast-track flag."""
    return frozenset({*LEAD_FIELDS, *custom_fields} - {"source", "fast_track"})


def form_problems(
    *, forms: Mapping[str, WebForm], custom_fields: Iterable[str]
) -> list[tuple[tuple[str | int, ...], str]]:
    """A form may only fill lead fields; its honeypot must be a name no real input uses."""
    fillable = form_fields(custom_fields)
    known = ", ".join(sorted(fillable))
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for key, form in forms.items():
        at: tuple[str | int, ...] = ("forms", key)
        for name, target in form.fields.items():
            if target is not None and target not in fillable:
                problems.append(((*at, "fields", name), f"'{target}' is no lead field ({known})"))
        for name in form.values:
            if name not in fillable | {"fast_track"}:
                problems.append(((*at, "values", name), f"'{name}' is no lead field ({known})"))
        if form.honeypot in fillable or form.honeypot in form.fields:
            problems.append(
                (
                    (*at, "honeypot"),
                    f"'{form.honeypot}' is a real field, so people would fill it in: "
                    "name the honeypot something no input uses",
                )
            )
    return problems
