from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from micrograd_covid import MLP, SGD, Value, draw, mse, render
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


def graph_nodes(source: str) -> dict[str, str]:
    """node id → its DOT attribute text, for the graph's own nodes (not the legend)."""
    return {
        m.group(1): m.group(2) for m in re.finditer(r"^\s*(n\d+) \[(.*)\]$", source, flags=re.M)
    }


def label_of(attrs: str) -> str:
    return re.search(r'label="((?:[^"\\]|\\.)*)"', attrs).group(1)  # type: ignore[union-attr]


def test_walkthrough_graph_has_exactly_eight_nodes_with_the_walkthrough_colours():
    source = draw(regression_graph()).source
    nodes = graph_nodes(source)
    assert len(nodes) == 8
    by_name = {label_of(a).split("\\n")[0]: a for a in nodes.values()}
    assert set(by_name) == set(COLOURS)
    for name, colour in COLOURS.items():
        assert f'fillcolor="{colour}"' in by_name[name]
    assert "fontcolor=white" in by_name["w1"]
    assert "legend_param" in source and "rankdir=TB" in source


def test_edges_carry_the_partial_differentials_of_the_current_batch():
    source = draw(regression_graph()).source
    for text in ["∂L/∂ŷ = -4.232", "∂ŷ/∂w1 = 4", "∂ŷ/∂w2 = 1", "∂ŷ/∂b = 1", "∂L/∂y = 4.232"]:
        assert f'label="{text}"' in source
    assert "∂L/∂w1 = -16.93" in source  # node gradient
    assert len(re.findall(r"^\s*n\d+ -> n\d+", source, flags=re.M)) == 7


def test_after_the_update_weights_show_old_to_new_like_the_walkthrough():
    loss = regression_graph()
    params = [n for n in loss.inputs[0].inputs if n.role == "param"]
    SGD(params, lr=0.05).step()
    source = draw(loss).source
    assert "0.000 → 0.212" in source and "-0.017 → 0.829" in source and "-0.048 → 0.164" in source
    b = next(p for p in params if p.label == "b")
    assert b.previous == 0.0 and b.data == pytest.approx(0.2116, rel=1e-12)


def test_backward_direction_reverses_arrows_and_shows_what_flows_back():
    source = draw(regression_graph(), direction="backward").source
    assert "dir=back" in source
    assert "-4.232 × 4 = -16.93" in source


def test_unlabelled_nodes_are_named_by_their_op():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    out = (a * b).tanh()
    out.backward()
    assert "∂(tanh)/∂(*) = " in draw(out).source


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
    "hostile",
    [
        'a"] evil [label="x',
        "back\\slash\\",
        "{brace}|<port>",
        "<b>html</b>",
        "line\nbreak",
        "digraph",
        "node",
        "}; n0 -> n0; {",
        "\\N\\G\\L",
    ],
)
def test_hostile_labels_render_as_text_and_cannot_change_the_graph(tmp_path, hostile):  # type: ignore[no-untyped-def]
    a = Value(1.0, hostile)
    out = a * Value(2.0, "two")
    out.label = hostile
    path = render(out, tmp_path / "g.svg")
    svg = ET.parse(path).getroot()
    ns = {"s": "http://www.w3.org/2000/svg"}
    texts = [t.text or "" for t in svg.iterfind(".//s:text", ns)]
    first_line = hostile.split("\n")[0]
    assert texts.count(first_line) >= 2, texts  # the leaf and the product, as written
    nodes = svg.findall(".//s:g[@class='node']", ns)
    assert len(nodes) == 3 + 1  # three graph nodes, the legend's "input" entry
    assert len(svg.findall(".//s:g[@class='edge']", ns)) == 2


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


def test_an_mlp_of_a_few_hundred_parameters_draws(tmp_path):  # type: ignore[no-untyped-def]
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    loss = mse([model([0.5, -0.5])], [1.0])  # type: ignore[list-item]
    loss.backward()
    path = render(loss, tmp_path / "mlp.svg", max_nodes=1000)
    assert ET.parse(path).getroot().tag.endswith("svg")


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


def test_svg_ids_follow_topological_order_and_node_lines_replace_labels(tmp_path):  # type: ignore[no-untyped-def]
    from micrograd_covid import topological_order

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
        assert title == f"n{order.index(inp)}->n{order.index(node)}"
