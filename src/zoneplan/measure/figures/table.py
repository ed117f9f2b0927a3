"""Figures of many zones kept as columns, read as one dict per zone when asked for.

Indicator families fill in a figure for every zone at once (:class:`ZoneTable`: one list
per figure, in zone order); a run's figures are read zone by zone only where a zone's
figures are wanted (:class:`ZoneRows`, e.g. the central run's JSON), and the ranges over
the alternatives are taken column by column. A zone's row holds the figures set for it,
in the order the figures were first set, as a dict filled in zone by zone would.

Examples
--------
>>> t = ZoneTable(["a", "b"])
>>> t.fill("area_km2", [1.5, 2.0])
>>> t.fill("note", ["big"], where=[1])
>>> rows = ZoneRows(t)
>>> rows["a"], rows["b"], list(rows)
({'area_km2': 1.5}, {'area_km2': 2.0, 'note': 'big'}, ['a', 'b'])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

__all__ = ["UNSET", "RowBlocks", "ZoneRows", "ZoneTable"]


class _Unset:
    """The mark of a figure not set for a zone (its row does not hold the key)."""

    def __repr__(self) -> str:
        return "UNSET"

    def __reduce__(self) -> str:
        return "UNSET"  # unpickled as the one mark, so a pickled table reads the same


UNSET: Any = _Unset()
"""A figure not set for a zone."""


@runtime_checkable
class RowBlocks(Protocol):
    """A mapping of zone id to a dict per zone that can make the dicts of a run of zones
    at once, from columns, without keeping them (:meth:`ZoneRows.block`,
    :class:`zoneplan.evaluate.ZoneRanges`)."""

    def block(self, start: int, stop: int) -> list[dict[str, Any]]:
        """The dicts of zones ``start`` to ``stop`` (indices in zone order)."""
        ...


class ZoneTable:
    """Figures of zones, one column per key (:data:`UNSET` where a zone has none).

    Parameters
    ----------
    ids
        The zone ids, in layout order (the order of every column).
    """

    def __init__(self, ids: Sequence[str]) -> None:
        self.ids = list(ids)
        self.cols: dict[str, list[Any]] = {}
        self.partial: set[str] = set()  # columns that may hold UNSET

    def col(self, key: str) -> list[Any]:
        """The column of ``key`` (created unset for every zone the first time: a key
        takes its place in every row's order when its column is created), to write into."""
        c = self.cols.get(key)
        if c is None:
            c = self.cols[key] = [UNSET] * len(self.ids)
        self.partial.add(key)
        return c

    def fill(self, key: str, values: Iterable[Any], where: Iterable[int] | None = None
             ) -> None:
        """Set ``key`` for every zone (``values`` in zone order) or for zones ``where``
        (indices, one value each)."""
        c = self.col(key)
        if where is None:
            vals = list(values)
            if len(vals) != len(c):
                raise ValueError(f"{key}: {len(vals)} values for {len(c)} zones")
            c[:] = vals
            self.partial.discard(key)
            return
        for k, v in zip(where, values, strict=True):
            c[k] = v

    def same(self, keys: Iterable[str], value: Any, where: Iterable[int] | None = None
             ) -> None:
        """Set each of ``keys`` to one ``value`` for every zone, or for zones ``where``."""
        if where is None:
            for key in keys:
                if key not in self.cols:
                    self.cols[key] = [value] * len(self.ids)
                else:
                    self.cols[key][:] = [value] * len(self.ids)
                self.partial.discard(key)
            return
        at = list(where)
        for key in keys:
            c = self.col(key)
            for k in at:
                c[k] = value

    def row(self, k: int) -> dict[str, Any]:
        """Zone ``k``'s figures as a dict, keys in the order first set."""
        return {key: c[k] for key, c in self.cols.items() if c[k] is not UNSET}

    def rows(self, start: int = 0, stop: int | None = None) -> list[dict[str, Any]]:
        """Every zone's :meth:`row` (or those of zones ``start`` to ``stop``, indices in
        zone order), built together (one zip of the columns, then the unset figures taken
        out: a dict keeps the order of the keys left)."""
        stop = len(self.ids) if stop is None else min(stop, len(self.ids))
        whole = start == 0 and stop == len(self.ids)
        cols = list(self.cols.values()) if whole else [c[start:stop] for c in
                                                          self.cols.values()]
        keys = list(self.cols)
        out = [dict(zip(keys, vals, strict=True)) for vals in zip(*cols, strict=True)]
        if not keys:
            out = [{} for _ in range(max(stop - start, 0))]
        for key in self.partial:
            c = self.cols[key]
            for k in [k for k in range(start, stop) if c[k] is UNSET]:
                del out[k - start][key]
        return out


class ZoneRows(Mapping[str, dict[str, Any]]):
    """A :class:`ZoneTable` read as ``{zone id: {key: figure}}``; each zone's dict is built
    when first asked for, then kept (changes to it stay, as in a plain dict of dicts).

    Parameters
    ----------
    table
        The figures.
    """

    def __init__(self, table: ZoneTable) -> None:
        self.table = table
        self._index = {zid: k for k, zid in enumerate(table.ids)}
        self._rows: dict[str, dict[str, Any]] = {}

    def __getitem__(self, zone_id: str) -> dict[str, Any]:
        row = self._rows.get(zone_id)
        if row is None:
            if not self._rows:  # asked for a first row: all are built together
                self._rows = dict(zip(self.table.ids, self.table.rows(), strict=True))
                return self._rows[zone_id]
            row = self._rows[zone_id] = self.table.row(self._index[zone_id])
        return row

    def block(self, start: int, stop: int) -> list[dict[str, Any]]:
        """The figures of zones ``start`` to ``stop`` (indices in zone order) as
        ``self[zone_id]`` gives them, without building and keeping every zone's dict:
        the kept dicts where rows have been built, else new ones made from the columns
        (for zones read once, as a result's zone records are when written)."""
        if self._rows:
            return [self[zid] for zid in self.table.ids[start:stop]]
        return self.table.rows(start, stop)

    def __iter__(self) -> Iterator[str]:
        return iter(self.table.ids)

    def __len__(self) -> int:
        return len(self.table.ids)

    def __contains__(self, zone_id: object) -> bool:
        return zone_id in self._index

    def __repr__(self) -> str:
        return f"ZoneRows({dict(self.items())!r})"
