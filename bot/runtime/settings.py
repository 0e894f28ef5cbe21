"""Settings from the environment (names as in DESIGN.md), loaded once and passed in."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.errors import SettingsError

DEFAULT_DATABASE_URL = "sqlite:///leadbot.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
#: Shorter secrets and tokens are typos or placeholders (Slack's signing secrets have 32 chars).
MIN_SECRET_LENGTH = 16
# Read from the working directory; a variable set in the real environment wins over the file.
ENV_FILE = ".env"
LogFormat = Literal["text", "json"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LOG_LEVELS: tuple[str, ...] = get_args(LogLevel)


class Settings(BaseSettings):
    """Everything leadbot reads from its environment."""

    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", env_file=ENV_FILE, env_file_encoding="utf-8"
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    leadbot_config: Path = Path("playbook.yml")
    leadbot_intake_token: SecretStr | None = None
    outbox_poll_seconds: float = Field(default=2.0, gt=0)
    sla_sweep_seconds: float = Field(default=60.0, gt=0)
    nurture_sweep_seconds: float = Field(default=300.0, gt=0)
    log_format: LogFormat = "text"
    log_level: LogLevel = "INFO"

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        # WebClient joins method names onto the base URL, so it must end in a slash.
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_is_supported(cls, value: str) -> str:
        if value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgres://")
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if not value.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError("must be an sqlite:/// path or a postgresql+psycopg:// URL")
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format_known(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("text", "json"):
            return value.strip().lower()
        raise ValueError("must be text or json")

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level_known(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().upper() in LOG_LEVELS:
            return value.strip().upper()
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    def require_slack(self) -> None:
        """Refuse to start a Slack-facing process without its Slack secrets.

        Socket Mode (SLACK_APP_TOKEN) needs no signing secret: nothing arrives over HTTP.
        """
        needed = ["slack_bot_token"]
        if self.slack_app_token is None:
            needed.append("slack_signing_secret")
        problems = []
        for name in needed:
            value = getattr(self, name)
            if value is None:
                problems.append(
                    f"{name.upper()} is not set: copy it from your Slack app's settings."
                )
            elif (
                name == "slack_signing_secret"
                and len(value.get_secret_value().strip()) < MIN_SECRET_LENGTH
            ):
                # A blank signing secret would verify requests signed with the empty key.
                problems.append(
                    f"{name.upper()} is blank or too short to be real: copy it again from your "
                    "Slack app's settings."
                )
        if problems:
            raise SettingsError("\n".join(problems))

    def require_intake_token(self) -> None:
        """Refuse to serve the intake API without a token nobody can guess."""
        token = self.leadbot_intake_token
        if token is not None and 0 < len(token.get_secret_value().strip()) < MIN_SECRET_LENGTH:
            raise SettingsError(
                f"LEADBOT_INTAKE_TOKEN is too short to keep strangers out: use at least "
                f"{MIN_SECRET_LENGTH} random characters (`leadbot init` makes one)."
            )
        if token is None or not token.get_secret_value().strip():
            raise SettingsError(
                "LEADBOT_INTAKE_TOKEN is not set: choose a long random string; web forms send it "
                "as 'Authorization: Bearer <token>'."
            )


def load_settings() -> Settings:
    """Read the environment; every malformed variable becomes one clear sentence."""
    try:
        return Settings()
    except ValidationError as exc:
        sentences = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "environment"
            message = err["msg"].removeprefix("Value error, ")
            sentences.append(f"{name} {message}.")
        raise SettingsError("\n".join(sentences)) from None
