"""Dot nodes: one (`dot`, what `Value.dot` runs), a whole layer of them in one loop (`dense`,
the MLP's fast path) and reading one back (its weights, inputs, bias and activation, for
drawings and pages).

`dense` makes, bit for bit, the nodes `Value.dot` would make (a test compares every node with
its own kernel); it is written for speed, so it lives here and not in the engine.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, NamedTuple

from . import ops
from .checks import check_number
from .debug import MODES, new_node
from .engine import Operand, Value, _node

__all__ = ["DotParts", "dense", "dot", "dot_inputs", "dot_parts"]

#: A dot node's display name for each activation (None: a plain dot product).
_DOT_OPS: dict[str | None, str] = {None: "dot"}
_DOT_OPS.update({a: f"{a}(dot)" for a in ops.ACTIVATIONS if a != "linear"})


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
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs; they must match")
    if activation is not None and activation not in ops.ACTIVATIONS:
        raise ValueError(
            f"dot: unknown activation {activation!r}; choose one of {', '.join(ops.ACTIVATIONS)}"
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
                (len(weights), None, xconst, ops.BIAS_INPUT if wired else bias, act),
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
        # Made inline rather than by the engine's _node: a layer makes one per neuron.
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
    if MODES.on:  # no_grad or anomaly mode (debug.py)
        for out in nodes:
            new_node(out)
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
    return _dot_vector(values, what)  # the general case, as `Value.dot` takes it


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
