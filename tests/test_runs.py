"""zoneplan.run and zoneplan.running (zoneplan.scenarios.runs): the library does what
``zoneplan run`` does, and a plain script may open a local Dask cluster."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import zoneplan
from tests.conftest import REPO, SQUARE_UTM, utm_to_lonlat, write_geojson
from zoneplan.errors import InputError, ZoneplanWarning
from zoneplan.plan import LayerRef
from zoneplan.scenarios.runs import Run, running

needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="Dask (distributed) is not installed")


def _zones(result: Any) -> dict[str, dict[str, Any]]:
    return {z["id"]: z for z in result.data["zones"]}


def test_run_measures_the_square_by_hand(square_path: Path) -> None:
    # the square plan (tests/conftest.py): west 1 km² with 2,500 people, east 3 km² with
    # 7,500; given as a path, a str and a Plan, alone or in a list
    for given in (square_path, str(square_path), zoneplan.load_plan(square_path),
                  [square_path]):
        [r] = zoneplan.run(given, ranges=False)
        z = _zones(r)
        assert z["west"]["area_km2"] == pytest.approx(1.0, rel=1e-6)
        assert z["east"]["area_km2"] == pytest.approx(3.0, rel=1e-6)
        assert z["west"]["residents_baseline"] == pytest.approx(2500, rel=1e-6)
        assert z["east"]["residents_baseline"] == pytest.approx(7500, rel=1e-6)


def test_run_is_the_command(square_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from zoneplan.cli.app import main

    assert main(["run", str(square_path), "--format", "json", "--no-ranges"]) == 0
    printed = json.loads(capsys.readouterr().out)
    [r] = zoneplan.run(square_path, ranges=False)
    assert [z["residents"] for z in printed["zones"]] == [
        z["residents"] for z in r.data["zones"]]


def test_layers_replace_the_baseline(tmp_path: Path, square_path: Path) -> None:
    # 6,000 people on the west half kilometre only: all of the baseline is west
    x0, y0, _, y1 = SQUARE_UTM
    ring = [utm_to_lonlat(x, y) for x, y in ((x0, y0), (x0 + 500, y0), (x0 + 500, y1),
                                             (x0, y1), (x0, y0))]
    write_geojson(tmp_path / "west.geojson", [{
        "type": "Feature", "properties": {"pop": 6000},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}])
    ref = LayerRef(path=str(tmp_path / "west.geojson"), count="pop")
    [r] = zoneplan.run(square_path, ranges=False, layers={"population": ref})
    z = _zones(r)
    assert z["west"]["residents_baseline"] == pytest.approx(6000, rel=1e-6)
    assert z["east"]["residents_baseline"] == pytest.approx(0, abs=1e-6)


def test_options_that_need_others_are_refused_before_any_work(square_path: Path) -> None:
    with pytest.raises(InputError, match="need --samples"):
        zoneplan.run(square_path, seed=3)
    with pytest.raises(InputError, match="--workers needs --scheduler"):
        zoneplan.run(square_path, workers=2)
    with pytest.raises(InputError, match="applies to --scheduler local only"):
        zoneplan.run(square_path, scheduler="serial", workers=2)
    with pytest.raises(InputError, match="unknown scheduler"):
        zoneplan.run(square_path, scheduler="nowhere")
    with pytest.raises(InputError, match="no plan"):
        zoneplan.run([])


def test_samples_on_this_process(square_path: Path) -> None:
    with running([square_path, square_path], samples=4, seed=11, scheduler="serial",
                 ranges=False) as done:
        assert isinstance(done, Run)
        assert [r.data["samples"]["n"] for r in done.results] == [4, 4]
        assert {r.data["samples"]["seed"] for r in done.results} == {11}


def test_a_note_is_a_warning(square_path: Path) -> None:
    # --scheduler serial without draws: nothing was held on workers, and the note says so
    with pytest.warns(ZoneplanWarning, match="everything ran in this process"):
        [r] = zoneplan.run(square_path, scheduler="serial", ranges=False)
    assert _zones(r)["west"]["residents_baseline"] == pytest.approx(2500, rel=1e-6)


def _run_script(path: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run a Python file as a plain script (``python FILE``), with this tree first."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO / "src"), str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          cwd=path.parent, env=env, timeout=timeout, check=False)


def _readme_library_example() -> str:
    """The example of the library's page (docs/library.md), which the README links to."""
    text = (REPO / "docs" / "library.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", text, re.S)
    assert match is not None
    return match.group(1)


@pytest.mark.slow
@needs_dask
def test_the_library_page_example_runs_as_a_plain_script(tmp_path: Path) -> None:
    """The library page's example as a plain script (``python FILE``): it opens a local
    cluster without an ``if __name__ == "__main__":`` guard (with the spawn start method
    the workers would run the script again, and each start a cluster of its own), so
    what it prints before the draws is printed once; its last line's value is shown."""
    code = _readme_library_example()
    assert "samples=1000" in code and 'scheduler="local"' in code
    # 20 draws instead of 1,000 (the same code otherwise), and the last line's value shown
    code = code.replace("samples=1000", "samples=20")
    lines = code.rstrip().splitlines()
    last = lines[-1].split("#")[0].strip()
    script = tmp_path / "example.py"
    script.write_text("\n".join(['print("script ran", flush=True)', *lines[:-1],
                                 f"print(sorted({last}))", f"print({last}['n'])"]) + "\n")
    done = _run_script(script)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == ["script ran", "['n', 'p5', 'p50', 'p95']", "20"]
