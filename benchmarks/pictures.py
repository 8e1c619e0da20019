"""make bench, pictures: render times and sizes of drawings, and the explore page in Chromium.

Wall-clock seconds (dot and Chromium run in their own processes), the median of a few
repeats, written to stdout and to benchmarks/PICTURES.md. The issues' bounds: a 400-node
chain and the one-sample 2-16-16-1 graph render in under 2 s; the 2-16-16-1 graph at
level="neuron" fits in 2500 × 2500 px; the explore page of a 2-16-16-1 network over 3 epochs
of 20 samples opens in under 2 s and weighs under 5 MB, the walkthrough's under 1 MB.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from micrograd_covid import MLP, Value, explore, mse, render, topological_order
from micrograd_covid.explore import explore_tutorial
from micrograd_covid.tutorials import regression_graph

Table = list[list[str]]


def seconds(fn: Callable[[], Any], repeats: int) -> float:
    """The median wall-clock time of `repeats` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def chain(ops: int) -> Value:
    """`s = s + 1`, `ops` times: 2·ops + 1 nodes (each op adds the constant and the sum)."""
    s = Value(0.0, "s0")
    for _ in range(ops):
        s = s + 1.0
    s.backward()
    return s


def mlp_graph(nouts: list[int]) -> Value:
    model = MLP(2, nouts, seed=0)
    out = model([0.5, -0.5])
    assert isinstance(out, Value)
    loss = mse([out], [1.0])
    loss.backward()
    return loss


def rendering_rows(repeats: int, quick: bool) -> Table:
    cases: list[tuple[str, Value, dict[str, Any]]] = [
        ("walkthrough", regression_graph(), {}),
        ("chain s = s + 1, 200 ops", chain(200), {}),
        ("MLP(2, [3, 1]), one sample", mlp_graph([3, 1]), {}),
        ("2-16-16-1, one sample, level node", mlp_graph([16, 16, 1]), {}),
        ("2-16-16-1, one sample, level neuron", mlp_graph([16, 16, 1]), {"level": "neuron"}),
        ("2-16-16-1, one sample, level layer", mlp_graph([16, 16, 1]), {"level": "layer"}),
    ]
    if quick:
        cases = cases[:1] + cases[2:3]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, root, options in cases:
            count = len(topological_order(root))
            svg = Path(tmp) / "g.svg"
            png = Path(tmp) / "g.png"
            t_svg = seconds(
                lambda r=root, o=options, p=svg: render(r, p, max_nodes=10_000, **o), repeats
            )
            t_png = seconds(
                lambda r=root, o=options, p=png: render(r, p, max_nodes=10_000, **o), repeats
            )
            width, height = png_size(png)
            rows.append(
                [name, str(count), f"{t_svg:.2f} s", f"{t_png:.2f} s", f"{width} × {height}"]
            )
    return rows


def two_16_16_1_page() -> Any:
    rng = random.Random(0)
    rows = []
    for _ in range(20):
        a, b = rng.uniform(-1, 1), rng.uniform(-1, 1)
        rows.append((a, b, a * b))
    model = MLP(2, [16, 16, 1], seed=0)

    def build(batch: list[list[Value]]) -> Value:
        ((x1, x2, y),) = batch
        out = model([x1, x2])
        assert isinstance(out, Value)
        return mse([out], [y])

    return explore(build, model.parameters(), rows, lr=0.05, epochs=3, title="2-16-16-1")


def chrome() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--window-size=1400,900",
        "--disable-dev-shm-usage",
    ]:
        options.add_argument(flag)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=service)


def page_rows(repeats: int, quick: bool) -> Table:
    rows = []
    driver = chrome()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cases: list[tuple[str, Callable[[], Any]]] = [
                ("walkthrough, 6 rows, 3 epochs", lambda: explore_tutorial("regression", 3)),
                ("2-16-16-1, one sample a batch, 20 rows, 3 epochs", two_16_16_1_page),
            ]
            for i, (name, make) in enumerate(cases[:1] if quick else cases):
                build = seconds(make, 1)
                page = make()
                path = page.write(Path(tmp) / f"p{i}")

                def open_page(path: Path = path) -> None:
                    driver.get("about:blank")
                    driver.get(path.as_uri())  # returns after the load event
                    driver.execute_script("return window.explorer.steps.length")

                opened = seconds(open_page, repeats)
                steps = driver.execute_script("return window.explorer.steps")
                backward = next(k for k, s in enumerate(steps) if s["phase"] == "backward")
                step = seconds(
                    lambda k=backward: driver.execute_script(f"window.explorer.go({k + 1})"),
                    repeats,
                )
                rows.append(
                    [
                        name,
                        str(len(steps)),
                        f"{path.stat().st_size / 1e6:.2f} MB",
                        f"{build:.2f} s",
                        f"{opened:.2f} s",
                        f"{step * 1000:.0f} ms",
                    ]
                )
    finally:
        driver.quit()
    return rows


def retrain_rows(repeats: int) -> Table:
    """The live moons page (`micrograd-covid explore moons`, a 2-16-16-1 ReLU classifier)
    re-training in the page on 100 moons points for 3 epochs (batches of one, Adam): the
    time of ``explorer.setRows(rows)`` inside the page, steps and drawings rebuilt."""
    from micrograd_covid.datasets import moons

    xs, ys = moons(100, seed=1)
    rows = [[*x, float(y)] for x, y in zip(xs, ys)]
    driver = chrome()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = explore_tutorial("moons").write(Path(tmp) / "moons")
            driver.get(path.as_uri())
            driver.execute_script("window.explorer.retrain({epochs: 3})")
            times = []
            for _ in range(repeats):
                times.append(
                    driver.execute_script(
                        "window.explorer.setRows([[0, 0, 1]]);"  # back to a short run
                        "const t = performance.now(); window.explorer.setRows(arguments[0]);"
                        "return (performance.now() - t) / 1000",
                        rows,
                    )
                )
            steps = driver.execute_script("return window.explorer.steps.length")
    finally:
        driver.quit()
    ms = sorted(times)[len(times) // 2] * 1000
    return [
        ["2-16-16-1 ReLU on 100 moons points, 3 epochs, batches of one", str(steps), f"{ms:.0f} ms"]
    ]


# Steps in turn at the neuron level: each step's time, by whether it is an update (the
# parameters change, every neuron's map is computed and drawn again) or not (from the cache);
# then, at the node level where nothing is drawn, each update's grids alone.
_MAP_STEPS = """
const steps = explorer.steps, last = Math.min(steps.length, arguments[0]);
const kept = [], redrawn = [], grids = [];
for (let i = 0; i < last; i++) {
  const t = performance.now();
  explorer.go(i);
  (steps[i].phase === 'update' ? redrawn : kept).push(performance.now() - t);
}
explorer.close();
for (let i = 0; i < last; i++) {
  if (steps[i].phase !== 'update') continue;
  explorer.go(i);
  const t = performance.now();
  explorer.neuronMap('L0.n0');
  grids.push(performance.now() - t);
}
return [kept, redrawn, grids];
"""


def maps_rows(repeats: int, steps: int = 400) -> Table:
    """The live moons page (a 2-16-16-1 ReLU classifier, 33 neurons) played step by step at
    the neuron level, its first `steps` steps, each neuron's box with its map: milliseconds
    per step, median."""
    driver = chrome()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = explore_tutorial("moons").write(Path(tmp) / "moons")
            driver.get(path.as_uri())
            driver.set_script_timeout(300)
            kept: list[float] = []
            redrawn: list[float] = []
            grids: list[float] = []
            for _ in range(repeats):
                driver.execute_script(
                    "explorer.reset(); document.getElementById('level-neuron').click()"
                )
                a, b, c = driver.execute_script(_MAP_STEPS, steps)
                kept += a
                redrawn += b
                grids += c
    finally:
        driver.quit()
    return [
        [
            "2-16-16-1 ReLU on 20 moons points, 33 maps of 20 × 20",
            f"{statistics.median(kept):.1f} ms ({len(kept)})",
            f"{statistics.median(redrawn):.1f} ms ({len(redrawn)})",
            f"{statistics.median(grids):.1f} ms",
        ]
    ]


def moons_page() -> Any:
    """A 2-16-16-1 tanh net on ten moons, one sample a batch: the README's page."""
    from micrograd_covid.datasets import moons

    xs, ys = moons(10, seed=0)
    rows = [(*x, float(y)) for x, y in zip(xs, ys)]
    model = MLP(2, [16, 16, 1], seed=0)

    def build(batch: list[list[Value]]) -> Value:
        ((x1, x2, y),) = batch
        out = model([x1, x2])
        assert isinstance(out, Value)
        return mse([out], [y])

    return explore(build, model.parameters(), rows, lr=0.05, title="A 2-16-16-1 net on moons")


def screenshot(out: Path, size: tuple[int, int] = (1100, 700)) -> Path:
    """docs/explore.png: the moons page at a hidden neuron's backward step, at a size the
    README shows without shrinking its text."""
    driver = chrome()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = moons_page().write(Path(tmp) / "moons")
            width, height = size
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            driver.get(path.as_uri())
            steps = driver.execute_script("return window.explorer.steps")
            step = next(
                i for i, s in enumerate(steps) if s["phase"] == "backward" and s["node"] == "L1.n5"
            )
            driver.execute_script(f"window.explorer.go({step})")
            driver.save_screenshot(str(out))
    finally:
        driver.quit()
    return out


POINT = (1.0, 0.0)  # where live_screenshots adds a moons point: the model says +1 there


def live_screenshots(out: Path, size: tuple[int, int] = (1280, 720)) -> list[Path]:
    """The README's live-page story, each taken through the page's own controls: the
    walkthrough with η = 0.5 typed in (SGD diverges: the loss chart), then Adam chosen at the
    same η (it converges), then the moons page trained 20 epochs with a point added by a
    click in the other class's region (the boundary bends round it). Written beside `out` as
    explore_live_diverge.png, explore_live_adam.png, explore_live_moons.png, and the data plot
    alone before and after the click (explore_live_moons_before.png, _after.png)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    driver = chrome()
    written = []

    def shot(name: str, heading: str) -> None:
        driver.execute_script(f"document.getElementById({heading!r}).scrollIntoView()")
        path = out.with_name(f"explore_live_{name}.png")
        driver.save_screenshot(str(path))
        written.append(path)

    def type_into(field: str, text: str) -> None:
        element = driver.find_element(By.ID, field)
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(text, Keys.ENTER)

    def last_step() -> None:
        count = driver.execute_script("return window.explorer.steps.length")
        driver.execute_script(f"window.explorer.go({count - 1})")

    try:
        with tempfile.TemporaryDirectory() as tmp:
            width, height = size
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            driver.get(explore_tutorial("regression").write(Path(tmp) / "walk").as_uri())
            type_into("set-lr", "0.5")
            last_step()
            shot("diverge", "chart-heading")
            driver.execute_script("document.getElementById('side').scrollTop = 0")
            Select(driver.find_element(By.ID, "set-optimizer")).select_by_value("adam")
            type_into("set-epochs", "10")
            last_step()
            shot("adam", "chart-heading")
            driver.get(explore_tutorial("moons").write(Path(tmp) / "moons").as_uri())
            type_into("set-epochs", "20")
            plot = driver.find_element(By.ID, "plot")
            driver.execute_script("arguments[0].scrollIntoView()", plot)
            last_step()
            before = out.with_name("explore_live_moons_before.png")
            plot.screenshot(str(before))
            written.append(before)
            Select(driver.find_element(By.ID, "plot-label")).select_by_index(0)
            # a point of the first class (−1) where the model says +1
            where = "return window.explorer.plotPoint(arguments[0], arguments[1])"
            px, py = driver.execute_script(where, *POINT)
            box = plot.size  # selenium's offsets are from the element's centre
            ActionChains(driver).move_to_element_with_offset(
                plot, round(px - box["width"] / 2), round(py - box["height"] / 2)
            ).click().perform()
            last_step()
            after = out.with_name("explore_live_moons_after.png")
            plot.screenshot(str(after))
            written.append(after)
            shot("moons", "data-heading")
    finally:
        driver.quit()
    return written


def markdown(headers: list[str], rows: Table) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one repeat (smoke test)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("PICTURES.md"))
    parser.add_argument("--screenshot", type=Path, help="write the README's page screenshot")
    args = parser.parse_args(argv)
    if args.screenshot is not None:
        print(f"wrote {screenshot(args.screenshot)}", file=sys.stderr)
        for path in live_screenshots(args.screenshot):
            print(f"wrote {path}", file=sys.stderr)
        return 0
    repeats = 1 if args.quick else 3
    text = (
        "# Benchmarks: pictures\n\n"
        "Wall-clock seconds, median of "
        f"{repeats} runs, on a shared 2-core machine (`make bench`, benchmarks/pictures.py).\n\n"
        "## Drawings: draw + Graphviz's dot (render to SVG and to PNG)\n\n"
        + markdown(
            ["graph", "nodes", "SVG", "PNG", "PNG pixels"], rendering_rows(repeats, args.quick)
        )
        + "\n\n## The explore page in headless Chromium\n\n"
        "Opening: `driver.get` until the load event, then `window.explorer` answers. One step: "
        "`explorer.go(i)` to the first backward step.\n\n"
        + markdown(
            ["page", "steps", "size", "built in Python", "opens in", "one step"],
            page_rows(repeats, args.quick),
        )
        + "\n\n## Re-training in the page\n\n"
        "`explorer.setRows(rows)` timed inside the page (`performance.now()`): the JavaScript "
        "engine trains, then the page rebuilds every step's numbers.\n\n"
        + markdown(["run", "steps", "re-trains in"], retrain_rows(repeats))
        + "\n\n## Playing the page with every neuron's map\n\n"
        "`explorer.go(i)` timed inside the page, the first 400 steps at the neuron level: a step "
        "whose parameters the maps already have, and an update step (every map computed and "
        "drawn again); then the 33 maps' grids alone (`explorer.neuronMap`, a forward per "
        "grid point).\n\n"
        + markdown(
            ["run", "a step", "an update step", "the grids"],
            maps_rows(repeats, 100 if args.quick else 400),
        )
        + "\n"
    )
    print(text)
    if not args.quick:
        args.out.write_text(text)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
