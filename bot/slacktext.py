"""Making user text safe and short enough for Slack."""

from __future__ import annotations

from dataclasses import dataclass, field
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
