"""The ranges `/lead report` reads, and the digest's week, in the reader's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.playbook.model import Digest
from bot.reporting.windows import (
    UnreadableRange,
    last_digest_moment,
    parse_window,
    previous,
    week_before,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # Wednesday 11:00 in Berlin


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("", utc(2026, 11, 15, 23), utc(2026, 11, 22, 23), "week of 16 Nov 2026"),
        ("last week", utc(2026, 11, 15, 23), utc(2026, 11, 22, 23), "week of 16 Nov 2026"),
        ("this week", utc(2026, 11, 22, 23), utc(2026, 11, 25, 23), "this week (from Mon 23 Nov 2026)"),  # noqa: E501
        ("last month", utc(2026, 9, 30, 22), utc(2026, 10, 31, 23), "October 2026"),
        ("this month", utc(2026, 10, 31, 23), utc(2026, 11, 30, 23), "November 2026"),
        ("Q3", utc(2026, 6, 30, 22), utc(2026, 9, 30, 22), "Q3 2026"),
        ("q4 2025", utc(2025, 9, 30, 22), utc(2025, 12, 31, 23), "Q4 2025"),
        ("December", utc(2025, 11, 30, 23), utc(2025, 12, 31, 23), "December 2025"),
        ("since Nov 1", utc(2026, 10, 31, 23), utc(2026, 11, 25, 23), "since Sun 1 Nov 2026"),
        ("last 30 days", utc(2026, 10, 26, 23), utc(2026, 11, 25, 23), "the last 30 days"),
        ("Oct 1 to Oct 15", utc(2026, 9, 30, 22), utc(2026, 10, 15, 22), "Thu 1 Oct 2026 to Thu 15 Oct 2026"),  # noqa: E501
        ("2025", utc(2024, 12, 31, 23), utc(2025, 12, 31, 23), "2025"),
        ("yesterday", utc(2026, 11, 23, 23), utc(2026, 11, 24, 23), "Tue 24 Nov 2026"),
    ],
)  # fmt: skip
def test_ranges_are_whole_days_in_the_readers_zone(
    text: str, start: datetime, end: datetime, label: str
) -> None:
    window = parse_window(text, now=NOW, zone=BERLIN)
    assert (window.start, window.end, window.label) == (start, end, label)
    assert window.timezone == "Europe/Berlin"


def test_the_week_with_the_clocks_going_back_is_168_plus_one_hours() -> None:
    # Sunday 25 October 2026, 03:00 CEST -> 02:00 CET: that week lasts an hour longer.
    window = week_before(utc(2026, 10, 27, 9), BERLIN)
    assert window.start == utc(2026, 10, 18, 22) and window.end == utc(2026, 10, 25, 23)
    assert (window.end - window.start).total_seconds() == (7 * 24 + 1) * 3600


def test_a_week_is_counted_where_its_reader_is() -> None:
    tokyo = week_before(NOW, ZoneInfo("Asia/Tokyo"))
    assert tokyo.start == utc(2026, 11, 15, 15)  # Monday 00:00 in Tokyo


def test_week_over_week_is_the_same_length_just_before() -> None:
    week = week_before(NOW, BERLIN)
    before = previous(week)
    assert before.end == week.start and before.start == utc(2026, 11, 8, 23)


@pytest.mark.parametrize("text", ["whenever", "since next year", "q5", "last 0x days"])
def test_an_unreadable_range_is_answered_with_examples(text: str) -> None:
    with pytest.raises(UnreadableRange) as refused:
        parse_window(text, now=NOW, zone=BERLIN)
    assert (
        "last month" in refused.value.user_message and "since Nov 1" in refused.value.user_message
    )


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (utc(2026, 11, 23, 6, 59), utc(2026, 11, 16, 7)),  # Monday 07:59 Berlin: last week's
        (utc(2026, 11, 23, 7, 0), utc(2026, 11, 23, 7)),  # Monday 08:00 Berlin: this week's
        (utc(2026, 11, 29, 22, 0), utc(2026, 11, 23, 7)),  # Sunday 23:00
        (utc(2026, 10, 26, 8, 0), utc(2026, 10, 26, 7)),  # after the clocks went back: 08:00 CET
    ],
)
def test_the_digest_is_due_at_its_weekday_and_hour_where_it_is_read(
    now: datetime, due: datetime
) -> None:
    digest = Digest(channel="C0MGRS0001", schedule="mon 08:00")
    assert last_digest_moment(now, digest, BERLIN) == due
