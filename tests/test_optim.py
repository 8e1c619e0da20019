from __future__ import annotations

import pytest

from micrograd_covid import MLP, SGD, Adam, Value, mse, to_torch

XS = [[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8], [0.9, 0.1]]
YS = [1.0, -1.0, 0.5, 0.2]


def _engine_losses(model, opt, steps):  # type: ignore[no-untyped-def]
    losses = []
    for _ in range(steps):
        loss = mse([model(x) for x in XS], YS)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    return losses


def _torch_losses(torch, net, opt, steps):  # type: ignore[no-untyped-def]
    x, y = torch.tensor(XS), torch.tensor(YS).unsqueeze(1)
    losses = []
    for _ in range(steps):
        loss = torch.nn.functional.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _params_match(model, net):  # type: ignore[no-untyped-def]
    theirs = []
    for layer in net:
        if hasattr(layer, "weight"):
            theirs.append(layer.weight.detach().tolist())
    assert [w for layer in theirs for w in layer] == [
        pytest.approx(n, rel=1e-9, abs=1e-12) for layer in model.weights() for n in layer
    ]


def test_adam_matches_torch_optim_adam_for_20_steps(torch):  # type: ignore[no-untyped-def]
    model = MLP(2, [4, 1], seed=7)
    net = to_torch(model)
    ours = _engine_losses(model, Adam(model.parameters(), lr=0.01), 20)
    theirs = _torch_losses(torch, net, torch.optim.Adam(net.parameters(), lr=0.01), 20)
    assert ours == pytest.approx(theirs, rel=1e-9)
    _params_match(model, net)


def test_momentum_sgd_matches_torch_optim_sgd(torch):  # type: ignore[no-untyped-def]
    model = MLP(2, [4, 1], seed=8)
    net = to_torch(model)
    ours = _engine_losses(model, SGD(model.parameters(), lr=0.05, momentum=0.9), 20)
    theirs = _torch_losses(torch, net, torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9), 20)
    assert ours == pytest.approx(theirs, rel=1e-9)
    _params_match(model, net)


def test_one_sgd_step_lowers_a_toy_loss_and_records_previous_values():
    w = Value(3.0, "w")
    opt = SGD([w], lr=0.1)
    loss = (w - 1) ** 2
    loss.backward()
    opt.step()
    assert w.previous == 3.0 and w.data == pytest.approx(2.6)
    assert ((w - 1) ** 2).data < loss.data


def test_optimizer_arguments_are_checked():
    with pytest.raises(ValueError, match="lr must be a positive number"):
        SGD([Value(1.0)], lr=0)
    with pytest.raises(ValueError, match="momentum must be in"):
        SGD([Value(1.0)], lr=0.1, momentum=1.5)
    with pytest.raises(TypeError, match=r"params\[1\] is float"):
        Adam([Value(1.0), 2.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="no parameters"):
        Adam([])
