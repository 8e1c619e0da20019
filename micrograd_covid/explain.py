"""Explain the chain rule: every path from the loss to a weight, and backward step by step.

`explain` lists the paths and their products of local partials; `render_steps` writes the
explore page of one backward pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .draw import fmt, write_atomic
from .engine import BackwardStep, Value, topological_order

__all__ = ["ChainPath", "Explanation", "explain", "render_steps", "step_sentence"]


def _num(x: float) -> str:
    """Numbers in sentences: 6 significant digits (-16.928), more than the drawings' 4."""
    return fmt(x, 6)


def _factor(x: float) -> str:
    return f"({_num(x)})"


@dataclass(frozen=True)
class ChainPath:
    """One path from the root down to the variable: its nodes and the local partial of each edge."""

    nodes: tuple[Value, ...]
    locals: tuple[float, ...]

    @property
    def product(self) -> float:
        """The product of the local partials along the path."""
        p = 1.0
        for local in self.locals:
            p *= local
        return p

    def symbols(self) -> str:
        """The path as partials: ``∂L/∂ŷ · ∂ŷ/∂b``."""
        return " · ".join(f"∂{a.name}/∂{b.name}" for a, b in zip(self.nodes, self.nodes[1:]))

    def factors(self) -> str:
        """The path's values: ``(-4.232)(1)``."""
        return "".join(_factor(x) for x in self.locals)


@dataclass(frozen=True)
class Explanation:
    """Every path from `root` to `wrt`; `total` (their sum) is ∂root/∂wrt."""

    root: Value
    wrt: Value
    paths: tuple[ChainPath, ...]

    @property
    def total(self) -> float:
        """The sum over paths of the products of local partials."""
        total = 0.0
        for path in self.paths:
            total += path.product
        return total

    def __str__(self) -> str:
        head = f"∂{self.root.name}/∂{self.wrt.name}"
        if not self.paths:
            return f"{head} = 0 ({self.wrt.name} does not reach {self.root.name})"
        if self.root is self.wrt:
            return f"{head} = 1"
        symbols = " + ".join(p.symbols() for p in self.paths)
        factors = " + ".join(p.factors() for p in self.paths)
        return f"{head} = {symbols} = {factors} = {_num(self.total)}"


def explain(root: Value, wrt: Value, max_paths: int = 1000) -> Explanation:
    """Every path from `root` to `wrt`, each with its product of local partials.

    Their sum is what backward puts in ``wrt.grad`` (for one backward from `root`).
    Raises ValueError when there are more than `max_paths` paths.
    """
    if not isinstance(root, Value) or not isinstance(wrt, Value):
        raise TypeError("explain: root and wrt must be Values")
    order = topological_order(root)
    # The nodes from which `wrt` can be reached, found inputs-first without recursion.
    reaches = {id(wrt)}
    for node in order:
        if any(id(inp) in reaches for inp in node.inputs):
            reaches.add(id(node))
    if root is wrt:
        return Explanation(root, wrt, (ChainPath((root,), ()),))
    paths: list[ChainPath] = []
    if id(root) not in reaches:
        return Explanation(root, wrt, ())
    stack: list[tuple[tuple[Value, ...], tuple[float, ...]]] = [((root,), ())]
    while stack:
        nodes, locals_ = stack.pop()
        node = nodes[-1]
        if node is wrt:
            paths.append(ChainPath(nodes, locals_))
            if len(paths) > max_paths:
                raise ValueError(
                    f"explain: more than max_paths={max_paths} paths from {root.name} to "
                    f"{wrt.name}; pass a larger max_paths, or explain a nearer node"
                )
            continue
        branches = [
            (inp, local) for inp, local in zip(node.inputs, node.local_grads) if id(inp) in reaches
        ]
        for inp, local in reversed(branches):
            stack.append(((*nodes, inp), (*locals_, local)))
    return Explanation(root, wrt, tuple(paths))


def step_sentence(step: BackwardStep, root: Value) -> str:
    """The chain rule of one backward step, one line per input."""
    head = f"∂{root.name}/∂{step.node.name}"
    lines = [f"Step {step.index + 1} of {step.total}: {head} = {_num(step.upstream)}"]
    for edge in step.edges:
        lines.append(
            f"∂{root.name}/∂{edge.input.name} += {head} · ∂{step.node.name}/∂{edge.input.name}"
            f" = ({_num(step.upstream)})({_num(edge.local)}) = {_num(edge.contribution)}"
        )
    return "\n".join(lines)


def render_steps(root: Value, out_dir: str | Path, *, max_nodes: int = 500) -> list[Path]:
    """Write ``out_dir/index.html``: backward from `root`, one node per step, on one drawing.

    The explore page (`micrograd_covid.explore`) for one backward pass: each step shows a
    node passing its gradient to its inputs (local partial × upstream = contribution). The
    gradients are replayed from the graph's local partials: nothing in the graph changes,
    whether the call succeeds or fails. Returns ``[path of index.html]``.
    """
    from .explore import graph_page

    page = graph_page(root, max_nodes=max_nodes)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    write_atomic(path, page.encode("utf-8"))
    return [path]
