"""The scalar autograd engine: `Value`, backward, backward_steps and gradcheck.

Every node stores the local partial derivative of each edge (`local_grads`, one per
entry of `inputs`), so backward is one generic loop of the chain rule:
``input.grad += local * node.grad``. An interior node also records how it was computed, its
`kernel` (a function in `ops`) and `params`, so `Tape` and the compiler re-run it with
``node.kernel(input_values, *node.params)``. Nodes hold no closures and refer only to their
inputs, so a graph is never a reference cycle and reference counting frees it.

Not thread-safe: gradients live on the nodes, so two threads running backward (or an
optimizer step, or `Tape.forward`) on graphs that share any node, even one interior node,
race on the same `grad` fields and give wrong sums without an error. Build and run a graph
in one thread, or give each thread its own graph (its own model copy) and combine afterwards.
"""

from __future__ import annotations

import copy
import gc
import math
import numbers
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeAlias

from . import debug as _debug
from . import ops
from .names import display_names

__all__ = [
    "ROLES",
    "BackwardEdge",
    "BackwardStep",
    "DotParts",
    "GradcheckEntry",
    "GradcheckReport",
    "Value",
    "backpropagate",
    "backward_order",
    "check_label",
    "check_number",
    "define_op",
    "dense",
    "dot_inputs",
    "dot_parts",
    "gradcheck",
    "interior_order",
    "reset_gradients",
    "topological_order",
]

Number: TypeAlias = "int | float"
Operand: TypeAlias = "Value | int | float"

#: The roles a drawing colours: placeholders, weights and biases, the model, the loss.
ROLES = ("input", "param", "model", "loss")

_MODES = _debug.MODES  # no_grad, anomaly mode, hooks: off unless debug.py turns them on
_NO_INPUTS: tuple[Value, ...] = ()
_NO_GRADS: tuple[float, ...] = ()
_NO_PARAMS: tuple[Any, ...] = ()
_BINARY_KERNELS = {op: row.kernel for op, row in ops.BINARY.items()}
_UNARY_KERNELS = {op: row.kernel for op, row in ops.UNARY.items()}


def check_number(data: object, what: str) -> float:
    """Return `data` as a finite float, or raise naming the type or the value."""
    if isinstance(data, float):
        value = data
    elif isinstance(data, (int, numbers.Real)):
        try:
            value = float(data)
        except OverflowError:
            raise ValueError(
                f"{what} must be finite, got {ops.fmt_number(data)} (beyond a float's range)"
            ) from None
    else:
        raise TypeError(
            f"{what} must be an int or float, got {type(data).__name__}: {ops.fmt_number(data)}"
        )
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return value


#: The longest label a Value takes (a drawing or a page shows it whole).
MAX_LABEL = 16_384
# Control characters (all but newline), lone surrogates and U+FFFE/U+FFFF: text a drawing,
# an SVG or a page cannot show as itself.
_BAD_LABEL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def check_label(label: object, what: str = "Value label") -> str:
    """Return `label` if a drawing can show it as itself, else raise naming what is wrong.

    Refused: a non-str, more than 16,384 characters, control characters other than
    newline (NUL, tab, ESC, ...), lone surrogates, U+FFFE and U+FFFF. Everything else
    (any script, emoji, ``<b>``, ``&lt;``, quotes, backslashes) is allowed and is drawn as
    written. Labels that passed are remembered (a leaf labelled "y" per sample is checked
    once).
    """
    if type(label) is str and label in _GOOD_LABELS:
        return label
    if not isinstance(label, str):
        raise TypeError(f"{what} must be a str, got {type(label).__name__}")
    if len(label) > MAX_LABEL:
        raise ValueError(f"{what} is {len(label):,} characters long; at most {MAX_LABEL:,}")
    bad = _BAD_LABEL.search(label)
    if bad is not None:
        char = bad.group()
        kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
        if char in "\ufffe\uffff":
            kind = "a non-character"
        raise ValueError(
            f"{what} contains {kind} U+{ord(char):04X} at index {bad.start()}; "
            "labels may hold any text but control characters (newline is allowed)"
        )
    if type(label) is str and len(_GOOD_LABELS) < 4096:
        _GOOD_LABELS.add(label)  # the labels a program uses again and again
    return label


# Labels check_label has passed (at most 4,096).
_GOOD_LABELS: set[str] = set()

_fmt = ops.fmt_number


def _fmt_repr(x: object) -> str:
    """A field in a Value's repr; data a user wrote (a str, None, an int too large for a
    float) shows as `ops.fmt_number` writes it."""
    if isinstance(x, float) or (type(x) is int and abs(x) < 10**30):
        return f"{x:.4g}"
    return ops.fmt_number(x)


class Value:
    """One float in a computation graph, with its gradient and the edges it came from.

    `inputs` are the Values this node was computed from, in argument order, and
    `local_grads` the local partial derivative of this node with respect to each.
    `role` ("input", "param", "model", "loss" or None) colours the drawing.
    `previous` is the value before the last optimizer step, or None.
    An interior node's `kernel` and `params` are its op record: ``kernel(input values,
    *params)`` returns its `data` and `local_grads` (a leaf has kernel None). `op` is the
    op's display name ("+", "**2", "tanh(dot)", ...).

    The engine's own fields are slots; a Value also takes attributes of your own
    (``p.m = 0.0``, as an optimizer that keeps its state on the parameters does), stored in
    a `__dict__` made only when first used. Not thread-safe (see the module docstring).
    `bool(v)` is ``v.data != 0``, as for a one-element PyTorch tensor.
    """

    __slots__ = (
        "__dict__",
        "data",
        "grad",
        "inputs",
        "kernel",
        "label",
        "local_grads",
        "op",
        "params",
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
    kernel: ops.Kernel | None
    params: tuple[Any, ...]
    _debug_notes: Any  # hooks and origin (debug.py), in __dict__ when a node has them

    def __init__(self, data: Number, label: str = "", role: str | None = None) -> None:
        """Create a leaf holding `data` (an int or a finite float)."""
        self.data = check_number(data, "Value data")
        if label:
            check_label(label)
        elif not isinstance(label, str):
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
        self.kernel = None
        self.params = _NO_PARAMS
        if _MODES.on:
            _debug.new_node(self)

    @classmethod
    def apply(cls, op: str, kernel: ops.Kernel, inputs: Sequence[Value], *params: Any) -> Value:
        """A new node ``op`` computed by ``kernel([i.data for i in inputs], *params)``.

        `kernel` returns (value, local_grads) with one partial per input, as the kernels in
        `ops` do; the node records it and its params, so Tape and the compiler re-run it.
        """
        nodes = inputs if type(inputs) is tuple else tuple(inputs)
        values: list[float] = []
        for node in nodes:
            if not isinstance(node, Value):
                raise TypeError(
                    f"{op}: input {len(values)} must be a Value, got {type(node).__name__}"
                )
            values.append(node.data)
        data, local_grads = kernel(values, *params)
        if len(local_grads) != len(nodes):
            raise ValueError(
                f"{op}: the kernel gave {len(local_grads)} partials for {len(nodes)} inputs"
            )
        return _interior(data, nodes, local_grads, op, kernel, params, cls)

    # --- plumbing -------------------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"Value(data={_fmt_repr(self.data)}, grad={_fmt_repr(self.grad)}, "
            f"label={self.label!r}, op={self.op!r})"
        )

    def __float__(self) -> float:
        data = self.data
        return data if type(data) is float else check_number(data, "Value data")

    def __bool__(self) -> bool:
        """``data != 0``, as Python's float and a one-element PyTorch tensor."""
        return self.data != 0.0

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """Copy the whole graph iteratively (any depth), keeping every shared node shared."""
        return _copy_graph(self, memo)

    def __copy__(self) -> Value:
        """A shallow copy: a new node with the same fields and the same inputs."""
        twin = object.__new__(Value)
        for name in _FIELDS:
            setattr(twin, name, getattr(self, name))
        twin.inputs = self.inputs
        attrs = _user_attrs(self)
        if attrs:
            twin.__dict__.update(attrs)
        return twin

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """Pickle the graph from this node as one flat record (any depth; see `_flatten`)."""
        return (_unflatten, _flatten(self))

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
    def origin(self) -> _debug.Origin | None:
        """Where this node was made (file, line, function) if anomaly mode was on, else None."""
        return _debug.origin_of(self)

    def register_hook(self, hook: Callable[[float], float | None]) -> _debug.HookHandle:
        """Call ``hook(grad)`` during backward once this node's gradient is complete; a number
        it returns replaces the gradient before it flows on. Returns a handle: ``.remove()``.
        PyTorch's semantics; see `micrograd_covid.debug`."""
        return _debug.register_hook(self, hook)

    @property
    def name(self) -> str:
        """The label, or the op in parentheses for an unlabelled node, e.g. ``(*)``."""
        if self.label:
            return self.label
        return f"({self.op})" if self.op else _fmt(self.data)

    # --- binary ops: the maths is in ops.BINARY ------------------------------------------

    def _binary(self, other: Value, op: str) -> Value:
        kernel = _BINARY_KERNELS[op]
        data, local_grads = kernel((self.data, other.data))
        return _interior(data, (self, other), local_grads, op, kernel)

    def __add__(self, other: Operand) -> Value:
        o = _as_value(other, "+")
        return NotImplemented if o is None else self._binary(o, "+")

    def __radd__(self, other: Operand) -> Value:
        o = _as_value(other, "+")
        return NotImplemented if o is None else o._binary(self, "+")

    def __sub__(self, other: Operand) -> Value:
        o = _as_value(other, "-")
        return NotImplemented if o is None else self._binary(o, "-")

    def __rsub__(self, other: Operand) -> Value:
        o = _as_value(other, "-")
        return NotImplemented if o is None else o._binary(self, "-")

    def __mul__(self, other: Operand) -> Value:
        o = _as_value(other, "*")
        return NotImplemented if o is None else self._binary(o, "*")

    def __rmul__(self, other: Operand) -> Value:
        o = _as_value(other, "*")
        return NotImplemented if o is None else o._binary(self, "*")

    def __truediv__(self, other: Operand) -> Value:
        o = _as_value(other, "/")
        return NotImplemented if o is None else self._binary(o, "/")

    def __rtruediv__(self, other: Operand) -> Value:
        o = _as_value(other, "/")
        return NotImplemented if o is None else o._binary(self, "/")

    def __pow__(self, other: Operand) -> Value:
        """``x ** c`` (a number exponent: one input) or ``x ** y`` (a Value: two inputs).

        d(x^c)/dx = c·x^(c-1); d(x^y)/dy = x^y·ln x (0 where x = 0 and y >= 0, as PyTorch).
        """
        if isinstance(other, Value):
            return self._binary(other, "**")
        if not isinstance(other, (int, float, numbers.Real)):
            return NotImplemented
        try:
            c = check_number(other, "exponent")
        except ValueError as error:
            raise ValueError(f"**: {error} (base {_fmt_repr(self.data)})") from None
        data, local_grads = ops.pow_const((self.data,), c)
        return _interior(data, (self,), local_grads, f"**{_fmt(c)}", ops.pow_const, (c,))

    def __rpow__(self, other: Operand) -> Value:
        o = _as_value(other, "**")
        return NotImplemented if o is None else o._binary(self, "**")

    def __neg__(self) -> Value:
        return self._unary("neg")

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        """|x|; d/dx = sign(x), 0 at 0 (as PyTorch). ``abs(x)`` makes this node."""
        return self._unary("abs")

    # --- unary functions: the maths is in ops.UNARY -------------------------------------

    def _unary(self, op: str) -> Value:
        kernel = _UNARY_KERNELS[op]
        data, local_grads = kernel((self.data,))
        return _interior(data, (self,), local_grads, op, kernel)

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

    def sin(self) -> Value:
        """Sine; d/dx = cos(x)."""
        return self._unary("sin")

    def cos(self) -> Value:
        """Cosine; d/dx = -sin(x)."""
        return self._unary("cos")

    def sqrt(self) -> Value:
        """√x for x >= 0; d/dx = 1/(2√x). At 0 the value is 0 and backward refuses the node
        (its derivative is infinite), as for every op with an infinite partial."""
        return self._unary("sqrt")

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, else slope·x; d/dx = 1 for x > 0, else `slope` (as PyTorch).
        The slope is a param of the node's record."""
        slope = check_number(slope, "leaky_relu slope")
        data, local_grads = ops.leaky_relu((self.data,), slope)
        return _interior(data, (self,), local_grads, "leaky_relu", ops.leaky_relu, (slope,))

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
        numbers with Values makes leaves of the numbers). With `activation` (a name in
        `ops.ACTIVATIONS`: "tanh", "relu", "sigmoid"; "linear" is the same as None) the node
        is a(z), one neuron, and every partial is scaled by a'(z) (the chain rule inside the
        node).
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
            bias = check_number(bias, "dot bias")
        if activation == "linear":
            activation = None
        return _make_dot(wdata, wnodes, xdata, xnodes, bias, activation)

    # --- backward -------------------------------------------------------------------------

    def backward(self) -> None:
        """Reverse-mode chain rule from this node (its gradient seeded with 1.0).

        As in PyTorch, leaf gradients accumulate across calls; interior gradients are
        recomputed on every call; a node used several times sums its contributions.
        Not thread-safe: two threads running backward on graphs that share a node give
        wrong sums. A node with an infinite local partial raises ValueError before any
        gradient changes.
        """
        if _MODES.watching:  # hooks or anomaly mode: the same loop with them (debug.py)
            _debug.backward(self, interior_order(self), reset_gradients, topological_order)
            return
        order = backward_order(self)  # interior nodes, inputs first; grads reset, root's 1
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
        if _MODES.watching:  # hooks or anomaly mode: the same steps with them (debug.py)
            names = display_names(topological_order(self))
            order = interior_order(self)
            steps = _debug.steps(self, order, reset_gradients, topological_order)
            for index, (total, node, upstream, passed) in enumerate(steps):
                edges_ = tuple(BackwardEdge(*edge) for edge in passed)
                yield BackwardStep(index, total, node, upstream, edges_, self, names)
            return
        order = backward_order(self)
        total = len(order)
        names = display_names(topological_order(self))
        for index, node in enumerate(reversed(order)):
            upstream = node.grad
            edges = []
            for inp, local in zip(node.inputs, node.local_grads):
                contribution = local * upstream
                inp.grad += contribution
                edges.append(BackwardEdge(inp, local, contribution))
            yield BackwardStep(index, total, node, upstream, tuple(edges), self, names)

    def zero_grad(self) -> None:
        """Set the gradient of every node in this graph to 0.0."""
        for node in topological_order(self):
            node.grad = 0.0


def _interior(
    data: float,
    inputs: tuple[Value, ...],
    local_grads: tuple[float, ...],
    op: str,
    kernel: ops.Kernel,
    params: tuple[Any, ...] = _NO_PARAMS,
    cls: type[Value] = Value,
) -> Value:
    """Make an interior node from its kernel's result (the kernel has checked `data`).

    A function rather than a method: every op makes one, and a plain call is the cheapest.
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
    out.kernel = kernel
    out.params = params
    if _MODES.on:  # no_grad or anomaly mode (debug.py)
        return _debug.new_node(out)
    return out


def backward_order(root: Value) -> list[Value]:
    """The interior nodes `root` depends on in topological order, ready for backward: their
    gradients reset to 0.0 (they are recomputed, never doubled) and the root's set to 1.0.

    A leaf root has no interior nodes: its gradient accumulates 1.0 and the list is empty.
    A node with an infinite local partial (`ops.InfiniteGrads`) raises ValueError here,
    before any gradient changes.
    """
    if not root.inputs:
        root.grad += 1.0
        return []
    order = _postorder(root, False)
    if _INFINITE.alive:  # only while some node anywhere has an infinite partial
        _check_partials(order)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    return order


_INFINITE = ops.InfiniteGrads


def _check_partials(order: Sequence[Value]) -> None:
    """Refuse the first node of `order` with an infinite local partial."""
    for node in order:
        if type(node.local_grads) is _INFINITE:
            refuse_infinite_partial(node, order[-1])


def refuse_infinite_partial(node: Value, root: Value | None = None) -> None:
    """Raise the ValueError for backward through `node`, whose local partials are infinite:
    the node's op and the line that made it, then the one message every engine gives
    (`checks.refuse_infinite_partial`)."""
    from .checks import refuse_infinite_partial as refuse  # checks imports this module

    try:
        refuse(node.op, [i.data for i in node.inputs], node.data, node.local_grads)
    except ValueError as error:
        raise ValueError(f"{_debug.describe(node, root=root)}: {error}") from None


def interior_order(root: Value) -> list[Value]:
    """The interior nodes `root` depends on (itself included), inputs first; no leaves."""
    return _postorder(root, False) if root.inputs else []


def backpropagate(order: Sequence[Value]) -> None:
    """The chain rule over a recorded `order` (as `backward_order` gives, gradients seeded):
    the same loop as `Value.backward`, for `Tape`, which keeps its order between runs."""
    for node in reversed(order):
        upstream = node.grad
        if type(node.local_grads) is ops.ZeroGrads:
            continue
        for inp, local in zip(node.inputs, node.local_grads):
            inp.grad += local * upstream


def reset_gradients(order: Sequence[Value], root: Value) -> None:
    """Prepare a recorded `order` for `backpropagate`: interior gradients 0.0, the root's 1.0
    (a leaf root, with an empty order, accumulates 1.0 as `backward` does)."""
    if not order:
        root.grad += 1.0
        return
    if _INFINITE.alive:
        _check_partials(order)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, inputs before the nodes computed from them.

    Iterative depth-first search: no recursion, so any depth works.
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    return _postorder(root, True)


def _postorder(root: Value, with_leaves: bool) -> list[Value]:
    """Depth-first post-order from `root`, with an explicit stack of input iterators (each
    resumes where its node's walk left off).

    Without leaves it is the order backward needs: leaves have nothing to pass on, and in
    an MLP most edges end at a leaf (a weight), so skipping them halves the walk. The
    cyclic GC is paused during the walk (graphs hold no cycles): a deep graph's stack of
    iterators would otherwise set off full collections.
    """
    if not gc.isenabled():
        return _walk(root, with_leaves)
    gc.disable()
    try:
        return _walk(root, with_leaves)
    finally:
        gc.enable()


def _walk(root: Value, with_leaves: bool) -> list[Value]:
    order: list[Value] = []
    seen = {root}
    nodes = [root]
    walks = [iter(root.inputs)]
    if with_leaves:
        while walks:
            for inp in walks[-1]:
                if inp not in seen:
                    seen.add(inp)
                    nodes.append(inp)
                    walks.append(iter(inp.inputs))
                    break
            else:
                walks.pop()
                order.append(nodes.pop())
        return order
    while walks:
        for inp in walks[-1]:
            if inp.inputs and inp not in seen:
                seen.add(inp)
                nodes.append(inp)
                walks.append(iter(inp.inputs))
                break
        else:
            walks.pop()
            order.append(nodes.pop())
    return order


@dataclass(frozen=True)
class BackwardEdge:
    """One edge of a backward step: `contribution = local * upstream` added to `input.grad`."""

    input: Value
    local: float
    contribution: float


@dataclass(frozen=True)
class BackwardStep:
    """One node's turn in backward: its gradient (`upstream`) and what each input received.

    `root` is the node backward started from; `names` the display name of every node of
    its graph (`names.display_names`), shared by all the steps of one backward.
    """

    index: int
    total: int
    node: Value
    upstream: float
    edges: tuple[BackwardEdge, ...]
    root: Value | None = field(default=None, repr=False, compare=False)
    names: Mapping[Value, str] | None = field(default=None, repr=False, compare=False)

    def name(self, node: Value) -> str:
        """The display name of `node` in this backward's graph."""
        if self.names is not None and node in self.names:
            return self.names[node]
        return node.name

    def __str__(self) -> str:
        loss = self.name(self.root) if self.root is not None else "L"
        here = self.name(self.node)
        lines = [f"step {self.index + 1}/{self.total}: ∂{loss}/∂{here} = {_fmt(self.upstream)}"]
        for edge in self.edges:
            there = self.name(edge.input)
            lines.append(
                f"  ∂{here}/∂{there} = {_fmt(edge.local)}: "
                f"∂{loss}/∂{there} += {_fmt(self.upstream)} × {_fmt(edge.local)}"
                f" = {_fmt(edge.contribution)} (now {_fmt(edge.input.grad)})"
            )
        return "\n".join(lines)


# --- helpers for the ops ------------------------------------------------------------------


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


#: A dot node's display name for each activation (None: a plain dot product).
_DOT_OPS: dict[str | None, str] = {
    None: "dot",
    **{name: f"{name}(dot)" for name in ops.ACTIVATIONS if name != "linear"},
}


def _dot_params(
    n: int,
    wnodes: Sequence[Value] | None,
    wdata: list[float],
    xconst: tuple[float, ...] | None,
    bias: Value | float | None,
    activation: str | None,
) -> tuple[Any, ...]:
    """The params `ops.dot` re-runs a dot node with (see its docstring)."""
    return (
        n,
        None if wnodes is not None else tuple(wdata),
        xconst,
        ops.BIAS_INPUT if isinstance(bias, Value) else bias,
        None if activation is None else ops.ACTIVATIONS[activation].kernel,
    )


def _make_dot(
    wdata: list[float],
    wnodes: tuple[Value, ...] | None,
    xdata: list[float],
    xnodes: tuple[Value, ...] | None,
    bias: Value | float | None,
    activation: str | None,
) -> Value:
    """A lone dot node (`Value.dot`): its edges, layout and params worked out here."""
    inputs: tuple[Value, ...] = (*(wnodes or ()), *(xnodes or ()))
    values = [*(wdata if wnodes else ()), *(xdata if xnodes else ())]
    if isinstance(bias, Value):
        inputs = (*inputs, bias)
        values.append(bias.data)
    xconst = None if xnodes is not None else tuple(xdata)
    params = _dot_params(len(wdata), wnodes, wdata, xconst, bias, activation)
    data, local_grads = ops.dot(values, *params)
    return _interior(data, inputs, local_grads, _DOT_OPS[activation], ops.dot, params)


def dense(
    rows: Sequence[Sequence[Value]],
    biases: Sequence[Value | None],
    xdata: list[float],
    xnodes: tuple[Value, ...] | None,
    activation: str | None = None,
) -> list[Value]:
    """One dot node a(w·x + b) per row of Value weights (each as long as `xdata`): a whole
    layer in one loop.

    `xdata` are the inputs' values, checked once by `dot_inputs`; `xnodes` the inputs when
    they are Values (None for numbers, which get no edges). `activation` is a name in
    `ops.ACTIVATIONS` or None. What the neurons share (layout, params, op name) is worked
    out once for the layer.

    The hot path of every MLP: each neuron's arithmetic is its kernel's (`ops.dot`, which
    Tape re-runs and the compiler writes out), done here in the loop that reads the
    weights, in the same order, so the numbers are the same bit for bit (a test checks
    every node against its kernel); a value that is not finite goes through the kernel
    itself, which names the bad input.
    """
    if activation == "linear":
        activation = None
    op = _DOT_OPS[activation]
    act = None if activation is None else ops.ACTIVATIONS[activation].kernel
    xconst = None if xnodes is not None else tuple(xdata)
    xs = xnodes or ()
    # By whether the neuron's bias is wired: the params (a layer shares one tuple) and, when
    # the inputs are numbers, the partials (x_1, …, x_n, 1) every neuron of the layer has.
    shared: dict[bool, tuple[tuple[Any, ...], tuple[float, ...]]] = {}
    new, kernel = object.__new__, ops.dot
    nodes = []
    for weights, bias in zip(rows, biases):
        wired = bias is not None
        known = shared.get(wired)
        if known is None:
            known = shared[wired] = (
                _dot_params(len(weights), weights, [], xconst, bias, activation),
                (*xdata, 1.0) if wired else tuple(xdata),
            )
        params, xgrads = known
        # z = w·x + b, added left to right.
        wdata = []
        total = 0.0
        try:
            for w, x in zip(weights, xdata):
                data = w.data
                wdata.append(data)
                total += data * x
            if bias is not None:
                total += bias.data
            finite = total - total == 0.0
        except (TypeError, OverflowError):  # a str, None or too large an int among the data
            finite = False
        inputs = (*weights, *xs) if bias is None else (*weights, *xs, bias)
        local_grads: tuple[float, ...]
        if not finite:  # the kernel raises, naming the bad input (or the overflow)
            values = [*(w.data for w in weights), *(xdata if xnodes else ())]
            if bias is not None:
                values.append(bias.data)
            total, local_grads = kernel(values, *params)
        else:
            # a(z), and the partials ∂/∂w_i = x_i, ∂/∂x_i = w_i, ∂/∂b = 1, times a'(z).
            slope = 1.0
            if act is not None:
                total, (slope,) = act((total,))
            if slope == 0.0:  # a switched-off neuron: one shared tuple, skipped by backward
                local_grads = ops.zero_grads(len(inputs))
            else:
                if xnodes is None:
                    grads: Sequence[float] = xgrads
                else:
                    grads = [*xdata, *wdata, 1.0] if wired else [*xdata, *wdata]
                if slope != 1.0:
                    scaled = []
                    for g in grads:
                        scaled.append(slope * g)
                    grads = scaled
                local_grads = tuple(grads)
        # Made inline rather than by _interior: a layer makes one per neuron.
        out = new(Value)
        out.data = total
        out.grad = 0.0
        out.label = ""
        out.role = None
        out.op = op
        out.inputs = inputs
        out.local_grads = local_grads
        out.previous = None
        out.kernel = kernel
        out.params = params
        nodes.append(out)
    if _MODES.on:  # no_grad or anomaly mode (debug.py)
        for out in nodes:
            _debug.new_node(out)
    return nodes


_ONLY_FLOATS = frozenset({float})


def dot_inputs(
    values: Sequence[object], what: str = "input"
) -> tuple[list[float], tuple[Value, ...] | None]:
    """Check a dot product's vector once: (data, the Values) when any are Values (numbers
    among them become leaves), (data, None) when all are numbers."""
    if len(values) and type(values[0]) is Value:  # a layer's input: the outputs of the last
        data = []
        for node in values:
            if type(node) is not Value:
                break
            data.append(node.data)
        else:
            return data, tuple(values)  # type: ignore[arg-type]
    kinds = set(map(type, values))
    if kinds == _ONLY_FLOATS:
        data = list(values)  # type: ignore[arg-type]
        if all(map(math.isfinite, data)):
            return data, None
    if any(issubclass(kind, Value) for kind in kinds):
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


def _sum_node(values: Iterable[Operand], op: str) -> Value:
    nodes: list[Value] = []
    data: list[float] = []
    for v in values:
        node = _as_value(v, op)
        if node is None:
            raise TypeError(
                f"{op}: item {len(nodes)} must be a Value or a number, got {type(v).__name__}"
            )
        nodes.append(node)
        data.append(node.data)
    if not nodes:
        raise ValueError(f"{op}: needs at least one value")
    kernel = ops.mean if op == "mean" else ops.sum_
    value, local_grads = kernel(data)
    return _interior(value, tuple(nodes), local_grads, op, kernel)


# --- copy and pickle, iteratively ----------------------------------------------------------

_FIELDS = ("data", "grad", "label", "role", "op", "local_grads", "previous", "kernel", "params")


_object_getstate = getattr(object, "__getstate__", None)  # Python 3.11+


def _user_attrs(node: Value) -> dict[str, Any] | None:
    """The node's own attributes (``p.m``), or None, without creating an empty __dict__.
    debug.py's notes (hooks, origin) stay with the node: copies and pickles go without."""
    if _object_getstate is not None:
        state = _object_getstate(node)
        attrs = state[0] if type(state) is tuple else state
    else:  # Python 3.10: a __dict__ is a referent once made
        attrs = next((ref for ref in gc.get_referents(node) if type(ref) is dict), None)
    if attrs and "_debug_notes" in attrs:
        attrs = {name: value for name, value in attrs.items() if name != "_debug_notes"}
    return attrs or None


def _copy_graph(root: Value, memo: dict[int, Any]) -> Value:
    """`copy.deepcopy` of the graph from `root`: inputs before the nodes that use them, so
    no recursion; a node already in `memo` (copied earlier in the same deepcopy) is reused."""
    for node in topological_order(root):
        if id(node) in memo:
            continue
        twin = object.__new__(Value)
        for name in _FIELDS:
            setattr(twin, name, getattr(node, name))
        twin.inputs = tuple(memo[id(i)] for i in node.inputs)
        memo[id(node)] = twin
        attrs = _user_attrs(node)
        if attrs:
            twin.__dict__.update(copy.deepcopy(attrs, memo))
    return memo[id(root)]  # type: ignore[no-any-return]


def _flatten(root: Value) -> tuple[list[Any]]:
    """The graph from `root` as one flat list for pickle, inputs first: other leaves as
    themselves (so pickle shares them, e.g. a model's parameters), every other node as a
    tuple of its fields with its inputs as positions in the list. Nothing nests, so any
    depth pickles. An interior node pickled both alone and inside another graph comes back
    as two copies (`copy.deepcopy` keeps all sharing)."""
    nodes = topological_order(root)
    position = {node: i for i, node in enumerate(nodes)}
    entries: list[Any] = []
    for node in nodes:
        if node.inputs or node is root:
            record = [getattr(node, name) for name in _FIELDS]
            record.append(tuple(position[i] for i in node.inputs))
            record.append(_user_attrs(node) or None)
            entries.append(tuple(record))
        else:
            entries.append(node)
    return (entries,)


def _unflatten(entries: list[Any]) -> Value:
    """Rebuild the graph `_flatten` wrote; returns its root (the last entry)."""
    nodes: list[Value] = []
    for entry in entries:
        if isinstance(entry, Value):
            nodes.append(entry)
            continue
        node = object.__new__(Value)
        *fields, inputs, attrs = entry
        for name, value in zip(_FIELDS, fields):
            setattr(node, name, value)
        node.inputs = tuple(nodes[i] for i in inputs)
        if attrs:
            node.__dict__.update(attrs)
        nodes.append(node)
    return nodes[-1]


# --- user-defined ops -------------------------------------------------------------------


def define_op(name: str, kernel: Callable[..., tuple[float, Sequence[float]]] | None = None) -> Any:
    """Add an op: ``kernel(*input_values) -> (value, local_partials)`` on plain floats,
    one local partial derivative per input, in order. Returns a function that applies the
    op to Values (numbers become leaves, as in ``x + 1``): a node like every other, with
    `name` as its op, that works in backward, backward_steps, Tape, draw and explain.
    Used as a decorator, ``@define_op("name")``, it makes the decorated kernel the op.

    What the kernel returns is checked on every call, naming the op: a finite number, and a
    sequence with one number per input (an infinite partial follows the engine's rule:
    backward refuses the node). Inputs that are not finite numbers are refused before the
    kernel runs. To pickle a graph using the op, the kernel must be a module-level function.
    """
    check_label(name, "define_op name")
    if not name:
        raise ValueError("define_op: the op needs a name")
    if kernel is None:

        def decorate(fn: Callable[..., tuple[float, Sequence[float]]]) -> Callable[..., Value]:
            apply: Callable[..., Value] = define_op(name, fn)
            # The op takes the kernel's place in its module: named like it, so pickle and
            # help() find it there.
            for attr in ("__module__", "__name__", "__qualname__"):
                if hasattr(fn, attr):
                    setattr(apply, attr, getattr(fn, attr))
            return apply

        return decorate
    if not callable(kernel):
        raise TypeError(f"define_op {name!r}: kernel must be callable, got {type(kernel).__name__}")
    engine_kernel = ops.UserKernel(name, kernel)

    def apply(*operands: Operand) -> Value:
        nodes = []
        for i, x in enumerate(operands):
            node = _as_value(x, name)
            if node is None:
                raise TypeError(
                    f"{name}: operand {i} must be a Value or a number, got {type(x).__name__}"
                )
            nodes.append(node)
        return Value.apply(name, engine_kernel, nodes)

    apply.__name__ = apply.__qualname__ = name if name.isidentifier() else "op"
    apply.__doc__ = kernel.__doc__ or f"The op {name!r} (made with define_op)."
    apply.kernel = engine_kernel  # type: ignore[attr-defined]
    engine_kernel.apply = apply
    return apply


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

    def _repr_html_(self) -> str:
        from .display import gradcheck_html

        return gradcheck_html(self)


def gradcheck(
    f: Callable[..., Value],
    values: Sequence[Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradcheckReport:
    """Compare backward's gradients of ``f(*values)`` with central differences.

    Everything is left as it was: the data and gradients of `values` and the gradients of
    every other node of f's graph (weights f uses without being given them).
    """
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"gradcheck: values[{i}] must be a Value, got {type(v).__name__}")
    for what, x, bound in (("eps", eps, "> 0"), ("atol", atol, ">= 0"), ("rtol", rtol, ">= 0")):
        x = check_number(x, f"gradcheck: {what}")
        if not (x > 0.0 if what == "eps" else x >= 0.0):
            raise ValueError(f"gradcheck: {what} must be {bound}, got {_fmt(x)}")
    saved = [(v.data, v.grad) for v in values]
    others: list[tuple[Value, float]] = []
    try:
        out = f(*values)
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
        others = [(node, node.grad) for node in topological_order(out)]
        for v in values:
            v.grad = 0.0
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
        for node, grad in others:
            node.grad = grad
        for v, (data, grad) in zip(values, saved):
            v.data = data
            v.grad = grad


# --- reading a dot node's record ----------------------------------------------------------


class DotParts(NamedTuple):
    """A dot node a(w·x + b) read from its record: each weight and input is a Value (an edge
    of the node) or a float (a constant); `bias` a Value, a float or None; `activation` the
    name of the activation inside the node ("tanh", "relu", ...), or None."""

    weights: tuple[Value | float, ...]
    inputs: tuple[Value | float, ...]
    bias: Value | float | None
    activation: str | None


def dot_parts(node: Value) -> DotParts | None:
    """The weights, inputs, bias and activation of a dot node, or None for any other node.

    The layout comes from `ops.dot_split`, so drawings and pages never decode it themselves."""
    if node.kernel is not ops.dot:
        return None
    n, wconst, xconst, bias, act = node.params
    wired_w, wired_x, wired_b = ops.dot_split(node.inputs, n, wconst, xconst, bias)
    weights = tuple(wconst if wired_w is None else wired_w)
    inputs = tuple(xconst if wired_x is None else wired_x)
    bias_part = bias if wired_b is None else wired_b
    name = None
    if act is not None:
        name = next(a.name for a in ops.ACTIVATIONS.values() if a.kernel is act)
    return DotParts(weights, inputs, bias_part, name)
