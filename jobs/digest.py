"""The weekly funnel digest: a plain function of (session factory, playbook, now).

At the playbook's weekday and hour (`digest.schedule`, in `digest.timezone` or the business
hours' zone) the managers' channel gets one message for the company and one per team, covering
the last full Monday-to-Sunday week, each with its change since the week before, and the
company's funnel chart in the first message's thread. The week is taken in `digest_sent` in the
same transaction as the messages' outbox rows: never twice for one week, even with two
replicas; a digest missed while leadbot was down is sent once when it next runs, up to two days
late. Runs often (the scheduler every 15 minutes) and does nothing until one is due.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.playbook.model import Playbook
from bot.reporting.chart import funnel_alt_text, funnel_chart_png
from bot.reporting.metrics import compute_report
from bot.reporting.windows import last_digest_moment, previous, week_before
from bot.slack.digest import digest_message
from bot.slack.outbox import queue_file, queue_message
from store.db import SessionFactory, session_scope
from store.digests import take_digest_week, workspace_url

#: A digest missed while leadbot was down goes out when it is back, up to this late.
LATE_AT_MOST = timedelta(days=2)


def digest_zone(playbook: Playbook) -> ZoneInfo:
    """Where the digest is read: its own `timezone`, or the business hours'."""
    digest = playbook.digest
    named = digest.timezone if digest is not None else None
    return ZoneInfo(named or playbook.business_hours.timezone)


def run_digest(*, session_factory: SessionFactory, playbook: Playbook, now: datetime) -> int:
    """Send the digest due by `now` unless it was sent; how many messages were queued."""
    if playbook.digest is None:
        return 0
    zone = digest_zone(playbook)
    due = last_digest_moment(now, playbook.digest, zone)
    if now - due > LATE_AT_MOST:
        return 0  # a week-old digest is news nobody needs (nor a new install's first start)
    week = week_before(due, zone)
    before = previous(week)
    channel = playbook.digest.channel
    with session_scope(session_factory) as session:
        if not take_digest_week(session=session, week_start=week.start, now=now):
            return 0
        url = workspace_url(session=session)
        queued = 0
        first: int | None = None
        for team in [None, *playbook.teams]:
            report = compute_report(session=session, playbook=playbook, window=week, team=team,
                                    now=now)  # fmt: skip
            last = compute_report(session=session, playbook=playbook, window=before, team=team,
                                  now=now)  # fmt: skip
            message = digest_message(report, last, playbook, workspace_url=url)
            row = queue_message(session=session, channel=channel, message=message, now=now)
            queued += 1
            if team is None:
                first = row
                chart = funnel_chart_png(report, title=f"{playbook.company} — {week.label}")
                queue_file(session=session, channel=channel, filename="funnel.png",
                           title=f"Funnel, {week.label}", content=chart, thread_of=first,
                           now=now, alt_text=funnel_alt_text(report))  # fmt: skip
                queued += 1
        return queued
