"""What `/lead report …` asks for: a team (or the company) and a window in the asker's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.commands.report import read_report_request
from bot.core.errors import LeadbotError
from bot.playbook.model import Playbook

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("user", "text", "team", "label"),
    [
        ("U0REPEMEA1", "", "emea", "week of 16 Nov 2026"),
        ("U0REPEMEA1", "emea last month", "emea", "October 2026"),
        ("U0REPEMEA1", "Americas since Nov 1", "amer", "since Sun 1 Nov 2026"),
        ("U0REPEMEA1", "all Q3", None, "Q3 2026"),
        ("U0ADMIN001", "last month", None, "October 2026"),  # an admin sees the company
        ("U0MKTG0001", "enterprise this week", "enterprise", "this week (from Mon 23 Nov 2026)"),
    ],
)
def test_team_and_range(
    playbook: Playbook, user: str, text: str, team: str | None, label: str
) -> None:
    asked = read_report_request(text, user_id=user, playbook=playbook, now=NOW, zone=BERLIN)
    assert (asked.team, asked.window.label) == (team, label)


def test_strangers_are_refused(playbook: Playbook) -> None:
    with pytest.raises(LeadbotError, match="for the people the playbook names"):
        read_report_request("", user_id="U0STRANGER", playbook=playbook, now=NOW, zone=BERLIN)


def test_a_range_to_come_is_refused(playbook: Playbook) -> None:
    with pytest.raises(LeadbotError, match="has not begun yet"):
        read_report_request("2027", user_id="U0REPEMEA1", playbook=playbook,
                            now=datetime(2026, 11, 25, tzinfo=UTC) , zone=BERLIN)  # fmt: skip


def test_an_unreadable_range_gets_examples(playbook: Playbook) -> None:
    with pytest.raises(LeadbotError, match="since Nov 1"):
        read_report_request("emea whenever", user_id="U0REPEMEA1", playbook=playbook, now=NOW,
                            zone=BERLIN)  # fmt: skip
