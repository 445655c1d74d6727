"""Settings from the environment; a ``.env`` file is read once and never overrides the real env.

Every setting is validated here, so a wrong value stops the bot with one clear message naming the
variable (``ConfigError``), never a traceback from deep inside Slack's SDK.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DB = "./data/ofin.db"
DEFAULT_SCHEDULER_SECONDS = 30.0
DEFAULT_RETENTION_DAYS = 30.0  # days a workspace's data is kept after it uninstalls ofin
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

_dotenv_loaded = False


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def load_dotenv_once(path: str | Path | None = None) -> None:
    """Read ``.env`` (from the working directory, or ``path``) once, never overriding the env."""
    global _dotenv_loaded
    if _dotenv_loaded:
        return
    _dotenv_loaded = True
    from dotenv import load_dotenv

    dotenv_path = Path(path) if path else Path.cwd() / ".env"
    if dotenv_path.is_file():
        load_dotenv(dotenv_path, override=False)


@dataclass(frozen=True)
class Settings:
    """Validated settings of one ofin process."""

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    db_path: Path = Path(DEFAULT_DB)
    database_url: str | None = None  # postgresql://…: several workers share one database
    admins: frozenset[str] = field(default_factory=frozenset)
    log_level: str = "INFO"
    log_format: str = "text"  # "json": one JSON object per line, for a log pipeline
    metrics_port: int | None = None  # Socket Mode: serve /metrics, /healthz, /readyz here
    daily_reveal_hours: float | None = None  # None: reveal when the next daily quiz posts
    scheduler_seconds: float = DEFAULT_SCHEDULER_SECONDS
    client_id: str | None = None  # OAuth install ("Add to Slack") for any number of workspaces
    client_secret: str | None = None
    redirect_uri: str | None = None  # None: the app's configured redirect URL
    retention_days: float = DEFAULT_RETENTION_DAYS  # data kept after a workspace uninstalls

    @property
    def database(self) -> str | Path:
        """What the store opens: OFIN_DATABASE_URL (PostgreSQL) when set, else the OFIN_DB file."""
        return self.database_url or self.db_path

    @property
    def database_setting(self) -> str:
        """The variable that names the database, for messages ("check OFIN_DB")."""
        return "OFIN_DATABASE_URL" if self.database_url else "OFIN_DB"

    @property
    def has_slack_tokens(self) -> bool:
        """True when any Slack credential is configured."""
        return bool(self.bot_token or self.signing_secret or self.app_token or self.oauth)

    @property
    def oauth(self) -> bool:
        """True when workspaces install ofin by OAuth (client id and secret set)."""
        return bool(self.client_id and self.client_secret)

    def require_http(self) -> None:
        """Raise ConfigError unless HTTP mode (bot token or OAuth, signing secret) can start."""
        if self.client_id and not self.client_secret:
            raise ConfigError("ofin: SLACK_CLIENT_SECRET is required with SLACK_CLIENT_ID")
        if self.client_secret and not self.client_id:
            raise ConfigError("ofin: SLACK_CLIENT_ID is required with SLACK_CLIENT_SECRET")
        token = ("SLACK_BOT_TOKEN", self.bot_token) if not self.oauth else ("", "oauth")
        for name, value in (token, ("SLACK_SIGNING_SECRET", self.signing_secret)):
            if not value:
                raise ConfigError(f"ofin: {name} is required for HTTP mode")

    def require_socket_mode(self) -> None:
        """Raise ConfigError unless Socket Mode (app token + bot token) can start."""
        for name, value in (
            ("SLACK_APP_TOKEN", self.app_token),
            ("SLACK_BOT_TOKEN", self.bot_token),
        ):
            if not value:
                raise ConfigError(f"ofin: {name} is required for Socket Mode")


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _positive_float(env: Mapping[str, str], name: str, default: float | None) -> float | None:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"ofin: {name} must be a number, got {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"ofin: {name} must be a positive number, got {raw!r}")
    return value


def _port(env: Mapping[str, str], name: str) -> int | None:
    raw = _get(env, name)
    if raw is None:
        return None
    if not raw.isdigit() or not 0 <= int(raw) <= 65535:
        raise ConfigError(f"ofin: {name} must be a TCP port (0-65535; 0 picks a free one)")
    return int(raw)


def _token(env: Mapping[str, str], name: str, prefix: str) -> str | None:
    value = _get(env, name)
    if value is not None and not value.startswith(prefix):
        raise ConfigError(
            f"ofin: {name} must start with {prefix!r} (check you copied the right token)"
        )
    return value


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from ``env`` (default: os.environ after ``.env``); raise ConfigError."""
    if env is None:
        load_dotenv_once()
        env = os.environ

    api_url = _get(env, "SLACK_API_URL") or DEFAULT_API_URL
    if not re.match(r"^https?://[^/\s]+", api_url):
        raise ConfigError(f"ofin: SLACK_API_URL must be an http(s) URL, got {api_url!r}")
    if not api_url.endswith("/"):
        api_url += "/"  # slack_sdk joins method names onto the base URL

    admins: set[str] = set()
    for raw in (_get(env, "OFIN_ADMINS") or "").split(","):
        user_id = raw.strip()
        if not user_id:
            continue
        if not _USER_ID.match(user_id):
            raise ConfigError(
                f"ofin: OFIN_ADMINS must be comma-separated Slack user ids like U012ABCDEF, "
                f"got {user_id!r}"
            )
        admins.add(user_id)

    log_level = (_get(env, "OFIN_LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"ofin: OFIN_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")

    log_format = (_get(env, "OFIN_LOG_FORMAT") or "text").lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"ofin: OFIN_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")

    return Settings(
        bot_token=_token(env, "SLACK_BOT_TOKEN", "xoxb-"),
        signing_secret=_get(env, "SLACK_SIGNING_SECRET"),
        app_token=_token(env, "SLACK_APP_TOKEN", "xapp-"),
        api_url=api_url,
        db_path=Path(_get(env, "OFIN_DB") or DEFAULT_DB),
        database_url=_database_url(env),
        admins=frozenset(admins),
        log_level=log_level,
        log_format=log_format,
        metrics_port=_port(env, "OFIN_METRICS_PORT"),
        daily_reveal_hours=_positive_float(env, "OFIN_DAILY_REVEAL_HOURS", None),
        scheduler_seconds=_positive_float(env, "OFIN_SCHEDULER_SECONDS", DEFAULT_SCHEDULER_SECONDS)
        or DEFAULT_SCHEDULER_SECONDS,
        client_id=_get(env, "SLACK_CLIENT_ID"),
        client_secret=_get(env, "SLACK_CLIENT_SECRET"),
        redirect_uri=_get(env, "SLACK_REDIRECT_URI"),
        retention_days=_positive_float(env, "OFIN_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
        or DEFAULT_RETENTION_DAYS,
    )


def _database_url(env: Mapping[str, str]) -> str | None:
    """OFIN_DATABASE_URL: a PostgreSQL URL, or None (the SQLite file at OFIN_DB)."""
    url = _get(env, "OFIN_DATABASE_URL")
    if url and not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            "ofin: OFIN_DATABASE_URL must be a PostgreSQL URL like "
            "postgresql://user:password@host:5432/ofin (leave it unset for the SQLite file at "
            "OFIN_DB)"
        )
    return url
