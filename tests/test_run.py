"""``zoneplan run``'s own machinery (zoneplan.cli.run)."""

from __future__ import annotations

import gc

from zoneplan.cli.run import GC_THRESHOLDS, _rarer_collections


def test_collections_are_rarer_inside_the_run_only() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with _rarer_collections():
            assert gc.get_threshold() == (10_000, 10, 1_000) == GC_THRESHOLDS
        assert gc.get_threshold() == (700, 10, 10)
        with _rarer_collections(False):  # with draws or a cluster: left as they are
            assert gc.get_threshold() == (700, 10, 10)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
