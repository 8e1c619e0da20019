"""Every op's kernel: its value and local partial derivatives, on plain floats.

A kernel has one signature for every op, ``kernel(input_values, *params) -> (value,
local_grads)``: `input_values` are the node's inputs' values in order, `params` what the op
needs besides them (a number exponent, a dot product's constants and activation), and
`local_grads` one partial derivative per input. Each interior `Value` stores its kernel and
params, so `Tape` re-runs a node with ``node.kernel(values, *node.params)`` and the
compiler reads the same record. Each kernel checks its domain and raises naming the op and
operands.

The tables (`UNARY`, `BINARY`, `ACTIVATIONS`) are the one list of ops: the engine, nn,
`to_torch` and the tests derive from them.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

__all__ = [
    "ACTIVATIONS",
    "BIAS_INPUT",
    "BINARY",
    "UNARY",
    "Activation",
    "Grads",
    "Kernel",
    "OpRow",
    "ZeroGrads",
    "dot",
    "dot_product",
    "finite",
    "fmt_number",
    "mean",
    "pow_const",
    "sum_",
    "zero_grads",
]

Grads: TypeAlias = "tuple[float, ...]"
Inputs: TypeAlias = "Sequence[float]"
Result: TypeAlias = "tuple[float, tuple[float, ...]]"
#: ``kernel(input_values, *params) -> (value, local_grads)``
Kernel: TypeAlias = "Callable[..., tuple[float, tuple[float, ...]]]"

# Shared local-gradient tuples: the most common edges allocate nothing.
_ADD_GRADS = (1.0, 1.0)
_SUB_GRADS = (1.0, -1.0)


class ZeroGrads(tuple[float, ...]):
    """All-zero local partials (a switched-off relu neuron), shared: backward skips them."""

    __slots__ = ()


_ZEROS: dict[int, ZeroGrads] = {}


def zero_grads(n: int) -> ZeroGrads:
    """The shared tuple of `n` zero partials."""
    zeros = _ZEROS.get(n)
    if zeros is None:
        zeros = _ZEROS[n] = ZeroGrads((0.0,) * n)
    return zeros


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


def add(values: Inputs) -> Result:
    """a + b; partials 1, 1."""
    a, b = values
    return finite(a + b, "+", a, b), _ADD_GRADS


def sub(values: Inputs) -> Result:
    """a - b; partials 1, -1."""
    a, b = values
    return finite(a - b, "-", a, b), _SUB_GRADS


def mul(values: Inputs) -> Result:
    """a·b; partials b, a."""
    a, b = values
    return finite(a * b, "*", a, b), (b, a)


def div(values: Inputs) -> Result:
    """a / b; partials 1/b, -a/b²."""
    a, b = values
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


def pow_const(values: Inputs, c: float) -> Result:
    """x^c for a number exponent `c` (a param, not an input): partial c·x^(c-1)."""
    (x,) = values
    return _power(x, c), (_power_slope(x, c),)


def power(values: Inputs) -> Result:
    """x^y with both Values: partials y·x^(y-1) and x^y·ln x (0 at x = 0, as PyTorch)."""
    x, y = values
    if x < 0.0:
        raise ValueError(
            f"**: d/d(exponent) of {fmt_number(x)} ** {fmt_number(y)} needs a positive base; "
            "use a number exponent for a negative base"
        )
    data = _power(x, y)
    return data, (_power_slope(x, y), data * math.log(x) if x > 0.0 else 0.0)


def squared_error(values: Inputs) -> Result:
    """(ŷ − y)²; partials 2(ŷ − y) and −2(ŷ − y)."""
    pred, target = values
    diff = pred - target
    return finite(diff * diff, "squared_error", pred, target), (2.0 * diff, -2.0 * diff)


# --- unary: (x,) -> (value, (d/dx,)) --------------------------------------------------------


def neg(values: Inputs) -> Result:
    """-x; d/dx = -1."""
    return -values[0], (-1.0,)


def exp(values: Inputs) -> Result:
    """e^x; d/dx = e^x."""
    (x,) = values
    try:
        t = math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp: overflow for operand {x!r} (exp(x) > 1.8e308)") from None
    return t, (t,)


def log(values: Inputs) -> Result:
    """ln x for x > 0; d/dx = 1/x."""
    (x,) = values
    if x <= 0.0:
        raise ValueError(f"log: operand must be > 0, got {x!r}")
    return math.log(x), (1.0 / x,)


def tanh(values: Inputs) -> Result:
    """tanh x; d/dx = 1 - tanh²x. Never overflows."""
    t = math.tanh(values[0])
    return t, (1.0 - t * t,)


def sigmoid(values: Inputs) -> Result:
    """1/(1+e^-x); d/dx = s(1-s). Computed without overflow for any x."""
    (x,) = values
    if x >= 0.0:
        s = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        s = e / (1.0 + e)
    return s, (s * (1.0 - s),)


_RELU_ON = (1.0,)
_RELU_OFF = (0.0,)


def relu(values: Inputs) -> Result:
    """max(0, x); d/dx = 1 for x > 0, else 0 (as PyTorch)."""
    x = values[0]
    return (x, _RELU_ON) if x > 0.0 else (0.0, _RELU_OFF)


def sinh(values: Inputs) -> Result:
    """sinh x; d/dx = cosh x."""
    (x,) = values
    try:
        return math.sinh(x), (math.cosh(x),)
    except OverflowError:
        raise OverflowError(f"sinh: overflow for operand {x!r}") from None


def cosh(values: Inputs) -> Result:
    """cosh x; d/dx = sinh x."""
    (x,) = values
    try:
        return math.cosh(x), (math.sinh(x),)
    except OverflowError:
        raise OverflowError(f"cosh: overflow for operand {x!r}") from None


# --- n-ary ------------------------------------------------------------------------------------


def _total(values: Inputs) -> float:
    """The sum left to right, as the tutorials add."""
    total = 0.0
    for x in values:
        total += x
    return total


def sum_(values: Inputs) -> Result:
    """x_1 + … + x_n, added left to right; every partial is 1."""
    return finite(_total(values), "sum", _total(values)), (1.0,) * len(values)


def mean(values: Inputs) -> Result:
    """(x_1 + … + x_n) / n; every partial is 1/n."""
    n = len(values)
    total = _total(values) / n
    return finite(total, "mean", total), (1.0 / n,) * n


#: The `bias` param of a dot node whose bias is a Value: its value is the last input.
BIAS_INPUT: Final = "input"


def dot_product(
    wdata: Sequence[float],
    xdata: Sequence[float],
    bias: float | None,
    wired: tuple[bool, bool, bool],
    activation: Kernel | None,
) -> Result:
    """a(w·x + b) and its partials, for the edges `wired` says exist (weights, inputs, bias):

    ∂z/∂w_i = x_i, ∂z/∂x_i = w_i, ∂z/∂b = 1, each times a'(z) when there is an activation.
    The sum runs left to right, as the tutorials add. `dot` (the kernel) and the engine,
    which has the weights and inputs apart already, both compute through this function.
    """
    total = 0.0
    for product in map(operator.mul, wdata, xdata):
        total += product
    if bias is not None:
        total += bias
    if total - total != 0.0:  # inf or nan
        raise OverflowError(f"dot: result is not finite ({total!r})")
    w_wired, x_wired, b_wired = wired
    slope = 1.0
    if activation is not None:
        total, (slope,) = activation((total,))
        if slope == 0.0:  # every partial is 0: one shared tuple, skipped by backward
            return total, zero_grads((w_wired + x_wired) * len(wdata) + b_wired)
    if w_wired and not x_wired:
        local_grads: Grads = (*xdata, 1.0) if b_wired else tuple(xdata)
    elif w_wired:
        local_grads = (*xdata, *wdata, 1.0) if b_wired else (*xdata, *wdata)
    else:
        local_grads = (*wdata, 1.0) if b_wired else tuple(wdata)
    if slope != 1.0:
        # The chain rule inside the node: every partial times a'(z).
        local_grads = tuple(map(slope.__mul__, local_grads))
    return total, local_grads


def dot(
    values: Inputs,
    n: int,
    wconst: tuple[float, ...] | None,
    xconst: tuple[float, ...] | None,
    bias: float | str | None,
    activation: Kernel | None,
) -> Result:
    """The kernel of a dot node, a(w·x + b) over vectors of length `n` (see `dot_product`).

    The node's inputs are the Values among weights, inputs and bias, in that order: the
    weights are `wconst` (constants) or the first `n` input values, the inputs `xconst` or
    the next `n`; `bias` is a constant, None, or `BIAS_INPUT` (the last input value).
    `activation` is an activation's kernel, or None for a plain dot product.
    """
    if wconst is None:
        wdata: Sequence[float] = values[:n]
        xdata = values[n : 2 * n] if xconst is None else xconst
    else:
        wdata = wconst
        xdata = values[:n] if xconst is None else xconst
    if bias == BIAS_INPUT:
        return dot_product(
            wdata, xdata, values[-1], (wconst is None, xconst is None, True), activation
        )
    return dot_product(wdata, xdata, bias, (wconst is None, xconst is None, False), activation)  # type: ignore[arg-type]


# --- the tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpRow:
    """One op of a table: its kernel, the PyTorch expression it matches (of `a`, or `a`
    and `b`) and points inside its domain where the tests check it."""

    kernel: Kernel
    torch: str
    points: tuple[tuple[float, ...], ...]


BINARY: dict[str, OpRow] = {
    "+": OpRow(add, "a + b", ((1.5, -2.0), (0.0, 3.0))),
    "-": OpRow(sub, "a - b", ((1.5, -2.0), (0.0, 3.0))),
    "*": OpRow(mul, "a * b", ((1.5, -2.0), (0.25, 3.0))),
    "/": OpRow(div, "a / b", ((1.5, -2.0), (0.25, 3.0))),
    "**": OpRow(power, "a ** b", ((1.5, -2.0), (0.25, 3.0), (2.0, 0.5))),
    "squared_error": OpRow(squared_error, "(a - b) ** 2", ((1.5, -2.0), (0.25, 3.0))),
}

UNARY: dict[str, OpRow] = {
    "neg": OpRow(neg, "-a", ((-1.3,), (0.4,), (2.0,))),
    "exp": OpRow(exp, "torch.exp(a)", ((-2.0,), (0.0,), (1.5,))),
    "log": OpRow(log, "torch.log(a)", ((0.1,), (1.0,), (7.5,))),
    "tanh": OpRow(tanh, "torch.tanh(a)", ((-2.0,), (0.3,), (1.1,))),
    "sigmoid": OpRow(sigmoid, "torch.sigmoid(a)", ((-3.0,), (0.0,), (2.5,))),
    "relu": OpRow(relu, "torch.relu(a)", ((-1.0,), (0.5,), (3.0,))),
    "sinh": OpRow(sinh, "torch.sinh(a)", ((-1.5,), (0.2,), (2.0,))),
    "cosh": OpRow(cosh, "torch.cosh(a)", ((-1.5,), (0.2,), (2.0,))),
}


@dataclass(frozen=True)
class Activation:
    """A neuron's activation: its kernel (None for linear), the weight init an MLP uses by
    default with it, and the `torch.nn` module that computes the same function."""

    name: str
    kernel: Kernel | None
    default_init: str
    torch_module: str


#: The one list of activations: nn's choices and default inits, `to_torch` and `Value.dot`
#: derive from it.
ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("tanh", tanh, "glorot", "Tanh"),
        Activation("relu", relu, "he", "ReLU"),
        Activation("sigmoid", sigmoid, "glorot", "Sigmoid"),
        Activation("linear", None, "glorot", "Identity"),
    )
}
