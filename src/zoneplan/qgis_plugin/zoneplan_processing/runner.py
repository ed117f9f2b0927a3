"""Running the ``zoneplan`` command from QGIS: finding it, checking its version, reading its
progress, stopping it on Cancel, and turning its error messages into the algorithm's.

Plain Python (no QGIS import), so it can be tested without QGIS. The command is found
in Processing's provider setting (``zoneplan qgis install`` records the one it was run
with), else ``$ZONEPLAN_EXECUTABLE``, else on ``PATH``. Commands are run with
``--progress json``: each line of standard error that is a JSON object with
``progress`` is progress; every other line is a message (warnings, notes, and on exit
code 2 the error, which names the file or field and a fix).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

MIN_VERSION = (0, 1, 0)
"""The oldest zoneplan whose commands this plugin drives (``--progress json``, ``--gpkg``)."""

INSTALL_HINT = ("install zoneplan (pip install zoneplan, Python 3.11 or later), then run "
                "`zoneplan qgis install`, or set the path of the zoneplan command in "
                "Processing ▸ Options ▸ Providers ▸ zoneplan")
"""What to do when the command cannot be found or is too old."""

STOP_GRACE_S = 5.0
"""Seconds the command is given to stop (and remove its temporary files) after Cancel
before it is killed."""

_versions: dict[str, tuple[int, ...]] = {}


class ZoneplanError(Exception):
    """The command could not run, or failed; ``str()`` is the message for the user."""


class ZoneplanCanceledError(ZoneplanError):
    """The user pressed Cancel; the command was stopped."""


def find_executable(setting: str | None = None) -> str:
    """The ``zoneplan`` command to run.

    Raises
    ------
    ZoneplanError
        When the setting names no file, or no command is found.
    """
    for where, value in (("the provider setting", setting),
                         ("ZONEPLAN_EXECUTABLE", os.environ.get("ZONEPLAN_EXECUTABLE"))):
        if value:
            path = Path(value.strip().strip('"')).expanduser()
            if path.is_file() and os.access(path, os.X_OK):
                return str(path)
            raise ZoneplanError(f"the zoneplan command in {where} ({value}) is not an "
                                f"executable file: {INSTALL_HINT}")
    found = shutil.which("zoneplan")
    if found is None:
        raise ZoneplanError(f"the zoneplan command was not found on PATH: {INSTALL_HINT}")
    return found


def parse_version(text: str) -> tuple[int, ...] | None:
    """The version in ``zoneplan --version``'s output.

    >>> parse_version("zoneplan 0.1.0\\n"), parse_version("nothing")
    ((0, 1, 0), None)
    """
    m = re.search(r"zoneplan\s+(\d+(?:\.\d+)*)", text)
    return tuple(int(p) for p in m.group(1).split(".")) if m else None


def child_environment() -> dict[str, str]:
    """The environment of the command: this one without QGIS's own Python settings
    (``PYTHONHOME``, ``PYTHONPATH`` entries inside QGIS), with plain, wide, UTF-8 output."""
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    if env.get("PYTHONPATH"):
        keep = [p for p in env["PYTHONPATH"].split(os.pathsep)
                if p and "qgis" not in p.lower().replace("\\", "/").split("/")]
        if keep:
            env["PYTHONPATH"] = os.pathsep.join(keep)
        else:
            env.pop("PYTHONPATH")
    env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200",
                "PYTHONIOENCODING": "utf-8", "PYTHONUTF8": "1"})
    return env


def _popen_flags() -> int:
    return getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0


def check_version(exe: str) -> tuple[int, ...]:
    """``zoneplan --version`` of ``exe``, checked against :data:`MIN_VERSION` (once per
    command per session).

    Raises
    ------
    ZoneplanError
        When the command does not run or is older than the plugin needs.
    """
    if exe in _versions:
        return _versions[exe]
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=120,
                              env=child_environment(), check=False,
                              creationflags=_popen_flags())
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ZoneplanError(f"could not run {exe} --version ({exc}): {INSTALL_HINT}") from exc
    version = parse_version(done.stdout)
    if done.returncode != 0 or version is None:
        raise ZoneplanError(f"{exe} --version did not answer as zoneplan does "
                            f"({(done.stderr or done.stdout).strip()[:300]}): {INSTALL_HINT}")
    if version < MIN_VERSION:
        raise ZoneplanError(
            f"zoneplan {'.'.join(map(str, version))} at {exe} is too old for this plugin, "
            f"which needs {'.'.join(map(str, MIN_VERSION))} or later: pip install -U zoneplan")
    _versions[exe] = version
    return version


def progress_line(line: str) -> tuple[float, str] | None:
    """``(fraction, message)`` if ``line`` is a progress line, else ``None``.

    >>> progress_line('{"progress": 0.5, "message": "cutting zones"}')
    (0.5, 'cutting zones')
    >>> progress_line("warning: something") is None
    True
    """
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if not isinstance(obj, dict) or "progress" not in obj:
        return None
    value = obj.get("progress")
    fraction = float(value) if isinstance(value, (int, float)) else 0.0
    return fraction, str(obj.get("message", ""))


def error_text(lines: Sequence[str]) -> str:
    """zoneplan's message from its standard error (``error:`` dropped, the fix kept).

    >>> error_text(["warning: w", "error: plan.yaml, line 3: bad", "  → fix it"])
    'plan.yaml, line 3: bad\\n  → fix it'
    """
    kept = [ln.rstrip() for ln in lines if ln.strip()]
    for i, ln in enumerate(kept):
        if ln.startswith(("error:", "internal error:")):
            first = ln.split(":", 1)[1].strip() if ln.startswith("error:") else ln
            return "\n".join([first, *kept[i + 1:]])
    return "\n".join(kept) or "zoneplan failed without a message"


def _pump(stream: object, tag: str, into: queue.Queue[tuple[str, str | None]]) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        into.put((tag, line))
    into.put((tag, None))


def run(exe: str, args: Sequence[str], *, on_progress: Callable[[float, str], None],
        on_message: Callable[[str], None], canceled: Callable[[], bool],
        cwd: str | None = None) -> list[str]:
    """Run ``exe args`` and wait; returns its standard output's lines.

    ``on_progress(fraction, message)`` is called for each progress line and
    ``on_message(line)`` for every other line of standard error, both in this thread.
    ``canceled()`` is asked ten times a second: when true, the command is stopped
    (SIGTERM, which zoneplan answers by removing its temporary files; killed after
    :data:`STOP_GRACE_S`) and :class:`ZoneplanCanceledError` raised.

    Raises
    ------
    ZoneplanError
        When the command fails: its message (exit code 2: the input named and a fix).
    """
    try:
        proc = subprocess.Popen([exe, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True, encoding="utf-8",
                                errors="replace", env=child_environment(), cwd=cwd,
                                creationflags=_popen_flags())
    except OSError as exc:
        raise ZoneplanError(f"could not start {exe} ({exc}): {INSTALL_HINT}") from exc
    lines: queue.Queue[tuple[str, str | None]] = queue.Queue()
    for stream, tag in ((proc.stdout, "out"), (proc.stderr, "err")):
        threading.Thread(target=_pump, args=(stream, tag, lines), daemon=True).start()
    out: list[str] = []
    errors: list[str] = []
    open_streams = 2
    stopped_at: float | None = None
    while open_streams:
        if stopped_at is None and canceled():
            proc.terminate()
            stopped_at = time.monotonic()
        if stopped_at is not None and time.monotonic() - stopped_at > STOP_GRACE_S:
            proc.kill()
        try:
            tag, line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if line is None:
            open_streams -= 1
        elif tag == "out":
            out.append(line.rstrip("\n"))
        elif (step := progress_line(line)) is not None:
            on_progress(*step)
        else:
            errors.append(line.rstrip("\n"))
            on_message(line.rstrip("\n"))
    code = proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    if stopped_at is not None:
        raise ZoneplanCanceledError("canceled: zoneplan was stopped")
    if code != 0:
        raise ZoneplanError(error_text(errors))
    return out
