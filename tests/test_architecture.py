"""The house shows its flow: import contracts hold (and can fail), modules stay small.

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
MAX_LINES = 500
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


def test_no_module_over_500_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_top_level_shows_the_flow() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules
    stages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert {"geometry", "pack", "plan", "io", "measure", "scenarios", "render", "cli",
            "web"} <= stages
