"""The playbook: the example loads, and every mistake is named with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import PlaybookError
from bot.playbook.loading import load_playbook, parse_playbook
from bot.playbook.model import Playbook
from tests.conftest import REPO

EXAMPLE = (REPO / "playbook.example.yml").read_text()


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, "test.yml")
    return [(p.line, p.message) for p in caught.value.problems]


def line_of(text: str, fragment: str, start: int = 1) -> int:
    """The first line at or after `start` that contains `fragment`."""
    lines = text.splitlines()
    return next(i for i in range(start, len(lines) + 1) if fragment in lines[i - 1])


def test_example_playbook_is_valid(playbook: Playbook) -> None:
    assert set(playbook.teams) == {"emea", "amer", "enterprise"}
    assert playbook.scoring.threshold == 60
    assert playbook.stages["working"].max is not None


def test_unknown_team_in_a_rule_is_named_with_its_line() -> None:
    text = EXAMPLE.replace("- team: emea", "- team: emae")
    [(line, message)] = problems(text)
    assert line == line_of(text, "- team: emae")
    assert "'emae' is not a team" in message


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


def test_segment_and_region_lookups(playbook: Playbook) -> None:
    assert playbook.segment_of(5000) == "enterprise"
    assert playbook.segment_of(250) == "mid_market"
    assert playbook.segment_of(None) is None
    assert playbook.region_of("BR") == "AMER"
    assert playbook.region_of("ZW") is None


def test_field_errors_and_cross_references_are_reported_together() -> None:
    text = (
        EXAMPLE.replace("threshold: 60", "threshold: high")
        .replace("manager: U0MGRAMER1", "manager: bob")
        .replace("- team: emea", "- team: emae")
        .replace("region: [AMER]", "region: [LATAM]")
    )
    found = problems(text)
    assert [line for line, _ in found] == [
        line_of(text, "manager: bob"),
        line_of(text, "team: emae"),
        line_of(text, "region: [LATAM]"),
        line_of(text, "threshold: high"),
    ]
    assert "'emae' is not a team" in found[1][1]
    assert "region 'LATAM'" in found[2][1]


def test_a_rule_with_a_field_error_still_has_its_team_checked() -> None:
    text = EXAMPLE.replace(
        "- team: emea\n      when: {region: [EMEA]}", "- team: emae\n      when: 5"
    )
    messages = [m for _, m in problems(text)]
    assert any("'emae' is not a team" in m for m in messages)
    assert len(messages) == 2


def test_a_wrong_routing_value_is_one_problem_not_one_per_shape() -> None:
    text = EXAMPLE.replace("when: {region: [AMER]}", "when: {company_size: {min: lots}}")
    [(line, message)] = problems(text)
    assert line == line_of(text, "min: lots")
    assert "integer" in message


@pytest.mark.parametrize(
    "link",
    [
        "https://acme.slack.com/archives/C0AMER0001",
        "https://app.slack.com/client/T0123ABCD/C0AMER0001",
        "https://acme.enterprise.slack.com/archives/C0AMER0001/p1700000000123456",
    ],
)
def test_a_copied_channel_link_gives_its_id(link: str) -> None:
    book = parse_playbook(
        EXAMPLE.replace("channel: C0AMER0001", f"channel: {link}").replace(
            "channel: C0MGRS0001", f"channel: {link}"
        )
    )
    assert book.teams["amer"].channel == "C0AMER0001"
    assert book.digest is not None and book.digest.channel == "C0AMER0001"


def test_a_channel_name_says_where_to_find_the_id() -> None:
    text = EXAMPLE.replace("channel: C0AMER0001", 'channel: "#amer-sales"')
    [(line, message)] = problems(text)
    assert line == line_of(text, "#amer-sales")
    assert "not a Slack channel ID" in message
    assert "View channel details" in message


def test_a_link_to_something_else_is_not_a_channel() -> None:
    text = EXAMPLE.replace("channel: C0AMER0001", "channel: https://acme.slack.com/team/U0MGRAMER1")
    [(_, message)] = problems(text)
    assert "not a Slack channel ID" in message


def test_a_copied_profile_link_gives_the_member_id() -> None:
    book = parse_playbook(
        EXAMPLE.replace("manager: U0MGRAMER1", "manager: https://acme.slack.com/team/U0MGRAMER1")
    )
    assert book.teams["amer"].manager == "U0MGRAMER1"


def test_a_display_name_says_how_to_copy_the_member_id() -> None:
    text = EXAMPLE.replace("manager: U0MGRAMER1", 'manager: "@bob"')
    [(line, message)] = problems(text)
    assert line == line_of(text, "@bob")
    assert "not a Slack user ID" in message
    assert "Copy member ID" in message


def test_missing_file_shows_the_command_that_copies_the_example(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError) as caught:
        load_playbook(tmp_path / "playbook.yml")
    message = caught.value.user_message
    assert message.startswith(f"No playbook at {tmp_path / 'playbook.yml'}:")
    assert (
        f"cp {REPO / 'bot' / 'playbook' / 'playbook.example.yml'} {tmp_path / 'playbook.yml'}"
        in message
    )
    assert "LEADBOT_CONFIG" in message


@pytest.mark.parametrize("shape", ["", " 7", " [1, {a: b}]", " {x: [y]}", " {team: {}}"])
@pytest.mark.parametrize(
    "section", ["teams", "regions", "segments", "routing", "custom_fields", "scoring"]
)
def test_a_section_of_the_wrong_shape_is_a_mistake_not_a_crash(section: str, shape: str) -> None:
    start = EXAMPLE.index(f"\n{section}:") + 1
    end = EXAMPLE.index("\n\n", start)
    text = f"{EXAMPLE[:start]}{section}:{shape}{EXAMPLE[end:]}"
    found = problems(text)
    assert found
    assert all(line == line_of(text, f"{section}:") for line, _ in found[:1])


def test_csv_columns_map_headers_to_lead_and_custom_fields(playbook: Playbook) -> None:
    assert playbook.csv_columns["Budget Status"] == "budget"
    assert playbook.csv_columns["Product Interest"] == "product"


def test_csv_column_mapped_to_an_unknown_field_is_named_with_its_line() -> None:
    text = EXAMPLE.replace("Purchase Timeframe: timeframe", "Purchase Timeframe: timeline")
    [(line, message)] = problems(text)
    assert line == line_of(text, "Purchase Timeframe: timeline")
    assert "'timeline' is no lead field" in message
    assert "timeframe" in message and "product" in message


# -- moves: check-config ------------------------------------------------------------------------

DISQUALIFY_REASONS = (
    "  disqualify: [no budget, no authority, no need, competitor, student or job seeker, spam]"
)


def test_an_unknown_move_is_refused_with_its_line_and_nothing_else() -> None:
    text = EXAMPLE.replace("working: [touch, qualify,", "working: [touch, qualfy,")
    [(line, message)] = problems(text)  # not also "no move leads to opportunity"
    assert line == line_of(text, "qualfy")
    assert message.startswith("'qualfy' is not one of 'claim', 'touch'")


def test_an_unknown_stage_under_moves_is_refused_with_its_line() -> None:
    text = EXAMPLE.replace("  won: [note]", "  closed: [note]")
    [(line, message)] = problems(text)
    assert line == line_of(text, "closed: [note]")
    assert message.startswith("'closed' is not one of 'new', 'nurture'")


def test_a_stage_no_move_reaches_is_reported_on_its_line() -> None:
    text = EXAMPLE.replace("note, hold]", "note]").replace(
        "opportunity: [won, lost, hold,", "opportunity: [won, lost,"
    )
    [(line, message)] = problems(text)
    assert line == line_of(text, "on_hold: {owner")
    assert message == "no move leads to stage 'on_hold': add one under moves:"


def test_stages_reached_by_the_default_moves_need_no_moves_section() -> None:
    text = EXAMPLE[: EXAMPLE.index("moves:\n")] + EXAMPLE[EXAMPLE.index("# Contact attempts") :]
    assert "moves:" not in text.replace("# The moves", "")
    assert parse_playbook(text).moves is None


def test_a_move_that_needs_reasons_with_an_empty_list_is_reported() -> None:
    text = EXAMPLE.replace(DISQUALIFY_REASONS, "  disqualify: []")
    [(line, message)] = problems(text)
    assert line == line_of(text, "disqualify: []")
    assert message == "'disqualify' needs reasons to choose from: list some here"


def test_an_empty_reason_list_is_fine_when_its_move_is_not_allowed() -> None:
    text = (
        EXAMPLE.replace(DISQUALIFY_REASONS, "  disqualify: []")
        .replace("sales_ready: [claim, disqualify, note]", "sales_ready: [claim, note]")
        .replace("working: [touch, qualify, disqualify,", "working: [touch, qualify,")
    )
    assert parse_playbook(text).reasons.disqualify == []


def test_a_reason_list_without_a_value_is_one_problem() -> None:
    text = EXAMPLE.replace(DISQUALIFY_REASONS, "  disqualify:")
    [(line, message)] = problems(text)
    assert line == line_of(text, "  disqualify:", line_of(text, "reasons:"))
    assert message == "'disqualify' has no value; write it after the colon"


def test_reopen_from_an_open_stage_is_reported() -> None:
    text = EXAMPLE.replace("working: [touch, qualify,", "working: [reopen, touch, qualify,")
    [(line, message)] = problems(text)
    assert line == line_of(text, "working: [reopen")
    assert message == "reopen is a move from a closed or held lead only"


def test_the_playbook_reads_marketing_and_revisit_after(playbook: Playbook) -> None:
    assert playbook.marketing is not None
    assert (playbook.marketing.channel, playbook.marketing.users) == ("C0MKTG0001", ["U0MKTG0001"])
    assert playbook.revisit_after.days == 90
    assert playbook.admins == ["U0ADMIN001"]


def test_an_unknown_holiday_country_is_named_with_its_line() -> None:
    text = EXAMPLE.replace("holidays: DE", "holidays: XX")
    [(line, message)] = problems(text)
    assert line == line_of(text, "holidays: XX")
    assert message == (
        "'XX' is not a country code for holidays; write a code like DE, a region like DE-BY, "
        "or a list of them"
    )


def test_an_unknown_holiday_region_lists_the_countrys_regions() -> None:
    text = EXAMPLE.replace("holidays: DE", "holidays: DE-XY")
    [(line, message)] = problems(text)
    assert line == line_of(text, "holidays: DE-XY")
    assert message.startswith("'DE-XY': Germany has no holiday region 'XY' (its regions: BB, BE,")


def test_a_wrong_holiday_calendar_in_a_list_is_named_on_its_own_line() -> None:
    text = EXAMPLE.replace("holidays: DE", "holidays:\n    - DE\n    - Atlantis")
    [(line, message)] = problems(text)
    assert line == line_of(text, "- Atlantis")
    assert "'Atlantis' is not a country code for holidays" in message


@pytest.mark.parametrize(
    ("written", "calendars"),
    [
        ("DE", ("DE",)),
        ("de-by", ("DE-BY",)),
        ("DE-Bayern", ("DE-BY",)),
        ("Germany", ("DE",)),
        ("NO", ("NO",)),  # YAML 1.1 reads an unquoted NO as false
        ("[DE-BY, AT]", ("DE-BY", "AT")),
        ("[]", ()),
        ("", ()),
    ],
)
def test_holiday_calendars_are_kept_as_codes(written: str, calendars: tuple[str, ...]) -> None:
    text = EXAMPLE.replace("holidays: DE", f"holidays: {written}".rstrip())
    assert parse_playbook(text).business_hours.holiday_calendars == calendars


def test_business_hours_must_end_after_they_start() -> None:
    text = EXAMPLE.replace('end: "17:30"', 'end: "08:00"')
    [(line, message)] = problems(text)
    assert line == line_of(text, 'end: "08:00"')
    assert message == (
        "end 08:00 is not after start 09:00; business hours lie within one day "
        "(hours past midnight are not supported)"
    )


def test_business_hours_need_a_working_day() -> None:
    text = EXAMPLE.replace("days: [mon, tue, wed, thu, fri]", "days: []")
    [(line, message)] = problems(text)
    assert line == line_of(text, "days: []")
    assert "at least one working day" in message


def test_an_escalation_target_must_be_someone_the_playbook_names() -> None:
    text = EXAMPLE.replace("admins: [U0ADMIN001]           #", "admins: [U0NOBODY01]           #")
    [(line, message)] = problems(text)
    assert line == line_of(text, "admins: [U0NOBODY01]")
    assert message == "U0NOBODY01 is nobody this playbook names (admins, managers, reps, marketing)"


def test_a_weight_names_one_of_the_teams_reps() -> None:
    text = EXAMPLE.replace("weights: {U0REPAMER1: 2}", "weights: {U0REPEMEA1: 2}")
    [(line, message)] = problems(text)
    assert line == line_of(text, "weights: {U0REPEMEA1: 2}")
    assert message == "U0REPEMEA1 is not one of this team's reps"


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        ("open_leads_cap: -1", "greater than or equal to 0"),
        ("weights: {U0REPAMER1: -2}", "greater than or equal to 0"),
        ("timeout: soon", "'soon' is not a duration"),
    ],
)
def test_caps_weights_and_offer_times_are_checked(written: str, fragment: str) -> None:
    originals = {
        "open_leads_cap": "open_leads_cap: 40",
        "weights": "weights: {U0REPAMER1: 2}",
        "timeout": "timeout: 30m",
    }
    key = written.split(":")[0]
    text = EXAMPLE.replace(originals[key], written)
    [(line, message)] = problems(text)
    assert line == line_of(text, written) and fragment in message


def test_admins_after_without_anybody_to_tell_is_refused() -> None:
    text = EXAMPLE.replace("admins: [U0ADMIN001]\n", "admins: []\n", 1).replace(
        "  admins: [U0ADMIN001]           # people", "  # people"
    )
    [(line, message)] = problems(text)
    assert line == line_of(text, "admins_after: 1d")
    assert message == "nobody to tell: list admins (here or at the top)"


# -- scoring.on_decay ---------------------------------------------------------------------------


def test_on_decay_defaults_to_nurture_and_takes_keep() -> None:
    left_out = "\n".join(line for line in EXAMPLE.splitlines() if "on_decay:" not in line)
    assert parse_playbook(left_out, "test.yml").scoring.on_decay == "nurture"
    text = EXAMPLE.replace("on_decay: nurture", "on_decay: keep")
    assert parse_playbook(text, "test.yml").scoring.on_decay == "keep"


def test_an_unknown_on_decay_is_refused_with_its_line() -> None:
    text = EXAMPLE.replace("on_decay: nurture", "on_decay: drop")
    [(line, message)] = problems(text)
    assert line == line_of(text, "on_decay: drop")
    assert message == "Input should be 'nurture' or 'keep'"
