"""Settings: defaults, validation with clear messages, .env handling, exit code 2 at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import config
from bot.config import ConfigError, Settings, from_env

ROOT = Path(__file__).resolve().parents[1]


def test_defaults():
    s = from_env({})
    assert s == Settings()
    assert s.api_url == "https://slack.com/api/"
    assert s.db_path == Path("./data/ofin.db")
    assert s.admins == frozenset()
    assert s.log_level == "INFO"
    assert s.daily_reveal_hours is None
    assert s.scheduler_seconds == 30
    assert not s.has_slack_tokens


def test_values_are_parsed():
    s = from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "sec",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "OFIN_DB": "/var/lib/ofin/ofin.db",
            "OFIN_ADMINS": " U01ABC, W02DEF ,,",
            "OFIN_LOG_LEVEL": "debug",
            "OFIN_DAILY_REVEAL_HOURS": "7.5",
            "OFIN_SCHEDULER_SECONDS": "5",
        }
    )
    assert s.api_url == "http://127.0.0.1:9/api/"  # slash added for slack_sdk
    assert s.admins == {"U01ABC", "W02DEF"}
    assert s.log_level == "DEBUG"
    assert s.daily_reveal_hours == 7.5
    assert s.scheduler_seconds == 5.0
    assert s.db_path == Path("/var/lib/ofin/ofin.db")
    s.require_http()
    s.require_socket_mode()


def test_blank_values_count_as_unset():
    assert from_env({"SLACK_BOT_TOKEN": "  ", "OFIN_DB": ""}) == Settings()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SLACK_BOT_TOKEN": "xapp-oops"}, "SLACK_BOT_TOKEN must start with 'xoxb-'"),
        ({"SLACK_APP_TOKEN": "xoxb-oops"}, "SLACK_APP_TOKEN must start with 'xapp-'"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL must be an http(s) URL"),
        ({"OFIN_ADMINS": "U01,bob"}, "OFIN_ADMINS must be comma-separated Slack user ids"),
        ({"OFIN_LOG_LEVEL": "LOUD"}, "OFIN_LOG_LEVEL must be one of"),
        ({"OFIN_DAILY_REVEAL_HOURS": "soon"}, "OFIN_DAILY_REVEAL_HOURS must be a number"),
        ({"OFIN_DAILY_REVEAL_HOURS": "-1"}, "OFIN_DAILY_REVEAL_HOURS must be a positive number"),
        ({"OFIN_SCHEDULER_SECONDS": "0"}, "OFIN_SCHEDULER_SECONDS must be a positive number"),
        ({"OFIN_SCHEDULER_SECONDS": "nan"}, "OFIN_SCHEDULER_SECONDS must be a positive number"),
        ({"OFIN_DATABASE_URL": "mysql://db/ofin"}, "OFIN_DATABASE_URL must be a PostgreSQL URL"),
    ],
)
def test_malformed_settings_name_the_variable(env, message):
    with pytest.raises(ConfigError) as info:
        from_env(env)
    assert message in str(info.value)
    assert str(info.value).startswith("ofin: ")


def test_requirements_name_what_is_missing():
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET is required for HTTP mode"):
        Settings(bot_token="xoxb-1").require_http()
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN is required for HTTP mode"):
        Settings(signing_secret="s").require_http()
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN is required for Socket Mode"):
        Settings(app_token="xapp-1").require_socket_mode()


def test_dotenv_is_read_once_and_never_overrides_the_environment(tmp_path, monkeypatch):
    dotenv = tmp_path / ".env"
    dotenv.write_text("OFIN_LOG_LEVEL=WARNING\nOFIN_DB=from-dotenv.db\n")
    monkeypatch.setattr(config, "_dotenv_loaded", False)
    monkeypatch.setenv("OFIN_DB", "from-env.db")
    monkeypatch.delenv("OFIN_LOG_LEVEL", raising=False)
    monkeypatch.chdir(tmp_path)
    try:
        s = from_env()
        assert s.db_path == Path("from-env.db")  # the real environment wins
        assert s.log_level == "WARNING"  # filled in from .env
        dotenv.write_text("OFIN_SCHEDULER_SECONDS=9\n")
        assert from_env().scheduler_seconds == 30  # read once only
    finally:
        os.environ.pop("OFIN_LOG_LEVEL", None)


def run_bot(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OFIN_"))}
    clean.update(PYTHONPATH=str(ROOT), OFIN_DB=str(tmp_path / "ofin.db"), **env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=clean,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxb-1"},
            ("serve", "--port", "0"),
            "ofin: SLACK_SIGNING_SECRET is required for HTTP mode",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, (), "ofin: SLACK_APP_TOKEN is required for Socket Mode"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, (), "ofin: SLACK_BOT_TOKEN is required for Socket Mode"),
        ({"OFIN_SCHEDULER_SECONDS": "often"}, (), "ofin: OFIN_SCHEDULER_SECONDS must be a number"),
        ({"SLACK_API_URL": "ftp://x"}, ("serve",), "ofin: SLACK_API_URL must be an http(s) URL"),
    ],
)
def test_bad_settings_stop_the_bot_with_one_clear_line_and_exit_2(tmp_path, env, args, message):
    done = run_bot(tmp_path, env, *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_dotenv_in_the_working_directory_is_used(tmp_path):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    done = run_bot(tmp_path, {}, "serve", "--port", "0")
    assert done.returncode == 2
    assert "SLACK_SIGNING_SECRET is required for HTTP mode" in done.stderr


def test_a_broken_knowledge_base_stops_the_start_with_the_validator_messages(
    tmp_path, monkeypatch, capsys
):
    from bot import cli, wiring

    kb = tmp_path / "knowledge"
    kb.mkdir()
    (kb / "broken.yaml").write_text("items:\n  - id: x\n    owner: nobody\n")
    monkeypatch.setattr(wiring, "DEFAULT_DIR", kb)
    monkeypatch.setattr(config, "_dotenv_loaded", True)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "OFIN_DB"):
        monkeypatch.delenv(name, raising=False)
    assert cli.start() == 1
    err = capsys.readouterr().err
    assert "refusing to start" in err
    assert "broken.yaml:3:" in err or "broken.yaml:2:" in err


def test_log_format_and_metrics_port():
    s = from_env({"OFIN_LOG_FORMAT": "JSON", "OFIN_METRICS_PORT": "9100"})
    assert s.log_format == "json"
    assert s.metrics_port == 9100
    assert from_env({}).log_format == "text" and from_env({}).metrics_port is None
    with pytest.raises(ConfigError, match="OFIN_LOG_FORMAT must be one of text, json"):
        from_env({"OFIN_LOG_FORMAT": "xml"})
    for bad in ("http", "-1", "70000"):
        with pytest.raises(ConfigError, match="OFIN_METRICS_PORT must be a TCP port"):
            from_env({"OFIN_METRICS_PORT": bad})


def test_a_postgresql_url_replaces_the_sqlite_file():
    assert from_env({}).database == from_env({}).db_path  # SQLite, the default
    settings = from_env({"OFIN_DATABASE_URL": "postgresql://ofin@db:5432/ofin", "OFIN_DB": "x.db"})
    assert settings.database == "postgresql://ofin@db:5432/ofin"
    assert settings.database_setting == "OFIN_DATABASE_URL"
