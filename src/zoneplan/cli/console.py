"""The consoles every command prints through.

On a terminal, rich wraps at the terminal's width. Piped or captured, output wraps at
:data:`PIPED_WIDTH` columns (or ``$COLUMNS`` when set, read at each print), by words,
and no line ends in spaces (rich pads table cells and wrapped lines to the width; a
pasted paragraph should not carry them). Text is printed as written: no ``:name:`` is
turned into an emoji.
"""

from __future__ import annotations

import functools
import io
import os
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["PIPED_WIDTH", "TrimmedLines", "err", "out"]

PIPED_WIDTH = 100
"""Columns when output is piped or captured (rich would assume 80; a mail, an issue or a
text file reads well at 100)."""


class TrimmedLines(io.TextIOBase):
    """Standard output with the spaces at the end of each line left out.

    Writes go to whatever ``sys.stdout`` is at the time of writing (a test may capture
    it); a line's end is held back until its newline or :meth:`flush` arrives.

    Examples
    --------
    >>> import contextlib
    >>> buf = io.StringIO()
    >>> with contextlib.redirect_stdout(buf):
    ...     t = TrimmedLines()
    ...     _ = t.write("a   \\nb  ")
    ...     _ = t.write("c  \\n")
    >>> buf.getvalue()
    'a\\nb  c\\n'
    """

    def __init__(self) -> None:
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        if lines:
            sys.stdout.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            sys.stdout.write(self._pending)
            self._pending = ""
        sys.stdout.flush()


@functools.cache
def _piped_console() -> type[Console]:
    """The class of a console for piped or captured output (made when first asked for:
    rich is imported then)."""
    from rich.console import Console, ConsoleDimensions

    class PipedConsole(Console):
        """A console for output that is piped or captured: :data:`PIPED_WIDTH` columns, or
        ``$COLUMNS`` if set when printing (a wider table on request)."""

        @property
        def size(self) -> ConsoleDimensions:
            columns = os.environ.get("COLUMNS", "")
            width = int(columns) if columns.isdigit() and int(columns) > 0 else PIPED_WIDTH
            return ConsoleDimensions(width, super().size.height)

        @size.setter
        def size(self, new_size: tuple[int, int]) -> None:
            self._width, self._height = new_size

    return PipedConsole


def _out() -> Console:
    """Standard output's console: rich's on a terminal; piped or captured, 100 columns,
    by words, no trailing spaces."""
    from rich.console import Console

    # emoji=False: text is printed as it is written (a zone named ":fire:" is not turned
    # into an emoji), and no emoji code is looked for in every string (about 6 ms of a
    # fresh run)
    console = Console(soft_wrap=False, emoji=False)
    if console.is_terminal:
        return console
    return _piped_console()(soft_wrap=False, emoji=False, file=cast("IO[str]", TrimmedLines()))


def _err() -> Console:
    """Standard error's console."""
    from rich.console import Console

    return Console(stderr=True, emoji=False)


class _OnFirstUse:
    """A console made when it is first used: a command that prints nothing through it
    (``zoneplan run --format json --out FILE``) imports no rich (about 16 ms of CPU).
    Everything else is the console's: attributes, ``with``."""

    def __init__(self, make: Callable[[], Console]) -> None:
        object.__setattr__(self, "_make", make)
        object.__setattr__(self, "_console", None)

    def _get(self) -> Console:
        console = object.__getattribute__(self, "_console")
        if console is None:
            console = object.__getattribute__(self, "_make")()
            object.__setattr__(self, "_console", console)
        return cast("Console", console)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._get(), name, value)

    def __enter__(self) -> Console:
        return self._get().__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._get().__exit__(*exc)


out = cast("Console", _OnFirstUse(_out))
err = cast("Console", _OnFirstUse(_err))
