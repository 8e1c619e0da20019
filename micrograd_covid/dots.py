"""Dot nodes beyond `Value.dot`: a whole layer of them in one loop (the MLP's fast path) and
reading one back (its weights, inputs, bias and activation, for drawings and pages).

`dense` makes, bit for bit, the nodes `Value.dot` would make (a test compares every node with
its own kernel); it is written for speed, so it lives here and not in the engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from . import ops
from .debug import MODES, new_node
from .engine import _DOT_OPS, Value, _dot_vector

__all__ = ["DotParts", "dense", "dot_inputs", "dot_parts"]


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
