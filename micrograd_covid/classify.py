"""Classification helpers: accuracy, a decision-boundary picture, and the moons demo."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import checks
from .data import moons
from .engine import Value
from .formatting import fmt_number
from .losses import hinge
from .nn import MLP
from .optim import SGD
from .tape import Tape
from .train import fit

__all__ = ["MoonsResult", "accuracy", "moons_demo", "plot_decision_boundary", "train_moons"]


def _number(x: object, what: str) -> float:
    if isinstance(x, Value):
        if type(x.data) is float:
            return x.data
        x, what = x.data, f"{what}.data"
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a Value or a number, got {type(x).__name__}")
    try:
        return float(x)
    except OverflowError:
        raise ValueError(f"{what} is {fmt_number(x)}, beyond a float's range") from None


def _prediction(x: object, what: str) -> float:
    """A score or logit as a float; nan or ±inf has no class (nan is neither above nor below
    anything), so it is refused."""
    value = _number(x, what)
    if not math.isfinite(value):
        raise ValueError(f"{what} is {value!r}; a prediction must be a finite number")
    return value


def _predicted_class(prediction: object, i: int) -> float | int:
    """A score's sign (1 or 0), or the index of a row's largest logit."""
    if checks.is_sequence(prediction):
        if len(prediction) == 0:
            raise ValueError(f"accuracy: predictions[{i}] is an empty row")
        row = [_prediction(v, f"accuracy: predictions[{i}][{j}]") for j, v in enumerate(prediction)]
        return row.index(max(row))
    return 1 if _prediction(prediction, f"accuracy: predictions[{i}]") > 0.0 else 0


def accuracy(predictions: Sequence[Any], targets: Sequence[Any]) -> float:
    """The fraction of samples classified right, in [0, 1].

    A prediction is a score (a Value or a number: positive means the positive class, as
    for `hinge` scores and `bce` logits, and targets are ±1 or 0/1), or a row of logits
    (the class is the index of the largest, as for `cross_entropy`, and targets are ints).
    """
    if not checks.is_sequence(predictions):
        raise TypeError(
            "accuracy: predictions must be a list, one per sample, "
            f"got {type(predictions).__name__}"
        )
    if not checks.is_sequence(targets):
        raise TypeError(
            f"accuracy: targets must be a list, one per sample, got {type(targets).__name__}"
        )
    if len(predictions) != len(targets):
        raise ValueError(f"accuracy: {len(predictions)} predictions but {len(targets)} targets")
    if len(predictions) == 0:
        raise ValueError("accuracy: needs at least one sample")
    right = 0
    for i, (p, t) in enumerate(zip(predictions, targets)):
        predicted = _predicted_class(p, i)
        target = _number(t, f"accuracy: targets[{i}]")
        if checks.is_sequence(p):
            if not target.is_integer() or not 0 <= target < len(p):
                raise ValueError(
                    f"accuracy: targets[{i}] must be a class index 0 to {len(p) - 1}, "
                    f"got {target:g}"
                )
            right += predicted == target
        else:
            if target not in (-1.0, 0.0, 1.0):
                raise ValueError(f"accuracy: targets[{i}] must be -1, 0 or 1, got {target:g}")
            right += predicted == (1 if target > 0.0 else 0)
    return right / len(predictions)


def _score(model: Callable[[list[Any]], Any], x1: float, x2: float) -> float:
    out = model([x1, x2])
    if isinstance(out, list):
        if len(out) != 1:
            raise ValueError(
                f"plot_decision_boundary: the model has {len(out)} outputs; it needs one score"
            )
        out = out[0]
    return _number(out, "plot_decision_boundary: the model's output")


def _fast_scores(
    model: Callable[[list[Any]], Any],
    points: list[tuple[float, float]],
    expected: list[float],
) -> Callable[[float, float], float]:
    """Score grid points by replaying one recorded graph (a `Tape`) with new inputs, when
    that reproduces the model's own scores on every data point; else call the model."""
    x1, x2 = Value(0.0, "x1", role="input"), Value(0.0, "x2", role="input")

    def replay(a: float, b: float) -> float:
        x1.data, x2.data = a, b
        return tape.forward()

    try:
        out = model([x1, x2])
        out = out[0] if isinstance(out, list) and len(out) == 1 else out
        if isinstance(out, Value) and out.inputs:
            tape = Tape(out)
            if all(replay(a, b) == want for (a, b), want in zip(points, expected)):
                return replay
    except (TypeError, ValueError, ArithmeticError):
        pass  # a model the graph cannot stand in for: call it at every point
    return lambda a, b: _score(model, a, b)


def plot_decision_boundary(
    model: Callable[[list[Any]], Any],
    xs: Sequence[Sequence[float]],
    ys: Sequence[float | int],
    path: str | Path | None = None,
    *,
    title: str | None = None,
    resolution: int = 100,
) -> Any:
    """Picture a two-input classifier: where its score is positive, the line where it is
    zero (the decision boundary), and the points coloured by their class.

    `model([x1, x2])` returns one score (a Value or a number); `ys` are ±1 or 0/1. With
    `path`, writes a PNG there and returns the path; without, returns the matplotlib
    Figure (it displays inline in Jupyter). Needs matplotlib (the `plot` extra).
    """
    try:
        import numpy as np
        from matplotlib.colors import ListedColormap
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
    except ImportError:
        raise ImportError(
            "plot_decision_boundary needs matplotlib: pip install 'micrograd_covid[plot]'"
        ) from None
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(
            f"plot_decision_boundary: resolution must be an int >= 2, got {resolution!r}"
        )
    if len(xs) != len(ys) or len(xs) == 0:
        raise ValueError(
            f"plot_decision_boundary: {len(xs)} points but {len(ys)} labels; need as many, >= 1"
        )
    points = []
    for i, x in enumerate(xs):
        if not checks.is_sequence(x) or len(x) != 2:
            raise ValueError(f"plot_decision_boundary: xs[{i}] must be a pair (x1, x2), got {x!r}")
        points.append((_number(x[0], f"xs[{i}][0]"), _number(x[1], f"xs[{i}][1]")))
    labels = [_number(y, f"plot_decision_boundary: ys[{i}]") for i, y in enumerate(ys)]
    px = np.array([p[0] for p in points])
    py = np.array([p[1] for p in points])
    pad = 0.25 * max(float(np.ptp(px)), float(np.ptp(py)), 1.0)
    gx = np.linspace(px.min() - pad, px.max() + pad, resolution)
    gy = np.linspace(py.min() - pad, py.max() + pad, resolution)
    predictions = [_score(model, a, b) for a, b in points]
    score = _fast_scores(model, points, predictions)
    scores = np.array([[score(float(a), float(b)) for a in gx] for b in gy])
    acc = accuracy(predictions, labels)

    negative, positive = "#3b6fb6", "#d9822b"
    fig = Figure(figsize=(6.0, 5.2), dpi=100)
    ax = fig.add_subplot()
    ax.contourf(
        gx,
        gy,
        scores > 0,
        levels=[-0.5, 0.5, 1.5],
        cmap=ListedColormap(["#dce6f4", "#fbe5cf"]),
    )
    handles: list[Any] = []
    if scores.min() < 0.0 < scores.max():
        ax.contour(gx, gy, scores, levels=[0.0], colors="#222222", linewidths=1.6)
        handles.append(Line2D([], [], color="#222222", linewidth=1.6, label="score = 0"))
    margins = [m for m in (-1.0, 1.0) if scores.min() < m < scores.max()]
    if margins:
        ax.contour(
            gx, gy, scores, levels=margins, colors="#666666", linewidths=0.8, linestyles="dashed"
        )
        handles.append(
            Line2D([], [], color="#666666", linewidth=0.8, linestyle="dashed", label="score = ±1")
        )
    negative_name = "y = −1" if min(labels) < 0.0 else "y = 0"
    for label, colour, name in ((False, negative, negative_name), (True, positive, "y = +1")):
        chosen = np.array([y > 0 for y in labels]) == label
        dots = ax.scatter(
            px[chosen],
            py[chosen],
            s=28,
            c=colour,
            edgecolors="white",
            linewidths=0.7,
            label=name,
            zorder=3,
        )
        handles.append(dots)
    ax.set_title(title or f"decision boundary: score = 0 ({acc:.0%} of points right)")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_aspect("equal")
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    fig.tight_layout()
    if path is None:
        return fig
    out = Path(path)
    if out.suffix.lower() != ".png":
        raise ValueError(f"plot_decision_boundary: path must end in .png, got {str(out)!r}")
    fig.savefig(out, format="png")
    return out


class MoonsResult:
    """What `train_moons` returns: the model, the data, each epoch's loss and the accuracy."""

    def __init__(
        self, model: MLP, xs: list[list[float]], ys: list[int], losses: list[float]
    ) -> None:
        self.model, self.xs, self.ys, self.losses = model, xs, ys, losses
        self.accuracy = accuracy([model(x) for x in xs], ys)

    def __repr__(self) -> str:
        return (
            f"MoonsResult({len(self.xs)} points, {len(self.losses)} epochs, "
            f"loss {self.losses[0]:.4g} → {self.losses[-1]:.4g}, accuracy {self.accuracy:.0%})"
        )


def train_moons(epochs: int = 100, seed: int = 0, n: int = 100, noise: float = 0.1) -> MoonsResult:
    """Train ``MLP(2, [16, 16, 1], activation="relu")`` on `moons` with `hinge` loss:
    full batch, SGD with momentum 0.9 at lr 0.1."""
    xs, ys = moons(n, noise, seed=seed)
    model = MLP(2, [16, 16, 1], activation="relu", seed=seed)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = fit(model, xs, ys, loss=hinge, optimizer=optimizer, epochs=epochs)
    return MoonsResult(model, xs, ys, history.step_loss)


def moons_demo(out: str | Path = "out", epochs: int = 100) -> Path:
    """Train the moons classifier (`train_moons`) and write its decision boundary to
    `out`/moons_boundary.png; returns that path."""
    result = train_moons(epochs)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    path: Path = plot_decision_boundary(
        result.model,
        result.xs,
        result.ys,
        folder / "moons_boundary.png",
        title=(
            f"MLP(2, [16, 16, 1]), hinge loss, {len(result.losses)} epochs: "
            f"{result.accuracy:.0%} right"
        ),
    )
    return path
