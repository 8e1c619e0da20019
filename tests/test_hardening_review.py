"""A hostile second look at the hardening round: the same classes of defect at the entry
points next to the ones fixed (comparisons, repr and float() of a leaf holding an odd
number, the optimizers, save and to_torch, the CLI's last resort, fit's arguments)."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import pytest

from micrograd_covid import (
    MLP,
    SGD,
    Adam,
    Value,
    bce,
    cli,
    cross_entropy,
    define_op,
    fit,
    gradcheck,
    hinge,
    load,
    save,
)
from micrograd_covid.compile import clear_cache
from micrograd_covid.files import write_atomic
from micrograd_covid.nn import Module

_HUGE = 10**400


# --- a leaf holding a number that is not a float ------------------------------------------


@pytest.mark.parametrize(
    ("compare", "expected"),
    [
        (lambda v: v < _HUGE, True),
        (lambda v: v <= _HUGE, True),
        (lambda v: v > -_HUGE, True),
        (lambda v: v >= _HUGE, False),
        (lambda v: _HUGE > v, True),  # noqa: SIM300 (the reflected comparison)
        (lambda v: v < Value(0.5), False),
    ],
)
def test_comparing_a_value_with_an_int_too_large_for_a_float_is_exact(
    compare: Any, expected: bool
) -> None:
    assert compare(Value(1.0)) is expected


def test_a_leaf_holding_an_int_too_large_for_a_float_still_prints_and_float_names_it() -> None:
    w = Value(1.0, "w")
    w.data = _HUGE  # type: ignore[assignment]
    assert "an int of 401 digits" in repr(w)
    with pytest.raises(ValueError, match=r"Value data must be finite, got an int of 401 digits"):
        float(w)


def test_float_of_a_leaf_holding_an_int_is_a_float() -> None:
    w = Value(1.0, "w")
    w.data = 5  # type: ignore[assignment]
    assert type(float(w)) is float and float(w) == 5.0


@pytest.mark.parametrize("bad", ["0.5", None])
def test_float_of_a_leaf_holding_a_non_number_names_it(bad: object) -> None:
    w = Value(1.0, "w")
    w.data = bad  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"Value data must be an int or float"):
        float(w)


def test_a_user_op_whose_kernel_gives_nan_is_not_said_to_be_beyond_a_floats_range() -> None:
    op = define_op("gives_nan", lambda x: (math.nan, (1.0,)))
    with pytest.raises(ArithmeticError) as caught:
        op(Value(1.0))
    assert "gives_nan" in str(caught.value) and "(nan)" in str(caught.value)
    assert "beyond a float's range" not in str(caught.value)


# --- parameters that are not finite floats, wherever they go ------------------------------


BAD_DATA = [
    pytest.param("0.5", TypeError, "must be a number, got str", id="str"),
    pytest.param(None, TypeError, "must be a number, got NoneType", id="None"),
    pytest.param(_HUGE, ValueError, "an int too large", id="int of 401 digits"),
]


def _model_with(bad: object) -> MLP:
    model = MLP(2, [2, 1], seed=0)
    model.parameters()[1].data = bad  # type: ignore[assignment]
    return model


@pytest.mark.parametrize(("bad", "kind", "words"), BAD_DATA)
def test_save_refuses_a_parameter_that_is_not_a_finite_number_naming_it(
    tmp_path: Path, bad: object, kind: type, words: str
) -> None:
    path = tmp_path / "m.json"
    with pytest.raises(kind, match=rf"save: parameter layers\.0\.neurons\.0\.w\.1 .*{words}"):
        save(_model_with(bad), path)
    assert not path.exists()


@pytest.mark.parametrize(("bad", "kind", "words"), BAD_DATA)
def test_to_torch_refuses_a_parameter_that_is_not_a_finite_number_naming_it(
    bad: object, kind: type, words: str
) -> None:
    from micrograd_covid import to_torch

    with pytest.raises(kind, match=rf"layers\.0\.neurons\.0\.w\.1 .*{words}"):
        to_torch(_model_with(bad))


def test_numpy_scalar_parameters_save_and_load_as_floats(tmp_path: Path) -> None:
    import numpy as np

    model = MLP(2, [2, 1], seed=0)
    model.parameters()[0].data = np.float32(0.5)  # type: ignore[assignment]
    model.parameters()[1].data = np.int64(3)  # type: ignore[assignment]
    path = save(model, tmp_path / "m.json")
    assert json.loads(path.read_text())["weights"][0][0][:2] == [0.5, 3.0]
    assert load(path).weights() == model.weights()
    assert all(type(w) is float for layer in model.weights() for row in layer for w in row)


@pytest.mark.parametrize("optimizer", [SGD, Adam])
@pytest.mark.parametrize(("bad", "kind", "words"), BAD_DATA)
def test_an_optimizer_step_refuses_a_parameter_that_is_not_a_finite_number_changing_nothing(
    optimizer: Any, bad: object, kind: type, words: str
) -> None:
    good, odd = Value(1.0, "good"), Value(2.0, "odd")
    good.grad = odd.grad = 0.5
    odd.data = bad  # type: ignore[assignment]
    opt = optimizer([good, odd], lr=0.1)
    with pytest.raises(kind, match=rf"{optimizer.__name__}: parameter 1 \(odd\).*{words}"):
        opt.step()
    assert good.data == 1.0 and odd.data is bad and opt.steps == 0


@pytest.mark.parametrize(("bad", "kind", "words"), BAD_DATA)
def test_an_optimizer_step_refuses_a_gradient_that_is_not_a_finite_number_naming_it(
    bad: object, kind: type, words: str
) -> None:
    p = Value(1.0, "p")
    p.grad = bad  # type: ignore[assignment]
    with pytest.raises(kind, match=rf"SGD: gradient of parameter 0 \(p\).*{words}"):
        SGD([p], lr=0.1).step()
    assert p.data == 1.0


# --- fit's arguments -------------------------------------------------------------------------


def test_fit_refuses_a_learning_rate_beside_an_optimizer_that_has_its_own() -> None:
    model = MLP(2, [1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"fit: lr=123\.0 .*optimizer.*SGD\(lr=0\.5\)"):
        fit(model, [[1.0, 2.0]], [1.0], optimizer=SGD(model.parameters(), 0.5), lr=123.0)
    assert [p.data for p in model.parameters()] == before


def test_fit_takes_an_optimizer_alone_and_lr_alone() -> None:
    a, b = MLP(2, [1], seed=0), MLP(2, [1], seed=0)
    fit(a, [[1.0, 2.0]], [1.0], optimizer=SGD(a.parameters(), 0.5))
    fit(b, [[1.0, 2.0]], [1.0], lr=0.5)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


class _Computed(Module):
    """A parameter computed from another Value (the engines that re-run a graph refuse it)."""

    def __init__(self, label: str) -> None:
        self.base = Value(0.5, "base")
        self.w = self.base * 2.0
        self.w.label = label

    def parameters(self) -> list[Value]:
        return [self.w]

    def __call__(self, x: list[Any]) -> Value:
        return self.w * x[0]


def test_the_warning_for_a_computed_parameter_shows_its_label_on_one_line() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(_Computed("w\nx = 1 #"), [[1.0]], [0.5], engine="tape")
    texts = [str(w.message) for w in caught if "computed from other Values" in str(w.message)]
    assert len(texts) == 1 and "\n" not in texts[0]
    assert r"'w\nx = 1 #'" in texts[0]


# --- files and the command line --------------------------------------------------------------


def test_a_failed_atomic_write_names_the_file_not_its_temporary_neighbour(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "x.svg"
    with pytest.raises(OSError) as caught:
        write_atomic(path, b"<svg/>")
    assert ".tmp" not in str(caught.value) and str(path) in str(caught.value)
    assert ".tmp" not in cli._one_line(caught.value)


def test_an_unexpected_error_in_a_command_is_one_line_and_status_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: Any) -> int:
        raise KeyError("boom")

    monkeypatch.setattr(cli, "_dispatch", broken)
    assert cli.main(["tutorial", "--list"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("micrograd-covid: error: ")
    assert "KeyError" in err and "boom" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv", [["--version", "extra"], ["--version", "demo"], ["--version", "--out", "x"]]
)
def test_version_with_anything_else_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("micrograd-covid: error: ")


def test_version_alone_prints_the_version_and_no_command_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from micrograd_covid import __version__

    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"micrograd-covid {__version__}\n"
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "COMMAND" in err


# --- compiled code keeps the interpreter's rules for leaves holding ints ----------------------


def _int_leaves(make: Any, data: tuple[int, int], compiled: bool) -> tuple[Any, ...]:
    from micrograd_covid import Tape

    a, b = Value(1.0, "a"), Value(1.0, "b")
    tape = Tape(make(a, b))
    run = tape.compile() if compiled else tape
    a.data, b.data = data  # type: ignore[assignment]
    try:
        value = run.forward()
        run.backward()
    except Exception as error:
        return (type(error).__name__, str(error))
    return ("ok", value, type(value), a.grad, b.grad)


INT_GRAPHS = [
    pytest.param(lambda a, b: a * b + a, id="a*b + a"),
    pytest.param(lambda a, b: (a * b) * (a * b), id="(a*b)*(a*b)"),
    pytest.param(lambda a, b: a * b - b, id="a*b - b"),
    pytest.param(lambda a, b: -(a * b), id="-(a*b)"),
]


@pytest.mark.parametrize("make", INT_GRAPHS)
@pytest.mark.parametrize("data", [(10**200, 10**200), (3, 4), (2**60 + 1, 3)])
def test_compiled_code_on_int_leaves_gives_what_tape_gives(
    make: Any, data: tuple[int, int]
) -> None:
    tape = _int_leaves(make, data, compiled=False)
    assert _int_leaves(make, data, compiled=True) == tape
    if data[0] == 10**200:
        assert tape[0] == "OverflowError" and "the result overflowed" in tape[1]


# --- more places an odd number enters ----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "kind", "words"),
    [
        (
            lambda: MLP.from_weights([[[_HUGE, 1.0]]], [[0.0]]),
            ValueError,
            r"from_weights: weights\[0\]\[0\] holds an int too large",
        ),
        (
            lambda: bce([Value(1.0)], [_HUGE]),
            ValueError,
            r"bce: targets\[0\] must be 0 or 1, got an int of 401 digits",
        ),
        (
            lambda: hinge([Value(1.0)], [_HUGE]),
            ValueError,
            r"hinge: targets\[0\] must be -1 or \+1, got an int of 401 digits",
        ),
        (
            lambda: hinge([Value(1.0)], [_leaf(_HUGE)]),
            ValueError,
            r"hinge: targets\[0\] must be -1 or \+1, got an int of 401 digits",
        ),
        (
            lambda: bce([Value(1.0)], [_leaf("1")]),
            ValueError,
            r"bce: targets\[0\] must be 0 or 1, got '1'",
        ),
        (
            lambda: cross_entropy([[Value(1.0)]], [_HUGE]),
            ValueError,
            r"classes\[0\] is an int of 401 digits, but a row has 1 logits",
        ),
        (
            lambda: gradcheck(lambda a: a * 2, [Value(1.0)], eps=_HUGE),
            ValueError,
            r"gradcheck: eps must be finite",
        ),
        (
            lambda: gradcheck(lambda a: a * 2, [Value(1.0)], eps="x"),
            TypeError,
            r"gradcheck: eps must be an int or float",
        ),
        (
            lambda: gradcheck(lambda a: a * 2, [Value(1.0)], eps=0.0),
            ValueError,
            r"gradcheck: eps must be > 0, got 0",
        ),
        (
            lambda: gradcheck(lambda a: a * 2, [Value(1.0)], atol=-1.0),
            ValueError,
            r"gradcheck: atol must be >= 0, got -1",
        ),
        (
            lambda: gradcheck(lambda a: a * 2, [Value(1.0)], rtol=math.nan),
            ValueError,
            r"gradcheck: rtol must be finite",
        ),
    ],
)
def test_an_odd_number_is_refused_by_name_where_it_enters(
    call: Any, kind: type, words: str
) -> None:
    with pytest.raises(kind, match=words):
        call()


def _leaf(data: object) -> Value:
    leaf = Value(1.0, "y")
    leaf.data = data  # type: ignore[assignment]
    return leaf


def test_from_weights_takes_numpy_scalars() -> None:
    import numpy as np

    model = MLP.from_weights([[[np.float32(0.5), np.int64(2)]]], [[np.float64(0.25)]])
    assert model.weights() == [[[0.5, 2.0]]] and model.biases() == [[0.25]]


def test_demo_refuses_an_out_folder_whose_page_folder_is_a_file_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "explore").write_text("not a folder")
    assert cli.main(["demo", "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert f"{tmp_path / 'explore'} is a file, not a folder" in captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["explore"]


def test_explore_refuses_a_learning_rate_beside_an_optimizer_before_training() -> None:
    from micrograd_covid import explore

    w = Value(0.5, "w")

    def build(batch: list[list[Value]]) -> Value:
        ((x, y),) = batch
        return (w * x - y) ** 2

    with pytest.raises(ValueError, match=r"explore: lr=0\.3 would be ignored.*SGD\(lr=0\.5\)"):
        explore(build, [w], [[1.0, 2.0]], optimizer=SGD([w], 0.5), lr=0.3)
    assert w.data == 0.5 and w.grad == 0.0
    assert explore(build, [w], [[1.0, 2.0]]).losses == [2.25]  # lr 0.05 by default
    assert w.data == 0.5 - 0.05 * 2 * (0.5 - 2.0)


def test_plot_without_matplotlib_is_refused_before_the_tutorial_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    assert cli.main(["tutorial", "guess", "--plot", str(tmp_path / "x.png")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "argument --plot: matplotlib is not installed: pip install 'micrograd_covid[plot]'" in (
        captured.err
    )


class _TakesNumbers(Module):
    """A model that makes a leaf of its input, as a model written for numbers does."""

    def __init__(self) -> None:
        self.p = Value(0.5, "p")

    def parameters(self) -> list[Value]:
        return [self.p]

    def __call__(self, x: list[Any]) -> Value:
        return Value(x[0]) * self.p


def test_a_model_that_takes_only_numbers_trains_on_every_engine_with_a_warning() -> None:
    xs, ys = [[1.0], [2.0], [3.0]], [0.1, 0.2, 0.3]
    graph = _fit_rows("graph", _TakesNumbers(), xs, ys)
    for engine in ("compiled", "numpy"):
        with pytest.warns(UserWarning, match=rf'fit: engine="{engine}" cannot run this model') as w:
            assert _fit_rows(engine, _TakesNumbers(), xs, ys) == graph, engine
        assert w[0].filename == __file__  # the warning points at the fit call


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_a_bad_parameter_met_building_the_sample_raises_as_the_graph_engine_does_unwarned(
    engine: str,
) -> None:
    def model() -> MLP:
        m = MLP(2, [3, 1], seed=5)
        m.parameters()[2].data = "0.5"  # type: ignore[assignment]
        return m

    clear_cache()  # no code kept for the structure: the sample graph is built
    xs, ys = [[1.0, 2.0], [0.5, -1.0]], [0.5, 0.2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _fit_rows(engine, model(), xs, ys) == _fit_rows("graph", model(), xs, ys)


def _fit_rows(engine: str, model: Module, xs: Any, ys: Any) -> tuple[Any, ...]:
    try:
        history = fit(model, xs, ys, lr=0.1, epochs=2, batch_size=2, engine=engine)
    except Exception as error:
        return (type(error).__name__, str(error))
    return ("ok", history.step_loss, [p.data for p in model.parameters()])


@pytest.mark.parametrize(
    ("bad", "shown"),
    [(_HUGE, "an int of 401 digits"), ("0.5", "'0.5'"), (None, "None")],
    ids=["int of 401 digits", "str", "None"],
)
def test_a_drawing_shows_a_leaf_holding_an_odd_value_as_it_is(bad: object, shown: str) -> None:
    from micrograd_covid import draw

    a, b = Value(2.0, "a"), Value(3.0, "b")
    loss = (a * b).tanh()
    loss.backward()
    a.data = bad  # type: ignore[assignment]
    source = draw(loss).source
    assert shown in source or shown.replace("'", "&#x27;") in source


@pytest.mark.parametrize("through", ["afile/x", "afile/sub/x"])
@pytest.mark.parametrize("writer", ["save", "render", "History.plot"])
def test_writing_through_a_file_says_it_is_a_file_not_a_missing_folder(
    tmp_path: Path, writer: str, through: str
) -> None:
    (tmp_path / "afile").write_text("a file")
    if writer == "save":
        path, write = tmp_path / f"{through}.json", lambda p: save(MLP(2, [1], seed=0), p)
    elif writer == "render":
        from micrograd_covid import render

        path, write = tmp_path / f"{through}.svg", lambda p: render(Value(1.0) * 2.0, p)
    else:
        history = fit(MLP(1, [1], seed=0), [[1.0]], [0.5])
        path, write = tmp_path / f"{through}.png", history.plot
    with pytest.raises(NotADirectoryError) as caught:
        write(path)
    assert f"{tmp_path / 'afile'} is a file, not a folder" in str(caught.value)
    assert "does not exist" not in str(caught.value) and "Errno" not in str(caught.value)


@pytest.mark.parametrize("reader", ["load", "load_daily_counts"])
def test_reading_a_pipe_or_a_device_says_so_and_does_not_wait(tmp_path: Path, reader: str) -> None:
    import os

    from micrograd_covid import load_daily_counts

    read = load if reader == "load" else (lambda p: load_daily_counts(p, "cases"))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/null")):
        with pytest.raises(ValueError, match="not a regular file"):
            read(path)


def test_explain_refuses_a_graph_backward_refuses_instead_of_a_nan() -> None:
    from micrograd_covid import explain

    w = Value(0.0, "w")
    loss = (w * w).sqrt()
    with pytest.raises(ValueError) as by_backward:
        loss.backward()
    with pytest.raises(ValueError) as by_explain:
        explain(loss, w)
    assert str(by_explain.value) == str(by_backward.value)
    assert str(by_explain.value).startswith("L = sqrt(w * w) (run under detect_anomaly() to see")
    assert "backward through sqrt(0) = 0: its local derivative" in str(by_explain.value)
