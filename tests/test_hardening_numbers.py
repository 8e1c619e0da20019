"""Numbers at the edges: overflow blamed on the result, cross_entropy at extreme logits and
on every engine, division by a tiny b, ints too large for a float, accuracy of nan, and the
numpy engine keeping the interpreter's rules."""

from __future__ import annotations

import math
import random
import re
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from micrograd_covid import (
    MLP,
    Tape,
    Value,
    accuracy,
    bce,
    cross_entropy,
    define_op,
    fit,
    mse,
    squared_error,
    to_torch,
)
from micrograd_covid.compile import clear_cache
from micrograd_covid.nn import Module

ENGINES = ("graph", "tape", "compiled", "numpy")


def _fit(engine: str, model: Module, xs: Any, ys: Any, **options: Any) -> tuple[Any, ...]:
    """What a user sees of one fit: the losses and parameters, or the error's type and text.
    An engine that cannot run the model warns and runs the graph engine (not checked here)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"fit: engine=")
        try:
            history = fit(model, xs, ys, engine=engine, **options)
        except Exception as error:
            return (type(error).__name__, str(error))
    return ("ok", history.step_loss, [p.data for p in model.parameters()])


# --- overflow: the result is to blame, not its finite inputs -------------------------------


@pytest.mark.parametrize(
    ("make", "op"),
    [
        (lambda: Value.sum([1e308, 1e308]), "sum"),
        (lambda: Value.mean([1e308, 1e308]), "mean"),
        (lambda: Value.sum([Value(1e308)] * 5), "sum"),
        (lambda: bce([Value(1e308)] * 2, [0, 0]), "mean"),
        (lambda: Value(1e308) + Value(1e308), "+"),
        (lambda: Value(-1e308) - Value(1e308), "-"),
        (lambda: Value(1e200) * Value(1e200), "*"),
        (lambda: Value(1e300) / Value(1e-300), "/"),
        (lambda: squared_error(Value(1e308), -1e308), "squared_error"),
        (lambda: Value.dot([Value(1e308), Value(1e308)], [1.0, 1.0]), "dot"),
        (lambda: _layer_of_tens()([1e308, 1e308]), "dot"),
    ],
)
def test_an_overflow_of_finite_inputs_is_blamed_on_the_result(
    make: Callable[[], Value], op: str
) -> None:
    with pytest.raises(OverflowError) as caught:
        make()
    message = str(caught.value)
    assert message.startswith(f"{op}: result ")
    assert "overflowed" in message
    assert "was a leaf's .data" not in message and "input 0 is" not in message


def _layer_of_tens() -> MLP:
    model = MLP(2, [1], seed=0)
    for p in model.parameters():
        p.data = 10.0
    return model


def test_a_non_finite_input_is_still_blamed_on_the_input() -> None:
    v = Value(1.0)
    v.data = math.inf
    with pytest.raises(ValueError, match=r"^sum: input 1 is inf, not a finite number"):
        Value.sum([Value(1.0), v])


# --- cross_entropy: PyTorch at extreme logits, and the same numbers on every engine ---------


@pytest.mark.parametrize(
    ("row", "c"),
    [
        ([1e308, -1e308], 0),
        ([-1e308, 1e308, 0.0], 1),
        ([1e308, 1e308], 1),
        ([1.7e308, -1.7e308, 5.0, -5.0], 0),
        ([-1.7e308, -1.7e308, -1.7e308], 2),
        ([1e300, -1e300, 1e300 - 1e285], 2),
    ],
)
def test_cross_entropy_matches_pytorch_at_extreme_finite_logits(
    torch: Any, row: list[float], c: int
) -> None:
    logits = [Value(x) for x in row]
    loss = cross_entropy([logits], [c])
    loss.backward()
    t = torch.tensor([row], dtype=torch.float64, requires_grad=True)
    want = torch.nn.functional.cross_entropy(t, torch.tensor([c]))
    want.backward()
    assert loss.data == pytest.approx(want.item(), rel=1e-12, abs=1e-300)
    assert [v.grad for v in logits] == pytest.approx(t.grad[0].tolist(), rel=1e-12, abs=1e-300)


def test_cross_entropy_whose_loss_is_infinite_is_refused_naming_the_overflow(torch: Any) -> None:
    t = torch.tensor([[1e308, -1e308]], dtype=torch.float64)
    assert math.isinf(torch.nn.functional.cross_entropy(t, torch.tensor([1])).item())
    with pytest.raises(OverflowError, match=r"result of .* the result overflowed"):
        cross_entropy([[Value(1e308), Value(-1e308)]], [1])


@pytest.mark.parametrize("compiled", [False, True])
def test_a_recorded_cross_entropy_replays_on_new_logits_as_a_fresh_graph(compiled: bool) -> None:
    logits = [Value(x) for x in (0.5, -0.25, 0.1)]
    tape = Tape(cross_entropy([logits], [2]))
    runner = tape.compile() if compiled else tape
    for new in ([900.0, -900.0, 0.0], [1e308, -1e308, 1e308], [-3.0, 40.0, 2.5]):
        for leaf, x in zip(logits, new):
            leaf.data, leaf.grad = x, 0.0
        value = runner.forward()
        runner.backward()
        fresh = [Value(x) for x in new]
        expected = cross_entropy([fresh], [2])
        expected.backward()
        assert value == expected.data
        assert [v.grad for v in logits] == [v.grad for v in fresh]


def _blobs(seed: int, n: int = 12) -> tuple[list[list[float]], list[int]]:
    rng = random.Random(seed)
    xs = [[rng.uniform(-2.0, 2.0), rng.uniform(-2.0, 2.0)] for _ in range(n)]
    return xs, [rng.randrange(3) for _ in xs]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("batch_size", [1, 4, None])
def test_cross_entropy_fits_give_the_same_numbers_on_every_engine(
    seed: int, batch_size: int | None
) -> None:
    xs, ys = _blobs(seed)
    runs = {
        engine: _fit(
            engine,
            MLP(2, [5, 3], seed=seed),
            xs,
            ys,
            loss="cross_entropy",
            lr=0.3,
            epochs=3,
            batch_size=batch_size,
        )
        for engine in ENGINES
    }
    assert runs["graph"][0] == "ok"
    for engine in ENGINES:
        assert runs[engine] == runs["graph"], engine


def test_cross_entropy_with_growing_logits_trains_on_every_engine_as_on_the_graph() -> None:
    xs, ys = [[30.0], [-30.0], [29.0], [-28.0]], [0, 1, 2, 0]
    runs = {
        engine: _fit(
            engine,
            MLP(1, [3], seed=0),
            xs,
            ys,
            loss="cross_entropy",
            lr=1.0,
            epochs=5,
            batch_size=1,
        )
        for engine in ENGINES
    }
    assert runs["graph"][0] == "ok" and len(runs["graph"][1]) == 20
    for engine in ENGINES:
        assert runs[engine] == runs["graph"], engine


def test_a_cross_entropy_fit_agrees_with_pytorch_float64(torch: Any) -> None:
    xs, ys = _blobs(5)
    model = MLP(2, [5, 3], seed=5)
    net = to_torch(model)
    history = fit(model, xs, ys, loss="cross_entropy", lr=0.3, epochs=4, batch_size=4)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.3)
    x_all, y_all = torch.tensor(xs, dtype=torch.float64), torch.tensor(ys)
    losses = []
    for _ in range(4):
        for start in range(0, len(xs), 4):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(
                net(x_all[start : start + 4]), y_all[start : start + 4]
            )
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert history.step_loss == pytest.approx(losses, rel=1e-12)
    trained = [p.detach().reshape(-1).tolist() for p in to_torch(model).parameters()]
    reference = [p.detach().reshape(-1).tolist() for p in net.parameters()]
    for ours, theirs in zip(trained, reference):
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)


# --- division: the partials of a tiny b, as PyTorch computes them ---------------------------


@pytest.mark.parametrize(("a", "b"), [(1e-200, 1e-200), (0.0, 1e-200), (-3e-170, 2e-160)])
def test_division_by_a_tiny_b_has_pytorchs_finite_partials(torch: Any, a: float, b: float) -> None:
    x, y = Value(a), Value(b)
    out = x / y
    out.backward()
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    (ta / tb).backward()
    assert out.data == (ta / tb).item()
    assert (x.grad, y.grad) == (ta.grad.item(), tb.grad.item())
    assert math.isfinite(x.grad) and math.isfinite(y.grad)


class _Ratio(Module):
    """out = (p / q)·x with p and q tiny: ∂/∂q = -(p/q)/q·x is finite though q² is 0."""

    def __init__(self) -> None:
        self.p, self.q = Value(1e-200, "p"), Value(1e-200, "q")

    def parameters(self) -> list[Value]:
        return [self.p, self.q]

    def __call__(self, x: list[Any]) -> Value:
        return self.p / self.q * x[0]


def test_division_by_a_tiny_b_trains_alike_on_every_engine() -> None:
    xs, ys = [[1.0], [0.5]], [0.5, 0.25]
    runs = {engine: _fit(engine, _Ratio(), xs, ys, lr=1e-220, epochs=3) for engine in ENGINES}
    assert runs["graph"][0] == "ok"
    for engine in ENGINES:
        assert runs[engine] == runs["graph"], engine


def test_compiled_division_by_a_tiny_b_gives_the_interpreters_gradients() -> None:
    a, b = Value(1e-200), Value(1e-200)
    loss = a / b * 3.0
    compiled = Tape(loss).compile()
    assert compiled.forward() == 3.0
    compiled.backward()
    a_grad, b_grad = a.grad, b.grad
    a.grad = b.grad = 0.0
    loss.backward()
    assert (a_grad, b_grad) == (a.grad, b.grad) == (3e200, -3e200)


# --- ints too large for a float: refused naming the op and the input ------------------------

_HUGE = 10**400


@pytest.mark.parametrize(
    ("make", "op", "where"),
    [
        (lambda w: w * 2.0, "*", "input 0"),
        (lambda w: 2.0 + w, "+", "input 1"),
        (lambda w: w - 1.0, "-", "input 0"),
        (lambda w: w / 2.0, "/", "input 0"),
        (lambda w: w**2, "**", "input 0"),
        (lambda w: w ** Value(0.5), "**", "input 0"),
        (lambda w: w.tanh(), "tanh", "input 0"),
        (lambda w: w.relu(), "relu", "input 0"),
        (lambda w: w.sigmoid(), "sigmoid", "input 0"),
        (lambda w: w.exp(), "exp", "input 0"),
        (lambda w: w.log(), "log", "input 0"),
        (lambda w: w.sin(), "sin", "input 0"),
        (lambda w: w.sqrt(), "sqrt", "input 0"),
        (lambda w: -w, "neg", "input 0"),
        (lambda w: abs(w), "abs", "input 0"),
        (lambda w: w.leaky_relu(), "leaky_relu", "input 0"),
        (lambda w: Value.sum([1.0, w]), "sum", "input 1"),
        (lambda w: Value.mean([w, 1.0]), "mean", "input 0"),
        (lambda w: squared_error(w, 1.0), "squared_error", "input 0"),
        (lambda w: Value.dot([w, Value(1.0)], [1.0, 2.0]), "dot", "weight 0"),
        (lambda w: cross_entropy([[Value(0.0), w]], [0]), "max", "input 1"),
    ],
)
def test_a_leaf_holding_an_int_too_large_for_a_float_is_refused_naming_the_op(
    make: Callable[[Value], Value], op: str, where: str
) -> None:
    w = Value(1.0, "w")
    w.data = _HUGE
    with pytest.raises(ValueError) as caught:
        make(w)
    assert str(caught.value).startswith(
        f"{op}: {where} is an int of 401 digits, beyond a float's range"
    )


@pytest.mark.parametrize(
    ("make", "op"),
    [
        (lambda w: w.relu(), "relu"),
        (lambda w: w.tanh(), "tanh"),
        (lambda w: w.sigmoid(), "sigmoid"),
        (lambda w: w.exp(), "exp"),
        (lambda w: w / 2.0, "/"),
        (lambda w: cross_entropy([[w, Value(0.0)]], [0]), "max"),
    ],
)
def test_a_leaf_holding_a_complex_number_is_refused_naming_the_op(
    make: Callable[[Value], Value], op: str
) -> None:
    w = Value(1.0, "w")
    w.data = 1j  # type: ignore[assignment]
    with pytest.raises(
        TypeError, match=rf"^{re.escape(op)}: input 0 must be a number, got complex"
    ):
        make(w)


def test_a_layer_with_a_huge_int_weight_names_the_weight() -> None:
    model = MLP(2, [3, 1], seed=0)
    model.parameters()[1].data = _HUGE
    with pytest.raises(ValueError, match=r"^dot: weight 1 is an int of 401 digits"):
        model([1.0, 2.0])


def test_a_replay_meeting_a_huge_int_names_the_op_and_changes_nothing() -> None:
    w = Value(0.5, "w")
    root = (w * 2.0).relu()
    tape = Tape(root)
    w.data = _HUGE
    with pytest.raises(ValueError, match=r"^\*: input 0 is an int of 401 digits"):
        tape.forward()
    assert root.data == 1.0


def test_a_user_op_whose_kernel_gives_a_huge_int_is_named() -> None:
    value_op = define_op("huge_value", lambda x: (_HUGE, [1.0]))
    with pytest.raises(OverflowError, match=r"^huge_value: the kernel's value .* 401 digits"):
        value_op(1.0)
    partial_op = define_op("huge_partial", lambda x: (2.0, [_HUGE]))
    x = Value(1.0)
    out = partial_op(x)
    assert out.data == 2.0
    with pytest.raises(ValueError, match=r"backward through huge_partial\(1\) = 2: .* infinite"):
        out.backward()
    assert x.grad == 0.0


# --- accuracy: a prediction that is not finite has no class ---------------------------------


@pytest.mark.parametrize(
    ("predictions", "targets", "where"),
    [
        ([math.nan], [1], r"predictions\[0\] is nan"),
        ([0.5, -math.inf], [1, 0], r"predictions\[1\] is -inf"),
        ([[math.nan, 0.0]], [0], r"predictions\[0\]\[0\] is nan"),
        ([[0.0, 1.0], [2.0, math.inf]], [1, 0], r"predictions\[1\]\[1\] is inf"),
        ([Value(1.0), _HUGE], [1, 1], r"predictions\[1\] is an int of 401 digits"),
    ],
)
def test_accuracy_refuses_a_prediction_that_is_not_finite_naming_it(
    predictions: list[Any], targets: list[int], where: str
) -> None:
    with pytest.raises(ValueError, match=rf"^accuracy: {where}"):
        accuracy(predictions, targets)


# --- the engines keep the interpreter's rules ----------------------------------------------


class _Scaled(Module):
    """tanh(p·x·1e300): tanh(inf) would be 1, hiding the overflow of p·x·1e300."""

    def __init__(self) -> None:
        self.p = Value(0.5, "p")

    def parameters(self) -> list[Value]:
        return [self.p]

    def __call__(self, x: list[Any]) -> Value:
        return (self.p * x[0] * 1e300).tanh()


@pytest.mark.parametrize(
    "xs",
    [
        [[1.0], [1e10]],  # a later row overflows
        [[1e10], [1.0]],  # the first row overflows (the sample the engines are built from)
    ],
)
def test_an_overflow_is_the_same_divergence_on_every_engine(xs: list[list[float]]) -> None:
    runs = {engine: _fit(engine, _Scaled(), xs, [0.5, 0.2], lr=0.1, epochs=3) for engine in ENGINES}
    kind, message = runs["graph"]
    assert kind == "DivergenceError"
    assert message.startswith("training diverged at epoch 1, step 1: *: result of (5e+09, 1e+300)")
    for engine in ENGINES:
        assert runs[engine] == runs["graph"], engine


def test_an_overflow_after_some_steps_is_the_same_divergence_on_every_engine() -> None:
    xs, ys = [[1.0, -1.0], [0.5, 2.0], [-1.0, 0.25]], [1.0, -1.0, 0.5]
    runs = {
        engine: _fit(engine, MLP(2, [4, 1], seed=1), xs, ys, lr=1e153, epochs=4)
        for engine in ENGINES
    }
    kind, message = runs["graph"]
    assert kind == "DivergenceError" and not message.startswith("training diverged at epoch 1,")
    for engine in ("tape", "compiled"):
        assert runs[engine] == runs["graph"], engine
    # numpy's sums run in another order: the same error, its last loss to the last bits
    last = re.compile(r"last finite loss (\S+);")
    assert last.sub("", runs["numpy"][1]) == last.sub("", message)
    ours, theirs = last.search(runs["numpy"][1]), last.search(message)
    assert ours is not None and theirs is not None
    assert float(ours.group(1)) == pytest.approx(float(theirs.group(1)), rel=1e-13)


@pytest.mark.parametrize("cached", [False, True], ids=["fresh code", "cached code"])
@pytest.mark.parametrize(
    "bad", [math.nan, -math.inf, "0.5", None, pytest.param(_HUGE, id="int of 401 digits")]
)
def test_a_bad_weight_is_refused_by_every_engine_as_by_the_graph(bad: object, cached: bool) -> None:
    xs, ys = [[1.0, 2.0], [0.5, -1.0]], [0.5, 0.2]
    clear_cache()
    if cached:  # the compiled engine's code for this MLP structure, kept from a good fit
        assert _fit("compiled", MLP(2, [3, 1], seed=1), xs, ys, lr=0.1)[0] == "ok"

    def run(engine: str) -> tuple[Any, ...]:
        model = MLP(2, [3, 1], seed=0)
        model.parameters()[4].data = bad  # type: ignore[assignment]
        return _fit(engine, model, xs, ys, lr=0.1)

    runs = {engine: run(engine) for engine in ENGINES}
    assert runs["graph"][0] in ("ValueError", "TypeError")
    assert re.match(r"dot: weight 1 (is|must be)", runs["graph"][1])
    for engine in ENGINES:
        assert runs[engine] == runs["graph"], engine


def test_the_numpy_engine_still_matches_the_graph_engine_on_a_finite_fit() -> None:
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [0.1, 0.1]]
    ys = [0.25, -0.5, 1.0, 0.0]
    graph = _fit("graph", MLP(2, [4, 1], seed=3), xs, ys, loss=mse, lr=0.05, epochs=5)
    vector = _fit("numpy", MLP(2, [4, 1], seed=3), xs, ys, loss=mse, lr=0.05, epochs=5)
    assert graph[0] == vector[0] == "ok"
    assert vector[1] == pytest.approx(graph[1], rel=1e-13)
    assert vector[2] == pytest.approx(graph[2], rel=1e-13)
