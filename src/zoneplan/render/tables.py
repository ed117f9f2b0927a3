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
ranges span; the notes).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from zoneplan.io.outputs import write_with_atomic

__all__ = ["by_area_csv", "by_area_rows", "write_xlsx", "zone_rows", "zones_csv"]

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


def write_xlsx(d: dict[str, Any], path: str | Path, *, overwrite: bool = False) -> None:
    """Write the tables as an Excel workbook (atomically; never over a file without
    ``overwrite``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    sheets = {"zones": zone_rows(d), "by area": by_area_rows(d), "claims": _claim_rows(d),
              "sources": _source_rows(d), "method": _method_rows(d)}

    def _write(tmp: Path) -> None:
        wb = Workbook()
        first = True
        for title, rows in sheets.items():
            if not rows:
                continue
            ws = wb.active if first else wb.create_sheet()
            first = False
            ws.title = title
            fields = list(dict.fromkeys(k for r in rows for k in r))
            ws.append(fields)
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for r in rows:
                ws.append([r.get(k) for k in fields])
            ws.freeze_panes = "B2"
        plan = d["plan"]
        wb.properties.title = f"{plan['title']} ({plan['id']})"
        wb.save(tmp)

    write_with_atomic(path, _write, overwrite=overwrite)
