"""`leadbot export` and `leadbot forget`: who gets the lead data, and whose is removed."""

from __future__ import annotations

import getpass
import io
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TextIO

import typer
from tqdm import tqdm

from bot.core.clock import utc_now
from bot.core.errors import LeadbotError, LeadNotFound
from bot.playbook.loading import load_playbook
from bot.playbook.model import Playbook
from bot.runtime.settings import Settings, load_settings

#: `forget`'s exit code when nobody has the address (a usage mistake is 2, as everywhere).
NOT_FOUND = 1


def register(cli: typer.Typer) -> None:
    """Add `export` and `forget` to the command line."""
    cli.command("export")(export)
    cli.command("forget")(forget)


def _fail(error: LeadbotError, code: int = 2) -> typer.Exit:
    typer.echo(error.user_message, err=True)
    return typer.Exit(code=code)


def _ready() -> tuple[Settings, Playbook]:
    """Settings and playbook, and a database at the current schema; exits with a sentence."""
    from store.migrate import pending_migrations

    try:
        settings = load_settings()
        book = load_playbook(settings.leadbot_config)
    except LeadbotError as error:
        raise _fail(error) from None
    if pending_migrations(settings.database_url):
        message = "The database schema is not up to date: run `leadbot db upgrade` first."
        raise _fail(LeadbotError(message))
    return settings, book


def export(
    since: str | None = typer.Option(
        None,
        help="Only leads created since then, in the playbook's time zone: 2026-11-01, "
        "'last month', 'since Nov 1', 'Q3', '3 weeks ago'.",
    ),
    team: list[str] = typer.Option([], help="Only this team, by key or name (repeatable)."),
    stage: list[str] = typer.Option([], help="Only this stage, like sales_ready (repeatable)."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the CSV to this file instead of stdout."
    ),
    excel: bool = typer.Option(
        False, "--excel", help="Start with a UTF-8 BOM, so Excel shows accents right."
    ),
    delimiter: str = typer.Option(
        ",", help="Column separator: , ; | or tab (; suits Excel where 1,5 is a number)."
    ),
) -> None:
    """Leads as CSV (a header row, one row per lead) for a spreadsheet or BI tool, streamed."""
    from bot.intake import export as leads_csv
    from bot.intake.since import since_start
    from store.db import make_engine, read_scope, session_factory

    settings, book = _ready()
    try:
        query = leads_csv.ExportQuery(
            since=None
            if since is None
            else since_start(since, now=utc_now(), zone=book.business_hours.zone),
            teams=leads_csv.named_teams(team, book),
            stages=leads_csv.named_stages(stage),
        )
        separator = leads_csv.delimiter_of(delimiter)
    except LeadbotError as error:
        raise _fail(error) from None
    engine = make_engine(settings.database_url)
    try:
        with read_scope(session_factory(engine)) as session, _opened(output, excel) as out:
            total = leads_csv.count(session=session, query=query) if _tty(sys.stderr) else None
            # Closed inside the session even when writing stops early (a closed pipe).
            with closing(leads_csv.rows(session=session, query=query, playbook=book)) as lines:
                written = leads_csv.write_csv(
                    out, leads_csv.header(book), with_progress(lines, total, sys.stderr), separator
                )
    except BrokenPipeError:  # `leadbot export | head`: the reader has all it wanted
        _quiet_stdout()
        return
    except OSError as error:  # --output in a folder that is not there, a full disk…
        raise _fail(LeadbotError(f"Cannot write {output or 'stdout'}: {error.strerror}.")) from None
    finally:
        engine.dispose()
    where = str(output) if output else "stdout"
    typer.echo(f"{written:,} lead(s) exported to {where}.", err=True)


def _tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or stand-in stream: nobody watches it
        return False


def with_progress(
    lines: Iterable[list[str]], total: int | None, stream: TextIO
) -> Iterable[list[str]]:
    """`lines` with a progress bar on `stream` when a person watches it (a terminal); as they
    are otherwise, so a log or a pipe gets no bar."""
    if not _tty(stream):
        return lines
    return tqdm(lines, total=total, file=stream, unit=" leads", leave=False)


@contextmanager
def _opened(output: Path | None, excel: bool) -> Iterator[TextIO]:
    """The CSV's text stream: stdout, or a file that appears only once it is complete."""
    encoding = "utf-8-sig" if excel else "utf-8"  # utf-8-sig writes the BOM first
    if output is None:
        # UTF-8 whatever the terminal's locale says, and no newline translation: the csv
        # module writes RFC 4180's CRLF itself.
        text = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="")
        try:
            yield text
            text.flush()
        finally:
            text.detach()  # stdout stays open for whatever follows
        return
    partial = output.with_name(output.name + ".part")
    try:
        with partial.open("w", encoding=encoding, newline="") as text:
            yield text
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)


def _quiet_stdout() -> None:
    """After a closed pipe, send what Python still flushes at exit nowhere (no traceback)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
    finally:
        os.close(devnull)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in this environment (a bare container)
        return "leadbot CLI"


def forget(
    who: str = typer.Argument(
        ..., metavar="EMAIL", help="The person's e-mail address (or their lead's number, #42)."
    ),
    by: str | None = typer.Option(
        None, help="Who asked for the erasure, for the record (default: your OS user name)."
    ),
) -> None:
    """Erase a person on request (GDPR): their lead's personal data, its typed text, its card."""
    from bot.commands.words import parse_lead_id
    from bot.pursuit.erasure import erase_lead, find_lead_to_erase
    from store.db import make_engine, session_factory, session_scope

    requester = (by or "").strip() or _os_user()
    settings, book = _ready()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(session_factory(engine)) as session:
            if "@" in who:
                lead = find_lead_to_erase(session=session, email=who)
            else:
                lead = find_lead_to_erase(session=session, lead_id=parse_lead_id(who))
            erasure = erase_lead(
                session=session, lead=lead, by=requester, playbook=book, now=utc_now()
            )
    except LeadNotFound as error:
        raise _fail(LeadbotError(f"{error.user_message} Nothing was erased."), NOT_FOUND) from None
    except LeadbotError as error:
        raise _fail(error) from None
    finally:
        engine.dispose()
    if erasure.already:
        when = f" on {erasure.erased_at:%Y-%m-%d %H:%M} UTC" if erasure.erased_at else ""
        asked = f", asked by {erasure.by}" if erasure.by else ""
        typer.echo(f"Lead #{erasure.lead_id} was already erased{when}{asked}: nothing to do.")
        return
    typer.echo(
        f"Lead #{erasure.lead_id} erased, as asked by {requester}: its e-mail, name, company, "
        "title, phone, domain, compelling event and custom fields; typed text in "
        f"{erasure.events} event(s); {erasure.messages} Slack message(s) as leadbot stored them."
    )
    changes = []
    if erasure.card:
        changes.append("its card will read “erased on request”")
    if erasure.slack_edits:
        changes.append(f"{erasure.slack_edits} message(s) already posted will be edited")
    if changes:
        typer.echo(f"In Slack, {' and '.join(changes)} once `leadbot serve` sends the changes.")
    typer.echo(
        "Not edited: DMs already delivered (reminders, offers); see docs/security.md, “Erasure”."
    )
