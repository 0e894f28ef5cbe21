"""Column mapping: one header normalisation, an alias table without clashes, first + last name."""

from __future__ import annotations

import pytest

from bot.core.errors import LeadbotError
from bot.intake.capture import LeadIn
from bot.playbook.csvcolumns import (
    COLUMN_ALIASES,
    CSV_FIELDS,
    LEAD_FIELDS,
    NAME_PARTS,
    header_key,
    parse_map,
    plan_columns,
)


def plan(header: list[str], **columns: str):
    return plan_columns(header, custom_fields=["product"], playbook_columns={}, columns=columns)


def test_csv_fields_are_the_intake_fields_and_the_name_parts() -> None:
    assert set(CSV_FIELDS) == set(LeadIn.model_fields) | set(NAME_PARTS)
    assert set(LEAD_FIELDS) == set(LeadIn.model_fields)


def test_header_key_ignores_case_spaces_and_punctuation() -> None:
    keys = {header_key(h) for h in ("First Name", "first_name", "FirstName", "FIRST-NAME")}
    assert keys == {"firstname"}
    assert header_key("Country/Region") == header_key("country region")


def test_no_spelling_names_two_fields() -> None:
    owners: dict[str, str] = {}
    for name, spellings in COLUMN_ALIASES.items():
        for spelling in spellings:
            assert owners.setdefault(header_key(spelling), name) == name, spelling
    assert not set(owners) & {header_key(f) for f in CSV_FIELDS}


def test_first_and_last_name_make_the_name() -> None:
    columns = plan(["Email", "First Name", "Last Name"])
    assert columns.read(["a@b.de", " Ana ", "Souza"]) == {"email": "a@b.de", "name": "Ana Souza"}
    assert columns.read(["a@b.de", "", "Souza"]) == {"email": "a@b.de", "name": "Souza"}
    assert columns.describe() == "Email -> email, First Name + Last Name -> name"


def test_a_full_name_column_wins_over_the_parts() -> None:
    columns = plan(["Email", "Person - Name", "Person - First name"])
    assert columns.read(["a@b.de", "Ana Souza", "Ana"])["name"] == "Ana Souza"
    assert columns.read(["a@b.de", "", "Ana"])["name"] == "Ana"


def test_the_first_of_several_addresses_in_a_cell_is_taken() -> None:
    columns = plan(["Person - Email - Work"])
    assert columns.read(["ana@solar.br, a.souza@solar.br"]) == {"email": "ana@solar.br"}


def test_map_is_forgiving_about_the_field_name() -> None:
    columns = plan(["email", "Size band"], **{"size band": "Company Size"})
    assert columns.read(["a@b.de", "250"]) == {"email": "a@b.de", "company_size": "250"}


def test_a_column_without_a_header_is_reported() -> None:
    assert plan(["email", ""]).ignored == ["column 2 (no header)"]


def test_parse_map_splits_on_the_last_equals_sign() -> None:
    assert parse_map(["a=b=country", " Region = country "]) == {
        "a=b": "country",
        "Region": "country",
    }
    with pytest.raises(LeadbotError, match="--map takes COLUMN=FIELD"):
        parse_map(["=country"])
