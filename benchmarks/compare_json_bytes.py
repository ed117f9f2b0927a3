"""Check that ``zoneplan run --format json`` prints the same bytes as another tree.

Runs the same commands with a baseline ``src`` folder and with this tree's (each in a fresh
process, ``PYTHONPATH`` set to the tree's ``src``) and compares the printed text byte for
byte, after replacing the provenance's time and each tree's own path by placeholders.
The runs: every built-in plan with and without ranges, one with ``--samples 50 --seed 1``
(serial scheduler) and one of a plan whose moving line meets fixed ones (``--samples 30
--seed 2``), one with ``--by gaza:governorates``, a quick run from files, one of 3,882
zones (UNOSAT's hexagons, the zone records kept as columns), and a list of two plans.
Faster than ``compare_figures.py`` (no raster is made), and stricter:
the text, not only the figures.

Run: ``python benchmarks/compare_json_bytes.py --baseline-rev main`` (the baseline's
``src`` taken from that git revision into a temporary folder) or ``--baseline PATH/src``.
Exit status 1 if any output differs.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAZA = ROOT.parent / "shared" / "data" / "gaza"
OUTLINE = GAZA / "ocha-cod-ab-pse-2023" / "gaza_strip_adm1_cod.geojson"
MUNICIPAL = GAZA / "ocha-gaza-municipal-boundaries-2019" / "GazaStrip_MunicipalBoundaries.geojson"
HEXAGONS = GAZA / "btselem-nibal" / "UNOSAT_gaza_25-10-11.geojson"
PLANS = ("green-red-2025-11", "asc-2025-11", "baseline-2023", "ceasefire-2025-10",
         "withdrawal-phases")
TIME = re.compile(r'"time_utc": "[^"]*"')


def runs() -> dict[str, list[str]]:
    """The commands compared, by name (arguments after ``zoneplan``)."""
    out: dict[str, list[str]] = {}
    for p in PLANS:
        out[p] = ["run", p, "--format", "json"]
        out[f"{p} --no-ranges"] = ["run", p, "--format", "json", "--no-ranges"]
    out["samples"] = ["run", "green-red-2025-11", "--format", "json", "--samples", "50",
                      "--seed", "1", "--scheduler", "serial"]
    out["samples withdrawal-phases"] = ["run", "withdrawal-phases", "--format", "json",
                                        "--samples", "30", "--seed", "2", "--scheduler",
                                        "serial", "--no-ranges"]
    out["by"] = ["run", "green-red-2025-11", "--format", "json", "--by", "gaza:governorates"]
    out["quick"] = ["run", "--territory", str(OUTLINE), "--zones", str(MUNICIPAL),
                    "--format", "json"]
    out["two plans"] = ["run", "asc-2025-11", "baseline-2023", "--format", "json"]
    out["many zones"] = ["run", "--territory", str(OUTLINE), "--zones", str(HEXAGONS),
                         "--format", "json"]  # 3,882 zones: records kept as columns
    return out


def output(src: Path, args: list[str]) -> str:
    """What ``zoneplan ARGS`` prints with ``src`` first on the path, normalised."""
    env = dict(os.environ, PYTHONPATH=str(src))
    done = subprocess.run([sys.executable, "-m", "zoneplan", *args], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"zoneplan {' '.join(args)} with {src} failed:\n{done.stderr}")
    return TIME.sub('"time_utc": "T"', done.stdout.replace(str(src.resolve()), "SRC"))


def main() -> int:
    """Compare every run; print the first differing lines of each that differs."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--baseline", type=Path, help="the baseline's src folder")
    which.add_argument("--baseline-rev", help="a git revision whose src is the baseline")
    ap.add_argument("--only", help="run only the runs whose name contains this")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="zoneplan-baseline-") as tmp:
        if a.baseline_rev:
            a.baseline = _baseline_from_rev(a.baseline_rev, Path(tmp))
        return _compare(a.baseline, a.only)


def _baseline_from_rev(rev: str, folder: Path) -> Path:
    """The ``src`` tree of a git revision of this repository, unpacked into ``folder``."""
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True,
                         capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(tar)) as t:
        t.extractall(folder, filter="data")
    return folder / "src"


def _compare(baseline: Path, only: str | None) -> int:
    """Compare every run (whose name contains ``only``) with ``baseline``'s src."""
    bad = 0
    for name, args in runs().items():
        if only and only not in name:
            continue
        old, new = output(baseline, args), output(ROOT / "src", args)
        same = old == new
        print(f"{'same' if same else 'DIFFERENT'}: {name} ({len(new):,} characters)")
        if not same:
            bad += 1
            diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1)
            print("\n".join(list(diff)[:30]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
