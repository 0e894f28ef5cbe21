"""Settings come from the environment; every bad one is one clear sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import SettingsError
from bot.runtime.settings import Settings, load_settings
from tests.conftest import REPO


def test_defaults_use_sqlite_and_slack_com(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.slack_api_url == "https://slack.com/api/"


def test_slack_api_url_gets_its_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    assert load_settings().slack_api_url == "http://127.0.0.1:9999/api/"


def test_postgres_urls_use_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/leads")
    assert load_settings().database_url == "postgresql+psycopg://u@db/leads"


def test_each_malformed_variable_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-user-token")
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    monkeypatch.setenv("SLACK_API_URL", "slack.com/api")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    lines = caught.value.user_message.splitlines()
    assert len(lines) == 3
    assert any(line.startswith("SLACK_BOT_TOKEN must be a bot token") for line in lines)
    assert any(line.startswith("DATABASE_URL must be") for line in lines)
    assert any(line.startswith("SLACK_API_URL must start with http") for line in lines)


def test_missing_slack_secrets_are_each_named() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(slack_bot_token=None, slack_signing_secret=None).require_slack()
    assert caught.value.user_message.splitlines() == [
        "SLACK_BOT_TOKEN is not set: copy it from your Slack app's settings.",
        "SLACK_SIGNING_SECRET is not set: copy it from your Slack app's settings.",
    ]


def test_socket_mode_needs_no_signing_secret() -> None:
    Settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1").require_slack()


def test_missing_intake_token_is_refused() -> None:
    with pytest.raises(SettingsError, match="LEADBOT_INTAKE_TOKEN is not set"):
        Settings(leadbot_intake_token=None).require_intake_token()


def test_a_dotenv_file_in_the_working_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("LEADBOT_CONFIG", raising=False)
    (tmp_path / ".env").write_text(
        "# a comment\nDATABASE_URL=sqlite:///from-dotenv.db\nLEADBOT_CONFIG=mine.yml\nOTHER=1\n"
    )
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database_url == "sqlite:///from-dotenv.db"
    assert settings.leadbot_config == Path("mine.yml")


def test_the_real_environment_wins_over_the_dotenv_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-dotenv.db\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-environment.db")
    assert load_settings().database_url == "sqlite:///from-environment.db"


def test_a_bad_value_in_the_dotenv_file_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    (tmp_path / ".env").write_text("LOG_FORMAT=xml\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.user_message == "LOG_FORMAT must be text or json."


def test_tests_never_read_a_stray_dotenv_in_the_repository() -> None:
    # tests/conftest.py moves every test into its own empty working directory.
    assert not (Path.cwd() / ".env").exists()
    assert Path.cwd() != REPO


@pytest.mark.parametrize(("raw", "level"), [("debug", "DEBUG"), (" Warning ", "WARNING")])
def test_log_level_is_read_in_any_case(
    raw: str, level: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", raw)
    assert load_settings().log_level == level


def test_an_unknown_log_level_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(SettingsError, match="LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR"):
        load_settings()


@pytest.mark.parametrize("secret", ["", "   ", "short"])
def test_a_blank_or_short_signing_secret_is_refused(secret: str) -> None:
    # Bolt would accept requests signed with the empty key.
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is blank or too short"):
        Settings(slack_bot_token="xoxb-1", slack_signing_secret=secret).require_slack()


@pytest.mark.parametrize(
    ("token", "says"), [("", "is not set"), ("  ", "is not set"), ("abc123", "is too short")]
)
def test_a_blank_or_short_intake_token_is_refused(token: str, says: str) -> None:
    with pytest.raises(SettingsError, match=f"LEADBOT_INTAKE_TOKEN {says}"):
        Settings(leadbot_intake_token=token).require_intake_token()


def test_the_nurture_job_runs_every_five_minutes_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NURTURE_SWEEP_SECONDS", raising=False)
    assert load_settings().nurture_sweep_seconds == 300
    monkeypatch.setenv("NURTURE_SWEEP_SECONDS", "900")
    assert load_settings().nurture_sweep_seconds == 900
    monkeypatch.setenv("NURTURE_SWEEP_SECONDS", "0")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.user_message.startswith("NURTURE_SWEEP_SECONDS ")
