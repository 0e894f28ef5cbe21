"""Country names and codes to ISO 3166 alpha-2, via pycountry's maintained tables."""

from __future__ import annotations

from functools import lru_cache

import pycountry

_ALIASES = {"UK": "GB", "USA": "US", "U.S.": "US", "U.S.A.": "US", "UAE": "AE"}


@lru_cache(maxsize=2048)
def country_code(value: str) -> str | None:
    """'Germany', 'DE', 'DEU' -> 'DE'; None when it is no country we know."""
    cleaned = value.strip()
    if not cleaned:
        return None
    cleaned = _ALIASES.get(cleaned.upper(), cleaned)
    try:
        return str(pycountry.countries.lookup(cleaned).alpha_2)
    except LookupError:
        pass
    try:
        matches = pycountry.countries.search_fuzzy(cleaned)
    except LookupError:
        return None
    return str(matches[0].alpha_2) if len(matches) == 1 else None


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """'DE' -> 'Germany' (the code itself when it is unknown)."""
    country = pycountry.countries.get(alpha_2=code)
    return str(getattr(country, "common_name", None) or country.name) if country else code
