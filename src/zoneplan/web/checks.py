"""What the editor accepts from the browser, and the error it answers when it does not.

Holds :class:`WebError` (an HTTP status with a JSON ``detail``), the request bodies
(:class:`EvaluateRequest`, :class:`SaveRequest`) and how they are read
(:func:`read_body`: JSON only, size-limited), and the checks on what they carry: plan ids
(:data:`ID_RE`), inline plans that would name a file on the server
(:func:`refuse_files`) and lines of ``[lon, lat]`` pairs (:func:`check_line`,
:func:`check_lines`).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, TypeVar

import numpy as np
import shapely
from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from shapely.geometry import LineString

from zoneplan.measure.inputs import Inputs
from zoneplan.plan import DEFAULT_PLAN

__all__ = ["ID_RE", "MAX_DISTANCE_DEG", "MAX_VERTICES", "EvaluateRequest", "RequestBody",
           "SaveRequest", "WebError", "check_line", "check_lines", "read_body",
           "refuse_files"]

MAX_VERTICES = 5000
"""Most vertices accepted for one line."""
MAX_DISTANCE_DEG = 1.0
"""Vertices farther than this (degrees) outside the territory's bounds are refused."""
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
"""A plan id the editor reads from, or saves into, the save folder (also its file stem)."""


class WebError(Exception):
    """An error answered to the browser with an HTTP status and a JSON detail.

    Parameters
    ----------
    status
        HTTP status code.
    message
        What is wrong.
    suggestion
        How to fix it, if known.
    line
        The id of the line the error is about, if any (the page highlights it).
    """

    def __init__(self, status: int, message: str, *, suggestion: str | None = None,
                 line: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.suggestion, self.line = status, message, suggestion, line

    def detail(self) -> dict[str, Any]:
        """The JSON ``detail`` object."""
        return {"message": self.message, "suggestion": self.suggestion, "line": self.line}


# --------------------------------------------------------------------------- bodies


class RequestBody(BaseModel):
    """What every request about a plan carries: the plan and the lines redrawn in it."""

    model_config = ConfigDict(extra="forbid")

    plan: str | dict[str, Any] = DEFAULT_PLAN
    lines: dict[str, list[list[float]]] = Field(default_factory=dict)


class EvaluateRequest(RequestBody):
    """Body of ``POST /api/evaluate``."""

    ranges: bool = True
    fast: bool = False
    map: bool = False


class SaveRequest(RequestBody):
    """Body of ``POST /api/save``."""

    id: str
    title: str = Field(min_length=1, max_length=300)
    note: str | None = Field(default=None, max_length=2000)
    overwrite: bool = False


_Body = TypeVar("_Body", bound=RequestBody)


async def read_body(request: Request, model: type[_Body], limit: int) -> _Body:
    """Read and validate a JSON request body.

    Parameters
    ----------
    request
        The request.
    model
        The body's model.
    limit
        Largest body accepted, bytes.

    Returns
    -------
    RequestBody
        The body, validated.

    Raises
    ------
    WebError
        415 if the body is not declared as JSON, 413 if it is larger than ``limit``,
        422 if it is not valid JSON (``NaN`` and ``Infinity`` included) or not the model.
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise WebError(415, "send the body as JSON (Content-Type: application/json)")
    too_large = f"the request body is larger than {limit:,} bytes"
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise WebError(413, too_large)
    buf = bytearray()
    async for chunk in request.stream():
        buf.extend(chunk)
        if len(buf) > limit:
            raise WebError(413, too_large)

    def _no_constants(name: str) -> None:
        raise ValueError(f"{name} is not a number")

    try:
        raw = json.loads(bytes(buf), parse_constant=_no_constants)
        return model.model_validate(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        msg = str(exc)
        if isinstance(exc, ValidationError):
            e = exc.errors()[0]
            msg = f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
        raise WebError(422, f"bad request body: {msg}",
                       suggestion="see the API in the README (POST /api/evaluate)") from None


# --------------------------------------------------------------------------- plans


def refuse_files(data: Any, where: str = "plan") -> None:
    """Refuse an inline plan that names a file on the server (422).

    Inline plans may use built-in layers (``gaza:...``) and inline coordinates only.

    Parameters
    ----------
    data
        The plan as a mapping (or, recursively, a part of it).
    where
        Where ``data`` is in the plan, for the message (``plan.lines[0]``).

    Raises
    ------
    WebError
        422 naming the first place that names a file.
    """
    hint = ("inline plans may use built-in layers (gaza:...) and inline coordinates only; "
            "to use files, start `zoneplan serve your-plan.yaml` on the server")
    if isinstance(data, dict):
        for k, v in data.items():
            key = f"{where}.{k}"
            if k in ("file", "path") and v is not None and not (
                    isinstance(v, str) and v.startswith("gaza:")):
                raise WebError(422, f"{key}: an inline plan cannot name a file", suggestion=hint)
            if k == "territory" and where == "plan" and not (
                    isinstance(v, str) and v.startswith("gaza:")):
                raise WebError(422, "plan.territory: an inline plan cannot name a file",
                               suggestion=hint)
            refuse_files(v, key)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            refuse_files(v, f"{where}[{i}]")
    elif isinstance(data, str) and data.strip().lower().startswith("file:"):
        raise WebError(422, f"{where}: file: references are not accepted", suggestion=hint)


# --------------------------------------------------------------------------- lines


def check_lines(inputs: Inputs, lines: dict[str, list[list[float]]]) -> dict[str, LineString]:
    """Validate the lines a request redraws in a plan; 422 with a message if any is bad.

    Parameters
    ----------
    inputs
        The plan's prepared inputs (its line ids and territory).
    lines
        Line id → ``[[lon, lat], ...]`` (degrees, WGS 84), as sent.

    Returns
    -------
    dict of str to LineString
        The lines, in WGS 84 longitude/latitude, in the order sent.
    """
    unknown = set(lines) - set(inputs.lines_ll)
    if unknown:
        raise WebError(422, f"no line called {', '.join(sorted(unknown))} in plan "
                       f"'{inputs.plan.id}'", suggestion="lines in this plan: "
                       + (", ".join(inputs.lines_ll) or "none"))
    bounds = inputs.territory_ll.bounds
    return {k: check_line(k, v, bounds) for k, v in lines.items()}


def check_line(line_id: str, coords: list[list[float]], bounds: tuple[float, ...]) -> LineString:
    """Validate one line of ``[lon, lat]`` pairs from the browser; 422 with a message if bad.

    Parameters
    ----------
    line_id
        The line's id, for messages.
    coords
        ``[[lon, lat], ...]``, degrees (WGS 84); 2 to :data:`MAX_VERTICES` points.
    bounds
        ``(minx, miny, maxx, maxy)`` of the territory, degrees; points more than
        :data:`MAX_DISTANCE_DEG` outside them are refused.

    Returns
    -------
    LineString
        The line, with repeated consecutive points dropped.
    """
    if not 2 <= len(coords) <= MAX_VERTICES:
        raise WebError(422, f"line '{line_id}' has {len(coords)} points; it needs 2 to "
                       f"{MAX_VERTICES}", suggestion="add a point, or simplify the line",
                       line=line_id)
    minx, miny, maxx, maxy = bounds
    pts: list[tuple[float, float]] = []
    for i, p in enumerate(coords):
        if len(p) != 2 or not all(math.isfinite(v) for v in p):
            raise WebError(422, f"line '{line_id}', point {i}: expected [longitude, latitude] "
                           f"as two finite numbers, got {p}", line=line_id)
        lon, lat = p
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise WebError(422, f"line '{line_id}', point {i}: [{lon}, {lat}] is not a "
                           "longitude/latitude in degrees", suggestion="coordinates are "
                           "[longitude, latitude], WGS 84 — are they swapped?", line=line_id)
        if not (minx - MAX_DISTANCE_DEG <= lon <= maxx + MAX_DISTANCE_DEG
                and miny - MAX_DISTANCE_DEG <= lat <= maxy + MAX_DISTANCE_DEG):
            raise WebError(422, f"line '{line_id}', point {i}: [{lon}, {lat}] lies more than "
                           f"{MAX_DISTANCE_DEG:g}° (about 100 km) outside the territory",
                           suggestion="move the point back near the territory", line=line_id)
        if not pts or pts[-1] != (lon, lat):
            pts.append((lon, lat))
    if len(pts) < 2:
        raise WebError(422, f"line '{line_id}' has all its points in one place",
                       suggestion="spread the points out", line=line_id)
    line = LineString(pts)
    if not line.is_simple:
        where = _self_crossing(line)
        raise WebError(422, f"line '{line_id}' crosses itself{where}",
                       suggestion="move the points so that the line does not loop back "
                       "over itself", line=line_id)
    return line


def _self_crossing(line: LineString) -> str:
    """`` near lon …, lat …`` (degrees) of a place a line crosses itself, or ``""``."""
    noded = shapely.get_coordinates(shapely.node(line))
    uniq, counts = np.unique(np.round(noded, 9), axis=0, return_counts=True)
    ends = {tuple(np.round(line.coords[0], 9)), tuple(np.round(line.coords[-1], 9))}
    for xy, n in zip(uniq, counts, strict=True):
        if n > 2 or (n > 1 and tuple(xy) not in ends):
            return f" near lon {xy[0]:.5f}, lat {xy[1]:.5f}"
    return ""
