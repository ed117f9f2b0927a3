"""The QGIS plugin: its runner without QGIS, ``zoneplan qgis install``, the CLI's
``--progress json`` and ``run --gpkg``, and QGIS itself run headless (``qgis_process``).

The tests marked ``qgis`` install the plugin into a temporary QGIS profile
(``QGIS_CUSTOM_CONFIG_PATH``) and run ``qgis_process.bin``; they are skipped when it is
absent, and fail under ``CI=true`` (``install.sh`` installs QGIS on Debian/Ubuntu).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from zoneplan.cli.app import main
from zoneplan.cli.qgis import PLUGIN_NAME, plugin_source

REPO = Path(__file__).resolve().parents[1]
PLUGIN = REPO / "src" / "zoneplan" / "qgis_plugin" / PLUGIN_NAME
QGIS_PROCESS = shutil.which("qgis_process.bin") or shutil.which("qgis_process")
PLAN = "green-red-2025-11"


def _runner() -> ModuleType:
    """The plugin's runner, imported without QGIS (it needs none)."""
    spec = importlib.util.spec_from_file_location("zoneplan_qgis_runner", PLUGIN / "runner.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = _runner()


def _script(tmp_path: Path, body: str) -> str:
    """An executable that runs ``body`` in this Python (a stand-in for zoneplan)."""
    path = tmp_path / "fake-zoneplan"
    path.write_text(f"#!{sys.executable}\nimport sys, time, json\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


# -- the runner, without QGIS ------------------------------------------------------------


def test_runner_reads_progress_and_returns_output(tmp_path: Path) -> None:
    exe = _script(tmp_path, 'sys.stderr.write(json.dumps({"progress": 0.5, "message": "half"})'
                  ' + "\\n")\nsys.stderr.write("warning: w\\n")\nprint("out")')
    told: list[tuple[float, str]] = []
    said: list[str] = []
    out = runner.run(exe, [], on_progress=lambda f, m: told.append((f, m)),
                     on_message=said.append, canceled=lambda: False)
    assert out == ["out"] and told == [(0.5, "half")] and said == ["warning: w"]


def test_runner_turns_exit_2_into_the_message(tmp_path: Path) -> None:
    exe = _script(tmp_path, 'sys.stderr.write("error: plan.yaml, line 3: bad\\n  → fix it\\n")\n'
                  "sys.exit(2)")
    with pytest.raises(runner.ZoneplanError) as info:
        runner.run(exe, [], on_progress=lambda f, m: None, on_message=lambda s: None,
                   canceled=lambda: False)
    assert str(info.value) == "plan.yaml, line 3: bad\n  → fix it"


def test_cancel_stops_the_command(tmp_path: Path) -> None:
    exe = _script(tmp_path, 'sys.stderr.write(json.dumps({"progress": 0.1, "message": "m"}) + '
                  '"\\n")\nsys.stderr.flush()\ntime.sleep(60)')
    started = time.monotonic()
    told: list[float] = []
    with pytest.raises(runner.ZoneplanCanceledError):
        runner.run(exe, [], on_progress=lambda f, m: told.append(f),
                   on_message=lambda s: None, canceled=lambda: bool(told))
    assert time.monotonic() - started < 10  # not the 60 s the command would take


def test_missing_or_old_zoneplan_is_said_clearly(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("ZONEPLAN_EXECUTABLE", raising=False)
    with pytest.raises(runner.ZoneplanError, match="not found on PATH: install zoneplan"):
        runner.find_executable(None)
    with pytest.raises(runner.ZoneplanError, match="is not an executable file"):
        runner.find_executable(str(tmp_path / "nothing"))
    old = _script(tmp_path, 'print("zoneplan 0.0.9")')
    with pytest.raises(runner.ZoneplanError, match=r"0\.0\.9 .* too old .* 0\.1\.0 or later"):
        runner.check_version(old)


# -- zoneplan qgis install / uninstall -----------------------------------------------------


@pytest.fixture
def qgis_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A QGIS configuration folder of its own (as QGIS_CUSTOM_CONFIG_PATH)."""
    config = tmp_path / "qgis-config"
    monkeypatch.setenv("QGIS_CUSTOM_CONFIG_PATH", str(config))
    return config


def test_install_copies_enables_and_uninstall_removes(qgis_config: Path) -> None:
    profile = qgis_config / "profiles" / "work"
    ini = profile / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[PythonPlugins]\nother=true\n\n[qgis]\nx=1\n", encoding="utf-8")
    assert main(["qgis", "install", "--profile", "work"]) == 0
    target = profile / "python" / "plugins" / PLUGIN_NAME
    assert (target / "metadata.txt").read_text() == (PLUGIN / "metadata.txt").read_text()
    text = ini.read_text(encoding="utf-8")
    assert "[PythonPlugins]\nother=true\nzoneplan_processing=true\n" in text
    assert "[qgis]\nx=1\n" in text and "Configuration\\ZONEPLAN_EXECUTABLE=" in text
    assert main(["qgis", "install", "--profile", "work", "--link"]) == 0  # replaces the copy
    assert target.is_symlink() and target.resolve() == plugin_source().resolve()
    assert main(["qgis", "uninstall", "--profile", "work"]) == 0
    assert not target.exists() and not target.is_symlink()
    assert "zoneplan_processing" not in ini.read_text() and "other=true" in ini.read_text()


def test_install_refuses_a_path_as_profile(qgis_config: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qgis", "install", "--profile", "../x"]) == 2
    assert "is not a profile name" in capsys.readouterr().err


# -- the CLI's machine-readable progress and GeoPackage -------------------------------------


def test_progress_json_lines_and_gpkg_equal_the_json(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    out, gpkg = tmp_path / "r.json", tmp_path / "z.gpkg"
    assert main(["run", PLAN, "--no-ranges", "--format", "json", "--out", str(out),
                 "--gpkg", str(gpkg), "--progress", "json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    fractions = [x["progress"] for x in lines]
    assert lines[0]["message"] == "reading layers" and fractions[-1] == 1.0
    assert fractions == sorted(fractions) and all(0 < f <= 1 for f in fractions)
    d = json.loads(out.read_text())
    with sqlite3.connect(gpkg) as con:
        con.row_factory = sqlite3.Row
        rows = {r["zone_id"]: dict(r) for r in con.execute("SELECT * FROM zones")}
        styled = {r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")}
    assert styled >= {"zones", "lines"}
    for z in d["zones"]:
        for key in ("area_km2", "residents", "residents_baseline", "share_of_territory"):
            assert rows[z["id"]][key] == z[key]


def test_gpkg_refuses_another_suffix_and_an_existing_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", PLAN, "--gpkg", str(tmp_path / "z.shp")]) == 2
    assert "name it z.gpkg" in capsys.readouterr().err
    (tmp_path / "z.gpkg").write_text("")
    assert main(["run", PLAN, "--gpkg", str(tmp_path / "z.gpkg")]) == 2
    assert "exists already" in capsys.readouterr().err


# -- QGIS, headless --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def qgis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of ``qgis_process`` with the plugin installed and enabled in a
    temporary configuration folder."""
    if QGIS_PROCESS is None:
        if os.environ.get("CI") == "true":
            pytest.fail("qgis_process is missing but CI=true requires the QGIS tests "
                        "(install.sh installs qgis python3-qgis)")
        pytest.skip("QGIS (qgis_process) is not installed")
    config = tmp_path_factory.mktemp("qgis-config")
    # QGIS's Python finds its standard library from the python3 first on PATH: not this
    # Python's (pyenv's), or QGIS cannot import its own modules; the plugin runs the
    # zoneplan command that `zoneplan qgis install` recorded
    here = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p != here and "/.pyenv/" not in p)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QGIS_CUSTOM_CONFIG_PATH": str(config),
           "XDG_RUNTIME_DIR": str(config), "PYTHONPATH": str(REPO / "src"), "PATH": path}
    # installed here, as `zoneplan qgis install` does it; it enables the plugin in the
    # profile's QGIS3.ini, so no `qgis_process plugins enable` (a QGIS start, 2 s of CPU)
    # is needed: test_qgis_lists_the_provider sees QGIS load it
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(io.StringIO()):
        mp.setenv("QGIS_CUSTOM_CONFIG_PATH", str(config))
        assert main(["qgis", "install"]) == 0
    yield env


def _qgis(env: dict[str, str], *args: str, cwd: Path | None = None
          ) -> subprocess.CompletedProcess[str]:
    assert QGIS_PROCESS is not None
    exe = [QGIS_PROCESS] if QGIS_PROCESS.endswith(".bin") else [QGIS_PROCESS + ".bin"]
    return subprocess.run([*exe, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)


def _run_json(env: dict[str, str], alg: str, params: list[str], cwd: Path) -> dict[str, Any]:
    done = _qgis(env, "--json", "run", alg, "--", *params, cwd=cwd)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return dict(json.loads(done.stdout[done.stdout.index("{"):])["results"])


def _cli(*args: str) -> dict[str, Any]:
    """``zoneplan ARGS --format json``, run here (the reference figures)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main([*args, "--format", "json"]) == 0
    return dict(json.loads(buffer.getvalue()))


def _zones(gpkg: str) -> dict[str, dict[str, Any]]:
    with sqlite3.connect(gpkg) as con:
        con.row_factory = sqlite3.Row
        return {r["zone_id"]: dict(r) for r in con.execute("SELECT * FROM zones")}


def _same_figures(gpkg: str, cli: dict[str, Any]) -> None:
    rows = _zones(gpkg)
    assert set(rows) == {z["id"] for z in cli["zones"]}
    compared = 0
    for z in cli["zones"]:
        for key, value in z.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert rows[z["id"]][key] == value, (z["id"], key)  # to the last digit
                compared += 1
        for key, span in (z.get("ranges") or {}).items():
            if span is not None and f"{key}_low" in rows[z["id"]]:
                assert [rows[z["id"]][f"{key}_low"], rows[z["id"]][f"{key}_high"]] == span
                compared += 1
    assert compared >= 10


@pytest.mark.qgis
@pytest.mark.slow
def test_qgis_lists_the_provider(qgis: dict[str, str]) -> None:
    done = _qgis(qgis, "list")
    for alg in ("evaluate", "quick", "byarea", "compare", "timeline"):
        assert f"zoneplan:{alg}" in done.stdout, done.stdout[-1500:]


@pytest.mark.qgis
@pytest.mark.slow
def test_qgis_evaluate_equals_the_cli(qgis: dict[str, str], tmp_path: Path) -> None:
    results = _run_json(qgis, "zoneplan:evaluate", [f"PLAN={PLAN}", "OUTPUT=zones.gpkg"],
                        tmp_path)
    assert results["OUTPUT"] == str(tmp_path / "zones.gpkg")
    assert results["ZONES"] == f"{tmp_path / 'zones.gpkg'}|layername=zones"
    _same_figures(results["OUTPUT"], _cli("run", PLAN))
    with sqlite3.connect(results["OUTPUT"]) as con:
        styles = dict(con.execute("SELECT f_table_name, styleQML FROM layer_styles"))
    assert "SimpleFill" in styles["zones"] and "SimpleLine" in styles["lines"]


@pytest.mark.qgis
@pytest.mark.slow
@pytest.mark.realdata
def test_qgis_quick_analysis_of_real_layers(qgis: dict[str, str], shared_data: Path,
                                            tmp_path: Path) -> None:
    outline = shared_data / "ocha-cod-ab-pse-2023" / "gaza_strip_adm1_cod.geojson"
    zone = shared_data / "btselem-nibal" / "IDF_zone_191025.geojson"
    damage = shared_data / "unosat-derived-matteogrifone" / "Damage_Sites_clusters_500m.geojson"
    results = _run_json(qgis, "zoneplan:quick", [
        f"TERRITORY={outline}", f"ZONES={zone}", "ACCESS=2", f"DAMAGE={damage}",
        "DAMAGE_COUNT=count", "DATE=2025-10-19", "STATUS=1", "RANGES=false",
        "OUTPUT=quick.gpkg", "OUTPUT_JSON=quick.json"], tmp_path)
    cli = _cli("run", "--territory", str(outline), "--zones", str(zone), "--access", "closed",
               "--layer", f"damage={damage},count=count", "--date", "2025-10-19",
               "--status", "reported", "--no-ranges")
    _same_figures(results["OUTPUT"], cli)
    plan = json.loads(Path(results["OUTPUT_JSON"]).read_text(encoding="utf-8"))["plan"]
    assert (plan["date"], plan["status"]) == ("2025-10-19", "reported")
    rows = _zones(results["OUTPUT"])
    assert rows["zone-1"]["access"] == "closed" and rows["zone-1"]["residents"] == 0.0
    assert rows["zone-1"]["label"] == "feature 1 of IDF_zone_191025.gpkg"


@pytest.mark.qgis
@pytest.mark.slow
def test_qgis_bad_input_fails_with_zoneplans_message(qgis: dict[str, str],
                                                     tmp_path: Path) -> None:
    plan = tmp_path / "bad.yaml"
    plan.write_text("id: bad\ntitle: a plan\n", encoding="utf-8")
    done = _qgis(qgis, "run", "zoneplan:evaluate", "--", f"PLAN_FILE={plan}",
                 "OUTPUT=z.gpkg", cwd=tmp_path)
    text = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"ERROR:\tzoneplan: {plan}, line 1, column 1: required field" in text, text[-2000:]
    assert "Traceback" not in text
    assert not (tmp_path / "z.gpkg").exists()


def _table(gpkg: str) -> list[dict[str, Any]]:
    with sqlite3.connect(gpkg) as con:
        con.row_factory = sqlite3.Row
        (name,) = con.execute("SELECT table_name FROM gpkg_contents").fetchone()
        return [dict(r) for r in con.execute(f'SELECT * FROM "{name}"')]


@pytest.mark.qgis
@pytest.mark.slow
def test_qgis_by_area_equals_the_cli(qgis: dict[str, str], tmp_path: Path) -> None:
    results = _run_json(qgis, "zoneplan:byarea", [f"PLAN={PLAN}", "RANGES=false",
                                                  "OUTPUT=by.gpkg"], tmp_path)
    assert results["BY_AREA"] == f"{tmp_path / 'by.gpkg'}|layername=by_area"
    cli = _cli("run", PLAN, "--by", "gaza:governorates", "--no-ranges")
    with sqlite3.connect(results["OUTPUT"]) as con:
        con.row_factory = sqlite3.Row
        rows = [dict(r) for r in con.execute("SELECT * FROM by_area")]
    assert len(rows) == len(cli["by_area"]) >= 5
    for row, want in zip(rows, cli["by_area"], strict=True):
        assert (row["area"], row["zone_id"]) == (want["area"], want["zone"])
        for key in ("area_km2", "residents_baseline", "residents"):
            assert row[key] == want[key]


@pytest.mark.qgis
@pytest.mark.slow
def test_qgis_compare_equals_the_cli(qgis: dict[str, str], tmp_path: Path) -> None:
    plans = ["ceasefire-2025-10", PLAN]
    results = _run_json(qgis, "zoneplan:compare", [f"PLANS={','.join(plans)}",
                                                   "OUTPUT=compare.gpkg"], tmp_path)
    rows = _table(str(tmp_path / results["OUTPUT"]))  # as given: relative to the folder
    cli = _cli("compare", *plans)
    want = {(z["id"], p, k): v for z in cli["zones"] for p in plans
            for k, v in ((z["values"].get(p) or {}).items())
            if isinstance(v, (int, float)) and not isinstance(v, bool)}
    got = {(r["zone"], r["plan"], r["figure"]): r["value"] for r in rows}
    assert got == want and len(got) > 20
    area = next(r for r in rows if r["figure"] == "area_km2" and r["plan"] == PLAN)
    assert area["unit"] == "km²"


@pytest.mark.qgis
@pytest.mark.slow
@pytest.mark.realdata
def test_qgis_timeline_and_the_model(qgis: dict[str, str], shared_data: Path,
                                     tmp_path: Path) -> None:
    orders = [shared_data / "btselem-nibal" / f"IDF_zone_{d}.geojson"
              for d in ("081023", "061024_NEW")]
    results = _run_json(qgis, "zoneplan:timeline", [
        *(f"LAYERS={p}" for p in orders), "DATE_FIELD=Date", "OUTPUT=timeline.gpkg"], tmp_path)
    cli = _cli("timeline", *map(str, orders), "--date-field", "Date")
    got = [(r["date"], r["order"], r["area_km2"], r["residents"], r["hospitals"])
           for r in _table(str(tmp_path / results["OUTPUT"]))]
    assert got == [(r["date"], Path(r["file"]).stem, r["area_km2"], r["residents"],
                    r["hospitals"]) for r in cli["rows"]]
    # the model of docs/qgis.md: native:dissolve, then zoneplan:quick on its output
    outline = shared_data / "ocha-cod-ab-pse-2023" / "gaza_strip_adm1_cod.geojson"
    model = REPO / "docs" / "qgis" / "orders-measured.model3"
    _run_json(qgis, str(model), [f"orders={orders[0]}", f"territory={outline}",
                                 "quick:zones=order.gpkg"], tmp_path)
    rows = _zones(str(tmp_path / "order.gpkg"))
    assert set(rows) == {"zone-1", "rest"} and rows["zone-1"]["access"] == "closed"
    # the same order, cut by the OCHA COD outline here and by the built-in outline in
    # the timeline: the same area within 0.1%
    assert rows["zone-1"]["area_km2"] == pytest.approx(got[0][2], rel=1e-3)
