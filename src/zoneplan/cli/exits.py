"""Exit codes of the command line, in a module that imports nothing (the package's
``main`` reads them before the command line itself is imported)."""

from __future__ import annotations

__all__ = ["EXIT_BAD_INPUT", "EXIT_BUG", "EXIT_INTERRUPTED", "EXIT_OK"]

EXIT_OK = 0
"""Success."""
EXIT_BUG = 1
"""An internal error: a bug (an invariant broken, an exception zoneplan did not expect)."""
EXIT_BAD_INPUT = 2
"""Bad input: the message names the file, the line or field, and the fix."""
EXIT_INTERRUPTED = 130
"""After Ctrl+C (the shell's convention: 128 + SIGINT)."""
