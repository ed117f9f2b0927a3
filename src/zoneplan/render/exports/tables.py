"""The analyst's tables: per zone and per area, as CSV and as an Excel workbook.

Rows come from the result JSON only. Numbers are written unrounded (a spreadsheet
rounds for display); each figure's low and high ends are columns of their own
(``<indicator>_low``, ``<indicator>_high``). Units are in the header (``area_km2``)
and in the workbook's method sheet.

CSV: :func:`zones_csv` is the per-zone table (one row per zone and one for the whole
territory); with ``--by``, :func:`by_area_csv` is the by-area table (one row per area
and zone). ``zoneplan run --format csv`` prints the first and, with ``--by``, the
second after one blank line; ``--out FILE.csv`` writes ``FILE.csv`` and
``FILE-by-area.csv``.

Excel: :func:`write_xlsx` writes one sheet per table (zones, by area, claims), a
sources sheet and a method sheet (each indicator's label, unit and method; what the
ranges span; the notes), ready to paste: headers are labels with units, zones are named
by their labels, numbers carry a format (shares as percentages, people in thousands)
while the stored value stays unrounded, the header row is frozen, and every empty cell
has its reason (a cell comment, and the row's "Why cells are empty" column). The CSV
keeps the machine names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from zoneplan.io.outputs import write_with_atomic
from zoneplan.plan.rules.definitions import INDICATORS
from zoneplan.render.words.text import ACCESS_WORDS
from zoneplan.result import is_number

__all__ = ["by_area_csv", "by_area_rows", "number_format", "write_xlsx", "zone_rows",
           "zones_csv"]

_SKIP = {"ranges", "null_reasons", "notes", "standards", "damage_by_class"}


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def zone_rows(d: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per zone, then the whole territory: every indicator with its range."""
    keys = list(d["indicators"])
    rows: list[dict[str, Any]] = []
    for z in [*d["zones"], {"id": "(whole territory)", "label": "Whole territory",
                            **d["totals"]}]:
        row: dict[str, Any] = {"zone": z["id"], "label": z.get("label"),
                               "access": z.get("access"), "colour": z.get("colour")}
        for k in keys:
            row[k] = z.get(k) if _scalar(z.get(k)) else None
            rng = (z.get("ranges") or {}).get(k)
            row[f"{k}_low"], row[f"{k}_high"] = (rng if rng else (None, None))
        rows.append(row)
    return rows


def by_area_rows(d: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (area, zone) with each figure's range (empty without ``--by``)."""
    out: list[dict[str, Any]] = []
    for r in d.get("by_area") or []:
        row = {k: v for k, v in r.items() if k != "ranges"}
        for k, rng in (r.get("ranges") or {}).items():
            row[f"{k}_low"], row[f"{k}_high"] = rng
        out.append(row)
    return out


def _csv(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    fields = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return buf.getvalue()


def zones_csv(d: dict[str, Any]) -> str:
    """The per-zone table as CSV text."""
    return _csv(zone_rows(d))


def by_area_csv(d: dict[str, Any]) -> str:
    """The by-area table as CSV text (empty without ``--by``)."""
    return _csv(by_area_rows(d))


def _claim_rows(d: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for c in d.get("claims") or []:
        cl = c.get("claimed") or {}
        lo, hi = (c.get("measured_range") or (None, None))
        out.append({"published figure": c["text"], "source": c["source"],
                    "indicator": c["indicator"], "zone": c.get("zone"), "unit": c["unit"],
                    "claimed value": cl.get("value"), "claimed range": str(cl.get("range") or
                                                                          ""),
                    "at least": cl.get("at_least"), "at most": cl.get("at_most"),
                    "read as (low)": cl["interval"][0], "read as (high)": cl["interval"][1],
                    "wording": cl.get("wording"), "read as": cl.get("reads_as"),
                    "measured": c.get("measured"), "measured low": lo, "measured high": hi,
                    "verdict": c["verdict"], "counted": c.get("counted"), "why": c["why"]})
    return out


def _source_rows(d: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": s.get("id"), "kind": s.get("kind"), "publisher": s.get("publisher"),
             "title": s.get("title"), "date": s.get("date"), "url": s.get("url"),
             "read via": (s.get("via") or {}).get("publisher"),
             "via url": (s.get("via") or {}).get("url"), "licence": s.get("licence"),
             "note": s.get("note")} for s in d.get("sources", [])]


def _method_rows(d: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [{"item": k, "label": v["label"], "unit": v["unit"], "method": v["method"]}
            for k, v in d["indicators"].items()]
    rows += [{"item": "ranges span", "label": "", "unit": "", "method": r}
             for r in d.get("ranges_from", [])]
    pop = d.get("population", {})
    rows.append({"item": "population", "label": pop.get("baseline_label"), "unit": "people",
                 "method": pop.get("baseline_method")})
    rows += [{"item": "note", "label": "", "unit": "", "method": n} for n in d.get("notes", [])]
    return rows


# Excel number formats by unit: shares as percentages, counts and people in thousands,
# lengths and areas to the precision a reader uses. Values are stored unrounded; the
# format alone rounds what is shown (so float noise such as 0.9999999999999979 reads 100.0%).
_PERCENT = "0.0%"
_WHOLE = "#,##0"
_ONE_PLACE = "#,##0.0"
_FORMATS: dict[str, str] = {
    "fraction (0-1)": _PERCENT, "percent": _PERCENT,
    "people": _WHOLE, "structures": _WHOLE, "beds": _WHOLE, "personnel": _WHOLE,
    "count": _WHOLE, "m": _WHOLE, "people per km²": _WHOLE, "structures per km²": _WHOLE,
    "US$": _WHOLE, "US$ per person": _WHOLE,
    "km²": _ONE_PLACE, "km": _ONE_PLACE, "m² per person": _ONE_PLACE,
    "beds per 10,000 residents": _ONE_PLACE, "personnel per 1,000 residents": _ONE_PLACE,
}
"""The Excel number format of each unit of :data:`zoneplan.plan.rules.definitions.INDICATORS`
(and ``percent``, the unit of a published claim's share)."""

_YES_NO = "yes/no"
_NO_REASON = "no reason recorded"

_BY_AREA_DEFS: dict[str, tuple[str, str]] = {
    "share_of_area": ("Share of the area in the zone", "fraction (0-1)"),
}
"""Labels and units of by-area figures that are not indicators."""


def number_format(unit: str) -> str:
    """The Excel number format for a unit (``General`` for a unit it does not know).

    Parameters
    ----------
    unit
        The unit as written in the indicator table, e.g. ``"fraction (0-1)"``.
    """
    return _FORMATS.get(unit, "General")


def _header(label: str, unit: str, end: str = "") -> str:
    """A human header: ``Area (km²)``, ``Area, low end (km²)``, ``Share of territory (%)``."""
    shown = {"fraction (0-1)": "%", "percent": "%", "count": "", _YES_NO: ""}.get(unit, unit)
    if shown.lower() in label.lower():  # "Beds per 10,000 residents" says its unit
        shown = ""
    text = f"{label}, {end}" if end else label
    return f"{text} ({shown})" if shown else text


@dataclass(frozen=True, slots=True)
class _Column:
    """One column of a sheet: its header, number format and how a row fills it."""

    header: str
    fmt: str
    get: Callable[[dict[str, Any]], Any]
    why: Callable[[dict[str, Any]], str | None] = lambda _r: None


def _cell_value(v: Any, unit: str) -> Any:
    if unit == _YES_NO and isinstance(v, bool):
        return "yes" if v else "no"
    return v if _scalar(v) else None


def _indicator_columns(keys: list[str], defs: dict[str, tuple[str, str]],
                       rows: list[dict[str, Any]]) -> list[_Column]:
    """The columns of each figure: the value, then its range ends where a range is known
    for some row (never for yes/no figures)."""
    cols: list[_Column] = []
    for k in keys:
        label, unit = defs[k]

        def why(r: dict[str, Any], k: str = k) -> str | None:
            return str((r.get("null_reasons") or {}).get(k) or _NO_REASON)

        def value(r: dict[str, Any], k: str = k, unit: str = unit) -> Any:
            return _cell_value(r.get(k), unit)

        cols.append(_Column(_header(label, unit), number_format(unit), value, why))
        if unit == _YES_NO or not any((r.get("ranges") or {}).get(k) for r in rows):
            continue
        for i, end in enumerate(("low end", "high end")):
            def get(r: dict[str, Any], k: str = k, i: int = i) -> Any:
                rng = (r.get("ranges") or {}).get(k)
                return rng[i] if rng else None

            def why_range(r: dict[str, Any], k: str = k) -> str | None:
                if r.get(k) is None:
                    return str((r.get("null_reasons") or {}).get(k) or _NO_REASON)
                return "no alternative changes this figure in this run"

            cols.append(_Column(_header(label, unit, end), number_format(unit), get,
                                why_range))
    return cols


def _empty_reasons(cols: list[_Column], row: dict[str, Any]) -> str:
    """Every empty cell of a row with its reason, for the row's last column."""
    seen: dict[str, list[str]] = {}
    for c in cols:
        if c.get(row) is None:
            why = c.why(row)
            if why:
                seen.setdefault(why, []).append(c.header)
    return "; ".join(f"{', '.join(h)}: {w}" for w, h in seen.items())


_REASONS = "Why cells are empty"


def _zone_sheet(d: dict[str, Any]) -> tuple[list[_Column], list[dict[str, Any]]]:
    defs = {k: (v["label"], v["unit"]) for k, v in d["indicators"].items()}
    rows = [*d["zones"], {"id": "(whole territory)", "label": "Whole territory",
                          **d["totals"]}]
    cols = [_Column("Zone", "General", lambda r: r.get("label") or r.get("id")),
            _Column("Civilian access", "General",
                    lambda r: ACCESS_WORDS.get(r.get("access") or "", r.get("access")),
                    lambda _r: "the whole territory has no single access"),
            *_indicator_columns(list(d["indicators"]), defs, rows),
            _Column("Zone id", "General", lambda r: r.get("id"))]
    return cols, rows


def _by_area_sheet(d: dict[str, Any]) -> tuple[list[_Column], list[dict[str, Any]]]:
    rows = list(d.get("by_area") or [])
    if not rows:
        return [], []
    labels = {z["id"]: z.get("label") or z["id"] for z in d["zones"]}
    defs = {k: (v.label, v.unit) for k, v in INDICATORS.items()}
    defs.update({k: (v["label"], v["unit"]) for k, v in d["indicators"].items()})
    defs.update(_BY_AREA_DEFS)
    keys = [k for k in dict.fromkeys(k for r in rows for k in r) if k in defs]
    layers = {"hospitals": "the plan has no hospitals layer",
              "damaged_structures": "the plan has no damage layer"}
    rows = [{**r, "null_reasons": {k: layers.get(k, _NO_REASON) for k in keys
                                   if r.get(k) is None}} for r in rows]
    cols = [_Column("Area", "General", lambda r: r.get("area")),
            _Column("Zone", "General", lambda r: labels.get(r.get("zone"), r.get("zone"))),
            *_indicator_columns(keys, defs, rows),
            _Column("Zone id", "General", lambda r: r.get("zone"))]
    return cols, rows


def _plain_sheet(rows: list[dict[str, Any]], why: str,
                 ) -> tuple[list[_Column], list[dict[str, Any]]]:
    """A sheet of plain rows; every empty cell gets ``why`` as its reason."""
    fields = list(dict.fromkeys(k for r in rows for k in r))

    def value(r: dict[str, Any], f: str) -> Any:
        return None if r.get(f) in (None, "") else r.get(f)

    def reason(_r: dict[str, Any]) -> str | None:
        return why

    cols = [_Column(f[:1].upper() + f[1:], "General", partial(value, f=f), reason)
            for f in fields]
    return cols, rows


def _claims_labelled(d: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Claims rows with the indicator's and the zone's labels in place of their ids."""
    zones = {z["id"]: z.get("label") or z["id"] for z in d["zones"]}
    defs = d["indicators"]
    return [{**r, "indicator": (defs.get(r["indicator"]) or {}).get("label", r["indicator"]),
             "zone": zones.get(r.get("zone"), r.get("zone") or "whole territory")}
            for r in rows]


def _claim_format(header: str, row: dict[str, Any]) -> str:
    """Claims: the measured figures in the format of the claim's unit (shares as %)."""
    if header.startswith(("Measured", "Read as")):
        unit = row.get("unit")
        return number_format("fraction (0-1)" if unit == "percent" else str(unit))
    return "General"


def _width(values: list[Any], fmt: str) -> float:
    """A column's width in characters: its longest shown value, at most 60."""
    def shown(v: Any) -> str:
        if isinstance(v, float) and fmt == _PERCENT:
            return f"{v:.1%}"
        if is_number(v) and fmt != "General":
            return f"{v:,.1f}" if fmt == _ONE_PLACE else f"{v:,.0f}"
        return "" if v is None else str(v)

    return min(60.0, max(8.0, *(len(shown(v)) + 2.0 for v in values)))


def write_xlsx(d: dict[str, Any], path: str | Path, *, overwrite: bool = False) -> None:
    """Write the tables as an Excel workbook ready to paste (atomically; never over a
    file without ``overwrite``).

    Headers are labels with units (``Area (km²)``), zones are named by their labels (the
    id is the last column), every number carries a format (shares ``0.0%``, people and
    counts ``#,##0``) while the value itself is stored unrounded, the header row is
    frozen and bold, columns are as wide as their content, and every empty cell has its
    reason in a cell comment and in the row's last column. Yes/no figures have no range
    columns.

    Parameters
    ----------
    d
        The result JSON (:meth:`zoneplan.result.Result.to_dict`).
    path
        The ``.xlsx`` file to write.
    overwrite
        Replace an existing file.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    claims = _claim_rows(d)
    sheets: dict[str, tuple[list[_Column], list[dict[str, Any]]]] = {
        "zones": _zone_sheet(d), "by area": _by_area_sheet(d),
        "claims": _plain_sheet(_claims_labelled(d, claims),
                               "the published figure does not state this"),
        "sources": _plain_sheet(_source_rows(d), "not recorded for this source"),
        "method": _plain_sheet(_method_rows(d), "does not apply to this row")}

    def _write(tmp: Path) -> None:
        wb = Workbook()
        first = True
        for title, (cols, rows) in sheets.items():
            if not rows:
                continue
            ws = wb.active if first else wb.create_sheet()
            first = False
            ws.title = title
            reasons = title in ("zones", "by area")
            headers = [c.header for c in cols] + ([_REASONS] if reasons else [])
            ws.append(headers)
            for cell in ws[1]:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            shown: list[list[Any]] = [[] for _ in headers]
            for i, r in enumerate(rows, start=2):
                for j, c in enumerate(cols, start=1):
                    v = c.get(r)
                    cell = ws.cell(row=i, column=j, value=v)
                    fmt = _claim_format(c.header, r) if title == "claims" else c.fmt
                    if is_number(v):
                        cell.number_format = fmt
                    elif v is None:
                        cell.comment = Comment(c.why(r) or _NO_REASON, "zoneplan")
                    shown[j - 1].append(v)
                if reasons:
                    text = _empty_reasons(cols, r) or None
                    ws.cell(row=i, column=len(cols) + 1, value=text)
                    shown[-1].append(text)
            for j, (h, values) in enumerate(zip(headers, shown, strict=True), start=1):
                fmt = cols[j - 1].fmt if j <= len(cols) else "General"
                body = _width(values, fmt) if values else 8.0
                ws.column_dimensions[get_column_letter(j)].width = max(
                    body, min(24.0, len(h) + 2.0))
            ws.freeze_panes = "B2"
        plan = d["plan"]
        wb.properties.title = f"{plan['title']} ({plan['id']})"
        wb.save(tmp)

    write_with_atomic(path, _write, overwrite=overwrite)
