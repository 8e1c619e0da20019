"""Static drawings read cleanly: every edge label by its own edge, clear of every other
label, box, line and neuron frame, and no edge through a frame it does not belong to.

Measured where a browser draws the SVG that `dot` wrote (headless Chromium: the text boxes
in the browser's own font, the edges' curves as drawn)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from micrograd_covid import MLP, SGD, Value, mse, render
from micrograd_covid.tutorials import regression_graph, tutorial_graph

# Everything measured in the SVG's own units (points), in the drawing's one coordinate group.
GEOMETRY_JS = """
const svg = document.querySelector('svg');
const box = b => ({x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height});
const union = bs => ({x0: Math.min(...bs.map(b => b.x0)), y0: Math.min(...bs.map(b => b.y0)),
                      x1: Math.max(...bs.map(b => b.x1)), y1: Math.max(...bs.map(b => b.y1))});
const meets = (a, b, m) => a.x0 < b.x1 + m && b.x0 < a.x1 + m && a.y0 < b.y1 + m && b.y0 < a.y1 + m;
const inside = (a, b, m) => a.x0 > b.x0 + m && a.x1 < b.x1 - m && a.y0 > b.y0 + m && a.y1 < b.y1 - m;
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
  for (let q = 0; q <= 400; q++) { const pt = p.getPointAtLength(len * q / 400); pts.push([pt.x, pt.y]); }
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
  labelled.forEach((b, j) => { if (j > i && meets(a.label, b.label, 2)) found.touching.push([a.text, b.text]); });
  nodes.forEach(n => { if (meets(a.label, n.box, 0)) found.on_box.push([a.text, n.name]); });
  frames.forEach(f => {
    if (meets(a.label, f.box, 1) && !inside(a.label, f.box, 1)) found.on_frame.push([a.text, f.name]);
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
