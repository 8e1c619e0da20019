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


def _batches(n: int, batch_size: int | None, order: list[int]) -> list[list[int]]:
    size = n if batch_size is None else batch_size
    return [order[i : i + size] for i in range(0, n, size)]


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
) -> History:
    """Train `model` on (xs, ys) and return the losses.

    `batch_size=1` is per-example SGD as in the tutorials, None is full batch. Each step:
    forward, loss, zero_grad, backward, optimizer step. `callback(epoch, step, loss)` runs
    after every step. A non-finite loss raises `DivergenceError` naming where it happened.
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
            try:
                value = loss_fn(preds, targets)
            except (OverflowError, ValueError) as exc:
                raise DivergenceError(
                    f"training diverged at epoch {epoch}, step {step}: {exc}; "
                    f"last finite loss {last_finite!r}"
                ) from exc
            if not math.isfinite(value.data):
                raise DivergenceError(
                    f"training diverged at epoch {epoch}, step {step}: loss {value.data!r}; "
                    f"last finite loss {last_finite!r}"
                )
            last_finite = value.data
            opt.zero_grad()
            value.backward()
            opt.step()
            history.step_loss.append(value.data)
            epoch_total += value.data
            if callback is not None:
                callback(epoch, step, value.data)
        history.epoch_loss.append(epoch_total / len(batches))
        if verbose:
            print(f"epoch {epoch} error: {history.epoch_loss[-1]}")
    return history
