from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_covid import MLP, SGD, Tape, Value, daily_infections, fit, mse, squared_error
from micrograd_covid.engine import topological_order

from .test_engine import programs, run_program


@pytest.mark.parametrize(
    ("activation", "fused"), [("relu", True), ("tanh", True), ("sigmoid", False)]
)
def test_replayed_training_is_bit_identical_to_rebuilding_the_graph(activation, fused):  # type: ignore[no-untyped-def]
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8], [0.9, 0.1]]
    ys = [1.0, -1.0, 0.5, 0.2]
    rebuilt = MLP(2, [6, 5, 1], activation=activation, seed=3, fused=fused)
    replayed = MLP(2, [6, 5, 1], activation=activation, seed=3, fused=fused)
    opt_a, opt_b = SGD(rebuilt.parameters(), lr=0.05), SGD(replayed.parameters(), lr=0.05)
    tape = Tape(mse([replayed(x) for x in xs], ys))  # type: ignore[misc]
    for _ in range(10):
        loss = mse([rebuilt(x) for x in xs], ys)  # type: ignore[misc]
        opt_a.zero_grad()
        loss.backward()
        opt_a.step()
        value = tape.forward()
        opt_b.zero_grad()
        tape.backward()
        opt_b.step()
        assert value == loss.data
    assert [p.data for p in replayed.parameters()] == [p.data for p in rebuilt.parameters()]


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=4),
    new_values=st.lists(st.floats(-2, 2, allow_nan=False), min_size=4, max_size=4),
    program=programs,
)
def test_feeding_placeholders_and_replaying_equals_a_fresh_graph_for_every_op(
    values, new_values, program
):  # type: ignore[no-untyped-def]
    def build(data):  # type: ignore[no-untyped-def]
        leaves = [Value(x) for x in data]
        root = run_program(leaves, program, lambda w, x: Value.dot(w, x, 0.5, "tanh"), Value.mean)
        return leaves, squared_error(root, 0.25)

    leaves, root = build(values)
    tape = Tape(root)
    for leaf, x in zip(leaves, new_values):
        leaf.data = x
    replayed = tape.forward()
    tape.backward()
    fresh_leaves, fresh = build(new_values[: len(values)])
    fresh.backward()
    assert replayed == fresh.data
    assert [leaf.grad for leaf in leaves] == [leaf.grad for leaf in fresh_leaves]
    assert [n.data for n in topological_order(root)][-1] == fresh.data


def test_replay_covers_constants_number_exponents_and_mixed_dots():
    a, b = Value(1.5, "a"), Value(-0.5, "b")
    out = Value.sum([a**3, Value.dot([2.0, b], [a, 3.0], 1.0, "sigmoid"), 2**a, (a / b).exp()])
    tape = Tape(out)
    a.data, b.data = 0.7, 1.25
    value = tape.forward()
    a2, b2 = Value(0.7), Value(1.25)
    fresh = Value.sum(
        [a2**3, Value.dot([2.0, b2], [a2, 3.0], 1.0, "sigmoid"), 2**a2, (a2 / b2).exp()]
    )
    assert value == fresh.data


def test_replay_raises_the_ops_own_error_for_data_outside_its_domain():
    x = Value(2.0, "x")
    tape = Tape(x.log())
    x.data = -1.0
    with pytest.raises(ValueError, match=r"log: operand must be > 0, got -1\.0"):
        tape.forward()


@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [
        (-5.0, ValueError, r"log: operand must be > 0, got -2\.0"),  # a domain error mid-graph
        (2000.0, OverflowError, r"exp: overflow for operand 1000\.0"),
        (float("nan"), ValueError, r"\*: input 0 is nan"),
        ("0.5", TypeError, r"\*: input 0 must be a number, got str: '0\.5'"),
        (None, TypeError, r"\*: input 0 must be a number, got NoneType"),
    ],
)
def test_a_forward_that_raises_leaves_every_node_as_it_was(bad, error, words):  # type: ignore[no-untyped-def]
    x, w = Value(2.0, "x"), Value(0.5, "w")
    model = MLP(2, [3, 1], seed=0)
    # nodes computed before the failing one (the MLP, x*w) and after it
    root = (model([x * w, x]) + (x * w).exp() + (x + 3.0).log()) ** 2  # type: ignore[operator]
    tape = Tape(root)
    x.data = 1.0
    tape.forward()
    tape.backward()
    before = [(n.data, n.local_grads, n.grad) for n in tape.order]
    x.data = bad
    with pytest.raises(error, match=words) as caught:
        tape.forward()
    assert "every node was left as it was before this call" in "\n".join(caught.value.__notes__)
    assert [(n.data, n.local_grads, n.grad) for n in tape.order] == before
    x.data = 1.0
    assert tape.forward() == before[-1][0]


def test_tape_of_a_leaf_and_bad_root():
    leaf = Value(3.0)
    tape = Tape(leaf)
    assert tape.forward() == 3.0 and len(tape) == 0
    tape.backward()
    assert leaf.grad == 1.0
    with pytest.raises(TypeError, match="root must be a Value"):
        Tape(3.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("batch_size", "shuffle"), [(1, False), (None, False), (2, False), (1, True)]
)
def test_fit_with_every_engine_gives_the_same_history(batch_size, shuffle):  # type: ignore[no-untyped-def]
    xs, ys = daily_infections()
    runs = []
    for engine in ("graph", "tape", "compiled"):
        model = MLP(2, [4, 1], seed=5)
        runs.append(
            fit(
                model,
                xs,
                ys,
                lr=0.001,
                epochs=5,
                batch_size=batch_size,
                shuffle=shuffle,
                seed=1,
                engine=engine,
            )
        )
    assert runs[0] == runs[1] == runs[2]


def test_fit_replay_refuses_shuffled_batches_it_cannot_replay():
    xs, ys = daily_infections()
    with pytest.raises(ValueError, match="re-runs fixed batches"):
        fit(MLP(2, [1], seed=0), xs, ys, batch_size=2, shuffle=True, engine="tape")
