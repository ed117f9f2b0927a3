"""Figures of many zones as columns (zoneplan.measure.figures.table)."""

from __future__ import annotations

import pickle

from zoneplan.measure.figures.table import RowBlocks, ZoneRows, ZoneTable


def _table() -> ZoneTable:
    t = ZoneTable(["a", "b", "c", "d"])
    t.fill("area_km2", [1.0, 2.0, 3.0, 4.0])
    t.fill("note", ["big", "odd"], where=[1, 3])
    t.same(["hospitals"], 0, where=[0, 2])
    return t


def test_rows_of_a_run_of_zones_are_those_of_every_zone() -> None:
    t = _table()
    every = [{"area_km2": 1.0, "hospitals": 0}, {"area_km2": 2.0, "note": "big"},
             {"area_km2": 3.0, "hospitals": 0}, {"area_km2": 4.0, "note": "odd"}]
    assert t.rows() == every
    assert t.rows(1, 3) == every[1:3] and t.rows(3, 10) == every[3:]
    assert t.rows(2, 2) == [] and [list(r) for r in t.rows(0, 2)] == [
        ["area_km2", "hospitals"], ["area_km2", "note"]]


def test_blocks_leave_the_rows_unbuilt_until_a_zone_is_asked_for() -> None:
    rows = ZoneRows(_table())
    assert isinstance(rows, RowBlocks)
    assert rows.block(1, 3) == [{"area_km2": 2.0, "note": "big"},
                                {"area_km2": 3.0, "hospitals": 0}]
    assert not rows._rows  # nothing kept
    rows["b"]["note"] = "changed"  # rows asked for are kept, and changes to them stay
    assert rows.block(1, 2) == [{"area_km2": 2.0, "note": "changed"}]


def test_a_pickled_table_reads_the_same() -> None:
    rows = pickle.loads(pickle.dumps(ZoneRows(_table())))
    assert rows.block(0, 4) == _table().rows() and rows["d"] == {"area_km2": 4.0,
                                                                  "note": "odd"}
