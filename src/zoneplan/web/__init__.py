"""The live line editor: a FastAPI app and a hand-written SVG page (``static/``)."""

from __future__ import annotations

__all__: list[str] = []
