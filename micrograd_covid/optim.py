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
        """Update every parameter from its gradient and record its previous value."""
        for p in self.params:
            if not math.isfinite(p.grad):
                raise FloatingPointError(f"{type(self).__name__}: gradient of {p.name} is {p.grad}")
        self.steps += 1
        for i, p in enumerate(self.params):
            p.previous = p.data
            p.data -= self._update(i, p.grad)

    def _update(self, i: int, grad: float) -> float:
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

    def _update(self, i: int, grad: float) -> float:
        if self.momentum:
            v = self._velocity[i]
            v = grad if v is None else self.momentum * v + grad
            self._velocity[i] = v
            return self.lr * v
        return self.lr * grad


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

    def _update(self, i: int, grad: float) -> float:
        beta1, beta2 = self.betas
        m = self._m[i] = beta1 * self._m[i] + (1.0 - beta1) * grad
        v = self._v[i] = beta2 * self._v[i] + (1.0 - beta2) * grad * grad
        step_size = self.lr / (1.0 - beta1**self.steps)
        denom = math.sqrt(v) / math.sqrt(1.0 - beta2**self.steps) + self.eps
        return step_size * (m / denom)
