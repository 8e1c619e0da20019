"""The records of backward one step at a time: what `Value.backward_steps` yields and
`explain` and the explore page read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .formatting import fmt_number as _fmt
from .names import display_names

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["BackwardEdge", "BackwardStep", "backward_steps"]


@dataclass(frozen=True)
class BackwardEdge:
    """One edge of a backward step: `contribution = local * upstream` added to `input.grad`."""

    input: Value
    local: float
    contribution: float


@dataclass(frozen=True)
class BackwardStep:
    """One node's turn in backward: its gradient (`upstream`) and what each input received.

    `root` is the node backward started from; `names` the display name of every node of
    its graph (`names.display_names`), shared by all the steps of one backward.
    """

    index: int
    total: int
    node: Value
    upstream: float
    edges: tuple[BackwardEdge, ...]
    root: Value | None = field(default=None, repr=False, compare=False)
    names: Mapping[Value, str] | None = field(default=None, repr=False, compare=False)

    def name(self, node: Value) -> str:
        """The display name of `node` in this backward's graph."""
        if self.names is not None and node in self.names:
            return self.names[node]
        return node.name

    def __str__(self) -> str:
        loss = self.name(self.root) if self.root is not None else "L"
        here = self.name(self.node)
        lines = [f"step {self.index + 1}/{self.total}: ∂{loss}/∂{here} = {_fmt(self.upstream)}"]
        for edge in self.edges:
            there = self.name(edge.input)
            lines.append(
                f"  ∂{here}/∂{there} = {_fmt(edge.local)}: "
                f"∂{loss}/∂{there} += {_fmt(self.upstream)} × {_fmt(edge.local)}"
                f" = {_fmt(edge.contribution)} (now {_fmt(edge.input.grad)})"
            )
        return "\n".join(lines)


def backward_steps(
    root: Value,
    interior: Callable[[Value], list[Value]],
    prepare: Callable[[Sequence[Value], Value], None],
    walk: Callable[[Value], list[Value]],
) -> Iterator[BackwardStep]:
    """`Value.backward_steps`: backward's chain rule one node at a time, each step recorded.
    `interior` is `engine.interior_order`, `prepare` `engine.reset_gradients` (it seeds the
    gradients), `walk` `engine.topological_order` (for the names)."""
    order = interior(root)
    prepare(order, root)
    names = display_names(walk(root))
    for index, node in enumerate(reversed(order)):
        upstream = node.grad
        edges = []
        for inp, local in zip(node.inputs, node.local_grads):
            contribution = local * upstream
            inp.grad += contribution
            edges.append(BackwardEdge(inp, local, contribution))
        yield BackwardStep(index, len(order), node, upstream, tuple(edges), root, names)
