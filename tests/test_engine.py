from __future__ import annotations

import gc
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micrograd_covid import Value, gradcheck, topological_order
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
    import os
    import subprocess
    import sys

    script = tmp_path / "loop.py"
    script.write_text(
        "from micrograd_covid import Value\na = Value(2.0, 'a')\nloss = a * a\nloss.backward()\n"
    )
    commands = "n\nb Value.backward\nc\n" + "n\n" * 7 + "p (upstream, local, contribution)\nq\n"
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
