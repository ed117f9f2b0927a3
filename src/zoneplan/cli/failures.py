"""What :func:`zoneplan.cli.main.main` says when a command fails, and the exit code.

* A usage error (an unknown command or option, a missing or wrong value) prints the
  command's usage line, what is wrong and a hint; exit 2. typer (0.26 and later) raises
  the exceptions of its own copy of click, ``typer._click``, not those of ``click``:
  :data:`USAGE_ERRORS` are the classes typer really raises.
* An error of the operating system about the user's files and folders (a file that
  cannot be read, a folder where a file is needed, a full disk) names the path and the
  fix; exit 2.

Examples
--------
>>> import errno
>>> print(os_error_text(PermissionError(errno.EACCES, "Permission denied", "plan.yaml")))
plan.yaml: permission denied
  → give yourself access (e.g. chmod u+rw plan.yaml), or use a file or folder you can read and write
"""

from __future__ import annotations

import difflib
import errno
import importlib
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ValidationError

from zoneplan.plan.messages import describe

__all__ = ["CLICK_ERRORS", "NO_ARGS", "USAGE_ERRORS", "loop_error_text", "os_error_text",
           "usage_error_text"]


def _click_exceptions() -> ModuleType:
    """The exceptions module of the click that typer uses (its own copy since 0.26)."""
    try:
        return importlib.import_module("typer._click.exceptions")
    except ImportError:  # typer before 0.26 uses click itself
        return importlib.import_module("click.exceptions")


_CX = _click_exceptions()
CLICK_ERRORS: type[Exception] = _CX.ClickException
"""Every error typer's click shows to a user (the base of :data:`USAGE_ERRORS`)."""
USAGE_ERRORS: type[Exception] = _CX.UsageError
"""Usage errors as typer raises them: unknown command or option, missing or bad value."""
NO_ARGS: type[Exception] = _CX.NoArgsIsHelpError
"""Raised after the help is printed for a command given without arguments."""

_PERMISSION = {errno.EACCES, errno.EPERM}


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def usage_error_text(exc: Exception, args: list[str]) -> str:
    """A usage error as zoneplan words it: the usage line, what is wrong, a hint.

    Parameters
    ----------
    exc
        One of :data:`USAGE_ERRORS`.
    args
        The command line (without the program name), to name the command when typer
        does not.
    """
    ctx: Any = getattr(exc, "ctx", None)
    fmt = getattr(exc, "format_message", None)
    what = (fmt() if callable(fmt) else str(exc)).replace("Value error, ", "")
    param: Any = getattr(exc, "param", None)
    if isinstance(exc.__cause__, ValidationError) and param is not None:
        # typer checks values with pydantic: say it in zoneplan's words
        hint_of = getattr(param, "get_error_hint", None)
        name = str(hint_of()) if callable(hint_of) else repr(getattr(param, "name", "?"))
        first = exc.__cause__.errors(include_url=False)[0]
        what, _, _ = describe(first, model=BaseModel, name=name)
    if ctx is not None:
        usage = _first_line(ctx.get_usage())
        command = ctx.command_path
    else:
        words = [a for a in args if not a.startswith("-")]
        command = "zoneplan" + (f" {words[0]}" if words else "")
        usage = f"Usage: {command} [OPTIONS] ..."
    hint = f"run `{command} --help` to see the commands and options"
    commands = getattr(getattr(ctx, "command", None), "list_commands", None)
    if what.startswith("No such command") and callable(commands):
        names = list(commands(ctx))
        wrong = what.split("'")[1] if what.count("'") >= 2 else ""
        near = difflib.get_close_matches(wrong, names, n=1)
        hint = (f"did you mean `{command} {near[0]}`? " if near else "") + \
            f"commands: {', '.join(names)}"
    return f"{usage}\nerror: {what}\n  → {hint}"


def os_error_text(exc: OSError) -> str | None:
    """An operating-system error about the user's files, with the path and the fix.

    Returns
    -------
    str or None
        The message, or None if the error names no path and is not one a user can fix
        (then it is a bug).
    """
    path = exc.filename if exc.filename is not None else None
    shown = str(path) if path is not None else "the output"
    if exc.errno in _PERMISSION or isinstance(exc, PermissionError):
        return (f"{shown}: permission denied\n  → give yourself access (e.g. chmod u+rw "
                f"{shown}), or use a file or folder you can read and write")
    if exc.errno == errno.EISDIR or isinstance(exc, IsADirectoryError):
        return (f"{shown} is a folder, where a file is needed\n  → give the name of a file "
                f"(e.g. {shown}/result.json), or choose another name")
    if exc.errno == errno.ENOTDIR or isinstance(exc, NotADirectoryError):
        return (f"{shown}: a part of this path is a file, not a folder\n  → check the path")
    if exc.errno == errno.ENOSPC:
        return (f"{shown}: no space left on the disk\n  → free some space, or write to "
                "another disk")
    if exc.errno == errno.EROFS:
        return f"{shown}: the disk is read-only\n  → write somewhere else"
    if exc.errno == errno.ELOOP:
        return (f"{shown} is a symbolic link that loops (it leads back to itself)\n  → point "
                "the link at a real file or folder, or give its own path")
    if exc.errno == errno.ENAMETOOLONG:
        return f"{shown}: the name is too long\n  → choose a shorter name or path"
    if exc.errno == errno.ENOENT or isinstance(exc, FileNotFoundError):
        return f"{shown} does not exist\n  → check the path"
    if path is not None:
        reason = (exc.strerror or type(exc).__name__).lower()
        return f"{shown}: {reason}\n  → check the path and that you can use it"
    return None


def loop_error_text(exc: RuntimeError) -> str | None:
    """``Path.resolve`` on a symbolic link that loops raises ``RuntimeError("Symlink loop
    from '...'")`` (Python before 3.13): the path and the fix, or None for another error.

    Examples
    --------
    >>> print(loop_error_text(RuntimeError("Symlink loop from '/tmp/a'")))
    /tmp/a is a symbolic link that loops (it leads back to itself)
      → point the link at a real file or folder, or give its own path
    """
    text = str(exc)
    prefix = "Symlink loop from "
    if not text.startswith(prefix):
        return None
    return os_error_text(OSError(errno.ELOOP, "Too many levels of symbolic links",
                                 text[len(prefix):].strip("'\"")))
