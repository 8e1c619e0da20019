"""micrograd's `Neuron`, `Layer` and `MLP` on this engine: port micrograd code by changing
its import lines.

The semantics are micrograd's: weights drawn from U(−1, 1), biases 0, ReLU hidden layers
and a linear last layer, and a one-output `Layer` (or `MLP`) returns a Value rather than a
list. Each neuron is one `Value.dot` node with its ReLU inside, so a step is the same maths
as micrograd's (to rounding) at a fraction of the cost.

Importing this module also gives every Value micrograd's private fields, read-only, for code
written against them (the lecture's ``trace`` and ``draw_dot``): ``v._prev``, the node's
inputs, each once, in argument order (micrograd's is a set), and ``v._op``, its op ('' for a
leaf).

Randomness never comes from the global `random` module. Without `seed=` or `rng=`, weights
come from this module's generator, seeded with 0 at import; `seed(n)` reseeds it. The draws
are in micrograd's order, so ``MLP(2, [16, 16, 1], seed=1337)`` holds exactly the weights
micrograd's ``MLP(2, [16, 16, 1])`` gets after ``random.seed(1337)``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias

from . import nn
from .engine import Value

__all__ = ["MLP", "Layer", "Module", "Neuron", "Value", "seed"]

Input: TypeAlias = "Value | float | int"

_default_rng = random.Random(0)


def _prev(node: Value) -> tuple[Value, ...]:
    """micrograd's ``_prev``: the node's inputs, each once, in argument order."""
    return tuple(dict.fromkeys(node.inputs))


def _op(node: Value) -> str:
    """micrograd's ``_op``: the op that computed the node, '' for a leaf."""
    return node.op


# Properties on the class itself: every Value, however it was made, answers them.
setattr(Value, "_prev", property(_prev))  # noqa: B010  (mypy: Value declares no such field)
setattr(Value, "_op", property(_op))  # noqa: B010


def seed(n: int) -> None:
    """Reseed the generator that `Neuron`, `Layer` and `MLP` draw from without `seed=`/`rng=`."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"compat.seed: n must be an int, got {type(n).__name__}")
    _default_rng.seed(n)


def _generator(seed: int | None, rng: random.Random | None, who: str) -> random.Random:
    if seed is not None and rng is not None:
        raise ValueError(f"{who}: give seed= or rng=, not both")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"{who}: seed must be an int, got {type(seed).__name__}")
        return random.Random(seed)
    if rng is not None:
        if not isinstance(rng, random.Random):
            raise TypeError(f"{who}: rng must be a random.Random, got {type(rng).__name__}")
        return rng
    return _default_rng


def _size(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return n


def _vector(x: Sequence[Input] | Value, nin: int, who: str) -> Sequence[Input]:
    """The input as a sequence; a bare Value is a vector of one (a one-output Layer's output)."""
    if isinstance(x, Value):
        x = [x]
    if len(x) != nin:
        raise ValueError(f"{who}: expected {nin} inputs, got {len(x)}")
    return x


class Module(nn.Module):
    """micrograd's Module: `parameters()` and `zero_grad()` (plus `named_parameters()`)."""

    def _relabel(self) -> None:
        for name, p in self.named_parameters():
            p.label = name


class Neuron(Module):
    """relu(w·x + b), or w·x + b with ``nonlin=False``: one dot node."""

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """`nin` weights from U(−1, 1) and a bias of 0, as micrograd's Neuron."""
        _size(nin, "Neuron: nin")
        if not isinstance(nonlin, bool):
            raise TypeError(f"Neuron: nonlin must be True or False, got {nonlin!r}")
        draw = _generator(seed, rng, "Neuron")
        self.w = [Value(draw.uniform(-1.0, 1.0), role="param") for _ in range(nin)]
        self.b = Value(0.0, role="param")
        self.nonlin = nonlin
        self._relabel()

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """``w.0 … w.n-1`` then ``b``."""
        for i, w in enumerate(self.w):
            yield f"w.{i}", w
        yield "b", self.b

    def __call__(self, x: Sequence[Input] | Value) -> Value:
        """The neuron's output for one input vector."""
        x = _vector(x, len(self.w), "Neuron")
        return Value.dot(self.w, x, self.b, "relu" if self.nonlin else None)

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` Neurons sharing their input; `kwargs` (``nonlin=``) go to each Neuron."""

    def __init__(
        self,
        nin: int,
        nout: int,
        *,
        seed: int | None = None,
        rng: random.Random | None = None,
        **kwargs: Any,
    ) -> None:
        """`nout` Neurons of `nin` inputs, drawn one after another from one generator."""
        _size(nout, "Layer: nout")
        unknown = set(kwargs) - {"nonlin"}
        if unknown:
            raise TypeError(
                f"Layer: unexpected argument {sorted(unknown)[0]!r}; compat layers take "
                "nonlin=True (ReLU) or False (linear); for other activations use "
                "micrograd_covid.Layer"
            )
        draw = _generator(seed, rng, "Layer")
        self.neurons = [Neuron(nin, rng=draw, **kwargs) for _ in range(nout)]
        self._relabel()

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """``neurons.j.w.i`` and ``neurons.j.b``."""
        for j, neuron in enumerate(self.neurons):
            for name, p in neuron.named_parameters():
                yield f"neurons.{j}.{name}", p

    def _outputs(self, x: Sequence[Input] | Value) -> list[Value]:
        x = _vector(x, len(self.neurons[0].w), "Layer")
        return [n(x) for n in self.neurons]

    def __call__(self, x: Sequence[Input] | Value) -> Value | list[Value]:
        """Every neuron's output: a list, or the Value itself for a one-neuron layer."""
        out = self._outputs(x)
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """`nin` inputs, then a Layer per entry of `nouts`: ReLU hidden layers, a linear last."""

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """micrograd's MLP: e.g. ``MLP(2, [16, 16, 1])``."""
        _size(nin, "MLP: nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        for i, n in enumerate(nouts):
            _size(n, f"MLP: nouts[{i}]")
        draw = _generator(seed, rng, "MLP")
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], rng=draw, nonlin=i != len(nouts) - 1)
            for i in range(len(nouts))
        ]
        self._relabel()

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """``layers.k.neurons.j.w.i`` and ``layers.k.neurons.j.b``."""
        for k, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f"layers.{k}.{name}", p

    def __call__(self, x: Sequence[Input] | Value) -> Value | list[Value]:
        """The network's output (role "model"): a Value for one output, else a list."""
        out = self.layers[0]._outputs(x)
        for layer in self.layers[1:]:
            out = layer._outputs(out)
        for v in out:
            v.role = "model"
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
