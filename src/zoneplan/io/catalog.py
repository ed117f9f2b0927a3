"""Catalogue of public datasets that zoneplan can fetch or that a user can add by hand.

Each entry says who published the data, under which licence, how to cite it, where to
get it (by ``zoneplan data fetch`` or by hand) and which zoneplan layer role it fits.
The entries are data: they live in the package file ``datasets.toml`` beside this
module, which is read and checked on import (a malformed file fails at once, naming the
entry). Nothing is downloaded on import; :mod:`zoneplan.io.fetch` does the downloading.

Fields that could not be confirmed from the publisher's own pages are flagged in the
entry's ``note``. Every entry is either pinned, with the ``sha256`` and ``size_bytes`` of
its one fixed file (computed from a copy compared with the pinned file), or says why it
is not (``unpinned``: the publisher regenerates the file, there is no fixed link, or no
copy was at hand to compute the checksum from). Every entry also says what its file must
look like (``expect``: a vector layer's geometry type, fields and feature count, or a
raster's bands), so that ``zoneplan data add`` can refuse a file that is not the dataset.

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
import tomllib
from dataclasses import asdict, dataclass, fields
from importlib import resources
from typing import Any, Literal, get_args

from zoneplan.errors import InputError

__all__ = [
    "CATALOG",
    "ENTRIES",
    "Dataset",
    "Expect",
    "Kind",
    "Role",
    "get",
    "load_entries",
    "names",
    "suggest",
]

Kind = Literal["population", "boundaries", "damage", "facilities", "zones"]
"""What a dataset describes."""

Role = Literal["population", "damage", "hospitals", "territory", "zones"]
"""The zoneplan layer role a dataset can fill (``--layer ROLE=...``)."""

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon")
"""Geometry types an ``expect.geometry`` may name (OGR's names, without 3D suffixes)."""


@dataclass(frozen=True, slots=True)
class Expect:
    """What a dataset's file must look like, checked by ``zoneplan data add``.

    Parameters
    ----------
    data
        ``"vector"`` (read with pyogrio) or ``"raster"`` (read with rasterio).
    geometry
        Vector only: the geometry types a layer of the dataset may have.
    fields
        Vector only: attribute names the layer must hold (compared without case).
    features
        Vector only: the lowest and highest number of features a layer may hold.
    bands
        Raster only: the number of bands.
    """

    data: Literal["vector", "raster"]
    geometry: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    features: tuple[int, int] | None = None
    bands: int | None = None


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
        Approximate size of the download in bytes, or ``None`` when not known (for a
        pinned entry, its exact ``size_bytes``).
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
        Step-by-step text for a person downloading the file with a browser, ending with
        how to register it (``zoneplan data add NAME FILE``).
    filename
        Name under which the download is stored in the cache.
    expect
        What the file must look like (:class:`Expect`).
    sha256
        SHA-256 of the download when the file is fixed and its hash is known, else ``None``.
    size_bytes
        Exact size of the download in bytes, given with ``sha256``; else ``None``.
    unpinned
        Why the entry has no checksum (the file changes, or its hash is not known);
        ``None`` for a pinned entry.
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
    expect: Expect
    sha256: str | None = None
    size_bytes: int | None = None
    unpinned: str | None = None
    unpack: Literal["gzip"] | None = None
    note: str = ""

    @property
    def direct(self) -> bool:
        """Whether ``zoneplan data fetch`` can download the file itself."""
        return self.url is not None

    @property
    def pinned(self) -> bool:
        """Whether the download is checked against a known size and SHA-256."""
        return self.sha256 is not None

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
        data["pinned"] = self.pinned
        data["direct"] = self.direct
        data["local_name"] = self.local_name
        return data


DATA_FILE = "datasets.toml"
"""The package data file holding the entries (next to this module)."""

_ADD_BY_HAND = (
    "Then register the file with `zoneplan data add {name} FILE` "
    "(FILE is the path of the downloaded file)."
)
"""Appended to every entry's ``how_to_get_by_hand`` steps."""

_TEXT = ("name", "title", "publisher", "page", "licence", "citation", "format",
         "how_to_get_by_hand", "filename")
"""Fields every entry must give, as text."""

_CHOICES: dict[str, tuple[str, ...]] = {
    "kind": get_args(Kind), "role": get_args(Role), "unpack": ("gzip",),
}
"""Fields whose value is one of a few words."""

_REQUIRED = frozenset((*_TEXT, "kind", "layer_options", "expect"))
"""Fields an entry may not leave out (the others have a default)."""

_KNOWN = frozenset(f.name for f in fields(Dataset))
"""Every field an entry may give."""


def load_entries(text: str, *, source: str = DATA_FILE) -> tuple[Dataset, ...]:
    """Read catalogue entries from TOML text: one ``[[dataset]]`` table per entry.

    Keys are the fields of :class:`Dataset`; optional ones are left out instead of
    ``None`` (TOML has no null). ``how_to_get_by_hand`` holds the steps in a browser;
    the sentence on ``zoneplan data add NAME FILE`` is appended here.

    Parameters
    ----------
    text
        The TOML document.
    source
        Name of the file, for messages.

    Raises
    ------
    ValueError
        The text is not TOML, or an entry is malformed: a missing or unknown field, a
        value of the wrong type, a name that is not a lower-case slug or is used twice,
        a ``sha256`` that is not 64 hex digits, a ``url`` that is not ``https://``. The
        message names the file and the entry.

    Examples
    --------
    >>> load_entries('''[[dataset]]
    ... name = "a-b"
    ... kind = "roads"''')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: datasets.toml, dataset 1 ('a-b'): missing field(s) citation, expect, ...
    """
    try:
        tables = tomllib.loads(text).get("dataset")
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source} is not valid TOML: {exc}") from exc
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ValueError(f"{source} holds no [[dataset]] tables")
    entries = tuple(_entry(t, f"{source}, dataset {i} ({t.get('name')!r})")
                    for i, t in enumerate(tables, start=1))
    given = [e.name for e in entries]
    twice = sorted({n for n in given if given.count(n) > 1})
    if twice:
        raise ValueError(f"{source}: dataset name(s) used twice: {', '.join(twice)}")
    return entries


def _entry(table: dict[str, Any], where: str) -> Dataset:
    """One checked :class:`Dataset` from a ``[[dataset]]`` table (``where`` names it)."""
    missing = sorted(_REQUIRED - table.keys())
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(table.keys() - _KNOWN)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for key in (*_TEXT, "url", "sha256", "note", "unpinned"):
        if key in table and not isinstance(table[key], str):
            raise ValueError(f"{where}: {key} is not text")
    for key, allowed in _CHOICES.items():
        if key in table and table[key] not in allowed:
            raise ValueError(f"{where}: {key} is {table[key]!r}, not one of {', '.join(allowed)}")
    for key in ("approx_size_bytes", "size_bytes"):
        size = table.get(key)
        if size is not None and (isinstance(size, bool) or not isinstance(size, int)
                                 or size < 0):
            raise ValueError(f"{where}: {key} is not a whole number of bytes")
    pinned = ("sha256" in table, "size_bytes" in table)
    if pinned[0] != pinned[1]:
        raise ValueError(f"{where}: give sha256 and size_bytes together")
    if pinned[0] == ("unpinned" in table):
        raise ValueError(f"{where}: give either sha256 and size_bytes (a fixed file) or "
                         "unpinned (why there is no checksum), not both and not neither")
    options = table["layer_options"]
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise ValueError(f"{where}: layer_options is not a list of texts")
    if not _SLUG.match(table["name"]):
        raise ValueError(f"{where}: name is not a lower-case slug like 'kontur-population-pse'")
    if "sha256" in table and not _SHA256.match(table["sha256"]):
        raise ValueError(f"{where}: sha256 is not 64 lower-case hex digits")
    if "url" in table and not table["url"].startswith("https://"):
        raise ValueError(f"{where}: url does not start with https://")
    steps = table["how_to_get_by_hand"]
    return Dataset(**{
        "url": None, "approx_size_bytes": table.get("size_bytes"), "role": None,
        **table,
        "expect": _expect(table["expect"], where),
        "layer_options": tuple(options),
        "how_to_get_by_hand": f"{steps} {_ADD_BY_HAND.format(name=table['name'])}",
    })


def _expect(table: Any, where: str) -> Expect:
    """The checked ``expect`` table of an entry."""
    if not isinstance(table, dict):
        raise ValueError(f"{where}: expect is not a table")
    unknown = sorted(table.keys() - {f.name for f in fields(Expect)})
    if unknown:
        raise ValueError(f"{where}: unknown expect field(s) {', '.join(unknown)}")
    data = table.get("data")
    if data not in ("vector", "raster"):
        raise ValueError(f"{where}: expect.data is {data!r}, not 'vector' or 'raster'")
    geometry = table.get("geometry", [])
    names = table.get("fields", [])
    count = table.get("features")
    bands = table.get("bands")
    if data == "vector" and (not geometry or count is None or bands is not None):
        raise ValueError(f"{where}: a vector dataset's expect gives geometry and features "
                         "(and no bands)")
    if data == "raster" and (geometry or names or count is not None or
                             not isinstance(bands, int) or bands < 1):
        raise ValueError(f"{where}: a raster dataset's expect gives bands (a whole number "
                         "of at least 1) only")
    if not isinstance(geometry, list) or any(g not in GEOMETRY_TYPES for g in geometry):
        raise ValueError(f"{where}: expect.geometry must list some of "
                         f"{', '.join(GEOMETRY_TYPES)}")
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"{where}: expect.fields is not a list of names")
    if count is not None and not (
            isinstance(count, list) and len(count) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in count)
            and 0 < count[0] <= count[1]):
        raise ValueError(f"{where}: expect.features is not [lowest, highest] (whole numbers, "
                         "0 < lowest <= highest)")
    return Expect(data=data, geometry=tuple(geometry), fields=tuple(names),
                  features=(count[0], count[1]) if count is not None else None, bands=bands)


ENTRIES: tuple[Dataset, ...] = load_entries(
    resources.files("zoneplan.io").joinpath(DATA_FILE).read_text(encoding="utf-8")
)
"""All catalogue entries, in display order (from :data:`DATA_FILE`)."""

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
