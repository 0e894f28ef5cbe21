"""The fake Slack's file uploads, as files_upload_v2 makes them: three requests.

1. `files.getUploadURLExternal` (filename, length, alt_txt) answers an `upload_url` and a
   `file_id`; here the URL points at the fake itself.
2. The bytes are POSTed to that URL, raw or as multipart form data, with no token (the URL is
   the ticket); Slack answers HTTP 200, and anything else means the upload failed.
3. `files.completeUploadExternal` (files: [{id, title}], channel_id or channels, thread_ts,
   initial_comment) shares the files, once: `{"ok": true, "files": [{"id", "title"}]}`.

Shapes and error codes are those of Slack's method reference; the state lives in the FakeSlack
that owns this, under its lock.
"""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.testkit.transcript import PostedMessage, SharedFile
from bot.testkit.wire import Args, Reply, error

UPLOAD = "upload_url"  # the name calls to an upload URL go by (calls_to, fail_next, hold)
UPLOAD_PATH = "/upload/v1/"
MAX_ALT_TXT = 1000  # files.getUploadURLExternal: alt_txt_too_large beyond it


@dataclass(frozen=True)
class UploadedFile:
    """A file shared by files.completeUploadExternal, with the message that shows it."""

    id: str
    filename: str
    title: str
    content: bytes = field(repr=False)
    alt_txt: str
    channel: str
    ts: str  # the message the file was shared in
    thread_ts: str | None  # the thread it landed in, if any


@dataclass
class _Ticket:
    """An upload between files.getUploadURLExternal and files.completeUploadExternal."""

    file_id: str
    filename: str
    length: int
    alt_txt: str
    content: bytes | None = None


class FileUploads:
    """Upload tickets and shared files; `conversation` maps a channel or user ID to where it
    posts, `next_ts` hands out message timestamps (both the owning fake's)."""

    def __init__(
        self,
        channels: dict[str, list[PostedMessage]],
        *,
        conversation: Callable[[str], str],
        next_ts: Callable[[], str],
    ) -> None:
        self._channels = channels
        self._conversation = conversation
        self._next_ts = next_ts
        self._tickets: dict[str, _Ticket] = {}
        self._serial = 0
        self.shared: list[UploadedFile] = []

    def get_upload_url(self, args: Args, *, origin: str) -> dict[str, Any]:
        """files.getUploadURLExternal."""
        filename, length = str(args.get("filename") or ""), str(args.get("length") or "")
        if not filename or not length.isdigit() or int(length) <= 0:
            return error("invalid_arguments")
        alt_txt = str(args.get("alt_txt") or "")
        if len(alt_txt) > MAX_ALT_TXT:
            return error("alt_txt_too_large")
        self._serial += 1
        file_id = f"F0FAKE{self._serial:05d}"
        self._tickets[file_id] = _Ticket(file_id, filename, int(length), alt_txt)
        return {"ok": True, "upload_url": f"{origin}{UPLOAD_PATH}{file_id}", "file_id": file_id}

    def receive(self, file_id: str, content_type: str, body: bytes) -> Reply:
        """The POST of a file's bytes to its upload URL."""
        ticket = self._tickets.get(file_id)
        if ticket is None:
            return Reply(404, b"upload ticket not found", "text/plain; charset=utf-8")
        content = _file_part(content_type, body) if content_type.startswith("multipart/") else body
        if content is None:
            return Reply(400, b"no file in the form", "text/plain; charset=utf-8")
        ticket.content = content
        return Reply(200, f"OK - {len(content)}".encode(), "text/plain; charset=utf-8")

    def complete(self, args: Args) -> dict[str, Any]:
        """files.completeUploadExternal."""
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            return error("invalid_arguments")
        if not all(isinstance(entry, dict) and entry.get("id") for entry in entries):
            return error("invalid_arguments")
        tickets = [self._tickets.get(str(entry["id"])) for entry in entries]
        # Never uploaded, never asked for, or already completed ("can only be called once").
        if any(ticket is None or ticket.content is None for ticket in tickets):
            return error("file_not_found")
        targets = _targets(args)
        thread = str(args["thread_ts"]) if args.get("thread_ts") else None
        if thread is not None and len(targets) != 1:
            return error("invalid_arguments")  # a thread names one channel
        targets = [self._conversation(channel) for channel in targets]
        if thread is not None:
            posted = self._channels.get(targets[0], [])
            if not any(m.ts == thread and m.thread_ts is None for m in posted):
                return error("invalid_arguments")  # no such message to reply to
        shared = []
        for entry, ticket in zip(entries, tickets, strict=True):
            assert ticket is not None and ticket.content is not None
            title = str(entry.get("title") or ticket.filename)
            shared.append((ticket, ticket.content, title))
            del self._tickets[ticket.file_id]
        files = [SharedFile(t.file_id, t.filename, title, len(data)) for t, data, title in shared]
        comment = str(args.get("initial_comment") or "")
        for channel in targets:  # none: the files stay private to the uploader
            ts = self._next_ts()
            message = PostedMessage(ts, channel, comment, [], thread_ts=thread, files=files)
            self._channels.setdefault(channel, []).append(message)
            self.shared.extend(
                UploadedFile(t.file_id, t.filename, title, data, t.alt_txt, channel, ts, thread)
                for t, data, title in shared
            )
        return {"ok": True, "files": [{"id": t.file_id, "title": title} for t, _, title in shared]}


def _targets(args: Args) -> list[str]:
    if args.get("channel_id"):
        return [str(args["channel_id"])]
    return [c for c in str(args.get("channels") or "").split(",") if c]


def _file_part(content_type: str, body: bytes) -> bytes | None:
    """The bytes of the form's file field (the first part with a filename, else one named
    "file")."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    form = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    parts = list(form.iter_parts()) if form.is_multipart() else []
    chosen = next((p for p in parts if p.get_filename()), None) or next(
        (p for p in parts if p.get_param("name", header="content-disposition") == "file"), None
    )
    if chosen is None:
        return None
    content = chosen.get_payload(decode=True)
    return content if isinstance(content, bytes) else None
