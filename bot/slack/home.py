"""The App Home tab: the rep's own leads and their teams' unclaimed ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.slack.cards import SECTION_LIMIT
from bot.slack.replies import lead_line
from store.models import Lead


def home_view(*, mine: Sequence[Lead], unclaimed: Sequence[Lead]) -> dict[str, Any]:
    """What a rep sees on leadbot's Home tab."""
    blocks: list[Block] = [HeaderBlock(text="Your leads")]
    blocks.append(
        _list(mine, "Nothing claimed yet: the Claim button is on each card in your team channel.")
    )
    blocks.append(HeaderBlock(text="Waiting for a rep in your teams"))
    blocks.append(_list(unclaimed, "No unclaimed leads. Nice."))
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text="`/lead help` lists every command.")])
    )
    return View(type="home", blocks=blocks).to_dict()


def _list(leads: Sequence[Lead], empty: str) -> SectionBlock:
    """One line per lead, whole lines only, within a section's 3,000 characters."""
    lines: list[str] = []
    used = 0
    for shown, lead in enumerate(leads):
        line = f"• {lead_line(lead)}"
        if used + len(line) + 40 > SECTION_LIMIT:
            lines.append(f"…and {len(leads) - shown} more (`/lead mine` lists yours)")
            break
        lines.append(line)
        used += len(line) + 1
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines) or empty))
