"""The playbook's value types: Slack IDs (or the links people copy), answers, durations."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{8,}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{8,}$")
# What "Copy link" gives: a workspace (or GovSlack) URL ending in the channel or member ID.
SLACK_URL = r"https://(?:[a-z0-9-]+\.)+slack(?:-gov)?\.com/"
CHANNEL_LINK = re.compile(
    rf"^{SLACK_URL}(?:archives|client/[TE][A-Z0-9]+)/([CG][A-Z0-9]{{8,}})(?:[/?#]\S*)?$"
)
USER_LINK = re.compile(rf"^{SLACK_URL}team/([UW][A-Z0-9]{{8,}})/?$")
DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

#: Lead fields that routing rules may test besides the playbook's custom fields.
ROUTABLE_FIELDS = frozenset({"country", "region", "segment", "company_size", "source"})


def _channel_id(value: str) -> str:
    link = CHANNEL_LINK.match(value)
    if link:
        return link.group(1)
    if not CHANNEL_ID.match(value):
        raise ValueError(
            f"'{value}' is not a Slack channel ID (like C0123ABCD) or channel link; "
            "to find the ID, click the channel's name in Slack (View channel details): "
            "it is at the bottom"
        )
    return value


def _user_id(value: str) -> str:
    link = USER_LINK.match(value)
    if link:
        return link.group(1)
    if not USER_ID.match(value):
        raise ValueError(
            f"'{value}' is not a Slack user ID (like U0123ABCD); to find a member ID, "
            "open their profile in Slack, click ⋮ (More) and choose Copy member ID"
        )
    return value


def option_key(value: object) -> str:
    """Normalise a categorical answer or option: 'Decision Maker' -> 'decision_maker'.

    YAML 1.1 reads an unquoted yes/no as a boolean, so booleans map back to "yes"/"no".
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    return re.sub(r"[\s\-]+", "_", str(value).strip().lower())


def country_text(value: object) -> object:
    # YAML 1.1 reads an unquoted NO (Norway) as false.
    return "NO" if value is False else value


ChannelId = Annotated[str, AfterValidator(_channel_id)]
CountryText = Annotated[str, BeforeValidator(country_text)]
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
