"""Optimizers: SGD (with momentum) and Adam, each recording every parameter's previous value."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from . import checks
from .engine import Value

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """Base: holds the parameters; `step()` updates them, `zero_grad()` clears gradients.

    `weight_decay` adds ``weight_decay * p`` to each gradient before the update (L2
    regularisation, as `torch.optim` does it). A step is all or nothing: a gradient or an
    updated value that is not finite raises FloatingPointError and changes nothing.
    """

    def __init__(self, params: Iterable[Value], lr: float, weight_decay: float = 0.0) -> None:
        """`params` are the Values to update (a Value listed twice is one parameter); `lr`
        the learning rate (finite, > 0)."""
        name = type(self).__name__
        if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
            hint = " (pass model.parameters())" if hasattr(params, "parameters") else ""
            raise TypeError(
                f"{name}: params must be a list of Values{hint}, got {type(params).__name__}"
            )
        self.params = list(params)
        if set(map(type, self.params)) != {Value}:  # one pass in C for the common case
            for i, p in enumerate(self.params):
                if not isinstance(p, Value):
                    raise TypeError(f"{name}: params[{i}] is {type(p).__name__}")
        if not self.params:
            raise ValueError(f"{name}: no parameters to optimize")
        if len(set(self.params)) != len(self.params):
            # A Value listed twice (a weight two neurons share) is one parameter: one update
            # with its whole gradient, as in torch.optim, not two. (Values hash by identity.)
            self.params = list(dict.fromkeys(self.params))
        self.lr = checks.positive(lr, f"{name}: lr")
        self.weight_decay = checks.interval(weight_decay, f"{name}: weight_decay", 0.0, math.inf)
        self.steps = 0
        # The state before the last step, for `undo()` (the values are in `p.previous`).
        self._undo: dict[str, Any] | None = None

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its gradient and record its previous value.

        A gradient, or an updated value, that is not finite raises FloatingPointError naming
        the parameter; the parameters and the optimizer's state are then left as they were.
        """
        params = self.params
        grads = [p.grad for p in params]
        if not _all_finite(grads):
            self._check_numbers(grads, "gradient of parameter")
            bad = next((p for p in params if not math.isfinite(p.grad)), None)
            if bad is not None:
                raise FloatingPointError(
                    f"{type(self).__name__}: gradient of {bad.name} is {bad.grad}"
                )
        try:
            if self.weight_decay:
                wd = self.weight_decay
                grads = [g + wd * p.data for g, p in zip(grads, params)]
            changes, state = self._updates(grads, self.steps + 1)
            new = [p.data - change for p, change in zip(params, changes)]
        except (TypeError, OverflowError):  # a parameter's data is not a number
            self._check_numbers([p.data for p in params], "parameter")
            raise
        if not math.isfinite(sum(new)) and not all(map(math.isfinite, new)):
            i = next(i for i, v in enumerate(new) if not math.isfinite(v))
            raise FloatingPointError(
                f"{type(self).__name__}: the update of {params[i].name} gives {new[i]} "
                f"(from {params[i].data!r}, gradient {params[i].grad!r}); nothing was changed"
            )
        # Commit: the old state's lists are replaced, never changed, so undo can keep them.
        self._undo = {key: getattr(self, key) for key in state}
        self._undo["steps"] = self.steps
        self.__dict__.update(state)
        self.steps += 1
        for p, value in zip(params, new):
            p.previous = p.data
            p.data = value

    def _check_numbers(self, values: list[Any], what: str) -> None:
        """Raise naming the first of `values` (one per parameter) that is not a number: a
        str, None, an int too large for a float (a leaf's `.data` or `.grad` set to it)."""
        for i, (p, value) in enumerate(zip(self.params, values)):
            if not isinstance(value, float):
                checks.finite(value, f"{type(self).__name__}: {what} {i} ({p.name})")

    def undo(self) -> bool:
        """Put back the parameters and the state from before the last `step()`.

        Each parameter gets its `previous` value back (and `previous` becomes None). Only the
        last step can be undone; returns False when there is nothing to undo.
        """
        if self._undo is None:
            return False
        for p in self.params:
            if p.previous is not None:
                p.data, p.previous = p.previous, None
        self.load_state(self._undo)
        self._undo = None
        return True

    def state(self) -> dict[str, Any]:
        """A snapshot of the optimizer's own state (step count, moments), for `load_state`.

        The base class copies every attribute whose name starts with ``_`` (lists are copied
        one level deep) and `steps`; a subclass with deeper state overrides both methods.
        """
        snapshot: dict[str, Any] = {"steps": self.steps}
        for key, value in vars(self).items():
            if key[0] == "_" and key != "_undo":
                snapshot[key] = value.copy() if type(value) is list else value
        return snapshot

    def load_state(self, state: dict[str, Any]) -> None:
        """Put back a snapshot taken by `state()`."""
        for key, value in state.items():
            setattr(self, key, list(value) if isinstance(value, list) else value)

    def _updates(self, grads: list[float], t: int) -> tuple[list[float], dict[str, Any]]:
        """How much to subtract from each parameter at step `t` (from 1), and the new state.

        The new state (attribute name → value) is applied only if every updated value is
        finite; a subclass returns new lists and leaves its attributes alone.
        """
        raise NotImplementedError


def _all_finite(values: list[float]) -> bool:
    """Whether every value is a finite number: a sum is finite exactly when every term is
    (an overflowing sum is checked term by term)."""
    try:
        return math.isfinite(sum(values)) or all(map(math.isfinite, values))
    except (TypeError, OverflowError):  # a str, None or an int too large among them
        return False


class SGD(Optimizer):
    """p ← p − lr·v, with v ← momentum·v + g (v = g when momentum is 0), as PyTorch.

    g is the gradient, plus ``weight_decay · p`` when weight decay is set.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        """Stochastic gradient descent; `momentum` in [0, 1), `weight_decay` >= 0."""
        super().__init__(params, lr, weight_decay)
        self.momentum = checks.interval(momentum, "SGD: momentum", 0.0, 1.0)
        # Only momentum keeps a velocity per parameter.
        self._velocity: list[float | None] = [None] * len(self.params) if self.momentum else []

    def step(self) -> None:
        """Update every parameter from its gradient (see `Optimizer.step`: all or nothing)."""
        if self.momentum or self.weight_decay or type(self)._updates is not SGD._updates:
            super().step()
            return
        # Plain SGD, p - lr·g: a first pass adds up the new values, a second commits them
        # (computing p - lr·g again is cheaper than keeping a list, and gives the same
        # float). Every new value is finite only if every gradient is (lr > 0: an infinite
        # or nan g gives an infinite or nan p - lr·g), and a sum is finite only if every
        # term is; otherwise the general step checks each gradient and each value and
        # raises naming the parameter, or (the sum overflowed) commits.
        params = self.params
        lr = self.lr
        total = 0.0
        try:
            for p in params:
                total += p.data - lr * p.grad
        except (TypeError, OverflowError):  # a str, None or an int too large: named there
            total = math.nan
        if total - total != 0.0:
            super().step()
            return
        steps = self.steps
        self._undo = {"steps": steps}
        self.steps = steps + 1
        for p in params:
            old = p.data
            p.previous = old
            p.data = old - lr * p.grad

    def _updates(self, grads: list[float], t: int) -> tuple[list[float], dict[str, Any]]:
        lr = self.lr
        if not self.momentum:
            return [lr * g for g in grads], {}
        mu = self.momentum
        velocity = [g if v is None else mu * v + g for v, g in zip(self._velocity, grads)]
        return [lr * v for v in velocity], {"_velocity": velocity}


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction, as `torch.optim.Adam` (L2 `weight_decay`)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        """Adam with moment decay rates `betas` (each in [0, 1)) and denominator term `eps`."""
        super().__init__(params, lr, weight_decay)
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas!r}")
        self.betas = (
            checks.interval(betas[0], "Adam: betas[0]", 0.0, 1.0),
            checks.interval(betas[1], "Adam: betas[1]", 0.0, 1.0),
        )
        self.eps = checks.positive(eps, "Adam: eps")
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def _updates(self, grads: list[float], t: int) -> tuple[list[float], dict[str, Any]]:
        beta1, beta2 = self.betas
        moment1 = [beta1 * m + (1.0 - beta1) * g for m, g in zip(self._m, grads)]
        moment2 = [beta2 * v + (1.0 - beta2) * g * g for v, g in zip(self._v, grads)]
        step_size = self.lr / (1.0 - beta1**t)
        correction = math.sqrt(1.0 - beta2**t)
        changes = [
            step_size * (m / (math.sqrt(v) / correction + self.eps))
            for m, v in zip(moment1, moment2)
        ]
        return changes, {"_m": moment1, "_v": moment2}
