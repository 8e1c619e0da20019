"""The explore page at network size: geometry read from headless Chromium.

Three pages (the walkthrough, the deep tutorial's 2-4-1 net on its full batch, a 2-16-16-1 net
on ten moons) at 1280 × 720 and 1920 × 1080, each at a forward, a backward and an update step:
the current box inside the graph's viewport, no label on another label or on a box, each edge
label nearer its own edge than any other, nothing under the page's buttons, and the two small
graphs whole at text of at least 12 px.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from micrograd_covid import MLP, Value, cross_entropy, explore, mse
from micrograd_covid.datasets import moons
from micrograd_covid.explore import explore_tutorial

from .test_explore import _chrome

SIZES = [(1280, 720), (1920, 1080)]
# a forward, the loss's backward, three further backward steps, an update
STEPS = [
    ("forward", 1),
    ("backward", 0),
    ("backward", 3),
    ("backward", 6),
    ("backward", 12),
    ("update", 0),
]


# Scrollbars take no room, so the measured viewport is the page's own.
SCROLLBARS_HIDDEN = ("--hide-scrollbars",)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    driver = _chrome(SCROLLBARS_HIDDEN)
    yield driver
    driver.quit()


def moons_page() -> Any:
    """A 2-16-16-1 tanh net on ten moons, one sample a batch, one epoch."""
    xs, ys = moons(10, seed=0)
    rows = [(*x, float(y)) for x, y in zip(xs, ys)]
    model = MLP(2, [16, 16, 1], seed=0)

    def build(batch: list[list[Value]]) -> Value:
        ((x1, x2, y),) = batch
        out = model([x1, x2])
        assert isinstance(out, Value)
        return mse([out], [y])

    return explore(build, model.parameters(), rows, lr=0.05, title="moons, 2-16-16-1")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("layout")
    return {
        "regression": explore_tutorial("regression").write(out / "regression"),
        "deep": explore_tutorial("deep", epochs=1).write(out / "deep"),
        "moons": moons_page().write(out / "moons"),
        "full batch": full_batch_page().write(out / "full_batch"),
        "1-3-1": small_page().write(out / "small"),
        "3-5-3 cross-entropy": classes_page().write(out / "classes"),
    }


def _open(driver, path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    width, height = size
    driver.get("about:blank")
    driver.get_log("browser")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.get(path.as_uri())


def _step(driver, phase: str, n: int) -> int:  # type: ignore[no-untyped-def]
    """The index of the n-th step of `phase` (from 0), shown."""
    i = driver.execute_script(
        "return window.explorer.steps.map((s, i) => [s.phase, i])"
        ".filter(p => p[0] === arguments[0])[arguments[1]][1]",
        phase,
        n,
    )
    assert driver.execute_script(f"return window.explorer.go({i})") == i
    return int(i)


GEOMETRY = """
const pane = document.getElementById('graph');
const pr = pane.getBoundingClientRect();
const view = {left: pr.left + pane.clientLeft, top: pr.top + pane.clientTop};
view.right = view.left + pane.clientWidth; view.bottom = view.top + pane.clientHeight;
const svg = [...pane.querySelectorAll('svg')].find(s => s.getBoundingClientRect().width > 0);
const r = e => { const b = e.getBoundingClientRect();
  return {left: b.left, top: b.top, right: b.right, bottom: b.bottom}; };
const meets = (a, b) => a.left < b.right && b.left < a.right
  && a.top < b.bottom && b.top < a.bottom;
const inside = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5
  && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
const current = [...svg.querySelectorAll('[data-current]')];
const boxes = [...svg.querySelectorAll('[data-node]')];
const labels = [...svg.querySelectorAll('g.elabel')];
const overlaps = [];
labels.forEach((a, i) => {
  const ra = r(a.querySelector('rect'));
  labels.forEach((b, j) => { if (j > i && meets(ra, r(b.querySelector('rect'))))
    overlaps.push([a.textContent, b.textContent]); });
  boxes.forEach(b => { if (meets(ra, r(b))) overlaps.push([a.textContent, b.dataset.node]); });
});
// where a label meets its edge: its centre, or the end of its leader line on the edge
const edges = [...svg.querySelectorAll('g.edge')].filter(g => g.querySelector('path'));
const traces = new Map(edges.map(g => { const p = g.querySelector('path');
  const n = 200, len = p.getTotalLength(), pts = [];
  for (let q = 0; q <= n; q++) {
    const pt = p.getPointAtLength(len * q / n); pts.push([pt.x, pt.y]);
  }
  return [g.id, pts]; }));
// from a point to a polyline, segment by segment
const dist = (x, y, pts) => {
  let best = Infinity;
  for (let i = 1; i < pts.length; i++) {
    const [ax, ay] = pts[i - 1], [bx, by] = pts[i], dx = bx - ax, dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy || 1)));
    best = Math.min(best, Math.hypot(ax + t * dx - x, ay + t * dy - y));
  }
  return best;
};
const strays = [];
labels.forEach(g => {
  const lead = g.querySelector('line'), box = g.querySelector('rect');
  const at = (name, size) => +box.getAttribute(name) + box.getAttribute(size) / 2;
  const x = lead ? +lead.getAttribute('x1') : at('x', 'width');
  const y = lead ? +lead.getAttribute('y1') : at('y', 'height');
  const own = dist(x, y, traces.get(g.dataset.edge));
  let nearest = Infinity, other = null;
  traces.forEach((pts, id) => { if (id !== g.dataset.edge) { const d = dist(x, y, pts);
    if (d < nearest) { nearest = d; other = id; } } });
  if (!(own < nearest)) strays.push([g.textContent, own, nearest, other]);
});
// a label hides none of its own edge's visible length, and lies across no other edge
const nodeBoxes = boxes.map(r);
const within = (pt, b, m) => pt[0] > b.left + m && pt[0] < b.right - m
  && pt[1] > b.top + m && pt[1] < b.bottom - m;
const screen = new Map(edges.map(g => { const p = g.querySelector('path'), m = p.getScreenCTM();
  return [g.id, traces.get(g.id).map(([x, y]) => { const q = new DOMPoint(x, y).matrixTransform(m);
    return [q.x, q.y]; })]; }));
const hidden = [], across = [];
labels.forEach(g => {
  const b = r(g.querySelector('rect'));
  const seen = screen.get(g.dataset.edge).filter(pt => !nodeBoxes.some(n => within(pt, n, 0)));
  if (seen.length && seen.every(pt => within(pt, b, -1))) hidden.push(g.textContent);
  screen.forEach((pts, id) => { if (id !== g.dataset.edge && pts.some(pt => within(pt, b, 1)))
    across.push([g.textContent, id]); });
});
const texts = [...svg.querySelectorAll('g.node text, g.elabel text')]
  .filter(t => t.textContent.trim());
const px = Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize)
  * t.getScreenCTM().a));
const buttons = [...document.querySelectorAll('button')]
  .filter(b => b.getBoundingClientRect().width && meets(r(b), view)).map(b => b.id);
return {
  current: current.map(e => e.dataset.node),
  currentInside: current.every(e => inside(r(e), view)),
  whole: inside(r(svg), view),
  overlaps: overlaps, strays: strays, px: px, labels: labels.length, hidden: hidden,
  across: across,
  underButtons: buttons, level: window.explorer.level,
};
"""


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("regression", "node"),
        ("deep", "neuron"),
        ("moons", "neuron"),
        ("deep", "node"),
        ("moons", "node"),
        ("full batch", "neuron"),
        ("full batch", "node"),  # at backward 12, L0.n6#8: three labels sat on boxes
        ("1-3-1", "neuron"),
        ("1-3-1", "node"),
        ("3-5-3 cross-entropy", "neuron"),
        ("3-5-3 cross-entropy", "node"),
    ],
)
def test_the_step_in_view_and_every_label_clear_and_by_its_edge(browser, pages, name, level, size):  # type: ignore[no-untyped-def]
    _open(browser, pages[name], size)
    if name != "regression" and level == "node":
        browser.find_element("id", "level-node").click()
    for phase, n in STEPS:
        i = _step(browser, phase, n)
        shown = browser.execute_script(GEOMETRY)
        node = browser.execute_script(f"return window.explorer.steps[{i}].node")
        assert shown["level"] == level
        if node is not None:
            assert shown["current"] == [node], (phase, shown["current"])
            assert shown["currentInside"], (phase, size)
        if phase == "backward":
            assert shown["labels"] > 0
        assert shown["overlaps"] == [], (phase, shown["overlaps"])
        assert shown["strays"] == [], (phase, shown["strays"])
        # no label hides its own edge (the walkthrough's "34.36 × 2 = 68.72" covered ŷ → w1)
        assert shown["hidden"] == [], (phase, n, shown["hidden"])
        if level == "node" and name in ("regression", "deep", "1-3-1", "3-5-3 cross-entropy"):
            # nor, at the node level, lies across another (the grey L → y edge ran through
            # "… = 5.621")
            assert shown["across"] == [], (phase, n, shown["across"])
        elif level == "node":
            # the crowded node levels: where no spot is clear a label may lie across edges;
            # measured at most 3 of 18 labels (2-8-8-1) and 4 of 34 (2-16-16-1), across at most
            # 3 and 13 edges in all (a label pays for each edge it covers)
            most, paths = {"full batch": (3, 3), "moons": (4, 13)}[name]
            assert len({label for label, _ in shown["across"]}) <= most, (phase, n, shown["across"])
            assert len(shown["across"]) <= paths, (phase, n, len(shown["across"]))
        assert shown["underButtons"] == []
        assert shown["px"] >= 12, (phase, shown["px"])
        if name == "regression" or name + level == "deepneuron":  # the walkthrough, 2-4-1
            assert shown["whole"], (phase, size)
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_a_network_opens_at_the_neuron_level_and_a_neuron_opens_in_place(browser, pages):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(browser, pages["moons"], SIZES[0])
    assert browser.execute_script("return window.explorer.level") == "neuron"
    # one box per neuron: 16 + 16 + 1, and the two inputs, y and the loss terms
    names = browser.execute_script(
        "return [...document.querySelector('.neurons svg').querySelectorAll('[data-node]')]"
        ".map(g => g.dataset.node)"
    )
    assert sum(1 for n in names if n.startswith(("L0.n", "L1.n", "L2.n"))) == 33
    assert not any(".w" in n for n in names)  # weights are edges
    assert browser.execute_script("return window.explorer.open('L1.n3')") == "L1.n3"
    assert browser.execute_script("return window.explorer.level") == "node"
    opened = browser.execute_script(
        "const pane = document.getElementById('graph').getBoundingClientRect();"
        "return [...document.querySelectorAll('.layout svg g.opened')].map(g => {"
        "const b = g.getBoundingClientRect(); return [g.dataset.node, b.left >= pane.left &&"
        " b.right <= pane.right && b.top >= pane.top && b.bottom <= pane.bottom]; })"
    )
    # the neuron (its z = w·x + b and its a(z)), its 16 weights, its bias and its 16 inputs
    # marked; the neuron in view with the parameters beside it that fit
    assert len(opened) == 35 and ["L1.n3", True] in opened and ["z of L1.n3", True] in opened
    seen = [n for n, shown in opened if shown]
    # its z = w·x + b beside it, and the nearest column of its weights grid (measured: w15
    # and b at 1280 × 720; the other columns are a scroll to the left)
    assert "z of L1.n3" in seen and sum(1 for n in seen if n.startswith("L1.n3.")) >= 2, seen
    assert browser.execute_script("return window.explorer.close()") == "neuron"
    # a click on a neuron opens it; Escape goes back
    _step(browser, "forward", 20)
    box = browser.find_element(By.CSS_SELECTOR, ".neurons svg [data-current] text")
    box.click()
    assert browser.execute_script("return window.explorer.level") == "node"
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    assert browser.execute_script("return window.explorer.level") == "neuron"
    with pytest.raises(Exception, match="no neuron named"):
        browser.execute_script("return window.explorer.open('L9.n9')")


def test_a_full_batch_shows_one_samples_network_and_the_batchs_sum(browser, pages):  # type: ignore[no-untyped-def]
    _open(browser, pages["deep"], SIZES[0])
    names = browser.execute_script(
        "return [...document.querySelector('.neurons svg').querySelectorAll('[data-node]')]"
        ".map(g => g.dataset.node)"
    )
    # four hidden neurons and one output, once (not once per sample)
    assert sorted(n for n in names if n.startswith("L")) == [
        "L",
        "L0.n0",
        "L0.n1",
        "L0.n2",
        "L0.n3",
        "L1.n0",
    ]
    steps = browser.execute_script("return window.explorer.steps")
    last = max(i for i, s in enumerate(steps) if s["phase"] == "forward")
    browser.execute_script(f"window.explorer.go({last})")  # the last sample's output
    where = browser.find_element("id", "where").text
    assert "sample 4 of 4" in where
    current = "return document.querySelector('.neurons [data-current]').dataset.node"
    assert browser.execute_script(current) == steps[last]["node"]
    # the loss's backward step: one term per sample in the maths
    i = next(i for i, s in enumerate(steps) if s["phase"] == "backward")
    text = browser.execute_script(f"return window.explorer.steps[{i}].text")
    assert all(f"∂L/∂t{j}" in text for j in (1, 2, 3, 4)), text
    # the node level too: one sample's nodes (its own names), not four copies
    browser.find_element("id", "level-node").click()
    browser.execute_script(f"window.explorer.go({last})")
    shown = browser.execute_script(
        "return [...document.querySelector('.layout svg').querySelectorAll('[data-node]')]"
        ".map(g => [g.dataset.node, g.querySelector('text').textContent])"
    )
    assert sum(1 for n, _ in shown if n.startswith("L0.n0.w")) == 2
    assert sum(1 for n, _ in shown if n.startswith("L0.n0")) == 3  # its two weights and it
    assert sum(1 for n, _ in shown if n == "z of L0.n0#4") == 1  # and its z = w·x + b
    assert ["x1[4]", "x1[4]"] in shown


def test_a_neurons_backward_step_shows_delta_and_each_weights_gradient(browser, pages):  # type: ignore[no-untyped-def]
    _open(browser, pages["deep"], SIZES[0])
    steps = browser.execute_script("return window.explorer.steps")
    i = next(i for i, s in enumerate(steps) if s["phase"] == "backward" and s["node"] == "L0.n3#4")
    browser.execute_script(f"window.explorer.go({i})")
    text = steps[i]["text"]
    assert "δ = ∂L/∂z" in text and "+= δ·x1[4]" in text and "+= δ·x2[4]" in text
    labels = browser.execute_script(
        "return [...document.querySelectorAll('.neurons g.elabel text')].map(t => t.textContent)"
    )
    delta = float(text.split("a′(z) = ")[1].split(" = ")[1].split(",")[0].replace("−", "-"))
    assert len(labels) == 2
    # δ × x on each weight's edge, as the maths writes it (δ at 4 digits)
    for label, x in zip(sorted(labels), ["12", "5"]):
        upstream, rest = label.replace("−", "-").split(" × ")
        assert float(upstream) == pytest.approx(delta, rel=1e-3) and rest.startswith(f"{x} = ")


def test_generated_names_are_explained_in_the_tooltip_and_the_maths(browser, pages):  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, pages["moons"], SIZES[0])
    script = (
        "return [...document.querySelectorAll('.layout [data-node]')].map(g => "
        "[g.dataset.node, g.querySelector('a > title').textContent])"
    )

    def named(driver):  # type: ignore[no-untyped-def]
        # the drawing's boxes are in place once the page has laid them out (not always at load)
        found = [(n, t) for n, t in driver.execute_script(script) if n.startswith("t")]
        return found or None

    generated = WebDriverWait(browser, 20, poll_frequency=0.2).until(named)
    assert generated and all(t.startswith(f"{n} = ") for n, t in generated), generated
    steps = browser.execute_script("return window.explorer.steps")
    i = next(i for i, s in enumerate(steps) if s["phase"] == "backward")  # at L: t1 → L
    text = steps[i]["text"]
    name = generated[0][0]
    assert f"where {name} = " in text, text


def test_the_current_loss_label_keeps_off_the_axis_and_epoch_names(browser, pages):  # type: ignore[no-untyped-def]
    # "L = 927317.3" sat on "epoch 3"
    _open(browser, pages["regression"], SIZES[0])
    count = browser.execute_script("return window.explorer.steps.length")
    for i in range(3, count, 7):
        browser.execute_script(f"window.explorer.go({i})")
        hits = browser.execute_script(
            """
            const r = e => e.getBoundingClientRect();
            const last = r(document.getElementById('chart-last'));
            return [...document.querySelectorAll('#chart text:not(#chart-last)')].map(r)
              .filter(o => last.left < o.right && o.left < last.right && last.top < o.bottom
                           && o.top < last.bottom).length;
            """
        )
        assert hits == 0, i


def test_at_node_level_a_neurons_weights_stand_in_index_order_column_by_column(browser, pages):  # type: ignore[no-untyped-def]
    # The output neuron's sixteen weights read w0 w1 | w5 w6 w2 w3 w4 | w10 w11 w7 w8 w9 | …
    _open(browser, pages["moons"], SIZES[0])
    browser.find_element("id", "level-node").click()
    _step(browser, "forward", 3)
    centres = browser.execute_script(
        "return [...document.querySelector('.layout svg').querySelectorAll('[data-node]')]"
        ".map(g => { const b = g.getBoundingClientRect();"
        " return [g.dataset.node, b.left + b.width / 2, b.top + b.height / 2]; })"
    )
    for neuron in ["L2.n0", "L1.n0", "L1.n7", "L0.n0"]:
        mine = [(x, y, n.split(".")[-1]) for n, x, y in centres if n.startswith(neuron + ".")]
        columns: list[list[tuple[float, float, str]]] = []
        for p in sorted(mine):
            if columns and p[0] - columns[-1][-1][0] <= 2:
                columns[-1].append(p)
            else:
                columns.append([p])
        read = [name for column in columns for _, _, name in sorted(column, key=lambda p: p[1])]
        count = len(mine) - 1
        assert read == [f"w{i}" for i in range(count)] + ["b"], (neuron, read)


def test_at_node_level_a_neurons_boxes_name_z_and_its_activation(browser, pages):  # type: ignore[no-untyped-def]
    # it read "L0.n6 = −0.3041", nothing said tanh; then "L0.n6 (tanh)", one box for w·x + b
    # and tanh
    _open(browser, pages["moons"], SIZES[0])
    browser.find_element("id", "level-node").click()
    _step(browser, "forward", 3)
    first = browser.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('.layout svg [data-node]')]"
        ".map(g => [g.dataset.node, g.querySelector('text').textContent]))"
    )
    assert first["L0.n6"] == "L0.n6 = tanh(z)" and first["z of L0.n6"] == "z = w·x + b", first
    # the linear output neuron: one box, w·x + b itself
    assert first["L2.n0"] == "L2.n0 = w·x + b (linear)" and "z of L2.n0" not in first, first


def full_batch_page() -> Any:
    """A 2-8-8-1 ReLU net on eight moons, the whole batch at once, two epochs."""
    xs, ys = moons(8, seed=1)
    rows = [(*x, float(y)) for x, y in zip(xs, ys)]
    model = MLP(2, [8, 8, 1], activation="relu", seed=0)

    def build(batch: list[list[Value]]) -> Value:
        outs = [model([r[0], r[1]]) for r in batch]
        return mse(outs, [r[2] for r in batch])  # type: ignore[arg-type]

    return explore(build, model.parameters(), rows, lr=0.05, batch_size=None, epochs=2)


def small_page() -> Any:
    """A 1-3-1 tanh net on four points of a line."""
    rows = [(x / 2, 0.3 * x - 0.2) for x in range(-2, 2)]
    model = MLP(1, [3, 1], seed=1)

    def build(batch: list[list[Value]]) -> Value:
        ((x, y),) = batch
        out = model([x])
        assert isinstance(out, Value)
        return mse([out], [y])

    return explore(build, model.parameters(), rows, lr=0.1, title="1-3-1")


def classes_page() -> Any:
    """A 3-5-3 tanh net with softmax cross-entropy on three classes."""
    rows = [(0.5, -0.2, 0.1, 0.0), (-0.3, 0.8, 0.4, 1.0), (0.2, 0.1, -0.9, 2.0)]
    model = MLP(3, [5, 3], seed=2)

    def build(batch: list[list[Value]]) -> Value:
        ((a, b, c, y),) = batch
        logits = model([a, b, c])
        assert isinstance(logits, list)
        return cross_entropy([logits], [int(y.data)])

    return explore(build, model.parameters(), rows, lr=0.1, title="3-5-3 cross-entropy")
