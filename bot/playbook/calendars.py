"""Public-holiday calendars the playbook may name: a country (DE) or one of its regions (DE-BY).

The `holidays` library is the source of truth for which countries and regions have calendars;
a name it does not know is a check-config mistake, not a silently empty calendar.
"""

from __future__ import annotations

import re
from functools import cache

import holidays

from bot.playbook.countries import country_code, country_name

# Two letters, a hyphen, the region: "DE-BY", "US-CA", "DE-Bayern". Country names that contain
# a hyphen ("Guinea-Bissau", "Timor-Leste") have more than two letters before it.
REGION = re.compile(r"^([A-Za-z]{2})-(\S.*)$")
#: How many of a country's regions an error lists before "…".
LISTED_REGIONS = 20


@cache
def _countries() -> dict[str, tuple[str, ...]]:
    """ISO code -> the region codes its calendar knows (a one-off 50 ms read of the library)."""
    supported = holidays.list_supported_countries(include_aliases=False)
    return {code: tuple(regions) for code, regions in supported.items() if len(code) == 2}


@cache
def _region_names(country: str) -> dict[str, str]:
    """Casefolded region code or name ("by", "bayern") -> the library's region code ("BY")."""
    entity = holidays.country_holidays(country)
    names = {code.casefold(): code for code in _countries()[country]}
    for alias, code in (getattr(entity, "subdivisions_aliases", None) or {}).items():
        names.setdefault(str(alias).casefold(), str(code))
    return names


def holiday_calendar(value: str) -> str:
    """'de', 'Germany' -> 'DE'; 'de-by', 'DE-Bayern' -> 'DE-BY'; ValueError naming the mistake."""
    text = value.strip()
    region = REGION.match(text)
    if region:
        country, subdivision = region.group(1).upper(), region.group(2).strip()
    else:
        country, subdivision = (country_code(text) or text.upper()), None
    if country not in _countries():
        raise ValueError(
            f"'{text}' is not a country code for holidays; write a code like DE, "
            "a region like DE-BY, or a list of them"
        )
    if subdivision is None:
        return country
    code = _region_names(country).get(subdivision.casefold())
    if code is None:
        regions = _countries()[country]
        listed = ", ".join(regions[:LISTED_REGIONS])
        if len(regions) > LISTED_REGIONS:
            listed += ", …"
        known = f"its regions: {listed}" if regions else "it has none; write the country alone"
        raise ValueError(
            f"'{text}': {country_name(country)} has no holiday region '{subdivision}' ({known})"
        )
    return f"{country}-{code}"


def split_calendar(code: str) -> tuple[str, str | None]:
    """A validated calendar code -> (country, region or None): 'DE-BY' -> ('DE', 'BY')."""
    country, _, region = code.partition("-")
    return country, region or None
