"""``zoneplan plans``, ``validate``, ``show`` and ``schema``: the plans and their format."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from zoneplan.cli.console import out
from zoneplan.cli.options import Format, PlanFileArg, format_option, overwrite_option
from zoneplan.errors import InputError
from zoneplan.plan import (
    DEFAULT_PLAN,
    LineShift,
    builtin_plan_ids,
    load_plan,
    plan_json_schema,
)

__all__ = ["NEW_PLAN", "new", "plans", "register", "schema", "show", "validate"]


def plans(fmt: Annotated[Format, format_option()] = Format.table) -> None:
    """List the built-in plans."""
    rows: list[dict[str, Any]] = []
    for pid in builtin_plan_ids():
        p = load_plan(pid)
        rows.append({"id": p.id, "title": p.title, "date": p.date, "status": p.status,
                     "default": pid == DEFAULT_PLAN, "lines": [ln.id for ln in p.lines],
                     "zones": [z.id for z in p.zones]})
    if fmt == Format.json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    from rich.table import Table

    t = Table(title="Built-in plans")
    for col in ("id", "title", "date", "status"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["id"] + (" (default)" if r["default"] else ""), r["title"], r["date"],
                  r["status"])
    out.print(t)


def validate(plan: PlanFileArg) -> None:
    """Check a plan: its format, its sources and its geometry."""
    from zoneplan.evaluate import evaluate

    p = load_plan(plan)
    result = evaluate(p, ranges=False)
    zones = ", ".join(f"{z['id']} ({z['area_km2']:.1f} km²)" for z in result.data["zones"])
    out.print(f"[green]✓[/green] {p.path or plan}: plan '{p.id}' is valid; zones: {zones}")


def _parse_shift(text: str) -> tuple[str, LineShift]:
    """``LINE=METRES,TOWARDS`` (e.g. ``yellow-line=1000,west``)."""
    line, _, rest = text.partition("=")
    metres, _, towards = rest.partition(",")
    try:
        shift = LineShift.model_validate({"offset_m": float(metres),
                                          "towards": towards.strip()})
    except ValueError as exc:
        raise InputError(f"--shift {text!r} is not LINE=METRES,TOWARDS",
                         suggestion="write e.g. --shift yellow-line=1000,west (towards: east, "
                         "west, north, south, left or right; metres above 0)") from exc
    return line.strip(), shift


def show(
    plan: PlanFileArg,
    resolved: Annotated[bool, typer.Option(
        "--resolved", help="Expand built-in lines and zones to coordinates and make file "
        "paths absolute.")] = False,
    shift: Annotated[list[str] | None, typer.Option(
        "--shift", help="Move a whole line: LINE=METRES,TOWARDS, e.g. yellow-line=1000,west "
        "(repeatable); the plan gets a new id.")] = None,
) -> None:
    """Print a plan's YAML (built-in plans are readable examples)."""
    p = load_plan(plan)
    if not resolved and not shift:
        if p.path:
            sys.stdout.write(Path(p.path).read_text(encoding="utf-8"))
        return
    import yaml

    from zoneplan.io.resolve import plan_document, shifted

    if shift:
        p = shifted(p, dict(_parse_shift(t) for t in shift))
    head = f"# {p.title}\n# written by zoneplan show" + (" --resolved" if resolved else "") + "\n"
    sys.stdout.write(head + yaml.safe_dump(plan_document(p, resolved=resolved),
                                           sort_keys=False, allow_unicode=True, width=100))


NEW_PLAN = """\
# {title}: a plan of your own, written by `zoneplan new`.
# Edit the line's coordinates (longitude, latitude), the zones and the sources, then:
#   zoneplan validate {file}
#   zoneplan run {file}
# The plan format: zoneplan schema; every built-in plan is an example: zoneplan show ID.
id: {id}
title: "{title}"
date: "{date}"
status: hypothetical
summary: >-
  A line across the Gaza Strip (drawn along the yellow line of 19 October 2025 as a
  start): east of it closed to civilians, west of it open to them.
sources:
  - id: my-notes
    publisher: "(the author of this plan)"
    title: "Where the line runs and what each side is"
    date: "{date}"
  - id: ocha-2.1m
    publisher: Ahram Online, quoting UN OCHA (Andrea De Domenico)
    title: "UN humanitarian planning figure for Gaza lowered to about 2.1 million"
    date: "2024-07-04"
    url: https://english.ahram.org.eg/News/526588.aspx
territory: gaza:outline
layers:  # the built-in layers; give a file path instead to use your own
  hospitals: {{path: "gaza:hospitals"}}
  damage: {{path: "gaza:damage", date: "2025-10-11"}}  # UNOSAT, 500 m clusters (CC BY-SA)
  crossings: {{path: "gaza:crossings"}}
lines:
  - id: my-line
    label: "My line"
    date: "{date}"
    sources: [my-notes]
    coordinates: [[34.4713, 31.5723], [34.4975, 31.5616], [34.513, 31.5421],
                  [34.4527, 31.4855], [34.4082, 31.4289], [34.2888, 31.3157],
                  [34.2554, 31.3126], [34.2298, 31.3345]]
zones:
  - id: east
    label: "East of my line"
    controller: "(who holds it)"
    access: closed
    side: {{my-line: east}}
    sources: [my-notes]
  - id: west
    label: "West of my line"
    controller: "(who holds it)"
    access: resident
    side: {{my-line: west}}
    sources: [my-notes]
population:
  total: 2100000
  date: "2025-10"
  label: "UN planning figure"
  sources: [ocha-2.1m]
  relocation: proportional
"""
"""The plan ``zoneplan new`` writes: the Gaza outline, one line, two zones, the built-in
hospitals, damage and crossings layers named (so a new plan has every layer a built-in
plan has), the UN planning figure for the population."""


def new(
    path: Annotated[Path, typer.Argument(help="The plan file to write, e.g. my-plan.yaml.")],
    overwrite: Annotated[bool, overwrite_option("Replace the file if it exists.")] = False,
) -> None:
    """Write a small working plan to start from (Gaza, one line, two zones, the built-in
    layers)."""
    import datetime
    import re

    from zoneplan.io.outputs import write_text_atomic

    if path.suffix.lower() not in (".yaml", ".yml"):
        raise InputError(f"{path}: a plan is a YAML file",
                         suggestion=f"name it {path.with_suffix('.yaml').name}")
    pid = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "my-plan"
    title = path.stem.replace("-", " ").replace("_", " ").strip().capitalize() or "My plan"
    text = NEW_PLAN.format(id=pid, title=title, file=path.name,
                           date=datetime.date.today().isoformat())
    write_text_atomic(path, text, overwrite=overwrite)
    out.print(f"Wrote {path}: edit it, then zoneplan validate {path} and zoneplan run {path}",
              highlight=False)


def schema(
    result: Annotated[bool, typer.Option(
        "--result", help="The JSON Schema (draft 2020-12) of the result of `zoneplan run "
        "--format json` instead, units in its descriptions.")] = False,
) -> None:
    """Print the JSON Schema of the plan format (or, with --result, of the result)."""
    if result:
        from zoneplan.records import result_schema_text

        sys.stdout.write(result_schema_text() + "\n")
        return
    sys.stdout.write(plan_json_schema() + "\n")


def register(app: typer.Typer) -> None:
    """Add ``plans``, ``validate``, ``show`` and ``schema`` to a typer app."""
    for command in (plans, validate, show, schema, new):
        app.command(command.__name__)(command)
