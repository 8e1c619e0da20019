"""The explore page's neuron level: one sample's network, one box per neuron.

A page of a network opens at the neuron level, as ``draw(level="neuron")`` draws it: a box per
neuron, an edge per weight. A batch of several samples is drawn once, for its first sample,
with the nodes that gather the samples (the loss's mean) after it; the page shows any
sample's numbers on that drawing. This module draws it and maps every node and edge of the
recorded graph to the box and edge of the drawing that shows it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .draw import _Box, _find_neurons, _node_stmt, draw, pipe
from .engine import Value, topological_order

__all__ = ["SLOPES", "NetworkView", "for_page", "network_view", "split_neurons"]

#: Activations whose slope the page writes from the neuron's output a.
SLOPES = ("tanh", "sigmoid", "relu", "linear")

_SHARED, _BATCH = -1, -2


@dataclass
class NetworkView:
    """The drawing and, per node and edge of the recorded graph, the id of what shows it."""

    svg: str
    boxes: list[str]  # per node: the SVG id of its box ("" where it has none, as a weight)
    edges: list[str]  # per edge: the SVG id of the edge that shows it, or ""
    samples: list[int]  # per node: the sample it belongs to (-1: shared, -2: the batch's)
    neurons: list[dict[str, Any]]  # per neuron: its node, activation, weight edges, inputs
    room: int = 0  # points left free in each neuron's box, for the page's map
    room_at: str = "left"  # where: "left", or "top" in a network of narrow layers

    def data(self) -> dict[str, Any]:
        return {
            "boxes": self.boxes,
            "edges": self.edges,
            "samples": self.samples,
            "neurons": self.neurons,
            "room": self.room,
            "roomAt": self.room_at,
        }


def for_page(source: str, **graph: str) -> str:
    """DOT source for the page: without its legend (the page shows it above the drawing,
    where its text keeps its size whatever the zoom), with the graph attributes `graph`."""
    lines = [
        line
        for line in source.rstrip().split("\n")
        if not line.startswith("  legend [") and "; legend}" not in line
    ]
    extra = [f'  graph [{key}="{value}"]' for key, value in graph.items()]
    return "\n".join(lines[:-1] + extra + lines[-1:]) + "\n"


def split_neurons(source: str, zs: dict[str, tuple[str, _Box]]) -> str:
    """DOT source of a node-level drawing with each neuron a(w·x + b) of `zs` (its DOT node
    id: its activation and the box of its z) drawn as two boxes, as the maths has them: z = w·x
    + b (node ``<id>z``, where the neuron's inputs now go) and a(z), joined by the edge
    ``edge-<id>z``. A neuron without an activation stays one box and says so: ``= w·x + b``."""
    out: list[str] = []
    for line in source.rstrip().split("\n")[:-1]:
        body = line.lstrip()
        indent = line[: len(line) - len(body)]
        name, _, rest = body.partition(" ")
        edge = re.match(r"(\w+) -> (\w+) \[id=\"edge-", body)
        if edge and edge.group(2) in zs:  # the neuron's inputs go into its z
            out.append(f"{indent}{name} -> {edge.group(2)}z {body[edge.end(2) + 1 :]}")
        elif name in zs and rest.startswith(f'[id="node-{name}"'):
            act, box = zs[name]
            out.append(line.replace(f" ({act})</TD>", f" = {act}(z)</TD>", 1))
            out.append(indent + _node_stmt(f"{name}z", box, None))
        else:
            out.append(line.replace(" (linear)</TD>", " = w·x + b (linear)</TD>", 1))
    out += [f'  {n}z -> {n} [id="edge-{n}z" weight="4"]' for n in zs]
    return "\n".join([*out, "}"]) + "\n"


def _samples(order: list[Value], feeds: Sequence[Sequence[int]]) -> list[int]:
    """Each node's sample: its placeholders' one sample, -1 for none, -2 for several."""
    index = {node: k for k, node in enumerate(order)}
    out: list[int] = []
    for k, node in enumerate(order):
        if not node.inputs:
            out.append(feeds[k][0] if feeds[k][0] >= 0 else _SHARED)
            continue
        seen = {out[index[i]] for i in node.inputs} - {_SHARED}
        out.append(_BATCH if _BATCH in seen or len(seen) > 1 else (seen.pop() if seen else _SHARED))
    return out


def _aligned(
    first: list[Value], other: list[Value], samples: list[int], index: dict[Value, int]
) -> bool:
    """Whether two samples' graphs have one shape: the same ops, the same shared nodes."""
    if len(first) != len(other):
        return False
    for a, b in zip(first, other):
        if a.op != b.op or len(a.inputs) != len(b.inputs):
            return False
        if samples[index[a]] == _SHARED and a is not b:
            return False
    return True


def network_view(
    order: list[Value],
    names: list[str],
    inputs: list[list[int]],
    feeds: Sequence[Sequence[int]],
    roles: dict[Value, str],
    lines: Callable[[list[int], str], list[str]],
    level: str = "neuron",
    room: int = 0,
    zs: dict[int, tuple[str, _Box]] | None = None,
) -> NetworkView | None:
    """The drawing of one sample of a recorded graph at `level`, or None where there is
    nothing to draw that way: at "neuron", a graph without neurons; at "node", a graph of
    one sample (drawn whole already); either, where the samples' graphs differ in shape.
    `lines(nodes, name)` gives a box's text lines for the nodes it shows (one per sample)
    under the name `name`; at "neuron", each neuron's box is `room` points wider, or taller
    where no layer has more than 4 neurons (the page draws the neuron's map there and moves
    the text aside). At "node", the neurons a(w·x + b) of `zs` (by node index: the
    activation and the box of z) are drawn as two boxes (`split_neurons`)."""
    import graphviz

    consumers: dict[int, list[Value]] = {}
    for node in order:
        for inp in node.inputs:
            consumers.setdefault(id(inp), []).append(node)
    neurons = _find_neurons(order, consumers) if level == "neuron" else []
    if level == "neuron" and not neurons:
        return None
    index = {node: k for k, node in enumerate(order)}
    samples = _samples(order, feeds)
    count = max(samples) + 1
    if count <= 1 and level == "node":
        return None
    if count <= 1:
        terms = [order[-1]]
    else:
        terms = []
        for s in range(count):
            mine = [
                node
                for node in order
                if samples[index[node]] == s
                and (
                    node is order[-1]
                    or any(samples[index[c]] == _BATCH for c in consumers.get(id(node), []))
                )
            ]
            if len(mine) != 1:
                return None
            terms.append(mine[0])
    subs = [topological_order(t) for t in terms]
    if not all(_aligned(subs[0], sub, samples, index) for sub in subs[1:]):
        return None
    first = subs[0]
    position = {node: p for p, node in enumerate(first)}
    # the nodes each position shows, one per sample (a shared node is the same in all)
    shown = [[index[sub[p]] for sub in subs] for p in range(len(first))]
    names_first = [names[index[node]] for node in first]
    neuron_at = {}
    for n in neurons:
        if n.core in position:
            neuron_at[position[n.core]] = n
            neuron_at[position[n.out]] = n

    def node_lines(node: Value, _name: str) -> list[str]:
        p = position[node]
        n = neuron_at.get(p)
        if n is not None:
            p = position[n.out]
            ks = shown[p] + shown[position[n.core]]
            return lines(ks, f"{names_first[position[n.core]]} ({n.activation})")
        return lines(shown[p], names_first[p])

    sub_roles = {node: role for node, role in roles.items() if node in position}
    graph = draw(
        terms[0],
        edge_labels=False,
        show_grads=False,
        roles=sub_roles,
        max_nodes=max(len(first), 1),
        title=None,
        node_lines=node_lines,
        level=level,
    )
    # room between the layers for a label per weight (two lines, upstream × local and
    # its value), side by side where a layer has more neurons than the 2-4-1 net
    widest = 0
    if level == "neuron":
        widest = max(Counter(n.layer for n in neurons if n.core in position).values())
        source = for_page(graph.source, nodesep="0.15", ranksep="1.4" if widest <= 4 else "2.4")
    elif "nodesep" in graph.source:  # weights in grids, whose columns are ranks too
        source = for_page(graph.source)
    else:
        source = for_page(graph.source, nodesep="0.15", ranksep="1.6")
    if level == "node" and zs:
        split: dict[str, tuple[str, _Box]] = {}
        for p, ks in enumerate(shown):
            z_boxes = [zs[k] for k in ks if k in zs]
            if z_boxes:  # the widest of the samples' z boxes
                split[f"n{p}"] = max(z_boxes, key=lambda z: sum(len(line) for line in z[1].lines))
        source = split_neurons(source, split)
    # the nodes that gather the samples (the mean of the losses), after the first sample's
    extra: list[str] = []
    batch_id: dict[int, str] = {}
    batch_edges: dict[int, str] = {}
    next_id = len(first)
    offsets = []
    e = 0
    for ins in inputs:
        offsets.append(e)
        e += len(ins)
    box_of_pos: dict[int, str] = {}
    pos_of: dict[int, int] = {}
    for p, ks in enumerate(shown):
        here = neuron_at.get(p)
        box_of_pos[p] = f"n{position[here.out]}" if here is not None else f"n{p}"
        for k in ks:
            pos_of[k] = p
    for k, node in enumerate(order):
        if samples[k] != _BATCH:
            continue
        bid = f"n{next_id}"
        next_id += 1
        batch_id[k] = bid
        fill, font = ("#FFFF00", "black") if roles.get(node) == "loss" else ("#FFFFFF", "black")
        box = _Box(lines([k], names[k]), fill, font, names[k])
        extra.append("  " + _node_stmt(bid, box, None))
        for j, inp in enumerate(node.inputs):
            ki = index[inp]
            if ki in batch_id:
                tail = batch_id[ki]
            elif ki in pos_of:
                tail = box_of_pos[pos_of[ki]]
            else:
                continue
            eid = f"edge-{tail}-{bid}"
            if eid not in batch_edges.values():
                extra.append(f'  {tail} -> {bid} [id="{eid}" weight="4"]')
            batch_edges[offsets[k] + j] = eid
    # Graphviz's 0.11 and 0.055 inch margins, plus half the room a side: on top where there
    # is height to spare (the small nets fit a window's width whole)
    room_at = "top" if level == "neuron" and widest <= 4 else "left"
    if room and level == "neuron":
        x, y = (0.11, 0.055 + room / 144) if room_at == "top" else (0.11 + room / 144, 0.055)
        margin = f"{x:.4f},{y:.4f}"
        boxed = sorted({box_of_pos[p] for p in neuron_at})
        extra.extend(f'  {bid} [margin="{margin}"]' for bid in boxed)
    if extra:
        cut = source.rstrip().rfind("}")
        source = source[:cut] + "\n".join(extra) + "\n}\n"
    svg = pipe(graphviz.Source(source), "svg").decode("utf-8")
    svg = svg[svg.find("<svg") :]
    ids = {m.replace("&#45;", "-") for m in re.findall(r'id="([^"]*)"', svg)}
    boxes = [""] * len(order)
    edges = [""] * sum(len(ins) for ins in inputs)
    owner = {p: box_of_pos[p] for p in range(len(first)) if f"node-n{p}" in ids}
    owner.update((p, box_of_pos[p]) for p in neuron_at)
    for n in neurons:  # a bias drawn inside its neuron's box
        if n.bias is not None and n.bias in position and n.core in position:
            owner.setdefault(position[n.bias], box_of_pos[position[n.core]])
    for p, shown_by in owner.items():
        for k in shown[p]:
            boxes[k] = f"node-{shown_by}"
    for k, bid in batch_id.items():
        boxes[k] = f"node-{bid}"
    for e_index, eid in batch_edges.items():
        edges[e_index] = eid
    # the first sample's edges by their number in its own graph; the others' by position
    sub_e = 0
    for p, node in enumerate(first):
        here = neuron_at.get(p)
        for j in range(len(node.inputs)):
            eid = f"edge-{sub_e}"
            sub_e += 1
            shows = eid if eid in ids else ""
            if not shows and here is not None and node is here.core:
                nw = len(here.weights)
                if j < nw:  # a weight's own edge: the edge of the input it multiplies
                    other = f"edge-{sub_e - 1 + nw}"
                    shows = other if other in ids else ""
            for k in shown[p]:
                edges[offsets[k] + j] = shows
    neuron_data = []
    for n in neurons:
        act = n.activation if n.out is n.core else "linear"  # the core's own: z or a(z)
        if n.core not in index or act not in SLOPES:
            continue
        k = index[n.core]
        nw = len(n.weights)
        neuron_data.append(
            {
                "k": k,
                "act": act,
                "w": [offsets[k] + i for i in range(nw)],
                "x": [index[x] if isinstance(x, Value) else -1 for x in n.xs],
            }
        )
    room = room if level == "neuron" else 0
    return NetworkView(svg, boxes, edges, samples, neuron_data, room, room_at)
