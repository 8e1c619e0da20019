"""Optimizers: SGD (with momentum) and Adam, each recording every parameter's previous value."""

from __future__ import annotations

import math
from collections.abc import Iterable

from .engine import Value

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """Base: holds the parameters; `step()` updates them, `zero_grad()` clears gradients."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        """`params` are the Values to update; `lr` the learning rate (> 0)."""
        self.params = list(params)
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: params[{i}] is {type(p).__name__}")
        if not self.params:
            raise ValueError(f"{type(self).__name__}: no parameters to optimize")
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
            raise ValueError(f"{type(self).__name__}: lr must be a positive number, got {lr!r}")
        self.lr = float(lr)
        self.steps = 0

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its gradient and record its previous value.

        A gradient that is not finite raises FloatingPointError before anything changes.
        """
        grads = [p.grad for p in self.params]
        if not all(map(math.isfinite, grads)):
            bad = next(p for p in self.params if not math.isfinite(p.grad))
            raise FloatingPointError(f"{type(self).__name__}: gradient of {bad.name} is {bad.grad}")
        self.steps += 1
        for p, change in zip(self.params, self._updates(grads)):
            p.previous = p.data
            p.data -= change

    def _updates(self, grads: list[float]) -> list[float]:
        """How much to subtract from each parameter, given its gradient."""
        raise NotImplementedError


class SGD(Optimizer):
    """p ← p − lr·v, with v ← momentum·v + grad (v = grad when momentum is 0), as PyTorch."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        """Stochastic gradient descent; `momentum` in [0, 1)."""
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self._velocity: list[float | None] = [None] * len(self.params)

    def _updates(self, grads: list[float]) -> list[float]:
        lr = self.lr
        if not self.momentum:
            return [lr * g for g in grads]
        mu = self.momentum
        velocity = [g if v is None else mu * v + g for v, g in zip(self._velocity, grads)]
        self._velocity = list(velocity)
        return [lr * v for v in velocity]


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction, as `torch.optim.Adam`."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        """Adam with moment decay rates `betas` and denominator term `eps`."""
        super().__init__(params, lr)
        if not all(0.0 <= b < 1.0 for b in betas) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas!r}")
        if not eps > 0:
            raise ValueError(f"Adam: eps must be positive, got {eps!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = float(eps)
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def _updates(self, grads: list[float]) -> list[float]:
        beta1, beta2 = self.betas
        self._m = [beta1 * m + (1.0 - beta1) * g for m, g in zip(self._m, grads)]
        self._v = [beta2 * v + (1.0 - beta2) * g * g for v, g in zip(self._v, grads)]
        step_size = self.lr / (1.0 - beta1**self.steps)
        correction = math.sqrt(1.0 - beta2**self.steps)
        return [
            step_size * (m / (math.sqrt(v) / correction + self.eps))
            for m, v in zip(self._m, self._v)
        ]
