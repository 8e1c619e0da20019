from __future__ import annotations

import math
import struct
import zlib

import pytest

from micrograd_covid import (
    MLP,
    SGD,
    DivergenceError,
    History,
    Module,
    Value,
    daily_infections,
    fit,
    load,
    mse,
    save,
    squared_error,
)
from micrograd_covid.train import LOSSES


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
        ({"epochs": -1}, r"fit: epochs must be an int >= 0, got -1"),
        ({"batch_size": 0}, r"fit: batch_size must be a positive int, got 0"),
    ],
)
def test_fit_rejects_bad_arguments(kwargs, words):  # type: ignore[no-untyped-def]
    xs, ys = daily_infections()
    with pytest.raises(ValueError, match=words):
        fit(MLP(2, [1], seed=0), xs, ys, **kwargs)
    with pytest.raises(ValueError, match="4 inputs but 3 targets"):
        fit(MLP(2, [1], seed=0), xs, ys[:3])


def _diverging_model():  # type: ignore[no-untyped-def]
    return MLP.from_weights([[[1.0, 0.5]]], None, output_activation="linear")


def test_divergence_restores_the_parameters_that_gave_the_last_finite_loss(tmp_path):  # type: ignore[no-untyped-def]
    xs, ys = daily_infections()
    model = _diverging_model()
    seen: list[tuple[list[float], dict[str, object]]] = []
    opt = SGD(model.parameters(), lr=0.5, momentum=0.5)

    def remember(epoch: int, step: int, loss: float) -> None:
        seen.append(([p.data for p in model.parameters()], opt.state()))

    with pytest.raises(DivergenceError) as info:
        fit(model, xs, ys, optimizer=opt, epochs=200, batch_size=1, callback=remember)
    err = info.value
    assert (err.epoch, err.step) >= (1, 1) and math.isfinite(err.last_finite_loss)
    assert f"epoch {err.epoch}, step {err.step}" in str(err)
    assert repr(err.last_finite_loss) in str(err)
    assert err.parameters == seen[-1][0]  # the values it stopped with, to inspect
    # Restored: the values in place when the last finite loss was computed, i.e. those
    # before the last successful step, with the optimizer state of that moment.
    before_last_step = seen[-2]
    assert [p.data for p in model.parameters()] == before_last_step[0]
    assert opt.state() == before_last_step[1]
    row = (len(seen) - 1) % 4  # the batch of the last finite loss (batch_size 1, no shuffle)
    again = mse([model(xs[row])], [ys[row]]).data  # type: ignore[list-item]
    assert again == err.last_finite_loss
    save(model, tmp_path / "m.json")  # a restored model can be saved and loaded
    assert load(tmp_path / "m.json").weights() == model.weights()


def test_a_finite_loss_with_an_infinite_gradient_is_divergence_not_an_optimizer_error():
    w = Value(1e-10, "w", role="param")

    class Root(Module):
        def named_parameters(self):  # type: ignore[no-untyped-def]
            yield "w", w

        def __call__(self, x):  # type: ignore[no-untyped-def]
            return w * x[0] + w * x[0]  # 2e298: finite; ∂/∂w = 2e308: not

    with pytest.raises(
        DivergenceError, match=r"epoch 1, step 1: loss 2\.0+2e\+298 is finite but"
    ) as i:
        fit(Root(), [[1e308]], [0.0], lr=0.1, loss=lambda p, t: p[0])
    assert i.value.last_finite_loss == pytest.approx(2e298) and w.data == 1e-10


def test_an_update_that_overflows_is_divergence_and_changes_nothing():
    xs, ys = [[1.0]], [0.0]
    model = MLP.from_weights([[[1e150]]], None, output_activation="linear")
    with pytest.raises(DivergenceError, match=r"update of layers.0.neurons.0.w.0 gives") as info:
        fit(model, xs, ys, optimizer=SGD(model.parameters(), lr=1e300), loss="sse")
    assert model.weights() == [[[1e150]]] and info.value.last_finite_loss == pytest.approx(1e300)


@pytest.mark.parametrize(
    ("xs", "ys", "error", "words"),
    [
        ([[2, 1], [5, 1], [7, 4, 9], [12, 5]], [5, 7, 12, 19], ValueError, r"xs: row 2 has 3"),
        ([[2, 1], [5, 1], [math.nan, 4], [12, 5]], [5, 7, 12, 19], ValueError, r"row 2, column 0"),
        ([[2, 1], [5, 1], [7, 4], [12, 5]], [5, 7, math.inf, 19], ValueError, r"ys: row 2 must"),
        ([[2, 1], [5, 1], [7, "4"], [12, 5]], [5, 7, 12, 19], TypeError, r"row 2, column 1 mus"),
        ([[2, 1], [5, 1], [7, Value(4)], [12, 5]], [5, 7, 12, 19], None, ""),
        ([[2, 1, 0], [5, 1, 0]], [5, 7], ValueError, r"xs rows have 3 values, the model takes 2"),
        (["12", "34"], [5, 7], TypeError, r"xs: row 0 is str; each row must be a list"),
        ([], [], ValueError, r"fit: xs: no rows"),
    ],
)
def test_bad_rows_are_refused_up_front_naming_the_row(xs, ys, error, words):  # type: ignore[no-untyped-def]
    model = MLP(2, [1], seed=0)
    before = model.weights()
    if error is None:
        fit(model, xs, ys, lr=0.001, epochs=2, batch_size=1)
        return
    with pytest.raises(error, match=words):
        fit(model, xs, ys, lr=0.001, epochs=2, batch_size=1)
    assert model.weights() == before


def test_a_nan_fed_into_a_value_row_is_refused_too():
    x = Value(1.0)
    x.data = math.nan  # as a replay loop might
    with pytest.raises(ValueError, match=r"fit: xs: row 1, column 0 must be a finite number"):
        fit(MLP(2, [1], seed=0), [[1.0, 2.0], [x, 2.0]], [1.0, 2.0])


def test_numpy_arrays_train_like_lists():
    import numpy as np

    xs, ys = daily_infections()
    a, b = _diverging_model(), _diverging_model()
    ha = fit(a, xs, ys, lr=0.0001, epochs=5, batch_size=1)
    hb = fit(
        b,
        np.array(xs),
        np.array(ys, dtype=np.float32).astype(np.float64),
        lr=0.0001,
        epochs=np.int64(5),
        batch_size=np.int64(1),
    )
    assert ha.step_loss == hb.step_loss and a.weights() == b.weights()
    with pytest.raises(TypeError, match=r"fit: xs: row 0 is float; each row must be a list"):
        fit(b, np.array([1.0, 2.0]), [1.0, 2.0])


def test_a_model_that_is_not_a_module_is_a_type_error():
    with pytest.raises(TypeError, match=r"fit: model must be a Module .* got function"):
        fit(lambda x: x[0], [[1.0]], [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"fit: optimizer must be an Optimizer, got str"):
        fit(MLP(1, [1], seed=0), [[1.0]], [1.0], optimizer="adam")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"batch_size must be an int, got bool: True"):
        fit(MLP(1, [1], seed=0), [[1.0]], [1.0], batch_size=True)


def test_loss_takes_a_name_from_losses_or_any_callable():
    xs, ys = daily_infections()
    named = fit(_diverging_model(), xs, ys, loss="sse", lr=1e-4, epochs=3)

    def my_sse(preds: list[Value], targets: list[float]) -> Value:
        return Value.sum([squared_error(p, t) for p, t in zip(preds, targets)])

    mine = fit(_diverging_model(), xs, ys, loss=my_sse, lr=1e-4, epochs=3)
    assert mine.step_loss == named.step_loss
    assert set(LOSSES) >= {"mse", "sse"}
    with pytest.raises(TypeError, match=r"loss must be a name \(mse, sse.*got int"):
        fit(_diverging_model(), xs, ys, loss=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"the loss returned float, not a Value"):
        fit(_diverging_model(), xs, ys, loss=lambda p, t: 1.0)  # type: ignore[arg-type,return-value]
    LOSSES["half_sse"] = lambda p, t: my_sse(p, t) * 0.5
    try:
        half = fit(_diverging_model(), xs, ys, loss="half_sse", lr=2e-4, epochs=1)
        assert half.step_loss[0] == named.step_loss[0] / 2
    finally:
        del LOSSES["half_sse"]


def test_history_fields_metrics_and_a_short_repr():
    xs, ys = daily_infections()
    model = MLP(2, [3, 1], seed=2)

    def accuracy(epoch: int, step: int, loss: float) -> dict[str, float] | None:
        return (
            {"within_2": sum(abs(model(x).data - y) < 2 for x, y in zip(xs, ys)) / 4}
            if step == 4
            else None
        )  # type: ignore[union-attr]

    h = fit(model, xs, ys, lr=1e-3, epochs=500, batch_size=1, callback=accuracy)
    assert (h.epochs, h.steps) == (500, 2000) and len(h.step_loss) == 2000
    assert h.metric_steps["within_2"][:2] == [4, 8] and len(h.metrics["within_2"]) == 500
    text = repr(h)
    assert text.startswith("History(500 epochs, 2000 steps, loss ") and "within_2" in text
    assert f"{h.epoch_loss[0]:.4g} → {h.epoch_loss[-1]:.4g}" in text
    assert len(text) < 100
    assert repr(History()) == "History(empty)"
    with pytest.raises(TypeError, match="callback returns None or a dict"):
        fit(model, xs, ys, callback=lambda *a: 1.0)  # type: ignore[arg-type,return-value]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_history_plot_writes_a_real_png_or_returns_the_figure(tmp_path):  # type: ignore[no-untyped-def]
    xs, ys = daily_infections()
    model = MLP(2, [3, 1], seed=2)
    h = fit(
        model,
        xs,
        ys,
        lr=1e-3,
        epochs=30,
        batch_size=2,
        callback=lambda e, s, loss: {"loss_x2": 2 * loss} if s == 2 else None,
    )
    path = h.plot(tmp_path / "loss.png")
    data = path.read_bytes()
    assert _png_size(data) == (600, 350)
    # The image is not blank: its decompressed pixels hold more than one colour.
    chunks, i = b"", 8
    while i < len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        if data[i + 4 : i + 8] == b"IDAT":
            chunks += data[i + 8 : i + 8 + length]
        i += 12 + length
    assert len(set(zlib.decompress(chunks))) > 10
    fig = h.plot()
    assert type(fig).__name__ == "Figure" and fig.axes[0].get_xlabel() == "epoch"
    assert len(fig.axes) == 2  # the metric's own axis
    with pytest.raises(ValueError, match=r"give a .png, .svg or .pdf"):
        h.plot(tmp_path / "loss")


def test_a_row_loss_gets_one_row_of_outputs_and_one_class_index_per_example():
    from micrograd_covid.train import ROW_LOSSES

    seen: list[tuple[list[int], list[object]]] = []

    def softmax_cross_entropy(rows: list[list[Value]], classes: list[int]) -> Value:
        seen.append(([len(r) for r in rows], list(classes)))
        terms = [Value.sum([v.exp() for v in row]).log() - row[c] for row, c in zip(rows, classes)]
        return Value.mean(terms)

    xs = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [-1.0, 0.5]]
    ys = [0, 2, 1, 0]
    ROW_LOSSES.add(softmax_cross_entropy)
    try:
        h = fit(
            MLP(2, [4, 3], seed=3),
            xs,
            ys,
            loss=softmax_cross_entropy,
            lr=0.5,
            epochs=30,
            batch_size=2,
        )
    finally:
        ROW_LOSSES.discard(softmax_cross_entropy)
    assert seen[0] == ([3, 3], [0, 2]) and all(type(c) is int for c in seen[0][1])
    assert h.epoch_loss[-1] < h.epoch_loss[0] / 2
    with pytest.raises(ValueError, match="fit: ys row 0 has 1 values, the model 3 outputs"):
        fit(MLP(2, [4, 3], seed=3), xs, ys, loss=softmax_cross_entropy)


@pytest.mark.parametrize("name", ["hinge", "bce", "cross_entropy"])
def test_fit_by_name_trains_classification_losses_like_a_hand_loop(name: str) -> None:
    from micrograd_covid import bce, cross_entropy, hinge

    xs = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, -1.0]]
    if name == "cross_entropy":
        ys: list[float] = [0, 1, 2, 1]
        nouts, fn = [4, 3], cross_entropy
    else:
        ys = [-1.0, 1.0, 1.0, -1.0] if name == "hinge" else [0.0, 1.0, 1.0, 0.0]
        nouts, fn = [4, 1], (hinge if name == "hinge" else bce)
    by_name, by_hand = MLP(2, nouts, seed=3), MLP(2, nouts, seed=3)
    history = fit(by_name, xs, ys, loss=name, lr=0.1, epochs=5)
    opt = SGD(by_hand.parameters(), lr=0.1)
    losses = []
    for _ in range(5):
        loss = fn([by_hand(x) for x in xs], ys)  # type: ignore[arg-type]
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    assert history.step_loss == losses
    assert [p.data for p in by_name.parameters()] == [p.data for p in by_hand.parameters()]


def test_the_quick_data_check_agrees_with_the_general_one():
    from micrograd_covid import checks
    from micrograd_covid.checks import _plain_table

    for table, flat_ok in [
        ([[0.5, -1.0], [2.0, 3.0]], False),
        ([(0.5, -1.0), [2.0, 3.0]], False),
        ([0.5, -1.0, 2.0], True),
        ([[1e308, 1e308], [1e308, 1.0]], False),  # the sum overflows: the long way
    ]:
        quick = _plain_table(table, flat_ok)
        # A tuple of rows is not a plain table: rows_of_numbers takes its general path.
        general = checks.rows_of_numbers(tuple(table), "t", flat_ok=flat_ok)[0]
        assert quick is None or quick == general
        assert checks.rows_of_numbers(table, "t", flat_ok=flat_ok)[0] == general
    for odd in ([[1.0, 2.0], [1.0]], [[1.0, math.nan]], [[1, 2.0]], [[True, 1.0]], [[]], []):
        assert _plain_table(odd, False) is None
    assert _plain_table([1.0, math.inf], True) is None and _plain_table([1.0], False) is None


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"callback": 5},
            TypeError,
            "fit: callback must be a function (epoch, step, loss) or None, got int",
        ),
        ({"shuffle": "yes"}, TypeError, "fit: shuffle must be True or False, got str"),
        ({"verbose": 1}, TypeError, "fit: verbose must be True or False, got int"),
        ({"lr": "0.1"}, TypeError, "fit: lr must be a number, got str: '0.1'"),
        (
            {"optimizer": SGD(MLP(1, [1], seed=0).parameters(), 0.1)},
            ValueError,
            "fit: the optimizer holds none of the model's parameters; "
            "make it with model.parameters()",
        ),
    ],
)
def test_fit_names_a_bad_argument_before_any_step(kwargs, error, message):  # type: ignore[no-untyped-def]
    model = MLP(2, [1], seed=0)
    before = model.weights()
    with pytest.raises(error) as info:
        fit(model, [[1.0, 2.0], [2.0, 1.0]], [1.0, 0.0], **kwargs)
    assert str(info.value) == message
    assert model.weights() == before
