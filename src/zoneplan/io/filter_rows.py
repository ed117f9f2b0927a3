"""A filter applied to a layer's rows: which rows it keeps, computed with numpy on the
columns, as data (the filter's tree comes from :func:`zoneplan.plan.filters.parse_filter`;
nothing is handed to pandas ``query``, numexpr or Python).

A column holds numbers, text, true/false or dates (or nothing at all); a value of
another kind is refused (text against numbers, say), not matched to nothing. Dates are
compared with text that reads as a date (``Date >= '2024-01-31'``). A column holding
both text and numbers is compared with ``==``/``!=`` like with like. A missing value
equals nothing: ``==``, ``<``, ``in`` leave it out; ``!=``, ``not in`` keep it.

Examples
--------
>>> import pandas as pd
>>> from zoneplan.plan.filters import parse_filter
>>> df = pd.DataFrame({"amenity": ["hospital", "clinic", None], "beds": [120, 15, 40]})
>>> matching_rows(parse_filter("amenity != 'clinic' and beds > 20"), df, source="h.csv")
array([ True, False,  True])
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

import numpy as np

from zoneplan.plan.filters import (
    ALLOWED,
    And,
    Column,
    Compare,
    Expr,
    FilterError,
    InList,
    Literal,
    Not,
    RowFilter,
    Truth,
    kind_of,
    shown,
)

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

__all__ = ["matching_rows"]


def _column_kind(s: pd.Series) -> str:
    """``number``, ``text``, ``true/false``, ``date``, ``empty`` or ``mixed``."""
    from pandas.api import types as pt

    if pt.is_bool_dtype(s.dtype):
        return "true/false"
    if pt.is_numeric_dtype(s.dtype):
        return "number"
    if pt.is_datetime64_any_dtype(s.dtype):
        return "date"
    kinds = {"true/false" if isinstance(v, bool | np.bool_) else
             "numbers" if isinstance(v, int | float | np.number) else kind_of(v)
             for v in s.dropna()}
    if not kinds:
        return "empty"
    if kinds == {"numbers"}:
        return "number"
    return kinds.pop() if len(kinds) == 1 and kinds <= {"text", "true/false"} else "mixed"


def _fail(f: RowFilter, pos: int, problem: str, source: str,
          suggestion: str = ALLOWED) -> FilterError:
    return FilterError(f"where={shown(f.text)}: at character {pos}: {problem}", path=source,
                       suggestion=suggestion)


def _cmp(a: Any, op: str, b: Any) -> NDArray[np.bool_]:
    fn = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
          ">": np.greater, ">=": np.greater_equal}[op]
    return np.asarray(fn(a, b), dtype=bool)


def _compare(f: RowFilter, s: pd.Series, col: Column, op: str, lit: Literal,
             source: str) -> NDArray[np.bool_]:
    """Rows where ``column op value`` holds; a missing value equals nothing."""
    import pandas as pd

    missing = s.isna().to_numpy(dtype=bool)
    v = lit.value
    if v is None:
        return missing if op == "==" else ~missing
    kind, want = _column_kind(s), kind_of(v)
    if kind == "empty":
        return np.full(len(s), op == "!=")
    if kind == "mixed" and op in ("==", "!="):
        same = np.array([not isinstance(x, bool) and kind_of(x) == want and x == v
                         for x in s.to_numpy(dtype=object)], dtype=bool)
        return same if op == "==" else ~same
    if kind == "number" and want == "numbers":
        if pd.api.types.is_integer_dtype(s.dtype) and isinstance(v, int) \
                and not missing.any() and -2**63 <= v < 2**63:
            return _cmp(s.to_numpy(dtype=np.int64), op, np.int64(v))
        out = _cmp(s.to_numpy(dtype=float, na_value=np.nan), op, float(v))
    elif kind == "text" and want == "text":
        out = _cmp(np.where(missing, "", s.to_numpy(dtype=object)).astype(str), op, v)
    elif kind == "true/false" and want == "true/false":
        out = _cmp(np.where(missing, not v, s.to_numpy(dtype=object)).astype(bool), op, v)
    elif kind == "date" and want == "text":
        try:
            when = pd.Timestamp(str(v))
        except (ValueError, OverflowError):
            raise _fail(f, lit.pos, f"{v!r} is not a date, and column {col.name!r} holds "
                        "dates", source, "write the date as 'YYYY-MM-DD'") from None
        tz = getattr(s.dtype, "tz", None)
        if tz is not None and when.tzinfo is None:
            when = when.tz_localize(tz)
        elif tz is None and when.tzinfo is not None:
            when = when.tz_convert(None)
        return np.asarray(_cmp(s.to_numpy(), op, when.to_datetime64() if tz is None
                               else when), dtype=bool) & (~missing | (op == "!="))
    else:
        holds = {"number": "numbers", "mixed": "both text and numbers", "date": "dates",
                 "true/false": "true/false values"}.get(kind, kind)
        how = {"numbers": f"a number, without quotes: {col.name} > 10",
               "text": f"text in quotes: {col.name} == 'a value'",
               "true/false values": f"true or false: {col.name} == true",
               "dates": f"a date in quotes: {col.name} >= '2024-01-31'",
               "both text and numbers": "== or != (or clean the column)"}[holds]
        raise _fail(f, lit.pos, f"column {col.name!r} holds {holds}; it cannot be compared "
                    f"with {want} ({shown(str(v)) if want == 'text' else v})", source,
                    f"compare {col.name!r} with {how}")
    return out & ~missing if op != "!=" else out | missing


def matching_rows(f: RowFilter, frame: pd.DataFrame, *, source: str) -> NDArray[np.bool_]:
    """Which rows of ``frame`` the filter keeps, as a boolean array.

    Parameters
    ----------
    f
        The filter (:func:`parse_filter`).
    frame
        The layer's rows (a DataFrame or GeoDataFrame).
    source
        The file or built-in layer, named in messages.

    Raises
    ------
    FilterError
        For a column the layer does not have (naming the columns it has), or a value of
        another kind than the column's (text against a column of numbers, say).
    """
    names = [str(c) for c in frame.columns if c != "geometry"]
    for name, pos in f.first_use.items():
        if name not in names:
            near = difflib.get_close_matches(name, names, n=1)
            raise FilterError(
                f"where={shown(f.text)}: at character {pos}: the filter names the column "
                f"{name!r}, which {source} does not have", path=source, suggestion=(
                    f"did you mean {near[0]!r}? " if near else "")
                + "columns there: " + (", ".join(names) or "none"))

    def ev(e: Expr) -> NDArray[np.bool_]:
        if isinstance(e, Compare):
            return _compare(f, frame[e.column.name], e.column, e.op, e.value, source)
        if isinstance(e, InList):
            s = frame[e.column.name]
            hit = np.zeros(len(frame), dtype=bool)
            for lit in e.values:
                hit |= _compare(f, s, e.column, "==", lit, source)
            return ~hit if e.negated else hit
        if isinstance(e, Truth):
            s = frame[e.column.name]
            kind = _column_kind(s)
            if kind not in ("true/false", "empty"):
                holds = {"number": "numbers", "date": "dates",
                         "mixed": "both text and numbers"}.get(kind, kind)
                raise _fail(f, e.column.pos, f"column {e.column.name!r} holds {holds}, not "
                            "true/false, so it cannot stand alone", source,
                            f"compare it with a value, e.g. {e.column.name} == 'x'")
            return _compare(f, s, e.column, "==", Literal(True, e.column.pos), source)
        if isinstance(e, Not):
            return ~ev(e.operand)
        parts = [ev(o) for o in e.operands]
        return np.logical_and.reduce(parts) if isinstance(e, And) else \
            np.logical_or.reduce(parts)

    return np.asarray(ev(f.expr), dtype=bool)
