"""Draw a computation graph the way the linear-regression walkthrough does.

Placeholders orange, weights and bias dark green, the model light green, the loss yellow;
every node shows its value and gradient, every edge its partial differential.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .engine import Value, topological_order

__all__ = ["ROLE_COLOURS", "GraphvizMissingError", "draw", "fmt", "render"]

#: role → (fill colour, font colour, legend text)
ROLE_COLOURS: dict[str, tuple[str, str, str]] = {
    "input": ("#FFA500", "black", "input (placeholder)"),
    "param": ("#006400", "white", "param (weight, bias)"),
    "model": ("#90EE90", "black", "model"),
    "loss": ("#FFFF00", "black", "loss"),
}
_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
_SHORT_NAME = 8
_INSTALL_HINT = (
    "Graphviz's 'dot' program is needed to render {fmt}; install it "
    "(Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz) "
    "or render to a .dot path"
)


class GraphvizMissingError(RuntimeError):
    """Rendering needs Graphviz's `dot` program and it is not installed."""


def fmt(x: float, digits: int = 4) -> str:
    """A compact number: `digits` significant digits (0.2116, -4.232, 4.477)."""
    if x == 0.0:
        return "0"
    return f"{x:.{digits}g}"


def _update(old: float, new: float) -> str:
    """The walkthrough's update notation: 3 decimals (b: 0.000 → 0.212)."""
    if max(abs(old), abs(new)) < 1000:
        return f"{old:.3f} → {new:.3f}"
    return f"{old:.4g} → {new:.4g}"


def _text(s: str) -> str:
    """Escape text for a quoted DOT string: it renders as written and cannot end the string."""
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    return s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _label(*lines: str) -> Any:
    import graphviz

    # nohtml: a label like "<b>" is text, not an HTML-like label.
    return graphviz.nohtml("\\n".join(_text(line) for line in lines))


def resolve_roles(
    order: list[Value], roles: Mapping[Value, str] | None = None
) -> dict[int, str | None]:
    """The role of each node (by id): `roles` overrides, then `Value.role`, then leaves are
    "input" placeholders."""
    resolved: dict[int, str | None] = {}
    for node in order:
        role = node.role
        if role is None and not node.inputs:
            role = "input"
        resolved[id(node)] = role
    for value, role in (roles or {}).items():
        if role not in ROLE_COLOURS:
            raise ValueError(
                f"draw: unknown role {role!r} for {value.name}; choose one of "
                f"{', '.join(ROLE_COLOURS)}"
            )
        resolved[id(value)] = role
    return resolved


def _check_options(direction: str, max_nodes: int) -> None:
    if direction not in ("forward", "backward"):
        raise ValueError(f"draw: direction must be 'forward' or 'backward', got {direction!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw: max_nodes must be a positive int, got {max_nodes!r}")


def draw(
    root: Value,
    *,
    direction: str = "forward",
    show_grads: bool = True,
    edge_labels: bool = True,
    roles: Mapping[Value, str] | None = None,
    max_nodes: int = 500,
    title: str | None = None,
    highlight: Value | None = None,
    node_lines: Callable[[Value, str], Sequence[str]] | None = None,
) -> Any:
    """A `graphviz.Digraph` of everything `root` depends on (displays inline in Jupyter).

    Forward: arrows from inputs down to the nodes computed from them, each edge labelled
    with its partial differential (``∂ŷ/∂w1 = 4``). Backward: arrows point back up and
    each edge shows what flows along it (upstream gradient × local partial). `highlight`
    marks one node and the edges to its inputs (used for the step-by-step frames).

    Node ``k`` of `topological_order(root)` has the DOT id ``n{k}`` and the SVG id
    ``node-n{k}``; edges are counted over the nodes in that order, each node's inputs in
    order, and edge ``i`` has the SVG id ``edge-{i}``. `node_lines(node, name)` replaces a
    node's label lines (None: the value, the gradient and any update).
    """
    import graphviz

    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value, got {type(root).__name__}")
    _check_options(direction, max_nodes)
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw: the graph has {len(order)} nodes, more than max_nodes={max_nodes}; "
            f"pass max_nodes={len(order)} (or more) to draw it"
        )
    role_of = resolve_roles(order, roles)
    ids = {id(node): f"n{i}" for i, node in enumerate(order)}
    g = graphviz.Digraph("computation_graph")
    g.attr(rankdir="TB", fontname="Helvetica", newrank="true")
    g.attr("node", shape="box", style="rounded,filled", fillcolor="white", fontname="Helvetica")
    g.attr("edge", fontname="Helvetica", fontsize="10")
    if title is not None:
        g.attr(label=_label(str(title)), labelloc="t", fontsize="16")
    root_name = root.name
    leaves = _leaf_order(order, role_of)
    interior = [node for node in order if node.inputs]
    # Placeholders share the top rank, as in the walkthrough; parameters sit by their layer.
    with g.subgraph(name="placeholders") as top:
        top.attr(rank="same")
        for node in leaves:
            if role_of[id(node)] == "input":
                _node(
                    top, node, ids[id(node)], "input", root_name, show_grads, highlight, node_lines
                )
    for node in [n for n in leaves if role_of[id(n)] != "input"] + interior:
        _node(
            g, node, ids[id(node)], role_of[id(node)], root_name, show_grads, highlight, node_lines
        )
    edge_index = 0
    for node in order:
        upstream = node.grad
        for inp, local in zip(node.inputs, node.local_grads):
            attrs = {"id": f"edge-{edge_index}"}
            edge_index += 1
            if edge_labels:
                partial = f"∂{node.name}/∂{inp.name} = {fmt(local)}"
                if direction == "backward":
                    contribution = local * upstream
                    text = f"{partial}\n{fmt(upstream)} × {fmt(local)} = {fmt(contribution)}"
                else:
                    text = partial
                attrs["label"] = _label(*text.split("\n"))
            if direction == "backward":
                attrs["dir"] = "back"
            if highlight is node:
                attrs.update(penwidth="3", color="#D62728", fontcolor="#D62728")
            g.edge(ids[id(inp)], ids[id(node)], **attrs)
    _legend(g, {role_of[id(n)] for n in order})
    return g


def _leaf_order(order: list[Value], role_of: dict[int, str | None]) -> list[Value]:
    """Leaves as the walkthrough lays them out: placeholders, then parameters, each in the
    order their consumers list them (x1, x2, y, w1, w2, b)."""
    first_use: dict[int, int] = {}
    for node in order:
        for inp in node.inputs:
            first_use.setdefault(id(inp), len(first_use))
    rank = {"input": 0, "param": 1}
    leaves = [node for node in order if not node.inputs]
    return sorted(
        leaves, key=lambda n: (rank.get(role_of[id(n)] or "", 2), first_use.get(id(n), -1))
    )


def _node(
    g: Any,
    node: Value,
    node_id: str,
    role: str | None,
    root_name: str,
    show_grads: bool,
    highlight: Value | None,
    node_lines: Callable[[Value, str], Sequence[str]] | None = None,
) -> None:
    lines = [node.name]
    if node.op and node.label:
        lines.append(f"({node.op})")
    lines.append(f"= {fmt(node.data)}")
    if show_grads:
        # The walkthrough's ∂L/∂w1 where the name is short; "grad" keeps long names one-wide.
        if len(node.name) <= _SHORT_NAME:
            lines.append(f"∂{root_name}/∂{node.name} = {fmt(node.grad)}")
        else:
            lines.append(f"grad = {fmt(node.grad)}")
    if node.previous is not None and node.previous != node.data:
        lines.append(_update(node.previous, node.data))
    if node_lines is not None:
        lines = [str(line) for line in node_lines(node, node.name)]
    attrs: dict[str, str] = {
        "id": f"node-{node_id}",
        "tooltip": _text(
            f"{node.name}: data={node.data!r}, grad={node.grad!r}"
            + (f", op={node.op}" if node.op else "")
            + (f", role={role}" if role else "")
        ),
    }
    if role in ROLE_COLOURS:
        fill, font, _ = ROLE_COLOURS[role]
        attrs.update(fillcolor=fill, fontcolor=font)
    if highlight is node:
        attrs.update(penwidth="4", color="#D62728")
    g.node(node_id, _label(*lines), **attrs)


def _legend(g: Any, present: set[str | None]) -> None:
    with g.subgraph(name="cluster_legend") as legend:
        legend.attr(label="roles", fontsize="10", style="dashed", color="grey")
        for role, (fill, font, text) in ROLE_COLOURS.items():
            if role in present:
                legend.node(f"legend_{role}", text, fillcolor=fill, fontcolor=font, fontsize="9")


def _check_path(path: str | Path) -> tuple[Path, str]:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix != ".dot" and suffix not in _FORMATS:
        raise ValueError(
            f"render: cannot tell the format of {str(path)!r}; use a .svg, .png, .pdf or .dot path"
        )
    if not path.parent.is_dir():
        raise FileNotFoundError(f"render: the folder {str(path.parent)!r} does not exist")
    return path, suffix


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary neighbour and rename it: no half-written files."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pipe(graph: Any, format: str) -> bytes:
    """Run Graphviz's `dot` on `graph`, with a clear error when it is missing or fails."""
    import graphviz

    if shutil.which("dot") is None:
        raise GraphvizMissingError(_INSTALL_HINT.format(fmt=format.upper()))
    try:
        data: bytes = graph.pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissingError(_INSTALL_HINT.format(fmt=format.upper())) from None
    except (graphviz.CalledProcessError, subprocess.CalledProcessError) as exc:
        stderr = getattr(exc, "stderr", b"") or b""
        raise RuntimeError(
            f"Graphviz's dot failed to render {format}: {stderr.decode(errors='replace')}"
        ) from None
    return data


def render(root: Value, path: str | Path, **options: Any) -> Path:
    """Draw `root` (options as for `draw`) and write it by the path's suffix:
    .svg, .png, .pdf (these need Graphviz's `dot`) or .dot (the DOT source). Returns the path."""
    path, suffix = _check_path(path)
    graph = draw(root, **options)
    data = graph.source.encode("utf-8") if suffix == ".dot" else pipe(graph, _FORMATS[suffix])
    write_atomic(path, data)
    return path
