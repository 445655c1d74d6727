"""Campaigns, reminders claimed once per person and week, and opt-outs that outlive forgetting."""

from __future__ import annotations

from bot.store import CampaignRow


def test_a_campaign_is_started_changed_and_stopped(store, clock):
    assert store.campaigns.get("C1") is None
    store.campaigns.save("C1", target=10, per="quarter", set_by="U1")
    store.campaigns.save("C1", target=4, per="month", set_by="U2")
    row = CampaignRow(
        "C1", "T1", target=4, per="month", enabled=True, set_by="U2", set_at=clock.now()
    )
    assert store.campaigns.get("C1") == row
    assert store.campaigns.enabled() == [row]
    assert store.campaigns.disable("C1") is True
    assert store.campaigns.disable("C1") is False
    assert store.campaigns.enabled() == []


def test_reminders_are_claimed_once_a_week_and_opt_outs_survive_forgetting(store):
    assert store.campaigns.claim_reminder("U1", "2026-W10", "C1") is True
    assert store.campaigns.claim_reminder("U1", "2026-W10", "C2") is False  # from another channel
    assert store.campaigns.claim_reminder("U1", "2026-W11", "C1") is True
    store.campaigns.opt_out("U1")
    store.campaigns.opt_out("U1")
    assert store.campaigns.opted_out() == {"U1"}
    store.people.forget_user("U1")
    assert store.campaigns.opted_out() == {"U1"}
    assert store.campaigns.claim_reminder("U1", "2026-W10", "C1") is True  # its claims went
    assert store.campaigns.opt_in("U1") is True
    assert store.campaigns.opt_in("U1") is False
