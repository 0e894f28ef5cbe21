"""Web-to-lead: plain HTML forms post leads to `/f/{form_key}` (forms live in the playbook)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import Message

from bot.core.errors import FieldError, InvalidLead
from bot.core.httpbody import BodyTooLarge, read_capped
from bot.intake.capture import Outcome, parse_lead
from bot.intake.queue import Captured, IntakeQueue
from bot.intake.ratelimit import RateLimiter
from bot.intake.webform_pages import error_page, thank_you_page
from bot.playbook.forms import WebForm, form_fields
from bot.playbook.model import Playbook

log = logging.getLogger(__name__)

#: A lead form is a few hundred bytes; anything near this is not a person typing.
MAX_BODY = 64 * 1024
MAX_FIELDS = 100
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
ALLOWED_HEADERS = "Content-Type, Accept"


def form_lead(
    form: WebForm, playbook: Playbook, posted: Iterable[tuple[str, str]]
) -> tuple[dict[str, Any], list[str]]:
    """Posted inputs as lead data (renamed, joined, fixed values on top) and the inputs ignored.

    Inputs that are no lead field are ignored, not refused: the person filling in the form could
    not fix the page's HTML, and refusing would lose them.
    """
    fillable = form_fields(playbook.custom_fields)
    groups: dict[str, dict[str, list[str]]] = {}
    ignored: list[str] = []
    for name, value in posted:
        target = form.fields.get(name, name)
        if name == form.honeypot or target is None or not value.strip():
            continue
        if target not in fillable:
            ignored.append(name)
            continue
        groups.setdefault(target, {}).setdefault(name, []).append(value)
    order = list(form.fields)

    def rank(name: str) -> int:
        return order.index(name) if name in order else len(order)

    # A checkbox group's values join with commas; inputs mapped to one field (first_name and
    # last_name) join with a space, in the order the playbook maps them.
    data: dict[str, Any] = {
        target: " ".join(", ".join(by_name[n]) for n in sorted(by_name, key=rank))
        for target, by_name in groups.items()
    }
    return {**data, **form.values, "source": form.source}, ignored


async def _posted(request: Request, body: bytes) -> tuple[list[tuple[str, str]], list[str]]:
    """The form's text inputs and the names of any files (which a lead form has no use for)."""

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    texts: list[tuple[str, str]] = []
    files: list[str] = []
    async with Request(request.scope, replay).form(max_fields=MAX_FIELDS) as parsed:
        for name, value in parsed.multi_items():
            if isinstance(value, UploadFile):
                files.append(name)
            else:
                texts.append((name, value))
    return texts, files


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _back_link(request: Request) -> str | None:
    referer = request.headers.get("referer", "")
    return referer if referer.startswith(("https://", "http://")) else None


def _answer(
    request: Request,
    status: int,
    errors: list[FieldError],
    *,
    title: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A refusal: JSON errors for fetch(), else a small page a person can read."""
    if _wants_json(request):
        body = {"errors": [{"field": e.field, "message": e.message} for e in errors]}
        return JSONResponse(status_code=status, content=body, headers=headers)
    page = error_page(errors, back=_back_link(request), title=title)
    return HTMLResponse(page, status_code=status, headers=headers)


def _client(request: Request) -> str:
    """The visitor's IP; uvicorn has taken it from X-Forwarded-For if the proxy is trusted."""
    return request.client.host if request.client else ""


def _cors(form: WebForm, origin: str | None) -> dict[str, str]:
    if origin is None or origin not in form.allowed_origins:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def add_web_forms(
    api: FastAPI,
    *,
    playbook: Playbook,
    intake: IntakeQueue,
    clock: Callable[[], datetime],
) -> None:
    """Add `POST /f/{form_key}` and its CORS preflight; no bearer token: the key is public."""
    limiter = RateLimiter()

    def refusal(
        form_key: str, form: WebForm, request: Request, cors: dict[str, str]
    ) -> Response | None:
        """The checks made before the body is read: origin, rate limit, content type."""
        origin = request.headers.get("origin")
        # Browsers send "null" when the page's Referrer-Policy hides where it is (no-referrer,
        # same-origin): that says nothing, like no Origin at all, and must not turn people away.
        if origin not in (None, "null") and form.allowed_origins and not cors:
            problem = FieldError("Origin", f"this form does not take posts from {origin}")
            return _answer(request, 403, [problem], title="Not accepted from this site")
        wait = limiter.wait((form_key, _client(request)), form.rate_limit, clock())
        if wait:
            problem = FieldError("form", f"too many posts; please try again in {wait} seconds")
            headers = {**cors, "Retry-After": str(wait)}
            return _answer(request, 429, [problem], title="Please wait", headers=headers)
        kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if kind not in FORM_TYPES:
            problem = FieldError("body", "send the form as an HTML form does (urlencoded)")
            return _answer(request, 415, [problem], title="Not a form", headers=cors)
        return None

    @api.options("/f/{form_key}", include_in_schema=False)
    def preflight(form_key: str, request: Request) -> Response:
        form = playbook.forms.get(form_key)
        origin = request.headers.get("origin")
        cors = _cors(form, origin) if form else {}
        if not cors or request.headers.get("access-control-request-method") != "POST":
            return Response(status_code=403)
        allow = {
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": "600",
        }
        return Response(status_code=204, headers={**cors, **allow})

    @api.post(
        "/f/{form_key}",
        summary="Web-to-lead: a plain HTML form posts a lead (no token: the form key is public)",
        status_code=303,
        responses={
            200: {"description": "Thank-you page (no redirect set), or JSON: merged"},
            201: {"description": "JSON (Accept: application/json): created"},
            303: {"description": "Accepted: on to the form's redirect URL"},
            400: {"description": "Field errors, as a page or as JSON"},
            403: {"description": "Posted from an origin the form does not allow"},
            404: {"description": "No form has this key"},
            413: {"description": f"Body over {MAX_BODY // 1024} KB"},
            415: {"description": "Not a form body"},
            429: {"description": "Too many posts from this client; see Retry-After"},
        },
        openapi_extra={
            # Read from the path by hand (any text is a key, known or not): FastAPI would
            # otherwise document a 422 this route never gives.
            "parameters": [
                {"name": "form_key", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {
                "content": {
                    kind: {"schema": {"type": "object", "additionalProperties": {"type": "string"}}}
                    for kind in FORM_TYPES
                }
            },
        },
    )
    async def post_form(request: Request) -> Response:
        form_key = str(request.path_params["form_key"])
        form = playbook.forms.get(form_key)
        if form is None:
            return _answer(
                request, 404, [FieldError("form_key", "no form has this key")], title="No such form"
            )
        cors = _cors(form, request.headers.get("origin"))
        refused = refusal(form_key, form, request, cors)
        if refused is not None:
            return refused
        try:
            posted, files = await _posted(request, await read_capped(request, MAX_BODY))
        except BodyTooLarge:
            problem = FieldError("body", f"more than {MAX_BODY // 1024} KB was sent")
            return _answer(request, 413, [problem], title="Too much data", headers=cors)
        except HTTPException as exc:  # starlette's answer to a malformed multipart body
            problem = FieldError("body", str(exc.detail))
            return _answer(request, 400, [problem], title="Not a form", headers=cors)
        if any(name == form.honeypot and value.strip() for name, value in posted):
            log.info(
                "form %s: honeypot filled, nothing stored (client %s)", form_key, _client(request)
            )
            return _accepted(request, form, playbook, cors, None)
        data, ignored = form_lead(form, playbook, posted)
        if ignored or files:
            log.warning(
                "form %s: ignored inputs that are no lead field: %s (map them under the form's "
                "fields, or to null)",
                form_key,
                ", ".join(sorted({*ignored, *files})),
            )
        try:
            lead = parse_lead(data, playbook)
        except InvalidLead as exc:
            return _answer(
                request, 400, exc.errors, title="Please check your details", headers=cors
            )
        saved = await intake.capture(lead, actor=f"form:{form_key}", default_source=lead.source)
        return _accepted(request, form, playbook, cors, saved)


def _accepted(
    request: Request,
    form: WebForm,
    playbook: Playbook,
    cors: dict[str, str],
    saved: Captured | None,
) -> Response:
    """What the person (or a bot that filled the honeypot, `saved` None) is told after a post."""
    if _wants_json(request):
        if saved is None:
            return JSONResponse(status_code=202, content={}, headers=cors)
        return JSONResponse(
            status_code=201 if saved.outcome is Outcome.CREATED else 200,
            content=saved.as_json(),
            headers=cors,
        )
    if form.redirect:
        return RedirectResponse(form.redirect, status_code=303, headers=cors)
    return HTMLResponse(thank_you_page(playbook.company), headers=cors)
