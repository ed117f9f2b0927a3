"""Reading a user's own list of published figures to check (``zoneplan run --claims FILE``).

The file is YAML with two keys: ``claims`` (a list in the format of
:class:`~zoneplan.plan.Claim`) and ``sources`` (the publications they cite, in the format
of a plan's sources). :func:`add_claims` checks them against a plan: each claim's source
must be among the file's or the plan's sources, and its zone among the plan's zones.

Examples
--------
A file::

    sources:
      - {id: ocha, publisher: UN OCHA, title: "Humanitarian Situation Update #344",
         date: "2025-11", url: "https://www.ochaopt.org/..."}
    claims:
      - {text: "over 50 per cent", source: ocha, indicator: share_of_territory,
         zone: green, at_least: 50, unit: percent}
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zoneplan.errors import PlanError
from zoneplan.plan.claims import Claim
from zoneplan.plan.messages import describe
from zoneplan.plan.model import Plan, Source
from zoneplan.plan.yaml_source import read_yaml

__all__ = ["ClaimsFile", "add_claims", "read_claims"]


class ClaimsFile(BaseModel):
    """A list of published figures and the sources they cite."""

    model_config = ConfigDict(extra="forbid")

    sources: list[Source] = Field(default_factory=list)
    claims: list[Claim] = Field(min_length=1)


def read_claims(path: str | Path) -> ClaimsFile:
    """Read and validate a claims file.

    Raises
    ------
    PlanError
        Missing or unreadable file, bad YAML (with line and column), or a claim that
        does not validate (naming the field).
    """
    p = Path(path)
    if not p.is_file():
        raise PlanError("the claims file does not exist" if not p.exists()
                        else "this is a folder, not a claims file", path=p,
                        suggestion="give a YAML file with 'claims:' (and 'sources:')")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError("the file is not UTF-8 text", path=p,
                        suggestion="save the claims file as UTF-8 YAML") from exc
    except OSError as exc:
        raise PlanError(f"the claims file cannot be read ({exc.strerror})", path=p,
                        suggestion="check the file's permissions") from exc
    data, places = read_yaml(text, p)  # YAML 1.2 numbers; no .nan, .inf or tags
    if not isinstance(data, dict):
        raise PlanError("a claims file must be a YAML mapping with 'claims:'", path=p,
                        suggestion="start with 'claims:' followed by a list of claims")
    try:
        return ClaimsFile.model_validate(data)
    except ValidationError as exc:
        msg, _, loc = describe(exc.errors(include_url=False)[0], model=ClaimsFile)
        raise PlanError(msg, path=p, location=places.where(loc),
                        suggestion="each claim needs text, source, indicator, unit and one of "
                        "value, range, at_least or at_most (see the README, 'Published "
                        "figures checked')") from None


def add_claims(plan: Plan, path: str | Path) -> Plan:
    """The plan with the claims (and sources) of a claims file added.

    Raises
    ------
    PlanError
        A claim that cites a source or names a zone neither the file nor the plan has.
    """
    extra = read_claims(path)
    known = {s.id for s in plan.sources}
    sources = [*plan.sources, *(s for s in extra.sources if s.id not in known)]
    ids = {s.id for s in sources}
    zones = {z.id for z in plan.zones}
    for i, c in enumerate(extra.claims):
        if c.source not in ids:
            raise PlanError(f"claims.{i}: the claim cites source '{c.source}', which is neither "
                            "in the file's sources nor in the plan's", path=path,
                            suggestion="add the source under 'sources:' in the claims file")
        if c.zone is not None and c.zone not in zones:
            raise PlanError(f"claims.{i}: the claim names zone '{c.zone}', which plan "
                            f"'{plan.id}' does not have", path=path,
                            suggestion="zones of this plan: " + ", ".join(sorted(zones)))
    return plan.model_copy(update={"claims": [*plan.claims, *extra.claims],
                                   "sources": sources})
