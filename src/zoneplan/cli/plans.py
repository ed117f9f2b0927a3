"""``zoneplan plans``, ``validate``, ``show`` and ``schema``: the plans and their format."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from zoneplan.cli.console import out
from zoneplan.cli.options import Format, PlanFileArg, format_option
from zoneplan.errors import InputError
from zoneplan.plan import (
    DEFAULT_PLAN,
    LineShift,
    builtin_plan_ids,
    load_plan,
    plan_json_schema,
)

__all__ = ["plans", "register", "schema", "show", "validate"]


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
    for command in (plans, validate, show, schema):
        app.command(command.__name__)(command)
