"""Short display names: one per node, the same in drawings, sentences, formulas and code.

A node is shown by its label, shortened where it is a parameter path (``layers.1.neurons.0.w.2``
→ ``L1.n0.w2``; the indices are `named_parameters()`'s, from 0). The path words are defined
here, `LAYERS` and `NEURONS`, and `nn` writes its paths with them: this module works on any
graph and imports nothing from the package.
An unlabelled neuron output is named after its neuron (``L1.n0``), any other unlabelled
interior node ``t1, t2, …`` (the root, the last node, ``L``) and an unlabelled leaf (a
number that became a leaf) ``c1, c2, …``,
numbered in topological order. Where two nodes would share a name, the second is ``name#2``,
the third ``name#3``: every name in one graph is unique.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

__all__ = ["LAYERS", "NEURONS", "Node", "display_names", "neuron_of", "short_label"]

#: The words of a parameter path: ``layers.k.neurons.j.w.i`` (a neuron's weights are ``w.i``,
#: its bias ``b``), shortened to ``Lk.nj.wi``.
LAYERS, NEURONS = "layers", "neurons"

_PARAM = re.compile(rf"^(?:{LAYERS}\.(\d+)\.)?(?:{NEURONS}\.(\d+)\.)?(?:(w)\.(\d+)|(b))$")
_NEURON_PARAM = re.compile(rf"^(?:{LAYERS}\.(\d+)\.)?{NEURONS}\.(\d+)\.(?:w\.\d+|b)$")


class Node(Protocol):
    """What naming reads of a node (a `Value`): its label and its inputs."""

    @property
    def label(self) -> str: ...

    @property
    def inputs(self) -> Sequence[Node]: ...


N = TypeVar("N", bound=Node)


def short_label(label: str) -> str:
    """The short form of a parameter's dotted name: ``layers.1.neurons.0.w.2`` → ``L1.n0.w2``.

    Any other label is returned unchanged.
    """
    m = _PARAM.match(label)
    if m is None or (m.group(1) is None and m.group(2) is None):
        return label
    layer, neuron, w, index, b = m.groups()
    parts = []
    if layer is not None:
        parts.append(f"L{layer}")
    if neuron is not None:
        parts.append(f"n{neuron}")
    parts.append(f"w{index}" if w else str(b))
    return ".".join(parts)


def neuron_of(node: Node) -> tuple[int | None, int] | None:
    """(layer, neuron) of an unlabelled node computed straight from one neuron's parameters
    (its dot node), or None. The layer is None for a lone `Layer`'s neurons."""
    found: tuple[int | None, int] | None = None
    for inp in node.inputs:
        m = _NEURON_PARAM.match(_label(inp)) if not inp.inputs else None
        if m is None:
            continue
        key = (None if m.group(1) is None else int(m.group(1)), int(m.group(2)))
        if found is not None and found != key:
            return None
        found = key
    return found


def _label(node: Node) -> str:
    """A node's label as text (a label assigned after construction is not checked)."""
    label = node.label
    return label if isinstance(label, str) else str(label)


def _base_name(node: Node, counters: list[int]) -> str:
    if node.label:
        return short_label(_label(node))
    if node.inputs:
        neuron = neuron_of(node)
        if neuron is not None:
            layer, j = neuron
            return f"n{j}" if layer is None else f"L{layer}.n{j}"
        counters[0] += 1
        return f"t{counters[0]}"
    counters[1] += 1
    return f"c{counters[1]}"


def display_names(order: Sequence[N]) -> dict[N, str]:
    """One unique short name per node of `order` (a topological order, leaves included)."""
    counters = [0, 0]
    bases = [_base_name(node, counters) for node in order]
    labels = {_label(node) for node in order}
    if order and order[-1].inputs and not order[-1].label and "L" not in labels:
        bases[-1] = "L"  # the unlabelled root: what the gradients ∂L/∂name are of
    taken = set(bases)
    seen: dict[str, int] = {}
    names: dict[N, str] = {}
    for node, base in zip(order, bases):
        count = seen.get(base, 0) + 1
        seen[base] = count
        name = base
        if count > 1:
            suffix = count
            name = f"{base}#{suffix}"
            while name in taken:
                suffix += 1
                name = f"{base}#{suffix}"
            seen[base] = suffix
            taken.add(name)
        names[node] = name
    return names
