"""The bad-input catalogue (tests/bad_inputs/): every case gets its exit code and message.

See ``tests/bad_inputs/catalogue.py`` for the kinds of case. Every command-line case is
also checked for what must never reach a user: a traceback, "internal error", pydantic's
wording or its URLs.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import zoneplan
import zoneplan.errors
from zoneplan.cli.main import main
from zoneplan.io.outputs import OUTPUT_MARKER, marker_text

from .bad_inputs.catalogue import (
    BASE_DIR,
    REPEAT,
    Case,
    edited_plan,
    expand_raw,
    expand_text,
    load_cases,
    render_markdown,
)
from .conftest import without_root_file_powers

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "bad-inputs.md"
CASES = load_cases()
NEVER = ("Traceback", "internal error", "Input should be", "pydantic", "Value error,")
"""What no message may hold."""
ISSUE_12 = {
    "cli-format-xml", "cli-unknown-option", "cli-unknown-command", "cli-validate-without-plan",
    "cli-spread-without-total", "files-plan-unreadable", "files-layer-unreadable",
    "files-out-is-a-folder", "geom-polygon-self-crossing-at-pole", "py-override-huge",
    "py-override-nan", "py-override-one-point", "py-override-equal-ends",
    "geom-line-self-crossing", "plan-date-not-a-date", "plan-duplicate-key", "plan-offset-huge",
    "plan-total-huge", "cli-layer-units-bogus", "plan-total-negative",
    "plan-duplicate-source-id", "plan-unknown-source", "api-deep-nesting", "api-ranges-yes",
    "api-save-con", "api-save-nul", "api-save-yaml-suffix", "files-report-killed",
    "files-report-overwrite-interrupted"}
"""The cases listed under "Why" in issue 12: each must be in the catalogue."""
MIN_CASES = 200
INTERRUPT_AFTER_S = 6.0
"""Seconds a command runs before the Ctrl+C scenario interrupts it (its imports done)."""


def _ids(cases: list[Case]) -> list[str]:
    return [c.id for c in cases]


# ----------------------------------------------------------------------------- the files


def test_catalogue_is_large_and_holds_issue_12() -> None:
    assert len(CASES) >= MIN_CASES
    assert {c.id for c in CASES} >= ISSUE_12
    assert {c.id for c in CASES if c.issue == 12} == ISSUE_12


def test_docs_page_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(CASES) + "\n", (
        "docs/bad-inputs.md is out of date: run `python scripts/bad_inputs_doc.py`")


# ----------------------------------------------------------------------------- helpers


def _setup(case: Case, folder: Path) -> None:
    """Write the case's plan, files and folders into ``folder``."""
    spec = case.spec
    plan = spec.get("plan")
    expand = bool(spec.get("expand"))
    if plan == "base" or isinstance(plan, dict):
        for f in BASE_DIR.iterdir():
            shutil.copy(f, folder / f.name)
        if isinstance(plan, dict):
            (folder / "plan.yaml").write_text(edited_plan(plan["edit"], expand=expand),
                                              encoding="utf-8")
    _write_files(folder, spec.get("files") or {}, expand=expand)
    for name in spec.get("folders", []):
        (folder / name).mkdir(exist_ok=True)
    for name, target in (spec.get("links") or {}).items():
        (folder / name).symlink_to(target)


def _write_files(folder: Path, files: dict[str, str | bytes], *, expand: bool = False
                 ) -> None:
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(expand_text(content) if expand else content, encoding="utf-8")


def _check_left(case: Case, folder: Path) -> None:
    """Nothing named in ``absent`` was made; with ``unchanged``, every file the case wrote
    still holds what it held."""
    for name in case.spec.get("absent", []):
        assert not (folder / name).exists(), f"{case.id}: {name} was made"
    if case.spec.get("unchanged"):
        for name, content in (case.spec.get("files") or {}).items():
            now = (folder / name).read_bytes()
            assert now == (content if isinstance(content, bytes) else content.encode()), \
                f"{case.id}: {name} changed"


@contextlib.contextmanager
def _unreadable(paths: list[Path]) -> Iterator[None]:
    for p in paths:
        p.chmod(0)
    try:
        with without_root_file_powers():
            yield
    finally:
        for p in paths:
            p.chmod(0o644)


def _check_words(case: Case, text: str) -> None:
    for fragment in case.says:
        assert fragment in text, f"{case.id}: {fragment!r} not in:\n{text}"
    for bad in NEVER:
        assert bad not in text, f"{case.id}: {bad!r} in:\n{text}"


# ----------------------------------------------------------------------------- cases


@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "run"],
                         ids=_ids([c for c in CASES if c.kind == "run"]))
def test_command_line(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    _setup(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    for name, value in (case.spec.get("env") or {}).items():
        monkeypatch.setenv(name, str(value))
    with _unreadable([tmp_path / n for n in case.spec.get("unreadable", [])]):
        code = main([REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), str(a))
                     for a in case.spec["run"]])
    cap = capsys.readouterr()
    text = cap.err + cap.out
    assert code == case.spec["exit"], f"{case.id}: exit {code}\n{text}"
    _check_words(case, text)
    _check_left(case, tmp_path)


@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "call"],
                         ids=_ids([c for c in CASES if c.kind == "call"]))
def test_python_api(case: Case, tmp_path: Path) -> None:
    _setup(case, tmp_path)
    spec = case.spec
    error = getattr(zoneplan.errors, spec["raises"])
    with pytest.raises(error) as info:
        plan: Any = spec["plan"]
        if plan == "base" or isinstance(plan, dict):
            path = tmp_path / "plan.yaml"
            plan = (zoneplan.load_plan(yaml.safe_load(path.read_text()), base_dir=tmp_path)
                    if spec.get("as_mapping") else zoneplan.load_plan(path))
        else:
            plan = zoneplan.load_plan(plan)
        if spec["call"] == "evaluate":
            zoneplan.evaluate(plan, line_overrides=spec.get("line_overrides"), ranges=False)
    assert isinstance(info.value, zoneplan.errors.ZoneplanError)
    assert info.value.suggestion
    _check_words(case, str(info.value))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from zoneplan.web.app import create_app

    save_dir = tmp_path_factory.mktemp("bad-inputs-saved")
    client = TestClient(create_app("green-red-2025-11", save_dir=save_dir),
                        base_url="http://127.0.0.1", raise_server_exceptions=False)
    client.save_dir = save_dir  # type: ignore[attr-defined]  # for the cases' saved files
    return client


@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "request"],
                         ids=_ids([c for c in CASES if c.kind == "request"]))
def test_editor_api(case: Case, client: Any, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # where an escape would make its file (``absent``)
    spec = case.spec
    method, path = spec["request"].split(" ", 1)
    headers = {"content-type": "application/json", **(spec.get("headers") or {})}
    content = (expand_raw(spec["raw"]) if "raw" in spec else
               json.dumps(spec["body"]).encode() if "body" in spec else None)
    saved = spec.get("saved") or {}
    _write_files(client.save_dir, saved, expand=bool(spec.get("expand")))
    try:
        r = client.request(method, path, content=content, headers=headers)
    finally:
        for name in saved:
            (client.save_dir / name).unlink()
    assert r.status_code == spec["status"], f"{case.id}: {r.status_code} {r.text[:500]}"
    assert r.headers["content-type"].startswith("application/json"), r.headers
    data = r.json()
    if r.status_code >= 400:
        detail = data["detail"]
        assert set(detail) == {"message", "suggestion", "line"}
        text = f"{detail['message']}\n{detail['suggestion']}"
        if "line" in spec:
            assert detail["line"] == spec["line"]
    else:
        text = json.dumps(data, ensure_ascii=False)
    _check_words(case, text)
    _check_left(case, tmp_path)


# ----------------------------------------------------------------------------- scenarios


def _report_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _old_report(folder: Path) -> dict[str, bytes]:
    """A report folder written earlier (its files' content does not matter here)."""
    from zoneplan.render.pages.report import REPORT_FILES

    (folder / "out").mkdir()
    for name in (*REPORT_FILES, "my-notes.txt"):
        (folder / "out" / name).write_text(f"old {name}")
    (folder / "out" / OUTPUT_MARKER).write_text(marker_text("report"))
    return _report_files(folder / "out")


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".zoneplan-"))


def _report_killed(folder: Path) -> list[str]:
    """``kill -9`` while ``report --overwrite`` builds: the old report survives."""
    said: list[str] = []
    before = _old_report(folder)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from zoneplan.cli.main import main; "
         "sys.exit(main(sys.argv[1:]))", "report", "plan.yaml", "--out", "out", "--overwrite"],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    prefix = f".zoneplan-tmp-out-{proc.pid}-"
    while time.monotonic() < deadline and proc.poll() is None:
        if any(n.startswith(prefix) for n in _temporaries(folder)):
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the report finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _report_files(folder / "out") == before
    said.append("old report intact")
    assert any(n.startswith(prefix) for n in _temporaries(folder))
    said.append("temporary left by the killed process")
    assert main(["report", "plan.yaml", "--out", "out", "--overwrite"]) == 0
    assert _temporaries(folder) == []
    said.append("temporary removed by the next run")
    assert not (folder / "out" / "my-notes.txt").exists()
    assert (folder / "out" / "report.html").read_text() != "old report.html"
    said.append("new report in place, whole")
    return said


def _report_overwrite_interrupted(folder: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Ctrl+C while ``report --overwrite`` writes its last file: nothing is mixed."""
    import zoneplan.render.exports.gpkg

    before = _old_report(folder)

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(zoneplan.render.exports.gpkg, "write_gpkg", interrupted)
    assert main(["report", "plan.yaml", "--out", "out", "--overwrite"]) == 130
    assert _report_files(folder / "out") == before
    assert _temporaries(folder) == []
    return ["old report intact", "no temporary left"]


@pytest.mark.slow
@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "scenario"],
                         ids=_ids([c for c in CASES if c.kind == "scenario"]))
def test_scenario(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                  capsys: pytest.CaptureFixture[str]) -> None:
    for f in BASE_DIR.iterdir():
        shutil.copy(f, tmp_path / f.name)
    monkeypatch.chdir(tmp_path)
    name = case.spec["scenario"]
    said = (_report_killed(tmp_path) if name == "report-killed" else
            _interrupted(tmp_path) if name == "interrupted" else
            _grid_cache_tampered(tmp_path, monkeypatch, capsys)
            if name == "grid-cache-tampered" else
            _report_overwrite_interrupted(tmp_path, monkeypatch))
    _check_words(case, "\n".join(said))


def _interrupted(folder: Path) -> list[str]:
    """Ctrl+C (SIGINT) while a slow command runs: one line, exit code 130."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "zoneplan", "report", "plan.yaml", "--out", "out",
         "--samples", str(100_000), "--scheduler", "serial"],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(INTERRUPT_AFTER_S)
    assert proc.poll() is None, "the command finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, errors = proc.communicate(timeout=120)
    assert proc.returncode == 130, (proc.returncode, errors[-2000:])
    assert errors == "interrupted\n" and out == "", (out[-500:], errors[-2000:])
    assert not (folder / "out").exists() and _temporaries(folder) == []
    return ["exit 130", "one line: interrupted", "nothing written, no temporary left"]


def _grid_cache_tampered(folder: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The kept built-in grid is altered between two runs: the second run notices (its
    checksum), rebuilds it and prints the same figures."""
    import numpy as np

    from zoneplan.measure.population import grid_cache, population_sources

    monkeypatch.setenv("ZONEPLAN_DATA_DIR", str(folder / "cache"))
    runs = []
    for i in range(2):
        population_sources.builtin_population.cache_clear()  # read the kept grid again
        assert main(["run", "green-red-2025-11", "--no-ranges", "--format", "json"]) == 0
        data = json.loads(capsys.readouterr().out)
        data["provenance"].pop("time_utc")
        runs.append(data)
        (kept,) = (folder / "cache" / "derived").glob(f"{grid_cache.PREFIX}*.npz")
        if i == 0:
            with np.load(kept) as f:
                arrays = {k: f[k] for k in f.files}
            spread = next(k for k in arrays if k.startswith("spread_"))
            arrays[spread] = arrays[spread].copy()
            arrays[spread][0] = np.nan
            with kept.open("wb") as fh:
                np.savez(fh, **arrays)
            tampered = kept.read_bytes()
    population_sources.builtin_population.cache_clear()
    assert runs[0] == runs[1]
    assert kept.read_bytes() != tampered
    return ["same figures", "the tampered grid was rebuilt"]
