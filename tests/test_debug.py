"""Hooks, no_grad and anomaly mode, against PyTorch float64 and what the user sees."""

from __future__ import annotations

import gc
import math
import os
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from micrograd_covid import (
    MLP,
    SGD,
    Tape,
    Value,
    detect_anomaly,
    explain,
    fit,
    no_grad,
    render,
    set_detect_anomaly,
)
from micrograd_covid.compile import CompileWarning
from micrograd_covid.debug import MODES, is_anomaly_enabled, is_grad_enabled
from micrograd_covid.engine import topological_order
from micrograd_covid.explain import render_steps, step_sentence
from micrograd_covid.names import display_names

HERE = os.path.relpath(__file__)  # as an origin shows it


def here() -> int:
    """The line number of the caller's line."""
    return sys._getframe(1).f_lineno


@pytest.fixture(autouse=True)
def modes_off():  # type: ignore[no-untyped-def]
    yield
    leaked = (MODES.no_grad, MODES.anomaly)
    set_detect_anomaly(False)
    MODES.no_grad = False
    MODES.update()
    gc.collect()
    assert leaked == (False, False), "a test left a mode on"


# --- hooks against PyTorch -----------------------------------------------------------------

UNARY_OPS = ["tanh", "sigmoid", "relu", "square", "exp_tanh"]
BINARY_OPS = ["+", "-", "*"]


def random_program(rng: random.Random, n_leaves: int, n_ops: int) -> list[tuple[str, int, int]]:
    """A random graph as a list of (op, a, b) over node indices; nodes are used many times."""
    program = []
    for k in range(n_ops):
        n = n_leaves + k
        if rng.random() < 0.5:
            program.append((rng.choice(BINARY_OPS), rng.randrange(n), rng.randrange(n)))
        else:
            op = rng.choice(UNARY_OPS)
            program.append((op, rng.randrange(n), -1))
    return program


def run_program(program: list[tuple[str, int, int]], nodes: list[Any], torch_mod: Any) -> None:
    for op, a, b in program:
        x = nodes[a]
        if op == "+":
            nodes.append(x + nodes[b])
        elif op == "-":
            nodes.append(x - nodes[b])
        elif op == "*":
            nodes.append(x * nodes[b])
        elif op == "square":
            nodes.append(x * x)
        elif op == "exp_tanh":
            nodes.append(x.tanh().exp())
        elif torch_mod is None:
            nodes.append(getattr(x, op)())
        else:
            nodes.append(getattr(torch_mod, op)(x))


def make_hook(
    seen: dict[int, list[float]], k: int, replace: bool, to_float: Callable[[Any], float]
) -> Callable[[Any], Any]:
    def hook(grad: Any) -> Any:
        seen.setdefault(k, []).append(to_float(grad))
        return grad * 0.5 + 0.25 if replace else None

    return hook


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("seed", range(12))
def test_hooks_see_the_gradients_torch_hooks_see_and_leaf_gradients_match(torch, seed, replace):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    n_leaves = rng.randint(1, 4)
    program = random_program(rng, n_leaves, rng.randint(3, 14))
    data = [rng.uniform(-1.5, 1.5) for _ in range(n_leaves)]
    ours: list[Any] = [Value(x, f"x{i}") for i, x in enumerate(data)]
    theirs: list[Any] = [torch.tensor(x, requires_grad=True) for x in data]
    run_program(program, ours, None)
    run_program(program, theirs, torch)
    hooked = rng.sample(range(len(ours)), k=min(len(ours), rng.randint(1, 6)))
    seen_ours: dict[int, list[float]] = {}
    seen_theirs: dict[int, list[float]] = {}
    for k in hooked:
        ours[k].register_hook(make_hook(seen_ours, k, replace, float))
        if theirs[k].requires_grad:
            theirs[k].register_hook(make_hook(seen_theirs, k, replace, lambda g: g.item()))
    root, troot = ours[-1], theirs[-1]
    root.backward()
    troot.backward()
    assert seen_ours.keys() == seen_theirs.keys()
    for k, grads in seen_theirs.items():
        assert len(seen_ours[k]) == len(grads) == 1  # once, when the gradient is complete
        assert seen_ours[k][0] == pytest.approx(grads[0], rel=1e-12, abs=1e-14), k
    for leaf, tleaf in zip(ours[:n_leaves], theirs[:n_leaves]):
        expected = 0.0 if tleaf.grad is None else tleaf.grad.item()
        assert leaf.grad == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_several_hooks_on_a_node_run_in_registration_order_each_seeing_the_last_ones_answer():
    x = Value(3.0, "x")
    y = x * x
    calls: list[tuple[str, float]] = []
    y.register_hook(lambda g: calls.append(("first", g)) or g * 10)
    y.register_hook(lambda g: calls.append(("second", g)))
    y.register_hook(lambda g: calls.append(("third", g)) or g + 1)
    loss = y * 2.0
    loss.backward()
    assert calls == [("first", 2.0), ("second", 20.0), ("third", 20.0)]
    assert y.grad == 21.0  # the replaced gradient is what flows on, and what .grad holds
    assert x.grad == 21.0 * 6.0


def test_a_removed_hook_is_not_called_and_removing_twice_is_harmless():
    x = Value(2.0, "x")
    y = x.tanh()
    calls: list[float] = []
    handle = y.register_hook(calls.append)
    other = y.register_hook(lambda g: g * 3)
    y.backward()
    handle.remove()
    handle.remove()
    y.backward()
    assert calls == [1.0]
    other.remove()
    y.backward()
    assert y.grad == 1.0
    assert not MODES.watching  # no hook is left: backward takes the plain loop again


def test_a_hook_handle_as_a_context_manager_removes_its_hook_on_leaving():
    x = Value(2.0, "x")
    y = x * x
    with y.register_hook(lambda g: g * 10):
        y.backward()
        assert x.grad == 40.0
    y.backward()
    assert x.grad == 44.0


def test_a_leaf_hook_sees_this_backwards_gradient_and_its_answer_accumulates():
    w = Value(1.5, "w")
    w.grad = 100.0  # from an earlier backward
    seen: list[float] = []
    w.register_hook(lambda g: seen.append(g) or g * 2)
    loss = w * w + w  # dL/dw = 2w + 1 = 4
    loss.backward()
    assert seen == [4.0]
    assert w.grad == 108.0


def test_a_hook_on_a_leaf_root_sees_one():
    x = Value(5.0, "x")
    x.register_hook(lambda g: g * 3)
    x.backward()
    assert x.grad == 3.0


def test_a_hooked_node_is_freed_with_its_graph_and_the_handle_does_not_keep_it():
    x = Value(2.0, "x")
    y = x * 3.0
    freed: list[bool] = []
    y.freed = Freed(freed)  # a user attribute: goes when y goes
    handle = y.register_hook(lambda g: None)
    assert MODES.watching
    del y
    assert freed == [True]  # no reference cycle: freed by reference counting
    assert not MODES.watching  # its hook no longer counts
    handle.remove()  # its node is gone: nothing to do
    assert MODES.hooked == 0


class Freed:
    def __init__(self, log: list[bool]) -> None:
        self.log = log

    def __del__(self) -> None:
        self.log.append(True)


def test_copies_and_pickles_leave_hooks_and_origins_behind():
    import copy
    import pickle

    x = Value(2.0, "x")
    with detect_anomaly():
        y = x * 3.0
    y.m = 1.5
    y.register_hook(lambda g: g * 100)
    for twin in (copy.copy(y), copy.deepcopy(y), pickle.loads(pickle.dumps(y))):
        assert twin.origin is None and twin.m == 1.5
        twin.backward()
        assert twin.grad == 1.0
    assert y.origin is not None


def test_backward_steps_run_hooks_as_backward_does():
    def build() -> tuple[Value, Value, Value, Value]:
        a, b = Value(0.3, "a"), Value(-1.2, "b")
        c = a * b
        c.label = "c"
        d = c.tanh() + a
        return a, b, c, d

    results = []
    for use_steps in (False, True):
        a, b, c, d = build()
        seen: list[float] = []
        c.register_hook(lambda g, seen=seen: seen.append(g) or g - 0.5)
        a.register_hook(lambda g, seen=seen: seen.append(g))
        if use_steps:
            steps = list(d.backward_steps())
            step_c = next(s for s in steps if s.node is c)
            assert step_c.upstream == c.grad  # the step shows the hook's gradient
            assert len(steps) == 3
        else:
            d.backward()
        results.append((seen, a.grad, b.grad))
    assert results[0] == results[1]


def test_stopping_backward_steps_early_keeps_the_gradients_the_steps_describe():
    w = Value(0.5, "w")
    w.grad = 1.0
    w.register_hook(lambda g: None)
    loss = (w * 2.0).tanh() * 3.0
    steps = loss.backward_steps()
    first = next(steps)
    steps.close()
    assert first.node is loss
    assert w.grad == 1.0  # no step has reached w yet


def test_tape_runs_hooks_and_gives_the_graphs_gradients():
    x, w = Value(0.7, "x"), Value(-0.4, "w")
    y = (x * w).tanh()
    seen: list[float] = []
    y.register_hook(lambda g: seen.append(g) or g * 2)
    tape = Tape(y * y)
    tape.backward()
    graph = (x.grad, w.grad)
    x.grad = w.grad = 0.0
    tape.forward()
    tape.backward()
    assert (x.grad, w.grad) == graph
    assert len(seen) == 2 and seen[0] == seen[1]


def test_compiled_code_with_a_hook_warns_and_runs_the_interpreter_with_the_hook():
    x, w = Value(0.7, "x"), Value(-0.4, "w")
    y = (x * w).tanh()
    loss = y * y
    compiled = Tape(loss).compile()
    compiled.forward()
    seen: list[float] = []
    y.register_hook(lambda g: seen.append(g) or 0.0)
    with pytest.warns(CompileWarning, match=r"compiled backward: node \S+ has a hook; running"):
        compiled.backward()
    assert seen == [pytest.approx(2 * y.data)]
    assert (x.grad, w.grad) == (0.0, 0.0)  # the hook cut the gradient off


@pytest.mark.parametrize("engine", ["tape", "compiled", "numpy"])
def test_fit_runs_a_parameters_hook_on_tape_and_falls_back_to_graph_with_a_warning(engine):  # type: ignore[no-untyped-def]
    xs = [[0.1 * i, 0.05 * i - 0.3] for i in range(8)]
    ys = [0.2 * i - 0.5 for i in range(8)]
    results = []
    for name in ("graph", engine):
        model = MLP(2, [3, 1], seed=1)
        first = model.parameters()[0]
        seen: list[float] = []
        first.register_hook(lambda g, seen=seen: seen.append(g) or g * 0.5)
        opt = SGD(model.parameters(), lr=0.1)
        if name in ("graph", "tape"):  # Tape's backward runs hooks itself
            fit(model, xs, ys, optimizer=opt, epochs=2, batch_size=4, engine=name)
        else:
            with pytest.warns(CompileWarning, match=r"has a hook\); running engine=\"graph\""):
                fit(model, xs, ys, optimizer=opt, epochs=2, batch_size=4, engine=engine)
        results.append(([p.data for p in model.parameters()], seen))
    assert results[0] == results[1]
    assert len(results[0][1]) == 4  # one call per step


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_fits_fallback_warning_names_the_hooked_parameter_as_drawings_do(engine):  # type: ignore[no-untyped-def]
    model = MLP(2, [3, 1], seed=1)
    model.parameters()[0].register_hook(lambda g: None)
    with pytest.warns(CompileWarning) as caught:
        fit(model, [[0.1, 0.2], [0.3, -0.1]], [0.5, -0.5], epochs=1, engine=engine)
    (message,) = [str(w.message) for w in caught]
    assert "node L0.n0.w0 has a hook" in message and "layers." not in message


def test_a_hook_returning_a_non_number_raises_naming_the_node_and_changes_nothing():
    x = Value(2.0, "x")
    x.grad = 7.0
    with detect_anomaly():
        y, line = x.tanh(), here()
    loss = y * 3.0
    hook, hook_line = (lambda g: "big"), here()
    y.register_hook(hook)
    with pytest.raises(
        TypeError,
        match=rf"^t1 = tanh\(x\) at {HERE}:{line} in test_a_hook_returning\S*: its hook "
        rf"\(the lambda at {HERE}:{hook_line}\) returned str \('big'\)",
    ):
        loss.backward()
    assert x.grad == 7.0 and y.grad == 0.0 and loss.grad == 0.0


def test_a_hook_returning_nan_or_a_bool_is_refused():
    x = Value(2.0, "x")
    y = x * x
    handle = y.register_hook(lambda g: float("nan"))
    with pytest.raises(ValueError, match=r"returned nan .*finite number or None"):
        y.backward()
    handle.remove()
    y.register_hook(lambda g: True)
    with pytest.raises(TypeError, match="returned bool"):
        y.backward()
    assert x.grad == 0.0


def test_a_hook_that_raises_leaves_every_gradient_as_it_was():
    x = Value(2.0, "x")
    x.grad = 1.0
    y = x * x

    def broken(g: float) -> float:
        raise RuntimeError("oops")

    y.register_hook(broken)
    with pytest.raises(RuntimeError, match="oops") as info:
        (y + x).backward()
    assert x.grad == 1.0
    assert any("broken" in note for note in getattr(info.value, "__notes__", ["broken"]))


def test_register_hook_refuses_a_non_callable():
    with pytest.raises(TypeError, match="must be callable, got int"):
        Value(1.0).register_hook(3)  # type: ignore[arg-type]


# --- no_grad ---------------------------------------------------------------------------------


def test_ops_inside_no_grad_are_leaves_holding_the_value():
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    model = MLP(2, [4, 1], seed=0)
    expected = model([x, w]).data
    with no_grad():
        y = (x * w).tanh() + 1.0
        out = model([x, w])
        total = Value.sum([x, w, y])
    assert y.data == math.tanh(-6.0) + 1.0
    for node in (y, out, total):
        assert node.inputs == () and node.local_grads == () and node.kernel is None
        assert node.is_leaf and node.op == ""
    assert out.data == expected
    assert is_grad_enabled()


def test_no_grad_nests_and_restores_the_previous_state_on_exceptions():
    x = Value(2.0)
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
        with pytest.raises(ZeroDivisionError), no_grad():
            x / 0.0
        assert not is_grad_enabled()
        assert (x * x).inputs == ()
    assert is_grad_enabled()
    assert (x * x).inputs == (x, x)


def test_no_grad_works_as_a_decorator_and_refuses_a_generator_function():
    @no_grad()
    def predict(x: Value) -> Value:
        assert not is_grad_enabled()
        return x * 2.0

    x = Value(1.5)
    y = predict(x)
    assert y.data == 3.0 and y.inputs == ()
    assert is_grad_enabled()
    assert predict.__name__ == "predict"

    def rows() -> Any:
        yield Value(1.0) * 2

    with pytest.raises(TypeError, match=r"cannot decorate the generator or coroutine \S*rows\(\)"):
        no_grad()(rows)


def test_no_grad_and_detect_anomaly_decorate_without_parentheses_as_with_them():
    @no_grad
    def predict(x: Value) -> Value:
        assert not is_grad_enabled()
        return x * 2.0

    @detect_anomaly
    def build(x: Value) -> Value:
        assert is_anomaly_enabled()
        return x * 3.0

    x = Value(1.5)
    assert predict(x).inputs == () and predict.__name__ == "predict"
    made = build(x)
    assert made.inputs[0] is x and made.origin is not None and build.__name__ == "build"
    assert is_grad_enabled() and not is_anomaly_enabled()


def test_no_grad_given_something_other_than_a_function_says_what_it_got():
    with pytest.raises(TypeError, match=r"^no_grad\(\) decorates a function, got int$"):
        no_grad(3)  # type: ignore[call-overload]
    assert is_grad_enabled()


def test_fit_inside_no_grad_refuses_to_run_and_changes_nothing():
    model = MLP(2, [2, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with no_grad(), pytest.raises(RuntimeError, match=r"fit: called inside no_grad\(\)"):
        fit(model, [[0.1, 0.2]], [1.0], epochs=2)
    assert [p.data for p in model.parameters()] == before


def test_an_infinite_partial_under_no_grad_is_dropped_with_the_graph():
    with no_grad():
        y = Value(0.0).sqrt()
    y.backward()  # a leaf: nothing to refuse
    assert y.grad == 1.0


# --- anomaly mode ------------------------------------------------------------------------------


def test_origin_is_none_when_anomaly_mode_is_off_and_names_the_line_when_on():
    x = Value(4.0, "x")
    y = x * 2.0
    assert y.origin is None and x.origin is None
    with detect_anomaly():
        assert is_anomaly_enabled()
        z, line = x.sqrt(), here()
        leaf, leaf_line = Value(1.0), here()
    assert not is_anomaly_enabled()
    assert z.origin is not None
    assert z.origin.filename == __file__
    assert (z.origin.lineno, z.origin.function) == (
        line,
        "test_origin_is_none_when_anomaly_mode_is_off_and_names_the_line_when_on",
    )
    assert leaf.origin is not None and leaf.origin.lineno == leaf_line


def helper_that_takes_a_root(x: Value) -> tuple[Value, int]:
    return (x - 4.0).sqrt(), here()


def test_an_infinite_partial_made_in_a_helper_names_the_helpers_line():
    x = Value(4.0, "x")
    with detect_anomaly():
        y, line = helper_that_takes_a_root(x)
        loss = y * 3.0
    with pytest.raises(
        ValueError,
        match=rf"^t2 = sqrt\(x - 4\) at {HERE}:{line} in helper_that_takes_a_root: backward "
        r"through sqrt\(0\)",
    ):
        loss.backward()
    assert x.grad == 0.0


def test_an_op_in_a_comprehension_names_the_comprehensions_line():
    xs = [Value(float(i)) for i in range(3)]
    with detect_anomaly():
        roots, line = [x.sqrt() for x in xs], here()
    loss = Value.sum(roots)
    with pytest.raises(
        ValueError, match=rf"^t1 = sqrt\(0\) at {HERE}:{line} in \S+: backward through"
    ):
        loss.backward()
    assert all(r.origin is not None and r.origin.lineno == line for r in roots)


def test_a_node_made_through_nn_names_the_users_line_that_called_the_model():
    model = MLP(2, [3, 1], seed=0)
    with detect_anomaly():
        out, line = model([0.5, -0.25]), here()
    assert out.origin is not None and out.origin.filename == __file__
    assert out.origin.lineno == line
    hidden = next(node for node in out.inputs if node.inputs)  # a neuron of layer 0
    assert hidden.origin is not None and hidden.origin.lineno == line


def test_without_anomaly_mode_the_error_names_the_op_and_says_how_to_see_the_line():
    loss = Value(0.0).sqrt() * 2.0
    with pytest.raises(
        ValueError, match=r"^t1 = sqrt\(0\) \(run under detect_anomaly\(\) to see the line"
    ):
        loss.backward()


def test_a_graph_built_before_anomaly_mode_says_so_when_only_backward_runs_under_it():
    x = Value(0.0, "x")
    loss = x.sqrt() * 2.0
    with detect_anomaly(), pytest.raises(ValueError) as info:
        loss.backward()
    message = str(info.value)
    assert message.startswith(
        "t1 = sqrt(x) (made before anomaly mode was turned on: build the graph inside "
        "detect_anomaly() to see its line): backward through sqrt(0)"
    )
    assert "run under detect_anomaly()" not in message


def test_explain_and_tape_refuse_an_infinite_partial_naming_the_node_as_backward_does():
    x = Value(4.0, "x")
    loss = (Value(1.0, "c") * 2.0) + (x - 4.0).sqrt()
    with pytest.raises(ValueError) as by_backward:
        loss.backward()
    with pytest.raises(ValueError) as by_explain:
        explain(loss, x)
    with pytest.raises(ValueError) as by_tape:
        Tape(loss).backward()
    assert str(by_backward.value).startswith("t3 = sqrt(x - 4) (run under detect_anomaly()")
    assert str(by_explain.value) == str(by_backward.value) == str(by_tape.value)


def make_a_hook_that_returns_text() -> Callable[[float], Any]:
    return lambda g: "0.5"


def test_a_hook_error_writes_an_unlabelled_node_as_the_drawing_names_it_and_a_lambda_by_its_line():
    a, b = Value(2.0, "a"), Value(-0.25, "b")
    product = a * b
    loss = (product + 1.0).tanh()
    hook = make_a_hook_that_returns_text()
    line = hook.__code__.co_firstlineno
    product.register_hook(hook)
    with pytest.raises(TypeError) as info:
        loss.backward()
    message = str(info.value)
    assert message.startswith(
        "t1 = a * b (run under detect_anomaly() to see the line that made it): "
        f"its hook (the lambda at {HERE}:{line}) returned str ('0.5')"
    )
    assert "<lambda>" not in message and "a lambda)" not in message
    assert display_names(topological_order(loss))[product] == "t1"  # as a drawing names it


def test_anomaly_mode_refuses_a_gradient_that_overflows_naming_the_op_that_made_it():
    x = Value(1e-200, "x")
    x.grad = 5.0
    with detect_anomaly():
        z, line = x * 1e200, here()
        loss = z * 1e200
        with pytest.raises(
            ValueError,
            match=rf"^t1 = x \* 1e\+200 at {HERE}:{line} in \S+: backward made the gradient of "
            r"its input 0 \(x\) inf",
        ):
            loss.backward()
    assert x.grad == 5.0 and z.grad == 0.0  # nothing changed
    loss.backward()  # outside anomaly mode: as before, no check
    assert x.grad == float("inf")


def test_set_detect_anomaly_turns_it_on_until_turned_off_and_refuses_a_non_bool():
    set_detect_anomaly(True)
    assert (Value(1.0) * 2).origin is not None
    set_detect_anomaly(False)
    assert (Value(1.0) * 2).origin is None
    with pytest.raises(TypeError, match="flag must be True or False, got 1"):
        set_detect_anomaly(1)  # type: ignore[arg-type]


def test_detect_anomaly_restores_the_previous_state_on_an_exception():
    with pytest.raises(KeyError), detect_anomaly():
        raise KeyError("x")
    assert not is_anomaly_enabled()


def test_anomaly_mode_gives_the_same_gradients_as_the_plain_loop():
    model = MLP(3, [5, 5, 1], seed=4)
    xs = [0.3, -0.7, 1.1]
    loss = (model(xs) - 0.5) ** 2
    loss.backward()
    plain = [p.grad for p in model.parameters()]
    model.zero_grad()
    with detect_anomaly():
        loss = (model(xs) - 0.5) ** 2
        loss.backward()
    assert [p.grad for p in model.parameters()] == plain


def test_fit_in_anomaly_mode_with_the_compiled_engine_falls_back_with_a_warning():
    xs, ys = [[0.1, 0.2], [0.3, -0.1]], [0.5, -0.5]
    model = MLP(2, [2, 1], seed=0)
    with detect_anomaly(), pytest.warns(CompileWarning, match="anomaly mode is on"):
        fit(model, xs, ys, epochs=1, engine="compiled")


# --- where the learner sees the origin --------------------------------------------------------


def test_the_drawings_svg_tooltip_shows_where_the_node_was_made(tmp_path):  # type: ignore[no-untyped-def]
    x = Value(2.0, "x")
    with detect_anomaly():
        y, line = x.tanh(), here()
    y.label = "y"
    svg = ET.parse(render(y * 2.0, tmp_path / "g.svg")).getroot()
    titles = [
        a.get("{http://www.w3.org/1999/xlink}title", "")
        for a in svg.iter("{http://www.w3.org/2000/svg}a")
    ]
    made = [t.replace("\n", "") for t in titles if "made at" in t]  # long lines wrap
    assert len(made) == 1
    assert made[0].startswith("y:") and made[0].endswith(
        f"made at {HERE}:{line} in {sys._getframe().f_code.co_name}"
    )


def test_explain_and_step_sentences_show_where_nodes_were_made():
    w = Value(0.5, "w")
    with detect_anomaly():
        h, line = (w * 3.0).tanh(), here()
    h.label = "h"
    loss = h * h
    text = str(explain(loss, w))
    assert re.search(rf"\n  h made at {HERE}:{line} in test_explain_and_step", text)
    step = next(s for s in loss.backward_steps() if s.node is h)
    assert f"(h made at {HERE}:{line} in" in step_sentence(step, loss)
    plain = Value(0.5, "w")
    assert "made at" not in str(explain(plain * plain, plain))


def test_the_explore_page_carries_each_nodes_origin(tmp_path):  # type: ignore[no-untyped-def]
    w = Value(0.5, "w")
    with detect_anomaly():
        h, line = (w * 3.0).tanh(), here()
    (page,) = render_steps(h * h, tmp_path)
    assert f"{HERE}:{line} in test_the_explore_page_carries" in page.read_text(encoding="utf-8")


# --- the README's Debugging section, run ------------------------------------------------------

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Debugging") :].split("\n## ", 1)[0]
BLOCKS = re.findall(r"```(python|text)\n(.*?)```", SECTION, re.S)


def test_the_readme_debugging_section_has_three_scripts_each_with_its_output():
    assert [kind for kind, _ in BLOCKS] == ["python", "text"] * 3


@pytest.mark.parametrize("index", [0, 1], ids=["hooks", "no_grad"])
def test_the_readme_debugging_examples_print_what_the_readme_shows(index, capsys):  # type: ignore[no-untyped-def]
    code, shown = BLOCKS[2 * index][1], BLOCKS[2 * index + 1][1]
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out == shown


def test_the_readme_anomaly_script_fails_naming_its_own_line(tmp_path):  # type: ignore[no-untyped-def]
    code, shown = BLOCKS[4][1], BLOCKS[5][1]
    (tmp_path / "train.py").write_text(code, encoding="utf-8")
    root = str(Path(__file__).resolve().parent.parent)
    result = subprocess.run(
        [sys.executable, "train.py"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": root, "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    expected = shown.strip().splitlines()[-1].removesuffix(" ...")
    assert last.startswith(expected), last
    line = code.splitlines().index(next(t for t in code.splitlines() if ".sqrt()" in t)) + 1
    assert f"train.py:{line} in loss_fn" in expected


def test_the_explore_page_says_where_a_node_was_made_at_its_backward_step(tmp_path):  # type: ignore[no-untyped-def]
    from tests.test_explore import _chrome, _go, _text

    w = Value(0.5, "w")
    with detect_anomaly():
        h, line = (w * 3.0).tanh(), here()
    h.label = "h"
    (page,) = render_steps(h * h, tmp_path)
    driver = _chrome()
    try:
        driver.get(page.as_uri())
        nodes = driver.execute_script("return window.explorer.steps.map(s => s.node)")
        _go(driver, nodes.index("h"))
        assert f"h was made at {HERE}:{line} in test_the_explore_page_says" in _text(driver)
        _go(driver, nodes.index("L"))  # the loss was made outside anomaly mode
        assert "was made at" not in _text(driver)
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
    finally:
        driver.quit()
