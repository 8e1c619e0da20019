"""The four tutorials, reproduced number for number with the engine.

Each tutorial is a function that returns a `TutorialResult`: the lines it prints and the
numbers it computed, so the tests check the same code the command line runs. Every gradient
comes from `backward()`.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import checks
from .data import Scaler, daily_infections, regression_rows
from .engine import Value
from .losses import mse, squared_error
from .nn import MLP, Module
from .optim import SGD
from .train import History, Row, fit

__all__ = ["TUTORIALS", "Echo", "Progress", "TutorialResult", "js_number", "tutorial_graph"]


#: Receives each printed line as it is made (the command line passes `print`).
Echo = Callable[[str], None]
#: Receives (done, total) as a long tutorial advances, for a progress display.
Progress = Callable[[int, int], None]


@dataclass
class TutorialResult:
    """What a tutorial printed (`lines`) and computed (`numbers`).

    With an `echo` function each line goes to it as soon as it is made and `lines` stays
    empty (a run of a million iterations holds no output in memory); without, the lines
    are collected in `lines`. `progress(done, total)` is told how far a long run is.
    """

    name: str
    lines: list[str] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    history: History | None = None
    echo: Echo | None = field(default=None, repr=False)
    progress: Progress | None = field(default=None, repr=False)

    def say(self, line: str = "") -> None:
        """Print one line: to `echo` when there is one, else into `lines`."""
        if self.echo is not None:
            self.echo(line)
        else:
            self.lines.append(line)

    def tick(self, done: int, total: int) -> None:
        """Report progress (done of total iterations or epochs)."""
        if self.progress is not None:
            self.progress(done, total)

    def __str__(self) -> str:
        return "\n".join(self.lines)


HALVED = (
    "note: the tutorial's derivative drops the 2 of d(e²)/de = 2e, so the engine's exact "
    "gradient is applied with {what} to print the same numbers"
)


# --- part 1: one weight ---------------------------------------------------------------------


def _count(value: int, what: str) -> int:
    return checks.count(value, what)


def guess(
    iterations: int = 20,
    step: float = 0.05,
    *,
    echo: Echo | None = None,
    progress: Progress | None = None,
) -> TutorialResult:
    """Part 1: guess the number: step the weight up or down, whichever error is smaller."""
    iterations = _count(iterations, "guess: iterations")
    step = checks.positive(step, "guess: step")
    r = TutorialResult("guess", echo=echo, progress=progress)
    r.say(f"weight 0.5, input 3, target 4, step {step}")
    weight, data, target = 0.5, 3.0, 4.0
    errors, predictions = array("d"), array("d")
    for i in range(iterations):
        w = Value(weight, "w")
        prediction = w * data
        error = squared_error(prediction, target)
        r.say(
            f"iteration {i + 1} error: {js_number(error.data)} "
            f"prediction: {js_number(prediction.data)}"
        )
        errors.append(error.data)
        predictions.append(prediction.data)
        up_error = squared_error((w + step) * data, target)
        down_error = squared_error((w - step) * data, target)
        if up_error < down_error:
            weight += step
        else:
            weight -= step
        r.tick(i + 1, iterations)
    r.numbers.update(errors=errors, predictions=predictions, weight=weight)
    return r


def _descent_run(
    r: TutorialResult, alpha: float, iterations: int, done: int
) -> tuple[array[float], array[float], bool]:
    """The errors and predictions of one run, and whether it stopped on an overflow."""
    w = Value(0.5, "w", role="param")
    # SGD at alpha/2 on the exact gradient 2·e·x equals the tutorial's alpha·e·x bit for bit.
    opt = SGD([w], lr=alpha / 2)
    errors, predictions = array("d"), array("d")
    for i in range(iterations):
        try:
            prediction = w * 3.0
            error = squared_error(prediction, 4.0)
            opt.zero_grad()
            error.backward()
            opt.step()
        except (OverflowError, FloatingPointError) as exc:
            r.say(f"iteration {i + 1}: stopped, the numbers left float range ({exc})")
            return errors, predictions, True
        r.tick(done + i + 1, 2 * iterations)
        errors.append(error.data)
        predictions.append(prediction.data)
        r.say(
            f"iteration {i + 1} error: {js_number(error.data)} "
            f"prediction: {js_number(prediction.data)}"
        )
    return errors, predictions, False


def descent(
    iterations: int = 20,
    lr: float = 0.1,
    *,
    echo: Echo | None = None,
    progress: Progress | None = None,
) -> TutorialResult:
    """Part 1: gradient descent on one weight, without a learning rate (α = 1), then with α."""
    iterations = _count(iterations, "descent: iterations")
    lr = checks.positive(lr, "descent: lr")
    r = TutorialResult("descent", echo=echo, progress=progress)
    r.say(HALVED.format(what="half the learning rate"))
    r.say("gradient descent without a learning rate (α = 1):")
    errors, predictions, stopped = _descent_run(r, 1.0, iterations, 0)
    diverged = stopped or errors[-1] > errors[0]
    if diverged:
        r.say(
            f"diverged: the error grew from {errors[0]:g} to {errors[-1]:.4g} in "
            f"{len(errors)} iterations; every step overshoots the minimum"
        )
    r.numbers.update(errors=errors, predictions=predictions, diverged=diverged)
    r.say()
    r.say(f"gradient descent with a learning rate α = {lr}:")
    errors, predictions, stopped = _descent_run(r, lr, iterations, iterations)
    if stopped or errors[-1] > errors[0]:
        r.say(f"diverged at α = {lr}: try a smaller --lr")
    r.numbers.update(alpha_errors=errors, alpha_predictions=predictions, alpha=lr)
    return r


def js_number(x: float) -> str:
    """Format a float as JavaScript's ``String(x)`` does (the tutorials' console.log).

    Shortest round-trip digits, like Python's repr, laid out by ECMAScript's
    Number::toString: ``4`` not ``4.0``, ``0.0000062499999999997335``, ``6.25e-8``.
    """
    if x == 0.0:
        return "0"
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    sign = "-" if x < 0 else ""
    t = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, t.digits))
    k = len(digits)
    n = int(t.exponent) + k
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        body = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


# --- part 2: generalized gradient descent, vectorized, deep ------------------------------------


class _Recorder(Module):
    """Wraps a model and keeps every prediction it makes (for the per-step lines)."""

    def __init__(self, model: MLP) -> None:
        self.model = model
        self.last = math.nan

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        return self.model.named_parameters()

    def __call__(self, x: Row) -> Value | list[Value]:
        out = self.model(x)
        assert isinstance(out, Value)
        self.last = out.data
        return out


def _shown(epoch: int, epochs: int) -> bool:
    """The epochs a part-2 tutorial prints: the first three and the last three."""
    return epoch <= 3 or epoch > epochs - 3


def generalized(
    epochs: int = 100,
    lr: float = 0.0002,
    *,
    echo: Echo | None = None,
    progress: Progress | None = None,
) -> TutorialResult:
    """Part 2: two features, weights [1.0, 0.5], one update per example."""
    epochs = _count(epochs, "generalized: epochs")
    lr = checks.positive(lr, "generalized: lr")
    r = TutorialResult("generalized", echo=echo, progress=progress)
    r.say(HALVED.format(what=f"learning rate {lr / 2:g} (= α/2, α = {lr:g})"))
    xs, ys = daily_infections()
    model = MLP.from_weights([[[1.0, 0.5]]], None, output_activation="linear")
    recorder = _Recorder(model)
    predictions: list[list[float]] = []
    losses: list[float] = []

    def each_step(epoch: int, step: int, loss: float) -> None:
        # Print each shown epoch as soon as it ends (the error is its mean step loss).
        if step == 1:
            predictions.append([])
            losses.clear()
        predictions[-1].append(recorder.last)
        losses.append(loss)
        if step < len(xs):
            return
        if _shown(epoch, epochs):
            r.say(f"epoch {epoch}")
            for p in predictions[-1]:
                r.say(f"prediction: {js_number(p)}")
            r.say(f"error: {js_number(sum(losses) / len(losses))}")
            r.say()
        elif epoch == 4:
            r.say("...")
            r.say()
        r.tick(epoch, epochs)

    history = fit(
        recorder, xs, ys, loss="mse", lr=lr / 2, epochs=epochs, batch_size=1, callback=each_step
    )
    r.numbers.update(
        predictions=predictions, epoch_loss=history.epoch_loss, weights=model.weights()[0][0]
    )
    r.history = history
    return r


def vectorized(
    epochs: int = 100,
    lr: float = 0.0002,
    *,
    echo: Echo | None = None,
    progress: Progress | None = None,
) -> TutorialResult:
    """Part 2: the same data as one full batch per epoch (the TensorFlow.js version)."""
    epochs = _count(epochs, "vectorized: epochs")
    lr = checks.positive(lr, "vectorized: lr")
    r = TutorialResult("vectorized", echo=echo, progress=progress)
    r.say(
        "note: the tutorial's update α·Xᵀ(ŷ − y) is the gradient of the sum of squared errors "
        f"halved; the engine's MSE gradient is applied at learning rate {2 * lr:g} (= 2α, "
        "n = 4) to match it"
    )
    xs, ys = daily_infections()
    model = MLP.from_weights([[[1.0, 0.5]]], None, output_activation="linear")

    def each_epoch(epoch: int, step: int, loss: float) -> None:
        # One full-batch step per epoch: the step's loss is the epoch's error.
        if _shown(epoch, epochs):
            r.say(f"epoch {epoch} error: {js_number(loss)}")
        elif epoch == 4:
            r.say("...")
        r.tick(epoch, epochs)

    history = fit(
        model, xs, ys, loss="mse", lr=2 * lr, epochs=epochs, batch_size=None, callback=each_epoch
    )
    r.say(
        "note: the tutorial printed 0.7478042244911194 at epoch 100: TensorFlow.js computes "
        "in float32; this is float64"
    )
    r.numbers.update(epoch_loss=history.epoch_loss, weights=model.weights()[0][0])
    r.history = history
    return r


def _series(items: Sequence[int]) -> str:
    return ", ".join(str(i) for i in items)


def _mean(xs: Sequence[float]) -> float:
    return math.fsum(xs) / len(xs)


def _mean_abs_grads(model: MLP, layer: int) -> float:
    return _mean([abs(w.grad) for n in model.layers[layer].neurons for w in n.w])


def _diagnose(model: MLP, xs: Sequence[Sequence[float]], ys: Sequence[float]) -> dict[str, float]:
    """Saturation of the hidden tanh units and the gradients of each layer, on the batch."""
    hidden = model.layers[0]
    activations = [n(x).data for x in xs for n in hidden.neurons]
    preds = [model(x) for x in xs]
    loss = mse([p for p in preds if isinstance(p, Value)], ys)
    model.zero_grad()
    loss.backward()
    return {
        "saturated": sum(abs(a) > 0.99 for a in activations) / len(activations),
        "mean_tanh_slope": _mean([1 - a * a for a in activations]),
        "grad_layer0": _mean_abs_grads(model, 0),
        "grad_layer1": _mean_abs_grads(model, 1),
        "loss": loss.data,
    }


def deep(
    epochs: int = 20,
    lr: float = 0.01,
    seed: int = 0,
    *,
    echo: Echo | None = None,
    progress: Progress | None = None,
) -> TutorialResult:
    """Part 2: a 2-4-1 tanh network without biases, U[0, 1) weights; why it stalls, and a fix."""
    epochs = _count(epochs, "deep: epochs")
    lr = checks.positive(lr, "deep: lr")
    seed = checks.count(seed, "deep: seed", minimum=-(2**63))
    r = TutorialResult("deep", echo=echo, progress=progress)
    r.say(
        "note: the tutorial's update drops the 2 and the 1/n of the MSE gradient; the engine's "
        f"MSE gradient is applied at learning rate {2 * lr:g} (= α·n/2, n = 4) to match it"
    )
    xs, ys = daily_infections()
    model = MLP(2, [4, 1], "tanh", "linear", bias=False, init="uniform01", seed=seed)

    def each_epoch(epoch: int, step: int, loss: float) -> None:
        r.say(f"epoch {epoch} error: {js_number(loss)}")  # full batch: one step per epoch
        r.tick(epoch, 2 * epochs)

    history = fit(model, xs, ys, loss="mse", lr=2 * lr, epochs=epochs, callback=each_epoch)
    d = _diagnose(model, xs, ys)
    r.say()
    r.say(f"why the error stays high (measured after epoch {epochs}):")
    r.say(
        f"- {d['saturated']:.0%} of the hidden tanh outputs are beyond ±0.99: raw inputs up to "
        f"12 with weights in [0, 1) push tanh into its flat tails (mean slope 1 − tanh² = "
        f"{d['mean_tanh_slope']:.3g})"
    )
    r.say(
        f"- mean |gradient| of the first layer's weights {d['grad_layer0']:.3g}, of the output "
        f"layer's {d['grad_layer1']:.3g}: "
        + (
            "the hidden weights barely learn"
            if d["grad_layer0"] < d["grad_layer1"]
            else "the few unsaturated units get large gradients (inputs up to 12), "
            "so steps overshoot"
        )
    )
    rises = [
        e for e in range(2, epochs + 1) if history.epoch_loss[e - 1] > history.epoch_loss[e - 2]
    ]
    if rises:
        r.say(f"- the error went up again at epoch{'s' if len(rises) > 1 else ''} {_series(rises)}")
    r.say(
        "- without biases the output is a weighted sum of hidden units pinned near ±1: it can "
        "hardly tell the four days apart"
    )
    # The fix: standardised inputs and targets, biases, Glorot initialisation.
    x_scaler, y_scaler = Scaler().fit(xs), Scaler().fit(ys)
    xs_s, ys_s = x_scaler.transform(xs), y_scaler.transform(ys)
    fixed = MLP(2, [4, 1], "tanh", "linear", bias=True, init="glorot", seed=seed)
    fixed_history = fit(
        fixed,
        xs_s,
        ys_s,
        loss="mse",
        lr=0.1,
        epochs=epochs,
        callback=lambda epoch, step, loss: r.tick(epochs + epoch, 2 * epochs),
    )
    outs = [fixed(x) for x in xs_s]
    preds = y_scaler.inverse([o.data for o in outs if isinstance(o, Value)])
    fixed_loss = _mean([(p - y) ** 2 for p, y in zip(preds, ys)])
    fd = _diagnose(fixed, xs_s, ys_s)
    r.say()
    r.say("the fix: standardised inputs and targets (Scaler), biases, Glorot initialisation,")
    r.say(f"learning rate 0.1, {epochs} epochs:")
    for epoch in sorted({1, max(1, epochs // 2), epochs}):
        r.say(f"epoch {epoch} error (scaled units): {fixed_history.epoch_loss[epoch - 1]!r}")
    r.say(
        f"error in infections²: {d['loss']:.4g} before the fix, {fixed_loss:.4g} after "
        f"({d['loss'] / fixed_loss:.3g}× lower); saturated units {d['saturated']:.0%} → "
        f"{fd['saturated']:.0%}"
    )
    r.numbers.update(
        epoch_loss=history.epoch_loss,
        diagnosis=d,
        fixed_loss=fixed_loss,
        fixed_diagnosis=fd,
    )
    r.history = history
    return r


# --- the linear-regression walkthrough ---------------------------------------------------------


@dataclass
class _Walkthrough:
    w1: Value
    w2: Value
    b: Value

    @classmethod
    def start(cls) -> _Walkthrough:
        return cls(
            Value(-0.017, "w1", role="param"),
            Value(-0.048, "w2", role="param"),
            Value(0.0, "b", role="param"),
        )

    def graph(self, row: tuple[float, float, float]) -> tuple[Value, Value, dict[str, Value]]:
        x1 = Value(row[0], "x1", role="input")
        x2 = Value(row[1], "x2", role="input")
        y = Value(row[2], "y", role="input")
        y_hat = Value.dot([self.w1, self.w2], [x1, x2], self.b)
        y_hat.label, y_hat.role = "ŷ", "model"
        loss = squared_error(y_hat, y)
        loss.label = "L"
        return y_hat, loss, {"x1": x1, "x2": x2, "y": y}


def regression(
    lr: float = 0.05,
    epochs: int = 200,
    fixed_lr: float = 0.01,
    out: str | Path | None = None,
    *,
    echo: Echo | None = None,
    progress: Progress | None = None,
) -> TutorialResult:
    """The walkthrough: ŷ = w1·x1 + w2·x2 + b, L = (ŷ − y)², batch size 1, step by step."""
    lr = checks.positive(lr, "regression: lr")
    epochs = _count(epochs, "regression: epochs")
    fixed_lr = checks.positive(fixed_lr, "regression: fixed_lr")
    r = TutorialResult("regression", echo=echo, progress=progress)
    rows = regression_rows()
    model = _Walkthrough.start()
    params = [model.w1, model.w2, model.b]
    opt = SGD(params, lr=lr)
    r.say(f"w1 = {model.w1.data}, w2 = {model.w2.data}, b = {model.b.data}; learning rate {lr}")
    steps: list[dict[str, float]] = []
    for step, row in enumerate(rows, start=1):
        try:
            y_hat, loss, _ = model.graph(row)
        except OverflowError as exc:
            r.say()
            r.say(f"step {step}: stopped, the numbers left float range ({exc})")
            break
        opt.zero_grad()
        loss.backward()
        if step == 1 and out is not None:
            r.files += _walkthrough_pictures(loss, Path(out), "before")
        g = 2 * (y_hat.data - row[2])
        r.say()
        r.say(f"step {step}: (x1, x2, y) = {row[0]:g}, {row[1]:g}, {row[2]:g}")
        r.say(f"  ŷ = w1·x1 + w2·x2 + b = {y_hat.data:.10g}")
        r.say(f"  L = (ŷ − y)² = {loss.data:.10g}")
        r.say(f"  ∂L/∂ŷ = 2(ŷ − y) = {loss.local_grads[0]:.10g}")
        r.say(f"  ∂ŷ/∂w1 = x1 = {row[0]:g}, ∂ŷ/∂w2 = x2 = {row[1]:g}, ∂ŷ/∂b = 1")
        for p, x in ((model.w1, row[0]), (model.w2, row[1]), (model.b, 1.0)):
            r.say(f"  ∂L/∂{p.label} = ∂L/∂ŷ · ∂ŷ/∂{p.label} = ({g:.10g})({x:g}) = {p.grad:.10g}")
        try:
            opt.step()
        except FloatingPointError as exc:
            r.say(f"  stopped: {exc}")
            break
        updates = ", ".join(f"{p.label}: {p.previous:.10g} → {p.data:.10g}" for p in params)
        r.say(f"  update (η = {lr}): {updates}")
        if step == 1 and out is not None:
            r.files += _walkthrough_pictures(loss, Path(out), "after")
        steps.append(
            {
                "y_hat": y_hat.data,
                "loss": loss.data,
                "dL_dyhat": loss.local_grads[0],
                "grad_w1": model.w1.grad,
                "grad_w2": model.w2.grad,
                "grad_b": model.b.grad,
                "w1": model.w1.data,
                "w2": model.w2.data,
                "b": model.b.data,
            }
        )
    r.say()
    losses = [s["loss"] for s in steps]
    if len(losses) < len(rows) or losses[-1] > losses[0]:
        r.say(
            f"diverged within the first epoch at learning rate {lr}: L went from "
            f"{losses[0]:.6g} to {losses[-1]:.6g} at step {len(losses)}"
            if losses
            else f"diverged at the first step at learning rate {lr}"
        )
    r.numbers["steps"] = steps
    # Train again from the start at a smaller rate; y = x1 − 2·x2 fits the rows exactly.
    model = _Walkthrough.start()
    xs = [[Value(x1), Value(x2)] for x1, x2, _ in rows]
    ys = [y for _, _, y in rows]

    class Linear(Module):
        def named_parameters(self) -> Iterator[tuple[str, Value]]:
            yield from (("w1", model.w1), ("w2", model.w2), ("b", model.b))

        def __call__(self, x: Row) -> Value:
            return Value.dot([model.w1, model.w2], x, model.b)

    history = fit(
        Linear(),
        xs,
        ys,
        loss="mse",
        lr=fixed_lr,
        epochs=epochs,
        batch_size=1,
        callback=lambda epoch, step, loss: r.tick(epoch, epochs) if step == len(rows) else None,
    )
    r.say(f"again at learning rate {fixed_lr}, {epochs} epochs of batch size 1:")
    for epoch in (1, 10, 50, epochs):
        if epoch <= epochs:
            r.say(f"epoch {epoch} error: {history.epoch_loss[epoch - 1]:.6g}")
    r.say(
        f"w1 = {model.w1.data:.6f}, w2 = {model.w2.data:.6f}, b = {model.b.data:.6f} "
        "(the rows fit y = x1 − 2·x2: w1 → 1, w2 → −2, b → 0)"
    )
    r.numbers.update(
        fixed_loss=history.epoch_loss, fixed=(model.w1.data, model.w2.data, model.b.data)
    )
    r.history = history
    return r


def _walkthrough_pictures(loss: Value, out: Path, when: str) -> list[Path]:
    """The walkthrough's step-1 pictures, each one moment: "before" is the forward and
    backward pass (drawn again after the step, with each parameter's update old → new);
    "after" is a fresh forward pass with the new weights."""
    from .draw import render
    from .engine import topological_order

    out.mkdir(parents=True, exist_ok=True)
    before = out / "regression_step1_before.svg"
    if when == "before":
        title = "Step 1: forward pass, partial differentials and gradients"
        return [render(loss, before, title=title)]
    render(loss, before, title="Step 1: gradients, and the update old → new (η = 0.05)")
    leaves = {n.label: n for n in topological_order(loss) if not n.inputs}
    model = _Walkthrough(
        *(Value(leaves[name].data, name, role="param") for name in ("w1", "w2", "b"))
    )
    _, fresh, _ = model.graph((leaves["x1"].data, leaves["x2"].data, leaves["y"].data))
    title = "After the update (η = 0.05): a fresh forward pass with the new weights"
    return [render(fresh, out / "regression_step1_after.svg", title=title, show_grads=False)]


def regression_graph() -> Value:
    """The walkthrough's graph of step 1 with its gradients (the loss L)."""
    model = _Walkthrough.start()
    _, loss, _ = model.graph(regression_rows()[0])
    loss.backward()
    return loss


def tutorial_graph(name: str) -> Value:
    """The computation graph of one training step of a tutorial, after backward."""
    if name == "regression":
        return regression_graph()
    if name in ("guess", "descent"):
        w = Value(0.5, "w", role="param")
        prediction = w * Value(3.0, "x", role="input")
        prediction.label, prediction.role = "ŷ", "model"
        root = squared_error(prediction, Value(4.0, "y", role="input"))
    else:
        xs, ys = daily_infections()
        if name == "deep":
            model = MLP(2, [4, 1], "tanh", "linear", bias=False, init="uniform01", seed=0)
        elif name in ("generalized", "vectorized"):
            model = MLP.from_weights([[[1.0, 0.5]]], None, output_activation="linear")
        else:
            raise ValueError(f"unknown tutorial {name!r}; choose one of {', '.join(TUTORIALS)}")
        count = len(xs) if name == "vectorized" else 1  # one sample keeps a network legible
        # Every sample's features are x1, x2; the drawings tell samples apart (x1#2, …).
        inputs = [
            [Value(a, "x1", role="input"), Value(b, "x2", role="input")] for a, b in xs[:count]
        ]
        preds = [model(x) for x in inputs]
        root = mse([p for p in preds if isinstance(p, Value)], ys[:count])
    root.label = "L"
    root.backward()
    return root


def drawing_pictures(out: str | Path) -> list[Path]:
    """The README's drawings, as PNGs in `out`: the walkthrough's step 1 (gradients and the
    update), the deep tutorial's 2-4-1 network at level "node" (by layer), and a 2-16-16-1
    network trained on two moons, one sample at level "neuron"."""
    from .draw import render

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    loss = regression_graph()
    SGD([n for n in loss.inputs[0].inputs if n.role == "param"], lr=0.05).step()
    paths = [
        render(
            loss,
            out / "walkthrough.png",
            title="Step 1: gradients, and the update old → new (η = 0.05)",
        ),
        render(
            tutorial_graph("deep"),
            out / "deep_2-4-1_nodes.png",
            title="The deep tutorial's 2-4-1 network, one sample: every node, layer by layer",
        ),
    ]
    sample, title = moons_sample_graph()
    paths.append(render(sample, out / "moons_2-16-16-1_neurons.png", level="neuron", title=title))
    return paths


def moons_sample_graph(epochs: int = 30) -> tuple[Value, str]:
    """One sample's loss, backpropagated, through a 2-16-16-1 tanh network trained `epochs`
    epochs on two moons, and the picture's title. The sample is fed as the placeholders
    x1, x2 and y (drawn orange, as in the walkthrough), not as numbers."""
    from .data import moons

    xs, labels = moons(80, seed=0)
    ys = [float(label) for label in labels]
    model = MLP(2, [16, 16, 1], "tanh", "tanh", seed=0)
    fit(model, xs, ys, loss="mse", lr=0.1, epochs=epochs, batch_size=10, shuffle=True, seed=0)
    x1, x2, y = Value(xs[0][0], "x1"), Value(xs[0][1], "x2"), Value(ys[0], "y")
    prediction = model([x1, x2])
    assert isinstance(prediction, Value)
    sample = squared_error(prediction, y)
    sample.label = "L"
    sample.backward()
    title = (
        f"A 2-16-16-1 tanh network after {epochs} epochs on two moons: one sample "
        f"(x = {xs[0][0]:.2f}, {xs[0][1]:.2f}; y = {ys[0]:g}), one box per neuron"
    )
    return sample, title


TUTORIALS: dict[str, Callable[..., TutorialResult]] = {
    "guess": guess,
    "descent": descent,
    "generalized": generalized,
    "vectorized": vectorized,
    "deep": deep,
    "regression": regression,
}
