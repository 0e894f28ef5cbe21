"""`leadbot import FILE.csv`: every row all-or-nothing, a line-numbered report, no duplicates."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from tqdm import tqdm

from bot.clock import utc_now
from bot.errors import InvalidLead, LeadbotError
from bot.intake import LeadIn, Outcome, capture_lead, parse_lead
from bot.playbook import Playbook
from bot.settings import Settings
from store.db import SessionFactory, make_engine, session_factory

#: Commit after this many rows: one transaction per row would be slow on big files.
BATCH = 500
#: Show a progress bar from this many rows on (on a terminal).
PROGRESS_FROM = 2000
HEADER_ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "mail": "email",
    "full_name": "name",
    "contact": "name",
    "company_name": "company",
    "organisation": "company",
    "organization": "company",
    "account": "company",
    "job_title": "title",
    "position": "title",
    "employees": "company_size",
    "headcount": "company_size",
    "size": "company_size",
    "phone_number": "phone",
    "telephone": "phone",
    "country_code": "country",
}
STANDARD_FIELDS = set(LeadIn.model_fields)


@dataclass
class ImportSummary:
    created: int = 0
    merged: int = 0
    unchanged: int = 0
    handed_to_sales: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def render(self) -> str:
        """The report printed at the end of an import."""
        lines = [
            f"created {self.created}, merged {self.merged}, unchanged {self.unchanged}, "
            f"rejected {len(self.rejected)}; {self.handed_to_sales} sales-ready card(s) queued "
            "(`leadbot serve` delivers them to Slack)"
        ]
        if self.ignored_columns:
            lines.append(
                "ignored columns (not in the playbook): " + ", ".join(self.ignored_columns)
            )
        lines += [f"line {line}: {why}" for line, why in self.rejected]
        return "\n".join(lines)


def column_name(header: str) -> str:
    key = re.sub(r"[\s\-]+", "_", header.strip().lower())
    return HEADER_ALIASES.get(key, key)


def read_rows(
    lines: Iterable[str], playbook: Playbook, summary: ImportSummary
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row data) for each record; columns leadbot does not know are ignored."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise LeadbotError("The file is empty: the first line must name the columns.") from None
    names = [column_name(h) for h in header]
    if "email" not in names:
        raise LeadbotError(
            f"Line 1 names no e-mail column (found: {', '.join(header)}); add one called 'email'."
        )
    known = STANDARD_FIELDS | set(playbook.custom_fields)
    summary.ignored_columns = [h for h, n in zip(header, names, strict=True) if n not in known]
    start = reader.line_num + 1
    for record in reader:
        line = start
        start = reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(names):
            summary.rejected.append((line, f"{len(record)} values but {len(names)} columns"))
            continue
        yield line, {n: v for n, v in zip(names, record, strict=False) if n in known and v.strip()}


def import_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    session_factory: SessionFactory,
    playbook: Playbook,
    now: datetime,
    source: str,
    summary: ImportSummary,
) -> ImportSummary:
    """Capture each row inside its own savepoint: a bad row leaves nothing behind."""
    batch = 0
    session = session_factory()
    try:
        for line, data in rows:
            savepoint = session.begin_nested()
            try:
                result = capture_lead(
                    session=session,
                    data=parse_lead(data, playbook),
                    playbook=playbook,
                    now=now,
                    actor="csv",
                    default_source=source,
                )
                savepoint.commit()
            except InvalidLead as invalid:
                savepoint.rollback()
                summary.rejected.append(
                    (line, "; ".join(f"{e.field}: {e.message}" for e in invalid.errors))
                )
                continue
            except IntegrityError as error:
                savepoint.rollback()
                summary.rejected.append((line, f"not stored: {error.orig}"))
                continue
            _count(summary, result.outcome, result.handed_to_sales)
            batch += 1
            if batch >= BATCH:
                session.commit()
                batch = 0
        session.commit()
    finally:
        session.close()
    summary.rejected.sort()
    return summary


def _count(summary: ImportSummary, outcome: Outcome, handed: bool) -> None:
    if outcome is Outcome.CREATED:
        summary.created += 1
    elif outcome is Outcome.MERGED:
        summary.merged += 1
    else:
        summary.unchanged += 1
    summary.handed_to_sales += int(handed)


def import_file(
    *, path: Path, settings: Settings, playbook: Playbook, source: str, now: datetime | None = None
) -> ImportSummary:
    """Import a CSV file into DATABASE_URL."""
    from store.migrate import pending_migrations

    if pending_migrations(settings.database_url):
        raise LeadbotError("The database schema is not up to date: run `leadbot db upgrade` first.")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise LeadbotError(f"Cannot read {path}: {error.strerror}.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise LeadbotError(
            f"Line {line} of {path} is not UTF-8 text; save the file as 'CSV UTF-8' and retry."
        ) from None
    total = text.count("\n")
    engine = make_engine(settings.database_url)
    summary = ImportSummary()
    try:
        rows = read_rows(io.StringIO(text, newline=""), playbook, summary)
        progress = tqdm(
            rows, total=total, unit=" rows", disable=None if total >= PROGRESS_FROM else True
        )
        return import_rows(
            progress,
            session_factory=session_factory(engine),
            playbook=playbook,
            now=now or utc_now(),
            source=source,
            summary=summary,
        )
    finally:
        engine.dispose()
