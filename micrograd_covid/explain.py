"""Explain the chain rule: every path from the loss to a weight, and backward step by step.

`explain` lists the paths and their products of local partials; `render_steps` writes the
explore page of one backward pass.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import ops
from .dots import dot_parts
from .engine import Value, refuse_infinite_partial, topological_order
from .files import not_a_folder, write_atomic
from .formatting import fmt_sentence as _num
from .names import display_names
from .steps import BackwardStep

__all__ = ["ChainPath", "Explanation", "definition", "explain", "render_steps", "step_sentence"]


def _factor(x: float) -> str:
    return f"({_num(x)})"


#: At most this many terms of a sum or a neuron's w·x are written out in a definition.
MAX_TERMS = 6
#: At most this many made-up names off the paths (used by the paths' definitions) are defined.
MAX_EXTRA_DEFINITIONS = 8

_INFIX = {"+": " + ", "-": " − ", "*": " · ", "/": " / ", "**": "^"}


class _Writer:
    """Writes definitions in display names and remembers which nodes it wrote by name."""

    def __init__(self, names: Mapping[Value, str], keep: Collection[Value]) -> None:
        self.names = names
        self.keep = keep  # numbers that became leaves, written by name (they are on a path)
        self.used: list[Value] = []

    def operand(self, item: Value | float) -> str:
        """An input by its name, or a number that became a leaf by its value (a negative
        number in parentheses)."""
        if isinstance(item, Value):
            if item.inputs or item.label or item in self.keep:
                self.used.append(item)
                return self.names.get(item, item.name)
            item = item.data
        text = _num(item)
        return f"({text})" if text.startswith("-") else text

    def terms(self, items: Sequence[Value | float | tuple[Value | float, Value | float]]) -> str:
        """``a + b + c`` (a pair is a product ``w·x``). A long sum shows its first
        MAX_TERMS − 1 terms, the last, and every term with a node on a path, with ``…``
        for what it leaves out."""

        def on_path(term: object) -> bool:
            parts = term if isinstance(term, tuple) else (term,)
            return any(isinstance(t, Value) and t in self.keep for t in parts)

        n = len(items)
        shown = [i for i, t in enumerate(items) if i < MAX_TERMS - 1 or i == n - 1 or on_path(t)]
        texts: list[str] = []
        for k, i in enumerate(shown):
            if k and i != shown[k - 1] + 1:
                texts.append("…")
            t = items[i]
            if isinstance(t, tuple):
                texts.append(f"{self.operand(t[0])}·{self.operand(t[1])}")
            else:
                texts.append(self.operand(t))
        return " + ".join(texts) + (f" ({n} terms)" if len(shown) < n else "")

    def define(self, node: Value) -> str:
        if not node.inputs:
            return _num(node.data)
        op = node.op
        parts = dot_parts(node)
        if parts is not None:
            pairs: list[Value | float | tuple[Value | float, Value | float]] = list(
                zip(parts.weights, parts.inputs)
            )
            if parts.bias is not None:
                pairs.append(parts.bias)
            text = self.terms(pairs)
            return f"{parts.activation}({text})" if parts.activation else text
        if op == "sum":
            return self.terms(node.inputs)
        if op == "mean":
            text = self.terms(node.inputs)
            return f"({text})/{len(node.inputs)}" if len(node.inputs) > 1 else f"{text}/1"
        ins = [self.operand(i) for i in node.inputs]
        if len(ins) == 2 and op in _INFIX:
            return f"{ins[0]}{_INFIX[op]}{ins[1]}"
        if ops.shape_of(node.kernel) == "power":
            c = node.params[0]
            return f"{ins[0]}²" if c == 2 else f"{ins[0]}^{self.operand(c)}"
        if op == "neg" and len(ins) == 1:
            return f"−{ins[0]}"
        if op == "squared_error" and len(ins) == 2:
            return f"({ins[0]} − {ins[1]})²"
        return f"{op or 'op'}({', '.join(ins)})"  # tanh(t1), or a defined op by its name


def definition(
    node: Value, names: Mapping[Value, str], keep: Collection[Value] = frozenset()
) -> str:
    """What `node` computes from its inputs, in their display names: ``a · b``,
    ``tanh(t1)``, ``L0.n0.w0·0.5 + L0.n0.b``; a defined op by its name, ``softplus(t1)``.
    A number that became a leaf is written as its value (unless `keep` holds it); a leaf's
    definition is its value. Long sums show their first and last terms."""
    return _Writer(names, keep).define(node)


@dataclass(frozen=True)
class ChainPath:
    """One path from the root down to the variable: its nodes, the local partial of each
    edge and, for each edge, which input of its node it is (0-based)."""

    nodes: tuple[Value, ...]
    locals: tuple[float, ...]
    positions: tuple[int, ...] = ()
    names: Mapping[Value, str] | None = field(default=None, compare=False, repr=False)

    @property
    def product(self) -> float:
        """The product of the local partials along the path."""
        p = 1.0
        for local in self.locals:
            p *= local
        return p

    def _name(self, node: Value) -> str:
        return self.names.get(node, node.name) if self.names is not None else node.name

    def symbols(self, tell_apart: bool = False) -> str:
        """The path as partials: ``∂L/∂ŷ · ∂ŷ/∂b``. With `tell_apart`, an edge into a node
        that uses the same input twice says which use it is: ``∂t1/∂a (as input 2)``."""
        terms = []
        for k, (a, b) in enumerate(zip(self.nodes, self.nodes[1:])):
            term = f"∂{self._name(a)}/∂{self._name(b)}"
            if tell_apart and k < len(self.positions) and a.inputs.count(b) > 1:
                term += f" (as input {self.positions[k] + 1})"
            terms.append(term)
        return " · ".join(terms)

    def factors(self) -> str:
        """The path's values: ``(-4.232)(1)``."""
        return "".join(_factor(x) for x in self.locals)


@dataclass(frozen=True)
class Explanation:
    """Every path from `root` to `wrt`; `total` (their sum) is ∂root/∂wrt."""

    root: Value
    wrt: Value
    paths: tuple[ChainPath, ...]
    names: Mapping[Value, str] | None = field(default=None, compare=False, repr=False)

    @property
    def total(self) -> float:
        """The sum over paths of the products of local partials."""
        total = 0.0
        for path in self.paths:
            total += path.product
        return total

    def _name(self, node: Value) -> str:
        return self.names.get(node, node.name) if self.names is not None else node.name

    def where(self) -> list[str]:
        """``t1 = a · b`` for each name the explanation made up (an unlabelled node's, such
        as t1, L or L1.n0), inputs first: the nodes on the paths, then the made-up names
        their definitions use (at most MAX_EXTRA_DEFINITIONS of them, then ``…``)."""
        names = self.names
        if names is None or not self.paths or self.root is self.wrt:
            return []
        on_path = {node for path in self.paths for node in path.nodes}
        writer = _Writer(names, on_path)
        texts = {node: writer.define(node) for node in on_path if not node.label}
        work = deque(writer.used)  # breadth first: the names the paths' definitions show first
        extra, more = 0, False
        while work:
            node = work.popleft()
            if node in texts or node.label or not node.inputs:
                continue  # defined, or named by its label, or a leaf on a path (its value)
            if extra == MAX_EXTRA_DEFINITIONS:
                more = True
                continue
            extra += 1
            writer.used = []
            texts[node] = writer.define(node)
            work += writer.used
        order = {node: k for k, node in enumerate(names)}
        defined = sorted(texts, key=lambda node: order.get(node, -1))
        return [f"{self._name(node)} = {texts[node]}" for node in defined] + (["…"] if more else [])

    def __str__(self) -> str:
        head = f"∂{self._name(self.root)}/∂{self._name(self.wrt)}"
        if not self.paths:
            return f"{head} = 0 ({self._name(self.wrt)} does not reach {self._name(self.root)})"
        if self.root is self.wrt:
            return f"{head} = 1"
        plain = [p.symbols() for p in self.paths]
        repeated = len(set(plain)) < len(plain)
        symbols = [p.symbols(tell_apart=repeated) for p in self.paths]
        if len(self.paths) > 1 and repeated:
            symbols = [f"({s})" for s in symbols]
        where = self.where()
        text = (
            f"{head} = {' + '.join(symbols)} = "
            f"{' + '.join(p.factors() for p in self.paths)} = {_num(self.total)}"
            + (f", where {', '.join(where)}" if where else "")
        )
        return text + self._origins()

    def _origins(self) -> str:
        """A line per node of the paths made in anomaly mode: where it was made."""
        lines, seen = [], set()
        for path in self.paths:
            for node in path.nodes:
                if node not in seen and node.origin is not None:
                    seen.add(node)
                    lines.append(f"\n  {self._name(node)} made at {node.origin}")
        return "".join(lines)


def explain(root: Value, wrt: Value, max_paths: int = 1000) -> Explanation:
    """Every path from `root` to `wrt`, each with its product of local partials.

    Their sum is what backward puts in ``wrt.grad`` (for one backward from `root`); a graph
    backward refuses (a node with an infinite local partial) raises its ValueError.
    Nodes are named by `display_names`. The work is linear in the graph's size plus the
    paths' total length; raises ValueError when there are more than `max_paths` paths.
    """
    if not isinstance(root, Value) or not isinstance(wrt, Value):
        raise TypeError("explain: root and wrt must be Values")
    order = topological_order(root)
    for node in order:  # a node backward refuses (an infinite partial): refused here too
        if type(node.local_grads) is ops.InfiniteGrads:
            refuse_infinite_partial(node, root)
    names = display_names(order)
    # The nodes from which `wrt` can be reached, found inputs-first without recursion.
    reaches = {id(wrt)}
    for node in order:
        if any(id(inp) in reaches for inp in node.inputs):
            reaches.add(id(node))
    if root is wrt:
        return Explanation(root, wrt, (ChainPath((root,), (), (), names),), names)
    if id(root) not in reaches:
        return Explanation(root, wrt, (), {**names, wrt: wrt.name})
    # Depth-first over one shared path (pushed and popped, never copied but to record a
    # finished path), so a chain of n nodes costs O(n), not O(n²).
    paths: list[ChainPath] = []
    nodes: list[Value] = [root]
    locals_: list[float] = []
    positions: list[int] = []
    next_input = [0]
    while nodes:
        node = nodes[-1]
        if node is wrt:
            paths.append(ChainPath(tuple(nodes), tuple(locals_), tuple(positions), names))
            if len(paths) > max_paths:
                raise ValueError(
                    f"explain: more than max_paths={max_paths} paths from {names[root]} to "
                    f"{names[wrt]}; pass a larger max_paths, or explain a nearer node"
                )
            i = len(node.inputs)  # the variable's own inputs lead nowhere new
        else:
            i = next_input[-1]
        inputs = node.inputs
        while i < len(inputs) and id(inputs[i]) not in reaches:
            i += 1
        if i < len(inputs):
            next_input[-1] = i + 1
            nodes.append(inputs[i])
            locals_.append(node.local_grads[i])
            positions.append(i)
            next_input.append(0)
        else:
            nodes.pop()
            next_input.pop()
            if locals_:
                locals_.pop()
                positions.pop()
    return Explanation(root, wrt, tuple(paths), names)


def step_sentence(step: BackwardStep, root: Value, names: Mapping[Value, str] | None = None) -> str:
    """The chain rule of one backward step, one line per input. `names`: the display names
    of `root`'s graph (`names.display_names`, computed once for many steps); None uses
    `Value.name`."""

    def name(node: Value) -> str:
        return names.get(node, node.name) if names is not None else node.name

    root_name, node_name = name(root), name(step.node)
    head = f"∂{root_name}/∂{node_name}"
    lines = [f"Step {step.index + 1} of {step.total}: {head} = {_num(step.upstream)}"]
    if step.node.origin is not None:
        lines[0] += f" ({node_name} made at {step.node.origin})"
    for edge in step.edges:
        inp = name(edge.input)
        lines.append(
            f"∂{root_name}/∂{inp} += {head} · ∂{node_name}/∂{inp}"
            f" = ({_num(step.upstream)})({_num(edge.local)}) = {_num(edge.contribution)}"
        )
    return "\n".join(lines)


def render_steps(root: Value, out_dir: str | Path, *, max_nodes: int = 500) -> list[Path]:
    """Write ``out_dir/index.html``: backward from `root`, one node per step, on one drawing.

    The explore page (`micrograd_covid.explore`) for one backward pass: each step shows a
    node passing its gradient to its inputs (upstream × local partial = contribution). The
    gradients are replayed from the graph's local partials: nothing in the graph changes,
    whether the call succeeds or fails. Returns ``[path of index.html]`` (in Jupyter it
    shows as the page).
    """
    from .display import PageFiles
    from .explore import graph_page

    out = Path(out_dir)
    blocker = not_a_folder(out)
    if blocker is not None:
        raise ValueError(
            f"render_steps: out_dir={str(out_dir)!r}: {blocker} is a file, not a folder"
        )
    page = graph_page(root, max_nodes=max_nodes)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    write_atomic(path, page.encode("utf-8"))
    return PageFiles([path], page, "Backward, one node per step")
