"""Derive the built-in pack's tables that come from real layers in ``../shared``.

Run from the repository root, with ``../shared`` beside it::

    python scripts/derive_pack.py            # writes into src/zoneplan/pack/data/gaza/
    python scripts/derive_pack.py --check    # exit 1 if a shipped table differs

Tables (see ``src/zoneplan/pack/data/gaza/ATTRIBUTION.md`` for sources and licences):

``zone_east_2025-10-19.csv``
    The published zone east of the yellow line (IDF map of 19 Oct 2025, digitised by
    Gaza Maps), as the ring of its vertices, lon/lat to 5 decimals.
``municipalities.csv``
    OCHA's 2019 municipal boundaries (33 polygons), simplified to 20 m in UTM 36N, as WKT.
``damage_unosat_2025-10-11.csv``
    UNOSAT's comprehensive damage assessment of 11 Oct 2025 in 500 m clusters (1,196
    points; the counts sum to 198,308 structures).
``context.csv``
    Map context around the Strip (OSM 2017 land via ``@geo-maps``, clipped to 34.0-34.9 E,
    31.0-31.8 N): land of Israel, Egypt, the Gaza Strip and the West Bank's edge; the sea
    (the box less the land); the boundaries the land polygons share. WKT, lon/lat to 5
    decimals.
``outline.csv``, ``yellow_line.csv``, ``governorates*.csv``, ``localities.csv``, ...
    Copied unchanged from ``../shared/factpack`` (:data:`FACTPACK_COPIES`).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data" / "gaza"
OUT = ROOT / "src" / "zoneplan" / "pack" / "data" / "gaza"
UTM = "EPSG:32636"
FACTPACK_COPIES = ("outline.csv", "yellow_line.csv", "governorates.csv", "governorates_meta.csv",
                   "governorates_alt_within100m.csv", "governorate_population.csv",
                   "localities.csv", "hospitals.csv", "hospital_beds.csv", "crossings.csv",
                   "crossing_status_history.csv")
"""Tables copied unchanged from ``../shared/factpack``."""


def _csv(rows: list[dict[str, object]], fields: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def zone_east() -> str:
    gdf = gpd.read_file(DATA / "btselem-nibal" / "IDF_zone_191025.geojson").to_crs(4326)
    ring = list(gdf.geometry.iloc[0].exterior.coords)[:-1]
    return _csv([{"seq": i, "lon": f"{x:.5f}", "lat": f"{y:.5f}"}
                 for i, (x, y) in enumerate(ring)], ["seq", "lon", "lat"])


def municipalities() -> str:
    gdf = gpd.read_file(DATA / "ocha-gaza-municipal-boundaries-2019"
                        / "GazaStrip_MunicipalBoundaries.geojson")
    gdf = gdf.to_crs(UTM)
    gdf["geometry"] = gdf.geometry.simplify(20.0, preserve_topology=True)
    gdf = gdf.to_crs(4326)
    rows = []
    for oid, name, geom in zip(gdf["OBJECTID"], gdf["NAME"], gdf.geometry, strict=True):
        geom = shapely.set_precision(geom, 1e-5)
        rows.append({"objectid": int(oid), "name": (name or "").strip(),
                     "wkt": shapely.to_wkt(geom, rounding_precision=5, trim=True)})
    return _csv(rows, ["objectid", "name", "wkt"])


def damage() -> str:
    gdf = gpd.read_file(DATA / "unosat-derived-matteogrifone"
                        / "Damage_Sites_clusters_500m.geojson").to_crs(4326)
    return _csv([{"lon": f"{p.x:.5f}", "lat": f"{p.y:.5f}", "count": int(c)}
                 for p, c in zip(gdf.geometry, gdf["count"], strict=True)],
                ["lon", "lat", "count"])


CONTEXT_LAND = {"ISR": "Israel", "EGY": "Egypt"}
"""Land polygons of the context clip by ISO code; PSE is split into its two parts."""
BOUNDARY_TOLERANCE_DEG = 0.0005
"""Two land polygons share a boundary where one's edge lies within this (about 50 m) of
the other: the 2017 polygons do not meet exactly."""


def context() -> str:
    from shapely.ops import linemerge, unary_union

    gdf = gpd.read_file(DATA / "geo-maps-osm2017" / "gaza_region_countries_clip.geojson")
    polys = {a3: g for a3, g in zip(gdf["A3"], gdf.geometry, strict=True)}
    strip, west_bank = sorted(polys.pop("PSE").geoms, key=lambda g: g.bounds[0])
    land = {CONTEXT_LAND[k]: v for k, v in polys.items()}
    land |= {"Gaza Strip": strip, "West Bank": west_bank}
    box = shapely.box(*gdf.total_bounds)
    water = box.difference(unary_union(list(land.values())))
    sea = max(getattr(water, "geoms", [water]), key=lambda g: g.area)  # slivers are land
    rows: list[dict[str, object]] = []

    def add(kind: str, name: str, geom: shapely.Geometry) -> None:
        geom = shapely.set_precision(geom, 1e-5)
        rows.append({"kind": kind, "name": name,
                     "wkt": shapely.to_wkt(geom, rounding_precision=5, trim=True)})

    for name in sorted(land):
        add("land", name, land[name])
    add("sea", "Mediterranean Sea", sea)
    pairs = (("Egypt", "Israel"), ("Gaza Strip", "Egypt"), ("Gaza Strip", "Israel"),
             ("West Bank", "Israel"))
    for a, b in pairs:
        shared = land[a].boundary.intersection(land[b].buffer(BOUNDARY_TOLERANCE_DEG))
        if shared.geom_type == "MultiLineString":
            shared = linemerge(shared)
        add("boundary", f"{a} – {b}", shared)
    return _csv(rows, ["kind", "name", "wkt"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"no shared data at {DATA}", file=sys.stderr)
        return 2
    tables = {"zone_east_2025-10-19.csv": zone_east(), "municipalities.csv": municipalities(),
              "damage_unosat_2025-10-11.csv": damage(), "context.csv": context()}
    for name in FACTPACK_COPIES:
        tables[name] = (SHARED / "factpack" / name).read_text(encoding="utf-8")
    bad = 0
    for name, text in tables.items():
        path = OUT / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"differs: {path}")
                bad += 1
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path} ({len(text):,} bytes)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
