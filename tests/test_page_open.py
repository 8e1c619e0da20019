"""A neuron opened at the node level, and boxes sized to their text, read from headless Chromium.

An opened neuron a(w·x + b) shows two boxes, its z = w·x + b and its a(z), with an edge
between them; their numbers are checked against PyTorch in float64. At the node level every
box is as large as the lines its step shows, not the four lines Graphviz reserved.
"""

from __future__ import annotations

from typing import Any

import pytest

from micrograd_covid.explore import explore_tutorial

from .test_page_layout import SIZES, _open, _step, moons_page

FIT = """
const pane = document.getElementById('graph');
const svg = [...pane.querySelectorAll('svg')].find(s => s.getBoundingClientRect().width > 0);
return [...svg.querySelectorAll('[data-node]')].map(g => {
  const box = g.querySelector('path').getBoundingClientRect();
  const ts = [...g.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => t.getBoundingClientRect());
  const left = Math.min(...ts.map(t => t.left)), right = Math.max(...ts.map(t => t.right));
  const top = Math.min(...ts.map(t => t.top)), bottom = Math.max(...ts.map(t => t.bottom));
  return [g.dataset.node, box.height, bottom - top, box.width, right - left,
    left >= box.left - 0.5 && right <= box.right + 0.5 && top >= box.top - 0.5
    && bottom <= box.bottom + 0.5];
});
"""


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from .test_explore import _chrome

    driver = _chrome(("--hide-scrollbars",))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("open")
    return {
        "regression": explore_tutorial("regression").write(out / "regression"),
        "deep": explore_tutorial("deep", epochs=1).write(out / "deep"),
        "moons": moons_page().write(out / "moons"),
    }


def _number(text: str) -> float:
    return float(text.split("= ")[-1].replace("−", "-"))


def _texts(driver: Any, node: str) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        driver.execute_script(
            "const g = [...document.querySelector('.layout svg').querySelectorAll('[data-node]')]"
            ".filter(g => g.dataset.node === arguments[0])[0];"
            "return [...g.querySelectorAll('text')].map(t => t.textContent)",
            node,
        )
    )


def _torch_deep() -> tuple[float, float, float, float]:
    """The deep tutorial's 2-4-1 net on its full batch in PyTorch float64: neuron L0.n1's z and
    output on the first row, ∂L/∂z and ∂L/∂a there (L the batch's mean squared error)."""
    import torch

    from micrograd_covid import MLP
    from micrograd_covid.data import daily_infections

    model = MLP(2, [4, 1], "tanh", "linear", bias=False, init="uniform01", seed=0)
    w1 = torch.tensor(
        [[w.data for w in n.w] for n in model.layers[0].neurons], dtype=torch.float64
    ).requires_grad_()
    w2 = torch.tensor([w.data for w in model.layers[1].neurons[0].w], dtype=torch.float64)
    xs, ys = daily_infections()
    x = torch.tensor(xs, dtype=torch.float64)
    z = x @ w1.T
    z.retain_grad()
    a = torch.tanh(z)
    a.retain_grad()
    loss = (((a @ w2) - torch.tensor(ys, dtype=torch.float64)) ** 2).mean()
    loss.backward()
    assert z.grad is not None and a.grad is not None
    return float(z[0, 1].item()), float(a[0, 1].item()), float(z.grad[0, 1]), float(a.grad[0, 1])


def test_an_opened_neuron_shows_its_z_and_its_activation_with_pytorchs_numbers(browser, pages):  # type: ignore[no-untyped-def]
    z, a, dz, da = _torch_deep()
    _open(browser, pages["deep"], SIZES[0])
    assert browser.execute_script("return window.explorer.open('L0.n1')") == "L0.n1"
    steps = browser.execute_script("return window.explorer.steps")
    forward = next(
        i for i, s in enumerate(steps) if s["phase"] == "forward" and s["node"] == "L0.n1"
    )
    browser.execute_script(f"window.explorer.go({forward})")
    zbox, abox = _texts(browser, "z of L0.n1"), _texts(browser, "L0.n1")
    assert zbox[0] == "z = w·x + b" and abox[0] == "L0.n1 = tanh(z)"
    assert _number(zbox[1]) == pytest.approx(z, rel=5e-4)
    assert _number(abox[1]) == pytest.approx(a, rel=5e-4)
    assert f"z = w·x + b = {z:.6}"[:22] in steps[forward]["text"]
    # the edge z → a(z) is drawn, and lit at the neuron's forward step
    lit = browser.execute_script(
        "return [...document.querySelectorAll('.layout svg g.edge.active')].map(g => g.id)"
    )
    assert any(e.startswith("edge-n") and e.endswith("z") for e in lit), lit
    backward = next(
        i for i, s in enumerate(steps) if s["phase"] == "backward" and s["node"] == "L0.n1"
    )
    browser.execute_script(f"window.explorer.go({backward})")
    zbox = _texts(browser, "z of L0.n1")
    assert zbox[2].startswith("∂L/∂z = ") and _number(zbox[2]) == pytest.approx(dz, rel=5e-4)
    labels = browser.execute_script(
        "return [...document.querySelectorAll('.layout g.elabel')]"
        ".map(g => [g.dataset.edge, g.textContent])"
    )
    on_z = [t for e, t in labels if e.endswith("z")]
    # upstream × local: ∂L/∂a × tanh′(z) = ∂L/∂z, then δ × x on each weight's edge
    assert len(on_z) == 1 and len(labels) == 5, labels
    up, rest = on_z[0].replace("−", "-").split(" × ")
    assert float(up) == pytest.approx(da, rel=5e-4)
    assert float(rest.split(" = ")[0]) == pytest.approx(1 - a * a, rel=5e-4)
    assert float(rest.split(" = ")[1]) == pytest.approx(dz, rel=5e-4)
    deltas = [t.replace("−", "-").split(" × ")[0] for e, t in labels if not e.endswith("z")]
    assert all(float(d) == pytest.approx(dz, rel=5e-4) for d in deltas), labels


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["regression", "deep", "moons"])
def test_at_the_node_level_every_box_is_sized_to_the_lines_it_shows(browser, pages, name, size):  # type: ignore[no-untyped-def]
    # a weight's box measured 245 × 101 px around its two 14 px lines
    _open(browser, pages[name], size)
    if name != "regression":
        browser.find_element("id", "level-node").click()
    for phase, n in [("forward", 1), ("backward", 3), ("update", 0)]:
        _step(browser, phase, n)
        boxes = browser.execute_script(FIT)
        assert boxes
        tall = [(b[0], b[1], b[2]) for b in boxes if b[1] > b[2] + 16]
        wide = [(b[0], b[3], b[4]) for b in boxes if b[3] > b[4] + 30]
        outside = [b[0] for b in boxes if not b[5]]
        assert tall == [] and outside == [], (phase, tall, outside)
        assert wide == [], (phase, wide)
