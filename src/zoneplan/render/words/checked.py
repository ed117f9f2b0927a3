"""HTML for what a reader checks: published figures against the measurements, the
invariants, and sources (the original publication first, then the copy read)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from zoneplan.render.words.headlines import (
    checks_sentence,
    claim_cells,
    claim_reading,
    extremes_sentence,
)

__all__ = ["claims_html", "sources_html"]


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _link(url: Any) -> str:
    u = str(url or "")
    return (f' <a href="{_e(u)}" rel="noopener noreferrer">{_e(u)}</a>'
            if u.startswith(("http://", "https://")) else "")


def claims_html(d: dict[str, Any]) -> str:
    """The "Published figures checked" section, the extremes and the invariants."""
    rows = []
    for c in d.get("claims") or []:
        claimed, measured, verdict, why = claim_cells(c)
        via = " (via a re-post)" if c.get("seen_via") else ""
        rows.append(f'<tr><td>{_e(c["text"])}</td><td><code>{_e(c["source"])}</code>'
                    f"{_e(via)}</td><td>{_e(claimed)}</td><td>{_e(claim_reading(c))}</td>"
                    f"<td>{_e(measured)}</td>"
                    f'<td class="verdict {_e(c["verdict"].replace(" ", "-"))}">'
                    f"{_e(verdict)}</td><td class=\"small\">{_e(why)}</td></tr>")
    table = ("<p>No published figure is checked for this plan.</p>" if not rows else
             '<div class="table-wrap"><table><thead><tr><th>Published figure</th>'
             "<th>Source</th><th>Claimed</th><th>Read as</th><th>Measured (range)</th>"
             f"<th>Verdict</th><th>Why</th></tr></thead><tbody>{''.join(rows)}</tbody>"
             "</table></div>"
             '<p class="small">Each claim\'s wording is read as an interval by a rule table '
             "(a stated figure by its precision; 'about' ±5%; 'nearly' up to 5% below; "
             "'more than half' (50%, 100%]; …; [ ] an end included, ( ) excluded). "
             "Consistent: the interval holds the central value or meets the sourced range "
             "known by the claim's date. Consistent only if: only a named, sourced "
             "alternative reaches it. An unsourced model assumption never decides a "
             "verdict. Figures that restate the plan's own inputs are shown, not "
             "counted.</p>")
    ext = extremes_sentence(d)
    return (table + (f"<p>{_e(ext)}</p>" if ext else "")
            + f'<p class="small">{_e(checks_sentence(d))}</p>')


def sources_html(sources: Sequence[dict[str, Any]]) -> str:
    """Sources as an ordered list: the original publication first, then the copy read."""
    out = []
    for s in sources:
        note = f" <i>{_e(s['note'])}</i>" if s.get("note") else ""
        lic = f" Licence: {_e(s['licence'])}." if s.get("licence") else ""
        via = s.get("via") or {}
        read = (f" Read via {_e(via.get('publisher'))}"
                + (f" ({_e(via['date'])})" if via.get("date") else "") + ":"
                + _link(via.get("url")) + "." if via else "")
        kind = f"; {_e(s['kind'])}" if s.get("kind") else ""
        out.append(f"<li><b>{_e(s.get('publisher', ''))}</b>, {_e(s.get('title', ''))} "
                   f"({_e(s.get('date') or 'undated')}{kind}; id "
                   f"<code>{_e(s.get('id', ''))}</code>).{_link(s.get('url'))}{lic}{note}"
                   f"{read}</li>")
    return "<ol>" + "".join(out) + "</ol>"
