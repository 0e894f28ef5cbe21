"""User text is escaped and cut so Slack neither pings, links nor rejects it."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest

from bot.slack.cards import slack_date
from bot.slack.text import ELLIPSIS, as_seen, escape, fit

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
NAMES = {"U0REP0001": "jana", "C0SALES01": "sales"}


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<https://evil|x>", "&lt;https://evil|x&gt;"),
        ("Smith & Sons", "Smith &amp; Sons"),
        ("<@U0123ABCD>", "&lt;@U0123ABCD&gt;"),
        ("plain", "plain"),
    ],
)
def test_escape_neutralises_control_sequences(raw: str, safe: str) -> None:
    assert escape(raw) == safe


def test_fit_keeps_short_text_whole() -> None:
    assert fit("Acme & Co", 100) == "Acme &amp; Co"


def test_fit_cuts_with_an_ellipsis_within_the_limit() -> None:
    out = fit("x" * 5000, 2000)
    assert len(out) == 2000
    assert out.endswith(ELLIPSIS)


def test_fit_never_splits_an_entity() -> None:
    out = fit("&" * 100, 50)
    assert len(out) <= 50
    assert out.removesuffix(ELLIPSIS).replace("&amp;", "") == ""


def seen(text: str, tz: tzinfo = UTC) -> str:
    return as_seen(text, now=NOW, names=NAMES, tz=tz)


@pytest.mark.parametrize(
    ("markup", "shown"),
    [
        ("Claimed by <@U0REP0001>", "Claimed by @jana"),
        ("Claimed by <@U0OTHER01>", "Claimed by @U0OTHER01"),  # a name nobody told us
        ("posted to <#C0SALES01>", "posted to #sales"),
        ("posted to <#C0OTHER01|deals>", "posted to #deals"),
        ("<!here> and <!channel>", "@here and @channel"),
        ("<!subteam^S0123|@sales-team> ping", "@sales-team ping"),
        (
            "see <https://x.example/a?b=1&amp;c=2|the docs>",
            "see the docs (https://x.example/a?b=1&c=2)",
        ),
        ("<https://x.example>", "https://x.example"),
        ("<mailto:ana@x.example|ana@x.example>", "ana@x.example"),
        ("*North &amp; Co* &lt;VP&gt;", "*North & Co* <VP>"),
        ("&amp;lt; stays", "&lt; stays"),  # an escaped entity is shown as typed
        ("_italic_ and *bold* stay", "_italic_ and *bold* stay"),
    ],
)
def test_as_seen_shows_markup_as_slack_does(markup: str, shown: str) -> None:
    assert seen(markup) == shown


def test_escaped_text_is_shown_literally_and_pings_nobody() -> None:
    name = "<!channel> <https://evil.example|click>"
    assert seen(f"*{escape(name)}*") == f"*{name}*"
    assert "@channel" not in seen(escape(name))


@pytest.mark.parametrize(
    ("at", "shown"),
    [
        # Slack capitalises a relative day that opens the date's format.
        (datetime(2026, 11, 23, 9, 5, tzinfo=UTC), "Waiting since Today at 9:05 AM"),
        (datetime(2026, 11, 22, 21, 30, tzinfo=UTC), "Waiting since Yesterday at 9:30 PM"),
        (datetime(2026, 11, 2, 0, 0, tzinfo=UTC), "Waiting since Nov 2, 2026 at 12:00 AM"),
    ],
)
def test_the_cards_dates_read_as_in_slack(at: datetime, shown: str) -> None:
    assert seen(f"Waiting since {slack_date(at)}") == shown


def test_dates_are_shown_in_the_readers_time_zone() -> None:
    late = slack_date(datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    assert seen(late, tz=ZoneInfo("Europe/Berlin")) == "Tomorrow at 12:30 AM"


@pytest.mark.parametrize(
    ("tokens", "shown"),
    [
        ("{date_num} {time_secs}", "2026-11-02 3:04:05 PM"),
        ("{date}", "November 2nd, 2026"),
        ("{date_long}", "Monday, November 2nd, 2026"),
        ("{date_long_pretty}", "Monday, November 2nd, 2026"),
        ("due {date_pretty}", "due November 2nd, 2026"),
    ],
)
def test_date_tokens(tokens: str, shown: str) -> None:
    stamp = int(datetime(2026, 11, 2, 15, 4, 5, tzinfo=UTC).timestamp())
    assert seen(f"<!date^{stamp}^{tokens}|fallback>") == shown


@pytest.mark.parametrize(
    "markup", ["<!date^1700000000^{ago}|fallback>", "<!date^soon^{date}|fallback>"]
)
def test_a_date_it_cannot_format_shows_the_fallback(markup: str) -> None:
    assert seen(markup) == "fallback"


def test_a_relative_day_inside_the_format_stays_lower_case() -> None:
    stamp = int(datetime(2026, 11, 24, 8, 0, tzinfo=UTC).timestamp())
    assert seen(f"<!date^{stamp}^due {{date_pretty}}|fallback>") == "due tomorrow"
