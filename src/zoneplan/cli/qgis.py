"""``zoneplan qgis install|uninstall``: the QGIS Processing plugin put into a QGIS profile.

The plugin (``zoneplan_processing``) ships inside the package, as data under
``zoneplan/qgis_plugin/`` (not a Python package of zoneplan: QGIS imports it with its
own Python), so an installed zoneplan can install it without a checkout. ``install``
copies it (or, with ``--link``, links it, for development) into the profile's
``python/plugins`` folder, enables it in the profile's ``QGIS/QGIS3.ini``
(``[PythonPlugins]``) and records which ``zoneplan`` command the plugin runs (Processing's
provider setting ``ZONEPLAN_EXECUTABLE``), because QGIS started from a desktop menu does
not see a virtual environment's ``PATH``. The profiles folder is QGIS's own:
``$QGIS_CUSTOM_CONFIG_PATH/profiles`` when that is set, else
``~/.local/share/QGIS/QGIS3/profiles`` (Linux), ``~/Library/Application
Support/QGIS/QGIS3/profiles`` (macOS) or ``%APPDATA%/QGIS/QGIS3/profiles`` (Windows).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from zoneplan.cli.console import out
from zoneplan.errors import InputError

__all__ = ["PLUGIN_NAME", "app", "executable", "install", "plugin_source", "profiles_root",
           "set_ini_value", "uninstall"]

PLUGIN_NAME = "zoneplan_processing"
"""The plugin's folder name, as QGIS and ``qgis_process plugins enable`` know it."""

EXECUTABLE_KEY = "Configuration\\ZONEPLAN_EXECUTABLE"
"""The provider setting (in section ``[Processing]``) holding the ``zoneplan`` command."""

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="The QGIS Processing plugin: install, uninstall.")

ProfileOpt = Annotated[str, typer.Option(
    "--profile", help="The QGIS user profile (a folder name under the profiles folder).")]


def profiles_root() -> Path:
    """QGIS's folder of user profiles on this computer (see the module docstring)."""
    custom = os.environ.get("QGIS_CUSTOM_CONFIG_PATH")
    if custom:
        return Path(custom) / "profiles"
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "QGIS" / "QGIS3" / "profiles"


def plugin_source() -> Path:
    """The plugin folder shipped with zoneplan."""
    return Path(str(resources.files("zoneplan") / "qgis_plugin" / PLUGIN_NAME))


def executable() -> Path | None:
    """The ``zoneplan`` command of the environment running now (not a pyenv shim, which
    depends on the shell), or the one on ``PATH``, or ``None``."""
    name = "zoneplan.exe" if sys.platform == "win32" else "zoneplan"
    here = Path(sys.executable).parent / name
    if here.is_file():
        return here
    found = shutil.which("zoneplan")
    return Path(found) if found else None


def _profile_dir(profile: str) -> Path:
    if not profile or re.search(r"[\\/]|^\.\.?$", profile):
        raise InputError(f"--profile {profile!r} is not a profile name",
                         suggestion="give the folder name of a QGIS profile, e.g. default")
    return profiles_root() / profile


def set_ini_value(path: Path, section: str, key: str, value: str | None) -> None:
    """Set ``key=value`` in ``[section]`` of a QSettings INI file (``None`` removes it),
    leaving every other line as it is.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "QGIS3.ini"
    >>> _ = p.write_text("[qgis]\\nx=1\\n")
    >>> set_ini_value(p, "PythonPlugins", "zoneplan_processing", "true")
    >>> set_ini_value(p, "qgis", "y", "2")
    >>> print(p.read_text(), end="")
    [qgis]
    x=1
    y=2
    <BLANKLINE>
    [PythonPlugins]
    zoneplan_processing=true
    >>> set_ini_value(p, "PythonPlugins", "zoneplan_processing", None)
    >>> "zoneplan_processing" in p.read_text()
    False
    """
    from zoneplan.io.outputs import write_text_atomic

    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    header = f"[{section}]"
    start = next((i for i, ln in enumerate(lines) if ln.strip() == header), None)
    if start is None:
        if value is None:
            return
        while lines and not lines[-1].strip():
            lines.pop()
        lines += ([""] if lines else []) + [header, f"{key}={value}"]
    else:
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i].startswith("[")), len(lines))
        at = next((i for i in range(start + 1, end)
                   if lines[i].split("=", 1)[0].strip() == key), None)
        if at is not None:
            if value is None:
                del lines[at]
            else:
                lines[at] = f"{key}={value}"
        elif value is not None:
            last = end
            while last > start + 1 and not lines[last - 1].strip():
                last -= 1
            lines.insert(last, f"{key}={value}")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, "\n".join(lines) + "\n", overwrite=True)


def _ini_text(value: Path) -> str:
    """A path as QSettings reads it back as one string (quoted if it has a comma)."""
    text = str(value).replace("\\", "/") if sys.platform == "win32" else str(value)
    return f'"{text}"' if "," in text or '"' in text else text


def _remove(target: Path) -> None:
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)


@app.command("install")
def install(
    profile: ProfileOpt = "default",
    link: Annotated[bool, typer.Option(
        "--link", help="Link the plugin folder instead of copying it (for development: "
        "changes to zoneplan's plugin are seen at QGIS's next start).")] = False,
) -> None:
    """Install the zoneplan Processing plugin into a QGIS profile and enable it."""
    source = plugin_source()
    if not (source / "metadata.txt").is_file():
        raise InputError(f"the QGIS plugin is missing from this zoneplan ({source})",
                         suggestion="reinstall zoneplan (pip install --force-reinstall "
                         "zoneplan)")
    folder = _profile_dir(profile)
    plugins = folder / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    target = plugins / PLUGIN_NAME
    _remove(target)  # our own plugin, an older copy or link of it
    if link:
        target.symlink_to(source, target_is_directory=True)
    else:
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    ini = folder / "QGIS" / "QGIS3.ini"
    set_ini_value(ini, "PythonPlugins", PLUGIN_NAME, "true")
    exe = executable()
    if exe is not None:
        set_ini_value(ini, "Processing", EXECUTABLE_KEY, _ini_text(exe))
    out.print(f"{'linked' if link else 'copied'} {PLUGIN_NAME} to {target} and enabled it "
              f"in {ini}", highlight=False)
    out.print(f"the plugin runs {exe if exe is not None else 'zoneplan from PATH'}; restart "
              "QGIS, then find zoneplan in the Processing Toolbox, or run e.g.\n"
              "  qgis_process run zoneplan:evaluate -- PLAN=green-red-2025-11 "
              "OUTPUT=zones.gpkg", highlight=False)


@app.command("uninstall")
def uninstall(profile: ProfileOpt = "default") -> None:
    """Remove the zoneplan Processing plugin from a QGIS profile."""
    folder = _profile_dir(profile)
    target = folder / "python" / "plugins" / PLUGIN_NAME
    ini = folder / "QGIS" / "QGIS3.ini"
    present = target.exists() or target.is_symlink()
    _remove(target)
    if ini.exists():
        set_ini_value(ini, "PythonPlugins", PLUGIN_NAME, None)
        set_ini_value(ini, "Processing", EXECUTABLE_KEY, None)
    out.print(f"removed {target}" if present else f"{PLUGIN_NAME} was not installed in "
              f"{folder}", highlight=False)
