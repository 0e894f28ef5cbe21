"""Distribution: the playbook's ordered routing rules pick the team a sales-ready lead goes to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.playbook.countries import country_code
from bot.playbook.fields import option_key
from bot.playbook.model import Condition, Playbook, SizeRange


@dataclass(frozen=True)
class RoutingFacts:
    """What routing may know about a lead: country (ISO code), size, source, custom fields."""

    country: str | None
    company_size: int | None
    source: str
    custom: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """The team a lead goes to and the index of the rule that sent it (None: default team)."""

    team: str
    rule: int | None

    def explain(self, playbook: Playbook) -> str:
        """Why this team, for the lead's history: 'rule 2: region EMEA' or 'default team'."""
        if self.rule is None:
            return "default team"
        # Rules are numbered from 1 for people; `rule` is the list index.
        number = self.rule + 1
        rules = playbook.routing.rules
        if not 0 <= self.rule < len(rules):
            return f"rule {number}"  # The playbook changed since the lead was routed.
        conditions = rules[self.rule].when
        if not conditions:
            return f"rule {number}: every lead"
        described = ", ".join(_describe(key, cond) for key, cond in conditions.items())
        return f"rule {number}: {described}"


def _describe(key: str, condition: Condition) -> str:
    name = key.replace("_", " ")
    if isinstance(condition, SizeRange):
        low, high = condition.min, condition.max
        if low is not None and high is not None:
            return f"{name} {low:,}–{high:,}"
        if low is not None:
            return f"{name} {low:,}+"
        if high is not None:
            return f"{name} up to {high:,}"
        return f"{name} known"
    return f"{name} {' or '.join(condition)}"


def _same(value: str) -> str:
    """Compare values the way people mean them: 'Web Form' is 'web_form'."""
    return option_key(value).casefold()


def _fact(key: str, facts: RoutingFacts, playbook: Playbook, country: str | None) -> str | None:
    """The lead's value for a condition key, or None when the lead does not say."""
    if key == "country":
        return country
    if key == "region":
        return playbook.region_of(country)
    if key == "segment":
        return playbook.segment_of(facts.company_size)
    if key == "company_size":
        return None if facts.company_size is None else str(facts.company_size)
    if key == "source":
        return facts.source or None
    return facts.custom.get(key) or None


def _matches(
    key: str, condition: Condition, facts: RoutingFacts, playbook: Playbook, country: str | None
) -> bool:
    if isinstance(condition, SizeRange):
        size = facts.company_size if key == "company_size" else None
        if size is None:
            return False
        return (condition.min is None or size >= condition.min) and (
            condition.max is None or size <= condition.max
        )
    value = _fact(key, facts, playbook, country)
    if value is None:
        return False  # A lead that does not say never matches a condition about it.
    if key == "country":
        # The playbook may name a country ("Germany") or give its code ("DE", "DEU").
        return value in {country_code(v) for v in condition}
    return _same(value) in {_same(v) for v in condition}


def route_lead(facts: RoutingFacts, playbook: Playbook) -> Route:
    """The first rule whose every condition matches picks the team; else the default team."""
    # Leads should carry ISO codes, but a name that slipped through still routes.
    country = country_code(facts.country) if facts.country else None
    for index, rule in enumerate(playbook.routing.rules):
        if all(
            _matches(key, condition, facts, playbook, country)
            for key, condition in rule.when.items()
        ):
            return Route(team=rule.team, rule=index)
    return Route(team=playbook.routing.default_team, rule=None)
