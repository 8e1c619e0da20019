"""The explore page's per-neuron maps, read from headless Chromium.

At the neuron level of a live page whose model has two inputs, each neuron's box holds a
small map of the neuron's output over the data plot's plane, at the step's parameters. The
oracle is the library in Python: the same MLP with the page's parameters, layer by layer.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest

from micrograd_covid import MLP, Value, explore, mse
from micrograd_covid.explore import explore_tutorial

from .test_explore import _chrome, _open, _severe

# blue for a score > 0, orange for < 0, as the data plot draws a classifier's boundary
BLUE, ORANGE = (42, 122, 176), (217, 115, 26)
NEURONS = [f"L0.n{j}" for j in range(16)] + [f"L1.n{j}" for j in range(16)] + ["L2.n0"]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    driver = _chrome(("--window-size=1280,720",))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def moons(tmp_path_factory):  # type: ignore[no-untyped-def]
    return explore_tutorial("moons").write(tmp_path_factory.mktemp("heat") / "moons")


@pytest.fixture(scope="module")
def deep(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The deep tutorial's 2-4-1 tanh regression on its full batch: narrow layers."""
    return explore_tutorial("deep", epochs=1).write(tmp_path_factory.mktemp("heat") / "deep")


def _steps_of(driver, phase: str) -> list[int]:  # type: ignore[no-untyped-def]
    return list(
        driver.execute_script(
            "return explorer.steps.flatMap((s, i) => s.phase === arguments[0] ? [i] : [])", phase
        )
    )


def _go(driver, i: int) -> None:  # type: ignore[no-untyped-def]
    assert driver.execute_script("return explorer.go(arguments[0])", i) == i


def _outputs(params: dict[str, float], x: list[float]) -> dict[str, float]:
    """Every neuron's output at input x: the moons page's MLP with the page's parameters."""
    model = MLP(2, [16, 16, 1], "relu", "linear")
    for k, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.data = params[f"L{k}.n{j}.w{i}"]
            assert neuron.b is not None
            neuron.b.data = params[f"L{k}.n{j}.b"]
    out: dict[str, float] = {}
    h: list[Any] = list(x)
    for k, layer in enumerate(model.layers):
        h = layer(h)
        out.update((f"L{k}.n{j}", v.data) for j, v in enumerate(h))
    return out


def _colour(v: float) -> tuple[int, int, int]:
    """The data plot's boundary colour of score v, opaque over white."""
    c, a = (BLUE if v > 0 else ORANGE), min(1.0, abs(v)) * 0.35 + 0.08
    return (
        int(255 + (c[0] - 255) * a + 0.5),
        int(255 + (c[1] - 255) * a + 0.5),
        int(255 + (c[2] - 255) * a + 0.5),
    )


def _pixels(driver, name: str) -> Any:  # type: ignore[no-untyped-def]
    """The map image of neuron `name` in the drawing, decoded."""
    from PIL import Image

    href = driver.execute_script(
        "return document.querySelector('.neurons:not([hidden]) image.neuron-map[data-neuron=\"'"
        " + arguments[0] + '\"]').getAttribute('href')",
        name,
    )
    head, data = href.split(",", 1)
    assert head == "data:image/png;base64"
    return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")


def _boxes(driver) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The shown drawing's boxes: name, outline, maps and non-empty text lines, on screen."""
    return list(
        driver.execute_script(
            """
        const r = el => {
          const b = el.getBoundingClientRect();
          return [b.left, b.top, b.right, b.bottom];
        };
        return [...document.querySelectorAll('.neurons:not([hidden]) g.box')].map(g => ({
          node: g.getAttribute('data-node'),
          shape: r(g.querySelector('path, polygon')),
          maps: [...g.querySelectorAll('image.neuron-map')].map(r),
          texts: [...g.querySelectorAll('text')].filter(t => t.textContent.trim()).map(r),
        }));
        """
        )
    )


def _maps_clear_of_text(boxes: list[dict[str, Any]]) -> None:
    for box in boxes:
        name = box["node"]
        (img,) = box["maps"]
        x0, y0, x1, y1 = box["shape"]
        assert x0 < img[0] < img[2] < x1 and y0 < img[1] < img[3] < y1, name
        assert img[2] - img[0] >= 40 and img[3] - img[1] >= 40, name  # a map, not a dot
        for t in box["texts"]:
            assert t[0] >= img[2] or t[2] <= img[0] or t[1] >= img[3] or t[3] <= img[1], name
            assert x0 < t[0] and t[2] < x1 and y0 < t[1] and t[3] < y1, name  # moved over


def test_every_neuron_box_holds_a_map_inside_it_and_clear_of_its_text(browser, moons):  # type: ignore[no-untyped-def]
    _open(browser, moons)
    assert browser.execute_script("return explorer.level") == "neuron"
    _go(browser, _steps_of(browser, "backward")[40])
    boxes = _boxes(browser)
    # every neuron's box, the output's too; not the inputs, the target or the loss's nodes
    assert sorted(b["node"] for b in boxes if b["maps"]) == sorted(NEURONS)
    _maps_clear_of_text([b for b in boxes if b["maps"]])
    # the maps stand at the boxes' left: the layers are too tall for more height
    assert all(b["maps"][0][0] - b["shape"][0] < 10 for b in boxes if b["maps"])
    assert not _severe(browser)


def test_a_narrow_networks_maps_stand_on_top_of_its_boxes_text(browser, deep):  # type: ignore[no-untyped-def]
    _open(browser, deep)
    _go(browser, _steps_of(browser, "backward")[2])
    boxes = [b for b in _boxes(browser) if b["maps"]]
    # (the boxes show the step's sample: L0.n0#4; a map is the same for every sample)
    names = sorted(b["node"].split("#")[0] for b in boxes)
    assert names == ["L0.n0", "L0.n1", "L0.n2", "L0.n3", "L1.n0"]
    _maps_clear_of_text(boxes)
    for b in boxes:
        assert b["maps"][0][1] - b["shape"][1] < 10
        assert all(t[1] >= b["maps"][0][3] for t in b["texts"])
    assert not _severe(browser)


def test_a_regression_outputs_map_has_the_data_plots_fitted_surface_colours(browser, tmp_path):  # type: ignore[no-untyped-def]
    # targets near the model's own outputs: its surface spans their range, pale to deep
    model = MLP(2, [3, 1], seed=0)
    xs = [(a / 2, b / 2) for a in range(-2, 3) for b in range(-1, 2)]
    rows = []
    for x in xs:
        out = model(list(x))
        assert isinstance(out, Value)
        rows.append((*x, out.data))

    def build(batch: list[list[Value]]) -> Value:
        ((a, b, y),) = batch
        out = model([a, b])
        assert isinstance(out, Value)
        return mse([out], [y])

    page = explore(build, model.parameters(), rows, batch_size=1, model=model, loss="mse")
    _open(browser, Path(page.write(tmp_path / "surface")))
    _go(browser, _steps_of(browser, "update")[0])
    got = browser.execute_script("return explorer.neuronMap('L1.n0')")
    lo, hi = min(r[2] for r in rows), max(r[2] for r in rows)
    image = _pixels(browser, "L1.n0")
    inside = 0
    for at, v in enumerate(got["values"]):
        t = max(0.0, min(1.0, (v - lo) / (hi - lo)))
        inside += 0 < t < 1
        a = 0.05 + 0.45 * t
        want = tuple(int(255 + (c - 255) * a + 0.5) for c in BLUE)
        pixel = image.getpixel((at % got["grid"], at // got["grid"]))
        assert all(abs(p - w) <= 1 for p, w in zip(pixel, want)), (at, v, pixel)
    assert inside >= 100  # the colours vary over the map, not one pale shade
    predicted = browser.execute_script("return explorer.predict(arguments[0])", got["xs"])
    assert predicted == pytest.approx(got["values"], rel=1e-12, abs=1e-12)
    # a hidden neuron's map keeps the sign's colours
    hidden = browser.execute_script("return explorer.neuronMap('L0.n1')")
    image = _pixels(browser, "L0.n1")
    for at in [0, 57, 210, 399]:
        assert image.getpixel((at % 20, at // 20)) == pytest.approx(
            _colour(hidden["values"][at]), abs=1
        )


def test_a_map_is_the_neurons_output_computed_in_python_and_its_colours_show_it(browser, moons):  # type: ignore[no-untyped-def]
    _open(browser, moons)
    _go(browser, _steps_of(browser, "update")[25])
    for name in ["L0.n3", "L1.n5", "L1.n12", "L2.n0"]:
        got = browser.execute_script("return explorer.neuronMap(arguments[0])", name)
        grid = got["grid"]
        assert got["name"] == name and len(got["values"]) == len(got["xs"]) == grid * grid
        image = _pixels(browser, name)
        assert image.size == (grid, grid)
        for at in [0, grid - 1, grid * grid // 2 + 3, grid * (grid - 1), grid * grid - 1, 137]:
            want = _outputs(got["params"], got["xs"][at])[name]
            assert got["values"][at] == pytest.approx(want, rel=1e-9, abs=1e-9), (name, at)
            pixel = image.getpixel((at % grid, at // grid))
            assert all(abs(p - w) <= 1 for p, w in zip(pixel, _colour(want))), (name, at, pixel)
    # the grid covers the data plot's plane: its first point top left, its last bottom right
    xs = got["xs"]
    assert xs[0][0] < xs[grid - 1][0] and xs[0][1] > xs[-1][1]
    # the output's map is the data plot's background: the model's output at the same points
    predicted = browser.execute_script("return explorer.predict(arguments[0])", xs)
    assert predicted == pytest.approx(got["values"], rel=1e-12, abs=1e-12)


def test_the_maps_take_the_parameters_the_data_plot_takes(browser, moons):  # type: ignore[no-untyped-def]
    _open(browser, moons)
    updates, feeds = _steps_of(browser, "update"), _steps_of(browser, "feed")
    params = []
    for i in [feeds[3], updates[3] - 1, updates[3], feeds[4]]:
        _go(browser, i)
        params.append(browser.execute_script("return explorer.neuronMap('L1.n0').params"))
    # a batch's steps before its update: the parameters it started with; its update: after
    assert params[0] == params[1] != params[2] == params[3]
    # the last step: the run's final parameters, as retrain reports them
    final = browser.execute_script("return explorer.retrain({}).params")
    _go(browser, browser.execute_script("return explorer.steps.length") - 1)
    assert browser.execute_script("return explorer.neuronMap('L1.n0').params") == final


def test_the_maps_change_with_the_step_and_after_retraining(browser, moons):  # type: ignore[no-untyped-def]
    _open(browser, moons)

    def shown() -> list[str]:
        return list(
            browser.execute_script(
                "return [...document.querySelectorAll('.neurons:not([hidden]) image.neuron-map')]"
                ".map(i => i.getAttribute('href'))"
            )
        )

    _go(browser, 0)
    early, early_values = shown(), browser.execute_script("return explorer.neuronMap('L1.n4')")
    late_step = _steps_of(browser, "update")[30]
    _go(browser, late_step)
    late = shown()
    assert len(early) == len(late) == 33 and all(early) and all(late)
    assert sum(a != b for a, b in zip(early, late)) >= 20
    late_values = browser.execute_script("return explorer.neuronMap('L1.n4')")
    assert late_values["values"] != early_values["values"]
    # after re-training at another rate, the same step shows other maps, from the new run
    browser.execute_script("explorer.retrain({lr: 0.01})")
    assert browser.execute_script("return explorer.current") == late_step
    again = shown()
    assert sum(a != b for a, b in zip(late, again)) >= 20
    redone = browser.execute_script("return explorer.neuronMap('L1.n4')")
    assert redone["params"] != late_values["params"]
    at = 211
    want = _outputs(redone["params"], redone["xs"][at])["L1.n4"]
    assert redone["values"][at] == pytest.approx(want, rel=1e-9, abs=1e-9)
    assert not _severe(browser)


def test_the_maps_are_at_the_neuron_level_only_and_said_so_in_its_legend(browser, moons):  # type: ignore[no-untyped-def]
    _open(browser, moons)
    legend = "return getComputedStyle(document.querySelector('#legend-bar .map-legend')).display"
    assert browser.execute_script(legend) != "none"
    text = browser.execute_script(
        "return document.querySelector('#legend-bar .map-legend').textContent"
    )
    assert "(x1, x2)" in text
    tip = browser.execute_script(
        "return document.querySelector('image.neuron-map[data-neuron=\"L1.n3\"] title').textContent"
    )
    assert tip.startswith("L1.n3's output over (x1, x2)")
    browser.execute_script("explorer.close(); document.getElementById('level-node').click()")
    assert browser.execute_script("return explorer.level") == "node"
    assert browser.execute_script(legend) == "none"
    assert not browser.execute_script(
        "return document.querySelectorAll('.layout:not([hidden]) image.neuron-map').length"
    )


def test_a_page_whose_model_has_three_inputs_has_no_maps_and_no_error(browser, tmp_path):  # type: ignore[no-untyped-def]
    model = MLP(3, [4, 1], seed=0)
    rows = [(0.5, -1.0, 0.25, 1.0), (-0.5, 0.75, 1.0, -1.0), (1.0, 0.5, -0.5, 0.5)]

    def build(batch: list[list[Value]]) -> Value:
        ((a, b, c, y),) = batch
        out = model([a, b, c])
        assert isinstance(out, Value)
        return mse([out], [y])

    path = explore(build, model.parameters(), rows, batch_size=1, model=model, loss="mse").write(
        tmp_path / "three"
    )
    _open(browser, Path(path))
    assert browser.execute_script("return explorer.level") == "neuron"
    for i in [0, 5, 20]:
        _go(browser, i)
    count = "return document.querySelectorAll('image.neuron-map').length"
    assert browser.execute_script(count) == 0
    assert browser.execute_script("return explorer.neuronMap('L0.n0')") is None
    assert not browser.execute_script("return document.querySelector('#legend-bar .map-legend')")
    assert not _severe(browser)
