"""The scalar autograd engine: `Value`, backward, backward_steps and gradcheck.

Every node stores the local partial derivative of each edge (`local_grads`, one per
entry of `inputs`), so backward is one generic loop of the chain rule:
``input.grad += local * node.grad``. Nodes hold no closures and refer only to their
inputs, so a graph is never a reference cycle and reference counting frees it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeAlias

__all__ = [
    "ACTIVATIONS",
    "BackwardEdge",
    "BackwardStep",
    "GradcheckEntry",
    "GradcheckReport",
    "Value",
    "gradcheck",
    "topological_order",
]

Number: TypeAlias = "int | float"
Operand: TypeAlias = "Value | int | float"

_NO_INPUTS: tuple[Value, ...] = ()
_NO_GRADS: tuple[float, ...] = ()
# Shared local-gradient tuples: the most common edges allocate nothing.
_ADD_GRADS = (1.0, 1.0)
_SUB_GRADS = (1.0, -1.0)
_NEG_GRADS = (-1.0,)
_ONE = (1.0,)
_ZERO = (0.0,)


def _check_number(data: object, what: str) -> float:
    """Return `data` as a finite float, or raise naming the type or the value."""
    if isinstance(data, float):
        value = data
    elif isinstance(data, (int, numbers.Real)):
        value = float(data)
    else:
        raise TypeError(f"{what} must be an int or float, got {type(data).__name__}: {data!r}")
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return value


def _tanh(x: float) -> tuple[float, float]:
    """tanh(x) and its derivative 1 - tanh²(x); never overflows."""
    t = math.tanh(x)
    return t, 1.0 - t * t


def _sigmoid(x: float) -> tuple[float, float]:
    """1/(1+e^-x) and its derivative s(1-s), computed without overflow for any x."""
    if x >= 0.0:
        s = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        s = e / (1.0 + e)
    return s, s * (1.0 - s)


def _relu(x: float) -> tuple[float, float]:
    """max(0, x) and its derivative: 1 for x > 0, else 0 (as PyTorch)."""
    return (x, 1.0) if x > 0.0 else (0.0, 0.0)


#: Activation name → function of x returning (value, derivative at x).
ACTIVATIONS: dict[str, Callable[[float], tuple[float, float]]] = {
    "tanh": _tanh,
    "sigmoid": _sigmoid,
    "relu": _relu,
}


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _finite(data: float, op: str, *operands: float) -> float:
    """Return `data`, or raise OverflowError naming the op when the result is not finite."""
    if math.isfinite(data):
        return data
    names = ", ".join(_fmt(x) for x in operands)
    raise OverflowError(f"{op}: result of ({names}) is not finite ({data!r})")


class Value:
    """One float in a computation graph, with its gradient and the edges it came from.

    `inputs` are the Values this node was computed from, in argument order, and
    `local_grads` the local partial derivative of this node with respect to each.
    `role` ("input", "param", "model", "loss" or None) colours the drawing.
    `previous` is the value before the last optimizer step, or None.
    """

    __slots__ = ("data", "grad", "inputs", "label", "local_grads", "op", "previous", "role")

    data: float
    grad: float
    label: str
    role: str | None
    op: str
    inputs: tuple[Value, ...]
    local_grads: tuple[float, ...]
    previous: float | None

    def __init__(self, data: Number, label: str = "", role: str | None = None) -> None:
        """Create a leaf holding `data` (an int or a finite float)."""
        self.data = _check_number(data, "Value data")
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        if role is not None and not isinstance(role, str):
            raise TypeError(f"Value role must be a str or None, got {type(role).__name__}")
        self.grad = 0.0
        self.label = label
        self.role = role
        self.op = ""
        self.inputs = _NO_INPUTS
        self.local_grads = _NO_GRADS
        self.previous = None

    @classmethod
    def _node(
        cls, data: float, inputs: tuple[Value, ...], local_grads: tuple[float, ...], op: str
    ) -> Value:
        """Make an interior node; the ops have already checked `data`."""
        out = object.__new__(cls)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out.role = None
        out.op = op
        out.inputs = inputs
        out.local_grads = local_grads
        out.previous = None
        return out

    # --- plumbing -------------------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"Value(data={self.data:.4g}, grad={self.grad:.4g}, "
            f"label={self.label!r}, op={self.op!r})"
        )

    def __float__(self) -> float:
        return self.data

    # `==` and hashing stay by identity (a Value is a graph node, not a number), while
    # the orderings compare `.data` so `if up_error < down_error:` reads as in the tutorials.
    __hash__ = object.__hash__

    def __lt__(self, other: Operand) -> bool:
        return self.data < _data_of(other, "<")

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data_of(other, "<=")

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data_of(other, ">")

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data_of(other, ">=")

    @property
    def is_leaf(self) -> bool:
        """True for a Value that was not computed from other Values."""
        return not self.inputs

    @property
    def name(self) -> str:
        """The label, or the op in parentheses for an unlabelled node, e.g. ``(*)``."""
        if self.label:
            return self.label
        return f"({self.op})" if self.op else _fmt(self.data)

    # --- binary ops -----------------------------------------------------------------------

    def __add__(self, other: Operand) -> Value:
        o = _as_value(other)
        if o is None:
            return NotImplemented
        data = _finite(self.data + o.data, "+", self.data, o.data)
        return Value._node(data, (self, o), _ADD_GRADS, "+")

    def __radd__(self, other: Operand) -> Value:
        o = _as_value(other)
        if o is None:
            return NotImplemented
        return o.__add__(self)

    def __sub__(self, other: Operand) -> Value:
        o = _as_value(other)
        if o is None:
            return NotImplemented
        data = _finite(self.data - o.data, "-", self.data, o.data)
        return Value._node(data, (self, o), _SUB_GRADS, "-")

    def __rsub__(self, other: Operand) -> Value:
        o = _as_value(other)
        if o is None:
            return NotImplemented
        return o.__sub__(self)

    def __mul__(self, other: Operand) -> Value:
        o = _as_value(other)
        if o is None:
            return NotImplemented
        a, b = self.data, o.data
        return Value._node(_finite(a * b, "*", a, b), (self, o), (b, a), "*")

    def __rmul__(self, other: Operand) -> Value:
        o = _as_value(other)
        if o is None:
            return NotImplemented
        return o.__mul__(self)

    def __truediv__(self, other: Operand) -> Value:
        o = _as_value(other)
        if o is None:
            return NotImplemented
        a, b = self.data, o.data
        if b == 0.0:
            raise ZeroDivisionError(f"/: division by zero ({_fmt(a)} / {_fmt(b)})")
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b²
        data = _finite(a / b, "/", a, b)
        return Value._node(data, (self, o), (1.0 / b, _finite(-a / (b * b), "/", a, b)), "/")

    def __rtruediv__(self, other: Operand) -> Value:
        o = _as_value(other)
        if o is None:
            return NotImplemented
        return o.__truediv__(self)

    def __pow__(self, other: Operand) -> Value:
        """``x ** c`` (a number exponent: one input) or ``x ** y`` (a Value: two inputs).

        d(x^c)/dx = c·x^(c-1); d(x^y)/dy = x^y·ln x (0 where x = 0 and y >= 0, as PyTorch).
        """
        if isinstance(other, Value):
            return self._pow_value(other)
        if not isinstance(other, (int, float, numbers.Real)):
            return NotImplemented
        c = float(other)
        x = self.data
        data = _pow_checked(x, c)
        try:
            local = c * x ** (c - 1.0) if c != 0.0 else 0.0
        except ZeroDivisionError:
            raise ValueError(
                f"**: the derivative of {_fmt(x)} ** {_fmt(c)} is infinite at 0"
            ) from None
        local = _finite(local, "**", x, c)
        return Value._node(data, (self,), (local,), f"**{_fmt(c)}")

    def _pow_value(self, other: Value) -> Value:
        x, y = self.data, other.data
        if x < 0.0:
            raise ValueError(
                f"**: d/d(exponent) of {_fmt(x)} ** {_fmt(y)} needs a positive base; "
                "use a number exponent for a negative base"
            )
        data = _pow_checked(x, y)
        try:
            dx = y * x ** (y - 1.0) if y != 0.0 else 0.0
        except ZeroDivisionError:
            raise ValueError(
                f"**: the derivative of {_fmt(x)} ** {_fmt(y)} is infinite at 0"
            ) from None
        dy = data * math.log(x) if x > 0.0 else 0.0
        return Value._node(data, (self, other), (_finite(dx, "**", x, y), dy), "**")

    def __rpow__(self, other: Operand) -> Value:
        o = _as_value(other)
        if o is None:
            return NotImplemented
        return o._pow_value(self)

    def __neg__(self) -> Value:
        return Value._node(-self.data, (self,), _NEG_GRADS, "neg")

    def __pos__(self) -> Value:
        return self

    # --- unary functions ------------------------------------------------------------------

    def exp(self) -> Value:
        """e^x; d/dx = e^x."""
        x = self.data
        try:
            t = math.exp(x)
        except OverflowError:
            raise OverflowError(f"exp: overflow for operand {x!r} (exp(x) > 1.8e308)") from None
        return Value._node(t, (self,), (t,), "exp")

    def log(self) -> Value:
        """Natural logarithm; d/dx = 1/x. Defined for x > 0."""
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log: operand must be > 0, got {x!r}")
        return Value._node(math.log(x), (self,), (1.0 / x,), "log")

    def tanh(self) -> Value:
        """Hyperbolic tangent; d/dx = 1 - tanh²(x). Never overflows."""
        t, slope = _tanh(self.data)
        return Value._node(t, (self,), (slope,), "tanh")

    def sigmoid(self) -> Value:
        """Logistic 1/(1+e^-x); d/dx = s(1-s). Computed without overflow for any x."""
        s, slope = _sigmoid(self.data)
        return Value._node(s, (self,), (slope,), "sigmoid")

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 for x > 0, else 0 (as PyTorch)."""
        if self.data > 0.0:
            return Value._node(self.data, (self,), _ONE, "relu")
        return Value._node(0.0, (self,), _ZERO, "relu")

    def sinh(self) -> Value:
        """Hyperbolic sine; d/dx = cosh(x)."""
        x = self.data
        try:
            return Value._node(math.sinh(x), (self,), (math.cosh(x),), "sinh")
        except OverflowError:
            raise OverflowError(f"sinh: overflow for operand {x!r}") from None

    def cosh(self) -> Value:
        """Hyperbolic cosine; d/dx = sinh(x)."""
        x = self.data
        try:
            return Value._node(math.cosh(x), (self,), (math.sinh(x),), "cosh")
        except OverflowError:
            raise OverflowError(f"cosh: overflow for operand {x!r}") from None

    # --- n-ary nodes ----------------------------------------------------------------------

    @staticmethod
    def sum(values: Iterable[Operand]) -> Value:
        """One node adding all `values` left to right; every local partial is 1."""
        return _sum_node(values, "sum", 1.0)

    @staticmethod
    def mean(values: Iterable[Operand]) -> Value:
        """One node: (sum of `values`) / n; every local partial is 1/n."""
        return _sum_node(values, "mean", None)

    @staticmethod
    def dot(
        weights: Sequence[Operand],
        inputs: Sequence[Operand],
        bias: Operand | None = None,
        activation: str | None = None,
    ) -> Value:
        """One node for z = w·x + b: ∂z/∂w_i = x_i, ∂z/∂x_i = w_i, ∂z/∂b = 1.

        Inputs are wired in the order w_1..w_n, x_1..x_n, b. Plain numbers are constants:
        they enter the value and the partials but get no edge. With `activation` ("tanh",
        "sigmoid" or "relu") the node is a(z), one neuron, and every partial is scaled by
        a'(z) (the chain rule inside the node).
        """
        if activation is not None and activation not in ACTIVATIONS:
            raise ValueError(
                f"dot: unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}"
            )
        if len(weights) != len(inputs):
            raise ValueError(
                f"dot: {len(weights)} weights but {len(inputs)} inputs; they must match"
            )
        if (bias is None or isinstance(bias, Value)) and all(isinstance(w, Value) for w in weights):
            xdata, xnodes = dot_inputs(inputs)
            if xdata is not None:
                return Value._dense([weights], [bias], xdata, xnodes, activation)[0]  # type: ignore[list-item]
        # Mixed Values and numbers: wire only the Values, in the same order as `_dot`.
        total = 0.0
        wired: list[Value] = []
        local_grads: list[float] = []
        x_nodes: list[Value] = []
        x_grads: list[float] = []
        for i, (w, x) in enumerate(zip(weights, inputs)):
            wd = _dot_operand(w, "weight", i)
            xd = _dot_operand(x, "input", i)
            total += wd * xd
            if isinstance(w, Value):
                wired.append(w)
                local_grads.append(xd)
            if isinstance(x, Value):
                x_nodes.append(x)
                x_grads.append(wd)
        wired += x_nodes
        local_grads += x_grads
        if bias is not None:
            total += _dot_operand(bias, "bias", 0)
            if isinstance(bias, Value):
                wired.append(bias)
                local_grads.append(1.0)
        total = _finite(total, "dot", total)
        return _activated(total, tuple(wired), tuple(local_grads), activation)

    @staticmethod
    def _dense(
        rows: Sequence[Sequence[Value]],
        biases: Sequence[Value | None],
        xdata: list[float],
        xnodes: tuple[Value, ...] | None,
        activation: str | None = None,
    ) -> list[Value]:
        """One node a(w·x + b) per row of weights: a whole layer in one loop.

        `xdata` are the inputs' values, checked once by `dot_inputs`; `xnodes` the inputs
        when they are Values (None for numbers, which get no edge). Sums run left to right,
        as the tutorials do. This is the one place a dot product is computed.
        """
        act = ACTIVATIONS[activation] if activation is not None else None
        op = "dot" if activation is None else f"{activation}(dot)"
        new = object.__new__
        outs: list[Value] = []
        for weights, bias in zip(rows, biases):
            total = 0.0
            if xnodes is None:
                for w, xd in zip(weights, xdata):
                    total += w.data * xd
            else:
                wdata: list[float] = []
                keep = wdata.append
                for w, xd in zip(weights, xdata):
                    wd = w.data
                    keep(wd)
                    total += wd * xd
            if bias is not None:
                total += bias.data
                if xnodes is None:
                    inputs, local_grads = (*weights, bias), (*xdata, 1.0)
                else:
                    inputs, local_grads = (*weights, *xnodes, bias), (*xdata, *wdata, 1.0)
            elif xnodes is None:
                inputs, local_grads = tuple(weights), tuple(xdata)
            else:
                inputs, local_grads = (*weights, *xnodes), (*xdata, *wdata)
            if total - total != 0.0:  # inf or nan
                raise OverflowError(f"dot: result is not finite ({total!r})")
            if act is not None:
                # The chain rule inside the node: every partial times a'(z).
                total, slope = act(total)
                if slope == 0.0:
                    local_grads = (0.0,) * len(local_grads)
                elif slope != 1.0:
                    local_grads = tuple(map(slope.__mul__, local_grads))
            out = new(Value)
            out.data = total
            out.grad = 0.0
            out.label = ""
            out.role = None
            out.op = op
            out.inputs = inputs
            out.local_grads = local_grads
            out.previous = None
            outs.append(out)
        return outs

    # --- backward -------------------------------------------------------------------------

    def backward(self) -> None:
        """Reverse-mode chain rule from this node (its gradient seeded with 1.0).

        As in PyTorch, leaf gradients accumulate across calls; interior gradients are
        recomputed on every call; a node used several times sums its contributions.
        """
        order = _prepare_backward(self)
        for node in reversed(order):
            upstream = node.grad
            for inp, local in zip(node.inputs, node.local_grads):
                contribution = local * upstream
                inp.grad += contribution

    def backward_steps(self) -> Iterator[BackwardStep]:
        """Run backward one node at a time, yielding what each node passes to its inputs.

        Same order and same result as `backward()`; stopping early leaves the gradients
        exactly as the steps so far describe.
        """
        order = _prepare_backward(self)
        total = len(order)
        for index, node in enumerate(reversed(order)):
            upstream = node.grad
            edges = []
            for inp, local in zip(node.inputs, node.local_grads):
                contribution = local * upstream
                inp.grad += contribution
                edges.append(BackwardEdge(inp, local, contribution))
            yield BackwardStep(index, total, node, upstream, tuple(edges))

    def zero_grad(self) -> None:
        """Set the gradient of every node in this graph to 0.0."""
        for node in topological_order(self):
            node.grad = 0.0


def _activated(
    z: float, inputs: tuple[Value, ...], local_grads: tuple[float, ...], activation: str | None
) -> Value:
    """The dot node z, or a(z) with every local partial scaled by a'(z)."""
    if activation is None:
        return Value._node(z, inputs, local_grads, "dot")
    data, slope = ACTIVATIONS[activation](z)
    if slope != 1.0:
        local_grads = tuple([slope * g for g in local_grads])
    return Value._node(data, inputs, local_grads, f"{activation}(dot)")


def _prepare_backward(root: Value) -> list[Value]:
    """The interior nodes in topological order, their gradients reset and the root's seeded."""
    if not root.inputs:
        root.grad += 1.0
        return []
    order = _postorder(root, False)
    root.grad = 1.0
    return order


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, inputs before the nodes computed from them.

    Iterative depth-first search: no recursion, so any depth works.
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    return _postorder(root, True)


def _postorder(root: Value, with_leaves: bool) -> list[Value]:
    """Depth-first post-order from `root` with an explicit stack of input iterators.

    Without leaves it is the order backward needs, and it resets each interior gradient
    as it goes: leaves have nothing to pass on, and in an MLP most edges end at a leaf (a
    weight), so skipping them halves the walk.
    """
    order: list[Value] = []
    seen = {root}
    stack = [(root, iter(root.inputs))]
    while stack:
        node, inputs = stack[-1]
        for inp in inputs:
            if (with_leaves or inp.inputs) and inp not in seen:
                seen.add(inp)
                stack.append((inp, iter(inp.inputs)))
                break
        else:
            stack.pop()
            order.append(node)
    if not with_leaves:
        for node in order:
            node.grad = 0.0
    return order


@dataclass(frozen=True)
class BackwardEdge:
    """One edge of a backward step: `contribution = local * upstream` added to `input.grad`."""

    input: Value
    local: float
    contribution: float


@dataclass(frozen=True)
class BackwardStep:
    """One node's turn in backward: its gradient (`upstream`) and what each input received."""

    index: int
    total: int
    node: Value
    upstream: float
    edges: tuple[BackwardEdge, ...]

    def __str__(self) -> str:
        lines = [
            f"step {self.index + 1}/{self.total}: ∂L/∂{self.node.name} = {_fmt(self.upstream)}"
        ]
        for edge in self.edges:
            lines.append(
                f"  ∂{self.node.name}/∂{edge.input.name} = {_fmt(edge.local)}: "
                f"{edge.input.name}.grad += {_fmt(edge.local)} × {_fmt(self.upstream)}"
                f" = {_fmt(edge.contribution)} (now {_fmt(edge.input.grad)})"
            )
        return "\n".join(lines)


# --- helpers for the ops ------------------------------------------------------------------


def _as_value(other: object) -> Value | None:
    if isinstance(other, Value):
        return other
    if isinstance(other, (int, float, numbers.Real)):
        return Value(float(other))
    return None


def _data_of(other: object, op: str) -> float:
    if isinstance(other, Value):
        return other.data
    if isinstance(other, (int, float, numbers.Real)):
        return float(other)
    raise TypeError(f"{op}: cannot compare Value with {type(other).__name__}")


def dot_inputs(inputs: Sequence[object]) -> tuple[list[float] | None, tuple[Value, ...] | None]:
    """Check a dot product's inputs once: (data, the Values) when all are Values, (data, None)
    when all are numbers, (None, None) when they are mixed."""
    kinds = set(map(type, inputs))
    if kinds == {Value}:
        nodes: tuple[Value, ...] = tuple(inputs)  # type: ignore[arg-type]
        return [x.data for x in nodes], nodes
    if kinds == {float}:
        data: list[float] = list(inputs)  # type: ignore[arg-type]
        if all(map(math.isfinite, data)):
            return data, None
    if any(issubclass(kind, Value) for kind in kinds):
        if all(issubclass(kind, Value) for kind in kinds):
            nodes = tuple(inputs)  # type: ignore[arg-type]
            return [x.data for x in nodes], nodes
        return None, None
    return [_dot_operand(x, "input", i) for i, x in enumerate(inputs)], None


def _dot_operand(x: object, what: str, i: int) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, (int, float, numbers.Real)):
        return _check_number(x, f"dot {what} {i}")
    raise TypeError(f"dot: {what} {i} must be a Value or a number, got {type(x).__name__}")


def _pow_checked(x: float, c: float) -> float:
    if x == 0.0 and c < 0.0:
        raise ZeroDivisionError(f"**: 0 to a negative power ({_fmt(x)} ** {_fmt(c)})")
    if x < 0.0 and not c.is_integer():
        raise ValueError(
            f"**: negative base to a fractional power ({_fmt(x)} ** {_fmt(c)}) is not real"
        )
    try:
        data = x**c
    except OverflowError:
        raise OverflowError(f"**: overflow for operands ({_fmt(x)}, {_fmt(c)})") from None
    return _finite(data, "**", x, c)


def _sum_node(values: Iterable[Operand], op: str, scale: float | None) -> Value:
    nodes: list[Value] = []
    for i, v in enumerate(values):
        node = _as_value(v)
        if node is None:
            raise TypeError(f"{op}: item {i} must be a Value or a number, got {type(v).__name__}")
        nodes.append(node)
    if not nodes:
        raise ValueError(f"{op}: needs at least one value")
    total = 0.0
    for node in nodes:
        total += node.data
    if scale is None:
        n = len(nodes)
        total /= n
        scale = 1.0 / n
    total = _finite(total, op, total)
    return Value._node(total, tuple(nodes), (scale,) * len(nodes), op)


# --- gradcheck ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GradcheckEntry:
    """One input of a gradcheck: backward's gradient beside the central difference."""

    index: int
    label: str
    analytic: float
    numeric: float
    ok: bool


@dataclass(frozen=True)
class GradcheckReport:
    """The result of `gradcheck`: true when every input's gradient agrees."""

    entries: tuple[GradcheckEntry, ...]

    @property
    def ok(self) -> bool:
        """True when every entry agrees."""
        return all(e.ok for e in self.entries)

    @property
    def failures(self) -> tuple[GradcheckEntry, ...]:
        """The entries whose gradients disagree."""
        return tuple(e for e in self.entries if not e.ok)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"gradcheck ok: {len(self.entries)} inputs agree"
        lines = [f"gradcheck failed for {len(self.failures)} of {len(self.entries)} inputs:"]
        for e in self.failures:
            name = e.label or f"input {e.index}"
            lines.append(f"  {name}: backward {e.analytic!r}, central difference {e.numeric!r}")
        return "\n".join(lines)


def gradcheck(
    f: Callable[..., Value],
    values: Sequence[Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradcheckReport:
    """Compare backward's gradients of ``f(*values)`` with central differences.

    The data and gradients of `values` are restored afterwards.
    """
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"gradcheck: values[{i}] must be a Value, got {type(v).__name__}")
    saved = [(v.data, v.grad) for v in values]
    try:
        for v in values:
            v.grad = 0.0
        out = f(*values)
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
        out.backward()
        analytic = [v.grad for v in values]
        entries = []
        for i, v in enumerate(values):
            x = saved[i][0]
            v.data = x + eps
            up = f(*values).data
            v.data = x - eps
            down = f(*values).data
            v.data = x
            numeric = (up - down) / (2.0 * eps)
            ok = abs(analytic[i] - numeric) <= atol + rtol * abs(numeric)
            entries.append(GradcheckEntry(i, v.label, analytic[i], numeric, ok))
        return GradcheckReport(tuple(entries))
    finally:
        for v, (data, grad) in zip(values, saved):
            v.data = data
            v.grad = grad
