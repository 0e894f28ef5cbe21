"""The one ASGI app of `leadbot serve`: Slack's URL, the lead intake API and a health check."""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import OperationalError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.core.clock import utc_now
from bot.core.errors import FieldError, InvalidLead, LeadNotFound
from bot.core.httpbody import BodyTooLarge, read_capped
from bot.intake.capture import Outcome, record_engagement
from bot.intake.leadinput import parse_event, parse_lead
from bot.intake.queue import IntakeQueue
from bot.intake.schema import event_example, event_schema, lead_example, lead_schema
from bot.intake.webforms import add_web_forms
from bot.playbook.model import Playbook
from bot.runtime.settings import Settings
from bot.runtime.slackshape import MalformedSlackBody, read_slack_body
from handlers.afterack import AfterAck, DeferredRuns, request_context
from store.db import SessionFactory, database_answers, session_scope

log = logging.getLogger(__name__)


class LeadOut(BaseModel):
    id: int = Field(description="The lead's number (L-42 in Slack).")
    stage: str = Field(description="The lead's stage now: nurture, sales_ready, working…")
    score: float = Field(description="Fit plus engagement; the playbook's threshold makes it SQL.")


class FieldErrorOut(BaseModel):
    field: str = Field(description="The JSON field at fault ('body' for the body as a whole).")
    message: str = Field(description="What is wrong, in a sentence a marketer reads.")


class ErrorsOut(BaseModel):
    errors: list[FieldErrorOut] = Field(description="Every mistake in the request, at once.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorsOut,
        "description": "The body has mistakes; every field at fault is listed",
    },
    401: {"description": "Missing or wrong bearer token"},
}


async def _json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object; anything else is a 400 like any other mistake."""
    try:
        data = json.loads(await read_capped(request, MAX_API_BODY), parse_constant=_no_constant)
    except (ValueError, RecursionError):  # not JSON, NaN/Infinity, or nested past any form
        raise InvalidLead([FieldError("body", "The body is not valid JSON")]) from None
    if not isinstance(data, dict):
        raise InvalidLead([FieldError("body", 'Send a JSON object, like {"email": "…"}')])
    return data


def _signed_by_slack(verifier: SignatureVerifier | None, raw: bytes, request: Request) -> bool:
    """Whether Slack signed these very bytes, recently; a malformed header is simply no."""
    if verifier is None:  # no signing secret: nothing can be verified, so nothing is
        return False
    try:
        return verifier.is_valid_request(raw, dict(request.headers))
    except ValueError:  # a timestamp like 'abc' or '1700000000.5'
        return False


#: Slack's headers on a re-delivered event; the rest of a request's headers stay at the edge.
SLACK_RETRY_HEADERS = ("x-slack-retry-num", "x-slack-retry-reason")


def _dispatch_slack(
    bolt_app: App, raw: bytes, headers: Headers, query: str, context: dict[str, Any]
) -> BoltResponse:
    """Bolt's answer to a verified request, once its body is shaped as Slack sends it.

    A malformed body gets 400 and one log line naming the field at fault, and reaches no listener
    (so no reply goes to a URL it names). Bolt is handed the checked object as JSON, with only the
    headers it reads: nothing a client adds (Bolt's own x-slack-bolt-lazy-* ones) steers it.
    """
    try:
        body = read_slack_body(raw.decode("utf-8"), headers.get("content-type", ""))
    except UnicodeDecodeError:
        return _malformed_slack("the body is not UTF-8")
    except MalformedSlackBody as refused:
        return _malformed_slack(refused.reason)
    kept = {name: headers[name] for name in SLACK_RETRY_HEADERS if name in headers}
    bolt_request = BoltRequest(
        body=body,
        query=query,
        headers={**kept, "content-type": "application/json"},
        context=context,
    )
    return bolt_app.dispatch(bolt_request)


def _malformed_slack(reason: str) -> BoltResponse:
    log.warning("Refused a signed Slack request that is not shaped as Slack sends it: %s", reason)
    return BoltResponse(status=400, body={"error": f"not shaped as Slack sends it: {reason}"})


def _no_constant(name: str) -> Any:
    """Python's JSON reader takes NaN and Infinity, which JSON has not (nor PostgreSQL)."""
    raise ValueError(f"{name} is not JSON")


#: A lead is a few hundred bytes; a form with every custom field filled is a few KB.
MAX_API_BODY = 64 * 1024
#: Errors listed in one answer; the rest are counted.
MAX_ERRORS = 50
#: Slack's largest payloads (a modal's view with its state) are tens of KB.
MAX_SLACK_BODY = 1024 * 1024


#: A route's body, read raw: `parse_lead` / `parse_event` check it against the playbook.
JsonObject = Annotated[dict[str, Any], Depends(_json_object)]


def _json_body(schema: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI for a body the route reads raw: the playbook's schema and an example."""
    content = {"application/json": {"schema": schema, "example": example}}
    return {"requestBody": {"required": True, "content": content}}


def _errors(status: int, errors: list[FieldError]) -> JSONResponse:
    if len(errors) > MAX_ERRORS:  # a body of 100,000 unknown keys must not get a 9 MB answer
        more = FieldError("body", f"…and {len(errors) - MAX_ERRORS} more mistakes like these")
        errors = [*errors[:MAX_ERRORS], more]
    body = {"errors": [{"field": e.field, "message": e.message} for e in errors]}
    return JSONResponse(status_code=status, content=body)


#: Sync routes and Bolt run in anyio's thread pool (40 threads by default). More threads than this
#: only contend for the GIL and the database; Slack calls inside listeners are short.
REQUEST_THREADS = 4


def _lifespan(
    intake: IntakeQueue, deferred_runs: DeferredRuns
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        yield
        intake.stop()  # what is queued is captured and answered before the server exits
        deferred_runs.shutdown()  # replies owed to Slack requests already answered go out too

    return lifespan


def create_http_app(
    *,
    settings: Settings,
    session_factory: SessionFactory,
    playbook: Playbook,
    bolt_app: App | None,
    clock: Callable[[], datetime] = utc_now,
    after_commit: Callable[[], None] = lambda: None,
) -> FastAPI:
    """Build the ASGI app; Slack requests run Bolt's synchronous App in the thread pool."""
    # FastAPIOffline serves /docs and /redoc with the Swagger UI and ReDoc files it ships:
    # the documentation works on a network that cannot reach a CDN.
    intake = IntakeQueue(
        session_factory=session_factory, playbook=playbook, clock=clock, after_commit=after_commit
    )
    deferred_runs = DeferredRuns()  # Slack calls listeners deferred until after their answer
    api = FastAPIOffline(
        lifespan=_lifespan(intake, deferred_runs),
        title="leadbot",
        version="1",
        description="Lead intake for leadbot: web forms post leads and engagement events here. "
        "Allowed answers, event types and custom fields come from the playbook.",
        swagger_ui_parameters={"validatorUrl": None},  # no call to Swagger's online validator
    )
    bearer = HTTPBearer(auto_error=False)
    expected = (
        settings.leadbot_intake_token.get_secret_value().encode()
        if settings.leadbot_intake_token
        else None
    )

    # The token is checked before the body is even read: a stranger learns nothing (not even
    # what a valid body looks like) and gets 401, never 400.
    api.add_middleware(IntakeTokenGate, expected=expected)

    @api.exception_handler(InvalidLead)
    def _invalid_lead(_: Request, exc: InvalidLead) -> JSONResponse:
        return _errors(400, exc.errors)

    @api.exception_handler(BodyTooLarge)
    def _too_large(_: Request, exc: BodyTooLarge) -> JSONResponse:
        return _errors(413, [FieldError("body", f"Send at most {MAX_API_BODY // 1024} KB")])

    @api.exception_handler(OperationalError)
    def _database_down(_: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc.orig)
        answer = _errors(503, [FieldError("body", "The database is busy; try again shortly")])
        answer.headers["Retry-After"] = "5"
        return answer

    @api.exception_handler(Exception)
    def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        incident = uuid.uuid4().hex[:8]
        log.error("incident %s: %r", incident, exc, exc_info=exc)
        message = f"Something went wrong on our side (incident {incident}); please try again"
        answer = _errors(500, [FieldError("body", message)])
        # The client's next request on this connection must not meet whatever state broke here
        # (a web form's backend that does not retry would lose a lead to a reset).
        answer.headers["Connection"] = "close"
        return answer

    @api.exception_handler(LeadNotFound)
    def _no_lead(_: Request, exc: LeadNotFound) -> JSONResponse:
        return _errors(404, [FieldError(exc.field, exc.user_message)])

    @api.post(
        "/api/leads",
        response_model=LeadOut,
        status_code=201,
        responses={
            200: {"model": LeadOut, "description": "Merged into an existing lead"},
            **ERROR_RESPONSES,
        },
        dependencies=[Depends(bearer)],  # documents the scheme; IntakeTokenGate enforces it
        summary="Create a lead, or merge it into the same person's lead",
        openapi_extra=_json_body(lead_schema(playbook), lead_example(playbook)),
    )
    async def post_lead(data: JsonObject) -> JSONResponse:
        lead = parse_lead(data, playbook)  # every mistake at once, before any database work
        captured = await intake.capture(lead, actor="api", default_source="web_form")
        status = 201 if captured.outcome is Outcome.CREATED else 200
        return JSONResponse(status_code=status, content=captured.as_json())

    @api.post(
        "/api/events",
        response_model=LeadOut,
        responses={404: {"model": ErrorsOut, "description": "No such lead"}, **ERROR_RESPONSES},
        dependencies=[Depends(bearer)],  # documents the scheme; IntakeTokenGate enforces it
        summary="Record an engagement event (page view, download, demo request…) and rescore",
        openapi_extra=_json_body(event_schema(playbook), event_example(playbook)),
    )
    def post_event(data: JsonObject) -> LeadOut:
        now = clock()
        event = parse_event(data, playbook, now)
        with session_scope(session_factory) as session:
            lead, _ = record_engagement(
                session=session,
                lead_id=event.lead_id,
                email=event.email.email if event.email else None,
                event_type=event.type,
                at=event.at,
                playbook=playbook,
                now=now,
            )
            out = LeadOut(id=lead.id or 0, stage=lead.stage, score=lead.score)
        after_commit()
        return out

    @api.get("/healthz", summary="200 when the database answers")
    def healthz() -> JSONResponse:
        try:
            with session_scope(session_factory) as session:
                database_answers(session)
        except OperationalError:
            log.exception("health check: database does not answer")
            return JSONResponse(status_code=503, content={"status": "database unavailable"})
        return JSONResponse(content={"status": "ok"})

    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    slack_signature = SignatureVerifier(secret) if secret.strip() else None

    api.state.deferred_runs = deferred_runs

    def _after_answer(deferred: AfterAck) -> BackgroundTask | None:
        if not deferred:
            return None
        # Handed over once the answer is sent; the calls then run on threads of their own.
        deferred_runs.expect()
        return BackgroundTask(deferred_runs.submit, deferred)

    @api.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        if bolt_app is None:
            # Socket Mode without a signing secret: Slack talks to us over the socket instead.
            return JSONResponse(
                status_code=404, content={"error": "Slack events arrive over Socket Mode"}
            )
        try:
            raw = await read_capped(request, MAX_SLACK_BODY)
        except BodyTooLarge:
            return JSONResponse(status_code=413, content={"error": "Slack never sends this much"})
        if not _signed_by_slack(slack_signature, raw, request):
            # Checked over the raw bytes before anything reads them: an unverified request is
            # never parsed, never logged, and never makes us call a URL it names.
            return JSONResponse(status_code=401, content={"error": "invalid request"})
        context, deferred = request_context()
        # Reading the body (up to 1 MB) and Bolt's App are synchronous: they run in the thread
        # pool so the event loop never blocks.
        bolt_response = await run_in_threadpool(
            _dispatch_slack, bolt_app, raw, request.headers, request.url.query, context
        )
        return Response(
            status_code=bolt_response.status,
            content=bolt_response.body,
            headers={k: v[0] for k, v in bolt_response.headers.items() if v},
            # Slack calls the listeners deferred run once the answer is sent (handlers/afterack.py).
            background=_after_answer(deferred),
        )

    add_web_forms(api, playbook=playbook, intake=intake, clock=clock)
    return api


class IntakeTokenGate:
    """ASGI middleware: every /api/ request needs `Authorization: Bearer <LEADBOT_INTAKE_TOKEN>`."""

    def __init__(self, app: ASGIApp, expected: bytes | None) -> None:
        self.app = app
        self.expected = expected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            given = _bearer_token(scope)
            # compare_digest takes the same time wherever the strings differ.
            if self.expected is None or not secrets.compare_digest(given, self.expected):
                await UNAUTHORIZED(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _bearer_token(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            return token.strip() if scheme.lower() == b"bearer" else b""
    return b""


UNAUTHORIZED = JSONResponse(
    status_code=401,
    content={"errors": [{"field": "Authorization", "message": "a valid bearer token is required"}]},
    headers={"WWW-Authenticate": "Bearer"},
)
