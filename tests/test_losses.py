from __future__ import annotations

import math
import random

import pytest

from micrograd_covid import (
    Tape,
    Value,
    bce,
    cross_entropy,
    hinge,
    mse,
    squared_error,
    sse,
    topological_order,
)


def test_squared_error_is_one_node_wired_to_prediction_and_target_like_the_walkthrough():
    y_hat, y = Value(-0.116, "ŷ"), Value(2.0, "y")
    loss = squared_error(y_hat, y)
    assert loss.inputs == (y_hat, y) and loss.role == "loss"
    assert loss.data == pytest.approx(4.477456, rel=1e-15)
    assert loss.local_grads == pytest.approx((-4.232, 4.232), rel=1e-15)


def test_number_target_becomes_a_placeholder_leaf():
    loss = squared_error(Value(1.0), 3)
    target = loss.inputs[1]
    assert target.data == 3.0 and target.role == "input" and target.label == "y"


def test_sse_and_mse_are_one_node_over_the_terms(torch):  # type: ignore[no-untyped-def]
    preds = [Value(1.0), Value(2.5), Value(-1.0)]
    targets = [0.5, 2.0, 1.0]
    s, m = sse(preds, targets), mse(preds, targets)
    assert s.op == "sum" and len(s.inputs) == 3 and s.role == "loss"
    assert m.op == "mean" and m.local_grads == (1 / 3,) * 3
    assert s.data == 0.25 + 0.25 + 4.0 and m.data == pytest.approx(4.5 / 3)
    m.backward()
    t = torch.tensor([1.0, 2.5, -1.0], requires_grad=True)
    torch.nn.functional.mse_loss(t, torch.tensor(targets)).backward()
    assert [p.grad for p in preds] == pytest.approx(t.grad.tolist(), rel=1e-14)


def test_loss_errors_name_the_problem():
    with pytest.raises(ValueError, match="mse: 2 predictions but 1 targets"):
        mse([Value(1.0), Value(2.0)], [1.0])
    with pytest.raises(TypeError, match="pred must be a Value, got float"):
        squared_error(1.0, 2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="squared_error target must be an int or float, got str"):
        squared_error(Value(1.0), "2")  # type: ignore[arg-type]


# --- classification losses: hinge, bce, cross_entropy --------------------------------------

# Logits from ordinary to extreme; every loss must stay finite and exact across them.
ORDINARY = [-2.5, -1.0, -0.3, 0.0, 0.2, 0.7, 1.0, 3.0]
EXTREME = [-1000.0, -40.0, -20.0, -10.0, 10.0, 20.0, 40.0, 1000.0]


def _leaves(data):  # type: ignore[no-untyped-def]
    return [Value(x) for x in data]


def _torch_loss_and_grads(torch, fn, data, *args):  # type: ignore[no-untyped-def]
    t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    loss = fn(t, *args)
    loss.backward()
    return loss.item(), t.grad.tolist()


def test_hinge_matches_pytorch_relu_margin_at_ordinary_and_extreme_scores(torch):  # type: ignore[no-untyped-def]
    rng = random.Random(1)
    for data in (ORDINARY, EXTREME):
        ys = [rng.choice((-1, 1)) for _ in data]
        scores = _leaves(data)
        loss = hinge(scores, ys)
        loss.backward()
        y_t = torch.tensor(ys, dtype=torch.float64)
        want, grads = _torch_loss_and_grads(
            torch, lambda s, y_t=y_t: torch.relu(1 - y_t * s).mean(), data
        )
        assert loss.data == pytest.approx(want, rel=1e-12, abs=0)
        assert [s.grad for s in scores] == pytest.approx(grads, rel=1e-12, abs=0)
        assert loss.role == "loss" and loss.op == "mean"


def test_hinge_is_micrograds_max_margin_term_by_term():
    scores = [Value(0.5), Value(-2.0), Value(3.0)]
    loss = hinge(scores, [1, 1, -1])
    assert loss.data == pytest.approx((0.5 + 3.0 + 4.0) / 3, rel=1e-15)
    loss.backward()
    assert [s.grad for s in scores] == [-1 / 3, -1 / 3, 1 / 3]


def _exact_bce(x: float, y: int) -> tuple[float, float]:
    """log(1 + e^z), z = (1 − 2y)x, and its derivative σ(x) − y, written without cancellation."""
    z = (1 - 2 * y) * x
    value = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
    # σ(x) − y = (1 − 2y)·σ(z)·... : for y = 0 it is σ(x), for y = 1 it is −σ(−x).
    s = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    return value, s if y == 0 else -s


def test_bce_matches_pytorch_binary_cross_entropy_with_logits(torch):  # type: ignore[no-untyped-def]
    rng = random.Random(2)
    f = torch.nn.functional.binary_cross_entropy_with_logits
    for _ in range(20):
        data = [rng.uniform(-6.0, 6.0) for _ in range(7)]
        ys = [rng.choice((0, 1)) for _ in data]
        logits = _leaves(data)
        loss = bce(logits, ys)
        loss.backward()
        want, grads = _torch_loss_and_grads(
            torch, lambda x, ys=ys: f(x, torch.tensor(ys, dtype=torch.float64)), data
        )
        assert loss.data == pytest.approx(want, rel=1e-12, abs=0)
        assert [x.grad for x in logits] == pytest.approx(grads, rel=1e-12, abs=0)


def test_bce_is_finite_and_exact_at_extreme_logits(torch):  # type: ignore[no-untyped-def]
    f = torch.nn.functional.binary_cross_entropy_with_logits
    for y in (0, 1):
        for x in EXTREME:
            logit = Value(x)
            loss = bce([logit], [y])
            loss.backward()
            value, slope = _exact_bce(x, y)
            # The exact formula (log1p, a sigmoid without cancellation) to 1e-12 relative,
            # even where the true loss is e^-1000 = 0.0 or e^-40 = 4.2e-18.
            assert loss.data == pytest.approx(value, rel=1e-12, abs=0), (x, y)
            assert logit.grad == pytest.approx(slope, rel=1e-12, abs=0), (x, y)
            # PyTorch float64 agrees to its own rounding: σ(40) − 1 is 0.0 there and
            # (1 − y)·x + log1p(e^−x) cancels to 0.0 at x = −40, y = 0.
            want, grads = _torch_loss_and_grads(
                torch, lambda t, y=y: f(t, torch.tensor([float(y)], dtype=torch.float64)), [x]
            )
            assert loss.data == pytest.approx(want, rel=1e-12, abs=1e-15)
            assert logit.grad == pytest.approx(grads[0], rel=1e-9, abs=1e-15)


def test_bce_mean_over_extreme_batch_matches_pytorch(torch):  # type: ignore[no-untyped-def]
    f = torch.nn.functional.binary_cross_entropy_with_logits
    ys = [1, 0, 0, 1, 1, 0, 1, 0]
    logits = _leaves(EXTREME)
    loss = bce(logits, ys)
    loss.backward()
    want, grads = _torch_loss_and_grads(
        torch, lambda x: f(x, torch.tensor(ys, dtype=torch.float64)), EXTREME
    )
    assert loss.data == pytest.approx(want, rel=1e-12, abs=0)
    exact = [_exact_bce(x, y)[1] / len(ys) for x, y in zip(EXTREME, ys)]
    assert [x.grad for x in logits] == pytest.approx(exact, rel=1e-12, abs=0)
    assert [x.grad for x in logits] == pytest.approx(grads, rel=1e-9, abs=1e-15)


def test_bce_slope_at_zero_logit_is_one_half_minus_target():
    for y, slope in ((0, 0.5), (1, -0.5)):
        logit = Value(0.0)
        loss = bce([logit], [y])
        loss.backward()
        assert loss.data == math.log(2.0) and logit.grad == slope


def test_cross_entropy_matches_pytorch(torch):  # type: ignore[no-untyped-def]
    rng = random.Random(3)
    for k in (1, 2, 3, 5):
        rows = [[rng.uniform(-4.0, 4.0) for _ in range(k)] for _ in range(6)]
        classes = [rng.randrange(k) for _ in rows]
        logit_rows = [_leaves(row) for row in rows]
        loss = cross_entropy(logit_rows, classes)
        loss.backward()
        want, grads = _torch_loss_and_grads(
            torch,
            lambda t, c=classes: torch.nn.functional.cross_entropy(t, torch.tensor(c)),
            rows,
        )
        assert loss.data == pytest.approx(want, rel=1e-12, abs=1e-300)
        for row, grad_row in zip(logit_rows, grads):
            assert [v.grad for v in row] == pytest.approx(grad_row, rel=1e-12, abs=1e-300)


def test_cross_entropy_at_extreme_logits_matches_pytorch(torch):  # type: ignore[no-untyped-def]
    rows = [
        [40.0, 0.0, -3.0],
        [1000.0, -1000.0, 0.0],
        [-1000.0, 1000.0, 999.0],
        [1e6, 1e6 + 1.0, 1e6 - 2.0],
        [-1e6, -1e6 - 0.5, -1e6 + 0.25],
    ]
    classes = [0, 1, 0, 2, 1]
    logit_rows = [_leaves(row) for row in rows]
    loss = cross_entropy(logit_rows, classes)
    loss.backward()
    want, grads = _torch_loss_and_grads(
        torch, lambda t: torch.nn.functional.cross_entropy(t, torch.tensor(classes)), rows
    )
    assert math.isfinite(loss.data)
    assert loss.data == pytest.approx(want, rel=1e-12, abs=0)
    for row, grad_row in zip(logit_rows, grads):
        assert [v.grad for v in row] == pytest.approx(grad_row, rel=1e-12, abs=1e-300)


def test_classification_losses_draw_their_steps_in_a_small_graph():
    def interior_ops(root):  # type: ignore[no-untyped-def]
        return [v.op for v in topological_order(root) if v.inputs]

    h = interior_ops(hinge([Value(0.3), Value(-0.2)], [1, -1]))
    assert h.count("relu") == 2 and h.count("mean") == 1 and len(h) == 2 * 3 + 1
    b = interior_ops(bce([Value(0.3), Value(-0.2)], [1, 0]))
    assert {"relu", "exp", "log", "mean"} <= set(b) and len(b) <= 2 * 14 + 1
    c = interior_ops(cross_entropy([[Value(0.3), Value(-0.2), Value(1.0)]], [2]))
    assert c.count("exp(l − m)") == 3 and {"max", "sum", "log", "-", "mean"} <= set(c)
    assert len(c) == 3 + 6  # max, an exp per logit, sum, log, l_c − max, −, mean


def test_bce_and_hinge_graphs_replay_on_new_logits_bit_for_bit():
    """No branch on the data: a recorded graph re-run on other logits is the fresh graph."""
    for loss_fn, targets in ((bce, [1, 0, 1, 0]), (hinge, [1, -1, 1, -1])):
        logits = _leaves([0.5, -0.5, 2.0, -2.0])
        root = loss_fn(logits, targets)
        tape = Tape(root)
        for new in ([-40.0, 40.0, 0.0, 3.0], [1000.0, -1000.0, -7.0, 0.25]):
            for leaf, x in zip(logits, new):
                leaf.data, leaf.grad = x, 0.0
            value = tape.forward()
            tape.backward()
            fresh = _leaves(new)
            expected = loss_fn(fresh, targets)
            expected.backward()
            assert value == expected.data
            assert [v.grad for v in logits] == [v.grad for v in fresh]


def test_value_targets_are_wired_and_number_targets_become_placeholders():
    y = Value(1.0, "y", role="input")
    s = Value(0.25)
    loss = hinge([s], [y])
    loss.backward()
    assert y in topological_order(loss)
    assert y.grad == -0.25  # ∂/∂y relu(1 − y·s) = −s where the margin is below 1
    leaves = [v for v in topological_order(bce([Value(0.5)], [1])) if not v.inputs]
    assert [v.data for v in leaves if v.label == "y" and v.role == "input"] == [1.0]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: hinge([Value(1.0)], [0]),
            ValueError,
            r"hinge: targets\[0\] must be -1 or \+1, got 0 \(for 0/1 labels use bce",
        ),
        (
            lambda: hinge([Value(1.0)], [True]),
            TypeError,
            r"hinge: targets\[0\] must be -1 or \+1, got bool",
        ),
        (lambda: hinge([Value(1.0)], ["1"]), TypeError, r"targets\[0\] must be -1 or \+1, got str"),
        (lambda: hinge([Value(1.0)], [1, -1]), ValueError, "hinge: 1 scores but 2 targets"),
        (lambda: hinge([], []), ValueError, "hinge: needs at least one sample"),
        (
            lambda: hinge([1.0], [1]),
            TypeError,
            r"hinge: scores\[0\] must be a Value \(one per sample\), got float",
        ),
        (lambda: hinge([[Value(1.0)]], [1]), TypeError, r"scores\[0\] must be a Value .*got list"),
        (
            lambda: hinge(Value(1.0), [1]),
            TypeError,
            "hinge: scores must be a list of Values, one per sample, got Value",
        ),
        (
            lambda: hinge([Value(1.0)], 1),
            TypeError,
            "hinge: targets must be a list of numbers, one per sample, got int",
        ),
        (
            lambda: bce([Value(1.0)], [-1]),
            ValueError,
            r"bce: targets\[0\] must be 0 or 1, got -1 \(for ±1 labels use hinge",
        ),
        (
            lambda: bce([Value(1.0)], [0.5]),
            ValueError,
            r"bce: targets\[0\] must be 0 or 1, got 0.5",
        ),
        (lambda: bce([Value(1.0), Value(2.0)], [1]), ValueError, "bce: 2 logits but 1 targets"),
        (
            lambda: cross_entropy([[Value(1.0), Value(2.0)]], [2]),
            ValueError,
            r"classes\[0\] is 2, but a row has 2 logits \(classes 0 to 1\)",
        ),
        (
            lambda: cross_entropy([[Value(1.0), Value(2.0)]], [-1]),
            ValueError,
            r"classes\[0\] is -1",
        ),
        (
            lambda: cross_entropy([[Value(1.0), Value(2.0)]], [1.0]),
            TypeError,
            r"classes\[0\] must be an int class index, got float 1.0",
        ),
        (
            lambda: cross_entropy([[Value(1.0), Value(2.0)], [Value(1.0)]], [0, 0]),
            ValueError,
            r"logit_rows\[1\] has 1 logits, logit_rows\[0\] has 2",
        ),
        (
            lambda: cross_entropy([[Value(1.0), 2.0]], [0]),
            TypeError,
            r"logit_rows\[0\]\[1\] must be a Value, got float",
        ),
        (
            lambda: cross_entropy([Value(1.0)], [0]),
            TypeError,
            r"logit_rows\[0\] must be a list of Values \(one logit per class\), got Value",
        ),
        (
            lambda: cross_entropy([[Value(1.0)]], [0, 1]),
            ValueError,
            "1 rows of logits but 2 classes",
        ),
        (lambda: cross_entropy([[]], [0]), ValueError, r"logit_rows\[0\] is empty"),
        (lambda: cross_entropy([], []), ValueError, "needs at least one sample"),
    ],
)
def test_classification_loss_errors_name_the_problem(call, error, message):  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call()


def test_classification_losses_take_numpy_arrays_as_ported_code_has_them():
    import numpy as np

    scores = [Value(0.5), Value(-2.0)]
    assert hinge(scores, np.array([1, 1])).data == hinge(scores, [1, 1]).data
    assert (
        bce(np.array(scores, dtype=object), np.array([1.0, 0.0])).data == bce(scores, [1, 0]).data
    )
    rows = [[Value(0.5), Value(1.0)], [Value(2.0), Value(-1.0)]]
    assert cross_entropy(rows, np.array([1, 0])).data == cross_entropy(rows, [1, 0]).data
    with pytest.raises(TypeError, match=r"hinge: targets\[0\] must be -1 or \+1, got ndarray"):
        hinge(scores, np.array([[1], [1]]))
