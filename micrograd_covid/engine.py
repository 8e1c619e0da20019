"""The scalar autograd engine: `Value`, its ops, the topological order and backward.

Every node stores the local partial derivative of each edge (`local_grads`, one per input), so
backward is one loop of the chain rule: ``input.grad += local * node.grad``. An op's value and
partials come from its kernel in `ops` (``ops.tanh``: t and 1 − t²); the node records kernel
and `params`, so `Tape` and the compiler re-run it. Nodes hold no closures, so a graph is never
a reference cycle. Not thread-safe: gradients live on the nodes.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeAlias

from . import debug as _debug
from . import ops, serialize, steps
from .checks import check_label, check_number
from .debug import refuse_infinite_partial
from .fast import without_gc
from .formatting import fmt_number, fmt_repr
from .steps import BackwardEdge, BackwardStep

# `check_label` and `BackwardStep` stay importable from here: the README and tests do.
__all__ = ["ROLES", "BackwardEdge", "BackwardStep", "Value", "check_label", "interior_order"]
__all__ += ["refuse_infinite_partial", "reset_gradients", "topological_order"]

Number: TypeAlias = "int | float"
Operand: TypeAlias = "Value | int | float"

#: The roles a drawing colours: placeholders, weights and biases, the model, the loss.
ROLES = ("input", "param", "model", "loss")

_MODES = _debug.MODES  # no_grad, anomaly mode, hooks: off unless debug.py turns them on


class Value:
    """One float in a computation graph, with its gradient and the edges it came from.

    `inputs` are the Values it was computed from, in argument order; `local_grads` its local
    partial derivative with respect to each. `role` ("input", "param", "model", "loss" or None)
    colours the drawing; `previous` is the value before the last optimizer step. `kernel` and
    `params` are the op record: ``kernel(input values, *params)`` gives `data` and `local_grads`
    (None for a leaf); `op` is the op's display name ("+", "**2", "tanh(dot)", ...). A Value
    takes attributes of your own too (``p.m = 0.0``).
    """

    __slots__ = (
        "__dict__", "data", "grad", "inputs", "kernel", "label", "local_grads", "op", "params",
        "previous", "role",
    )  # fmt: skip

    data: float
    grad: float
    label: str
    role: str | None
    op: str
    inputs: tuple[Value, ...]
    local_grads: tuple[float, ...]
    previous: float | None
    kernel: ops.Kernel | None
    params: tuple[Any, ...]
    _debug_notes: Any  # hooks and origin (debug.py), in __dict__ when a node has them

    def __init__(self, data: Number, label: str = "", role: str | None = None) -> None:
        """Create a leaf holding `data` (an int or a finite float)."""
        self.data = check_number(data, "Value data")
        if label or not isinstance(label, str):
            check_label(label)
        if role is not None and role not in ROLES:
            raise ValueError(f"Value role must be one of {', '.join(ROLES)} or None, got {role!r}")
        self.grad = 0.0
        self.label = label
        self.role = role
        self.op = ""
        self.inputs = ()
        self.local_grads = ()
        self.previous = None
        self.kernel = None
        self.params = ()
        if _MODES.on:
            _debug.new_node(self)

    @classmethod
    def apply(cls, op: str, kernel: ops.Kernel, inputs: Sequence[Value], *params: Any) -> Value:
        """A new node ``op`` computed by ``kernel([i.data for i in inputs], *params)``, which
        returns (value, local_grads) with one partial per input, as the kernels in `ops` do."""
        nodes = tuple(inputs)
        for i, node in enumerate(nodes):
            if not isinstance(node, Value):
                raise TypeError(f"{op}: input {i} must be a Value, got {type(node).__name__}")
        data, local_grads = kernel([node.data for node in nodes], *params)
        if len(local_grads) != len(nodes):
            raise ValueError(
                f"{op}: the kernel gave {len(local_grads)} partials for {len(nodes)} inputs"
            )
        return _node(data, nodes, local_grads, op, kernel, params, cls)

    def __repr__(self) -> str:
        data, grad = fmt_repr(self.data), fmt_repr(self.grad)
        return f"Value(data={data}, grad={grad}, label={self.label!r}, op={self.op!r})"

    def __float__(self) -> float:
        data = self.data
        return data if type(data) is float else check_number(data, "Value data")

    def __bool__(self) -> bool:
        return self.data != 0.0

    def __copy__(self) -> Value:
        """A shallow copy: a new node with the same fields and the same inputs."""
        return serialize.copy_node(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """Copy the whole graph (any depth), keeping every shared node shared."""
        return serialize.copy_graph(topological_order(self), memo)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """Pickle the graph from this node as one flat record (any depth)."""
        return (serialize.unflatten, (serialize.flatten(topological_order(self)), Value))

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
        return f"({self.op})" if self.op else fmt_number(self.data)

    @property
    def origin(self) -> _debug.Origin | None:
        """Where this node was made (file, line, function) if anomaly mode was on, else None."""
        return _debug.origin_of(self)

    def register_hook(self, hook: Callable[[float], float | None]) -> _debug.HookHandle:
        """Call ``hook(grad)`` once this node's gradient is complete in backward; a number it
        returns replaces the gradient. Returns a handle with ``.remove()`` (see `debug`)."""
        return _debug.register_hook(self, hook)

    # --- the ops: each one's kernel in ops.py gives its value and local partials ---------

    def _binary(self, other: object, kernel: ops.Kernel, op: str) -> Value:
        """``self op other``; `other` may be a number (it becomes a leaf)."""
        o = _as_value(other, op)
        if o is None:
            return NotImplemented  # type: ignore[no-any-return]  # Python raises TypeError
        data, local_grads = kernel((self.data, o.data))
        return _node(data, (self, o), local_grads, op, kernel)

    def _reflected(self, other: object, kernel: ops.Kernel, op: str) -> Value:
        """``other op self``, for ``2 * x``: Python asks x once 2 has said it cannot."""
        o = _as_value(other, op)
        return NotImplemented if o is None else o._binary(self, kernel, op)

    def __add__(self, other: Operand) -> Value:
        """x + y; ∂/∂x = 1, ∂/∂y = 1 (`ops.add`)."""
        return self._binary(other, ops.add, "+")

    def __radd__(self, other: Operand) -> Value:
        return self._reflected(other, ops.add, "+")

    def __sub__(self, other: Operand) -> Value:
        """x − y; ∂/∂x = 1, ∂/∂y = −1 (`ops.sub`)."""
        return self._binary(other, ops.sub, "-")

    def __rsub__(self, other: Operand) -> Value:
        return self._reflected(other, ops.sub, "-")

    def __mul__(self, other: Operand) -> Value:
        """x·y; ∂/∂x = y, ∂/∂y = x (`ops.mul`)."""
        return self._binary(other, ops.mul, "*")

    def __rmul__(self, other: Operand) -> Value:
        return self._reflected(other, ops.mul, "*")

    def __truediv__(self, other: Operand) -> Value:
        """x / y; ∂/∂x = 1/y, ∂/∂y = −x/y² (`ops.div`)."""
        return self._binary(other, ops.div, "/")

    def __rtruediv__(self, other: Operand) -> Value:
        return self._reflected(other, ops.div, "/")

    def __pow__(self, other: Operand) -> Value:
        """``x ** c``: d/dx = c·x^(c-1) (`ops.pow_const`, one input). ``x ** y`` for a Value y:
        d/dy = x^y·ln x, 0 where x = 0 and y >= 0 as PyTorch (`ops.power`, two inputs)."""
        if isinstance(other, Value):
            return self._binary(other, ops.power, "**")
        if not isinstance(other, (int, float, numbers.Real)):
            return NotImplemented
        try:
            c = check_number(other, "exponent")
        except ValueError as error:
            raise ValueError(f"**: {error} (base {fmt_repr(self.data)})") from None
        data, local_grads = ops.pow_const((self.data,), c)
        return _node(data, (self,), local_grads, f"**{fmt_number(c)}", ops.pow_const, (c,))

    def __rpow__(self, other: Operand) -> Value:
        return self._reflected(other, ops.power, "**")

    def __pos__(self) -> Value:
        return self

    def _unary(self, kernel: ops.Kernel, op: str) -> Value:
        data, local_grads = kernel((self.data,))
        return _node(data, (self,), local_grads, op, kernel)

    def __neg__(self) -> Value:
        """−x; d/dx = −1 (`ops.neg`)."""
        return self._unary(ops.neg, "neg")

    def __abs__(self) -> Value:
        """|x|; d/dx = sign(x), 0 at 0 as PyTorch (`ops.abs_`)."""
        return self._unary(ops.abs_, "abs")

    def exp(self) -> Value:
        """e^x; d/dx = e^x (`ops.exp`)."""
        return self._unary(ops.exp, "exp")

    def log(self) -> Value:
        """Natural logarithm, for x > 0; d/dx = 1/x (`ops.log`)."""
        return self._unary(ops.log, "log")

    def tanh(self) -> Value:
        """Hyperbolic tangent t; d/dx = 1 − t² (`ops.tanh`). Never overflows."""
        return self._unary(ops.tanh, "tanh")

    def sigmoid(self) -> Value:
        """Logistic s = 1/(1+e^-x); d/dx = s(1 − s) (`ops.sigmoid`). Never overflows."""
        return self._unary(ops.sigmoid, "sigmoid")

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 for x > 0, else 0, as PyTorch (`ops.relu`)."""
        return self._unary(ops.relu, "relu")

    def sinh(self) -> Value:
        """Hyperbolic sine; d/dx = cosh(x) (`ops.sinh`)."""
        return self._unary(ops.sinh, "sinh")

    def cosh(self) -> Value:
        """Hyperbolic cosine; d/dx = sinh(x) (`ops.cosh`)."""
        return self._unary(ops.cosh, "cosh")

    def sin(self) -> Value:
        """Sine; d/dx = cos(x) (`ops.sin`)."""
        return self._unary(ops.sin, "sin")

    def cos(self) -> Value:
        """Cosine; d/dx = −sin(x) (`ops.cos`)."""
        return self._unary(ops.cos, "cos")

    def sqrt(self) -> Value:
        """√x for x >= 0; d/dx = 1/(2√x) (`ops.sqrt`). At 0 the partial is infinite, so
        backward refuses the node, as for every op with an infinite partial."""
        return self._unary(ops.sqrt, "sqrt")

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, else slope·x; d/dx = 1 for x > 0, else `slope` (`ops.leaky_relu`).
        The slope is a param of the node's record."""
        slope = check_number(slope, "leaky_relu slope")
        data, local_grads = ops.leaky_relu((self.data,), slope)
        return _node(data, (self,), local_grads, "leaky_relu", ops.leaky_relu, (slope,))

    @staticmethod
    def sum(values: Iterable[Operand]) -> Value:
        """One node adding all `values` left to right; every local partial is 1 (`ops.sum_`)."""
        return _sum_node(values, ops.sum_, "sum")

    @staticmethod
    def mean(values: Iterable[Operand]) -> Value:
        """One node: (sum of `values`) / n; every local partial is 1/n (`ops.mean`)."""
        return _sum_node(values, ops.mean, "mean")

    @staticmethod
    def dot(
        weights: Sequence[Operand],
        inputs: Sequence[Operand],
        bias: Operand | None = None,
        activation: str | None = None,
    ) -> Value:
        """One node for z = w·x + b: ∂z/∂w_i = x_i, ∂z/∂x_i = w_i, ∂z/∂b = 1 (`ops.dot`).

        Inputs are wired w_1..w_n, x_1..x_n, b. A list of plain numbers is a constant (no
        edges; numbers mixed with Values become leaves). With `activation` ("tanh", "relu",
        "sigmoid"; "linear" is None) the node is a(z), every partial scaled by a'(z).
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
        activation = None if activation == "linear" else activation
        wdata, wnodes = _dot_vector(weights, "weight")
        xdata, xnodes = _dot_vector(inputs, "input")
        nodes = (*(wnodes or ()), *(xnodes or ()))
        values = [*(wdata if wnodes else ()), *(xdata if xnodes else ())]
        b: float | str | None = None  # the bias param: a constant, or wired as the last input
        if isinstance(bias, Value):
            nodes, values, b = (*nodes, bias), [*values, bias.data], ops.BIAS_INPUT
        elif bias is not None:
            b = check_number(bias, "dot bias")
        wconst = None if wnodes is not None else tuple(wdata)
        xconst = None if xnodes is not None else tuple(xdata)
        act = None if activation is None else ops.ACTIVATIONS[activation].kernel
        params = (len(wdata), wconst, xconst, b, act)  # as ops.dot takes them
        data, local_grads = ops.dot(values, *params)
        return _node(data, nodes, local_grads, _DOT_OPS[activation], ops.dot, params)

    def backward(self) -> None:
        """Reverse-mode chain rule from this node (its gradient seeded with 1.0).

        As in PyTorch, leaf gradients accumulate across calls, interior ones are recomputed,
        and a node used twice sums its contributions. A node with an infinite local partial
        raises ValueError before any gradient changes.
        """
        if _MODES.watching:  # hooks or anomaly mode: the same loop with them (debug.py)
            _debug.backward(self, interior_order(self), reset_gradients, topological_order)
            return
        order = interior_order(self)  # interior nodes, inputs first
        reset_gradients(order, self)  # theirs 0, the root's 1
        # The chain rule: each node, the last computed first, passes its gradient back.
        for node in reversed(order):
            upstream = node.grad
            if type(node.local_grads) is ops.ZeroGrads:
                continue  # a switched-off relu neuron passes nothing back
            for inp, local in zip(node.inputs, node.local_grads):
                contribution = local * upstream
                inp.grad += contribution

    def backward_steps(self) -> Iterator[BackwardStep]:
        """Run backward one node at a time, yielding what each node passes to its inputs.

        Same order and same result as `backward()`; stopping early leaves the gradients
        exactly as the steps so far describe.
        """
        # with hooks or in anomaly mode, the same steps running them (debug.py)
        run = _debug.backward_steps if _MODES.watching else steps.backward_steps
        yield from run(self, interior_order, reset_gradients, topological_order)

    def zero_grad(self) -> None:
        """Set the gradient of every node in this graph to 0.0."""
        for node in topological_order(self):
            node.grad = 0.0


def reset_gradients(order: Sequence[Value], root: Value) -> None:
    """Interior gradients 0.0 (recomputed, never doubled) and the root's 1.0; a leaf root
    (empty `order`) accumulates 1.0. A node with an infinite local partial raises first."""
    if not order:
        root.grad += 1.0
        return
    for node in order:
        if type(node.local_grads) is ops.InfiniteGrads:
            refuse_infinite_partial(node, root)  # a ValueError naming the op and its line
    for node in order:
        node.grad = 0.0
    root.grad = 1.0


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, inputs before the nodes computed from them."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    return _walk(root, True)


def interior_order(root: Value) -> list[Value]:
    """The interior nodes `root` depends on (itself included), inputs first: what backward
    walks (leaves pass nothing on, and in an MLP most edges end at one, a weight)."""
    return _walk(root, False) if root.inputs else []


@without_gc  # a deep graph's walk would set off full collections (see fast.py)
def _walk(root: Value, with_leaves: bool) -> list[Value]:
    """Depth-first post-order, with an explicit stack of input iterators (each resumes where
    its node's walk left off): no recursion, so any depth works."""
    order: list[Value] = []
    seen = {root}
    nodes = [root]
    walks = [iter(root.inputs)]
    while walks:
        for inp in walks[-1]:
            if (with_leaves or inp.inputs) and inp not in seen:
                seen.add(inp)
                nodes.append(inp)
                walks.append(iter(inp.inputs))
                break
        else:
            walks.pop()
            order.append(nodes.pop())
    return order


# --- making nodes ------------------------------------------------------------------------


def _node(
    data: float,
    inputs: tuple[Value, ...],
    local_grads: tuple[float, ...],
    op: str,
    kernel: ops.Kernel,
    params: tuple[Any, ...] = (),
    cls: type[Value] = Value,
) -> Value:
    """An interior node from its kernel's result (the kernel has checked `data`)."""
    out = object.__new__(cls)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.role = None
    out.op = op
    out.inputs = inputs
    out.local_grads = local_grads
    out.previous = None
    out.kernel = kernel
    out.params = params
    if _MODES.on:  # no_grad or anomaly mode (debug.py)
        return _debug.new_node(out)
    return out


def _as_value(other: object, op: str) -> Value | None:
    """`other` as a Value (a number becomes a leaf), or None when it is not a number."""
    if isinstance(other, Value):
        return other
    if isinstance(other, (int, float, numbers.Real)):
        try:
            return Value(other)  # type: ignore[arg-type]
        except ValueError:
            check_number(other, f"{op}: number operand")  # raises, naming the op
            raise
    return None


def _data_of(other: object, op: str) -> float:
    if isinstance(other, Value):
        return other.data
    if isinstance(other, int):
        return other  # Python compares a float with any int exactly (10**400 too)
    if isinstance(other, (float, numbers.Real)):
        return float(other)
    raise TypeError(f"{op}: cannot compare Value with {type(other).__name__}")


def _sum_node(values: Iterable[Operand], kernel: ops.Kernel, op: str) -> Value:
    nodes: list[Value] = []
    for v in values:
        node = _as_value(v, op)
        if node is None:
            raise TypeError(
                f"{op}: item {len(nodes)} must be a Value or a number, got {type(v).__name__}"
            )
        nodes.append(node)
    if not nodes:
        raise ValueError(f"{op}: needs at least one value")
    value, local_grads = kernel([node.data for node in nodes])
    return _node(value, tuple(nodes), local_grads, op, kernel)


#: A dot node's display name for each activation (None: a plain dot product).
_DOT_OPS: dict[str | None, str] = {None: "dot"}
_DOT_OPS.update({a: f"{a}(dot)" for a in ops.ACTIVATIONS if a != "linear"})


def _dot_vector(
    values: Sequence[object], what: str
) -> tuple[list[float], tuple[Value, ...] | None]:
    """A dot product's vector: (its data, its Values) when any is a Value (numbers among them
    become leaves), or (its data, None) when all are numbers (a constant: no edges)."""
    if any(isinstance(v, Value) for v in values):
        nodes = tuple(
            v if isinstance(v, Value) else Value(_dot_number(v, what, i))
            for i, v in enumerate(values)
        )
        return [v.data for v in nodes], nodes
    return [_dot_number(v, what, i) for i, v in enumerate(values)], None


def _dot_number(x: object, what: str, i: int) -> float:
    if isinstance(x, (int, float, numbers.Real)):
        return check_number(x, f"dot {what} {i}")
    raise TypeError(f"dot: {what} {i} must be a Value or a number, got {type(x).__name__}")
