"""Every op's kernel: its value and local partial derivatives, on plain floats.

A kernel has one signature for every op, ``kernel(input_values, *params) -> (value,
local_grads)``: `input_values` are the node's inputs' values in order, `params` what the op
needs besides them (a number exponent, a dot product's constants and activation, leaky_relu's
slope), and `local_grads` one partial derivative per input. Each interior `Value` stores its
kernel and params, so `Tape` re-runs a node with ``node.kernel(values, *node.params)`` and the
compiler reads the same record. Each kernel checks its domain and raises naming the op and
operands.

What every kernel checks, whatever way a number got into a leaf's `.data`: each input is a
finite real number (a str, None, a complex, nan, inf or an int too large for a float raises
TypeError/ValueError naming the op and the input) and the value is finite (else
OverflowError, which blames the result when the inputs are finite). The checks sit on the
slow path: a kernel looks at its inputs only when its result is not finite or its arithmetic
failed, or when the function would hide a bad input (relu(nan) would be 0, tanh(inf) 1).

One rule for a finite value with an infinite partial derivative (√x and x**0.5 at 0, 1/b for
a tiny b, a user op): the forward pass gives the value, as PyTorch does, and the node's
`local_grads` are an `InfiniteGrads` tuple; `backward` refuses such a node with a ValueError
naming the op before it changes any gradient (PyTorch would put inf or nan in them).

`TABLE` at the bottom is the one list of ops, a row per op: its name, its kernel, and its
rule for each other interpreter (the Python the compiler writes, the numpy batch form, room
for the page's JavaScript). `backward` and `Tape` run the kernels; the compiler and the
numpy engine are loops that look a node's row up (`row_of`) and apply its rule. `UNARY`
and `BINARY` (the engine's operators) and `ACTIVATIONS` (nn's choices) are views of it.
"""

from __future__ import annotations

import math
import numbers
import operator
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, NoReturn, TypeAlias, TypeVar

from .formatting import fmt_number

__all__ = [
    "ACTIVATIONS",
    "BIAS_INPUT",
    "BINARY",
    "TABLE",
    "UNARY",
    "Activation",
    "Grads",
    "InfiniteGrads",
    "Kernel",
    "NumpyRule",
    "OpRow",
    "PythonRule",
    "UserKernel",
    "ZeroGrads",
    "check_inputs",
    "dot",
    "dot_split",
    "exp_shift",
    "finite",
    "fmt_number",
    "mean",
    "pow_const",
    "row_max",
    "row_of",
    "shape_of",
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


class InfiniteGrads(tuple[float, ...]):
    """Local partials of which one is infinite (or too large for a float) at a finite value,
    e.g. √x at 0: the node keeps its value and `backward` refuses it, naming the op."""

    __slots__ = ()


def check_inputs(op: str, values: Sequence[object], names: Sequence[str] | None = None) -> None:
    """Raise naming the op and the input when one of `values` is not a finite real number:
    TypeError for a non-number (str, None), ValueError for nan or inf. `names` names the
    inputs ("weight 0", ...); by default they are "input 0", "input 1", ..."""
    for i, x in enumerate(values):
        what = names[i] if names is not None else f"input {i}"
        if isinstance(x, bool) or not isinstance(x, (int, float, numbers.Real)):
            raise TypeError(
                f"{op}: {what} must be a number, got {type(x).__name__}: {fmt_number(x)} "
                "(was a leaf's .data set to it?)"
            )
        try:
            ok = math.isfinite(x)
        except OverflowError:  # an int too large for a float
            raise ValueError(
                f"{op}: {what} is {fmt_number(x)}, beyond a float's range "
                "(was a leaf's .data set to it?)"
            ) from None
        if not ok:
            raise ValueError(
                f"{op}: {what} is {fmt_number(x)}, not a finite number "
                "(was a leaf's .data set to it?)"
            )


def finite(data: float, op: str, *operands: float) -> float:
    """Return `data`, or raise naming the op: the bad operand (see `check_inputs`) when there
    is one, else OverflowError because the result itself is not finite."""
    try:
        if math.isfinite(data):
            return data
    except (TypeError, OverflowError):  # a str, None, or an int too large for a float
        pass
    check_inputs(op, operands)
    raise overflowed(op, operands, data)


def overflowed(op: str, operands: Sequence[object], data: object) -> OverflowError:
    """The error for finite inputs whose result is not finite: the result is to blame."""
    if len(operands) <= 4:
        inputs = f"({', '.join(map(fmt_number, operands))})"
    else:
        inputs = f"its {len(operands)} inputs"
    shown = repr(data) if isinstance(data, float) else fmt_number(data)
    return OverflowError(
        f"{op}: result of {inputs} is not finite ({shown}): the inputs are finite, "
        "the result overflowed"
    )


# `x * 0.0 < 1.0` holds exactly for a finite real number: nan and ±inf give nan (False);
# a str, None or a complex raises TypeError, an int too large for a float OverflowError.


def _finite1(values: Inputs, op: str) -> float:
    """The one input of a unary kernel, checked to be a finite number."""
    x = values[0]
    try:
        if x * 0.0 < 1.0:
            return x
    except (TypeError, OverflowError):
        pass
    check_inputs(op, values)
    raise TypeError(f"{op}: input 0 must be a finite number, got {fmt_number(x)}")


def _finite2(values: Inputs, op: str) -> None:
    """Check both inputs of a binary kernel whose value could hide a bad one (1/inf is 0)."""
    a, b = values
    try:
        if a * 0.0 < 1.0 and b * 0.0 < 1.0:
            return
    except (TypeError, OverflowError):
        pass
    check_inputs(op, values)
    raise TypeError(f"{op}: inputs must be finite numbers, got {fmt_number(a)}, {fmt_number(b)}")


def _bad_arithmetic(op: str, values: Inputs, error: Exception) -> Exception:
    """The error for arithmetic that raised `error`: the input that is not a number (a str,
    None, an int too large for a float), else `error` itself (the result overflowed)."""
    check_inputs(op, values)
    if isinstance(error, OverflowError):
        return error
    return TypeError(f"{op}: inputs must be numbers, got {', '.join(map(fmt_number, values))}")


def _infinite(grads: tuple[float, ...]) -> tuple[float, ...]:
    """`grads` marked as `InfiniteGrads` when one of them is not finite."""
    for g in grads:
        if not math.isfinite(g):
            return InfiniteGrads(grads)
    return grads


# --- binary: (a, b) -> (value, (∂/∂a, ∂/∂b)) -------------------------------------------------


def add(values: Inputs) -> Result:
    """a + b; partials 1, 1."""
    a, b = values
    try:
        return finite(a + b, "+", a, b), _ADD_GRADS
    except (TypeError, OverflowError) as error:
        raise _bad_arithmetic("+", values, error) from None


def sub(values: Inputs) -> Result:
    """a - b; partials 1, -1."""
    a, b = values
    try:
        return finite(a - b, "-", a, b), _SUB_GRADS
    except (TypeError, OverflowError) as error:
        raise _bad_arithmetic("-", values, error) from None


def mul(values: Inputs) -> Result:
    """a·b; partials b, a."""
    a, b = values
    try:
        return finite(a * b, "*", a, b), (b, a)
    except (TypeError, OverflowError) as error:
        raise _bad_arithmetic("*", values, error) from None


def div(values: Inputs) -> Result:
    """a / b; partials 1/b and -a/b², the latter as -(a/b)/b (PyTorch's order: b² of a tiny
    b would underflow to 0 where the partial is finite); an InfiniteGrads when one overflows."""
    a, b = values
    _finite2(values, "/")  # a / inf would be 0
    if b == 0.0:
        raise ZeroDivisionError(f"/: division by zero ({fmt_number(a)} / {fmt_number(b)})")
    data = finite(a / b, "/", a, b)
    return data, _infinite((1.0 / b, -data / b))


def _power(x: float, c: float) -> float:
    _finite2((x, c), "**")  # nan ** 0 would be 1
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
    """d(x^c)/dx = c·x^(c-1); ±inf where it is infinite (x = 0 with 0 < c < 1) or too large
    for a float (x = 5e-324 with c = 0.01): the caller marks it `InfiniteGrads`."""
    if c == 0.0:
        return 0.0
    try:
        slope: float = c * x ** (c - 1.0)
        return slope
    except (ZeroDivisionError, OverflowError):
        return math.inf if c > 0.0 else -math.inf


def pow_const(values: Inputs, c: float) -> Result:
    """x^c for a number exponent `c` (a param, not an input): partial c·x^(c-1)."""
    (x,) = values
    data = _power(x, c)
    return data, _infinite((_power_slope(x, c),))


def power(values: Inputs) -> Result:
    """x^y with both Values: partials y·x^(y-1) and x^y·ln x (0 at x = 0, as PyTorch)."""
    x, y = values
    _finite2(values, "**")
    if x < 0.0:
        raise ValueError(
            f"**: d/d(exponent) of {fmt_number(x)} ** {fmt_number(y)} needs a positive base; "
            "use a number exponent for a negative base"
        )
    data = _power(x, y)
    return data, _infinite((_power_slope(x, y), data * math.log(x) if x > 0.0 else 0.0))


def squared_error(values: Inputs) -> Result:
    """(ŷ − y)²; partials 2(ŷ − y) and −2(ŷ − y)."""
    pred, target = values
    try:
        diff = pred - target
        return finite(diff * diff, "squared_error", pred, target), (2.0 * diff, -2.0 * diff)
    except (TypeError, OverflowError) as error:
        raise _bad_arithmetic("squared_error", values, error) from None


# --- unary: (x,) -> (value, (d/dx,)) --------------------------------------------------------


def neg(values: Inputs) -> Result:
    """-x; d/dx = -1."""
    return -_finite1(values, "neg"), (-1.0,)


def exp(values: Inputs) -> Result:
    """e^x; d/dx = e^x."""
    x = _finite1(values, "exp")
    try:
        t = math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp: overflow for operand {x!r} (exp(x) > 1.8e308)") from None
    return t, (t,)


def log(values: Inputs) -> Result:
    """ln x for x > 0; d/dx = 1/x (an InfiniteGrads for x below 1/1.8e308)."""
    x = _finite1(values, "log")
    if x <= 0.0:
        raise ValueError(f"log: operand must be > 0, got {x!r}")
    return math.log(x), _infinite((1.0 / x,))


def tanh(values: Inputs) -> Result:
    """tanh x; d/dx = 1 - tanh²x. Never overflows."""
    x = values[0]
    # Inline rather than _finite1: an activation runs inside every neuron (dot node).
    try:
        if not x * 0.0 < 1.0:  # nan or inf (see _finite1)
            _finite1(values, "tanh")
    except (TypeError, OverflowError):  # a str, None, an int too large for a float
        _finite1(values, "tanh")
    t = math.tanh(x)
    return t, (1.0 - t * t,)


def sigmoid(values: Inputs) -> Result:
    """1/(1+e^-x); d/dx = s(1-s). Computed without overflow for any x."""
    x = values[0]
    try:
        if not x * 0.0 < 1.0:  # nan or inf (inline: see tanh)
            _finite1(values, "sigmoid")
    except (TypeError, OverflowError):
        _finite1(values, "sigmoid")
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
    try:
        if not x * 0.0 < 1.0:  # nan or inf (inline: see tanh)
            _finite1(values, "relu")
    except (TypeError, OverflowError):
        _finite1(values, "relu")
    return (x, _RELU_ON) if x > 0.0 else (0.0, _RELU_OFF)


def sinh(values: Inputs) -> Result:
    """sinh x; d/dx = cosh x (an InfiniteGrads where cosh overflows and sinh does not)."""
    x = _finite1(values, "sinh")
    try:
        data = math.sinh(x)
    except OverflowError:
        raise OverflowError(f"sinh: overflow for operand {x!r}") from None
    try:
        return data, (math.cosh(x),)
    except OverflowError:
        return data, InfiniteGrads((math.inf,))


def cosh(values: Inputs) -> Result:
    """cosh x; d/dx = sinh x."""
    x = _finite1(values, "cosh")
    try:
        return math.cosh(x), (math.sinh(x),)
    except OverflowError:
        raise OverflowError(f"cosh: overflow for operand {x!r}") from None


def sin(values: Inputs) -> Result:
    """sin x; d/dx = cos x."""
    x = _finite1(values, "sin")
    return math.sin(x), (math.cos(x),)


def cos(values: Inputs) -> Result:
    """cos x; d/dx = -sin x."""
    x = _finite1(values, "cos")
    return math.cos(x), (-math.sin(x),)


def sqrt(values: Inputs) -> Result:
    """√x for x >= 0; d/dx = 1/(2√x), infinite at 0 (an InfiniteGrads: see the module doc)."""
    x = _finite1(values, "sqrt")
    if x < 0.0:
        raise ValueError(f"sqrt: operand must be >= 0, got {x!r}")
    r = math.sqrt(x)
    if r == 0.0:
        return r, InfiniteGrads((math.inf,))
    return r, _infinite((0.5 / r,))


def abs_(values: Inputs) -> Result:
    """|x|; d/dx = sign x, 0 at 0 (as PyTorch)."""
    x = _finite1(values, "abs")
    if x > 0.0:
        return x, _RELU_ON
    if x < 0.0:
        return -x, (-1.0,)
    return 0.0, _RELU_OFF


def leaky_relu(values: Inputs, slope: float) -> Result:
    """x for x > 0, else slope·x; d/dx = 1 for x > 0, else slope (as PyTorch). `slope` is a
    param of the node."""
    x = _finite1(values, "leaky_relu")
    return (x, _RELU_ON) if x > 0.0 else (slope * x, (slope,))


class UserKernel:
    """The engine kernel of an op made with `define_op`: it checks the inputs, calls the
    user's ``fn(*input_values) -> (value, local_partials)`` and checks what it returns (a
    finite number and one finite number per input, or an infinite partial, which follows
    the InfiniteGrads rule), raising naming the op."""

    __slots__ = ("apply", "fn", "name")

    def __init__(self, name: str, fn: Callable[..., object]) -> None:
        self.name = name
        self.fn = fn
        #: The function `define_op` returned, once made (pickle finds a decorated op by it).
        self.apply: Callable[..., object] | None = None

    def __repr__(self) -> str:
        return f"UserKernel({self.name!r}, {getattr(self.fn, '__qualname__', self.fn)!r})"

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled by reference: the kernel function under its own name, or for
        ``@define_op`` (where the name holds the op function) through that function."""
        module = sys.modules.get(getattr(self.fn, "__module__", "") or "")
        found = getattr(module, getattr(self.fn, "__qualname__", ""), None)
        if found is not self.fn and self.apply is not None:
            return (_kernel_of, (self.apply,))
        return (UserKernel, (self.name, self.fn))

    def __call__(self, values: Inputs) -> Result:
        op = self.name
        check_inputs(op, values)
        try:
            result = self.fn(*values)
        except Exception as error:
            add_note = getattr(error, "add_note", None)  # Python 3.11+
            if add_note is not None:
                add_note(f"in the kernel of op {op!r} at ({', '.join(map(fmt_number, values))})")
            raise
        if not isinstance(result, tuple) or len(result) != 2:
            raise TypeError(
                f"{op}: the kernel must return (value, local_partials), got "
                f"{type(result).__name__}: {fmt_number(result)}"
            )
        value, partials = result
        if isinstance(value, bool) or not isinstance(value, (int, float, numbers.Real)):
            raise TypeError(
                f"{op}: the kernel's value must be a number, got {type(value).__name__}: "
                f"{fmt_number(value)}"
            )
        try:
            data = float(value)
        except OverflowError:  # an int too large for a float
            data = math.inf
        if not math.isfinite(data):
            names = ", ".join(map(fmt_number, values))
            huge = isinstance(value, numbers.Integral)  # an int that overflowed the float
            shown = fmt_number(value) + ", beyond a float's range" if huge else repr(data)
            raise OverflowError(f"{op}: the kernel's value for ({names}) is not finite ({shown})")
        if isinstance(partials, (int, float)) or not isinstance(partials, Sequence):
            raise TypeError(
                f"{op}: the kernel's local_partials must be a sequence of numbers (one per "
                f"input), got {type(partials).__name__}: {fmt_number(partials)}"
            )
        if len(partials) != len(values):
            raise ValueError(
                f"{op}: the kernel gave {len(partials)} local partials for {len(values)} inputs; "
                "it must give one per input, in order"
            )
        grads = []
        for i, g in enumerate(partials):
            if isinstance(g, bool) or not isinstance(g, (int, float, numbers.Real)):
                raise TypeError(
                    f"{op}: local partial {i} must be a number, got {type(g).__name__}: "
                    f"{fmt_number(g)}"
                )
            try:
                g = float(g)
            except OverflowError:  # an int too large for a float: infinite as a float is
                g = math.inf if g > 0 else -math.inf
            if math.isnan(g):
                raise ValueError(f"{op}: local partial {i} is nan")
            grads.append(g)
        return data, _infinite(tuple(grads))


def _kernel_of(op_function: object) -> UserKernel:
    """The UserKernel of a function `define_op` returned (for unpickling)."""
    return op_function.kernel  # type: ignore[attr-defined,no-any-return]


# --- n-ary ------------------------------------------------------------------------------------


def _total(values: Inputs) -> float:
    """The sum left to right, as the tutorials add."""
    total = 0.0
    for x in values:
        total += x
    return total


def sum_(values: Inputs) -> Result:
    """x_1 + … + x_n, added left to right; every partial is 1."""
    try:
        total = _total(values)
    except (TypeError, OverflowError) as error:
        raise _bad_arithmetic("sum", values, error) from None
    if total - total != 0.0:  # a bad input, or finite inputs whose sum overflowed
        finite(total, "sum", *values)
    return total, (1.0,) * len(values)


def mean(values: Inputs) -> Result:
    """(x_1 + … + x_n) / n; every partial is 1/n."""
    n = len(values)
    try:
        total = _total(values) / n
    except (TypeError, OverflowError) as error:
        raise _bad_arithmetic("mean", values, error) from None
    if total - total != 0.0:  # a bad input, or finite inputs whose sum overflowed
        finite(total, "mean", *values)
    return total, (1.0 / n,) * n


def row_max(values: Inputs) -> Result:
    """The largest input, as softmax's shift m: every partial is 0 (a shared `ZeroGrads`).

    cross_entropy subtracts m from every logit to keep each e^(l − m) <= 1; the loss does
    not depend on m (its derivative through m is 0), so m carries no gradient, as in
    PyTorch's log_softmax. A node rather than a constant: every engine recomputes it from
    the current logits.
    """
    try:
        check = 0.0
        for x in values:
            check += x * 0.0  # below 1.0 exactly when every input is finite (see _finite1)
        if check < 1.0:
            return max(values), zero_grads(len(values))
    except (TypeError, OverflowError):
        pass
    check_inputs("max", values)
    raise TypeError(f"max: inputs must be finite numbers, got {', '.join(map(fmt_number, values))}")


def exp_shift(values: Inputs) -> Result:
    """e^(l − m) for a logit l and the shift m, in one node; partials e^(l − m), −e^(l − m).

    One node, so that l − m below a float's range (a logit 1e308 below the largest) gives
    e^(l − m) = 0, as PyTorch does, rather than an overflow in a node holding l − m.
    """
    _finite2(values, "exp(l − m)")
    logit, m = values
    try:
        e = math.exp(logit - m)
    except OverflowError:
        e = math.inf
    if e == math.inf:
        raise overflowed("exp(l − m)", values, e)
    return e, (e, -e)


#: The `bias` param of a dot node whose bias is a Value: its value is the last input.
BIAS_INPUT: Final = "input"


_T = TypeVar("_T")


def dot_split(
    items: Sequence[_T],
    n: int,
    wconst: tuple[float, ...] | None,
    xconst: tuple[float, ...] | None,
    bias: float | str | None,
) -> tuple[Sequence[_T] | None, Sequence[_T] | None, _T | None]:
    """The wired weights, inputs and bias among `items`, laid out as a dot node's inputs are
    (its Values, their values, or names standing for them): the weights are the first `n`
    unless `wconst` holds them, the inputs the next `n` unless `xconst` does, the bias the
    last item when `bias` is `BIAS_INPUT`. None where a part is constant or absent."""
    start = 0 if wconst is not None else n
    weights = None if wconst is not None else items[:n]
    inputs = None if xconst is not None else items[start : start + n]
    return weights, inputs, items[-1] if bias == BIAS_INPUT else None


def dot(
    values: Inputs,
    n: int,
    wconst: tuple[float, ...] | None,
    xconst: tuple[float, ...] | None,
    bias: float | str | None,
    activation: Kernel | None,
) -> Result:
    """The kernel of a dot node: a(w·x + b) over vectors of length `n`, and its partials
    ∂/∂w_i = x_i, ∂/∂x_i = w_i, ∂/∂b = 1, each times a'(z) when there is an activation.

    The node's inputs are the Values among weights, inputs and bias, in that order: the
    weights are `wconst` (constants) or the first `n` input values, the inputs `xconst` or
    the next `n`; `bias` is a constant, None, or `BIAS_INPUT` (the last input value).
    `activation` is an activation's kernel, or None for a plain dot product. The sum runs
    left to right, as the tutorials add. A neuron's partials that are all 0 (a relu that is
    off) are one shared `ZeroGrads` tuple, which backward skips.
    """
    # The weights: `values` itself when they are wired (map stops after the n inputs).
    weights = values if wconst is None else wconst
    start = n if wconst is None else 0
    xdata = values[start : start + n] if xconst is None else xconst
    wired_bias = bias == BIAS_INPUT
    total = 0.0
    try:
        for product in map(_mul, weights, xdata):
            total += product
        if wired_bias:
            total += values[-1]
        elif bias is not None:
            total += bias  # type: ignore[operator]
        finite = total - total == 0.0
    except (TypeError, OverflowError):  # a str, None or an int too large for a float
        finite = False
    if not finite:
        wdata = values[:n] if wconst is None else wconst
        _dot_failure(wdata, xdata, values[-1] if wired_bias else bias, wired_bias, total)
    slope = 1.0
    if activation is not None:
        total, (slope,) = activation((total,))
        if slope == 0.0:
            return total, zero_grads(len(values))
    if wconst is None:
        grads = list(xdata) if xconst is not None else [*xdata, *values[:n]]
    else:
        grads = [] if xconst is not None else list(wconst)
    if wired_bias:
        grads.append(1.0)
    if slope != 1.0:
        # The chain rule inside the node: every partial times a'(z). (A loop rather than a
        # comprehension, here and in the engine's hot paths: on CPython 3.11 it is faster
        # for a neuron's few partials.)
        scaled = []
        for g in grads:
            scaled.append(slope * g)
        grads = scaled
    return total, tuple(grads)


_mul = operator.mul


def _dot_failure(
    wdata: Sequence[float], xdata: Sequence[float], bias: object, wired_bias: bool, total: float
) -> NoReturn:
    """Raise for a dot product that is not finite: naming the bad input when there is one
    (nan, inf, a str or None), else OverflowError for the sum itself."""
    names = [f"weight {i}" for i in range(len(wdata))] + [f"input {i}" for i in range(len(xdata))]
    values: list[object] = [*wdata, *xdata]
    if wired_bias or bias is not None:
        names.append("bias")
        values.append(bias)
    check_inputs("dot", values, names)
    raise OverflowError(
        f"dot: result is not finite ({total!r}): the weights, inputs and bias are finite, "
        "the sum overflowed"
    )


# --- the table: one row per op, a column per interpreter -------------------------------------


@dataclass(frozen=True)
class PythonRule:
    """How the compiler writes an op inline: Python source templates, filled in once, when the
    code is generated (the running code holds plain arithmetic, no lookups).

    `value` is one or more statements (joined by ``;``) that set ``{out}`` from the inputs
    ``{x0}``, ``{x1}``, …; `partials` has one expression per input, the local partial that
    backward multiplies by the upstream gradient. ``{d}`` and ``{s}`` are temporaries of the
    node (named for it when written); backward reads what `partials` name. For an op of any
    number of inputs (shape "variadic") ``{sum}`` is the statement ``{out} = 0.0 + {x0} + …``
    (added left to right, as the kernel adds), ``{n}`` the number of inputs, ``{inv_n}`` 1/n,
    and the one partial applies to every input. For a dot (shape "dot") `partials` are those
    of a weight, an input and the bias, over ``{w}`` and ``{x}``.

    `checked`: finite inputs can give a value that is not finite (the code checks it, and
    hands such a row to the interpreter). `gate`: a condition on ``{out}`` that says whether
    the partials hold; where it is false they are all 0 and backward skips the node (relu in
    a dot). `functions` are the functions the templates call, by their ``__name__``.
    """

    value: str
    partials: tuple[str, ...]
    checked: bool = True
    gate: str | None = None
    functions: tuple[Callable[..., float], ...] = ()


@dataclass(frozen=True)
class NumpyRule:
    """An op over a batch: its inputs are numpy arrays (one entry per row) or floats (a
    parameter's value).

    ``forward(np, *inputs) -> (value, saved)`` and ``backward(saved, upstream, needed) ->
    (contribution per input)``: what each input's gradient gains, None where `needed` (one
    bool per input) says no gradient is kept. A function of one input saves its slope a'(x),
    which a dot layer multiplies into its gradients. `finite_inputs`: the function would hide
    an input that is not finite (tanh(inf) is 1), so the engine checks them first. A dot's
    rule is a layer's: ``forward(np, W, X)`` is ``W X`` and backward gives ``G Xᵀ`` and ``Wᵀ G``.
    """

    forward: Callable[..., tuple[Any, Any]]
    backward: Callable[[Any, Any, tuple[bool, ...]], tuple[Any, ...]]
    finite_inputs: bool = False


@dataclass(frozen=True)
class OpRow:
    """One op: its name, its float kernel (value and local partials: what `backward` and
    `Tape` run), and its rule for each other interpreter.

    `python` is the source the compiler writes for it (None: the generated code calls the
    kernel, with its own checks and errors); `numpy` its batch form (None: the numpy engine
    hands the model to the graph engine); `javascript` its rule in the page's engine
    (page/engine.js): the source of a function ``(x, p, R) -> [value, partials]`` of the input
    values, the params as JSON (a dot's activation as its row's name) and the rules by name,
    with the kernel's arithmetic in the kernel's order. `shape` says how its inputs are laid
    out: "fixed" (one per partial), "variadic" (any number, all alike), "dot" (weights,
    inputs and bias; params as `dot` takes them) or "power" (one input raised to the number
    `params[0]`: "fixed" to an interpreter, x^c to a drawing). `torch` is the PyTorch
    expression it matches (of ``a``, ``b``, … for the inputs), `points` are inputs inside
    its domain where the tests check it, with `params`. `stops_gradient`: its partials are
    0 by design (softmax's shift), not its derivative.
    """

    name: str
    kernel: Kernel
    torch: str
    points: tuple[tuple[float, ...], ...]
    params: tuple[Any, ...] = ()
    shape: str = "fixed"
    python: PythonRule | None = None
    numpy: NumpyRule | None = None
    javascript: str | None = None
    stops_gradient: bool = False


def _np_unary(function: Callable[[Any, Any], tuple[Any, Any]]) -> NumpyRule:
    """The batch rule of a function of one input that hides bad inputs: forward gives
    (a(x), a'(x)), backward a'(x) · upstream."""
    return NumpyRule(function, lambda slope, g, needed: (slope * g,), finite_inputs=True)


def _np_tanh(np: Any, x: Any) -> tuple[Any, Any]:
    t = np.tanh(x)
    return t, 1.0 - t * t


def _np_relu(np: Any, x: Any) -> tuple[Any, Any]:
    return np.maximum(x, 0.0), x > 0.0  # a slope of True or False multiplies as 1 or 0


def _np_sigmoid(np: Any, x: Any) -> tuple[Any, Any]:
    e = np.exp(-np.abs(x))  # never overflows: e^-|x| <= 1
    s = np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
    return s, s * (1.0 - s)


def _np_sum(np: Any, *xs: Any) -> tuple[Any, Any]:
    return sum(xs[1:], xs[0]), None


def _np_mean(np: Any, *xs: Any) -> tuple[Any, Any]:
    return sum(xs[1:], xs[0]) / len(xs), len(xs)


def _np_squared_error(np: Any, a: Any, b: Any) -> tuple[Any, Any]:
    diff = a - b
    return diff * diff, diff


def _np_squared_error_vjp(diff: Any, g: Any, needed: tuple[bool, ...]) -> tuple[Any, ...]:
    # A target (a placeholder) keeps no gradient: its product is not computed.
    return (2.0 * diff * g if needed[0] else None, -2.0 * diff * g if needed[1] else None)


def _np_dot_vjp(saved: Any, g: Any, needed: tuple[bool, ...]) -> tuple[Any, ...]:
    w, x = saved
    return (g @ x.T if needed[0] else None, w.T @ g if needed[1] else None)


#: tanh's rule in generated code: the derivative 1 − t² from the value t, once per node.
_TANH_PYTHON = PythonRule(
    "{out} = tanh({x0}); {s} = 1.0 - {out} * {out}", ("{s}",), checked=False, functions=(math.tanh,)
)

#: tanh's rule in the page's JavaScript (a dot with tanh calls it too).
_TANH_JAVASCRIPT = "function (x) { var t = Math.tanh(x[0]); return [t, [1 - t * t]]; }"

#: A dot node in the page, as `dot` computes it: the sum left to right from 0, then the
#: activation's row (by name, in `R`) for the value and slope, every partial times the slope;
#: all 0 when the slope is 0. `p` is [n, wconst, xconst, bias ("input": the last input), act].
_DOT_JAVASCRIPT = """function (x, p, R) {
  var n = p[0], wc = p[1], xc = p[2], bias = p[3], act = p[4], k;
  var start = wc === null ? n : 0, w = wc === null ? x.slice(0, n) : wc;
  var xs = xc === null ? x.slice(start, start + n) : xc, total = 0, slope = 1, grads;
  for (k = 0; k < n; k++) total += w[k] * xs[k];
  if (bias === "input") total += x[x.length - 1];
  else if (bias !== null) total += bias;
  if (act !== null) {
    var a = R[act]([total], []);
    total = a[0];
    slope = a[1][0];
    if (slope === 0) return [total, x.map(function () { return 0; })];
  }
  if (wc === null) grads = xc !== null ? xs.slice() : xs.concat(w);
  else grads = xc !== null ? [] : wc.slice();
  if (bias === "input") grads.push(1);
  if (slope !== 1) grads = grads.map(function (g) { return slope * g; });
  return [total, grads];
}"""

#: The one table of ops. The engine's operators, nn, `to_torch`, the compiler, the numpy
#: engine and the tests read it; an op is one row.
TABLE: dict[str, OpRow] = {
    row.name: row
    for row in (
        # binary: (a, b)
        OpRow(
            "+", add, "a + b", ((1.5, -2.0), (0.0, 3.0)),
            python=PythonRule("{out} = {x0} + {x1}", ("1.0", "1.0")),
            numpy=NumpyRule(lambda np, a, b: (a + b, None), lambda _, g, needed: (g, g)),
            javascript="function (x) { return [x[0] + x[1], [1, 1]]; }",
        ),
        OpRow(
            "-", sub, "a - b", ((1.5, -2.0), (0.0, 3.0)),
            python=PythonRule("{out} = {x0} - {x1}", ("1.0", "-1.0")),
            numpy=NumpyRule(lambda np, a, b: (a - b, None), lambda _, g, needed: (g, -g)),
            javascript="function (x) { return [x[0] - x[1], [1, -1]]; }",
        ),
        OpRow(
            "*", mul, "a * b", ((1.5, -2.0), (0.25, 3.0)),
            python=PythonRule("{out} = {x0} * {x1}", ("{x1}", "{x0}")),
            numpy=NumpyRule(
                lambda np, a, b: (a * b, (a, b)), lambda ab, g, needed: (ab[1] * g, ab[0] * g)
            ),
            javascript="function (x) { return [x[0] * x[1], [x[1], x[0]]]; }",
        ),
        OpRow(
            "/", div, "a / b", ((1.5, -2.0), (0.25, 3.0)),
            javascript="function (x) { var v = x[0] / x[1]; return [v, [1 / x[1], -v / x[1]]]; }",
        ),
        OpRow(
            "**", power, "a ** b", ((1.5, -2.0), (0.25, 3.0), (2.0, 0.5)),
            javascript=(
                "function (x) { var v = Math.pow(x[0], x[1]); return [v, ["
                "(x[1] === 0 ? 0 : x[1] * Math.pow(x[0], x[1] - 1)), "
                "x[0] > 0 ? v * Math.log(x[0]) : 0]]; }"
            ),
        ),
        OpRow(
            "squared_error", squared_error, "(a - b) ** 2", ((1.5, -2.0), (0.25, 3.0)),
            python=PythonRule(
                "{d} = {x0} - {x1}; {out} = {d} * {d}", ("(2.0 * {d})", "(-2.0 * {d})")
            ),
            numpy=NumpyRule(_np_squared_error, _np_squared_error_vjp),
            javascript="function (x) { var d = x[0] - x[1]; return [d * d, [2 * d, -2 * d]]; }",
        ),
        # unary: (x,), and x ** c for a number c
        OpRow(
            "neg", neg, "-a", ((-1.3,), (0.4,), (2.0,)),
            python=PythonRule("{out} = -{x0}", ("-1.0",), checked=False),
            numpy=NumpyRule(lambda np, a: (-a, None), lambda _, g, needed: (-g,)),
            javascript="function (x) { return [-x[0], [-1]]; }",
        ),
        OpRow(
            "exp", exp, "torch.exp(a)", ((-2.0,), (0.0,), (1.5,)),
            javascript="function (x) { var t = Math.exp(x[0]); return [t, [t]]; }",
        ),
        OpRow(
            "log", log, "torch.log(a)", ((0.1,), (1.0,), (7.5,)),
            javascript="function (x) { return [Math.log(x[0]), [1 / x[0]]]; }",
        ),
        OpRow(
            "tanh", tanh, "torch.tanh(a)", ((-2.0,), (0.3,), (1.1,)),
            python=_TANH_PYTHON, numpy=_np_unary(_np_tanh),
            javascript=_TANH_JAVASCRIPT,
        ),
        OpRow(
            "sigmoid", sigmoid, "torch.sigmoid(a)", ((-3.0,), (0.0,), (2.5,)),
            numpy=_np_unary(_np_sigmoid),
            javascript=(
                "function (x) { var e, s; if (x[0] >= 0) { s = 1 / (1 + Math.exp(-x[0])); } "
                "else { e = Math.exp(x[0]); s = e / (1 + e); } return [s, [s * (1 - s)]]; }"
            ),
        ),
        OpRow(
            "relu", relu, "torch.relu(a)", ((-1.0,), (0.5,), (3.0,)), numpy=_np_unary(_np_relu),
            javascript="function (x) { return x[0] > 0 ? [x[0], [1]] : [0, [0]]; }",
        ),
        OpRow(
            "sinh", sinh, "torch.sinh(a)", ((-1.5,), (0.2,), (2.0,)),
            javascript="function (x) { return [Math.sinh(x[0]), [Math.cosh(x[0])]]; }",
        ),
        OpRow(
            "cosh", cosh, "torch.cosh(a)", ((-1.5,), (0.2,), (2.0,)),
            javascript="function (x) { return [Math.cosh(x[0]), [Math.sinh(x[0])]]; }",
        ),
        OpRow(
            "sin", sin, "torch.sin(a)", ((-2.5,), (0.3,), (4.0,)),
            javascript="function (x) { return [Math.sin(x[0]), [Math.cos(x[0])]]; }",
        ),
        OpRow(
            "cos", cos, "torch.cos(a)", ((-2.5,), (0.3,), (4.0,)),
            javascript="function (x) { return [Math.cos(x[0]), [-Math.sin(x[0])]]; }",
        ),
        OpRow(
            "sqrt", sqrt, "torch.sqrt(a)", ((0.04,), (1.0,), (7.5,)),
            javascript="function (x) { var r = Math.sqrt(x[0]); return [r, [0.5 / r]]; }",
        ),
        OpRow(
            "abs", abs_, "torch.abs(a)", ((-1.3,), (0.4,), (2.0,)),
            javascript=(
                "function (x) { return x[0] > 0 ? [x[0], [1]] "
                ": x[0] < 0 ? [-x[0], [-1]] : [0, [0]]; }"
            ),
        ),
        OpRow(
            "leaky_relu", leaky_relu, "torch.nn.functional.leaky_relu(a, 0.1)",
            ((-1.5,), (0.5,), (3.0,)), (0.1,),
            javascript=(
                "function (x, p) { return x[0] > 0 ? [x[0], [1]] : [p[0] * x[0], [p[0]]]; }"
            ),
        ),
        OpRow(
            "pow_const", pow_const, "a ** 3.0", ((-1.5,), (0.5,), (2.0,)), (3.0,),
            shape="power",
            javascript=(
                "function (x, p) { return [Math.pow(x[0], p[0]), "
                "[p[0] === 0 ? 0 : p[0] * Math.pow(x[0], p[0] - 1)]]; }"
            ),
        ),
        # any number of inputs
        OpRow(
            "sum", sum_, "a + b + c", ((1.5, -2.0, 0.25), (0.0, 3.0, -1.0)), shape="variadic",
            python=PythonRule("{sum}", ("1.0",)),
            numpy=NumpyRule(_np_sum, lambda _, g, needed: (g,) * len(needed)),
            javascript=(
                "function (x) { var t = 0, k; for (k = 0; k < x.length; k++) t += x[k]; "
                "return [t, x.map(function () { return 1; })]; }"
            ),
        ),
        OpRow(
            "mean", mean, "(a + b + c) / 3", ((1.5, -2.0, 0.25), (0.0, 3.0, -1.0)),
            shape="variadic",
            python=PythonRule("{sum}; {out} = {out} / {n}", ("{inv_n}",)),
            numpy=NumpyRule(_np_mean, lambda n, g, needed: ((1.0 / n) * g,) * n),
            javascript=(
                "function (x) { var t = 0, k, n = x.length; for (k = 0; k < n; k++) t += x[k]; "
                "return [t / n, x.map(function () { return 1 / n; })]; }"
            ),
        ),
        OpRow(
            "max", row_max, "torch.stack([a, b, c]).max().detach()",
            ((1.5, -2.0, 0.25), (0.0, 3.0, -1.0)), shape="variadic", stops_gradient=True,
            javascript=(
                "function (x) { return [Math.max.apply(null, x), "
                "x.map(function () { return 0; })]; }"
            ),
        ),
        OpRow(
            "exp(l − m)", exp_shift, "torch.exp(a - b)", ((0.5, 1.5), (-1.0, 0.25)),
            javascript="function (x) { var e = Math.exp(x[0] - x[1]); return [e, [e, -e]]; }",
        ),
        # a(w·x + b): here w = (a, b), x = (c, d), bias e, tanh
        OpRow(
            "tanh(dot)", dot, "torch.tanh(a * c + b * d + e)",
            ((0.5, -1.25, 1.5, 0.75, -0.125), (2.0, 0.25, -0.5, 1.0, 0.5)),
            (2, None, None, BIAS_INPUT, tanh), shape="dot",
            python=PythonRule("{sum}", ("{x}", "{w}", "1.0")),
            numpy=NumpyRule(lambda np, w, x: (w @ x, (w, x)), _np_dot_vjp),
            javascript=_DOT_JAVASCRIPT,
        ),
    )
}  # fmt: skip

BINARY: dict[str, OpRow] = {
    name: TABLE[name] for name in ("+", "-", "*", "/", "**", "squared_error")
}
UNARY: dict[str, OpRow] = {
    name: TABLE[name]
    for name in (
        *("neg", "exp", "log", "tanh", "sigmoid", "relu", "sinh", "cosh", "sin", "cos"),
        *("sqrt", "abs", "leaky_relu"),
    )
}

_BY_KERNEL: dict[Any, OpRow] = {}


def row_of(kernel: object) -> OpRow | None:
    """The table's row whose kernel is `kernel` (a node's op record), or None (an op made
    with `define_op`). A row added to `TABLE` (or replaced) is found from then on."""
    try:
        row = _BY_KERNEL.get(kernel)
    except TypeError:  # an unhashable kernel is no row's
        return None
    if row is not None and TABLE.get(row.name) is row:
        return row
    # Not indexed yet, or the table changed: index it again.
    _BY_KERNEL.clear()
    _BY_KERNEL.update((row.kernel, row) for row in TABLE.values())
    return _BY_KERNEL.get(kernel)


def shape_of(kernel: object) -> str | None:
    """The `shape` of the row whose kernel is `kernel` ("fixed", "variadic", "dot",
    "power"), or None for an op outside the table."""
    row = row_of(kernel)
    return None if row is None else row.shape


@dataclass(frozen=True)
class Activation:
    """A neuron's activation: its kernel (None for linear), the weight init an MLP uses by
    default with it, the `torch.nn` module that computes the same function, and how the
    compiler and the numpy engine apply it inside a dot node (`python`: None calls the
    kernel; `numpy`: the batch rule of its op)."""

    name: str
    kernel: Kernel | None
    default_init: str
    torch_module: str
    python: PythonRule | None = None
    numpy: NumpyRule | None = None


#: The one list of activations: nn's choices and default inits, `to_torch` and `Value.dot`
#: derive from it.
ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("tanh", tanh, "glorot", "Tanh", _TANH_PYTHON, TABLE["tanh"].numpy),
        # In a dot, a relu that is off is skipped (its partials are one shared ZeroGrads).
        Activation(
            "relu",
            relu,
            "he",
            "ReLU",
            PythonRule("{out} = {x0} if {x0} > 0.0 else 0.0", ("1.0",), gate="{out} > 0.0"),
            TABLE["relu"].numpy,
        ),
        Activation("sigmoid", sigmoid, "glorot", "Sigmoid", None, TABLE["sigmoid"].numpy),
        Activation("linear", None, "glorot", "Identity"),
    )
}
