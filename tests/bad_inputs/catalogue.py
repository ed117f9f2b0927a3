"""The bad-input catalogue: every case, read from the YAML files beside this module.

Each ``*.yaml`` here is a group of cases (the command line, files, plan files, geometry,
the Python API, the editor's API). A case is a small input and what zoneplan must
answer: an exit code, an exception class or an HTTP status, and fragments of the
message. ``tests/test_bad_inputs.py`` runs every case; ``docs/bad-inputs.md`` lists them
and is made by :func:`render_markdown` (``python scripts/bad_inputs_doc.py``; a test
checks it is up to date).

Kinds of case (the key that says what to do):

``run``
    ``zoneplan ARGS`` in an empty folder with the case's ``files`` and ``folders``
    (``plan`` writes ``plan.yaml``: ``base`` is the base plan in ``square/``, ``{edit:
    [[old, new], ...]}`` the base plan with text replaced); ``unreadable`` files are made
    unreadable; ``links`` are symbolic links (name: target); ``env`` sets environment
    variables; ``<X*N>`` in an argument is X written N times, and with ``expand: true``
    in edits and files too. Expect ``exit`` and ``says`` in the output.
``call``
    ``zoneplan.evaluate`` or ``zoneplan.load_plan`` with the case's ``plan`` and
    ``line_overrides``; expect ``raises`` (a class of ``zoneplan.errors``) and ``says``.
``request``
    ``METHOD PATH`` to the editor with a JSON ``body`` (or ``raw`` text: ``<X*N>`` is X
    written N times) and ``headers``, after writing the ``saved`` files into the editor's
    save folder; expect ``status``, ``says`` in the detail's message and suggestion (or
    in the answer, for a 2xx), and ``line`` if given.

For ``run`` and ``request`` cases, ``absent`` names files that must not exist afterwards
(a file an escape would make), and ``unchanged: true`` checks that every file the case
wrote still holds what it held.
``scenario``
    A named sequence in the test module (a process killed mid-write, say); ``says`` are
    the checks it reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
BASE_DIR = HERE / "square"
"""The base plan (``plan.yaml``) and its layers, copied into every plan case's folder."""
GROUP_ORDER = ("cli", "files", "plans", "geometry", "numbers", "python", "api", "filters",
               "campaign", "as_of", "quick_dates")
"""The groups, in the order the docs list them."""
KINDS = ("run", "call", "request", "scenario")
"""The keys that say what a case does."""
REPEAT = re.compile(r"<(.+?)\*(\d+)>", re.DOTALL)
"""``<X*N>`` in a raw request body: X written N times."""


@dataclass(frozen=True)
class Case:
    """One bad input and what zoneplan must answer to it."""

    id: str
    group: str
    kind: str
    why: str
    says: list[str]
    spec: dict[str, Any] = field(repr=False)
    issue: int | None = None

    @property
    def expected(self) -> str:
        """What must happen: ``exit 2``, ``GeometryError``, ``HTTP 422``."""
        s = self.spec
        if self.kind == "run":
            return f"exit {s['exit']}"
        if self.kind == "call":
            return str(s["raises"])
        if self.kind == "request":
            return f"HTTP {s['status']}"
        return "checks pass"


def load_cases() -> list[Case]:
    """Every case of the catalogue, group by group.

    Raises
    ------
    ValueError
        For a case without an id, a kind, a reason or an expected message, or an id used
        twice.
    """
    cases: list[Case] = []
    for group in GROUP_ORDER:
        data = yaml.safe_load((HERE / f"{group}.yaml").read_text(encoding="utf-8"))
        for spec in data["cases"]:
            kinds = [k for k in KINDS if k in spec]
            if len(kinds) != 1 or not spec.get("id") or not spec.get("why") \
                    or not spec.get("says"):
                raise ValueError(f"{group}.yaml: case {spec.get('id')!r} needs an id, one of "
                                 f"{', '.join(KINDS)}, a 'why' and 'says'")
            cases.append(Case(id=spec["id"], group=group, kind=kinds[0], why=spec["why"],
                              says=list(spec["says"]), spec=spec, issue=spec.get("issue")))
    ids = [c.id for c in cases]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"case ids used twice: {', '.join(twice)}")
    return cases


def group_titles() -> dict[str, tuple[str, str]]:
    """Each group's title and what it covers."""
    out: dict[str, tuple[str, str]] = {}
    for group in GROUP_ORDER:
        data = yaml.safe_load((HERE / f"{group}.yaml").read_text(encoding="utf-8"))
        out[group] = (data["title"], data["about"])
    return out


def expand_raw(raw: str) -> bytes:
    """A raw request body with ``<X*N>`` written out.

    Examples
    --------
    >>> expand_raw('{"a": <[*3><]*3>}')
    b'{"a": [[[]]]}'
    """
    return REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), raw).encode("utf-8")


def expand_text(text: str) -> str:
    """``<X*N>`` in a text written out (as :func:`expand_raw`, as text)."""
    return REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), text)


def edited_plan(edits: list[list[str]], *, expand: bool = False) -> str:
    """The base plan's text with ``[old, new]`` replacements; each ``old`` must occur once
    (with ``expand``, ``<X*N>`` in ``new`` is X written N times).

    Raises
    ------
    ValueError
        If an ``old`` text is not in the plan exactly once.
    """
    text = (BASE_DIR / "plan.yaml").read_text(encoding="utf-8")
    for old, new in edits:
        if text.count(old) != 1:
            raise ValueError(f"the base plan holds {text.count(old)} copies of {old!r}; "
                             "an edit must name text that occurs once")
        text = text.replace(old, expand_text(new) if expand else new)
    return text


def _code(text: str) -> str:
    """Inline code for a Markdown table cell (pipes and newlines escaped)."""
    text = text.replace("\n", "⏎").replace("|", "\\|")
    ticks = "``" if "`" in text else "`"
    pad = " " if ticks == "``" else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _short(text: str, n: int = 110) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def describe_input(case: Case) -> str:
    """The input of a case, as one Markdown table cell."""
    s = case.spec
    parts: list[str] = []
    plan = s.get("plan")
    if isinstance(plan, dict):
        parts += [f"{_code(_short(old, 60))} → {_code(_short(new, 80))}" for old, new in
                  plan["edit"]]
    elif plan == "base" and case.kind == "run":
        parts.append("the base plan")
    for name in s.get("unreadable", []):
        parts.append(f"{_code(name)} unreadable")
    for name in s.get("folders", []):
        parts.append(f"folder {_code(name)}")
    for name, target in (s.get("links") or {}).items():
        parts.append(f"{_code(name)} → {_code(target)} (a link)")
    for name, value in (s.get("env") or {}).items():
        parts.append(f"{_code(f'{name}={value}')}")
    for name, content in (s.get("saved") or {}).items():
        shown = content if isinstance(content, str) else f"bytes {content!r}"
        parts.append(f"saved {_code(name)}: {_code(_short(shown, 60))}")
    for name, content in (s.get("files") or {}).items():
        shown = content if isinstance(content, str) else f"bytes {content!r}"
        parts.append(f"{_code(name)}: {_code(_short(shown, 60))}")
    if case.kind == "run":
        parts.append(_code(_short("zoneplan " + " ".join(
            a if a and " " not in a else repr(a) for a in s["run"]))))
    elif case.kind == "call":
        args = [repr(plan) if not isinstance(plan, dict) and plan != "base" else "plan"]
        if "line_overrides" in s:
            args.append(f"line_overrides={s['line_overrides']!r}")
        parts.append(_code(_short(f"zoneplan.{s['call']}({', '.join(args)})", 150)))
    elif case.kind == "request":
        body = s.get("raw") if "raw" in s else (yaml.safe_dump(s["body"], default_flow_style=True,
                                                               width=10_000).strip()
                                               if "body" in s else "")
        head = " ".join(f"{k}: {v}" for k, v in (s.get("headers") or {}).items())
        parts.append(_code(_short(f"{s['request']} {body}".strip(), 150))
                     + (f" ({_code(head)})" if head else ""))
    else:
        parts.append(f"scenario {_code(s['scenario'])}")
    return "<br>".join(parts)


def render_markdown(cases: list[Case] | None = None) -> str:
    """``docs/bad-inputs.md``: every case, by group, with its input and expected answer."""
    cases = load_cases() if cases is None else cases
    titles = group_titles()
    issue = sum(1 for c in cases if c.issue == 12)
    lines = [
        "# Bad inputs and what zoneplan answers",
        "",
        "<!-- Generated from tests/bad_inputs/*.yaml by `python scripts/bad_inputs_doc.py`;",
        "     tests/test_bad_inputs.py fails when this page is out of date. -->",
        "",
        "zoneplan is used by people who must be able to trust what it says, so it fails",
        "loudly and clearly: every bad input gets exit code 2 on the command line (a zoneplan",
        "error in Python, a 4xx JSON answer from the editor's API) and a message that names",
        "the file, the line and column or the field, what is wrong and how to fix it. This",
        f"catalogue holds {len(cases)} cases ({issue} of them from issue 12); the test suite",
        "runs every one (`python -m pytest tests/test_bad_inputs.py`). To add a case, add",
        "it to the YAML file of its group in `tests/bad_inputs/` and regenerate this page.",
        "",
        "Exit codes: `0` success; `2` bad input; `1` internal error (a bug: rerun with",
        "`--debug` and report it); `130` interrupted; `143` terminated.",
        "",
    ]
    for group in GROUP_ORDER:
        title, about = titles[group]
        members = [c for c in cases if c.group == group]
        lines += [f"## {title} ({len(members)} cases)", "", about.strip(), "",
                  "| case | input | answer | the message says | why |",
                  "|---|---|---|---|---|"]
        for c in members:
            says = "<br>".join(_code(_short(t, 120)) for t in c.says)
            why = c.why.replace("|", "\\|").replace("\n", " ") + \
                (" *(issue 12)*" if c.issue == 12 else "")
            lines.append(f"| `{c.id}` | {describe_input(c)} | {c.expected} | {says} | {why} |")
        lines.append("")
    return "\n".join(lines)
