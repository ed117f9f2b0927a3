"""What the editor accepts from the browser, and the error it answers when it does not.

Holds :class:`WebError` (an HTTP status with a JSON ``detail``), the request bodies
(:class:`EvaluateRequest`, :class:`SaveRequest`: strict, so ``"ranges": "yes"`` or a
coordinate written as text is refused, not guessed at) and how they are read
(:func:`read_body`: JSON only, size- and depth-limited), and the checks on what they
carry: plan ids (:data:`ID_RE`) and the ids plans are saved under (:func:`check_save_id`),
inline plans that would name a file on the server (:func:`refuse_files`) and lines of
``[lon, lat]`` pairs (:func:`check_lines`, through the one validator for user geometry,
:mod:`zoneplan.geometry.validate`).
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

import numpy as np
from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from shapely.geometry import LineString

from zoneplan.errors import GeometryError, InputError
from zoneplan.measure.inputs import Inputs
from zoneplan.plan import DEFAULT_PLAN
from zoneplan.plan.messages import describe
from zoneplan.result import is_number

__all__ = ["ID_RE", "MAX_JSON_DEPTH", "MAX_VERTICES", "RESERVED_NAMES", "EvaluateRequest",
           "RequestBody", "SaveRequest", "WebError", "check_lines", "check_save_id",
           "count_points", "json_depth", "lone_surrogate", "read_body", "refuse_files"]

MAX_VERTICES = 500
"""Most points one request may send, in all its redrawn lines and inline plan together.
Evaluation holds the editor's lock, and its time grows with the points of a line that
crosses many cells: measured on the built-in plan with a line zig-zagging along the
Strip, 200 points took 2 s, 1,000 took 6 s and 2,000 took 21 s (5,000 held the lock for
18 s and more). The built-in lines have at most 42 points and a line dragged in the
editor gains one point per click, so 500 is far above use and keeps one request to a few
seconds."""
MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects accepted in a request body. A plan is about six
levels deep and a line four; deeper bodies are refused before they are parsed, so no
parser or check recurses without bound."""
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
"""A plan id the editor reads from, or saves into, the save folder (also its file stem)."""
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                            *(f"lpt{i}" for i in range(1, 10))})
"""File names Windows reserves for devices (in any case, with any extension): a plan
saved under one could not be opened, copied or deleted there."""
PLAN_SUFFIXES = (".yaml", ".yml")
"""File endings a save id may be given with; the id is the name without them."""


class WebError(Exception):
    """An error answered to the browser with an HTTP status and a JSON detail.

    Parameters
    ----------
    status
        HTTP status code.
    message
        What is wrong.
    suggestion
        How to fix it, if known.
    line
        The id of the line the error is about, if any (the page highlights it).
    headers
        HTTP headers to answer with (``Retry-After`` on a 503), if any.
    """

    def __init__(self, status: int, message: str, *, suggestion: str | None = None,
                 line: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.suggestion, self.line = status, message, suggestion, line
        self.headers = headers

    def detail(self) -> dict[str, Any]:
        """The JSON ``detail`` object."""
        return {"message": self.message, "suggestion": self.suggestion, "line": self.line}


# --------------------------------------------------------------------------- bodies


class RequestBody(BaseModel):
    """What every request about a plan carries: the plan and the lines redrawn in it.

    Strict: booleans are ``true``/``false``, numbers are JSON numbers, text is a string;
    nothing is converted.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    plan: str | dict[str, Any] = DEFAULT_PLAN
    lines: dict[str, list[list[float]]] = Field(default_factory=dict)


class EvaluateRequest(RequestBody):
    """Body of ``POST /api/evaluate``: ``as_of`` (an ISO date, checked by
    :func:`check_as_of`) evaluates with the facts known at that date."""

    ranges: bool = True
    fast: bool = False
    map: bool = False
    as_of: str | None = Field(default=None, max_length=40)


def check_as_of(as_of: str | None) -> str | None:
    """``as_of`` of a request if it is an ISO date (YYYY-MM-DD, YYYY-MM or YYYY), or
    ``None``; 422 naming the field otherwise.

    Examples
    --------
    >>> check_as_of("2026-03-01"), check_as_of(None), check_as_of("")
    ('2026-03-01', None, None)
    >>> try:
    ...     check_as_of("1 March")
    ... except WebError as e:
    ...     print(e.status, e.message)
    422 'as_of': '1 March' is not a date
    """
    from zoneplan.errors import InputError
    from zoneplan.plan.rules.as_of import check_date

    if as_of is None or not as_of.strip():
        return None
    try:
        return check_date(as_of, where="as_of")
    except InputError as exc:
        raise WebError(422, f"'as_of': {exc.message}", suggestion=exc.suggestion) from None


class SaveRequest(RequestBody):
    """Body of ``POST /api/save``."""

    id: str
    title: str = Field(min_length=1, max_length=300)
    note: str | None = Field(default=None, max_length=2000)
    overwrite: bool = False


_Body = TypeVar("_Body", bound=RequestBody)


_SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone surrogate in decoded text (a pair is decoded to one character)."""

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
"""A JSON string (with its escapes), removed before brackets are counted."""


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings ignored).

    Examples
    --------
    >>> json_depth(b'{"a": [[1, 2]], "b": "[[[["}')
    3
    >>> json_depth(b"3")
    0
    """
    text = np.frombuffer(_JSON_STRING.sub(b'""', raw), dtype=np.uint8)
    if text.size == 0:
        return 0
    opens = (text == ord("[")) | (text == ord("{"))
    closes = (text == ord("]")) | (text == ord("}"))
    return int(max(np.cumsum(opens.astype(np.int64) - closes).max(), 0))


def _body_message(exc: ValidationError, model: type[BaseModel]) -> str:
    """The first problem of a request body, in words."""
    err = exc.errors(include_url=False)[0]
    if err["loc"][:1] == ("plan",) and err["type"] in ("string_type", "dict_type"):
        got = json.dumps(err.get("input"))[:60]
        return f"'plan' must be a plan id or a whole plan (a JSON object), got {got}"
    message, _, _ = describe(err, model=model)
    return message


async def read_body(request: Request, model: type[_Body], limit: int) -> _Body:
    """Read and validate a JSON request body.

    Parameters
    ----------
    request
        The request.
    model
        The body's model.
    limit
        Largest body accepted, bytes.

    Returns
    -------
    RequestBody
        The body, validated.

    Raises
    ------
    WebError
        415 if the body is not declared as JSON, 413 if it is larger than ``limit``,
        422 if it is not valid JSON (``NaN`` and ``Infinity`` included), nests deeper than
        :data:`MAX_JSON_DEPTH`, or is not the model (a wrong type is not converted).
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise WebError(415, "send the body as JSON (Content-Type: application/json)")
    too_large = f"the request body is larger than {limit:,} bytes"
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise WebError(413, too_large)
    buf = bytearray()
    async for chunk in request.stream():
        buf.extend(chunk)
        if len(buf) > limit:
            raise WebError(413, too_large)
    hint = "see the API in the README (POST /api/evaluate)"
    depth = json_depth(bytes(buf))
    if depth > MAX_JSON_DEPTH:
        raise WebError(422, f"bad request body: it nests {depth} levels deep; at most "
                       f"{MAX_JSON_DEPTH} are accepted", suggestion=hint)

    def _no_constants(name: str) -> None:
        raise ValueError(f"{name} is not a number")

    try:
        raw = json.loads(bytes(buf), parse_constant=_no_constants)
        surrogate = lone_surrogate(raw)
        if surrogate is not None:
            raise WebError(422, f"bad request body: {surrogate} holds a lone surrogate "
                           "(an escape such as \\ud800 that is half of a character), which "
                           "is not text", suggestion="send the text as UTF-8, or escape "
                           "characters beyond U+FFFF as a pair of surrogates")
        body = model.model_validate(raw)
    except ValidationError as exc:
        raise WebError(422, f"bad request body: {_body_message(exc, model)}",
                       suggestion=hint) from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise WebError(422, f"bad request body: {exc}", suggestion=hint) from None
    for line_id, coords in body.lines.items():
        if len(coords) > MAX_VERTICES:
            raise WebError(422, f"line '{line_id}' has {len(coords)} points; it needs 2 to "
                           f"{MAX_VERTICES}", suggestion="simplify the line (fewer points)",
                           line=line_id)
    points = sum(len(v) for v in body.lines.values()) + (
        count_points(body.plan) if isinstance(body.plan, dict) else 0)
    if points > MAX_VERTICES:
        raise WebError(422, f"bad request body: it sends {points:,} points in its lines and "
                       f"plan; at most {MAX_VERTICES:,} are accepted per request",
                       suggestion="simplify the lines (fewer points); a plan with longer "
                       "lines can be run with `zoneplan run`")
    return body


def lone_surrogate(data: Any) -> str | None:
    """Where a JSON value holds a lone surrogate (``"\\ud800"`` reads as half a
    character that cannot be written as UTF-8): ``"the key '...'"`` or ``"the text at
    plan.title"``; ``None`` if it holds none.

    Examples
    --------
    >>> lone_surrogate({"plan": {"title": "a\\ud800"}})
    'the text at plan.title'
    >>> lone_surrogate({"a": ["fine", "\\U0001F600"]}) is None
    True
    """
    todo: list[tuple[str, Any]] = [("", data)]
    while todo:
        where, value = todo.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return f"the text at {where or 'the top'}"
        elif isinstance(value, dict):
            for k, v in value.items():
                if _SURROGATE.search(k):
                    return f"the key '{k.encode('utf-8', 'backslashreplace').decode()}'"
                todo.append((f"{where}.{k}" if where else k, v))
        elif isinstance(value, list):
            todo.extend((f"{where}[{i}]", v) for i, v in enumerate(value))
    return None


def count_points(data: Any) -> int:
    """How many ``[x, y]`` (or ``[x, y, z]``) number pairs a JSON value holds, anywhere.

    Examples
    --------
    >>> count_points({"lines": [{"coordinates": [[1, 2], [3, 4]]}], "n": [5]})
    2
    """
    count = 0
    todo = [data]
    while todo:
        value = todo.pop()
        if isinstance(value, dict):
            todo.extend(value.values())
        elif isinstance(value, list):
            if 2 <= len(value) <= 3 and all(
                    is_number(v) for v in value):
                count += 1
            else:
                todo.extend(value)
    return count


def check_save_id(raw: str) -> tuple[str, str | None]:
    """The id a plan is saved under, and a note if it was normalised.

    A trailing ``.yaml`` or ``.yml`` is dropped (the file is ``<id>.yaml`` anyway).

    Parameters
    ----------
    raw
        The id as sent.

    Returns
    -------
    tuple
        The id, and a sentence saying how it was changed (None if it was not).

    Raises
    ------
    WebError
        422 for an id that cannot be a file name in the save folder: not letters, digits,
        ``-``, ``_`` and ``.`` starting with a letter or digit, longer than 80
        characters, or a name Windows reserves (:data:`RESERVED_NAMES`).

    Examples
    --------
    >>> check_save_id("my-plan.yaml")
    ('my-plan', "the id 'my-plan.yaml' was saved as 'my-plan' (its file is my-plan.yaml)")
    >>> check_save_id("NUL")
    Traceback (most recent call last):
    ...
    zoneplan.web.checks.WebError: 'NUL' is a name Windows reserves for a device
    """
    plan_id, note = raw, None
    for suffix in PLAN_SUFFIXES:
        if plan_id.lower().endswith(suffix) and len(plan_id) > len(suffix):
            plan_id = plan_id[: -len(suffix)]
            note = f"the id '{raw}' was saved as '{plan_id}' (its file is {plan_id}.yaml)"
            break
    if not ID_RE.match(plan_id):
        raise WebError(422, f"'{raw[:100]}' cannot be a plan id", suggestion="use letters, "
                       "digits, '-', '_' and '.', starting with a letter or digit (at most 80 "
                       "characters)")
    if plan_id.split(".")[0].lower() in RESERVED_NAMES:
        raise WebError(422, f"'{plan_id}' is a name Windows reserves for a device",
                       suggestion="a file of that name cannot be opened on Windows; choose "
                       f"another id, e.g. 'plan-{plan_id}'")
    return plan_id, note


# --------------------------------------------------------------------------- plans


def refuse_files(data: Any, where: str = "plan") -> None:
    """Refuse an inline plan that names a file on the server (422).

    Inline plans may use built-in layers (``gaza:...``) and inline coordinates only.

    Parameters
    ----------
    data
        The plan as a mapping (or, recursively, a part of it).
    where
        Where ``data`` is in the plan, for the message (``plan.lines[0]``).

    Raises
    ------
    WebError
        422 naming the first place that names a file.
    """
    hint = ("inline plans may use built-in layers (gaza:...) and inline coordinates only; "
            "to use files, start `zoneplan serve your-plan.yaml` on the server")
    if isinstance(data, dict):
        for k, v in data.items():
            key = f"{where}.{k}"
            if k in ("file", "path") and v is not None and not (
                    isinstance(v, str) and v.startswith("gaza:")):
                raise WebError(422, f"{key}: an inline plan cannot name a file", suggestion=hint)
            if k == "territory" and where == "plan" and not (
                    isinstance(v, str) and v.startswith("gaza:")):
                raise WebError(422, "plan.territory: an inline plan cannot name a file",
                               suggestion=hint)
            refuse_files(v, key)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            refuse_files(v, f"{where}[{i}]")
    elif isinstance(data, str) and data.strip().lower().startswith("file:"):
        raise WebError(422, f"{where}: file: references are not accepted", suggestion=hint)


# --------------------------------------------------------------------------- lines


def check_lines(inputs: Inputs, lines: dict[str, list[list[float]]]) -> dict[str, LineString]:
    """Validate the lines a request redraws in a plan; 422 with a message if any is bad.

    The checks are :meth:`~zoneplan.measure.inputs.Inputs.check_lines` (the one validator
    for user geometry, near the territory) with at most :data:`MAX_VERTICES` points.

    Parameters
    ----------
    inputs
        The plan's prepared inputs (its line ids and territory).
    lines
        Line id → ``[[lon, lat], ...]`` (degrees, WGS 84), as sent.

    Returns
    -------
    dict of str to LineString
        The lines, in WGS 84 longitude/latitude, in the order sent.

    Raises
    ------
    WebError
        422 naming the line (``detail.line``) and what is wrong with it.
    """
    out: dict[str, LineString] = {}
    for line_id, coords in lines.items():
        try:
            out.update(inputs.check_lines({line_id: coords}, max_points=MAX_VERTICES))
        except InputError as exc:
            raise WebError(422, exc.message, suggestion=exc.suggestion,
                           line=line_id if isinstance(exc, GeometryError) else None) from None
    return out
