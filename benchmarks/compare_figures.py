"""Compare the JSON results of two versions of zoneplan, figure by figure.

Runs the same ``zoneplan run ... --format json`` commands with a baseline source tree and
with this one (each in a fresh process, ``PYTHONPATH`` set to the tree's ``src``) and
compares the results: the same keys in the same order, the same strings, booleans and
nulls, and every number within a relative tolerance (default 1e-9; differences below
1e-12 in absolute value, rounding of figures that are zero, count as equal). The
provenance's time and the paths of the two trees are not compared.

The runs: 3,882 UNOSAT hexagons and 33 municipal zones on a 10 m raster (made by
``bench_raster.make_raster`` in a temporary folder), the same 33 zones with some closed
(people move), the hexagons on the built-in grid (all zones, then all closed), the
default plan and the other built-in plans.

Run: ``python benchmarks/compare_figures.py --baseline-rev main`` (the baseline's ``src``
taken from that git revision into a temporary folder) or ``--baseline PATH/src``.
Exit status 1 if any figure differs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_raster import make_raster  # noqa: E402

GAZA = ROOT.parent / "shared" / "data" / "gaza"
OUTLINE = GAZA / "ocha-cod-ab-pse-2023" / "gaza_strip_adm1_cod.geojson"
HEXAGONS = GAZA / "btselem-nibal" / "UNOSAT_gaza_25-10-11.geojson"
MUNICIPAL = GAZA / "ocha-gaza-municipal-boundaries-2019" / "GazaStrip_MunicipalBoundaries.geojson"
PLANS = ("green-red-2025-11", "asc-2025-11", "baseline-2023", "ceasefire-2025-10",
         "withdrawal-phases")


def runs(tif: Path) -> dict[str, list[str]]:
    """The commands compared, by name (arguments after ``zoneplan``)."""
    quick = ["run", "--territory", str(OUTLINE), "--zones"]
    raster = ["--layer", f"population={tif},units=count"]
    out: dict[str, list[str]] = {
        "3882 hexagons, 10 m raster": [*quick, str(HEXAGONS), *raster],
        "33 municipal zones, 10 m raster": [*quick, str(MUNICIPAL), *raster],
        "33 zones, 4 closed or restricted": [
            *quick, str(MUNICIPAL), *raster,
            "--access", "zone-1=closed,zone-2=closed,zone-5=restricted,zone-7=closed"],
        "3882 hexagons, built-in grid": [*quick, str(HEXAGONS)],
        "3882 hexagons closed, built-in grid": [*quick, str(HEXAGONS), "--access", "closed"],
    }
    out |= {f"plan {p}": ["run", p] for p in PLANS}
    return out


def run_all(src: Path, tif: Path, folder: Path) -> dict[str, Path]:
    """Every command with the tree ``src``; the JSON file of each."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    files = {}
    for k, (name, args) in enumerate(runs(tif).items()):
        path = folder / f"{k}.json"
        proc = subprocess.run([sys.executable, "-m", "zoneplan", *args, "--format", "json",
                               "--out", str(path), "--overwrite"], env=env,
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"{name} failed with {src}:\n{proc.stderr[-2000:]}")
        files[name] = path
    return files


class Compare:
    """Differences between two JSON documents, and the largest relative difference."""

    def __init__(self, rtol: float, atol: float, trees: tuple[str, str]) -> None:
        self.rtol, self.atol, self.trees = rtol, atol, trees
        self.problems: list[str] = []
        self.worst = (0.0, "")

    def text(self, s: str, which: int) -> str:
        return s.replace(self.trees[which], "<src>/")

    def __call__(self, a: Any, b: Any, path: str = "") -> None:
        """Compare ``a`` (baseline) with ``b``."""
        if isinstance(a, dict) and isinstance(b, dict):
            if list(a) != list(b):
                self.problems.append(f"{path}: keys {list(a)} vs {list(b)}")
            for k in a:
                if k in b and k != "time_utc":
                    self(a[k], b[k], f"{path}/{k}")
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                self.problems.append(f"{path}: {len(a)} items vs {len(b)}")
            for i, (x, y) in enumerate(zip(a, b, strict=False)):
                self(x, y, f"{path}/{i}")
        elif isinstance(a, str) and isinstance(b, str):
            if self.text(a, 0) != self.text(b, 1):
                self.problems.append(f"{path}: {a!r} vs {b!r}")
        elif (isinstance(a, (int, float)) and not isinstance(a, bool)
              and isinstance(b, (int, float)) and not isinstance(b, bool)):
            if type(a) is not type(b):
                self.problems.append(f"{path}: {a!r} vs {b!r} (type)")
            if a == b or (math.isnan(a) and math.isnan(b)):
                return
            rel = abs(a - b) / max(abs(a), abs(b))
            if abs(a - b) > self.atol:
                self.worst = max(self.worst, (rel, path))
                if rel > self.rtol:
                    self.problems.append(f"{path}: {a!r} vs {b!r} (relative {rel:.1e})")
        elif a != b or type(a) is not type(b):
            self.problems.append(f"{path}: {a!r} vs {b!r}")


def _baseline_from_rev(rev: str, folder: Path) -> Path:
    """The ``src`` tree of a git revision of this repository, unpacked into ``folder``."""
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True,
                         capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(tar)) as t:
        t.extractall(folder, filter="data")
    return folder / "src"


def main() -> None:
    """Run both versions and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    base = ap.add_mutually_exclusive_group(required=True)
    base.add_argument("--baseline", type=Path, help="the baseline's src folder")
    base.add_argument("--baseline-rev", help="a git revision whose src is the baseline")
    ap.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance")
    ap.add_argument("--atol", type=float, default=1e-12,
                    help="differences below this count as equal (rounding of remainders)")
    args = ap.parse_args()
    if not GAZA.is_dir():
        raise SystemExit(f"needs the real layers in {GAZA}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        src = (args.baseline.resolve() if args.baseline
               else _baseline_from_rev(args.baseline_rev, folder / "baseline"))
        tif, _, _ = make_raster(folder, 10.0)
        (folder / "a").mkdir()
        (folder / "b").mkdir()
        old = run_all(src, tif, folder / "a")
        new = run_all(ROOT / "src", tif, folder / "b")
        failed = False
        for name in old:
            cmp = Compare(args.rtol, args.atol, (f"{src}/", f"{ROOT / 'src'}/"))
            cmp(json.loads(old[name].read_text()), json.loads(new[name].read_text()))
            rel, where = cmp.worst
            print(f"{name}: {len(cmp.problems)} differences; largest relative difference "
                  f"{rel:.1e}{' at ' + where if where else ''}")
            for line in cmp.problems[:10]:
                print("    " + line)
            failed |= bool(cmp.problems)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
