"""Fuzzing zoneplan: hypothesis strategies for plans, lines, layers and API bodies, and the
checks every outcome must pass.

Used by ``tests/test_fuzz.py`` (in CI: derandomised, a fixed number of examples; more
with ``pytest --hypothesis-profile long``) and by ``benchmarks/fuzz_long.py`` (the
longer run). Every example ends in one of four
outcomes, counted in :data:`COUNTS`:

``ok``
    zoneplan answered; when it answered with a result, the result kept its invariants.
``zoneplan_error``
    zoneplan refused the input with one of its own errors (or a 4xx JSON answer).
``foreign``
    anything else was raised (a GEOS, pydantic, numpy, ... exception, or a 500): a bug.
``invariant_break``
    a result whose areas or residents do not add up, or whose JSON is not valid: a bug.

The last two fail the test (hypothesis then shrinks the example).
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from zoneplan.errors import ZoneplanError

COUNTS: Counter[tuple[str, str]] = Counter()
"""Outcomes of every example run in this process, by target and outcome."""
SCALE = float(os.environ.get("ZONEPLAN_FUZZ_SCALE", "1"))
"""Multiplies every target's number of examples (``benchmarks/fuzz_long.py`` raises it)."""
CI_EXAMPLES = {"plans": 250, "plan_text": 150, "lines": 180, "layer_options": 300,
               "layer_files": 80, "api": 100, "api_save": 100}
"""Examples per target in the test suite (1,160 in all: about 15 s of CPU, where the
counts of :data:`LONG_EXAMPLES` took 35 s, a sixth of the suite's CPU budget)."""
LONG_EXAMPLES = {"plans": 650, "plan_text": 250, "lines": 450, "layer_options": 300,
                 "layer_files": 150, "api": 200, "api_save": 100}
"""Examples per target under ``pytest --hypothesis-profile long`` (2,100 in all; the
suite's counts until December 2026)."""
LONG_PROFILE = "long"
"""The hypothesis profile (registered in ``tests/conftest.py``) that runs
:data:`LONG_EXAMPLES`."""
TOLERANCE = 1e-6
"""Relative tolerance of the invariants (areas and residents add up)."""
NEVER_SAID = ("Traceback", "Input should be", "pydantic", "Value error,")
"""What no error message may hold."""


def fuzz_settings(target: str) -> settings:
    """Settings of one target: derandomised unless a seed is given, no deadline; the
    examples of :data:`CI_EXAMPLES`, or of :data:`LONG_EXAMPLES` under the ``long``
    profile, times :data:`SCALE`."""
    derandomize = os.environ.get("ZONEPLAN_FUZZ_SEED") is None
    counts = LONG_EXAMPLES if settings.get_current_profile_name() == LONG_PROFILE \
        else CI_EXAMPLES
    return settings(max_examples=max(1, round(counts[target] * SCALE)),
                    derandomize=derandomize, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


class ForeignError(AssertionError):
    """An exception that is not zoneplan's own, or a broken invariant."""


def record(target: str, outcome: str) -> None:
    """Count one outcome of ``target``."""
    COUNTS[(target, outcome)] += 1


def refused(target: str, exc: BaseException) -> None:
    """An input refused: fine if by zoneplan's own error with a clean message."""
    if not isinstance(exc, ZoneplanError):
        record(target, "foreign")
        raise ForeignError(f"{type(exc).__name__}: {exc}") from exc
    text = str(exc)
    if not exc.suggestion or any(bad in text for bad in NEVER_SAID):
        record(target, "foreign")
        raise ForeignError(f"an error without a suggestion or with foreign words: {text}")
    record(target, "zoneplan_error")


def check_result(target: str, data: dict[str, Any]) -> None:
    """The invariants of a result's JSON: areas and residents add up, ranges hold."""
    try:
        json.dumps(data, allow_nan=False)
        inv = data["invariants"]
        assert inv["area_conserved"] and inv["residents_conserved"] and \
            inv["baseline_conserved"], inv
        zones = data["zones"]
        area = sum(z["area_km2"] for z in zones) + inv["remainder_km2"]
        terr = data["territory"]["area_km2"]
        assert math.isclose(area, terr, rel_tol=TOLERANCE), (area, terr)
        placed = sum(z["residents"] for z in zones) + inv["remainder_residents"]
        assert math.isclose(placed, inv["modelled_total"], rel_tol=TOLERANCE,
                            abs_tol=TOLERANCE), (placed, inv["modelled_total"])
        for z in zones:
            assert z["residents"] >= -TOLERANCE * max(inv["modelled_total"], 1.0), z["id"]
            rng = (z.get("ranges") or {}).get("residents")
            if rng:
                lo, hi = rng
                slack = TOLERANCE * max(abs(hi), 1.0)
                assert lo - slack <= z["residents"] <= hi + slack, (z["id"], rng)
    except (AssertionError, KeyError, TypeError, ValueError) as exc:
        record(target, "invariant_break")
        raise ForeignError(f"invariant broken: {type(exc).__name__}: {exc}") from exc
    record(target, "ok")


def summary() -> str:
    """The counts, one line per target, and the totals."""
    targets = sorted({t for t, _ in COUNTS})
    outcomes = ("ok", "zoneplan_error", "foreign", "invariant_break")
    lines = [f"{'target':<14}{'examples':>10}" + "".join(f"{o:>17}" for o in outcomes)]
    for t in [*targets, "all"]:
        row = {o: sum(n for (tt, oo), n in COUNTS.items() if oo == o and t in (tt, "all"))
               for o in outcomes}
        lines.append(f"{t:<14}{sum(row.values()):>10}" + "".join(f"{row[o]:>17}"
                                                                  for o in outcomes))
    return "\n".join(lines)


# ----------------------------------------------------------------------------- values

STRIP = (34.2, 31.2, 34.6, 31.6)
"""lon/lat box around the Gaza Strip, degrees (where plausible points are drawn)."""
YELLOW = [[34.46, 31.58], [34.36, 31.42], [34.22, 31.33]]
"""A simplified yellow line (the README's example), lon/lat degrees."""

BASE_PLAN: dict[str, Any] = {
    "id": "fuzz", "title": "Fuzz base", "date": "2025-10-10", "status": "hypothetical",
    "sources": [{"id": "s1", "publisher": "p", "title": "t", "date": "2025"},
                {"id": "s2", "publisher": "q", "title": "u", "date": "2025-11-14"}],
    "territory": "gaza:outline",
    "lines": [{"id": "yellow", "date": "2025-10-19", "sources": ["s1"], "coordinates": YELLOW,
               "variants": [{"id": "v", "offset_m": 300, "towards": "west",
                             "sources": ["s2"]}]}],
    "zones": [{"id": "east", "label": "E", "controller": "x", "access": "closed",
               "reconstruction": True, "side": {"yellow": "east"}},
              {"id": "west", "label": "W", "controller": "y", "access": "resident",
               "capacity": 3_000_000, "side": {"yellow": "west"}}],
    "population": {"total": 2_100_000, "date": "2025-10", "sources": ["s1"],
                   "relocation": "proportional"},
    "compounds": [{"id": "c1", "label": "C", "location": [34.45, 31.45], "zone": "east",
                   "count": 2, "count_range": [1, 3], "capacity": 20_000,
                   "capacity_range": [6_000, 25_000], "admission": "vetted",
                   "sources": ["s1"]}],
    "forces": [{"contributor": "A", "personnel": 5_000, "kind": "troops", "zones": ["east"],
                "status": "pledged", "sources": ["s2"]}],
    "forces_target": {"label": "T", "personnel": 20_000, "zones": ["east"], "sources": ["s2"]},
    "reconstruction": {"zones": ["east"], "budget_usd": 1e9, "sources": ["s1"]},
}
"""The plan mutated by :func:`mutated_plans`: built-in territory and population (read
once, so each example is quick), one inline line, every kind of part."""

WORDS = ["", " ", "east", "west", "north", "left", "closed", "resident", "restricted",
         "proportional", "area", "capacity", "troops", "police", "pledged", "s1", "s2",
         "yellow", "gaza:outline", "gaza:yellow-line", "gaza:nope", "gaza:population",
         "x.geojson", "../x.yaml", "/etc/passwd", "file:///etc/passwd", "2025", "2025-13-01",
         "2025-02-30", "2025-11-14T10:00:00", "not-a-date", "in force", "hypothetical",
         "con", "NUL", "é∂ƒ", "a" * 300, "1e308", "NaN", "true", "<<", "*", "&a"]
"""Texts worth trying: valid words in the wrong place, paths, bad dates, odd characters."""
KEYS = ["id", "label", "date", "sources", "side", "point", "polygon", "file", "layer",
        "coordinates", "variants", "offset_m", "towards", "total", "rest", "access",
        "capacity", "count", "zones", "personnel", "allocation", "budget_usd", "surprise",
        "relocation", "baseline", "class", "units", "where", "path"]
"""Keys worth adding: known keys in the wrong place, and unknown ones."""

finite = st.floats(allow_nan=False, allow_infinity=False)
numbers = st.one_of(st.integers(-10**20, 10**20), st.floats(), st.sampled_from(
    [0, -1, 1, 0.5, 1e308, -1e308, 1e-308, 2**63, 10**400, 1e10, 100_000, 100_001]))
lonlat = st.tuples(st.floats(STRIP[0] - 0.3, STRIP[2] + 0.3),
                   st.floats(STRIP[1] - 0.3, STRIP[3] + 0.3)).map(list)
points = st.lists(st.one_of(lonlat, st.lists(numbers, max_size=3),
                            st.lists(st.one_of(finite, st.text(max_size=3), st.booleans()),
                                     min_size=2, max_size=2)), max_size=6)
json_leaves = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=20),
                        st.sampled_from(WORDS))
json_values = st.recursive(json_leaves, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(st.sampled_from(KEYS), kids, max_size=4)),
    max_leaves=12)
nasty = st.one_of(json_leaves, points, lonlat, json_values)
"""Any value a user (or a broken script) might put anywhere."""


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a plan mapping, as keys and indices (the root is ``()``)."""
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _places(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _places(v, (*path, i))
    return out


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        node = node[p]
    return node


AXIS = ((34.22, 31.23), (34.56, 31.59))
"""The Strip's long axis, south-west to north-east end, lon/lat degrees."""
ACROSS_DEG = 0.15
"""Half the length (degrees) of a line drawn across the Strip: wider than the Strip."""


@st.composite
def across_lines(draw: st.DrawFn) -> list[list[float]]:
    """A line across the Strip (both ends outside it), its inner points jittered."""
    t = draw(st.floats(0.08, 0.92))
    (x0, y0), (x1, y1) = AXIS
    cx, cy = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
    nx, ny = -(y1 - y0), x1 - x0
    norm = math.hypot(nx, ny)
    nx, ny = nx / norm * ACROSS_DEG, ny / norm * ACROSS_DEG
    inner = draw(st.lists(st.tuples(st.floats(-0.8, 0.8), st.floats(-0.01, 0.01)),
                          max_size=3).map(sorted))
    pts = [[cx + nx, cy + ny]] + [[cx - s * nx + d, cy - s * ny + d] for s, d in inner]
    return [*pts, [cx - nx, cy - ny]]


@st.composite
def dragged_yellow(draw: st.DrawFn) -> list[list[float]]:
    """The built-in yellow line with one to three vertices moved (as in the editor)."""
    from zoneplan import pack

    line = [list(p) for p in pack.yellow_line().coords]
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(line) - 1))
        line[i] = [line[i][0] + draw(st.floats(-0.03, 0.03)),
                   line[i][1] + draw(st.floats(-0.03, 0.03))]
    return line


GENTLE: list[tuple[tuple[Any, ...], st.SearchStrategy[Any]]] = [
    (("population", "total"), st.one_of(st.integers(1, 10**10), st.floats(1e-3, 1e10))),
    (("population", "relocation"), st.sampled_from(["proportional", "area", "capacity"])),
    (("zones", 0, "access"), st.sampled_from(["resident", "restricted", "closed"])),
    (("zones", 1, "access"), st.sampled_from(["resident", "restricted", "closed"])),
    (("zones", 0, "capacity"), st.integers(0, 10**10)),
    (("zones", 1, "capacity"), st.integers(0, 10**10)),
    (("zones", 0, "side", "yellow"), st.sampled_from(["east", "west", "left", "right"])),
    (("lines", 0, "coordinates"), across_lines()),
    (("lines", 0, "variants", 0, "offset_m"), st.floats(1e-3, 1e5)),
    (("lines", 0, "variants", 0, "towards"), st.sampled_from(["east", "west", "north",
                                                              "south", "left", "right"])),
    (("compounds", 0, "count"), st.integers(0, 10**10)),
    (("compounds", 0, "capacity"), st.integers(0, 10**10)),
    (("compounds", 0, "capacity_range"), st.lists(st.integers(0, 10**10), min_size=2,
                                                  max_size=2)),
    (("compounds", 0, "location"), lonlat),
    (("forces", 0, "personnel"), st.integers(0, 10**10)),
    (("forces_target", "personnel"), st.integers(0, 10**10)),
    (("reconstruction", "budget_usd"), st.one_of(st.none(), st.floats(0, 1e15))),
]
"""Valid values for parts of :data:`BASE_PLAN`: plans that evaluate, to test results."""
OPTIONAL = ["compounds", "forces", "forces_target", "reconstruction", "summary"]
"""Parts of :data:`BASE_PLAN` that may be left out."""


@st.composite
def mutated_plans(draw: st.DrawFn) -> dict[str, Any]:
    """:data:`BASE_PLAN` changed: either with valid values (:data:`GENTLE`, parts left
    out) or with one to three hostile changes: a value replaced, a key removed, a key or
    item added, an item repeated."""
    plan = copy.deepcopy(BASE_PLAN)
    if draw(st.booleans()):
        for path, values in draw(st.lists(st.sampled_from(GENTLE), min_size=1, max_size=4)):
            _at(plan, path[:-1])[path[-1]] = draw(values)
        for key in draw(st.lists(st.sampled_from(OPTIONAL), max_size=2)):
            plan.pop(key, None)
        if "compounds" not in plan or "forces" not in plan:
            plan.pop("forces_target", None) if "forces" not in plan else None
        return plan
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_places(plan)))
        action = draw(st.sampled_from(["replace", "remove", "add", "repeat"]))
        if not path:
            action = "add"
        parent = _at(plan, path[:-1]) if path else plan
        target = _at(plan, path)
        if action == "replace":
            parent[path[-1]] = draw(nasty)
        elif action == "remove":
            del parent[path[-1]]
        elif action == "add" and isinstance(target, dict):
            target[draw(st.sampled_from(KEYS))] = draw(nasty)
        elif action == "add" and isinstance(target, list):
            target.append(draw(nasty))
        elif action == "repeat" and isinstance(parent, list):
            parent.append(copy.deepcopy(target))
        else:
            parent[path[-1]] = draw(nasty)
    return plan


@st.composite
def line_overrides(draw: st.DrawFn) -> Any:
    """Replacement yellow lines for a built-in plan: mostly dragged or drawn across the
    Strip, some random points, some malformed."""
    kind = draw(st.sampled_from(["dragged", "dragged", "across", "random", "points",
                                 "shape"]))
    line: Any = (draw(dragged_yellow()) if kind == "dragged" else
                 draw(across_lines()) if kind == "across" else
                 draw(st.lists(lonlat, min_size=2, max_size=6)) if kind == "random" else
                 draw(points) if kind == "points" else
                 draw(st.one_of(nasty, st.lists(nasty, max_size=4))))
    key = "yellow-line" if draw(st.integers(0, 9)) else draw(st.sampled_from(["yelow", ""]))
    return {key: line}


layer_options = st.builds(
    lambda name, path, opts: f"{name}={path}" + "".join(f",{k}={v}" for k, v in opts),
    st.sampled_from(["damage", "hospitals", "people", "", "x y", "="]),
    st.one_of(st.sampled_from(["d.geojson", "gaza:hospitals", "", "a,b", "x=y"]),
              st.text(max_size=12)),
    st.lists(st.tuples(st.sampled_from(["units", "count", "beds", "class", "where", "path",
                                        "sources", "bogus", "", "=", " units"]),
                       st.one_of(st.sampled_from(["count", "density", "bogus", "", "a=b"]),
                                 st.text(max_size=8))), max_size=3),
) | st.text(max_size=40)
"""``--layer`` option texts: mostly of the right shape with odd keys and values."""

geometries = st.one_of(
    st.fixed_dictionaries({"type": st.just("Point"), "coordinates": st.one_of(lonlat, points)}),
    st.fixed_dictionaries({"type": st.sampled_from(["LineString", "Polygon", "Nope"]),
                           "coordinates": st.one_of(points, st.lists(points, max_size=2))}),
    json_values)
properties = st.one_of(
    st.fixed_dictionaries({"count": st.one_of(st.integers(0, 10**6), json_leaves),
                           "beds": st.one_of(st.integers(0, 2_000), json_leaves),
                           "amenity": st.sampled_from(["hospital", "clinic", None])}),
    st.dictionaries(st.sampled_from(["count", "beds", "amenity", "n"]), json_leaves,
                    max_size=3))
point_geometry = lonlat.map(lambda p: {"type": "Point", "coordinates": p})
features = st.lists(st.fixed_dictionaries({
    "type": st.just("Feature"), "properties": properties,
    "geometry": st.one_of(point_geometry, point_geometry, point_geometry, st.none(),
                          geometries)}), min_size=1, max_size=5)
layer_files = st.one_of(
    features.map(lambda fs: json.dumps({"type": "FeatureCollection", "features": fs})),
    features.map(lambda fs: json.dumps({"type": "FeatureCollection", "features": fs})),
    features.map(lambda fs: json.dumps({"type": "FeatureCollection", "features": fs})),
    json_values.map(json.dumps), st.text(max_size=60))
"""Contents of a GeoJSON layer file: mostly FeatureCollections with odd geometries."""

api_bodies = st.one_of(
    st.fixed_dictionaries({"plan": st.just("ceasefire-2025-10"),
                           "lines": st.fixed_dictionaries({"yellow-line": dragged_yellow()}),
                           "ranges": st.just(False), "fast": st.booleans(),
                           "map": st.booleans()}),
    st.fixed_dictionaries({"plan": st.sampled_from(["ceasefire-2025-10", "baseline-2023",
                                                    "nope", "../x"])},
                          optional={"lines": st.dictionaries(
                                        st.sampled_from(["yellow-line", "x"]),
                                        st.one_of(points, st.lists(lonlat, min_size=2,
                                                                   max_size=5)), max_size=2),
                                    "ranges": st.one_of(st.just(False), json_leaves),
                                    "fast": st.one_of(st.just(True), json_leaves),
                                    "map": json_leaves,
                                    "surprise": json_leaves}),
    json_values)
"""``POST /api/evaluate`` bodies: mostly of the right shape with odd values."""
save_ids = st.one_of(st.sampled_from(["con", "NUL", "aux.x", "lpt9", "my-plan.yaml", "a.yml",
                                      "ceasefire-2025-10", "../x", ".hidden", "ok-id",
                                      "x" * 81, "", "a/b", "a\\b"]),
                     st.text(max_size=12))
"""Ids for ``POST /api/save``."""
