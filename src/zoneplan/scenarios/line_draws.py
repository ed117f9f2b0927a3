"""Random positions of a line within its stated uncertainty, correlated along the line.

A plan may state how far a line may be off (``uncertainty.offset_m``: the yellow line
±200 m, digitised from a small-scale map image). The ranges move the whole line by that
much to either side at once. For Monte Carlo draws (:mod:`zoneplan.scenarios.samples`)
each point of the line is moved sideways by its own amount, and neighbouring points by
similar amounts:

* the displacement along the line is a smooth Gaussian random field: white noise on a
  regular step along the line, smoothed with a Gaussian kernel, so that two points
  ``r`` metres apart are correlated ``exp(-r² / (2 ℓ²))``, with the correlation length
  ``ℓ`` (:data:`LINE_CORRELATION_M` unless the caller states another);
* each point's Gaussian value ``g`` becomes a displacement ``u · erf(g / √2)``: uniform
  between ``-u`` and ``+u`` (``u`` the stated uncertainty), so no point ever moves
  further than the plan says the line may be off, and both sides are equally likely;
* points move along the unit normal of the line's general direction there (the chord
  over :data:`TANGENT_HALF_WINDOW_M` either side), so a sharp corner moves as one piece
  instead of folding over itself.

A drawn line that crosses itself is drawn again (:mod:`zoneplan.scenarios.samples`
counts how often). Lines are in the projected area CRS, metres.

Examples
--------
A straight line along x moves only in y, never more than its uncertainty:

>>> import numpy as np
>>> from shapely.geometry import LineString
>>> j = LineJitter.of("cut", LineString([(0, 0), (10_000, 0)]), offset_m=200.0)
>>> moved = j.draw(np.random.default_rng(1))
>>> xy = np.asarray(moved.coords)
>>> bool(np.allclose(xy[:, 0], j.xy[:, 0])), bool(np.abs(xy[:, 1]).max() <= 200.0)
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString

__all__ = ["KERNEL_REACH", "LINE_CORRELATION_M", "LINE_STEP_FRACTION",
           "TANGENT_HALF_WINDOW_M", "LineJitter"]

LINE_CORRELATION_M = 5_000.0
"""Correlation length (metres) of a line's displacement along itself, by default.

A chosen value, not a measured one: the yellow line was traced from a small-scale map
image, whose errors are partly a smooth misfit of the whole image (correlated over tens
of kilometres) and partly the tracing itself (a pen about 100-200 m wide, varying over
about a kilometre). 5 km lies between the two: stretches of the 46 km line a few
kilometres apart move independently, points within a kilometre move together. The
min-max ranges are the other limit (an infinite length: the whole line moved at once).
``zoneplan run --correlation-m`` states another length.
"""

LINE_STEP_FRACTION = 0.2
"""Points a drawn line is moved at lie this many correlation lengths apart (the line's own
vertices are kept as well): 1 km for 5 km. Between two points the displacement is
interpolated linearly; a field that smooth bends by at most about ``u · 0.2² / 8``, half
a percent of the stated uncertainty (1 m for 200 m), between them, while every extra
point costs time in every near-line distance."""

TANGENT_HALF_WINDOW_M = 1_000.0
"""A point moves perpendicular to the chord from this far (metres) behind it to this far
ahead along the line: the line's general direction there, so that vertices at a sharp
corner move together and the drawn line does not fold over itself."""

KERNEL_REACH = 4.0
"""The smoothing kernel is cut off this many kernel widths from its centre (the weight
left out is below 1e-7 of the whole)."""


@dataclass(frozen=True, eq=False)
class LineJitter:
    """One line, ready for drawing displaced copies of it.

    Attributes
    ----------
    line_id
        The line's id in the plan.
    offset_m
        The stated uncertainty ``u``: no point moves further than this (metres).
    correlation_m
        Correlation length ``ℓ`` of the displacement along the line (metres).
    xy
        Points of the line (its vertices and points :data:`LINE_STEP_FRACTION` correlation
        lengths apart), shape (n, 2), metres in the area CRS.
    along
        Distance of each point along the line from its start (metres).
    normal
        Unit left normal of the line's general direction at each point, shape (n, 2).
    """

    line_id: str
    offset_m: float
    correlation_m: float
    xy: NDArray[np.float64]
    along: NDArray[np.float64]
    normal: NDArray[np.float64]

    @classmethod
    def of(cls, line_id: str, line: LineString, *, offset_m: float,
           correlation_m: float = LINE_CORRELATION_M) -> LineJitter:
        """Prepare a projected line (metres) for drawing.

        Raises
        ------
        ValueError
            A correlation length or an uncertainty that is not a positive number.
        """
        if not (correlation_m > 0 and math.isfinite(correlation_m)):
            raise ValueError(f"correlation length must be a positive number of metres, "
                             f"not {correlation_m}")
        if not (offset_m > 0 and math.isfinite(offset_m)):
            raise ValueError(f"uncertainty must be a positive number of metres, not "
                             f"{offset_m}")
        dense = shapely.segmentize(line, LINE_STEP_FRACTION * correlation_m)
        xy = np.asarray(dense.coords, dtype=np.float64)[:, :2]
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
        length = float(along[-1])
        behind = shapely.line_interpolate_point(
            line, np.clip(along - TANGENT_HALF_WINDOW_M, 0.0, length))
        ahead = shapely.line_interpolate_point(
            line, np.clip(along + TANGENT_HALF_WINDOW_M, 0.0, length))
        tx = shapely.get_x(ahead) - shapely.get_x(behind)
        ty = shapely.get_y(ahead) - shapely.get_y(behind)
        norm = np.hypot(tx, ty)
        norm[norm == 0] = 1.0
        normal = np.column_stack([-ty / norm, tx / norm])
        return cls(line_id=line_id, offset_m=float(offset_m),
                   correlation_m=float(correlation_m), xy=xy, along=along, normal=normal)

    def field(self, rng: np.random.Generator) -> NDArray[np.float64]:
        """A standard Gaussian random field at the line's points (unit variance,
        correlation ``exp(-r² / (2 ℓ²))`` between points ``r`` metres apart along it)."""
        # white noise convolved with a Gaussian of width s has a Gaussian covariance of
        # width s·√2, so s = ℓ/√2; a noise step of a quarter width resolves the kernel
        width = self.correlation_m / math.sqrt(2.0)
        step = width / 4.0
        half = math.ceil(KERNEL_REACH * width / step)
        kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * step / width) ** 2)
        kernel /= math.sqrt(float(np.sum(kernel ** 2)))
        n = math.ceil(float(self.along[-1]) / step) + 1
        noise = rng.standard_normal(n + 2 * half)
        smooth = np.convolve(noise, kernel, mode="valid")  # n values, at 0, step, ...
        return np.asarray(np.interp(self.along, np.arange(n) * step, smooth),
                          dtype=np.float64)

    def displacement(self, rng: np.random.Generator) -> NDArray[np.float64]:
        """Sideways move of each point (metres, positive to the left), uniform between
        ``-offset_m`` and ``+offset_m`` at every point, correlated along the line."""
        from scipy.special import erf  # here: slow to import, needed only for draws

        return np.asarray(self.offset_m * erf(self.field(rng) / math.sqrt(2.0)),
                          dtype=np.float64)

    def draw(self, rng: np.random.Generator) -> LineString:
        """A displaced copy of the line (metres, area CRS); it may cross itself."""
        return LineString(self.xy + self.displacement(rng)[:, None] * self.normal)
