from __future__ import annotations

import itertools
import os
import re
import stat
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micrograd_covid import MLP, SGD, Value, draw, mse, render, topological_order
from micrograd_covid.draw import GraphvizMissingError
from micrograd_covid.tutorials import regression_graph

COLOURS = {
    "x1": "#FFA500",
    "x2": "#FFA500",
    "y": "#FFA500",
    "w1": "#006400",
    "w2": "#006400",
    "b": "#006400",
    "ŷ": "#90EE90",
    "L": "#FFFF00",
}


NS = {"s": "http://www.w3.org/2000/svg"}


class Drawn:
    """What the real `dot` drew: each node's texts, centre and fill, and the picture size."""

    def __init__(self, path: Path) -> None:
        svg = ET.parse(path).getroot()
        self.width_pt = float(svg.get("width", "0pt").removesuffix("pt"))
        self.height_pt = float(svg.get("height", "0pt").removesuffix("pt"))
        self.nodes: dict[str, tuple[list[str], float, float, str]] = {}
        for g in svg.iterfind(".//s:g[@class='node']", NS):
            texts = g.findall(".//s:text", NS)
            shape = g.find(".//s:path", NS)
            if shape is None:
                shape = g.find(".//s:polygon", NS)
            fill = "" if shape is None else shape.get("fill", "")
            if shape is not None:  # the centre of the node's outline
                numbers = re.findall(r"-?\d+(?:\.\d+)?", shape.get("d") or shape.get("points", ""))
                xs = [float(v) for v in numbers[0::2]]
                ys = [float(v) for v in numbers[1::2]]
            else:
                xs = [float(t.get("x", 0)) for t in texts]
                ys = [float(t.get("y", 0)) for t in texts]
            self.nodes[g.get("id", "")] = (
                [t.text or "" for t in texts],
                (min(xs) + max(xs)) / 2,
                (min(ys) + max(ys)) / 2,
                fill,
            )
        self.edges = {g.get("id", ""): g for g in svg.iterfind(".//s:g[@class='edge']", NS)}
        self.text = path.read_text(encoding="utf-8")

    def by_first_word(self) -> dict[str, tuple[list[str], float, float, str]]:
        return {
            texts[0].split(" ")[0]: (texts, x, y, fill)
            for nid, (texts, x, y, fill) in self.nodes.items()
            if nid.startswith("node-")
        }

    def size_px(self) -> tuple[float, float]:
        """The size of `dot -Tpng` at its 96 dpi."""
        return self.width_pt * 96 / 72, self.height_pt * 96 / 72


def drawn(root: Value, tmp_path: Path, name: str = "g.svg", **options: object) -> Drawn:
    return Drawn(render(root, tmp_path / name, **options))


def test_walkthrough_graph_has_exactly_eight_nodes_with_the_walkthrough_colours(tmp_path):  # type: ignore[no-untyped-def]
    d = drawn(regression_graph(), tmp_path)
    nodes = d.by_first_word()
    assert len(nodes) == 8
    assert set(nodes) == set(COLOURS)
    for name, colour in COLOURS.items():
        assert nodes[name][3].upper() == colour.upper()
    assert "legend" in d.nodes
    svg = ET.parse(tmp_path / "g.svg").getroot()
    for g in svg.iterfind(".//s:g[@class='node']", NS):
        if g.get("id") != "legend":  # lines centred, whatever font a browser draws them in
            assert {t.get("text-anchor") for t in g.iterfind(".//s:text", NS)} == {"middle"}


def test_walkthrough_top_row_reads_x1_x2_y_w1_w2_b_every_time(tmp_path):  # type: ignore[no-untyped-def]
    for attempt in range(3):
        nodes = drawn(regression_graph(), tmp_path, f"g{attempt}.svg").by_first_word()
        row = ["x1", "x2", "y", "w1", "w2", "b"]
        ys = {round(nodes[n][2]) for n in row}
        assert len(ys) == 1  # one row
        assert sorted(row, key=lambda n: nodes[n][1]) == row
        assert nodes["ŷ"][2] > nodes["x1"][2] and nodes["L"][2] > nodes["ŷ"][2]


def test_edges_carry_the_partial_differentials_of_the_current_batch(tmp_path):  # type: ignore[no-untyped-def]
    d = drawn(regression_graph(), tmp_path)
    edge_texts = [t.text for g in d.edges.values() for t in g.iterfind(".//s:text", NS)]
    for text in ["∂L/∂ŷ = -4.232", "∂ŷ/∂w1 = 4", "∂ŷ/∂w2 = 1", "∂ŷ/∂b = 1", "∂L/∂y = 4.232"]:
        assert text in edge_texts
    assert "∂L/∂w1 = -16.93" in d.by_first_word()["w1"][0]  # node gradient
    assert len(d.edges) == 7


def test_after_the_update_a_picture_shows_one_moment_and_each_number_once(tmp_path):  # type: ignore[no-untyped-def]
    loss = regression_graph()
    params = [n for n in loss.inputs[0].inputs if n.role == "param"]
    SGD(params, lr=0.05).step()
    nodes = drawn(loss, tmp_path).by_first_word()
    assert nodes["w1"][0] == ["w1 = -0.017 → 0.8294", "∂L/∂w1 = -16.93"]
    assert nodes["b"][0] == ["b = 0 → 0.2116", "∂L/∂b = -4.232"]
    assert nodes["ŷ"][0] == ["ŷ (dot)", "= -0.116", "∂L/∂ŷ = -4.232"]  # the pass w1 = -0.017 made
    b = next(p for p in params if p.label == "b")
    assert b.previous == 0.0 and b.data == pytest.approx(0.2116, rel=1e-12)


def test_a_graph_built_after_the_update_shows_the_new_values_alone():
    model = MLP(2, [3, 1], seed=0)
    loss = mse([model([0.5, -0.5])], [1.0])  # type: ignore[list-item]
    loss.backward()
    SGD(model.parameters(), lr=0.1).step()
    assert "→" in draw(loss).source  # drawn before the update: old → new
    fresh = mse([model([0.5, -0.5])], [1.0])  # type: ignore[list-item]
    fresh.backward()
    assert "→" not in draw(fresh).source and "→" not in draw(fresh, level="neuron").source


def test_backward_direction_reverses_arrows_and_shows_what_flows_back():
    source = draw(regression_graph(), direction="backward").source
    assert 'dir="back"' in source
    assert "-4.232 × 4 = -16.93" in source


def test_unlabelled_nodes_get_short_unique_names_everywhere():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    out = (a * b).tanh() + a * b
    out.backward()
    source = draw(out).source
    assert "∂t2/∂t1 = " in source and "∂L/∂t3 = " in source and "∂L/∂t1 = " in source
    assert "t1 (*)" in source and "t2 (tanh)" in source and "t3 (*)" in source


def test_a_label_line_never_touches_the_next(tmp_path):  # type: ignore[no-untyped-def]
    svg = ET.parse(render(regression_graph(), tmp_path / "g.svg")).getroot()
    for g in svg.iterfind(".//s:g[@class='node']", NS):
        if g.get("id") == "legend":
            continue
        ys = [float(t.get("y", 0)) for t in g.iterfind(".//s:text", NS)]
        sizes = [float(t.get("font-size", 14)) for t in g.iterfind(".//s:text", NS)]
        for (y0, y1), size in zip(itertools.pairwise(ys), sizes[1:]):
            assert y1 - y0 >= 1.35 * size  # room for an underscore above the next line


def test_legend_sits_beside_the_root_with_an_entry_for_intermediate_nodes(tmp_path):  # type: ignore[no-untyped-def]
    a = Value(2.0, "a")
    t = (a * 3).tanh()
    t.label = "L"
    t.backward()
    d = drawn(t, tmp_path)
    legend = d.nodes["legend"]
    assert "intermediate (computed)" in legend[0] and "constant (a number)" in legend[0]
    root = d.by_first_word()["L"]
    assert abs(legend[2] - root[2]) < 40  # the root's row, not a row of its own on top


def test_roles_override_and_unknown_role_is_rejected():
    a = Value(1.0, "a")
    out = a * 2
    assert "#90EE90" in draw(out, roles={out: "model"}).source
    with pytest.raises(ValueError, match="unknown role 'weights'"):
        draw(out, roles={out: "weights"})


def test_max_nodes_error_says_how_many_and_how_to_raise_it():
    xs = [Value(float(i)) for i in range(20)]
    with pytest.raises(
        ValueError, match=r"has 21 nodes, more than max_nodes=10; pass max_nodes=21"
    ):
        draw(Value.sum(xs), max_nodes=10)


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        ('a"] evil [label="x', None),
        ("back\\slash\\", None),
        ("{brace}|<port>", None),
        ("<b>html</b>", None),
        ("&lt;b&gt; &amp; &#38;", None),
        ("line\nbreak", "line"),
        ("digraph", None),
        ("node", None),
        ("}; n0 -> n0; {", None),
        ("\\N\\G\\L", None),
        ("nul\x00here", "nul\u2400here"),
        ("ctl\x01\x1f", "ctl\u2401\u241f"),
        ("lone \udc80 surrogate", "lone \\udc80 surrogate"),
        ("long " + "x" * 20000, None),
    ],
)
def test_hostile_labels_render_as_text_and_cannot_change_the_graph(tmp_path, hostile, shown):  # type: ignore[no-untyped-def]
    # Value(label=...) refuses control characters and lone surrogates; a label assigned
    # later is not checked, so the drawing must still show it as text.
    a = Value(1.0)
    a.label = hostile
    out = a * Value(2.0, "two")
    out.label = hostile
    path = render(out, tmp_path / "g.svg")
    svg = ET.parse(path).getroot()  # valid XML
    texts = [t.text or "" for t in svg.iterfind(".//s:text", NS)]
    expected = shown if shown is not None else hostile
    if "\n" in hostile:
        assert texts[:2] == ["line", "break = 1"]
    elif len(hostile) > 1000:
        assert hostile + " = 1" in "".join(texts)
    else:
        assert texts.count(expected + " = 1") == 1, texts[:6]  # the leaf, as written
        assert texts.count(expected + "#2 (*)") == 1  # the product (the name's second use)
    assert len(svg.findall(".//s:g[@class='node']", NS)) == 3 + 1  # and the legend
    assert len(svg.findall(".//s:g[@class='edge']", NS)) == 2


def test_real_svg_and_png_renders(tmp_path):  # type: ignore[no-untyped-def]
    loss = regression_graph()
    svg = render(loss, tmp_path / "walkthrough.svg", title="Step 1")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    text = svg.read_text()
    assert "∂ŷ/∂w1 = 4" in text and "#ffa500" in text.lower()
    titles = [
        a.get("{http://www.w3.org/1999/xlink}title")
        for a in root.iter("{http://www.w3.org/2000/svg}a")
    ]
    assert "x1: data=4.0, grad=0.07194400000000001, role=input" in titles  # full precision
    png = render(loss, tmp_path / "walkthrough.png")
    head = png.read_bytes()[:8]
    assert head == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    dot = render(loss, tmp_path / "walkthrough.dot")
    assert dot.read_text().startswith("digraph")


def one_sample_loss(sizes: list[int], inputs: list[object]) -> Value:
    model = MLP(2, sizes, activation="relu", seed=0)
    loss = mse([model(inputs)], [1.0])  # type: ignore[list-item]
    loss.backward()
    return loss


def test_an_mlp_is_drawn_by_layer_with_each_neurons_weights_beside_it(tmp_path):  # type: ignore[no-untyped-def]
    loss = one_sample_loss([3, 1], [Value(0.5, "x1"), Value(-0.5, "x2")])
    nodes = drawn(loss, tmp_path).by_first_word()
    hidden = [nodes[f"L0.n{j}"] for j in range(3)]
    assert len({round(n[1]) for n in hidden}) == 1  # one column: left to right by layer
    assert [n[2] for n in hidden] == sorted(n[2] for n in hidden)  # n0, n1, n2 top down
    assert nodes["L1.n0"][1] > hidden[0][1] and nodes["L"][1] > nodes["L1.n0"][1]
    svg = ET.parse(tmp_path / "g.svg").getroot()
    boxes = []  # each neuron's dashed frame: (x0, y0, x1, y1)
    for g in svg.iterfind(".//s:g[@class='cluster']", NS):
        shape = g.find(".//s:path", NS)
        if shape is None:
            shape = g.find(".//s:polygon", NS)
        assert shape is not None
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", shape.get("d") or "")]
        xs, ys = numbers[0::2], numbers[1::2]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))

    def frame_of(x: float, y: float) -> int:
        inside = [i for i, (x0, y0, x1, y1) in enumerate(boxes) if x0 <= x <= x1 and y0 <= y <= y1]
        assert len(inside) == 1
        return inside[0]

    for name, (_, x, y, _) in nodes.items():
        if name.count(".") == 2:  # a parameter: in its own neuron's frame
            neuron = nodes[name.rsplit(".", 1)[0]]
            assert frame_of(x, y) == frame_of(neuron[1], neuron[2]), name


@pytest.mark.parametrize(("level", "limit"), [("node", 32767), ("neuron", 2500), ("layer", 2500)])
def test_the_2_16_16_1_graph_fits_at_every_level(tmp_path, level, limit):  # type: ignore[no-untyped-def]
    loss = one_sample_loss([16, 16, 1], [0.5, -0.5])
    d = drawn(loss, tmp_path, level=level, max_nodes=1000)
    width, height = d.size_px()
    assert width <= limit and height <= limit, (width, height)
    if level == "neuron":
        names = {texts[0].split(" ")[0] for texts, *_ in d.nodes.values()}
        assert {f"L1.n{j}" for j in range(16)} <= names and "L0.n15" in names
        assert "L1.n3.w5" not in names  # weights are on the edges
    if level == "layer":
        assert any(texts[0].startswith("L1: 16 neurons (relu)") for texts, *_ in d.nodes.values())


def test_a_chain_of_400_nodes_renders_quickly(tmp_path):  # type: ignore[no-untyped-def]
    s = Value(0.0, "s0")
    for _ in range(200):
        s = s + 1
    s.backward()
    start = time.perf_counter()
    d = drawn(s, tmp_path)
    assert time.perf_counter() - start < 20  # about 0.3 s; make bench measures it
    assert len(d.nodes) == 401 + 1
    assert d.size_px()[0] < 1000  # a straight column, not a staircase


def test_focus_keeps_exactly_the_nodes_on_paths_to_the_variable(tmp_path):  # type: ignore[no-untyped-def]
    a, b, c = Value(2.0, "a"), Value(3.0, "b"), Value(4.0, "c")
    u = a * b
    u.label = "u"
    v = b + c
    v.label = "v"
    out = u * v + c
    out.label = "out"
    out.backward()
    d = drawn(out, tmp_path, focus=a)
    names = {texts[0].split(" ")[0] for nid, (texts, *_) in d.nodes.items() if nid != "legend"}
    on_paths = {"a", "u", "out", names_of_product(out)}
    assert names == on_paths
    assert len(d.edges) == 3
    loss = one_sample_loss([3, 1], [0.5, -0.5])
    w = next(p for p in topological_order(loss) if p.label == "layers.0.neurons.1.w.0")
    d = drawn(loss, tmp_path, "n.svg", level="neuron", focus=w)
    names = {texts[0].split(" ")[0] for nid, (texts, *_) in d.nodes.items() if nid != "legend"}
    assert names == {"x0", "L0.n1", "L1.n0", "t1", "L"}


def names_of_product(out: Value) -> str:
    from micrograd_covid.names import display_names

    return display_names(topological_order(out))[out.inputs[0]]


def test_written_files_get_the_umasks_mode_and_keep_an_existing_files(tmp_path):  # type: ignore[no-untyped-def]
    old = os.umask(0o022)
    try:
        path = render(regression_graph(), tmp_path / "g.svg")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        os.chmod(path, 0o640)
        render(regression_graph(), path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        os.umask(0o077)
        assert stat.S_IMODE(render(regression_graph(), tmp_path / "p.png").stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_without_dot_svg_raises_a_clear_error_and_dot_source_still_works(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PATH", str(tmp_path))
    loss = regression_graph()
    with pytest.raises(GraphvizMissingError, match="apt-get install graphviz"):
        render(loss, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
    assert render(loss, tmp_path / "g.dot").exists()


def test_render_rejects_unknown_suffix_and_missing_folder(tmp_path):  # type: ignore[no-untyped-def]
    loss = regression_graph()
    with pytest.raises(ValueError, match=r"use a \.svg, \.png, \.pdf or \.dot path"):
        render(loss, tmp_path / "g.gif")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        render(loss, tmp_path / "no" / "g.svg")
    with pytest.raises(TypeError, match="root must be a Value"):
        draw(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="level must be one of node, neuron, layer, got 'net'"):
        draw(loss, level="net")
    with pytest.raises(ValueError, match="rankdir must be 'TB', 'LR' or None"):
        draw(loss, rankdir="BT")
    with pytest.raises(ValueError, match="focus z is not in the graph of L"):
        draw(loss, focus=Value(1.0, "z"))
    with pytest.raises(TypeError, match="focus must be a Value, got str"):
        draw(loss, focus="w1")  # type: ignore[arg-type]


def test_svg_ids_follow_topological_order_and_node_lines_replace_labels(tmp_path):  # type: ignore[no-untyped-def]
    loss = regression_graph()
    order = topological_order(loss)
    path = render(loss, tmp_path / "g.svg", node_lines=lambda node, name: [name, "value ______"])
    svg = ET.parse(path).getroot()
    ns = {"s": "http://www.w3.org/2000/svg"}
    by_id = {g.get("id"): g for g in svg.iterfind(".//s:g", ns)}
    for k in range(len(order)):
        texts = [t.text for t in by_id[f"node-n{k}"].iterfind(".//s:text", ns)]
        assert texts[-1] == "value ______"
    edges = [(inp, node) for node in order for inp in node.inputs]
    for i, (inp, node) in enumerate(edges):
        title = by_id[f"edge-{i}"].find("s:title", ns).text  # type: ignore[union-attr]
        # (an edge entering at a side of its node names the side: n0->n5:nw)
        assert title.split(":")[0] == f"n{order.index(inp)}->n{order.index(node)}"


def test_cli_draw_takes_level_focus_and_direction(tmp_path, capsys):  # type: ignore[no-untyped-def]
    from micrograd_covid.cli import main

    out = tmp_path / "deep.svg"
    assert main(["draw", "deep", "--out", str(out), "--level", "neuron"]) == 0
    names = {texts[0].split(" ")[0] for texts, *_ in Drawn(out).nodes.values()}
    assert {"L0.n0", "L0.n3", "L1.n0", "x1", "L"} <= names and "L0.n0.w0" not in names
    out = tmp_path / "focus.svg"
    assert main(["draw", "regression", "--out", str(out), "--focus", "w1"]) == 0
    assert set(Drawn(out).by_first_word()) == {"w1", "ŷ", "L"}
    assert main(["draw", "regression", "--out", str(out), "--direction", "backward"]) == 0
    assert "-4.232 × 4 = -16.93" in [t.text for t in ET.parse(out).iterfind(".//s:text", NS)]
    capsys.readouterr()
    assert main(["draw", "regression", "--out", str(out), "--focus", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--focus 'nope'" in err and "w1" in err
    assert main(["draw", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "(default: node)" in help_text and "(default: forward)" in help_text
    assert "(default: the whole graph)" in help_text


# --- edge labels, measured where a browser draws the SVG dot wrote ---------------------------

LABELS_JS = """
const svg = document.querySelector('svg');
const edges = [...svg.querySelectorAll('g.edge')].filter(g => g.querySelector('path'));
const lines = new Map(edges.map(g => {
  const p = g.querySelector('path'), n = 200, len = p.getTotalLength(), pts = [];
  for (let q = 0; q <= n; q++) {
    const pt = p.getPointAtLength(len * q / n); pts.push([pt.x, pt.y]);
  }
  return [g.id, pts];
}));
const labels = edges.filter(g => g.querySelector('text')).map(g => {
  const bs = [...g.querySelectorAll('text')].map(t => t.getBBox());
  return {id: g.id, text: [...g.querySelectorAll('text')].map(t => t.textContent).join(' / '),
          x0: Math.min(...bs.map(b => b.x)), y0: Math.min(...bs.map(b => b.y)),
          x1: Math.max(...bs.map(b => b.x + b.width)),
          y1: Math.max(...bs.map(b => b.y + b.height))};
});
// the distance from a label's box to a line: 0 where the line runs through it
const dist = (b, pts) => Math.min(...pts.map(([x, y]) =>
  Math.hypot(Math.max(b.x0 - x, 0, x - b.x1), Math.max(b.y0 - y, 0, y - b.y1))));
const touching = [], astray = [];
labels.forEach((a, i) => labels.forEach((b, j) => {
  if (j > i && a.x0 < b.x1 + 2 && b.x0 < a.x1 + 2 && a.y0 < b.y1 + 2 && b.y0 < a.y1 + 2)
    touching.push([a.text, b.text]);
}));
labels.forEach(a => {
  const own = dist(a, lines.get(a.id));
  const other = Math.min(...edges.filter(g => g.id !== a.id).map(g => dist(a, lines.get(g.id))));
  if (!(own < other)) astray.push([a.text, own, other]);
});
return {count: labels.length, touching: touching, astray: astray};
"""


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from tests.test_explore import _chrome
    from tests.test_page_layout import SCROLLBARS_HIDDEN

    driver = _chrome(SCROLLBARS_HIDDEN)
    yield driver
    driver.quit()


def _labels(browser, path: Path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    browser.get(path.as_uri())
    return browser.execute_script(LABELS_JS)  # type: ignore[no-any-return]


def _pictures(tmp_path: Path) -> dict[str, Path]:
    from micrograd_covid.tutorials import tutorial_graph

    step = regression_graph()
    SGD([n for n in step.inputs[0].inputs if n.role == "param"], lr=0.05).step()
    deep = tutorial_graph("deep")
    return {
        "walkthrough": render(step, tmp_path / "walkthrough.svg"),
        "backward": render(regression_graph(), tmp_path / "back.svg", direction="backward"),
        "deep nodes": render(deep, tmp_path / "deep.svg"),
        "deep neurons backward": render(
            deep, tmp_path / "deep_b.svg", level="neuron", direction="backward"
        ),
    }


def test_edge_labels_sit_by_their_own_edge_and_never_touch(browser, tmp_path):  # type: ignore[no-untyped-def]
    # In the backward walkthrough "-4.232 × -0.048 = 0.2031" touched "-4.232 × 4 = -16.93"
    # and x1's and x2's edges merged before ŷ; in the 2-4-1 network ∂L0.n1/∂x2 sat far
    # from its edge, nearer others.
    for name, path in _pictures(tmp_path).items():
        found = _labels(browser, path)
        assert found["count"] >= 7, name
        assert found["touching"] == [], (name, found["touching"])
        assert found["astray"] == [], (name, found["astray"])


def test_edges_from_the_top_row_enter_their_node_side_by_side():
    # x1 → ŷ and x2 → ŷ aimed at ŷ's centre and ran together before it
    source = draw(regression_graph()).source
    ports = dict(re.findall(r"(n\d) -> n5 \[.*?headport=\"?(\w+)", source))
    names = {f"n{k}": n.label for k, n in enumerate(topological_order(regression_graph()))}
    sides = ["w", "nw", "n", "ne", "e"]  # from ŷ's left side over its top to its right
    assert [names[tail] for tail in sorted(ports, key=lambda t: sides.index(ports[t]))] == [
        "x1",
        "x2",
        "w1",
        "w2",
        "b",
    ]


def test_a_neuron_reads_the_same_at_the_node_and_the_neuron_level(tmp_path):  # type: ignore[no-untyped-def]
    from micrograd_covid.tutorials import tutorial_graph

    deep = tutorial_graph("deep")
    for level in ("node", "neuron"):
        nodes = drawn(deep, tmp_path, f"{level}.svg", level=level).by_first_word()
        # hidden neurons green "model" as the output is, named by their activation
        for name, act in [("L0.n0", "tanh"), ("L0.n3", "tanh"), ("L1.n0", "linear")]:
            texts, _, _, fill = nodes[name]
            assert texts[0] == f"{name} ({act})", (level, texts)
            assert fill.upper() == "#90EE90", (level, name, fill)


def test_the_neuron_level_backward_writes_upstream_times_local(tmp_path):  # type: ignore[no-untyped-def]
    from micrograd_covid.draw import fmt
    from micrograd_covid.tutorials import tutorial_graph

    deep = tutorial_graph("deep")
    out = deep.inputs[0].inputs[0]  # t1's prediction: L1.n0
    assert out.op == "dot"
    text = render(deep, tmp_path / "b.svg", level="neuron", direction="backward").read_text()
    for w, local in zip(out.inputs[:4], out.local_grads[:4]):
        flow = f"{fmt(out.grad)} × {fmt(local)} = {fmt(out.grad * local)}".replace("-", "&#45;")
        assert flow in text, flow
        assert f"∂L/∂{w.label}" not in text  # the weight's gradient as the node level: a product


def test_weights_stand_in_index_order_in_their_neurons_frame(tmp_path):  # type: ignore[no-untyped-def]
    # The output neuron's weights read w2, w3, w0, w1 down its frame.
    from micrograd_covid.tutorials import tutorial_graph

    nodes = drawn(tutorial_graph("deep"), tmp_path).by_first_word()
    for neuron, count in [("L0.n0", 2), ("L0.n1", 2), ("L0.n2", 2), ("L0.n3", 2), ("L1.n0", 4)]:
        ys = [nodes[f"{neuron}.w{i}"][2] for i in range(count)]
        assert ys == sorted(ys), (neuron, ys)  # top to bottom
