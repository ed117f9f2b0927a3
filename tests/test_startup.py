"""Start-up: each command imports only what it uses (issue 11, lazy imports).

Not timed: ``benchmarks/bench_startup.py`` measures the time. Each check runs a fresh
Python process and lists which modules it has loaded at the end, so a module-level import
of something heavy anywhere on a command's path makes the check fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zoneplan.cli.app import main

ROOT = Path(__file__).resolve().parents[1]

NOT_FOR_RUN = ("geopandas", "pandas", "pyarrow", "pyogrio", "matplotlib", "fastapi", "starlette",
               "uvicorn", "dask", "distributed", "scipy", "rasterio", "requests", "pooch",
               "jinja2", "openpyxl", "PIL", "affine", "zoneplan.pack.frames",
               "zoneplan.io.frame_checks", "zoneplan.io.rasters",
               "zoneplan.measure.population.raster_population",
               "zoneplan.web", "zoneplan.render.maps.map", "zoneplan.render.pages.report",
               "zoneplan.io.fetch", "zoneplan.io.registry", "zoneplan.scenarios.dask_backend",
               "zoneplan.scenarios.ensemble", "zoneplan.scenarios.compare", "numpy.ma")
"""What a default ``zoneplan run`` (the built-in plan on the built-in pack, terminal table)
must not import: it reads the pack's tables as plain rows, so no pandas or geopandas."""

NOT_FOR_LIGHT = NOT_FOR_RUN
"""What commands that measure nothing (help, version, plans, schema, data) must not
import: no geopandas, no scipy."""


def _loaded(code: str, names: tuple[str, ...], **env_vars: str) -> tuple[list[str], str]:
    """Run ``code`` in a fresh process (with ``env_vars`` set); which of ``names`` it
    loaded, and its output."""
    script = (f"import json, sys\n{code}\n"
              f"print(json.dumps([m for m in {list(names)!r} if m in sys.modules]))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **env_vars}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    *output, last = proc.stdout.strip().splitlines()
    return json.loads(last), "\n".join(output)


@pytest.mark.slow
def test_default_run_imports_only_what_it_uses(tmp_path: Path) -> None:
    """The same whether the built-in population grid is computed (the first run with a
    data folder) or read where the first run kept it."""
    for _ in ("computed", "kept"):
        loaded, output = _loaded(
            "from zoneplan.cli.app import main\nassert main(['run']) == 0",
            (*NOT_FOR_RUN, "shapely", "pyproj", "zoneplan.render.words.terminal"),
            ZONEPLAN_DATA_DIR=str(tmp_path))
        assert "Checks: zone areas" in output  # the run printed its table
        # the check sees modules: these the run does use
        assert {"shapely", "pyproj", "zoneplan.render.words.terminal"} <= set(loaded)
        assert set(loaded) & set(NOT_FOR_RUN) == set()
    assert len(list((tmp_path / "derived").iterdir())) == 1  # the grid, kept


@pytest.mark.slow
def test_a_run_that_prints_nothing_imports_no_rich(tmp_path: Path) -> None:
    """The consoles are made when first used: a JSON result written to a file prints
    nothing, so rich is not imported; the table is printed through rich."""
    out = tmp_path / "result.json"
    loaded, _ = _loaded(f"from zoneplan.cli.app import main\n"
                        f"assert main(['run', '--no-ranges', '--format', 'json', '--out', "
                        f"{str(out)!r}]) == 0", ("rich",))
    assert loaded == [] and json.loads(out.read_text())["zones"]
    loaded, output = _loaded("from zoneplan.cli.app import main\n"
                             "assert main(['run', '--no-ranges']) == 0", ("rich",))
    assert loaded == ["rich"] and "Checks: zone areas" in output


@pytest.mark.slow
def test_timeline_without_a_scheduler_imports_no_dask(tmp_path: Path) -> None:
    """Measured in this process: Dask is imported only for ``--scheduler``."""
    order = {"type": "Feature", "properties": {},
             "geometry": {"type": "Polygon", "coordinates": [[
                 [34.44, 31.50], [34.45, 31.50], [34.45, 31.51], [34.44, 31.51], [34.44, 31.50]]]}}
    layer = tmp_path / "order.geojson"
    layer.write_text(json.dumps({"type": "FeatureCollection", "features": [order]}))
    loaded, output = _loaded(
        "from zoneplan.cli.app import main\n"
        f"assert main(['timeline', {str(layer) + '@2024-05-01'!r}, '--in-force', '7', "
        "'--format', 'json']) == 0", ("dask", "distributed", "zoneplan.scenarios.timeline"))
    assert json.loads(output)["rows"][0]["area_km2"] > 0  # the timeline was measured
    assert loaded == ["zoneplan.scenarios.timeline"]


@pytest.mark.slow
@pytest.mark.parametrize(("args", "uses"), [
    (["--help"], ()), (["--version"], ()), (["run", "--help"], ()), (["plans"], ()),
    (["schema"], ()), (["data", "list"], ("zoneplan.io.registry",))])
def test_commands_that_measure_nothing_import_no_geopandas_nor_scipy(
        args: list[str], uses: tuple[str, ...]) -> None:
    """``uses``: what the command needs of the list (``data list`` looks for local copies
    in the registry of the cache folder; pooch only downloads)."""
    loaded, _ = _loaded(f"from zoneplan.cli.app import main\nassert main({args!r}) == 0",
                        (*NOT_FOR_LIGHT, "typer"))
    assert set(loaded) == {"typer", *uses}


@pytest.mark.slow
def test_import_zoneplan_loads_its_names_on_use() -> None:
    loaded, output = _loaded(
        "import zoneplan\nprint(sorted(m for m in sys.modules if m.startswith('zoneplan')))\n"
        "import zoneplan.evaluate\nimport zoneplan.measure\n"
        "print(callable(zoneplan.evaluate), zoneplan.Plan.__name__, zoneplan.plan.__name__)",
        ("numpy", "pydantic", "geopandas"))
    first, second = output.splitlines()
    assert first == "['zoneplan']"  # nothing but the package itself
    assert second == "True Plan zoneplan.plan"  # zoneplan.evaluate is still the function
    assert set(loaded) == {"numpy", "pydantic"}  # geopandas only where a frame is made


def test_a_command_line_builds_only_the_command_it_runs(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """typer builds every command of an application when it runs; ``main`` gives it only
    the command named, and the whole application for help or an unknown command."""
    from zoneplan.cli import app as cli_app

    def names(app: object) -> list[str | None]:
        return [*(c.name for c in app.registered_commands),  # type: ignore[attr-defined]
                *(g.name for g in app.registered_groups)]  # type: ignore[attr-defined]

    assert names(cli_app.application("run")) == ["run"]
    assert names(cli_app.application("show")) == ["plans", "validate", "show", "schema", "new"]
    assert names(cli_app.application("data")) == ["data"]
    assert sorted(map(str, names(cli_app.app))) == sorted(cli_app.COMMANDS)
    built: list[str | None] = []
    real = cli_app.application
    monkeypatch.setattr(cli_app, "application",
                        lambda command=None: built.append(command) or real(command))
    for args in (["-vq", "--debug", "plans", "--format", "json"], ["--help"], ["rnu"],
                 ["--version", "run"]):
        main(args)
    assert built == ["plans", None, None, None]
    said = capsys.readouterr()
    assert "Commands" in said.out and "No such command 'rnu'" in said.err


def test_the_command_line_is_imported_out_of_the_collectors_passes() -> None:
    # zoneplan.cli.main imports the application with the collector paused, then
    # freezes what the import made; the collector runs again for the command.
    _, output = _loaded(
        "import gc\nimport zoneplan.cli\nbefore = gc.get_freeze_count()\n"
        "assert zoneplan.cli.main(['--version']) == 0\n"
        "print(before, gc.get_freeze_count() > 10_000, gc.isenabled())", ())
    assert output.splitlines()[-1] == "0 True True"


def test_a_run_on_files_imports_their_readers_out_of_the_collectors_passes() -> None:
    """``zoneplan run`` with files imports their readers with the collector paused, then
    freezes what they made; without files (the built-in pack) it imports none. rasterio
    is imported without boto3 (for rasters on S3; a run reads local files), which can
    be imported afterwards."""
    _, output = _loaded(
        "import gc\nfrom pathlib import Path\n"
        "from zoneplan.cli.run import _import_readers\nfrom zoneplan.plan import LayerRef\n"
        "before = gc.get_freeze_count()\n_import_readers(None, {})\n"
        "print('geopandas' in sys.modules, 'rasterio' in sys.modules)\n"
        "_import_readers(None, {'population': LayerRef(path='/data/people.tif')})\n"
        "print('geopandas' in sys.modules, 'rasterio' in sys.modules, 'boto3' in sys.modules)\n"
        "_import_readers(Path('outline.geojson'), {})\n"
        "print(gc.get_freeze_count() - before > 100_000, gc.isenabled())\n"
        "import importlib.util\n"
        "if importlib.util.find_spec('boto3') is not None:\n"
        "    import boto3\n"
        "print('boto3' in sys.modules or importlib.util.find_spec('boto3') is None)", ())
    assert output.splitlines()[-4:] == ["False False", "False True False", "True True", "True"]


def test_debug_is_taken_after_the_command(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(tmp_path / "nope.yaml"), "--debug"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" in err and "does not exist" in err
    assert main(["plans", "--format", "json", "--debug"]) == 0


def test_the_data_commands_name_the_mirror_variable_of_the_downloader() -> None:
    from zoneplan.cli import data as cli_data
    from zoneplan.io import fetch

    assert cli_data.ENV_BASE_URL == fetch.ENV_BASE_URL


def _script(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``code`` then the command line ``args`` as the ``zoneplan`` script runs it."""
    script = f"import sys\n{code}\nfrom zoneplan.cli.app import main\nsys.exit(main())"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=300, check=False)


@pytest.mark.slow
def test_the_script_ends_with_its_output_whole_and_its_exit_code(tmp_path: Path) -> None:
    """The script's output, written file and exit code, as the ``zoneplan`` script runs."""
    out = tmp_path / "result.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = [sys.executable, "-m", "zoneplan", "run", "--format", "json", "--no-ranges"]
    printed = subprocess.run(run, capture_output=True, text=True, timeout=300, check=False,
                             env=env, cwd=ROOT)
    written = subprocess.run([*run, "--out", str(out)], capture_output=True, text=True,
                             timeout=300, check=False, env=env, cwd=ROOT)
    assert printed.returncode == written.returncode == 0, printed.stderr + written.stderr
    assert json.loads(printed.stdout)["zones"] == json.loads(out.read_text())["zones"]
    bad = _script("", "run", str(tmp_path / "nope.yaml"))
    assert bad.returncode == 2 and "does not exist" in bad.stderr


@pytest.mark.slow
def test_the_script_runs_exit_functions_and_waits_for_threads() -> None:
    said = _script("import atexit\natexit.register(lambda: print('exit function ran'))",
                   "--version")
    assert (said.returncode, said.stdout.split()) == (0, ["zoneplan", "0.1.0", "exit",
                                                          "function", "ran"])
    waited = _script("import threading, time\n"
                     "def late() -> None:\n"
                     "    while 'zoneplan.cli.app' not in sys.modules:\n"
                     "        time.sleep(0.01)\n"
                     "    time.sleep(1.0)  # still running when the command is done\n"
                     "    print('thread done')\n"
                     "threading.Thread(target=late).start()", "--version")
    assert waited.returncode == 0
    assert "zoneplan 0.1.0" in waited.stdout and "thread done" in waited.stdout
