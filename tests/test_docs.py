"""The README and the documentation site: every example runs, the site builds strictly.

Examples are the fenced ``bash`` and ``python`` blocks of ``README.md`` and ``docs/*.md``,
and the ``$ `` lines of plain blocks (a command shown with its output). Each page's
examples run in order in a folder of their own (a later example may read what an
earlier one wrote), beside a link to ``../shared`` as the repository has, with the
installed ``zoneplan``. A block preceded by ``<!-- not run: REASON -->`` is listed with
its reason and not run (an install, or a cluster on other machines); one preceded by
``<!-- exits N -->`` must exit with N. Monte Carlo examples run with at most
:data:`DRAWS` draws.

A plain ``zoneplan`` command (its output at most redirected to a file) runs in this
process, through the entry point the console script calls (:func:`zoneplan.cli.app.main`),
which gives the exit code the script would: a fresh interpreter per example cost about
half a second of start-up each. The first command of a page, Python blocks, pipelines,
substitutions and commands that open a Dask cluster still run as processes of their own,
with the installed ``zoneplan`` script (:func:`in_process` says which).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 300
FENCE = re.compile(r"^```(\w*)\s*$")
MARK = re.compile(r"<!--\s*(not run|exits)\s*:?\s*(.*?)\s*-->")


@dataclass(frozen=True)
class Example:
    """One runnable example: a shell command or a Python block, and where it is."""

    page: Path
    line: int
    kind: str  # "shell" or "python"
    code: str
    exits: int = 0
    skip: str = ""


def _commands(block: list[str], prompted: bool) -> list[tuple[int, str]]:
    """Shell commands of a block, continuation lines joined; with ``prompted``, only the
    lines after ``$ `` (the rest is output)."""
    out: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for i, raw in enumerate(block):
        line = raw.rstrip()
        if not current:
            if prompted:
                if not line.startswith("$ "):
                    continue
                line = line[2:]
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            start = i
        current.append(line.removesuffix("\\").strip() if line.endswith("\\") else line.strip())
        if not line.endswith("\\"):
            out.append((start, " ".join(current)))
            current = []
    return out


def examples(page: Path) -> list[Example]:
    """The examples of one page, in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Example] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1), i
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        block = lines[i + 1:j]
        mark = next((MARK.search(lines[k]) for k in range(max(0, start - 2), start)
                     if MARK.search(lines[k])), None)
        skip = mark.group(2) if mark and mark.group(1) == "not run" else ""
        exits = int(mark.group(2)) if mark and mark.group(1) == "exits" else 0
        if lang == "python":
            found.append(Example(page, start + 2, "python", "\n".join(block), exits, skip))
        elif lang in ("bash", "sh", "console", ""):
            prompted = lang in ("console", "") or any(b.startswith("$ ") for b in block)
            if lang == "" and not any(b.startswith("$ ") for b in block):
                i = j + 1
                continue
            for k, cmd in _commands(block, prompted):
                found.append(Example(page, start + 2 + k, "shell", cmd, exits, skip))
        i = j + 1
    return found


ALL = [ex for page in PAGES for ex in examples(page)]
DRAWS = 20
"""Monte Carlo draws an example runs with at most: ``--samples 1000`` shows a reader a
sound number of draws, but whether the command runs does not depend on it (a thousand
draws took most of the suite's time)."""
SAMPLES = re.compile(r"(--samples[ =]|samples=)(\d+)")


def fewer_draws(code: str) -> str:
    """``code`` with every number of draws above :data:`DRAWS` lowered to it."""
    return SAMPLES.sub(lambda m: m.group(1) + str(min(int(m.group(2)), DRAWS)), code)


SHELL_SIGNS = set("|&;<()*?[]{}~!")
"""Characters a shell reads, outside quotes, that make a command more than one plain
``zoneplan`` call (besides ``$``, a backquote or a backslash anywhere, and ``>`` other
than one redirection at the end)."""


def _unquoted(code: str) -> str:
    """``code`` without its quoted parts and its comment, as bash reads them.

    Examples
    --------
    >>> _unquoted("zoneplan run --layer 'a=b,where=c in (1)' |x  # (a) note")
    'zoneplan run --layer  |x  '
    """
    kept: list[str] = []
    quote = ""
    for i, ch in enumerate(code):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or code[i - 1].isspace()):
            break
        else:
            kept.append(ch)
    return "".join(kept)


def in_process(code: str, first: bool) -> tuple[list[str], str] | None:
    """The arguments of a plain ``zoneplan`` command and the file its output is
    redirected to ("" for none), or None when the example runs as a process: the first
    command of a page (so each page runs the installed script), anything else a shell
    must read, and a command that opens a Dask cluster (its workers are processes).

    Examples
    --------
    >>> in_process("zoneplan run --layer 'a=b,where=c in (1)'  # (a) note", False)
    (['run', '--layer', 'a=b,where=c in (1)'], '')
    >>> in_process("zoneplan show p --shift l=1,west > moved.yaml", False)
    (['show', 'p', '--shift', 'l=1,west'], 'moved.yaml')
    >>> in_process("zoneplan run --samples 20 --scheduler serial", False)
    (['run', '--samples', '20', '--scheduler', 'serial'], '')
    >>> [in_process(c, False) for c in ("zoneplan run --samples 20", "zoneplan x | sed y",
    ...  "zoneplan run $(ls a)", "zoneplan run a*.geojson", "zoneplan run >a b")]
    [None, None, None, None, None]
    >>> in_process("zoneplan run", True)
    """
    bare = _unquoted(code)
    if first or SHELL_SIGNS & set(bare) or any(c in code for c in "$`\\"):
        return None
    words = shlex.split(code, comments=True)
    target = ""
    if bare.count(">") == 1:
        if len(words) < 2 or words[-2] != ">":
            return None
        target, words = words[-1], words[:-2]
    elif ">" in bare:
        return None
    samples = any(w == "--samples" or w.startswith("--samples=") for w in words)
    serial = any(a == "--scheduler" and b == "serial" for a, b in pairwise(words))
    if words[:1] != ["zoneplan"] or ((samples or "--scheduler" in words) and not serial):
        return None
    return words[1:], target


def test_readme_is_a_front_page() -> None:
    n = len((ROOT / "README.md").read_text(encoding="utf-8").splitlines())
    assert n <= README_MAX_LINES, f"README.md has {n} lines (at most {README_MAX_LINES})"


def test_examples_are_found_and_every_skip_says_why() -> None:
    assert len([e for e in ALL if e.page.name == "README.md" and not e.skip]) >= 6
    assert len([e for e in ALL if e.kind == "python"]) >= 2
    for e in ALL:
        assert e.skip or not MARK.search(e.code), e
    assert all(len(e.skip) > 10 for e in ALL if e.skip), [e for e in ALL if e.skip]


def test_the_example_reader_reads_what_a_reader_sees(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text("```bash\n# a comment\nzoneplan run \\\n  --no-ranges\n```\n\n"
                    "```\n$ zoneplan plans\noutput\n```\n\n<!-- exits 2 -->\n```bash\n"
                    "zoneplan run --format xml\n```\n\n<!-- not run: needs a cluster here -->"
                    "\n```bash\ndask scheduler\n```\n```python\nprint(1)\n```\n")
    got = [(e.kind, e.code, e.exits, bool(e.skip)) for e in examples(page)]
    assert got == [("shell", "zoneplan run --no-ranges", 0, False),
                   ("shell", "zoneplan plans", 0, False),
                   ("shell", "zoneplan run --format xml", 2, False),
                   ("shell", "dask scheduler", 0, True),
                   ("python", "print(1)", 0, False)]
    assert fewer_draws("zoneplan run --samples 1000 --seed 7; zoneplan run --samples=5") == \
        "zoneplan run --samples 20 --seed 7; zoneplan run --samples=5"
    assert fewer_draws("zoneplan.run(plan, samples=1000, seed=7)") == \
        "zoneplan.run(plan, samples=20, seed=7)"
    assert any("--samples 1000" in e.code for e in ALL if not e.skip)  # what is lowered


def _workdir(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    if SHARED.exists():
        (tmp_path / "shared").symlink_to(SHARED)
    return work


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p in PAGES if any(not e.skip for e in examples(p))],
                         ids=lambda p: p.name)
def test_every_example_of_the_page_runs(page: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    if not SHARED.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("../shared is required under CI=true")
        pytest.skip("../shared is absent")
    from zoneplan.cli.app import main

    work = _workdir(tmp_path)
    env = {**os.environ, "NO_COLOR": "1"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    monkeypatch.chdir(work)
    monkeypatch.setenv("NO_COLOR", "1")
    first = True
    for ex in examples(page):
        if ex.skip:
            continue
        code = fewer_draws(ex.code)
        here = in_process(code, first) if ex.kind == "shell" else None
        first = False
        if here is not None:
            args, target = here
            capsys.readouterr()
            exit_code = main(args)
            printed = capsys.readouterr()
            if target:
                (work / target).write_text(printed.out, encoding="utf-8")
            assert exit_code == ex.exits, (
                f"{ex.page.name}, line {ex.line}: `{ex.code}` exited {exit_code} (in this "
                f"process), not {ex.exits}\n{printed.out[-2000:]}\n{printed.err[-3000:]}")
            continue
        if ex.kind == "python":
            script = work / f"example_{ex.line}.py"
            script.write_text(code + "\n", encoding="utf-8")
            run_args: list[str] = [sys.executable, str(script)]
        else:
            run_args = [shutil.which("bash") or "/bin/bash", "-o", "pipefail", "-c", code]
        run = subprocess.run(run_args, cwd=work, env=env, capture_output=True, text=True,
                             timeout=600, check=False, stdin=subprocess.DEVNULL)
        assert run.returncode == ex.exits, (
            f"{ex.page.name}, line {ex.line}: `{ex.code}` exited {run.returncode}, "
            f"not {ex.exits}\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}")


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).parent / "mkdocs")
    if not Path(mkdocs).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("mkdocs is required under CI=true (pip install -e '.[docs]')")
        pytest.skip("mkdocs is not installed")
    run = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
                         env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "site" / "index.html").exists()


def test_the_editor_example_request_is_answered(tmp_path: Path) -> None:
    """The curl example of docs/editor.md (not run: it needs a server) sent to the app."""
    import json

    from fastapi.testclient import TestClient

    from zoneplan.web.app import create_app

    [ex] = [e for e in examples(ROOT / "docs" / "editor.md") if "curl" in e.code]
    path = re.search(r"http://127\.0\.0\.1:8765(/\S+)", ex.code)
    body = re.search(r"-d '(\{.*\})'", ex.code)
    assert path and body, ex.code
    client = TestClient(create_app("green-red-2025-11", save_dir=tmp_path),
                        base_url="http://127.0.0.1")
    answer = client.post(path.group(1), json=json.loads(body.group(1)))
    assert answer.status_code == 200, answer.text
    assert answer.json()["totals"]["area_km2"] > 0
