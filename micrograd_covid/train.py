"""The training loop: `fit` and its `History`."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import checks
from .engine import Value
from .files import not_a_folder
from .losses import bce, cross_entropy, hinge, mse, sse
from .nn import Module
from .optim import SGD, Optimizer
from .runners import make_runner, without_gc

__all__ = ["LOSSES", "ROW_LOSSES", "DivergenceError", "History", "LossFunction", "fit"]

Row = Sequence[float | int | Value]
#: A loss: (predictions, targets) → one Value, e.g. `mse`.
LossFunction = Callable[[list[Value], list[float]], Value]
#: The losses `fit(loss=NAME)` knows; add to it to make a name available.
LOSSES: dict[str, Callable[..., Value]] = {
    "mse": mse,
    "sse": sse,
    "hinge": hinge,
    "bce": bce,
    "cross_entropy": cross_entropy,
}
#: Losses that take one row of outputs per sample and one target per sample, such as
#: softmax cross-entropy: (list of output rows, list of class indices). `fit` gives every
#: other loss the outputs and targets as two flat lists.
ROW_LOSSES: set[Callable[..., Value]] = {cross_entropy}


class DivergenceError(FloatingPointError):
    """Training produced a loss, a gradient or an update that is not finite.

    `epoch` and `step` say where (both from 1); `last_finite_loss` is the last finite loss
    (None if there was none); `parameters` the parameter values at the moment it stopped,
    before `fit` put back the ones that gave `last_finite_loss`.
    """

    def __init__(
        self,
        message: str,
        *,
        epoch: int,
        step: int,
        last_finite_loss: float | None,
        parameters: list[float] | None = None,
    ) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.step = step
        self.last_finite_loss = last_finite_loss
        self.parameters = parameters if parameters is not None else []

    def __reduce__(self) -> Any:
        return (_divergence, (str(self), self.epoch, self.step, self.last_finite_loss))


def _divergence(message: str, epoch: int, step: int, last: float | None) -> DivergenceError:
    return DivergenceError(message, epoch=epoch, step=step, last_finite_loss=last)


@dataclass(repr=False)
class History:
    """What `fit` measured.

    - `step_loss`: the loss of every step (one batch), in order.
    - `epoch_loss`: each epoch's mean step loss.
    - `metrics`: name → values a callback returned (``{"accuracy": 0.9}``), in order, and
      `metric_steps`: name → the step number (from 1, counted across epochs) of each value.
    """

    step_loss: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    metric_steps: dict[str, list[int]] = field(default_factory=dict)

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self.epoch_loss)

    @property
    def steps(self) -> int:
        """How many optimizer steps ran."""
        return len(self.step_loss)

    def log(self, name: str, value: float, step: int | None = None) -> None:
        """Record one value of a metric (at `step`, by default the latest step)."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"History.log: a metric name must be a non-empty str, got {name!r}")
        number = checks.finite(value, f"History.log: metric {name!r}")
        self.metrics.setdefault(name, []).append(number)
        self.metric_steps.setdefault(name, []).append(self.steps if step is None else step)

    def __repr__(self) -> str:
        if not self.step_loss:
            return "History(empty)"
        first = self.epoch_loss[0] if self.epoch_loss else self.step_loss[0]
        last = self.epoch_loss[-1] if self.epoch_loss else self.step_loss[-1]
        names = f", metrics {', '.join(self.metrics)}" if self.metrics else ""
        return (
            f"History({self.epochs} epochs, {self.steps} steps, "
            f"loss {first:.4g} → {last:.4g}{names})"
        )

    def _repr_html_(self) -> str:
        from .display import history_html

        return history_html(self)

    def plot(self, path: str | Path | None = None) -> Any:
        """Loss curves with matplotlib (``pip install 'micrograd_covid[plot]'``).

        Every step's loss (thin) and each epoch's mean (dots) against epochs, on a log scale
        when the loss spans more than three decades; metrics on a second axis. With `path`,
        writes the picture (format from the suffix: .png, .svg, .pdf) and returns the path;
        without, returns the matplotlib Figure.
        """
        try:
            from matplotlib.figure import Figure
            from matplotlib.ticker import MaxNLocator
        except ImportError:
            raise ImportError(
                "History.plot needs matplotlib: pip install 'micrograd_covid[plot]'"
            ) from None
        if not self.step_loss:
            raise ValueError("History.plot: nothing to plot, no steps ran")
        fig = Figure(figsize=(6, 3.5))
        ax = fig.add_subplot()
        per_epoch = self.steps / max(self.epochs, 1)
        if per_epoch > 1:
            xs = [(i + 1) / per_epoch for i in range(self.steps)]
            ax.plot(xs, self.step_loss, lw=0.6, alpha=0.5, color="C0", label="step loss")
        epochs = range(1, self.epochs + 1)
        marker = "." if self.epochs < 60 else None
        ax.plot(epochs, self.epoch_loss, marker=marker, color="C0", label="epoch mean loss")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        low, high = min(self.step_loss), max(self.step_loss)
        if low > 0 and high / low > 1e3:
            ax.set_yscale("log")
        if self.metrics:
            twin = ax.twinx()
            for k, (name, values) in enumerate(self.metrics.items(), start=1):
                at = [s / per_epoch for s in self.metric_steps[name]]
                twin.plot(at, values, color=f"C{k}", marker=".", label=name)
            twin.set_ylabel(", ".join(self.metrics))
            twin.legend(loc="upper right")
        ax.legend(loc="upper center" if self.metrics else "upper right")
        fig.tight_layout()
        if path is None:
            return fig
        path = Path(path)
        if path.suffix.lower() not in (".png", ".svg", ".pdf"):
            raise ValueError(f"History.plot: {path}: give a .png, .svg or .pdf file name")
        if not path.parent.is_dir():
            blocker = not_a_folder(path.parent)
            if blocker is not None:
                raise NotADirectoryError(f"History.plot: {path}: {blocker} is a file, not a folder")
            raise FileNotFoundError(
                f"History.plot: {path}: the folder {path.parent} does not exist"
            )
        fig.savefig(path, dpi=100)
        return path


def _batch(
    model: Module, xs: list[list[Any]], ys: list[list[float]], batch: list[int], rows: bool
) -> tuple[list[Any], list[Any]]:
    """The model's outputs and the targets for the examples in `batch`, flattened.

    With `rows` (a loss from ROW_LOSSES): one list of outputs per example, and one target
    per example (an int when it is a whole number: a class index).
    """
    preds: list[Any] = []
    targets: list[Any] = []
    if not rows:
        for i in batch:
            out = model(xs[i])
            y = ys[i]
            if type(out) is Value and len(y) == 1:  # one output: the usual case
                preds.append(out)
                targets.append(y[0])
                continue
            outs = out if isinstance(out, list) else [out]
            if len(y) != len(outs):
                raise ValueError(
                    f"fit: ys row {i} has {len(y)} values, the model {len(outs)} outputs"
                )
            preds += outs
            targets += y
        return preds, targets
    for i in batch:
        out = model(xs[i])
        preds.append(out if isinstance(out, list) else [out])
        target = ys[i][0] if len(ys[i]) == 1 else ys[i]
        if isinstance(target, float) and target.is_integer():
            target = int(target)  # a class index
        targets.append(target)
    return preds, targets


def _batches(n: int, batch_size: int | None, order: list[int]) -> list[list[int]]:
    size = n if batch_size is None else batch_size
    return [order[i : i + size] for i in range(0, n, size)]


def _loss_function(loss: str | LossFunction) -> LossFunction:
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(
            f"fit: loss must be a name ({', '.join(LOSSES)}) or a function "
            f"(predictions, targets) -> Value, got {type(loss).__name__}"
        )
    return loss


def _data(model: Module, xs: Any, ys: Any) -> tuple[list[list[Any]], list[list[float]]]:
    """xs and ys checked up front: every row a list of finite numbers of the same width."""
    rows, _ = checks.rows_of_numbers(xs, "fit: xs", flat_ok=False, values_ok=Value)
    targets, _ = checks.rows_of_numbers(ys, "fit: ys")
    if len(rows) != len(targets):
        raise ValueError(f"fit: {len(rows)} inputs but {len(targets)} targets")
    nin = getattr(model, "nin", None)
    if isinstance(nin, int) and len(rows[0]) != nin:
        raise ValueError(f"fit: xs rows have {len(rows[0])} values, the model takes {nin} inputs")
    return rows, targets


@without_gc
def fit(
    model: Module,
    xs: Sequence[Row],
    ys: Sequence[float | Sequence[float]],
    *,
    loss: str | LossFunction = "mse",
    optimizer: Optimizer | None = None,
    lr: float | None = None,
    epochs: int = 1,
    batch_size: int | None = None,
    shuffle: bool = False,
    seed: int | None = None,
    callback: Callable[[int, int, float], Mapping[str, float] | None] | None = None,
    verbose: bool = False,
    engine: str = "graph",
) -> History:
    """Train `model` on (xs, ys) and return the losses as a `History`.

    `xs` is a list (or numpy array) of input rows, `ys` a target per row (a number, or a
    list for several outputs); both are checked before training starts. `loss` is a name
    from `LOSSES` ("mse", "sse") or a function ``(predictions, targets) -> Value``; it gets
    the outputs and targets of a batch as flat lists, or, for a loss in `ROW_LOSSES`, one
    row of outputs and one target (a class index) per example.
    `lr` is the learning rate of the SGD `fit` makes (0.01 by default); an `optimizer` you
    make has its own, so `lr` beside it is refused.
    `batch_size=1` is per-example SGD as in the tutorials, None is full batch. Each step:
    forward, loss, zero_grad, backward, optimizer step. `callback(epoch, step, loss)` runs
    after every step; a dict it returns (``{"accuracy": 0.9}``) goes into
    `History.metrics`.

    A loss, gradient or update that is not finite raises `DivergenceError` with the epoch,
    the step and the last finite loss; the parameters and the optimizer's state are put
    back to what they were when that loss was computed, so the model can be saved or
    trained again with a smaller learning rate.

    `engine` runs the steps (see `runners`): "graph" builds each batch's graph; "tape"
    records it once and replays it (fixed batches: shuffle only with batch_size 1);
    "compiled" runs code generated from one sample's graph (these three give the same
    numbers, bit for bit); "numpy" runs the batch as arrays (to about 1e-15 per step).
    The cyclic GC is paused during fit (graphs hold no cycles) and restored after.
    """
    if not isinstance(model, Module):
        raise TypeError(
            f"fit: model must be a Module (MLP, Layer, Neuron or a Module subclass), "
            f"got {type(model).__name__}"
        )
    loss_fn = _loss_function(loss)
    by_row = loss_fn in ROW_LOSSES
    rows, targets = _data(model, xs, ys)
    epochs = checks.count(epochs, "fit: epochs", minimum=0)
    for flag, what in ((shuffle, "shuffle"), (verbose, "verbose")):
        if not isinstance(flag, bool):
            raise TypeError(f"fit: {what} must be True or False, got {type(flag).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(
            f"fit: callback must be a function (epoch, step, loss) or None, "
            f"got {type(callback).__name__}"
        )
    if batch_size is not None:
        batch_size = checks.count(batch_size, "fit: batch_size")
    if seed is not None:
        seed = checks.count(seed, "fit: seed", minimum=-(2**63))
    opt: Optimizer
    if optimizer is None:
        opt = SGD(model.parameters(), 0.01 if lr is None else checks.positive(lr, "fit: lr"))
    elif isinstance(optimizer, Optimizer):
        if lr is not None:
            raise ValueError(
                f"fit: lr={lr!r} would be ignored: the optimizer has its own learning rate "
                f"({type(optimizer).__name__}(lr={optimizer.lr!r})); give one or the other"
            )
        opt = optimizer
        own = model.parameters()  # (a Module may list none and leave them to the optimizer)
        if own and set(opt.params).isdisjoint(own):
            raise ValueError(
                "fit: the optimizer holds none of the model's parameters; make it with "
                "model.parameters()"
            )
    else:
        raise TypeError(f"fit: optimizer must be an Optimizer, got {type(optimizer).__name__}")
    params = opt.params
    rng = random.Random(seed) if shuffle else None  # seeding from the OS costs ~20 µs
    history = History()
    last_finite: float | None = None
    undo = False  # whether the last step can be undone to the last finite loss
    order = list(range(len(rows)))

    def build(batch: Sequence[int]) -> Value:
        """The loss of one batch, built the ordinary way (the model called on each row)."""
        root = loss_fn(*_batch(model, rows, targets, list(batch), by_row))
        if not isinstance(root, Value):
            raise TypeError(f"fit: the loss returned {type(root).__name__}, not a Value")
        return root

    runner = make_runner(
        engine, build, model, rows, targets, loss_fn, shuffle=shuffle, batch_size=batch_size
    )

    def diverged(epoch: int, step: int, reason: str) -> DivergenceError:
        """The error, after putting back the parameters that gave the last finite loss."""
        values = [p.data for p in params]
        if undo:
            opt.undo()
        return DivergenceError(
            f"training diverged at epoch {epoch}, step {step}: {reason}; "
            f"last finite loss {last_finite!r}"
            + ("; the parameters that gave it are restored" if last_finite is not None else ""),
            epoch=epoch,
            step=step,
            last_finite_loss=last_finite,
            parameters=values,
        )

    # The loop does only what every step needs; names are bound once (no lookups per step).
    forward, backward = runner.forward, runner.backward
    zero_grad, update = opt.zero_grad, opt.step
    step_losses = history.step_loss
    isfinite = math.isfinite
    batches = _batches(len(rows), batch_size, order)  # the same every epoch unless shuffled
    for epoch in range(1, epochs + 1):
        if rng is not None:
            rng.shuffle(order)
            batches = _batches(len(rows), batch_size, order)
        epoch_total = 0.0
        for step, batch in enumerate(batches, start=1):
            try:
                # The forward pass: the batch's loss, by the chosen engine.
                value = forward(batch)
            except (OverflowError, ZeroDivisionError, ValueError) as exc:
                # The data was checked up front: after a finite step this is the parameters.
                if isinstance(exc, ValueError) and last_finite is None:
                    raise
                undo = last_finite is not None
                raise diverged(epoch, step, str(exc)) from exc
            if not isfinite(value):
                undo = last_finite is not None  # this fit's last update made it: take it back
                raise diverged(epoch, step, f"loss {value!r}")
            last_finite = value
            # The backward pass and the update.
            zero_grad()
            try:
                backward()
            except (OverflowError, ValueError) as exc:  # an infinite partial: nothing changed
                raise diverged(epoch, step, f"loss {value!r} is finite but {exc}") from exc
            try:
                update()
            except FloatingPointError as exc:
                raise diverged(epoch, step, f"loss {value!r} is finite but {exc}") from exc
            step_losses.append(value)
            epoch_total += value
            if callback is not None:
                _record(history, callback(epoch, step, value))
        history.epoch_loss.append(epoch_total / len(batches))
        if verbose:
            print(f"epoch {epoch} error: {history.epoch_loss[-1]}")
    return history


def _record(history: History, metrics: object) -> None:
    """Add what a callback returned (None, or a mapping of names to numbers)."""
    if metrics is None:
        return
    if not isinstance(metrics, Mapping):
        raise TypeError(
            f"fit: a callback returns None or a dict of metrics, got {type(metrics).__name__}"
        )
    for name, value in metrics.items():
        history.log(name, value)
