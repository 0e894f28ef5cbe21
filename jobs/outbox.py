"""Delivering the outbox to Slack: honouring rate limits, riding out outages, never doubling."""

from __future__ import annotations

import base64
import copy
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import SlackResponse
from sqlalchemy import Row

from bot.slack.outbox import THREAD, MessageRef, linked_message, with_permalink
from store.db import SessionFactory, session_scope
from store.outbox import (
    OutboxKind,
    OutboxStatus,
    claim_due_messages,
    extend_lease,
    get_lead_card,
    mark_failed,
    mark_retry,
    mark_sent,
    next_due_at,
    record_card_location,
    thread_parent,
)

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 10  # rows per round: the worker then looks up (stop, pause) before going on
# Beyond the client's timeout, what one row may take: connecting, and recording the outcome.
SEND_MARGIN = timedelta(seconds=5)
DEFAULT_RETRY_AFTER = 30.0  # seconds, when a 429 comes without a Retry-After header
# A row Slack failed this often is retried on its own backoff: the failure may be the row's.
SUSPECT_AFTER = 3
BACKOFF_BASE = 5.0
BACKOFF_MAX = 600.0
ADMIN_RETRY = timedelta(minutes=15)
# files_upload_v2 makes three calls where every other send makes one; its lease covers them all.
UPLOAD_CALLS = 3
# Slack errors that mean "try again later": its side had a problem, not the request.
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# Errors an admin can fix (invite the bot, unarchive, reinstall, grant a scope): retrying
# slowly means the message still arrives once they have, instead of being lost.
ADMIN_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "not_authed",
    }
)
#: chat.getPermalink errors that the send itself would meet too: the row is retried as usual.
#: After any other (the linked message deleted, its channel archived or gone) the message is
#: sent without the link: a dead link must not hold back, or lose, a lead's card.
SEND_FAILS_TOO = TRANSIENT_ERRORS | {
    "ratelimited",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "not_authed",
}


@dataclass
class DeliveryReport:
    """What one delivery round did; `retry_after` is set when Slack rate-limited it."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    retry_after: float | None = None
    unavailable: str | None = None  # why Slack could not be reached, when it could not

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed


class _Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"  # Slack is down or unreachable: stop sending until it answers


@dataclass(frozen=True)
class _Job:
    """A claimed row's fields, read inside the claim's transaction."""

    id: int
    kind: str
    channel: str
    payload: dict[str, Any]
    lead_id: int | None
    thread_of: int | None  # the row whose message this one goes under
    attempts: int
    locked_until: datetime  # the lease the claim set: the token that proves the row is ours

    @classmethod
    def of(cls, message: Row[Any]) -> _Job:
        """The job of a row that `claim_due_messages` returned."""
        return cls(
            id=message.id,
            kind=message.kind,
            channel=message.channel,
            payload=dict(message.payload),
            lead_id=message.lead_id,
            thread_of=message.thread_of,
            attempts=message.attempts,
            locked_until=message.locked_until,
        )


def without_retries(client: WebClient) -> WebClient:
    """`client` itself if it never retries a call on its own, else a copy of it that does not.

    slack_sdk runs a client's `retry_handlers` inside one API call: `ConnectionErrorRetryHandler`
    (the default, and what `bot.runtime.app.make_web_client` adds) sends the request again after a
    connection reset, which may come after Slack already posted the message, so the card would
    appear twice, and no lease covers that hidden second send. The outbox retries by itself, with
    its backoff and the outcome recorded between attempts. The copy leaves the caller's client,
    which Bolt shares, as it was.
    """
    if not client.retry_handlers:
        return client
    single_shot = copy.copy(client)
    single_shot.retry_handlers = []
    return single_shot


def send_budget(client: WebClient) -> timedelta:
    """The longest one row can take: the client's timeout plus a margin."""
    return timedelta(seconds=client.timeout) + SEND_MARGIN


def deliver_outbox(
    *,
    session_factory: SessionFactory,
    client: WebClient,
    now: datetime,
    limit: int = DEFAULT_LIMIT,
    lease: timedelta | None = None,
    clock: Callable[[], datetime] | None = None,
) -> DeliveryReport:
    """Send up to `limit` due rows, oldest first, one at a time; stop when Slack cannot take more.

    Each row is leased just before its call, for one call's time (`send_budget(client)`), and
    its outcome recorded right after it: a sender killed mid-call holds back only the row in
    flight, and only until that lease ends; the others are due at once for whoever sends next.
    `clock` tells the time between rows (it defaults to `now`, frozen).

    The round stops at a rate limit (`retry_after`) or when Slack is down or unreachable
    (`unavailable`): the rows behind keep their place, and the caller waits for Slack rather than
    trying each row in turn.
    """
    client = without_retries(client)
    budget = send_budget(client)
    if lease is None:
        lease = budget
    elif lease < budget:
        raise ValueError(f"a lease of {lease} leaves no time to send even one row ({budget})")
    read_clock = clock if clock is not None else lambda: now
    report = DeliveryReport()
    for _ in range(limit):
        with session_scope(session_factory) as session:
            claimed = claim_due_messages(session=session, now=read_clock(), limit=1, lease=lease)
        if not claimed:
            break
        job = _Job.of(claimed[0])
        if job.kind == OutboxKind.UPLOAD_FILE:
            longer = job.locked_until + (UPLOAD_CALLS - 1) * budget
            with session_scope(session_factory) as session:
                held = extend_lease(
                    session=session, message_id=job.id, locked_until=job.locked_until, until=longer
                )
            if not held:  # the lease ran out already (a stalled sender): the row is someone's
                continue
            job = replace(job, locked_until=longer)
        outcome, detail = _deliver(
            job, session_factory=session_factory, client=client, clock=read_clock
        )
        if outcome is _Outcome.SENT:
            report.sent += 1
        elif outcome is _Outcome.FAILED:
            report.failed += 1
        else:
            report.retried += 1
        if outcome is _Outcome.RATE_LIMITED:
            # The limit applies to the calls that would follow too; stop and say when to resume.
            report.retry_after = float(detail or DEFAULT_RETRY_AFTER)
            break
        if outcome is _Outcome.UNAVAILABLE:
            report.unavailable = str(detail)
            break
    return report


def next_due_in(*, session_factory: SessionFactory, now: datetime) -> float | None:
    """Seconds until the earliest pending row is due (0 if it is), or None if none is pending."""
    with session_scope(session_factory) as session:
        due = next_due_at(session=session)
    return None if due is None else max(0.0, (due - now).total_seconds())


def _deliver(
    job: _Job, *, session_factory: SessionFactory, client: WebClient, clock: Callable[[], datetime]
) -> tuple[_Outcome, float | str | None]:
    text = str(job.payload.get("text") or "")
    blocks = job.payload.get("blocks") or None
    channel = job.channel
    try:
        linked = linked_message(job.payload)
        if linked is not None:
            url = _permalink(client, linked)
            text, blocks = with_permalink(text, url), with_permalink(blocks, url)
        if job.kind in (OutboxKind.UPDATE_CARD, OutboxKind.THREAD_REPLY):
            assert job.lead_id is not None
            with session_scope(session_factory) as session:
                card = get_lead_card(session=session, lead_id=job.lead_id)
            if card is None:
                log.error(
                    "Outbox #%s: lead %s has no card (its post failed); dropped",
                    job.id, job.lead_id,
                )  # fmt: skip
                return _fail(job, "no_card", session_factory=session_factory), None
            channel, ts = card
            if job.kind == OutboxKind.UPDATE_CARD:
                # An empty list (not None) so an update to text only also clears the old blocks.
                response = client.chat_update(
                    channel=channel, ts=ts, text=text, blocks=blocks or []
                )
            else:
                response = client.chat_postMessage(
                    channel=channel, thread_ts=ts, text=text, blocks=blocks,
                    unfurl_links=False, unfurl_media=False,
                )  # fmt: skip
        elif job.kind == OutboxKind.UPLOAD_FILE:
            response = _upload(job, client=client, session_factory=session_factory)
        elif job.kind == OutboxKind.EDIT_MESSAGE:
            ts = str(job.payload.get("ts") or "")
            response = client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks or [])
        else:
            # No link_names: lead data is escaped text, and must never ping anyone.
            response = client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, thread_ts=job.payload.get(THREAD),
                unfurl_links=False, unfurl_media=False,
            )  # fmt: skip
    except SlackApiError as error:
        return _after_api_error(
            job, error, channel=channel, session_factory=session_factory, now=clock()
        )
    except OSError as error:  # URLError, ConnectionError and socket timeouts are all OSErrors
        # An upload's bytes go to the URL Slack gave, outside the Web API: an HTTP error there
        # (urllib's HTTPError) lands here too, and is retried the same way.
        return _unavailable(
            job, f"network: {error}", channel=channel, session_factory=session_factory, now=clock()
        )
    except SlackRequestError as error:  # raised by the client itself: the request cannot work
        log.error("Outbox #%s (%s to %s): not sent: %s", job.id, job.kind, channel, error)
        return _fail(job, f"request: {error}", session_factory=session_factory), None
    sent_ts = response.get("ts")
    with session_scope(session_factory) as session:
        held = mark_sent(
            session=session,
            message_id=job.id,
            locked_until=job.locked_until,
            now=clock(),
            ts=sent_ts,
        )
        if held and job.kind == OutboxKind.POST_CARD and job.lead_id is not None and sent_ts:
            # Slack answers with the channel it posted to (a D… id when addressed to a user).
            posted_in = str(response.get("channel") or channel)
            record_card_location(
                session=session, lead_id=job.lead_id, channel=posted_in, ts=sent_ts
            )
    if not held:
        _taken_over(job, "sent (it may now show twice)")
    return _Outcome.SENT, None


def _upload(job: _Job, *, client: WebClient, session_factory: SessionFactory) -> SlackResponse:
    """Upload the row's file with files_upload_v2, in the thread of the row it goes under.

    files_upload_v2 makes three requests: files.getUploadURLExternal (through the client's
    base URL), a POST of the bytes to the upload_url Slack answered, then
    files.completeUploadExternal. A failure at any step raises, and the next attempt starts
    over: Slack discards a file that was never completed, so the file is not shown twice (unless,
    as with any send, the completion's answer is what was lost).
    """
    thread_ts: str | None = None
    if job.thread_of is not None:
        with session_scope(session_factory) as session:
            parent = thread_parent(session=session, message_id=job.thread_of)
        if parent is not None and parent[0] == OutboxStatus.SENT and parent[1]:
            thread_ts = parent[1]
        else:
            # Still worth showing: the file says what it is, even without the message above it.
            log.warning(
                "Outbox #%s: the message it goes under (#%s) was not sent; "
                "posting the file in %s on its own",
                job.id, job.thread_of, job.channel,
            )  # fmt: skip
    payload = job.payload
    return client.files_upload_v2(
        channel=job.channel,
        thread_ts=thread_ts,
        content=base64.b64decode(payload["content"]),
        filename=str(payload["filename"]),
        title=str(payload.get("title") or payload["filename"]),
        alt_txt=str(payload.get("alt_text") or "") or None,
    )


def _permalink(client: WebClient, message: MessageRef) -> str | None:
    """The message's permalink (chat.getPermalink: no scope needed), or None when Slack has none
    for it; raises SlackApiError when the send itself would fail too (rate limit, outage, token)."""
    try:
        answer = client.chat_getPermalink(channel=message.channel, message_ts=message.ts)
    except SlackApiError as error:
        status = error.response.status_code
        data = error.response.data if isinstance(error.response.data, dict) else {}
        code = str(data.get("error") or f"http_{status}")
        if status == 429 or status >= 500 or code in SEND_FAILS_TOO:
            raise
        log.warning(
            "No permalink for message %s in %s (%s): sending without the link",
            message.ts, message.channel, code,
        )  # fmt: skip
        return None
    return str(answer.get("permalink") or "") or None


def _after_api_error(
    job: _Job, error: SlackApiError, *, channel: str, session_factory: SessionFactory, now: datetime
) -> tuple[_Outcome, float | str | None]:
    status = error.response.status_code
    data = error.response.data if isinstance(error.response.data, dict) else {}
    code = str(data.get("error") or f"http_{status}")
    if status == 429 or code == "ratelimited":
        wait = _retry_after(error.response.headers)
        log.warning("Outbox #%s: Slack rate-limited us; resuming in %.0f s", job.id, wait)
        _retry(
            job,
            at=now + timedelta(seconds=wait),
            error="ratelimited",
            session_factory=session_factory,
        )
        return _Outcome.RATE_LIMITED, wait
    if status >= 500 or code in TRANSIENT_ERRORS:
        # A 5xx body is often an HTML error page, so the status says more than the error text.
        reason = code if code in TRANSIENT_ERRORS else f"http_{status}"
        return _unavailable(job, reason, channel=channel, session_factory=session_factory, now=now)
    if code in ADMIN_ERRORS:
        log.warning(
            "Outbox #%s: Slack refused to post to %s: %s. An admin can fix this (invite the bot, "
            "unarchive the channel, reinstall the app); retrying every %d minutes",
            job.id, channel, code, ADMIN_RETRY.total_seconds() // 60,
        )  # fmt: skip
        _retry(job, at=now + ADMIN_RETRY, error=code, session_factory=session_factory)
        return _Outcome.RETRY, None
    log.error(
        "Outbox #%s (%s to %s): Slack rejected it: %s; not retrying",
        job.id,
        job.kind,
        channel,
        code,
    )
    return _fail(job, code, session_factory=session_factory), None


def _unavailable(
    job: _Job, reason: str, *, channel: str, session_factory: SessionFactory, now: datetime
) -> tuple[_Outcome, str]:
    """Slack failed on its side: the row keeps its place, due again as soon as Slack answers.

    A row Slack has failed SUSPECT_AFTER times is put back on its own backoff instead: Slack
    answered the probes in between (the sender probes before it resumes), so the fault may lie
    with this row, and it must not hold up the rows behind it.
    """
    suspect = job.attempts >= SUSPECT_AFTER
    delay = _backoff(job.attempts - SUSPECT_AFTER + 1) if suspect else 0.0
    if suspect:
        log.warning(
            "Outbox #%s to %s: Slack failed it %d times (%s); retrying it in %.0f s",
            job.id, channel, job.attempts, reason, delay,
        )  # fmt: skip
    _retry(job, at=now + timedelta(seconds=delay), error=reason, session_factory=session_factory)
    return _Outcome.UNAVAILABLE, reason


def _retry_after(headers: Mapping[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value[0] if isinstance(value, list) else value))
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER


def _backoff(attempts: int) -> float:
    """5 s after the first counted failure, doubling, at most 10 minutes."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _retry(job: _Job, *, at: datetime, error: str, session_factory: SessionFactory) -> None:
    with session_scope(session_factory) as session:
        held = mark_retry(
            session=session, message_id=job.id, locked_until=job.locked_until, at=at, error=error
        )
    if not held:
        _taken_over(job, f"to be retried ({error})")


def _fail(job: _Job, error: str, *, session_factory: SessionFactory) -> _Outcome:
    with session_scope(session_factory) as session:
        held = mark_failed(
            session=session, message_id=job.id, locked_until=job.locked_until, error=error
        )
    if not held:
        _taken_over(job, f"failed ({error})")
    return _Outcome.FAILED


def _taken_over(job: _Job, outcome: str) -> None:
    log.warning(
        "Outbox #%s: its lease ran out during the call and another sender has taken the row "
        "over; not recording it as %s",
        job.id, outcome,
    )  # fmt: skip
