"""The weekly digest scheduler: a background thread that posts each channel's digest once a week.

Every OFIN_SCHEDULER_SECONDS it claims the digests now due (bot/training/digest.py: a UNIQUE claim
per channel and week in SQLite, so a restart never posts a week twice) and posts them: the summary
with its "Practice this" button, then the chart through files_upload_v2, or the chart's text when
the upload fails (bot/slack/uploads.py), so a digest is never lost to a missing scope. It is also
the publisher behind ``/ofin digest now``.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands.core import Core
from bot.slack.blocks import digest as digest_blocks
from bot.slack.ticker import Ticker
from bot.slack.uploads import ChartSender
from bot.training.digest import Digest, Digests, build_digest

logger = logging.getLogger(__name__)


def digest_data(digest: Digest) -> dict:
    """The plain dict the digest builder takes."""
    weakest = digest.weakest
    return {
        "top": [list(t) for t in digest.top],
        "answered": digest.answered,
        "accuracy": digest.accuracy,
        "last_answered": digest.last_answered,
        "last_accuracy": digest.last_accuracy,
        "weakest": None
        if weakest is None
        else {
            "category": weakest.category,
            "accuracy_4w": weakest.accuracy_4w,
            "accuracy_12w": weakest.accuracy_12w,
            "trend": weakest.trend,
        },
    }


class DigestRunner(Ticker):
    """Posts weekly digests; runs the weekly schedule in a thread."""

    thread_name = "ofin-digest"

    def __init__(self, client: WebClient, core: Core, sender: ChartSender) -> None:
        self.client = client
        self.core = core
        self.sender = sender
        self.digests: Digests = core.digests
        self.interval = core.settings.scheduler_seconds
        super().__init__(leads=core.store.leads_schedules)

    def tick(self) -> None:
        """Claim and post every digest due now."""
        for channel_id, claim in self.digests.claim_due(self.core.store.clock.now()):
            self.publish(channel_id, claim)

    def publish(self, channel_id: str, claim: int) -> bool:
        """Post the channel's digest and its chart; True when the summary was posted."""

        now = self.core.store.clock.now()
        digest = build_digest(self.core.store, self.core.kb, channel_id, now)
        message = digest_blocks.digest_message(digest_data(digest))
        try:
            self.client.chat_postMessage(channel=channel_id, unfurl_links=False, **message)
        except SlackApiError as exc:
            logger.warning(
                "could not post the digest in %s: %s", channel_id, exc.response.get("error")
            )
            self.digests.mark(claim, "failed")
            return False
        self.digests.mark(claim, "posted")
        logger.info("posted the weekly digest in %s", channel_id)
        self._chart(digest)
        return True

    def _chart(self, digest: Digest) -> None:
        from bot.training.chart import chart_text, render_chart
        from bot.training.digest_chart import chart_window

        window = chart_window(self.core.store, digest.channel_id, digest.end)
        fallback = chart_text(window.this, window.last, window.this_label, window.last_label)
        try:
            png: bytes | None = render_chart(
                window.this, window.last, window.this_label, window.last_label
            )
        except Exception:
            logger.exception("could not draw the digest chart")
            png = None
        self.sender.send(digest.channel_id, png, window.title, fallback, "ofin-weekly-chart.png")
