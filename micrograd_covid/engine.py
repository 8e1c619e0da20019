"""The scalar autograd engine: `Value`, its ops, the topological order and backward.

Every node stores the local partial derivative of each edge (`local_grads`, one per input), so
backward is one loop of the chain rule: ``input.grad += local * node.grad``. An op's value and
partials come from its kernel in `ops` (``ops.tanh``: t and 1 − t²), which `Tape` and the
compiler re-run. Nodes hold no closures: a graph is never a reference cycle. Not thread-safe.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeAlias

from . import debug as _debug
from . import ops, serialize, steps
from .checks import check_label, check_number
from .debug import MODES as _MODES  # no_grad, anomaly mode, hooks: off unless debug.py sets them
from .debug import refuse_infinite_partial
from .fast import without_gc
from .formatting import fmt_number, fmt_repr
from .steps import BackwardEdge, BackwardStep

# `check_label` and `BackwardStep` stay importable from here: the README and tests do.
__all__ = ["ROLES", "BackwardEdge", "BackwardStep", "Value", "check_label", "interior_order"]
__all__ += ["refuse_infinite_partial", "reset_gradients", "topological_order"]

Operand: TypeAlias = "Value | int | float"
_Method: TypeAlias = "Callable[[Value, Operand], Value]"

#: The roles a drawing colours: placeholders, weights and biases, the model, the loss.
ROLES = ("input", "param", "model", "loss")


def _binary(kernel: ops.Kernel, op: str, doc: str, reflected: bool = False) -> _Method:
    """The method for ``x op y`` (reflected: ``y op x``); a number operand becomes a leaf."""

    def method(self: Value, other: Operand) -> Value:
        o = _as_value(other, op)
        if o is None:
            return NotImplemented  # type: ignore[no-any-return]  # Python raises TypeError
        if reflected:  # `2 * x`: the number is the first input
            self, o = o, self
        data, local_grads = kernel((self.data, o.data))
        return _node(data, (self, o), local_grads, op, kernel)

    method.__doc__ = doc
    return method


def _unary(kernel: ops.Kernel, op: str, doc: str) -> Callable[[Value], Value]:
    """The method for ``op(x)``."""

    def method(self: Value) -> Value:
        data, local_grads = kernel((self.data,))
        return _node(data, (self,), local_grads, op, kernel)

    method.__doc__ = doc
    return method


def _many(kernel: ops.Kernel, op: str, doc: str) -> Callable[[Iterable[Operand]], Value]:
    """The static method for one node over all `values` (numbers among them become leaves)."""

    def method(values: Iterable[Operand]) -> Value:
        nodes: list[Value] = []
        for v in values:
            if (node := _as_value(v, op)) is None:
                raise TypeError(
                    f"{op}: item {len(nodes)} must be a Value or a number, got {type(v).__name__}"
                )
            nodes.append(node)
        if not nodes:
            raise ValueError(f"{op}: needs at least one value")
        data, local_grads = kernel([node.data for node in nodes])
        return _node(data, tuple(nodes), local_grads, op, kernel)

    method.__doc__ = doc
    return method


class Value:
    """One float in a computation graph, with its gradient and the edges it came from.

    `inputs` are the Values it was computed from, in argument order; `local_grads` the local
    partial derivative with respect to each; ``kernel(input values, *params)`` gives both (None
    for a leaf). `role` colours the drawing; `previous` is the value before the last step.
    """

    __slots__ = ("__dict__", "data", "grad", "inputs", "kernel", "label", "local_grads", "op",
                 "params", "previous", "role")  # fmt: skip

    _debug_notes: Any  # hooks and origin (debug.py), in __dict__ when a node has them

    def __init__(self, data: float, label: str = "", role: str | None = None) -> None:
        """Create a leaf holding `data` (an int or a finite float)."""
        self.data: float = check_number(data, "Value data")
        if label or not isinstance(label, str):
            check_label(label)
        if role is not None and role not in ROLES:
            raise ValueError(f"Value role must be one of {', '.join(ROLES)} or None, got {role!r}")
        self.grad: float = 0.0
        self.label: str = label
        self.role: str | None = role
        self.op: str = ""
        self.inputs: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()
        self.previous: float | None = None
        self.kernel: ops.Kernel | None = None
        self.params: tuple[Any, ...] = ()
        if _MODES.on:
            _debug.new_node(self)

    @classmethod
    def apply(cls, op: str, kernel: ops.Kernel, inputs: Sequence[Value], *params: Any) -> Value:
        """A node ``op``: ``kernel([i.data for i in inputs], *params)`` gives (value, partials)."""
        nodes = tuple(inputs)
        for i, node in enumerate(nodes):
            if not isinstance(node, Value):
                raise TypeError(f"{op}: input {i} must be a Value, got {type(node).__name__}")
        data, grads = kernel([node.data for node in nodes], *params)
        if len(grads) != len(nodes):
            raise ValueError(f"{op}: the kernel gave {len(grads)} partials for {len(nodes)} inputs")
        return _node(data, nodes, grads, op, kernel, params, cls)

    def __repr__(self) -> str:
        data, grad = fmt_repr(self.data), fmt_repr(self.grad)
        return f"Value(data={data}, grad={grad}, label={self.label!r}, op={self.op!r})"

    def __float__(self) -> float:
        return self.data if type(self.data) is float else check_number(self.data, "Value data")

    def __bool__(self) -> bool:
        return self.data != 0.0

    # copy: a new node, same inputs; deepcopy and pickle: the whole graph, any depth (serialize)
    def __copy__(self) -> Value:
        return serialize.copy_node(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        return serialize.copy_graph(topological_order(self), memo)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return (serialize.unflatten, (serialize.flatten(topological_order(self)), Value))

    # `==` and hashing by identity (a Value is a node); orderings compare `.data`, as tutorials do.
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
        return self.label or (f"({self.op})" if self.op else fmt_number(self.data))

    @property
    def origin(self) -> _debug.Origin | None:
        """Where this node was made (file, line, function) if anomaly mode was on, else None."""
        return _debug.origin_of(self)

    def register_hook(self, hook: Callable[[float], float | None]) -> _debug.HookHandle:
        """Call ``hook(grad)`` when backward completes this node's gradient (see `debug`)."""
        return _debug.register_hook(self, hook)

    # --- the ops: one row each (its kernel in ops.py, its display name, its derivative) ---
    __add__ = _binary(ops.add, "+", "x + y; ∂/∂x = 1, ∂/∂y = 1 (`ops.add`).")
    __sub__ = _binary(ops.sub, "-", "x − y; ∂/∂x = 1, ∂/∂y = −1 (`ops.sub`).")
    __mul__ = _binary(ops.mul, "*", "x·y; ∂/∂x = y, ∂/∂y = x (`ops.mul`).")
    __truediv__ = _binary(ops.div, "/", "x / y; ∂/∂x = 1/y, ∂/∂y = −x/y² (`ops.div`).")
    # `2 * x`: Python asks x once 2 has said it cannot.
    __radd__ = _binary(ops.add, "+", "y + x, for a number y.", reflected=True)
    __rsub__ = _binary(ops.sub, "-", "y − x, for a number y.", reflected=True)
    __rmul__ = _binary(ops.mul, "*", "y·x, for a number y.", reflected=True)
    __rtruediv__ = _binary(ops.div, "/", "y / x, for a number y.", reflected=True)
    __rpow__ = _binary(ops.power, "**", "y ** x, for a number y.", reflected=True)
    _power = _binary(ops.power, "**", "x ** y, for a Value y (`__pow__`).")

    __neg__ = _unary(ops.neg, "neg", "−x; d/dx = −1 (`ops.neg`).")
    __abs__ = _unary(ops.abs_, "abs", "|x|; d/dx = sign(x), 0 at 0 as PyTorch (`ops.abs_`).")
    exp = _unary(ops.exp, "exp", "e^x; d/dx = e^x (`ops.exp`).")
    log = _unary(ops.log, "log", "Natural logarithm, for x > 0; d/dx = 1/x (`ops.log`).")
    tanh = _unary(ops.tanh, "tanh", "Hyperbolic tangent t; d/dx = 1 − t² (`ops.tanh`).")
    sigmoid = _unary(ops.sigmoid, "sigmoid", "s = 1/(1+e^-x); d/dx = s(1 − s) (`ops.sigmoid`).")
    relu = _unary(ops.relu, "relu", "max(0, x); d/dx = 1 for x > 0, else 0 (`ops.relu`).")
    sinh = _unary(ops.sinh, "sinh", "Hyperbolic sine; d/dx = cosh(x) (`ops.sinh`).")
    cosh = _unary(ops.cosh, "cosh", "Hyperbolic cosine; d/dx = sinh(x) (`ops.cosh`).")
    sin = _unary(ops.sin, "sin", "Sine; d/dx = cos(x) (`ops.sin`).")
    cos = _unary(ops.cos, "cos", "Cosine; d/dx = −sin(x) (`ops.cos`).")
    sqrt = _unary(ops.sqrt, "sqrt", "√x, x >= 0; d/dx = 1/(2√x), infinite at 0 (`ops.sqrt`).")

    def __pow__(self, other: Operand) -> Value:
        """``x ** c``: d/dx = c·x^(c-1) (`ops.pow_const`, one input). ``x ** y`` for a Value y:
        d/dy = x^y·ln x, 0 where x = 0 and y >= 0 as PyTorch (`ops.power`, two inputs)."""
        if isinstance(other, Value):
            return self._power(other)
        if not isinstance(other, (int, float, numbers.Real)):
            return NotImplemented
        try:
            c = check_number(other, "exponent")
        except ValueError as error:
            raise ValueError(f"**: {error} (base {fmt_repr(self.data)})") from None
        data, local_grads = ops.pow_const((self.data,), c)
        return _node(data, (self,), local_grads, f"**{fmt_number(c)}", ops.pow_const, (c,))

    def __pos__(self) -> Value:
        return self

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, else slope·x; d/dx = 1 for x > 0, else `slope` (`ops.leaky_relu`)."""
        slope = check_number(slope, "leaky_relu slope")
        data, local_grads = ops.leaky_relu((self.data,), slope)
        return _node(data, (self,), local_grads, "leaky_relu", ops.leaky_relu, (slope,))

    sum = staticmethod(_many(ops.sum_, "sum", "One node Σ v_i; each ∂/∂v_i = 1 (`ops.sum_`)."))
    mean = staticmethod(_many(ops.mean, "mean", "One node Σ v_i / n; ∂/∂v_i = 1/n (`ops.mean`)."))

    @staticmethod
    def dot(weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand | None = None,
            activation: str | None = None) -> Value:  # fmt: skip
        """One node z = w·x + b: ∂z/∂w_i = x_i, ∂z/∂x_i = w_i, ∂z/∂b = 1; or a(z) with an
        `activation` ("tanh", "relu", "sigmoid"), each partial times a'(z) (`dots.dot`)."""
        from .dots import dot  # dots.py builds the node; it sits above the engine

        return dot(weights, inputs, bias, activation)

    def backward(self) -> None:
        """Reverse-mode chain rule from this node (its gradient seeded with 1.0). As in PyTorch,
        leaf gradients accumulate across calls; an infinite local partial raises ValueError."""
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
        """Run backward one node at a time, yielding what each node passes to its inputs."""
        run = _debug.backward_steps if _MODES.watching else steps.backward_steps  # hooks: debug.py
        yield from run(self, interior_order, reset_gradients, topological_order)

    def zero_grad(self) -> None:
        """Set the gradient of every node in this graph to 0.0."""
        for node in topological_order(self):
            node.grad = 0.0


def reset_gradients(order: Sequence[Value], root: Value) -> None:
    """Interior gradients 0.0 and the root's 1.0 (a leaf root adds 1.0); refuses infinite ones."""
    for node in order:
        if type(node.local_grads) is ops.InfiniteGrads:
            refuse_infinite_partial(node, root)  # a ValueError naming the op and its line
    for node in order:
        node.grad = 0.0
    root.grad = 1.0 if order else root.grad + 1.0


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, inputs before the nodes computed from them."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    return _walk(root, True)


def interior_order(root: Value) -> list[Value]:
    """The interior nodes `root` depends on (itself included), inputs first: what backward walks."""
    return _walk(root, False) if root.inputs else []


@without_gc  # a deep graph's walk would set off full collections (see fast.py)
def _walk(root: Value, with_leaves: bool) -> list[Value]:
    """Depth-first post-order with a stack of input iterators: no recursion, any depth."""
    order: list[Value] = []
    seen, nodes, walks = {root}, [root], [iter(root.inputs)]
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


def _node(data: float, inputs: tuple[Value, ...], local_grads: tuple[float, ...], op: str,
          kernel: ops.Kernel, params: tuple[Any, ...] = (),
          cls: type[Value] = Value) -> Value:  # fmt: skip
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
