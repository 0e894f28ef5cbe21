"""The `leadbot` command line: check-config, db upgrade, import, serve's start-up checks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bot.core.stages import Stage
from bot.playbook.loading import load_playbook
from bot.runtime.cli import cli
from bot.runtime.server import build_server, serving_in_thread
from bot.runtime.settings import load_settings
from bot.testkit.fakeslack import FakeSlack
from store.db import make_engine, session_factory, session_scope
from store.migrate import upgrade
from tests.conftest import REPO
from tests.factories import make_lead

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment: a fresh SQLite file and the example playbook."""
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "LEADBOT_INTAKE_TOKEN",
        "SLACK_API_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("LEADBOT_CONFIG", str(REPO / "playbook.example.yml"))
    return tmp_path


def test_check_config_accepts_the_example(env: Path) -> None:
    result = runner.invoke(cli, ["check-config"])
    assert result.exit_code == 0
    assert "OK — 3 teams, 6 reps, 3 routing rules, sales-ready at 60." in result.output


def test_check_config_names_each_mistake_with_its_line(env: Path) -> None:
    broken = (REPO / "playbook.example.yml").read_text().replace("threshold: 60", "threshold: x")
    path = env / "broken.yml"
    path.write_text(broken)
    result = runner.invoke(cli, ["check-config", str(path)])
    assert result.exit_code == 2
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if "threshold: x" in t)
    assert f"line {line} (scoring.threshold)" in result.output


def test_bad_environment_is_one_sentence_per_variable(env: Path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    result = runner.invoke(cli, ["check-config"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("DATABASE_URL must be")


def test_db_upgrade_then_import_a_csv(env: Path) -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    csv_path = env / "leads.csv"
    csv_path.write_text("email,name\nana@solarfarm.com.br,Ana\nnot-an-email,Bob\n")
    result = runner.invoke(cli, ["import", str(csv_path), "--source", "event"])
    assert result.exit_code == 1  # a row was rejected
    assert "created 1, merged 0, unchanged 0, rejected 1" in result.output
    assert "line 3: email:" in result.output


def test_import_maps_columns_and_forces_the_delimiter(env: Path) -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    csv_path = env / "leads.csv"
    csv_path.write_text("Mail;Territory;Vorname\nana@solarfarm.com.br;BR;Ana\n")
    args = ["import", str(csv_path), "--delimiter", ";", "--map", "Territory=country"]
    result = runner.invoke(cli, [*args, "--map", "Vorname=first_name"])
    assert result.exit_code == 0, result.output
    assert "created 1, merged 0, unchanged 0, rejected 0" in result.output
    assert "Mail -> email, Vorname -> name, Territory -> country" in result.output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--map", "Territory=region"], "'region' is no lead field (fields: email, name, first_"),
        (["--map", "Territory"], "--map takes COLUMN=FIELD"),
        (["--delimiter", "semicolon"], "--delimiter takes one character"),
        (["--encoding", "latin-9x"], "'latin-9x' is not an encoding"),
    ],
)
def test_import_with_a_bad_option_says_what_it_takes(env: Path, options, message) -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    csv_path = env / "leads.csv"
    csv_path.write_text("email,Territory\nana@solarfarm.com.br,BR\n")
    result = runner.invoke(cli, ["import", str(csv_path), *options])
    assert result.exit_code == 2
    assert message in result.output


def test_import_before_upgrade_says_what_to_run(env: Path) -> None:
    csv_path = env / "leads.csv"
    csv_path.write_text("email\nana@solarfarm.com.br\n")
    result = runner.invoke(cli, ["import", str(csv_path)])
    assert result.exit_code == 2
    assert "run `leadbot db upgrade` first" in result.output


def test_serve_refuses_to_start_without_its_secrets(env: Path) -> None:
    result = runner.invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 2
    assert "SLACK_BOT_TOKEN is not set" in result.output
    assert "SLACK_SIGNING_SECRET is not set" in result.output
    assert "LEADBOT_INTAKE_TOKEN is not set" in result.output


def test_serve_refuses_an_unmigrated_database(env: Path, monkeypatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("LEADBOT_INTAKE_TOKEN", "an-intake-token-nobody-guesses")
    result = runner.invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 2
    assert "run `leadbot db upgrade` first" in result.output


def test_socket_mode_serves_no_unverified_slack_url(env: Path, monkeypatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.setenv("LEADBOT_INTAKE_TOKEN", "an-intake-token-nobody-guesses")
    settings = load_settings()
    upgrade(settings.database_url)
    server = build_server(settings, load_playbook(settings.leadbot_config))
    assert server.socket_mode is not None
    with serving_in_thread(server.api) as base:
        answer = httpx.post(f"{base}/slack/events", content=b"payload=%7B%7D")
    assert answer.status_code == 404
    server.engine.dispose()


def test_check_config_lists_every_mistake_in_one_run(env: Path) -> None:
    broken = (
        (REPO / "playbook.example.yml")
        .read_text()
        .replace("threshold: 60", "threshold: x")
        .replace("- team: emea", "- team: emae")
        .replace("  enterprise:\n", "  amer:\n", 1)
    )
    path = env / "broken.yml"
    path.write_text(broken)
    result = runner.invoke(cli, ["check-config", str(path)])
    assert result.exit_code == 2
    assert "has 4 mistakes:" in result.output
    assert "`amer` is defined twice" in result.output
    assert "team 'emae' is not a team" in result.output
    assert "team 'enterprise' is not a team" in result.output  # the duplicate replaced it
    assert "(scoring.threshold)" in result.output


def test_check_config_without_a_playbook_says_how_to_get_one(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEADBOT_CONFIG")
    monkeypatch.chdir(env)
    result = runner.invoke(cli, ["check-config"])
    assert result.exit_code == 2
    first = result.output.splitlines()[0]
    assert first.startswith("No playbook at playbook.yml:")
    assert f"cp {REPO / 'bot' / 'playbook' / 'playbook.example.yml'} playbook.yml" in result.output
    assert "LEADBOT_CONFIG" in result.output


def test_serve_refuses_a_token_slack_refuses(env: Path, monkeypatch) -> None:
    with FakeSlack() as fake:
        fake.fail_next("auth.test", status=200, error="invalid_auth")
        monkeypatch.setenv("SLACK_API_URL", fake.url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-mistyped")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "0123456789abcdef0123456789abcdef")
        monkeypatch.setenv("LEADBOT_INTAKE_TOKEN", "an-intake-token-nobody-guesses")
        upgrade(load_settings().database_url)
        result = runner.invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 2
    assert "Slack refuses SLACK_BOT_TOKEN (invalid_auth)" in result.output


def test_jobs_run_sla_reminds_at_the_time_given(env: Path) -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    csv_path = env / "leads.csv"
    header = "email,name,budget,timeframe,title,company_size,country"
    row = "greta@bigcorp-industries.de,Greta,approved,this quarter,VP Sales,5000,DE"
    csv_path.write_text(f"{header}\n{row}\n")  # a sales-ready lead, due 2 business hours later
    runner.invoke(cli, ["import", str(csv_path)])
    result = runner.invoke(cli, ["jobs", "run", "sla", "--now", "2030-01-07T12:00Z"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("sla: 1 lead(s) reminded or escalated")
    again = runner.invoke(cli, ["jobs", "run", "sla", "--now", "2030-01-07T12:00Z"])
    assert again.output.startswith("sla: 0 lead(s)")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["jobs", "run", "report"], "There is no job 'report'; the jobs are: sla, nurture, dig"),
        (["jobs", "run", "sla", "--catch-up"], "--catch-up is for the nurture job"),
        (["jobs", "run", "sla", "--now", "monday"], "--now 'monday' is not a time"),
        (["jobs", "run", "sla", "--now", "2030-01-07T12:00"], "has no time zone"),
    ],
)
def test_jobs_run_refuses_what_it_cannot_run_in_one_sentence(
    env: Path, args: list[str], said: str
) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert said in result.output


def test_check_config_names_an_unknown_on_decay(env: Path) -> None:
    text = (REPO / "playbook.example.yml").read_text()
    path = env / "broken.yml"
    path.write_text(text.replace("on_decay: nurture", "on_decay: drop"))
    result = runner.invoke(cli, ["check-config", str(path)])
    assert result.exit_code == 2
    assert "(scoring.on_decay): Input should be 'nurture' or 'keep'" in result.output


def test_jobs_run_nurture_brings_back_a_lead_whose_revisit_date_has_come(env: Path) -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = make_engine(load_settings().database_url)
    with session_scope(session_factory(engine)) as session:
        make_lead(session, stage=Stage.NURTURE, owner_id="U0REPEMEA1", reason="not now",
                  revisit_at=datetime(2030, 3, 1, 8, 0, tzinfo=UTC))  # fmt: skip
    engine.dispose()
    early = runner.invoke(cli, ["jobs", "run", "nurture", "--now", "2030-02-28T08:00Z"])
    assert early.output.startswith("nurture: 0 back from their revisit date, 0 rescored")
    result = runner.invoke(cli, ["jobs", "run", "nurture", "--now", "2030-03-01T08:00Z"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "nurture: 1 back from their revisit date, 0 rescored (0 back to marketing, 0 to sales); "
        "messages go out with `leadbot serve`.\n"
    )
    again = runner.invoke(cli, ["jobs", "run", "nurture", "--now", "2030-03-01T08:00Z"])
    assert again.output.startswith("nurture: 0 back from their revisit date")
    caught_up = runner.invoke(cli, ["jobs", "run", "nurture", "--catch-up"])
    assert caught_up.exit_code == 0 and "1 rescored" in caught_up.output  # the unclaimed one
