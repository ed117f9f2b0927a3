"""Reading plans: YAML files (with line and column in every error), mappings, built-in ids.

:func:`load_plan` reads a file, a mapping or a built-in plan id (the pack's plans) and
turns every problem into a :class:`~zoneplan.errors.PlanError` naming the line and
column.
"""

from __future__ import annotations

import difflib
import functools
import json
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from zoneplan.errors import PlanError
from zoneplan.pack import DEFAULT_PLAN, PLANS_DIR
from zoneplan.plan.model import Plan

__all__ = ["DEFAULT_PLAN", "builtin_plan_ids", "builtin_plan_path", "load_plan",
           "plan_json_schema"]


def builtin_plan_ids() -> list[str]:
    """Ids of the plans that ship with zoneplan, sorted."""
    return sorted(p.stem for p in PLANS_DIR.glob("*.yaml"))


def builtin_plan_path(plan_id: str) -> Path:
    """Path of a built-in plan file."""
    return PLANS_DIR / f"{plan_id}.yaml"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out += _models_in(arg)
    return out


def _field_names_at(loc: tuple[Any, ...]) -> list[str]:
    """Valid keys of the mapping at ``loc`` (a pydantic error location) in a plan."""
    model: type[BaseModel] = Plan
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        if info is None:
            break
        inner = _models_in(info.annotation)
        if not inner:
            break
        model = inner[0]
    return [info.alias or name for name, info in model.model_fields.items()]


def _node_at(root: yaml.Node | None, loc: tuple[Any, ...]) -> tuple[yaml.Node | None, bool]:
    """Find the YAML node at a pydantic error location; returns (node, is_key)."""
    node = root
    for i, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node = key if i == len(loc) - 1 else value
                    if i == len(loc) - 1:
                        return node, True
                    break
            else:
                return node, False
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part < len(node.value):
                node = node.value[part]
            else:
                return node, False
        else:
            return node, False
    return node, False


def _where(node: yaml.Node | None) -> str | None:
    if node is None:
        return None
    mark = node.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _loc_str(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _plan_error(exc: ValidationError, root: yaml.Node | None, path: str) -> PlanError:
    err = exc.errors(include_url=False)[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    node, _ = _node_at(root, loc)
    field = _loc_str(loc)
    etype = err["type"]
    msg = err["msg"].removeprefix("Value error, ")
    suggestion: str | None = None
    if etype == "extra_forbidden":
        key = str(loc[-1])
        valid = _field_names_at(loc[:-1])
        near = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        msg = f"unknown key '{key}'"
        suggestion = (f"did you mean '{near[0]}'?" if near else
                      "remove it; valid keys here: " + ", ".join(valid))
    elif etype == "missing":
        msg = f"required field '{loc[-1]}' is missing"
        parent, _ = _node_at(root, loc[:-1])
        node = parent
        suggestion = f"add '{loc[-1]}' here; `zoneplan schema` lists every field"
    elif etype in {"float_parsing", "int_parsing", "float_type", "int_type"}:
        msg = f"'{field}' must be a number, got {err.get('input')!r}"
        suggestion = "write a plain number such as 2100000 (no commas or units)"
    elif etype in {"greater_than", "greater_than_equal"}:
        msg = f"'{field}' must be {msg.lower()}, got {err.get('input')!r}"
        suggestion = "use a positive number"
    elif etype == "literal_error":
        msg = f"'{field}': {msg}"
        suggestion = "use one of the values listed"
    else:
        msg = f"'{field}': {msg}" if field else msg
        suggestion = suggestion or "see `zoneplan schema` for the expected format"
    extra = len(exc.errors()) - 1
    if extra:
        msg += f" (and {extra} more problem{'s' if extra > 1 else ''})"
    return PlanError(msg, path=path, location=_where(node) or field or None, suggestion=suggestion)


def _resolve(source: str | Path) -> Path:
    p = Path(source)
    if p.suffix.lower() in {".yaml", ".yml", ".json"} or p.exists():
        if not p.exists():
            raise PlanError(
                "the plan file does not exist",
                path=p,
                suggestion="check the path, or run `zoneplan plans` to list built-in plans",
            )
        if p.is_dir():
            raise PlanError("this is a folder, not a plan file", path=p,
                            suggestion="give the path of a .yaml plan file")
        return p
    if str(source) in builtin_plan_ids():
        return builtin_plan_path(str(source))
    near = difflib.get_close_matches(str(source), builtin_plan_ids(), n=1)
    raise PlanError(
        f"no plan file or built-in plan called '{source}'",
        suggestion=(f"did you mean '{near[0]}'? " if near else "")
        + "run `zoneplan plans` to list the built-in plans, or give a .yaml file",
    )


def load_plan(source: str | Path | dict[str, Any], *, base_dir: Path | None = None) -> Plan:
    """Read and validate a plan.

    Parameters
    ----------
    source
        A built-in plan id (``"green-red-2025-11"``), a path to a YAML file, or an
        already-parsed mapping.
    base_dir
        Folder against which relative file paths in a mapping are resolved.

    Returns
    -------
    Plan
        The validated plan. ``plan.base_dir`` holds the folder relative paths refer to.

    Raises
    ------
    PlanError
        With the file, line and column, what is wrong and a suggestion.
    """
    if not isinstance(source, dict):
        path = _resolve(source)
        if path.parent == PLANS_DIR:
            plan = _load_builtin(str(path), path.stat().st_mtime_ns).model_copy(deep=True)
            plan._base_dir, plan._path = path.parent, str(path)
            return plan
    return _load(source, base_dir=base_dir)


@functools.lru_cache(maxsize=32)
def _load_builtin(path: str, mtime_ns: int) -> Plan:
    return _load(Path(path))


def _load(source: str | Path | dict[str, Any], *, base_dir: Path | None = None) -> Plan:
    root: yaml.Node | None = None
    if isinstance(source, dict):
        data: Any = source
        path_label = "<plan>"
        folder = base_dir or Path.cwd()
    else:
        path = _resolve(source)
        path_label = str(path)
        folder = path.parent
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise PlanError("the file is not UTF-8 text", path=path,
                            suggestion="save the plan as UTF-8 YAML") from exc
        try:
            loader = yaml.SafeLoader(text)
            try:
                root = loader.get_single_node()
                data = loader.construct_document(root) if root is not None else None
            finally:
                loader.dispose()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
            raise PlanError(
                f"YAML syntax error: {exc.problem or exc}",
                path=path,
                location=where,
                suggestion="check indentation and colons on that line; quote text containing ':'",
            ) from exc
    if not isinstance(data, dict):
        raise PlanError("a plan must be a YAML mapping (key: value lines)", path=path_label,
                        suggestion="start from a built-in plan: `zoneplan show green-red-2025-11`")
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise _plan_error(exc, root, path_label) from None
    plan._base_dir = folder
    plan._path = None if isinstance(source, dict) else path_label
    return plan


def plan_json_schema() -> str:
    """The plan format's JSON Schema, as indented JSON text."""
    schema = Plan.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "zoneplan plan"
    return json.dumps(schema, indent=2, ensure_ascii=False)
