"""Which lead field each CSV column fills: CRM headers, `--map` and the playbook's csv_columns."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from bot.core.errors import LeadbotError

#: The lead fields a column can fill: the intake API's fields (bot.intake.capture.LeadIn) in the
#: order the summary shows them; first_name and last_name are joined into name.
CSV_FIELDS = (
    "email",
    "name",
    "first_name",
    "last_name",
    "company",
    "title",
    "phone",
    "country",
    "source",
    "budget",
    "authority",
    "timeframe",
    "compelling_event",
    "company_size",
    "fast_track",
)
NAME_PARTS = ("first_name", "last_name")
#: The intake API's fields (tests/bot/test_csvcolumns.py holds it to bot.intake.leadinput.LeadIn).
LEAD_FIELDS = tuple(name for name in CSV_FIELDS if name not in NAME_PARTS)
#: Mapping a column to this leaves it out on purpose (a wrong guess, a column of other data).
IGNORE = "ignore"

#: How CRM exports and hand-made lists name each field, besides the field's own name (so
#: "Company Size", "First Name", "Email" need no entry). Headers are compared by `header_key`:
#: case, spaces and punctuation do not matter. When a file has several columns for one field,
#: the first that is not empty in a row wins, in this order.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "email": (
        "Email Address",  # Marketo
        "Mail",
        "Work Email",
        "Business Email",
        # Pipedrive: one column per label, work first.
        "Person - Email - Work",
        "Person - Email",
        "Person - Email - Other",
        "Person - Email - Home",
    ),
    "name": ("Full Name", "Contact", "Contact Name", "Lead Name", "Person - Name"),
    "first_name": ("Given Name", "Forename", "Person - First name"),
    "last_name": ("Surname", "Family Name", "Person - Last name"),
    "company": (
        "Company Name",  # HubSpot, Marketo, LinkedIn
        "Account Name",  # Salesforce contacts
        "Company / Account",  # Salesforce leads
        "Account",
        "Associated Company",  # HubSpot
        "Organization",
        "Organisation",
        "Person - Organization",  # Pipedrive
        "Organization - Name",
        "Employer",
    ),
    "title": ("Job Title", "Position", "Person - Job title", "Person - Title"),
    "phone": (
        "Phone Number",
        "Business Phone",
        "Work Phone",
        "Telephone",
        "Person - Phone - Work",
        "Person - Phone",
        "Mobile Phone",
        "Mobile Phone Number",
        "Mobile",
        "Person - Phone - Mobile",
    ),
    "country": (
        "Country/Region",  # HubSpot
        "Country Code",
        "Mailing Country",  # Salesforce contacts
        "Billing Country",  # Salesforce accounts
        "Company Country",
        "Person - Postal address - Country",  # Pipedrive
        "Organization - Country of Address",
        "Organization - Address - Country",
    ),
    "company_size": (
        "Employees",  # Salesforce accounts, Apollo's "# Employees"
        "Number of Employees",  # HubSpot, Salesforce's NumberOfEmployees
        "No. of Employees",  # Salesforce leads
        "Num Employees",  # Marketo
        "Employee Count",
        "Headcount",
        "Size",
        "Organization - Number of employees",  # Pipedrive
    ),
}


def header_key(header: str) -> str:
    """The form headers and field names are compared in: 'Country/Region' -> 'countryregion'."""
    return re.sub(r"[\W_]+", "", header.casefold())


@cache
def _aliases() -> dict[str, tuple[str, int]]:
    """header key -> (field, rank); rank 0 is the field's own name."""
    index: dict[str, tuple[str, int]] = {}
    for name, spellings in COLUMN_ALIASES.items():
        for rank, spelling in enumerate(spellings, start=1):
            index.setdefault(header_key(spelling), (name, rank))
    return index


def known_fields(custom_fields: Sequence[str]) -> str:
    """The targets a column may be mapped to, for error messages."""
    custom = ", ".join(custom_fields) or "none yet"
    return f"{', '.join(CSV_FIELDS)}; custom fields: {custom}; or {IGNORE}"


def field_for(target: str, custom_fields: Sequence[str]) -> str | None:
    """The field (or IGNORE) a mapping target names, forgiving case and spaces; None if unknown."""
    names = {header_key(n): n for n in (*CSV_FIELDS, *custom_fields, IGNORE)}
    return names.get(header_key(target))


def parse_map(specs: Sequence[str]) -> dict[str, str]:
    """`--map 'Region=country'` options -> {column: target}."""
    columns: dict[str, str] = {}
    for spec in specs:
        # Field names never hold '=', column names might.
        column, _, target = spec.rpartition("=")
        if not column.strip() or not target.strip():
            raise LeadbotError(
                f"--map takes COLUMN=FIELD, like --map 'Region=country' (got '{spec}')."
            )
        columns[column.strip()] = target.strip()
    return columns


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    rank: int


@dataclass
class ColumnPlan:
    """What each column of one file fills, decided once from its header line."""

    sources: dict[str, list[Column]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def read(self, record: Sequence[str]) -> dict[str, str]:
        """The lead data of one CSV record: the first non-empty column of each field."""
        data: dict[str, str] = {}
        for name, columns in self.sources.items():
            for column in columns:
                value = record[column.index].strip() if column.index < len(record) else ""
                if value:
                    data[name] = value
                    break
        if "email" in data:
            # Pipedrive writes a person's second address of one label into the same cell.
            data["email"] = re.split(r"[,;]", data["email"], maxsplit=1)[0].strip()
        parts = [data.pop(part, "") for part in NAME_PARTS]
        if "name" not in data and any(parts):
            data["name"] = " ".join(p for p in parts if p)
        return data

    def describe(self) -> str:
        """'Email -> email, First Name + Last Name -> name, …': the mapping, for the summary."""
        parts = " + ".join(self.sources[p][0].header for p in NAME_PARTS if p in self.sources)
        choices: dict[str, list[str]] = {}
        for name, columns in self.sources.items():
            if name not in NAME_PARTS:
                choices.setdefault(name, []).extend(c.header for c in columns)
            elif parts not in choices.setdefault("name", []):
                choices["name"].append(parts)
        return ", ".join(
            f"{first} (else {' or '.join(rest)}) -> {name}" if rest else f"{first} -> {name}"
            for name, (first, *rest) in choices.items()
        )


def plan_columns(
    header: Sequence[str],
    *,
    custom_fields: Sequence[str],
    playbook_columns: Mapping[str, str],
    columns: Mapping[str, str],
    line: int = 1,
) -> ColumnPlan:
    """Decide what each column fills: --map, then csv_columns, then field names, then aliases."""
    keys = [header_key(h) for h in header]
    for wanted in columns:
        if header_key(wanted) not in keys:
            raise LeadbotError(
                f"--map names the column '{wanted}', which line {line} does not have "
                f"(columns: {', '.join(header)})."
            )
    chosen = {header_key(c): t for c, t in {**playbook_columns, **columns}.items()}
    own = {header_key(n): n for n in (*CSV_FIELDS, *custom_fields)}
    found: list[tuple[str, Column]] = []
    plan = ColumnPlan()
    for index, (text, key) in enumerate(zip(header, keys, strict=True)):
        if key in chosen:
            target = field_for(chosen[key], custom_fields)
            if target is None:
                raise LeadbotError(
                    f"--map '{text}={chosen[key]}': '{chosen[key]}' is no lead field "
                    f"(fields: {known_fields(custom_fields)})."
                )
            name, rank = target, -1
        elif key in own:
            name, rank = own[key], 0
        elif key in _aliases():
            name, rank = _aliases()[key]
        else:
            plan.ignored.append(text.strip() or f"column {index + 1} (no header)")
            continue
        if name != IGNORE:
            found.append((name, Column(index, text.strip(), rank)))
    order = {n: i for i, n in enumerate((*CSV_FIELDS, *custom_fields))}
    for name, column in sorted(found, key=lambda f: (order[f[0]], f[1].rank, f[1].index)):
        plan.sources.setdefault(name, []).append(column)
    if "email" not in plan.sources:
        raise LeadbotError(
            f"Line {line} names no e-mail column (found: {', '.join(header)}); add one called "
            "'email' or name yours with --map 'COLUMN=email'."
        )
    return plan
