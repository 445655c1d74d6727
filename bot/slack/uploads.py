"""Send a chart to Slack with files_upload_v2, falling back to its text version when that fails.

files_upload_v2 makes three calls (files.getUploadURLExternal, a POST of the bytes to the URL it
returns, files.completeUploadExternal). Any of them can fail: the files:write scope missing, an
API error, the upload host down. Then the text version is posted instead, so a digest or a
report chart is never lost, and the failure is logged once per reason (not on every post).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.work import Pool

logger = logging.getLogger(__name__)

ChartBuild = Callable[[], "tuple[bytes | None, str, str]"]


class ChartSender:
    """Uploads PNG charts into channels or DMs; a small pool does it off the request path."""

    def __init__(self, client: WebClient, workers: int = 2, queue: int = 50) -> None:
        self.client = client
        # Drawing takes a CPU-second: few workers, and a bounded queue (bot/slack/work.py).
        self._pool = Pool("ofin-chart", workers, queue)
        self._logged: set[str] = set()
        self._lock = threading.Lock()

    def _log_once(self, reason: str) -> None:
        with self._lock:
            if reason in self._logged:
                return
            self._logged.add(reason)
        logger.warning(
            "could not upload a chart (%s); posting its text version instead. Does the app have "
            "the files:write scope? (logged once per reason)",
            reason,
        )

    def send(
        self, channel: str, png: bytes | None, title: str, fallback: str, filename: str
    ) -> bool:
        """Upload ``png`` to ``channel``; on any failure post ``fallback``. True when uploaded."""
        if png is not None:
            try:
                self.client.files_upload_v2(
                    channel=channel, file=png, filename=filename, title=title, alt_txt=title
                )
                return True
            except SlackApiError as exc:
                self._log_once(str(exc.response.get("error") or "api error"))
            except (SlackClientError, OSError) as exc:
                self._log_once(type(exc).__name__)
        try:
            self.client.chat_postMessage(channel=channel, text=fallback, mrkdwn=True)
        except SlackApiError as exc:
            logger.warning("could not post a chart's text either: %s", exc.response.get("error"))
        return False

    def dm_user(self, user_id: str) -> str | None:
        """The id of the bot's DM with ``user_id`` (conversations.open), or None."""
        try:
            response = self.client.conversations_open(users=user_id)
        except SlackApiError as exc:
            logger.warning("could not open a DM with %s: %s", user_id, exc.response.get("error"))
            return None
        return (response.get("channel") or {}).get("id")

    def send_to_user_later(self, user_id: str, build: ChartBuild, filename: str) -> None:
        """Build the chart and send it to the user's DM, in the background."""

        def work() -> None:
            try:
                png, title, fallback = build()
                channel = self.dm_user(user_id)
                if channel:
                    self.send(channel, png, title, fallback, filename)
            except Exception:
                logger.exception("sending a chart to %s failed", user_id)

        if self._pool.submit(work) is None:
            logger.warning("too many charts queued; the one for %s is skipped", user_id)
