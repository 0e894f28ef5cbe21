"""Getting started from an empty folder: `leadbot --version`, `leadbot init`, then check-config."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.runtime.cli import cli
from bot.runtime.settings import Settings
from tests.conftest import REPO

runner = CliRunner()


@pytest.fixture
def empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working directory and no leadbot variables in the environment."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_version_prints_the_installed_version() -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"leadbot {version('leadbot')}\n"


def test_version_works_from_the_installed_command() -> None:
    command = Path(sys.executable).with_name("leadbot")  # the script pip installed
    done = subprocess.run([command, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"leadbot {version('leadbot')}"


def test_init_writes_the_example_playbook_and_an_env_template(empty_folder: Path) -> None:
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    playbook = empty_folder / "playbook.yml"
    assert playbook.read_text() == (REPO / "playbook.example.yml").read_text()
    env = (empty_folder / ".env").read_text()
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL", "LOG_FORMAT"):
        assert f"# {name}=" in env
    assert "wrote playbook.yml" in result.output and "wrote .env" in result.output
    assert "leadbot check-config" in result.output


def test_init_then_check_config_works_in_an_empty_folder(empty_folder: Path) -> None:
    assert runner.invoke(cli, ["init"]).exit_code == 0
    result = runner.invoke(cli, ["check-config"])
    assert result.exit_code == 0, result.output
    assert "playbook.yml: OK" in result.output


def test_the_env_template_loads_as_the_defaults(empty_folder: Path) -> None:
    assert runner.invoke(cli, ["init"]).exit_code == 0
    assert Settings() == Settings(_env_file=None)


def test_init_never_overwrites_existing_files(empty_folder: Path) -> None:
    (empty_folder / "playbook.yml").write_text("company: Mine\n")
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert (empty_folder / "playbook.yml").read_text() == "company: Mine\n"
    assert "playbook.yml already exists: left as it is" in result.output
    assert "wrote .env" in result.output
    again = runner.invoke(cli, ["init"])
    assert again.exit_code == 1
    assert ".env already exists: left as it is" in again.output
