"""Every op's value and local partial derivatives, one function per op, on plain floats.

`Value` builds nodes from these kernels and `Tape` re-runs them on new data, so an op's
maths is written once. Each kernel checks its domain and raises naming the op and operands.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

__all__ = ["ACTIVATIONS", "BINARY", "UNARY", "dot", "fmt_number", "pow_const", "summed"]

Grads = tuple[float, ...]

# Shared local-gradient tuples: the most common edges allocate nothing.
_ADD_GRADS = (1.0, 1.0)
_SUB_GRADS = (1.0, -1.0)


def fmt_number(x: float) -> str:
    """A number in an error message."""
    return f"{x:.6g}"


def finite(data: float, op: str, *operands: float) -> float:
    """Return `data`, or raise OverflowError naming the op when the result is not finite."""
    if math.isfinite(data):
        return data
    names = ", ".join(fmt_number(x) for x in operands)
    raise OverflowError(f"{op}: result of ({names}) is not finite ({data!r})")


# --- binary: (a, b) -> (value, (∂/∂a, ∂/∂b)) -------------------------------------------------


def add(a: float, b: float) -> tuple[float, Grads]:
    """a + b; partials 1, 1."""
    return finite(a + b, "+", a, b), _ADD_GRADS


def sub(a: float, b: float) -> tuple[float, Grads]:
    """a - b; partials 1, -1."""
    return finite(a - b, "-", a, b), _SUB_GRADS


def mul(a: float, b: float) -> tuple[float, Grads]:
    """a·b; partials b, a."""
    return finite(a * b, "*", a, b), (b, a)


def div(a: float, b: float) -> tuple[float, Grads]:
    """a / b; partials 1/b, -a/b²."""
    if b == 0.0:
        raise ZeroDivisionError(f"/: division by zero ({fmt_number(a)} / {fmt_number(b)})")
    return finite(a / b, "/", a, b), (1.0 / b, finite(-a / (b * b), "/", a, b))


def _power(x: float, c: float) -> float:
    if x == 0.0 and c < 0.0:
        raise ZeroDivisionError(f"**: 0 to a negative power ({fmt_number(x)} ** {fmt_number(c)})")
    if x < 0.0 and not c.is_integer():
        raise ValueError(
            f"**: negative base to a fractional power ({fmt_number(x)} ** {fmt_number(c)}) "
            "is not real"
        )
    try:
        data = x**c
    except OverflowError:
        raise OverflowError(
            f"**: overflow for operands ({fmt_number(x)}, {fmt_number(c)})"
        ) from None
    return finite(data, "**", x, c)


def _power_slope(x: float, c: float) -> float:
    """d(x^c)/dx = c·x^(c-1)."""
    if c == 0.0:
        return 0.0
    try:
        return finite(c * x ** (c - 1.0), "**", x, c)
    except ZeroDivisionError:
        raise ValueError(
            f"**: the derivative of {fmt_number(x)} ** {fmt_number(c)} is infinite at 0"
        ) from None


def pow_const(x: float, c: float) -> tuple[float, float]:
    """x^c for a number exponent c: (value, c·x^(c-1))."""
    return _power(x, c), _power_slope(x, c)


def power(x: float, y: float) -> tuple[float, Grads]:
    """x^y with both Values: partials y·x^(y-1) and x^y·ln x (0 at x = 0, as PyTorch)."""
    if x < 0.0:
        raise ValueError(
            f"**: d/d(exponent) of {fmt_number(x)} ** {fmt_number(y)} needs a positive base; "
            "use a number exponent for a negative base"
        )
    data = _power(x, y)
    return data, (_power_slope(x, y), data * math.log(x) if x > 0.0 else 0.0)


def squared_error(pred: float, target: float) -> tuple[float, Grads]:
    """(ŷ − y)²; partials 2(ŷ − y) and −2(ŷ − y)."""
    diff = pred - target
    return finite(diff * diff, "squared_error", pred, target), (2.0 * diff, -2.0 * diff)


BINARY: dict[str, Callable[[float, float], tuple[float, Grads]]] = {
    "+": add,
    "-": sub,
    "*": mul,
    "/": div,
    "**": power,
    "squared_error": squared_error,
}


# --- unary: x -> (value, d/dx) ---------------------------------------------------------------


def neg(x: float) -> tuple[float, float]:
    """-x; d/dx = -1."""
    return -x, -1.0


def exp(x: float) -> tuple[float, float]:
    """e^x; d/dx = e^x."""
    try:
        t = math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp: overflow for operand {x!r} (exp(x) > 1.8e308)") from None
    return t, t


def log(x: float) -> tuple[float, float]:
    """ln x for x > 0; d/dx = 1/x."""
    if x <= 0.0:
        raise ValueError(f"log: operand must be > 0, got {x!r}")
    return math.log(x), 1.0 / x


def tanh(x: float) -> tuple[float, float]:
    """tanh x; d/dx = 1 - tanh²x. Never overflows."""
    t = math.tanh(x)
    return t, 1.0 - t * t


def sigmoid(x: float) -> tuple[float, float]:
    """1/(1+e^-x); d/dx = s(1-s). Computed without overflow for any x."""
    if x >= 0.0:
        s = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        s = e / (1.0 + e)
    return s, s * (1.0 - s)


def relu(x: float) -> tuple[float, float]:
    """max(0, x); d/dx = 1 for x > 0, else 0 (as PyTorch)."""
    return (x, 1.0) if x > 0.0 else (0.0, 0.0)


def sinh(x: float) -> tuple[float, float]:
    """sinh x; d/dx = cosh x."""
    try:
        return math.sinh(x), math.cosh(x)
    except OverflowError:
        raise OverflowError(f"sinh: overflow for operand {x!r}") from None


def cosh(x: float) -> tuple[float, float]:
    """cosh x; d/dx = sinh x."""
    try:
        return math.cosh(x), math.sinh(x)
    except OverflowError:
        raise OverflowError(f"cosh: overflow for operand {x!r}") from None


UNARY: dict[str, Callable[[float], tuple[float, float]]] = {
    "neg": neg,
    "exp": exp,
    "log": log,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "sinh": sinh,
    "cosh": cosh,
}

#: The activations a neuron (a dot node) can apply: name → x -> (value, slope).
ACTIVATIONS: dict[str, Callable[[float], tuple[float, float]]] = {
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
}


# --- n-ary ------------------------------------------------------------------------------------


def summed(data: Sequence[float], op: str) -> float:
    """The sum left to right (as the tutorials add), divided by n for "mean"."""
    total = 0.0
    for x in data:
        total += x
    if op == "mean":
        total /= len(data)
    return finite(total, op, total)


def dot(
    wdata: Sequence[float],
    xdata: Sequence[float],
    bias: float | None,
    wired: tuple[bool, bool, bool],
    activation: str | None,
) -> tuple[float, Grads]:
    """a(w·x + b) and its partials, for the edges `wired` says exist (weights, inputs, bias):

    ∂z/∂w_i = x_i, ∂z/∂x_i = w_i, ∂z/∂b = 1, each times a'(z) when there is an activation.
    The sum runs left to right, as the tutorials add.
    """
    total = 0.0
    for wd, xd in zip(wdata, xdata):
        total += wd * xd
    if bias is not None:
        total += bias
    if total - total != 0.0:  # inf or nan
        raise OverflowError(f"dot: result is not finite ({total!r})")
    w_wired, x_wired, b_wired = wired
    if w_wired and not x_wired:
        local_grads: Grads = (*xdata, 1.0) if b_wired else tuple(xdata)
    elif w_wired:
        local_grads = (*xdata, *wdata, 1.0) if b_wired else (*xdata, *wdata)
    else:
        local_grads = (*wdata, 1.0) if b_wired else tuple(wdata)
    if activation is not None:
        # The chain rule inside the node: every partial times a'(z).
        total, slope = ACTIVATIONS[activation](total)
        if slope == 0.0:
            local_grads = (0.0,) * len(local_grads)
        elif slope != 1.0:
            local_grads = tuple(map(slope.__mul__, local_grads))
    return total, local_grads
