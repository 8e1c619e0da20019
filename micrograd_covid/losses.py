"""Losses: squared error as one node, and SSE / MSE as one `Value.sum` / `Value.mean` node."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

from . import ops
from .engine import Value, check_number

__all__ = ["mse", "squared_error", "sse"]

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
        y = Value(check_number(target, "squared_error target"), label="y", role="input")
    out = Value.apply("squared_error", ops.squared_error, (pred, y))
    out.role = "loss"
    return out


def _terms(preds: Sequence[Value], targets: Sequence[Target], name: str) -> list[Value]:
    if len(preds) != len(targets):
        raise ValueError(f"{name}: {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{name}: needs at least one prediction")
    return [squared_error(p, t) for p, t in zip(preds, targets)]


def sse(preds: Sequence[Value], targets: Sequence[Target]) -> Value:
    """Sum of squared errors: one sum node over the squared_error terms."""
    out = Value.sum(_terms(preds, targets, "sse"))
    out.role = "loss"
    return out


def mse(preds: Sequence[Value], targets: Sequence[Target]) -> Value:
    """Mean squared error: one node over the squared_error terms, each partial 1/n."""
    out = Value.mean(_terms(preds, targets, "mse"))
    out.role = "loss"
    return out
