"""Many workspaces in one process (``--only workspaces``): 50 installed by OAuth, their clicks."""

from __future__ import annotations

import random
import time
import uuid
from pathlib import Path

from soaking.bots import install, log_errors, restart
from soaking.client import burst, post
from soaking.common import ADMIN, DAILY_PREFIX, SEED, ms, pct, row, wait_until
from soaking.fake import RemoteFake
from tests.e2e.harness import OfinProcess, db_rows
from tests.e2e.harness.slack_requests import block_actions_body, command_body


def workspaces(fake: RemoteFake, work: Path, teams: int, people: int, clients: int) -> None:
    """OAuth installs: ``teams`` workspaces through "Add to Slack", each posts its daily quiz,
    and ``people`` of each click it twice, all workspaces mixed in one burst."""
    folder = work / "workspaces"
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        "SLACK_API_URL": fake.api_url,
        "OFIN_DB": str(folder / "ofin.db"),
        "OFIN_ADMINS": ADMIN,
        "OFIN_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": "",
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "soak-secret",
    }
    bot = restart(OfinProcess(env, folder))
    try:
        fake.set_redirect(f"{bot.base_url}/slack/oauth_redirect")
        names = [f"{n:04d}" for n in range(teams)]
        started = time.monotonic()
        for name in names:
            install(bot, fake, f"TW{name}")
        installed = time.monotonic() - started
        bodies = []
        for name in names:
            team, channel = f"TW{name}", f"CW{name}"
            url = fake.response_url(f"soak-ws-{uuid.uuid4().hex[:12]}")
            body = command_body(
                "daily now", user_id=ADMIN, channel_id=channel, team_id=team, response_url=url
            )
            assert post(bot.events_url, body)[0] == 200
        query = "SELECT id, message_ts FROM quiz_posts WHERE channel_id = ? AND status = 'open'"
        for name in names:
            channel = f"CW{name}"
            assert wait_until(lambda c=channel: bool(db_rows(bot.db_path, query, (c,))), 60)
            post_id, ts = db_rows(bot.db_path, query, (channel,))[0]
            for p in range(people):
                for i in (0, 1):
                    bodies.append(
                        block_actions_body(
                            f"{DAILY_PREFIX}{i}",
                            f"{post_id}:{i}",
                            user_id=f"UW{name}{p:03d}",
                            channel_id=channel,
                            team_id=f"TW{name}",
                            response_url=fake.response_url(f"soak-ws-{uuid.uuid4().hex[:12]}"),
                            message_ts=ts,
                            is_ephemeral=False,
                        )
                    )
        random.Random(SEED).shuffle(bodies)
        started = time.monotonic()
        results = burst(bot.events_url, bodies, clients)
        took = time.monotonic() - started
        total = teams * people
        count = "SELECT COUNT(*) FROM answers"
        wait_until(lambda: db_rows(bot.db_path, count)[0][0] >= total, 60)
        per_team = db_rows(
            bot.db_path,
            "SELECT team_id, COUNT(*), SUM(channel_id = 'C' || substr(team_id, 2)) "
            "FROM answers GROUP BY team_id",
        )
        in_place = sum(1 for _, n, ok in per_team if n == people and ok == people)
        checked, wrong = fake.tokens("CW")
        acks = [t for _, t in results]
        ok = sum(1 for code, _ in results if code == 200)
        row(
            f"{teams} workspaces installed by OAuth ({installed:.1f} s), {len(bodies):,} clicks "
            f"from {total:,} people, {clients} clients",
            f"{ok:,}/{len(bodies):,} × 200; {db_rows(bot.db_path, count)[0][0]:,} answers, "
            f"{in_place}/{teams} workspaces with exactly their {people} in their own channel; "
            f"{wrong} of {checked} posts and updates with another workspace's token; ack p50 "
            f"{ms(pct(acks, 50))}, p99 {ms(pct(acks, 99))}, max {ms(max(acks))}; "
            f"{len(bodies) / took:.0f} clicks/s; {log_errors(bot)} tracebacks",
            f"all 200, exactly {total:,}, {teams}/{teams}, 0, p99 < 300 ms",
        )
    finally:
        bot.stop()
