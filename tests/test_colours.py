"""Zone colours: declared, named by the zone's words, or the default palette."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import zoneplan
from zoneplan.plan.colours import DEFAULT_ZONE_COLOURS, WORD_COLOURS, colour_word, zone_colours
from zoneplan.plan.model import ZoneSpec


def _zone(zid: str, label: str, colour: str | None = None) -> ZoneSpec:
    return ZoneSpec(id=zid, label=label, controller="x", access="resident", rest=True,
                    colour=colour)


def test_colour_words_are_whole_words_and_not_a_lines_colour() -> None:
    assert colour_word("Green zone") == "green"
    assert colour_word("zone-RED") == "red"
    assert colour_word("Greenfield") is None  # not a whole word
    assert colour_word("East of the yellow line") is None  # the line's colour
    assert colour_word("Grey area behind the red line") == "grey"
    assert colour_word("Zone A") is None


def test_zones_take_the_colour_they_name() -> None:
    zs = [_zone("a", "Green zone"), _zone("b", "Zone B"), _zone("c", "Mixed", "#123456"),
          _zone("blue", "North"), _zone("d", "West of the yellow line")]
    got = zone_colours(zs)
    assert got["a"] == WORD_COLOURS["green"] == "#9ACD8E"
    assert got["blue"] == WORD_COLOURS["blue"]
    assert got["c"] == "#123456"
    # the others take the palette's colours, skipping the blue a zone named
    assert got["b"] == DEFAULT_ZONE_COLOURS[1] and got["d"] == DEFAULT_ZONE_COLOURS[2]


def test_a_green_zone_without_colour_is_green_in_the_result(
        square_plan: dict[str, Any], tmp_path: Path) -> None:
    square_plan["zones"][0]["label"] = "Green zone"
    square_plan["zones"][1]["label"] = "Red zone"
    (tmp_path / "square.yaml").write_text(yaml.safe_dump(square_plan))
    d = zoneplan.evaluate(tmp_path / "square.yaml", ranges=False).to_dict()
    colours = {z["id"]: z["colour"] for z in d["zones"]}
    assert colours == {"west": "#9ACD8E", "east": "#CC3D3D"}
