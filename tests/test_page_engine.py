"""The page's engine (page/engine.js with the op table's JavaScript column), run in node: each
row's rule against its kernel and PyTorch float64, and whole training runs against `fit`."""

from __future__ import annotations

import importlib
import json
import math
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
