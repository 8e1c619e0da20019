"""Losses: squared error as one node, and SSE / MSE as one `Value.sum` / `Value.mean` node."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

from . import checks, ops
from .checks import check_number
from .engine import Value

__all__ = ["PerRow", "bce", "cross_entropy", "hinge", "mse", "squared_error", "sse"]

Target: TypeAlias = "Value | float | int"


def squared_error(pred: Value, target: Target) -> Value:
    """L = (ŷ − y)², one node wired to ŷ and y: ∂L/∂ŷ = 2(ŷ − y), ∂L/∂y = −2(ŷ − y).

    A number target becomes a leaf labelled "y" with role "input" (a placeholder).
    """
    if not isinstance(pred, Value):
        raise TypeError(f"squared_error: pred must be a Value, got {type(pred).__name__}")
    if isinstance(target, Value):
        y = target
    else:
        if type(target) is not float or target - target != 0.0:
            target = check_number(target, "squared_error target")  # raises, naming it
        y = Value(target, label="y", role="input")
    out = Value.apply("squared_error", ops.squared_error, (pred, y))
    out.role = "loss"
    return out


def _terms(preds: Sequence[Value], targets: Sequence[Target], name: str) -> list[Value]:
    if len(preds) != len(targets):
        raise ValueError(f"{name}: {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{name}: needs at least one prediction")
    return [squared_error(p, t) for p, t in zip(preds, targets)]


@dataclass(frozen=True)
class PerRow:
    """A loss's record for the engines that run one sample's graph per row (compiled,
    numpy): the loss is `term(prediction, target)` for each output of each row, and the
    mean of those terms (`mean`) or their sum. A loss function carries it as `per_row`; a
    loss without one runs on the graph engine."""

    term: Callable[[Value, Target], Value]
    mean: bool


_F = TypeVar("_F")


def _per_row(record: PerRow) -> Callable[[_F], _F]:
    """Give the decorated loss function its `per_row` record."""

    def mark(loss: _F) -> _F:
        loss.per_row = record  # type: ignore[attr-defined]
        return loss

    return mark


@_per_row(PerRow(squared_error, mean=False))
def sse(preds: Sequence[Value], targets: Sequence[Target]) -> Value:
    """Sum of squared errors: one sum node over the squared_error terms."""
    out = Value.sum(_terms(preds, targets, "sse"))
    out.role = "loss"
    return out


@_per_row(PerRow(squared_error, mean=True))
def mse(preds: Sequence[Value], targets: Sequence[Target]) -> Value:
    """Mean squared error: one node over the squared_error terms, each partial 1/n."""
    out = Value.mean(_terms(preds, targets, "mse"))
    out.role = "loss"
    return out


# --- classification losses ---------------------------------------------------------------
# Each is composed from the engine's ops (relu, exp, log, mean, ...), so a drawing shows
# every step, and each is averaged over the samples, as PyTorch's default reduction.


def _scores(
    scores: Sequence[Value], n_targets: int, name: str, what: str = "scores"
) -> list[Value]:
    if not checks.is_sequence(scores):
        raise TypeError(
            f"{name}: {what} must be a list of Values, one per sample, got {type(scores).__name__}"
        )
    for i, s in enumerate(scores):
        if not isinstance(s, Value):
            raise TypeError(
                f"{name}: {what}[{i}] must be a Value (one per sample), got {type(s).__name__}"
            )
    if len(scores) != n_targets:
        raise ValueError(f"{name}: {len(scores)} {what} but {n_targets} targets")
    if len(scores) == 0:
        raise ValueError(f"{name}: needs at least one sample")
    return list(scores)


def _targets(targets: Sequence[Target], allowed: tuple[float, ...], name: str) -> list[Value]:
    """The targets as leaves labelled "y" (placeholders), each checked to be in `allowed`.

    A Value target is used as it is (its current value is checked).
    """
    if not checks.is_sequence(targets):
        raise TypeError(
            f"{name}: targets must be a list of numbers, one per sample, "
            f"got {type(targets).__name__}"
        )
    words = " or ".join(f"{a:+g}" if -1.0 in allowed else f"{a:g}" for a in allowed)
    out = []
    for i, t in enumerate(targets):
        value: object
        if isinstance(t, Value):
            value, leaf = t.data, t
        elif isinstance(t, bool) or not isinstance(t, numbers.Real):
            raise TypeError(f"{name}: targets[{i}] must be {words}, got {type(t).__name__}")
        else:
            value, leaf = t, None
        if value not in allowed:  # exact for any number (an int of 401 digits too)
            raise ValueError(
                f"{name}: targets[{i}] must be {words}, got {_fmt_target(value)}{_hint(name)}"
            )
        out.append(leaf if leaf is not None else Value(float(t), label="y", role="input"))
    return out


def _fmt_target(value: object) -> str:
    if isinstance(value, float) or (type(value) is int and abs(value) < 10**30):
        return f"{value:g}"
    return ops.fmt_number(value)  # a str a leaf was set to, an int too large for a float


def _hint(name: str) -> str:
    if name == "hinge":
        return " (for 0/1 labels use bce, or 2·y − 1)"
    return " (for ±1 labels use hinge, or (y + 1) / 2)"


def hinge(scores: Sequence[Value], targets: Sequence[Target]) -> Value:
    """The max-margin loss of micrograd's moons demo: mean of max(0, 1 − y·s), targets ±1.

    Per sample: y·s (the margin), then relu(1 − y·s); ∂/∂s = −y where the margin is below
    1, else 0. One `mean` node averages the samples.
    """
    ys = _targets(targets, (-1.0, 1.0), "hinge")
    ss = _scores(scores, len(ys), "hinge")
    out = Value.mean([(1 - y * s).relu() for s, y in zip(ss, ys)])
    out.role = "loss"
    return out


def _named(node: Value, label: str) -> Value:
    node.label = label
    return node


def _softplus(z: Value) -> Value:
    """log(1 + e^z) = relu(z) + log(1 + e^−|z|): no overflow at any z, exact for any z.

    −|z| is written z − 2·relu(z), so at z = 0 the slope is relu'(0)·1 + ½·1 = ½ exactly.
    log(1 + t) for t = e^−|z| <= 1 keeps full precision: w = 1 + t rounds away the part of
    t below w's last bit, t − (w − 1) is exactly that part (both subtractions are exact),
    and log(1 + t) = log(w) + that / w to within rounding. Without it a confident, correct
    logit (t = e^−40) would have a loss of 0 instead of 4.2e-18.
    """
    r = _named(z.relu(), "relu(z)")
    t = _named((z - r - r).exp(), "e^−|z|")
    one = Value(1.0)
    w = one + t
    log1p = _named(w.log() + (t - (w - one)) / w, "log(1+e^−|z|)")
    return _named(r + log1p, "softplus(z)")


def bce(logits: Sequence[Value], targets: Sequence[Target]) -> Value:
    """Binary cross-entropy on logits (PyTorch's binary_cross_entropy_with_logits), targets 0/1.

    Per sample: −y·log σ(x) − (1 − y)·log(1 − σ(x)) = log(1 + e^z) with z = (1 − 2y)·x,
    written to stay finite and exact for any logit (±40, ±1000): ∂/∂x = σ(x) − y.
    One `mean` node averages the samples.
    """
    ys = _targets(targets, (0.0, 1.0), "bce")
    xs = _scores(logits, len(ys), "bce", "logits")
    out = Value.mean([_softplus(_named(x * (1 - 2 * y), "z")) for x, y in zip(xs, ys)])
    out.role = "loss"
    return out


def cross_entropy(logit_rows: Sequence[Sequence[Value]], classes: Sequence[int]) -> Value:
    """Softmax cross-entropy (PyTorch's cross_entropy): one row of logits per sample, and
    each sample's class as an int index into its row.

    Per sample: log Σ_j e^(l_j − m) − (l_c − m), with m the row's largest logit (a "max"
    node: subtracting it keeps every e^(…) <= 1 and changes no gradient, so its partials
    are 0) and each e^(l_j − m) one node (0 where l_j − m is below a float's range, as in
    PyTorch): ∂/∂l_j = softmax_j − [j = c]. One `mean` node averages the samples. Every
    engine recomputes m from the current logits.
    """
    name = "cross_entropy"
    if not checks.is_sequence(classes):
        raise TypeError(
            f"{name}: classes must be a list of int class indices, got {type(classes).__name__}"
        )
    if not checks.is_sequence(logit_rows):
        raise TypeError(
            f"{name}: logit_rows must be a list of rows of Values, got {type(logit_rows).__name__}"
        )
    if len(logit_rows) != len(classes):
        raise ValueError(f"{name}: {len(logit_rows)} rows of logits but {len(classes)} classes")
    if len(logit_rows) == 0:
        raise ValueError(f"{name}: needs at least one sample")
    width = None
    terms: list[Value] = []
    for i, (row, c) in enumerate(zip(logit_rows, classes)):
        if not checks.is_sequence(row):
            raise TypeError(
                f"{name}: logit_rows[{i}] must be a list of Values (one logit per class), "
                f"got {type(row).__name__}"
            )
        if width is None:
            width = len(row)
            if width == 0:
                raise ValueError(f"{name}: logit_rows[0] is empty; a row needs one logit a class")
        elif len(row) != width:
            raise ValueError(
                f"{name}: logit_rows[{i}] has {len(row)} logits, logit_rows[0] has {width}; "
                "every row needs one logit per class"
            )
        for j, logit in enumerate(row):
            if not isinstance(logit, Value):
                raise TypeError(
                    f"{name}: logit_rows[{i}][{j}] must be a Value, got {type(logit).__name__}"
                )
        if isinstance(c, bool) or not isinstance(c, numbers.Integral):
            raise TypeError(
                f"{name}: classes[{i}] must be an int class index, got {type(c).__name__} {c!r}"
            )
        k = int(c)
        if not 0 <= k < width:
            raise ValueError(
                f"{name}: classes[{i}] is {ops.fmt_number(k)}, but a row has {width} logits "
                f"(classes 0 to {width - 1})"
            )
        top = _named(Value.apply("max", ops.row_max, row), "m")
        exps = [Value.apply("exp(l − m)", ops.exp_shift, (logit, top)) for logit in row]
        terms.append(Value.sum(exps).log() - (row[k] - top))
    out = Value.mean(terms)
    out.role = "loss"
    return out
