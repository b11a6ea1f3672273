"""The formula language: known answers, vectorised evaluation, and what it refuses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from parindex.framework.expr import ExprError, compile_expr


def value(text: str, **env: float) -> float:
    return float(compile_expr(text, env).evaluate(env))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),  # left associative
        ("12 / 3 / 2", 2),
        ("-2 * -3", 6),
        ("+5 - -5", 10),
        ("2 * -(1 + 2)", -6),
        ("0.5 + .25", 0.75),
        ("1e3 / 4", 250),
        ("2.5E-1 * 4", 1),
        ("1 + 2 > 2", 1),  # arithmetic binds tighter than comparison
        ("3 < 2", 0),
        ("2 <= 2", 1),
        ("2 >= 3", 0),
        ("2 == 2", 1),
        ("2 != 2", 0),
        ("1 < 2 and 3 < 2", 0),
        ("1 < 2 or 3 < 2", 1),
        ("not 0", 1),
        ("not 2 > 1", 0),  # not applies to the comparison
        ("1 or 0 and 0", 1),  # and binds tighter than or
        ("(1 or 0) and 0", 0),
        ("(2 > 1) * 5", 5),  # booleans are 1.0 / 0.0 in arithmetic
        ("min(3, 1, 2)", 1),
        ("max(3, 1, 2)", 3),
        ("max(4)", 4),
        ("abs(-2.5)", 2.5),
        ("if(1 > 0, 10, 20)", 10),
        ("if(0, 10, 20)", 20),
        ("if(2 > 1 and 0.5, min(1, 2), max(3, 4))", 1),
        ("5 / 0", 0),  # nothing to count scores nothing
        ("0 / 0", 0),
    ],
)
def test_known_answers(text: str, expected: float) -> None:
    assert value(text) == pytest.approx(expected)


def test_names_and_max_points() -> None:
    expr = compile_expr("min(done / total, 1) * max_points", ["done", "total", "max_points"])
    assert expr.names == {"done", "total", "max_points"}
    assert float(expr.evaluate({"done": 3, "total": 4, "max_points": 2})) == pytest.approx(1.5)


def test_vectorised_over_arrays() -> None:
    expr = compile_expr("if(n > 0, k / n, 0) + abs(k - 1)", ["k", "n"])
    got = expr.evaluate({"k": np.array([1.0, 2.0, 3.0, 0.0]), "n": np.array([2.0, 0.0, 3.0, 0.0])})
    np.testing.assert_allclose(got, [0.5, 1.0, 3.0, 1.0])


def test_division_by_zero_elementwise() -> None:
    expr = compile_expr("a / b", ["a", "b"])
    got = expr.evaluate({"a": np.array([1.0, 0.0, 6.0]), "b": np.array([0.0, 0.0, 3.0])})
    np.testing.assert_array_equal(got, [0.0, 0.0, 2.0])


def test_nan_propagates() -> None:
    env = {"a": np.array([1.0, np.nan]), "b": np.array([2.0, 2.0])}
    for text in ("a + b", "a < b", "min(a, b)", "a / 0", "not a", "a and b", "if(a, 1, 2)"):
        got = compile_expr(text, ["a", "b"]).evaluate(env)
        assert not math.isnan(got[0]), text
        assert math.isnan(got[1]), text


def test_if_ignores_nan_in_branch_not_taken() -> None:
    got = compile_expr("if(n > 0, a, 0)", ["a", "n"]).evaluate(
        {"a": np.array([np.nan, 5.0]), "n": np.array([0.0, 1.0])}
    )
    np.testing.assert_array_equal(got, [0.0, 5.0])


def test_constant_formula_broadcasts_to_inputs() -> None:
    got = compile_expr("max_points / 2", ["x", "max_points"]).evaluate(
        {"x": np.zeros(3), "max_points": 4.0}
    )
    np.testing.assert_array_equal(got, [2.0, 2.0, 2.0])


def test_missing_value_at_evaluation() -> None:
    expr = compile_expr("a + b", ["a", "b"])
    with pytest.raises(ExprError, match="no value given for b"):
        expr.evaluate({"a": 1.0})


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("__import__('os')", 11),  # the quote: no strings in the language
        ("a.real", 1),  # no attribute access
        ("a[0]", 1),  # no indexing
        ("a ** 2", 3),  # no power operator
        ("1 +", 3),
        ("(1 + 2", 6),
        ("1 2", 2),
        ("a = 1", 2),
        ("a < b < c", 6),
        ("1.2.3", 0),
        ("1e", 1),
        ("min", 0),
        ("open(1)", 0),
        ("if(1, 2)", 0),
        ("abs(1, 2)", 0),
        ("", 0),
        ("and 1", 0),
        ("a ; b", 2),
        ("lambda", 0),  # just an undeclared name, not a keyword
    ],
)
def test_rejects_with_position(text: str, position: int) -> None:
    with pytest.raises(ExprError) as info:
        compile_expr(text, ["a", "b", "c"])
    assert info.value.position == position
    assert f"at character {position + 1}" in str(info.value)


def test_dunder_import_is_not_a_function() -> None:
    with pytest.raises(ExprError, match="unknown function '__import__'"):
        compile_expr("__import__(1)", [])


def test_undeclared_names_are_listed() -> None:
    with pytest.raises(ExprError) as info:
        compile_expr("a + zeta * beta", ["a"])
    assert "undeclared names: beta, zeta" in str(info.value)
    assert info.value.position == 4


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(ExprError, match="nested"):
        compile_expr("(" * 500 + "1" + ")" * 500, [])
    with pytest.raises(ExprError, match="too long"):
        compile_expr(" + ".join(["a"] * 5000), ["a"])


@given(
    a=st.floats(-1e6, 1e6),
    b=st.floats(-1e6, 1e6),
    c=st.floats(-1e6, 1e6),
)
def test_matches_numpy(a: float, b: float, c: float) -> None:
    env = {"a": a, "b": b, "c": c}
    got = value("min(a, b) * 2 - max(b, c) + abs(c) + if(a > b, a, b)", **env)
    expected = min(a, b) * 2 - max(b, c) + abs(c) + (a if a > b else b)
    assert got == pytest.approx(expected)
    got = value("a / b", **env)
    assert got == (0.0 if b == 0 else pytest.approx(a / b))
