"""Country names and codes to ISO 3166 alpha-2, via pycountry's maintained tables."""

from __future__ import annotations

import gettext
from functools import cache, lru_cache

import pycountry

_ALIASES = {
    "UK": "GB",
    "USA": "US",
    "U.S.": "US",
    "U.S.A.": "US",
    "UAE": "AE",
    "IVORY COAST": "CI",
}
#: Languages whose country names CRM exports and forms in Europe and the Americas carry
#: ("Deutschland", "España", "Pays-Bas"), read from pycountry's own translations.
NAME_LANGUAGES = ("de", "fr", "es", "it", "nl", "pt", "sv", "da", "nb", "fi", "pl")


@cache
def _translated_names() -> dict[str, str]:
    """Casefolded country names in NAME_LANGUAGES -> ISO code."""
    names: dict[str, str] = {}
    for language in NAME_LANGUAGES:
        try:
            translation = gettext.translation(
                "iso3166-1", pycountry.LOCALES_DIR, languages=[language]
            )
        except OSError:
            continue
        for country in pycountry.countries:
            for name in {country.name, getattr(country, "common_name", country.name)}:
                names.setdefault(translation.gettext(name).casefold(), str(country.alpha_2))
    return names


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
    translated = _translated_names().get(cleaned.casefold())
    if translated:
        return translated
    if len(cleaned) <= 3:
        return None  # an unknown code ('XX') is no country, not the nearest match (Malta)
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
