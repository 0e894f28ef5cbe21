"""Making user text safe and short enough for Slack."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

ELLIPSIS = "…"


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control sequences (&, <, >).

    Without this a lead named '<!channel>' would ping everyone and '<https://x|y>' would link.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """Escape `text` and cut it, with an ellipsis, so the escaped result has at most `limit` chars.

    Cutting happens on the raw text so an entity like '&amp;' is never split in half.
    """
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    low, high = 0, min(len(text), limit)
    while low < high:  # longest raw prefix whose escaped form plus the ellipsis fits
        mid = (low + high + 1) // 2
        if len(escape(text[:mid])) + len(ELLIPSIS) <= limit:
            low = mid
        else:
            high = mid - 1
    return escape(text[:low].rstrip()) + ELLIPSIS


@dataclass(frozen=True)
class Message:
    """A Slack message: fallback `text` for notifications plus Block Kit `blocks`."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Message:
        return cls(text=payload["text"], blocks=list(payload.get("blocks") or []))


# -- reading Slack markup as a person sees it (the fake Slack's transcript, the demo) -----------

CONTROL = re.compile(r"<([^<>]*)>")
ENTITY = re.compile(r"&(amp|lt|gt);")
DATE_TOKEN = re.compile(r"\{(\w+)\}")
ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
RELATIVE_DAYS = {-1: "yesterday", 0: "today", 1: "tomorrow"}


def as_seen(
    text: str, *, now: datetime, names: Mapping[str, str] | None = None, tz: tzinfo = UTC
) -> str:
    """Slack mrkdwn as a reader in `tz` sees it: `@name`, `#channel`, dates, `label (url)`.

    `names` maps user and channel IDs to names (an unknown ID is shown as itself). Escaped text
    (`&lt;!channel&gt;`) is shown literally, as Slack does: it pings nobody. *Bold* stays.
    """
    shown, start = [], 0
    for match in CONTROL.finditer(text):
        shown.append(_unescape(text[start : match.start()]))
        shown.append(_control(match.group(1), now, names or {}, tz))
        start = match.end()
    shown.append(_unescape(text[start:]))
    return "".join(shown)


def _unescape(text: str) -> str:
    return ENTITY.sub(lambda m: ENTITIES[m.group(1)], text)


def _control(body: str, now: datetime, names: Mapping[str, str], tz: tzinfo) -> str:
    target, _, label = body.partition("|")
    label = _unescape(label)
    if target[:1] in ("@", "#"):  # <@U…> a person, <#C…> a channel
        return target[0] + (names.get(target[1:]) or label or target[1:])
    if target.startswith("!date^"):
        return _date(target, label, now, tz)
    if target.startswith("!subteam^"):
        return label or "@" + target.removeprefix("!subteam^")
    if target.startswith("!"):  # <!here>, <!channel>, <!everyone>
        return label or "@" + target[1:]
    url = _unescape(target)
    if not label or label == url.removeprefix("mailto:"):
        return label or url.removeprefix("mailto:")
    return f"{label} ({url})"


def _date(target: str, fallback: str, now: datetime, tz: tzinfo) -> str:
    """`<!date^STAMP^FORMAT[^LINK]|FALLBACK>`; the fallback when the format is not understood."""
    parts = target.split("^")
    try:
        at = datetime.fromtimestamp(int(parts[1]), tz)
        tokens = _date_tokens(at, (at.date() - now.astimezone(tz).date()).days)
        return DATE_TOKEN.sub(
            lambda m: _capitalised(tokens[m.group(1)], m.start() == 0),
            _unescape(parts[2]),
        )
    except (IndexError, KeyError, ValueError, OverflowError, OSError):
        return fallback


def _date_tokens(at: datetime, days_from_today: int) -> dict[str, str]:
    day = f"{at.day}{_ordinal_suffix(at.day)}"
    hour = at.hour % 12 or 12
    tokens = {
        "date_num": f"{at:%Y-%m-%d}",
        "date": f"{at:%B} {day}, {at.year}",
        "date_short": f"{at:%b} {at.day}, {at.year}",
        "date_long": f"{at:%A}, {at:%B} {day}, {at.year}",
        "time": f"{hour}:{at:%M} {'AM' if at.hour < 12 else 'PM'}",
        "time_secs": f"{hour}:{at:%M:%S} {'AM' if at.hour < 12 else 'PM'}",
    }
    relative = RELATIVE_DAYS.get(days_from_today)
    for kind in ("date", "date_short", "date_long"):
        tokens[f"{kind}_pretty"] = relative or tokens[kind]
    return tokens


def _ordinal_suffix(day: int) -> str:
    if day in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _capitalised(text: str, first: bool) -> str:
    return text[:1].upper() + text[1:] if first else text
