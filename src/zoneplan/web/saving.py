"""Saving a plan with redrawn lines as a new plan file in the editor's save folder.

:func:`save_edited` does what ``POST /api/save`` asks: it checks the new id, checks that
the redrawn lines still make valid zones, records the edit in the plan
(:func:`edited_plan`: status ``hypothetical``, a source and a note for the edit) and
writes ``<save folder>/<id>.yaml`` atomically. Nothing is written outside the save folder,
and a built-in or start-up plan is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import yaml
from shapely.geometry import LineString

from zoneplan.evaluate import evaluate_inputs
from zoneplan.io.outputs import write_text_atomic
from zoneplan.plan import builtin_plan_ids, load_plan
from zoneplan.plan.rules.line_variants import relative_variants_document
from zoneplan.web.checks import SaveRequest, WebError, check_lines, check_save_id
from zoneplan.web.plans import PlanStore

__all__ = ["edited_plan", "save_edited"]


def save_edited(plans: PlanStore, body: SaveRequest) -> dict[str, Any]:
    """Write a plan with some lines redrawn into the save folder.

    Parameters
    ----------
    plans
        The plans the editor can open; the new file goes into ``plans.save_dir``.
    body
        The request: the plan to start from, its redrawn lines, the new id and title, an
        optional note, and whether an existing file of that id may be replaced.

    Returns
    -------
    dict
        ``id``, ``file`` (name), ``path``, ``overwritten`` (whether a file was replaced) and
        ``note`` (how the id was normalised, e.g. ``my-plan.yaml`` saved as ``my-plan``; or
        None).

    Raises
    ------
    WebError
        422 for an id that cannot be a file name in the save folder (see
        :func:`~zoneplan.web.checks.check_save_id`), an unknown plan, a plan with no file to
        start from or a malformed line; 409 for the id of a built-in or the start-up plan.
    zoneplan.errors.ZoneplanError
        If the redrawn lines do not make valid zones, or the new plan does not load.
    zoneplan.errors.OutputExistsError
        If the file exists and ``body.overwrite`` is false.
    """
    new_id, id_note = check_save_id(body.id)
    if new_id in builtin_plan_ids() or new_id == plans.start.id:
        raise WebError(409, f"'{new_id}' is the id of a plan that is not in the save "
                       "folder; it is never overwritten", suggestion="choose a new id")
    inputs, data = plans.inputs(body.plan)
    if data is None:
        raise WebError(422, "this plan has no file to start from")
    lines = check_lines(inputs, body.lines)
    evaluate_inputs(inputs, line_overrides={k: list(v.coords) for k, v in lines.items()},
                    ranges=False)  # refuse lines that do not make valid zones
    today = dt.date.today().isoformat()
    new = edited_plan(data, lines, new_id=new_id, title=body.title, note=body.note,
                      today=today)
    folder = plans.save_dir
    load_plan(new, base_dir=folder)  # the saved file must load again
    target = folder / f"{new_id}.yaml"
    if target.resolve().parent != folder:
        raise WebError(422, "the plan id does not make a file name in the save folder")
    existed = target.exists()
    header = (f"# Saved by zoneplan serve on {today} from plan '{data.get('id')}'.\n"
              "# Line(s) redrawn by hand; see notes and sources.\n")
    text = header + yaml.safe_dump(new, sort_keys=False, allow_unicode=True, width=100)
    write_text_atomic(target, text, overwrite=body.overwrite)
    return {"id": new_id, "file": target.name, "path": str(target), "overwritten": existed,
            "note": id_note}


def _kept_words(was: str, travels: list[str], left: list[str]) -> str:
    """What a redrawn pack line keeps of its variants, in words (empty for a line of the
    plan's own)."""
    if not travels and not left:
        return ""
    out = (f" Its variants relative to the line ({', '.join(travels)}) are the pack's for "
           f"{was}, moved with it" if travels else f" The pack's variants for {was}")
    if left:
        out += (f"; its published zone{'s' if len(left) > 1 else ''} ({', '.join(left)}) "
                f"describe{'' if len(left) > 1 else 's'} the published line and "
                f"{'are' if len(left) > 1 else 'is'} left out")
    return out + "."


def edited_plan(data: dict[str, Any], lines: dict[str, LineString], *, new_id: str,
                title: str, note: str | None, today: str) -> dict[str, Any]:
    """A copy of a plan mapping with some lines replaced and the edit recorded.

    Parameters
    ----------
    data
        The plan as a mapping (as in its YAML file); not changed.
    lines
        Line id → the redrawn line (WGS 84 longitude/latitude); written as coordinates
        rounded to 1e-7 degrees, in place of the line's layer or file.
    new_id, title
        The new plan's id and title.
    note
        The user's note on the edit, if any.
    today
        The date of the edit (ISO 8601).

    Returns
    -------
    dict
        The new plan: status ``hypothetical``, a source ``zoneplan-edit-<today>`` cited by
        each redrawn line, and notes saying what was redrawn. Each redrawn line says
        what it was ``redrawn_from`` (so a zone as published and published figures about
        its zones are not used for it) and keeps the variants relative to the line that
        the pack declares for a line of the pack (its uncertainty, offsets).
    """
    out = json.loads(json.dumps(data))
    src_id = f"zoneplan-edit-{today}"
    old = out.get("id", "?")
    names = ", ".join(f"'{k}'" for k in lines)
    out["id"], out["title"], out["status"] = new_id, title, "hypothetical"
    out.setdefault("sources", []).append({
        "id": src_id, "publisher": "zoneplan serve (edit by hand)",
        "title": f"Line {names} of plan '{old}' redrawn in the zoneplan line editor",
        "date": today, "note": note or "Hypothetical course drawn by a user; not reported."})
    for spec in out.get("lines", []):
        if spec.get("id") in lines:
            was = spec.get("layer") or spec.get("file") or "inline coordinates"
            travels, cited, left = relative_variants_document(str(spec.get("layer")))
            spec.update(travels)  # a pack line's relative variants move with it
            have = {s.get("id") for s in out["sources"]}
            out["sources"] += [dict(s) for s in cited if s["id"] not in have]
            kept = _kept_words(was, list(travels), left)
            for k in ("layer", "file"):
                spec.pop(k, None)
            spec.setdefault("redrawn_from", was)  # what is published is about that line
            spec["coordinates"] = [[round(x, 7), round(y, 7)]
                                   for x, y in lines[spec["id"]].coords]
            spec["sources"] = [src_id, *[s for s in spec.get("sources", []) if s != src_id]]
            spec["note"] = (f"Redrawn by hand on {today} from {was} of plan '{old}'"
                            f" (coordinates rounded to 1e-7°).{kept} "
                            + (spec.get("note") or "")).strip()
    out.setdefault("notes", []).append(
        f"Saved from the zoneplan line editor on {today}: plan '{old}' with line(s) {names} "
        "redrawn by hand; status set to hypothetical." + (f" {note}" if note else ""))
    return out
