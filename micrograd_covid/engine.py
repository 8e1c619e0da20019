"""The scalar autograd engine: `Value`, backward, backward_steps and gradcheck.

Every node stores the local partial derivative of each edge (`local_grads`, one per
entry of `inputs`), so backward is one generic loop of the chain rule:
``input.grad += local * node.grad``. Nodes hold no closures and refer only to their
inputs, so a graph is never a reference cycle and reference counting frees it.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeAlias

from . import ops

__all__ = [
    "ROLES",
    "BackwardEdge",
    "BackwardStep",
    "DotArgs",
    "GradcheckEntry",
    "GradcheckReport",
    "Value",
    "gradcheck",
    "topological_order",
]

Number: TypeAlias = "int | float"
Operand: TypeAlias = "Value | int | float"

#: The roles a drawing colours: placeholders, weights and biases, the model, the loss.
ROLES = ("input", "param", "model", "loss")

_NO_INPUTS: tuple[Value, ...] = ()
_NO_GRADS: tuple[float, ...] = ()
_get_data = operator.attrgetter("data")


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


_fmt = ops.fmt_number


class Value:
    """One float in a computation graph, with its gradient and the edges it came from.

    `inputs` are the Values this node was computed from, in argument order, and
    `local_grads` the local partial derivative of this node with respect to each.
    `role` ("input", "param", "model", "loss" or None) colours the drawing.
    `previous` is the value before the last optimizer step, or None.
    """

    __slots__ = (
        "args",
        "data",
        "grad",
        "inputs",
        "label",
        "local_grads",
        "op",
        "previous",
        "role",
    )

    data: float
    grad: float
    label: str
    role: str | None
    op: str
    inputs: tuple[Value, ...]
    local_grads: tuple[float, ...]
    previous: float | None
    args: Any

    def __init__(self, data: Number, label: str = "", role: str | None = None) -> None:
        """Create a leaf holding `data` (an int or a finite float)."""
        self.data = _check_number(data, "Value data")
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        if role is not None and role not in ROLES:
            raise ValueError(f"Value role must be one of {', '.join(ROLES)} or None, got {role!r}")
        self.grad = 0.0
        self.label = label
        self.role = role
        self.op = ""
        self.inputs = _NO_INPUTS
        self.local_grads = _NO_GRADS
        self.previous = None
        self.args = None

    @classmethod
    def _node(
        cls,
        data: float,
        inputs: tuple[Value, ...],
        local_grads: tuple[float, ...],
        op: str,
        args: Any = None,
    ) -> Value:
        """Make an interior node; the kernels have already checked `data`.

        `args` holds what the op needs besides its inputs to run again (a number exponent,
        a dot product's constants), for `Tape`.
        """
        out = object.__new__(cls)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out.role = None
        out.op = op
        out.inputs = inputs
        out.local_grads = local_grads
        out.previous = None
        out.args = args
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

    # --- binary ops: the maths is in ops.BINARY ------------------------------------------

    def _binary(self, other: Value, op: str) -> Value:
        data, local_grads = ops.BINARY[op](self.data, other.data)
        return Value._node(data, (self, other), local_grads, op)

    def __add__(self, other: Operand) -> Value:
        o = _as_value(other)
        return NotImplemented if o is None else self._binary(o, "+")

    def __radd__(self, other: Operand) -> Value:
        o = _as_value(other)
        return NotImplemented if o is None else o._binary(self, "+")

    def __sub__(self, other: Operand) -> Value:
        o = _as_value(other)
        return NotImplemented if o is None else self._binary(o, "-")

    def __rsub__(self, other: Operand) -> Value:
        o = _as_value(other)
        return NotImplemented if o is None else o._binary(self, "-")

    def __mul__(self, other: Operand) -> Value:
        o = _as_value(other)
        return NotImplemented if o is None else self._binary(o, "*")

    def __rmul__(self, other: Operand) -> Value:
        o = _as_value(other)
        return NotImplemented if o is None else o._binary(self, "*")

    def __truediv__(self, other: Operand) -> Value:
        o = _as_value(other)
        return NotImplemented if o is None else self._binary(o, "/")

    def __rtruediv__(self, other: Operand) -> Value:
        o = _as_value(other)
        return NotImplemented if o is None else o._binary(self, "/")

    def __pow__(self, other: Operand) -> Value:
        """``x ** c`` (a number exponent: one input) or ``x ** y`` (a Value: two inputs).

        d(x^c)/dx = c·x^(c-1); d(x^y)/dy = x^y·ln x (0 where x = 0 and y >= 0, as PyTorch).
        """
        if isinstance(other, Value):
            return self._binary(other, "**")
        if not isinstance(other, (int, float, numbers.Real)):
            return NotImplemented
        c = float(other)
        data, local = ops.pow_const(self.data, c)
        return Value._node(data, (self,), (local,), f"**{_fmt(c)}", c)

    def __rpow__(self, other: Operand) -> Value:
        o = _as_value(other)
        return NotImplemented if o is None else o._binary(self, "**")

    def __neg__(self) -> Value:
        return self._unary("neg")

    def __pos__(self) -> Value:
        return self

    # --- unary functions: the maths is in ops.UNARY -------------------------------------

    def _unary(self, op: str) -> Value:
        data, local = ops.UNARY[op](self.data)
        return Value._node(data, (self,), (local,), op)

    def exp(self) -> Value:
        """e^x; d/dx = e^x."""
        return self._unary("exp")

    def log(self) -> Value:
        """Natural logarithm; d/dx = 1/x. Defined for x > 0."""
        return self._unary("log")

    def tanh(self) -> Value:
        """Hyperbolic tangent; d/dx = 1 - tanh²(x). Never overflows."""
        return self._unary("tanh")

    def sigmoid(self) -> Value:
        """Logistic 1/(1+e^-x); d/dx = s(1-s). Computed without overflow for any x."""
        return self._unary("sigmoid")

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 for x > 0, else 0 (as PyTorch)."""
        return self._unary("relu")

    def sinh(self) -> Value:
        """Hyperbolic sine; d/dx = cosh(x)."""
        return self._unary("sinh")

    def cosh(self) -> Value:
        """Hyperbolic cosine; d/dx = sinh(x)."""
        return self._unary("cosh")

    # --- n-ary nodes ----------------------------------------------------------------------

    @staticmethod
    def sum(values: Iterable[Operand]) -> Value:
        """One node adding all `values` left to right; every local partial is 1."""
        return _sum_node(values, "sum")

    @staticmethod
    def mean(values: Iterable[Operand]) -> Value:
        """One node: (sum of `values`) / n; every local partial is 1/n."""
        return _sum_node(values, "mean")

    @staticmethod
    def dot(
        weights: Sequence[Operand],
        inputs: Sequence[Operand],
        bias: Operand | None = None,
        activation: str | None = None,
    ) -> Value:
        """One node for z = w·x + b: ∂z/∂w_i = x_i, ∂z/∂x_i = w_i, ∂z/∂b = 1.

        Inputs are wired in the order w_1..w_n, x_1..x_n, b. A list of plain numbers is
        constant: it enters the value and the partials but gets no edges (a list that mixes
        numbers with Values makes leaves of the numbers). With `activation` ("tanh",
        "sigmoid" or "relu") the node is a(z), one neuron, and every partial is scaled by
        a'(z) (the chain rule inside the node).
        """
        if len(weights) != len(inputs):
            raise ValueError(
                f"dot: {len(weights)} weights but {len(inputs)} inputs; they must match"
            )
        if activation is not None and activation not in ops.ACTIVATIONS:
            raise ValueError(
                f"dot: unknown activation {activation!r}; "
                f"choose one of {', '.join(ops.ACTIVATIONS)}"
            )
        wdata, wnodes = dot_inputs(weights, "weight")
        xdata, xnodes = dot_inputs(inputs, "input")
        if bias is not None and not isinstance(bias, Value):
            bias = _check_number(bias, "dot bias")
        return _dot_node(wdata, wnodes, xdata, xnodes, bias, activation)

    @staticmethod
    def _dense(
        rows: Sequence[Sequence[Value]],
        biases: Sequence[Value | None],
        xdata: list[float],
        xnodes: tuple[Value, ...] | None,
        activation: str | None = None,
    ) -> list[Value]:
        """One node a(w·x + b) per row of Value weights: a whole layer in one loop.

        `xdata` are the inputs' values, checked once by `dot_inputs`; `xnodes` the inputs
        when they are Values (None for numbers, which get no edges).
        """
        xconst = None if xnodes is not None else tuple(xdata)
        return [
            _dot_node(
                list(map(_get_data, weights)), weights, xdata, xnodes, bias, activation, xconst
            )
            for weights, bias in zip(rows, biases)
        ]

    # --- backward -------------------------------------------------------------------------

    def backward(self) -> None:
        """Reverse-mode chain rule from this node (its gradient seeded with 1.0).

        As in PyTorch, leaf gradients accumulate across calls; interior gradients are
        recomputed on every call; a node used several times sums its contributions.
        """
        order = _prepare_backward(self)
        _propagate(order)

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


def _prepare_backward(root: Value) -> list[Value]:
    """The interior nodes in topological order, their gradients reset and the root's seeded."""
    if not root.inputs:
        root.grad += 1.0
        return []
    order = _postorder(root, False)
    seed_gradients(order, root)
    return order


def seed_gradients(order: list[Value], root: Value) -> None:
    """Reset the interior gradients (they are recomputed, never doubled) and seed the root."""
    for node in order:
        node.grad = 0.0
    root.grad = 1.0


def _propagate(order: list[Value]) -> None:
    """The chain rule: each node, the last computed first, passes its gradient back,
    ``input.grad += local * upstream`` along every edge."""
    for node in reversed(order):
        upstream = node.grad
        for inp, local in zip(node.inputs, node.local_grads):
            contribution = local * upstream
            inp.grad += contribution


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, inputs before the nodes computed from them.

    Iterative depth-first search: no recursion, so any depth works.
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    return _postorder(root, True)


def _postorder(root: Value, with_leaves: bool) -> list[Value]:
    """Depth-first post-order from `root`, with an explicit stack of (node, next input).

    Without leaves it is the order backward needs: leaves have nothing to pass on, and in
    an MLP most edges end at a leaf (a weight), so skipping them halves the walk. The stack
    is two parallel lists, not a tuple per node: the walk allocates nothing the cyclic GC
    tracks, so a long chain does not set off full collections and the time per node stays
    flat from 10^4 to 10^6 nodes.
    """
    order: list[Value] = []
    seen = {root}
    nodes = [root]
    positions = [0]
    while nodes:
        node = nodes[-1]
        inputs = node.inputs
        i = positions[-1]
        n = len(inputs)
        while i < n:
            inp = inputs[i]
            i += 1
            if (with_leaves or inp.inputs) and inp not in seen:
                seen.add(inp)
                positions[-1] = i
                nodes.append(inp)
                positions.append(0)
                break
        else:
            nodes.pop()
            positions.pop()
            order.append(node)
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


class DotArgs(NamedTuple):
    """What a dot node needs besides its inputs to run again: the constant weights or
    inputs (None where they are wired Values), the bias (None, a constant, or "wired"),
    and the activation."""

    weights: tuple[float, ...] | None
    inputs: tuple[float, ...] | None
    bias: float | str | None
    activation: str | None


def _dot_op(activation: str | None) -> str:
    return "dot" if activation is None else f"{activation}(dot)"


def _dot_node(
    wdata: list[float],
    wnodes: Sequence[Value] | None,
    xdata: list[float],
    xnodes: Sequence[Value] | None,
    bias: Value | float | None,
    activation: str | None,
    xconst: tuple[float, ...] | None = None,
) -> Value:
    """The one place a dot node is made: its value and partials from `ops.dot`, its edges
    (weights, inputs, bias: the Values among them) and the `DotArgs` a Tape re-runs it with.
    `xconst` lets a layer share one tuple of constant inputs among its neurons."""
    wired: tuple[Value, ...] = (*(wnodes or ()), *(xnodes or ()))
    if isinstance(bias, Value):
        bdata: float | None = bias.data
        wired = (*wired, bias)
    else:
        bdata = bias
    has = (wnodes is not None, xnodes is not None, isinstance(bias, Value))
    data, local_grads = ops.dot(wdata, xdata, bdata, has, activation)
    if xnodes is None and xconst is None:
        xconst = tuple(xdata)
    args = DotArgs(
        None if wnodes is not None else tuple(wdata),
        None if xnodes is not None else xconst,
        "wired" if has[2] else bdata,
        activation,
    )
    return Value._node(data, wired, local_grads, _dot_op(activation), args)


def dot_inputs(
    values: Sequence[object], what: str = "input"
) -> tuple[list[float], tuple[Value, ...] | None]:
    """Check a dot product's vector once: (data, the Values) when any are Values (numbers
    among them become leaves), (data, None) when all are numbers."""
    kinds = set(map(type, values))
    if kinds == {Value}:
        nodes: tuple[Value, ...] = tuple(values)  # type: ignore[arg-type]
        return list(map(_get_data, nodes)), nodes
    if kinds == {float}:
        data: list[float] = list(values)  # type: ignore[arg-type]
        if all(map(math.isfinite, data)):
            return data, None
    if any(issubclass(kind, Value) for kind in kinds):
        nodes = tuple(
            v if isinstance(v, Value) else Value(_dot_number(v, what, i))
            for i, v in enumerate(values)
        )
        return list(map(_get_data, nodes)), nodes
    return [_dot_number(v, what, i) for i, v in enumerate(values)], None


def _dot_number(x: object, what: str, i: int) -> float:
    if isinstance(x, (int, float, numbers.Real)):
        return _check_number(x, f"dot {what} {i}")
    raise TypeError(f"dot: {what} {i} must be a Value or a number, got {type(x).__name__}")


def _sum_node(values: Iterable[Operand], op: str) -> Value:
    nodes: list[Value] = []
    for i, v in enumerate(values):
        node = _as_value(v)
        if node is None:
            raise TypeError(f"{op}: item {i} must be a Value or a number, got {type(v).__name__}")
        nodes.append(node)
    if not nodes:
        raise ValueError(f"{op}: needs at least one value")
    scale = 1.0 / len(nodes) if op == "mean" else 1.0
    data = ops.summed(list(map(_get_data, nodes)), op)
    return Value._node(data, tuple(nodes), (scale,) * len(nodes), op)


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
