"""Driven by the op tables: every row of `ops.UNARY`, `ops.BINARY` and `ops.ACTIVATIONS` is
checked against PyTorch float64 and central differences, through the engine and through a Tape.
A new row is tested here without a new test."""

from __future__ import annotations

import math

import pytest

from micrograd_covid import MLP, Tape, Value, ops, to_torch

from .conftest import central_difference

ROWS = [
    (name, row, point)
    for table in (ops.UNARY, ops.BINARY)
    for name, row in table.items()
    for point in row.points
]


def _torch_value(torch, row, point):  # type: ignore[no-untyped-def]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    names = dict(zip("ab", tensors))
    out = eval(row.torch, {"torch": torch}, names)
    out.backward()
    return out.item(), [t.grad.item() for t in tensors]


@pytest.mark.parametrize(("name", "row", "point"), ROWS, ids=[f"{r[0]}{r[2]}" for r in ROWS])
def test_every_table_row_matches_torch_and_central_differences(name, row, point, torch):  # type: ignore[no-untyped-def]
    leaves = [Value(x) for x in point]
    node = Value.apply(name, row.kernel, leaves, *row.params)
    assert node.op == name and node.kernel is row.kernel and node.inputs == tuple(leaves)
    assert node.params == row.params
    node.backward()
    value, grads = _torch_value(torch, row, point)
    assert node.data == pytest.approx(value, rel=1e-12, abs=1e-15)
    assert [leaf.grad for leaf in leaves] == pytest.approx(grads, rel=1e-12, abs=1e-15)
    for i, x in enumerate(point):

        def f(z: float, i: int = i) -> float:
            moved = list(point)
            moved[i] = z
            return row.kernel(moved, *row.params)[0]  # type: ignore[no-any-return]

        if name in ("relu", "abs", "leaky_relu") and abs(x) < 1e-3:
            continue  # the kink: no central difference
        assert node.local_grads[i] == pytest.approx(central_difference(f, x), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize(("name", "row", "point"), ROWS, ids=[f"{r[0]}{r[2]}" for r in ROWS])
def test_every_table_row_replays_on_a_tape_like_a_fresh_node(name, row, point):  # type: ignore[no-untyped-def]
    leaves = [Value(1.0) for _ in point]
    tape = Tape(Value.apply(name, row.kernel, leaves, *row.params) * 2.0)
    for leaf, x in zip(leaves, point):
        leaf.data = x
    replayed = tape.forward()
    tape.backward()
    fresh_leaves = [Value(x) for x in point]
    fresh = Value.apply(name, row.kernel, fresh_leaves, *row.params) * 2.0
    fresh.backward()
    assert replayed == fresh.data
    assert [leaf.grad for leaf in leaves] == [leaf.grad for leaf in fresh_leaves]


def test_every_table_op_is_what_the_value_method_builds():
    x, y = Value(0.7), Value(1.3)
    for name, row in ops.UNARY.items():
        if name == "neg":
            node = -x
        elif name == "abs":
            node = abs(x)
        else:
            node = getattr(x, name)(*row.params)
        assert (node.op, node.kernel, node.params) == (name, row.kernel, row.params)
    for name, row in ops.BINARY.items():
        if name == "squared_error":
            continue  # a loss, made by losses.squared_error
        node = eval(f"x {name} y", {"x": x, "y": y})
        assert (node.op, node.kernel, node.params) == (name, row.kernel, ())


ACTIVATIONS = list(ops.ACTIVATIONS.values())


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=[a.name for a in ACTIVATIONS])
def test_every_activation_in_a_dot_node_matches_its_torch_module(activation, torch):  # type: ignore[no-untyped-def]
    w = [Value(0.3), Value(-1.2), Value(0.8)]
    x = [0.5, 2.0, -1.0]
    b = Value(0.1)
    for scale in (1.0, -1.0):  # both sides of relu's kink
        for p in w:
            p.grad = 0.0
        ws = [p.data * scale for p in w]
        for p, v in zip(w, ws):
            p.data = v
        out = Value.dot(w, x, b, activation.name)
        assert out.op == ("dot" if activation.kernel is None else f"{activation.name}(dot)")
        out.backward()
        tw = torch.tensor(ws, dtype=torch.float64, requires_grad=True)
        tz = tw @ torch.tensor(x, dtype=torch.float64) + 0.1
        tout = getattr(torch.nn, activation.torch_module)()(tz)
        tout.backward()
        assert out.data == pytest.approx(tout.item(), rel=1e-12, abs=1e-15)
        assert [p.grad for p in w] == pytest.approx(tw.grad.tolist(), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=[a.name for a in ACTIVATIONS])
def test_every_activation_has_a_default_init_and_maps_to_torch(activation, torch):  # type: ignore[no-untyped-def]
    model = MLP(2, [3, 1], activation=activation.name, seed=0)
    assert model.layers[0].neurons[0].init == activation.default_init
    net = to_torch(model)
    x = [0.4, -0.9]
    assert net(torch.tensor([x], dtype=torch.float64)).item() == pytest.approx(
        model(x).data,  # type: ignore[union-attr]
        rel=1e-12,
    )


def test_to_torch_raises_on_an_activation_it_cannot_map(monkeypatch, torch):  # type: ignore[no-untyped-def]
    model = MLP(2, [1], activation="tanh", output_activation="tanh", seed=0)
    monkeypatch.setitem(
        ops.ACTIVATIONS, "tanh", ops.Activation("tanh", ops.tanh, "glorot", "NoSuchModule")
    )
    with pytest.raises(ValueError, match="activation 'tanh' has no torch.nn module"):
        to_torch(model)


def test_dot_kernel_reruns_every_layout_from_its_params():
    a, b, c = Value(0.4), Value(-1.5), Value(2.0)
    layouts = [
        ([a, b], [1.0, 2.0], c),
        ([1.0, 2.0], [a, b], None),
        ([a, b], [b, c], 0.5),
        ([a, 3.0], [b, c], c),
    ]
    for weights, inputs, bias in layouts:
        for act in (None, "tanh", "relu", "sigmoid"):
            node = Value.dot(weights, inputs, bias, act)
            assert node.kernel is ops.dot
            data, local_grads = node.kernel([i.data for i in node.inputs], *node.params)
            assert (data, tuple(local_grads)) == (node.data, tuple(node.local_grads))


def test_a_switched_off_relu_neuron_shares_one_zero_tuple_that_backward_skips():
    w = [Value(-1.0), Value(-2.0)]
    out = Value.dot(w, [1.0, 1.0], Value(0.0), "relu")
    assert out.data == 0.0 and type(out.local_grads) is ops.ZeroGrads
    assert out.local_grads is ops.zero_grads(3)
    out.backward()
    assert [p.grad for p in w] == [0.0, 0.0] and not math.copysign(1.0, w[0].grad) < 0


@pytest.mark.parametrize("activation", [None, *(a.kernel for a in ops.ACTIVATIONS.values())])
@pytest.mark.parametrize("layout", ["wired", "const_x", "const_w", "const_w_and_x"])
@pytest.mark.parametrize("bias", [None, 0.25, ops.BIAS_INPUT])
def test_dot_kernel_is_a_w_dot_x_plus_b_with_the_textbook_partials(activation, layout, bias):  # type: ignore[no-untyped-def]
    """ops.dot against the maths written the plain way: z = Σ w_i x_i + b added left to
    right, a(z), and the partials x_i (for w_i), w_i (for x_i), 1 (for b), times a'(z)."""
    w, x, b = [0.5, -1.25, 2.0], [1.5, 0.75, -0.5], -0.125
    wconst = tuple(w) if layout.startswith("const_w") else None
    xconst = tuple(x) if layout in ("const_x", "const_w_and_x") else None
    values = [*(w if wconst is None else ()), *(x if xconst is None else ())]
    if bias == ops.BIAS_INPUT:
        values.append(b)
    data, grads = ops.dot(values, 3, wconst, xconst, bias, activation)
    z = 0.0
    for wi, xi in zip(w, x):
        z += wi * xi
    z += b if bias == ops.BIAS_INPUT else (bias or 0.0)
    a, slope = (z, 1.0) if activation is None else (activation((z,))[0], activation((z,))[1][0])
    expected = [*(x if wconst is None else ()), *(w if xconst is None else ())]
    if bias == ops.BIAS_INPUT:
        expected.append(1.0)
    assert data == a
    assert grads == tuple(slope * g for g in expected)


@pytest.mark.parametrize(
    ("values", "bias", "words"),
    [
        ([0.5, math.nan, 1.0, 2.0], None, "weight 1"),
        ([0.5, 1.0, "x", 2.0], None, "input 0"),
        ([0.5, 1.0, 1.0, 2.0, None], ops.BIAS_INPUT, "bias"),
        ([1e308, 1e308, 2.0, 2.0], None, "not finite"),
    ],
)
def test_dot_kernel_names_what_is_wrong(values, bias, words):  # type: ignore[no-untyped-def]
    with pytest.raises((ValueError, TypeError, OverflowError), match=words):
        ops.dot(values, 2, None, None, bias, ops.tanh)
