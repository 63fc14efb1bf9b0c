"""The collector pause around reading a root: restored as found, young objects promoted."""

from __future__ import annotations

import gc

from course.content.loader import gc_paused


def test_pause_restores_an_enabled_collector_and_promotes_what_was_made() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        made = [[i] for i in range(20_000)]  # tracked containers
    young = gc.get_count()[0]
    assert gc.isenabled()
    # Left young, the 20,000 lists would wait for a collection that walks them all.
    assert young < 1_000
    assert any(made[0] is obj for obj in gc.get_objects(generation=2))


def test_a_paused_collector_stays_paused() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_objects_frozen_by_someone_else_stay_frozen() -> None:
    kept = [object(), [1]]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            [[i] for i in range(1_000)]
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
    finally:
        gc.unfreeze()
    assert kept
