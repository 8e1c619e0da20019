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
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        SGD([Value(1.0)], lr=0)
    with pytest.raises(ValueError, match="momentum must be in"):
        SGD([Value(1.0)], lr=0.1, momentum=1.5)
    with pytest.raises(TypeError, match=r"params\[1\] is float"):
        Adam([Value(1.0), 2.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="no parameters"):
        Adam([])


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: SGD(p, lr=float("inf")), r"SGD: lr must be a finite number, got inf"),
        (lambda p: Adam(p, lr=float("inf")), r"Adam: lr must be a finite number, got inf"),
        (lambda p: SGD(p, lr=float("nan")), r"SGD: lr must be a finite number, got nan"),
        (lambda p: Adam(p, lr=-0.1), r"Adam: lr must be a positive finite number, got -0.1"),
        (lambda p: Adam(p, eps=float("inf")), r"Adam: eps must be a finite number, got inf"),
        (lambda p: Adam(p, eps=0.0), r"Adam: eps must be a positive"),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), r"SGD: momentum must be in \[0, 1\)"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.5), r"SGD: momentum must be in \[0, 1\)"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), r"Adam: betas\[1\] must be in \[0, 1\)"),
        (lambda p: Adam(p, betas=(-0.1, 0.9)), r"Adam: betas\[0\] must be in \[0, 1\)"),
        (lambda p: Adam(p, betas=(0.9,)), r"Adam: betas must be two numbers"),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1), r"SGD: weight_decay must be in \[0, inf\)"),
    ],
)
def test_hyper_parameters_that_wreck_or_freeze_a_model_are_refused(make, words):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=words):
        make([Value(1.0)])


def test_numpy_scalars_are_numbers_and_bool_is_not():
    import numpy as np

    opt = SGD([Value(1.0)], lr=np.float32(0.1), momentum=np.float64(0.5))
    assert opt.lr == pytest.approx(0.1) and type(opt.lr) is float
    assert Adam([Value(1.0)], lr=np.float64(0.01), betas=(np.float32(0.5), 0.9)).betas[0] == 0.5
    with pytest.raises(TypeError, match="SGD: lr must be a number, got bool: True"):
        SGD([Value(1.0)], lr=True)
    with pytest.raises(TypeError, match="Adam: eps must be a number, got str"):
        Adam([Value(1.0)], eps="1e-8")  # type: ignore[arg-type]


def test_a_step_that_would_overflow_changes_nothing_and_names_the_parameter():
    w, b = Value(1e308, "w"), Value(2.0, "b")
    opt = Adam([b, w], lr=0.1)
    w.grad, b.grad = -1.0, 1.0
    opt.step()
    state = opt.state()
    before = (w.data, b.data, w.previous, b.previous)
    sgd = SGD([b, w], lr=1e300, momentum=0.9)
    w.grad, b.grad = -1e10, 1.0
    with pytest.raises(FloatingPointError, match=r"update of w gives inf.*nothing was changed"):
        sgd.step()
    assert (w.data, b.data, w.previous, b.previous) == before
    assert sgd.steps == 0 and sgd._velocity == [None, None]
    w.grad = float("inf")
    with pytest.raises(FloatingPointError, match="gradient of w is inf"):
        opt.step()
    assert opt.state() == state


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_weight_decay_matches_torch_for_20_steps(torch, momentum):  # type: ignore[no-untyped-def]
    model = MLP(2, [4, 1], seed=9)
    net = to_torch(model)
    opt = SGD(model.parameters(), lr=0.05, momentum=momentum, weight_decay=0.1)
    ours = _engine_losses(model, opt, 20)
    topt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=momentum, weight_decay=0.1)
    theirs = _torch_losses(torch, net, topt, 20)
    assert ours == pytest.approx(theirs, rel=1e-9)
    _params_match(model, net)


def test_adam_weight_decay_matches_torch_for_20_steps(torch):  # type: ignore[no-untyped-def]
    model = MLP(2, [4, 1], seed=10)
    net = to_torch(model)
    ours = _engine_losses(model, Adam(model.parameters(), lr=0.01, weight_decay=0.5), 20)
    topt = torch.optim.Adam(net.parameters(), lr=0.01, weight_decay=0.5)
    theirs = _torch_losses(torch, net, topt, 20)
    assert ours == pytest.approx(theirs, rel=1e-9)
    _params_match(model, net)
    plain = MLP(2, [4, 1], seed=10)
    _engine_losses(plain, Adam(plain.parameters(), lr=0.01), 20)
    assert plain.weights() != model.weights()  # the decay did something


def test_undo_puts_back_the_last_step_only():
    w = Value(3.0, "w")
    opt = Adam([w], lr=0.1)
    assert opt.undo() is False
    for _ in range(2):
        w.grad = 2.0
        opt.step()
    state, before = opt.state(), (w.data, w.previous)
    w.grad = 2.0
    opt.step()
    assert w.data != before[0]
    assert opt.undo() is True
    assert (w.data, w.previous) == (before[0], None) and opt.state() == state
    assert opt.undo() is False


def test_plain_sgd_step_is_all_or_nothing_and_can_be_undone():
    w, b = Value(1.5e308, "w"), Value(2.0, "b")
    opt = SGD([b, w], lr=0.5)
    w.grad, b.grad = 1.0, 1.0
    opt.step()
    assert (b.data, b.previous, w.data, w.previous) == (1.5, 2.0, 1.5e308 - 0.5, 1.5e308)
    before = (w.data, b.data, w.previous, b.previous)
    w.grad, b.grad = -1e308, 1.0  # w - 0.5·g overflows
    with pytest.raises(FloatingPointError, match=r"update of w gives inf.*nothing was changed"):
        opt.step()
    assert (w.data, b.data, w.previous, b.previous) == before and opt.steps == 1
    w.grad = float("nan")
    with pytest.raises(FloatingPointError, match="gradient of w is nan"):
        opt.step()
    assert (w.data, b.data, w.previous, b.previous) == before and opt.steps == 1
    # Every new value finite, their sum not: a false alarm, the step goes through.
    v = Value(1e308, "v")
    big = SGD([v, Value(1e308, "u")], lr=0.5)
    big.step()
    assert v.data == 1e308 and v.previous == 1e308 and big.steps == 1
    assert opt.undo() is True
    assert (b.data, b.previous, w.data, w.previous) == (2.0, None, 1.5e308, None)
    assert opt.steps == 0 and opt.undo() is False


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1), lambda ps: Adam(ps, lr=0.1)])
def test_a_shared_weight_listed_twice_is_updated_once(make):  # type: ignore[no-untyped-def]
    from micrograd_covid import MLP, fit

    model = MLP(2, [2, 1], seed=4)
    shared = model.layers[0].neurons[0].w[0]
    model.layers[0].neurons[1].w[0] = shared  # tied: listed twice by parameters()
    params = model.parameters()
    assert sum(p is shared for p in params) == 2
    opt = make(params)
    assert len(opt.params) == len(params) - 1 and opt.params.count(shared) == 1
    before = shared.data
    fit(model, [[0.5, -1.0]], [1.0], optimizer=opt, epochs=1)
    reference = make([Value(before)])  # one update of a lone parameter with the same gradient
    reference.params[0].grad = shared.grad
    reference.step()
    assert shared.data == reference.params[0].data


def test_params_that_are_not_a_list_of_values_are_named_with_a_hint():
    with pytest.raises(TypeError) as info:
        SGD(MLP(2, [1], seed=0), 0.1)  # type: ignore[arg-type]
    assert str(info.value) == (
        "SGD: params must be a list of Values (pass model.parameters()), got MLP"
    )
    with pytest.raises(TypeError) as info:
        Adam(Value(1.0))  # type: ignore[arg-type]
    assert str(info.value) == "Adam: params must be a list of Values, got Value"
