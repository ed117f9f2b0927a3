"""HTML for what a reader checks: published figures against the measurements, the
invariants, and sources (the original publication first, then the copy read)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from zoneplan.render.words.headlines import checks_sentence, claim_cells, extremes_sentence

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
        rows.append(f'<tr><td>{_e(c["text"])}</td><td><code>{_e(c["source"])}</code></td>'
                    f"<td>{_e(claimed)}</td><td>{_e(measured)}</td>"
                    f'<td class="verdict {_e(verdict.replace(" ", "-"))}">{_e(verdict)}</td>'
                    f"<td class=\"small\">{_e(why)}</td></tr>")
    table = ("<p>No published figure is checked for this plan.</p>" if not rows else
             '<div class="table-wrap"><table><thead><tr><th>Published figure</th>'
             "<th>Source</th><th>Claimed</th><th>Measured (range)</th><th>Verdict</th>"
             f"<th>Why</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
             '<p class="small">A claim is consistent when the interval it states (a value '
             "stands for half a unit of its last digit either side, approximate wording for "
             "±5%) overlaps the measured range over every alternative.</p>")
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
