"""The long fuzz run: the fuzz tests of ``tests/test_fuzz.py`` with many more examples.

CI runs 1,160 derandomised examples (the same every time; 2,100 under ``pytest
--hypothesis-profile long``). This run draws new ones from a seed (printed, so a run can
be repeated) and ``--scale`` times the long profile's counts: 10,500 with the default
scale of 5. It prints, per target, the examples run and their outcomes
(``ok``, ``zoneplan_error``, ``foreign``, ``invariant_break``; see ``tests/fuzzing.py``)
and exits 1 if any example raised a foreign exception or broke an invariant.

Usage (from the repository)::

    PYTHONPATH=src python benchmarks/fuzz_long.py [--scale 5] [--seed 20261201]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SCALE = 5.0
"""Examples per target, as a multiple of the long profile (5: 10,500 examples)."""
DEFAULT_SEED = 20261201
"""Seed of the examples, unless one is given."""


def main(argv: list[str]) -> int:
    """Run every fuzz target; print the counts; return 1 if anything foreign happened."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    os.environ["ZONEPLAN_FUZZ_SCALE"] = str(args.scale)
    os.environ["ZONEPLAN_FUZZ_SEED"] = str(args.seed)
    sys.path.insert(0, str(REPO))
    warnings.simplefilter("ignore")

    import hypothesis

    from tests import fuzzing

    hypothesis.settings.register_profile(fuzzing.LONG_PROFILE)
    hypothesis.settings.load_profile(fuzzing.LONG_PROFILE)  # the counts the scale multiplies
    from tests import test_fuzz

    failures: list[str] = []
    started = time.perf_counter()
    for name in sorted(n for n in dir(test_fuzz) if n.startswith("test_fuzz_")):
        test = hypothesis.seed(args.seed)(getattr(test_fuzz, name))
        t0 = time.perf_counter()
        try:
            test()
        except Exception as exc:  # a foreign exception or a broken invariant, shrunk
            failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:500]}")
        print(f"{name}: {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"\nseed {args.seed}, scale {args.scale:g}, "
          f"{time.perf_counter() - started:.0f} s in all\n")
    print(fuzzing.summary())
    for f in failures:
        print("\nFAILED", f)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
