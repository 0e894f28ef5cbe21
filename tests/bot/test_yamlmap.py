"""Reading the playbook's YAML: duplicated keys, syntax errors and YAML 1.1 traps, with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import PlaybookError
from bot.playbook.loading import load_playbook, parse_playbook
from tests.bot.test_playbook import EXAMPLE, line_of, problems

SECOND_AMER = """\
  amer:
    name: Americas Sales West
    channel: C0AMER0002
    manager: U0MGRAMER2
  enterprise:
"""


def file_problems(path: Path) -> list[tuple[int, str]]:
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)
    return [(p.line, p.message) for p in caught.value.problems]


def test_a_second_team_with_the_same_key_is_refused_naming_both_lines() -> None:
    text = EXAMPLE.replace("  enterprise:\n", SECOND_AMER, 1)
    first = line_of(text, "  amer:")
    second = line_of(text, "  amer:", first + 1)
    assert problems(text) == [(second, f"`amer` is defined twice (first at line {first})")]


def test_a_duplicated_key_deep_inside_is_refused() -> None:
    text = EXAMPLE.replace("{approved: 20, planned: 10,", "{approved: 20, approved: 10,")
    line = line_of(text, "approved: 10")
    assert problems(text) == [(line, f"`approved` is defined twice (first at line {line})")]


def test_a_merge_key_may_be_overridden() -> None:
    text = EXAMPLE.replace("  emea:\n", "  emea: &team\n", 1).replace(
        "  enterprise:\n    name: Enterprise\n    channel: C0ENTR0001\n",
        "  enterprise:\n    <<: *team\n    name: Enterprise\n    channel: C0ENTR0001\n",
    )
    book = parse_playbook(text)
    assert book.teams["enterprise"].name == "Enterprise"
    assert book.teams["enterprise"].channel == "C0ENTR0001"


def test_a_tab_in_the_indentation_is_named_with_its_line() -> None:
    text = EXAMPLE.replace("    manager: U0MGRAMER1", "\tmanager: U0MGRAMER1")
    line = line_of(text, "\tmanager")
    assert problems(text) == [(line, "tabs are not allowed for indentation in YAML; use spaces")]


def test_an_unclosed_bracket_is_named_at_the_line_that_opens_it() -> None:
    text = EXAMPLE.replace("reps: [U0REPEMEA1, U0REPEMEA2]", "reps: [U0REPEMEA1, U0REPEMEA2")
    [(line, message)] = problems(text)
    assert line == line_of(text, "reps: [U0REPEMEA1")
    assert message.startswith("not valid YAML:")
    assert "the [ opened on this line is not closed" in message


def test_a_line_without_its_colon_is_named() -> None:
    text = EXAMPLE.replace("contact_attempts: 6", "contact_attempts 6")
    [(line, message)] = problems(text)
    assert line == line_of(text, "contact_attempts 6")
    assert "name: value" in message


def test_a_value_starting_with_at_says_to_quote_it() -> None:
    text = EXAMPLE.replace("manager: U0MGRAMER1", "manager: @bob")
    [(line, message)] = problems(text)
    assert line == line_of(text, "@bob")
    assert "in quotes" in message


def test_a_time_written_without_quotes_says_to_quote_it() -> None:
    text = EXAMPLE.replace('start: "09:00"', "start: 9:00")
    assert problems(text) == [
        (
            line_of(text, "start: 9:00"),
            'YAML reads 9:00 as the number 540; write the time in quotes, like "09:00"',
        )
    ]


def test_a_reason_called_no_says_to_quote_it() -> None:
    text = EXAMPLE.replace("recycle: [not now,", "recycle: [no, not now,")
    assert problems(text) == [
        (
            line_of(text, "recycle: [no,"),
            'YAML reads an unquoted no as false; write it in quotes: "no"',
        )
    ]


def test_a_team_key_read_as_a_boolean_says_to_quote_it() -> None:
    text = EXAMPLE.replace("  enterprise:\n", "  on:\n").replace("team: enterprise", "team: emea")
    [(line, message)] = problems(text)
    assert line == line_of(text, "  on:")
    assert message == 'YAML reads an unquoted on as true; write it in quotes: "on"'


def test_a_routing_value_read_as_a_boolean_says_to_quote_it() -> None:
    text = EXAMPLE.replace("when: {region: [AMER]}", "when: {product: [yes]}")
    assert problems(text) == [
        (
            line_of(text, "product: [yes]"),
            'YAML reads an unquoted yes as true; write it in quotes: "yes"',
        )
    ]


def test_norway_unquoted_routes_as_a_country() -> None:
    book = parse_playbook(EXAMPLE.replace("when: {region: [AMER]}", "when: {country: NO}"))
    assert book.routing.rules[2].when["country"] == ["NO"]


def test_a_channel_name_unquoted_is_a_comment_and_says_so() -> None:
    text = EXAMPLE.replace("channel: C0AMER0001", "channel: #amer-sales")
    [(line, message)] = problems(text)
    assert line == line_of(text, "#amer-sales")
    assert "has no value" in message
    assert "#" in message and "comment" in message


def test_a_number_where_text_is_expected_says_to_quote_it() -> None:
    text = EXAMPLE.replace("name: Enterprise", "name: 0123")
    assert problems(text) == [
        (line_of(text, "name: 0123"), 'YAML reads 0123 as a number; write it in quotes: "0123"')
    ]


def test_two_documents_in_one_file_are_refused() -> None:
    [(line, message)] = problems(EXAMPLE + "---\ncompany: Other\n")
    assert line == len(EXAMPLE.splitlines()) + 1
    assert "one YAML document" in message


def test_an_empty_file_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "playbook.yml"
    path.write_text("")
    [(line, message)] = file_problems(path)
    assert line == 1
    assert "empty" in message and "playbook.example.yml" in message


def test_a_file_of_comments_only_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "playbook.yml"
    path.write_text("# teams go here\n# later\n")
    [(line, message)] = file_problems(path)
    assert line == 1
    assert "no settings" in message


def test_a_list_at_the_top_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "playbook.yml"
    path.write_text("# a list\n- teams\n- routing\n")
    assert file_problems(path) == [
        (2, "the playbook must be a mapping of settings (like `teams:`), not a list")
    ]


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "playbook.yml"
    path.write_bytes(EXAMPLE.encode().replace(b"Acme Analytics", "Acmé".encode("latin-1")))
    [(line, message)] = file_problems(path)
    assert line == line_of(EXAMPLE, "Acme Analytics")
    assert "UTF-8" in message


def test_a_control_character_names_the_line() -> None:
    text = EXAMPLE.replace("name: Enterprise", "name: Enter\x07prise")
    [(line, message)] = problems(text)
    assert line == line_of(text, "Enter\x07prise")
    assert "not valid YAML" in message


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "playbook.yml"
    path.write_text("\ufeff" + EXAMPLE, encoding="utf-8")
    assert load_playbook(path).company == "Acme Analytics"


def test_an_impossible_date_is_named_not_a_crash() -> None:
    text = EXAMPLE.replace("holidays: DE", "holidays: 2026-02-30")
    [(line, message)] = problems(text)
    assert line == line_of(text, "2026-02-30")
    assert message == (
        "not valid YAML: YAML reads 2026-02-30 as a date, but it is not one "
        '(day is out of range for month); write it in quotes if it is text: "2026-02-30"'
    )
