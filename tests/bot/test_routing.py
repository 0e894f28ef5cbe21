"""Distribution: ordered routing rules, every condition kind, the default team."""

from __future__ import annotations

import pytest

from bot.playbook.loading import parse_playbook
from bot.playbook.model import Playbook
from bot.rules.routing import Route, RoutingFacts, route_lead

TEAMS = """
teams:
  a: {name: Team A, channel: C0TEAMA001, manager: U0MANAGER1}
  b: {name: Team B, channel: C0TEAMB001, manager: U0MANAGER2}
  fallback: {name: Fallback, channel: C0FALLBK01, manager: U0MANAGER3}
regions:
  DACH: [DE, Austria, CH]
  Nordics: [SE, NO, DK, FI]
segments:
  - {name: enterprise, min: 1000}
  - {name: smb, min: 1, max: 199}
custom_fields: [product, industry]
scoring: {threshold: 50}
"""


def book(rules: str) -> Playbook:
    """A playbook whose only routing is `rules` (YAML list items under routing.rules)."""
    indented = "\n".join("    " + line for line in rules.strip().splitlines())
    return parse_playbook(f"{TEAMS}routing:\n  default_team: fallback\n  rules:\n{indented}\n")


def facts(
    country: str | None = None,
    company_size: int | None = None,
    source: str = "",
    **custom: str,
) -> RoutingFacts:
    return RoutingFacts(country=country, company_size=company_size, source=source, custom=custom)


def team(rules: str, lead: RoutingFacts) -> str:
    return route_lead(lead, book(rules)).team


# --- the example playbook ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        (facts("DE", 5000), Route("enterprise", 0)),
        (facts("US", 1000), Route("enterprise", 0)),
        (facts("DE", 50), Route("emea", 1)),
        (facts("NO", None), Route("emea", 1)),
        (facts("BR", 300), Route("amer", 2)),
        (facts("JP", 300), Route("amer", None)),
        (facts(None, None), Route("amer", None)),
    ],
)
def test_example_playbook_routes(playbook: Playbook, lead: RoutingFacts, expected: Route) -> None:
    assert route_lead(lead, playbook) == expected


@pytest.mark.parametrize(
    ("route", "text"),
    [
        (Route("enterprise", 0), "rule 1: segment enterprise"),
        (Route("emea", 1), "rule 2: region EMEA"),
        (Route("amer", None), "default team"),
        (Route("amer", 9), "rule 10"),
    ],
)
def test_route_explains_itself(playbook: Playbook, route: Route, text: str) -> None:
    assert route.explain(playbook) == text


def test_explanation_lists_every_condition_of_the_rule() -> None:
    playbook = book(
        """
- team: a
  when: {country: [DE, AT], company_size: {min: 200, max: 999}, source: [event]}
- team: b
  when: {company_size: {min: 1000}}
- team: b
  when: {company_size: {max: 49}}
- team: b
"""
    )
    explained = [Route("a", i).explain(playbook) for i in range(4)]
    assert explained == [
        "rule 1: country DE or AT, company size 200–999, source event",
        "rule 2: company size 1,000+",
        "rule 3: company size up to 49",
        "rule 4: every lead",
    ]


# --- order and combination -----------------------------------------------------------------


def test_first_matching_rule_wins() -> None:
    rules = """
- team: a
  when: {country: [DE]}
- team: b
  when: {country: [DE]}
"""
    assert route_lead(facts("DE"), book(rules)) == Route("a", 0)


def test_later_rule_applies_when_earlier_ones_do_not_match() -> None:
    rules = """
- team: a
  when: {country: [FR]}
- team: b
  when: {country: [DE]}
"""
    assert route_lead(facts("DE"), book(rules)) == Route("b", 1)


def test_every_condition_of_a_rule_must_match() -> None:
    rules = """
- team: a
  when: {country: [DE], source: [event]}
"""
    assert team(rules, facts("DE", source="event")) == "a"
    assert team(rules, facts("DE", source="web_form")) == "fallback"
    assert team(rules, facts("FR", source="event")) == "fallback"


def test_any_value_of_a_list_condition_matches() -> None:
    rules = """
- team: a
  when: {source: [event, partner]}
"""
    assert team(rules, facts(source="partner")) == "a"


def test_no_matching_rule_routes_to_the_default_team() -> None:
    rules = """
- team: a
  when: {country: [FR]}
"""
    assert route_lead(facts("DE"), book(rules)) == Route("fallback", None)


def test_rule_without_conditions_takes_every_lead() -> None:
    assert route_lead(facts(), book("- team: b")) == Route("b", 0)


def test_no_rules_routes_to_the_default_team() -> None:
    assert route_lead(facts("DE", 5000), book("[]")) == Route("fallback", None)


# --- condition kinds -----------------------------------------------------------------------


@pytest.mark.parametrize("written", ["DE", "de", "Germany", "DEU"])
def test_country_condition_accepts_names_and_codes(written: str) -> None:
    rules = f"""
- team: a
  when: {{country: ["{written}"]}}
"""
    assert team(rules, facts("DE")) == "a"


def test_country_condition_does_not_match_another_country() -> None:
    assert team("- {team: a, when: {country: [Germany]}}", facts("AT")) == "fallback"


def test_country_named_on_the_lead_still_routes() -> None:
    assert team("- {team: a, when: {country: [DE]}}", facts("Germany")) == "a"


@pytest.mark.parametrize(("country", "expected"), [("AT", "a"), ("NO", "a"), ("US", "fallback")])
def test_region_condition_uses_the_playbook_regions(country: str, expected: str) -> None:
    assert team("- {team: a, when: {region: [DACH, Nordics]}}", facts(country)) == expected


def test_region_member_listed_by_name_matches_its_code() -> None:
    # DACH lists "Austria" by name; leads carry ISO codes.
    assert team("- {team: a, when: {region: [DACH]}}", facts("AT")) == "a"


@pytest.mark.parametrize(("size", "expected"), [(1000, "a"), (150, "b"), (500, "fallback")])
def test_segment_condition_uses_the_playbook_segments(size: int, expected: str) -> None:
    rules = """
- team: a
  when: {segment: [enterprise]}
- team: b
  when: {segment: [smb]}
"""
    assert team(rules, facts(company_size=size)) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [(199, "fallback"), (200, "a"), (600, "a"), (999, "a"), (1000, "fallback")],
)
def test_company_size_range_is_inclusive(size: int, expected: str) -> None:
    rules = "- {team: a, when: {company_size: {min: 200, max: 999}}}"
    assert team(rules, facts(company_size=size)) == expected


@pytest.mark.parametrize(("size", "expected"), [(999, "fallback"), (1000, "a"), (10**6, "a")])
def test_company_size_range_without_max_is_open_ended(size: int, expected: str) -> None:
    assert team("- {team: a, when: {company_size: {min: 1000}}}", facts(company_size=size)) == (
        expected
    )


@pytest.mark.parametrize(("size", "expected"), [(1, "a"), (49, "a"), (50, "fallback")])
def test_company_size_range_without_min_is_open_below(size: int, expected: str) -> None:
    assert team("- {team: a, when: {company_size: {max: 49}}}", facts(company_size=size)) == (
        expected
    )


@pytest.mark.parametrize("source", ["event", "Event", "EVENT"])
def test_source_condition_is_case_insensitive(source: str) -> None:
    assert team("- {team: a, when: {source: [Event]}}", facts(source=source)) == "a"


def test_source_condition_treats_spaces_and_underscores_alike() -> None:
    assert team("- {team: a, when: {source: [Web Form]}}", facts(source="web_form")) == "a"


def test_custom_field_condition_matches_the_lead_custom_value() -> None:
    rules = """
- team: a
  when: {product: [Analytics Pro]}
- team: b
  when: {industry: [banking, insurance]}
"""
    assert team(rules, facts(product="analytics pro")) == "a"
    assert team(rules, facts(industry="Insurance")) == "b"
    assert team(rules, facts(product="Reports")) == "fallback"


# --- missing facts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        "{country: [DE]}",
        "{region: [DACH]}",
        "{segment: [smb]}",
        "{company_size: {min: 0}}",
        "{company_size: {}}",
        "{source: ['']}",
        "{product: [Analytics]}",
    ],
)
def test_a_missing_fact_never_matches(when: str) -> None:
    assert team(f"- {{team: a, when: {when}}}", facts()) == "fallback"


def test_a_country_outside_every_region_matches_no_region_rule() -> None:
    assert team("- {team: a, when: {region: [DACH]}}", facts("BR")) == "fallback"


def test_a_size_outside_every_segment_matches_no_segment_rule() -> None:
    # The test segments leave 200-999 uncovered.
    assert team("- {team: a, when: {segment: [smb, enterprise]}}", facts(company_size=500)) == (
        "fallback"
    )


def test_an_empty_custom_value_is_missing() -> None:
    assert team("- {team: a, when: {product: ['']}}", facts(product="")) == "fallback"
