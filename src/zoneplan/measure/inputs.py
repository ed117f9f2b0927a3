"""Everything a plan's evaluation reads, resolved once, in one place.

:func:`prepare` reads the territory, lines, zone polygons and data layers a plan names
(through :mod:`zoneplan.io.layers`, which reads built-in layers from the pack and the
rest from files), chooses the area CRS once, projects the territory once, puts the
population on its cells, and keeps it all in an :class:`Inputs`, so that variants (line
offsets, a line dragged in the editor) re-use them without reading anything again.
"""

from __future__ import annotations

import contextlib
import hashlib
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from zoneplan import pack
from zoneplan.errors import DataError, GeometryError, InputError, ZoneplanError
from zoneplan.geometry import (
    NEAR_TERRITORY_DEG,
    area_crs_for,
    check_line,
    check_near,
    extend_line,
    geos_errors,
    offset_line,
    project,
    project_all,
    repair,
    to_lonlat,
)
from zoneplan.io.layers import (
    PointLayer,
    crossings_layer,
    damage_layer,
    hospital_layers,
    line_geometry,
    territory_geometry,
    zone_polygons,
)
from zoneplan.measure.population.layers import PopulationLayer
from zoneplan.measure.population.population_sources import population_for
from zoneplan.plan import LineSpec, Plan, place_in_plan
from zoneplan.plan.rules.as_of import known_by, plan_as_of
from zoneplan.plan.rules.plausibility import STRUCTURE_DENSITY, check_density

if TYPE_CHECKING:
    from zoneplan.measure.population.raster_population import Hold, Progress

__all__ = ["AREA_TOLERANCE_M2", "SHIFT_EXTEND_FACTOR", "Inputs", "in_plan", "prepare"]

SHIFT_EXTEND_FACTOR = 2.0
"""A shifted line's ends are extended straight on by this many times the shift, so they
still lie beyond the territory's edge."""

AREA_TOLERANCE_M2 = 1.0
"""Areas, overlaps and gaps smaller than this (square metres) are treated as rounding
noise."""


@dataclass(eq=False)
class Inputs:
    """A plan with its layers read and its area CRS chosen.

    Attributes
    ----------
    plan
        The plan.
    crs
        The projected CRS areas and distances are measured in.
    territory_ll, lines_ll, zone_polys_ll
        Territory, lines and polygon zones, WGS 84 lon/lat (as read).
    territory, lines, zone_polys
        The same in ``crs`` (metres), projected once; the territory repaired if it was
        invalid.
    population
        The baseline population on its cells.
    hospitals, damage
        Point layers, or ``None`` where the plan has none (damage: or where the layer is
        dated after the plan's facts, :attr:`damage_later`).
    hospitals_all
        The built-in hospitals with their low-confidence rows too (an alternative for
        the ranges); ``None`` where there is no such alternative.
    crossings
        Crossings into the territory (with their state), or ``None``.
    damage_later
        The plan's damage layer when it is dated after the date of the plan's facts
        (``plan.facts_date``): a damage assessment is a dated fact, so it is later
        evidence, in no figure (:attr:`damage` is then ``None``).
    files
        Provenance: the files read (role, path, sha256).
    data_sources
        Sources of the built-in pack, when it was used.
    edited
        Ids of the lines shifted by the plan (``shift``), redrawn from a published one
        (``redrawn_from``) or replaced by :meth:`with_lines` (moved in the editor or by
        the caller): what is published about them (a zone as published, claims) no
        longer describes them.
    """

    plan: Plan
    crs: CRS
    territory_ll: BaseGeometry
    lines_ll: dict[str, LineString]
    zone_polys_ll: dict[str, BaseGeometry]
    territory: BaseGeometry
    lines: dict[str, LineString]
    zone_polys: dict[str, BaseGeometry]
    population: PopulationLayer
    hospitals: PointLayer | None
    damage: PointLayer | None
    hospitals_all: PointLayer | None = None
    crossings: PointLayer | None = None
    damage_later: PointLayer | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    data_sources: list[dict[str, Any]] = field(default_factory=list)
    edited: frozenset[str] = frozenset()

    def line_zones(self) -> dict[str, str]:
        """Zones drawn from an edited line (:attr:`edited`), each with the line: by its
        side, or by a point or as the rest of the territory (which every line cuts)."""
        out: dict[str, str] = {}
        for z in self.plan.zones:
            on = [k for k in (z.side or {}) if k in self.edited]
            if not on and z.side is None and (z.point is not None or z.rest):
                on = sorted(self.edited)
            if on:
                out[z.id] = on[0]
        return out

    def published_line_zones(self) -> dict[str, str]:
        """Zones drawn by their side of a published line (one read from a layer, such as
        ``gaza:yellow-line``) that was not edited, each with the line: claims about such
        a zone are about the published line."""
        published = {ln.id for ln in self.plan.lines
                     if ln.layer is not None and ln.id not in self.edited}
        out: dict[str, str] = {}
        for z in self.plan.zones:
            on = sorted(k for k in (z.side or {}) if k in published)
            if on and not any(k in self.edited for k in (z.side or {})):
                out[z.id] = on[0]
        return out

    def check_lines(self, lines: Mapping[str, Any], *, max_points: int | None = None
                    ) -> dict[str, LineString]:
        """Check lines that replace some of the plan's lines (the editor's, or the caller's).

        Parameters
        ----------
        lines
            Line id → ``[[lon, lat], ...]`` (degrees, WGS 84) or a LineString in lon/lat.
        max_points
            Most points accepted per line, if there is a limit.

        Returns
        -------
        dict of str to LineString
            The lines in lon/lat, repeated consecutive points dropped, in the order given.

        Raises
        ------
        InputError
            For ids that are not lines of the plan.
        GeometryError
            For a line that fails :func:`zoneplan.geometry.check_line`: not
            longitude/latitude pairs, fewer than two distinct points, crossing itself, or a
            point more than :data:`~zoneplan.geometry.validate.NEAR_TERRITORY_DEG` outside
            the territory.
        """
        if not isinstance(lines, Mapping):
            raise InputError("the replacement lines must be a mapping of line id to "
                             "[[lon, lat], ...]", suggestion="e.g. {'yellow-line': [[34.47, "
                             "31.58], [34.36, 31.42]]}")
        unknown = set(lines) - set(self.lines_ll)
        if unknown:
            raise InputError(
                f"no line called {', '.join(sorted(map(str, unknown)))} in plan "
                f"'{self.plan.id}'",
                suggestion="lines in this plan: " + (", ".join(self.lines_ll) or "none"))
        bounds = self.territory_ll.bounds
        out: dict[str, LineString] = {}
        for k, v in lines.items():
            if isinstance(v, LineString) and max_points is None and _CHECKED.get(v) == bounds:
                out[k] = v  # this very line passed these checks (the editor's, just now)
                continue
            out[k] = check_line(list(v.coords) if isinstance(v, LineString) else v,
                                what=f"line '{k}'", near=bounds, max_points=max_points)
            _CHECKED[out[k]] = bounds
        return out

    def with_lines(self, lines_ll: Mapping[str, LineString | Sequence[Sequence[float]]]
                   ) -> Inputs:
        """A copy with some lines replaced (WGS 84 lon/lat), e.g. moved in the editor.

        The lines are checked first (see :meth:`check_lines`).

        Raises
        ------
        InputError
            For ids that are not lines of the plan.
        GeometryError
            For a line that cannot be used.
        """
        checked = self.check_lines(lines_ll)
        with geos_errors(f"the lines {', '.join(checked)}"):
            projected = {k: project(v, self.crs) for k, v in checked.items()}
        return replace(self, lines_ll={**self.lines_ll, **checked},
                       lines={**self.lines, **projected},
                       edited=self.edited | frozenset(checked))

    def with_zone_rules(self, rules: dict[str, dict[str, Any]]) -> Inputs:
        """A copy whose plan draws some zones by other rules (an alternative drawing of
        the zones); polygons the new rules name are read and projected."""
        zones = [z.with_rule(rules[z.id]) if z.id in rules else z for z in self.plan.zones]
        plan = self.plan.model_copy(update={"zones": zones})
        fresh = zone_polygons(plan, [z for z in zones if z.drawn and z.id in rules])
        polys = {z.id: fresh[z.id] if z.id in fresh else self.zone_polys_ll[z.id]
                 for z in zones if z.drawn}
        moved = dict(zip(fresh, project_all(list(fresh.values()), self.crs), strict=True))
        return replace(self, plan=plan, zone_polys_ll=polys,
                       zone_polys={k: moved[k] if k in moved else self.zone_polys[k]
                                   for k in polys})

    @property
    def modelled_total(self) -> float:
        """People modelled under the plan: ``population.total``, or where the plan states
        none, the baseline layer's own total (nothing is rescaled)."""
        total = self.plan.population.total
        return float(total) if total is not None else self.population.total()


_CHECKED: weakref.WeakKeyDictionary[LineString, tuple[float, ...]] = \
    weakref.WeakKeyDictionary()
"""Lines :meth:`Inputs.check_lines` returned, with the territory bounds they were checked
near (degrees): given back to it (the editor checks a request's lines, then evaluates
them), they are not checked again. A line equal to one of them, point for point, passes
the same checks."""


def _shifted(line: LineString, spec: LineSpec, crs: CRS) -> LineString:
    """The line moved by its stated ``shift`` (in the area CRS), WGS 84."""
    if spec.shift is None:
        return line
    moved = offset_line(project(line, crs), spec.shift.offset_m, spec.shift.towards)
    # moved sideways, an end that reached just past the coast can fall short of it
    moved = extend_line(moved, SHIFT_EXTEND_FACTOR * spec.shift.offset_m)
    return LineString(to_lonlat(moved, crs).coords)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _reads(plan: Plan) -> tuple[list[tuple[str, str]], list[str]]:
    """What the plan reads: (role, path) of the user's files, and built-in layer names."""
    files: list[tuple[str, str]] = []
    builtins: list[str] = []

    def add(role: str, ref: str | None) -> None:
        if ref is None:
            return
        if ref.startswith("gaza:"):
            builtins.append(ref)
        else:
            files.append((role, ref))

    add("territory", plan.territory)
    for ln in plan.lines:
        add(f"line {ln.id}", ln.layer or ln.file)
    rules = [(z.id, z.model_dump()) for z in plan.zones]
    rules += [(zid, rule) for alt in plan.alternatives for zid, rule in alt.zones.items()]
    for zid, rule in rules:
        add(f"zone {zid}", rule.get("layer") or rule.get("file"))
    add("population", plan.population.baseline if plan.population.baseline.startswith("gaza:")
        else None)
    for key, ref in plan.layers.items():
        add(f"layer {key}", ref.path)
    for role in ("hospitals", "crossings"):  # built in for the built-in territory
        if role not in plan.layers and plan.territory.startswith("gaza:"):
            builtins.append(f"gaza:{role}")
    return files, sorted(set(builtins))


def _provenance(plan: Plan, files: list[tuple[str, str]], builtins: list[str]
                ) -> list[dict[str, Any]]:
    """The inputs read, each with its sha256: the plan, the user's files, the pack's
    tables behind the built-in layers used (and only those)."""
    out: list[dict[str, Any]] = []
    if plan.path:
        p = Path(plan.path)
        out.append({"role": "plan", "path": str(p), "sha256": _sha256(p)})
    tables = sorted({t for b in builtins for t in pack.layer_files(b)})
    for t in tables:
        out.append({"role": "built-in pack (" + ", ".join(
            b for b in builtins if t in pack.layer_files(b)) + ")",
            "path": f"zoneplan/pack/data/gaza/{t}", "sha256": _sha256(pack.PACK_DIR / t)})
    roles: dict[Path, list[str]] = {}
    for role, ref in files:
        roles.setdefault(plan.resolve_path(ref), []).append(role)
    for p, said in roles.items():
        if p.is_file():
            out.append({"role": _roles(said), "path": str(p), "sha256": _sha256(p)})
    return out


def _roles(roles: list[str]) -> str:
    """The roles of one file, short when it holds many zones.

    Examples
    --------
    >>> _roles(["zone a", "zone b"]), _roles([f"zone z{i}" for i in range(9)])
    ('zone a', 'zones z0, z1, z2 and 6 more')
    """
    zones = [r.removeprefix("zone ") for r in roles if r.startswith("zone ")]
    if len(zones) <= 2 or len(zones) < len(roles):
        return roles[0]
    return "zones " + ", ".join(zones[:3]) + f" and {len(zones) - 3:,} more"


def _checked_damage(plan: Plan, territory_ll: BaseGeometry, area_m2: float
                    ) -> PointLayer | None:
    """The plan's damage layer, its structures in the territory (WGS 84) over the
    territory's area (m²) checked against
    :data:`~zoneplan.plan.rules.plausibility.STRUCTURE_DENSITY`."""
    layer = damage_layer(plan)
    if layer is not None and area_m2 > 0:
        points = np.array([p if p is not None else shapely.Point() for p in layer.points],
                          dtype=object)
        inside = shapely.covers(territory_ll, points) if len(points) else np.zeros(0, bool)
        total = float(np.sum(layer.values["count"][inside]))
        check_density(plan.plausible, STRUCTURE_DENSITY, total / (area_m2 / 1e6),
                      what="damage layer", path=plan.layers["damage"].path)
    return layer


@contextlib.contextmanager
def in_plan(plan: Plan, loc: tuple[str | int, ...], what: str) -> Iterator[None]:
    """Errors about one part of a plan name the plan file and the line of that part.

    A GEOS error becomes a :class:`GeometryError` naming ``what``; a zoneplan error that
    names no file gets the plan file and the line and column of ``loc`` in it.

    Parameters
    ----------
    plan
        The plan.
    loc
        The part, as keys and list indices (``("zones", 3)``).
    what
        How to name it (``"zone 'green'"``).
    """
    try:
        with geos_errors(what):
            yield
    except ZoneplanError as exc:
        if exc.path is None and exc.location is None:
            exc.path, exc.location = plan.path, place_in_plan(plan, loc)
        raise


def _check_near(plan: Plan, territory: BaseGeometry, lines: dict[str, LineString],
                polys: dict[str, BaseGeometry]) -> None:
    """Refuse lines, zones and points far from the territory, naming them in the plan."""
    bounds = territory.bounds
    for i, ln in enumerate(plan.lines):
        with in_plan(plan, ("lines", i), f"line '{ln.id}'"):
            check_near(lines[ln.id], bounds, what=f"line '{ln.id}'")
    # thousands of zones: only those whose bounding box reaches far are looked at closely
    ids = list(polys)
    box = shapely.bounds(np.asarray(list(polys.values()), dtype=object)).reshape(-1, 4)
    d = NEAR_TERRITORY_DEG
    far = {ids[k] for k in np.flatnonzero(
        (box[:, 0] < bounds[0] - d) | (box[:, 1] < bounds[1] - d)
        | (box[:, 2] > bounds[2] + d) | (box[:, 3] > bounds[3] + d))}
    for i, z in enumerate(plan.zones):
        if z.id not in far and z.point is None:
            continue
        with in_plan(plan, ("zones", i), f"zone '{z.id}'"):
            if z.id in far:
                check_near(polys[z.id], bounds, what=f"zone '{z.id}'")
            if z.point is not None:
                check_near([z.point], bounds, what=f"zone '{z.id}' point")


def prepare(plan: Plan, *, progress: Progress | None = None,
            hold: Hold | None = None) -> Inputs:
    """Read what the plan refers to, choose the area CRS and put people on cells.

    Parameters
    ----------
    plan
        The plan.
    progress
        Told what is being read (and, for large rasters, how far it has got).
    hold
        Where a fine population raster's cells are read and kept, e.g. in the memory of
        a cluster's workers, with only sums brought back
        (:func:`~zoneplan.measure.population.raster_population.raster_population`); by default here.

    Raises
    ------
    DataError
        A file that cannot be read, or a baseline with nobody inside the territory.
    """
    if not plan.dated:  # the facts known by the plan's own date
        plan = plan_as_of(plan)[0]
    territory = territory_geometry(plan)
    crs = area_crs_for(territory)
    lines = {ln.id: _shifted(line_geometry(plan, ln), ln, crs) for ln in plan.lines}
    polys = zone_polygons(plan, [z for z in plan.zones if z.drawn])
    _check_near(plan, territory, lines, polys)
    territory_m = repair(project(territory, crs), what="territory")
    if territory_m.is_empty or territory_m.area <= AREA_TOLERANCE_M2:
        raise GeometryError("the territory is empty", suggestion="check the territory layer")
    population = population_for(plan, territory=territory_m, crs=crs, progress=progress,
                                hold=hold)
    if population.total() <= 0:
        raise DataError("the population layer holds no people inside the territory",
                        path=plan.population.baseline,
                        suggestion="check that the layer and the territory are the same place")
    hospitals, hospitals_all = hospital_layers(plan)
    damage = _checked_damage(plan, territory, territory_m.area)
    known = damage is None or known_by(damage.date, plan.facts_date)
    files, builtins = _reads(plan)
    source_ids = {sid for b in builtins for sid in pack.layer_sources(b)}
    return Inputs(
        plan=plan,
        crs=crs,
        territory_ll=territory,
        lines_ll=lines,
        zone_polys_ll=polys,
        territory=territory_m,
        lines={k: project(v, crs) for k, v in lines.items()},
        zone_polys=dict(zip(polys, project_all(list(polys.values()), crs), strict=True)),
        population=population,
        hospitals=hospitals,
        hospitals_all=hospitals_all,
        crossings=crossings_layer(plan),
        damage=damage if known else None,
        damage_later=None if known else damage,
        files=_provenance(plan, files, builtins),
        data_sources=[s for s in pack.PACK_SOURCES if s["id"] in source_ids],
        edited=frozenset(ln.id for ln in plan.lines
                         if ln.shift is not None or ln.redrawn_from is not None),
    )
