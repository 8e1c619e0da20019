from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_covid import MLP, Value, accuracy, moons, plot_decision_boundary
from micrograd_covid.classify import _fast_scores, moons_demo, train_moons
from micrograd_covid.datasets import make_moons

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"


# --- moons ----------------------------------------------------------------------------------


def test_moons_is_deterministic_per_seed_and_never_touches_global_random():
    import random

    state = random.getstate()
    assert moons(50, 0.2, seed=4) == moons(50, 0.2, seed=4)
    assert moons(50, 0.2, seed=4) != moons(50, 0.2, seed=5)
    assert random.getstate() == state


def test_moons_without_noise_lie_on_the_two_half_circles():
    xs, ys = moons(21, noise=0.0, shuffle=False)
    assert ys == [-1] * 10 + [1] * 11
    for (x1, x2), y in zip(xs, ys):
        if y == -1:  # the upper moon: the unit half circle
            assert math.hypot(x1, x2) == pytest.approx(1.0, abs=1e-12) and x2 >= -1e-12
        else:  # the lower moon: centred on (1, 0.5)
            assert math.hypot(x1 - 1.0, x2 - 0.5) == pytest.approx(1.0, abs=1e-12)
            assert x2 <= 0.5 + 1e-12
    assert xs[0] == [1.0, 0.0] and xs[9] == pytest.approx([-1.0, 0.0], abs=1e-15)


def test_moons_labels_option_and_noise_spread():
    xs, ys = moons(200, noise=0.1, seed=1, labels="01")
    assert sorted(set(ys)) == [0, 1] and ys.count(0) == 100
    exact, _ = moons(200, noise=0.0, seed=1, labels="01")
    # The same seed shuffles in the same order: the noise is what moves the points.
    deltas = [a - b for p, q in zip(xs, exact) for a, b in zip(p, q)]
    assert sum(deltas) / len(deltas) == pytest.approx(0.0, abs=0.02)
    spread = math.sqrt(sum(d * d for d in deltas) / len(deltas))
    assert 0.08 < spread < 0.12


def test_make_moons_answers_scikit_learns_call_with_numpy_arrays():
    X, y = make_moons(n_samples=30, noise=0.1)
    assert X.shape == (30, 2) and y.shape == (30,)
    assert sorted(set(y.tolist())) == [0, 1]
    assert X.tolist() == moons(30, 0.1, seed=0, labels="01")[0]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n": 1}, ValueError, "moons: n must be an int >= 2, got 1"),
        ({"noise": -0.1}, ValueError, "moons: noise must be a finite number >= 0, got -0.1"),
        ({"noise": "0.1"}, TypeError, "moons: noise must be a number, got str"),
        ({"seed": 1.5}, TypeError, "moons: seed must be an int or None, got float"),
        ({"labels": "+-1"}, ValueError, "moons: labels must be one of pm1, 01, got '\\+-1'"),
    ],
)
def test_moons_errors_name_the_problem(kwargs, error, message):  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        moons(**kwargs)


# --- accuracy -------------------------------------------------------------------------------


def test_accuracy_of_scores_logits_and_rows():
    scores = [Value(0.5), Value(-0.2), Value(0.0), 3.0]
    assert accuracy(scores, [1, -1, -1, -1]) == 0.75  # a score of 0 counts as negative
    assert accuracy(scores, [1, 0, 0, 1]) == 1.0
    rows = [[Value(0.1), Value(2.0)], [3.0, -1.0, 0.0], [1.0, 1.0]]
    assert accuracy(rows, [1, 0, 1]) == 2 / 3  # ties go to the first largest


@pytest.mark.parametrize(
    ("predictions", "targets", "error", "message"),
    [
        ([Value(1.0)], [1, 1], ValueError, "accuracy: 1 predictions but 2 targets"),
        ([], [], ValueError, "accuracy: needs at least one sample"),
        ([Value(1.0)], [2], ValueError, r"targets\[0\] must be -1, 0 or 1, got 2"),
        ([[1.0, 2.0]], [2], ValueError, r"targets\[0\] must be a class index 0 to 1, got 2"),
        (["1"], [1], TypeError, r"predictions\[0\] must be a Value or a number, got str"),
        (Value(1.0), [1], TypeError, "predictions must be a list, one per sample, got Value"),
        ([[]], [0], ValueError, r"predictions\[0\] is an empty row"),
    ],
)
def test_accuracy_errors_name_the_problem(predictions, targets, error, message):  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        accuracy(predictions, targets)


# --- the decision boundary ------------------------------------------------------------------


def _diagonal(x):  # type: ignore[no-untyped-def]
    """A linear score, positive above the line x2 = x1."""
    return Value.dot([-1.0, 1.0], x)


def test_boundary_figure_draws_the_zero_line_where_the_score_changes_sign():
    xs, ys = [[0.0, 1.0], [1.0, 0.0], [2.0, 3.0], [3.0, 2.0]], [1, -1, 1, -1]
    fig = plot_decision_boundary(_diagonal, xs, ys, resolution=41)
    ax = fig.axes[0]
    assert "100%" in ax.get_title()
    # The contour Matplotlib traced for score = 0 lies on x2 = x1.
    from matplotlib.contour import ContourSet

    (line,) = [c for c in ax.collections if isinstance(c, ContourSet) and list(c.levels) == [0]]
    vertices = [v for p in line.get_paths() for v in p.vertices]
    assert len(vertices) >= 10
    assert all(abs(x2 - x1) < 1e-9 for x1, x2 in vertices)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["score = 0", "score = ±1", "y = −1", "y = +1"]


def test_boundary_png_shows_both_regions_and_both_classes(tmp_path):  # type: ignore[no-untyped-def]
    import matplotlib.image

    xs, ys = [[0.0, 1.0], [1.0, 0.0], [2.0, 3.0], [3.0, 2.0]], [1, 0, 1, 0]
    path = plot_decision_boundary(_diagonal, xs, ys, tmp_path / "b.png", resolution=30)
    assert path == tmp_path / "b.png" and path.read_bytes()[:8] == PNG
    pixels = matplotlib.image.imread(path)[:, :, :3]
    colours = {tuple(round(float(c) * 255) for c in px) for row in pixels for px in row}

    def near(rgb):  # type: ignore[no-untyped-def]
        return any(sum(abs(a - b) for a, b in zip(rgb, c)) <= 6 for c in colours)

    assert near((0xDC, 0xE6, 0xF4)) and near((0xFB, 0xE5, 0xCF))  # both regions
    assert near((0x3B, 0x6F, 0xB6)) and near((0xD9, 0x82, 0x2B))  # both classes of points
    with pytest.raises(ValueError, match="path must end in .png"):
        plot_decision_boundary(_diagonal, xs, ys, tmp_path / "b.svg")


def test_grid_replays_one_graph_only_when_it_reproduces_the_model():
    model = MLP(2, [4, 1], activation="relu", seed=0)
    points = [(0.5, -0.25), (1.0, 2.0)]
    expected = [model(list(p)).data for p in points]  # type: ignore[union-attr]
    score = _fast_scores(model, points, expected)
    assert score.__name__ == "replay"
    assert score(0.3, 0.7) == model([0.3, 0.7]).data  # type: ignore[union-attr]

    def branchy(x):  # type: ignore[no-untyped-def]
        v = x[0] if isinstance(x[0], Value) else Value(x[0])
        return v * 2.0 if v.data > 0 else v * -3.0  # the graph depends on the data

    score = _fast_scores(branchy, [(1.0, 0.0), (-1.0, 0.0)], [2.0, 3.0])
    assert score.__name__ != "replay" and score(2.0, 0.0) == 4.0

    def numbers_only(x):  # type: ignore[no-untyped-def]
        if not all(isinstance(v, float) for v in x):
            raise TypeError("numbers only")
        return x[0] - x[1]

    score = _fast_scores(numbers_only, [(1.0, 0.0)], [1.0])
    assert score.__name__ != "replay" and score(2.0, 0.5) == 1.5


def test_boundary_needs_matplotlib_and_says_which_extra(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'micrograd_covid\[plot\]'"):
        plot_decision_boundary(_diagonal, [[0.0, 1.0]], [1])


@pytest.mark.parametrize(
    ("xs", "ys", "kwargs", "message"),
    [
        ([[0.0, 1.0]], [1, 1], {}, "1 points but 2 labels"),
        ([[0.0, 1.0, 2.0]], [1], {}, r"xs\[0\] must be a pair \(x1, x2\)"),
        ([[0.0, 1.0]], [1], {"resolution": 1}, "resolution must be an int >= 2, got 1"),
    ],
)
def test_boundary_errors_name_the_problem(xs, ys, kwargs, message):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        plot_decision_boundary(_diagonal, xs, ys, **kwargs)


def test_boundary_refuses_a_model_with_several_outputs():
    model = MLP(2, [3, 2], seed=0)
    with pytest.raises(ValueError, match="the model has 2 outputs; it needs one score"):
        plot_decision_boundary(model, [[0.0, 1.0]], [1])


# --- training -------------------------------------------------------------------------------


def test_train_moons_learns_and_the_demo_writes_the_picture(tmp_path):  # type: ignore[no-untyped-def]
    result = train_moons(epochs=20)
    assert len(result.losses) == 20 and result.losses[-1] < result.losses[0] / 3
    assert result.accuracy >= 0.85
    assert re.fullmatch(r"MoonsResult\(100 points, 20 epochs, loss .* → .*, accuracy \d+%\)",
                        repr(result))  # fmt: skip
    path = moons_demo(tmp_path / "out", epochs=2)
    assert path == tmp_path / "out" / "moons_boundary.png" and path.read_bytes()[:8] == PNG


def test_train_moons_example_prints_the_same_losses_as_train_moons(tmp_path):  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "train_moons.py"), "--epochs", "10"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    expected = train_moons(epochs=10)
    assert lines[0] == f"epoch 1 loss {expected.losses[0]:.6f}"
    assert lines[1] == f"epoch 10 loss {expected.losses[-1]:.6f}"
    assert lines[2] == f"accuracy: {expected.accuracy:.0%} of 100 points"
    assert (tmp_path / "moons_boundary.png").read_bytes()[:8] == PNG


def test_accuracy_takes_numpy_arrays():
    import numpy as np

    assert accuracy(np.array([0.5, -1.0, 2.0]), np.array([1, -1, -1])) == 2 / 3
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])) == 0.5
