"""A recording stand-in for the Slack Web API over real HTTP, for the tests and `leadbot demo`.

The real `slack_sdk.WebClient` talks to it (pass `FakeSlack.url` as `base_url`), so what is
tested is what production sends, file uploads included (bot.testkit.fakefiles). It validates like
Slack where bugs hide (block limits, missing text), can be told to fail (rate limits, outages,
errors) and renders a readable transcript.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo

from bot.core.clock import utc_now
from bot.slack.text import as_seen
from bot.testkit.blocks import MAX_VIEW_BLOCKS, blocks_problem, message_problem
from bot.testkit.fakefiles import UPLOAD, UPLOAD_PATH, FileUploads, UploadedFile
from bot.testkit.transcript import Ephemeral, PostedMessage, render_transcript
from bot.testkit.wire import (
    Args,
    Failure,
    Reply,
    decode,
    error,
    failure_reply,
    handler_for,
    json_reply,
)

TEAM_ID = "T0FAKE0001"
BOT_USER_ID = "U0LEADBOT1"
BOT_ID = "B0LEADBOT1"
USER_TZ = "Europe/Berlin"
FIRST_TS_MICROS = 1_700_000_000_000_000  # ts "1700000000.000100" is the first one handed out
WORKSPACE_URL = "https://leadbot-fake.slack.com/"  # what auth.test answers; permalinks start so


# Fields Slack accepts as JSON text inside a form-encoded request.
@dataclass(frozen=True)
class Call:
    """One Web API request as received (JSON fields decoded); `ok` is what the fake answered."""

    method: str
    args: Args
    headers: dict[str, str]
    ok: bool = True


@dataclass(frozen=True)
class RecordedView:
    """A modal opened or updated, or a Home tab published."""

    id: str
    method: str
    view: dict[str, Any]
    user_id: str | None


class FakeSlack:
    """The Slack Web API on 127.0.0.1 (a random port), recording every call; thread-safe."""

    def __init__(self) -> None:
        self.down = False  # True: every request answers HTTP 503, as in a Slack outage
        self._gates: dict[str, threading.Event] = {}  # method -> calls wait until it is set
        self._latency: dict[str, float] = {}  # method -> seconds each call takes to answer
        self._people: dict[str, tuple[str, bool]] = {}  # user -> (time zone, deactivated)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._channels: dict[str, list[PostedMessage]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._views: list[RecordedView] = []
        self._responses: list[tuple[str, Args]] = []  # (user, body) posted to response URLs
        self._failures: dict[str, list[Failure]] = {}
        self._serial = 0
        self._files = FileUploads(self._channels, conversation=_conversation, next_ts=self._next_ts)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, Callable[[Args], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.getPermalink": self._get_permalink,
            "chat.postEphemeral": self._post_ephemeral,
            "views.open": self._view_method("views.open"),
            "views.update": self._view_method("views.update"),
            "views.publish": self._view_method("views.publish"),
            "users.info": self._users_info,
            "files.getUploadURLExternal": lambda args: self._files.get_upload_url(
                args, origin=self.origin
            ),
            "files.completeUploadExternal": self._files.complete,
        }

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Start serving in a daemon thread."""
        handler = handler_for(self._answer)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval keeps stop() quick; the default 0.5 s adds up across tests.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`."""
        assert self._server is not None, "FakeSlack is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The Web API base URL, for `WebClient(base_url=...)`."""
        return f"{self.origin}/api/"

    def response_url(self, user: str, channel: str = "") -> str:
        """A response_url for an interaction by `user`; what is posted to it is recorded."""
        return f"{self.origin}/response/{quote(user)}/{quote(channel)}"

    # -- failure injection ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail: 429 (Retry-After if given), 5xx, or
        HTTP 200 with `{"ok": false, "error": error}`."""
        with self._lock:
            self._failures.setdefault(method, []).append(
                Failure(status=status, retry_after=retry_after, error=error, times=times)
            )

    @contextmanager
    def outage(self) -> Iterator[None]:
        """Slack is down (every request answers 503) inside the block."""
        self.down = True
        try:
            yield
        finally:
            self.down = False

    @contextmanager
    def hold(self, method: str) -> Iterator[None]:
        """Calls to `method` ("response_url" for response URLs) get no answer inside the block;
        they are answered when it ends. Shows that nothing waits on Slack's answer."""
        gate = threading.Event()
        with self._lock:
            self._gates[method] = gate
        try:
            yield
        finally:
            with self._lock:
                del self._gates[method]
            gate.set()

    def set_user(self, user: str, *, tz: str = USER_TZ, deleted: bool = False) -> None:
        """What users.info answers for `user` (everyone else: USER_TZ, active)."""
        with self._lock:
            self._people[user] = (tz, deleted)

    def answer_slowly(self, method: str, seconds: float) -> None:
        """Every later call to `method` takes `seconds` to answer, as a slow Slack webhook does."""
        with self._lock:
            self._latency[method] = seconds

    # -- what was received ----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every request, in order, failed ones included."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The requests made to one method (e.g. "chat.postMessage")."""
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def messages(self, channel: str) -> list[PostedMessage]:
        """What the channel (or the DM with a user ID) shows now, oldest first; not replies."""
        with self._lock:
            posted = self._channels.get(_conversation(channel), [])
            return [replace(m) for m in posted if m.thread_ts is None]

    def files(self, channel: str) -> list[UploadedFile]:
        """The files shared in the channel (or the DM with a user ID), threads included, oldest
        first."""
        with self._lock:
            return [f for f in self._files.shared if f.channel == _conversation(channel)]

    def replies(self, channel: str, ts: str) -> list[PostedMessage]:
        """The thread of the message `ts` in `channel`, oldest first."""
        with self._lock:
            posted = self._channels.get(_conversation(channel), [])
            return [replace(m) for m in posted if m.thread_ts == ts]

    @property
    def ephemerals(self) -> list[Ephemeral]:
        """Messages shown to one user only, in order."""
        with self._lock:
            return list(self._ephemerals)

    @property
    def views(self) -> list[RecordedView]:
        """Views opened, updated and published, in order."""
        with self._lock:
            return list(self._views)

    def responses_to(self, user: str) -> list[Args]:
        """The bodies posted to `user`'s response_url (text, response_type…), in order."""
        with self._lock:
            return [dict(body) for who, body in self._responses if who == user]

    def wait_for_calls(self, method: str, count: int, timeout: float) -> bool:
        """Block until `count` calls to `method` have succeeded; False if `timeout` passes first."""
        with self._changed:
            return self._changed.wait_for(
                lambda: sum(c.ok for c in self._calls if c.method == method) >= count, timeout
            )

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Block until `condition()` (checked after each request) holds; False on `timeout`."""
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    def transcript(
        self,
        channels: Collection[str] | None = None,
        *,
        names: Mapping[str, str] | None = None,
        now: datetime | None = None,
        tz: tzinfo = UTC,
        first_lines: int | None = None,
        private: bool = True,
    ) -> str:
        """What each channel (or only `channels`) shows, then (`private`) the ephemerals, as people
        read it.

        Markup reads as in Slack (`as_seen`): `names` gives user and channel IDs their names,
        dates show in `tz` relative to `now`; `first_lines` cuts each message short.
        """
        at = now or utc_now()
        with self._lock:
            return render_transcript(
                {c: m for c, m in self._channels.items() if channels is None or c in channels},
                self._ephemerals if private else [],
                seen=lambda text: as_seen(text, now=at, names=names, tz=tz),
                first_lines=first_lines,
            )

    # -- serving --------------------------------------------------------------------------------

    def _answer(self, target: str, headers: dict[str, str], raw: bytes) -> Reply:
        parts = urlsplit(target)
        lowered = {name.lower(): value for name, value in headers.items()}
        content_type = lowered.get("content-type", "")
        where = ""  # for a response URL: "<user>/<channel>"
        args: Args
        if parts.path.startswith(UPLOAD_PATH):
            # A file's bytes, raw or multipart, whatever the content type says (urllib labels
            # raw bytes form-encoded); the URL itself is the ticket, so no token either.
            method, authorized = UPLOAD, True
            file_id = parts.path.removeprefix(UPLOAD_PATH)
            args = {"file_id": file_id, "content_type": content_type, "content": raw}
        elif content_type.startswith("multipart/"):
            # Of the Web API methods only the retired files.upload took multipart, and leadbot
            # never calls it: refusing it catches a file sent the old way.
            return json_reply(error("invalid_form_data"))
        else:
            try:
                args = decode(content_type, raw, parts.query)
            except ValueError:
                return json_reply(error("invalid_json"))
            if parts.path.startswith("/response/"):
                method, authorized = "response_url", True  # response URLs carry no token
                where = unquote(parts.path.removeprefix("/response/"))
            elif parts.path.startswith("/api/"):
                method = parts.path.removeprefix("/api/")
                authorized = lowered.get("authorization", "").startswith("Bearer xox")
            else:
                return Reply(404, b"not found", "text/plain")
        with self._lock:
            gate, latency = self._gates.get(method), self._latency.get(method, 0.0)
        if gate is not None:
            gate.wait()
        if latency:
            time.sleep(latency)  # a slow Slack, on the fake's own request thread
        with self._changed:
            reply, ok = self._dispatch(method, args, authorized, where)
            self._calls.append(Call(method=method, args=args, headers=headers, ok=ok))
            self._changed.notify_all()
        return reply

    def _dispatch(
        self, method: str, args: Args, authorized: bool, where: str
    ) -> tuple[Reply, bool]:
        failure = Failure(503, None, None, 1) if self.down else self._take_failure(method)
        if failure is not None:
            return failure_reply(failure), False
        if not authorized:
            return json_reply(error("not_authed")), False
        if method == "response_url":
            user, _, channel = where.partition("/")
            return json_reply(self._respond(user, channel, args)), True
        if method == UPLOAD:
            reply = self._files.receive(args["file_id"], args["content_type"], args["content"])
            return reply, reply.status == 200
        handler = self._methods.get(method)
        answer = handler(args) if handler is not None else error("unknown_method")
        return json_reply(answer), bool(answer["ok"])

    def _take_failure(self, method: str) -> Failure | None:
        queued = self._failures.get(method)
        if not queued:
            return None
        failure = queued[0]
        failure.times -= 1
        if failure.times <= 0:
            queued.pop(0)
        return failure

    def _next_ts(self) -> str:
        self._serial += 1
        micros = FIRST_TS_MICROS + 100 * self._serial
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    # -- methods (called with the lock held) ----------------------------------------------------

    def _auth_test(self, args: Args) -> dict[str, Any]:
        return {
            "ok": True,
            "url": WORKSPACE_URL,
            "team": "Fake Team",
            "user": "leadbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }

    def _post_message(self, args: Args) -> dict[str, Any]:
        if not args.get("channel"):
            return error("channel_not_found")
        problem = message_problem(args)
        if problem:
            return error(problem)
        channel, ts = _conversation(str(args["channel"])), self._next_ts()
        text, blocks = str(args.get("text") or ""), list(args.get("blocks") or [])
        thread = str(args["thread_ts"]) if args.get("thread_ts") else None
        posted = self._channels.setdefault(channel, [])
        if thread is not None and not any(m.ts == thread for m in posted):
            return error("thread_not_found")
        posted.append(PostedMessage(ts, channel, text, blocks, thread_ts=thread))
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}
        return {"ok": True, "channel": channel, "ts": ts, "message": message | {"text": text}}

    def _update(self, args: Args) -> dict[str, Any]:
        channel = _conversation(str(args.get("channel") or ""))
        found = [m for m in self._channels.get(channel, []) if m.ts == args.get("ts")]
        if not found:
            return error("message_not_found" if channel in self._channels else "channel_not_found")
        problem = message_problem(args)
        if problem:
            return error(problem)
        message = found[0]
        message.text = str(args.get("text") or "")
        if "blocks" in args:  # as in Slack, leaving blocks out keeps the old ones
            message.blocks = list(args["blocks"] or [])
        message.edits += 1
        return {"ok": True, "channel": channel, "ts": message.ts, "text": message.text}

    def _get_permalink(self, args: Args) -> dict[str, Any]:
        # As Slack: /archives/<channel>/p<ts without its dot>, plus the thread for a reply.
        channel = _conversation(str(args.get("channel") or ""))
        if channel not in self._channels:
            return error("channel_not_found")
        found = [m for m in self._channels[channel] if m.ts == args.get("message_ts")]
        if not found:
            return error("message_not_found")
        message = found[0]
        link = f"{WORKSPACE_URL}archives/{channel}/p{message.ts.replace('.', '')}"
        if message.thread_ts is not None:
            link += f"?thread_ts={message.thread_ts}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _post_ephemeral(self, args: Args) -> dict[str, Any]:
        if not args.get("channel") or not args.get("user"):
            return error("invalid_arguments")
        problem = message_problem(args)
        if problem:
            return error(problem)
        text, blocks = str(args.get("text") or ""), list(args.get("blocks") or [])
        self._ephemerals.append(Ephemeral(str(args["channel"]), str(args["user"]), text, blocks))
        return {"ok": True, "message_ts": self._next_ts()}

    def _view_method(self, method: str) -> Callable[[Args], dict[str, Any]]:
        def handle(args: Args) -> dict[str, Any]:
            view = args.get("view")
            if not isinstance(view, dict) or blocks_problem(view.get("blocks"), MAX_VIEW_BLOCKS):
                return error("invalid_arguments")
            if method == "views.open" and not args.get("trigger_id"):
                return error("invalid_trigger_id")
            if method == "views.publish" and not args.get("user_id"):
                return error("invalid_arguments")
            view_id = f"V{self._serial + 1:09d}"
            if method == "views.update":
                known = [v for v in self._views if v.id == args.get("view_id")]
                if not known:
                    return error("not_found")
                view_id = known[0].id
            self._serial += 1
            user = args.get("user_id")
            self._views.append(RecordedView(view_id, method, view, str(user) if user else None))
            return {"ok": True, "view": {**view, "id": view_id, "team_id": TEAM_ID}}

        return handle

    def _users_info(self, args: Args) -> dict[str, Any]:
        user = args.get("user")
        if not user:
            return error("user_not_found")
        tz, deleted = self._people.get(str(user), (USER_TZ, False))
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        tz_offset = int(offset.total_seconds()) if offset is not None else 0
        return {
            "ok": True,
            "user": {
                "id": user,
                "team_id": TEAM_ID,
                "name": str(user).lower(),
                "real_name": f"User {user}",
                "tz": tz,
                "tz_offset": tz_offset,
                "deleted": deleted,
                "is_bot": False,
                "profile": {"display_name": f"user-{user}"},
            },
        }

    def _respond(self, user: str, channel: str, args: Args) -> dict[str, Any]:
        self._responses.append((user, dict(args)))
        text, blocks = str(args.get("text") or ""), list(args.get("blocks") or [])
        if args.get("response_type") == "in_channel" and channel:
            self._post_message({"channel": channel, "text": text, "blocks": blocks})
        else:
            self._ephemerals.append(Ephemeral(channel, user, text, blocks))
        return {"ok": True}


def _conversation(channel: str) -> str:
    # Posting to a user ID opens the DM with them; Slack answers with the DM's D… id.
    return "D" + channel[1:] if channel[:1] in ("U", "W") else channel
