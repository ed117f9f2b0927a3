"""Errors and warnings raised by zoneplan.

Every error carries a ``suggestion``: one sentence telling the user what to do.
Errors inherit from both :class:`ZoneplanError` and a builtin exception, so callers
can catch either (``except ValueError`` keeps working).

Examples
--------
>>> err = PlanError("unknown key 'zonez'", path="plan.yaml", location="line 4, column 1",
...                 suggestion="did you mean 'zones'?")
>>> print(err)
plan.yaml, line 4, column 1: unknown key 'zonez'
  → did you mean 'zones'?
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CRSWarning",
    "DataError",
    "DownloadError",
    "GeometryError",
    "GeometryRepairedWarning",
    "InputError",
    "InvariantError",
    "OutputExistsError",
    "PartsDroppedWarning",
    "PlanError",
    "PlausibilityWarning",
    "ZoneplanError",
    "ZoneplanWarning",
]


class ZoneplanError(Exception):
    """Root of all zoneplan errors.

    Parameters
    ----------
    message
        What is wrong, in plain words.
    path
        The file the problem is in, if any.
    location
        Where in the file (``"line 3, column 7"``, ``"zones[1].id"``), if known.
    suggestion
        What the user can do about it.
    loc
        Where in a plan the problem is, as keys and list indices from the top, e.g.
        ``("zones", 3, "side", "yellow-line")``; the plan reader turns it into the line
        and column of the file.

    Examples
    --------
    >>> PlanError("zone 'a' refers to line 'x', which is not in 'lines'",
    ...           loc=("zones", 0, "side", "x")).loc
    ('zones', 0, 'side', 'x')
    """

    exit_code: int = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        location: str | None = None,
        suggestion: str | None = None,
        loc: tuple[str | int, ...] = (),
    ) -> None:
        self.message = message
        self.loc = loc
        self.path = str(path) if path is not None else None
        self.location = location
        self.suggestion = suggestion
        super().__init__(self.__str__())

    def __reduce__(self) -> tuple[type[ZoneplanError], tuple[str], dict[str, str | None]]:
        # raised on a Dask worker, an error is pickled back to the client: keep its parts
        return (type(self), (self.message,), dict(self.__dict__))

    def __str__(self) -> str:
        where = ", ".join(p for p in (self.path, self.location) if p)
        text = f"{where}: {self.message}" if where else self.message
        if self.suggestion:
            text += f"\n  → {self.suggestion}"
        return text


class InputError(ZoneplanError, ValueError):
    """Bad input from the user: a value, a flag or a combination that cannot work."""


class PlanError(InputError):
    """A plan file that cannot be read or does not validate."""


class GeometryError(InputError):
    """Geometry that cannot be used: a line missing the territory, overlapping zones, ..."""


class DataError(ZoneplanError, OSError):
    """A data file that cannot be read: missing, corrupt, unknown format, no CRS."""


class DownloadError(DataError):
    """A download that failed or whose checksum does not match."""


class OutputExistsError(ZoneplanError, FileExistsError):
    """An output that exists already and would be overwritten."""


class InvariantError(ZoneplanError, AssertionError):
    """A result that breaks one of its invariants: a bug in zoneplan, never the user's
    input. The message gives the figures that disagree (exit code 1)."""

    exit_code = 1


class ZoneplanWarning(UserWarning):
    """Root of all zoneplan warnings."""


class GeometryRepairedWarning(ZoneplanWarning):
    """An invalid geometry was repaired; the message says where."""


class PartsDroppedWarning(ZoneplanWarning):
    """Parts of a zone or territory that have no area (points, lines) were dropped and its
    polygons kept; the message names the file and the features, or the zones."""


class PlausibilityWarning(ZoneplanWarning):
    """A value that is possible but implausible (e.g. densities declared as counts)."""


class CRSWarning(ZoneplanWarning):
    """A layer was reprojected or its CRS was assumed."""
