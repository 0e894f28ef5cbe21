"""Reading request bodies with a cap, before anything parses them."""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The body is longer than the route takes."""


async def read_capped(request: Request, limit: int) -> bytes:
    """The body's bytes; BodyTooLarge once it passes `limit` (nothing more is read)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():  # a chunked body has no Content-Length to trust
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)
