"""A second look at Graphviz's layout: neurons and weights in index order, each label by its
own edge.

dot orders the boxes of a rank to cross as few edges as it can: it can stack a layer's neuron
frames L0.n2, L0.n0, L0.n1 (it keeps no order between frames) and set a neuron's weights w2,
w3, w0, w1 down its frame. It sets an edge's label beside the edge's middle, where it reserved
room, and where edges run close or cross there the label can sit nearer another edge than its
own, on a crossing, on a frame's border, or at a distance. After dot's layout, the frames of
each layer take their places in neuron order (each box and edge its counterpart's), the
weights of each frame take their column's places in index order (each with its edge), and each
label that does not sit cleanly moves to the first spot along its own edge (from the middle
out, on either side) where it touches no box, no other label, no line and no frame's border,
and is clearly nearer its own edge than any other, in the width dot measured its text and in
a narrower browser font's; then the drawing is made from that layout (Graphviz's
``neato -n2`` draws given positions as they are).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["render_placed"]

# from the middle out, every 5 % of the edge's length
_FRACTIONS = tuple(sorted((k / 20 for k in range(1, 20)), key=lambda f: abs(f - 0.5)))
_GAP = 3.0  # points between a label and its own edge
_CLEAR = 4.0  # points between a label and anything else
# dot measures text in the font it found; a browser may draw it in a narrower one (Chromium
# here: 0.89 of dot's width): a label must read as its edge's at either size
_NARROWER = 0.85
# a label this much nearer its own edge than any other reads as its edge's, whatever the font
_ROOMY = 8.0
# beside the point: across the edge first (above and below a level edge), then along it,
# then the four corners
_ACROSS = ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))
_ALONG = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))


@dataclass
class _Label:
    edge: str
    lp: tuple[float, float]
    half: tuple[float, float]  # half its width and height
    line: list[tuple[float, float]]  # its edge, as points along the drawn curve
    ends: set[int]  # its edge's tail and head (dot's object numbers)

    def box(self, at: tuple[float, float], scale: float = 1.0) -> tuple[float, float, float, float]:
        return (
            at[0] - self.half[0] * scale,
            at[1] - self.half[1] * scale,
            at[0] + self.half[0] * scale,
            at[1] + self.half[1] * scale,
        )


def _bezier(points: list[list[float]]) -> list[tuple[float, float]]:
    """Points along a chain of cubic Bézier segments (p0, c1, c2, p1, c1, c2, p2, …)."""
    out = [(points[0][0], points[0][1])]
    for i in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[i : i + 4]
        for step in range(1, 13):
            t = step / 12
            u = 1 - t
            out.append(
                (
                    u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                    u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
                )
            )
    return out


def _text_box(ops: list[dict[str, Any]]) -> tuple[float, float, float, float] | None:
    """The box of the text drawn by xdot operations (baseline points, widths, font sizes)."""
    size = 14.0
    box: tuple[float, float, float, float] | None = None
    for op in ops:
        if op.get("op") == "F":
            size = float(op.get("size", size))
        elif op.get("op") == "T":
            x, y = op["pt"]
            width = float(op["width"])
            left = {"l": x, "r": x - width}.get(op.get("align", "c"), x - width / 2)
            # from the descenders to the accents: the box a browser gives the line
            b = (left, y - 0.3 * size, left + width, y + 0.95 * size)
            box = (
                b
                if box is None
                else (min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3]))
            )
    return box


def _distance(
    box: tuple[float, float, float, float], line: list[tuple[float, float]], limit: float = math.inf
) -> float:
    """How far `box` is from the polyline `line` (0 where the line runs through it), or
    `limit` where it is no nearer than that."""
    best = limit
    for (x0, y0), (x1, y1) in itertools.pairwise(line):
        # a segment whose own box is no nearer than the best so far cannot be nearer
        dx = max(box[0] - max(x0, x1), 0.0, min(x0, x1) - box[2])
        dy = max(box[1] - max(y0, y1), 0.0, min(y0, y1) - box[3])
        if dx * dx + dy * dy < best * best:
            best = min(best, _segment_distance(box, (x0, y0), (x1, y1)))
            if best == 0.0:
                break
    return best


def _gap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """How far apart two boxes are (0 where they meet)."""
    return math.hypot(max(a[0] - b[2], 0.0, b[0] - a[2]), max(a[1] - b[3], 0.0, b[1] - a[3]))


def _point_distance(box: tuple[float, float, float, float], x: float, y: float) -> float:
    return math.hypot(max(box[0] - x, 0.0, x - box[2]), max(box[1] - y, 0.0, y - box[3]))


def _segment_distance(
    box: tuple[float, float, float, float], p: tuple[float, float], q: tuple[float, float]
) -> float:
    """How far `box` is from the segment p–q: 0 where they meet, else the nearest of the
    segment's ends to the box and the box's corners to the segment."""
    (x0, y0), (x1, y1) = p, q
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0  # the part of the segment inside the box's slab on each axis
    for start, step, lo, hi in ((x0, dx, box[0], box[2]), (y0, dy, box[1], box[3])):
        if step == 0.0:
            if not lo <= start <= hi:
                low, high = 1.0, 0.0
        else:
            a, b = (lo - start) / step, (hi - start) / step
            low, high = max(low, min(a, b)), min(high, max(a, b))
    if low <= high:
        return 0.0
    best = min(_point_distance(box, x0, y0), _point_distance(box, x1, y1))
    length = dx * dx + dy * dy
    if length > 0.0:
        for cx, cy in ((box[0], box[1]), (box[0], box[3]), (box[2], box[1]), (box[2], box[3])):
            t = min(1.0, max(0.0, ((cx - x0) * dx + (cy - y0) * dy) / length))
            best = min(best, math.hypot(x0 + t * dx - cx, y0 + t * dy - cy))
    return best


def _meets(a: tuple[float, ...], b: tuple[float, ...], margin: float) -> bool:
    return (
        a[0] < b[2] + margin
        and b[0] < a[2] + margin
        and a[1] < b[3] + margin
        and b[1] < a[3] + margin
    )


def _within(a: tuple[float, ...], b: tuple[float, ...], margin: float) -> bool:
    return (
        a[0] > b[0] + margin
        and a[2] < b[2] - margin
        and a[1] > b[1] + margin
        and a[3] < b[3] - margin
    )


def _along(line: list[tuple[float, float]], fraction: float) -> tuple[float, float]:
    lengths = [0.0]
    for (x0, y0), (x1, y1) in itertools.pairwise(line):
        lengths.append(lengths[-1] + math.hypot(x1 - x0, y1 - y0))
    goal = lengths[-1] * fraction
    for i in range(1, len(line)):
        if lengths[i] >= goal:
            span = lengths[i] - lengths[i - 1] or 1.0
            t = (goal - lengths[i - 1]) / span
            return (
                line[i - 1][0] + t * (line[i][0] - line[i - 1][0]),
                line[i - 1][1] + t * (line[i][1] - line[i - 1][1]),
            )
    return line[-1]


def placements(layout: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """New label positions (by edge id) for the labels of `layout` (dot's JSON) that sit
    nearer another edge than their own, touch a box, a line or a label, or float away."""
    boxes: list[tuple[float, float, float, float]] = []
    for obj in layout.get("objects", []):
        if "pos" in obj and "width" in obj and "nodes" not in obj:
            x, y = (float(v) for v in obj["pos"].split(","))
            w, h = float(obj["width"]) * 36, float(obj["height"]) * 36
            boxes.append((x - w, y - h, x + w, y + h))
    title = _text_box(layout.get("_ldraw_", []))
    if title is not None:
        boxes.append(title)
    bb = [float(v) for v in layout.get("bb", "0,0,0,0").split(",")]
    # the neurons' dashed frames, each with the boxes it holds
    frames: list[tuple[tuple[float, float, float, float], set[int]]] = []
    for obj in layout.get("objects", []):
        if str(obj.get("name", "")).startswith("cluster") and "bb" in obj:
            x0, y0, x1, y1 = (float(v) for v in obj["bb"].split(","))
            frames.append(((x0, y0, x1, y1), set(obj.get("nodes", []))))
    lines: dict[str, list[tuple[float, float]]] = {}
    labels: list[_Label] = []
    for edge in layout.get("edges", []):
        if edge.get("style") == "invis":
            continue
        curve = [op for op in edge.get("_draw_", []) if op.get("op") == "b"]
        if not curve:
            continue
        key = str(edge.get("id") or f"_{edge['_gvid']}")
        lines[key] = _bezier(curve[0]["points"])
        text = _text_box(edge.get("_ldraw_", []))
        if "lp" in edge and text is not None and edge.get("id"):
            half = ((text[2] - text[0]) / 2, (text[3] - text[1]) / 2)
            centre = ((text[0] + text[2]) / 2, (text[1] + text[3]) / 2)
            ends = {edge["tail"], edge["head"]}
            labels.append(_Label(key, centre, half, lines[key], ends))
    reach = {  # each line's bounding box
        key: (
            min(x for x, _ in ln),
            min(y for _, y in ln),
            max(x for x, _ in ln),
            max(y for _, y in ln),
        )
        for key, ln in lines.items()
    }
    placed: list[tuple[float, float, float, float]] = []
    moves: dict[str, tuple[float, float]] = {}

    def room(
        label: _Label, at: tuple[float, float], slack: float = 2.0, gap: float = _GAP
    ) -> float | None:
        """How much nearer its own edge than any other the label stands at `at` (up to
        `_ROOMY`), or None where it would touch a box, a label, a line or a frame's border."""
        box = label.box(at)
        if box[0] < bb[0] or box[1] < bb[1] or box[2] > bb[2] or box[3] > bb[3]:
            return None
        if any(_meets(box, b, 2.0) for b in boxes) or any(_meets(box, p, _CLEAR) for p in placed):
            return None
        # clear of every frame's border; inside a frame only if its edge starts or ends there
        for frame, members in frames:
            if _meets(box, frame, _CLEAR) and not (
                members & label.ends and _within(box, frame, _CLEAR)
            ):
                return None
        own = _distance(box, label.line, 3 * gap + 1.0)
        if not 0.5 <= own <= 3 * gap:  # beside its edge, not on it, not away from it
            return None
        margin = _ROOMY
        for size in (box, label.box(at, _NARROWER)):  # nearer its own edge at either size
            own = _distance(size, label.line)
            for key, line in lines.items():
                if key != label.edge and _gap(size, reach[key]) < own + margin:
                    near = _distance(size, line, own + margin)
                    if near < own + margin:  # (else no nearer: the margin stays as it is)
                        margin = near - own
                    if margin <= slack:
                        return None
        return margin

    def clean(label: _Label, at: tuple[float, float]) -> bool:
        return room(label, at) is not None

    def spot(label: _Label, slack: float, gap: float = _GAP) -> tuple[float, float] | None:
        """The first spot beside its edge (from the middle out) with room to spare, else the
        one with the most room."""
        hw, hh = label.half
        best, most = None, -math.inf
        for fraction in _FRACTIONS:
            x, y = _along(label.line, fraction)
            ahead = _along(label.line, min(1.0, fraction + 0.02))
            behind = _along(label.line, max(0.0, fraction - 0.02))
            level = abs(ahead[0] - behind[0]) >= abs(ahead[1] - behind[1])
            for dx, dy in _ACROSS if level else _ALONG:
                at = (x + dx * (hw + gap), y + dy * (hh + gap))
                margin = room(label, at, slack, gap)
                if margin is not None and margin >= _ROOMY:
                    return at
                if margin is not None and margin > most:
                    best, most = at, margin
        return best

    def anywhere(label: _Label) -> tuple[float, float] | None:
        """Beside its edge, else a little away from it (still nearer it than any other)."""
        return spot(label, 2.0) or spot(label, 0.0) or spot(label, 8.0, 3 * _GAP)

    # the labels dot set cleanly stay; the others move, else stay where dot set them
    unclean = []
    for label in labels:
        if clean(label, label.lp):
            placed.append(label.box(label.lp))
        else:
            unclean.append(label)
    # a label with nowhere better stays: the others keep clear of it
    movable = []
    for label in unclean:
        if anywhere(label) is None:
            placed.append(label.box(label.lp))
        else:
            movable.append(label)
    settled = list(placed)

    def arrange(order: list[_Label], waiting: bool) -> list[_Label]:
        """Move the labels in `order` (`waiting`: none onto a spot another may have to stay
        in); returns those left with no spot (they stay where dot set them)."""
        placed[:] = settled + ([label.box(label.lp) for label in order] if waiting else [])
        moves.clear()
        left = []
        for label in order:
            if waiting:
                placed.remove(label.box(label.lp))
            at = anywhere(label)
            if at is None:
                left.append(label)
            else:
                moves[label.edge] = at
            placed.append(label.box(at or label.lp))
        return left

    left = arrange(movable, True)
    best = dict(moves)
    # those crowded out first, none waiting: taken only if every label finds a spot
    if left and not arrange(left + [label for label in movable if label not in left], False):
        best = dict(moves)
    return best


def _in_index_order(layout: dict[str, Any]) -> tuple[dict[str, str], dict[str, int]]:
    """Put each frame's parameters (its ``comment``: ``params n4 n5``) down their column in
    index order, in `layout` itself: each box takes the place of the one that stood at its
    rank, and its edge that one's edge. Returns the new node positions by node id and, by edge
    id, the index of the edge whose curve and label place it took."""
    by_name = {obj["name"]: obj for obj in layout.get("objects", []) if "pos" in obj}
    out_edges: dict[str, list[dict[str, Any]]] = {}
    objects = layout.get("objects", [])
    for edge in layout.get("edges", []):
        if edge.get("style") != "invis":
            out_edges.setdefault(objects[edge["tail"]]["name"], []).append(edge)
    moved: dict[str, str] = {}
    took: dict[str, int] = {}
    for frame in objects:
        names = str(frame.get("comment", "")).split(" ; ")[0].removeprefix("params ").split()
        if not str(frame.get("comment", "")).startswith("params ") or len(names) < 2:
            continue
        boxes = [by_name.get(n) for n in names]
        if any(b is None or len(out_edges.get(b["name"], [])) != 1 for b in boxes):
            continue
        spots = [tuple(float(v) for v in b["pos"].split(",")) for b in boxes]  # type: ignore[index]
        # one column, or a grid of columns (each its own rank): each column in index order
        columns: list[list[int]] = []
        for i in sorted(range(len(spots)), key=lambda i: spots[i][0]):
            if columns and spots[i][0] - spots[columns[-1][-1]][0] <= 1.0:
                columns[-1].append(i)
            else:
                columns.append([i])
        for members in columns:
            members.sort()
            edges = [out_edges[names[i]][0] for i in members]
            _order_column(members, spots, boxes, edges, moved, took)
    return moved, took


def _order_column(
    members: list[int],
    spots: list[tuple[float, ...]],
    boxes: list[Any],
    edges: list[dict[str, Any]],
    moved: dict[str, str],
    took: dict[str, int],
) -> None:
    """The boxes `members` (in index order) of one column down its places in that order."""
    down = sorted(members, key=lambda i: -spots[i][1])  # top first (y is up)
    if down == members:
        return
    own = {i: e for i, e in zip(members, edges)}
    saved = {i: _place_of(own[i]) for i in members}
    for i, j in zip(members, down):  # the i-th parameter takes the place of the j-th
        box, edge = boxes[i], own[i]
        x, y = spots[j]
        box["pos"] = f"{x:.2f},{y:.2f}"
        moved[box["id"]] = box["pos"]
        _take_place(edge, saved[j])
        took[edge["id"]] = j


def _place_of(edge: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Where `edge` runs and where its label stands: its curve, its label's centre, its pos."""
    return edge.get("_draw_"), edge.get("lp"), edge.get("pos")


def _take_place(edge: dict[str, Any], place: tuple[Any, Any, Any]) -> None:
    """`edge` runs where another ran (`_place_of` it); its label keeps its own text, set
    where the other edge's label was."""
    draw_ops, lp, pos = place
    edge["_draw_"], edge["pos"] = draw_ops, pos
    if lp is not None and "lp" in edge:
        ox, oy = (float(v) for v in edge["lp"].split(","))
        nx, ny = (float(v) for v in lp.split(","))
        for op in edge.get("_ldraw_", []):
            if op.get("op") == "T":
                op["pt"] = [op["pt"][0] + nx - ox, op["pt"][1] + ny - oy]
        edge["lp"] = lp


def _frames_in_order(
    layout: dict[str, Any],
) -> tuple[dict[str, str], dict[str, int], dict[str, str]]:
    """Put the frames of each layer (``comment``: ``params … ; layer L i``) in neuron order,
    in `layout` itself. dot keeps no order between frames, and the frames of a layer of an
    MLP are alike (as many parameters, edges from the same inputs to the same outputs): the
    i-th neuron's frame takes the place of the frame that stood i-th, each box the place of
    its counterpart and each edge its counterpart's curve. Returns the new node positions by
    node id, the edges that moved (by id) and the frames' new boxes by frame id; nothing
    moves where the frames are not alike."""
    objects = layout.get("objects", [])
    layers: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for obj in objects:
        params, _, slot = str(obj.get("comment", "")).partition(" ; layer ")
        if params.startswith("params ") and len(slot.split()) == 2 and "bb" in obj:
            layer, index = slot.split()
            layers.setdefault(layer, []).append((int(index), obj))
    gvid = {obj["name"]: obj["_gvid"] for obj in objects if "pos" in obj}

    def members(frame: dict[str, Any]) -> list[int]:
        """A frame's boxes: its parameters in index order, then the others as declared."""
        params = [gvid.get(n, -1) for n in str(frame["comment"]).split(" ; ")[0].split()[1:]]
        return params + sorted(set(frame.get("nodes", [])) - set(params))

    to: dict[int, int] = {}  # a box → the box whose place it takes
    frame_to: dict[str, dict[str, Any]] = {}
    for group in layers.values():
        group.sort(key=lambda t: t[0])
        centres = [_centre(frame["bb"]) for _, frame in group]
        xs, ys = [c[0] for c in centres], [c[1] for c in centres]
        down = max(ys) - min(ys) > max(xs) - min(xs)  # stacked top to bottom (y is up)
        standing = sorted(range(len(group)), key=lambda i: -ys[i] if down else xs[i])
        if standing == list(range(len(group))):
            continue
        for (_, frame), place in zip(group, standing):
            there = group[place][1]
            mine, theirs = members(frame), members(there)
            if len(mine) != len(theirs) or -1 in mine or -1 in theirs:
                return {}, {}, {}
            to.update(zip(mine, theirs))
            frame_to[frame["id"]] = there
    if not to:
        return {}, {}, {}
    edges = [e for e in layout.get("edges", []) if e.get("style") != "invis" and e.get("id")]
    by_ends: dict[tuple[int, int], dict[str, Any]] = {}
    for edge in edges:
        if (edge["tail"], edge["head"]) in by_ends:
            return {}, {}, {}  # two edges between one pair: which is whose is unclear
        by_ends[edge["tail"], edge["head"]] = edge
    counterpart: dict[str, dict[str, Any]] = {}
    for edge in edges:
        if edge["tail"] in to or edge["head"] in to:
            twin = by_ends.get(
                (to.get(edge["tail"], edge["tail"]), to.get(edge["head"], edge["head"]))
            )
            if twin is None:
                return {}, {}, {}
            counterpart[edge["id"]] = twin
    # every box, edge and frame takes its counterpart's place as dot laid it out
    pos = {g: objects[g]["pos"] for g in {*to, *to.values()}}
    places = {key: _place_of(twin) for key, twin in counterpart.items()}
    bbs = {key: str(there["bb"]) for key, there in frame_to.items()}
    moved: dict[str, str] = {}
    for g, target in to.items():
        objects[g]["pos"] = pos[target]
        moved[objects[g]["id"]] = pos[target]
    took: dict[str, int] = {}
    for edge in edges:
        if edge["id"] in places:
            _take_place(edge, places[edge["id"]])
            took[edge["id"]] = 0
    for obj in objects:
        if obj.get("id") in bbs:
            obj["bb"] = bbs[obj["id"]]
    return moved, took, bbs


def _centre(bb: str) -> tuple[float, float]:
    x0, y0, x1, y1 = (float(v) for v in bb.split(","))
    return (x0 + x1) / 2, (y0 + y1) / 2


def _replace(text: str, key: str, attribute: str, old: str, new: str) -> str:
    """`text` (xdot) with `attribute` of the statement whose id is `key` set to `new`, where
    it reads `old` (else unchanged)."""
    start = text.find(f'id="{key}"')
    if start < 0:
        return text
    head = text.rfind("[", 0, start)
    end = text.find("];", start)
    for at in (text.find(f'{attribute}="', head), text.find(f'{attribute}="', start)):
        if head <= at < end:
            stop = text.find('"', at + len(attribute) + 2)
            if text[at + len(attribute) + 2 : stop].replace("\\\n", "") == old:
                return f'{text[:at]}{attribute}="{new}"{text[stop + 1 :]}'
    return text


def render_placed(source: str, format: str) -> bytes:
    """`source` (DOT) laid out by dot and drawn in `format`, its edge labels by their edges."""
    import graphviz

    data = source.encode("utf-8")
    layout = json.loads(graphviz.pipe("dot", "json", data))
    before = {e.get("id"): (e.get("pos"), e.get("lp")) for e in layout.get("edges", [])}
    nodes_before = {o.get("id"): o.get("pos") for o in layout.get("objects", [])}
    frames_before = {o.get("id"): o.get("bb") for o in layout.get("objects", [])}
    moved, took, frames = _frames_in_order(layout)
    in_order, took_in_order = _in_index_order(layout)
    moved.update(in_order)
    took.update(took_in_order)
    moves = placements(layout)
    if not moves and not moved:
        return bytes(graphviz.pipe("dot", format, data))
    xdot = graphviz.pipe("dot", "xdot", data).decode("utf-8")
    for key, bb in frames.items():
        xdot = _replace(xdot, key, "bb", str(frames_before[key]), bb)
    for key, pos in moved.items():
        xdot = _replace(xdot, key, "pos", str(nodes_before[key]), pos)
    for edge in layout.get("edges", []):
        key = edge.get("id")
        if key is None or (key not in moves and key not in took):
            continue
        old_pos, old_lp = before[key]
        if key in took and edge.get("pos") != old_pos:
            xdot = _replace(xdot, key, "pos", str(old_pos), str(edge["pos"]))
        if "lp" not in edge:
            continue
        x, y = (float(v) for v in edge["lp"].split(","))
        if key in moves:
            # the label's centre moves by the text box's offset from lp
            text = _text_box(edge.get("_ldraw_", []))
            assert text is not None
            x, y = (
                moves[key][0] - (text[0] + text[2]) / 2 + x,
                moves[key][1] - (text[1] + text[3]) / 2 + y,
            )
        xdot = _replace(xdot, key, "lp", str(old_lp), f"{x:.2f},{y:.2f}")
    return bytes(graphviz.pipe("neato", format, xdot.encode("utf-8"), neato_no_op=2))
