"""`leadbot forget EMAIL [--by NAME]` on SQLite and PostgreSQL."""

from __future__ import annotations

import getpass

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.core.erased import erased_address
from bot.core.events import EventKind
from bot.core.stages import Stage
from bot.runtime.cli import cli
from store.db import session_factory, session_scope
from store.leads import get_lead, lead_history
from store.models import OutboxMessage
from store.outbox import OutboxKind
from tests.cli_database import CliDatabase
from tests.factories import make_lead

runner = CliRunner()
GRETA = {
    "email": "greta@bigcorp-industries.de",
    "email_key": "greta@bigcorp-industries.de",
    "name": "Greta Maier",
    "card_channel": "C0EMEA0001",
    "card_ts": "1700000000.000100",
}


def greta(db: CliDatabase, **overrides: object) -> int:
    with session_scope(session_factory(db.engine)) as session:
        lead = make_lead(session, **{**GRETA, **overrides})
    assert lead.id is not None
    return lead.id


def test_forget_erases_records_who_asked_and_queues_the_card(cli_db: CliDatabase) -> None:
    lead_id = greta(cli_db)
    result = runner.invoke(cli, ["forget", "Greta@BigCorp-Industries.de", "--by", "DPO, ticket 7"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Lead #{lead_id} erased, as asked by DPO, ticket 7:")
    assert "its card will read “erased on request” once `leadbot serve`" in result.stdout
    with session_scope(session_factory(cli_db.engine)) as session:
        lead = get_lead(session=session, lead_id=lead_id)
        assert lead is not None and (lead.email, lead.name) == (erased_address(lead_id), "")
        [erased] = lead_history(session=session, lead_id=lead_id)
        assert (erased.kind, erased.actor, erased.data["by"]) == (
            EventKind.ERASED, "DPO, ticket 7", "DPO, ticket 7",
        )  # fmt: skip
        [update] = session.exec(select(OutboxMessage)).all()
        assert (update.kind, update.payload["text"]) == (
            OutboxKind.UPDATE_CARD, f"Lead #{lead_id}: erased on request",
        )  # fmt: skip


def test_forget_without_by_records_the_os_user(cli_db: CliDatabase) -> None:
    lead_id = greta(cli_db)
    assert runner.invoke(cli, ["forget", GRETA["email"]]).exit_code == 0
    with session_scope(session_factory(cli_db.engine)) as session:
        [erased] = lead_history(session=session, lead_id=lead_id)
    assert erased.data["by"] == getpass.getuser()


def test_forget_of_an_unknown_address_says_so_and_exits_1(cli_db: CliDatabase) -> None:
    greta(cli_db)
    result = runner.invoke(cli, ["forget", "nobody@bigcorp-industries.de"])
    assert result.exit_code == 1
    assert result.stderr == (
        "No lead has the e-mail nobody@bigcorp-industries.de. Nothing was erased.\n"
    )


def test_forget_twice_says_it_was_erased_already(cli_db: CliDatabase) -> None:
    lead_id = greta(cli_db)
    assert runner.invoke(cli, ["forget", GRETA["email"], "--by", "ana"]).exit_code == 0
    # The address is gone: the second request finds nobody…
    assert runner.invoke(cli, ["forget", GRETA["email"]]).exit_code == 1
    # …and by the lead's number it says what happened.
    again = runner.invoke(cli, ["forget", f"#{lead_id}"])
    assert again.exit_code == 0
    assert again.stdout.startswith(f"Lead #{lead_id} was already erased on ")
    assert again.stdout.rstrip().endswith(", asked by ana: nothing to do.")


@pytest.mark.parametrize(("word", "code"), [("L-999", 1), ("lead-one", 2)])
def test_forget_by_a_number_nobody_has_or_no_number(
    cli_db: CliDatabase, word: str, code: int
) -> None:
    result = runner.invoke(cli, ["forget", word])
    assert result.exit_code == code
    assert result.stderr.count("\n") == 1


def test_forget_of_a_nurtured_lead_queues_no_card(cli_db: CliDatabase) -> None:
    greta(cli_db, stage=Stage.NURTURE, team=None, sales_ready_at=None,
          card_channel=None, card_ts=None)  # fmt: skip
    result = runner.invoke(cli, ["forget", GRETA["email"]])
    assert result.exit_code == 0
    assert "card" not in result.stdout.splitlines()[1]
    with session_scope(session_factory(cli_db.engine)) as session:
        assert session.exec(select(OutboxMessage)).all() == []
