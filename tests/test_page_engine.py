"""The page's engine (page/engine.js with the op table's JavaScript column), run in node: each
row's rule against its kernel and PyTorch float64, and whole training runs against `fit`."""

from __future__ import annotations

import importlib
import json
import math
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from micrograd_covid import MLP, Value, fit, ops
from micrograd_covid.data import daily_infections, regression_rows
from micrograd_covid.datasets import moons
from micrograd_covid.explore import _js_params, engine_script, program_data, rules_script
from micrograd_covid.nn import Module
from micrograd_covid.optim import SGD, Adam, Optimizer
from micrograd_covid.train import DivergenceError

from .test_op_table import _torch

ROWS = [row for row in ops.TABLE.values() if row.javascript is not None]
_EXPLORE = importlib.import_module("micrograd_covid.explore")
PYRANDOM = (Path(str(_EXPLORE.__file__)).parent / "page" / "pyrandom.js").read_text(
    encoding="utf-8"
)
#: Rows whose kernel is only + − × ÷ and comparisons: the page gives the same floats.
EXACT = {"+", "-", "*", "/", "squared_error", "neg", "relu", "abs", "leaky_relu", "sum", "mean"}
EXACT |= {"max"}

#: pyrandom.js loaded as a CommonJS module: PY.mlpInit, PY.PyRandom
_PRELUDE = (
    f"var PY = (function (module) {{ {PYRANDOM}\nreturn module.exports; }})({{ exports: {{}} }});\n"
)
_DRIVER = """
var input = JSON.parse(require("fs").readFileSync(0, "utf8"));
var out;
if (input.rows) {
  out = input.rows.map(function (c) { return MGEngine.apply(c.name, c.x, c.p); });
} else {
  out = input.runs.map(function (r) {
    var init = r.mlp ? PY.mlpInit(r.mlp.nin, r.mlp.nouts, r.mlp) : undefined;
    var t = MGEngine.train(r.program, r.settings, init);
    return { losses: t.losses, params: t.params, stopped: t.stopped };
  });
}
process.stdout.write(JSON.stringify(out));
"""


def run_node(payload: dict[str, Any]) -> Any:
    """The engine script and a small driver in node: `payload` in as JSON, results out."""
    node = shutil.which("node")
    assert node is not None, "node is needed to run the page's engine"
    done = subprocess.run(
        [node, "-e", _PRELUDE + engine_script() + _DRIVER],
        input=json.dumps(payload, allow_nan=False),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout, parse_int=float)  # JS writes 1e21 - 1 as digits


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


# --- every row of the table --------------------------------------------------------------


@pytest.fixture(scope="module")
def js_rows() -> dict[tuple[str, tuple[float, ...]], Any]:
    """Every row at every point of the row, through its JavaScript rule (one node run)."""
    cases = [
        {"name": row.name, "x": list(point), "p": _js_params(row.params)}
        for row in ROWS
        for point in row.points
    ]
    results = run_node({"rows": cases})
    return {(c["name"], tuple(c["x"])): r for c, r in zip(cases, results)}


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_every_rows_javascript_gives_the_kernels_value_and_partials(row, js_rows, torch):  # type: ignore[no-untyped-def]
    for point in row.points:
        value, partials = js_rows[row.name, point]
        want_value, want_partials = row.kernel(point, *row.params)
        assert len(partials) == len(point)
        if row.name in EXACT:
            assert value == want_value, (row.name, point)
            assert partials == list(want_partials), (row.name, point)
        else:
            assert close(value, want_value), (row.name, point, value, want_value)
            assert all(map(close, partials, want_partials)), (row.name, point, partials)
        torch_value, torch_grads = _torch(torch, row, point)
        assert close(value, torch_value, 1e-12), (row.name, point)
        if not row.stops_gradient:
            assert all(close(a, b, 1e-12) for a, b in zip(partials, torch_grads)), (row.name, point)


def test_every_row_of_the_table_has_a_javascript_rule():
    missing = [row.name for row in ops.TABLE.values() if row.javascript is None]
    assert missing == []


def test_a_dot_with_a_relu_that_is_off_gives_all_zero_partials_in_the_page():
    row = ops.TABLE["tanh(dot)"]
    (value, partials), (on_value, on_partials) = run_node(
        {
            "rows": [
                {
                    "name": row.name,
                    "x": [1.0, -2.0, 1.0, 1.0, 0.5],
                    "p": [2, None, None, "input", "relu"],
                },
                {
                    "name": row.name,
                    "x": [1.0, 2.0, 1.0, 1.0, 0.5],
                    "p": [2, None, None, "input", "relu"],
                },
            ]
        }
    )
    assert (value, partials) == (0.0, [0.0] * 5)
    want = ops.dot((1.0, 2.0, 1.0, 1.0, 0.5), 2, None, None, ops.BIAS_INPUT, ops.relu)
    assert (on_value, on_partials) == (want[0], list(want[1]))


def test_the_rules_script_is_the_tables_own_source_keyed_by_json_names():
    script = rules_script()
    for row in ROWS:
        assert f"{json.dumps(row.name)}: {row.javascript}" in script


# --- training, against fit ---------------------------------------------------------------


class Walkthrough(Module):
    """The regression walkthrough's model: ŷ = w1·x1 + w2·x2 + b, one dot node."""

    def __init__(self) -> None:
        self.w1 = Value(-0.017, "w1", role="param")
        self.w2 = Value(-0.048, "w2", role="param")
        self.b = Value(0.0, "b", role="param")

    def parameters(self) -> list[Value]:
        return [self.w1, self.w2, self.b]

    def __call__(self, x):  # type: ignore[no-untyped-def]
        return Value.dot([self.w1, self.w2], x, self.b)


def _walkthrough(seed: int) -> tuple[Module, list[list[float]], list[float], str]:
    rows = regression_rows()
    return (
        Walkthrough(),
        [[float(r[0]), float(r[1])] for r in rows],
        [float(r[2]) for r in rows],
        "sse",
    )


def _deep(seed: int) -> tuple[Module, list[list[float]], list[float], str]:
    xs, ys = daily_infections()
    return MLP(2, [4, 1], "tanh", "linear", bias=False, init="uniform01", seed=seed), xs, ys, "mse"


def _moons_mlp(seed: int) -> tuple[Module, list[list[float]], list[float], str]:
    xs, ys = moons(12, seed=3)
    model = MLP(2, [3, 3, 1], "relu", "tanh", seed=seed)
    return model, xs, [float(y) for y in ys], "mse"


MODELS = {"walkthrough": _walkthrough, "deep 2-4-1": _deep, "2-3-3-1 relu": _moons_mlp}
#: (optimizer, lr, momentum, betas, batch_size, epochs, seed)
SETTINGS = [
    ("sgd", 0.05, 0.0, None, 1, 3, 0),
    ("momentum", 0.01, 0.9, None, 2, 4, 1),
    ("adam", 0.1, 0.0, (0.9, 0.999), None, 5, 2),
    ("adam", 0.01, 0.0, (0.8, 0.99), 3, 2, 3),
    ("sgd", 0.002, 0.0, None, None, 6, 4),
    ("momentum", 0.03, 0.5, None, 1, 2, 5),
]


def _optimizer(params: list[Value], kind: str, lr: float, momentum: float, betas: Any) -> Optimizer:
    if kind == "adam":
        return Adam(params, lr, betas=betas)
    return SGD(params, lr, momentum=momentum)


def _python(
    name: str, setting: tuple[Any, ...]
) -> tuple[dict[str, Any], list[float], list[float], bool]:
    """The program and settings for the page, and what fit gives: losses, final parameters
    (those that gave the last finite loss when it diverges) and whether it diverged."""
    kind, lr, momentum, betas, batch_size, epochs, seed = setting
    model, xs, ys, loss = MODELS[name](seed)
    params = model.parameters()
    program = program_data(model, params, xs, ys, loss)
    losses: list[float] = []
    diverged = False
    try:
        fit(
            model,
            xs,
            ys,
            loss=loss,
            optimizer=_optimizer(params, kind, lr, momentum, betas),
            epochs=epochs,
            batch_size=batch_size,
            callback=lambda epoch, step, value: losses.append(value),
        )
    except DivergenceError:
        diverged = True
    settings = {
        "lr": lr,
        "optimizer": kind,
        "momentum": momentum,
        "betas": betas,
        "batch_size": batch_size,
        "epochs": epochs,
    }
    return {"program": program, "settings": settings}, losses, [p.data for p in params], diverged


CASES = [(name, s) for name in MODELS for s in SETTINGS]


@pytest.fixture(scope="module")
def trained() -> list[tuple[Any, Any]]:
    """Every case through fit and through the page's engine (one node run)."""
    pythons = [_python(name, s) for name, s in CASES]
    pages = run_node({"runs": [p[0] for p in pythons]})
    return list(zip(pythons, pages))


@pytest.mark.parametrize(
    "i", range(len(CASES)), ids=[f"{n} {s[0]} lr={s[1]} bs={s[4]}" for n, s in CASES]
)
def test_the_page_trains_to_fits_losses_and_parameters(i, trained):  # type: ignore[no-untyped-def]
    (_, losses, params, diverged), page = trained[i]
    assert len(page["losses"]) == len(losses)
    assert len(losses) > 0
    assert all(map(close, page["losses"], losses)), (page["losses"], losses)
    assert all(map(close, page["params"], params)), (page["params"], params)
    assert (page["stopped"] is not None) == diverged


def test_the_walkthrough_in_the_page_is_fit_bit_for_bit(trained):  # type: ignore[no-untyped-def]
    for (name, _), ((_, losses, params, _), page) in zip(CASES, trained):
        if name == "walkthrough":
            assert page["losses"] == losses
            assert page["params"] == params


def test_at_a_learning_rate_of_half_the_walkthrough_diverges_in_the_page_where_fit_does():
    payload, losses, params, diverged = _python("walkthrough", ("sgd", 0.5, 0.0, None, 1, 60, 0))
    (page,) = run_node({"runs": [payload]})
    assert diverged
    assert page["stopped"].startswith("stopped at epoch ")
    assert page["losses"] == losses
    assert page["params"] == params


def test_the_program_is_data_and_names_parameters_by_display_name():
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[0].w[0].label = "</script><script>alert(1)</script>"
    xs, ys = daily_infections()
    program = program_data(model, model.parameters(), xs, ys)
    text = json.dumps(program)
    assert "function" not in text
    assert len(program["params"]) == len(model.parameters()) == len(program["init"])
    assert all(node[0] in ops.TABLE for node in program["nodes"])
    assert program["mean"] is True and len(program["rows"]) == len(xs)


def test_a_loss_the_page_cannot_replay_is_refused_naming_it():
    model = MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="explore: unknown loss 'nope'"):
        program_data(model, model.parameters(), [[1.0, 2.0]], [1.0], "nope")
    assert math.isfinite(model.parameters()[0].data)


@pytest.mark.parametrize(
    ("init", "seed", "activation"),
    [("uniform01", 1, "tanh"), ("glorot", 7, "tanh"), ("he", 3, "relu"), (None, 11, "tanh")],
)
def test_the_page_draws_an_mlps_initial_weights_as_python_and_trains_to_fits_numbers(
    init, seed, activation
):  # type: ignore[no-untyped-def]
    xs, ys = daily_infections()
    model = MLP(2, [4, 1], activation, "linear", init=init, seed=seed)
    program = program_data(model, model.parameters(), xs, ys)
    program["init"] = [0.0] * len(program["init"])  # the page draws them itself
    losses: list[float] = []
    fit(
        model,
        xs,
        ys,
        optimizer=Adam(model.parameters(), 0.05),
        epochs=4,
        batch_size=2,
        callback=lambda epoch, step, value: losses.append(value),
    )
    settings = {
        "lr": 0.05,
        "optimizer": "adam",
        "betas": [0.9, 0.999],
        "batch_size": 2,
        "epochs": 4,
    }
    mlp = {
        "nin": 2,
        "nouts": [4, 1],
        "seed": seed,
        "init": init,
        "activation": activation,
        "output_activation": "linear",
        "bias": True,
    }
    (page,) = run_node({"runs": [{"program": program, "settings": settings, "mlp": mlp}]})
    assert all(map(close, page["losses"], losses)) and len(page["losses"]) == len(losses) == 8
    assert all(map(close, page["params"], [p.data for p in model.parameters()]))


# --- the page re-trains, in headless Chromium ---------------------------------------------


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from .test_explore import _chrome

    driver = _chrome()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def live_pages(tmp_path_factory):  # type: ignore[no-untyped-def]
    from micrograd_covid.explore import explore_tutorial

    out = tmp_path_factory.mktemp("live")
    return {name: explore_tutorial(name).write(out / name) for name in ("regression", "deep")}


def _load(driver, path: Path, fragment: str = "") -> None:  # type: ignore[no-untyped-def]
    from .test_explore import _open

    _open(driver, path)
    if fragment:  # a fresh load (the same page with a new fragment would not reload)
        driver.get("about:blank")
        driver.get(path.as_uri() + fragment)
    assert driver.execute_script("return typeof window.explorer.retrain") == "function"


def _fit_walkthrough(
    settings: dict[str, Any], rows: list[list[float]] | None = None
) -> tuple[list[float], dict[str, float]]:
    """fit on the walkthrough's model, data (or `rows`) and batches of one row."""
    model = Walkthrough()
    data = rows or [[float(x) for x in r] for r in regression_rows()]
    return _fit(
        model, [r[:2] for r in data], [r[2] for r in data], "sse", 1, settings, ("w1", "w2", "b")
    )


def _fit_deep(settings: dict[str, Any]) -> tuple[list[float], dict[str, float]]:
    xs, ys = daily_infections()
    model = MLP(
        2,
        [4, 1],
        "tanh",
        "linear",
        bias=False,
        init=settings.get("init", "uniform01"),
        seed=settings.get("seed", 0),
    )
    names = [f"L{i}.n{j}.w{k}" for i, j, k in ((0, n, k) for n in range(4) for k in range(2))]
    names += [f"L1.n0.w{k}" for k in range(4)]
    return _fit(model, xs, ys, "mse", None, settings, tuple(names))


def _fit(model, xs, ys, loss, batch_size, settings, names):  # type: ignore[no-untyped-def]
    params = model.parameters()
    kind = settings.get("optimizer", "sgd")
    lr = settings["lr"]
    if kind == "adam":
        opt: Optimizer = Adam(params, lr, betas=tuple(settings.get("betas", (0.9, 0.999))))
    else:
        opt = SGD(params, lr, momentum=settings.get("momentum", 0.9) if kind == "momentum" else 0.0)
    losses: list[float] = []
    fit(
        model,
        xs,
        ys,
        loss=loss,
        optimizer=opt,
        epochs=settings.get("epochs", 3),
        batch_size=batch_size,
        callback=lambda epoch, step, value: losses.append(value),
    )
    return losses, {name: p.data for name, p in zip(names, params)}


def _same_run(page: dict[str, Any], python: tuple[list[float], dict[str, float]]) -> None:
    losses, params = python
    assert len(page["losses"]) == len(losses) > 0
    assert all(map(close, page["losses"], losses)), (page["losses"], losses)
    assert set(page["params"]) == set(params)
    assert all(close(page["params"][k], params[k]) for k in params), (page["params"], params)


WALKTHROUGH_SETTINGS = [
    {"lr": 0.01},
    {"lr": 0.02, "optimizer": "momentum", "momentum": 0.5, "epochs": 2},
    {"lr": 0.1, "optimizer": "adam", "betas": [0.9, 0.999], "epochs": 4},
    {"lr": 0.3, "optimizer": "adam", "betas": [0.5, 0.9], "epochs": 1},
    {"lr": 0.005, "optimizer": "sgd", "epochs": 5},
]


def test_the_walkthrough_page_retrains_to_fits_numbers(browser, live_pages):  # type: ignore[no-untyped-def]
    _load(browser, live_pages["regression"])
    for changes in WALKTHROUGH_SETTINGS:
        page = browser.execute_script("return window.explorer.retrain(arguments[0])", changes)
        settings = browser.execute_script("return window.explorer.settings")
        assert {k: settings[k] for k in changes} == changes
        _same_run(page, _fit_walkthrough(settings))
        steps = browser.execute_script("return window.explorer.steps.length")
        # init, then per batch: feed, forward ŷ, the loss, backward L and ŷ, update
        assert steps == 1 + len(page["losses"]) * 6
        # the steps read the new numbers: the last loss step's text has the last loss
        text = browser.execute_script(
            "const s = window.explorer.steps; for (let i = s.length - 1; i >= 0; i--)"
            " if (s[i].phase === 'loss') return s[i].text;"
        )
        last = page["losses"][-1]
        assert 1e-3 < abs(last) < 1e6  # where 7 significant digits are plain decimals
        assert f"L = {last:.7g}".replace("-", "\u2212") in text


DEEP_SETTINGS = [
    {"lr": 0.01, "epochs": 4},
    {"lr": 0.05, "optimizer": "adam", "betas": [0.9, 0.999]},
    {"lr": 0.01, "optimizer": "momentum", "momentum": 0.9, "epochs": 5},
    {"lr": 0.02, "seed": 3},
    {"lr": 0.02, "init": "glorot", "seed": 5, "optimizer": "adam", "betas": [0.8, 0.99]},
]


def test_the_deep_2_4_1_page_retrains_to_fits_numbers_also_from_new_initial_weights(
    browser, live_pages
):  # type: ignore[no-untyped-def]
    _load(browser, live_pages["deep"])
    for changes in DEEP_SETTINGS:
        browser.execute_script("window.explorer.reset()")
        page = browser.execute_script("return window.explorer.retrain(arguments[0])", changes)
        settings = browser.execute_script("return window.explorer.settings")
        _same_run(page, _fit_deep(settings))


def test_the_real_controls_retrain_typing_eta_and_choosing_adam(browser, live_pages):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    _load(browser, live_pages["regression"])
    lr = browser.find_element(By.ID, "set-lr")
    lr.send_keys(Keys.CONTROL, "a")
    lr.send_keys("0.5", Keys.TAB)
    assert browser.execute_script("return window.explorer.settings.lr") == 0.5
    page = browser.execute_script("return window.explorer.retrain({})")
    _same_run(page, _fit_walkthrough({"lr": 0.5}))
    assert page["losses"][-1] > 1e6  # it diverges
    Select(browser.find_element(By.ID, "set-optimizer")).select_by_value("adam")
    settings = browser.execute_script("return window.explorer.settings")
    assert settings["optimizer"] == "adam"
    page = browser.execute_script("return window.explorer.retrain({})")
    _same_run(page, _fit_walkthrough(settings))
    assert page["losses"][-1] < page["losses"][0]  # and Adam brings it down
    update = browser.execute_script(
        "const s = window.explorer.steps; return s[s.length - 1].text.split('\\n')[0]"
    )
    assert update.startswith("Update (Adam, learning rate 0.5)")
    note = browser.find_element(By.ID, "settings-note").text
    assert note.startswith("Re-trained")
    assert browser.find_element(By.ID, "set-beta1").is_displayed()
    assert not browser.find_element(By.ID, "set-momentum").is_displayed()


def test_the_url_fragment_reproduces_the_run(browser, live_pages):  # type: ignore[no-untyped-def]
    _load(browser, live_pages["regression"])
    changes = {"lr": 0.02, "optimizer": "momentum", "momentum": 0.5, "epochs": 2}
    first = browser.execute_script("return window.explorer.retrain(arguments[0])", changes)
    browser.execute_script("window.explorer.go(10)")
    fragment = browser.execute_script("return location.hash")
    assert fragment.startswith("#step=11&")
    _load(browser, live_pages["regression"], fragment)
    assert browser.execute_script("return window.explorer.current") == 10
    settings = browser.execute_script("return window.explorer.settings")
    assert {k: settings[k] for k in changes} == changes
    again = browser.execute_script("return window.explorer.retrain({})")
    assert again == first
    # a fragment edited in place re-trains too; removing a setting goes back to the recorded one
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_script("location.hash = '#step=3&lr=0.01'")
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script("return window.explorer.settings.lr") == 0.01
    )
    settings = browser.execute_script("return window.explorer.settings")
    assert (settings["lr"], settings["optimizer"], settings["epochs"]) == (0.01, "sgd", 3)
    assert browser.execute_script("return window.explorer.current") == 2


def test_a_bad_setting_is_named_and_changes_nothing(browser, live_pages):  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import JavascriptException

    _load(browser, live_pages["regression"])
    before = browser.execute_script(
        "return [window.explorer.settings, window.explorer.steps.length]"
    )
    for changes, words in [
        ({"lr": -1}, "lr must be > 0"),
        ({"optimizer": "<b>x</b>"}, "optimizer must be sgd, momentum or adam"),
        ({"batch_size": 0}, "batch_size must be a whole number >= 1"),
        ({"nope": 1}, 'unknown setting "nope"'),
        ({"seed": 4}, "weights were given"),
    ]:
        with pytest.raises(JavascriptException, match=words):
            browser.execute_script("window.explorer.retrain(arguments[0])", changes)
    after = browser.execute_script(
        "return [window.explorer.settings, window.explorer.steps.length]"
    )
    assert after == before


def test_a_link_with_hostile_settings_trains_nothing_and_says_so_as_text(browser, live_pages):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    _load(
        browser,
        live_pages["regression"],
        "#step=2&optimizer=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    )
    assert browser.execute_script("return window.explorer.settings.optimizer") == "sgd"
    note = browser.find_element(By.ID, "settings-note")
    assert "optimizer must be sgd, momentum or adam" in note.text
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0


def test_set_rows_retrains_on_the_new_data(browser, live_pages):  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import JavascriptException

    _load(browser, live_pages["regression"])
    rows = browser.execute_script("return window.explorer.rows")
    rows[1][2] = 3.0
    page = browser.execute_script("return window.explorer.setRows(arguments[0])", rows)
    _same_run(page, _fit_walkthrough({"lr": 0.05}, rows))
    assert browser.execute_script("return window.explorer.rows") == rows
    # batches of one row all have the one-sample drawing: any number of rows re-trains
    page = browser.execute_script("return window.explorer.setRows(arguments[0])", rows[:3])
    _same_run(page, _fit_walkthrough({"lr": 0.05}, rows[:3]))
    assert browser.execute_script("return window.explorer.steps.length") == 1 + 9 * 6
    with pytest.raises(JavascriptException, match="give at least one row"):
        browser.execute_script("window.explorer.setRows(arguments[0])", [])
    # the deep net's full batch is drawn for one sample too: any number of rows re-trains
    _load(browser, live_pages["deep"])
    rows = browser.execute_script("return window.explorer.rows")
    page = browser.execute_script("return window.explorer.setRows(arguments[0])", rows[:3])
    assert len(page["losses"]) == 3
    assert browser.execute_script("return window.explorer.rows") == rows[:3]


def test_a_free_form_page_plays_back_and_says_why_its_settings_are_fixed(browser, tmp_path):  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import JavascriptException
    from selenium.webdriver.common.by import By

    from micrograd_covid import explore

    w = Value(0.5, "w", role="param")

    def build(batch):  # type: ignore[no-untyped-def]
        x, y = batch[0]
        return (w * x - y) ** 2

    path = explore(build, [w], [(1.0, 2.0), (2.0, 3.0)], epochs=2).write(tmp_path / "free")
    _load(browser, path)
    assert "free-form build(batch)" in browser.find_element(By.ID, "settings-note").text
    assert not browser.find_element(By.ID, "set-lr").is_displayed()
    with pytest.raises(JavascriptException, match="free-form"):
        browser.execute_script("window.explorer.retrain({lr: 0.1})")


def test_a_hostile_parameter_label_stays_text_in_a_live_page(browser, tmp_path):  # type: ignore[no-untyped-def]
    from micrograd_covid import explore, mse

    model = MLP(2, [2, 1], seed=0)
    hostile = '</script><img src=x onerror="window.pwned=1">'
    model.layers[0].neurons[0].w[0].label = hostile
    xs, ys = daily_infections()
    rows = [(*x, y) for x, y in zip(xs, ys)]

    def build(batch):  # type: ignore[no-untyped-def]
        return mse([model(r[:-1]) for r in batch], [r[-1] for r in batch])

    path = explore(
        build, model.parameters(), rows, lr=0.001, batch_size=None, model=model, loss="mse"
    ).write(tmp_path / "hostile")
    _load(browser, path)
    page = browser.execute_script("return window.explorer.retrain({lr: 0.002})")
    assert any("img" in name for name in page["params"])
    # the compiled program's comment names it too, as text in the code view
    first = browser.execute_script(
        "return window.explorer.steps.findIndex(s => s.phase === 'forward')"
    )
    browser.execute_script(f"window.explorer.open('L0.n0'); window.explorer.go({first})")
    code = browser.execute_script(
        "return document.getElementById('code-forward').textContent"
        " + document.getElementById('code-where').textContent"
    )
    assert hostile in code
    assert browser.execute_script(
        "return [window.pwned, document.querySelectorAll('img').length]"
    ) == [None, 0]


CLASSIFIERS = [
    ("hinge", (-1.0, 1.0), [2, 4, 4, 1], "relu", 0, ("sgd", 0.05, 0.0, None, 4, 3, 0)),
    ("hinge", (-1.0, 1.0), [2, 16, 16, 1], "relu", 1, ("adam", 0.01, 0.0, (0.9, 0.999), 10, 2, 0)),
    ("bce", (0.0, 1.0), [2, 4, 1], "tanh", 2, ("momentum", 0.1, 0.9, None, 5, 3, 0)),
    ("bce", (0.0, 1.0), [2, 8, 1], "relu", 3, ("sgd", 0.2, 0.0, None, None, 4, 0)),
]


@pytest.mark.parametrize(("loss", "labels", "sizes", "activation", "seed", "setting"), CLASSIFIERS)
def test_the_page_trains_a_moons_classifier_to_fits_numbers(
    loss, labels, sizes, activation, seed, setting
):  # type: ignore[no-untyped-def]
    kind, lr, momentum, betas, batch_size, epochs, _ = setting
    xs, ys = moons(40, seed=seed, labels="pm1" if labels[0] < 0 else "01")
    targets = [float(y) for y in ys]
    model = MLP(sizes[0], sizes[1:], activation, "linear", seed=seed)
    params = model.parameters()
    program = program_data(model, params, xs, targets, loss)
    assert program["targets"] == list(labels)
    losses: list[float] = []
    fit(
        model,
        xs,
        targets,
        loss=loss,
        optimizer=_optimizer(params, kind, lr, momentum, betas),
        epochs=epochs,
        batch_size=batch_size,
        callback=lambda epoch, step, value: losses.append(value),
    )
    settings = {
        "lr": lr,
        "optimizer": kind,
        "momentum": momentum,
        "betas": betas,
        "batch_size": batch_size,
        "epochs": epochs,
    }
    (page,) = run_node({"runs": [{"program": program, "settings": settings}]})
    assert len(page["losses"]) == len(losses) > 0
    assert all(map(close, page["losses"], losses)), (page["losses"][:3], losses[:3])
    assert all(map(close, page["params"], [p.data for p in params]))


def test_a_moons_classifier_page_retrains_to_fits_numbers_and_keeps_labels(browser, tmp_path):  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import JavascriptException

    from micrograd_covid import explore
    from micrograd_covid.losses import hinge

    xs, ys = moons(12, seed=4)
    rows = [(*x, float(y)) for x, y in zip(xs, ys)]
    model = MLP(2, [4, 4, 1], "relu", seed=2)

    def build(batch):  # type: ignore[no-untyped-def]
        return hinge([model(r[:-1]) for r in batch], [r[-1] for r in batch])

    page_path = explore(
        build,
        model.parameters(),
        rows,
        lr=0.05,
        epochs=2,
        batch_size=4,
        model=model,
        loss="hinge",
        seed=2,
    ).write(tmp_path / "moons")
    _load(browser, page_path)
    changes = {"optimizer": "adam", "lr": 0.02, "epochs": 3, "seed": 5, "init": "he"}
    page = browser.execute_script("return window.explorer.retrain(arguments[0])", changes)
    python = MLP(2, [4, 4, 1], "relu", init="he", seed=5)
    losses: list[float] = []
    fit(
        python,
        [list(x) for x in xs],
        [float(y) for y in ys],
        loss="hinge",
        optimizer=Adam(python.parameters(), 0.02),
        epochs=3,
        batch_size=4,
        callback=lambda epoch, step, value: losses.append(value),
    )
    assert all(map(close, page["losses"], losses)) and len(losses) == 9
    want = {
        f"L{i}.n{j}.{'b' if k is None else f'w{k}'}": (n.b if k is None else n.w[k]).data
        for i, layer in enumerate(python.layers)
        for j, n in enumerate(layer.neurons)
        for k in [*range(len(n.w)), None]
    }
    assert set(page["params"]) == set(want)
    assert all(close(page["params"][name], want[name]) for name in want)
    bad = [list(r) for r in rows]
    bad[0][2] = 0.5
    with pytest.raises(JavascriptException, match="class label, -1 or 1, got 0.5"):
        browser.execute_script("window.explorer.setRows(arguments[0])", bad)


def test_a_model_and_loss_that_are_not_builds_are_refused_and_the_parameters_kept():
    from micrograd_covid import explore, mse

    model = MLP(2, [2, 1], seed=0)
    before = [p.data for p in model.parameters()]
    xs, ys = daily_infections()
    rows = [(*x, y) for x, y in zip(xs, ys)]

    def build(batch):  # type: ignore[no-untyped-def]
        return mse([model(r[:-1]) for r in batch], [r[-1] for r in batch])

    with pytest.raises(ValueError, match="model= and loss= give .* build gave"):
        explore(build, model.parameters(), rows, model=model, loss="sse", batch_size=2)
    assert [p.data for p in model.parameters()] == before
    with pytest.raises(
        ValueError, match="explore: loss must be one of mse, sse, hinge, bce, cross_entropy"
    ):
        explore(build, model.parameters(), rows, model=model, loss="l1")
    with pytest.raises(TypeError, match="explore: model must be a function"):
        explore(build, model.parameters(), rows, model=3, loss="mse")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="explore: init must be one of"):
        explore(build, model.parameters(), rows, model=model, loss="mse", init="nope")
    assert [p.data for p in model.parameters()] == before


def _page_data(html: str) -> dict[str, Any]:
    import re

    found = re.search(
        r'<script id="explore-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found is not None
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def test_a_page_whose_optimizer_moves_other_parameters_is_a_recording_that_says_why():
    from micrograd_covid import explore, mse

    model = MLP(2, [2, 1], seed=0)
    extra = Value(1.0, "extra", role="param")
    xs, ys = daily_infections()
    rows = [(*x, y) for x, y in zip(xs, ys)]

    def build(batch):  # type: ignore[no-untyped-def]
        return mse([model(r[:-1]) for r in batch], [r[-1] for r in batch])

    opt = SGD([*model.parameters(), extra], 0.001)
    data = _page_data(explore(build, model.parameters(), rows, opt, model=model, loss="mse").html)
    assert data["live"] is None
    assert data["fixed"] == "its optimizer updates other parameters than the page's params"
    data = _page_data(explore(build, model.parameters(), rows, model=model, loss="mse").html)
    assert data["fixed"] is None and data["live"]["settings"]["lr"] == 0.05


def test_a_page_whose_last_batch_is_shorter_retrains_each_batch_on_its_own_layout(
    browser, tmp_path
):  # type: ignore[no-untyped-def]
    from micrograd_covid import explore, mse

    xs, ys = moons(7, seed=1)
    rows = [(*x, float(y)) for x, y in zip(xs, ys)]
    model = MLP(2, [3, 1], seed=4)

    def build(batch):  # type: ignore[no-untyped-def]
        return mse([model(r[:-1]) for r in batch], [r[-1] for r in batch])

    path = explore(
        build,
        model.parameters(),
        rows,
        lr=0.1,
        epochs=2,
        batch_size=3,
        model=model,
        loss="mse",
        seed=4,
    ).write(tmp_path / "uneven")
    _load(browser, path)
    page = browser.execute_script(
        "return window.explorer.retrain({optimizer: 'momentum', momentum: 0.8})"
    )
    python = MLP(2, [3, 1], seed=4)
    losses: list[float] = []
    fit(
        python,
        [list(x) for x in xs],
        [float(y) for y in ys],
        optimizer=SGD(python.parameters(), 0.1, momentum=0.8),
        epochs=2,
        batch_size=3,
        callback=lambda epoch, step, value: losses.append(value),
    )
    assert len(losses) == 6 and all(map(close, page["losses"], losses))
    # the steps' numbers: each loss step reads its batch's re-trained loss
    texts = browser.execute_script(
        "return window.explorer.steps.filter(s => s.phase === 'loss').map(s => s.text)"
    )
    assert len(texts) == 6
    for text, loss in zip(texts, losses):
        assert f"{loss:.7g}".replace("-", "\u2212") in text


# --- the moons page -------------------------------------------------------------------------


def _fit_moons(
    settings: dict[str, Any], rows: list[list[float]]
) -> tuple[list[float], dict[str, float]]:
    """fit on the moons page's 2-16-16-1 ReLU network, `rows`, hinge loss, batches of one."""
    model = MLP(2, [16, 16, 1], "relu", init=settings["init"], seed=settings["seed"])
    names = tuple(
        f"L{i}.n{j}.{'b' if k is None else f'w{k}'}"
        for i, layer in enumerate(model.layers)
        for j, n in enumerate(layer.neurons)
        for k in [*range(len(n.w)), None]
    )
    xs, ys = [r[:2] for r in rows], [r[2] for r in rows]
    return _fit(model, xs, ys, "hinge", settings["batch_size"], settings, names)


@pytest.fixture(scope="module")
def moons_page(tmp_path_factory):  # type: ignore[no-untyped-def]
    from micrograd_covid.cli import main

    out = tmp_path_factory.mktemp("moons")
    assert main(["explore", "moons", "--out", str(out)]) == 0
    return out / "index.html"


def test_explore_moons_writes_a_live_2_16_16_1_classifier_page_of_fits_numbers(browser, moons_page):  # type: ignore[no-untyped-def]
    assert moons_page.stat().st_size < 5_000_000
    _load(browser, moons_page)
    settings = browser.execute_script("return window.explorer.settings")
    assert (settings["loss"], settings["optimizer"], settings["batch_size"]) == ("hinge", "adam", 1)
    rows = browser.execute_script("return window.explorer.rows")
    assert len(rows) == 20 and {r[2] for r in rows} == {-1.0, 1.0}
    page = browser.execute_script("return window.explorer.retrain({})")
    _same_run(page, _fit_moons(settings, rows))
    for changes in ({"optimizer": "sgd", "lr": 0.02, "epochs": 1}, {"seed": 7, "init": "glorot"}):
        page = browser.execute_script("return window.explorer.retrain(arguments[0])", changes)
        settings = browser.execute_script("return window.explorer.settings")
        _same_run(page, _fit_moons(settings, rows))


def _click_plot(browser, x1: float, x2: float) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    plot = browser.find_element(By.ID, "plot")
    browser.execute_script("arguments[0].scrollIntoView()", plot)
    px, py = browser.execute_script(
        "return window.explorer.plotPoint(arguments[0], arguments[1])", x1, x2
    )
    size = plot.size  # selenium's offsets are from the element's centre
    ActionChains(browser).move_to_element_with_offset(
        plot, round(px - size["width"] / 2), round(py - size["height"] / 2)
    ).click().perform()


def test_clicking_the_moons_plot_adds_and_removes_a_point_and_retrains_to_fits_numbers(
    browser, moons_page
):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _load(browser, moons_page)
    rows = browser.execute_script("return window.explorer.rows")
    Select(browser.find_element(By.ID, "plot-label")).select_by_value("-1")
    _click_plot(browser, 1.0, -0.8)
    added = browser.execute_script("return window.explorer.rows")
    assert len(added) == 21 and added[:20] == rows
    x1, x2, label = added[20]
    assert abs(x1 - 1.0) < 0.05 and abs(x2 + 0.8) < 0.05 and label == -1.0
    settings = browser.execute_script("return window.explorer.settings")
    steps = browser.execute_script("return window.explorer.steps.map(s => s.batch)")
    assert max(steps) == 21
    page = browser.execute_script("return window.explorer.retrain({})")
    _same_run(page, _fit_moons(settings, added))
    # the third point is removed by a click on it
    _click_plot(browser, *rows[2][:2])
    left = browser.execute_script("return window.explorer.rows")
    assert left == added[:2] + added[3:]
    page = browser.execute_script("return window.explorer.retrain({})")
    _same_run(page, _fit_moons(settings, left))


def test_the_moons_plot_shows_the_models_sign_from_the_page_engines_forward(browser, moons_page):  # type: ignore[no-untyped-def]
    _load(browser, moons_page)
    last = browser.execute_script("return window.explorer.steps.length") - 1
    browser.execute_script(f"window.explorer.go({last})")
    settings = browser.execute_script("return window.explorer.settings")
    rows = browser.execute_script("return window.explorer.rows")
    model = MLP(2, [16, 16, 1], "relu", init=settings["init"], seed=settings["seed"])
    fit(
        model,
        [r[:2] for r in rows],
        [r[2] for r in rows],
        loss="hinge",
        optimizer=Adam(model.parameters(), settings["lr"]),
        epochs=settings["epochs"],
        batch_size=1,
    )
    grid = [[-1.0 + 0.5 * i, -0.5 + 0.5 * j] for i in range(6) for j in range(4)]
    page = browser.execute_script("return window.explorer.predict(arguments[0])", grid)
    python = [model(x).data for x in grid]
    assert all(map(close, page, python)), (page[:3], python[:3])
    # the plot's pixel at a point is coloured by its side of the boundary
    for x, score in zip(grid, python):
        rgba = browser.execute_script(
            "const p = window.explorer.plotPoint(arguments[0], arguments[1]);"
            "const c = document.getElementById('plot');"
            "const k = c.width / c.getBoundingClientRect().width;"
            "const at = [Math.round(p[0] * k), Math.round(p[1] * k)];"
            "return Array.from(c.getContext('2d').getImageData(at[0], at[1], 1, 1).data);",
            *x,
        )
        if abs(score) > 0.3 and rgba[3] > 0:
            assert (rgba[2] > rgba[0]) == (score > 0), (x, score, rgba)


def test_the_chart_switches_to_a_parameter_and_reads_its_value_after_each_update(
    browser, live_pages
):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _load(browser, live_pages["regression"])
    page = browser.execute_script("return window.explorer.retrain({'lr': 0.01})")
    options = browser.execute_script(
        "return [...document.querySelectorAll('#chart-of option')].map(o => o.value)"
    )
    assert options == ["", "w1", "w2", "b"]
    Select(browser.find_element(By.ID, "chart-of")).select_by_value("w2")
    assert browser.execute_script("return window.explorer.charted") == "w2"
    last = browser.execute_script("return window.explorer.steps.length") - 1
    browser.execute_script(f"window.explorer.go({last})")
    text = browser.find_element(By.ID, "chart-last").text
    assert text == f"w2 = {page['params']['w2']:.7g}".replace("-", "\u2212")
    points = browser.execute_script(
        "return document.querySelector('#chart polyline').getAttribute('points').split(' ').length"
    )
    assert points == len(page["losses"]) == 18
    # before the first update there is no point yet; the loss is back with "loss"
    browser.execute_script("window.explorer.go(3)")
    assert browser.execute_script("return document.querySelector('#chart polyline')") is None
    assert browser.execute_script("return window.explorer.chart('loss')") == "loss"
    assert browser.find_element(By.ID, "chart-last").text.startswith("L = ")


def test_the_moons_plot_shows_the_current_neurons_output_over_the_plane(browser, moons_page):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _load(browser, moons_page)
    Select(browser.find_element(By.ID, "plot-of")).select_by_value("node")
    first = browser.execute_script(
        "return window.explorer.steps.findIndex(s => s.phase === 'forward' && s.node === 'L1.n5')"
    )
    browser.execute_script(f"window.explorer.go({first})")  # epoch 1, batch 1: initial weights
    text = browser.find_element(By.ID, "plot-node").text
    settings = browser.execute_script("return window.explorer.settings")
    rows = browser.execute_script("return window.explorer.rows")
    model = MLP(2, [16, 16, 1], "relu", init=settings["init"], seed=settings["seed"])
    # the plot's frame: the rows' extent and 15% more each side; a 20 × 20 grid of centres
    x0, x1 = min(r[0] for r in rows), max(r[0] for r in rows)
    y0, y1 = min(r[1] for r in rows), max(r[1] for r in rows)
    x0, x1 = x0 - 0.15 * (x1 - x0), x1 + 0.15 * (x1 - x0)
    y0, y1 = y0 - 0.15 * (y1 - y0), y1 + 0.15 * (y1 - y0)
    values = []
    for j in range(20):
        for i in range(20):
            x = [x0 + (i + 0.5) / 20 * (x1 - x0), y1 - (j + 0.5) / 20 * (y1 - y0)]
            hidden = [n(x) for n in model.layers[0].neurons]
            values.append(model.layers[1].neurons[5](hidden).data)  # type: ignore[arg-type]
    assert text.startswith("L1.n5 over the plane, from ")
    low, high = text.removeprefix("L1.n5 over the plane, from ").split(" to ")
    assert high == f"{max(values):.4g}" and max(values) > 0
    assert low.replace("\u2212", "-") == f"{min(values):.4g}"


def _three_classes(nin: int, seed: int) -> tuple[list[list[float]], list[int]]:
    """Three classes of 12 points: the blobs for two inputs, a third input of noise beside
    them for three."""
    from micrograd_covid.data import blobs

    xs, ys = blobs(12, seed=seed)
    if nin == 3:
        rng = random.Random(seed)
        xs = [[*x, rng.uniform(-1.0, 1.0)] for x in xs]
    return xs, ys


#: (optimizer, lr, momentum, betas, batch_size): each at seeds 0-2, for 2-5-3 and 3-5-3
XENT_SETTINGS = [
    ("sgd", 0.1, 0.0, None, 1),
    ("sgd", 0.5, 0.0, None, None),
    ("momentum", 0.05, 0.9, None, 1),
    ("momentum", 0.2, 0.8, None, None),
    ("adam", 0.02, 0.0, (0.9, 0.999), 1),
    ("adam", 0.05, 0.0, (0.8, 0.99), None),
]
XENT_CASES = [(nin, s, seed) for nin in (2, 3) for s in XENT_SETTINGS for seed in range(3)]


def _xent_python(
    nin: int, setting: tuple[Any, ...], seed: int
) -> tuple[Any, list[float], list[float]]:
    kind, lr, momentum, betas, batch_size = setting
    xs, ys = _three_classes(nin, seed)
    model = MLP(nin, [5, 3], "tanh", "linear", seed=seed)
    params = model.parameters()
    program = program_data(model, params, xs, ys, "cross_entropy")
    losses: list[float] = []
    fit(
        model,
        xs,
        ys,
        loss="cross_entropy",
        optimizer=_optimizer(params, kind, lr, momentum, betas),
        epochs=3,
        batch_size=batch_size,
        callback=lambda epoch, step, value: losses.append(value),
    )
    settings = {
        "lr": lr,
        "optimizer": kind,
        "momentum": momentum,
        "betas": betas,
        "batch_size": batch_size,
        "epochs": 3,
    }
    return {"program": program, "settings": settings}, losses, [p.data for p in params]


@pytest.fixture(scope="module")
def xent_trained() -> list[tuple[Any, Any]]:
    """Every cross-entropy case through fit and through the page's engine (one node run)."""
    pythons = [_xent_python(*case) for case in XENT_CASES]
    pages = run_node({"runs": [p[0] for p in pythons]})
    return list(zip(pythons, pages))


@pytest.mark.parametrize(
    "i",
    range(len(XENT_CASES)),
    ids=[f"{n}-5-3 {s[0]} bs={s[4]} seed={seed}" for n, s, seed in XENT_CASES],
)
def test_the_page_trains_a_three_class_cross_entropy_classifier_to_fits_numbers(i, xent_trained):  # type: ignore[no-untyped-def]
    (payload, losses, params), page = xent_trained[i]
    assert page["stopped"] is None
    assert len(page["losses"]) == len(losses) == (36 if payload["settings"]["batch_size"] else 3)
    assert all(map(close, page["losses"], losses)), (page["losses"][:3], losses[:3])
    assert all(map(close, page["params"], params)), (page["params"][:3], params[:3])
    third = len(losses) // 3  # an epoch: it learns, so this compares no two stuck runs
    assert sum(losses[-third:]) < sum(losses[:third])


def test_a_cross_entropy_program_reads_the_logit_of_each_rows_class_and_lists_the_classes():
    xs, ys = _three_classes(2, 0)
    model = MLP(2, [5, 3], "tanh", "linear", seed=0)
    program = program_data(model, model.parameters(), xs, ys, "cross_entropy")
    assert program["targets"] == [0.0, 1.0, 2.0]
    assert [row[-1] for row in program["rows"]] == [float(y) for y in ys]
    node, position, slots = program["pick"]
    assert program["nodes"][node][0] == "-" and position == 0
    assert slots == program["outputs"] and len(slots) == 3
    assert program["nodes"][node][1][1] - program["fed"] - len(program["params"]) - len(
        program["consts"]
    ) in {k for k, n in enumerate(program["nodes"]) if n[0] == "max"}
    with pytest.raises(ValueError, match="row 2's class must be a whole number from 0 to 2"):
        program_data(model, model.parameters(), xs, [*ys[:2], 3, *ys[3:]], "cross_entropy")


def test_the_page_refuses_a_row_whose_class_the_model_has_no_output_for():
    xs, ys = _three_classes(2, 1)
    model = MLP(2, [5, 3], "tanh", "linear", seed=1)
    program = program_data(model, model.parameters(), xs, ys, "cross_entropy")
    program["rows"][4][-1] = 3.0
    settings = {"lr": 0.1, "optimizer": "sgd", "batch_size": 1, "epochs": 1}
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(
        [node, "-e", _PRELUDE + engine_script() + _DRIVER],
        input=json.dumps({"runs": [{"program": program, "settings": settings}]}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "a row's class must be a whole number from 0 to 2, got 3" in done.stderr


def test_the_page_predicts_every_logit_of_a_three_class_model_as_python():
    xs, ys = _three_classes(2, 2)
    model = MLP(2, [5, 3], "tanh", "linear", seed=2)
    params = model.parameters()
    program = program_data(model, params, xs, ys, "cross_entropy")
    grid = [[-1.5, 0.25], [0.0, 0.0], [1.25, -0.75]]
    driver = """
var input = JSON.parse(require("fs").readFileSync(0, "utf8"));
var p = new MGEngine.Program(input.program);
process.stdout.write(JSON.stringify(p.predict(input.program.init, input.xs)));
"""
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(
        [node, "-e", engine_script() + driver],
        input=json.dumps({"program": program, "xs": grid}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    got = json.loads(done.stdout)
    want = [[v.data for v in model(x)] for x in grid]
    assert len(got) == 3 and all(len(g) == 3 for g in got)
    assert all(close(a, b) for g, w in zip(got, want) for a, b in zip(g, w)), (got, want)
