"""Draw a computation graph the way the linear-regression walkthrough does, and a network
the way textbooks do.

Placeholders orange, weights and bias dark green, the model light green, the loss yellow,
intermediate nodes white; every node shows its value and gradient, every edge its partial
differential. Every node is named by `names.display_names` (``L1.n0.w2``, ``t3``), the same
name the edges, `explain` and the tooltips use (the tooltip also gives the full label).

Levels of detail: ``level="node"`` draws every node; ``"neuron"`` draws one box per neuron
of an `MLP` (its activation and gradient) with the weights on the edges between neurons;
``"layer"`` one box per layer. ``focus=w`` keeps only the paths from the root to ``w``.
"""

from __future__ import annotations

import itertools
import math
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import ops
from .dots import dot_parts
from .engine import Value, topological_order
from .files import not_a_folder, write_atomic
from .formatting import fmt
from .names import display_names, neuron_of
from .placement import render_placed

__all__ = ["LEVELS", "ROLE_COLOURS", "GraphvizMissingError", "draw", "fmt", "render"]

#: role → (fill colour, font colour, legend text)
ROLE_COLOURS: dict[str, tuple[str, str, str]] = {
    "input": ("#FFA500", "black", "input (placeholder)"),
    "param": ("#006400", "white", "param (weight, bias)"),
    "model": ("#90EE90", "black", "model"),
    "loss": ("#FFFF00", "black", "loss"),
}
# Nodes without a role: computed ones are white, unlabelled leaves (numbers) light grey.
_PLAIN_COLOURS: dict[str, tuple[str, str, str]] = {
    "intermediate": ("#FFFFFF", "black", "intermediate (computed)"),
    "constant": ("#E8E8E8", "black", "constant (a number)"),
}
#: The levels of detail `draw` knows.
LEVELS = ("node", "neuron", "layer")
_RANKDIRS = ("TB", "LR")
_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
# dot refuses a quoted or HTML string longer than 16,384 bytes; plain strings are written
# as concatenated pieces below that, and a label too long for an HTML table is written plain.
_PIECE = 4000
_HTML_MAX = 12000
_WRAP = 120  # characters per line; dot refuses a node wider than 65,535 points
# Placeholders and loose parameters share one row, in creation order, while they are few;
# one row of hundreds of leaves makes dot's layout super-linear (and the picture too wide).
_LEAF_ROW_MAX = 16
# Edges between neurons carry their weight as text while there are few; beyond that the
# weight is the edge's colour (sign) and width (size), with the numbers in its tooltip.
_NEURON_EDGE_LABELS_MAX = 40
# Edges from computed nodes pull harder than edges from leaves, so a chain stays straight
# with its constants beside it instead of drifting sideways one node at a time.
_SPINE_WEIGHT = "4"
# A neuron's parameters stand in one column up to this many, else in a grid of columns.
_PARAM_COLUMN_MAX = 6
# Edge labels are drawn while the graph has at most this many edges (edge_labels=None).
_EDGE_LABELS_MAX = 80
_INSTALL_HINT = (
    "Graphviz's 'dot' program is needed to render {fmt}; install it "
    "(Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz) "
    "or render to a .dot path"
)


class GraphvizMissingError(RuntimeError):
    """Rendering needs Graphviz's `dot` program and it is not installed."""


def _value_text(node: Value, updated: set[int]) -> str:
    """A node's value; a parameter stepped since this graph was computed shows the value
    the graph was computed with and the new one (``-0.017 → 0.8294``): one moment, with
    the update it leads to."""
    if id(node) in updated and node.previous is not None:
        return f"{fmt(node.previous)} → {fmt(node.data)}"
    return fmt(node.data)


def _recomputed(node: Value) -> float | None:
    """`node`'s value re-run from its record on its inputs' current values (None where the
    kernel refuses them)."""
    if node.kernel is None:
        return None
    try:
        return node.kernel([inp.data for inp in node.inputs], *node.params)[0]
    except (ArithmeticError, ValueError, TypeError):
        return None


def _stepped_since(order: list[Value], consumers: dict[int, list[Value]]) -> set[int]:
    """The leaves an optimizer stepped after this graph was computed: their first user's
    value no longer follows from its inputs' current values. (A graph built after the step
    shows the new values alone.)"""
    updated = set()
    for node in order:
        if node.inputs or node.previous is None or node.previous == node.data:
            continue
        users = consumers.get(id(node), [])
        try:
            now = _recomputed(users[0]) if users else None
        except (ArithmeticError, ValueError):
            now = None
        if now is None or now != users[0].data:
            updated.add(id(node))
    return updated


# --- text: every string renders as itself ------------------------------------------------


def _visible(s: str) -> str:
    """`s` with the characters SVG cannot hold made visible: C0 controls as their Unicode
    control pictures (NUL → ␀), lone surrogates and U+FFFE/U+FFFF as ``\\udc80``."""
    if s.isprintable() and s.isascii():
        return s
    out = []
    for ch in s:
        c = ord(ch)
        if c < 0x20 and ch != "\t":
            out.append(chr(0x2400 + c))
        elif 0xD800 <= c <= 0xDFFF or c in (0xFFFE, 0xFFFF):
            out.append(f"\\u{c:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _lines_of(text: str) -> list[str]:
    """`text`'s lines, a line longer than dot can lay out wrapped (every character kept)."""
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if len(line) <= _WRAP:
            lines.append(line)
        else:
            lines.extend(line[i : i + _WRAP] for i in range(0, len(line), _WRAP))
    return lines


def _quote(s: str) -> str:
    """A DOT string that renders as `s` (newlines as line breaks): backslashes, quotes and
    entities escaped, long text as ``"…" + "…"`` pieces that dot accepts."""
    units: list[str] = []
    for ch in "\n".join(map(_visible, _lines_of(s))):
        if ch == "\\":
            units.append("\\\\")
        elif ch == '"':
            units.append('\\"')
        elif ch == "&":
            units.append("&amp;")
        elif ch == "\n":
            units.append("\\n")
        else:
            units.append(ch)
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for unit in units:
        if size + len(unit.encode("utf-8")) > _PIECE:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(unit)
        size += len(unit.encode("utf-8"))
    pieces.append("".join(current))
    return " + ".join(f'"{p}"' for p in pieces)


def _html_text(s: str) -> str:
    # dot expands \N, \G, … in HTML labels too: a backslash is written doubled.
    s = _visible(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace('"', "&quot;").replace("\\", "\\\\")


def _label(lines: Sequence[str], small_first: bool = False) -> str:
    """A node label: one table row per line, so a descender (the ``_`` of
    ``squared_error``) never touches the line below; very long text falls back to a plain
    label."""
    flat: list[str] = []
    for line in lines:
        flat.extend(_lines_of(line))
    rows = []
    for i, line in enumerate(flat):
        text = _html_text(line) or " "
        if small_first and i == 0 and len(flat) > 1:
            text = f'<FONT POINT-SIZE="10">{text}</FONT>'
        rows.append(f"<TR><TD>{text}</TD></TR>")
    html = (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
        + "".join(rows)
        + "</TABLE>>"
    )
    if len(html.encode("utf-8")) <= _HTML_MAX:
        return html
    return _quote("\n".join(flat))


def _attrs(attrs: Mapping[str, str]) -> str:
    """DOT attributes; a "label" is already written (by `_label` or `_quote`)."""
    parts = [f"{key}={value if key == 'label' else _quote(value)}" for key, value in attrs.items()]
    return "[" + " ".join(parts) + "]"


# --- roles ------------------------------------------------------------------------------


def resolve_roles(
    order: list[Value], roles: Mapping[Value, str] | None = None
) -> dict[int, str | None]:
    """The role of each node (by id): `roles` overrides, then `Value.role`, then labelled
    leaves are "input" placeholders (an unlabelled leaf is a constant: no role)."""
    resolved: dict[int, str | None] = {}
    for node in order:
        role = node.role
        if role is None and not node.inputs and node.label:
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


def _colours(node: Value, role: str | None) -> tuple[str, str, str]:
    if role in ROLE_COLOURS:
        return ROLE_COLOURS[role]
    return _PLAIN_COLOURS["intermediate" if node.inputs else "constant"]


def _check_options(direction: str, max_nodes: int) -> None:
    if direction not in ("forward", "backward"):
        raise ValueError(f"draw: direction must be 'forward' or 'backward', got {direction!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw: max_nodes must be a positive int, got {max_nodes!r}")


# --- networks: which nodes are neurons ----------------------------------------------------


@dataclass
class _Neuron:
    """One neuron's dot node (`core`), its output (the core, or an unfused activation node),
    its wired weights by input position, its inputs (Values or constants) and its bias."""

    core: Value
    out: Value
    layer: int | None
    index: int
    activation: str
    weights: list[Value]
    xs: list[Value | float]
    bias: Value | None

    def key(self) -> tuple[Any, ...]:
        """Neurons of one layer fed the same inputs (one sample) share a key."""
        xs = tuple(id(x) if isinstance(x, Value) else ("c", x) for x in self.xs)
        return (self.layer, xs)


def _find_neurons(order: list[Value], consumers: dict[int, list[Value]]) -> list[_Neuron]:
    neurons = []
    for node in order:
        parts = dot_parts(node)
        if parts is None or not all(isinstance(w, Value) for w in parts.weights):
            continue
        found = neuron_of(node)
        if found is None:
            continue
        n = len(parts.weights)
        xs: list[Value | float] = list(parts.inputs)
        activation = parts.activation or "linear"
        out = node
        users = consumers.get(id(node), [])
        if (
            parts.activation is None
            and len(users) == 1
            and users[0].op in ops.ACTIVATIONS
            and not users[0].label
        ):
            out, activation = users[0], users[0].op
        bias = parts.bias if isinstance(parts.bias, Value) else None
        layer, index = found
        neurons.append(
            _Neuron(node, out, layer, index, activation, list(node.inputs[:n]), xs, bias)
        )
    return neurons


# --- the scene: boxes and edges, whatever the level ---------------------------------------


@dataclass
class _Box:
    lines: list[str]
    fill: str
    font: str
    tooltip: str
    members: list[Value] = field(default_factory=list)
    role: str = "intermediate"
    small: bool = False


@dataclass
class _Edge:
    tail: str
    head: str
    id: str
    label: list[str]
    tooltip: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    weight: Value | None = None


@dataclass
class _Scene:
    boxes: dict[str, _Box] = field(default_factory=dict)
    edges: list[_Edge] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    clusters: list[tuple[str, list[str]]] = field(default_factory=list)
    roles: set[str] = field(default_factory=set)
    weight_colours: bool = False
    grid: list[tuple[str, str]] = field(default_factory=list)
    ranksep: str | None = None
    leaf_row: list[str] = field(default_factory=list)
    # each neuron's frame (by name): its layer's number and its index in that layer
    slots: dict[str, tuple[int, int]] = field(default_factory=dict)


def draw(
    root: Value,
    *,
    direction: str = "forward",
    show_grads: bool = True,
    edge_labels: bool | None = None,
    roles: Mapping[Value, str] | None = None,
    max_nodes: int = 500,
    title: str | None = None,
    highlight: Value | None = None,
    node_lines: Callable[[Value, str], Sequence[str]] | None = None,
    level: str = "node",
    focus: Value | None = None,
    rankdir: str | None = None,
) -> Any:
    """A Graphviz drawing (a `Drawing`, which is a `graphviz.Source`: displays inline in
    Jupyter as SVG scaled to the cell) of everything `root` depends on.

    Forward: arrows from inputs to the nodes computed from them, each edge labelled with
    its partial differential (``∂ŷ/∂w1 = 4``). Backward: arrows point back up and each edge
    shows what flows along it (upstream gradient × local partial). `highlight` marks one
    node and the edges to its inputs (the step-by-step frames).

    `level`: "node" (every node), "neuron" (one box per MLP neuron, weights on the edges)
    or "layer" (one box per layer). `focus`: only the paths from `root` to that node.
    `rankdir`: "TB" (top to bottom) or "LR"; None picks LR for networks, TB otherwise.
    `edge_labels`: None labels the edges of a graph of up to 80 edges (beyond that the
    partials are in the edges' tooltips), True always, False never.

    Node ``k`` of `topological_order(root)` has the DOT id ``n{k}`` and the SVG id
    ``node-n{k}``; edges are counted over the nodes in that order, each node's inputs in
    order, and edge ``i`` has the SVG id ``edge-{i}``. `node_lines(node, name)` gives a
    node's label lines (None: its name, op, value, gradient).
    """
    from .display import Drawing

    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value, got {type(root).__name__}")
    _check_options(direction, max_nodes)
    if level not in LEVELS:
        raise ValueError(f"draw: level must be one of {', '.join(LEVELS)}, got {level!r}")
    if rankdir is not None and rankdir not in _RANKDIRS:
        raise ValueError(f"draw: rankdir must be 'TB', 'LR' or None, got {rankdir!r}")
    if focus is not None and not isinstance(focus, Value):
        raise TypeError(f"draw: focus must be a Value, got {type(focus).__name__}")
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw: the graph has {len(order)} nodes, more than max_nodes={max_nodes}; "
            f"pass max_nodes={len(order)} (or more) to draw it"
        )
    index = {id(node): k for k, node in enumerate(order)}
    if focus is not None and id(focus) not in index:
        raise ValueError(f"draw: focus {focus.name} is not in the graph of {root.name}")
    on_path = _on_path(order, focus) if focus is not None else None
    consumers: dict[int, list[Value]] = {}
    for node in order:
        for inp in node.inputs:
            consumers.setdefault(id(inp), []).append(node)
    names = display_names(order)
    role_of = resolve_roles(order, roles)
    neurons = _find_neurons(order, consumers)
    if edge_labels is None:
        edge_labels = sum(len(node.inputs) for node in order) <= _EDGE_LABELS_MAX
    ctx = _Context(
        order,
        index,
        names,
        role_of,
        names[root],
        direction,
        show_grads,
        edge_labels,
        node_lines,
        _stepped_since(order, consumers),
    )
    if level == "node":
        scene = _node_scene(ctx, neurons)
    else:
        scene = _network_scene(ctx, neurons, consumers, level)
    if on_path is not None:
        _apply_focus(scene, on_path, focus)
    if direction == "backward":
        for edge in scene.edges:
            edge.attrs["dir"] = "back"

    if rankdir is None:
        rankdir = "LR" if neurons else "TB"
    if rankdir == "TB":
        _spread_heads(scene)
    hl = f"n{index[id(highlight)]}" if highlight is not None and id(highlight) in index else None
    source = _dot_source(scene, rankdir, title, hl, f"n{index[id(root)]}")
    shown = [names[root], _count(len(order), "node"), direction]
    shown += [f"level={level}"] if level != "node" else []
    shown += [f"focus={names[focus]}"] if focus is not None else []
    return Drawing(source, summary=f"Drawing({', '.join(shown)})")


_PORTS = ("w", "nw", "n", "ne", "e")


def _spread_heads(scene: _Scene) -> None:
    """Edges from the top row into one node enter it side by side, in the row's order (x1
    at its left, b at its right): aimed at its centre they would run together before it,
    and their labels beside the wrong edge."""
    order = {bid: i for i, bid in enumerate(scene.leaf_row)}
    into: dict[str, list[_Edge]] = {}
    for edge in scene.edges:
        if edge.tail in order:
            into.setdefault(edge.head, []).append(edge)
    for edges in into.values():
        if len(edges) < 3:
            continue
        edges.sort(key=lambda e: order[e.tail])
        for i, edge in enumerate(edges):
            edge.attrs["headport"] = _PORTS[round(i * (len(_PORTS) - 1) / (len(edges) - 1))]


@dataclass
class _Context:
    order: list[Value]
    index: dict[int, int]
    names: dict[Value, str]
    role_of: dict[int, str | None]
    root_name: str
    direction: str
    show_grads: bool
    edge_labels: bool
    node_lines: Callable[[Value, str], Sequence[str]] | None
    updated: set[int]

    def bid(self, node: Value) -> str:
        return f"n{self.index[id(node)]}"

    def grad_line(self, node: Value) -> str:
        return f"∂{self.root_name}/∂{self.names[node]} = {fmt(node.grad)}"

    def tooltip(self, node: Value) -> str:
        role = self.role_of[id(node)]
        return (
            f"{self.names[node]}"
            + (f" ({node.label})" if node.label and node.label != self.names[node] else "")
            + f": data={node.data!r}, grad={node.grad!r}"
            + (f", previous={node.previous!r}" if node.previous is not None else "")
            + (f", op={node.op}" if node.op else "")
            + (f", role={role}" if role else "")
            + (f", made at {node.origin}" if node.origin is not None else "")
        )

    def box(self, node: Value) -> _Box:
        name = self.names[node]
        if self.node_lines is not None:
            lines = [str(line) for line in self.node_lines(node, name)]
        elif not node.inputs:
            lines = [f"{name} = {_value_text(node, self.updated)}"]
            if self.show_grads and self.role_of[id(node)] is not None:
                lines.append(self.grad_line(node))  # a constant's gradient is noise
        else:
            lines = [
                f"{name} ({node.op})" if node.op else name,
                f"= {_value_text(node, self.updated)}",
            ]
            if self.show_grads:
                lines.append(self.grad_line(node))
        role = self.role_of[id(node)]
        fill, font, _ = _colours(node, role)
        kind = role or ("intermediate" if node.inputs else "constant")
        return _Box(lines, fill, font, self.tooltip(node), [node], kind)

    def edge_text(self, node: Value, inp: Value, local: float) -> list[str]:
        partial = f"∂{self.names[node]}/∂{self.names[inp]} = {fmt(local)}"
        if self.direction == "backward":
            return [partial, f"{fmt(node.grad)} × {fmt(local)} = {fmt(local * node.grad)}"]
        return [partial]


def _on_path(order: list[Value], focus: Value) -> set[int]:
    """The nodes from which `focus` can be reached: those on a path from the root to it."""
    reaches = {id(focus)}
    for node in order:
        if any(id(inp) in reaches for inp in node.inputs):
            reaches.add(id(node))
    return reaches


def _leaf_row(ctx: _Context, leaves: Iterable[Value]) -> list[str]:
    """Placeholders, then parameters, each in the order the graph first uses them (for a
    graph built in reading order, the order they were created: x1, x2, y, w1, w2, b)."""
    rank = {"input": 0, "param": 1}
    chosen = [n for n in leaves if ctx.role_of[id(n)] in rank]
    chosen.sort(key=lambda n: rank[ctx.role_of[id(n)] or ""])  # stable: first use kept
    return [ctx.bid(n) for n in chosen]


def _first_use(order: list[Value]) -> list[Value]:
    """Leaves in the order the depth-first walk from the root first reaches them."""
    seen: set[int] = set()
    leaves = []
    for node in order:
        for inp in node.inputs:
            if not inp.inputs and id(inp) not in seen:
                seen.add(id(inp))
                leaves.append(inp)
    if not order[-1].inputs:
        leaves.append(order[-1])
    return leaves


def _node_scene(ctx: _Context, neurons: list[_Neuron]) -> _Scene:
    scene = _Scene()
    for node in ctx.order:
        box = ctx.box(node)
        scene.boxes[ctx.bid(node)] = box
        scene.roles.add(box.role)
    edge_index = 0
    for node in ctx.order:
        for inp, local in zip(node.inputs, node.local_grads):
            edge = _Edge(ctx.bid(inp), ctx.bid(node), f"edge-{edge_index}", [])
            text = ctx.edge_text(node, inp, local)
            edge.label, edge.tooltip = (text if ctx.edge_labels else []), ", ".join(text)
            if inp.inputs:
                edge.attrs["weight"] = _SPINE_WEIGHT
            scene.edges.append(edge)
            edge_index += 1
    # Each neuron with the parameters it owns (first use) in a cluster; each layer's
    # neurons in one row, in neuron order.
    owned: set[int] = set()
    for neuron in neurons:
        members = []
        for p in [*neuron.weights, *([neuron.bias] if neuron.bias is not None else [])]:
            if not p.inputs and id(p) not in owned:
                owned.add(id(p))
                members.append(p)
        members.append(neuron.core)
        if neuron.out is not neuron.core:
            members.append(neuron.out)
        scene.clusters.append((ctx.names[neuron.core], [ctx.bid(m) for m in members]))
        params = [ctx.bid(m) for m in members if not m.inputs]
        for bid in params:
            scene.boxes[bid].small = len(params) > _PARAM_COLUMN_MAX
        if len(params) > _PARAM_COLUMN_MAX:
            # Many weights: a grid of short columns beside the neuron, not one long one.
            height = _grid_height(len(params))
            for i in range(height, len(params)):
                scene.grid.append((params[i - height], params[i]))
            scene.rows.extend(params[i : i + height] for i in range(0, len(params), height))
        # A neuron reads as at the neuron level: a model node, named by its activation.
        for m in {id(neuron.core): neuron.core, id(neuron.out): neuron.out}.values():
            box = scene.boxes[ctx.bid(m)]
            if ctx.role_of[id(m)] is None:
                box.fill, box.font, _ = ROLE_COLOURS["model"]
                box.role = "model"
            named = ctx.node_lines is None or box.lines[:1] == [ctx.names[m]]
            if m is neuron.core and named:  # the page's lines too, where they start with it
                act = neuron.activation if neuron.out is neuron.core else "linear"
                box.lines[0] = f"{ctx.names[m]} ({act})"
    if ctx.edge_labels or ctx.node_lines is None:
        # (a caller with its own lines, the explore page, labels the edges itself, placed
        # for dot's own ranks)
        _clear_of_frames(scene)
    layers: dict[tuple[Any, ...], int] = {}
    for neuron in neurons:
        layer = layers.setdefault(neuron.key(), len(layers))
        scene.slots[ctx.names[neuron.core]] = (layer, neuron.index)
    scene.roles = {box.role for box in scene.boxes.values()}
    scene.rows.extend(_layer_rows(ctx, neurons))
    loose = [leaf for leaf in _first_use(ctx.order) if id(leaf) not in owned]
    row = _leaf_row(ctx, loose)
    if 1 < len(row) <= _LEAF_ROW_MAX:
        scene.rows.insert(0, row)
        scene.leaf_row = row
    return scene


def _clear_of_frames(scene: _Scene) -> None:
    """Edges from outside a neuron's frame into it start at least one rank before the
    frame's parameter columns: the edge, its bends and its label then run between the
    frames of that rank, and enter only their own frame, never crossing a neighbour's."""
    span: dict[str, int] = {}
    for _name, ids in scene.clusters:
        params = sum(1 for bid in ids if scene.boxes[bid].role == "param")
        columns = 0 if params == 0 else math.ceil(params / _grid_height(params))
        for bid in ids:
            span[bid] = columns
    frame_of = {bid: k for k, (_name, ids) in enumerate(scene.clusters) for bid in ids}
    for edge in scene.edges:
        columns = span.get(edge.head, 0)
        if columns and frame_of.get(edge.tail) != frame_of[edge.head]:
            edge.attrs["minlen"] = str(columns + 1)


def _grid_height(params: int) -> int:
    """How many of a neuron's `params` parameters stand in one column."""
    return params if params <= _PARAM_COLUMN_MAX else math.ceil(math.sqrt(params))


def _layer_rows(ctx: _Context, neurons: list[_Neuron]) -> list[list[str]]:
    layers: dict[tuple[Any, ...], list[_Neuron]] = {}
    for neuron in neurons:
        layers.setdefault(neuron.key(), []).append(neuron)
    rows = []
    for group in layers.values():
        group.sort(key=lambda n: n.index)
        if len(group) > 1:
            rows.append([ctx.bid(n.out) for n in group])
    return rows


def _network_scene(
    ctx: _Context, neurons: list[_Neuron], consumers: dict[int, list[Value]], level: str
) -> _Scene:
    """One box per neuron (level "neuron") or per layer ("layer"); every other node as at
    level "node"; edges between boxes carry the weights."""
    scene = _Scene()
    owner: dict[int, str] = {}  # graph node → the box that shows it
    cores = {id(n.core) for n in neurons}
    absorbed_params: set[int] = set()
    for neuron in neurons:
        for p in [*neuron.weights, *([neuron.bias] if neuron.bias is not None else [])]:
            if not p.inputs and all(id(c) in cores for c in consumers.get(id(p), [])):
                absorbed_params.add(id(p))
    # Group the neurons: one group per neuron, or per layer (and sample).
    groups: dict[tuple[Any, ...], list[_Neuron]] = {}
    for neuron in neurons:
        key = neuron.key() if level == "layer" else (id(neuron.core),)
        groups.setdefault(key, []).append(neuron)
    group_of: dict[int, str] = {}
    for members in groups.values():
        members.sort(key=lambda n: n.index)
        bid = ctx.bid(members[0].out)
        for n in members:
            group_of[id(n.core)] = bid
            owner[id(n.core)] = owner[id(n.out)] = bid
            for p in [*n.weights, *([n.bias] if n.bias is not None else [])]:
                if id(p) in absorbed_params:
                    owner.setdefault(id(p), bid)
        box = _neuron_box(ctx, members[0]) if level == "neuron" else _layer_box(ctx, members)
        scene.boxes[bid] = box
        scene.roles.add("model")
    for node in ctx.order:
        if id(node) not in owner:
            owner[id(node)] = ctx.bid(node)
            box = ctx.box(node)
            scene.boxes[ctx.bid(node)] = box
            scene.roles.add(box.role)
    # Constant inputs (numbers fed to the first layer) get a box per position.
    constants: dict[tuple[tuple[float, ...], int], str] = {}
    tuples: dict[tuple[float, ...], int] = {}
    # Edges, in the order of the graph's edges.
    edge_index = 0
    n_weight_edges = sum(len(n.weights) for n in neurons)
    labelled = ctx.edge_labels and n_weight_edges <= _NEURON_EDGE_LABELS_MAX
    scene.weight_colours = not labelled and level == "neuron"
    if scene.weight_colours:
        scene.ranksep = "1.8"  # room to follow the many edges between two layers
    elif labelled and level == "neuron":
        scene.ranksep = "1.2"  # room for a label beside each weight's edge
    merged: dict[tuple[str, str], _Edge] = {}
    max_w = max((abs(w.data) for n in neurons for w in n.weights), default=1.0) or 1.0
    neuron_of_core = {id(n.core): n for n in neurons}
    for node in ctx.order:
        current = neuron_of_core.get(id(node))
        if current is not None and not all(isinstance(x, Value) for x in current.xs):
            xs = tuple(x for x in current.xs if not isinstance(x, Value))
            number = tuples.setdefault(xs, len(tuples) + 1)
            for i, x in enumerate(xs):
                cid = constants.get((xs, i))
                if cid is None:
                    cid = constants[(xs, i)] = f"x{number}_{i}"
                    name = f"x{i}" if number == 1 else f"x{i}#{number}"
                    scene.boxes[cid] = _Box(
                        [f"{name} = {fmt(x)}"],
                        *_PLAIN_COLOURS["constant"][:2],
                        f"{name}: input {i} = {x!r}",
                        [],
                        "constant",
                    )
                    scene.roles.add("constant")
                w = current.weights[i]
                _add_weight_edge(
                    scene,
                    merged,
                    ctx,
                    cid,
                    group_of[id(node)],
                    w,
                    f"edge-c{number}_{i}",
                    labelled,
                    max_w,
                    level,
                    (node.grad, node.local_grads[i]),
                )
        for position, (inp, local) in enumerate(zip(node.inputs, node.local_grads)):
            tail, head = owner[id(inp)], owner[id(node)]
            eid = f"edge-{edge_index}"
            edge_index += 1
            if tail == head:
                continue
            if current is not None:
                n_w = len(current.weights)
                if n_w <= position < 2 * n_w:
                    w = current.weights[position - n_w]
                    flow = (node.grad, node.local_grads[position - n_w])
                    _add_weight_edge(
                        scene, merged, ctx, tail, head, w, eid, labelled, max_w, level, flow
                    )
                    continue
            text = ctx.edge_text(node, inp, local)
            edge = _Edge(tail, head, eid, text if ctx.edge_labels else [], ", ".join(text))
            if inp.inputs:
                edge.attrs["weight"] = _SPINE_WEIGHT
            scene.edges.append(edge)
    # Rows: each layer's boxes together, in neuron order; the first layer's inputs too.
    if level == "neuron":
        scene.rows.extend(_layer_rows(ctx, neurons))
    inputs_row = [cid for cid in constants.values() if cid.startswith("x1_")]
    if len(inputs_row) > 1:
        scene.rows.append(inputs_row)
    return scene


def _add_weight_edge(
    scene: _Scene,
    merged: dict[tuple[str, str], _Edge],
    ctx: _Context,
    tail: str,
    head: str,
    w: Value,
    eid: str,
    labelled: bool,
    max_w: float,
    level: str,
    flow: tuple[float, float] | None = None,
) -> None:
    name = ctx.names[w]
    text = [f"{name} = {_value_text(w, ctx.updated)}"]
    if ctx.direction == "backward" and flow is not None:
        # what flows back to the weight, as the node level writes it: upstream × local
        up, local = flow
        text.append(f"{fmt(up)} × {fmt(local)} = {fmt(up * local)}")
    elif ctx.show_grads:
        text.append(ctx.grad_line(w))
    if level == "layer":
        edge = merged.get((tail, head))
        if edge is None:
            edge = merged[(tail, head)] = _Edge(tail, head, eid, [], "", weight=w)
            edge.attrs["count"] = "0"
            scene.edges.append(edge)
        count = int(edge.attrs["count"]) + 1
        edge.attrs["count"] = str(count)
        edge.label = [_count(count, "weight")] if ctx.edge_labels else []
        edge.tooltip = edge.label[0] if edge.label else ""
        return
    edge = _Edge(tail, head, eid, text if labelled else [], ", ".join(text), weight=w)
    if not labelled:
        colour = "#1F77B4" if w.data >= 0 else "#D62728"
        width = 0.4 + 2.6 * abs(w.data) / max_w
        edge.attrs.update(color=colour, penwidth=f"{width:.2f}", arrowsize="0.5")
    scene.edges.append(edge)


def _neuron_box(ctx: _Context, neuron: _Neuron) -> _Box:
    node = neuron.out
    name = ctx.names[neuron.core]
    if ctx.node_lines is not None:
        lines = [str(line) for line in ctx.node_lines(node, name)]
    else:
        lines = [f"{name} ({neuron.activation})", f"= {_value_text(node, ctx.updated)}"]
        if ctx.show_grads:
            lines.append(f"∂{ctx.root_name}/∂{name} = {fmt(node.grad)}")
        if neuron.bias is not None:
            b = neuron.bias
            lines.append(f"b = {_value_text(b, ctx.updated)}")
    fill, font, _ = ROLE_COLOURS["model"]
    tip = ctx.tooltip(node)
    if neuron.bias is not None:
        tip += f"; bias {ctx.tooltip(neuron.bias)}"
    members = [neuron.core, neuron.out, *neuron.weights]
    if neuron.bias is not None:
        members.append(neuron.bias)
    return _Box(lines, fill, font, tip, members, "model")


def _layer_box(ctx: _Context, group: list[_Neuron]) -> _Box:
    first = group[0]
    layer = "" if first.layer is None else f"L{first.layer}"
    outs = [n.out.data for n in group]
    weights = [w for n in group for w in n.weights]
    biases = [n.bias for n in group if n.bias is not None]
    count = len(group)
    lines = [
        f"{layer or 'layer'}: {_count(count, 'neuron')} ({first.activation})",
        _count(len(weights), "weight") + (f", {_count(len(biases), 'bias')}" if biases else ""),
        f"outputs {fmt(min(outs))} … {fmt(max(outs))}" if count > 1 else f"= {fmt(outs[0])}",
    ]
    if ctx.show_grads:
        top = max((abs(w.grad) for w in weights), default=0.0)
        lines.append(f"max |∂{ctx.root_name}/∂w| = {fmt(top)}")
    fill, font, _ = ROLE_COLOURS["model"]
    members = [m for n in group for m in (n.core, n.out, *n.weights)]
    members += biases
    tip = "; ".join(ctx.names[n.core] for n in group)
    return _Box(lines, fill, font, tip, members, "model")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}{'es' if noun.endswith('s') else 's'}"


def _apply_focus(scene: _Scene, on_path: set[int], focus: Value | None) -> None:
    keep = {bid for bid, box in scene.boxes.items() if any(id(m) in on_path for m in box.members)}
    edges = []
    for edge in scene.edges:
        if edge.tail in keep and edge.head in keep:
            edges.append(edge)
        elif edge.head in keep and focus is not None and edge.weight is focus:
            keep.add(edge.tail)  # the edge that carries the focused weight
            edges.append(edge)
    scene.edges = [e for e in edges if e.tail in keep and e.head in keep]
    scene.boxes = {bid: box for bid, box in scene.boxes.items() if bid in keep}
    scene.rows = [[b for b in row if b in keep] for row in scene.rows]
    scene.clusters = [(name, [b for b in ids if b in keep]) for name, ids in scene.clusters]
    scene.roles = {box.role for box in scene.boxes.values()}


# --- DOT ----------------------------------------------------------------------------------


def _dot_source(
    scene: _Scene, rankdir: str, title: str | None, highlight: str | None, root_id: str
) -> str:
    out = ["digraph computation_graph {"]
    graph = {"rankdir": rankdir, "fontname": "Helvetica", "newrank": "true"}
    labelled = any(edge.label for edge in scene.edges)
    if scene.ranksep is not None:
        graph["ranksep"] = scene.ranksep
    elif rankdir == "TB" and labelled:
        # room between the labels, and edges apart where their labels sit
        graph.update(ranksep="0.8", nodesep="0.35")
    if rankdir == "LR" and labelled:
        # the boxes of a column (a neuron's weights, a layer) apart, so that the edges
        # between two columns are apart where their labels sit
        graph["nodesep"] = "0.5"
    if scene.grid:
        graph["nodesep"] = "0.08"  # hundreds of small parameter boxes: pack them closely
    if title is not None:
        graph.update(labelloc="t", fontsize="16", label=_label([str(title)]))
    out.append("  graph " + _attrs(graph))
    out.append(
        "  node " + _attrs({"shape": "box", "style": "rounded,filled", "fontname": "Helvetica"})
    )
    out.append("  edge " + _attrs({"fontname": "Helvetica", "fontsize": "12"}))
    in_cluster: set[str] = set()
    for k, (name, ids) in enumerate(scene.clusters):
        if len(ids) < 2:
            continue
        out.append(f"  subgraph cluster_{k} {{")
        # the frame's parameters, and its place in its layer, for the second look after
        # dot's layout (which puts both in index order)
        params = " ".join(b for b in ids if scene.boxes[b].role == "param")
        if name in scene.slots:
            params += " ; layer {} {}".format(*scene.slots[name])
        out.append(
            "    graph "
            + _attrs(
                {
                    "label": '""',
                    "style": "rounded,dashed",
                    "color": "#9A9A9A",
                    "tooltip": name,
                    "comment": f"params {params}",
                    "id": f"frame-{k}",
                }
            )
        )
        for bid in ids:
            out.append(f"    {_node_stmt(bid, scene.boxes[bid], highlight)}")
            in_cluster.add(bid)
        out.append("  }")
    for bid, box in scene.boxes.items():
        if bid not in in_cluster:
            out.append(f"  {_node_stmt(bid, box, highlight)}")
    for edge in scene.edges:
        attrs = {"id": edge.id, **{k: v for k, v in edge.attrs.items() if k != "count"}}
        if edge.tooltip:
            attrs["tooltip"] = edge.tooltip
        line = f"  {edge.tail} -> {edge.head} "
        if edge.label:
            attrs["label"] = _quote("\n".join(edge.label))
        if highlight is not None and edge.head == highlight:
            attrs.update(penwidth="3", color="#D62728", fontcolor="#D62728")
        out.append(line + _attrs(attrs))
    for a, b in scene.grid:
        out.append(f'  {a} -> {b} [style=invis id="grid-{a}-{b}"]')
    for k, row in enumerate(scene.rows):
        if len(row) < 2:
            continue
        out.append("  {rank=same; " + " ".join(row) + "}")
        for a, b in itertools.pairwise(row):
            out.append(f'  {a} -> {b} [style=invis id="order-{k}-{a}"]')
    legend = [(role, *_legend_entry(role)) for role in _LEGEND_ORDER if role in scene.roles]
    if scene.weight_colours:
        legend.append(("weights", "", "", "edge: a weight, blue +, red −, width |w|"))
    if legend:
        rows = "".join(
            (
                f'<TR><TD BGCOLOR="{fill}" WIDTH="14" HEIGHT="14" BORDER="1" STYLE="rounded"> </TD>'
                if fill
                else '<TR><TD><FONT COLOR="#1F77B4">━</FONT><FONT COLOR="#D62728">━</FONT></TD>'
            )
            + f'<TD ALIGN="LEFT"><FONT POINT-SIZE="11">{_html_text(text)}</FONT></TD></TR>'
            for _role, fill, _font, text in legend
        )
        table = f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">{rows}</TABLE>>'
        out.append(f'  legend [id="legend" shape=plain style="" label={table}]')
        if root_id in scene.boxes:
            out.append(f"  {{rank=same; {root_id}; legend}}")
    out.append("}")
    return "\n".join(out) + "\n"


_LEGEND_ORDER = ("input", "param", "constant", "intermediate", "model", "loss")


def _legend_entry(role: str) -> tuple[str, str, str]:
    return ROLE_COLOURS[role] if role in ROLE_COLOURS else _PLAIN_COLOURS[role]


def _node_stmt(bid: str, box: _Box, highlight: str | None) -> str:
    attrs = {
        "id": f"node-{bid}",
        "label": _label(box.lines),
        "tooltip": box.tooltip,
        "fillcolor": box.fill,
        "fontcolor": box.font,
    }
    if box.small:
        attrs.update(fontsize="10", margin="0.06,0.02", height="0.3")
    if bid == highlight:
        attrs.update(penwidth="4", color="#D62728")
    return f"{bid} " + _attrs(attrs)


# --- files ------------------------------------------------------------------------------------


def _check_path(path: str | Path) -> tuple[Path, str]:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix != ".dot" and suffix not in _FORMATS:
        raise ValueError(
            f"render: cannot tell the format of {str(path)!r}; use a .svg, .png, .pdf or .dot path"
        )
    if not path.parent.is_dir():
        blocker = not_a_folder(path.parent)
        if blocker is not None:
            raise NotADirectoryError(f"render: {str(path)!r}: {blocker} is a file, not a folder")
        raise FileNotFoundError(f"render: the folder {str(path.parent)!r} does not exist")
    return path, suffix


def pipe(graph: Any, format: str) -> bytes:
    """Run Graphviz's `dot` on `graph`, with a clear error when it is missing or fails."""
    import graphviz

    if shutil.which("dot") is None:
        raise GraphvizMissingError(_INSTALL_HINT.format(fmt=format.upper()))
    try:
        if _EDGE_LABEL.search(graph.source) or 'comment="params n' in graph.source:
            data: bytes = render_placed(graph.source, format)
        else:
            data = graphviz.pipe("dot", format, graph.source.encode("utf-8"))
    except graphviz.ExecutableNotFound:
        raise GraphvizMissingError(_INSTALL_HINT.format(fmt=format.upper())) from None
    except (graphviz.CalledProcessError, subprocess.CalledProcessError) as exc:
        stderr = getattr(exc, "stderr", b"") or b""
        raise RuntimeError(
            f"Graphviz's dot failed to render {format}: {stderr.decode(errors='replace')}"
        ) from None
    if format == "svg":
        data = _centre_text(data.decode("utf-8")).encode("utf-8")
    return data


_EDGE_LABEL = re.compile(r"^  \S+ -> \S+ \[.*\blabel=", re.M)
_NODE_GROUP = re.compile(r'(<g id="node(?:-|&#45;)n\d+" class="node">)(.*?)(</g>\n</g>|</g>)', re.S)
_SHAPE = re.compile(r'<(?:path|polygon) fill="[^"]*" stroke="[^"]*" (?:d|points)="([^"]*)"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_START = re.compile(r'text-anchor="start" x="[^"]*"')


def _centre_text(svg: str) -> str:
    """Centre each node's lines on the node (``text-anchor="middle"``): dot places a table
    cell's text from its own font's widths, and a browser drawing another font would
    shift every line sideways."""

    def centre(m: re.Match[str]) -> str:
        shape = _SHAPE.search(m.group(2))
        if shape is None:
            return m.group(0)
        xs = [float(v) for v in _NUMBER.findall(shape.group(1))[0::2]]
        middle = f'text-anchor="middle" x="{(min(xs) + max(xs)) / 2:.2f}"'
        return m.group(1) + _START.sub(middle, m.group(2)) + m.group(3)

    return _NODE_GROUP.sub(centre, svg)


def render(root: Value, path: str | Path, **options: Any) -> Path:
    """Draw `root` (options as for `draw`) and write it by the path's suffix:
    .svg, .png, .pdf (these need Graphviz's `dot`) or .dot (the DOT source). Returns the path."""
    path, suffix = _check_path(path)
    graph = draw(root, **options)
    data = graph.source.encode("utf-8") if suffix == ".dot" else pipe(graph, _FORMATS[suffix])
    write_atomic(path, data)
    return path
