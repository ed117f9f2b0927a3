"""The live line editor: a FastAPI app and a hand-written SVG page (``static/``).

``app`` (the app, its routes, ``serve``) uses ``checks`` (what the browser sends),
``plans`` (plans by id, cached), ``payloads`` (what the page draws) and ``saving``
(edited plans written into the save folder).
"""

from __future__ import annotations

__all__: list[str] = []
