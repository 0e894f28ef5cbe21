"""CSV import: each row all-or-nothing, a line-numbered report, re-runs create nothing new."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.core.errors import LeadbotError
from bot.intake.csvimport import ImportSummary, import_file, import_text
from bot.playbook.model import Playbook
from store.db import make_engine, session_factory, session_scope
from store.migrate import upgrade
from store.models import Lead, LeadEvent, OutboxMessage
from tests.conftest import NOW

GOOD = """E-mail,Full Name,Company,Job Title,Country,Employees,Budget,Timeframe,utm_campaign
greta@bigcorp-industries.de,Greta Maier,BigCorp,VP Operations,Germany,5200,approved,this quarter,x
tom@brightlabs.co.uk,Tom Hughes,Bright Labs,Analyst,GB,300,,,y
"""


def run(
    engine: Engine, playbook: Playbook, text: str, columns: dict[str, str] | None = None
) -> ImportSummary:
    return import_text(
        text,
        session_factory=session_factory(engine),
        playbook=playbook,
        now=NOW,
        source="event",
        columns=columns,
    )


def leads(engine: Engine) -> list[Lead]:
    with session_scope(session_factory(engine)) as session:
        return list(session.exec(select(Lead).order_by(Lead.email)).all())


def test_rows_become_leads_with_the_import_source(engine, playbook) -> None:
    summary = run(engine, playbook, GOOD)
    assert (summary.created, summary.merged, summary.rejected) == (2, 0, [])
    assert [(lead.email, lead.source) for lead in leads(engine)] == [
        ("greta@bigcorp-industries.de", "event"),
        ("tom@brightlabs.co.uk", "event"),
    ]


def test_header_aliases_are_understood_and_unknown_columns_reported(engine, playbook) -> None:
    summary = run(engine, playbook, GOOD)
    greta = leads(engine)[0]
    assert (greta.name, greta.title, greta.company_size) == ("Greta Maier", "VP Operations", 5200)
    assert summary.ignored_columns == ["utm_campaign"]


def test_sales_ready_rows_queue_their_cards(engine, playbook) -> None:
    summary = run(engine, playbook, GOOD)
    assert summary.handed_to_sales == 1
    with session_scope(session_factory(engine)) as session:
        [card] = session.exec(select(OutboxMessage)).all()
        assert card.channel == playbook.team("enterprise").channel


def test_bad_rows_are_rejected_with_their_line_and_good_rows_kept(engine, playbook) -> None:
    text = (
        GOOD
        + "x@mailinator.com,Spam,,,,,,,\n"
        + "not-an-email,Bob,,,,,,,\n"
        + "ana@solarfarm.com.br,Ana,,,Narnia,,,,\n"
    )
    summary = run(engine, playbook, text)
    assert summary.created == 2
    assert [line for line, _ in summary.rejected] == [4, 5, 6]
    assert "country" in summary.rejected[2][1]
    assert len(leads(engine)) == 2


def test_rejected_row_leaves_nothing_behind(engine, playbook) -> None:
    run(engine, playbook, "email,country\nana@solarfarm.com.br,Narnia\n")
    with session_scope(session_factory(engine)) as session:
        assert session.exec(select(LeadEvent)).all() == []
        assert session.exec(select(Lead)).all() == []


def test_importing_the_same_file_twice_creates_nothing_new(engine, playbook) -> None:
    run(engine, playbook, GOOD)
    again = run(engine, playbook, GOOD)
    assert (again.created, again.merged, again.unchanged) == (0, 0, 2)
    assert len(leads(engine)) == 2


def test_multiline_cells_keep_line_numbers_right(engine, playbook) -> None:
    text = 'email,compelling_event\na@brightlabs.co.uk,"two\nlines"\nbad-email,x\n'
    summary = run(engine, playbook, text)
    assert [line for line, _ in summary.rejected] == [4]


def test_file_without_an_email_column_is_refused_before_any_row(engine, playbook) -> None:
    with pytest.raises(LeadbotError, match="Line 1 names no e-mail column"):
        run(engine, playbook, "name,company\nBob,Acme\n")
    assert leads(engine) == []


def test_row_with_too_many_values_is_rejected(engine, playbook) -> None:
    summary = run(engine, playbook, "email,name\na@brightlabs.co.uk,Al,extra\n")
    assert summary.rejected == [(2, "3 values but 2 columns")]


def test_summary_names_each_rejected_line(engine, playbook) -> None:
    summary = run(engine, playbook, "email\nnot-an-email\n")
    assert "line 2: email:" in summary.render()
    assert summary.render().startswith("created 0, merged 0, unchanged 0, rejected 1")


def test_import_file_reads_a_real_file_into_a_migrated_database(tmp_path: Path, playbook) -> None:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    upgrade(url)
    path = tmp_path / "leads.csv"
    path.write_text(GOOD, encoding="utf-8")
    summary = import_file(path=path, database_url=url, playbook=playbook, source="list", now=NOW)
    assert summary.created == 2


def test_non_utf8_file_names_the_line(tmp_path: Path, playbook) -> None:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    upgrade(url)
    path = tmp_path / "leads.csv"
    path.write_bytes(b"email,name\na@b.de,Ana\nc@d.de,J\xf6rg\n")
    with pytest.raises(LeadbotError, match="Line 3 of .* is not UTF-8.*--encoding cp1252"):
        import_file(
            path=path,
            database_url=url,
            playbook=playbook,
            source="list",
            now=NOW,
        )


@pytest.mark.parametrize("source", ["x" * 41, "trade show!", ""])
def test_a_source_no_lead_may_carry_is_refused_before_anything_is_read(
    tmp_path: Path, playbook, source: str
) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(GOOD, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    with pytest.raises(LeadbotError, match="is not a source"):
        import_file(path=path, database_url=url, playbook=playbook, source=source)


def test_the_source_is_stored_as_the_api_stores_it(tmp_path: Path, playbook) -> None:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    upgrade(url)
    path = tmp_path / "leads.csv"
    path.write_text(GOOD, encoding="utf-8")
    import_file(path=path, database_url=url, playbook=playbook, source="Trade Show")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        assert set(session.exec(select(Lead.source)).all()) == {"trade_show"}
    engine.dispose()


REPEATS = """email,name,company,country
ana@solarfarm.com.br,Ana,SolarFarm,BR
tom@brightlabs.co.uk,Tom,Bright Labs,GB
Ana@SolarFarm.com.br,Ana Souza,SolarFarm Energia,
"""


def test_rows_repeating_an_email_fold_into_the_first_later_values_winning(engine, playbook) -> None:
    summary = run(engine, playbook, REPEATS)
    assert (summary.created, summary.merged, summary.rejected) == (2, 0, [])
    ana = leads(engine)[0]
    assert (ana.name, ana.company, ana.country) == ("Ana Souza", "SolarFarm Energia", "BR")
    assert "line 4 merged into line 2 (same person)" in summary.render()


def test_reimporting_a_file_with_repeated_rows_changes_nothing(engine, playbook) -> None:
    run(engine, playbook, REPEATS)
    again = run(engine, playbook, REPEATS)
    assert (again.created, again.merged, again.unchanged, again.rejected) == (0, 0, 2, [])


def test_a_bad_repeat_is_rejected_on_its_own_line_and_the_good_ones_kept(engine, playbook) -> None:
    text = REPEATS + "ana@solarfarm.com.br,,,Narnia\n"
    summary = run(engine, playbook, text)
    assert [line for line, _ in summary.rejected] == [5]
    assert "country" in summary.rejected[0][1]
    assert leads(engine)[0].company == "SolarFarm Energia"
    assert "line 4 merged into line 2 (same person)" in summary.render()


def test_a_column_mapped_to_a_field_is_read(engine, playbook) -> None:
    text = "email,Territory\nana@solarfarm.com.br,Brazil\n"
    summary = run(engine, playbook, text, columns={"Territory": "country"})
    assert summary.ignored_columns == []
    assert leads(engine)[0].country == "BR"
    assert "Territory -> country" in summary.render()


def test_playbook_csv_columns_fill_custom_fields(engine, playbook) -> None:
    # The example playbook maps "Product Interest" to its custom field product; "Industry"
    # is a custom field by name.
    text = "email,Product Interest,Industry\nana@solarfarm.com.br,Analytics,Energy\n"
    run(engine, playbook, text)
    assert leads(engine)[0].custom == {"product": "Analytics", "industry": "Energy"}


def test_map_wins_over_the_guess_and_can_leave_a_column_out(engine, playbook) -> None:
    text = "email,Size,Company Size\nana@solarfarm.com.br,XL,250\n"
    summary = run(engine, playbook, text, columns={"Size": "ignore"})
    assert summary.rejected == []
    assert leads(engine)[0].company_size == 250


def test_map_to_an_unknown_field_names_the_known_ones(engine, playbook) -> None:
    with pytest.raises(LeadbotError) as error:
        run(engine, playbook, "email,Region\na@brightlabs.co.uk,EU\n", {"Region": "territory"})
    message = error.value.user_message
    assert "'territory' is no lead field" in message
    assert "country" in message and "first_name" in message and "product" in message
    assert leads(engine) == []


def test_map_of_a_column_the_file_lacks_is_refused(engine, playbook) -> None:
    with pytest.raises(LeadbotError, match="names the column 'Regoin'"):
        run(engine, playbook, "email,Region\na@brightlabs.co.uk,EU\n", {"Regoin": "country"})


def test_ignored_columns_say_how_to_map_them(engine, playbook) -> None:
    summary = run(engine, playbook, GOOD)
    assert "utm_campaign" in summary.render()
    assert "--map 'COLUMN=FIELD'" in summary.render()
    assert "csv_columns" in summary.render()


def test_file_with_one_column_is_read(engine, playbook) -> None:
    summary = run(engine, playbook, "Email\nana@solarfarm.com.br\ntom@brightlabs.co.uk\n")
    assert summary.created == 2


def test_file_without_an_email_column_says_how_to_map_one(engine, playbook) -> None:
    with pytest.raises(LeadbotError, match="--map 'COLUMN=email'"):
        run(engine, playbook, "Contact Mail Addr,company\nbob@acme.de,Acme\n")


def test_empty_cells_beyond_the_header_are_no_extra_values(engine, playbook) -> None:
    summary = run(engine, playbook, "email;name\r\nana@solarfarm.com.br;Ana;;\r\n")
    assert (summary.created, summary.rejected) == (1, [])


def test_a_quote_never_closed_is_named_with_its_line_and_nothing_is_imported(
    engine, playbook
) -> None:
    # The open quote swallows the rest of the file into one cell, past the csv module's limit.
    rest = "x@brightlabs.co.uk,X\n" * (csv.field_size_limit() // 20)
    text = f'email,name\nana@solarfarm.com.br,Ana\ntom@brightlabs.co.uk,"Tom\n{rest}'
    with pytest.raises(LeadbotError, match="Line 3 cannot be read as CSV"):
        run(engine, playbook, text)
    assert leads(engine) == []
