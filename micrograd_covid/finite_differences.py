"""`gradcheck`: backward's gradients beside central finite differences, input by input."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .checks import check_number
from .engine import Value, topological_order
from .formatting import fmt_number

__all__ = ["GradcheckEntry", "GradcheckReport", "gradcheck"]


@dataclass(frozen=True)
class GradcheckEntry:
    """One input of a gradcheck: backward's gradient beside the central difference."""

    index: int
    label: str
    analytic: float
    numeric: float
    ok: bool


@dataclass(frozen=True)
class GradcheckReport:
    """The result of `gradcheck`: true when every input's gradient agrees."""

    entries: tuple[GradcheckEntry, ...]

    @property
    def ok(self) -> bool:
        """True when every entry agrees."""
        return all(e.ok for e in self.entries)

    @property
    def failures(self) -> tuple[GradcheckEntry, ...]:
        """The entries whose gradients disagree."""
        return tuple(e for e in self.entries if not e.ok)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"gradcheck ok: {len(self.entries)} inputs agree"
        lines = [f"gradcheck failed for {len(self.failures)} of {len(self.entries)} inputs:"]
        for e in self.failures:
            name = e.label or f"input {e.index}"
            lines.append(f"  {name}: backward {e.analytic!r}, central difference {e.numeric!r}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from .display import gradcheck_html

        return gradcheck_html(self)


def gradcheck(
    f: Callable[..., Value],
    values: Sequence[Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradcheckReport:
    """Compare backward's gradients of ``f(*values)`` with central differences.

    Everything is left as it was: the data and gradients of `values` and the gradients of
    every other node of f's graph (weights f uses without being given them).
    """
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"gradcheck: values[{i}] must be a Value, got {type(v).__name__}")
    for what, x, bound in (("eps", eps, "> 0"), ("atol", atol, ">= 0"), ("rtol", rtol, ">= 0")):
        x = check_number(x, f"gradcheck: {what}")
        if not (x > 0.0 if what == "eps" else x >= 0.0):
            raise ValueError(f"gradcheck: {what} must be {bound}, got {fmt_number(x)}")
    saved = [(v.data, v.grad) for v in values]
    others: list[tuple[Value, float]] = []
    try:
        out = f(*values)
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
        others = [(node, node.grad) for node in topological_order(out)]
        for v in values:
            v.grad = 0.0
        out.backward()
        analytic = [v.grad for v in values]
        entries = []
        for i, v in enumerate(values):
            x = saved[i][0]
            v.data = x + eps
            up = f(*values).data
            v.data = x - eps
            down = f(*values).data
            v.data = x
            numeric = (up - down) / (2.0 * eps)
            ok = abs(analytic[i] - numeric) <= atol + rtol * abs(numeric)
            entries.append(GradcheckEntry(i, v.label, analytic[i], numeric, ok))
        return GradcheckReport(tuple(entries))
    finally:
        for node, grad in others:
            node.grad = grad
        for v, (data, grad) in zip(values, saved):
            v.data = data
            v.grad = grad
