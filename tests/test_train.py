from __future__ import annotations

import pytest

from micrograd_covid import MLP, SGD, DivergenceError, daily_infections, fit


def test_fit_with_batch_size_1_reproduces_the_generalized_gradient_descent_tutorial():
    xs, ys = daily_infections()
    model = MLP.from_weights([[[1.0, 0.5]]], None, output_activation="linear")
    history = fit(model, xs, ys, loss="mse", lr=0.0001, epochs=100, batch_size=1)
    assert history.epoch_loss[0] == pytest.approx(9.189030365235194, rel=1e-12)
    assert history.epoch_loss[99] == pytest.approx(0.7491098293607978, rel=1e-12)
    assert len(history.step_loss) == 400
    assert history.epoch_loss[0] == sum(history.step_loss[:4]) / 4


def test_full_batch_fit_takes_one_step_per_epoch():
    xs, ys = daily_infections()
    model = MLP.from_weights([[[1.0, 0.5]]], None, output_activation="linear")
    history = fit(model, xs, ys, lr=0.0004, epochs=3)
    assert len(history.step_loss) == 3 and history.epoch_loss[0] == 9.4375


def test_divergence_stops_with_an_error_naming_epoch_step_and_last_finite_loss():
    xs, ys = daily_infections()
    model = MLP.from_weights([[[1.0, 0.5]]], None, output_activation="linear")
    with pytest.raises(DivergenceError, match=r"epoch \d+, step \d+.*last finite loss \d") as info:
        fit(model, xs, ys, lr=0.5, epochs=200, batch_size=1)
    assert isinstance(info.value, FloatingPointError)


def test_shuffle_is_seeded_and_verbose_prints_tutorial_lines(capsys):  # type: ignore[no-untyped-def]
    xs, ys = daily_infections()
    runs = []
    for _ in range(2):
        model = MLP(2, [3, 1], seed=1)
        runs.append(fit(model, xs, ys, lr=0.001, epochs=2, batch_size=2, shuffle=True, seed=9))
    assert runs[0].step_loss == runs[1].step_loss
    fit(MLP(2, [3, 1], seed=1), xs, ys, lr=0.001, epochs=2, verbose=True)
    assert capsys.readouterr().out.startswith("epoch 1 error: ")


def test_callback_sees_every_step_and_explicit_optimizer_is_used():
    xs, ys = daily_infections()
    model = MLP(2, [3, 1], seed=1)
    seen = []
    opt = SGD(model.parameters(), lr=0.001)
    fit(model, xs, ys, optimizer=opt, epochs=2, batch_size=2, callback=lambda *a: seen.append(a))
    assert [(e, s) for e, s, _ in seen] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert opt.steps == 4


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"loss": "mae"}, "unknown loss 'mae'"),
        ({"epochs": -1}, "epochs must be a non-negative int"),
        ({"batch_size": 0}, "batch_size must be a positive int"),
    ],
)
def test_fit_rejects_bad_arguments(kwargs, words):  # type: ignore[no-untyped-def]
    xs, ys = daily_infections()
    with pytest.raises(ValueError, match=words):
        fit(MLP(2, [1], seed=0), xs, ys, **kwargs)
    with pytest.raises(ValueError, match="4 inputs but 3 targets"):
        fit(MLP(2, [1], seed=0), xs, ys[:3])
