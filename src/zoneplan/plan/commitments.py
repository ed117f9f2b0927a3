"""What a plan commits to in its zones: compounds, security forces, reconstruction.

Each figure cites its sources; stated ranges become alternatives for the low-high ranges,
and a force contribution counts in the central figure only if it was pledged,
committed or deployed by the plan's date (:data:`COMMITTED_STATUSES`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from zoneplan.errors import PlanError
from zoneplan.geometry import check_points
from zoneplan.plan.base import DateText, LonLat, Model, Number, empty_list, part_name
from zoneplan.plan.checks import MAX_USD, People

__all__ = ["ALLOCATION_TOLERANCE", "COMMITTED_STATUSES", "PROSPECTIVE_STATUSES", "Compound",
           "ForceEntry", "ForceStatus", "ForceTarget", "Reconstruction", "Share"]

ALLOCATION_TOLERANCE = 1e-6
"""How far the shares of a reconstruction allocation may add up to other than 1 (a
fraction): room for shares written to a few decimals (1/3 as 0.333333), none for a share
left out."""

Share = Annotated[Number, Field(ge=0, le=1)]
"""A share of a whole, as a fraction from 0 to 1."""


def _check_range(owner: str, name: str, value: int, given: tuple[int, int] | None) -> None:
    """Refuse a stated ``[low, high]`` that runs backwards or leaves out its central value."""
    if given is None:
        return
    low, high = given
    if low > high:
        raise PlanError(f"{owner}: {name}_range [{low:,}, {high:,}] runs backwards (the low "
                        "end is above the high end)", loc=(f"{name}_range",),
                        suggestion=f"write the range low first: [{high:,}, {low:,}]")
    if not low <= value <= high:
        raise PlanError(f"{owner}: {name} {value:,} lies outside its {name}_range "
                        f"[{low:,}, {high:,}]; a range must hold the central figure",
                        loc=(f"{name}_range",), suggestion=f"widen the range to hold "
                        f"{value:,}, or correct '{name}'")


class Compound(Model):
    """Fenced compounds ("alternative safe communities"): so many of so many people."""

    id: str
    label: str
    location: LonLat
    zone: str | None = None
    count: People = Field(default=1, description="Number of compounds.")
    count_range: tuple[People, People] | None = None
    capacity: People = Field(description="People per compound.")
    capacity_range: tuple[People, People] | None = None
    admission: str
    status: str = "reported"
    sources: list[str] = Field(min_length=1)
    note: str | None = None

    @field_validator("location")
    @classmethod
    def _pt(cls, v: LonLat, info: ValidationInfo) -> LonLat:
        return check_points([v], what=part_name("compound", info) + " location")[0]

    @model_validator(mode="after")
    def _ranges(self) -> Compound:
        _check_range(f"compound '{self.id}'", "count", self.count, self.count_range)
        _check_range(f"compound '{self.id}'", "capacity", self.capacity, self.capacity_range)
        return self


ForceStatus = Literal["planned", "reported", "offered", "pledged", "committed", "deployed",
                      "withdrawn", "rejected"]
"""Where a contribution stands. ``pledged``, ``committed`` and ``deployed`` count in the
central figure; ``planned``, ``reported`` (listed in planning documents or the press) and
``offered`` only at the high end; ``withdrawn`` and ``rejected`` never."""

COMMITTED_STATUSES: tuple[str, ...] = ("pledged", "committed", "deployed")
"""Force statuses that count in the central figure (as of the plan's date)."""

PROSPECTIVE_STATUSES: tuple[str, ...] = ("planned", "reported", "offered")
"""Force statuses that count only at the high end of the range."""


class ForceEntry(Model):
    """A contribution of security personnel, as it stood on a date."""

    contributor: str
    personnel: People
    kind: Literal["troops", "police"]
    zones: list[str] = Field(min_length=1)
    status: ForceStatus
    date: DateText | None = Field(
        default=None, description="When the status was stated; entries dated after the "
        "date the plan is evaluated at are later evidence, never counted.")
    words: str | None = Field(default=None, description="The source's own words for the "
                              "contribution (\"can send up to 8,000 personnel\").")
    sources: list[str] = Field(min_length=1)
    note: str | None = None


class ForceTarget(Model):
    """A stated target strength, used as the high end of the forces range."""

    label: str
    personnel: People
    zones: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class Reconstruction(Model):
    """Where reconstruction goes, and the budget if stated."""

    zones: list[str] | None = Field(
        default=None, description="Zones receiving it; default: zones with reconstruction: true."
    )
    allocation: dict[str, Share] | None = Field(
        default=None, description="Share of effort per zone, each a fraction from 0 to 1; "
        "the shares add up to 1 (within ALLOCATION_TOLERANCE).")
    budget_usd: Number | None = Field(default=None, ge=0, le=MAX_USD)
    sources: list[str] = Field(default_factory=empty_list)
    note: str | None = None
