"""Fuzzing: random plans, plan files, lines, layers and API requests get zoneplan's own
errors or results that keep their invariants (see ``tests/fuzzing.py``).

In CI 1,160 examples, derandomised (the same examples every run); 2,100 with
``pytest --hypothesis-profile long tests/test_fuzz.py``. The longer run is
``benchmarks/fuzz_long.py``. The tests take no pytest fixtures, so that script can call
them as they are.
"""

from __future__ import annotations

import atexit
import functools
import json
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import zoneplan
from zoneplan.evaluate import evaluate_inputs
from zoneplan.measure.inputs import Inputs, prepare
from zoneplan.web.checks import ID_RE, RESERVED_NAMES

from . import fuzzing as fz

WORK = Path(tempfile.mkdtemp(prefix="zoneplan-fuzz-"))
"""Where fuzzed files are written (a fresh folder per process, removed at exit)."""
atexit.register(shutil.rmtree, WORK, ignore_errors=True)
PLACE = re.compile(r"^line (\d+), column (\d+)$")


@functools.cache
def _ceasefire_inputs() -> Inputs:
    return prepare(zoneplan.load_plan("ceasefire-2025-10"))


def _load_and_evaluate(target: str, plan: dict[str, Any], **kwargs: Any) -> None:
    """Load a plan mapping and evaluate it, counting the outcome (see :func:`_evaluate`)."""
    try:
        loaded = zoneplan.load_plan(plan, base_dir=WORK)
    except Exception as exc:
        fz.refused(target, exc)
        return
    _evaluate(target, loaded, **kwargs)


def _evaluate(target: str, plan: Any, **kwargs: Any) -> None:
    """Evaluate, counting the outcome; a zoneplan error is fine, anything else is not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = zoneplan.evaluate(plan, **kwargs)
    except Exception as exc:
        fz.refused(target, exc)
        return
    fz.check_result(target, result.to_dict())


@pytest.mark.slow
@fz.fuzz_settings("plans")
@given(plan=fz.mutated_plans(), ranges=st.booleans())
def test_fuzz_plans(plan: dict[str, Any], ranges: bool) -> None:
    """Plans with values replaced, removed, added or repeated anywhere."""
    _load_and_evaluate("plans", plan, ranges=ranges)


@pytest.mark.slow
@fz.fuzz_settings("plan_text")
@given(data=st.data())
def test_fuzz_plan_files(data: st.DataObject) -> None:
    """Plan files with lines removed, repeated or changed: every error names a real line."""
    lines = yaml.safe_dump(fz.BASE_PLAN, sort_keys=False).splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["remove", "repeat", "replace", "insert"]))
        if action == "remove":
            del lines[i]
        elif action == "repeat":
            lines.insert(i, lines[i])
        else:
            text = data.draw(st.one_of(st.text(max_size=30), st.sampled_from(fz.WORDS), st.builds(
                lambda k, v: f"{k}: {v}", st.sampled_from(fz.KEYS), st.sampled_from(fz.WORDS))))
            cut = data.draw(st.integers(0, len(lines[i])))
            lines[i:i + (action == "replace")] = [lines[i][:cut] + text]
    path = WORK / "fuzz-plan.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    try:
        plan = zoneplan.load_plan(path)
    except Exception as exc:
        fz.refused("plan_text", exc)
        where = getattr(exc, "location", None)
        m = PLACE.match(where or "")
        if m and int(m.group(1)) > len(lines) + 1:
            fz.record("plan_text", "foreign")
            raise fz.ForeignError(f"an error points past the end of the file: {exc}") from exc
        return
    _evaluate("plan_text", plan, ranges=False)


@pytest.mark.slow
@fz.fuzz_settings("lines")
@given(overrides=fz.line_overrides(), ranges=st.booleans(), fast=st.booleans())
def test_fuzz_line_overrides(overrides: dict[str, Any], ranges: bool, fast: bool) -> None:
    """``evaluate(line_overrides=...)`` of the built-in ceasefire plan: the yellow line
    dragged, drawn across the Strip, or malformed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = evaluate_inputs(_ceasefire_inputs(), line_overrides=overrides, ranges=ranges,
                                     fast=fast)
    except Exception as exc:
        fz.refused("lines", exc)
        return
    fz.check_result("lines", result.to_dict())


@pytest.mark.slow
@fz.fuzz_settings("layer_options")
@given(text=fz.layer_options)
def test_fuzz_layer_options(text: str) -> None:
    """``--layer`` option texts parse or are refused with a message in plain words."""
    from zoneplan.cli.options import parse_layer_option

    try:
        parse_layer_option(text)
    except Exception as exc:
        fz.refused("layer_options", exc)
        return
    fz.record("layer_options", "ok")


@pytest.mark.slow
@fz.fuzz_settings("layer_files")
@given(damage=fz.layer_files, hospitals=fz.layer_files)
def test_fuzz_layer_files(damage: str, hospitals: str) -> None:
    """Damage and hospital layer files with odd features, geometries and attributes."""
    (WORK / "damage.geojson").write_text(damage, encoding="utf-8", errors="surrogatepass")
    (WORK / "hospitals.geojson").write_text(hospitals, encoding="utf-8",
                                            errors="surrogatepass")
    plan = dict(fz.BASE_PLAN, layers={
        "damage": {"path": "damage.geojson", "count": "count"},
        "hospitals": {"path": "hospitals.geojson", "beds": "beds",
                      "where": "amenity == 'hospital'"}})
    _load_and_evaluate("layer_files", plan, ranges=False)


@functools.cache
def _client() -> tuple[Any, Path]:
    from fastapi.testclient import TestClient

    from zoneplan.web.app import create_app

    save_dir = Path(tempfile.mkdtemp(prefix="zoneplan-fuzz-saved-"))
    atexit.register(shutil.rmtree, save_dir, ignore_errors=True)
    app = create_app("ceasefire-2025-10", save_dir=save_dir)
    return TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False), save_dir


def _answer(target: str, r: Any, ok: set[int]) -> dict[str, Any] | None:
    """Check an API answer: JSON, an expected status, a clean message; the body if 2xx."""
    if not r.headers.get("content-type", "").startswith("application/json") or \
            r.status_code not in ok | {404, 409, 413, 415, 422}:
        fz.record(target, "foreign")
        kind = r.headers.get("content-type")
        raise fz.ForeignError(f"HTTP {r.status_code} {kind}: {r.text[:300]}")
    data: dict[str, Any] = r.json()
    if r.status_code >= 400:
        detail = data["detail"]
        if any(bad in detail["message"] for bad in fz.NEVER_SAID):
            fz.record(target, "foreign")
            raise fz.ForeignError(f"foreign words: {detail['message']}")
        fz.record(target, "zoneplan_error")
        return None
    return data


@pytest.mark.slow
@fz.fuzz_settings("api")
@given(body=fz.api_bodies)
def test_fuzz_api_evaluate(body: Any) -> None:
    """``POST /api/evaluate`` with odd bodies: a JSON answer, never a 500."""
    client, _ = _client()
    raw = json.dumps(body).encode()  # NaN and Infinity as JavaScript writes them
    r = client.post("/api/evaluate", content=raw, headers={"content-type": "application/json"})
    data = _answer("api", r, {200})
    if data is not None:
        fz.check_result("api", data)


@pytest.mark.slow
@fz.fuzz_settings("api_save")
@given(plan_id=fz.save_ids, overwrite=st.booleans())
def test_fuzz_api_save(plan_id: str, overwrite: bool) -> None:
    """``POST /api/save`` with odd ids: only ``<id>.yaml`` files in the save folder."""
    client, save_dir = _client()
    r = client.post("/api/save", json={"plan": "ceasefire-2025-10", "id": plan_id,
                                       "title": "t", "overwrite": overwrite})
    if _answer("api_save", r, {201}) is not None:
        fz.record("api_save", "ok")
    for f in save_dir.iterdir():
        stem = f.name.removesuffix(".yaml")
        if not (f.name.endswith(".yaml") and ID_RE.match(stem)
                and stem.split(".")[0].lower() not in RESERVED_NAMES):
            fz.record("api_save", "foreign")
            raise fz.ForeignError(f"a file the save folder should not hold: {f.name}")
    assert not list(save_dir.parent.glob("x.yaml"))
