"""The compiler: generated code gives the interpreter's numbers bit for bit, on random graphs
of every op, on every table row, and through `fit` for every setup the tutorials use."""

from __future__ import annotations

import ast
import gc
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micrograd_covid import (
    MLP,
    SGD,
    Adam,
    Layer,
    Module,
    Scaler,
    Tape,
    Value,
    daily_infections,
    fit,
    mse,
    ops,
    squared_error,
)
from micrograd_covid.compile import Compiled, CompileWarning
from micrograd_covid.engine import topological_order
from micrograd_covid.names import display_names

from .test_engine import programs, run_program

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("graph", "tape", "compiled")


def _interpreted_and_compiled(build, new_values):  # type: ignore[no-untyped-def]
    """Build the graph twice; run one on a Tape, the other compiled, on `new_values`."""
    results = []
    for compiled in (False, True):
        leaves, root = build()
        tape = Tape(root)
        runner = tape.compile() if compiled else tape
        for leaf, x in zip(leaves, new_values):
            leaf.data = x
        value = runner.forward()
        runner.backward()
        runner.backward()  # accumulates, as backward() does
        results.append((value, [leaf.grad for leaf in leaves]))
    return results


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=4),
    new_values=st.lists(st.floats(-2, 2, allow_nan=False), min_size=4, max_size=4),
    program=programs,
    activation=st.sampled_from([None, "tanh", "relu", "sigmoid"]),
    total=st.sampled_from([Value.sum, Value.mean]),
)
def test_compiled_code_is_bit_identical_to_the_interpreter_on_random_graphs(
    values, new_values, program, activation, total
):  # type: ignore[no-untyped-def]
    def build():  # type: ignore[no-untyped-def]
        leaves = [Value(x) for x in values]
        root = run_program(leaves, program, lambda w, x: Value.dot(w, x, 0.25, activation), total)
        return leaves, squared_error(root, 0.5)

    interpreted, compiled = _interpreted_and_compiled(build, new_values)
    assert compiled == interpreted


ROWS = [(name, row) for table in (ops.UNARY, ops.BINARY) for name, row in table.items()]


@pytest.mark.parametrize(("name", "row"), ROWS, ids=[r[0] for r in ROWS])
def test_every_table_row_compiles_to_the_interpreters_numbers(name, row):  # type: ignore[no-untyped-def]
    for point in row.points:

        def build(point=point):  # type: ignore[no-untyped-def]
            leaves = [Value(1.0 + 0.125 * k) for k in range(len(point))]
            node = Value.apply(name, row.kernel, leaves, *row.params)
            return leaves, (node * 3.0 + leaves[0]) ** 2

        interpreted, compiled = _interpreted_and_compiled(build, point)
        assert compiled == interpreted, name


def test_every_dot_layout_and_activation_compiles_bit_identically():
    for act in (None, *ops.ACTIVATIONS):
        for layout in range(4):

            def build(act=act, layout=layout):  # type: ignore[no-untyped-def]
                a, b, c = Value(0.4), Value(-1.5), Value(2.0)
                weights, inputs, bias = [
                    ([a, b], [1.0, 2.0], c),
                    ([1.0, 2.0], [a, b], None),
                    ([a, b], [b, c], 0.5),
                    ([a, 3.0], [a, c], c),
                ][layout]
                return [a, b, c], Value.dot(weights, inputs, bias, act) * a

            for new in ([0.3, 0.7, -0.2], [-2.0, 1.0, -0.5]):  # relu on and off
                interpreted, compiled = _interpreted_and_compiled(build, new)
                assert compiled == interpreted, (act, layout)


def _walkthrough():  # type: ignore[no-untyped-def]
    w1 = Value(-0.017, "w1", role="param")
    w2 = Value(-0.048, "w2", role="param")
    b = Value(0.0, "b", role="param")
    x1, x2, y = Value(4.0, "x1"), Value(1.0, "x2"), Value(2.0, "y")
    y_hat = Value.dot([w1, w2], [x1, x2], b)
    y_hat.label = "ŷ"
    loss = squared_error(y_hat, y)
    loss.label = "L"
    return (w1, w2, b, x1, x2, y), loss


def test_source_is_python_with_one_line_per_node_naming_it():
    model = MLP(2, [3, 2], activation="sigmoid", seed=1, fused=False)
    root = mse(model([0.5, -0.25]), [1.0, 0.0])  # type: ignore[arg-type]
    compiled = Tape(root).compile()
    source = compiled.source
    assert source is not None
    ast.parse(source)
    names = display_names(topological_order(root))
    forward = source[: source.index("def backward")]
    for node, name in names.items():
        assert name in source
        if node.inputs:
            assert sum(f"# {name} = " in line for line in forward.splitlines()) == 1
    _, loss = _walkthrough()
    source = Tape(loss).compile().source
    assert source is not None
    assert "v0 = 0.0 + p0 * p2 + p1 * p3 + p4  # ŷ = dot(w1, w2, x1, x2, b)" in source
    assert "gp0 += p2 * g0; gp1 += p3 * g0; gp2 += p0 * g0; gp3 += p1 * g0; gp4 += g0" in source


def test_compiled_walkthrough_gives_the_tutorials_gradients():
    (w1, w2, b, *_), loss = _walkthrough()
    compiled = Tape(loss).compile()
    assert compiled.forward() == 4.477456 == loss.data
    compiled.backward()
    assert (w1.grad, w2.grad, b.grad) == pytest.approx((-16.928, -4.232, -4.232))
    assert len(compiled) == 2


def test_feeding_a_value_or_a_nan_into_a_placeholder_raises_the_ops_error_naming_the_input():
    (_, _, _, x1, _, _), loss = _walkthrough()
    compiled = Tape(loss).compile()
    x1.data = Value(3.0)  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"dot: input 0 must be a number, got Value") as info:
        compiled.forward()
    assert "at node ŷ (op 'dot')" in info.value.__notes__[0]  # Tape's note
    x1.data = math.nan
    with pytest.raises(ValueError, match=r"dot: input 0 is nan, not a finite number"):
        compiled.forward()


def test_a_value_out_of_range_raises_the_ops_own_error():
    x = Value(2.0, "x")
    compiled = Tape((x * 1e150 * 1e150).tanh() + x.log()).compile()
    x.data = 0.5
    assert compiled.forward() == Tape((x * 1e150 * 1e150).tanh() + x.log()).forward()
    x.data = 1e10  # x · 1e150 · 1e150 overflows; tanh would hide the inf
    with pytest.raises(OverflowError, match=r"\*: result of .* is not finite"):
        compiled.forward()
    x.data = -1.0
    with pytest.raises(ValueError, match=r"log: operand must be > 0, got -1\.0"):
        compiled.forward()


def _twice(x: float) -> tuple[float, tuple[float, ...]]:
    return 2.0 * x, (2.0,)


def twice_kernel(values, *params):  # type: ignore[no-untyped-def]
    """An op the code generator has no rule for."""
    return _twice(values[0])


def test_an_op_without_a_code_generator_falls_back_to_the_interpreter_with_a_warning():
    x = Value(1.5, "x")
    root = Value.apply("twice", twice_kernel, (x * x,)) + x
    with pytest.warns(CompileWarning, match=r"op 'twice' .* has no code generator"):
        compiled = Tape(root).compile()
    assert compiled.source is None
    x.data = -0.5
    assert compiled.forward() == 2.0 * 0.25 - 0.5
    compiled.backward()
    assert x.grad == 2.0 * 2 * -0.5 + 1.0


class _Twice(Module):
    """A model with an op the generator does not know."""

    def __init__(self) -> None:
        self.w = Value(0.5, "w", role="param")

    def named_parameters(self):  # type: ignore[no-untyped-def]
        yield "w", self.w

    def __call__(self, x):  # type: ignore[no-untyped-def]
        return Value.apply("twice", twice_kernel, (Value.dot([self.w, self.w], x),))


def test_fit_compiled_falls_back_to_the_graph_engine_with_a_one_line_warning():
    xs, ys = daily_infections()
    histories = []
    for engine in ("graph", "compiled"):
        model = _Twice()
        if engine == "compiled":
            with pytest.warns(CompileWarning) as caught:
                histories.append(fit(model, xs, ys, lr=1e-4, epochs=3, engine=engine))
            assert len(caught) == 1 and "\n" not in str(caught[0].message)
            assert 'running engine="graph"' in str(caught[0].message)
        else:
            histories.append(fit(model, xs, ys, lr=1e-4, epochs=3, engine=engine))
    assert histories[0] == histories[1]


def _fit_every_engine(make_model, xs, ys, make_opt=None, **kwargs):  # type: ignore[no-untyped-def]
    """History and final parameters of the same fit on every engine."""
    results = []
    for engine in ENGINES:
        if engine == "tape" and kwargs.get("shuffle") and kwargs.get("batch_size") != 1:
            continue
        model = make_model()
        opt = make_opt(model) if make_opt is not None else None
        history = fit(model, xs, ys, optimizer=opt, engine=engine, **kwargs)
        results.append((history, [p.data for p in model.parameters()]))
    return results


@pytest.mark.parametrize("activation", list(ops.ACTIVATIONS))
@pytest.mark.parametrize("fused", [True, False])
def test_fit_is_bit_identical_on_every_engine_for_every_activation(activation, fused):  # type: ignore[no-untyped-def]
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8], [0.9, 0.1], [0.2, -0.7]]
    ys = [1.0, -1.0, 0.5, 0.2, -0.4]
    results = _fit_every_engine(
        lambda: MLP(2, [5, 4, 1], activation=activation, seed=3, fused=fused),
        xs,
        ys,
        lr=0.05,
        epochs=6,
        batch_size=2,
    )
    assert all(r == results[0] for r in results)


@pytest.mark.parametrize(
    "make_opt",
    [
        lambda m: SGD(m.parameters(), lr=0.02, momentum=0.9),
        lambda m: Adam(m.parameters(), lr=0.01),
    ],
    ids=["momentum", "adam"],
)
@pytest.mark.parametrize(("batch_size", "shuffle"), [(None, False), (1, True), (3, True)])
def test_fit_with_momentum_and_adam_is_bit_identical_on_every_engine(make_opt, batch_size, shuffle):  # type: ignore[no-untyped-def]
    xs, ys = daily_infections()
    xs_s, ys_s = Scaler().fit_transform(xs), Scaler().fit_transform(ys)
    results = _fit_every_engine(
        lambda: MLP(2, [4, 2], activation="relu", seed=7),
        xs_s,
        [[y, -y] for y in ys_s],
        make_opt,
        epochs=8,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=2,
        loss="sse",
    )
    assert len(results) >= 2 and all(r == results[0] for r in results)


class _Line(Module):
    """The walkthrough's model: ŷ = w1·x1 + w2·x2 + b."""

    def __init__(self) -> None:
        self.w1 = Value(-0.017, "w1", role="param")
        self.w2 = Value(-0.048, "w2", role="param")
        self.b = Value(0.0, "b", role="param")

    def named_parameters(self):  # type: ignore[no-untyped-def]
        yield from (("w1", self.w1), ("w2", self.w2), ("b", self.b))

    def __call__(self, x):  # type: ignore[no-untyped-def]
        return Value.dot([self.w1, self.w2], x, self.b)


TUTORIAL_SETUPS = {
    # generalized: two weights [1.0, 0.5], no bias, one update per example
    "generalized": (
        lambda: MLP.from_weights([[[1.0, 0.5]]], None, output_activation="linear"),
        dict(lr=0.0001, epochs=20, batch_size=1),
    ),
    # vectorized: the same as one full batch
    "vectorized": (
        lambda: MLP.from_weights([[[1.0, 0.5]]], None, output_activation="linear"),
        dict(lr=0.0004, epochs=20, batch_size=None),
    ),
    # deep: 2-4-1 tanh without biases, U[0, 1) weights
    "deep": (
        lambda: MLP(2, [4, 1], "tanh", "linear", bias=False, init="uniform01", seed=0),
        dict(lr=0.02, epochs=20),
    ),
    # the walkthrough's regression with batch size 1
    "regression": (_Line, dict(lr=0.01, epochs=20, batch_size=1)),
}


@pytest.mark.parametrize("name", list(TUTORIAL_SETUPS))
def test_fit_of_every_tutorial_setup_is_bit_identical_on_every_engine(name):  # type: ignore[no-untyped-def]
    make_model, kwargs = TUTORIAL_SETUPS[name]
    xs, ys = daily_infections()
    if name == "regression":
        from micrograd_covid import regression_rows

        rows = regression_rows()
        xs, ys = [[x1, x2] for x1, x2, _ in rows], [y for _, _, y in rows]
    results = _fit_every_engine(make_model, xs, ys, **kwargs)
    assert all(r == results[0] for r in results)
    assert results[0][0].epoch_loss[-1] < results[0][0].epoch_loss[0]


def test_a_network_with_more_locals_than_one_byte_numbers_names_its_loop_first():
    # 2-12-12-1 has 181 parameters: the generated functions have over 256 locals, so the
    # loop's variables are named first; the numbers stay the interpreter's, bit for bit.
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8], [0.9, 0.1], [0.2, -0.7]]
    ys = [1.0, -1.0, 0.5, 0.2, -0.4]
    for activation in ("relu", "tanh"):
        results = _fit_every_engine(
            lambda a=activation: MLP(2, [12, 12, 1], activation=a, seed=5),
            xs,
            ys,
            lr=0.02,
            epochs=4,
            batch_size=2,
        )
        assert all(r == results[0] for r in results)
    big = MLP(2, [12, 12, 1], activation="relu", seed=5)
    loss = squared_error(big([Value(0.5), Value(-1.0)]), 1.0)
    source = Tape(loss).compile().source
    assert source is not None
    forward, backward = source.split("def backward")
    assert "the loop's variables, most used first" in forward
    assert "the loop's variables, most used first" in backward
    # The small walkthrough graph reads as it is.
    small = MLP(2, [4, 1], seed=0)
    small_source = Tape(squared_error(small([Value(0.5), Value(-1.0)]), 1.0)).compile().source
    assert small_source is not None and "most used first" not in small_source


def test_fit_compiled_divergence_raises_like_the_graph_engine():
    xs, ys = daily_infections()
    errors = []
    for engine in ("graph", "compiled"):
        model = MLP(2, [4, 1], activation="relu", seed=0)
        with pytest.raises(Exception) as info:
            fit(model, xs, [y * 1e150 for y in ys], lr=1e3, epochs=50, engine=engine)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]


def test_fit_compiled_names_a_nan_in_the_data():
    with pytest.raises(ValueError, match=r"fit: xs: row 1, column 0 must be a finite number"):
        fit(MLP(2, [1], seed=0), [[1.0, 2.0], [math.nan, 1.0]], [1.0, 2.0], engine="compiled")


def test_fit_rejects_an_unknown_engine():
    with pytest.raises(ValueError, match="unknown engine 'fast'; choose one of graph, tape"):
        fit(MLP(2, [1], seed=0), [[1.0, 2.0]], [1.0], engine="fast")


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("engine", ENGINES)
def test_fit_pauses_the_gc_and_restores_the_callers_state_also_on_errors(enabled, engine):  # type: ignore[no-untyped-def]
    seen = []
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        fit(
            MLP(2, [2, 1], seed=0),
            [[1.0, 2.0], [0.5, 0.1]],
            [1.0, 0.0],
            epochs=2,
            engine=engine,
            callback=lambda *_: seen.append(gc.isenabled()),
        )
        assert seen == [False, False] and gc.isenabled() == enabled

        def stop(*_):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            fit(MLP(2, [1], seed=0), [[1.0, 2.0]], [1.0], epochs=2, engine=engine, callback=stop)
        assert gc.isenabled() == enabled
    finally:
        gc.enable() if was else gc.disable()


def test_a_pdb_session_stops_inside_the_generated_code(tmp_path):  # type: ignore[no-untyped-def]
    script = tmp_path / "debug_compiled.py"
    script.write_text(
        "from micrograd_covid import Tape, Value, squared_error\n"
        "w, x = Value(0.5, 'w'), Value(2.0, 'x')\n"
        "compiled = Tape(squared_error(w * x, 3.0)).compile()\n"
        "breakpoint()\n"
        "compiled.forward()\n"
    )
    # One command puts a breakpoint on the generated forward's first line.
    commands = "b compiled.program.forward\nc\n" + "n\n" * 8 + "p v0\nq\n"
    result = subprocess.run(
        [sys.executable, "-m", "pdb", str(script)],
        input="c\n" + commands,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONBREAKPOINT": "pdb.set_trace", "PYTHONIOENCODING": "utf-8"},
        cwd=ROOT,
    )
    out = result.stdout
    assert "> <micrograd_covid compiled" in out
    assert "-> v0 = p0 * p1  # t1 = w * x" in out
    assert "(Pdb) 1.0" in out


def test_compiled_is_the_tape_contract():
    (w1, *_), loss = _walkthrough()
    compiled = Tape(loss).compile()
    assert isinstance(compiled, Compiled) and compiled.root is loss
    compiled.backward()  # before any forward: runs forward first
    assert w1.grad == pytest.approx(-16.928)
    leaf = Value(3.0)
    trivial = Tape(leaf).compile()
    assert trivial.forward() == 3.0 and trivial.source is None
    trivial.backward()
    assert leaf.grad == 1.0


def test_code_is_reused_for_a_graph_of_the_same_shape_and_bound_to_its_own_leaves():
    from micrograd_covid.compile import clear_cache

    def graph(w: float, b: float, label: str = "w"):  # type: ignore[no-untyped-def]
        leaf = Value(w, label)
        return leaf, Value.dot([leaf], [2.0], b) * leaf

    clear_cache()
    w1, root1 = graph(0.5, 1.0)
    w2, root2 = graph(-3.0, 1.0)
    first, second = Tape(root1).compile(), Tape(root2).compile()
    assert first.program is not None and second.program is not None
    assert second.source == first.source and second.program.filename == first.program.filename
    # The same code, run on each graph's own leaf: each gets its own value and gradient.
    assert second.forward() == (0.0 + -3.0 * 2.0 + 1.0) * -3.0 and first.forward() == 1.0
    second.backward()
    assert (w2.grad, w1.grad) == (2.0 * -3.0 + (0.0 + -3.0 * 2.0 + 1.0), 0.0)
    # What the source shows (a label, a constant, even -0.0 against 0.0) makes new code.
    for other in (graph(0.5, 1.0, "v")[1], graph(0.5, 2.0)[1], graph(0.5, 0.0)[1]):
        compiled = Tape(other).compile()
        assert compiled.source != first.source
    zero, negative_zero = Tape(graph(0.5, 0.0)[1]).compile(), Tape(graph(0.5, -0.0)[1]).compile()
    assert zero.source is not None and negative_zero.source is not None
    assert "-0.0" in negative_zero.source and "-0.0" not in zero.source


def test_the_fed_rows_of_a_plain_float_table_are_the_row_by_row_checks_rows():
    from micrograd_covid.runners import _sample

    model = MLP(2, [3, 2], seed=0)
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8]]
    ys = [[1.0, -1.0], [0.5, 0.2], [-0.4, 2.0]]
    fast = _sample(model, xs, ys, mse)[3]  # lists of floats: checked in a few passes
    mixed = _sample(model, [(0.5, -1), *xs[1:]], [(1, -1.0), *ys[1:]], mse)[3]  # row by row
    assert fast == mixed == [(*x, *y) for x, y in zip(xs, ys)]
    assert all(type(v) is float for row in mixed for v in row)
    for bad_xs, bad_ys, message in [
        ([[0.5, -1.0], [1.5, math.inf], [0.0, 0.0]], ys, r"xs\[1\]\[1\] is inf"),
        (xs, [[1.0, -1.0], [0.5], [0.0, 0.0]], "target 1 has 1 values, the model 2 outputs"),
        ([[0.5, -1.0], [1.5], [0.0, 0.0]], ys, r"xs\[1\] has 1 values, xs\[0\] has 2"),
    ]:
        with pytest.raises(ValueError, match=message):
            _sample(model, bad_xs, bad_ys, mse)


def _fit_twice(engine: str, change=None):  # type: ignore[no-untyped-def]
    """A second fresh model of the same structure, after a first was compiled."""
    from micrograd_covid import fit
    from micrograd_covid.compile import clear_cache

    clear_cache()
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
    ys = [1.0, -0.5, 0.25]
    first = MLP(2, [3, 1], activation="tanh", seed=1)
    fit(first, xs, ys, lr=0.05, epochs=3, engine="compiled")
    model = MLP(2, [3, 1], activation="tanh", seed=2)
    if change is not None:
        change(model)
    history = fit(model, xs, ys, lr=0.05, epochs=4, engine=engine)
    return (
        history.step_loss,
        [p.data for p in model.parameters()],
        [p.grad for p in model.parameters()],
    )


@pytest.mark.parametrize(
    "change",
    [
        None,
        lambda m: setattr(m.layers[0].neurons[1], "b", None),
        lambda m: setattr(m.layers[1].neurons[0], "fused", False),
        lambda m: setattr(m.layers[0].neurons[2].w[0], "label", "renamed"),
    ],
    ids=["same structure", "a bias removed", "unfused", "a relabelled weight"],
)
def test_a_model_of_a_compiled_structure_reuses_the_code_and_matches_the_graph_engine(change):  # type: ignore[no-untyped-def]
    assert _fit_twice("compiled", change) == _fit_twice("graph", change)


def test_a_model_of_a_compiled_structure_gets_the_code_without_a_sample_graph(monkeypatch):  # type: ignore[no-untyped-def]
    from micrograd_covid import fit, runners

    _fit_twice("compiled")  # leaves the structure compiled
    built = []
    monkeypatch.setattr(runners, "_sample", lambda *a: built.append(a) or pytest.fail("built"))
    model = MLP(2, [3, 1], activation="tanh", seed=3)
    fit(model, [[0.5, -1.0]], [1.0], epochs=1, engine="compiled")
    assert built == []
    changed = MLP(2, [3, 1], activation="tanh", seed=3)
    changed.layers[0].neurons[0].b = None
    with pytest.raises(pytest.fail.Exception):
        fit(changed, [[0.5, -1.0]], [1.0], epochs=1, engine="compiled")


def test_a_kept_structure_is_not_used_for_another_loss():
    """After an sse fit compiled a structure, a hinge fit of that structure must not run the
    sse code: it falls back to the graph engine, with the graph engine's numbers."""
    import warnings

    from micrograd_covid import fit
    from micrograd_covid.compile import CompileWarning, clear_cache

    clear_cache()
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
    ys = [1.0, -1.0, 1.0]
    fit(MLP(2, [3, 1], seed=1), xs, ys, loss="sse", epochs=2, engine="compiled")
    results = []
    for engine in ("compiled", "graph"):
        model = MLP(2, [3, 1], seed=2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = fit(model, xs, ys, loss="hinge", epochs=3, engine=engine)
        results.append((history.step_loss, [p.data for p in model.parameters()]))
        if engine == "compiled":
            assert any(issubclass(w.category, CompileWarning) for w in caught)
    assert results[0] == results[1]


def test_a_tied_weight_is_not_given_the_code_of_an_untied_structure():
    """Labels alike, but one weight shared by two neurons: one leaf, whose gradient is the
    sum of both uses, as the graph engine computes it."""
    from micrograd_covid import fit
    from micrograd_covid.compile import clear_cache

    clear_cache()
    xs = [[0.5, -1.0], [1.5, 0.25]]
    ys = [1.0, -0.5]

    def model(tied: bool) -> MLP:
        m = MLP(2, [2, 1], seed=4)
        if tied:
            m.layers[0].neurons[1].w[0] = m.layers[0].neurons[0].w[0]
        for p in m.parameters():
            p.label = "w"
        return m

    fit(model(False), xs, ys, epochs=1, engine="compiled")  # keeps the untied structure
    results = []
    for engine in ("compiled", "graph"):
        m = model(True)
        history = fit(m, xs, ys, lr=0.1, epochs=3, engine=engine)
        results.append((history.step_loss, [p.data for p in m.parameters()]))
    assert results[0] == results[1]


_XS = [[0.5, -1.0], [1.5, 0.25], [-0.7, 2.0], [0.1, 0.1]]
_YS = [[1.0], [-1.0], [0.5], [0.0]]


def _both_engines(make, epochs: int = 2):  # type: ignore[no-untyped-def]
    """compiled (after a plain model of the same sizes was compiled) and graph, on copies."""
    import copy
    import warnings

    from micrograd_covid import fit
    from micrograd_covid.compile import clear_cache

    clear_cache()
    fit(MLP(2, [3, 1], seed=1), _XS, _YS, engine="compiled")  # a structure to find
    model = make()
    other = copy.deepcopy(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = fit(model, _XS, _YS, lr=0.05, epochs=epochs, engine="compiled")
    b = fit(other, _XS, _YS, lr=0.05, epochs=epochs, engine="graph")
    return (a.step_loss, [p.data for p in model.parameters()]), (
        b.step_loss,
        [p.data for p in other.parameters()],
    )


class _Gated(Layer):
    """A Layer subclass whose graph depends on its own state."""

    def __call__(self, x):  # type: ignore[no-untyped-def,override]
        out = super().__call__(x)
        return out if self.on else [o.tanh() for o in out]


def _gated() -> MLP:
    m = MLP(2, [3, 1], seed=1)
    gated = _Gated.__new__(_Gated)
    gated.neurons, gated.on = m.layers[0].neurons, False  # type: ignore[attr-defined]
    m.layers[0] = gated
    return m


class _Double(Module):
    def __call__(self, x):  # type: ignore[no-untyped-def,override]
        return [v * 2.0 for v in x]


def _with_double() -> MLP:
    m = MLP(2, [3, 1], seed=1)
    m.layers.insert(1, _Double())  # type: ignore[arg-type]
    return m


def _odd_label() -> MLP:
    m = MLP(2, [3, 1], seed=1)
    m.parameters()[0].label = ["w"]  # type: ignore[assignment]
    return m


def _computed_weight() -> MLP:
    m = MLP(2, [3, 1], seed=1)
    m.layers[0].neurons[0].w[0] = Value(0.4) * 2.0
    return m


@pytest.mark.parametrize(
    "make",
    [_gated, _with_double, _odd_label, _computed_weight],
    ids=[
        "a Layer subclass",
        "another module among the layers",
        "a list label",
        "a computed weight",
    ],
)
def test_models_the_structure_cannot_describe_match_the_graph_engine(make):  # type: ignore[no-untyped-def]
    compiled, graph = _both_engines(make)
    assert compiled == graph


def test_a_neuron_with_the_wrong_number_of_weights_is_named():
    m = MLP(2, [3, 1], seed=1)
    neuron = m.layers[0].neurons[1]
    neuron.w = neuron.w[:1]
    with pytest.raises(ValueError, match="Layer: neuron 1 has 1 weights for 2 inputs"):
        m([0.5, -1.0])
