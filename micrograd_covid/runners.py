"""How `fit` runs one batch: build the graph, replay a Tape, or run compiled code.

Each engine is a small object with `forward(batch) -> loss` and `backward()`; the first three
give the same losses and the same parameters, bit for bit:

- "graph": build the batch's graph (model, loss) every step and call `backward()` on it:
  what a hand-written training loop does.
- "tape": build each batch's graph once, then re-run it with a `Tape` (fixed batches).
- "compiled": build one sample's graph on placeholder Values, generate its code once
  (`micrograd_covid.compile`), and run every row of each batch through it, in the order the
  graph engine would, accumulating the gradients in the same order. A model whose graph has
  an op the generator does not know, or a loss other than mse / sse, runs on the graph
  engine instead, with a one-line warning.
- "numpy": the same one-sample graph evaluated over the whole batch with numpy arrays
  (`micrograd_covid.vectorized`), to about 1e-15 relative per step rather than bit for bit.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from . import checks, ops
from .compile import CompileWarning, Program, Unsupported, generate, recall, remember
from .debug import MODES, watched
from .engine import Value, interior_order
from .fast import without_gc
from .losses import PerRow
from .names import display_names
from .nn import MLP
from .tape import Tape

__all__ = ["ENGINES", "Runner", "make_runner", "without_gc"]

ENGINES = ("graph", "tape", "compiled", "numpy")


class Runner(Protocol):
    """One engine: `forward(batch)` returns the batch's loss, `backward()` accumulates the
    parameters' gradients of that loss."""

    def forward(self, batch: Sequence[int]) -> float:
        """The loss of the rows `batch` (indices into xs, ys)."""
        ...

    def backward(self) -> None:
        """Accumulate the gradients of the last forward's loss into the parameters."""
        ...


Build = Callable[[Sequence[int]], Value]


class GraphRunner:
    """Build the batch's graph, then `backward()` on it; the graph is dropped after."""

    def __init__(self, build: Build) -> None:
        """`build(batch)` returns the batch's loss node."""
        self.build = build
        self.root: Value | None = None

    def forward(self, batch: Sequence[int]) -> float:
        """Build the graph of `batch`; returns its loss."""
        self.root = self.build(batch)
        return self.root.data

    def backward(self) -> None:
        """Backpropagate through the graph of the last forward, then let it go."""
        if self.root is not None:
            self.root.backward()
            self.root = None


class TapeRunner:
    """Record each batch's graph on its first step, replay it on the next ones."""

    def __init__(self, build: Build) -> None:
        """`build(batch)` returns the batch's loss node."""
        self.build = build
        self.tapes: dict[tuple[int, ...], Tape] = {}
        self.tape: Tape | None = None

    def forward(self, batch: Sequence[int]) -> float:
        """Replay the batch's tape (recording it the first time); returns the loss."""
        key = tuple(batch)
        tape = self.tapes.get(key)
        if tape is None:
            root = self.build(batch)
            self.tape = self.tapes[key] = Tape(root)
            return root.data
        self.tape = tape
        return tape.forward()

    def backward(self) -> None:
        """Backpropagate over the tape of the last forward."""
        if self.tape is not None:
            self.tape.backward()


class CompiledRunner:
    """Run every row of a batch through code generated from one sample's graph."""

    def __init__(
        self,
        program: Program,
        rows: list[tuple[float, ...]],
        mean: bool,
        build: Build,
    ) -> None:
        """`program` computes one row's loss terms from its fed values `rows[i]`; `mean`
        says the loss averages the terms (mse) rather than adding them (sse); `build` makes
        the batch's graph for the interpreter, which re-runs a batch that met a value that
        is not finite, to raise the op's own error."""
        self.program = program
        self.rows = rows
        self.mean = mean
        self.build = build
        self.params = program.fixed
        self._data: tuple[float, ...] = ()
        self._saved: list[Any] = []
        self._seed = 1.0
        self._graph: Value | None = None
        self._batch: Sequence[int] | None = None  # fit passes the same list every epoch
        self._feed: list[tuple[float, ...]] = []

    def forward(self, batch: Sequence[int]) -> float:
        """Every row of `batch` through the generated forward; the loss as the graph's
        mean (or sum) node computes it."""
        self._graph = None
        if batch is not self._batch:
            rows = self.rows
            self._feed = [rows[i] for i in batch]
            self._batch = batch
        out: list[float] = []
        saved: list[Any] = []
        try:
            data = self.program.forward(self.params, self._feed, out, saved)
        except (ArithmeticError, ValueError):
            data = None
        if data is not None:
            # The loss node's arithmetic (`ops.mean` or `ops.sum_`): added left to right
            # from 0.0, then divided by n; it passes local · upstream (upstream 1.0) back.
            total = 0.0
            for term in out:
                total += term
            if self.mean:
                n = len(out)
                loss = total / n
                seed = (1.0 / n) * 1.0
            else:
                loss, seed = total, 1.0 * 1.0
            if loss - loss == 0.0:
                self._data, self._saved, self._seed = data, saved, seed
                return loss
        # Not finite: the interpreter raises the op's own error (or, for a false alarm,
        # gives the same numbers); backward then runs on that graph.
        self._batch = None
        self._graph = self.build(batch)
        return self._graph.data

    def backward(self) -> None:
        """Every row's gradients, the last row first (the graph engine's order), added to
        the parameters' `.grad`."""
        if self._graph is not None:
            self._graph.backward()
            self._graph = None
            return
        self.program.backward(self.params, self._data, self._saved, self._seed)


def make_runner(
    engine: str,
    build: Build,
    model: Callable[[Sequence[Any]], Value | list[Value]],
    xs: Sequence[Sequence[Any]],
    ys: Sequence[Any],
    loss: Callable[..., Value],
    *,
    shuffle: bool = False,
    batch_size: int | None = None,
) -> Runner:
    """The runner for `engine` ("graph", "tape", "compiled" or "numpy").

    `build(batch)` makes a batch's loss node the ordinary way; the compiled engine also needs
    the model, the data and the loss function to build one sample's graph.
    """
    if engine not in ENGINES:
        raise ValueError(f"fit: unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if MODES.no_grad:
        raise RuntimeError("fit: called inside no_grad(), where no graph is built to train on")
    if engine == "graph":
        return GraphRunner(build)
    if engine == "tape" and shuffle and batch_size != 1:
        raise ValueError(
            'fit: engine="tape" re-runs fixed batches; with shuffle=True use batch_size=1 '
            '(or engine="compiled")'
        )
    try:
        _check_leaf_parameters(model)
        if engine == "tape":
            return TapeRunner(build)  # Tape's backward runs hooks and anomaly checks
        if MODES.watching:
            _check_hooks(model)
        if engine == "compiled":
            return _compiled(build, model, xs, ys, loss)
        from .vectorized import NumpyRunner

        order, terms, fed, rows, _ = _sample(model, xs, ys, loss)
        return NumpyRunner(order, fed, terms, rows, _per_row(loss).mean, build)
    except _SampleFailed:
        # The first row fails in the model or the loss (an overflow, a bad parameter): the
        # graph engine meets it at the step that first runs that row and raises there, so
        # every engine raises the same error at the same step.
        return GraphRunner(build)
    except _NotValues as exc:
        # The model refused the placeholder Values. On the numbers the graph engine gives it,
        # it may run (a model that makes leaves of its inputs: `Value(x[0])`); if it fails
        # there too, the graph engine raises that error at the first step, as for the above.
        try:
            build([0])
        except Exception:
            return GraphRunner(build)
        reason = " ".join(str(exc.__cause__).split())
        warnings.warn(
            f'fit: engine="{engine}" cannot run this model (called on placeholder Values it '
            f'raised {type(exc.__cause__).__name__}: {reason[:160]}); running engine="graph"',
            CompileWarning,
            stacklevel=4,  # make_runner, fit, without_gc, the caller of fit
        )
        return GraphRunner(build)
    except Unsupported as exc:
        warnings.warn(
            f'fit: engine="{engine}" cannot run this model ({exc}); running engine="graph"',
            CompileWarning,
            stacklevel=4,  # make_runner, fit, without_gc, the caller of fit
        )
        return GraphRunner(build)


def _check_leaf_parameters(model: object) -> None:
    """Tape, compiled code and numpy re-run the recorded graph, so a parameter computed from
    other Values (``w = base * 2``) would be recomputed each step, not updated: Unsupported
    (the graph engine updates it, as a hand-written loop would)."""
    parameters = getattr(model, "parameters", None)
    if not callable(parameters):
        return
    for i, p in enumerate(parameters()):
        if isinstance(p, Value) and p.inputs:
            raise Unsupported(
                f"parameter {i} ({ops.fmt_number(p.name)}) is computed from other Values"
            )


class _SampleFailed(Exception):
    """Building one sample's graph on the first row raised: the graph engine takes over."""


def _check_hooks(model: object) -> None:
    """The compiled and numpy engines run no hooks and no anomaly checks: Unsupported while
    anomaly mode is on or a parameter has a hook (the graph engine runs them)."""
    parameters = getattr(model, "parameters", None)
    reason = watched(list(parameters()) if callable(parameters) else [])
    if reason is not None:
        raise Unsupported(reason)


class _NotValues(Exception):
    """The model raised TypeError when called on placeholder Values (rather than numbers)."""


Sample = tuple[
    list[Value], list[Value], list[Value], list[tuple[float, ...]], Callable[[], dict[Value, str]]
]


def _compiled(
    build: Build,
    model: Callable[[Sequence[Any]], Value | list[Value]],
    xs: Sequence[Sequence[Any]],
    ys: Sequence[Any],
    loss: Callable[..., Value],
) -> CompiledRunner:
    """The compiled engine's runner: the code from one sample's graph, or, for an `MLP` of a
    structure compiled before, that code bound to this model's parameters (no sample graph
    is built: the structure fixes the graph's shape)."""
    record = getattr(loss, "per_row", None)
    mlp = model if isinstance(model, MLP) and isinstance(record, PerRow) else None
    structure = mlp.structure() if mlp is not None else None
    key = None if structure is None else ("MLP", structure, loss)
    if key is not None and mlp is not None:
        params = mlp.parameters()
        # Distinct parameters only: a weight shared by two neurons (tied) is one leaf of the
        # graph, which the structure does not show.
        program = recall(key, params) if len(set(params)) == len(params) else None
        if program is not None:
            rows = _rows(xs, ys, len(xs[0]), len(mlp.layers[-1].neurons))
            return CompiledRunner(program, rows, _per_row(loss).mean, build)
    order, terms, fed, rows, names = _sample(model, xs, ys, loss)
    program = generate(order, terms, fed, names, title="one sample")
    if key is not None and mlp is not None and _same(program.fixed, mlp.parameters()):
        remember(key, program)
    return CompiledRunner(program, rows, _per_row(loss).mean, build)


def _per_row(loss: Callable[..., Value]) -> PerRow:
    """The loss's `per_row` record (see `losses.PerRow`); Unsupported for a loss without
    one (it is not computed row by row)."""
    record = getattr(loss, "per_row", None)
    if not isinstance(record, PerRow):
        raise Unsupported(
            f"loss {getattr(loss, '__name__', loss)!r} is not a sum or mean of per-row terms "
            "(mse and sse are)"
        )
    return record


def _same(a: Sequence[Value], b: Sequence[Value]) -> bool:
    """The same Values in the same order."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


def _sample(
    model: Callable[[Sequence[Any]], Value | list[Value]],
    xs: Sequence[Sequence[Any]],
    ys: Sequence[Any],
    loss: Callable[..., Value],
) -> Sample:
    """One sample's graph on placeholders (interior nodes in the batch graph's order), its
    loss terms, the placeholders, every row's fed values, and a function that gives the
    display names (needed only when code is written for a shape not seen before)."""
    term = _per_row(loss).term
    nin = len(xs[0])
    first = [_number(x, "xs[0]", j) for j, x in enumerate(xs[0])]
    placeholders = [Value(x, f"x{j + 1}", role="input") for j, x in enumerate(first)]
    try:
        out = model(placeholders)
        preds = out if isinstance(out, list) else [out]
        targets = [Value(0.0, "y" if len(preds) == 1 else f"y{k + 1}", "input") for k in preds]
        terms = [term(p, t) for p, t in zip(preds, targets)]
        sample = Value.sum(terms)  # only to order the sample's nodes as the batch's loss would
    except (ArithmeticError, ValueError) as exc:
        raise _SampleFailed from exc
    except TypeError as exc:
        raise _NotValues from exc
    order = interior_order(sample)[:-1]

    def names() -> dict[Value, str]:
        return display_names(_with_leaves(sample))

    return order, terms, placeholders + targets, _rows(xs, ys, nin, len(preds)), names


def _rows(
    xs: Sequence[Sequence[Any]], ys: Sequence[Any], nin: int, width: int
) -> list[tuple[float, ...]]:
    """Every row's fed values, inputs then targets, as floats: a clear error naming the
    first bad one (Unsupported for a Value among the inputs)."""
    rows = _plain_rows(xs, ys, nin, width)
    if rows is not None:
        return rows
    rows = []
    for i, (x, y) in enumerate(zip(xs, ys)):
        if len(x) != nin:
            raise ValueError(f"fit: xs[{i}] has {len(x)} values, xs[0] has {nin}")
        y_i = y if type(y) is list else list(y) if isinstance(y, Sequence) else [y]
        if len(y_i) != width:
            raise ValueError(f"fit: target {i} has {len(y_i)} values, the model {width} outputs")
        values = (*x, *y_i)
        if set(map(type, values)) <= _NUMBERS:
            row = tuple(map(float, values))
            total = sum(row)
            if total - total == 0.0:  # all finite
                rows.append(row)
                continue
        rows.append(_row(x, f"xs[{i}]") + _row(y_i, f"ys[{i}]"))
    return rows


def _plain_rows(
    xs: Sequence[Sequence[Any]], ys: Sequence[Any], nin: int, width: int
) -> list[tuple[float, ...]] | None:
    """Every row's fed values, checked in a few passes over the whole table, for what `fit`
    passes on (lists of rows of finite floats, `nin` inputs and `width` targets each); None
    for anything else, which the row by row check takes (and names what is wrong)."""
    if len(xs) != len(ys) or checks.float_table_width(xs) != nin:
        return None
    if checks.float_table_width(ys) != width:
        return None
    return [(*x, *y) for x, y in zip(xs, ys)]


def _with_leaves(root: Value) -> list[Value]:
    from .engine import topological_order

    return topological_order(root)


_NUMBERS = {float, int}


def _row(values: Sequence[Any], where: str) -> tuple[float, ...]:
    """A row's values as floats; a clear error naming the first bad one."""
    if set(map(type, values)) <= {float, int}:
        row = tuple(map(float, values))
        total = sum(row)
        if total - total == 0.0:  # all finite
            return row
    return tuple(_number(v, where, j) for j, v in enumerate(values))


def _number(x: object, where: str, j: int) -> float:
    """A row's value as a float, or a clear error naming where it is."""
    if isinstance(x, Value):
        raise Unsupported(f"{where}[{j}] is a Value, not a number")
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"fit: {where}[{j}] must be a number, got {type(x).__name__}")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"fit: {where}[{j}] is {value!r}; the data must be finite")
    return value
