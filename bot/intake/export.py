"""`leadbot export`: leads as CSV for a spreadsheet or a BI tool, streamed row by row.

Here beside `leadbot import` (bot/intake/csvimport.py): the same lead fields, the other way.
Export reads the leads table only; the funnel's figures (bot/reporting) are computed from the
event history, and a BI tool that wants them computes them from these rows' dates the same way
docs/metrics.md defines them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlmodel import Session

from bot.core.errors import LeadbotError
from bot.core.stages import Stage
from bot.playbook.fields import option_key
from bot.playbook.model import Playbook
from store.export import BATCH_SIZE, count_leads, stream_leads

#: The columns, in order: the lead's column, and how its value becomes a cell ("text" cells are
#: what people typed, guarded against formulas; the others leadbot wrote itself).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "int"),
    ("email", "text"),
    ("name", "text"),
    ("company", "text"),
    ("title", "text"),
    ("phone", "text"),
    ("country", "text"),
    ("domain", "text"),
    ("company_size", "int"),
    ("source", "text"),
    ("stage", "key"),
    ("team", "key"),
    ("owner_id", "key"),
    ("score", "number"),
    ("fit_score", "number"),
    ("budget", "text"),
    ("authority", "text"),
    ("timeframe", "text"),
    ("compelling_event", "text"),
    ("fast_tracked", "bool"),
    ("created_at", "time"),
    ("sales_ready_at", "time"),
    ("claimed_at", "time"),
    ("qualified_at", "time"),
    ("closed_at", "time"),
    ("stage_entered_at", "time"),
    ("updated_at", "time"),
    ("reason", "text"),
    ("amount", "number"),
    ("currency", "text"),
    ("attempts", "int"),
    ("connected_at", "time"),
    ("nurture_touches", "int"),
)
#: Headers that differ from the column's name.
HEADERS = {"owner_id": "owner"}
#: A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
#: (OWASP "CSV injection"): such a cell gets a leading apostrophe and is shown as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t", "|": "|"}


@dataclass(frozen=True)
class ExportQuery:
    """Which leads: created at or after `since` (None: all), in these teams and stages (empty:
    any)."""

    since: datetime | None = None
    teams: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()


def named_teams(words: Iterable[str], playbook: Playbook) -> tuple[str, ...]:
    """The playbook's teams named by key or by name (any case); a LeadbotError for any other."""
    keys: list[str] = []
    for word in words:
        wanted = word.strip().casefold()
        found = next(
            (k for k, t in playbook.teams.items() if wanted in (k.casefold(), t.name.casefold())),
            None,
        )
        if found is None:
            known = ", ".join(playbook.teams)
            raise LeadbotError(f"There is no team '{word}'; the teams are: {known}.")
        keys.append(found)
    return tuple(keys)


def named_stages(words: Iterable[str]) -> tuple[str, ...]:
    """Stages named as leadbot writes them ("sales_ready", also "sales-ready", "Sales ready")."""
    values: list[str] = []
    for word in words:
        key = option_key(word)
        if key not in Stage._value2member_map_:
            known = ", ".join(s.value for s in Stage)
            raise LeadbotError(f"There is no stage '{word}'; the stages are: {known}.")
        values.append(key)
    return tuple(values)


def delimiter_of(word: str) -> str:
    """The separator `--delimiter` names: , ; | or tab."""
    found = DELIMITERS.get(word) or DELIMITERS.get(word.strip().lower())
    if found is None:
        raise LeadbotError(f"--delimiter takes , ; | or tab, not '{word}'.")
    return found


def header(playbook: Playbook) -> list[str]:
    """The header row: the lead's columns, then the playbook's custom fields."""
    names = [HEADERS.get(name, name) for name, _ in COLUMNS]
    return names + [_custom_header(key, names) for key in playbook.custom_fields]


def _custom_header(key: str, taken: Sequence[str]) -> str:
    return f"custom_{key}" if key in taken else key


def count(*, session: Session, query: ExportQuery) -> int:
    """How many rows `rows` yields (a progress bar's total)."""
    return count_leads(session=session, since=query.since, teams=query.teams, stages=query.stages)


def rows(
    *, session: Session, query: ExportQuery, playbook: Playbook, batch_size: int = BATCH_SIZE
) -> Generator[list[str], None, None]:
    """One list of cells per lead, in id order, read from the database as they are asked for
    (at most `batch_size` leads in memory): the header is `header(playbook)`."""
    custom = tuple(playbook.custom_fields)
    leads = stream_leads(
        session=session,
        columns=SELECTED,
        since=query.since,
        teams=query.teams,
        stages=query.stages,
        batch_size=batch_size,
    )
    try:
        for lead in leads:
            yield cells(lead, custom)
    finally:
        leads.close()  # the cursor is closed now, while its session is still open


def cells(lead: Sequence[Any], custom_fields: Sequence[str]) -> list[str]:
    """A lead's row (its values in the order of SELECTED): every value as text, times in ISO
    8601 UTC, people's text formula-safe."""
    row = [
        "" if value is None else convert(value)
        for value, convert in zip(lead, CONVERTERS, strict=False)
    ]
    extra: Mapping[str, Any] = lead[-1] or {}
    row.extend(_custom_cell(extra.get(key)) for key in custom_fields)
    return row


def _custom_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(float(value))
    if isinstance(value, list):
        return safe_cell("; ".join(str(v) for v in value))
    if isinstance(value, dict):  # not simple: kept whole, as JSON
        return safe_cell(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return safe_cell(str(value))


def safe_cell(text: str) -> str:
    """`text`, with an apostrophe in front if a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def iso_utc(at: datetime) -> str:
    """2026-11-23T09:00:00Z: whole seconds, UTC, the form every BI tool reads."""
    if at.utcoffset():  # the store hands back UTC already; isoformat is 5x faster than strftime
        at = at.astimezone(UTC)
    return at.isoformat(timespec="seconds")[:19] + "Z"  # without "+00:00"


def _number_cell(value: Any) -> str:
    return number_text(float(value))


def _bool_cell(value: Any) -> str:
    return "true" if value else "false"


def _text_cell(value: Any) -> str:
    # safe_cell, inlined: this runs for a dozen columns of every lead.
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


#: How each kind of column becomes a cell (None is always the empty cell).
_CONVERT: dict[str, Callable[[Any], str]] = {
    "text": _text_cell,
    "time": iso_utc,
    "number": _number_cell,
    "bool": _bool_cell,
    "int": str,
    "key": str,
}
CONVERTERS = tuple(_CONVERT[kind] for _, kind in COLUMNS)
#: The lead columns read: COLUMNS', then the custom fields' dict.
SELECTED = (*(name for name, _ in COLUMNS), "custom")


def number_text(value: float) -> str:
    """18000, 72.5: no needless '.0', never an exponent."""
    if value.is_integer():
        return str(int(value))
    return format(value, "f").rstrip("0").rstrip(".")


def write_csv(
    out: TextIO, header_row: list[str], lines: Iterable[list[str]], delimiter: str
) -> int:
    """Write the header and every row to `out` (opened with newline=""); returns the rows."""
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header_row)
    written = 0
    for line in lines:
        writer.writerow(line)
        written += 1
    return written
