"""``zoneplan serve``: the live line editor in a local web page.

Registered on the main CLI by :func:`register` (in :mod:`zoneplan.cli.app`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoneplan.cli.options import plan_argument
from zoneplan.plan import DEFAULT_PLAN

__all__ = ["register", "serve"]


def serve(
    plan: Annotated[str, plan_argument("Plan file or built-in plan id to open first.")]
    = DEFAULT_PLAN,
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535,
                                      help="TCP port (0: any free port).")] = 8765,
    host: Annotated[str, typer.Option("--host", help="Address to listen on. The default "
                                      "serves this machine only; any other prints a warning.")]
    = "127.0.0.1",
    save_dir: Annotated[Path, typer.Option("--save-dir", help="The only folder 'save as' "
                                           "writes plan files into.")] = Path(),
) -> None:
    """Open the live line editor: drag a line, watch each side's figures change."""
    from zoneplan.web import app as web

    def echo(text: str) -> None:
        typer.secho(text, err=text.startswith("warning"),
                    fg="yellow" if text.startswith("warning") else None)

    web.serve(plan, host=host, port=port, save_dir=save_dir, echo=echo)


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to a Typer app."""
    app.command(name="serve")(serve)
