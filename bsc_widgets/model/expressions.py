"""The expressions of calculated KPIs: a small, safe grammar (nothing a user types is run as code).

Grammar (``docs/scoring.md``, Calculated KPIs)::

    expression := term (("+" | "-") term)*
    term       := factor (("*" | "/") factor)*
    factor     := "-" factor | number | reference | function "(" expression ("," expression)* ")"
                  | "(" expression ")"
    reference  := name | "[" id "]" | (name | "[" id "]") "." (name | "[" id "]")
    function   := sum | mean | min | max | abs

A *name* is letters, digits, ``_`` and ``.`` starting with a letter or ``_``; an id holding
``-`` (or starting with a digit) is written in brackets: ``[rev-growth]``.  ``dept.sales``
and ``[dept].[net-sales]`` name a KPI of the department ``dept`` (KPI ids are unique in a
store, so the department is a check, not a lookup; a bare ``a.b`` is the KPI ``a.b`` when
one exists).  :func:`parse` raises :class:`ExpressionError` with a message in plain words
and the position (1 = first character); :func:`evaluate` computes an expression over
numpy arrays (one value per period), leaving a period blank when an input is blank or a
division is by zero.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

FUNCTIONS: dict[str, str] = {
    "sum": "the sum of its arguments", "mean": "the mean of its arguments",
    "min": "the smallest argument", "max": "the largest argument", "abs": "the absolute value of one argument",
}
"""The functions an expression may call, with what each gives."""


class ExpressionError(ValueError):
    """An expression that cannot be read; ``position`` is where (1 = the first character)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position})")
        self.reason = message
        self.position = position


@dataclass(frozen=True)
class Number:
    """A number written in the expression."""

    value: float


@dataclass(frozen=True)
class Ref:
    """A KPI named in the expression, as written (``text``) and where (``position``).

    ``readings`` are the (department, KPI id) pairs the text can mean, most literal first:
    ``[rev-growth]`` is ``(None, "rev-growth")``; ``sales.net`` is the KPI ``sales.net`` or
    the KPI ``net`` of the department ``sales``; ``[sales].[net-sales]`` only the latter.
    """

    text: str
    readings: tuple[tuple[str | None, str], ...]
    position: int


@dataclass(frozen=True)
class Unary:
    """``-operand``."""

    operand: Node


@dataclass(frozen=True)
class Binary:
    """``left op right`` with ``op`` one of ``+ - * /``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    """``function(args…)``."""

    function: str
    args: tuple[Node, ...]


Node = Number | Ref | Unary | Binary | Call

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
  | (?P<bracket>\[[^\]]*\]?)
  | (?P<op>[-+*/(),.])
""", re.VERBOSE)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int  # 1-based


def _tokens(text: str) -> list[_Token]:
    out, at = [], 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            raise ExpressionError(f"{text[at]!r} cannot be used in an expression; use numbers, KPI ids, "
                                  "+ - * / and parentheses", at + 1)
        kind, word = match.lastgroup or "", match.group()
        if kind == "bracket" and not word.endswith("]"):
            raise ExpressionError("a '[' is not closed by ']'", at + 1)
        if kind == "bracket" and not word[1:-1].strip():
            raise ExpressionError("empty brackets: write a KPI id inside them, e.g. [rev-growth]", at + 1)
        if kind != "space":
            out.append(_Token(kind, word, at + 1))
        at = match.end()
    out.append(_Token("end", "", len(text) + 1))
    return out


def _shown(token: _Token) -> str:
    return "the end of the expression" if token.kind == "end" else f"'{token.text}'"


class _Parser:
    """A recursive-descent parser over the tokens (one method per rule of the grammar)."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, text: str, what: str) -> None:
        if self.current.text != text:
            raise ExpressionError(f"expected {what}, found {_shown(self.current)}", self.current.position)
        self.take()

    def expression(self) -> Node:
        node = self.term()
        while self.current.text in ("+", "-"):
            op = self.take().text
            node = Binary(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.factor()
        while self.current.text in ("*", "/"):
            op = self.take().text
            node = Binary(op, node, self.factor())
        return node

    def factor(self) -> Node:
        token = self.current
        if token.text in ("-", "+"):
            self.take()
            operand = self.factor()
            return Unary(operand) if token.text == "-" else operand
        if token.kind == "number":
            self.take()
            return Number(float(token.text))
        if token.text == "(":
            self.take()
            node = self.expression()
            self.expect(")", f"')' to close the '(' at character {token.position}")
            return node
        if token.kind == "name" and self.tokens[self.at + 1].text == "(":
            return self.call()
        if token.kind in ("name", "bracket"):
            return self.reference()
        raise ExpressionError(f"expected a KPI, a number or '(', found {_shown(token)}", token.position)

    def call(self) -> Node:
        name = self.take()
        function = name.text.lower()
        if function not in FUNCTIONS:
            raise ExpressionError(f"'{name.text}' is not a function; the functions are " + ", ".join(FUNCTIONS),
                                  name.position)
        self.take()  # "("
        args = [self.expression()]
        while self.current.text == ",":
            self.take()
            args.append(self.expression())
        self.expect(")", f"',' or ')' to close {function}(")
        if function == "abs" and len(args) != 1:
            raise ExpressionError("abs takes exactly one value", name.position)
        return Call(function, tuple(args))

    def reference(self) -> Node:
        first = self.take()
        if self.current.text == ".":
            self.take()
            second = self.current
            if second.kind not in ("name", "bracket"):
                raise ExpressionError(f"expected a KPI after '{first.text}.', found {_shown(second)}",
                                      second.position)
            self.take()
            return Ref(f"{first.text}.{second.text}", ((_bare(first), _bare(second)),), first.position)
        if first.kind == "bracket":
            return Ref(first.text, ((None, _bare(first)),), first.position)
        parts = first.text.split(".")
        readings: list[tuple[str | None, str]] = [(None, first.text)]
        readings += [(".".join(parts[:i]), ".".join(parts[i:])) for i in range(1, len(parts))]
        return Ref(first.text, tuple(readings), first.position)


def _bare(token: _Token) -> str:
    return token.text[1:-1].strip() if token.kind == "bracket" else token.text


@lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """The expression ``text`` as a tree; :class:`ExpressionError` says what is wrong and where."""
    if not text or not text.strip():
        raise ExpressionError("the expression is empty", 1)
    parser = _Parser(text)
    node = parser.expression()
    if parser.current.kind != "end":
        token = parser.current
        raise ExpressionError(f"expected an operator (+ - * /) or the end, found {_shown(token)}", token.position)
    return node


def references(node: Node) -> list[Ref]:
    """The KPIs an expression names, in the order written (a KPI named twice appears twice)."""
    return list(_walk_refs(node))


def _walk_refs(node: Node) -> Iterator[Ref]:
    if isinstance(node, Ref):
        yield node
    elif isinstance(node, Unary):
        yield from _walk_refs(node.operand)
    elif isinstance(node, Binary):
        yield from _walk_refs(node.left)
        yield from _walk_refs(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from _walk_refs(arg)


def resolve(ref: Ref, scorecard_of: Mapping[str, str]) -> str | None:
    """The KPI id ``ref`` means, given each KPI's scorecard (None when no reading names a KPI).

    A department-qualified reading counts only when the KPI belongs to that department.
    """
    for department, kpi in ref.readings:
        if kpi in scorecard_of and (department is None or scorecard_of[kpi] == department):
            return kpi
    return None


def divides(node: Node) -> list[tuple[Node, Node]]:
    """Every division of the expression as (numerator, denominator)."""
    out: list[tuple[Node, Node]] = []

    def walk(n: Node) -> None:
        if isinstance(n, Binary):
            if n.op == "/":
                out.append((n.left, n.right))
            walk(n.left)
            walk(n.right)
        elif isinstance(n, Unary):
            walk(n.operand)
        elif isinstance(n, Call):
            for arg in n.args:
                walk(arg)

    walk(node)
    return out


_REDUCE: dict[str, Callable[[FloatArray], FloatArray]] = {
    "sum": lambda s: s.sum(axis=0), "mean": lambda s: s.mean(axis=0),
    "min": lambda s: s.min(axis=0), "max": lambda s: s.max(axis=0),
}


@dataclass
class Evaluated:
    """An expression's values over periods; ``by_zero`` marks the periods blank because a division was by zero."""

    values: FloatArray
    by_zero: npt.NDArray[np.bool_]


def evaluate(node: Node, inputs: Callable[[Ref], FloatArray], width: int) -> Evaluated:
    """The expression over ``width`` periods; ``inputs`` gives a named KPI's values (NaN where blank).

    A blank input makes the result blank; a division by zero makes it blank and marks ``by_zero``.
    """
    by_zero = np.zeros(width, dtype=bool)

    def walk(n: Node) -> FloatArray:
        nonlocal by_zero
        if isinstance(n, Number):
            return np.full(width, n.value)
        if isinstance(n, Ref):
            return np.asarray(inputs(n), dtype=np.float64)
        if isinstance(n, Unary):
            return -walk(n.operand)
        if isinstance(n, Call):
            args = [walk(a) for a in n.args]
            if n.function == "abs":
                return np.abs(args[0])
            return _REDUCE[n.function](np.vstack(args))
        left, right = walk(n.left), walk(n.right)
        if n.op == "+":
            return left + right
        if n.op == "-":
            return left - right
        if n.op == "*":
            return left * right
        zero = right == 0
        by_zero = by_zero | (zero & ~np.isnan(left))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(zero, np.nan, left / np.where(zero, 1.0, right))

    with np.errstate(invalid="ignore", over="ignore"):
        values = walk(node)
    values = np.where(np.isfinite(values), values, np.nan)
    return Evaluated(values, by_zero & np.isnan(values))
