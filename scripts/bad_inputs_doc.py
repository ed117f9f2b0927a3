"""Write docs/bad-inputs.md from the bad-input catalogue (tests/bad_inputs/*.yaml).

Usage: ``python scripts/bad_inputs_doc.py`` (``--check`` to only say whether the page is
up to date; exit 1 if it is not).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "bad-inputs.md"


def main(argv: list[str]) -> int:
    """Write (or with ``--check``, compare) the page; return the exit code."""
    sys.path.insert(0, str(REPO))
    from tests.bad_inputs.catalogue import render_markdown

    text = render_markdown() + "\n"
    if "--check" in argv:
        same = DOC.exists() and DOC.read_text(encoding="utf-8") == text
        print(f"{DOC}: {'up to date' if same else 'out of date'}")
        return 0 if same else 1
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
