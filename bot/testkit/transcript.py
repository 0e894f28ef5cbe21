"""What the fake Slack's channels hold, and the transcript: those channels as people read them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.testkit.blocks import render_blocks

IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


@dataclass(frozen=True)
class SharedFile:
    """A file as a message shows it: its name, title and size."""

    id: str
    name: str
    title: str
    size: int

    def __str__(self) -> str:
        kind = "image" if self.name.lower().endswith(IMAGE_TYPES) else "file"
        return f'[{kind}: {self.name} "{self.title}" {max(1, round(self.size / 1024))} KB]'


@dataclass
class PostedMessage:
    """A message as a channel shows it now."""

    ts: str
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    edits: int = 0
    thread_ts: str | None = None  # set on a reply: the ts of the message it answers
    files: list[SharedFile] = field(default_factory=list)  # shared with it (an upload)


@dataclass(frozen=True)
class Ephemeral:
    """A message only `user` sees (chat.postEphemeral or a response_url answer)."""

    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]]


def render_transcript(
    conversations: Mapping[str, list[PostedMessage]],
    ephemerals: list[Ephemeral],
    *,
    seen: Callable[[str], str],
    first_lines: int | None = None,
) -> str:
    """Each conversation with its messages, then the ephemerals; `seen` renders Slack markup."""
    lines: list[str] = []
    for channel, posted in conversations.items():
        label = f"DM with {seen(f'<@U{channel[1:]}>')}" if channel[:1] == "D" else None
        top = sum(m.thread_ts is None for m in posted)
        count = f"{top} message{'' if top == 1 else 's'}"
        lines.append(f"{label or seen(f'<#{channel}>')} ({count})")
        for message in (m for m in posted if m.thread_ts is None):
            lines.append(f"  [{message.ts}]{edited(message.edits)}")
            lines.extend(shown(message.blocks, message.text, seen, first_lines, message.files))
            for reply in (m for m in posted if m.thread_ts == message.ts):
                lines.append(f"      ↳ [{reply.ts}]{edited(reply.edits)}")
                said = shown(reply.blocks, reply.text, seen, files=reply.files)
                lines.extend("    " + line for line in said)
    for note in ephemerals:
        where = f" in {seen(f'<#{note.channel}>')}" if note.channel else ""
        lines.append(f"Only visible to {seen(f'<@{note.user}>')}{where}:")
        lines.extend(shown(note.blocks, note.text, seen, first_lines))
    return "\n".join(lines)


def shown(
    blocks: list[dict[str, Any]],
    text: str,
    seen: Callable[[str], str],
    first_lines: int | None = None,
    files: list[SharedFile] | None = None,
) -> list[str]:
    """A message's lines as people read them (`seen` renders markup), then its files, indented
    for a transcript."""
    said = render_blocks(blocks) or ([text] if text or not files else [])
    lines = [seen(line) for part in said for line in part.splitlines()]
    if first_lines is not None and len(lines) > first_lines:
        lines = [*lines[:first_lines], "…"]
    lines.extend(str(shared) for shared in files or [])
    return ["    " + line for line in lines or [""]]


def edited(times: int) -> str:
    """Slack's "(edited)" mark, with how often."""
    return f" (edited {times} time{'' if times == 1 else 's'})" if times else ""
