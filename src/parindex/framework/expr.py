"""A small, safe expression language for `formula` rules.

Frameworks are data written by officials, so a formula must never be able to run code:
this module has its own tokenizer and recursive-descent parser and evaluates the
resulting tree with numpy. Nothing here calls Python's `eval`, `exec` or `ast`.

Grammar (lowest precedence first)::

    expr       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := additive (("<" | "<=" | ">" | ">=" | "==" | "!=") additive)?
    additive   := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | primary
    primary    := NUMBER | NAME | FUNC "(" expr ("," expr)* ")" | "(" expr ")"

`FUNC` is one of `min`, `max` (one or more arguments), `abs` (one), `if` (three:
condition, then, else). Comparisons do not chain (`a < b < c` is an error rather than a
silent surprise). Numbers are decimal with an optional exponent (`0.5`, `.5`, `1e3`).

Evaluation is vectorised: every name maps to a float or an array, and the result is a
float array broadcast to the shape of all the values in the environment. Truth values are
1.0 / 0.0 and any non-zero number counts as true. NaN (a missing input) propagates: an
arithmetic or comparison involving NaN gives NaN, and so does a condition that is NaN;
`and`/`or` with a NaN side give NaN; only the branch `if` selects is looked at, so `if(n > 0, a / n, 0)` is not spoiled by a
NaN in the branch not taken.

Division by zero gives 0, not an error or infinity: a ratio with nothing to count (no
dossiers received, no documents due) scores nothing rather than crashing the scoring of a
whole campaign. `0 / 0` is 0 too; `NaN / 0` stays NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

FUNCTIONS = {"min": (1, None), "max": (1, None), "abs": (1, 1), "if": (3, 3)}
KEYWORDS = ("and", "or", "not")
RESERVED = frozenset(FUNCTIONS) | frozenset(KEYWORDS)
COMPARISONS = ("<=", ">=", "==", "!=", "<", ">")
MAX_NESTING = 50  # parentheses, unary signs, calls: deeper than this is a mistake
MAX_DEPTH = 200  # syntax tree depth, so evaluation can never exhaust the call stack


class ExprError(ValueError):
    """A formula that cannot be parsed or evaluated.

    `position` is the 0-based offset in the formula text (None when not tied to a place);
    the message shows it 1-based, as a person counts characters.
    """

    def __init__(self, message: str, position: int | None = None):
        self.message = message
        self.position = position
        where = "" if position is None else f" (at character {position + 1})"
        super().__init__(message + where)


def is_valid_name(name: str) -> bool:
    """True when `name` can be used as a variable in a formula."""
    if not isinstance(name, str) or not name or name in RESERVED:
        return False
    if not (name[0].isascii() and (name[0].isalpha() or name[0] == "_")):
        return False
    return all(c.isascii() and (c.isalnum() or c == "_") for c in name)


# --- tokens -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "name", "op", "end"
    text: str
    pos: int


def _scan_number(text: str, i: int) -> int:
    """End offset of the number starting at `i` (digits, fraction, exponent)."""
    n = len(text)
    j = i
    while j < n and text[j].isdigit():
        j += 1
    if j < n and text[j] == ".":
        j += 1
        while j < n and text[j].isdigit():
            j += 1
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and text[k].isdigit():
            while k < n and text[k].isdigit():
                k += 1
            j = k
        else:
            raise ExprError("malformed exponent in number", j)
    if j < n and (text[j].isalnum() or text[j] in "._"):
        raise ExprError(f"malformed number {text[i : j + 1]!r}", i)
    return j


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif (c.isascii() and c.isdigit()) or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            j = _scan_number(text, i)
            tokens.append(_Token("num", text[i:j], i))
            i = j
        elif c.isascii() and (c.isalpha() or c == "_"):
            j = i + 1
            while j < n and text[j].isascii() and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(_Token("name", text[i:j], i))
            i = j
        elif text.startswith(COMPARISONS[:4], i):
            tokens.append(_Token("op", text[i : i + 2], i))
            i += 2
        elif c in "+-*/(),<>":
            tokens.append(_Token("op", c, i))
            i += 1
        elif c == "=":
            raise ExprError("unexpected '='; use '==' to compare", i)
        else:
            raise ExprError(f"unexpected character {c!r}", i)
    tokens.append(_Token("end", "", n))
    return tokens


# --- syntax tree --------------------------------------------------------------------


@dataclass(frozen=True)
class _Num:
    value: float


@dataclass(frozen=True)
class _Var:
    name: str
    pos: int


@dataclass(frozen=True)
class _Unary:
    op: str  # "-", "+", "not"
    operand: object


@dataclass(frozen=True)
class _Binary:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class _Call:
    func: str
    args: tuple


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def _advance(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _is(self, kind: str, text: str | None = None) -> bool:
        tok = self.tok
        return tok.kind == kind and (text is None or tok.text == text)

    def _expect_op(self, text: str) -> None:
        if not self._is("op", text):
            raise ExprError(f"expected {text!r}, found {self._describe(self.tok)}", self.tok.pos)
        self._advance()

    @staticmethod
    def _describe(tok: _Token) -> str:
        return "end of formula" if tok.kind == "end" else repr(tok.text)

    def parse(self) -> object:
        if self.tok.kind == "end":
            raise ExprError("empty formula", 0)
        node = self._or()
        if self.tok.kind != "end":
            raise ExprError(f"unexpected {self._describe(self.tok)}", self.tok.pos)
        return node

    def _or(self) -> object:
        node = self._and()
        while self._is("name", "or"):
            self._advance()
            node = _Binary("or", node, self._and())
        return node

    def _and(self) -> object:
        node = self._not()
        while self._is("name", "and"):
            self._advance()
            node = _Binary("and", node, self._not())
        return node

    def _not(self) -> object:
        if self._is("name", "not"):
            self._advance()
            return _Unary("not", self._nested(self._not))
        return self._comparison()

    def _comparison(self) -> object:
        node = self._additive()
        if self.tok.kind == "op" and self.tok.text in COMPARISONS:
            op = self._advance().text
            node = _Binary(op, node, self._additive())
            if self.tok.kind == "op" and self.tok.text in COMPARISONS:
                raise ExprError("comparisons do not chain; write 'a < b and b < c'", self.tok.pos)
        return node

    def _additive(self) -> object:
        node = self._term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self._advance().text
            node = _Binary(op, node, self._term())
        return node

    def _term(self) -> object:
        node = self._unary()
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self._advance().text
            node = _Binary(op, node, self._unary())
        return node

    def _unary(self) -> object:
        if self.tok.kind == "op" and self.tok.text in "+-":
            op = self._advance().text
            return _Unary(op, self._nested(self._unary))
        return self._primary()

    def _nested(self, parse) -> object:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExprError(f"formula nested more than {MAX_NESTING} levels deep", self.tok.pos)
        try:
            return parse()
        finally:
            self.depth -= 1

    def _primary(self) -> object:
        tok = self.tok
        if tok.kind == "num":
            self._advance()
            return _Num(float(tok.text))
        if tok.kind == "op" and tok.text == "(":
            self._advance()
            node = self._nested(self._or)
            self._expect_op(")")
            return node
        if tok.kind == "name":
            if tok.text in KEYWORDS:
                raise ExprError(f"unexpected {tok.text!r}", tok.pos)
            self._advance()
            if self._is("op", "("):
                return self._call(tok)
            if tok.text in FUNCTIONS:
                raise ExprError(f"{tok.text!r} is a function; call it as {tok.text}(...)", tok.pos)
            return _Var(tok.text, tok.pos)
        raise ExprError(f"unexpected {self._describe(tok)}", tok.pos)

    def _call(self, name_tok: _Token) -> object:
        func = name_tok.text
        if func not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExprError(f"unknown function {func!r} (known: {known})", name_tok.pos)
        self._expect_op("(")
        args = []
        if not self._is("op", ")"):
            args.append(self._nested(self._or))
            while self._is("op", ","):
                self._advance()
                args.append(self._nested(self._or))
        self._expect_op(")")
        low, high = FUNCTIONS[func]
        if len(args) < low or (high is not None and len(args) > high):
            wanted = f"{low}" if low == high else f"at least {low}"
            raise ExprError(f"{func}() takes {wanted} argument(s), got {len(args)}", name_tok.pos)
        return _Call(func, tuple(args))


# --- evaluation ---------------------------------------------------------------------


def _truth(x: np.ndarray) -> np.ndarray:
    """1.0 where true (non-zero), 0.0 where false, NaN where unknown."""
    return np.where(np.isnan(x), np.nan, (x != 0).astype(float))


def _compare(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        result = {
            "<": np.less,
            "<=": np.less_equal,
            ">": np.greater,
            ">=": np.greater_equal,
            "==": np.equal,
            "!=": np.not_equal,
        }[op](a, b)
    return np.where(np.isnan(a) | np.isnan(b), np.nan, result.astype(float))


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = np.true_divide(a, b)
    return np.where(b == 0, np.where(np.isnan(a), np.nan, 0.0), quotient)


def _eval(node: object, env: Mapping[str, np.ndarray]) -> np.ndarray:
    if isinstance(node, _Num):
        return np.asarray(node.value)
    if isinstance(node, _Var):
        return env[node.name]
    if isinstance(node, _Unary):
        x = _eval(node.operand, env)
        if node.op == "-":
            return -x
        if node.op == "+":
            return x
        return np.where(np.isnan(x), np.nan, (x == 0).astype(float))  # not
    if isinstance(node, _Binary):
        a, b = _eval(node.left, env), _eval(node.right, env)
        op = node.op
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return _divide(a, b)
        if op in ("and", "or"):
            ta, tb = _truth(a), _truth(b)
            both = np.minimum(ta, tb) if op == "and" else np.maximum(ta, tb)
            return both  # NaN in either side propagates through minimum/maximum
        return _compare(op, a, b)
    if isinstance(node, _Call):
        args = [_eval(arg, env) for arg in node.args]
        if node.func == "min":
            out = args[0]
            for arg in args[1:]:
                out = np.minimum(out, arg)
            return out
        if node.func == "max":
            out = args[0]
            for arg in args[1:]:
                out = np.maximum(out, arg)
            return out
        if node.func == "abs":
            return np.abs(args[0])
        cond = _truth(args[0])
        picked = np.where(cond != 0, args[1], args[2])
        return np.where(np.isnan(cond), np.nan, picked)
    raise TypeError(f"unknown expression node {node!r}")  # pragma: no cover


def _children(node: object) -> tuple:
    if isinstance(node, _Unary):
        return (node.operand,)
    if isinstance(node, _Binary):
        return (node.left, node.right)
    if isinstance(node, _Call):
        return node.args
    return ()


def _tree_depth(tree: object) -> int:
    """Depth of the syntax tree, computed without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in _children(node))
    return deepest


def _collect_names(node: object, out: dict[str, int]) -> None:
    if isinstance(node, _Var):
        out.setdefault(node.name, node.pos)
    elif isinstance(node, _Unary):
        _collect_names(node.operand, out)
    elif isinstance(node, _Binary):
        _collect_names(node.left, out)
        _collect_names(node.right, out)
    elif isinstance(node, _Call):
        for arg in node.args:
            _collect_names(arg, out)


class Expr:
    """A compiled formula: `names` are the variables it uses; `evaluate` computes it."""

    def __init__(self, text: str, tree: object, names: frozenset[str]):
        self.text = text
        self._tree = tree
        self.names = names

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    def evaluate(self, env: Mapping[str, float | np.ndarray]) -> np.ndarray:
        """Value of the formula for every element of the inputs in `env`.

        The result has the broadcast shape of all values in `env` (so a constant formula
        still gives one value per unit). A name the formula uses but `env` lacks is an
        `ExprError`.
        """
        missing = sorted(self.names - set(env))
        if missing:
            raise ExprError(f"no value given for {', '.join(missing)}")
        arrays = {k: np.asarray(v, dtype=float) for k, v in env.items()}
        with np.errstate(all="ignore"):  # overflow gives inf, as in any float arithmetic
            result = np.asarray(_eval(self._tree, arrays), dtype=float)
        shape = np.broadcast_shapes(result.shape, *(a.shape for a in arrays.values()))
        return np.array(np.broadcast_to(result, shape), dtype=float)


def compile_expr(text: str, names: Iterable[str]) -> Expr:
    """Parse `text` and check that it only uses `names`; raise `ExprError` otherwise."""
    if not isinstance(text, str):
        raise ExprError(f"a formula must be text, got {type(text).__name__}")
    tree = _Parser(text).parse()
    if _tree_depth(tree) > MAX_DEPTH:
        raise ExprError(f"formula too long or too deeply nested (over {MAX_DEPTH} levels)", 0)
    used: dict[str, int] = {}
    _collect_names(tree, used)
    allowed = set(names)
    undeclared = [name for name in used if name not in allowed]
    if undeclared:
        listed = ", ".join(sorted(undeclared))
        raise ExprError(f"undeclared names: {listed}", min(used[n] for n in undeclared))
    return Expr(text, tree, frozenset(used))
