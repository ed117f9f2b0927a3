"""The folder zoneplan keeps things in on this computer: downloaded datasets, and data
derived from the built-in pack that are kept between runs.

It is ``$ZONEPLAN_DATA_DIR`` if set, else the per-user cache folder (the one
``pooch.os_cache("zoneplan")`` names: ``~/.cache/zoneplan`` on Linux,
``~/Library/Caches/zoneplan`` on macOS, ``%LOCALAPPDATA%\\zoneplan\\Cache`` on Windows).
This module imports no more than ``platformdirs``, so a run may ask for the folder
without loading the downloader.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ENV_DATA_DIR", "data_dir"]

ENV_DATA_DIR = "ZONEPLAN_DATA_DIR"
"""Environment variable naming the cache folder."""


def data_dir() -> Path:
    """Return the cache folder (``$ZONEPLAN_DATA_DIR`` or the per-user cache folder).

    The folder is not created here.
    """
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("zoneplan"))
