"""zoneplan: measure what a line on a map does to the people on each side of it.

>>> import zoneplan
>>> result = zoneplan.evaluate("green-red-2025-11")      # doctest: +SKIP
>>> result.zones[["id", "area_km2", "residents"]]        # doctest: +SKIP
>>> [r] = zoneplan.run("green-red-2025-11", samples=1000, seed=7,
...                    scheduler="local")                 # doctest: +SKIP

:func:`run` does what ``zoneplan run`` does (draws, a cluster, fine rasters held on its
workers); :func:`running` keeps the cluster open while the results are used.

The names below are imported when first used (PEP 562), so that ``import zoneplan``, and
the command line's ``--help``, do not load geopandas, pyproj and scipy before a command
needs them. ``run``, ``running`` and ``Run`` are not named for type checkers here (the
core imports this package, and may not import scenarios): import them from
:mod:`zoneplan.scenarios.runs` for their types.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from zoneplan.errors import ZoneplanError
    from zoneplan.evaluate import evaluate
    from zoneplan.plan import Plan, load_plan
    from zoneplan.result import Result

__all__ = ["Plan", "Result", "Run", "ZoneplanError", "__version__", "evaluate", "load_plan",
           "run", "running"]

_LAZY = {"Plan": "zoneplan.plan", "Result": "zoneplan.result",
         "ZoneplanError": "zoneplan.errors", "evaluate": "zoneplan.evaluate",
         "load_plan": "zoneplan.plan", "Run": "zoneplan.scenarios.runs",
         "run": "zoneplan.scenarios.runs", "running": "zoneplan.scenarios.runs"}
"""Each public name and the module it comes from."""


def __getattr__(name: str) -> Any:
    """The public names, imported on first use; so are the stages (``zoneplan.measure``),
    which an eager ``import zoneplan`` used to load."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(ModuleType):
    """``zoneplan.evaluate`` stays the function, as it was with eager imports.

    Importing the submodule :mod:`zoneplan.evaluate` makes Python bind it to the
    package's attribute of the same name; that binding is refused here, so the attribute
    is the function :func:`zoneplan.evaluate.evaluate` (through :func:`__getattr__`)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
