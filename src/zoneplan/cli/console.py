"""The consoles every command prints through."""

from __future__ import annotations

from rich.console import Console

__all__ = ["err", "out"]

PIPED_WIDTH = 160
"""Columns for tables when output is piped or captured (rich would assume 80)."""

out = Console(soft_wrap=False)
if not out.is_terminal:  # piped or captured: do not squeeze tables into 80 columns
    out = Console(soft_wrap=False, width=PIPED_WIDTH)

err = Console(stderr=True)
