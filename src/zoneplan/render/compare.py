"""Plans side by side as a page: small-multiple maps, the zones table and the differences.

Draws the :class:`~zoneplan.scenarios.compare.Comparison` that
:func:`zoneplan.scenarios.compare.compare` measured; computes no figure of its own.
:func:`write_compare` writes the folder (``compare.html``, ``compare.json``).
"""

from __future__ import annotations

import base64
import io
import json
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from zoneplan.io.outputs import atomic_dir
from zoneplan.scenarios.compare import COMPARE_KEYS

if TYPE_CHECKING:
    from zoneplan.result import Result
    from zoneplan.scenarios.compare import Comparison

__all__ = ["compare_html", "textwrap_title", "write_compare"]


def _small_map(result: Result) -> bytes:
    """One plan's zones as a small PNG map (3.2 × 3.6 inches at 90 dpi), titled by the plan."""
    import matplotlib.pyplot as plt

    from zoneplan.render.map import draw_zones

    fig, ax = plt.subplots(figsize=(3.2, 3.6), dpi=90)
    try:
        draw_zones(ax, result)
        ax.set_axis_off()
        ax.set_aspect("equal")
        ax.set_title(textwrap_title(result.to_dict()["plan"]["title"]), fontsize=8)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
    finally:
        plt.close(fig)
    return buf.getvalue()


def textwrap_title(text: str, width: int = 40) -> str:
    """Wrap a title for a small map, ``width`` characters a line."""
    import textwrap

    return textwrap.fill(text, width)


def compare_html(cmp: Comparison) -> str:
    """A self-contained HTML page: small-multiple maps, the side-by-side table, differences.

    Numbers are rounded for display only (people to the nearest 100, shares in percent);
    the page loads nothing from outside.
    """
    from zoneplan.render.html import CSS
    from zoneplan.render.text import fmt_number, fmt_people_table, fmt_share

    d = cmp.data
    ids = [p["id"] for p in d["plans"]]
    e = escape
    maps = "".join(
        f'<figure><img src="data:image/png;base64,{base64.b64encode(_small_map(r)).decode()}"'
        f' alt="zones of {e(p["title"])}"><figcaption>{e(p["id"])}</figcaption></figure>'
        for p, r in zip(d["plans"], cmp.results, strict=True))
    fmts = {"area_km2": lambda v: fmt_number(v, 1), "residents": fmt_people_table,
            "residents_baseline": fmt_people_table, "displaced_out": fmt_people_table,
            "m2_per_person": fmt_number, "hospitals": fmt_number,
            "forces_per_1000": lambda v: fmt_number(v, 1),
            "beds_per_10k": lambda v: fmt_number(v, 1)}
    head = "<tr><th>Zone</th><th>Indicator</th>" + "".join(f"<th>{e(i)}</th>" for i in ids)
    rows = []
    for z in d["zones"]:
        for k in COMPARE_KEYS:
            f = fmts.get(k, fmt_share)
            cells = "".join(
                "<td>only in other plans</td>" if z["values"][pid] is None
                else f"<td>{e(f(z['values'][pid].get(k)))}</td>" for pid in ids)
            rows.append(f"<tr><td>{e(z['label'])}</td><td>{e(k)}</td>{cells}</tr>")
    diffs = "".join(
        f"<li><b>{e(x['from'])} → {e(x['to'])}</b>: residents moved (net) "
        + (e(fmt_people_table(x["residents_moved"])) + " people"
           if x["residents_moved"] is not None
           else "not comparable (the plans' zones differ; see the per-zone changes)")
        + "; people whose nearest hospital "
        f"is across a line in a closed zone: "
        f"{e(fmt_people_table(x['crossing_residents'][x['from']]))}"
        f" → {e(fmt_people_table(x['crossing_residents'][x['to']]))}; hospitals changing zone: "
        f"{e(', '.join(h['name'] + ' (' + str(h['from']) + '→' + str(h['to']) + ')' for h in x['hospitals_changing_zone']) or 'none')}</li>"  # noqa: E501
        for x in d["differences"])
    warn = "".join(f"<li>{e(w)}</li>" for w in d["warnings"])
    defs = "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in d["definitions"].items())
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>zoneplan comparison</title><style>{CSS}
.maps{{display:flex;flex-wrap:wrap;gap:1rem}}.maps figure{{flex:1 1 220px;max-width:320px}}
</style></head><body><main>
<h1>Comparing {len(ids)} plans: {e(', '.join(ids))}</h1>
{f'<h2>Warnings</h2><ul>{warn}</ul>' if warn else ''}
<h2>Maps</h2><div class="maps">{maps}</div>
<h2>Differences (against {e(ids[0])})</h2><ul>{diffs}</ul>
<h2>Zones side by side</h2><div class="table-wrap"><table><thead>{head}</thead>
<tbody>{''.join(rows)}</tbody></table></div>
<h2>Definitions</h2><ul>{defs}</ul>
</main></body></html>
"""


def write_compare(cmp: Comparison, out_dir: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``compare.html`` and ``compare.json`` into ``out_dir``, atomically.

    An existing ``out_dir`` is refused (:class:`~zoneplan.errors.OutputExistsError`)
    unless ``overwrite``; with it, only these two files are replaced. Returns ``out_dir``.
    """
    out = Path(out_dir)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        (tmp / "compare.json").write_text(json.dumps(cmp.data, indent=2, ensure_ascii=False),
                                          encoding="utf-8")
        (tmp / "compare.html").write_text(compare_html(cmp), encoding="utf-8")
    return out
