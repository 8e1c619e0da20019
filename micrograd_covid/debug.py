"""Debug backprop as PyTorch users do: gradient hooks, `no_grad`, and anomaly mode.

- ``node.register_hook(fn)``: during backward, ``fn(grad)`` is called once the node's
  gradient is complete (every contribution has arrived); a number returned replaces that
  gradient before it flows on to the node's inputs, None keeps it. Several hooks run in the
  order they were registered; ``handle.remove()`` takes one off. On an interior node the
  replaced gradient is what `.grad` then holds; on a leaf the hook sees this backward's
  gradient alone, and what it returns is added to `.grad` (gradients accumulate). Hooks are
  not copied with a graph (copy, deepcopy, pickle).
- ``no_grad()``: inside it (a ``with`` block or a decorated function) ops return leaves that
  hold the value, with no inputs and no partials: evaluation without graphs.
- ``detect_anomaly()`` and ``set_detect_anomaly(flag)``: while on, each node records where
  it was made (`Value.origin`: file, line and function of the first frame outside this
  package), backward checks every gradient is finite, and every error backward raises names
  the node, its op and that line: ``sqrt at train.py:12 in loss_fn: ...``.

Off, all of this costs one flag check per node made and one per backward. The modes are
global and, like the rest of the engine, not thread-safe: one thread's ``no_grad()`` is every
thread's. This module holds the machinery; `engine` asks `MODES` and calls in here.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import math
import numbers
import os
import sys
import types
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, ParamSpec, TypeVar, overload

from . import checks
from .formatting import fmt_number
from .names import display_names, short_label
from .steps import BackwardEdge, BackwardStep

if TYPE_CHECKING:
    from .engine import Value

__all__ = [
    "MODES",
    "HookHandle",
    "Origin",
    "detect_anomaly",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_detect_anomaly",
]

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound="_Switch")
Hook = Callable[[float], Any]


class _Modes:
    """The flags the engine reads. `on`: a node being made needs `new_node` (no_grad or
    anomaly mode); `watching`: backward takes the loop with hooks and checks (some node has
    a hook, or anomaly mode is on)."""

    __slots__ = ("anomaly", "hooked", "no_grad", "on", "watching")

    def __init__(self) -> None:
        self.no_grad = False
        self.anomaly = False
        self.hooked = 0  # how many live nodes have hooks
        self.on = False
        self.watching = False

    def update(self) -> None:
        self.on = self.no_grad or self.anomaly
        self.watching = self.anomaly or self.hooked > 0


MODES = _Modes()


class Origin(NamedTuple):
    """Where a node was made: the first frame outside micrograd_covid (the user's line)."""

    filename: str
    lineno: int
    function: str

    def __str__(self) -> str:
        return f"{_short_path(self.filename)}:{self.lineno} in {self.function}"


class _Notes:
    """What this module keeps on a node, as its attribute `_debug_notes`: its hooks and its
    origin. Only the node refers to it (a handle holds it weakly), so it dies with the node,
    and then the node's hooks stop counting."""

    __slots__ = ("__weakref__", "hooks", "origin")

    def __init__(self) -> None:
        self.hooks: list[tuple[int, Hook]] = []
        self.origin: Origin | None = None

    def __del__(self) -> None:
        if self.hooks:
            _count_hooked(-1)


def _count_hooked(change: int) -> None:
    MODES.hooked += change
    MODES.update()


def _notes(node: Value) -> _Notes | None:
    notes: _Notes | None = getattr(node, "_debug_notes", None)
    return notes


def _notes_for(node: Value) -> _Notes:
    notes = _notes(node)
    if notes is None:
        notes = node._debug_notes = _Notes()
    return notes


# --- hooks -------------------------------------------------------------------------------------


class HookHandle:
    """What `Value.register_hook` returns: ``remove()`` takes the hook off its node.

    It holds the node's hooks weakly (a handle kept around does not keep a graph alive)."""

    __slots__ = ("_key", "_notes")

    def __init__(self, notes: _Notes, key: int) -> None:
        self._notes = weakref.ref(notes)
        self._key = key

    def remove(self) -> None:
        """Take the hook off (again, or once its node is gone: nothing happens)."""
        notes = self._notes()
        if notes is None or not notes.hooks:
            return
        notes.hooks = [(key, fn) for key, fn in notes.hooks if key != self._key]
        if not notes.hooks:
            _count_hooked(-1)

    def __enter__(self) -> HookHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


_hook_keys = itertools.count(1)


def register_hook(node: Value, fn: Hook) -> HookHandle:
    """Add `fn` to `node`'s hooks (see `Value.register_hook`)."""
    if not callable(fn):
        raise TypeError(f"register_hook: the hook must be callable, got {type(fn).__name__}")
    notes = _notes_for(node)
    key = next(_hook_keys)
    if not notes.hooks:
        _count_hooked(1)
    notes.hooks.append((key, fn))
    return HookHandle(notes, key)


def hooks_of(node: Value) -> list[tuple[int, Hook]]:
    """The node's hooks, in registration order (empty for most nodes)."""
    notes = _notes(node)
    return notes.hooks if notes is not None else []


def watched(nodes: Sequence[Value]) -> str | None:
    """Why these nodes need the interpreter's backward ("anomaly mode is on", "node L0.n0.w1
    has a hook", by its display name among `nodes`), or None: what the compiled and numpy
    engines fall back for."""
    if MODES.anomaly:
        return "anomaly mode is on"
    if not MODES.hooked:
        return None
    for node in nodes:
        if hooks_of(node):
            return f"node {display_names(nodes)[node]} has a hook"
    return None


def _run_hooks(node: Value, grad: float, names: _Names) -> float:
    for _, fn in list(hooks_of(node)):
        try:
            result = fn(grad)
        except Exception as error:
            add_note = getattr(error, "add_note", None)  # Python 3.11+
            if add_note is not None:
                add_note(f"in the hook {_fn_name(fn)} of {describe(node, names())}")
            raise
        if result is None:
            continue
        if isinstance(result, bool) or not isinstance(result, numbers.Real):
            raise TypeError(
                f"{describe(node, names())}: its hook {_fn_name(fn)} returned "
                f"{type(result).__name__} ({fmt_number(result)}); a hook returns the new "
                "gradient (a number) or None"
            )
        new = float(result)
        if not math.isfinite(new):
            raise ValueError(
                f"{describe(node, names())}: its hook {_fn_name(fn)} returned {new!r} for "
                f"the gradient {fmt_number(grad)}; a hook must return a finite number or None"
            )
        grad = new
    return grad


def _fn_name(fn: Callable[..., Any]) -> str:
    """A function as a message names it: ``scale()``, ``Model.hook()``, and a lambda (at
    module level or inside a function) by where it is written: ``(the lambda at train.py:9)``."""
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    code = getattr(fn, "__code__", None)
    if name.endswith("<lambda>") and code is not None:
        return f"(the lambda at {_short_path(code.co_filename)}:{code.co_firstlineno})"
    return f"{name}()"


# --- the backward loop with hooks and checks ---------------------------------------------------

_Names = Callable[[], dict[Any, str]]
Edge = tuple["Value", float, float]


def steps(
    root: Value,
    order: Sequence[Value],
    prepare: Callable[[Sequence[Value], Value], None],
    walk: Callable[[Value], list[Value]],
    record: bool = True,
) -> Iterator[tuple[int, Value, float, list[Edge]]]:
    """Backward from `root` one node at a time, running hooks and (in anomaly mode) checking
    every gradient is finite; yields (number of steps, node, upstream, [(input, local,
    contribution)], the list empty unless `record`). `order` is `engine.interior_order(root)`,
    `prepare` `engine.reset_gradients` (it checks the partials and seeds the gradients),
    `walk` `engine.topological_order` (for the names in an error message).

    If anything raises (a hook, a check), every gradient of the graph is put back as it was
    before the call. A hooked leaf sums this backward's contributions from 0 and, after the
    last step, gets its hooks' answer added to its gradient.
    """
    leaves = {inp: None for node in order for inp in node.inputs if not inp.inputs}
    if not order:
        leaves[root] = None
    nodes = [*order, *leaves]
    saved = [node.grad for node in nodes]
    hooked_leaves = [leaf for leaf in leaves if hooks_of(leaf)] if MODES.hooked else []
    leaf_grads = [leaf.grad for leaf in hooked_leaves]
    finished = False
    cache: list[dict[Any, str]] = []

    def names() -> dict[Any, str]:
        if not cache:
            cache.append(display_names(walk(root)))
        return cache[0]

    try:
        for leaf in hooked_leaves:
            leaf.grad = 0.0
        prepare(order, root)
        check = MODES.anomaly
        total = len(order)
        no_edges: list[Edge] = []
        for node in reversed(order):
            upstream = node.grad
            if MODES.hooked and hooks_of(node):
                upstream = node.grad = _run_hooks(node, upstream, names)
            if check or record:
                edges = _pass_back(node, upstream, check, names)
            else:  # hooks alone: the plain chain rule
                for inp, local in zip(node.inputs, node.local_grads):
                    inp.grad += local * upstream
                edges = no_edges
            yield total, node, upstream, edges
        for leaf, before in zip(hooked_leaves, leaf_grads):
            leaf.grad = before + _run_hooks(leaf, leaf.grad, names)
        finished = True
    except GeneratorExit:  # stopped early: hooked leaves keep what has arrived so far
        for leaf, before in zip(hooked_leaves, leaf_grads):
            leaf.grad = before + leaf.grad
        finished = True
        raise
    finally:
        if not finished:
            for node, grad in zip(nodes, saved):
                node.grad = grad


def backward_steps(
    root: Value,
    interior: Callable[[Value], list[Value]],
    prepare: Callable[[Sequence[Value], Value], None],
    walk: Callable[[Value], list[Value]],
) -> Iterator[BackwardStep]:
    """`Value.backward_steps` with hooks and anomaly checks: `steps`, as step records.
    `interior` is `engine.interior_order`."""
    names = display_names(walk(root))
    order = interior(root)
    for index, (total, node, upstream, passed) in enumerate(steps(root, order, prepare, walk)):
        edges = tuple(BackwardEdge(*edge) for edge in passed)
        yield BackwardStep(index, total, node, upstream, edges, root, names)


def _pass_back(node: Value, upstream: float, check: bool, names: _Names) -> list[Edge]:
    """One node's step of the chain rule, each edge recorded; with `check`, a gradient that
    is not finite raises, naming the node that made it and the input."""
    if check and not math.isfinite(upstream):
        raise ValueError(f"{describe(node, names())}: its gradient is {upstream!r} (not finite)")
    edges: list[Edge] = []
    for i, (inp, local) in enumerate(zip(node.inputs, node.local_grads)):
        contribution = local * upstream
        inp.grad += contribution
        if check and not math.isfinite(inp.grad):
            raise ValueError(
                f"{describe(node, names())}: backward made the gradient of its input "
                f"{i} ({names()[inp]}) {inp.grad!r}: {fmt_number(upstream)} × "
                f"local partial {fmt_number(local)} = {contribution!r}"
            )
        edges.append((inp, local, contribution))
    return edges


def backward(
    root: Value,
    order: Sequence[Value],
    prepare: Callable[[Sequence[Value], Value], None],
    walk: Callable[[Value], list[Value]],
) -> None:
    """`Value.backward` with hooks and checks: all of `steps`, nothing recorded."""
    for _ in steps(root, order, prepare, walk, record=False):
        pass


# --- where a node was made ---------------------------------------------------------------------

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _short_path(filename: str) -> str:
    """`filename` relative to the working directory when it lies under it, else as is."""
    try:
        relative = os.path.relpath(filename)
    except ValueError:  # another drive (Windows)
        return filename
    return filename if relative.startswith(os.pardir) else relative


def find_origin() -> Origin | None:
    """The first frame outside this package: the user's line that made the node."""
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return None
    return Origin(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)


def origin_of(node: Value) -> Origin | None:
    """Where `node` was made, when anomaly mode was on then (see `Value.origin`)."""
    notes = _notes(node)
    return notes.origin if notes is not None else None


def new_node(node: Value) -> Value:
    """What the engine calls for a node it made while `MODES.on`: under no_grad the node
    becomes a leaf holding its value; in anomaly mode it records its origin."""
    if MODES.no_grad and node.inputs:
        node.inputs = ()
        node.local_grads = ()
        node.kernel = None
        node.params = ()
        node.op = ""
    if MODES.anomaly:
        _notes_for(node).origin = find_origin()
    return node


def refuse_infinite_partial(node: Value, root: Value | None = None) -> NoReturn:
    """Raise the ValueError for backward through `node`, whose local partials hold an infinite
    one (`checks.refuse_infinite_partial`'s message), naming the node as the drawing of
    `root`'s graph does and the line that made it."""
    try:
        checks.refuse_infinite_partial(
            node.op, [i.data for i in node.inputs], node.data, node.local_grads
        )
    except ValueError as error:
        raise ValueError(f"{describe(node, root=root)}: {error}") from None


def describe(node: Value, names: dict[Any, str] | None = None, root: Value | None = None) -> str:
    """A node in an error message, as the drawings and `explain` name it, with what it
    computes and, when known, where it was made: ``t1 = sqrt(x) at train.py:12 in loss_fn``,
    ``d = a * b at …``, a leaf ``w (leaf)``. `names` are the display names of the graph
    backward runs through (else those of `root`'s graph); with neither, the node is written
    by what it computes alone (a name depends on the graph it is part of)."""
    if names is None and root is not None:
        from .engine import topological_order  # engine imports this module

        names = display_names(topological_order(root))
    what = _formula(node, names or {})
    if names and node in names:
        what = f"{names[node]} {'= ' + what if node.inputs else '(leaf)'}"
    where = origin_of(node)
    if where is not None:
        return f"{what} at {where}"
    if MODES.anomaly:
        return (
            f"{what} (made before anomaly mode was turned on: build the graph inside "
            "detect_anomaly() to see its line)"
        )
    return f"{what} (run under detect_anomaly() to see the line that made it)"


_INFIX = {"+", "-", "*", "/", "**"}
_MAX_ARGS = 4  # a call with more inputs shows the first three and the last
_DEPTH = 3  # unnamed inputs written out two levels deep, by their display names below


def _formula(node: Value, names: dict[Any, str], depth: int = 0) -> str:
    """What `node` computes from its inputs: ``a * b``, ``x**2``, ``tanh(t1)``,
    ``sum(a, b, …, z)``. A labelled input by its name, a number that became a leaf by its
    value, an unlabelled op's result written out (``sqrt((a - b)**2)``) down to `_DEPTH`,
    deeper by its display name."""

    def arg(inp: Value, bare: bool) -> str:
        if inp.label:
            return names.get(inp, short_label(str(inp.label)))
        if not inp.inputs:
            return fmt_number(inp.data)
        if depth + 1 >= _DEPTH and inp in names:
            return names[inp]
        text = _formula(inp, names, depth + 1)
        return text if bare or (text.endswith(")") and not _is_infix(inp)) else f"({text})"

    if not node.inputs:
        return arg(node, True)
    op = node.op or "op"
    if _is_infix(node):
        args = [arg(inp, False) for inp in node.inputs]
        if len(args) == 2:
            return f"{args[0]} {op} {args[1]}"
        return f"-{args[0]}" if op == "neg" else f"{args[0]}{op}"
    args = [arg(inp, True) for inp in node.inputs]
    if len(args) > _MAX_ARGS:
        args = [*args[: _MAX_ARGS - 1], "…", args[-1]]
    return f"{op}({', '.join(args)})"


def _is_infix(node: Value) -> bool:
    n = len(node.inputs)
    return (node.op in _INFIX and n == 2) or (
        n == 1 and (node.op == "neg" or node.op.startswith("**"))
    )


# --- the context managers ----------------------------------------------------------------------


def _check_function(fn: Callable[..., Any], what: str) -> None:
    if not callable(fn):
        raise TypeError(f"{what} decorates a function, got {type(fn).__name__}")
    if inspect.isgeneratorfunction(fn) or inspect.iscoroutinefunction(fn):
        raise TypeError(
            f"{what} cannot decorate the generator or coroutine {_fn_name(fn)}: it would be off "
            f"by the time its body runs; use `with {what}:` inside it"
        )


class _Switch:
    """A context manager and decorator that sets one of `MODES`' flags and, on leaving
    (also by an exception), puts back what it was: they nest."""

    _flag = ""
    _value = True
    _saved: list[bool]  # the flag's values before each `with` still open on this switch

    @overload
    def __new__(cls: type[S], fn: None = None) -> S: ...
    @overload
    def __new__(cls: type[S], fn: Callable[P, R]) -> Callable[P, R]: ...  # type: ignore[misc]

    def __new__(  # type: ignore[misc]
        cls: type[S], fn: Callable[P, R] | None = None
    ) -> S | Callable[P, R]:
        """``no_grad()`` is the switch; ``@no_grad`` without parentheses decorates `fn` at
        once, as ``@no_grad()`` would (PyTorch accepts both forms too)."""
        switch = super().__new__(cls)
        switch._saved = []
        return switch if fn is None else switch(fn)

    def __enter__(self) -> None:
        self._saved.append(getattr(MODES, self._flag))
        setattr(MODES, self._flag, self._value)
        MODES.update()

    def __exit__(self, *exc: object) -> None:
        setattr(MODES, self._flag, self._saved.pop())
        MODES.update()

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        _check_function(fn, f"{type(self).__name__}()")
        switch = type(self)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with switch():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_Switch):
    """Evaluate without building graphs: ``with no_grad(): pred = model(x)``, or
    ``@no_grad`` (or ``@no_grad()``) on a function. Ops inside return leaves holding the
    value (no inputs, no partials), so nothing is kept for backward. Nests; leaving (also by
    an exception) puts back the previous state. Global, not thread-safe."""

    _flag = "no_grad"


class detect_anomaly(_Switch):
    """Anomaly mode inside a ``with`` block (or a decorated function): nodes record where they
    were made (`Value.origin`), backward checks every gradient is finite, and its errors name
    the node, its op and your line. Slower; for debugging. Global, not thread-safe."""

    _flag = "anomaly"


def set_detect_anomaly(flag: bool) -> None:
    """Turn anomaly mode on or off for the rest of the program (see `detect_anomaly`)."""
    if not isinstance(flag, bool):
        raise TypeError(f"set_detect_anomaly: flag must be True or False, got {flag!r}")
    MODES.anomaly = flag
    MODES.update()


def is_anomaly_enabled() -> bool:
    """True while anomaly mode is on."""
    return MODES.anomaly


def is_grad_enabled() -> bool:
    """False inside `no_grad()`."""
    return not MODES.no_grad
