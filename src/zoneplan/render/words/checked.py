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
    claims_tally,
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
    heads = ("Published figure", "Claimed", "Read as", "Measured (range)", "Verdict")
    rows = []
    for c in d.get("claims") or []:
        claimed, measured, verdict, why = claim_cells(c)
        via = " (via a re-post)" if c.get("seen_via") else ""
        # the claim and, collapsed, its source and why; the verdict a column of its own
        about = (f'<br><span class="small">about the published line '
                 f'<code>{_e(c["about_line"])}</code></span>' if c.get("about_line") else "")
        first = (f'{_e(c["text"])}{about}<details class="why"><summary>why</summary>{_e(why)} '
                 f'(source <code>{_e(c["source"])}</code>{_e(via)})</details>')
        cells = (first, _e(claimed), _e(claim_reading(c)), _e(measured),
                 f'<span class="verdict {_e(verdict.replace(" ", "-"))}">{_e(verdict)}</span>')
        rows.append("<tr>" + "".join(
            f'<td data-label="{_e(h)}">{v}</td>' if i else f"<td>{v}</td>"
            for i, (h, v) in enumerate(zip(heads, cells, strict=True))) + "</tr>")
    tally = claims_tally(d)
    table = ("<p>No published figure is checked for this plan.</p>" if not rows else
             f"<p>{len(rows)} published figures shown. {_e(tally)}.</p>"
             '<div class="table-wrap for-cards"><table class="cards claims" id="claims-table">'
             "<thead><tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr></thead>"
             f"<tbody>{''.join(rows)}</tbody></table></div>"
             '<p class="small">Each claim\'s wording is read as an interval by a rule table '
             "(a stated figure by its precision; 'about' ±5%; 'nearly' up to 5% below; "
             "'more than half' (50%, 100%]; …; [ ] an end included, ( ) excluded). "
             "The measurement is shown at the precision of the claim (the JSON is not "
             "rounded). "
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
