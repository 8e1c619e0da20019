"""`fit(..., engine="numpy")`: one sample's recorded graph evaluated over a whole batch at once.

Every node's value becomes a numpy array with one entry per row of the batch, and the dot nodes
of a layer (the neurons that share their inputs) become one matrix product with a column per
row: ``Z = W X + b`` forward, ``∂L/∂W = G Xᵀ`` and ``∂L/∂X = Wᵀ G`` backward, where G holds
each neuron's gradient times its activation's slope. numpy adds in its own order (pairwise
sums, BLAS), so the numbers agree with the graph engine to about 1e-15 relative per step, not
bit for bit; a long run can amplify that (the deep tutorial's saturated tanh units: 1e-14 after
10 epochs, 3e-11 after 20).

numpy is an optional dependency (``pip install numpy``). The model is called once, on
placeholder Values, as for the compiled engine. Each node's arithmetic is its row's `numpy`
rule in the op table (`ops.TABLE`: today dot with or without an activation, tanh, relu,
sigmoid, +, -, *, neg, squared_error, sum and mean); an op whose row has none makes `fit`
fall back to the graph engine with a warning.

The interpreter's rules hold here too: a batch that meets a value that is not finite (an
overflow, even one a tanh would hide as tanh(inf) = 1) or a leaf that is not a finite float
is run again by the graph engine, which raises the op's own error (or, for a false alarm,
gives its numbers).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import ops
from .compile import Unsupported
from .engine import Value

__all__ = ["NumpyRunner", "batched_program"]


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise ImportError(
            'fit(engine="numpy") needs numpy: pip install numpy '
            "(or pip install 'micrograd_covid[numpy]')"
        ) from None
    return numpy


@dataclass
class _Layer:
    """Dot nodes that share their inputs: one matrix product."""

    members: list[Value]
    weights: list[Value]  # row by row: member j's weights are [j * n:(j + 1) * n]
    biases: list[Value | None]
    inputs: tuple[Value, ...]
    activation: ops.Kernel | None
    product: ops.NumpyRule  # the dot row's batch rule: W X, and G Xᵀ, Wᵀ G
    activate: ops.NumpyRule | None  # the activation's batch rule: a(Z) and a'(Z)

    @property
    def input_key(self) -> tuple[int, ...]:
        """The layer's input vector, as the key of the matrix that holds it."""
        return tuple(map(id, self.inputs))

    @property
    def output_key(self) -> tuple[int, ...]:
        """The layer's outputs, as the key of their matrix (for a layer that reads them)."""
        return tuple(map(id, self.members))


def _layers(order: Sequence[Value], fixed: set[Value]) -> dict[Value, _Layer]:
    """Group the dot nodes by their input vector; each member maps to its layer."""
    groups: dict[tuple[Any, ...], _Layer] = {}
    layer_of: dict[Value, _Layer] = {}
    for node in order:
        row = ops.row_of(node.kernel)
        if row is None or row.shape != "dot" or row.numpy is None:
            continue
        n, wconst, xconst, bias, activation = node.params
        if (
            wconst is not None
            or xconst is not None
            or (bias is not None and bias != ops.BIAS_INPUT)
        ):
            raise Unsupported(f"a dot node ({node.op}) with constant weights or inputs")
        weights = list(node.inputs[:n])
        if not all(w in fixed for w in weights):
            raise Unsupported(f"a dot node ({node.op}) whose weights are not parameters")
        xs = node.inputs[n : 2 * n]
        b = node.inputs[2 * n] if bias == ops.BIAS_INPUT else None
        if b is not None and b not in fixed:
            raise Unsupported(f"a dot node ({node.op}) whose bias is not a parameter")
        key = (tuple(map(id, xs)), b is None, activation)
        layer = groups.get(key)
        if layer is None:
            rule = _activation_rule(activation)
            layer = groups[key] = _Layer([], [], [], xs, activation, row.numpy, rule)
        layer.members.append(node)
        layer.weights += weights
        layer.biases.append(b)
        layer_of[node] = layer
    return layer_of


def _activation_rule(activation: ops.Kernel | None) -> ops.NumpyRule | None:
    """The batch rule of a dot layer's activation (None for none); Unsupported when it has
    none."""
    if activation is None:
        return None
    for act in ops.ACTIVATIONS.values():
        if act.kernel is activation and act.numpy is not None:
            return act.numpy
    raise Unsupported(f"activation {getattr(activation, '__name__', activation)!r}")


def batched_program(order: Sequence[Value], fed: Sequence[Value]) -> tuple[Any, list[Value]]:
    """Check that every node of `order` can be vectorized (its row has a numpy rule);
    returns the dot layers by member and the fixed leaves (parameters), or raises
    Unsupported."""
    fixed: list[Value] = []
    seen: set[Value] = set(fed)
    for node in order:
        seen.add(node)
    for node in order:
        for inp in node.inputs:
            if inp not in seen:
                seen.add(inp)
                fixed.append(inp)
        row = ops.row_of(node.kernel)
        if row is None or row.numpy is None:
            raise Unsupported(f"op {node.op!r} is not vectorized")
        if row.shape == "dot":
            _activation_rule(node.params[4])
    return _layers(order, set(fixed)), fixed


class _NotFinite(Exception):
    """A value that is not finite met in the batch: the interpreter takes the batch."""


class NumpyRunner:
    """Every row of a batch at once, with numpy arrays.

    A node's values over the batch are one vector (a row), and a layer's outputs one matrix,
    a row per neuron and a column per example: ``Z = W X + b`` forward, ``∂L/∂W = G Xᵀ``
    and ``∂L/∂X = Wᵀ G`` backward (numpy's products run fastest with the long axis last).
    """

    def __init__(
        self,
        order: list[Value],
        fed: list[Value],
        outputs: list[Value],
        rows: list[tuple[float, ...]],
        mean: bool,
        build: Callable[[Sequence[int]], Value],
    ) -> None:
        """`order` is one sample's graph (interior nodes), `fed` its placeholders (the
        columns of `rows`), `outputs` its loss terms; `mean` averages them (mse); `build`
        makes a batch's graph for the interpreter, which re-runs a batch that met a value
        that is not finite, to raise the op's own error."""
        np = self.np = _numpy()
        self.build = build
        self._graph: Value | None = None
        self.order = order
        self.fed = fed
        self.outputs = outputs
        self.layer_of, self.params = batched_program(order, fed)
        self.param_set = set(self.params)
        self.fed_set = set(fed)
        # Each node's batch rule (a dot's is its layer's), and which of its inputs keep a
        # gradient (placeholders do not).
        self._plan: list[tuple[Value, ops.NumpyRule, bool, tuple[bool, ...]]] = []
        for node in order:
            row = ops.row_of(node.kernel)
            assert row is not None and row.numpy is not None  # batched_program checked
            needed = tuple(inp not in self.fed_set for inp in node.inputs)
            self._plan.append((node, row.numpy, node in self.layer_of, needed))
        # One row per placeholder, one column per example.
        width = len(fed)
        cells = itertools.chain.from_iterable(rows)
        table = np.fromiter(cells, np.float64, len(rows) * width).reshape(len(rows), width)
        self.data = np.ascontiguousarray(table.T)
        self.mean = mean
        self._all = list(range(len(rows)))
        self._saved: dict[int, Any] = {}
        self._rows = 0
        self._seed = 1.0
        # The layers in the order of their first member, with the keys of their input and
        # output matrices; a layer whose inputs are exactly an earlier layer's outputs (or
        # the first fed values) takes that matrix as it is.
        layers = list({id(layer): layer for layer in self.layer_of.values()}.values())
        self._first = {layer.members[0]: layer for layer in layers}
        self._keys = {id(layer): (layer.input_key, layer.output_key) for layer in layers}
        fed_ids = [id(leaf) for leaf in fed]
        self._fed_prefixes = [tuple(fed_ids[:k]) for k in range(1, len(fed_ids) + 1)]
        self._fed_keys: set[tuple[int, ...]] = set()
        self._layer_keys: set[tuple[int, ...]] = set()
        # What is read as one row of values: the inputs of other nodes and of layers that
        # cannot take a matrix as it is, and the outputs (the rest stays in its matrix).
        matrix_keys = {*self._fed_prefixes, *(output for _, output in self._keys.values())}
        read: set[Value] = set(outputs)
        for node in order:
            layer = self.layer_of.get(node)
            if layer is None:
                read.update(node.inputs)
            elif layer.input_key not in matrix_keys:
                read.update(layer.inputs)
        self._read = [p for p in self.params if p in read]  # parameters read as values
        self._rows_read = {
            id(layer): [(k, m) for k, m in enumerate(layer.members) if m in read]
            for layer in layers
        }

    def forward(self, batch: Sequence[int]) -> float:
        """The batch's loss, every node evaluated over all its rows at once."""
        self._graph = None
        try:
            with self.np.errstate(all="ignore"):
                return self._forward(batch)
        except (_NotFinite, ArithmeticError, TypeError, ValueError):
            # numpy met a bad leaf (nan, a str, an int too large for a float) or a value
            # that is not finite: the interpreter raises the op's own error, as the graph
            # engine would (or, for a false alarm, gives the same numbers); backward then
            # runs on that graph.
            self._graph = self.build(batch)
            return self._graph.data

    def backward(self) -> None:
        """Every parameter's gradient over the batch, added to its `.grad`."""
        if self._graph is not None:
            self._graph.backward()
            self._graph = None
            return
        with self.np.errstate(all="ignore"):
            self._backward()

    def _forward(self, batch: Sequence[int]) -> float:
        np = self.np
        data = self.data if batch == self._all else self.data[:, list(batch)]
        count = data.shape[1]
        values: dict[Value, Any] = {p: p.data for p in self._read}
        for j, leaf in enumerate(self.fed):
            values[leaf] = data[j]
        saved: dict[int, Any] = {}
        matrices: dict[tuple[int, ...], Any] = {key: data[: len(key)] for key in self._fed_prefixes}
        layer_keys: set[tuple[int, ...]] = set()
        first, keys = self._first, self._keys
        for node, rule, in_layer, _ in self._plan:
            if in_layer:
                layer = first.get(node)
                if layer is None:  # computed with its layer's first member
                    continue
                input_key, output_key = keys[id(layer)]
                x = matrices.get(input_key)
                if x is None:
                    x = np.stack([np.broadcast_to(values[i], count) for i in layer.inputs])
                w = np.array([p.data for p in layer.weights]).reshape(len(layer.members), -1)
                z, _ = layer.product.forward(np, w, x)
                if layer.biases[0] is not None:
                    z += np.array([b.data for b in layer.biases])[:, None]
                if not np.isfinite(z).all():
                    raise _NotFinite
                out, slope = (z, None) if layer.activate is None else layer.activate.forward(np, z)
                saved[id(layer)] = (x, w, slope)
                matrices[output_key] = out
                layer_keys.add(output_key)
                for k, member in self._rows_read[id(layer)]:
                    values[member] = out[k]
                continue
            ins = [values[i] for i in node.inputs]
            if rule.finite_inputs:
                for x in ins:
                    if not np.isfinite(x).all():  # tanh(inf) would be 1, relu(-inf) 0
                        raise _NotFinite
            values[node], saved[id(node)] = rule.forward(np, *ins)
        terms = [values[o] for o in self.outputs]
        if len(terms) == 1 and np.shape(terms[0]) == (count,):
            terms = terms[0]
        else:
            terms = np.stack([np.broadcast_to(term, count) for term in terms])
        total = float(terms.sum())
        size = terms.size
        loss = total / size if self.mean else total
        if not np.isfinite(loss) or not np.isfinite(terms).all():
            raise _NotFinite
        self._saved, self._rows = saved, count
        self._fed_keys = set(matrices) - layer_keys
        self._layer_keys = layer_keys
        self._seed = 1.0 / size if self.mean else 1.0
        return loss

    def _backward(self) -> None:
        np = self.np
        saved = self._saved
        grads: dict[Value, Any] = {o: np.full(self._rows, self._seed) for o in self.outputs}
        params, fed = self.param_set, self.fed_set
        # ∂L/∂(a layer's outputs) as one matrix, when the next layer read them as a matrix.
        matrix_grads: dict[tuple[int, ...], Any] = {}
        fed_keys, layer_keys = self._fed_keys, self._layer_keys
        first, keys = self._first, self._keys

        def add(node: Value, g: Any) -> None:
            if node in params:  # summed over the rows
                node.grad += float(np.sum(g))
            elif node in fed:
                return
            elif node in grads:
                grads[node] = grads[node] + g
            else:
                grads[node] = g

        for node, rule, in_layer, needed in reversed(self._plan):
            if in_layer:
                layer = first.get(node)
                if layer is None:  # its layer runs at its first member
                    continue
                x, w, slope = saved[id(layer)]
                input_key, output_key = keys[id(layer)]
                g = matrix_grads.pop(output_key, None)
                rows = [grads.get(m) for m in layer.members]
                if any(r is not None for r in rows):
                    zero = np.zeros(self._rows)
                    more = np.stack([zero if r is None else r for r in rows])
                    g = more if g is None else g + more
                if g is None:
                    continue
                if slope is not None:
                    g *= slope  # g is a fresh array here: scaled in place
                # The placeholders keep no gradient.
                gw, gx = layer.product.backward((w, x), g, (True, input_key not in fed_keys))
                # Weights and biases are parameters: their sums over the rows go straight
                # into .grad.
                for leaf, value in zip(layer.weights, gw.ravel().tolist()):
                    leaf.grad += value
                if layer.biases[0] is not None:
                    for bias, value in zip(layer.biases, g.sum(1).tolist()):
                        bias.grad += value
                if gx is None:
                    continue
                if input_key in layer_keys:
                    earlier = matrix_grads.get(input_key)
                    matrix_grads[input_key] = gx if earlier is None else earlier + gx
                else:
                    for inp, row in zip(layer.inputs, gx):
                        add(inp, row)
                continue
            g = grads.get(node)
            if g is None:
                continue
            for inp, contribution in zip(node.inputs, rule.backward(saved[id(node)], g, needed)):
                if contribution is not None:
                    add(inp, contribution)
