"""Starting ``python -m bot serve`` for a scenario, and reading back what it did."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlsplit

import requests

from soaking.client import command
from soaking.common import ADMIN, INLINE, RUN, SERVER_CORES, pin, wait_until
from soaking.fake import RemoteFake
from tests.e2e.harness import OfinProcess, db_rows


def start_bot(fake: RemoteFake, workdir: Path, *, inline: bool = False) -> OfinProcess:
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **({"PYTHONPATH": str(RUN.code)} if RUN.code else {}),
        "SLACK_API_URL": fake.api_url,
        "OFIN_DB": str(workdir / "ofin.db"),
        "OFIN_ADMINS": ADMIN,
        "OFIN_LOG_LEVEL": "WARNING",
        "OFIN_SCHEDULER_SECONDS": "0.5",
    }
    bot = OfinProcess(env, workdir, python=INLINE if inline else ("-m", "bot"))
    return restart(bot)


def restart(bot: OfinProcess) -> OfinProcess:
    """Start the bot (again) and give it its own core."""
    bot.start(timeout=60)
    assert bot.proc is not None
    pin(bot.proc.pid, SERVER_CORES)
    return bot


def daily_post(bot: OfinProcess, fake: RemoteFake, channel: str) -> tuple[int, str]:
    code, _ = command(bot.events_url, fake, "daily now", ADMIN, channel)
    assert code == 200, "daily now failed"

    def posted() -> bool:
        rows = db_rows(
            bot.db_path,
            "SELECT id, message_ts FROM quiz_posts WHERE channel_id = ? AND status = 'open'",
            (channel,),
        )
        return bool(rows)

    assert wait_until(posted, 30), "the daily quiz never opened"
    (post_id, ts), *_ = db_rows(
        bot.db_path,
        "SELECT id, message_ts FROM quiz_posts WHERE channel_id = ? AND status = 'open'",
        (channel,),
    )
    return post_id, ts


def answers(bot: OfinProcess, post_id: int) -> int:
    return db_rows(bot.db_path, "SELECT COUNT(*) FROM answers WHERE post_id = ?", (post_id,))[0][0]


def live_count(fake: RemoteFake, ts: str) -> str:
    text = fake.last_text("chat.update", ts)
    if text is None:
        return "none"
    marker = " people answered so far"
    if marker not in text:
        return "?"
    return text.split(marker)[0].rsplit(" ", 1)[-1].strip('"*_')


def log_errors(bot: OfinProcess) -> int:
    return sum(1 for line in bot.log().splitlines() if "Traceback" in line)


def install(bot: OfinProcess, fake: RemoteFake, team: str) -> None:
    """ "Add to Slack" as a person of ``team``: the install page, the consent, the redirect."""
    fake.install_as(team)
    with requests.Session() as browser:
        page = browser.get(f"{bot.base_url}/slack/install", timeout=30)
        found = re.search(r'href="([^"]*/oauth/v2/authorize\?[^"]*)"', page.text)
        assert found, page.text
        link = html.unescape(found.group(1))
        for cookie in list(browser.cookies):  # Secure, kept by browsers on localhost too
            browser.cookies.set(cookie.name, cookie.value, secure=False)
        done = browser.get(link, timeout=30)
        assert done.status_code == 200, done.text


def address(bot: OfinProcess) -> tuple[str, int]:
    parts = urlsplit(bot.events_url)
    return parts.hostname or "127.0.0.1", parts.port or 80
