"""Legends: lines by their labels, never by raw ids."""

from __future__ import annotations

from zoneplan.render.maps.legend import html_legend, legend_entries


def test_lines_are_named_by_label_or_by_words_from_their_id() -> None:
    d = {"zones": [{"id": "a", "label": "A", "colour": "#9ACD8E", "access": "closed"}],
         "totals": {"hospitals": 0},
         "lines": [{"id": "yellow-line", "label": "Yellow line (19 Oct 2025)"},
                   {"id": "my_new-line", "label": "my_new-line"},  # no label in the plan
                   {"id": "cut"}]}
    lines = [e.label for e in legend_entries(d, context=False) if e.kind == "line"]
    assert lines == ["Yellow line (19 Oct 2025)", "My new line", "Cut"]
    html = html_legend(legend_entries(d, context=False))
    assert "my_new-line" not in html and "My new line" in html
