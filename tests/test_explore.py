"""The explore page: numbers read back from headless Chromium, navigation, safety, sizes."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from micrograd_covid import (
    MLP,
    SGD,
    Adam,
    Value,
    define_op,
    explore,
    mse,
    render_steps,
    squared_error,
    topological_order,
)
from micrograd_covid.explore import explore_tutorial
from micrograd_covid.tutorials import regression_graph

explore_module = importlib.import_module("micrograd_covid.explore")
ROOT = Path(__file__).resolve().parent.parent
MINUS = "\u2212"


def _chrome(extra: tuple[str, ...] = ("--window-size=1400,900",)):  # type: ignore[no-untyped-def]
    """Headless Chromium as the machine runs it (no background networking), with `extra`
    flags (a window size by default; the layout tests hide scrollbars instead)."""
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
        "--disable-component-update",
        "--disable-sync",
        *extra,
        "--disable-dev-shm-usage",
    ]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=service)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    driver = _chrome()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("explore")
    return {"regression": explore_tutorial("regression").write(out / "regression")}


def _open(driver, path: Path) -> None:  # type: ignore[no-untyped-def]
    driver.get("about:blank")
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(path.as_uri())


def _go(driver, i: int) -> None:  # type: ignore[no-untyped-def]
    assert driver.execute_script(f"return window.explorer.go({i})") == i


def _text(driver) -> str:  # type: ignore[no-untyped-def]
    """What a reader sees in the explanation (KaTeX's rendering), minus signs normalised."""
    from selenium.webdriver.common.by import By

    text = driver.find_element(By.ID, "explanation").text
    return " ".join(text.replace(MINUS, "-").split())


def _node_lines(driver, k: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The text lines of node n{k} in the drawing, as shown."""
    lines = driver.execute_script(
        """
        const svg = document.querySelector('.layout:not([hidden]) svg');
        for (const g of svg.querySelectorAll('g.node')) {
          if (g.querySelector('title').textContent === arguments[0])
            return [...g.querySelectorAll('text')].map(t => t.textContent);
        }
        return null;
        """,
        f"n{k}",
    )
    assert lines is not None
    return [line.replace(MINUS, "-") for line in lines]


def _severe(driver) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _compact(text: str) -> str:
    return text.replace(" ", "")


# --- the walkthrough, read from the page --------------------------------------------------------


def test_walkthrough_batch_one_phases_and_numbers_in_the_browser(browser, pages):  # type: ignore[no-untyped-def]
    _open(browser, pages["regression"])
    steps = browser.execute_script(
        "return window.explorer.steps.map(s => [s.phase, s.epoch, s.batch, s.node])"
    )
    assert steps[:8] == [
        ["init", 1, 1, None],
        ["feed", 1, 1, None],
        ["forward", 1, 1, "ŷ"],
        ["loss", 1, 1, "L"],
        ["backward", 1, 1, "L"],
        ["backward", 1, 1, "ŷ"],
        ["update", 1, 1, None],
        ["feed", 1, 2, None],
    ]
    assert len(steps) == 1 + 3 * 6 * 6  # init once; feed, ŷ, L, 2 backward, update per batch
    # topological order: x1, w1, x2, w2, b, ŷ, y, L (inputs of the dot in wiring order)
    names = browser.execute_script("return window.explorer.steps[2].node")
    assert names == "ŷ"
    _go(browser, 0)
    assert "w1=-0.017" in _compact(_text(browser)) and "b=0" in _compact(_text(browser))
    _go(browser, 2)
    text = _compact(_text(browser))
    assert "=(-0.017)(4)+(-0.048)(1)+0=-0.116" in text
    _go(browser, 3)
    assert "4.477456" in _text(browser)
    _go(browser, 4)
    assert "=2(-0.116-2)=-4.232" in _compact(_text(browser))
    _go(browser, 5)
    text = _compact(_text(browser))
    assert "=0+(-4.232)(4)=-16.928" in text
    _go(browser, 6)
    text = _compact(_text(browser))
    assert "=-0.017-0.05⋅(-16.928)=0.8294" in text
    assert "=-0.048-0.05⋅(-4.232)=0.1636" in text
    assert "=0-0.05⋅(-4.232)=0.2116" in text
    # batch 6 of epoch 1: the walkthrough's divergence
    loss_step = next(i for i, s in enumerate(steps) if s[:3] == ["loss", 1, 6])
    _go(browser, loss_step)
    assert "2089.58" in _text(browser)
    assert _severe(browser) == []


def test_the_drawing_fills_in_as_the_steps_go(browser, pages):  # type: ignore[no-untyped-def]
    _open(browser, pages["regression"])
    order = browser.execute_script(
        "return [...document.querySelectorAll('.layout svg g.node')].map(g => "
        "[g.querySelector('title').textContent, g.querySelector('text').textContent])"
    )
    index = {name: int(title[1:]) for title, name in order if title.startswith("n")}
    y_hat, w1, b, loss = index["ŷ"], index["w1"], index["b"], index["L"]
    _go(browser, 1)  # feed: ŷ not computed yet, no gradients
    assert _node_lines(browser, y_hat)[1] == "= ?"
    assert _node_lines(browser, w1)[1:3] == ["= -0.017", ""]
    _go(browser, 2)
    assert _node_lines(browser, y_hat)[1] == "= -0.116"
    _go(browser, 4)  # the loss passes back: ∂L/∂ŷ arrives, w1 has none yet
    assert _node_lines(browser, y_hat)[2] == "∂L/∂ŷ = -4.232"
    assert _node_lines(browser, w1)[2] == ""
    # arrows point back up: the marker sits at each edge's start (the input's end)
    markers = browser.execute_script(
        "return [...document.querySelectorAll('.layout svg g.edge path')].map(p => "
        "[p.getAttribute('marker-start'), p.getAttribute('marker-end')])"
    )
    assert markers and all(start and not end for start, end in markers)
    labels = browser.execute_script(
        "return [...document.querySelectorAll('.elabel text')].map(t => t.textContent)"
    )
    assert [label.replace(MINUS, "-") for label in labels] == [
        "1 × -4.232 = -4.232",  # upstream × local, as the panel and the drawings write it
        "1 × 4.232 = 4.232",
    ]
    _go(browser, 5)
    assert _node_lines(browser, w1)[2] == "∂L/∂w1 = -16.93"
    _go(browser, 6)
    assert _node_lines(browser, b)[1:] == ["= 0.2116", "∂L/∂b = -4.232", "was 0"]
    assert _node_lines(browser, loss)[1] == "= 4.477"
    _go(browser, 2)
    markers = browser.execute_script(
        "return [...document.querySelectorAll('.layout svg g.edge path')].map(p => "
        "[p.getAttribute('marker-start'), p.getAttribute('marker-end')])"
    )
    assert all(end and not start for start, end in markers)


def test_navigation_buttons_keys_slider_play_and_fragment(browser, pages):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    _open(browser, pages["regression"])

    def current() -> int:
        return int(browser.execute_script("return window.explorer.current"))

    assert current() == 0
    browser.find_element(By.ID, "next").click()
    assert current() == 1
    assert browser.find_element(By.ID, "counter").text == "step 2 of 109"
    browser.find_element(By.ID, "prev").click()
    assert current() == 0
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    assert current() == 1
    body.send_keys(Keys.ARROW_LEFT)
    assert current() == 0
    browser.find_element(By.ID, "next-phase").click()
    assert current() == 1  # feed
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.ARROW_RIGHT).key_up(
        Keys.SHIFT
    ).perform()
    assert current() == 2  # forward
    browser.find_element(By.ID, "next-batch").click()
    assert browser.execute_script("return window.explorer.steps[window.explorer.current]") == {
        "phase": "feed",
        "epoch": 1,
        "batch": 2,
        "node": None,
        "text": browser.execute_script(
            "return window.explorer.steps[window.explorer.current].text"
        ),
    }
    body.send_keys(Keys.PAGE_DOWN)
    assert (
        browser.execute_script("return window.explorer.steps[window.explorer.current].batch") == 3
    )
    browser.find_element(By.ID, "next-epoch").click()
    step = browser.execute_script("return window.explorer.steps[window.explorer.current]")
    assert (step["epoch"], step["batch"], step["phase"]) == (2, 1, "feed")
    browser.find_element(By.ID, "first-epoch").click()
    assert current() == 0
    slider = browser.find_element(By.ID, "slider")
    browser.execute_script(
        "arguments[0].value = 40; arguments[0].dispatchEvent(new Event('input'))", slider
    )
    assert current() == 39
    assert browser.execute_script("return location.hash") == "#step=40"
    body.send_keys(Keys.END)
    assert current() == 108
    body.send_keys(Keys.HOME)
    assert current() == 0
    # the fragment: a link opens that step, and changing it moves the page
    browser.execute_script("location.hash = '#step=7'")
    assert current() == 6
    browser.get(pages["regression"].as_uri() + "#step=12")
    assert current() == 11
    # play at 16 steps a second, then pause
    Select(browser.find_element(By.ID, "speed")).select_by_value("16")
    browser.find_element(By.ID, "play").click()
    assert browser.execute_script("return window.explorer.playing")
    time.sleep(0.6)
    browser.find_element(By.ID, "play").click()
    stopped_at = current()
    assert stopped_at > 12
    assert not browser.execute_script("return window.explorer.playing")
    time.sleep(0.3)
    assert current() == stopped_at
    assert _severe(browser) == []


def test_no_network_request_and_a_policy_that_forbids_them(browser, pages):  # type: ignore[no-untyped-def]
    _open(browser, pages["regression"])
    for i in (0, 3, 5, 6, 60, 108):
        _go(browser, i)
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources == []
    html = pages["regression"].read_text(encoding="utf-8")
    assert "default-src 'none'" in html
    # KaTeX's fonts are inlined as woff2 and rendered (no fallback fetch)
    assert "url(fonts/" not in html and "data:font/woff2;base64," in html
    assert browser.execute_script("return document.fonts.check('16px KaTeX_Main')")
    assert _severe(browser) == []


# --- sizes and speed ----------------------------------------------------------------------------


def test_walkthrough_page_is_under_one_megabyte(pages):  # type: ignore[no-untyped-def]
    assert pages["regression"].stat().st_size < 1_000_000


def _two_16_16_1(tmp_path: Path) -> Path:
    # The same page `make bench` measures (benchmarks/pictures.py).
    from benchmarks.pictures import two_16_16_1_page

    return two_16_16_1_page().write(tmp_path / "big")  # type: ignore[no-any-return]


def test_a_2_16_16_1_network_over_3_epochs_is_small_and_opens_fast(browser, tmp_path):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    path = _two_16_16_1(tmp_path)
    assert path.stat().st_size < 5_000_000
    start = time.perf_counter()
    _open(browser, path)
    assert browser.execute_script("return window.explorer.steps.length") > 4000
    # The bound is 2 s, measured by make bench; here only a hang could fail.
    assert time.perf_counter() - start < 20.0
    # one drawing for every batch: 2 + 16·(2+1) + 16 + 16·(16+1) + 16 + (16+1) + 1 + y + L,
    # and one of its neurons
    assert browser.execute_script("return document.querySelectorAll('.layout').length") == 1
    assert browser.execute_script("return document.querySelectorAll('.neurons').length") == 1
    assert browser.execute_script("return window.explorer.level") == "neuron"
    # legible without zooming: a box's text is at least 12 px
    height = browser.execute_script(
        "const t = document.querySelector('.neurons svg g.node text');"
        "return Number(t.getAttribute('font-size')) * t.getScreenCTM().a"
    )
    assert height >= 12
    # zoom and pan
    width = "return document.querySelector('.neurons svg').getBoundingClientRect().width"
    before = browser.execute_script(width)
    browser.find_element(By.ID, "zoom-in").click()
    assert browser.execute_script(width) == pytest.approx(before * 1.25, rel=1e-3)
    browser.find_element(By.ID, "zoom-reset").click()
    pane = browser.find_element(By.ID, "graph")
    left = browser.execute_script("return arguments[0].scrollLeft", pane)
    ActionChains(browser).move_to_element(pane).click_and_hold().move_by_offset(
        -200, 0
    ).release().perform()
    assert browser.execute_script("return arguments[0].scrollLeft", pane) > left
    last = browser.execute_script("return window.explorer.steps.length") - 1
    _go(browser, last)
    assert "Update" in _text(browser)
    assert _severe(browser) == []


# --- the tutorials, a user's model, render_steps ------------------------------------------------


@pytest.mark.parametrize("name", ["descent", "generalized", "vectorized", "deep"])
def test_every_training_tutorial_plays_to_its_last_step(browser, tmp_path, name):  # type: ignore[no-untyped-def]
    path = explore_tutorial(name, epochs=2).write(tmp_path / name)
    _open(browser, path)
    count = browser.execute_script("return window.explorer.steps.length")
    phases = browser.execute_script("return window.explorer.steps.map(s => s.phase)")
    assert set(phases) == {"init", "feed", "forward", "loss", "backward", "update"}
    for i in (0, count // 3, count // 2, count - 1):
        _go(browser, i)
        assert _text(browser)
    assert _severe(browser) == []


def test_a_users_model_through_the_python_api(browser, tmp_path):  # type: ignore[no-untyped-def]
    model = MLP(1, [3, 1], seed=1)

    def build(batch: list[list[Value]]) -> Value:
        preds = [model(row[:1]) for row in batch]
        return mse([p for p in preds if isinstance(p, Value)], [row[1] for row in batch])

    rows = [(x / 4, (x / 4) ** 2) for x in range(-4, 5)]
    before = [p.data for p in model.parameters()]
    page = explore(
        build, model.parameters(), rows, SGD(model.parameters(), lr=0.1), epochs=2, batch_size=3
    )
    assert [p.data for p in model.parameters()] != before  # trained, as fit leaves it
    assert page.losses[-1] < page.losses[0]
    assert page._repr_html_().startswith("<iframe srcdoc='")  # the frame: test_notebooks.py
    _open(browser, page.write(tmp_path / "user"))
    steps = browser.execute_script("return window.explorer.steps.map(s => [s.epoch, s.batch])")
    assert steps[-1] == [2, 3]
    assert _severe(browser) == []


def test_a_failing_build_restores_the_parameters_and_the_optimizer():
    w = Value(1.0, "w")
    opt = SGD([w], lr=0.1, momentum=0.5)
    calls = []

    def build(batch: list[list[Value]]) -> Value:
        calls.append(1)
        if len(calls) == 3:
            raise TypeError("a bug in the user's code")
        ((x, y),) = batch
        return squared_error(w * x, y)

    with pytest.raises(TypeError, match="a bug"):
        explore(build, [w], [(1, 2), (2, 3), (3, 4)], opt)
    assert (w.data, w.grad, w.previous, opt.steps) == (1.0, 0.0, None, 0)


def test_bad_arguments_are_named_before_anything_runs():
    w = Value(1.0, "w")

    def build(batch: list[list[Value]]) -> Value:
        return squared_error(w * batch[0][0], batch[0][1])

    with pytest.raises(ValueError, match="row 1 has 1 numbers"):
        explore(build, [w], [(1, 2), (3,)])
    with pytest.raises(ValueError, match="row 0, column 1 is not finite"):
        explore(build, [w], [(1, float("nan"))])
    with pytest.raises(ValueError, match="epochs must be an int >= 1"):
        explore(build, [w], [(1, 2)], epochs=0)
    with pytest.raises(ValueError, match="max_steps=10"):
        explore(build, [w], [(1, 2)] * 20, max_steps=10)
    with pytest.raises(TypeError, match="build must return a Value"):
        explore(lambda batch: 1.0, [w], [(1, 2)])  # type: ignore[arg-type,return-value]
    assert (w.data, w.grad) == (1.0, 0.0)


def test_divergence_ends_the_page_at_the_last_finite_batch(browser, tmp_path):  # type: ignore[no-untyped-def]
    w = Value(1.0, "w")

    def build(batch: list[list[Value]]) -> Value:
        return squared_error(w * batch[0][0], batch[0][1])

    page = explore(build, [w], [(10.0, 1.0)], lr=10.0, epochs=400)
    assert page.stopped is not None and "stopped at epoch" in page.stopped
    assert len(page.losses) < 400
    assert w.data == w.data and abs(w.data) < float("inf")
    _open(browser, page.write(tmp_path / "diverged"))
    _go(browser, browser.execute_script("return window.explorer.steps.length") - 1)
    assert "Training stopped at epoch" in _text(browser)


def test_unknown_ops_and_hostile_labels_render_as_text_and_run_nothing(browser, tmp_path):  # type: ignore[no-untyped-def]
    hostile = [
        "</script><script>window.pwned=1</script>",
        '<img src=x onerror="window.pwned=2">',
        "a{b}\\c$d^e_f%g#h&i~",
        "\"quotes' and `ticks`",
    ]
    leaves = [Value(0.5 + i, label, role="param") for i, label in enumerate(hostile)]
    z = Value.sum(leaves)
    # a user's own op, unknown to the page: its name and number are shown, nothing breaks
    double = define_op("</script>{my op}\\", lambda a: (2.0 * a, (2.0,)))
    custom = double(z)
    custom.label = "<b>out</b>"
    loss = squared_error(custom, 1.0)

    def build(batch: list[list[Value]]) -> Value:
        return loss

    page = explore(build, leaves, [(0.0,)], lr=0.01, columns=["<x>"])
    path = page.write(tmp_path / "hostile")
    _open(browser, path)
    count = browser.execute_script("return window.explorer.steps.length")
    for i in range(count):
        _go(browser, i)
        text = _text(browser)
        assert text
    assert browser.execute_script("return window.pwned === undefined")
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    names = browser.execute_script(
        "return [...document.querySelectorAll('.layout svg g.node')].map(g => "
        "g.querySelector('text').textContent)"
    )
    for label in [*hostile, "<b>out</b>"]:
        assert label in names
    forward = browser.execute_script(
        "return window.explorer.steps.find(s => s.node === '<b>out</b>').text"
    )
    assert "</script>{my op}\\(" in forward
    # the compiler has no code for the user's op, so the page shows none (and warns not)
    assert browser.execute_script("return document.getElementById('code-view').hidden")
    assert browser.execute_script("return window.pwned === undefined")
    assert _severe(browser) == []


def test_the_code_view_shows_the_compiled_programs_lines_of_the_current_node(browser, pages):  # type: ignore[no-untyped-def]
    from micrograd_covid import Tape

    w1, w2, b = Value(-0.017, "w1"), Value(-0.048, "w2"), Value(0.0, "b")
    x1, x2, y = Value(4.0, "x1"), Value(1.0, "x2"), Value(2.0, "y")
    y_hat = Value.dot([w1, w2], [x1, x2], b)
    y_hat.label = "ŷ"
    loss = squared_error(y_hat, y)
    loss.label = "L"
    source = [line.strip() for line in Tape(loss).compile().source.splitlines()]
    _open(browser, pages["regression"])
    _go(browser, 2)  # forward: ŷ
    shown = browser.execute_script(
        "return ['code-forward', 'code-backward', 'code-where'].map(id => "
        "[document.getElementById(id).textContent, document.getElementById(id).className])"
    )
    (forward, fwd_class), (backward, bwd_class), (where, _) = shown
    assert forward in source and forward.endswith("# ŷ = dot(w1, w2, x1, x2, b)")
    assert backward in source and backward.startswith("gp0 += p2 * g0")
    assert "now" in fwd_class and "now" not in bwd_class
    assert "v0 = ŷ" in where and "p2 = x1" in where and "g0 = ∂L/∂ŷ" in where
    _go(browser, 4)  # backward: L
    assert browser.execute_script("return document.getElementById('code-what').textContent") == (
        "of L, in the compiled program"
    )
    assert "now" in browser.execute_script(
        "return document.getElementById('code-backward').className"
    )
    _go(browser, 0)  # init: no node, no code
    assert browser.execute_script("return document.getElementById('code-view').hidden")


def test_render_steps_is_the_backward_part_of_the_page_and_changes_nothing(browser, tmp_path):  # type: ignore[no-untyped-def]
    loss = regression_graph()
    nodes = topological_order(loss)
    before = [(n.data, n.grad) for n in nodes]
    paths = render_steps(loss, tmp_path)
    assert paths == [tmp_path / "index.html"]
    assert [(n.data, n.grad) for n in nodes] == before
    _open(browser, paths[0])
    steps = browser.execute_script("return window.explorer.steps.map(s => [s.phase, s.node])")
    assert steps == [["backward", "L"], ["backward", "ŷ"]]
    _go(browser, 1)
    text = _compact(_text(browser))
    assert "=0+(-4.232)(1)=-4.232" in text  # ∂L/∂b, gradients replayed from zero
    assert "+=" not in text
    # one pass: no epoch or batch buttons, no one-point loss chart
    shown = browser.execute_script(
        "return ['first-epoch', 'prev-batch', 'next-batch', 'next-epoch', 'chart', 'prev', 'next']"
        ".map(id => document.getElementById(id).getBoundingClientRect().width > 0)"
    )
    assert shown == [False, False, False, False, False, True, True]
    assert _severe(browser) == []


def test_render_steps_that_fails_checks_first_and_touches_no_gradient(tmp_path):  # type: ignore[no-untyped-def]
    w = Value(3.0, "w")
    node = w
    for _ in range(30):
        node = node * 1.0
    node.backward()
    w.grad = 61.68
    with pytest.raises(ValueError, match="max_nodes=10"):
        render_steps(node, tmp_path, max_nodes=10)
    assert w.grad == 61.68
    assert not (tmp_path / "index.html").exists()


def test_render_steps_without_dot_fails_clearly_and_touches_nothing(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from micrograd_covid import GraphvizMissingError

    draw_module = importlib.import_module("micrograd_covid.draw")
    monkeypatch.setattr(draw_module.shutil, "which", lambda name: None)
    loss = regression_graph()
    before = [(n.data, n.grad) for n in topological_order(loss)]
    with pytest.raises(GraphvizMissingError, match="apt-get install graphviz"):
        render_steps(loss, tmp_path)
    assert [(n.data, n.grad) for n in topological_order(loss)] == before
    assert not (tmp_path / "index.html").exists()


def test_a_missing_katex_names_make_vendor(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(explore_module, "_KATEX_DIR", tmp_path / "nothing")
    w = Value(1.0, "w")
    with pytest.raises(FileNotFoundError, match="make vendor"):
        explore(lambda batch: squared_error(w * batch[0][0], batch[0][1]), [w], [(1, 2)])
    assert (w.data, w.grad, w.previous) == (1.0, 0.0, None)


def test_cli_explore_writes_the_page_and_refuses_bad_epochs(tmp_path):  # type: ignore[no-untyped-def]
    run = [sys.executable, "-m", "micrograd_covid", "explore"]
    done = subprocess.run(
        [*run, "regression", "--out", str(tmp_path), "--epochs", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "index.html").is_file()
    assert "37 steps" in done.stdout  # init + 6 batches of feed, ŷ, L, 2 backward, update
    bad = subprocess.run(
        [*run, "regression", "--out", str(tmp_path), "--epochs", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 2 and "--epochs" in bad.stderr and "Traceback" not in bad.stderr
    bad = subprocess.run(
        [*run, "guess", "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT
    )
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_a_saturated_tanh_slope_is_written_as_its_value_and_multiplies_out(browser, tmp_path):  # type: ignore[no-untyped-def]
    # The deep tutorial's fourth row pushes L0.n0 to tanh(7.7) = 0.99999976: written with
    # 7 digits its slope read "(1 − 1²)·(7) = 4.781522e−7", a zero that was not one, and the
    # exponent was typeset "e − 7".
    path = explore_tutorial("deep", epochs=1).write(tmp_path / "deep")
    _open(browser, path)
    steps = browser.execute_script("return window.explorer.steps")
    i = next(j for j, s in enumerate(steps) if s["phase"] == "backward" and s["node"] == "L0.n0#3")
    text = steps[i]["text"]
    assert "(1 − 1²)" not in text and "1 − 1²" not in text
    # the slope shown times the input shown is the partial shown (to the slope's 4 digits)
    import re

    m = re.search(r"= \(([0-9.]+)e−(\d+)\)·\((\d+)\) = ([0-9.]+)e−(\d+)", text)
    assert m, text
    slope, x, partial = float(f"{m[1]}e-{m[2]}"), float(m[3]), float(f"{m[4]}e-{m[5]}")
    assert slope * x == pytest.approx(partial, rel=1e-3)
    _go(browser, i)
    shown = _text(browser)
    assert "e-7" not in shown and "e - 7" not in shown  # typeset as × 10^-7
    # the parameters are listed as the model names them, L0 before L1
    init = steps[0]["text"]
    assert init.index("L0.n0.w0") < init.index("L1.n0.w0")


def test_backward_edge_labels_cover_no_node(browser, pages):  # type: ignore[no-untyped-def]
    # At L's backward step the label of y → L sat on ŷ, which that edge passes.
    _open(browser, pages["regression"])
    steps = browser.execute_script("return window.explorer.steps")
    for i, s in enumerate(steps[:12]):
        if s["phase"] != "backward":
            continue
        _go(browser, i)
        hits = browser.execute_script(
            """
            const svg = document.querySelector('.layout:not([hidden]) svg');
            const box = e => e.getBoundingClientRect();
            const boxes = [...svg.querySelectorAll('g.node, #legend')].map(box);
            const out = [];
            for (const r of [...svg.querySelectorAll('g.elabel rect')].map(box))
              for (const b of boxes)
                if (r.left < b.right && b.left < r.right && r.top < b.bottom && b.top < r.bottom)
                  out.push([r.x, b.x]);
            return [svg.querySelectorAll('g.elabel').length, out];
            """
        )
        assert hits[0] > 0 and hits[1] == [], (s, hits)


def test_the_last_loss_label_stays_inside_the_chart(browser, pages):  # type: ignore[no-untyped-def]
    # "L = 927310.5" at the last batch ran past the chart's right edge.
    _open(browser, pages["regression"])
    n = browser.execute_script("return window.explorer.steps.length")
    for i in (3, n - 1):
        _go(browser, i)
        inside = browser.execute_script(
            """
            const c = document.getElementById('chart').getBoundingClientRect();
            const t = document.getElementById('chart-last').getBoundingClientRect();
            return [t.left >= c.left, t.right <= c.right, t.top >= c.top, t.bottom <= c.bottom];
            """
        )
        assert inside == [True, True, True, True], (i, inside)


def test_descent_page_labels_inside_the_drawing_and_epoch_names_apart(browser, tmp_path):  # type: ignore[no-untyped-def]
    # Ten one-batch epochs: the chart's "epoch 2 … epoch 10" ran into one another, and an edge
    # label set beside x ran off the drawing's left edge.
    path = explore_tutorial("descent").write(tmp_path / "descent")
    _open(browser, path)
    steps = browser.execute_script("return window.explorer.steps.map(s => s.phase)")
    _go(browser, max(i for i, p in enumerate(steps) if p == "backward"))
    result = browser.execute_script(
        """
        const box = e => e.getBoundingClientRect();
        const svg = box(document.querySelector('.layout:not([hidden]) svg'));
        const labels = [...document.querySelectorAll('g.elabel rect')].map(box);
        const out = labels.filter(r => r.left < svg.left || r.right > svg.right);
        const names = [...document.querySelectorAll('#chart .epoch-name')].map(box)
          .sort((a, b) => a.left - b.left);
        let touching = 0;
        for (let i = 1; i < names.length; i++)
          if (names[i].left < names[i - 1].right + 2) touching++;
        return [labels.length, out.length, names.length, touching];
        """
    )
    assert result[0] == 2 and result[1] == 0 and result[2] >= 2 and result[3] == 0, result


def test_an_error_at_batch_3_puts_back_every_value_the_optimizer_moved():
    w = Value(0.3, "w")
    hidden = Value(-0.7, "hidden")  # trained by the optimizer, not listed in params
    for v in (w, hidden):
        v.grad, v.previous = 0.25, 1.5
    opt = Adam([w, hidden], lr=0.1)
    before = [(v.data, v.grad, v.previous) for v in (w, hidden)]
    state = opt.state()
    calls = []

    def build(batch: list[list[Value]]) -> Value:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("batch 3 fails")
        ((x, y),) = batch
        return squared_error(w * x + hidden, y)

    with pytest.raises(RuntimeError, match="batch 3 fails"):
        explore(build, [w], [(1, 2), (2, 3), (3, 4)], opt)
    assert len(calls) == 3
    assert [(v.data, v.grad, v.previous) for v in (w, hidden)] == before
    assert opt.state().keys() == state.keys() and opt.steps == 0
    assert opt.state()["_m"] == state["_m"] and opt.state()["_v"] == state["_v"]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"title": None}, TypeError, "explore: title must be a str, got NoneType: None"),
        ({"columns": "xy"}, TypeError, "explore: columns must be a list of names"),
        ({"columns": ["x", None]}, TypeError, r"explore: columns\[1\] must be a str"),
        ({"epochs": "3"}, TypeError, "explore: epochs must be an int, got str: '3'"),
        ({"batch_size": 1.0}, TypeError, "explore: batch_size must be an int, got float"),
        ({"max_steps": None}, TypeError, "explore: max_steps must be an int, got NoneType"),
        ({"params": 5}, TypeError, "explore: params must be a non-empty list of Values, got int"),
        ({"out": "afile"}, ValueError, "explore: out='afile': afile is a file, not a folder"),
        ({"out": "afile/page"}, ValueError, "out='afile/page': afile is a file, not a folder"),
        ({"out": 3}, TypeError, "explore: out must be a folder path"),
    ],
)
def test_every_argument_is_checked_before_anything_trains(
    tmp_path, monkeypatch, kwargs, error, words
):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("mine")
    w = Value(1.0, "w")
    built = []

    def build(batch: list[list[Value]]) -> Value:
        built.append(1)
        return squared_error(w * batch[0][0], batch[0][1])

    arguments = {"params": [w], **kwargs}
    params = arguments.pop("params")
    with pytest.raises(error, match=words):
        explore(build, params, [(1, 2), (2, 3)], **arguments)
    assert built == [] and (w.data, w.grad, w.previous) == (1.0, 0.0, None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
