"""Reading plans: YAML files (with line and column in every error), mappings, built-in ids.

:func:`load_plan` reads a file, a mapping or a built-in plan id (the pack's plans) and
turns every problem into a :class:`~zoneplan.errors.PlanError` naming the line and
column: YAML read strictly (:mod:`~zoneplan.plan.yaml_source`: a key written twice is an
error), pydantic's messages in plain words (:mod:`~zoneplan.plan.messages`), and errors
about references between parts of a plan pointing at the line that holds the reference.
:func:`place_in_plan` finds that line later, for errors found while measuring.
"""

from __future__ import annotations

import difflib
import errno
import functools
import json
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from zoneplan.errors import PlanError, ZoneplanError
from zoneplan.pack import DEFAULT_PLAN, PLANS_DIR
from zoneplan.plan.messages import field_label, plan_error
from zoneplan.plan.model import Plan
from zoneplan.plan.yaml_source import YamlPlaces, read_yaml

__all__ = ["DEFAULT_PLAN", "ENV_MAX_PLAN_BYTES", "MAX_PLAN_BYTES", "builtin_plan_ids",
           "builtin_plan_path", "bytes_limit", "load_plan", "max_plan_bytes", "place_in_plan",
           "plan_json_schema", "symlink_loop"]

MAX_PLAN_BYTES = 2_000_000
"""Largest plan file read, bytes. The built-in plans are under 20 kB, and a plan with
several geometries at :data:`~zoneplan.geometry.MAX_PLAN_POINTS` is under 1 MB. The YAML
reader takes about 5 s of CPU per MB (a 2.4 MB plan took 12 s), so a larger file is
almost surely not a plan (a layer named by mistake) and would hold the command for
minutes. Raised with :data:`ENV_MAX_PLAN_BYTES`."""

ENV_MAX_PLAN_BYTES = "ZONEPLAN_MAX_PLAN_BYTES"
"""Environment variable that replaces :data:`MAX_PLAN_BYTES` (a whole number of bytes)."""


def bytes_limit(env: str, default: int, error: type[ZoneplanError] = PlanError) -> int:
    """A size limit, bytes: ``$env`` if set, else ``default``.

    Raises
    ------
    ZoneplanError
        ``error`` (a :class:`PlanError` unless said), when the variable is not a whole
        number of bytes.
    """
    raw = os.environ.get(env, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise error(f"{env}={raw!r} is not a whole number of bytes",
                    suggestion=f"set it to e.g. {default}, or unset it")
    return int(raw)


def max_plan_bytes() -> int:
    """The largest plan file read: ``$ZONEPLAN_MAX_PLAN_BYTES`` or :data:`MAX_PLAN_BYTES`.

    Raises
    ------
    PlanError
        The variable is not a whole number of bytes.
    """
    return bytes_limit(ENV_MAX_PLAN_BYTES, MAX_PLAN_BYTES)


def symlink_loop(path: Path) -> bool:
    """Whether ``path`` is a symbolic link that leads back to itself (directly or through
    other links), so that it can never be opened."""
    try:
        Path(path).stat()
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def builtin_plan_ids() -> list[str]:
    """Ids of the plans that ship with zoneplan, sorted."""
    return sorted(p.stem for p in PLANS_DIR.glob("*.yaml"))


def builtin_plan_path(plan_id: str) -> Path:
    """Path of a built-in plan file."""
    return PLANS_DIR / f"{plan_id}.yaml"


def _resolve(source: str | Path) -> Path:
    p = Path(source)
    if symlink_loop(p):
        raise PlanError("the plan file is a symbolic link that loops (it leads back to "
                        "itself), so it cannot be opened", path=p,
                        suggestion="point the link at the plan file, or give the file's own "
                        "path")
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
    places: YamlPlaces | None = None
    if isinstance(source, dict):
        data: Any = source
        path_label = "<plan>"
        folder = base_dir or Path.cwd()
    else:
        path = _resolve(source)
        path_label = str(path)
        folder = path.parent
        limit = max_plan_bytes()
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # said when it is read, below
        if size > limit:
            raise PlanError(
                f"the file is {size:,} bytes; a plan file is at most {limit:,} bytes",
                path=path, suggestion="check that this is the plan and not a layer (layers "
                "are named inside the plan, under 'layers'); to read a larger plan, set "
                f"{ENV_MAX_PLAN_BYTES} to its size in bytes")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise PlanError("the file is not UTF-8 text", path=path,
                            suggestion="save the plan as UTF-8 YAML") from exc
        except PermissionError as exc:
            raise PlanError("the plan file cannot be read: permission denied", path=path,
                            suggestion="give yourself read permission (chmod u+r), or copy "
                            "the file somewhere you can read it") from exc
        except OSError as exc:
            raise PlanError(f"the plan file cannot be read ({exc.strerror or exc})", path=path,
                            suggestion="check that the file is a readable plan file") from exc
        data, places = read_yaml(text, path)
    if not isinstance(data, dict):
        raise PlanError("a plan must be a YAML mapping (key: value lines)", path=path_label,
                        suggestion="start from a built-in plan: `zoneplan show green-red-2025-11`")
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise plan_error(exc, places=places, path=path_label, model=Plan) from None
    except RecursionError:
        raise PlanError("the plan nests too deeply to be read", path=path_label,
                        suggestion="a plan is a few levels of mappings and lists; check for "
                        "YAML aliases that refer to themselves") from None
    plan._base_dir = folder
    plan._path = None if isinstance(source, dict) else path_label
    plan._places = places
    return plan


def place_in_plan(plan: Plan, loc: tuple[str | int, ...]) -> str | None:
    """Where a part of a plan is written: ``"line 12, column 5"`` of its file.

    Parameters
    ----------
    plan
        A plan.
    loc
        The part, as keys and list indices from the top (``("zones", 3)``).

    Returns
    -------
    str or None
        The line and column for a plan read from a file; the part's name
        (``zones[3]``) for a plan given as a mapping.
    """
    places = plan._places
    found = places.where(loc) if isinstance(places, YamlPlaces) else None
    return found or field_label(loc) or None


def plan_json_schema() -> str:
    """The plan format's JSON Schema, as indented JSON text."""
    schema = Plan.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "zoneplan plan"
    return json.dumps(schema, indent=2, ensure_ascii=False)
