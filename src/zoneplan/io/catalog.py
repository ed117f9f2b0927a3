"""Catalogue of public datasets that zoneplan can fetch or that a user can add by hand.

Each entry says who published the data, under which licence, how to cite it, where to
get it (by ``zoneplan data fetch`` or by hand) and which zoneplan layer role it fits.
Nothing here is downloaded on import; :mod:`zoneplan.io.fetch` does the downloading.

Fields that could not be confirmed from the publisher's own pages are flagged in the
entry's ``note``. Checksums (``sha256``) are given only for files that are fixed and whose
hash is known; every other entry has ``sha256=None`` and is checked against nothing.

Examples
--------
>>> entry = get("worldpop-pse-2020-constrained")
>>> entry.kind, entry.role, entry.layer_options
('population', 'population', ('units=count',))
>>> get("worldpop-pse")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
zoneplan.errors.InputError: unknown dataset 'worldpop-pse'
  → did you mean 'worldpop-pse-2020-constrained'? Run `zoneplan data list` to see all ...
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

from zoneplan.errors import InputError

__all__ = [
    "CATALOG",
    "ENTRIES",
    "Dataset",
    "Kind",
    "Role",
    "get",
    "names",
    "suggest",
]

Kind = Literal["population", "boundaries", "damage", "facilities", "zones"]
"""What a dataset describes."""

Role = Literal["population", "damage", "hospitals", "territory", "zones"]
"""The zoneplan layer role a dataset can fill (``--layer ROLE=...``)."""

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Dataset:
    """One public dataset.

    Parameters
    ----------
    name
        Short slug used on the command line (``zoneplan data fetch NAME``).
    title
        Human-readable title.
    publisher
        Who publishes the data (and, for copies, who made the copy).
    url
        Direct download link of the file, or ``None`` when the publisher offers only a
        landing page (then the file must be downloaded by hand and registered with
        ``zoneplan data add``).
    page
        Landing page a person can open in a browser.
    licence
        Licence as stated by the publisher.
    citation
        Suggested citation, to print next to any number derived from the data.
    approx_size_bytes
        Approximate size of the download in bytes, or ``None`` when not known.
    format
        File format of the download.
    kind
        What the data describes (population, boundaries, damage, facilities, zones).
    role
        The zoneplan layer role the data fits, or ``None`` when it fits none directly.
    layer_options
        Suggested ``--layer`` options as ``key=value`` strings, named like the fields of
        a plan's layer reference (``units``, ``count``, ``where``), e.g. ``("units=count",)``.
    how_to_get_by_hand
        Step-by-step text for a person downloading the file with a browser.
    filename
        Name under which the download is stored in the cache.
    sha256
        SHA-256 of the download when the file is fixed and its hash is known, else ``None``.
    unpack
        ``"gzip"`` when the download is a gzip file that zoneplan decompresses after
        download; ``None`` otherwise.
    note
        Caveats: what the values mean, which fields are uncertain.
    """

    name: str
    title: str
    publisher: str
    url: str | None
    page: str
    licence: str
    citation: str
    approx_size_bytes: int | None
    format: str
    kind: Kind
    role: Role | None
    layer_options: tuple[str, ...]
    how_to_get_by_hand: str
    filename: str
    sha256: str | None = None
    unpack: Literal["gzip"] | None = None
    note: str = ""

    @property
    def direct(self) -> bool:
        """Whether ``zoneplan data fetch`` can download the file itself."""
        return self.url is not None

    @property
    def local_name(self) -> str:
        """File name of the usable file after any unpacking.

        Examples
        --------
        >>> get("kontur-population-pse").local_name
        'kontur_population_PS_20231101.gpkg'
        """
        if self.unpack == "gzip" and self.filename.endswith(".gz"):
            return self.filename[: -len(".gz")]
        return self.filename

    def to_dict(self) -> dict[str, Any]:
        """Return all fields as a JSON-serialisable dict (tuples become lists)."""
        data = asdict(self)
        data["layer_options"] = list(self.layer_options)
        data["direct"] = self.direct
        data["local_name"] = self.local_name
        return data


_HDX_ADD = (
    "Then register the file with `zoneplan data add {name} FILE` "
    "(FILE is the path of the downloaded file)."
)


def _hand(steps: str, name: str) -> str:
    return f"{steps} {_HDX_ADD.format(name=name)}"


ENTRIES: tuple[Dataset, ...] = (
    Dataset(
        name="ocha-cod-ab-pse",
        title="State of Palestine: subnational administrative boundaries (COD-AB)",
        publisher="UN OCHA (Common Operational Dataset), on the Humanitarian Data Exchange",
        url=None,
        page="https://data.humdata.org/dataset/cod-ab-pse",
        licence="as stated on the HDX dataset page (COD-AB datasets are usually CC BY-IGO)",
        citation=(
            "OCHA, State of Palestine - Subnational Administrative Boundaries (COD-AB), "
            "Humanitarian Data Exchange, https://data.humdata.org/dataset/cod-ab-pse"
        ),
        approx_size_bytes=None,
        format="zip of shapefiles or GeoPackage (depends on the release)",
        kind="boundaries",
        role="territory",
        layer_options=(),
        how_to_get_by_hand=_hand(
            "Open https://data.humdata.org/dataset/cod-ab-pse, download the boundaries "
            "file (shapefile zip or GeoPackage), and use the ADM1 layer: the Gaza Strip is "
            "the feature with adm1_pcode PS02 (version v01 valid from 2023-10-19: 364.9 km² "
            "in UTM 36N).",
            "ocha-cod-ab-pse",
        ),
        filename="cod-ab-pse",
        note=(
            "HDX gives files behind resource links that change with each release, so there "
            "is no fixed direct link; licence wording not confirmed for this release. "
            "The Gaza Strip outline is the reference territory used by OCHA for "
            "'% of territory' figures."
        ),
    ),
    Dataset(
        name="geoboundaries-pse-adm1",
        title="geoBoundaries State of Palestine ADM1 (gbOpen)",
        publisher="geoBoundaries, William & Mary geoLab",
        url=(
            "https://github.com/wmgeolab/geoBoundaries/raw/9469f09/releaseData/gbOpen/PSE/"
            "ADM1/geoBoundaries-PSE-ADM1.geojson"
        ),
        page="https://www.geoboundaries.org/countryDownloads.html",
        licence="CC BY 4.0 (gbOpen release; per-boundary licence in the release metadata)",
        citation=(
            "Runfola, D. et al. (2020) geoBoundaries: A global database of political "
            "administrative boundaries. PLOS ONE 15(4): e0231866. "
            "https://doi.org/10.1371/journal.pone.0231866"
        ),
        approx_size_bytes=None,
        format="GeoJSON (EPSG:4326)",
        kind="boundaries",
        role="territory",
        layer_options=(),
        how_to_get_by_hand=_hand(
            "Open https://www.geoboundaries.org, choose State of Palestine, ADM1, gbOpen, "
            "and download the GeoJSON. The Gaza Strip is the feature with shapeName 'Gaza'.",
            "geoboundaries-pse-adm1",
        ),
        filename="geoBoundaries-PSE-ADM1.geojson",
        note=(
            "Link pinned to repository commit 9469f09 (used by other public projects); the "
            "file is stored with Git LFS and GitHub redirects to it. Checksum not known. "
            "Two features: 'Gaza' and 'West Bank'; select 'Gaza' for the territory."
        ),
    ),
    Dataset(
        name="worldpop-pse-2020-constrained",
        title="WorldPop constrained population counts, State of Palestine, 2020, UN-adjusted",
        publisher="WorldPop, University of Southampton",
        url=(
            "https://data.worldpop.org/GIS/Population/Global_2000_2020_Constrained/2020/BSGM/"
            "PSE/pse_ppp_2020_UNadj_constrained.tif"
        ),
        page="https://hub.worldpop.org/",
        licence="CC BY 4.0",
        citation=(
            "WorldPop (www.worldpop.org - School of Geography and Environmental Science, "
            "University of Southampton) and CIESIN, Columbia University (2020). Global "
            "High Resolution Population Denominators Project, constrained individual "
            "countries 2020 UN adjusted (100 m), State of Palestine."
        ),
        approx_size_bytes=None,
        format="GeoTIFF, ~100 m (3 arc-second) grid, EPSG:4326",
        kind="population",
        role="population",
        layer_options=("units=count",),
        how_to_get_by_hand=_hand(
            "Open https://hub.worldpop.org/, go to Population Counts > Constrained "
            "individual countries 2020 UN adjusted (100 m), choose State of Palestine and "
            "download pse_ppp_2020_UNadj_constrained.tif.",
            "worldpop-pse-2020-constrained",
        ),
        filename="pse_ppp_2020_UNadj_constrained.tif",
        note=(
            "Cell values are people per cell (a count), not a density. This is a pre-war "
            "(2020) distribution scaled to the UN national estimate; it says where people "
            "lived, not where they are now. Download folder (BSGM) taken from a public "
            "WorldPop resource listing; size not confirmed."
        ),
    ),
    Dataset(
        name="kontur-population-pse",
        title="Kontur Population: State of Palestine, 400 m H3 hexagons",
        publisher="Kontur, on the Humanitarian Data Exchange",
        url=(
            "https://geodata-eu-central-1-kontur-public.s3.amazonaws.com/kontur_datasets/"
            "kontur_population_PS_20231101.gpkg.gz"
        ),
        page="https://data.humdata.org/dataset/kontur-population-dataset",
        licence="CC BY 4.0 (as stated on HDX)",
        citation=(
            "Kontur, Kontur Population: Global Population Density for 400m H3 Hexagons, "
            "release 2023-11-01, Humanitarian Data Exchange."
        ),
        approx_size_bytes=None,
        format="GeoPackage, gzip-compressed (H3 resolution 8 hexagons, EPSG:4326)",
        kind="population",
        role="population",
        layer_options=("units=count", "count=population"),
        how_to_get_by_hand=_hand(
            "Open https://data.humdata.org/organization/kontur, find 'Palestine: Population "
            "Density for 400m H3 Hexagons' and download the .gpkg.gz file (the .gz or the "
            "unpacked .gpkg can both be added).",
            "kontur-population-pse",
        ),
        filename="kontur_population_PS_20231101.gpkg.gz",
        unpack="gzip",
        note=(
            "Attribute 'population' is people per hexagon (a count). Modelled from GHSL "
            "and Facebook/Meta settlement data; pre-war. The file name and release date "
            "follow Kontur's naming for other countries and were not confirmed for PS."
        ),
    ),
    Dataset(
        name="unosat-cda-gaza-2025-10-11",
        title="UNOSAT comprehensive damage assessment, Gaza Strip, imagery of 11 Oct 2025",
        publisher="UNOSAT (UNITAR)",
        url=None,
        page="https://unosat.org/products/",
        licence="UNOSAT/UNITAR terms as stated on the product page",
        citation=(
            "UNITAR-UNOSAT, Gaza Strip Comprehensive Damage Assessment, satellite imagery "
            "of 11 October 2025 (198,273 affected structures)."
        ),
        approx_size_bytes=None,
        format="shapefile or file geodatabase (zip), points per damaged structure",
        kind="damage",
        role="damage",
        layer_options=(),
        how_to_get_by_hand=_hand(
            "Open https://unosat.org/products/ (or search HDX for 'UNOSAT Gaza Strip "
            "comprehensive damage assessment'), pick the assessment of 11 October 2025 "
            "and download the damage-sites data (zip).",
            "unosat-cda-gaza-2025-10-11",
        ),
        filename="unosat-cda-gaza-2025-10-11",
        note=(
            "Damage classes: destroyed, severely, moderately, possibly damaged (UNOSAT "
            "definitions). No fixed direct link was confirmed; the licence wording was not "
            "confirmed. UNOSAT notes the method may under-count damage."
        ),
    ),
    Dataset(
        name="unosat-damage-clusters-2025-10-11",
        title="UNOSAT damage sites of 11 Oct 2025, aggregated to 500 m clusters (copy)",
        publisher=(
            "UNOSAT (original data); aggregation by GitHub "
            "matteogrifone22/Data-Visualization-Project"
        ),
        url=(
            "https://raw.githubusercontent.com/matteogrifone22/Data-Visualization-Project/"
            "5a84fd8ea890574ff8ab32a5eaa202ba81f87002/src/GazaMap/"
            "Damage_Sites_clusters_500m.geojson"
        ),
        page="https://github.com/matteogrifone22/Data-Visualization-Project",
        licence="UNOSAT terms (as stated by the copy); the repository states no licence",
        citation=(
            "UNITAR-UNOSAT comprehensive damage assessment of 11 October 2025, aggregated "
            "to 500 m clusters by matteogrifone22/Data-Visualization-Project (GitHub)."
        ),
        approx_size_bytes=209_375,
        format="GeoJSON points (EPSG:4326)",
        kind="damage",
        role="damage",
        layer_options=("count=count",),
        how_to_get_by_hand=_hand(
            "Open the link in `url` in a browser and save the file.",
            "unosat-damage-clusters-2025-10-11",
        ),
        filename="Damage_Sites_clusters_500m.geojson",
        note=(
            "Attribute 'count' = damaged structures in the cluster; the sum is 198,308 "
            "structures, close to UNOSAT's published 198,273. No damage class. Link pinned "
            "to a commit. The copy in ../shared/data/gaza has the same size (209,375 bytes) "
            "and SHA-256 4f6f5c7a…b3b4be, but it was not compared byte for byte with the "
            "pinned file, so no checksum is enforced."
        ),
    ),
    Dataset(
        name="nibal-unosat-hex-2025-10-11",
        title="UNOSAT damage of 11 Oct 2025 summarised on a hexagon grid (mushon/nibal)",
        publisher="UNOSAT (original data); hexagon summary by GitHub mushon/nibal",
        url=(
            "https://raw.githubusercontent.com/mushon/nibal/"
            "f29b46740fec9a6204a96fb93a25ab90364182b5/map/UNOSAT_gaza_25-10-11.geojson"
        ),
        page="https://github.com/mushon/nibal",
        licence="repository MIT (code); UNOSAT terms for the underlying data",
        citation=(
            "UNITAR-UNOSAT damage detections of 11 October 2025, summarised on ~0.08 km² "
            "hexagons by mushon/nibal (GitHub)."
        ),
        approx_size_bytes=1_620_023,
        format="GeoJSON polygons (EPSG:4326)",
        kind="damage",
        role="damage",
        layer_options=(),
        how_to_get_by_hand=_hand(
            "Open the link in `url` in a browser and save the file.",
            "nibal-unosat-hex-2025-10-11",
        ),
        filename="UNOSAT_gaza_25-10-11.geojson",
        note=(
            "3,882 cells. The exact meaning of attribute 'value' is not documented: use it "
            "for relative damage density only, not as a count of structures. Link pinned "
            "to a commit; checksum not known."
        ),
    ),
    Dataset(
        name="hotosm-pse-health-facilities",
        title="OpenStreetMap health facilities, State of Palestine (HOT export, points)",
        publisher="Humanitarian OpenStreetMap Team (HOT), on the Humanitarian Data Exchange",
        url=(
            "https://s3.dualstack.us-east-1.amazonaws.com/production-raw-data-api/ISO3/PSE/"
            "health_facilities/points/hotosm_pse_health_facilities_points_geojson.zip"
        ),
        page="https://data.humdata.org/dataset/hotosm_pse_health_facilities",
        licence="ODbL 1.0 (© OpenStreetMap contributors)",
        citation=(
            "© OpenStreetMap contributors, ODbL 1.0. Export by the Humanitarian "
            "OpenStreetMap Team raw-data-api, published on the Humanitarian Data Exchange."
        ),
        approx_size_bytes=None,
        format="zip of GeoJSON points (EPSG:4326)",
        kind="facilities",
        role="hospitals",
        layer_options=("where=amenity == 'hospital'",),
        how_to_get_by_hand=_hand(
            "Open https://data.humdata.org/dataset/hotosm_pse_health_facilities and "
            "download the points GeoJSON zip.",
            "hotosm-pse-health-facilities",
        ),
        filename="hotosm_pse_health_facilities_points_geojson.zip",
        note=(
            "Covers all of the State of Palestine and all health amenities (in Gaza, an "
            "export of 2024-05-31 held 604 points: pharmacies 436, clinics 72, doctors 40, "
            "dentists 30, hospitals 16). Keep only amenity=hospital for a hospitals layer; "
            "hospitals mapped as areas are in the separate polygons export. OSM shows what "
            "was mapped, not what is functional now. Regenerated regularly, so no checksum."
        ),
    ),
    Dataset(
        name="hotosm-pse-education-facilities",
        title="OpenStreetMap education facilities, State of Palestine (HOT export, points)",
        publisher="Humanitarian OpenStreetMap Team (HOT), on the Humanitarian Data Exchange",
        url=(
            "https://s3.dualstack.us-east-1.amazonaws.com/production-raw-data-api/ISO3/PSE/"
            "education_facilities/points/hotosm_pse_education_facilities_points_geojson.zip"
        ),
        page="https://data.humdata.org/dataset/hotosm_pse_education_facilities",
        licence="ODbL 1.0 (© OpenStreetMap contributors)",
        citation=(
            "© OpenStreetMap contributors, ODbL 1.0. Export by the Humanitarian "
            "OpenStreetMap Team raw-data-api, published on the Humanitarian Data Exchange."
        ),
        approx_size_bytes=None,
        format="zip of GeoJSON points (EPSG:4326)",
        kind="facilities",
        role=None,
        layer_options=(),
        how_to_get_by_hand=_hand(
            "Open https://data.humdata.org/dataset/hotosm_pse_education_facilities and "
            "download the points GeoJSON zip.",
            "hotosm-pse-education-facilities",
        ),
        filename="hotosm_pse_education_facilities_points_geojson.zip",
        note=(
            "No zoneplan layer role matches schools directly; usable as a point layer for "
            "counts on each side of a line. Many schools serve as shelters. Regenerated "
            "regularly, so no checksum."
        ),
    ),
    Dataset(
        name="gazamaps-idf-zone-2025-10-19",
        title=(
            "Area east of the 'yellow line' (October 2025 ceasefire, phase 1), from the map "
            "posted on 19 Oct 2025"
        ),
        publisher="Gaza Maps (gazamaps.com, digitisation); GitHub mushon/nibal (copy)",
        url="https://raw.githubusercontent.com/mushon/nibal/main/map/IDF_zone_191025.geojson",
        page="https://github.com/mushon/nibal/tree/main/map",
        licence="repository MIT (code); terms for the digitised data not stated",
        citation=(
            "Gaza Maps (gazamaps.com), digitisation of the map posted by the Israeli army's "
            "Arabic-language spokesperson on 19 October 2025; file IDF_zone_191025.geojson "
            "from GitHub mushon/nibal."
        ),
        approx_size_bytes=19_142,
        format="GeoJSON polygon (EPSG:4326)",
        kind="zones",
        role="zones",
        layer_options=(),
        how_to_get_by_hand=_hand(
            "Open https://github.com/mushon/nibal/tree/main/map, open "
            "IDF_zone_191025.geojson and use 'Download raw file'. Evacuation-order layers "
            "for other dates (IDF_zone_*.geojson) are in the same folder.",
            "gazamaps-idf-zone-2025-10-19",
        ),
        filename="IDF_zone_191025.geojson",
        note=(
            "One polygon of 194.4 km² (193.9 km² inside the OCHA outline, 53.1%) in UTM 36N. "
            "It is a digitisation of a published map, not a surveyed line. The link follows "
            "the 'main' branch, so the file can change: no checksum is enforced."
        ),
    ),
)
"""All catalogue entries, in display order."""

CATALOG: dict[str, Dataset] = {entry.name: entry for entry in ENTRIES}
"""Catalogue entries by name."""


def names() -> list[str]:
    """Return the names of all catalogue entries, in display order.

    Examples
    --------
    >>> "ocha-cod-ab-pse" in names()
    True
    """
    return list(CATALOG)


def suggest(name: str) -> str | None:
    """Return the catalogue name closest to ``name``, or ``None`` if none is close.

    Examples
    --------
    >>> suggest("kontur")
    'kontur-population-pse'
    >>> suggest("zzzz") is None
    True
    """
    known = names()
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    if close:
        return close[0]
    prefixed = [n for n in known if name and (n.startswith(name) or name in n)]
    return prefixed[0] if prefixed else None


def get(name: str) -> Dataset:
    """Return the catalogue entry called ``name``.

    Raises
    ------
    InputError
        If there is no such entry; the suggestion names the closest entry and lists all.
    """
    try:
        return CATALOG[name]
    except KeyError:
        pass
    nearest = suggest(name)
    listing = ", ".join(names())
    hint = f"did you mean {nearest!r}? " if nearest else ""
    raise InputError(
        f"unknown dataset {name!r}",
        suggestion=f"{hint}Run `zoneplan data list` to see all datasets: {listing}",
    )


def _check(entries: tuple[Dataset, ...]) -> None:
    """Fail at import if an entry is malformed (a programming error, not user input)."""
    seen: set[str] = set()
    for entry in entries:
        assert _SLUG.match(entry.name), entry.name
        assert entry.name not in seen, entry.name
        seen.add(entry.name)
        assert entry.sha256 is None or _SHA256.match(entry.sha256), entry.name
        assert entry.url is None or entry.url.startswith("https://"), entry.name


_check(ENTRIES)
