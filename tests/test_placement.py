"""Static drawings read cleanly: every edge label by its own edge, clear of every other
label, box, line and neuron frame, and no edge through a frame it does not belong to.

Measured where a browser draws the SVG that `dot` wrote (headless Chromium: the text boxes
in the browser's own font, the edges' curves as drawn)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from micrograd_covid import MLP, SGD, Value, mse, render
from micrograd_covid.tutorials import regression_graph

# Everything measured in the SVG's own units (points), in the drawing's one coordinate group.
GEOMETRY_JS = """
const svg = document.querySelector('svg');
const box = b => ({x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height});
const union = bs => ({x0: Math.min(...bs.map(b => b.x0)), y0: Math.min(...bs.map(b => b.y0)),
                      x1: Math.max(...bs.map(b => b.x1)), y1: Math.max(...bs.map(b => b.y1))});
const meets = (a, b, m) =>
  a.x0 < b.x1 + m && b.x0 < a.x1 + m && a.y0 < b.y1 + m && b.y0 < a.y1 + m;
const inside = (a, b, m) =>
  a.x0 > b.x0 + m && a.x1 < b.x1 - m && a.y0 > b.y0 + m && a.y1 < b.y1 - m;
const holds = (b, [x, y], m) => x > b.x0 + m && x < b.x1 - m && y > b.y0 + m && y < b.y1 - m;
const title = g => g.querySelector('title').textContent;
const nodes = [...svg.querySelectorAll('g.node')].map(g => {
  const shape = g.querySelector('path, polygon');
  return {name: title(g), box: box((shape && g.id !== 'legend' ? shape : g).getBBox())};
});
const centre = b => [(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2];
const frames = [...svg.querySelectorAll('g.cluster')].map(g => {
  const b = box(g.querySelector('path, polygon').getBBox());
  return {name: title(g), box: b,
          members: new Set(nodes.filter(n => holds(b, centre(n.box), 0)).map(n => n.name))};
});
const edges = [...svg.querySelectorAll('g.edge')].filter(g => g.querySelector('path')).map(g => {
  const p = g.querySelector('path'), len = p.getTotalLength(), pts = [];
  for (let q = 0; q <= 400; q++) {
    const pt = p.getPointAtLength(len * q / 400); pts.push([pt.x, pt.y]);
  }
  const ends = title(g).split('->').map(s => s.split(':')[0]);
  const texts = [...g.querySelectorAll('text')];
  return {id: g.id, tail: ends[0], head: ends[1], pts: pts,
          text: texts.map(t => t.textContent).join(' / '),
          label: texts.length ? union(texts.map(t => box(t.getBBox()))) : null};
});
const dist = (b, pts) => Math.min(...pts.map(([x, y]) =>
  Math.hypot(Math.max(b.x0 - x, 0, x - b.x1), Math.max(b.y0 - y, 0, y - b.y1))));
const labelled = edges.filter(e => e.label);
const found = {count: labelled.length, touching: [], on_box: [], on_frame: [], crossed: [],
               astray: [], through_frame: []};
labelled.forEach((a, i) => {
  labelled.forEach((b, j) => {
    if (j > i && meets(a.label, b.label, 2)) found.touching.push([a.text, b.text]);
  });
  nodes.forEach(n => { if (meets(a.label, n.box, 0)) found.on_box.push([a.text, n.name]); });
  frames.forEach(f => {
    if (meets(a.label, f.box, 1) && !inside(a.label, f.box, 1))
      found.on_frame.push([a.text, f.name]);
  });
  const own = dist(a.label, a.pts);
  let other = Infinity;
  edges.forEach(e => { if (e !== a) {
    const d = dist(a.label, e.pts); other = Math.min(other, d);
    if (d < 1) found.crossed.push([a.text, e.id]);
  }});
  if (!(own < other)) found.astray.push([a.text, own, other]);
});
edges.forEach(e => frames.forEach(f => {
  if (f.members.has(e.tail) || f.members.has(e.head)) return;
  const n = e.pts.filter(p => holds(f.box, p, 1)).length;
  if (n) found.through_frame.push([e.id + ' ' + e.tail + '->' + e.head, f.name, n]);
}));
return found;
"""

CHECKS = ("touching", "on_box", "on_frame", "crossed", "astray", "through_frame")


def geometry(browser: Any, path: Path) -> dict[str, Any]:
    """What a browser measures in the SVG at `path` (see GEOMETRY_JS)."""
    browser.get(path.resolve().as_uri())
    return browser.execute_script(GEOMETRY_JS)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from tests.test_explore import _chrome
    from tests.test_page_layout import SCROLLBARS_HIDDEN

    driver = _chrome(SCROLLBARS_HIDDEN)
    yield driver
    driver.quit()


def network_loss(nin: int, sizes: list[int]) -> Value:
    """One sample through an MLP (inputs x1, x2, …), its squared error, backward run."""
    model = MLP(nin, sizes, seed=0)
    out = model([Value(0.5 - 0.3 * i, f"x{i + 1}") for i in range(nin)])
    outs = out if isinstance(out, list) else [out]
    loss = mse(outs, [1.0] * len(outs))
    loss.backward()
    return loss


def _cli(path: Path, *args: str) -> Path:
    from micrograd_covid.cli import main

    assert main(["draw", "deep", "--out", str(path), *args]) == 0
    return path


def _after_the_update(path: Path) -> Path:
    step = regression_graph()
    SGD([n for n in step.inputs[0].inputs if n.role == "param"], lr=0.05).step()
    return render(step, path)


PICTURES = {
    # name: (how to draw it into a path, how many labels it has)
    "draw deep": (lambda p: _cli(p), 27),
    "draw deep --direction backward": (lambda p: _cli(p, "--direction", "backward"), 27),
    "walkthrough": (lambda p: render(regression_graph(), p), 7),
    "walkthrough after the update": (_after_the_update, 7),
    "walkthrough backward": (lambda p: render(regression_graph(), p, direction="backward"), 7),
    "draw deep --level neuron": (lambda p: _cli(p, "--level", "neuron"), 15),
    "draw deep --level neuron --direction backward": (
        lambda p: _cli(p, "--level", "neuron", "--direction", "backward"),
        15,
    ),
    "2-8-8-1": (lambda p: render(network_loss(2, [8, 8, 1]), p), 0),  # 180 edges: unlabelled
    "3-5-3": (lambda p: render(network_loss(3, [5, 3]), p), 77),
    "3-5-3 backward": (lambda p: render(network_loss(3, [5, 3]), p, direction="backward"), 77),
}


@pytest.mark.parametrize("name", list(PICTURES))
def test_labels_stand_clear_by_their_own_edge_and_edges_keep_out_of_other_frames(  # type: ignore[no-untyped-def]
    browser, tmp_path, name
):
    # drawn by dot alone, `draw deep` had 4 labels on a frame's border, x1's and x2's edges
    # through L0.n1's and L0.n2's frames, and backward one label nearer another edge
    make, labels = PICTURES[name]
    found = geometry(browser, make(tmp_path / "g.svg"))
    assert found["count"] == labels
    for check in CHECKS:
        assert found[check] == [], (name, check, found[check])


@pytest.mark.parametrize(("nin", "sizes"), [(3, [5, 3]), (2, [4, 4, 1]), (2, [8, 8, 1])])
def test_the_neurons_of_a_layer_stand_in_index_order(tmp_path, nin, sizes):  # type: ignore[no-untyped-def]
    # dot keeps no order between frames: the 3-5-3 hidden layer read L0.n1, n2, n0, n3, n4
    from tests.test_draw import Drawn

    nodes = Drawn(render(network_loss(nin, sizes), tmp_path / "g.svg")).by_first_word()
    for layer, size in enumerate(sizes):
        ys = [nodes[f"L{layer}.n{j}"][2] for j in range(size)]
        assert ys == sorted(ys), (layer, ys)  # top to bottom
        blocks = []
        for j in range(size):
            fan_in = nin if layer == 0 else sizes[layer - 1]
            ws = [nodes[f"L{layer}.n{j}.w{i}"] for i in range(fan_in)]
            # in index order, read down each column of the frame, columns left to right
            reading = sorted(range(fan_in), key=lambda i: (round(ws[i][1]), ws[i][2]))
            assert reading == list(range(fan_in)), (layer, j, reading)
            blocks.append((min(w[2] for w in ws), max(w[2] for w in ws)))
        # each neuron's weights together, beside it: the blocks in neuron order
        assert all(a[1] < b[0] for a, b in itertools.pairwise(blocks)), blocks


def test_an_edge_passing_between_two_points_of_its_curve_still_counts_as_near():
    from micrograd_covid.placement import _distance

    box = (0.0, 0.0, 10.0, 10.0)
    assert _distance(box, [(-50.0, 5.0), (60.0, 5.0)]) == 0.0  # straight through
    assert _distance(box, [(-50.0, 13.0), (60.0, 13.0)]) == pytest.approx(3.0)  # just above
    assert _distance(box, [(13.0, 14.0), (40.0, 50.0)]) == pytest.approx(5.0)  # off a corner
