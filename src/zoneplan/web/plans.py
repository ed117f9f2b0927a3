"""The plans the editor can open, by id, and their prepared inputs (cached).

:class:`PlanStore` finds a plan the browser names — the plan the server was started with,
a built-in plan, a plan in the save folder, or an inline plan sent whole — and keeps the
prepared :class:`~zoneplan.measure.inputs.Inputs` of the last few it was asked for.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from zoneplan.errors import PlanError, ZoneplanError
from zoneplan.measure.inputs import Inputs, prepare
from zoneplan.plan import DEFAULT_PLAN, Plan, builtin_plan_ids, load_plan
from zoneplan.plan.yaml_source import read_yaml
from zoneplan.web.checks import ID_RE, WebError, refuse_files

__all__ = ["PlanStore"]


class PlanStore:
    """Plans by id (start-up plan, built-in, saved) and their prepared inputs, cached.

    Parameters
    ----------
    start
        The plan the server was started with; it may use the server's files.
    save_dir
        The save folder: saved plans are read from it, and inline and saved plans'
        relative paths resolve against it.
    size
        How many plans' prepared inputs are kept (least recently used dropped first).

    Attributes
    ----------
    start : Plan
        The plan the server was started with.
    save_dir : Path
        The save folder.
    """

    def __init__(self, start: Plan, save_dir: Path, size: int = 16) -> None:
        self.start = start
        self.save_dir = save_dir
        self._cache: OrderedDict[str, Inputs] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self._preparing: dict[str, threading.Lock] = {}

    def saved_path(self, plan_id: str) -> Path | None:
        """The file of a plan saved in the save folder, or None if there is none."""
        if not ID_RE.match(plan_id):
            return None
        p = self.save_dir / f"{plan_id}.yaml"
        return p if p.is_file() else None

    def key(self, ref: str | dict[str, Any]) -> str:
        """The cache key of a plan, found without reading or preparing it.

        Parameters
        ----------
        ref
            A plan id, or an inline plan (refused if it names a file: see
            :func:`~zoneplan.web.checks.refuse_files`).

        Raises
        ------
        WebError
            422 if there is no plan with that id.
        """
        if isinstance(ref, dict):
            refuse_files(ref)
            blob = json.dumps(ref, sort_keys=True, ensure_ascii=False)
            return "inline:" + hashlib.sha256(blob.encode()).hexdigest()
        if ref == self.start.id:
            return "start:" + ref
        if ref in builtin_plan_ids():
            return "builtin:" + ref
        saved = self.saved_path(ref)
        if saved is not None:
            return f"saved:{ref}:{saved.stat().st_mtime_ns}"
        raise WebError(422, f"no plan called '{ref}'",
                       suggestion="choose one of GET /api/plans, or send the plan inline")

    def source(self, ref: str | dict[str, Any]) -> tuple[str, dict[str, Any] | None, Plan | None]:
        """Cache key, the plan as a mapping (for saving) and the loaded plan if at hand.

        Reads the plan's file (a saved plan's is checked with
        :func:`~zoneplan.web.checks.refuse_files`); :meth:`key` gives the key alone.

        Raises
        ------
        WebError
            422 if there is no plan with that id.
        """
        key = self.key(ref)
        if isinstance(ref, dict):
            return key, ref, None
        if key.startswith("start:"):
            src = _read_yaml(Path(self.start.path)) if self.start.path else None
            return key, src, self.start
        if key.startswith("builtin:"):
            plan = load_plan(ref)
            return key, _read_yaml(Path(str(plan.path))), plan
        saved = self.saved_path(ref)
        if saved is None:  # removed since the key was made
            raise WebError(422, f"no plan called '{ref}'",
                           suggestion="choose one of GET /api/plans, or send the plan inline")
        data = _read_yaml(saved)
        refuse_files(data)
        return key, data, None

    def prepared(self, ref: str | dict[str, Any], as_of: str | None = None) -> Inputs:
        """A plan's prepared inputs, shared and read-only (the editor's hot path: a plan
        already prepared is found by its key, without reading its file again); with
        ``as_of`` (an ISO date, checked), those of the plan with the facts known at that
        date (:func:`~zoneplan.plan.rules.as_of.plan_as_of`), kept apart.

        Raises
        ------
        WebError
            422 if there is no plan with that id.
        """
        key = self.key(ref) + (f"@{as_of}" if as_of else "")
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        return self.inputs(ref, as_of)[0]

    def inputs(self, ref: str | dict[str, Any], as_of: str | None = None
               ) -> tuple[Inputs, dict[str, Any] | None]:
        """A plan's prepared inputs (from the cache if there) and the plan as a mapping.

        The mapping is None for a start-up plan that was not read from a file. A plan is
        prepared once even when several requests ask for it at the same time (the others
        wait for it); requests for other plans do not wait. With ``as_of``, the plan
        with the facts known at that date.
        """
        key, data, plan = self.source(ref)
        key += f"@{as_of}" if as_of else ""
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit, data
            preparing = self._preparing.setdefault(key, threading.Lock())
        with preparing:  # one preparation per plan at a time
            with self._lock:
                hit = self._cache.get(key)
            if hit is not None:
                return hit, data
            try:
                if plan is None:
                    assert data is not None
                    plan = load_plan(data, base_dir=self.save_dir)
                if as_of:
                    from zoneplan.plan.rules.as_of import plan_as_of

                    plan = plan_as_of(plan, as_of)[0]
                inputs = prepare(plan)
                with self._lock:
                    self._cache[key] = inputs
                    while len(self._cache) > self._size:
                        self._cache.popitem(last=False)
            finally:
                with self._lock:
                    self._preparing.pop(key, None)
        return inputs, data

    def listing(self) -> list[dict[str, Any]]:
        """Summaries of the start-up plan, the built-in plans and the saved plans.

        Files in the save folder that this editor cannot open are left out of the list
        and said in :meth:`skipped` (one bad file never breaks the list).
        """
        return self._listing()[0]

    def skipped(self) -> list[dict[str, str]]:
        """The files of the save folder left out of :meth:`listing`: ``file`` and ``note``
        (why it cannot be opened, in a few words)."""
        return self._listing()[1]

    def listing_and_skipped(self) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        """:meth:`listing` and :meth:`skipped` from one reading of the save folder."""
        return self._listing()

    def _listing(self) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        out: list[dict[str, Any]] = []
        skipped: list[dict[str, str]] = []
        seen: set[str] = set()
        if self.start.id not in builtin_plan_ids():
            out.append(_summary(self.start, "start"))
            seen.add(self.start.id)
        for pid in builtin_plan_ids():
            out.append(_summary(load_plan(pid), "built-in"))
            seen.add(pid)
        for p in sorted(self.save_dir.glob("*.yaml")):
            if p.stem in seen or not ID_RE.match(p.stem):
                continue
            try:
                data = _read_yaml(p)
                refuse_files(data)
                out.append(_summary(load_plan(data, base_dir=self.save_dir), "saved"))
            except (ZoneplanError, WebError, OSError, ValueError, RecursionError) as exc:
                why = (exc.message if isinstance(exc, WebError) else
                       str(exc).splitlines()[0] if isinstance(exc, ZoneplanError) else
                       f"{type(exc).__name__}: {exc}")
                skipped.append({"file": p.name, "note": f"not opened: {why}"[:300]})
        return out, skipped


def _read_yaml(path: Path) -> dict[str, Any]:
    """A plan file as a mapping, read strictly (bounded depth and aliases); 422 if it is
    not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise WebError(422, f"{path.name} is not UTF-8 text") from None
    try:
        data, _ = read_yaml(text, path.name)
    except PlanError as exc:  # said with the file's name and the line
        raise WebError(422, str(exc).splitlines()[0], suggestion=exc.suggestion) from None
    if not isinstance(data, dict):
        raise WebError(422, f"{path.name} is not a plan")
    return data


def _summary(plan: Plan, kind: str) -> dict[str, Any]:
    """What the page's plan menu shows of a plan; ``kind`` is start, built-in or saved."""
    return {"id": plan.id, "title": plan.title, "date": plan.date, "status": plan.status,
            "kind": kind, "default": plan.id == DEFAULT_PLAN,
            "lines": [{"id": ln.id, "label": ln.label or ln.id} for ln in plan.lines],
            "zones": [{"id": z.id, "label": z.label, "access": z.access} for z in plan.zones]}
