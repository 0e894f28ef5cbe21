"""Realistic, reproducible lead bodies for the intake benchmark.

The mix (for the example playbook, threshold 60):
- ~27% new leads whose fit crosses the threshold (a few fast-tracked by marketing): cards;
- ~63% new leads below it: marketing nurtures them, nothing goes to Slack;
- ~10% the same person again (sub-addressed or re-cased e-mail): merges. Of those, 40% update a
  sales-ready lead (its card is refreshed), 40% add a phone number to a nurture lead, and 20% bring
  answers that make a nurture lead sales-ready (its card is posted by the merge).

So ~30% of the requests post a card. Every e-mail, name and company passes the junk filters.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

FIRST_NAMES = (
    "Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Laura", "Paul", "Emma", "Noah",
    "Olivia", "Liam", "Chloé", "Hugo", "Lucía", "Mateo", "Giulia", "Marco", "Sofía", "Diego",
    "Ingrid", "Lars", "Aoife", "Seán", "Priya", "Arjun", "Yuki", "Haruto", "Mia", "Ethan",
    "Zoë", "Oliver", "Camila", "Tomás", "Hanna", "Mikael", "Fatima", "Omar", "Grace", "Daniel",
)  # fmt: skip
LAST_NAMES = (
    "Schmidt", "Müller", "Weber", "Fischer", "Martin", "Bernard", "Dubois", "Rossi", "Bianchi",
    "García", "Fernández", "López", "Silva", "Santos", "Smith", "Johnson", "Brown", "Taylor",
    "Wilson", "O'Brien", "Murphy", "Andersson", "Nilsson", "Hansen", "Kowalski", "Nowak",
    "Tanaka", "Suzuki", "Sharma", "Patel", "Kim", "Park", "Novak", "Horvat", "Jensen", "Lindqvist",
    "Moreau", "Laurent", "Costa", "Hughes",
)  # fmt: skip
# (company, domain, employees, country): sizes spread over the playbook's segments.
COMPANIES = (
    ("Northwind Logistics", "northwind-logistics.com", 4200, "US"),
    ("Bright Labs", "brightlabs.co.uk", 300, "GB"),
    ("Kessler Maschinenbau", "kessler-maschinenbau.de", 1800, "DE"),
    ("Atelier Lumière", "atelier-lumiere.fr", 45, "France"),
    ("Solaris Energia", "solarisenergia.com.br", 650, "Brazil"),
    ("Fjord Analytics", "fjordanalytics.no", 120, "NO"),
    ("Tanaka Precision", "tanaka-precision.co.jp", 2600, "JP"),
    ("Harbor & Vine", "harborvine.com", 85, "US"),
    ("Castellan Insurance", "castellan-insurance.ie", 900, "IE"),
    ("Meridian Health", "meridianhealth.ca", 3100, "Canada"),
    ("Vistula Software", "vistula-software.pl", 240, "PL"),
    ("Orbital Freight", "orbitalfreight.com.au", 410, "Australia"),
    ("Zephyr Retail", "zephyr-retail.es", 1200, "Spain"),
    ("Greenfield Foods", "greenfieldfoods.nl", 530, "Netherlands"),
    ("Quantum Ledger", "quantumledger.io", 60, "SG"),
    ("Alpine Components", "alpine-components.ch", 150, "Switzerland"),
    ("Redwood Media", "redwoodmedia.com", 220, "US"),
    ("Nordlys Shipping", "nordlys-shipping.dk", 1400, "DK"),
    ("Pampas Agro", "pampasagro.com.ar", 95, "Argentina"),
    ("Sakura Robotics", "sakura-robotics.jp", 700, "Japan"),
    ("Lakeside Clinics", "lakesideclinics.com", 35, "US"),
    ("Rheinwerk Chemie", "rheinwerk-chemie.de", 5200, "Germany"),
    ("Tricolore Moda", "tricoloremoda.it", 330, "Italy"),
    ("Aurora Telecom", "auroratelecom.se", 2100, "Sweden"),
    ("Maple Ridge Bank", "mapleridgebank.ca", 780, "CA"),
    ("Kiwi Dairy Co", "kiwidairy.co.nz", 140, "New Zealand"),
    ("Savanna Mining", "savannamining.co.za", 2500, "South Africa"),
    ("Desert Rose Hotels", "desertrosehotels.ae", 610, "AE"),
    ("Bluewave Marine", "bluewavemarine.com.mx", 180, "Mexico"),
    ("Ironclad Security", "ironcladsecurity.com", 460, "US"),
)  # fmt: skip
FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com")
SENIOR_TITLES = (
    "VP Operations", "Chief Revenue Officer", "CFO", "Vice President Sales", "Managing Director",
    "Co-Founder", "SVP Engineering", "Chief Data Officer",
)  # fmt: skip
OTHER_TITLES = (
    "Marketing Manager", "Head of Analytics", "Data Engineer", "Procurement Lead",
    "IT Director", "Business Analyst", "Product Manager", "Operations Coordinator", "",
)  # fmt: skip
EVENTS = (
    "Contract with the current vendor ends next quarter",
    "New regulation takes effect in January",
    "Board approved a digital transformation programme",
    "Merger closes this year",
)
SOURCES = ("web_form", "web_form", "web_form", "event", "referral")
PRODUCTS = ("analytics", "reporting", "data platform")
INDUSTRIES = ("manufacturing", "retail", "finance", "healthcare", "logistics")


class Kind(StrEnum):
    HOT = "hot"  # new and sales-ready: a card
    FAST_TRACK = "fast_track"  # new, below the threshold, fast-tracked by marketing: a card
    NURTURE = "nurture"  # new, below the threshold
    MERGE_HOT = "merge_hot"  # merged into a sales-ready lead: its card is refreshed
    MERGE_NURTURE = "merge_nurture"  # merged into a nurture lead, which stays there
    MERGE_PROMOTE = "merge_promote"  # merged into a nurture lead, now sales-ready: a card


@dataclass(frozen=True)
class LeadRequest:
    kind: Kind
    body: dict[str, Any]


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalpha()).lower()


@dataclass(frozen=True)
class _Person:
    first: str
    last: str
    company: tuple[str, str, int, str]
    free_mail: str | None
    serial: int

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def email(self, tag: str = "") -> str:
        local = f"{_ascii(self.first)}.{_ascii(self.last)}"
        if self.free_mail:
            # Several people share a name; at a free-mail provider they need their own mailbox.
            return f"{local}{self.serial}{tag}@{self.free_mail}"
        return f"{local}{tag}@{self.company[1]}"


def _people(rng: random.Random, count: int) -> list[_Person]:
    combos = [
        (f, last, c)
        for f in range(len(FIRST_NAMES))
        for last in range(len(LAST_NAMES))
        for c in range(len(COMPANIES))
    ]
    if count > len(combos):
        raise ValueError(f"at most {len(combos)} distinct leads")
    picked = rng.sample(combos, count)
    return [
        _Person(
            first=FIRST_NAMES[f],
            last=LAST_NAMES[last],
            company=COMPANIES[c],
            free_mail=rng.choice(FREE_MAIL) if rng.random() < 0.08 else None,
            serial=i,
        )  # fmt: skip
        for i, (f, last, c) in enumerate(picked)
    ]


def _size_text(rng: random.Random, size: int) -> int | str:
    # Forms send sizes as numbers, '1,200', '200-500' or '1000+'.
    roll = rng.random()
    if roll < 0.6:
        return size
    if roll < 0.8:
        return f"{size:,}"
    if roll < 0.9:
        return f"{size}-{size * 2}"
    return f"{size}+"


def _base(rng: random.Random, person: _Person) -> dict[str, Any]:
    company, _, size, country = person.company
    body: dict[str, Any] = {
        "email": person.email(),
        "name": person.name,
        "company": company,
        "country": country,
        "source": rng.choice(SOURCES),
    }
    if rng.random() < 0.8:
        body["company_size"] = _size_text(rng, size)
    if rng.random() < 0.5:
        body["phone"] = f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(10**5, 10**7)}"
    if rng.random() < 0.3:
        body["product"] = rng.choice(PRODUCTS)
    if rng.random() < 0.3:
        body["industry"] = rng.choice(INDUSTRIES)
    return body


def _hot(rng: random.Random, person: _Person) -> dict[str, Any]:
    """Fit of 60+ whatever the size: budget 20 + decision maker 20 + this quarter 15 + event 15."""
    body = _base(rng, person) | {
        "title": rng.choice(SENIOR_TITLES),
        "budget": "approved",
        "timeframe": rng.choice(("this quarter", "This Quarter", "this_quarter")),
    }
    if rng.random() < 0.5:
        body["compelling_event"] = rng.choice(EVENTS)
    else:
        body["authority"] = "Decision Maker"
        body["compelling_event"] = True
    return body


def _nurture(rng: random.Random, person: _Person) -> dict[str, Any]:
    """Fit well under 60: at most planned 10 + influencer 10 + this half 10 + size 15 = 45."""
    body = _base(rng, person) | {"title": rng.choice(OTHER_TITLES)}
    if rng.random() < 0.5:
        body["budget"] = rng.choice(("planned", "none"))
    if rng.random() < 0.5:
        body["timeframe"] = rng.choice(("this half", "this year", "later"))
    return body


def _promote_answers(rng: random.Random) -> dict[str, Any]:
    return {
        "title": rng.choice(SENIOR_TITLES),
        "budget": "approved",
        "timeframe": "this quarter",
        "compelling_event": rng.choice(EVENTS),
    }


def make_requests(
    count: int, *, seed: int = 2026, merge_share: float = 0.10, hot_share: float = 0.30,
    fast_track_share: float = 0.02, gap: int | None = None, warmup: int = 0,
) -> tuple[list[LeadRequest], list[LeadRequest]]:  # fmt: skip
    """(warm-up requests, measured requests): `count` measured ones in the mix described above.

    A merge comes at least `gap` requests (default: a fifth of `count`, at least 64) after its
    person's first request, so it merges into a committed lead rather than racing it (a first
    request stuck for a second behind a lock could otherwise be overtaken). Warm-up leads are
    other people (never merged into).
    """
    gap = max(64, count // 5) if gap is None else gap
    rng = random.Random(seed)
    merges = int(count * merge_share)
    uniques = count - merges
    people = _people(rng, uniques + warmup)
    warm_people, people = people[:warmup], people[warmup:]

    warm = [LeadRequest(Kind.NURTURE, _nurture(rng, p)) for p in warm_people]
    for i in range(0, len(warm), 3):  # a third of the warm-up is sales-ready: cards too
        warm[i] = LeadRequest(Kind.HOT, _hot(rng, warm_people[i]))

    firsts: list[tuple[_Person, Kind]] = []
    for person in people:
        roll = rng.random()
        if roll < hot_share - fast_track_share:
            firsts.append((person, Kind.HOT))
        elif roll < hot_share:
            firsts.append((person, Kind.FAST_TRACK))
        else:
            firsts.append((person, Kind.NURTURE))
    # (position, request): merges land between first requests, each well after its person's.
    placed: list[tuple[float, LeadRequest]] = []
    for i, (person, kind) in enumerate(firsts):
        if kind is Kind.HOT:
            body = _hot(rng, person)
        elif kind is Kind.FAST_TRACK:
            body = _nurture(rng, person) | {"source": "event", "fast_track": True}
        else:
            body = _nurture(rng, person)
        placed.append((float(i), LeadRequest(kind, body)))

    hot = [i for i, (_, k) in enumerate(firsts) if k is Kind.HOT]
    cool = [i for i, (_, k) in enumerate(firsts) if k is Kind.NURTURE]
    for _ in range(merges):
        roll = rng.random()
        pool, kind = (hot, Kind.MERGE_HOT) if roll < 0.4 else (cool, Kind.MERGE_NURTURE)
        if roll >= 0.8:
            kind = Kind.MERGE_PROMOTE
        candidates = [i for i in pool if i + gap < len(firsts)]
        if not candidates:
            continue
        first = rng.choice(candidates)
        pool.remove(first)  # one merge per person
        person = firsts[first][0]
        tag = rng.choice(("+webinar", "+newsletter", "+ads", ""))
        email = person.email(tag)
        if not tag:  # the same address with the domain in capitals: the same person
            local, _, domain = email.rpartition("@")
            email = f"{local}@{domain.upper()}"
        body = {"email": email, "source": "event"}
        if kind is Kind.MERGE_PROMOTE:
            body |= _promote_answers(rng)
        elif kind is Kind.MERGE_HOT:
            body["phone"] = f"+49 30 {rng.randint(10**6, 10**7)}"
            body["title"] = rng.choice(SENIOR_TITLES)
        else:
            body["phone"] = f"+1 415 {rng.randint(10**6, 10**7)}"
        placed.append((rng.uniform(first + gap, len(firsts)), LeadRequest(kind, body)))
    placed.sort(key=lambda item: item[0])
    measured = [request for _, request in placed]
    return warm, measured
