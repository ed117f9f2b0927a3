"""Monte Carlo percentiles for display, beside the min-max ranges, saying which is which.

Two different spreads are shown side by side and never mixed up:

* the **range** (min-max): every alternative the inputs offer, each an end of what is
  possible (the whole line moved by its stated uncertainty, each population spread);
* the **5-95% interval** of the Monte Carlo draws (``zoneplan run --samples N``): the
  middle 90% of the figures when the line's position, the population spread and the
  plan's stated ranges are drawn at random (the result's ``samples.method``).

Pure functions of the JSON result (``Result.to_dict()``); numbers rounded for display.
The terminal table (:mod:`zoneplan.render.words.terminal`) uses :func:`interval_cell` and
:func:`samples_legend`; the report page (:mod:`zoneplan.render.pages.html`) uses
:func:`distribution_html`.
"""

from __future__ import annotations

from typing import Any

from zoneplan.render.words.text import fmt_number, fmt_people, fmt_range, fmt_share

__all__ = ["HTML_ROWS", "distribution_html", "interval_cell", "interval_text",
           "samples_legend"]

HTML_ROWS: tuple[tuple[str, str], ...] = (
    ("share_of_territory", "Share of the territory"),
    ("residents_baseline", "Residents before the plan (people)"),
    ("displaced_out", "People displaced out of the zone (people)"),
    ("residents", "Residents under the plan (people)"),
    ("m2_per_person", "Area per person (m²)"),
    ("residents_within_1km_of_line", "Residents within 1 km of a line (people)"),
    ("hospital_distance_median_m", "Median distance to an open hospital (m)"),
    ("forces_per_1000", "Forces per 1,000 residents"),
)
"""Indicators the report's table of percentiles shows (key, label with unit)."""


def interval_text(dist: dict[str, Any] | None, fmt: Any = fmt_number) -> str | None:
    """The 5-95% interval of one indicator's draws as ``low–high`` (``None`` if absent).

    Examples
    --------
    >>> interval_text({"p5": 807259.3, "p50": 868419.5, "p95": 902571.5, "n": 100})
    '807,259–902,572'
    >>> interval_text({"p5": 0.5, "p50": 0.5, "p95": 0.5, "n": 10}, fmt_share)
    '50.0%'
    >>> interval_text(None) is None
    True
    """
    if not dist:
        return None
    lo, hi = fmt(dist["p5"]), fmt(dist["p95"])
    return lo if lo == hi else f"{lo}–{hi}"


def interval_cell(dist: dict[str, Any] | None, fmt: Any) -> str:
    """Rich markup for a table cell: `` ⟨5–95%: low–high⟩`` (empty without draws, or
    when both ends round to the same figure)."""
    if not dist:
        return ""
    lo, hi = fmt(dist["p5"]), fmt(dist["p95"])
    return "" if lo == hi else f" [cyan]⟨5–95%: {lo}–{hi}⟩[/cyan]"


def samples_legend(data: dict[str, Any]) -> str | None:
    """One sentence saying what the two spreads in the table are (``None`` without draws).

    Examples
    --------
    >>> samples_legend({"samples": {"n": 1000, "seed": 7, "scheduler": "local",
    ...                 "workers": 2, "redraws": 0}})[:60]
    '(low–high): min–max over the alternatives (see ranges_from);'
    """
    s = data.get("samples")
    if not s:
        return None
    redraws = (f"; {s['redraws']:,} line draws that crossed themselves or missed the "
               "territory were drawn again" if s.get("redraws") else "")
    fixed = [ln["id"] for ln in s.get("lines", []) if not ln["moved"]]
    if fixed:
        redraws += ("; not moved, as the plan states no uncertainty for them: "
                    + ", ".join(fixed))
    return ("(low–high): min–max over the alternatives (see ranges_from); ⟨5–95%⟩: the "
            f"middle 90% of {s['n']:,} Monte Carlo draws of the line's position, the "
            f"population spread and the plan's stated ranges (seed {s['seed']}, scheduler "
            f"{s['scheduler']}, {s['workers']} worker{'s' if s['workers'] != 1 else ''}"
            f"{redraws}; method in the JSON's samples.method).")


def _fmt(key: str) -> Any:
    if key.startswith("share"):
        return fmt_share
    if key.startswith(("residents", "displaced")):
        return fmt_people
    return fmt_number


def distribution_html(d: dict[str, Any]) -> str:
    """The report's section on the Monte Carlo draws: per zone, central value, min-max
    range and 5-95% interval of the main indicators (empty without draws)."""
    from html import escape  # here: the terminal's output needs none of it

    s = d.get("samples")
    if not s:
        return ""
    head = ("<tr><th>Zone</th><th>Indicator</th><th>Central</th><th>Range (min–max over "
            "alternatives)</th><th>5–95% of the draws</th><th>Median of the draws</th></tr>")
    rows = []
    for z in d["zones"]:
        dist = z.get("distribution") or {}
        for key, label in HTML_ROWS:
            if not dist.get(key):
                continue
            f = _fmt(key)
            rng_text = fmt_range((z.get("ranges") or {}).get(key), f)
            rows.append(
                f"<tr><td>{escape(z['label'])}</td><td>{escape(label)}</td>"
                f"<td>{escape(f(z.get(key)))}</td><td>{escape(rng_text)}</td>"
                f"<td>{escape(interval_text(dist[key], f) or '—')}</td>"
                f"<td>{escape(f(dist[key]['p50']))}</td></tr>")
    return (f'<h2 id="distribution">How likely: {s["n"]:,} Monte Carlo draws</h2>'
            f"<p>{escape(samples_legend(d) or '')}</p>"
            f'<div class="table-wrap"><table id="distribution-table"><thead>{head}</thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>"
            f'<p class="small">{escape(s["method"])}</p>')
