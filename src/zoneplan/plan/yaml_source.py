"""A plan file's YAML, read strictly, and where each part of it is.

:func:`read_yaml` parses the text with :class:`PlanLoader` (PyYAML's safe loader with
YAML 1.2's numbers and booleans: ``yes``, ``no``, ``on``, ``off`` and ``1:40:00`` are
text, not booleans or sexagesimal numbers; ``.nan``, ``.inf`` and numbers too large for
a double are refused; no explicit tag such as ``!!binary`` or ``!!float`` is accepted),
refuses a key written twice in one mapping (naming both lines: YAML would keep the last
one silently) and returns the data with a :class:`YamlPlaces`, which turns a place in the
plan, as keys and list indices (``("zones", 3, "side", "yellow-line")``), into
``"line 12, column 11"``.

The text is scanned and parsed into events by libyaml (PyYAML's C parser) when PyYAML
has it: the same events with the same lines and columns, several times faster than
PyYAML's Python scanner, which took about 20 ms of CPU of a fresh ``zoneplan run``. The
nodes are composed, checked and constructed in Python as before. A file libyaml cannot
read, or that any check refuses, is read again with the Python scanner, so every error
message is PyYAML's own, as before; so is a text holding a tab, which libyaml reads as a
space in places where PyYAML refuses it.

Examples
--------
>>> data, places = read_yaml("id: a\\nzones:\\n  - {id: z, side: {x: east}}\\n", "p.yaml")
>>> places.where(("zones", 0, "side", "x"))
'line 3, column 20'
>>> read_yaml("a: yes\\nb: 1:40:00\\nc: 0o17\\nd: 1e3\\n", "p.yaml")[0]
{'a': 'yes', 'b': '1:40:00', 'c': 15, 'd': 1000.0}
>>> read_yaml("total: .inf\\n", "p.yaml")
Traceback (most recent call last):
...
zoneplan.errors.PlanError: p.yaml, line 1, column 8: 'total' must be a finite number, got .inf
  → write a plain finite number, such as 2100000
>>> read_yaml("id: a\\ntitle: b\\nid: c\\n", "p.yaml")
Traceback (most recent call last):
...
zoneplan.errors.PlanError: p.yaml, line 3, column 1: the key 'id' is written twice ... 3); ...
  → keep one of them
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml

from zoneplan.errors import PlanError

__all__ = ["MAX_YAML_DEPTH", "MAX_YAML_VALUES", "PlanLoader", "YamlPlaces", "read_yaml",
           "where"]

MERGE_KEY = "<<"
"""YAML's merge key: it may be repeated, and its mappings are merged, not duplicated."""
_TAG = "tag:yaml.org,2002:"
_NUMBER_HINT = "write a plain finite number, such as 2100000"


class _RefusedError(Exception):
    """A value or tag a plan may not hold, with the node or mark it is at."""

    def __init__(self, message: str, suggestion: str, mark: yaml.Mark,
                 node: yaml.Node | None = None) -> None:
        super().__init__(message)
        self.message, self.suggestion, self.mark, self.node = message, suggestion, mark, node


class PlanLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 (core schema) numbers and booleans.

    Booleans are only ``true`` and ``false`` (any case as YAML 1.2 allows: ``True``,
    ``TRUE``); ``yes``, ``no``, ``on``, ``off``, ``y`` and ``n`` are text. Integers are
    decimal (a leading zero is not octal), ``0o17`` or ``0x1F``; there are no sexagesimal
    numbers (``1:40:00`` is text) and no ``_`` separators. Floats may omit the point
    (``1e3``). ``.nan``, ``.inf`` and a number too large for a double are refused, as is
    every explicit tag (``!!binary``, ``!!float "1"``, ``!custom``): a plan holds plain
    values. Unquoted dates are still read as dates (plans keep them as written).
    """

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = tag.replace(_TAG, "!!", 1) if tag.startswith(_TAG) else tag
            raise _RefusedError(f"the tag '{shown}' is not accepted in a plan",
                                "remove the tag and write the plain value (quoted if it is "
                                "text)", event.start_mark)
        return super().compose_node(parent, index)


def _construct_int(loader: PlanLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node)).lstrip("+")
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


def _construct_float(loader: PlanLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node))
    value = math.nan if text.lstrip("+-").startswith(".") and text[-1] in "fFnN" \
        else float(text)  # .inf, .nan; float() reads the rest as YAML 1.2 writes them
    if not math.isfinite(value):
        raise _RefusedError(f"must be a finite number, got {text}", _NUMBER_HINT,
                            node.start_mark, node)
    return value


PlanLoader.yaml_implicit_resolvers = {}  # its own, not SafeLoader's (YAML 1.1)
for _tag, _pattern, _first in (
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
        ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                  r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
        ("merge", r"^(?:<<)$", "<")):
    PlanLoader.add_implicit_resolver(_TAG + _tag, re.compile(_pattern), list(_first))
for _first_char, _resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
    for _tag, _regexp in _resolvers:
        if _tag == _TAG + "timestamp":
            PlanLoader.add_implicit_resolver(_tag, _regexp, [_first_char])
PlanLoader.add_constructor(_TAG + "int", _construct_int)
PlanLoader.add_constructor(_TAG + "float", _construct_float)

MAX_YAML_DEPTH = 64
"""Deepest nesting of mappings and lists read from a plan file. A plan is about six
levels deep (a polygon's points seven); the reader recurses once per level, so a file
nested thousands deep would exhaust Python's stack before this bound."""

MAX_YAML_VALUES = 1_000_000
"""Most values (mappings, lists and scalars) a plan file may hold once its aliases are
expanded. A YAML alias (``*name``) repeats a part written once, so ten lines of aliases
can stand for a billion values (the "billion laughs"), which every later check would walk
through; a plan file of the largest size read (2 MB) holds about 300,000 values."""


class _BoundedLoader(PlanLoader):
    """The plan loader (YAML 1.2), refusing a document nested deeper than
    :data:`MAX_YAML_DEPTH` while it is composed (before the recursion runs out)."""

    def __init__(self, stream: str, path: str | Path) -> None:
        super().__init__(stream)
        self._depth = 0
        self._path = path

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise PlanError(
                    f"the file nests more than {MAX_YAML_DEPTH} levels deep", path=self._path,
                    location=f"line {mark.line + 1}, column {mark.column + 1}",
                    suggestion="a plan is a few levels of mappings and lists; check the "
                    "brackets and indentation here")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _LibyamlLoader(_BoundedLoader):
    """:class:`_BoundedLoader` taking its events from libyaml (the parser of
    ``yaml.CBaseLoader``); only where PyYAML was built with libyaml
    (``yaml.__with_libyaml__``)."""

    def __init__(self, stream: str, path: str | Path) -> None:
        super().__init__(stream, path)
        self._events = yaml.CBaseLoader(stream)

    def check_event(self, *choices: Any) -> bool:
        return bool(self._events.check_event(*choices))

    def peek_event(self) -> Any:
        return self._events.peek_event()

    def get_event(self) -> Any:
        return self._events.get_event()

    def dispose(self) -> None:
        self._events.dispose()
        super().dispose()


def where(node: yaml.Node | None) -> str | None:
    """``"line L, column C"`` (1-based) of a YAML node, or None."""
    return None if node is None else _mark(node.start_mark)


def _mark(mark: yaml.Mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


class YamlPlaces:
    """Where each part of a plan file is: a place in the plan → a YAML node → its line.

    Parameters
    ----------
    root
        The document's root node (None for an empty document).
    """

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def __deepcopy__(self, memo: dict[int, Any]) -> YamlPlaces:
        return self  # immutable once read: plans copied deeply share it

    def node(self, loc: tuple[Any, ...]) -> tuple[yaml.Node | None, bool]:
        """The node at a place in the plan, or the nearest enclosing one.

        Returns
        -------
        tuple
            The node, and whether it is the key of the last part (rather than a value).
        """
        node = self.root
        for i, part in enumerate(loc):
            last = i == len(loc) - 1
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == str(part):
                        if last:
                            return key, True
                        node = value
                        break
                else:
                    return node, False
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    return node, False
                node = node.value[part]
            else:
                return node, False
        return node, False

    def where(self, loc: tuple[Any, ...]) -> str | None:
        """``"line L, column C"`` of a place in the plan (or of the nearest enclosing part)."""
        return where(self.node(loc)[0])


def _nodes(root: yaml.Node | None) -> list[yaml.Node]:
    """Every node of a document, each once (aliases share nodes; documents may loop)."""
    seen: set[int] = set()
    out: list[yaml.Node] = []
    todo = [root] if root is not None else []
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        if isinstance(node, yaml.MappingNode):
            todo.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    return sorted(out, key=lambda n: (n.start_mark.line, n.start_mark.column))


def _unreadable_value(loader: PlanLoader, root: yaml.Node | None
                      ) -> tuple[yaml.Node | None, str]:
    """The first plain value YAML cannot turn into what it looks like, and why.

    YAML reads ``2025-13-01`` (unquoted) as a date, and fails for a month 13.
    """
    for node in _nodes(root):
        build = PlanLoader.yaml_constructors.get(node.tag)
        if isinstance(node, yaml.ScalarNode) and build is not None:
            try:
                build(loader, node)
            except (ValueError, TypeError, OverflowError) as exc:
                return node, str(exc)
    return None, "a value cannot be read"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node | None, path: str | Path) -> None:
    """Refuse a document whose aliases expand it beyond :data:`MAX_YAML_VALUES` values,
    naming the first part that does; counted without expanding (each node once)."""
    if root is None:
        return
    size: dict[int, int] = {}
    open_: set[int] = set()  # entered, not yet counted: an alias back to one is a loop
    todo: list[tuple[yaml.Node, bool]] = [(root, False)]
    while todo:
        node, done = todo.pop()
        key = id(node)
        if done:
            size[key] = 1 + sum(size.get(id(c), 0) for c in _children(node))
            open_.discard(key)
            continue
        if key in size or key in open_:
            continue
        open_.add(key)
        todo.append((node, True))
        todo.extend((c, False) for c in _children(node))
    if size[id(root)] <= MAX_YAML_VALUES:
        return
    over = [n for n in _nodes(root) if size.get(id(n), 0) > MAX_YAML_VALUES]
    first = min(over, key=lambda n: size[id(n)])  # the smallest part that is too large
    raise PlanError(
        f"YAML aliases expand the file to {size[id(root)]:,} values; at most "
        f"{MAX_YAML_VALUES:,} are read (the part here alone holds {size[id(first)]:,})",
        path=path, location=where(first),
        suggestion="write the values out instead of repeating them with aliases (*name)")


def _place_of(root: yaml.Node | None, target: yaml.Node) -> tuple[Any, ...]:
    """Keys and list indices from the top to ``target`` (empty if not found)."""
    todo: list[tuple[yaml.Node, tuple[Any, ...]]] = [(root, ())] if root is not None else []
    seen: set[int] = set()
    while todo:
        node, place = todo.pop()
        if node is target:
            return place
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            todo += [(v, (*place, k.value)) for k, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            todo += [(v, (*place, i)) for i, v in enumerate(node.value)]
    return ()


def _label(place: tuple[Any, ...]) -> str:
    """``'zones[3].side'`` for a place in a plan, or empty."""
    out = ""
    for part in place:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return f"'{out}'" if out else ""


def _check_duplicates(root: yaml.Node | None, path: str | Path) -> None:
    """Refuse a key written twice in one mapping, naming both lines."""
    for node in _nodes(root):
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Node] = {}
            for key, _ in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.value == MERGE_KEY:
                    continue
                if (key.tag, key.value) in first:
                    a, b = first[(key.tag, key.value)].start_mark.line + 1, key.start_mark.line + 1
                    raise PlanError(
                        f"the key '{key.value}' is written twice in one mapping (lines {a} and "
                        f"{b}); YAML would silently keep the last", path=path, location=where(key),
                        suggestion="keep one of them")
                first[(key.tag, key.value)] = key


def read_yaml(text: str, path: str | Path) -> tuple[Any, YamlPlaces]:
    """Parse a plan file's text strictly.

    Parameters
    ----------
    text
        The file's text.
    path
        The file, for messages.

    Returns
    -------
    tuple
        The data (None for an empty document) and where each part of it is.

    Raises
    ------
    PlanError
        For a YAML syntax error (with line and column), a key written twice, an explicit
        tag, a number that is not finite (``.nan``, ``.inf``, ``1e999``), nesting deeper
        than :data:`MAX_YAML_DEPTH` or aliases that expand the file beyond
        :data:`MAX_YAML_VALUES` values.
    """
    # libyaml takes a tab as a space between tokens where PyYAML refuses it (the only
    # difference found between them): a text with a tab goes to PyYAML, so every file
    # is refused or read as before
    if getattr(yaml, "__with_libyaml__", False) and "\t" not in text:
        try:
            return _read(text, path, _LibyamlLoader)
        except PlanError:
            pass  # read again below, for PyYAML's own message
    return _read(text, path, _BoundedLoader)


def _read(text: str, path: str | Path, kind: type[_BoundedLoader]) -> tuple[Any, YamlPlaces]:
    """:func:`read_yaml` with events from ``kind``'s parser."""
    try:
        loader = kind(text, path)
        try:
            root = loader.get_single_node()
            _check_expansion(root, path)
            _check_duplicates(root, path)
            try:
                data = loader.construct_document(root) if root is not None else None
            except (ValueError, TypeError, OverflowError):
                node, why = _unreadable_value(PlanLoader(""), root)
                raise PlanError(
                    f"{node.value if node else 'a value'!r} cannot be read: {why}", path=path,
                    location=where(node), suggestion="put the value in quotes if it is text; "
                    "dates are YYYY-MM-DD with a real month and day") from None
        finally:
            loader.dispose()
    except _RefusedError as exc:
        label = _label(_place_of(root, exc.node)) if exc.node is not None else ""
        raise PlanError(f"{label or 'the value'} {exc.message}" if exc.node is not None
                        else exc.message, path=path, location=_mark(exc.mark),
                        suggestion=exc.suggestion) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise PlanError(
            f"YAML syntax error: {exc.problem or exc}", path=path, location=place,
            suggestion="check indentation and colons on that line; quote text containing ':'",
        ) from exc
    except yaml.YAMLError as exc:  # e.g. a character YAML does not allow
        raise PlanError(f"the file is not YAML ({str(exc).strip()[:200]})", path=path,
                        suggestion="save the plan as UTF-8 YAML text") from exc
    return data, YamlPlaces(root)
