"""``python -m bot doctor``'s Slack checks, through the Web API at SLACK_API_URL.

- ``auth.test``: the bot token works, and for which workspace and bot user;
- scopes: the ones the token really has (Slack's ``x-oauth-scopes`` response header) against
  the bot scopes manifest.yml asks for, naming each one missing;
- channels: the bot is a member of every channel with a daily quiz (``conversations.info``),
  since it cannot post a quiz where it is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.ops.doctor import Check

TIMEOUT = 10  # seconds per Web API call
MAX_CHANNELS = 200  # channels looked up one by one; more than this are not checked
MANIFEST = "manifest.yml"


def manifest_path() -> Path | None:
    """manifest.yml beside the package (a checkout), else in the working folder."""
    for folder in (Path(__file__).resolve().parents[2], Path.cwd()):
        if (folder / MANIFEST).is_file():
            return folder / MANIFEST
    return None


def manifest_scopes(path: Path) -> list[str]:
    """The bot scopes manifest.yml asks for."""
    manifest = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(((manifest.get("oauth_config") or {}).get("scopes") or {}).get("bot") or [])


def slack_checks(settings: Settings, channels: Sequence[str]) -> list[Check]:
    """auth.test, the token's scopes, the daily-quiz channels; only auth.test when it fails."""
    client = WebClient(
        token=settings.bot_token, base_url=settings.api_url, timeout=TIMEOUT, retry_handlers=[]
    )
    try:
        auth = client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        return [
            Check(
                "slack auth.test",
                False,
                f"Slack refused SLACK_BOT_TOKEN ({error or exc.response.status_code})",
                "copy the Bot User OAuth Token (xoxb-...) again from OAuth & Permissions",
            )
        ]
    except OSError as exc:
        return [
            Check(
                "slack auth.test",
                False,
                f"cannot reach Slack's Web API at {settings.api_url}: {exc}",
                "check SLACK_API_URL and the network (a proxy, a firewall)",
            )
        ]
    who = (
        f"bot @{auth.get('user')} ({auth.get('user_id')}) in {auth.get('team')} "
        f"({auth.get('team_id')}) at {settings.api_url}"
    )
    return [
        Check("slack auth.test", True, who),
        _scopes_check(auth.headers),
        _channels_check(client, channels),
    ]


def _scopes_check(headers: dict) -> Check:
    lowered = {str(k).lower(): v for k, v in (headers or {}).items()}
    raw = lowered.get("x-oauth-scopes")
    if isinstance(raw, list):
        raw = ",".join(raw)
    path = manifest_path()
    if path is None:
        return Check(
            "slack scopes",
            False,
            f"{MANIFEST} not found, so the scopes cannot be compared",
            f"run doctor from the folder that holds {MANIFEST}",
        )
    wanted = manifest_scopes(path)
    if raw is None:
        return Check(
            "slack scopes",
            False,
            "Slack did not say which scopes the token has (no x-oauth-scopes header)",
            "check SLACK_API_URL points at Slack's Web API",
        )
    have = {s.strip() for s in str(raw).split(",") if s.strip()}
    missing = [s for s in wanted if s not in have]
    if missing:
        return Check(
            "slack scopes",
            False,
            f"the token lacks {len(missing)} scope(s) {MANIFEST} asks for: {', '.join(missing)}",
            "add them under OAuth & Permissions > Bot Token Scopes (or update the app from "
            f"{MANIFEST}), then reinstall the app to the workspace",
        )
    return Check("slack scopes", True, f"all {len(wanted)} bot scopes of {MANIFEST}")


def _channels_check(client: WebClient, channels: Sequence[str]) -> Check:
    if not channels:
        return Check("slack channels", True, "no channel has a daily quiz yet")
    outside: list[str] = []
    failed: list[str] = []
    for channel in list(channels)[:MAX_CHANNELS]:
        try:
            info = client.conversations_info(channel=channel).get("channel") or {}
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else "error"
            failed.append(f"{channel} ({error})")
            continue
        except OSError as exc:
            failed.append(f"{channel} ({exc})")
            continue
        if not info.get("is_member"):
            name = info.get("name")
            outside.append(f"#{name} ({channel})" if name else channel)
    if outside or failed:
        parts = []
        if outside:
            parts.append(f"not a member of {', '.join(outside)}")
        if failed:
            parts.append(f"cannot look up {', '.join(failed)}")
        return Check(
            "slack channels",
            False,
            "; ".join(parts) + " (channels with a daily quiz)",
            "invite the bot there (/invite @ofin), or turn the quiz off (/ofin daily off)",
        )
    n = min(len(channels), MAX_CHANNELS)
    return Check("slack channels", True, f"a member of all {n} channel(s) with a daily quiz")
