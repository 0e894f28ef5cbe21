"""`leadbot export`: the rows, their cells, the filters, the stream, and the command itself."""

from __future__ import annotations

import csv
import inspect
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session
from typer.testing import CliRunner

from bot.core.errors import LeadbotError
from bot.core.stages import Stage
from bot.intake.export import (
    SELECTED,
    ExportQuery,
    cells,
    delimiter_of,
    header,
    named_stages,
    named_teams,
    rows,
    safe_cell,
)
from bot.intake.since import since_start
from bot.playbook.model import Playbook
from bot.runtime.cli import cli
from bot.runtime.datacli import with_progress
from store.db import read_scope, session_factory, session_scope
from tests.cli_database import CliDatabase
from tests.conftest import NOW, REPO
from tests.factories import make_lead

runner = CliRunner()
BERLIN = ZoneInfo("Europe/Berlin")  # the example playbook's zone


# -- --since ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "local_start"),
    [
        ("2026-11-01", datetime(2026, 11, 1)),
        ("since Nov 1", datetime(2026, 11, 1)),
        ("Nov 1", datetime(2026, 11, 1)),
        ("last month", datetime(2026, 10, 1)),  # the month's start, not 23 October
        ("this month", datetime(2026, 11, 1)),
        ("this week", datetime(2026, 11, 23)),  # NOW is a Monday
        ("since last week", datetime(2026, 11, 16)),
        ("yesterday", datetime(2026, 11, 22)),
        ("Q3", datetime(2026, 7, 1)),
        ("Q1 2025", datetime(2025, 1, 1)),
        ("last quarter", datetime(2026, 7, 1)),
        ("2025", datetime(2025, 1, 1)),
        ("October", datetime(2026, 10, 1)),
        ("3 weeks ago", datetime(2026, 11, 2)),  # the day's start, not 10:00
        ("Dec 5", datetime(2025, 12, 5)),  # the latest 5 December, as dates "since" are past
        ("2026-11-01T08:00Z", datetime(2026, 11, 1, 9, 0)),  # a time of day is kept
    ],
)
def test_since_reads_a_phrase_as_the_start_of_what_it_names(
    phrase: str, local_start: datetime
) -> None:
    start = since_start(phrase, now=NOW, zone=BERLIN)
    assert start.tzinfo == UTC
    assert start == local_start.replace(tzinfo=BERLIN).astimezone(UTC)


def test_since_is_midnight_in_the_playbook_zone_across_summer_time() -> None:
    # 1 October is in summer time in Berlin (UTC+2), 1 November not (UTC+1).
    assert since_start("last month", now=NOW, zone=BERLIN) == datetime(
        2026, 9, 30, 22, 0, tzinfo=UTC
    )
    assert since_start("this month", now=NOW, zone=BERLIN) == datetime(
        2026, 10, 31, 23, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("phrase", "said"),
    [
        ("banana", "--since 'banana' is not a date leadbot can read; write it like 2026-11-01"),
        ("next month", "in the future"),
        ("since", "--since needs a date, like"),
    ],
)
def test_since_refuses_what_names_no_past_start(phrase: str, said: str) -> None:
    with pytest.raises(LeadbotError) as caught:
        since_start(phrase, now=NOW, zone=BERLIN)
    assert said in caught.value.user_message


# -- cells ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example","click")',
            '\'=HYPERLINK("http://evil.example","click")',
        ),
        ("+49 30 1234567", "'+49 30 1234567"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("Müller & Söhne", "Müller & Söhne"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_a_cell_a_spreadsheet_would_run_as_a_formula_starts_with_an_apostrophe(
    typed: str, cell: str
) -> None:
    assert safe_cell(typed) == cell


def test_a_row_has_times_in_utc_numbers_plainly_and_custom_fields_as_columns(
    session: Session, playbook: Playbook
) -> None:
    at = datetime(2026, 11, 23, 10, 30, 15, 123456, tzinfo=UTC)
    lead = make_lead(
        session, at=at, name="=cmd|' /C calc'!A0", amount=18000.0, currency="EUR", score=72.5,
        company_size=300, custom={"product": "analytics", "industry": ["energy", "retail"]},
        fast_tracked=True,
    )  # fmt: skip
    [row] = list(rows(session=session, query=ExportQuery(), playbook=playbook))
    by_header = dict(zip(header(playbook), row, strict=True))
    assert by_header["id"] == str(lead.id)
    assert by_header["name"] == "'=cmd|' /C calc'!A0"
    assert by_header["created_at"] == "2026-11-23T10:30:15Z"
    assert by_header["claimed_at"] == ""
    assert (by_header["score"], by_header["amount"], by_header["company_size"]) == (
        "72.5", "18000", "300",
    )  # fmt: skip
    assert (by_header["stage"], by_header["team"], by_header["fast_tracked"]) == (
        "sales_ready", "emea", "true",
    )  # fmt: skip
    assert (by_header["product"], by_header["industry"]) == ("analytics", "energy; retail")


def test_a_custom_field_named_like_a_lead_column_gets_a_prefix(playbook: Playbook) -> None:
    book = playbook.model_copy(update={"custom_fields": ["stage", "product"]})
    assert header(book)[-2:] == ["custom_stage", "product"]
    assert header(book).count("stage") == 1


def test_cells_of_a_lead_without_custom_values_are_empty() -> None:
    lead = [None] * (len(SELECTED) - 1) + [{}]
    assert cells(lead, ["product"]) == [""] * len(SELECTED)


def test_a_custom_value_that_is_not_simple_is_kept_as_json() -> None:
    lead = [None] * (len(SELECTED) - 1) + [{"product": {"name": "=x", "seats": 5}}]
    assert cells(lead, ["product"])[-1] == '{"name": "=x", "seats": 5}'


# -- filters ----------------------------------------------------------------------------------


def test_teams_are_named_by_key_or_name_and_an_unknown_one_is_refused(playbook: Playbook) -> None:
    assert named_teams(["EMEA", "emea sales", "amer"], playbook) == ("emea", "emea", "amer")
    with pytest.raises(LeadbotError) as caught:
        named_teams(["apac"], playbook)
    assert caught.value.user_message == (
        "There is no team 'apac'; the teams are: emea, amer, enterprise."
    )


def test_stages_are_read_as_leadbot_writes_them() -> None:
    assert named_stages(["sales-ready", "Won", "on hold"]) == ("sales_ready", "won", "on_hold")
    with pytest.raises(LeadbotError, match="There is no stage 'closed'; the stages are: new,"):
        named_stages(["closed"])


@pytest.mark.parametrize(("word", "separator"), [(",", ","), (";", ";"), ("tab", "\t")])
def test_delimiters(word: str, separator: str) -> None:
    assert delimiter_of(word) == separator


def test_rows_are_filtered_by_creation_time_team_and_stage(
    session: Session, playbook: Playbook
) -> None:
    old = make_lead(session, at=NOW - timedelta(days=40))
    new = make_lead(session, at=NOW - timedelta(days=2))
    amer = make_lead(session, at=NOW - timedelta(days=1), team="amer")
    won = make_lead(session, at=NOW - timedelta(days=1), stage=Stage.WON)

    def ids(query: ExportQuery) -> list[int]:
        return [int(r[0]) for r in rows(session=session, query=query, playbook=playbook)]

    assert ids(ExportQuery()) == [old.id, new.id, amer.id, won.id]
    assert ids(ExportQuery(since=NOW - timedelta(days=30))) == [new.id, amer.id, won.id]
    assert ids(ExportQuery(teams=("amer",))) == [amer.id]
    assert ids(ExportQuery(stages=("won", "sales_ready"), teams=("emea",))) == [
        old.id, new.id, won.id,
    ]  # fmt: skip


# -- streaming --------------------------------------------------------------------------------


def test_rows_ask_nothing_of_the_database_until_the_first_row_is_taken(
    engine: Engine, playbook: Playbook
) -> None:
    with session_scope(session_factory(engine)) as session:
        for _ in range(5):
            make_lead(session)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with read_scope(session_factory(engine)) as session:
            stream = rows(session=session, query=ExportQuery(), playbook=playbook, batch_size=2)
            assert inspect.isgenerator(stream)
            assert not [s for s in statements if "FROM lead" in s]
            first = next(stream)
            assert len([s for s in statements if "FROM lead" in s]) == 1
            assert len([first, *stream]) == 5
    finally:
        event.remove(engine, "before_cursor_execute", listener)


@pytest.mark.postgres
def test_on_postgresql_the_rows_come_through_a_server_side_cursor(
    postgres_engine: Engine, playbook: Playbook
) -> None:
    from tests.conftest import empty_tables

    empty_tables(postgres_engine)
    try:
        with session_scope(session_factory(postgres_engine)) as session:
            for _ in range(3):
                make_lead(session)
        with read_scope(session_factory(postgres_engine)) as session:
            stream = rows(session=session, query=ExportQuery(), playbook=playbook, batch_size=1)
            next(stream)
            # The rest is still in the database, behind a cursor this transaction holds open.
            open_cursors = session.connection().execute(text("SELECT count(*) FROM pg_cursors"))
            assert open_cursors.scalar_one() == 1
            assert len(list(stream)) == 2
    finally:
        empty_tables(postgres_engine)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_only() -> None:
    lines = [["1"], ["2"]]
    assert with_progress(lines, 2, io.StringIO()) is lines
    terminal = _Terminal()
    assert list(with_progress(iter(lines), 2, terminal)) == lines
    drawn = terminal.getvalue()
    assert "0/2" in drawn and "leads" in drawn


# -- the command ------------------------------------------------------------------------------


def _read(output: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(output)))


def _stdout(result: object) -> str:
    return result.stdout_bytes.decode("utf-8-sig")  # type: ignore[attr-defined]


def test_an_empty_export_is_the_header_alone(cli_db: CliDatabase, playbook: Playbook) -> None:
    result = runner.invoke(cli, ["export"])
    assert result.exit_code == 0, result.output
    assert _read(_stdout(result)) == [header(playbook)]
    assert result.stderr == "0 lead(s) exported to stdout.\n"


def test_export_writes_every_lead_and_guards_formulas(cli_db: CliDatabase) -> None:
    with session_scope(session_factory(cli_db.engine)) as session:
        make_lead(session, name="Zoë Ångström", company='=HYPERLINK("http://x","y")')
        make_lead(session, phone="+49 30 1234567")
    result = runner.invoke(cli, ["export"])
    assert result.exit_code == 0, result.output
    [head, first, second] = _read(_stdout(result))
    assert head[:4] == ["id", "email", "name", "company"]
    assert first[2:4] == ["Zoë Ångström", '\'=HYPERLINK("http://x","y")']
    assert second[head.index("phone")] == "'+49 30 1234567"
    assert result.stdout_bytes.count(b"\r\n") == 3  # RFC 4180 line ends


def test_export_since_a_phrase_with_team_and_stage(cli_db: CliDatabase) -> None:
    now = datetime.now(UTC)
    with session_scope(session_factory(cli_db.engine)) as session:
        make_lead(session, at=now - timedelta(days=800), email_key="old@a.de")
        recent = make_lead(session, at=now - timedelta(hours=1), email_key="new@a.de")
        make_lead(session, at=now - timedelta(hours=1), email_key="amer@a.de", team="amer")
    args = ["export", "--since", "last year", "--team", "EMEA", "--stage", "sales-ready"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert [row[0] for row in _read(_stdout(result))[1:]] == [str(recent.id)]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--team", "apac"], "There is no team 'apac'; the teams are: emea, amer, enterprise.\n"),
        (["--stage", "closed"], "There is no stage 'closed'; the stages are: new, nurture, "),
        (["--since", "whenever"], "--since 'whenever' is not a date leadbot can read;"),
        (["--delimiter", "x"], "--delimiter takes , ; | or tab, not 'x'.\n"),
    ],
)
def test_export_refuses_an_unknown_filter_in_one_line_with_code_2(
    cli_db: CliDatabase, args: list[str], said: str
) -> None:
    result = runner.invoke(cli, ["export", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(said)
    assert result.stderr.count("\n") == 1


def test_export_for_excel_to_a_file(cli_db: CliDatabase, tmp_path: Path) -> None:
    with session_scope(session_factory(cli_db.engine)) as session:
        make_lead(session, name="Zoë")
    target = tmp_path / "leads.csv"
    args = ["export", "--excel", "--delimiter", ";", "--output", str(target)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid;email;name;")
    assert "Zoë" in raw.decode("utf-8-sig")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    assert result.stderr == f"1 lead(s) exported to {target}.\n"


def test_export_refuses_an_unmigrated_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    monkeypatch.setenv("LEADBOT_CONFIG", str(REPO / "playbook.example.yml"))
    result = runner.invoke(cli, ["export"])
    assert result.exit_code == 2
    assert "run `leadbot db upgrade` first" in result.stderr


def test_export_to_a_folder_that_is_not_there_says_so(cli_db: CliDatabase, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "leads.csv"
    result = runner.invoke(cli, ["export", "--output", str(target)])
    assert result.exit_code == 2
    assert result.stderr == f"Cannot write {target}: No such file or directory.\n"


def test_a_reader_that_stops_early_ends_the_export_quietly(cli_db: CliDatabase) -> None:
    """`leadbot export | head`: no traceback, no 'Error closing cursor', exit code 0."""
    import os
    import subprocess
    import sys

    with session_scope(session_factory(cli_db.engine)) as session:
        for _ in range(1500):  # well past a pipe's buffer (64 KB)
            make_lead(session)
    code = "from bot.runtime.cli import main; main()"
    child = subprocess.Popen(
        [sys.executable, "-c", code, "export"], cwd=REPO, env=dict(os.environ),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.readline().startswith(b"id,email,name,")
    child.stdout.close()  # as `head -1` does
    errors = child.stderr.read().decode()
    assert child.wait(timeout=60) == 0
    assert errors == ""
