"""What a signed Slack request must look like before Bolt reads it, checked at the edge.

Slack sends JSON objects with typed fields: slash commands as form fields, interactions as a form
field `payload` holding JSON, the Events API as a JSON body (api.slack.com/interactivity/
slash-commands, /reference/interaction-payloads, /apis/events-api). Bolt reads them trusting that
shape: `body["actions"][0]`, `"id" in body["team"]`, `body["view"]["type"]`, `user.get("id")`.
A body Slack signed but shaped otherwise (a bug on either side, a replayed fixture, whoever holds
the signing secret) then fails inside Bolt with a 500 or an incident reply. So the edge parses the
body itself and checks, strictly typed, the fields that Bolt's routing and context and leadbot's
listeners read; every other field passes untouched (Slack adds fields over time).

Bolt is then handed the checked object as JSON. That also mends Bolt's own reading of form bodies,
which takes any body containing the letters "payload" for an interaction: `/lead note 42 payload
docs sent` reached Bolt as an empty request.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

#: Slack's IDs (U…, W…, C…, T…, E…) are short upper-case letters and digits; leadbot stores user
#: and channel IDs in 20-character columns.
SlackId = Annotated[str, Field(pattern=r"^[A-Z0-9]{1,20}$")]
#: Slack caps action_id, block_id and callback_id at 255 characters, a button's value at 2,000 and
#: a view's private_metadata at 3,000.
Identifier = Annotated[str, Field(min_length=1, max_length=255)]
#: A view made without a callback_id comes back with an empty one.
ViewCallback = Annotated[str, Field(max_length=255)]
ButtonValue = Annotated[str, Field(max_length=2000)]
Metadata = Annotated[str, Field(max_length=3000)]
#: Where Bolt posts replies (hooks.slack.com in production): only an absolute http(s) URL is used.
ResponseUrl = Annotated[str, Field(max_length=2048, pattern=r"^https?://[^\s/?#]+/\S*$")]
EventId = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,40}$")]
TriggerId = Annotated[str, Field(min_length=1, max_length=255)]

#: How much of a refusal's reason is logged and answered: enough to find the field.
MAX_REASON = 200
MAX_PART = 40


class MalformedSlackBody(Exception):
    """A signed body not shaped as Slack sends it; `reason` names the field, never its value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Loose(BaseModel):
    """Only the fields named are checked (strictly: no "5" for 5); any other field passes."""

    model_config = ConfigDict(extra="allow", strict=True)


class IdRef(_Loose):
    """A user, team, channel or enterprise: `"U123"` in events and commands, `{"id": …}` in
    interactions."""

    id: SlackId | None = None

    @model_validator(mode="before")
    @classmethod
    def _id_alone(cls, value: Any) -> Any:
        return {"id": value} if isinstance(value, str) else value


class UserRef(IdRef):
    """The person who acted: leadbot records them as the actor, so the ID must be there."""

    id: SlackId


class Located(_Loose):
    """Where Bolt looks for the user and channel behind a message, item or thread."""

    user: IdRef | None = None
    channel: IdRef | None = None


class Authorization(_Loose):
    team_id: str | None = None
    user_id: str | None = None
    enterprise_id: str | None = None
    is_enterprise_install: bool | str | None = None


class ResponseUrlEntry(_Loose):
    response_url: ResponseUrl


class SelectedOption(_Loose):
    value: str


class InputState(_Loose):
    """One input's state in a submitted view (`view.state.values[block_id][action_id]`)."""

    type: str
    value: str | None = None
    selected_option: SelectedOption | None = None
    selected_options: list[SelectedOption] | None = None


class ViewState(_Loose):
    values: dict[str, dict[str, InputState]]


class View(_Loose):
    type: str | None = None
    callback_id: ViewCallback | None = None
    private_metadata: Metadata | None = None
    blocks: list[dict[str, Any]] | None = None
    state: ViewState | None = None
    team_id: str | None = None
    app_installed_team_id: str | None = None


class Event(Located):
    """An Events API event: Bolt routes on `type` and finds the user and channel inside."""

    type: Identifier
    item: Located | None = None
    message: Located | None = None
    previous_message: Located | None = None
    assistant_thread: Located | None = None

    @model_validator(mode="after")
    def _home_has_a_user(self) -> Event:
        if self.type == "app_home_opened" and (self.user is None or self.user.id is None):
            raise ValueError("app_home_opened names no user")
        return self


def _not_null(value: Any) -> Any:
    """A field that may be missing but, if there, must be an object: Bolt reads it with
    `body.get("event", {}).get(…)` on every request, which fails on an explicit null."""
    if value is None:
        raise ValueError("must be an object, not null")
    return value


class Envelope(_Loose):
    """What Bolt reads from any request to build its context (slack_bolt.request.internals) and
    its built-in middleware (ignoring self events: `event`)."""

    type: Identifier | None = None
    team: IdRef | None = None
    user: IdRef | None = None
    channel: IdRef | None = None
    enterprise: IdRef | None = None
    team_id: str | None = None
    user_id: str | None = None
    channel_id: str | None = None
    enterprise_id: str | None = None
    is_enterprise_install: bool | str | None = None
    authorizations: list[Authorization] | None = None
    response_url: ResponseUrl | None = None
    response_urls: list[ResponseUrlEntry] | None = None
    view: Annotated[View | None, AfterValidator(_not_null)] = None
    event: Annotated[Event | None, AfterValidator(_not_null)] = None
    message: Located | None = None
    previous_message: Located | None = None
    item: Located | None = None
    assistant_thread: Located | None = None
    event_id: EventId | None = None


class SlashCommand(Envelope):
    """A slash command: Slack always sends these fields, as strings."""

    command: Annotated[str, Field(pattern=r"^/\S{1,31}$")]
    text: str
    user_id: SlackId
    channel_id: SlackId
    trigger_id: TriggerId


class Action(_Loose):
    action_id: Identifier
    block_id: Identifier | None = None
    type: str | None = None
    value: ButtonValue | None = None


class BlockActions(Envelope):
    type: Literal["block_actions"]
    user: UserRef
    actions: Annotated[list[Action], Field(min_length=1)]
    trigger_id: TriggerId | None = None


class SubmittedView(View):
    type: str
    callback_id: ViewCallback
    state: ViewState


class ViewSubmission(Envelope):
    type: Literal["view_submission"]
    user: UserRef
    view: SubmittedView


class ClosedView(View):
    type: str
    callback_id: ViewCallback


class ViewClosed(Envelope):
    type: Literal["view_closed"]
    user: UserRef
    view: ClosedView


class EventCallback(Envelope):
    type: Literal["event_callback"]
    event: Event
    event_id: EventId | None = None


class UrlVerification(Envelope):
    type: Literal["url_verification"]
    challenge: Annotated[str, Field(max_length=255)]


#: The payload types whose fields Bolt or leadbot read beyond the envelope.
BY_TYPE: dict[str, type[Envelope]] = {
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
    "view_closed": ViewClosed,
    "event_callback": EventCallback,
    "url_verification": UrlVerification,
}


def read_slack_body(raw: str, content_type: str) -> str:
    """The body as the one JSON object Bolt is handed, once it is shaped as Slack sends it.

    Raises MalformedSlackBody (with a reason that names a field, never quotes a value).
    """
    data = _parse(raw, content_type)
    check_slack_payload(data)
    return json.dumps(data, ensure_ascii=False)


def check_slack_payload(data: dict[str, Any]) -> None:
    """Raise MalformedSlackBody unless `data` (a parsed body, or a Socket Mode payload) is shaped
    as Slack sends it, in the fields Bolt and leadbot read."""
    _check_text(data)
    try:
        _model_for(data).model_validate(data)
    except ValidationError as error:
        raise MalformedSlackBody(f"{describe(data)}: {_first_problem(error)}") from None


def describe(body: dict[str, Any]) -> str:
    """A short, log-safe name for a request: its type (or command) and what it acts on."""
    if "command" in body:
        return f"slash command {_part(body.get('command'))}"
    kind = body.get("type")
    if not isinstance(kind, str):
        return "untyped request" if kind is None else "request whose type is not text"
    kind = _part(kind)
    detail: object = None
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions else None
        detail = first.get("action_id") if isinstance(first, dict) else None
    elif body.get("type") == "event_callback" and isinstance(body.get("event"), dict):
        detail = body["event"].get("type")
    elif isinstance(body.get("view"), dict):
        detail = body["view"].get("callback_id")
    return f"{kind} {_part(detail)}" if isinstance(detail, str) else kind


def _parse(raw: str, content_type: str) -> dict[str, Any]:
    """JSON when Slack sends JSON (Bolt's rule: the content type, or a body opening with "{");
    otherwise form fields, where an interaction's one field `payload` holds its JSON."""
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json" or raw.startswith("{"):
        data = _json(raw)
    else:
        fields = dict(parse_qsl(raw, keep_blank_values=True))
        data = _json(fields["payload"]) if "payload" in fields else fields
    if not isinstance(data, dict):
        raise MalformedSlackBody(f"the payload is {_json_kind(data)}, not a JSON object")
    return data


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, list):
        return "an array"
    return "a string" if isinstance(value, str) else "a number"


def _json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # not JSON, NaN/Infinity, or nested past reading
        raise MalformedSlackBody("the payload is not JSON") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_text(data: object) -> None:
    """Every string is text a database can store: no NUL, no lone surrogate (JSON's "\\ud800")."""
    pending = [data]
    while pending:  # a loop, not recursion: JSON may nest as deep as the reader allowed
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise MalformedSlackBody("a string holds a NUL character")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise MalformedSlackBody("a string is not valid Unicode") from None


def _model_for(data: dict[str, Any]) -> type[Envelope]:
    if "command" in data:  # Bolt's own test for a slash command
        return SlashCommand
    kind = data.get("type")
    return BY_TYPE.get(kind, Envelope) if isinstance(kind, str) else Envelope


def _first_problem(error: ValidationError) -> str:
    problems = error.errors(include_input=False, include_url=False, include_context=False)
    first = problems[0]
    where = ".".join(_part(p) if isinstance(p, str) else str(p) for p in first["loc"])
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where or 'body'}: {first['msg']}{more}"[:MAX_REASON]


def _part(value: object) -> str:
    """A name from the body, cut short and escaped, so it cannot flood or forge a log line."""
    text = value if isinstance(value, str) else repr(value)
    short = text[:MAX_PART] + ("..." if len(text) > MAX_PART else "")
    return short.encode("unicode_escape").decode("ascii")
