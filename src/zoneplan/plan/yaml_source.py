"""A plan file's YAML, read strictly, and where each part of it is.

:func:`read_yaml` parses the text with PyYAML's safe loader, refuses a key written twice
in one mapping (naming both lines: YAML would keep the last one silently) and returns
the data with a :class:`YamlPlaces`, which turns a place in the plan, as keys and list
indices (``("zones", 3, "side", "yellow-line")``), into ``"line 12, column 11"``.

Examples
--------
>>> data, places = read_yaml("id: a\\nzones:\\n  - {id: z, side: {x: east}}\\n", "p.yaml")
>>> places.where(("zones", 0, "side", "x"))
'line 3, column 20'
>>> read_yaml("id: a\\ntitle: b\\nid: c\\n", "p.yaml")
Traceback (most recent call last):
...
zoneplan.errors.PlanError: p.yaml, line 3, column 1: the key 'id' is written twice ... 3); ...
  → keep one of them
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from zoneplan.errors import PlanError

__all__ = ["MAX_YAML_DEPTH", "MAX_YAML_VALUES", "YamlPlaces", "read_yaml", "where"]

MERGE_KEY = "<<"
"""YAML's merge key: it may be repeated, and its mappings are merged, not duplicated."""

MAX_YAML_DEPTH = 64
"""Deepest nesting of mappings and lists read from a plan file. A plan is about six
levels deep (a polygon's points seven); the reader recurses once per level, so a file
nested thousands deep would exhaust Python's stack before this bound."""

MAX_YAML_VALUES = 1_000_000
"""Most values (mappings, lists and scalars) a plan file may hold once its aliases are
expanded. A YAML alias (``*name``) repeats a part written once, so ten lines of aliases
can stand for a billion values (the "billion laughs"), which every later check would walk
through; a plan file of the largest size read (2 MB) holds about 300,000 values."""


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a document nested deeper than :data:`MAX_YAML_DEPTH`
    while it is composed (before the recursion runs out)."""

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


def where(node: yaml.Node | None) -> str | None:
    """``"line L, column C"`` (1-based) of a YAML node, or None."""
    if node is None:
        return None
    mark = node.start_mark
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


def _unreadable_value(loader: yaml.SafeLoader, root: yaml.Node | None
                      ) -> tuple[yaml.Node | None, str]:
    """The first plain value YAML cannot turn into what it looks like, and why.

    YAML reads ``2025-13-01`` (unquoted) as a date, and fails for a month 13.
    """
    for node in _nodes(root):
        build = loader.yaml_constructors.get(node.tag)
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
        For a YAML syntax error (with line and column), a key written twice, nesting
        deeper than :data:`MAX_YAML_DEPTH` or aliases that expand the file beyond
        :data:`MAX_YAML_VALUES` values.
    """
    try:
        loader = _BoundedLoader(text, path)
        try:
            root = loader.get_single_node()
            _check_expansion(root, path)
            _check_duplicates(root, path)
            try:
                data = loader.construct_document(root) if root is not None else None
            except (ValueError, TypeError, OverflowError):
                node, why = _unreadable_value(yaml.SafeLoader(""), root)
                raise PlanError(
                    f"{node.value if node else 'a value'!r} cannot be read: {why}", path=path,
                    location=where(node), suggestion="put the value in quotes if it is text; "
                    "dates are YYYY-MM-DD with a real month and day") from None
        finally:
            loader.dispose()
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
