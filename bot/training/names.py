"""Who is behind each Slack id in a report: names and emails from the store's directory cache.

Slack-free: the Slack app fills the cache (bot/slack/directory.py); the report and its exports
only read it, so the command line prints names too once the bot has met the workspace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.store import DirectoryEntry, Store

EMAIL_SCOPE = "users:read.email"


@dataclass(frozen=True)
class Names:
    """The names (and emails) known for a report's people, and what the report should say."""

    entries: dict[str, DirectoryEntry] = field(default_factory=dict)
    asked: int = 0  # how many people the report lists

    def name(self, user_id: str) -> str:
        """The person's name, or "" when Slack has not told ofin."""
        entry = self.entries.get(user_id)
        return entry.name if entry else ""

    def email(self, user_id: str) -> str:
        """The person's email, or "" when it is not visible to ofin."""
        entry = self.entries.get(user_id)
        return (entry.email or "") if entry else ""

    @property
    def emails_visible(self) -> bool:
        """True when the workspace let ofin read emails (users:read.email) at the last fetch."""
        return any(e.emails_visible for e in self.entries.values())

    def note(self) -> str:
        """One sentence for the report: where names come from, and why emails may be missing."""
        known = sum(1 for _ in self.entries)
        if not known:
            return (
                "Names: not known yet. People are listed by Slack id; ofin fetches names from "
                "Slack when an admin downloads the report there."
            )
        when = max(e.fetched_at for e in self.entries.values())
        names = f"Names from Slack as of {when:%Y-%m-%d %H:%M} UTC ({known} of {self.asked})."
        if self.emails_visible:
            return names + " Emails as Slack shows them."
        return (
            f"{names} Emails are not shown: the Slack app lacks the {EMAIL_SCOPE} scope "
            "(add it in manifest.yml and reinstall the app to include them)."
        )


def names_for(store: Store, user_ids: Iterable[str]) -> Names:
    """The cached names of ``user_ids``."""
    ids = list(dict.fromkeys(user_ids))
    return Names(store.directory.lookup(ids), asked=len(ids))
