"""dots.py: a layer of dot nodes in one loop (nn's fast path) and reading a dot node back."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micrograd_covid import Value, ops
from micrograd_covid.dots import dense, dot_inputs, dot_parts


def test_dot_parts_reads_weights_inputs_bias_and_activation_from_the_record() -> None:
    w1, w2, b = Value(0.5, "w1"), Value(-1.0, "w2"), Value(0.25, "b")
    x1, x2 = Value(2.0, "x1"), Value(3.0, "x2")
    wired = Value.dot([w1, w2], [x1, x2], b, "tanh")
    parts = dot_parts(wired)
    assert parts is not None
    assert parts.weights == (w1, w2) and parts.inputs == (x1, x2)
    assert parts.bias is b and parts.activation == "tanh"
    const = Value.dot([w1, w2], [2.0, 3.0], 0.5)
    parts = dot_parts(const)
    assert parts is not None
    assert parts.weights == (w1, w2) and parts.inputs == (2.0, 3.0)
    assert parts.bias == 0.5 and parts.activation is None
    assert dot_parts(w1 * x1) is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 6),
    neurons=st.integers(1, 4),
    activation=st.sampled_from([None, *ops.ACTIVATIONS]),
    wired_inputs=st.booleans(),
    bias=st.sampled_from(["all", "none", "some"]),
    seed=st.integers(0, 10**6),
)
def test_a_layers_nodes_hold_exactly_what_their_kernel_computes(  # type: ignore[no-untyped-def]
    n, neurons, activation, wired_inputs, bias, seed
):
    """`dense` writes the dot arithmetic out for speed: every node it makes must hold, bit
    for bit, the value and partials its own op record (ops.dot with its params) gives."""
    import random

    rng = random.Random(seed)
    rows = [[Value(rng.uniform(-2, 2)) for _ in range(n)] for _ in range(neurons)]
    biases = [
        None if bias == "none" or (bias == "some" and j % 2) else Value(rng.uniform(-1, 1))
        for j in range(neurons)
    ]
    # relu's off side and exact zeros come up too
    xs: list[object] = [rng.choice([0.0, -0.5, rng.uniform(-3, 3)]) for _ in range(n)]
    if wired_inputs:
        xs = [Value(x) * 1.0 for x in xs]  # type: ignore[arg-type]
    xdata, xnodes = dot_inputs(xs)
    for node in dense(rows, biases, xdata, xnodes, activation):
        data, local_grads = node.kernel([i.data for i in node.inputs], *node.params)
        assert (node.data, node.local_grads) == (data, local_grads)
        assert type(node.local_grads) is type(local_grads)
        assert [math.copysign(1, g) for g in node.local_grads] == [
            math.copysign(1, g) for g in local_grads
        ]


def test_a_layer_with_a_bad_weight_names_it_and_makes_nothing():
    good = [Value(0.5), Value(-1.0)]
    for bad, error in [(math.nan, ValueError), ("x", TypeError), (1e308, OverflowError)]:
        row = [Value(1e308), Value(1.0)]
        row[1].data = bad  # type: ignore[assignment]
        xdata, xnodes = dot_inputs([2.0, 3.0])
        with pytest.raises(error) as info:
            dense([good, row], [Value(0.0), Value(0.0)], xdata, xnodes, "tanh")
        assert "dot" in str(info.value)
        if bad != 1e308:
            assert "weight 1" in str(info.value)


def test_dot_inputs_gives_what_value_dot_takes_for_every_kind_of_vector():
    from micrograd_covid.dots import _dot_vector

    a, b = Value(1.5), Value(-2.0)
    for vector in ([a, b], [0.5, 2.0], [a, 3], [1, 2.5], [a, b * 2.0]):
        fast, plain = dot_inputs(vector), _dot_vector(vector, "input")
        assert fast[0] == plain[0]
        assert (fast[1] is None) == (plain[1] is None)
        if fast[1] is not None and plain[1] is not None:
            assert [v.data for v in fast[1]] == [v.data for v in plain[1]]
            assert [v for v in fast[1] if v in vector] == [v for v in plain[1] if v in vector]
    for bad, error in [([math.nan], ValueError), (["x"], TypeError), ([a, "x"], TypeError)]:
        with pytest.raises(error, match="dot"):
            dot_inputs(bad)
