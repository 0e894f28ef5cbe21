"""`leadbot init`: a starting playbook and a commented `.env` in the working directory."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.runtime.settings import DEFAULT_DATABASE_URL, DEFAULT_SLACK_API_URL, ENV_FILE

PLAYBOOK_FILE = "playbook.yml"

ENV_TEMPLATE = """\
# leadbot reads these variables from the environment or from this file (.env in the directory
# leadbot runs in); a variable set in the environment wins. Uncomment the ones you need.

# From your Slack app's settings: Basic Information (signing secret), OAuth & Permissions (token).
# SLACK_BOT_TOKEN=xoxb-...
# SLACK_SIGNING_SECRET=...
# Optional: an app-level token to receive Slack events over Socket Mode instead of HTTP.
# SLACK_APP_TOKEN=xapp-...
# The Slack Web API base URL (GovSlack, a proxy, a local stand-in).
# SLACK_API_URL={slack_api_url}

# Where leads are kept: an SQLite file here, or postgresql+psycopg://user:password@host/dbname.
# DATABASE_URL={database_url}
# The playbook: check it with `leadbot check-config`.
# LEADBOT_CONFIG={playbook}
# The bearer token web forms send to POST /api/leads (this one was made for you at random).
# LEADBOT_INTAKE_TOKEN={intake_token}

# Logs: text, or json for one JSON object per line; and DEBUG, INFO, WARNING or ERROR.
# LOG_FORMAT=text
# LOG_LEVEL=INFO
"""


@dataclass(frozen=True)
class StarterFile:
    """One file `leadbot init` offers, and whether it was written (False: it already existed)."""

    path: Path
    written: bool
    next_step: str


def example_playbook_text() -> str:
    """The example playbook shipped in the package (the demo runs on it too)."""
    return (
        resources.files("bot.playbook").joinpath("playbook.example.yml").read_text(encoding="utf-8")
    )


def env_template() -> str:
    """The `.env` template: every variable commented out, with what it is for."""
    return ENV_TEMPLATE.format(
        slack_api_url=DEFAULT_SLACK_API_URL,
        database_url=DEFAULT_DATABASE_URL,
        playbook=PLAYBOOK_FILE,
        intake_token=secrets.token_urlsafe(32),
    )


def write_starter_files(directory: Path) -> list[StarterFile]:
    """Write playbook.yml and .env into `directory`, leaving any existing file untouched."""
    offered = (
        (PLAYBOOK_FILE, example_playbook_text(), "describe your teams, channels and reps"),
        (ENV_FILE, env_template(), "fill in your Slack app's secrets"),
    )
    results = []
    for name, text, next_step in offered:
        path = directory / name
        try:
            with path.open("x", encoding="utf-8") as file:  # "x": never replace a file
                file.write(text)
        except FileExistsError:
            results.append(StarterFile(path, written=False, next_step=next_step))
        else:
            results.append(StarterFile(path, written=True, next_step=next_step))
    return results
