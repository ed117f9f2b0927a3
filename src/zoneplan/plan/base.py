"""Types every part of the plan format shares: dates as text, [lon, lat] points, the base
model that refuses unknown keys."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

__all__ = ["Access", "DateText", "LonLat", "Model", "Side", "check_lonlat"]

Access = Literal["resident", "restricted", "closed"]
Side = Literal["east", "west", "north", "south", "left", "right"]
LonLat = tuple[float, float]
DateText = Annotated[
    str,
    BeforeValidator(lambda v: v.isoformat() if isinstance(v, dt.date) else v),
]
"""A date as text (YAML reads 2025-11-14 as a date; plans keep it as written)."""


class Model(BaseModel):
    """Base of every plan model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True)


def check_lonlat(points: list[LonLat]) -> list[LonLat]:
    """Check [longitude, latitude] pairs are within -180..180 and -90..90 degrees."""
    for i, (lon, lat) in enumerate(points):
        if not -180.0 <= lon <= 180.0:
            raise ValueError(
                f"point {i}: longitude {lon} is outside -180..180; coordinates are "
                "[longitude, latitude] in degrees (WGS 84)"
            )
        if not -90.0 <= lat <= 90.0:
            raise ValueError(
                f"point {i}: latitude {lat} is outside -90..90; coordinates are "
                "[longitude, latitude] in degrees (WGS 84) — are they swapped?"
            )
    return points
