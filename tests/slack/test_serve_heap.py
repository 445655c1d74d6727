"""A serving worker settles its heap once built: long-lived objects frozen, collections rarer."""

from __future__ import annotations

import gc

from bot.slack.serve import SERVING_GC_THRESHOLDS, settle_heap


def test_settling_the_heap_freezes_what_was_built_and_collects_less_often() -> None:
    before = gc.get_threshold()
    built = [{"vector": list(range(8))} for _ in range(1000)]  # what start-up built
    try:
        settle_heap()
        assert gc.get_freeze_count() >= len(built)  # out of the collector's sight
        assert gc.get_threshold() == SERVING_GC_THRESHOLDS
        assert SERVING_GC_THRESHOLDS[0] > before[0]  # young collections rarer than the default
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
