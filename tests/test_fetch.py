"""Tests of the data catalogue, the fetcher and the ``zoneplan data`` commands.

The download code runs for real (pooch, requests) against an HTTP server started on
127.0.0.1 that serves real Gaza layers from ``../shared/data/gaza`` and a small GeoTIFF
generated here. Nothing touches the internet: every test points the catalogue at a
local address, and by default at a closed port.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import http.server
import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from zoneplan.cli.data import app
from zoneplan.errors import DataError, DownloadError, InputError, OutputExistsError
from zoneplan.io import catalog, fetch, registry
from zoneplan.io.catalog import Dataset

GAZA = Path(__file__).parents[1] / ".." / "shared" / "data" / "gaza"
ZONE_NAME = "gazamaps-idf-zone-2025-10-19"
ZONE_FILE = "btselem-nibal/IDF_zone_191025.geojson"
RASTER_NAME = "worldpop-pse-2020-constrained"


# ---------------------------------------------------------------- fixtures


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def gaza() -> Path:
    """The shared real-data folder; skipped when absent, a failure under CI=true."""
    if not (GAZA / ZONE_FILE).is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"real data missing under CI: {GAZA}")
        pytest.skip(f"real data not available: {GAZA}")
    return GAZA


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache folder, and a catalogue base URL that goes nowhere by default."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(registry.ENV_DATA_DIR, str(folder))
    monkeypatch.setenv(fetch.ENV_BASE_URL, f"http://127.0.0.1:{_closed_port()}")
    return folder


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class Server:
    """A local HTTP server publishing files at the paths of catalogue links."""

    def __init__(self, root: Path) -> None:
        self.root = root
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def publish(self, entry: Dataset, src: Path | bytes) -> Path:
        """Serve ``src`` at the path of ``entry.url``."""
        assert entry.url is not None
        target = self.root / urlsplit(entry.url).path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(src, bytes):
            target.write_bytes(src)
        else:
            shutil.copyfile(src, target)
        return target

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    srv = Server(tmp_path / "www")
    monkeypatch.setenv(fetch.ENV_BASE_URL, srv.url)
    try:
        yield srv
    finally:
        srv.stop()


def _use(monkeypatch: pytest.MonkeyPatch, entry: Dataset) -> Dataset:
    """Put a (modified) entry into the catalogue for this test only."""
    monkeypatch.setitem(catalog.CATALOG, entry.name, entry)
    return entry


@pytest.fixture
def population_tif(tmp_path: Path) -> Path:
    """A 3 x 3 population-count GeoTIFF near Gaza City: values 1..9, total 45 people."""
    path = tmp_path / "pop.tif"
    data = np.arange(1, 10, dtype="float32").reshape(3, 3)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=3,
        height=3,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=Affine(0.001, 0.0, 34.45, 0.0, -0.001, 31.52),
        nodata=-99999.0,
    ) as dst:
        dst.write(data, 1)
    return path


@pytest.fixture
def kontur_gpkg(tmp_path: Path) -> Path:
    """A GeoPackage shaped like Kontur's: 120 square cells with a 'population' count."""
    import geopandas as gpd
    from shapely.geometry import box

    cells = [box(34.3 + 0.01 * i, 31.3 + 0.01 * j, 34.31 + 0.01 * i, 31.31 + 0.01 * j)
             for i in range(12) for j in range(10)]
    path = tmp_path / "kontur.gpkg"
    gpd.GeoDataFrame({"population": [10.0] * len(cells)}, geometry=cells,
                     crs="EPSG:4326").to_file(path, driver="GPKG")
    return path


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# ---------------------------------------------------------------- catalogue


def test_catalogue_entries_are_complete() -> None:
    roles = {"population", "damage", "hospitals", "territory", "zones", None}
    kinds = {"population", "boundaries", "damage", "facilities", "zones"}
    assert len(catalog.names()) == len(set(catalog.names())) >= 8
    for entry in catalog.ENTRIES:
        assert entry.title and entry.publisher and entry.licence and entry.citation
        assert entry.page.startswith("https://")
        assert entry.kind in kinds and entry.role in roles
        assert f"zoneplan data add {entry.name}" in entry.how_to_get_by_hand
        assert entry.sha256 is None or len(entry.sha256) == 64
    by_kind = {e.kind for e in catalog.ENTRIES}
    assert by_kind == kinds
    assert catalog.get(RASTER_NAME).url.endswith("pse_ppp_2020_UNadj_constrained.tif")  # type: ignore[union-attr]
    assert catalog.get(RASTER_NAME).layer_options == ("units=count",)


def test_unknown_name_suggests_nearest() -> None:
    with pytest.raises(InputError) as info:
        catalog.get("worldpop-pse-2020")
    err = info.value
    assert "unknown dataset 'worldpop-pse-2020'" in err.message
    assert err.suggestion is not None
    assert "did you mean 'worldpop-pse-2020-constrained'?" in err.suggestion
    assert "ocha-cod-ab-pse" in err.suggestion  # lists the names
    with pytest.raises(InputError):
        fetch.fetch("no-such-thing")


def test_rebase_url_keeps_path_and_query() -> None:
    url = "https://example.org/a/b.zip?x=1"
    assert fetch.rebase_url(url, "http://127.0.0.1:8/m/") == "http://127.0.0.1:8/m/a/b.zip?x=1"
    assert fetch.rebase_url(url, "") == url
    with pytest.raises(InputError):
        fetch.rebase_url(url, "ftp://host")


# ---------------------------------------------------------------- fetch


@pytest.mark.realdata
def test_fetch_real_layer_with_checksum(
    gaza: Path, server: Server, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = gaza / ZONE_FILE
    entry = _use(monkeypatch, dataclasses.replace(catalog.get(ZONE_NAME), sha256=_sha(src)))
    server.publish(entry, src)

    path = fetch.fetch(ZONE_NAME, progress=False)

    assert path == cache / ZONE_NAME / "IDF_zone_191025.geojson"
    assert path.read_bytes() == src.read_bytes()
    assert registry.resolve(ZONE_NAME) == path
    records = json.loads((cache / registry.REGISTRY_NAME).read_text())
    assert records[ZONE_NAME]["sha256"] == entry.sha256
    assert records[ZONE_NAME]["source"] == "download"
    # A second fetch uses the cache: it works with the server gone.
    server.stop()
    assert fetch.fetch(ZONE_NAME, progress=False) == path


def test_fetch_generated_geotiff(
    server: Server, population_tif: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = catalog.get(RASTER_NAME)
    entry = _use(monkeypatch, dataclasses.replace(entry, sha256=_sha(population_tif)))
    server.publish(entry, population_tif)

    path = fetch.fetch(RASTER_NAME, base_url=server.url, progress=False)

    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 4326
        assert float(src.read(1).sum()) == 45.0


def test_fetch_gzip_is_unpacked(server: Server, population_tif: Path) -> None:
    entry = catalog.get("kontur-population-pse")
    payload = population_tif.read_bytes()
    server.publish(entry, gzip.compress(payload))

    path = fetch.fetch(entry.name, progress=False)

    assert path.name == entry.local_name
    assert path.read_bytes() == payload
    assert registry.resolve(entry.name) == path


def test_fetch_bad_gzip_is_not_kept(server: Server, cache: Path) -> None:
    entry = catalog.get("kontur-population-pse")
    server.publish(entry, b"not gzip at all")
    with pytest.raises(DownloadError, match="unpack") as info:
        fetch.fetch(entry.name, progress=False)
    assert "zoneplan data add kontur-population-pse" in str(info.value)
    assert _leftovers(cache / entry.name) == []


@pytest.mark.realdata
def test_checksum_mismatch_deletes_download(
    gaza: Path, server: Server, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = gaza / ZONE_FILE
    wrong = "0" * 64
    entry = _use(monkeypatch, dataclasses.replace(catalog.get(ZONE_NAME), sha256=wrong))
    server.publish(entry, src)

    with pytest.raises(DownloadError) as info:
        fetch.fetch(ZONE_NAME, progress=False)

    text = str(info.value)
    assert "IDF_zone_191025.geojson" in text
    assert wrong in text and _sha(src) in text
    assert "deleted" in text
    assert f"zoneplan data add {ZONE_NAME}" in text
    assert _leftovers(cache / ZONE_NAME) == []
    with pytest.raises(DataError, match="not on this computer"):
        registry.resolve(ZONE_NAME)


def test_server_down_says_offline_and_how_to_add() -> None:
    entry = catalog.get(ZONE_NAME)
    with pytest.raises(DownloadError) as info:
        fetch.fetch(ZONE_NAME, progress=False)  # base URL: a closed local port
    err = info.value
    assert "offline" in err.message
    assert err.suggestion is not None
    assert entry.url is not None and entry.url in err.suggestion  # the real link, by hand
    assert f"zoneplan data add {ZONE_NAME} FILE" in err.suggestion


def test_http_404_is_a_download_error(server: Server) -> None:
    with pytest.raises(DownloadError, match="HTTP 404") as info:
        fetch.fetch(ZONE_NAME, progress=False)
    assert f"zoneplan data add {ZONE_NAME}" in str(info.value)


def test_entry_without_direct_link_explains_by_hand() -> None:
    with pytest.raises(DownloadError) as info:
        fetch.fetch("ocha-cod-ab-pse")
    text = str(info.value)
    assert "no direct download link" in text
    assert "https://data.humdata.org/dataset/cod-ab-pse" in text
    assert "zoneplan data add ocha-cod-ab-pse FILE" in text


@pytest.mark.realdata
def test_to_copies_without_clobbering(
    gaza: Path, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = gaza / ZONE_FILE
    entry = _use(monkeypatch, dataclasses.replace(catalog.get(ZONE_NAME), sha256=_sha(src)))
    server.publish(entry, src)
    out = tmp_path / "out"
    out.mkdir()
    (out / "IDF_zone_191025.geojson").write_text("mine")

    with pytest.raises(OutputExistsError, match="--overwrite"):
        fetch.fetch(ZONE_NAME, out, progress=False)
    assert (out / "IDF_zone_191025.geojson").read_text() == "mine"

    copy = fetch.fetch(ZONE_NAME, out, overwrite=True, progress=False)
    assert copy == out / "IDF_zone_191025.geojson"
    assert copy.read_bytes() == src.read_bytes()

    made = fetch.fetch(ZONE_NAME, tmp_path / "new" / "folder", progress=False)
    assert made == tmp_path / "new" / "folder" / "IDF_zone_191025.geojson"
    assert made.read_bytes() == src.read_bytes()
    (tmp_path / "a-file").write_text("mine")
    with pytest.raises(DataError, match="is a file, not a folder"):
        fetch.fetch(ZONE_NAME, tmp_path / "a-file", progress=False)
    assert (tmp_path / "a-file").read_text() == "mine"


# ---------------------------------------------------------------- add and resolve


@pytest.mark.realdata
def test_add_hand_downloaded_file(
    gaza: Path, tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = gaza / "unosat-derived-matteogrifone" / "Damage_Sites_clusters_500m.geojson"
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    hand = downloads / "Damage_Sites_clusters_500m (1).geojson"
    shutil.copyfile(src, hand)
    name = "unosat-damage-clusters-2025-10-11"
    with pytest.raises(DataError, match="not on this computer") as info:
        registry.resolve(name)
    assert f"zoneplan data fetch {name}" in str(info.value)

    stored = registry.add(name, hand)

    assert stored.parent == cache / name
    assert stored.read_bytes() == src.read_bytes()
    assert hand.exists()  # the original is left alone
    assert registry.resolve(name) == stored
    rec = registry.local_record(name)
    assert rec is not None and rec["source"] == "add" and rec["sha256"] == _sha(src)

    # With a known checksum, a different file is refused and the registry is unchanged.
    _use(monkeypatch, dataclasses.replace(catalog.get(name), sha256="f" * 64))
    with pytest.raises(DataError, match="does not match the known checksum"):
        registry.add(name, gaza / ZONE_FILE)
    assert registry.resolve(name) == stored


def test_add_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        registry.add(ZONE_NAME, tmp_path / "nope.geojson")


def test_add_gzip_is_unpacked(tmp_path: Path, kontur_gpkg: Path) -> None:
    packed = tmp_path / "kontur_population_PS_20231101.gpkg.gz"
    packed.write_bytes(gzip.compress(kontur_gpkg.read_bytes()))
    path = registry.add("kontur-population-pse", packed)
    assert path.name == "kontur_population_PS_20231101.gpkg"
    assert path.read_bytes() == kontur_gpkg.read_bytes()


# ---------------------------------------------------------------- CLI

runner = CliRunner()


def test_cli_list_table_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    for name in catalog.names():
        assert name in result.output
    assert "zoneplan data add NAME FILE" in result.output

    result = runner.invoke(app, ["list", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["name"] for r in rows] == catalog.names()
    assert all(r["local"] is None for r in rows)
    assert {"licence", "citation", "sha256", "how_to_get_by_hand", "role"} <= set(rows[0])


def test_cli_info_table_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")
    result = runner.invoke(app, ["info", RASTER_NAME])
    assert result.exit_code == 0, result.output
    assert "CC BY 4.0" in result.output
    assert "units=count" in result.output
    assert "not on this computer" in result.output

    result = runner.invoke(app, ["info", RASTER_NAME, "--format", "json"])
    data = json.loads(result.output)
    assert data["name"] == RASTER_NAME
    assert data["layer_options"] == ["units=count"]
    assert data["sha256"] is None
    assert data["local"] is None


def test_cli_unknown_name_raises_input_error() -> None:
    result = runner.invoke(app, ["info", "kontur"])
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError)
    assert "did you mean 'kontur-population-pse'?" in str(result.exception)


@pytest.mark.realdata
def test_cli_fetch_add_and_to(
    gaza: Path, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = gaza / ZONE_FILE
    entry = catalog.get(ZONE_NAME)
    server.publish(entry, src)
    out = tmp_path / "out"
    out.mkdir()

    result = runner.invoke(app, ["fetch", ZONE_NAME, "--to", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "IDF_zone_191025.geojson").read_bytes() == src.read_bytes()

    result = runner.invoke(app, ["fetch", ZONE_NAME, "--to", str(out)])
    assert isinstance(result.exception, OutputExistsError)

    result = runner.invoke(app, ["fetch", ZONE_NAME, "--to", str(out), "--overwrite"])
    assert result.exit_code == 0, result.output

    data = json.loads(runner.invoke(app, ["info", ZONE_NAME, "-f", "json"]).output)
    assert data["local"]["source"] == "download"

    hand = tmp_path / "IDF_zone_191025 (hand).geojson"
    shutil.copyfile(src, hand)
    result = runner.invoke(app, ["add", ZONE_NAME, str(hand)])
    assert result.exit_code == 0, result.output
    stored = Path(result.output.strip())
    assert stored.read_bytes() == src.read_bytes()
    data = json.loads(runner.invoke(app, ["info", ZONE_NAME, "-f", "json"]).output)
    assert data["local"]["source"] == "add"
    assert data["local"]["path"] == str(stored)


def test_list_shows_local_copies_added_fetched_or_placed(
    population_tif: Path, kontur_gpkg: Path, cache: Path) -> None:
    rows = {r["name"]: r for r in json.loads(
        CliRunner().invoke(app, ["list", "--format", "json"]).output)}
    assert rows["kontur-population-pse"]["local"] is None
    stored = registry.add("kontur-population-pse", kontur_gpkg)
    entry = catalog.get("worldpop-pse-2020-constrained")
    placed = cache / entry.name / entry.local_name
    placed.parent.mkdir(parents=True)
    shutil.copyfile(population_tif, placed)
    r = CliRunner().invoke(app, ["list"])
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if "kontur-population-pse" in x)
    assert "yes (added)" in line
    line = next(x for x in r.output.splitlines() if entry.name in x)
    assert "yes (found)" in line
    rows = {r["name"]: r for r in json.loads(
        CliRunner().invoke(app, ["list", "--format", "json"]).output)}
    assert rows["kontur-population-pse"]["local"]["path"] == str(stored)
    assert rows[entry.name]["local"] == {"path": str(placed), "source": "found",
                                        "size_bytes": placed.stat().st_size}
    assert registry.resolve(entry.name) == placed


# ---------------------------------------------------------------- pins and identity

PINNED = {
    "unosat-damage-clusters-2025-10-11": "unosat-derived-matteogrifone/"
                                         "Damage_Sites_clusters_500m.geojson",
    "nibal-unosat-hex-2025-10-11": "btselem-nibal/UNOSAT_gaza_25-10-11.geojson",
    ZONE_NAME: ZONE_FILE,
}
"""Catalogue entries whose file is fixed, and their copies in ../shared/data/gaza."""


def test_every_entry_is_pinned_or_says_why_not() -> None:
    for entry in catalog.ENTRIES:
        if entry.name in PINNED:
            assert entry.pinned and entry.size_bytes and entry.sha256
            assert entry.unpinned is None
        else:
            assert not entry.pinned and entry.sha256 is None and entry.size_bytes is None
            assert entry.unpinned and len(entry.unpinned) > 20, entry.name
        assert entry.expect.data in ("vector", "raster")


@pytest.mark.realdata
def test_pins_match_the_real_files(gaza: Path) -> None:
    for name, rel in PINNED.items():
        entry = catalog.get(name)
        path = gaza / rel
        assert path.stat().st_size == entry.size_bytes, name
        assert _sha(path) == entry.sha256, name
        assert path.name == entry.filename
        registry.check_is_dataset(entry, path)  # the real file is what the entry expects


def _toml(extra: str) -> str:
    return ('[[dataset]]\nname = "a-b"\ntitle = "t"\npublisher = "p"\npage = "https://x"\n'
            'licence = "l"\ncitation = "c"\nformat = "f"\nkind = "zones"\n'
            'layer_options = []\nhow_to_get_by_hand = "h"\nfilename = "a.geojson"\n'
            + extra + '\n[dataset.expect]\ndata = "vector"\ngeometry = ["Polygon"]\n'
            'features = [1, 1]\n')


def test_catalogue_refuses_entries_neither_or_both_pinned() -> None:
    sha = '"' + "a" * 64 + '"'
    assert catalog.load_entries(_toml(f"sha256 = {sha}\nsize_bytes = 3"))[0].pinned
    assert not catalog.load_entries(_toml('unpinned = "changes daily"'))[0].pinned
    with pytest.raises(ValueError, match="either sha256 and size_bytes"):
        catalog.load_entries(_toml(""))
    with pytest.raises(ValueError, match="either sha256 and size_bytes"):
        catalog.load_entries(_toml(f'sha256 = {sha}\nsize_bytes = 3\nunpinned = "x"'))
    with pytest.raises(ValueError, match="sha256 and size_bytes together"):
        catalog.load_entries(_toml(f"sha256 = {sha}"))
    bad = _toml('unpinned = "x"').replace('features = [1, 1]', 'features = [5, 1]')
    with pytest.raises(ValueError, match=r"expect.features is not \[lowest, highest\]"):
        catalog.load_entries(bad)


def _pinned(monkeypatch: pytest.MonkeyPatch, payload: bytes) -> Dataset:
    """The zone entry pinned to ``payload`` (so no real data is needed)."""
    entry = dataclasses.replace(
        catalog.get(ZONE_NAME), size_bytes=len(payload),
        sha256=hashlib.sha256(payload).hexdigest())
    return _use(monkeypatch, entry)


def test_fetch_refuses_wrong_size_naming_dataset(
        server: Server, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = b'{"type": "FeatureCollection", "features": []}'
    entry = _pinned(monkeypatch, good)
    server.publish(entry, good[:-1] + b" }")  # one byte more
    with pytest.raises(DownloadError) as info:
        fetch.fetch(ZONE_NAME, progress=False)
    text = str(info.value)
    assert f"dataset {ZONE_NAME}" in text
    assert f"expected {len(good)} bytes, got {len(good) + 1} bytes" in text
    assert "deleted" in text
    assert _leftovers(cache / ZONE_NAME) == []


def test_fetch_refuses_same_size_other_bytes_and_a_tampered_cache(
        server: Server, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = b'{"type": "FeatureCollection", "features": []}'
    entry = _pinned(monkeypatch, good)
    server.publish(entry, good.replace(b"[]", b"[ ]")[:-1])  # same size, other bytes
    with pytest.raises(DownloadError) as info:
        fetch.fetch(ZONE_NAME, progress=False)
    got = hashlib.sha256(good.replace(b"[]", b"[ ]")[:-1]).hexdigest()
    assert f"expected sha256 {entry.sha256}, got sha256 {got}" in str(info.value)
    # The right file is fetched; then the cached copy is altered: the next fetch
    # refuses it (and deletes it) instead of handing it out, and the one after fetches
    # it again.
    server.publish(entry, good)
    path = fetch.fetch(ZONE_NAME, progress=False)
    path.write_bytes(good.upper())
    with pytest.raises(DownloadError, match="is not the pinned file"):
        fetch.fetch(ZONE_NAME, progress=False)
    assert not path.exists()
    assert fetch.fetch(ZONE_NAME, progress=False).read_bytes() == good


def test_cli_fetch_mismatch_exits_2(server: Server, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from zoneplan.cli.main import main

    entry = _pinned(monkeypatch, b"right")
    server.publish(entry, b"wrong!")
    assert main(["data", "fetch", ZONE_NAME]) == 2
    err = capsys.readouterr().err
    assert f"dataset {ZONE_NAME}" in err and "expected 5 bytes, got 6 bytes" in err
    assert "Traceback" not in err


def _points(path: Path, n: int, **columns: list[object]) -> Path:
    import geopandas as gpd
    from shapely.geometry import Point

    gpd.GeoDataFrame(columns or {"x": list(range(n))},
                     geometry=[Point(34.4 + i * 1e-4, 31.4) for i in range(n)],
                     crs="EPSG:4326").to_file(path)
    return path


@pytest.mark.parametrize(("name", "content", "says"), [
    ("kontur-population-pse", b"", "the file is empty (0 bytes)"),
    ("kontur-population-pse", b"\n  <!DOCTYPE html><html><body>Log in</body></html>",
     "the file is a web page (HTML), not data"),
    ("hotosm-pse-health-facilities", b"<html><head><title>404</title></head></html>",
     "web page (HTML)"),
    ("hotosm-pse-health-facilities", b"<?xml version='1.0'?><Error>AccessDenied</Error>",
     "web page (HTML)"),
    ("worldpop-pse-2020-constrained", b"GIF89a not a tiff", "not a raster rasterio can read"),
    ("kontur-population-pse", b"PK\x03\x04 broken", "not a vector file pyogrio can read"),
])
def test_add_refuses_what_is_not_data(tmp_path: Path, cache: Path, name: str,
                                      content: bytes, says: str) -> None:
    src = tmp_path / catalog.get(name).local_name
    src.write_bytes(content)
    with pytest.raises(DataError) as info:
        registry.add(name, src)
    assert f"this is not the dataset {name}" in str(info.value) and says in str(info.value)
    assert f"zoneplan data add {name}" in str(info.value)
    assert _leftovers(cache / name) == []
    assert registry.local_record(name) is None


def test_add_refuses_wrong_geometry_fields_or_count(tmp_path: Path, cache: Path,
                                                   kontur_gpkg: Path) -> None:
    points = _points(tmp_path / "points.gpkg", 150, population=[1.0] * 150)
    with pytest.raises(DataError, match="geometry Point, not Polygon or MultiPolygon"):
        registry.add("kontur-population-pse", points)
    few = _points(tmp_path / "few.geojson", 20, amenity=["hospital"] * 20)
    with pytest.raises(DataError, match="20 features, not 100 to 100,000"):
        registry.add("hotosm-pse-health-facilities", few)
    nameless = _points(tmp_path / "nameless.geojson", 150)
    with pytest.raises(DataError, match="no field 'amenity'"):
        registry.add("hotosm-pse-health-facilities", nameless)
    assert _leftovers(cache) == []
    # Field names are compared without case; the right file is registered.
    upper = _points(tmp_path / "upper.geojson", 150, AMENITY=["clinic"] * 150)
    assert registry.add("hotosm-pse-health-facilities", upper).is_file()
    assert registry.add("kontur-population-pse", kontur_gpkg).is_file()


def test_add_refuses_a_raster_with_other_bands(tmp_path: Path, cache: Path,
                                               population_tif: Path) -> None:
    three = tmp_path / "three.tif"
    with rasterio.open(population_tif) as src:
        profile = {**src.profile, "count": 3}
        data = src.read(1)
    with rasterio.open(three, "w", **profile) as dst:
        for band in (1, 2, 3):
            dst.write(data, band)
    with pytest.raises(DataError, match="the raster has 3 bands, the dataset 1"):
        registry.add(RASTER_NAME, three)
    assert registry.add(RASTER_NAME, population_tif).is_file()


def test_cli_add_html_page_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from zoneplan.cli.main import main

    page = tmp_path / "IDF_zone_191025.geojson"
    page.write_text("<!doctype html><html><title>GitHub</title></html>")
    assert main(["data", "add", ZONE_NAME, str(page)]) == 2
    err = capsys.readouterr().err
    assert "this is not the dataset" in err and "web page (HTML)" in err
    assert "Traceback" not in err
