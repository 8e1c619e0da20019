"""Driven by the one op table, `ops.TABLE`: every row runs through every interpreter (the
graph engine, Tape, compiled code through `Tape.compile()` and `fit`, the numpy batch rule and
the numpy engine) and is checked against its kernel, PyTorch float64 and central
differences. A new row is tested here without a new test: `check_row` takes any row, and the
README's worked example is checked with it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from micrograd_covid import Tape, Value, fit, ops
from micrograd_covid.compile import CompileWarning
from micrograd_covid.nn import Module

from .conftest import central_difference

ROOT = Path(__file__).resolve().parent.parent
ROWS = list(ops.TABLE.values())
CASES = [(row, point) for row in ROWS for point in row.points]
ENGINES = ("graph", "tape", "compiled")


def _node(row: ops.OpRow, leaves: list[Value]) -> Value:
    return Value.apply(row.name, row.kernel, leaves, *row.params)


def _torch(torch: Any, row: ops.OpRow, point: tuple[float, ...]) -> tuple[float, list[float]]:
    """The row's PyTorch expression at `point`: its value and gradient."""
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    out = eval(row.torch, {"torch": torch}, dict(zip("abcdefgh", tensors)))
    if not out.requires_grad:  # detached: no gradient flows (softmax's shift)
        return out.item(), [0.0] * len(point)
    out.backward()
    return out.item(), [0.0 if t.grad is None else t.grad.item() for t in tensors]


Point = tuple[float, ...]


def _graph(row: ops.OpRow, point: Point) -> tuple[float, Point, list[float]]:
    """A fresh node at `point`: its value, local partials and the leaves' gradients."""
    leaves = [Value(x) for x in point]
    node = _node(row, leaves)
    assert node.kernel is row.kernel and node.params == row.params
    node.backward()
    return node.data, tuple(node.local_grads), [leaf.grad for leaf in leaves]


def _replayed(row: ops.OpRow, point: tuple[float, ...], compiled: bool) -> tuple[Any, ...]:
    """A graph around the node recorded at other values, then run at `point` on a Tape or
    compiled: the root's value and the leaves' gradients, and the generated source."""
    leaves = [Value(x + 0.125) for x in point]
    node = _node(row, leaves)
    root = (node * 3.0 + leaves[0]) * node
    tape = Tape(root)
    runner = tape.compile() if compiled else tape
    for leaf, x in zip(leaves, point):
        leaf.data = x
    value = runner.forward()
    runner.backward()
    source = getattr(runner, "source", None)
    return value, [leaf.grad for leaf in leaves], source


class _RowModel(Module):
    """One node of a row on parameters: the fed inputs (all 0.0) are added to them, except a
    dot's weights and bias, which are the parameters themselves (as in a neuron)."""

    def __init__(self, row: ops.OpRow, point: tuple[float, ...]) -> None:
        self.row = row
        self.params = [Value(x, f"p{k}", role="param") for k, x in enumerate(point)]

    def named_parameters(self):  # type: ignore[no-untyped-def]
        return ((p.label, p) for p in self.params)

    def __call__(self, x):  # type: ignore[no-untyped-def]
        inputs = [p + xk for p, xk in zip(self.params, x)]
        if self.row.shape == "dot":
            n = self.row.params[0]
            inputs[:n] = self.params[:n]
            inputs[-1] = self.params[-1]
        return _node(self.row, inputs)


def _fitted(row: ops.OpRow, point: tuple[float, ...], engine: str) -> tuple[list[float], float]:
    """One SGD step of `fit` on the row's model at `point`: the parameters and the loss."""
    model = _RowModel(row, point)
    history = fit(model, [[0.0] * len(point)], [0.25], lr=0.01, epochs=1, engine=engine)
    return [p.data for p in model.params], history.step_loss[0]


def _numpy_rule(row: ops.OpRow, np: Any) -> tuple[list[Any], list[list[Any]]]:
    """The row's numpy rule over a batch of all its points at once: each point's value and
    partials (the upstream gradient 1)."""
    rule = row.numpy
    assert rule is not None
    batch = np.array(row.points, dtype=np.float64).T  # one array per input
    ones = np.ones(len(row.points))
    if row.shape == "dot":
        # A layer of one neuron: z = W X + b, a(z), then the chain rule through a'(z).
        n, _, _, _, activation = row.params
        weights, bias = batch[:n].T[:, None, :], batch[-1]
        values, partials = [], []
        for k, w in enumerate(weights):
            x = batch[n : 2 * n, k : k + 1]
            z, saved = rule.forward(np, w, x)
            z = z + bias[k]
            act = next(a for a in ops.ACTIVATIONS.values() if a.kernel is activation)
            assert act.numpy is not None
            out, slope = act.numpy.forward(np, z)
            g = slope * np.ones_like(z)
            gw, gx = rule.backward(saved, g, (True, True))
            values.append(out[0, 0])
            partials.append([*gw.ravel(), *gx.ravel(), g.sum()])
        return values, partials
    out, saved = rule.forward(np, *batch)
    grads = rule.backward(saved, ones, (True,) * len(batch))
    assert len(grads) == len(batch)
    return list(out), [[g[j] for g in grads] for j in range(len(row.points))]


def check_row(row: ops.OpRow, torch: Any, np: Any) -> None:
    """Every interpreter on every point of `row`, against its kernel, PyTorch and central
    differences."""
    for point in row.points:
        point = tuple(point)
        value, partials = row.kernel(list(point), *row.params)
        local = tuple(partials)
        # The graph engine: the kernel's numbers, bit for bit; backward passes them on.
        data, local_grads, grads = _graph(row, point)
        assert (data, local_grads) == (value, local), row.name
        assert grads == list(local), row.name
        # PyTorch float64 and central differences.
        tvalue, tgrads = _torch(torch, row, point)
        assert value == pytest.approx(tvalue, rel=1e-12, abs=1e-15), row.name
        assert list(local) == pytest.approx(tgrads, rel=1e-12, abs=1e-15), row.name
        if not row.stops_gradient:
            for i, x in enumerate(point):

                def f(z: float, i: int = i, point: Point = point) -> float:
                    moved = list(point)
                    moved[i] = z
                    return row.kernel(moved, *row.params)[0]  # type: ignore[no-any-return]

                assert local[i] == pytest.approx(central_difference(f, x), rel=1e-6, abs=1e-9)
        # Tape and compiled code: the interpreter's numbers, bit for bit; a row with a
        # `python` rule is written inline, one without calls its kernel.
        taped = _replayed(row, point, compiled=False)
        value_c, grads_c, source = _replayed(row, point, compiled=True)
        assert (value_c, grads_c) == taped[:2], row.name
        assert source is not None
        assert ("= k0((" in source) == (row.python is None), row.name
        # fit: compiled and Tape give the graph engine's step bit for bit; the numpy engine
        # agrees to rounding, or hands a row without a numpy rule to the graph engine.
        stepped = _fitted(row, point, "graph")
        for engine in ("tape", "compiled"):
            assert _fitted(row, point, engine) == stepped, (row.name, engine)
        if row.numpy is None:
            with pytest.warns(CompileWarning, match="not vectorized"):
                assert _fitted(row, point, "numpy") == stepped
        else:
            params, loss = _fitted(row, point, "numpy")
            assert loss == pytest.approx(stepped[1], rel=1e-14)
            assert params == pytest.approx(stepped[0], rel=1e-14, abs=1e-300)
    # The numpy batch rule: every point at once, the kernel's numbers to rounding (numpy's
    # tanh and exp may differ from math's in the last bit).
    if row.numpy is not None:
        values, partials = _numpy_rule(row, np)
        for point, v, p in zip(row.points, values, partials):
            kvalue, klocal = row.kernel(list(point), *row.params)
            assert float(v) == pytest.approx(kvalue, rel=1e-14, abs=1e-300), row.name
            assert [float(x) for x in p] == pytest.approx(list(klocal), rel=1e-14, abs=1e-300)


@pytest.fixture(scope="module")
def np():  # type: ignore[no-untyped-def]
    import numpy

    return numpy


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_every_row_gives_its_kernels_numbers_in_every_interpreter(row, torch, np):  # type: ignore[no-untyped-def]
    check_row(row, torch, np)


def test_the_table_has_a_row_for_every_op_the_compiler_or_the_numpy_engine_handles():
    kernels = {row.kernel for row in ROWS}
    for kernel in (ops.add, ops.sub, ops.mul, ops.div, ops.pow_const, ops.power, ops.neg):
        assert kernel in kernels
    for kernel in (ops.exp, ops.log, ops.tanh, ops.sigmoid, ops.relu, ops.leaky_relu):
        assert kernel in kernels
    for kernel in (ops.sinh, ops.cosh, ops.sin, ops.cos, ops.sqrt, ops.abs_):
        assert kernel in kernels
    for kernel in (ops.squared_error, ops.sum_, ops.mean, ops.dot, ops.row_max, ops.exp_shift):
        assert kernel in kernels
    assert all(ops.row_of(row.kernel) is row for row in ROWS)
    assert all(row.javascript is not None for row in ROWS)  # the page's engine: test_page_engine


def test_tanh_derivative_is_written_once_in_the_row_that_the_compiler_and_a_dot_share():
    tanh = ops.TABLE["tanh"]
    assert tanh.python is ops.ACTIVATIONS["tanh"].python
    assert tanh.numpy is ops.ACTIVATIONS["tanh"].numpy
    source = (ROOT / "micrograd_covid" / "compile.py").read_text(encoding="utf-8")
    source += (ROOT / "micrograd_covid" / "vectorized.py").read_text(encoding="utf-8")
    assert "1.0 - " not in source


def test_no_interpreter_picks_an_op_by_comparing_kernels():
    for module in ("compile.py", "vectorized.py", "runners.py", "explain.py", "explore.py"):
        text = (ROOT / "micrograd_covid" / module).read_text(encoding="utf-8")
        assert not re.search(r"(kernel|activation) is (not )?ops\.", text), module
        assert not re.search(r"loss is (not )?(mse|sse)", text), module


def test_a_row_whose_compiled_partial_is_an_expression_keeps_it_per_row():
    """A partial written as an expression (1 − t², not a temporary) is computed in backward
    from the saved value, as one factor of local · upstream: the interpreter's numbers."""
    tanh = ops.TABLE["tanh"]
    rule = ops.PythonRule("{out} = tanh({x0})", ("1.0 - {out} * {out}",), checked=False)
    row = ops.OpRow("tanh2", _tanh2, tanh.torch, tanh.points, python=rule, numpy=tanh.numpy)
    with _added(row):
        taped = _replayed(row, (0.3,), compiled=False)
        value, grads, source = _replayed(row, (0.3,), compiled=True)
    assert (value, grads) == taped[:2]
    assert "v0 = tanh(" in source


def _tanh2(values: list[float]) -> tuple[float, tuple[float, ...]]:
    """tanh, as a second row."""
    return ops.tanh(values)


class _added:
    """Add `row` to the table for a `with` block, then take it out."""

    def __init__(self, row: ops.OpRow) -> None:
        self.row = row

    def __enter__(self) -> None:
        assert self.row.name not in ops.TABLE
        ops.TABLE[self.row.name] = self.row

    def __exit__(self, *exc: object) -> None:
        del ops.TABLE[self.row.name]


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Add your own op") :]
    section = section[: section.index("\n### ", 1)]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    return next(block for block in blocks if "ops.TABLE" in block)


def test_the_readmes_new_row_runs_in_every_interpreter_with_nothing_else_added(torch, np):  # type: ignore[no-untyped-def]
    code = _readme_example()
    names: dict[str, Any] = {"__name__": "readme_example"}
    before = dict(ops.TABLE)
    try:
        exec(compile(code, "README.md", "exec"), names)
        (new,) = [row for name, row in ops.TABLE.items() if name not in before]
        assert new.python is not None and new.numpy is not None
        check_row(new, torch, np)
        # What the example shows: the row written into the source, and x's gradient.
        assert "d0 = 1.0 + abs(p0); v0 = p0 / d0" in names["compiled"].source
        value, (slope,) = new.kernel([0.5])
        assert names["x"].grad == 2.0 * value * slope == 0.2962962962962963
    finally:
        ops.TABLE.clear()
        ops.TABLE.update(before)
