"""fit(engine="numpy"): the whole batch at once, within 1e-12 relative of the graph engine."""

from __future__ import annotations

import sys

import pytest

from micrograd_covid import MLP, SGD, Adam, DivergenceError, Scaler, daily_infections, fit, ops
from micrograd_covid.compile import CompileWarning

from .test_compile import TUTORIAL_SETUPS, _Twice


def _close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        abs(x - y) <= 1e-12 * max(abs(x), abs(y)) + 1e-15 for x, y in zip(a, b)
    )


def _graph_and_numpy(make_model, xs, ys, make_opt=None, **kwargs):  # type: ignore[no-untyped-def]
    results = []
    for engine in ("graph", "numpy"):
        model = make_model()
        opt = make_opt(model) if make_opt is not None else None
        history = fit(model, xs, ys, optimizer=opt, engine=engine, **kwargs)
        results.append(
            (history.step_loss + history.epoch_loss, [p.data for p in model.parameters()])
        )
    (losses_a, params_a), (losses_b, params_b) = results
    assert _close(losses_a, losses_b), (losses_a, losses_b)
    assert _close(params_a, params_b)


@pytest.mark.parametrize("activation", list(ops.ACTIVATIONS))
@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_numpy_engine_matches_the_graph_engine_for_every_activation(activation, fused, loss):  # type: ignore[no-untyped-def]
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8], [0.9, 0.1], [0.2, -0.7], [-1.1, 0.4]]
    ys = [[1.0, 0.0], [-1.0, 0.5], [0.5, 0.5], [0.2, -0.3], [-0.4, 0.1], [0.3, 0.9]]
    _graph_and_numpy(
        lambda: MLP(2, [5, 4, 2], activation=activation, seed=3, fused=fused),
        xs,
        ys,
        lr=0.05,
        epochs=8,
        batch_size=4,
        shuffle=True,
        seed=1,
        loss=loss,
    )


@pytest.mark.parametrize(
    "make_opt",
    [lambda m: SGD(m.parameters(), lr=0.02, momentum=0.9), lambda m: Adam(m.parameters(), lr=0.01)],
    ids=["momentum", "adam"],
)
def test_numpy_engine_matches_with_momentum_and_adam(make_opt):  # type: ignore[no-untyped-def]
    xs, ys = daily_infections()
    _graph_and_numpy(
        lambda: MLP(2, [8, 1], activation="relu", seed=7),
        Scaler().fit_transform(xs),
        Scaler().fit_transform(ys),
        make_opt,
        epochs=10,
    )


@pytest.mark.parametrize("name", list(TUTORIAL_SETUPS))
def test_numpy_engine_matches_every_tutorial_setup(name):  # type: ignore[no-untyped-def]
    make_model, kwargs = TUTORIAL_SETUPS[name]
    xs, ys = daily_infections()
    if name == "regression":
        from micrograd_covid import regression_rows

        rows = regression_rows()
        xs, ys = [[x1, x2] for x1, x2, _ in rows], [y for _, _, y in rows]
    if name == "deep":
        # Its saturated tanh units amplify the last-bit differences of numpy's sums: 1e-14
        # after 10 epochs, 3e-11 after 20.
        kwargs = {**kwargs, "epochs": 10}
    _graph_and_numpy(make_model, xs, ys, **kwargs)


def test_numpy_engine_falls_back_to_the_graph_engine_with_a_warning():
    xs, ys = daily_infections()
    with pytest.warns(CompileWarning, match=r"engine=\"numpy\" cannot run this model .*'twice'"):
        history = fit(_Twice(), xs, ys, lr=1e-4, epochs=2, engine="numpy")
    assert history.step_loss == fit(_Twice(), xs, ys, lr=1e-4, epochs=2).step_loss


def test_numpy_engine_divergence_raises_divergence_error():
    xs, ys = daily_infections()
    with pytest.raises(DivergenceError, match="training diverged at epoch"):
        fit(MLP(2, [4, 1], seed=0), xs, [y * 1e150 for y in ys], lr=1e3, epochs=50, engine="numpy")


def test_numpy_engine_without_numpy_says_what_to_install(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(ImportError, match=r"pip install numpy"):
        fit(MLP(2, [1], seed=0), [[1.0, 2.0]], [1.0], engine="numpy")
