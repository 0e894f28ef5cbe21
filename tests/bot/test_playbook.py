"""The playbook: the example loads, and every mistake is named with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import PlaybookError
from bot.playbook import Playbook, load_playbook, parse_playbook
from tests.conftest import REPO

EXAMPLE = (REPO / "playbook.example.yml").read_text()


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, "test.yml")
    return [(p.line, p.message) for p in caught.value.problems]


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_example_playbook_is_valid(playbook: Playbook) -> None:
    assert set(playbook.teams) == {"emea", "amer", "enterprise"}
    assert playbook.scoring.threshold == 60
    assert playbook.stages["working"].max is not None


def test_unknown_team_in_a_rule_is_named_with_its_line() -> None:
    text = EXAMPLE.replace("- team: emea", "- team: emae")
    [(line, message)] = problems(text)
    assert line == line_of(text, "- team: emae")
    assert "'emae' is not a team" in message


def test_channel_name_instead_of_id_is_refused_with_its_line() -> None:
    text = EXAMPLE.replace("channel: C0AMER0001", 'channel: "#amer-sales"')
    [(line, message)] = problems(text)
    assert line == line_of(text, "#amer-sales")
    assert "not a Slack channel ID" in message


def test_bad_duration_is_refused_with_its_line() -> None:
    text = EXAMPLE.replace("max: 2d,", "max: two days,")
    [(line, message)] = problems(text)
    assert line == line_of(text, "two days")
    assert "'two days' is not a duration" in message


def test_threshold_that_is_not_a_number_is_refused() -> None:
    text = EXAMPLE.replace("threshold: 60", "threshold: sixty")
    [(line, message)] = problems(text)
    assert line == line_of(text, "threshold: sixty")
    assert "number" in message


def test_every_mistake_is_reported_at_once() -> None:
    text = (
        EXAMPLE.replace("threshold: 60", "threshold: high")
        .replace("manager: U0MGRAMER1", "manager: bob")
        .replace("timezone: Europe/Berlin", "timezone: Mars/Olympus")
    )
    found = problems(text)
    assert [line for line, _ in found] == sorted(
        [line_of(text, "manager: bob"), line_of(text, "threshold: high"), line_of(text, "Mars")]
    )


def test_misspelt_setting_is_named() -> None:
    text = EXAMPLE.replace("contact_attempts: 6", "contact_atempts: 6")
    [(line, message)] = problems(text)
    assert line == line_of(text, "contact_atempts")
    assert "unknown setting 'contact_atempts'" in message


def test_undefined_region_and_segment_in_rules_are_refused() -> None:
    text = EXAMPLE.replace("region: [EMEA]", "region: [LATAM]").replace(
        "segment: [enterprise]", "segment: [giant]"
    )
    messages = [m for _, m in problems(text)]
    assert any("region 'LATAM'" in m for m in messages)
    assert any("segment 'giant'" in m for m in messages)


def test_rule_on_an_unknown_field_is_refused() -> None:
    text = EXAMPLE.replace("when: {region: [AMER]}", "when: {shoe_size: [42]}")
    [(line, message)] = problems(text)
    assert line == line_of(text, "shoe_size")
    assert "'shoe_size' is no lead field" in message


def test_default_team_must_exist() -> None:
    text = EXAMPLE.replace("default_team: amer", "default_team: apac")
    [(_, message)] = problems(text)
    assert "default_team 'apac'" in message


def test_yaml_syntax_error_names_its_line() -> None:
    text = EXAMPLE.replace("reps: [U0REPEMEA1, U0REPEMEA2]", "reps: [U0REPEMEA1, U0REPEMEA2")
    [(line, message)] = problems(text)
    assert line > 0
    assert "not valid YAML" in message


def test_norway_unquoted_is_still_a_country() -> None:
    book = parse_playbook(EXAMPLE.replace("[DE, FR,", "[NO, DE, FR,"))
    assert book.region_of("NO") == "EMEA"


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError) as caught:
        load_playbook(tmp_path / "nope.yml")
    assert "LEADBOT_CONFIG" in caught.value.user_message


def test_segment_and_region_lookups(playbook: Playbook) -> None:
    assert playbook.segment_of(5000) == "enterprise"
    assert playbook.segment_of(250) == "mid_market"
    assert playbook.segment_of(None) is None
    assert playbook.region_of("BR") == "AMER"
    assert playbook.region_of("ZW") is None


def test_only_the_teams_reps_and_manager_may_claim(playbook: Playbook) -> None:
    assert playbook.can_claim("emea", "U0REPEMEA1")
    assert playbook.can_claim("emea", "U0MGREMEA1")
    assert not playbook.can_claim("emea", "U0ADMIN001")
    assert not playbook.can_claim("emea", "U0REPAMER1")


def test_csv_columns_map_headers_to_lead_and_custom_fields(playbook: Playbook) -> None:
    assert playbook.csv_columns["Budget Status"] == "budget"
    assert playbook.csv_columns["Product Interest"] == "product"


def test_csv_column_mapped_to_an_unknown_field_is_named_with_its_line() -> None:
    text = EXAMPLE.replace("Purchase Timeframe: timeframe", "Purchase Timeframe: timeline")
    [(line, message)] = problems(text)
    assert line == line_of(text, "Purchase Timeframe: timeline")
    assert "'timeline' is no lead field" in message
    assert "timeframe" in message and "product" in message
