"""Country names and codes as forms and CRM exports carry them, to ISO 3166 alpha-2."""

from __future__ import annotations

import pytest

from bot.playbook.countries import country_code


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("DE", "DE"),
        ("DEU", "DE"),
        ("Germany", "DE"),
        ("germany", "DE"),
        ("Deutschland", "DE"),  # a German CRM export
        ("España", "ES"),
        ("Pays-Bas", "NL"),
        ("Österreich", "AT"),
        ("UK", "GB"),
        ("Ivory Coast", "CI"),
        ("South Korea", "KR"),
    ],
)
def test_countries_as_people_write_them(written: str, code: str) -> None:
    assert country_code(written) == code


@pytest.mark.parametrize("written", ["XX", "ZZ", "Narnia", "N/A", "-", ""])
def test_what_is_no_country_is_not_guessed(written: str) -> None:
    assert country_code(written) is None
