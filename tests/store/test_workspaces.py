"""Adopting the rows of no workspace, on both engines (PostgreSQL runs UPDATE OR IGNORE by row)."""

from __future__ import annotations

from bot.store import Store


def test_the_home_workspace_adopts_unowned_rows_and_keeps_its_own(store_target, clock):
    store = Store(store_target, clock=clock)  # no home workspace yet: the console's ""
    assert store.team == ""
    store.people.touch_user("U1", tz="Europe/Paris")  # met on the console...
    store.people.touch_user("U2")
    store.declined.record_declined(question="a poem", user_id="U2", channel_id=None)
    store.for_team("T9").people.touch_user("U1", tz="Asia/Tokyo")  # ...and already in Slack
    assert store.adopt_workspace("T9") == 2  # U2 and the declined question; U1 stays put
    assert store.team == "T9"
    assert store.people.user("U1").tz == "Asia/Tokyo"  # the Slack version of U1 kept
    assert store.people.user("U2") is not None
    assert store.declined.top_declined() == [("a poem", 1)]
    assert (
        store.for_team("").people.user("U1").tz == "Europe/Paris"
    )  # the unowned copy stays unowned
    store.close()
    reopened = Store(store_target, clock=clock)
    assert reopened.team == "T9"
    reopened.close()
