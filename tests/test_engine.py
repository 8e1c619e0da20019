from __future__ import annotations

import copy
import gc
import math
import pickle
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micrograd_covid import MLP, Tape, Value, gradcheck, ops, squared_error, topological_order
from micrograd_covid.engine import BackwardStep

# (name, engine function of one Value, torch function, points where it is checked): the
# ops with a number operand; every row of the op tables is checked in test_ops.py.
UNARY = [
    ("pow2", lambda v: v**2, lambda t: t**2, [-1.5, 0.5, 3.0]),
    ("pow-1", lambda v: v**-1, lambda t: t**-1, [-2.0, 0.5, 3.0]),
    ("pow0.5", lambda v: v**0.5, lambda t: t**0.5, [0.25, 1.0, 9.0]),
    ("rsub", lambda v: 3 - v, lambda t: 3 - t, [0.5, 2.0]),
    ("rdiv", lambda v: 2 / v, lambda t: 2 / t, [0.5, -2.0]),
    ("rpow", lambda v: 2**v, lambda t: 2**t, [-1.0, 0.5, 3.0]),
    ("radd", lambda v: 1.5 + v, lambda t: 1.5 + t, [0.5]),
    ("rmul", lambda v: 4 * v, lambda t: 4 * t, [0.5]),
]

BINARY = [
    ("+", lambda a, b: a + b, [(1.5, -2.0), (0.0, 3.0)]),
    ("-", lambda a, b: a - b, [(1.5, -2.0), (0.0, 3.0)]),
    ("*", lambda a, b: a * b, [(1.5, -2.0), (0.25, 3.0)]),
    ("/", lambda a, b: a / b, [(1.5, -2.0), (0.25, 3.0)]),
    ("**", lambda a, b: a**b, [(1.5, -2.0), (0.25, 3.0), (2.0, 0.5)]),
]


def numeric(f, x: float, eps: float = 1e-6) -> float:  # type: ignore[no-untyped-def]
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.mark.parametrize(("name", "f", "tf", "points"), UNARY, ids=[u[0] for u in UNARY])
def test_unary_op_value_and_partial_match_central_differences_and_torch(name, f, tf, points, torch):  # type: ignore[no-untyped-def]
    for x in points:
        v = Value(x)
        out = f(v)
        out.backward()
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        tout = tf(t)
        tout.backward()
        assert out.data == pytest.approx(tout.item(), rel=1e-12, abs=1e-15)
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-15)
        if name != "relu" or abs(x) > 1e-3:
            assert v.grad == pytest.approx(numeric(lambda z: f(Value(z)).data, x), rel=1e-6)


@pytest.mark.parametrize(("name", "f", "points"), BINARY, ids=[b[0] for b in BINARY])
def test_binary_op_both_partials_match_central_differences_and_torch(name, f, points, torch):  # type: ignore[no-untyped-def]
    for x, y in points:
        a, b = Value(x), Value(y)
        out = f(a, b)
        assert out.op == name
        assert out.inputs == (a, b)
        out.backward()
        ta = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        tb = torch.tensor(y, dtype=torch.float64, requires_grad=True)
        f(ta, tb).backward()
        assert out.data == pytest.approx(f(x, y), rel=1e-14)
        assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12, abs=1e-15)
        assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12, abs=1e-15)
        assert a.grad == pytest.approx(numeric(lambda z, b=b: f(Value(z), b).data, x), rel=1e-6)
        assert b.grad == pytest.approx(numeric(lambda z, a=a: f(a, Value(z)).data, y), rel=1e-6)
        assert out.local_grads == (a.grad, b.grad)


def test_binary_ops_accept_numbers_on_either_side():
    a = Value(2.0)
    for out, expected in [
        (a + 1, 3.0),
        (1 + a, 3.0),
        (a - 1, 1.0),
        (1 - a, -1.0),
        (a * 3, 6.0),
        (3 * a, 6.0),
        (a / 4, 0.5),
        (4 / a, 2.0),
        (a**3, 8.0),
        (3**a, 9.0),
        (a + 1.5, 3.5),
    ]:
        assert isinstance(out, Value)
        assert out.data == expected


def test_sum_is_one_node_with_n_inputs_and_unit_partials():
    xs = [Value(float(i)) for i in range(5)]
    s = Value.sum([*xs, 2])
    assert s.op == "sum" and len(s.inputs) == 6 and s.data == 12.0
    assert s.local_grads == (1.0,) * 6
    s.backward()
    assert [x.grad for x in xs] == [1.0] * 5


def test_mean_is_one_node_with_partials_one_over_n():
    xs = [Value(1.0), Value(2.0), Value(6.0)]
    m = Value.mean(xs)
    assert m.data == 3.0 and m.local_grads == (1 / 3,) * 3


def test_dot_is_one_node_wired_to_weights_inputs_and_bias_like_the_walkthrough():
    w1, w2, b = Value(-0.017, "w1"), Value(-0.048, "w2"), Value(0.0, "b")
    x1, x2 = Value(4.0, "x1"), Value(1.0, "x2")
    y_hat = Value.dot([w1, w2], [x1, x2], b)
    assert y_hat.inputs == (w1, w2, x1, x2, b)
    assert y_hat.local_grads == (4.0, 1.0, -0.017, -0.048, 1.0)
    assert y_hat.data == pytest.approx(-0.116, abs=1e-15)


def test_dot_with_number_inputs_wires_only_the_values():
    w = [Value(1.0), Value(0.5)]
    out = Value.dot(w, [2.0, 1], 0.25)
    assert out.inputs == tuple(w) and out.local_grads == (2.0, 1.0)
    assert out.data == 2.75


def test_dot_with_a_list_mixing_numbers_and_values_makes_leaves_of_the_numbers():
    x = Value(2.0, "x")
    out = Value.dot([1.5, Value(0.5, "w")], [x, 4.0])
    assert [n.data for n in out.inputs] == [1.5, 0.5, 2.0, 4.0]
    assert out.data == 1.5 * 2.0 + 0.5 * 4.0 and out.local_grads == (2.0, 4.0, 1.5, 0.5)
    with pytest.raises(TypeError, match="dot: input 1 must be a Value or a number, got str"):
        Value.dot([1.0, 2.0], [x, "3"])  # type: ignore[list-item]


def test_dot_matches_torch(torch):  # type: ignore[no-untyped-def]
    ws, xs = [0.3, -1.2, 2.0], [1.5, 0.5, -0.25]
    vw, vx, vb = [Value(w) for w in ws], [Value(x) for x in xs], Value(0.7)
    out = Value.dot(vw, vx, vb).tanh()
    out.backward()
    tw = torch.tensor(ws, requires_grad=True)
    tx = torch.tensor(xs, requires_grad=True)
    tb = torch.tensor(0.7, requires_grad=True)
    tout = (tw.dot(tx) + tb).tanh()
    tout.backward()
    assert out.data == pytest.approx(tout.item(), rel=1e-14)
    assert [v.grad for v in vw] == pytest.approx(tw.grad.tolist(), rel=1e-12)
    assert [v.grad for v in vx] == pytest.approx(tx.grad.tolist(), rel=1e-12)
    assert vb.grad == pytest.approx(tb.grad.item(), rel=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_dot_with_an_activation_is_one_node_matching_torch(activation, torch):  # type: ignore[no-untyped-def]
    ws, xs = [0.3, -1.2, 2.0], [1.5, 0.5, -0.25]
    vw, vx, vb = [Value(w) for w in ws], [Value(x) for x in xs], Value(0.7)
    out = Value.dot(vw, vx, vb, activation=activation)
    assert out.op == f"{activation}(dot)" and len(out.inputs) == 7
    out.backward()
    tw = torch.tensor(ws, requires_grad=True)
    tx = torch.tensor(xs, requires_grad=True)
    tb = torch.tensor(0.7, requires_grad=True)
    tout = getattr(torch, activation)(tw.dot(tx) + tb)
    tout.backward()
    assert out.data == pytest.approx(tout.item(), rel=1e-14)
    assert [v.grad for v in vw] == pytest.approx(tw.grad.tolist(), rel=1e-12)
    assert [v.grad for v in vx] == pytest.approx(tx.grad.tolist(), rel=1e-12)
    assert vb.grad == pytest.approx(tb.grad.item(), rel=1e-12)
    with pytest.raises(ValueError, match="dot: unknown activation 'gelu'"):
        Value.dot(vw, vx, vb, activation="gelu")


def test_shared_subexpression_sums_contributions_like_pytorch(torch):  # type: ignore[no-untyped-def]
    a = Value(3.0)
    b = a + a
    c = b * b
    c.backward()
    ta = torch.tensor(3.0, requires_grad=True)
    tb = ta + ta
    (tb * tb).backward()
    assert a.grad == ta.grad.item() == 24.0
    assert b.grad == 12.0


def test_backward_accumulates_into_leaves_and_recomputes_intermediates_like_pytorch():
    a = Value(2.0)
    b = a * a
    c = b * 3
    c.backward()
    c.backward()
    assert a.grad == 24.0  # 12 + 12: leaves accumulate
    assert b.grad == 3.0  # intermediates are recomputed, never doubled
    assert c.grad == 1.0


def test_backward_on_a_leaf_accumulates_one():
    a = Value(5.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_comparisons_use_data_and_equality_stays_identity():
    a, b = Value(1.0), Value(1.0)
    assert a < 2 and a <= b and b >= a and not a > b and Value(3) > a
    assert a != b and a == a
    assert len({a, b}) == 2
    assert float(Value(2.5)) == 2.5


def test_repr_reads_like_a_debugger_pane():
    b = Value(0.2116, "b")
    b.grad = -4.232
    assert repr(b) == "Value(data=0.2116, grad=-4.232, label='b', op='')"


def test_gradients_are_floats_from_the_start():
    a = Value(3)
    assert isinstance(a.data, float) and isinstance(a.grad, float)
    (a * 2).backward()
    assert isinstance(a.grad, float)


def test_engine_fields_are_slots_and_user_attributes_go_in_a_lazy_dict():
    import gc

    for name in ("data", "grad", "inputs", "local_grads", "kernel", "params", "label"):
        assert name in Value.__slots__
    p = Value(1.0)
    assert not any(type(r) is dict for r in gc.get_referents(p))  # no dict until used
    p.m = 0.0  # type: ignore[attr-defined]
    p.v = [1.0]  # type: ignore[attr-defined]
    assert (p.m, p.v, p.__dict__) == (0.0, [1.0], {"m": 0.0, "v": [1.0]})  # type: ignore[attr-defined]
    assert "data" not in p.__dict__


# --- depth, memory ------------------------------------------------------------------------


def test_a_million_node_chain_runs_forward_and_backward():
    x = Value(0.5)
    node = x
    for _ in range(1_000_000):
        node = node + 1
    node.backward()
    assert node.data == 1_000_000.5
    assert x.grad == 1.0


def test_sum_of_a_thousand_squared_errors_has_no_recursion_limit():
    xs = [Value(float(i)) for i in range(1000)]
    total = Value(0.0)
    for x in xs:
        total = total + (x - 1) ** 2
    total.backward()
    assert xs[3].grad == 4.0


def test_a_dropped_training_graph_is_freed_without_the_cyclic_gc():
    from micrograd_covid import MLP, mse

    gc.collect()
    gc.disable()
    try:
        model = MLP(2, [8, 8, 1], seed=1)
        preds = [model([0.1 * i, -0.2 * i]) for i in range(20)]
        loss = mse(preds, [0.0] * 20)  # type: ignore[arg-type]
        loss.backward()
        del preds, loss
        assert gc.collect() == 0
    finally:
        gc.enable()


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["3", None, [1], 1 + 2j])
def test_value_rejects_non_numbers_naming_the_type(bad):  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_value_rejects_an_unknown_role_and_a_non_string_label():
    with pytest.raises(
        ValueError, match="role must be one of input, param, model, loss or None, got 'weight'"
    ):
        Value(1.0, role="weight")
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Value(1.0, label=3)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_value_rejects_non_finite_data(bad):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="finite"):
        Value(bad)


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: Value(0.0).log(), ValueError, r"log: operand must be > 0, got 0\.0"),
        (lambda: Value(-1.0).log(), ValueError, r"log.*-1\.0"),
        (lambda: Value(-8.0) ** 0.5, ValueError, r"\*\*: negative base.*-8.*0\.5"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"\*\*: 0 to a negative power"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"/: division by zero \(1 / 0\)"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, r"/: division by zero"),
        (lambda: Value(1000.0).exp(), OverflowError, r"exp: overflow for operand 1000\.0"),
        (lambda: Value(-2.0) ** Value(2.0), ValueError, r"\*\*.*positive base"),
        (lambda: Value(1e200) * 1e200, OverflowError, r"\*: result of \(1e\+200, 1e\+200\)"),
        (lambda: Value(800.0).cosh(), OverflowError, r"cosh: overflow for operand 800\.0"),
        (lambda: Value.dot([1.0], [1.0, 2.0]), ValueError, r"dot: 1 weights but 2 inputs"),
        (lambda: Value.sum([]), ValueError, r"sum: needs at least one"),
        (lambda: Value.sum([Value(1), "x"]), TypeError, r"sum: item 1 .* str"),
    ],
)
def test_undefined_ops_raise_naming_the_op_and_operands(make, error, words):  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=words):
        make()


def test_foreign_operands_get_pythons_type_error():
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \+: 'Value' and 'str'"):
        Value(1.0) + "a"  # type: ignore[operator]
    with pytest.raises(TypeError, match=r"'Value' and 'NoneType'"):
        Value(2.0) * None  # type: ignore[operator]


def test_tanh_and_sigmoid_never_overflow():
    assert Value(1000.0).tanh().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


# --- random graphs against PyTorch ----------------------------------------------------------

# Each op reads earlier nodes by index; domains are kept safe by construction.
OPS = {
    "add": (2, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b),
    "div": (2, lambda a, b: a / (b * b + 1)),
    "powv": (2, lambda a, b: (a * a + 1) ** b.tanh()),
    "pow": (1, lambda a: a**3),
    "tanh": (1, lambda a: a.tanh()),
    "sigmoid": (1, lambda a: a.sigmoid()),
    "exp": (1, lambda a: a.tanh().exp()),
    "log": (1, lambda a: (a * a + 1).log()),
    "sinh": (1, lambda a: a.tanh().sinh()),
    "cosh": (1, lambda a: a.tanh().cosh()),
    "neg": (1, lambda a: -a),
    "const": (1, lambda a: 2.5 - a * 0.5),
}

programs = st.lists(
    st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 10**6), st.integers(0, 10**6)),
    min_size=1,
    max_size=25,
)


def run_program(leaves, program, dot, total):  # type: ignore[no-untyped-def]
    nodes = list(leaves)
    for name, i, j in program:
        arity, f = OPS[name]
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(f(a) if arity == 1 else f(a, b))
    tail = nodes[len(leaves) :]
    mixed = dot(tail[:3], nodes[:3]) if len(tail) >= 3 and len(nodes) >= 3 else tail[0]
    return total([*tail[-4:], mixed, tail[0] * tail[0]])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=4),
    program=programs,
)
def test_random_graphs_match_pytorch_values_and_every_gradient(values, program, torch):  # type: ignore[no-untyped-def]
    leaves = [Value(x) for x in values]
    root = run_program(leaves, program, lambda w, x: Value.dot(w, x), Value.sum)
    root.backward()
    tleaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in values]
    troot = run_program(
        tleaves,
        program,
        lambda w, x: torch.stack(list(w)).dot(torch.stack(list(x))),
        lambda xs: torch.stack(list(xs)).sum(),
    )
    troot.backward()
    assert root.data == pytest.approx(troot.item(), rel=1e-9, abs=1e-12)
    for leaf, tleaf in zip(leaves, tleaves):
        expected = 0.0 if tleaf.grad is None else tleaf.grad.item()
        assert leaf.grad == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=4),
    program=programs,
    stop=st.integers(1, 40),
)
def test_backward_steps_equal_backward_and_stopping_early_leaves_the_described_state(
    values, program, stop
):  # type: ignore[no-untyped-def]
    leaves = [Value(x) for x in values]
    root = run_program(leaves, program, lambda w, x: Value.dot(w, x), Value.sum)
    root.backward()
    expected = {id(n): n.grad for n in topological_order(root)}
    root.zero_grad()
    steps = list(root.backward_steps())
    assert {id(n): n.grad for n in topological_order(root)} == expected
    assert len(steps) == sum(1 for n in topological_order(root) if n.inputs)

    # Early stop: replay the first `stop` steps by hand from zero and compare.
    root.zero_grad()
    gen = root.backward_steps()
    taken: list[BackwardStep] = [step for _, step in zip(range(stop), gen)]
    replay: dict[int, float] = {id(n): 0.0 for n in topological_order(root)}
    replay[id(root)] = 1.0
    for step in taken:
        assert step.upstream == replay[id(step.node)]
        for edge in step.edges:
            assert edge.contribution == edge.local * step.upstream
            replay[id(edge.input)] += edge.contribution
    assert {id(n): n.grad for n in topological_order(root)} == replay


def test_gradcheck_passes_for_correct_ops_and_names_a_wrong_gradient():
    a, b = Value(0.7, "a"), Value(-1.3, "b")
    report = gradcheck(lambda x, y: (x * y).tanh() + x.exp() / (y * y), [a, b])
    assert report.ok and bool(report)
    assert a.data == 0.7 and a.grad == 0.0  # restored

    def broken(x: Value, y: Value) -> Value:
        out = x * y
        out.local_grads = (out.local_grads[0] * 2, out.local_grads[1])  # wrong ∂/∂x
        return out

    report = gradcheck(broken, [a, b])
    assert not report.ok
    assert [e.label for e in report.failures] == ["a"]
    assert "a: backward" in str(report)


def test_pdb_breaks_in_value_backward_with_the_chain_rule_locals(tmp_path):  # type: ignore[no-untyped-def]
    import inspect
    import os
    import subprocess
    import sys

    script = tmp_path / "loop.py"
    script.write_text(
        "from micrograd_covid import Value\na = Value(2.0, 'a')\nloss = a * a\nloss.backward()\n"
    )
    lines, start = inspect.getsourcelines(Value.backward)
    loop = start + next(i for i, line in enumerate(lines) if "inp.grad += contribution" in line)
    # stops in Value.backward, then runs on to the loop's last line (`until`), wherever it is
    commands = f"n\nb Value.backward\nc\nuntil {loop}\np (upstream, local, contribution)\nq\n"
    result = subprocess.run(
        [sys.executable, "-m", "pdb", str(script)],
        input=commands,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert "backward()\n-> inp.grad += contribution" in result.stdout
    assert "(1.0, 2.0, 2.0)" in result.stdout


# --- bad data however it got in (issue 14) ------------------------------------------------

BAD_DATA = [
    (math.nan, ValueError, "is nan, not a finite number"),
    (math.inf, ValueError, "is inf, not a finite number"),
    (-math.inf, ValueError, "is -inf, not a finite number"),
    ("1.5", TypeError, "must be a number, got str: '1.5'"),
    (None, TypeError, "must be a number, got NoneType: None"),
]
TABLE_INPUTS = [
    (name, row, i)
    for table in (ops.UNARY, ops.BINARY)
    for name, row in table.items()
    for i in range(len(row.points[0]))
]


@pytest.mark.parametrize(("bad", "error", "words"), BAD_DATA, ids=repr)
@pytest.mark.parametrize(
    ("name", "row", "i"), TABLE_INPUTS, ids=[f"{t[0]}@{t[2]}" for t in TABLE_INPUTS]
)
def test_every_kernel_refuses_bad_data_written_into_a_leaf(name, row, i, bad, error, words):  # type: ignore[no-untyped-def]
    leaves = [Value(x) for x in row.points[-1]]
    leaves[i].data = bad
    with pytest.raises(error, match=re.escape(f"{name}: input {i} {words}")):
        Value.apply(name, row.kernel, leaves, *row.params)


@pytest.mark.parametrize(("bad", "error", "words"), BAD_DATA, ids=repr)
def test_dot_sum_mean_and_number_powers_refuse_bad_data_in_a_leaf(bad, error, words):  # type: ignore[no-untyped-def]
    def cases(v: Value) -> list[tuple[object, str]]:
        return [
            (lambda: Value.dot([Value(1.0), v], [1.0, 2.0]), "dot: weight 1 "),
            (lambda: Value.dot([1.0, 2.0], [v, Value(1.0)], None, "relu"), "dot: input 0 "),
            (lambda: Value.dot([Value(1.0)], [1.0], v, "tanh"), "dot: bias "),
            (lambda: Value.sum([Value(1.0), v]), "sum: input 1 "),
            (lambda: Value.mean([v]), "mean: input 0 "),
            (lambda: v**2, "**: input 0 "),
            (lambda: v.leaky_relu(0.2), "leaky_relu: input 0 "),
        ]

    v = Value(1.0)
    v.data = bad
    for make, prefix in cases(v):
        with pytest.raises(error, match=re.escape(prefix + words)):
            make()  # type: ignore[operator]


def test_a_nan_row_fed_into_a_tape_is_refused_not_turned_into_a_loss():
    x, w, y = Value(0.0), Value(0.5, label="w"), Value(0.0)
    tape = Tape(squared_error(x.relu() * w, y))
    x.data, y.data = 2.0, 1.0
    tape.forward()
    before = [(n.data, n.local_grads) for n in tape.order]
    x.data = math.nan  # relu(nan) used to give 0 and the row became loss 1.0, w.grad 0.0
    with pytest.raises(ValueError, match=r"relu: input 0 is nan") as caught:
        tape.forward()
    assert "every node was left as it was" in "\n".join(caught.value.__notes__)
    assert [(n.data, n.local_grads) for n in tape.order] == before
    assert w.grad == 0.0


@pytest.mark.parametrize("bad", [math.nan, "x", None])
def test_repr_of_a_value_holding_bad_data_shows_it(bad):  # type: ignore[no-untyped-def]
    v = Value(1.0, label="x1")
    v.data = bad
    assert repr(v) == f"Value(data={bad!r}, grad=0, label='x1', op='')"


# --- finite value, infinite partial: one rule ---------------------------------------------


@pytest.mark.parametrize(
    ("make", "value", "op", "which"),
    [
        (lambda x: x.sqrt(), 0.0, "sqrt", 0),
        (lambda x: x**0.5, 0.0, "**0.5", 0),
        (lambda x: x**0.25, 0.0, "**0.25", 0),
        (lambda x: x ** Value(0.5), 0.0, "**", 0),
        (lambda x: 1 / (x + 1e-160), 1e160, "/", 1),
        (lambda x: Value(1.0) / (x + 1e-200), 1e200, "/", 1),
        (lambda x: (x + 5e-324) ** 0.01, 5e-324**0.01, "**0.01", 0),
    ],
)
def test_a_finite_value_with_an_infinite_partial_is_kept_and_backward_refuses_it(
    make, value, op, which
):  # type: ignore[no-untyped-def]
    x = Value(0.0, label="x")
    x.grad = 3.0
    node = make(x)
    assert node.data == value and type(node.local_grads) is ops.InfiniteGrads
    assert math.isinf(node.local_grads[which])
    loss = node * 2.0
    words = rf"backward through {re.escape(op)}\(.*\) = .*input {which} is infinite"
    with pytest.raises(ValueError, match=words):
        loss.backward()
    with pytest.raises(ValueError, match=words):
        list(loss.backward_steps())
    with pytest.raises(ValueError, match=words):
        Tape(loss).backward()
    assert x.grad == 3.0  # nothing the user had was changed


def test_sqrt_at_zero_gives_pytorchs_value_and_its_infinite_gradient_is_refused(torch):  # type: ignore[no-untyped-def]
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.sqrt(t).backward()
    assert math.isinf(t.grad.item())  # what we refuse to put into a gradient
    assert Value(0.0).sqrt().data == torch.sqrt(torch.tensor(0.0)).item() == 0.0


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (
            lambda: Value(10**400),
            ValueError,
            r"Value data must be finite, got an int of 401 digits",
        ),
        (lambda: Value(2.0) * 10**400, ValueError, r"got an int of 401 digits"),
        (
            lambda: Value(2.0) ** 10**400,
            ValueError,
            r"\*\*: exponent must be finite, got an int of 401 digits .*\(base 2\)",
        ),
        (lambda: Value(2.0) ** math.nan, ValueError, r"\*\*: exponent must be finite, got nan"),
        (lambda: Value(10.0) ** 400, OverflowError, r"\*\*: overflow for operands \(10, 400\)"),
        (
            lambda: Value(1.0) / Value(1e-320),
            OverflowError,
            r"/: result of \(1, 9.99989e-321\) is not finite",
        ),
        (lambda: Value(-1.0).sqrt(), ValueError, r"sqrt: operand must be >= 0, got -1.0"),
    ],
)
def test_overflow_and_domain_errors_name_the_op_and_operands(make, error, words):  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=words):
        make()


def test_abs_of_a_value_works_with_pythons_abs():
    x = Value(-2.5)
    y = abs(x)
    y.backward()
    assert (y.data, y.op, x.grad) == (2.5, "abs", -1.0)
    z = Value(0.0)
    abs(z).backward()
    assert z.grad == 0.0  # PyTorch's sign(0) = 0


# --- gradcheck, copies, truth, labels -----------------------------------------------------


def test_gradcheck_leaves_every_gradient_of_the_graph_as_it_was():
    w = Value(0.7, label="w")  # used by f but not given to gradcheck
    h = w * 2.0
    w.grad, h.grad = 5.0, 6.0
    x = Value(0.3, label="x")
    x.grad = 1.5
    assert gradcheck(lambda x: (x * h).tanh(), [x]).ok
    assert (w.grad, h.grad, x.grad, x.data, w.data) == (5.0, 6.0, 1.5, 0.3, 0.7)


def _deep_chain(depth: int) -> tuple[Value, Value, Value]:
    x = Value(0.5, label="x")
    w = Value(1.0001, label="w")
    node = x
    for i in range(depth):
        node = (node * w).tanh() if i % 2 else node + 0.001
    return node, x, w


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_5000_deep_graph_copies_and_pickles_without_recursion(how):  # type: ignore[no-untyped-def]
    root, x, w = _deep_chain(5000)
    w.m = 0.25  # type: ignore[attr-defined]
    root.backward()
    twin = copy.deepcopy(root) if how == "deepcopy" else pickle.loads(pickle.dumps(root))
    original = topological_order(root)
    copied = topological_order(twin)
    assert len(copied) == len(original) > 5000
    assert all(a is not b for a, b in zip(original, copied))
    fields = ("data", "grad", "label", "role", "op", "local_grads", "kernel", "params")
    at_original = {node: i for i, node in enumerate(original)}
    at_copied = {node: i for i, node in enumerate(copied)}
    for a, b in zip(original, copied):
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
        assert [at_original[i] for i in a.inputs] == [at_copied[i] for i in b.inputs]
    w2 = next(n for n in copied if n.label == "w")
    assert w2.m == 0.25  # type: ignore[attr-defined]
    # the copy is a live graph: replay and backward agree with the original
    for n in copied:
        n.grad = 0.0
    twin.backward()
    assert w2.grad == w.grad
    x2 = next(n for n in copied if n.label == "x")
    x.data = x2.data = 0.8
    assert Tape(twin).forward() == Tape(root).forward()


def test_copies_keep_shared_nodes_shared_and_pickle_keeps_model_parameters():
    model = MLP(2, [3, 1], seed=0)
    loss = squared_error(model([0.5, -0.2]), 1.0)  # type: ignore[arg-type]
    both = copy.deepcopy([model, loss])
    assert set(both[0].parameters()) <= set(topological_order(both[1]))
    both = pickle.loads(pickle.dumps([model, loss]))
    assert set(both[0].parameters()) <= set(topological_order(both[1]))
    h = Value(2.0) * 3.0
    shared = h * h
    twin = copy.deepcopy(shared)
    assert twin.inputs[0] is twin.inputs[1] and twin.inputs[0] is not h
    twin = pickle.loads(pickle.dumps(shared))
    assert twin.inputs[0] is twin.inputs[1]
    assert copy.copy(shared).inputs == shared.inputs


def test_bool_of_a_value_is_its_data_like_a_one_element_tensor(torch):  # type: ignore[no-untyped-def]
    for x in (0.0, -0.0, 1e-300, -2.0):
        assert bool(Value(x)) is bool(torch.tensor(x, dtype=torch.float64)) is bool(x)


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("a\x00b", r"contains a control character U\+0000 at index 1"),
        ("tab\there", r"contains a control character U\+0009 at index 3"),
        ("\x1b[31m", r"contains a control character U\+001B"),
        ("x\x85", r"contains a control character U\+0085"),
        ("\ud800", r"contains a lone surrogate U\+D800 at index 0"),
        ("z\uffff", r"contains a non-character U\+FFFF"),
        ("w" * 16_385, r"is 16,385 characters long; at most 16,384"),
    ],
)
def test_value_refuses_labels_a_drawing_cannot_show_as_written(label, words):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="Value label " + words):
        Value(1.0, label=label)


def test_value_takes_every_other_label_as_written():
    for label in ["two\nlines", "<b>", "&lt;b&gt;", "é ∂L/∂w 😀", '"q" \\ {x}', "w" * 16_384]:
        assert Value(1.0, label=label).label == label


def test_backward_refuses_an_infinite_partial_before_changing_any_gradient_even_after_pickle():
    x = Value(0.0)
    h = x * 2.0
    h.grad = 4.0
    node = h.sqrt()
    for root in (node + 1.0, pickle.loads(pickle.dumps(node + 1.0))):
        with pytest.raises(ValueError, match=r"backward through sqrt\(0\) = 0"):
            root.backward()
    assert (h.grad, x.grad) == (4.0, 0.0)  # interior gradients too: checked before any reset
    (h + 1.0).backward()  # the graphs without that node are not affected
    assert x.grad == 2.0


@pytest.mark.parametrize(
    ("make", "op", "bad"),
    [
        (lambda x: x + math.nan, "+", "nan"),
        (lambda x: math.inf * x, "*", "inf"),
        (lambda x: x - (-math.inf), "-", "-inf"),
        (lambda x: 10**400 / x, "/", "beyond a float's range"),
        (lambda x: Value.mean([x, math.nan]), "mean", "nan"),
    ],
)
def test_a_non_finite_number_operand_names_the_op(make, op, bad):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError) as info:
        make(Value(1.5))
    assert str(info.value).startswith(f"{op}: number operand must be finite")
    assert bad in str(info.value)


def test_a_dot_of_numbers_with_a_value_bias_has_one_edge_with_partial_one():
    """Only the bias is a Value: one edge, ∂z/∂b = 1 (it once got the first weight, 2)."""
    b = Value(0.5, label="b")
    z = Value.dot([2.0, 3.0], [4.0, 5.0], b)
    assert z.data == 23.5
    assert z.inputs == (b,)
    assert z.local_grads == (1.0,)
    z.backward()
    assert b.grad == 1.0


def test_the_walk_gives_the_same_order_with_the_gc_paused_or_not_and_restores_its_state():
    from micrograd_covid import engine, fast

    x = Value(0.5, "x")
    y = x
    for i in range(3000):
        y = (y * 1.0001 + x).tanh() if i % 2 else y + i
    plain = engine._walk.__wrapped__  # type: ignore[attr-defined]
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            gc.enable() if enabled else gc.disable()
            for leaves in (True, False):
                assert engine._walk(y, leaves) == plain(y, leaves)
            assert gc.isenabled() == enabled

        @fast.without_gc
        def fails() -> None:
            raise KeyError("x")

        gc.enable()
        with pytest.raises(KeyError):
            fails()
        assert gc.isenabled()
    finally:
        gc.enable() if was else gc.disable()


def test_engine_py_reads_in_one_sitting_in_at_most_350_lines():
    from pathlib import Path

    from micrograd_covid import engine

    assert len(Path(engine.__file__).read_text(encoding="utf-8").splitlines()) <= 350


def test_every_op_of_value_states_its_derivative_in_its_docstring():
    ops_ = ["__add__", "__sub__", "__mul__", "__truediv__", "__pow__", "__neg__", "__abs__"]
    ops_ += ["exp", "log", "tanh", "sigmoid", "relu", "sinh", "cosh", "sin", "cos", "sqrt"]
    ops_ += ["leaky_relu", "sum", "mean", "dot"]
    for name in ops_:
        doc = getattr(Value, name).__doc__ or ""
        assert "d/d" in doc or "∂" in doc or "partial is" in doc, name


def test_fit_and_the_walk_pause_the_gc_with_one_helper_that_passes_keywords_on():
    from micrograd_covid import fast, runners

    assert runners.without_gc is fast.without_gc

    @fast.without_gc
    def paused(a: int, *, b: int) -> tuple[int, int, bool]:
        return a, b, gc.isenabled()

    was = gc.isenabled()
    try:
        gc.enable()
        assert paused(1, b=2) == (1, 2, False)
        assert gc.isenabled()
    finally:
        gc.enable() if was else gc.disable()
