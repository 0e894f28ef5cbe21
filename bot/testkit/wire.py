"""The fake Slack's wire: decoding what the WebClient sends, and the answers Slack gives."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl

#: Fields the WebClient sends as JSON text inside a form body.
JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "files")

Args = dict[str, Any]


@dataclass
class Failure:
    status: int
    retry_after: int | None
    error: str | None
    times: int


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    retry_after: int | None = None


def json_reply(data: dict[str, Any], status: int = 200, retry_after: int | None = None) -> Reply:
    return Reply(status, json.dumps(data).encode(), retry_after=retry_after)


def error(code: str) -> dict[str, Any]:
    return {"ok": False, "error": code}


def decode(content_type: str, raw: bytes, query: str) -> Args:
    """Arguments from the query string and a JSON or form body; JSON-text fields decoded."""
    args: Args = dict(parse_qsl(query, keep_blank_values=True))
    if raw and content_type.startswith("application/json"):
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError("a JSON body must be an object")
        args.update(body)
    elif raw:
        args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    for key in JSON_FIELDS:
        if isinstance(args.get(key), str) and args[key]:
            args[key] = json.loads(args[key])
    return args


def failure_reply(failure: Failure) -> Reply:
    if failure.status == 429:
        return json_reply(error("ratelimited"), 429, retry_after=failure.retry_after)
    if failure.status >= 500:
        # What a load balancer in trouble answers: an HTML page, not Slack's JSON.
        page = f"<html><body><h1>{failure.status} Service Unavailable</h1></body></html>"
        return Reply(failure.status, page.encode(), "text/html; charset=utf-8")
    return json_reply(error(failure.error or "invalid_request"), failure.status)


def handler_for(
    answer: Callable[[str, dict[str, str], bytes], Reply],
) -> type[BaseHTTPRequestHandler]:
    """An HTTP request handler class that hands each request (path, headers, body) to `answer`
    and writes back its Reply."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeSlack/1.0"

        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            reply = answer(self.path, dict(self.headers.items()), raw)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            if reply.retry_after is not None:
                self.send_header("Retry-After", str(reply.retry_after))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests and the demo tell their own story."""

    return Handler
