"""The report's charts: which figures of the result are charted, with their references.

Each function takes the result JSON and returns an HTML ``<figure>`` from
:func:`zoneplan.render.pages.charts.bar_chart` (inline SVG, or the figures in words when there
is nothing above zero to draw).
"""

from __future__ import annotations

from typing import Any

from zoneplan.render.pages.charts import bar_chart

__all__ = ["REPORT_CHARTS", "chart_beds", "chart_forces", "chart_m2_per_person",
           "chart_reconstruction", "chart_shares"]


def _zone_vals(d: dict[str, Any], key: str, scale: float = 1.0) -> list[float | None]:
    out: list[float | None] = []
    for z in d["zones"]:
        v = z.get(key)
        out.append(float(v) * scale if isinstance(v, (int, float)) else None)
    return out


def _labels(d: dict[str, Any]) -> list[str]:
    return [str(z["label"]) for z in d["zones"]]


def _reasons(d: dict[str, Any], key: str) -> list[str | None]:
    return [(z.get("null_reasons") or {}).get(key) for z in d["zones"]]


def _pct(v: float) -> str:
    return f"{v:.1f}%"


def chart_shares(d: dict[str, Any]) -> str:
    """Share of territory against share of residents under the plan, %."""
    return bar_chart(_labels(d), [
        ("Share of territory", _zone_vals(d, "share_of_territory", 100), "#999933"),
        ("Share of residents under the plan", _zone_vals(d, "share_of_residents", 100),
         "#332288"),
    ], title="Share of land and share of people, by zone", unit="% of the territory's total",
        value_fmt=_pct, limit=100)


def chart_m2_per_person(d: dict[str, Any]) -> str:
    """Gross land area per resident against Sphere's 45 m² camp standard."""
    return bar_chart(_labels(d), [("Area per person", _zone_vals(d, "m2_per_person"),
                                   "#44AA99")],
                     title="Land per person under the plan", unit="m² per person",
                     reasons=_reasons(d, "m2_per_person"),
                     reference=(45.0, "Sphere camp standard: 45 m²"))


def chart_beds(d: dict[str, Any]) -> str:
    """Hospital beds per 10,000 residents (no normative minimum; WHO indicator)."""
    return bar_chart(_labels(d), [("Beds per 10,000", _zone_vals(d, "beds_per_10k"),
                                   "#882255")],
                     title="Hospital beds per 10,000 residents (WHO sets no minimum)",
                     unit="beds per 10,000 residents", reasons=_reasons(d, "beds_per_10k"),
                     value_fmt=lambda v: f"{v:.1f}")


def chart_forces(d: dict[str, Any]) -> str:
    """Security personnel per 1,000 residents against Quinlivan's 20."""
    return bar_chart(_labels(d), [("Personnel per 1,000", _zone_vals(d, "forces_per_1000"),
                                   "#AA4499")],
                     title="Security personnel per 1,000 residents",
                     unit="personnel per 1,000 residents", reasons=_reasons(d, "forces_per_1000"),
                     reference=(20.0, "Quinlivan 1995: 20 per 1,000"),
                     value_fmt=lambda v: f"{v:.1f}")


def chart_reconstruction(d: dict[str, Any]) -> str:
    """Reconstruction share against residents' share and damage share, %."""
    return bar_chart(_labels(d), [
        ("Share of reconstruction", _zone_vals(d, "reconstruction_share", 100), "#DDAA33"),
        ("Share of residents", _zone_vals(d, "share_of_residents", 100), "#332288"),
        ("Share of damaged structures", _zone_vals(d, "damage_share", 100), "#BB5566"),
    ], title="Who gets reconstruction: money, people and damage by zone",
        unit="% of the total", reasons=_reasons(d, "damage_share"), value_fmt=_pct, limit=100)


REPORT_CHARTS = (chart_shares, chart_m2_per_person, chart_beds, chart_forces,
                 chart_reconstruction)
"""The report's charts, in display order."""
