"""zoneplan: measure what a line on a map does to the people on each side of it.

>>> import zoneplan
>>> result = zoneplan.evaluate("green-red-2025-11")      # doctest: +SKIP
>>> result.zones[["id", "area_km2", "residents"]]        # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from zoneplan.errors import ZoneplanError
from zoneplan.evaluate import evaluate
from zoneplan.plan import Plan, load_plan
from zoneplan.result import Result

__all__ = ["Plan", "Result", "ZoneplanError", "__version__", "evaluate", "load_plan"]
