from __future__ import annotations

import pytest

from micrograd_covid import Value, mse, squared_error, sse


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
