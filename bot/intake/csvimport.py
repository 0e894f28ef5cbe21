"""`leadbot import FILE.csv`: every row all-or-nothing, a line-numbered report, no duplicates."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from tqdm import tqdm

from bot.core.clock import utc_now
from bot.core.errors import InvalidLead, LeadbotError
from bot.intake.capture import CaptureResult, Outcome, capture_lead, parse_lead
from bot.intake.csvtext import SEP_LINE, decode, parse_delimiter, sniff_delimiter
from bot.playbook.csvcolumns import known_fields, plan_columns
from bot.playbook.fields import option_key
from bot.playbook.model import Playbook
from bot.rules.scrub import clean_email
from store.db import SessionFactory, make_engine, session_factory

#: Commit after this many rows: one transaction per row would be slow on big files.
BATCH = 500
#: Show a progress bar from this many rows on (on a terminal).
PROGRESS_FROM = 2000
#: The first line of the footer Salesforce Classic appends to a report exported as CSV.
REPORT_FOOTER = re.compile(r"Copyright \(c\) \d{4}-\d{4} salesforce\.com", re.IGNORECASE)

Row = tuple[int, dict[str, str]]


@dataclass
class ImportSummary:
    created: int = 0
    merged: int = 0
    unchanged: int = 0
    handed_to_sales: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    #: (line, earlier line of the same person it was merged into)
    repeated: list[tuple[int, int]] = field(default_factory=list)
    columns: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    custom_fields: list[str] = field(default_factory=list)

    def render(self) -> str:
        """The report printed at the end of an import."""
        lines = [
            f"created {self.created}, merged {self.merged}, unchanged {self.unchanged}, "
            f"rejected {len(self.rejected)}; {self.handed_to_sales} sales-ready card(s) queued "
            "(`leadbot serve` delivers them to Slack)"
        ]
        if self.columns:
            lines.append(f"columns: {self.columns}")
        if self.ignored_columns:
            lines += [
                f"not imported (no lead field of that name): {', '.join(self.ignored_columns)}",
                "  to read one, add --map 'COLUMN=FIELD' or list it under csv_columns in the "
                f"playbook; fields: {known_fields(self.custom_fields)}",
            ]
        lines += [f"line {line}: {why}" for line, why in self.rejected]
        lines += [
            f"line {line} merged into line {into} (same person)" for line, into in self.repeated
        ]
        return "\n".join(lines)


def read_rows(
    lines: Iterable[str],
    playbook: Playbook,
    summary: ImportSummary,
    *,
    columns: Mapping[str, str] | None = None,
    delimiter: str | None = None,
) -> Iterator[Row]:
    """(line number, lead data) for each record; the header line decides what each column fills."""
    rest = iter(lines)
    first = next(rest, None)
    skipped = 0
    sep = SEP_LINE.match(first or "")
    if sep:
        # Excel's `sep=;` line names the separator; the header follows it.
        skipped, first = 1, next(rest, None)
    if first is None or not first.strip():
        raise LeadbotError("The file is empty: the first line must name the columns.")
    delimiter = delimiter or (sep.group(1) if sep else sniff_delimiter(first))
    reader = csv.reader(chain([first], rest), delimiter=delimiter)
    start = skipped + 1
    try:
        header = next(reader)
        plan = plan_columns(
            header,
            custom_fields=playbook.custom_fields,
            playbook_columns=playbook.csv_columns,
            columns=columns or {},
            line=start,
        )
        summary.columns, summary.ignored_columns = plan.describe(), plan.ignored
        summary.custom_fields = list(playbook.custom_fields)
        start = reader.line_num + skipped + 1
        for record in reader:
            line, start = start, reader.line_num + skipped + 1
            cells = [cell for cell in record if cell.strip()]
            if not cells:
                continue
            if len(cells) == 1 and REPORT_FOOTER.match(cells[0]):
                break  # a Salesforce report's footer: the data ended above it
            if any(cell.strip() for cell in record[len(header) :]):
                summary.rejected.append((line, f"{len(record)} values but {len(header)} columns"))
                continue
            yield line, plan.read(record)
    except csv.Error as error:
        raise LeadbotError(
            f"Line {start} cannot be read as CSV ({error}); nothing was imported. "
            'A quote (") that is opened and never closed often causes this.'
        ) from None


@dataclass
class Person:
    """The rows of one person: more than one when the file repeats their e-mail."""

    rows: list[Row]

    @property
    def line(self) -> int:
        return self.rows[0][0]

    def data(self) -> dict[str, str]:
        """Rows combined in file order: a later non-empty value wins, as a re-capture would."""
        combined: dict[str, str] = {}
        for _, data in self.rows:
            combined.update(data)  # rows hold only non-empty values
        return combined


def fold_rows(rows: Iterable[Row]) -> list[Person]:
    """Group rows by person (the e-mail's de-duplication key), in the order they first appear."""
    people: list[Person] = []
    by_key: dict[str, Person] = {}
    for line, data in rows:
        try:
            key = clean_email(data.get("email", "")).key
        except InvalidLead:
            people.append(Person([(line, data)]))  # capture rejects it with the reason
            continue
        if key in by_key:
            by_key[key].rows.append((line, data))
        else:
            by_key[key] = Person([(line, data)])
            people.append(by_key[key])
    return people


@dataclass(frozen=True)
class _Capture:
    session: Session
    playbook: Playbook
    now: datetime
    source: str

    def __call__(self, data: dict[str, str], *, keep: bool = True) -> CaptureResult | str:
        """Capture inside a savepoint: the result, or why it was rejected (nothing kept)."""
        savepoint = self.session.begin_nested()
        try:
            result = capture_lead(
                session=self.session,
                data=parse_lead(data, self.playbook),
                playbook=self.playbook,
                now=self.now,
                actor="csv",
                default_source=self.source,
            )
        except InvalidLead as invalid:
            savepoint.rollback()
            return "; ".join(f"{e.field}: {e.message}" for e in invalid.errors)
        except IntegrityError as error:
            savepoint.rollback()
            return f"not stored: {error.orig}"
        if keep:
            savepoint.commit()
        else:
            savepoint.rollback()
        return result

    def person(self, person: Person, summary: ImportSummary) -> None:
        """Store one person's rows together; each line still stands or falls on its own."""
        result = self(person.data())
        if isinstance(result, str) and len(person.rows) > 1:
            good = []
            for line, data in person.rows:
                why = self(data, keep=False)
                if isinstance(why, str):
                    summary.rejected.append((line, why))
                else:
                    good.append((line, data))
            if not good:
                return
            person = Person(good)
            result = self(person.data())
        if isinstance(result, str):
            summary.rejected.append((person.line, result))
            return
        summary.repeated += [(line, person.line) for line, _ in person.rows[1:]]
        if result.outcome is Outcome.CREATED:
            summary.created += 1
        elif result.outcome is Outcome.MERGED:
            summary.merged += 1
        else:
            summary.unchanged += 1
        summary.handed_to_sales += int(result.handed_to_sales)


def import_rows(
    people: Iterable[Person],
    *,
    session_factory: SessionFactory,
    playbook: Playbook,
    now: datetime,
    source: str,
    summary: ImportSummary,
) -> ImportSummary:
    """Capture each person inside a savepoint: a bad row leaves nothing behind."""
    batch = 0
    session = session_factory()
    try:
        capture = _Capture(session=session, playbook=playbook, now=now, source=source)
        for person in people:
            capture.person(person, summary)
            batch += 1
            if batch >= BATCH:
                session.commit()
                batch = 0
        session.commit()
    finally:
        session.close()
    summary.rejected.sort()
    summary.repeated.sort()
    return summary


def import_text(
    text: str,
    *,
    session_factory: SessionFactory,
    playbook: Playbook,
    now: datetime,
    source: str,
    columns: Mapping[str, str] | None = None,
    delimiter: str | None = None,
) -> ImportSummary:
    """Import decoded CSV text: read and check every row first, then capture person by person."""
    summary = ImportSummary()
    rows = read_rows(
        io.StringIO(text, newline=""),
        playbook,
        summary,
        columns=columns,
        delimiter=parse_delimiter(delimiter) if delimiter else None,
    )
    people = fold_rows(rows)
    progress = tqdm(people, unit=" rows", disable=None if len(people) >= PROGRESS_FROM else True)
    return import_rows(
        progress,
        session_factory=session_factory,
        playbook=playbook,
        now=now,
        source=source,
        summary=summary,
    )


#: The sources a lead may carry (the intake API's rule for `source`).
SOURCE = re.compile(r"[A-Za-z0-9_ \-]{1,40}")


def import_file(
    *,
    path: Path,
    database_url: str,
    playbook: Playbook,
    source: str,
    now: datetime | None = None,
    columns: Mapping[str, str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> ImportSummary:
    """Import a CSV file into DATABASE_URL."""
    from store.migrate import pending_migrations

    if delimiter:
        parse_delimiter(delimiter)  # a bad option is named before anything else
    if not SOURCE.fullmatch(source):
        raise LeadbotError(
            f"--source '{source}' is not a source: use up to 40 letters, digits, spaces, "
            "- or _, like event or webinar_2026"
        )
    source = option_key(source)  # as the API stores a lead's source
    if pending_migrations(database_url):
        raise LeadbotError("The database schema is not up to date: run `leadbot db upgrade` first.")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise LeadbotError(f"Cannot read {path}: {error.strerror}.") from None
    text = decode(raw, str(path), encoding)
    engine = make_engine(database_url)
    try:
        return import_text(
            text,
            session_factory=session_factory(engine),
            playbook=playbook,
            now=now or utc_now(),
            source=source,
            columns=columns,
            delimiter=delimiter,
        )
    finally:
        engine.dispose()
