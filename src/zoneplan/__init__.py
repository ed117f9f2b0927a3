"""zoneplan: measure what a line on a map does to the people on each side of it."""

from __future__ import annotations

__version__ = "0.1.0"
