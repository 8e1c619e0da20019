"""Ops a user adds: `define_op(name, kernel)` makes an op from a kernel on plain floats."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import ops
from .checks import check_label
from .engine import Operand, Value, _as_value

__all__ = ["define_op"]


def define_op(name: str, kernel: Callable[..., tuple[float, Sequence[float]]] | None = None) -> Any:
    """Add an op: ``kernel(*input_values) -> (value, local_partials)`` on plain floats,
    one local partial derivative per input, in order. Returns a function that applies the
    op to Values (numbers become leaves, as in ``x + 1``): a node like every other, with
    `name` as its op, that works in backward, backward_steps, Tape, draw and explain.
    Used as a decorator, ``@define_op("name")``, it makes the decorated kernel the op.

    What the kernel returns is checked on every call, naming the op: a finite number, and a
    sequence with one number per input (an infinite partial follows the engine's rule:
    backward refuses the node). Inputs that are not finite numbers are refused before the
    kernel runs. To pickle a graph using the op, the kernel must be a module-level function.
    """
    check_label(name, "define_op name")
    if not name:
        raise ValueError("define_op: the op needs a name")
    if kernel is None:

        def decorate(fn: Callable[..., tuple[float, Sequence[float]]]) -> Callable[..., Value]:
            apply: Callable[..., Value] = define_op(name, fn)
            # The op takes the kernel's place in its module: named like it, so pickle and
            # help() find it there.
            for attr in ("__module__", "__name__", "__qualname__"):
                if hasattr(fn, attr):
                    setattr(apply, attr, getattr(fn, attr))
            return apply

        return decorate
    if not callable(kernel):
        raise TypeError(f"define_op {name!r}: kernel must be callable, got {type(kernel).__name__}")
    engine_kernel = ops.UserKernel(name, kernel)

    def apply(*operands: Operand) -> Value:
        nodes = []
        for i, x in enumerate(operands):
            node = _as_value(x, name)
            if node is None:
                raise TypeError(
                    f"{name}: operand {i} must be a Value or a number, got {type(x).__name__}"
                )
            nodes.append(node)
        return Value.apply(name, engine_kernel, nodes)

    apply.__name__ = apply.__qualname__ = name if name.isidentifier() else "op"
    apply.__doc__ = kernel.__doc__ or f"The op {name!r} (made with define_op)."
    apply.kernel = engine_kernel  # type: ignore[attr-defined]
    engine_kernel.apply = apply
    return apply
