"""The house shows its flow: import contracts hold (and can fail), rooms hold one idea
each, and no module imports itself through others, even inside a function.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and are checked with
import-linter, as ``lint-imports`` does on the command line.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "zoneplan"
MAX_MODULES = 15
MAX_TOP_LEVEL_MODULES = 6


def _lint_imports(cwd: Path, src: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the package under ``src`` with the contracts in ``cwd``."""
    env = {"PYTHONPATH": str(src), "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=300, check=False)


def test_import_contracts_hold() -> None:
    run = _lint_imports(ROOT, ROOT / "src")
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 broken" in run.stdout, run.stdout


@pytest.mark.parametrize("module,line", [
    # the plan format must not know how figures are drawn
    ("plan/model.py", "from zoneplan.render import text as _violation"),
    # measurement must not draw
    ("measure/zones.py", "import matplotlib as _violation"),
    # the pack is data: it must not reach up into measurement
    ("pack/tables.py", "from zoneplan.measure import cells as _violation"),
])
def test_a_violation_breaks_the_contracts(tmp_path: Path, module: str, line: str) -> None:
    """A deliberate wrong-way import in a copy of the package fails the check."""
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src / "zoneplan",
                    ignore=shutil.ignore_patterns("__pycache__", "data", "static", "plans"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = src / "zoneplan" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    run = _lint_imports(tmp_path, src)
    assert run.returncode != 0, run.stdout
    importer = "zoneplan." + module.removesuffix(".py").replace("/", ".")
    assert f"{importer} ->" in run.stdout, run.stdout  # reported as the wrong-way import


def _folders() -> dict[str, list[Path]]:
    """Each folder of the package with its own modules (not its subfolders')."""
    return {str(d.relative_to(PACKAGE.parent)): sorted(d.glob("*.py"))
            for d in [PACKAGE, *PACKAGE.rglob("*")] if (d / "__init__.py").exists()}


def test_folders_hold_about_a_dozen_modules_and_none_a_quarter_of_the_code() -> None:
    """Rooms split by idea, not by a line cap: no folder over MAX_MODULES modules (not
    counting ``__init__``), none holding over a quarter of the package's lines."""
    lines = {f: sum(len(p.read_text(encoding="utf-8").splitlines()) for p in mods)
             for f, mods in _folders().items()}
    total = sum(lines.values())
    crowded = {f: n for f, mods in _folders().items()
               if (n := len([p for p in mods if p.name != "__init__.py"])) > MAX_MODULES}
    assert not crowded, f"folders over {MAX_MODULES} modules: {crowded}"
    heavy = {f: round(n / total, 3) for f, n in lines.items() if n > total / 4}
    assert not heavy, f"folders over a quarter of the code: {heavy}"


def test_top_level_shows_the_flow() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules
    stages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert {"geometry", "pack", "plan", "io", "measure", "scenarios", "render", "cli",
            "web"} <= stages


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The zoneplan modules ``path`` imports, at the top or inside functions, leaving out
    imports made only for type checkers (``if TYPE_CHECKING:``)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for part in node.body for n in ast.walk(part)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in modules:
                    found.add(sub)
                elif node.module in modules:
                    found.add(node.module)
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the zoneplan modules it imports, read from the source (no import runs)."""
    paths = {}
    for p in package.rglob("*.py"):
        name = ".".join(p.relative_to(package.parent).with_suffix("").parts)
        paths[name.removesuffix(".__init__")] = p
    return {m: _imports(p, set(paths)) for m, p in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of ``graph`` with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_even_inside_functions() -> None:
    assert cycles(import_graph(PACKAGE)) == []


def test_the_cycle_check_can_fail() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_a_hidden_import_inside_a_function_is_seen(tmp_path: Path) -> None:
    pkg = tmp_path / "zp"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "one.py").write_text("from zp.two import x\n")
    (pkg / "two.py").write_text("def f():\n    from zp import one\n    return one\n"
                                "from typing import TYPE_CHECKING\n"
                                "if TYPE_CHECKING:\n    import zp.one\n")
    assert cycles(import_graph(pkg)) == [["zp.one", "zp.two"]]


def _design_rows() -> dict[str, str]:
    """DESIGN.md's tree table: folder or module -> what it says the folder holds."""
    text = (ROOT / "DESIGN.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = line.split(" | ")
            rows[cells[0].strip("| `")] = cells[1]
    return rows


def test_design_names_every_folder_and_module_of_the_tree() -> None:
    """DESIGN.md stays true to the tree: each folder of the package has a row, each row
    names a folder or module that exists, and each module is named in its folder's row."""
    import re

    rows = _design_rows()
    folders = {str(d.relative_to(PACKAGE)) + "/" for d in PACKAGE.rglob("*")
               if (d / "__init__.py").exists() and (d.parent / "__init__.py").exists()}
    assert folders <= set(rows), f"folders without a row in DESIGN.md: {folders - set(rows)}"
    for name, holds in rows.items():
        path = PACKAGE / name
        assert path.exists(), f"DESIGN.md names {name}, which is not in the tree"
        if name.endswith("/") and (path / "__init__.py").exists():
            named = set(re.findall(r"`([a-z_]+)`", holds))
            modules = {p.stem for p in path.glob("*.py") if p.stem != "__init__"}
            assert modules <= named, f"{name}: modules DESIGN.md does not name: {modules - named}"


def test_every_module_and_name_design_cites_exists() -> None:
    """Each `stage.module.Name` or `stage/module.py` DESIGN.md cites resolves, so a move
    or a rename that leaves DESIGN.md behind fails here."""
    import importlib
    import re

    text = (ROOT / "DESIGN.md").read_text(encoding="utf-8")
    stages = {p.name.removesuffix(".py") for p in PACKAGE.iterdir()
              if p.suffix == ".py" or (p / "__init__.py").exists()}
    missing = []
    for ref in sorted(set(re.findall(r"`([a-z_]+(?:[./][A-Za-z_]+)+)`", text))):
        parts = re.split(r"[./]", ref.removesuffix(".py"))
        if parts[0] == "zoneplan":
            parts = parts[1:]
        if not parts or parts[0] not in stages:
            continue
        obj: object = None
        rest: list[str] = []
        for k in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(["zoneplan", *parts[:k]]))
            except ImportError:
                continue
            rest = parts[k:]
            break
        for name in rest:
            obj = getattr(obj, name, None)
        if obj is None:
            missing.append(ref)
    assert not missing, f"DESIGN.md cites what is not in the tree: {missing}"
