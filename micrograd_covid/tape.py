"""Record a graph once, then re-run it on new data without building a single new node.

The walkthrough calls x1, x2 and y placeholders: the graph is fixed and data is fed in. A
`Tape` does exactly that. Build the graph once, change any leaf's `.data` (placeholders,
weights after an optimizer step), then `forward()` recomputes every node in place with the
same kernels the ops use, and `backward()` backpropagates over the recorded order. The
numbers are the ones a freshly built graph gives, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from . import ops
from .engine import DotArgs, Value, _get_data, _postorder, _propagate, seed_gradients

__all__ = ["Tape"]

Replay = Callable[[Value, Any], None]


def _binary(node: Value, kernel: Any) -> None:
    a, b = node.inputs
    node.data, node.local_grads = kernel(a.data, b.data)


def _unary(node: Value, kernel: Any) -> None:
    (x,) = node.inputs
    data, local = kernel(x.data)
    node.data, node.local_grads = data, (local,)


def _pow_const(node: Value, exponent: Any) -> None:
    (x,) = node.inputs
    data, local = ops.pow_const(x.data, exponent)
    node.data, node.local_grads = data, (local,)


def _summed(node: Value, op: Any) -> None:
    node.data = ops.summed(list(map(_get_data, node.inputs)), op)


class _DotPlan(NamedTuple):
    """A dot node's layout, worked out once: its weight, input and bias nodes (or constants)."""

    weights: tuple[Value, ...] | None
    wconst: list[float] | None
    inputs: tuple[Value, ...] | None
    xconst: tuple[float, ...] | None
    bias: Value | None
    bconst: float | None
    has: tuple[bool, bool, bool]
    activation: str | None


def _dot_plan(node: Value) -> _DotPlan:
    args: DotArgs = node.args
    inputs = node.inputs
    wired_bias = args.bias == "wired"
    n = len(inputs) - wired_bias
    if args.weights is None and args.inputs is None:
        n //= 2
    weights = inputs[:n] if args.weights is None else None
    start = n if weights is not None else 0
    xs = inputs[start : start + n] if args.inputs is None else None
    return _DotPlan(
        weights,
        None if args.weights is None else list(args.weights),
        xs,
        args.inputs,
        inputs[-1] if wired_bias else None,
        None if wired_bias else args.bias,  # type: ignore[arg-type]
        (weights is not None, xs is not None, wired_bias),
        args.activation,
    )


def _dot(node: Value, plan: Any) -> None:
    wdata = plan.wconst if plan.weights is None else list(map(_get_data, plan.weights))
    xdata = plan.xconst if plan.inputs is None else list(map(_get_data, plan.inputs))
    bias = plan.bconst if plan.bias is None else plan.bias.data
    node.data, node.local_grads = ops.dot(wdata, xdata, bias, plan.has, plan.activation)


def _step_for(node: Value) -> tuple[Replay, Value, Any]:
    """How to re-run one node: a function of (node, what it needs), and what it needs."""
    op = node.op
    if op in ops.BINARY:
        return _binary, node, ops.BINARY[op]
    if op in ops.UNARY:
        return _unary, node, ops.UNARY[op]
    if op in ("sum", "mean"):
        return _summed, node, op
    if isinstance(node.args, DotArgs):
        return _dot, node, _dot_plan(node)
    if op.startswith("**") and isinstance(node.args, float):
        return _pow_const, node, node.args
    raise ValueError(f"Tape: cannot replay op {op!r} of node {node.name}")


class Tape:
    """A recorded graph that re-runs in place: `forward()` then `backward()`.

    Set leaves' `.data` between runs; every interior node is recomputed in topological
    order. The graph's shape is fixed: a relu that was off stays wired (its partials are
    zero), a dot keeps its constants.
    """

    def __init__(self, root: Value) -> None:
        """Record every interior node `root` depends on, in topological order."""
        if not isinstance(root, Value):
            raise TypeError(f"Tape: root must be a Value, got {type(root).__name__}")
        self.root = root
        self.order = _postorder(root, False) if root.inputs else []
        self._steps = [_step_for(node) for node in self.order]

    def forward(self) -> float:
        """Recompute every node from the leaves' current data; returns the root's value."""
        for replay, node, needs in self._steps:
            replay(node, needs)
        return self.root.data

    def backward(self) -> None:
        """Backpropagate from the root over the recorded order (as `Value.backward`)."""
        order = self.order
        if not order:
            self.root.grad += 1.0
            return
        seed_gradients(order, self.root)
        _propagate(order)

    def __len__(self) -> int:
        return len(self.order)
