"""The live page re-trains at any batch size and with another loss (headless Chromium): the
recorded sample's graph is copied for every row of a batch, on the same one-sample drawing,
and the numbers are `fit`'s; a page Python makes at that batch size shows the same ones."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from micrograd_covid import MLP, Value, explore
from micrograd_covid.data import daily_infections, regression_rows
from micrograd_covid.explore import explore_tutorial
from micrograd_covid.losses import mse, sse

from .test_page_engine import Walkthrough, _fit, _load, close

MINUS = "\u2212"


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from .test_explore import _chrome

    driver = _chrome()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("batches")
    return {
        name: explore_tutorial(name).write(out / name) for name in ("regression", "deep", "moons")
    }


def _retrain(browser, changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    browser.execute_script("window.explorer.reset()")
    page = browser.execute_script("return window.explorer.retrain(arguments[0])", changes)
    settings = browser.execute_script("return window.explorer.settings")
    return page, settings


def _names(model: MLP) -> tuple[str, ...]:
    return tuple(
        f"L{i}.n{j}.{'b' if k is None else f'w{k}'}"
        for i, layer in enumerate(model.layers)
        for j, n in enumerate(layer.neurons)
        for k in [*range(len(n.w)), None if n.b is not None else -1]
        if k != -1
    )


def _fit_walkthrough(
    settings: dict[str, Any], rows: list[list[float]] | None = None
) -> tuple[list[float], dict[str, float]]:
    data = rows or [[float(x) for x in r] for r in regression_rows()]
    return _fit(  # type: ignore[no-any-return]
        Walkthrough(),
        [r[:2] for r in data],
        [r[2] for r in data],
        settings["loss"],
        settings["batch_size"],
        settings,
        ("w1", "w2", "b"),
    )


def _fit_deep(
    settings: dict[str, Any], rows: list[list[float]] | None = None
) -> tuple[list[float], dict[str, float]]:
    if rows is None:
        xs, ys = daily_infections()
        rows = [[*x, y] for x, y in zip(xs, ys)]
    model = MLP(
        2, [4, 1], "tanh", "linear", bias=False, init=settings["init"], seed=settings["seed"]
    )
    xs, ys = [r[:2] for r in rows], [r[2] for r in rows]
    return _fit(model, xs, ys, settings["loss"], settings["batch_size"], settings, _names(model))  # type: ignore[no-any-return]


def _fit_moons(
    settings: dict[str, Any], rows: list[list[float]]
) -> tuple[list[float], dict[str, float]]:
    """fit on the moons page's 2-16-16-1 network; bce trains on the labels 0 and 1."""
    model = MLP(2, [16, 16, 1], "relu", init=settings["init"], seed=settings["seed"])
    ys = [r[2] for r in rows]
    if settings["loss"] == "bce":
        ys = [0.0 if y < 0 else 1.0 for y in ys]
    xs = [r[:2] for r in rows]
    return _fit(model, xs, ys, settings["loss"], settings["batch_size"], settings, _names(model))  # type: ignore[no-any-return]


def _same(page: dict[str, Any], python: tuple[list[float], dict[str, float]], exact: bool) -> None:
    losses, params = python
    assert len(page["losses"]) == len(losses) > 0
    assert set(page["params"]) == set(params)
    if exact:
        assert page["losses"] == losses
        assert page["params"] == params
    assert all(map(close, page["losses"], losses)), (page["losses"][:4], losses[:4])
    assert all(close(page["params"][k], params[k]) for k in params), (page["params"], params)


def _batches(rows: int, size: int | None) -> int:
    size = rows if size is None else min(size, rows)
    return -(-rows // size)


# --- the numbers are fit's ---------------------------------------------------------------

WALKTHROUGH = [
    {"batch_size": 2},
    {"batch_size": 4},  # 6 rows: a short last batch of 2
    {"batch_size": None, "lr": 0.001},
    {"batch_size": 3, "loss": "mse", "optimizer": "momentum", "momentum": 0.5, "lr": 0.01},
    {"batch_size": 1, "loss": "mse", "optimizer": "adam", "lr": 0.1, "epochs": 4},
    {"batch_size": None, "loss": "mse", "lr": 0.01, "epochs": 5},
]


def test_the_walkthrough_retrains_at_any_batch_size_and_loss_bit_for_bit_with_fit(browser, pages):  # type: ignore[no-untyped-def]
    _load(browser, pages["regression"])
    assert browser.execute_script("return window.explorer.settings.loss") == "sse"
    for changes in WALKTHROUGH:
        page, settings = _retrain(browser, changes)
        assert {k: settings[k] for k in changes} == changes
        # only + − × ÷ in the walkthrough's ops: the same floats as Python
        _same(page, _fit_walkthrough(settings), exact=True)
        batches = _batches(6, settings["batch_size"]) * settings["epochs"]
        assert len(page["losses"]) == batches
        steps = browser.execute_script("return window.explorer.steps")
        assert len([s for s in steps if s["phase"] == "update"]) == batches
        # the chart's loss is each batch's loss node, L
        texts = [s["text"] for s in steps if s["phase"] == "loss"]
        for text, loss in zip(texts, page["losses"]):
            assert f"L = {loss:.7g}".replace("-", MINUS) in text or abs(loss) >= 1e6


DEEP = [
    {"batch_size": 1},
    {"batch_size": 2, "optimizer": "adam", "lr": 0.05},
    {"batch_size": 3},  # 4 rows: a short last batch of 1
    {"batch_size": None, "loss": "sse", "lr": 0.002},
    {"batch_size": 2, "loss": "sse", "lr": 0.001, "seed": 3, "init": "glorot"},
]


def test_the_deep_2_4_1_page_retrains_at_any_batch_size_and_loss_to_fits_numbers(browser, pages):  # type: ignore[no-untyped-def]
    _load(browser, pages["deep"])
    assert browser.execute_script("return window.explorer.settings.batch_size") is None
    for changes in DEEP:
        page, settings = _retrain(browser, changes)
        assert {k: settings[k] for k in changes} == changes
        _same(page, _fit_deep(settings), exact=False)


MOONS = [
    {"batch_size": 2, "epochs": 1},
    {"batch_size": 3, "epochs": 1},  # 20 rows: a short last batch of 2
    {"batch_size": None, "epochs": 3},
    {"loss": "bce", "epochs": 1},
    {"loss": "bce", "batch_size": 4, "optimizer": "sgd", "lr": 0.1},
    {"loss": "bce", "batch_size": None, "seed": 5, "init": "glorot", "epochs": 2},
]


def test_the_moons_page_retrains_at_any_batch_size_and_with_bce_to_fits_numbers(browser, pages):  # type: ignore[no-untyped-def]
    _load(browser, pages["moons"])
    rows = browser.execute_script("return window.explorer.rows")
    options = browser.execute_script(
        "return [...document.querySelectorAll('#set-loss option')].map(o => o.value)"
    )
    assert options == ["hinge", "bce"]
    for changes in MOONS:
        page, settings = _retrain(browser, changes)
        assert {k: settings[k] for k in changes} == changes
        _same(page, _fit_moons(settings, rows), exact=False)
    # the rows keep the page's labels; the note says how bce reads them
    assert browser.execute_script("return window.explorer.rows") == rows
    note = browser.execute_script("return document.getElementById('settings-note').textContent")
    assert "bce trains on labels 0 and 1: the rows' \u22121 is 0, 1 is 1 to it." in note


def test_a_batch_size_larger_than_the_rows_is_the_full_batch_as_in_fit(browser, pages):  # type: ignore[no-untyped-def]
    _load(browser, pages["regression"])
    page, settings = _retrain(browser, {"batch_size": 50, "lr": 0.001})
    assert settings["batch_size"] == 50
    full, _ = _retrain(browser, {"batch_size": None, "lr": 0.001})
    assert page == full
    _same(page, _fit_walkthrough(settings), exact=True)


# --- what the page draws is what Python's page of that batch size draws ------------------


def _walkthrough_page(batch_size: int, out: Path) -> Path:
    """The walkthrough made in Python at `batch_size` (its loss, L, the rows' sum)."""
    w1 = Value(-0.017, "w1", role="param")
    w2 = Value(-0.048, "w2", role="param")
    b = Value(0.0, "b", role="param")

    def line(x: list[Value]) -> Value:
        y_hat = Value.dot([w1, w2], x, b)
        y_hat.label, y_hat.role = "ŷ", "model"
        return y_hat

    def build(batch: list[list[Value]]) -> Value:
        loss = sse([line(r[:2]) for r in batch], [r[2] for r in batch])
        loss.label = "L"
        return loss

    rows = regression_rows()
    return explore(
        build, [w1, w2, b], rows, lr=0.05, epochs=1, batch_size=batch_size, model=line, loss="sse"
    ).write(out)


def _deep_page(batch_size: int, out: Path) -> Path:
    xs, ys = daily_infections()
    model = MLP(2, [4, 1], "tanh", "linear", bias=False, init="uniform01", seed=0)

    def build(batch: list[list[Value]]) -> Value:
        loss = mse([model(r[:-1]) for r in batch], [r[-1] for r in batch])  # type: ignore[misc]
        loss.label = "L"
        return loss

    rows = [(*x, y) for x, y in zip(xs, ys)]
    return explore(
        build,
        model.parameters(),
        rows,
        lr=0.02,
        batch_size=batch_size,
        model=model,
        loss="mse",
        init="uniform01",
        seed=0,
    ).write(out)


_NUMBER = re.compile(r"[\u2212-]?\d+(?:\.\d+)?(?:e[+\u2212-]?\d+)?")


def _same_text(a: str, b: str) -> bool:
    """The same words and names, and numbers equal to the 7 digits shown (the last may
    round the other way where JavaScript's tanh is one bit from Python's)."""
    if _NUMBER.sub("#", a) != _NUMBER.sub("#", b):
        return False

    def number(s: str) -> float:
        return float(s.replace(MINUS, "-"))

    return all(
        close(number(x), number(y), 1e-6) for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b))
    )


def _steps(browser) -> list[list[Any]]:  # type: ignore[no-untyped-def]
    return browser.execute_script(  # type: ignore[no-any-return]
        "return window.explorer.steps.map(s => [s.phase, s.epoch, s.batch, s.node, s.text])"
    )


@pytest.mark.parametrize(("page", "size"), [("regression", 2), ("regression", 4), ("deep", 2)])
def test_a_changed_batch_size_shows_the_steps_pythons_page_of_that_size_shows(
    browser, pages, tmp_path, page, size
):  # type: ignore[no-untyped-def]
    made = (_walkthrough_page if page == "regression" else _deep_page)(size, tmp_path / "py")
    _load(browser, made)
    python = _steps(browser)
    _load(browser, pages[page])
    browser.execute_script(
        "window.explorer.retrain(arguments[0])", {"batch_size": size, "epochs": 1}
    )
    mine = _steps(browser)
    # node by node, sample by sample, each step's node and maths with the same numbers
    assert [s[:4] for s in mine] == [s[:4] for s in python]
    differ = [(a, b) for a, b in zip(mine, python) if not _same_text(a[4], b[4])]
    assert differ == []
    if page == "regression":  # + − × ÷ only: the very same text
        assert [s[4] for s in mine] == [s[4] for s in python]


def test_the_moons_at_batch_2_shows_the_steps_pythons_page_of_batch_2_shows(
    browser, pages, tmp_path
):  # type: ignore[no-untyped-def]
    from micrograd_covid.datasets import moons
    from micrograd_covid.explore import MOONS_ROWS
    from micrograd_covid.losses import hinge
    from micrograd_covid.optim import Adam

    model = MLP(2, [16, 16, 1], "relu", "linear", init="he", seed=1)
    xs, ys = moons(MOONS_ROWS, noise=0.1, seed=0)
    rows = [(*x, float(y)) for x, y in zip(xs, ys)]

    def build(batch: list[list[Value]]) -> Value:
        loss = hinge([model(r[:-1]) for r in batch], [r[-1] for r in batch])  # type: ignore[misc]
        loss.label = "L"
        return loss

    params = model.parameters()
    opt = Adam(params, lr=0.05)
    made = explore(
        build, params, rows, opt, batch_size=2, model=model, loss="hinge", init="he", seed=1
    )
    made.write(tmp_path / "py")
    _load(browser, tmp_path / "py" / "index.html")
    python = _steps(browser)
    _load(browser, pages["moons"])
    browser.execute_script("window.explorer.retrain({batch_size: 2, epochs: 1})")
    mine = _steps(browser)
    assert [s[:4] for s in mine] == [s[:4] for s in python]

    # Python's page of two rows has no neuron level (each row's hinge has its own constant
    # 1, so the rows' graphs differ), hence no "as a neuron" lines; the page copies its own
    def nodes_only(text: str) -> str:
        lines = text.split("\n")
        return "\n".join(
            line
            for line in lines
            if "δ" not in line and not line.startswith("As a neuron") and "more weights" not in line
        )

    differ = [
        a[:4] for a, b in zip(mine, python) if not _same_text(nodes_only(a[4]), nodes_only(b[4]))
    ]
    assert differ == []


def test_the_page_says_which_sample_it_shows_and_the_loss_is_the_batchs_sum(browser, pages):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    _load(browser, pages["regression"])
    page = browser.execute_script("return window.explorer.retrain({batch_size: 3, epochs: 1})")
    steps = browser.execute_script("return window.explorer.steps")
    second = next(i for i, s in enumerate(steps) if s["node"] == "ŷ#2")
    browser.execute_script(f"window.explorer.go({second})")
    where = browser.find_element(By.ID, "where").text
    assert "batch 1 of 2" in where and "sample 2 of 3" in where and "node ŷ#2" in where
    # the drawing shows the second sample's names and numbers
    shown = browser.execute_script(
        "return [...document.querySelectorAll('.layout:not([hidden]) [data-node]')]"
        ".map(g => g.getAttribute('data-node'))"
    )
    assert "x1[2]" in shown and "ŷ#2" in shown and "x1[1]" not in shown
    loss = next(i for i, s in enumerate(steps) if s["phase"] == "loss")
    browser.execute_script(f"window.explorer.go({loss})")
    text = steps[loss]["text"]
    assert re.search(r"L = t1 \+ t2 \+ t3 = [\d.]+ \+ [\d.]+ \+ [\d.]+ = ", text), text
    assert text.split("\n")[1].endswith(f"= {page['losses'][0]:.7g}")
    # one drawing: the same boxes as before, none added
    assert (
        browser.execute_script(
            "return document.querySelectorAll('#graph .layout:not([hidden])').length"
        )
        == 1
    )


def test_the_pages_drawings_for_batch_sizes_are_bounded_and_let_go(browser, pages):  # type: ignore[no-untyped-def]
    _load(browser, pages["deep"])
    count = "return document.querySelectorAll('#graph .layout').length"
    recorded = browser.execute_script(count)
    for size in (1, 2, 3, 2, 1, None, 3):
        browser.execute_script("window.explorer.retrain(arguments[0])", {"batch_size": size})
        # at most two drawn here: the batch size's and a shorter last batch's
        assert browser.execute_script(count) <= recorded + 2
    browser.execute_script("window.explorer.reset()")
    assert browser.execute_script(count) == recorded


# --- the controls, the rows and the fragment ---------------------------------------------


def _type(browser, field: str, text: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = browser.find_element(By.ID, field)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(text, Keys.TAB)


@pytest.mark.parametrize(
    ("page", "size", "loss"),
    [("regression", "4", "mse"), ("deep", "1", "sse"), ("moons", "3", "bce")],
)
def test_the_real_controls_change_the_batch_size_and_the_loss(browser, pages, page, size, loss):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _load(browser, pages[page])
    rows = browser.execute_script("return window.explorer.rows")
    _type(browser, "set-batch", size)
    Select(browser.find_element(By.ID, "set-loss")).select_by_value(loss)
    settings = browser.execute_script("return window.explorer.settings")
    assert (settings["batch_size"], settings["loss"]) == (int(size), loss)
    page_run = browser.execute_script("return window.explorer.retrain({})")
    fitted = {"regression": _fit_walkthrough, "deep": _fit_deep}
    python = _fit_moons(settings, rows) if page == "moons" else fitted[page](settings)
    _same(page_run, python, exact=page == "regression")
    assert browser.find_element(By.ID, "settings-note").text.startswith("Re-trained")
    _type(browser, "set-batch", "all")
    assert browser.execute_script("return window.explorer.settings.batch_size") is None


def test_set_rows_takes_another_count_at_batch_2_and_a_click_adds_a_point(browser, pages):  # type: ignore[no-untyped-def]
    from .test_page_engine import _click_plot

    _load(browser, pages["regression"])
    browser.execute_script("window.explorer.retrain({batch_size: 2, lr: 0.001})")
    rows = browser.execute_script("return window.explorer.rows")
    fewer = rows[:5]
    page = browser.execute_script("return window.explorer.setRows(arguments[0])", fewer)
    settings = browser.execute_script("return window.explorer.settings")
    _same(page, _fit_walkthrough(settings, fewer), exact=True)
    assert len(page["losses"]) == 3 * settings["epochs"]  # 2 + 2 + 1
    # the full-batch deep page: a click on a point removes it, and the page re-trains
    _load(browser, pages["deep"])
    rows = browser.execute_script("return window.explorer.rows")
    _click_plot(browser, *rows[1][:2])
    left = browser.execute_script("return window.explorer.rows")
    assert left == rows[:1] + rows[2:]
    settings = browser.execute_script("return window.explorer.settings")
    page = browser.execute_script("return window.explorer.retrain({})")
    _same(page, _fit_deep(settings, left), exact=False)
    # the moons at batch 2: a click elsewhere adds a point of the chosen class
    _load(browser, pages["moons"])
    browser.execute_script("window.explorer.retrain({batch_size: 2, epochs: 1})")
    rows = browser.execute_script("return window.explorer.rows")
    _click_plot(browser, 1.0, -0.8)
    added = browser.execute_script("return window.explorer.rows")
    assert len(added) == 21 and added[:20] == rows
    settings = browser.execute_script("return window.explorer.settings")
    page = browser.execute_script("return window.explorer.retrain({})")
    _same(page, _fit_moons(settings, added), exact=False)
    assert len(page["losses"]) == 11


def test_batch_size_and_loss_go_in_the_fragment_and_come_back(browser, pages):  # type: ignore[no-untyped-def]
    _load(browser, pages["moons"])
    first = browser.execute_script(
        "return window.explorer.retrain({batch_size: 3, loss: 'bce', epochs: 1})"
    )
    browser.execute_script("window.explorer.go(5)")
    fragment = browser.execute_script("return location.hash")
    assert "&batch_size=3" in fragment and "&loss=bce" in fragment
    _load(browser, pages["moons"], fragment)
    settings = browser.execute_script("return window.explorer.settings")
    assert (settings["batch_size"], settings["loss"]) == (3, "bce")
    assert browser.execute_script("return window.explorer.retrain({})") == first
    _load(browser, pages["deep"], "#step=2&batch_size=2")
    assert browser.execute_script("return window.explorer.settings.batch_size") == 2
    _load(browser, pages["regression"], "#step=2&batch_size=2")
    browser.execute_script("location.hash = '#step=2&batch_size=all'")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return window.explorer.settings.batch_size") is None
    )


BAD_SIZE = "batch_size must be a whole number >= 1, or null for every row, got "


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"batch_size": 0}, BAD_SIZE + "0"),
        ({"batch_size": -1}, BAD_SIZE + "-1"),
        ({"batch_size": 2.5}, BAD_SIZE + "2.5"),
        ({"batch_size": "x"}, BAD_SIZE + '"x"'),
        ({"batch_size": True}, BAD_SIZE + "true"),
        ({"loss": "cross_entropy"}, 'loss must be one of mse, sse, got "cross_entropy"'),
        ({"loss": "hinge"}, 'loss must be one of mse, sse, got "hinge"'),
        # a review found these trained (or froze the tab) before any check
        ({"epochs": 50000}, "steps, more than 200000; train fewer epochs"),
        ({"weight_decay": -100}, "weight_decay must be >= 0, got -100"),
        ({"eps": "abc"}, 'eps must be a finite number, got "abc"'),
        ({"eps": 0}, "eps must be > 0, got 0"),
    ],
)
def test_a_bad_batch_size_or_loss_is_named_and_changes_nothing(browser, pages, changes, words):  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import JavascriptException

    _load(browser, pages["regression"])
    browser.execute_script("window.explorer.retrain({batch_size: 2})")
    before = browser.execute_script(
        "return [window.explorer.settings, window.explorer.steps.map(s => s.text)]"
    )
    with pytest.raises(JavascriptException, match=re.escape(words)):
        browser.execute_script("window.explorer.retrain(arguments[0])", changes)
    after = browser.execute_script(
        "return [window.explorer.settings, window.explorer.steps.map(s => s.text)]"
    )
    assert after == before


def test_a_bad_batch_size_typed_in_the_panel_is_named_and_the_field_restored(browser, pages):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    _load(browser, pages["deep"])
    _type(browser, "set-batch", "2.5")
    note = browser.find_element(By.ID, "settings-note").text
    assert note == BAD_SIZE + '"2.5"'
    assert browser.find_element(By.ID, "set-batch").get_attribute("value") == "all"
    assert browser.execute_script("return window.explorer.settings.batch_size") is None


def test_a_copied_drawing_keeps_the_neuron_maps_and_the_z_boxes_numbers(browser, pages):  # type: ignore[no-untyped-def]
    # after a batch-size change the copied layout lost the maps' room and the z boxes' recipe:
    # neuronMap was null and an opened neuron's z box showed its placeholder "= 00000"
    _load(browser, pages["deep"])
    browser.execute_script("window.explorer.reset()")
    before = browser.execute_script("return window.explorer.neuronMap('L0.n1')")
    assert before is not None
    browser.execute_script("window.explorer.retrain({batch_size: 3})")
    steps = browser.execute_script("return window.explorer.steps")
    i = next(i for i, s in enumerate(steps) if s["phase"] == "backward" and s["node"] == "L0.n1#3")
    browser.execute_script(f"window.explorer.go({i})")
    after = browser.execute_script("return window.explorer.neuronMap('L0.n1')")
    assert after is not None and len(after["values"]) == after["grid"] ** 2
    browser.execute_script("window.explorer.open('L0.n1')")
    z = browser.execute_script(
        "const el = [...document.querySelectorAll('[data-node=\"z of L0.n1#3\"]')]"
        ".find(e => e.getBoundingClientRect().width > 0);"
        "return el ? [...el.querySelectorAll('text')].map(t => t.textContent) : null"
    )
    assert z is not None, "no z box for L0.n1#3"
    value = next(t for t in z if t.startswith("= "))
    z_python = 0.4205716 * 7 + 0.2589168 * 4  # L0.n1's first weights · row 3's (7, 4), no bias
    assert "0000" not in value and float(value[2:].replace(MINUS, "-")) == pytest.approx(
        z_python, abs=5e-4
    ), z
    browser.execute_script("window.explorer.close()")


def test_a_fractional_seed_is_named_as_the_seed_even_beside_a_data_change(browser, pages):  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import JavascriptException

    _load(browser, pages["moons"])
    browser.execute_script("window.explorer.reset()")
    with pytest.raises(JavascriptException, match=re.escape("seed must be a whole number")):
        browser.execute_script("window.explorer.retrain({data: 'circles', seed: 1.5})")
    assert browser.execute_script("return window.explorer.settings.seed") == 1


def test_eps_and_weight_decay_go_in_the_fragment(browser, pages):  # type: ignore[no-untyped-def]
    _load(browser, pages["regression"])
    browser.execute_script("window.explorer.reset()")
    browser.execute_script("window.explorer.retrain({weight_decay: 0.01, eps: 1e-6})")
    browser.execute_script("window.explorer.go(3)")
    fragment = browser.execute_script("return location.hash")
    assert "weight_decay=0.01" in fragment and "eps=0.000001" in fragment, fragment
