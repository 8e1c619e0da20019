"""The training loop: `fit` and its `History`."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .engine import Value
from .losses import mse, sse
from .nn import Module
from .optim import SGD, Optimizer
from .runners import make_runner, without_gc

__all__ = ["DivergenceError", "History", "fit"]

Row = Sequence[float | int | Value]
LOSSES = {"mse": mse, "sse": sse}


class DivergenceError(FloatingPointError):
    """Training produced a loss that is not finite."""


@dataclass
class History:
    """Losses of a `fit`: each step's loss, and each epoch's mean step loss."""

    step_loss: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)


def _batch(
    model: Module, xs: Sequence[Row], ys: Sequence[float | Sequence[float]], batch: list[int]
) -> tuple[list[Value], list[float]]:
    """The model's outputs and the targets for the examples in `batch`, flattened."""
    preds: list[Value] = []
    targets: list[float] = []
    for i in batch:
        out = model(xs[i])
        outs = out if isinstance(out, list) else [out]
        y = ys[i]
        ys_i = list(y) if isinstance(y, Sequence) else [y]
        if len(ys_i) != len(outs):
            raise ValueError(
                f"fit: target {i} has {len(ys_i)} values, the model {len(outs)} outputs"
            )
        preds += outs
        targets += ys_i
    return preds, targets


def _batches(n: int, batch_size: int | None, order: list[int]) -> list[list[int]]:
    size = n if batch_size is None else batch_size
    return [order[i : i + size] for i in range(0, n, size)]


@without_gc
def fit(
    model: Module,
    xs: Sequence[Row],
    ys: Sequence[float | Sequence[float]],
    *,
    loss: str = "mse",
    optimizer: Optimizer | None = None,
    lr: float = 0.01,
    epochs: int = 1,
    batch_size: int | None = None,
    shuffle: bool = False,
    seed: int | None = None,
    callback: Callable[[int, int, float], None] | None = None,
    verbose: bool = False,
    engine: str = "graph",
) -> History:
    """Train `model` on (xs, ys) and return the losses.

    `batch_size=1` is per-example SGD as in the tutorials, None is full batch. Each step:
    forward, loss, zero_grad, backward, optimizer step. `callback(epoch, step, loss)` runs
    after every step. A non-finite loss raises `DivergenceError` naming where it happened.

    `engine` runs the steps (see `runners`): "graph" builds each batch's graph; "tape"
    records it once and replays it (fixed batches: shuffle only with batch_size 1);
    "compiled" runs code generated from one sample's graph (these three give the same
    numbers, bit for bit); "numpy" runs the batch as arrays (to about 1e-15 per step).
    The cyclic GC is paused during fit (graphs hold no cycles) and restored after.
    """
    if loss not in LOSSES:
        raise ValueError(f"fit: unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    if len(xs) != len(ys):
        raise ValueError(f"fit: {len(xs)} inputs but {len(ys)} targets")
    if not xs:
        raise ValueError("fit: no training data")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"fit: batch_size must be a positive int or None, got {batch_size!r}")
    loss_fn = LOSSES[loss]
    runner = make_runner(
        engine,
        lambda batch: loss_fn(*_batch(model, xs, ys, list(batch))),
        model,
        xs,
        ys,
        loss_fn,
        shuffle=shuffle,
        batch_size=batch_size,
    )
    opt = optimizer if optimizer is not None else SGD(model.parameters(), lr)
    rng = random.Random(seed)
    history = History()
    last_finite: float | None = None
    order = list(range(len(xs)))
    for epoch in range(1, epochs + 1):
        if shuffle:
            rng.shuffle(order)
        epoch_total = 0.0
        batches = _batches(len(xs), batch_size, order)
        for step, batch in enumerate(batches, start=1):
            try:
                value = runner.forward(batch)
            except (OverflowError, ZeroDivisionError, ValueError) as exc:
                # A ValueError before any step succeeded is a usage error, not divergence.
                if isinstance(exc, ValueError) and last_finite is None:
                    raise
                raise DivergenceError(
                    f"training diverged at epoch {epoch}, step {step}: {exc}; "
                    f"last finite loss {last_finite!r}"
                ) from exc
            if not math.isfinite(value):
                raise DivergenceError(
                    f"training diverged at epoch {epoch}, step {step}: loss {value!r}; "
                    f"last finite loss {last_finite!r}"
                )
            last_finite = value
            opt.zero_grad()
            runner.backward()
            opt.step()
            history.step_loss.append(value)
            epoch_total += value
            if callback is not None:
                callback(epoch, step, value)
        history.epoch_loss.append(epoch_total / len(batches))
        if verbose:
            print(f"epoch {epoch} error: {history.epoch_loss[-1]}")
    return history
