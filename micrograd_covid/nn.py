"""Neural networks on the engine: Module, Neuron, Layer and MLP.

Each neuron builds one `Value.dot` node (w·x + b) followed by one activation node, so a
drawing shows a neuron as the walkthrough shows ŷ: one node wired straight to its weights.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias

from . import ops
from .checks import finite, is_sequence
from .dots import dense, dot_inputs
from .engine import Value
from .names import LAYERS, NEURONS

__all__ = ["ACTIVATIONS", "INITS", "MLP", "Layer", "Module", "Neuron"]

Input: TypeAlias = "Value | float | int"

#: The activations a neuron can use, from the one table in `ops.ACTIVATIONS`.
ACTIVATIONS = tuple(ops.ACTIVATIONS)
INITS = ("uniform01", "truncated_normal", "glorot", "he")


class Module:
    """Something with parameters: `parameters()`, `named_parameters()`, `zero_grad()`."""

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """Every parameter with its dotted name, in a stable order."""
        return iter(())

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of `named_parameters()`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        for p in self.parameters():
            p.grad = 0.0

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        """The module's output for one input vector."""
        raise NotImplementedError


def _parameters_of(module: Module, cls: type[Module], parts: Sequence[Module]) -> list[Value]:
    """`module`'s parameters as its parts' in turn, without building the names; a subclass
    of `cls` with its own `named_parameters()` gets the general way, which lists its own."""
    if type(module).named_parameters is not cls.named_parameters:
        return Module.parameters(module)
    params: list[Value] = []
    for part in parts:
        params += part.parameters()
    return params


def _check_choice(value: str, choices: Sequence[str], what: str) -> str:
    """`value` if it is one of `choices`; `what` is "Who: argument"."""
    if value not in choices:
        who, name = what.split(": ")
        raise ValueError(f"{who}: unknown {name} {value!r}; choose one of {', '.join(choices)}")
    return value


def _got(value: object) -> str:
    """A wrong argument as an error shows it: its type and (shortened) value, ``int 16``."""
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def _size(value: object, what: str) -> int:
    """A positive int (numpy integers too, not bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be a positive int, got {_got(value)}")
    if value < 1:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return int(value)


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, got {_got(value)}")
    return value


def _check_inputs(x: object, n: int, who: str) -> None:
    """Refuse an input that is not a list (or tuple, or array) of `n` inputs."""
    if not is_sequence(x):
        raise TypeError(f"{who}: x must be a list of {n} inputs (numbers or Values), got {_got(x)}")
    if len(x) != n:
        raise ValueError(f"{who}: expected {n} inputs, got {len(x)}")


def _initial_weight(init: str, nin: int, nout: int, rng: random.Random) -> float:
    if init == "uniform01":
        return rng.random()
    if init == "truncated_normal":
        # N(0, 0.05²) redrawn beyond two standard deviations (Keras's TruncatedNormal).
        while True:
            w = rng.gauss(0.0, 0.05)
            if abs(w) <= 0.1:
                return w
    if init == "glorot":
        limit = math.sqrt(6.0 / (nin + nout))
        return rng.uniform(-limit, limit)
    limit = math.sqrt(6.0 / nin)  # he
    return rng.uniform(-limit, limit)


def _activate(z: Value, activation: str) -> Value:
    """The separate activation node of an unfused neuron."""
    kernel = ops.ACTIVATIONS[activation].kernel
    return z if kernel is None else Value.apply(activation, kernel, (z,))


class Neuron(Module):
    """activation(w·x + b): one dot node with the activation inside (or, with fused=False,
    a dot node followed by an activation node)."""

    def __init__(
        self,
        nin: int,
        activation: str = "tanh",
        bias: bool = True,
        init: str | None = None,
        rng: random.Random | None = None,
        *,
        nout: int = 1,
        fused: bool = True,
    ) -> None:
        """`nin` weights drawn by `init` from `rng` (a fresh unseeded Random when None).

        `fused`: the activation is part of the dot node (one node per neuron, its partials
        scaled by the activation's slope); False adds a separate activation node.
        """
        nin = _size(nin, "Neuron: nin")
        nout = _size(nout, "Neuron: nout")
        self.activation = _check_choice(activation, ACTIVATIONS, "Neuron: activation")
        self.init = _check_choice(
            init or ops.ACTIVATIONS[activation].default_init, INITS, "Neuron: init"
        )
        _flag(bias, "Neuron: bias")
        _flag(fused, "Neuron: fused")
        if rng is not None and not isinstance(rng, random.Random):
            raise TypeError(f"Neuron: rng must be a random.Random or None, got {_got(rng)}")
        rng = rng if rng is not None else random.Random()
        self.w = [
            Value(_initial_weight(self.init, nin, nout, rng), role="param") for _ in range(nin)
        ]
        self.b = Value(0.0, role="param") if bias else None
        self.fused = fused
        self._act = None if activation == "linear" else activation
        for name, p in self.named_parameters():
            p.label = name

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """``w.0 … w.n-1`` then ``b``."""
        for i, w in enumerate(self.w):
            yield f"w.{i}", w
        if self.b is not None:
            yield "b", self.b

    def parameters(self) -> list[Value]:
        """``w[0] … w[n-1]`` then ``b``: `named_parameters()`'s order, without the names."""
        if type(self).named_parameters is not Neuron.named_parameters:
            return super().parameters()  # a subclass with parameters of its own
        return list(self.w) if self.b is None else [*self.w, self.b]

    def __call__(self, x: Sequence[Input]) -> Value:
        """The neuron's output for one input vector."""
        if type(x) is not list or len(x) != len(self.w):
            _check_inputs(x, len(self.w), "Neuron")
        if self.fused:
            return Value.dot(self.w, x, self.b, self._act)
        return _activate(Value.dot(self.w, x, self.b), self.activation)

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r}, bias={self.b is not None})"


class Layer(Module):
    """`nout` neurons that share their input."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "tanh",
        bias: bool = True,
        init: str | None = None,
        rng: random.Random | None = None,
        fused: bool = True,
    ) -> None:
        """`nout` Neurons of `nin` inputs each."""
        nin = _size(nin, "Layer: nin")
        nout = _size(nout, "Layer: nout")
        if rng is not None and not isinstance(rng, random.Random):
            raise TypeError(f"Layer: rng must be a random.Random or None, got {_got(rng)}")
        rng = rng if rng is not None else random.Random()
        self.neurons = [
            Neuron(nin, activation, bias, init, rng, nout=nout, fused=fused) for _ in range(nout)
        ]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """``neurons.j.w.i`` and ``neurons.j.b``."""
        for j, neuron in enumerate(self.neurons):
            for name, p in neuron.named_parameters():
                yield f"{NEURONS}.{j}.{name}", p

    def parameters(self) -> list[Value]:
        """Every neuron's parameters in turn: `named_parameters()`'s order, without names."""
        return _parameters_of(self, Layer, self.neurons)

    def __call__(self, x: Sequence[Input]) -> list[Value]:
        """Every neuron's output."""
        neurons = self.neurons
        first = neurons[0]
        if type(x) is not list or len(x) != len(first.w):
            _check_inputs(x, len(first.w), "Layer")
        xdata, xnodes = dot_inputs(x)
        rows, biases = [], []
        for neuron in neurons:
            rows.append(neuron.w)
            biases.append(neuron.b)
            if len(neuron.w) != len(x):
                j = neurons.index(neuron)
                raise ValueError(
                    f"Layer: neuron {j} has {len(neuron.w)} weights for {len(x)} inputs"
                )
        if first.fused:
            return dense(rows, biases, xdata, xnodes, first._act)
        outs = dense(rows, biases, xdata, xnodes)
        return [_activate(z, first.activation) for z in outs]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(repr(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: `nin` inputs, then one Layer per entry of `nouts`."""

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "tanh",
        output_activation: str = "linear",
        bias: bool = True,
        init: str | None = None,
        seed: int | None = None,
        fused: bool = True,
    ) -> None:
        """Hidden layers use `activation`, the last layer `output_activation`.

        `fused=True` makes each neuron one node a(w·x + b); False draws the activation as a
        node of its own (slower, and a bigger picture).
        """
        nin = _size(nin, "MLP: nin")
        if not is_sequence(nouts):
            raise TypeError(f"MLP: nouts must be a list of layer sizes, got {_got(nouts)}")
        if not len(nouts):
            raise ValueError("MLP: nouts must name at least one layer size")
        nouts = [_size(n, f"MLP: nouts[{i}]") for i, n in enumerate(nouts)]
        _check_choice(activation, ACTIVATIONS, "MLP: activation")
        _check_choice(output_activation, ACTIVATIONS, "MLP: output_activation")
        if init is not None:
            _check_choice(init, INITS, "MLP: init")
        _flag(bias, "MLP: bias")
        _flag(fused, "MLP: fused")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"MLP: seed must be an int or None, got {_got(seed)}")
        rng = random.Random(None if seed is None else int(seed))
        sizes = [nin, *nouts]
        self.nin = nin
        self.nouts = list(nouts)
        self.activation = activation
        self.output_activation = output_activation
        self.bias = bias
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation if i < len(nouts) - 1 else output_activation,
                bias,
                init,
                rng,
                fused,
            )
            for i in range(len(nouts))
        ]
        self._relabel()

    def _relabel(self) -> None:
        for name, p in self.named_parameters():
            p.label = name

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[Sequence[Sequence[float]]],
        biases: Sequence[Sequence[float]] | None = None,
        activation: str = "tanh",
        output_activation: str = "linear",
        fused: bool = True,
    ) -> MLP:
        """An MLP with every weight given: ``weights[layer][neuron][input]``.

        `biases[layer][neuron]`, or None for a network without biases.
        """
        _nested(weights, "weights", 3)
        if biases is not None:
            _nested(biases, "biases", 2)
        nin = len(weights[0][0])
        nouts = [len(layer) for layer in weights]
        model = cls(
            nin, nouts, activation, output_activation, bias=biases is not None, seed=0, fused=fused
        )
        for li, (layer, layer_weights) in enumerate(zip(model.layers, weights)):
            fan_in = nin if li == 0 else nouts[li - 1]
            for ni, (neuron, neuron_weights) in enumerate(zip(layer.neurons, layer_weights)):
                if len(neuron_weights) != fan_in:
                    raise ValueError(
                        f"from_weights: layer {li} neuron {ni} has {len(neuron_weights)} "
                        f"weights, expected {fan_in}"
                    )
                for w, value in zip(neuron.w, neuron_weights):
                    w.data = _param(value, f"weights[{li}][{ni}]")
        if biases is not None:
            if len(biases) != len(nouts):
                raise ValueError(f"from_weights: {len(biases)} bias lists for {len(nouts)} layers")
            for li, (layer, layer_biases) in enumerate(zip(model.layers, biases)):
                if len(layer_biases) != len(layer.neurons):
                    raise ValueError(
                        f"from_weights: layer {li} has {len(layer.neurons)} neurons but "
                        f"{len(layer_biases)} biases"
                    )
                for neuron, value in zip(layer.neurons, layer_biases):
                    assert neuron.b is not None
                    neuron.b.data = _param(value, f"biases[{li}]")
        return model

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """``layers.k.neurons.j.w.i`` and ``layers.k.neurons.j.b``."""
        for k, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f"{LAYERS}.{k}.{name}", p

    def parameters(self) -> list[Value]:
        """Every layer's parameters in turn: `named_parameters()`'s order, without names."""
        return _parameters_of(self, MLP, self.layers)

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        """The network's output: a Value for one output, else a list (role "model")."""
        if type(x) is not list or len(x) != self.nin:
            _check_inputs(x, self.nin, "MLP")
        layers = self.layers
        outputs = layers[0](x)
        for k in range(1, len(layers)):
            outputs = layers[k](outputs)
        for v in outputs:
            v.role = "model"
        return outputs[0] if len(outputs) == 1 else outputs

    def structure(self) -> tuple[Any, ...] | None:
        """Everything this network's graph depends on but the parameters' values: the
        sizes, which neurons have a bias, the activations, fusing, and the parameters'
        labels. Two MLPs with equal structures build graphs of the same shape for the same
        inputs (the compiled engine keeps its code by it). None when the network is not
        made of plain `Layer`s and `Neuron`s (a subclass's code can change the graph in
        ways no structure shows) or a label is not a str."""
        if type(self) is not MLP:
            return None
        parts: list[Any] = [self.nin]
        for layer in self.layers:
            if type(layer) is not Layer:
                return None
            parts.append(len(layer.neurons))
            for neuron in layer.neurons:
                if type(neuron) is not Neuron:
                    return None
                parts += (len(neuron.w), neuron.b is None, neuron.fused)
                parts += (neuron.activation, neuron._act)
        labels = [p.label for p in self.parameters()]
        if set(map(type, labels)) - {str}:
            return None  # a label assigned later that is not a str: not a key
        return (*parts, *labels)

    def weights(self) -> list[list[list[float]]]:
        """Every weight as ``[layer][neuron][input]`` floats (the form `from_weights` takes);
        a weight that is not a number (a str, an int too large) raises naming it."""
        return [
            [
                [_as_float(w, k, j, i) for i, w in enumerate(n.w)]
                for j, n in enumerate(layer.neurons)
            ]
            for k, layer in enumerate(self.layers)
        ]

    def biases(self) -> list[list[float]] | None:
        """Every bias as ``[layer][neuron]`` floats, or None without biases."""
        if not self.bias:
            return None
        return [
            [_as_float(n.b, k, j, -1) for j, n in enumerate(layer.neurons) if n.b is not None]
            for k, layer in enumerate(self.layers)
        ]

    def __repr__(self) -> str:
        return (
            f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r}, bias={self.bias})"
        )


def _as_float(p: Value, k: int, j: int, i: int) -> float:
    """Parameter ``layers.k.neurons.j.w.i`` (the bias for i = -1) as a float: numpy scalars
    and ints are converted, a float passes as it is (nan too: `save` refuses it by name);
    anything else raises naming the parameter."""
    data = p.data
    if isinstance(data, float):
        return float(data)
    name = "b" if i < 0 else f"w.{i}"
    return finite(data, f"parameter layers.{k}.neurons.{j}.{name}")


def _nested(value: object, where: str, depth: int) -> None:
    """Check that `value` is non-empty lists nested `depth` deep (the numbers are checked
    where they are read), naming the first part that is not."""
    parts = ["layer", "neuron", "input"][:depth]
    shape = "".join(f"[{p}]" for p in parts)
    stack = [(value, where, 0)]
    while stack:
        item, name, level = stack.pop()
        if not is_sequence(item):
            raise TypeError(
                f"from_weights: {name} must be a list ({where}{shape}), got {_got(item)}"
            )
        if not len(item):
            raise ValueError(f"from_weights: {name} is empty; {where} is {shape} lists")
        if level + 1 < depth:
            stack += [
                (sub, f"{name}[{i}]", level + 1) for i, sub in reversed(list(enumerate(item)))
            ]


def _param(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"from_weights: {where} must hold numbers, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"from_weights: {where} holds an int too large for a float") from None
    if not math.isfinite(number):
        raise ValueError(f"from_weights: {where} holds a non-finite number {value!r}")
    return number
