"""The `leadbot` command line."""

from __future__ import annotations

import sys
from datetime import datetime
from importlib.metadata import version as installed_version
from pathlib import Path

import typer

from bot.core.clock import utc_now
from bot.core.errors import LeadbotError, SettingsError
from bot.playbook.loading import load_playbook
from bot.playbook.model import Playbook
from bot.runtime.datacli import register as register_data_commands
from bot.runtime.settings import Settings, load_settings

cli = typer.Typer(
    help="leadbot: runs your team's lead hand-off in Slack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
jobs_cli = typer.Typer(help="Scheduled jobs, run once by hand.", no_args_is_help=True)
cli.add_typer(jobs_cli, name="jobs")


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"leadbot {installed_version('leadbot')}")
        raise typer.Exit()


@cli.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version."
    ),
) -> None:
    """leadbot: runs your team's lead hand-off in Slack."""


def _fail(error: LeadbotError) -> None:
    typer.echo(error.user_message, err=True)
    raise typer.Exit(code=2)


def _settings_and_playbook() -> tuple[Settings, Playbook]:
    try:
        settings = load_settings()
        return settings, load_playbook(settings.leadbot_config)
    except LeadbotError as error:
        _fail(error)
        raise  # unreachable: _fail exits


@cli.command("check-config")
def check_config(
    path: Path | None = typer.Argument(None, help="Playbook file (default: LEADBOT_CONFIG)."),
) -> None:
    """Validate the playbook and name every mistake with its line."""
    if path is None:
        try:
            path = load_settings().leadbot_config
        except SettingsError as error:
            _fail(error)
            return
    try:
        book = load_playbook(path)
    except LeadbotError as error:
        _fail(error)
        return
    reps = sum(len(t.reps) for t in book.teams.values())
    typer.echo(
        f"{path}: OK — {len(book.teams)} teams, {reps} reps, "
        f"{len(book.routing.rules)} routing rules, sales-ready at {book.scoring.threshold:g}."
    )


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema (DATABASE_URL) to the current version."""
    from store.migrate import upgrade

    try:
        settings = load_settings()
    except SettingsError as error:
        _fail(error)
        return
    upgrade(settings.database_url)
    typer.echo("Database is up to date.")


#: The jobs `leadbot jobs run` knows, and what each does.
JOBS = {
    "sla": "reminders and escalations",
    "nurture": "revisit dates and score decay",
    "digest": "the weekly funnel digest, when it is due and not yet sent",
}


@jobs_cli.command("run")
def jobs_run(
    job: str = typer.Argument(
        ...,
        help="The job: sla (reminders and escalations), nurture (revisits and decay) or "
        "digest (the weekly funnel digest, if due and not yet sent).",
    ),
    now: str | None = typer.Option(
        None, help="Run as if it were this time (ISO 8601 with a zone), e.g. 2026-11-30T09:00Z."
    ),
    catch_up: bool = typer.Option(
        False,
        "--catch-up",
        help="nurture: also apply the playbook's threshold to every waiting lead (after changing "
        "it; `serve` does this at start).",
    ),
) -> None:
    """Run one job once, now or at --now (the scheduler in `serve` runs them on its own)."""
    from jobs.digest import run_digest
    from jobs.nurture import run_nurture
    from jobs.sla import run_sla
    from store.db import make_engine, session_factory
    from store.migrate import pending_migrations

    if job not in JOBS:
        _fail(LeadbotError(f"There is no job '{job}'; the jobs are: {', '.join(JOBS)}."))
    if catch_up and job != "nurture":
        _fail(
            LeadbotError(
                "--catch-up is for the nurture job: `leadbot jobs run nurture --catch-up`."
            )
        )
    at = utc_now()
    if now is not None:
        try:
            at = datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError:
            _fail(LeadbotError(f"--now '{now}' is not a time; write it like 2026-11-30T09:00Z."))
        if at.tzinfo is None:
            _fail(LeadbotError(f"--now '{now}' has no time zone; add one, like Z or +01:00."))
    settings, book = _settings_and_playbook()
    if pending_migrations(settings.database_url):
        _fail(
            LeadbotError("The database schema is not up to date: run `leadbot db upgrade` first.")
        )
    engine = make_engine(settings.database_url)
    factory = session_factory(engine)
    try:
        if job == "sla":
            done = run_sla(session_factory=factory, playbook=book, now=at)
            said = f"sla: {done} lead(s) reminded or escalated"
        elif job == "digest":
            sent = run_digest(session_factory=factory, playbook=book, now=at)
            said = (
                f"digest: {sent} message(s) queued for the managers' channel"
                if sent
                else "digest: nothing to send (no digest in the playbook, or this week's is sent)"
            )
        else:
            result = run_nurture(
                session_factory=factory, playbook=book, now=at, catch_up_scores=catch_up
            )
            said = f"nurture: {result.words()}"
    finally:
        engine.dispose()
    typer.echo(f"{said}; messages go out with `leadbot serve`.")


@cli.command("serve")
def serve(
    port: int = typer.Option(3000, help="HTTP port."),
    host: str = typer.Option("0.0.0.0", help="Interface to listen on."),
) -> None:
    """Serve Slack (/slack/events), the intake API (/api/leads, /api/events) and /healthz."""
    from bot.runtime.logs import configure_logging
    from bot.runtime.server import build_server, check_bot_token, remember_workspace, run_server

    settings, book = _settings_and_playbook()
    configure_logging(settings)
    try:
        server = build_server(settings, book)
        url = check_bot_token(server.bolt.client)
        if url:  # digests link to cards in this workspace
            remember_workspace(server.engine, url)
    except LeadbotError as error:
        _fail(error)
        return
    run_server(server, host=host, port=port)


@cli.command("import")
def import_csv(
    file: Path = typer.Argument(..., help="CSV file with a header row; 'email' is required."),
    source: str = typer.Option("list", help="Source kept on new leads: list, event, booth…"),
    columns: list[str] = typer.Option(
        [], "--map", help="COLUMN=FIELD: read a column into a lead or custom field (repeatable)."
    ),
    delimiter: str | None = typer.Option(
        None, help="Column separator: , ; | or tab (default: read from the header line)."
    ),
    encoding: str | None = typer.Option(
        None, help="The file's encoding when it is not UTF-8 and has no BOM, like cp1252."
    ),
) -> None:
    """Import leads from a CSV file or CRM export: rows all-or-nothing, re-runs change nothing."""
    from bot.intake.csvimport import import_file
    from bot.playbook.csvcolumns import parse_map

    settings, book = _settings_and_playbook()
    try:
        summary = import_file(
            path=file,
            database_url=settings.database_url,
            playbook=book,
            source=source,
            columns=parse_map(columns),
            delimiter=delimiter,
            encoding=encoding,
        )
    except LeadbotError as error:
        _fail(error)
        return
    typer.echo(summary.render())
    if summary.rejected:
        raise typer.Exit(code=1)


@cli.command("demo")
def demo() -> None:
    """Watch the hand-off happen against a local Slack stand-in (no Slack account needed)."""
    from bot.runtime.demo import run_demo

    run_demo(out=sys.stdout)


@cli.command("init")
def init() -> None:
    """Start here: write playbook.yml (the example) and a commented .env; never overwrites."""
    from bot.runtime.starter import write_starter_files

    files = write_starter_files(Path.cwd())
    for file in files:
        if file.written:
            typer.echo(f"wrote {file.path.name}: {file.next_step}")
        else:
            typer.echo(f"{file.path.name} already exists: left as it is")
    if not any(file.written for file in files):
        raise typer.Exit(code=1)
    typer.echo("Next: `leadbot check-config`, then `leadbot db upgrade` and `leadbot serve`.")


register_data_commands(cli)  # export, forget (bot/runtime/datacli.py), listed last


def main() -> None:
    cli()
