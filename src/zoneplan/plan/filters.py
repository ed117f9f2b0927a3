"""Filters on a layer's rows (``where=``): a small language of data, never code.

A filter is read by a tokenizer and a recursive-descent parser into a tree of frozen
dataclasses; nothing of it is ever handed to Python, pandas or numexpr. It holds:

* comparisons of a column with a value: ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``
  (``status != 'not functional'``, ``beds >= 50``, ``'hospital' == amenity``);
* ``in`` / ``not in`` a list of values: ``status in ('open', 'partly open')``;
* ``and``, ``or``, ``not`` and parentheses; a column of true/false alone (``is_open``);
* column names as bare words (letters, digits, ``_``) or in backticks for names with
  spaces (`` `Status Text` == 'Displaced' ``);
* values: numbers (``12``, ``-3.5``, ``1e3``), text in single or double quotes,
  ``true``, ``false`` and ``null`` (a missing value: ``beds == null``).

Nothing else: no ``@``, no ``.``, no calls, no backslashes, no names starting ``__``.
Every error says at which character of the filter it is and what is accepted. A missing
value equals nothing, so ``==``, ``<``, ``in`` leave it out and ``!=``, ``not in`` keep it
(as pandas did). A filter is parsed where the plan or the option is read
(:func:`parse_filter`) and applied to a layer's rows by
:func:`zoneplan.io.filter_rows.matching_rows`.

Examples
--------
>>> f = parse_filter("amenity == 'hospital' and not (beds < 10)")
>>> f.columns
('amenity', 'beds')
>>> parse_filter("@os")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
zoneplan.plan.filters.FilterError: where='@os': at character 1: '@' is not accepted...
  → ...
"""

from __future__ import annotations

import functools
import keyword
import math
import re
from dataclasses import dataclass
from typing import Any

from zoneplan.errors import InputError

__all__ = ["ALLOWED", "MAX_CHARS", "MAX_DEPTH", "And", "Column", "Compare", "Expr",
           "FilterError", "InList", "Literal", "Not", "Or", "RowFilter", "Truth", "kind_of",
           "parse_filter", "shown"]

MAX_CHARS = 2000
"""Longest filter accepted, characters."""
MAX_DEPTH = 30
"""Deepest nesting of parentheses and ``not`` accepted."""
ALLOWED = ("compare a column with a value: ==, !=, <, <=, >, >=, in (...) or not in (...), "
           "joined with and, or, not and parentheses; columns as bare names or in "
           "`backticks`, values as numbers, 'text', true, false or null; e.g. "
           "amenity == 'hospital' and beds >= 10")
"""What a filter may hold, said in every error."""
_SHOWN = 80
_ORDER = ("<", "<=", ">", ">=")
_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_WORDS = {"and", "or", "not", "in", "true", "false", "null", "none"}
_HINTS = {
    "@": "'@' is not accepted: a filter names columns of the layer, never variables",
    ".": "'.' is not accepted: a filter has no attributes or methods (a column name with "
         "a dot goes in backticks: `a.b`)",
    "\\": "backslashes are not accepted (to write a quote inside text, use the other quote "
          "mark: \"it's\")",
    "&": "'&' is not accepted: write 'and'", "|": "'|' is not accepted: write 'or'",
    "~": "'~' is not accepted: write 'not'", "=": "'=' alone is not accepted: write '=='",
    "!": "'!' alone is not accepted: write '!=' or 'not'",
    ":": "':' is not accepted (a filter holds no lambdas, slices or dictionaries)",
    "{": "'{' is not accepted", "}": "'}' is not accepted",
}
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[^\W\d]\w*)
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[()\[\],-])
""", re.VERBOSE)


class FilterError(InputError):
    """A ``where`` filter that cannot be read or applied (exit code 2)."""


@dataclass(frozen=True)
class Column:
    """A column named by the filter, at character ``pos`` (from 1)."""

    name: str
    pos: int


@dataclass(frozen=True)
class Literal:
    """A value: text, a number, true/false, or ``None`` for null."""

    value: str | int | float | bool | None
    pos: int


@dataclass(frozen=True)
class Compare:
    """``column op value``."""

    column: Column
    op: str
    value: Literal


@dataclass(frozen=True)
class InList:
    """``column in (values)``, or ``not in`` when ``negated``."""

    column: Column
    values: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class Truth:
    """A column of true/false standing alone."""

    column: Column


@dataclass(frozen=True)
class Not:
    """``not operand``."""

    operand: Expr


@dataclass(frozen=True)
class And:
    """All of ``operands``."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """Any of ``operands``."""

    operands: tuple[Expr, ...]


Expr = Compare | InList | Truth | Not | And | Or
"""A node of a filter's tree."""


@dataclass(frozen=True)
class RowFilter:
    """A parsed filter: its text and its tree."""

    text: str
    expr: Expr

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the filter names, in order of first use."""
        return tuple(self.first_use)

    @property
    def first_use(self) -> dict[str, int]:
        """Each column the filter names, and the character (from 1) where it first does."""
        seen: dict[str, int] = {}

        def walk(e: Expr) -> None:
            if isinstance(e, Compare | InList | Truth):
                seen.setdefault(e.column.name, e.column.pos)
            elif isinstance(e, Not):
                walk(e.operand)
            else:
                for o in e.operands:
                    walk(o)

        walk(self.expr)
        return seen

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class _Tok:
    kind: str  # name, qname, number, string, op, punct, word, end
    text: str
    value: Any
    pos: int


def shown(text: str) -> str:
    """``text`` quoted for a message, cut to a line (unprintable characters escaped)."""
    s = repr(text)
    return s if len(s) <= _SHOWN else s[:_SHOWN - 4] + "...'"


class _Reader:
    """Tokenizer and recursive-descent parser of one filter."""

    def __init__(self, text: str, label: str) -> None:
        self.text, self.label = text, label
        self.toks: list[_Tok] = []
        self.i = 0

    def fail(self, pos: int, problem: str) -> FilterError:
        return FilterError(f"{self.label}{shown(self.text)}: at character {pos}: {problem}",
                           suggestion=ALLOWED)

    # -------------------------------------------------------------- tokens
    def tokenize(self) -> None:
        t, i, n = self.text, 0, len(self.text)
        while i < n:
            ch = t[i]
            if ch in "'\"`":
                end = t.find(ch, i + 1)
                if end < 0:
                    what = "name" if ch == "`" else "text"
                    raise self.fail(i + 1, f"the {what} opened here with {ch} is never closed")
                body = t[i + 1:end]
                if "\\" in body:
                    raise self.fail(i + 2 + body.index("\\"), _HINTS["\\"])
                if ch == "`":
                    self._name(body, i + 1, quoted=True)
                else:
                    self.toks.append(_Tok("string", t[i:end + 1], body, i + 1))
                i = end + 1
                continue
            m = _TOKEN.match(t, i)
            if m is None:
                hint = _HINTS.get(ch) or (f"the character {ch!r} is not accepted" if
                                          ch.isprintable() else
                                          f"the character U+{ord(ch):04X} is not accepted")
                raise self.fail(i + 1, hint)
            kind, word = m.lastgroup or "", m.group()
            if m.end() < n and kind in ("number", "name") and (
                    t[m.end()] in "'\"`" or (kind == "number" and (t[m.end()].isalnum()
                                                                  or t[m.end()] == "_"))):
                raise self.fail(m.end() + 1, f"{word!r} is followed directly by "
                                f"{t[m.end()]!r}: a filter has no prefixed text (f'', r'', "
                                "b'') or numbers such as 0x10 or 1_000")
            if kind == "number":
                self._number(word, i + 1)
            elif kind == "name":
                self._name(word, i + 1, quoted=False)
            elif kind != "space":
                self.toks.append(_Tok(kind, word, word, i + 1))
            i = m.end()
        self.toks.append(_Tok("end", "", None, n + 1))

    def _number(self, word: str, pos: int) -> None:
        value: int | float = float(word) if any(c in word for c in ".eE") else int(word)
        if not math.isfinite(float(value)):
            raise self.fail(pos, f"the number {word} is too large")
        self.toks.append(_Tok("number", word, value, pos))

    def _name(self, word: str, pos: int, *, quoted: bool) -> None:
        if not word.strip():
            raise self.fail(pos, "an empty column name")
        if word.startswith("__") or ("__" in word and not quoted):
            raise self.fail(pos, f"{word!r}: names with '__' are not accepted")
        low = word.lower()
        if not quoted and low in _WORDS:
            self.toks.append(_Tok("word", word, low, pos))
        elif not quoted and (keyword.iskeyword(word) or low in ("lambda", "import", "eval",
                                                                 "exec", "print")):
            raise self.fail(pos, f"{word!r} is not accepted: a filter is not Python (a "
                            "column of that name goes in backticks)")
        else:
            self.toks.append(_Tok("qname" if quoted else "name", word, word, pos))

    # -------------------------------------------------------------- grammar
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        tok = self.tok
        return tok.kind == kind and (text is None or tok.value == text)

    def parse(self) -> Expr:
        if not self.text.strip():
            raise self.fail(1, "the filter is empty")
        if len(self.text) > MAX_CHARS:
            raise self.fail(MAX_CHARS + 1, f"a filter is at most {MAX_CHARS:,} characters")
        self.tokenize()
        expr = self.or_expr(0)
        if not self.at("end"):
            raise self.fail(self.tok.pos, f"{self.tok.text!r} cannot follow here (expected "
                            "'and', 'or', ')' or the end)")
        return expr

    def or_expr(self, depth: int) -> Expr:
        parts = [self.and_expr(depth)]
        while self.at("word", "or"):
            self.take()
            parts.append(self.and_expr(depth))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self, depth: int) -> Expr:
        parts = [self.not_expr(depth)]
        while self.at("word", "and"):
            self.take()
            parts.append(self.not_expr(depth))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def not_expr(self, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            raise self.fail(self.tok.pos, f"nested more than {MAX_DEPTH} deep")
        if self.at("word", "not"):
            self.take()
            return Not(self.not_expr(depth + 1))
        if self.at("punct", "("):
            self.take()
            inner = self.or_expr(depth + 1)
            if not self.at("punct", ")"):
                raise self.fail(self.tok.pos, "expected ')' to close the parenthesis")
            self.take()
            return inner
        return self.condition()

    def operand(self) -> Column | Literal:
        tok = self.take()
        if tok.kind in ("name", "qname"):
            if self.at("punct", "(") or self.at("punct", "["):
                raise self.fail(self.tok.pos, f"{tok.text!r} followed by {self.tok.text!r}: "
                                "calls and indexing are not accepted")
            return Column(tok.value, tok.pos)
        if tok.kind == "punct" and tok.value == "-" and self.at("number"):
            num = self.take()
            return Literal(-num.value, tok.pos)
        if tok.kind in ("number", "string"):
            return Literal(tok.value, tok.pos)
        if tok.kind == "word" and tok.value in ("true", "false", "null", "none"):
            return Literal({"true": True, "false": False}.get(tok.value), tok.pos)
        got = "the end of the filter" if tok.kind == "end" else repr(tok.text)
        raise self.fail(tok.pos, f"expected a column or a value, got {got}")

    def condition(self) -> Expr:
        first = self.operand()
        if self.at("op"):
            op = self.take()
            second = self.operand()
            if isinstance(first, Column) and isinstance(second, Column):
                raise self.fail(second.pos, "compare a column with a value, not with "
                                f"another column ({second.name!r})")
            if isinstance(first, Literal) and isinstance(second, Literal):
                raise self.fail(first.pos, "this compares two values; name a column")
            col, lit, sym = ((first, second, op.value) if isinstance(first, Column)
                             else (second, first, _FLIP[op.value]))
            assert isinstance(col, Column) and isinstance(lit, Literal)
            if sym in _ORDER and (lit.value is None or isinstance(lit.value, bool)):
                raise self.fail(op.pos, f"{op.value} cannot compare with true, false or "
                                "null; use == or !=")
            if self.at("op"):
                raise self.fail(self.tok.pos, "comparisons cannot be chained: write "
                                "a < x and x < b")
            return Compare(col, sym, lit)
        if isinstance(first, Literal):
            raise self.fail(first.pos, "a value alone is not a condition; compare a column "
                            "with it")
        negated = self.at("word", "not") and self.toks[self.i + 1].value == "in"
        if negated:
            self.take()
        if self.at("word", "in"):
            self.take()
            return InList(first, self.values(), negated)
        return Truth(first)

    def values(self) -> tuple[Literal, ...]:
        opened = self.take()
        close = {"(": ")", "[": "]"}.get(str(opened.value)) if opened.kind == "punct" else None
        if close is None:
            raise self.fail(opened.pos, "'in' needs a list of values in parentheses: "
                            "in ('a', 'b')")
        out: list[Literal] = []
        while not self.at("punct", close):
            item = self.operand()
            if isinstance(item, Column):
                raise self.fail(item.pos, f"{item.name!r}: a list holds values only (put "
                                "text in quotes)")
            out.append(item)
            if self.at("punct", ","):
                self.take()
            elif not self.at("punct", close):
                raise self.fail(self.tok.pos, f"expected ',' or '{close}' in the list")
        self.take()
        if not out:
            raise self.fail(opened.pos, "the list is empty")
        kinds = {kind_of(v.value) for v in out} - {"null"}
        if len(kinds) > 1:
            raise self.fail(opened.pos, "the list mixes " + " and ".join(sorted(kinds)))
        return tuple(out)


def kind_of(value: object) -> str:
    """What a value is, in words: ``null``, ``true/false``, ``text`` or ``numbers``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return "text" if isinstance(value, str) else "numbers"


def parse_filter(text: str, label: str = "where=") -> RowFilter:
    """Read a filter into its tree, running nothing.

    Parameters
    ----------
    text
        The filter, e.g. ``"status != 'not functional'"``.
    label
        How messages name it (``"where="``, ``"--where "``).

    Raises
    ------
    FilterError
        If the text is not a filter: the message gives the character (counted from 1)
        and the problem, the suggestion what a filter may hold.
    """
    if not isinstance(text, str):
        raise FilterError(f"{label}{shown(str(text))}: a filter must be text",
                          suggestion=ALLOWED)
    return _parsed(text, label)


@functools.lru_cache(maxsize=256)
def _parsed(text: str, label: str) -> RowFilter:
    return RowFilter(text, _Reader(text, label).parse())
