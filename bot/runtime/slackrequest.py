"""Slack's HTTP requests as Bolt requests, with the body read the way Slack writes it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import BoltContext, BoltRequest
from slack_bolt.request.internals import build_context


def slack_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """The request's fields: JSON (Events API), a form whose `payload` field holds JSON
    (interactivity), or a plain form (slash commands)."""
    if content_type == "application/json" or raw.startswith("{"):
        return dict(json.loads(raw))
    form = dict(parse_qsl(raw, keep_blank_values=True))
    payload = form.get("payload")
    return dict(json.loads(payload)) if payload is not None else form


def bolt_request(
    *, raw: str, query: str, headers: Mapping[str, str], context: dict[str, Any]
) -> BoltRequest:
    """A BoltRequest for a verified body from Slack.

    Bolt takes any form body with the text 'payload' in it for an interaction, so a slash
    command like `/lead show payload` came out empty and reached no listener (Slack showed the
    user a failure). Such a body is read again here, as the form it is.
    """
    request = BoltRequest(body=raw, query=query, headers=dict(headers), context=context)
    if "payload" in raw and not request.body:
        body = slack_body(raw, request.content_type)
        request.body = body
        request.context = build_context(BoltContext(context), body)
    return request
