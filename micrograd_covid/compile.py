"""Compile a recorded graph to straight-line Python: your network's forward and backward
pass, written out, one line per node.

`Tape(root).compile()` reads every node's op record (kernel and params) and generates two
functions: `forward`, which computes each node's value from its inputs' values, and
`backward`, which walks the nodes in reverse and adds ``local * upstream`` along every edge,
exactly as `Value.backward` does. Each node is written from its row of the op table
(`ops.TABLE`): the row's `python` templates, filled in with the node's variable names, or,
for a row without them, a call of its kernel. The arithmetic is the kernels' own, in the
same order, so the numbers are bit for bit the interpreter's. `.source` is the generated
code; it is registered with `linecache`, so tracebacks, pdb and coverage show its lines, for
as long as a cache or a compiled graph holds it.

User text (labels, op names) enters the source only in comments, every character that could
end the comment (a newline, a control character) written as its escape: a label is never
code. Long sums and dot products are written as statements of a few dozen terms each, so no
expression nests deeper as the graph grows.

The generated code runs a batch of rows: the leaves split into fixed ones (weights, read and
checked once per call) and fed ones (placeholders, one tuple per row). `fit(...,
engine="compiled")` uses that; `Tape.compile()` is the one-row case with every leaf fixed.

A graph is compiled for its shape: a Python `if` on a value while the graph was built is
frozen at the branch taken then (as with `Tape`); the caller must not rely on it.

The generated code keeps the interpreter's rules by handing it every case it does not
compute itself: a leaf that is not a finite number, a value that is not finite, an op's
domain error, and a node whose local partials are infinite (which backward refuses). The
interpreter then raises the op's own error, the same type and message as `Tape` and
`Value.backward`, before any gradient changes.
"""

from __future__ import annotations

import itertools
import linecache
import re
import types
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import checks, ops
from .debug import MODES, watched
from .engine import Value
from .formatting import float_literal as _fmt_float
from .names import display_names

__all__ = [
    "CompileWarning",
    "Compiled",
    "Program",
    "clear_cache",
    "compile_tape",
    "generate",
    "recall",
    "remember",
]


class CompileWarning(UserWarning):
    """A graph had an op the code generator does not know; it runs on the interpreter."""


class NotFinite(ArithmeticError):
    """Generated code met a value that is not finite: the interpreter re-runs the row and
    raises the op's own error."""


class BadLeaf(ValueError):
    """A fixed leaf's `.data` is not a finite number: the interpreter re-runs the graph and
    raises the op's own error, naming the input."""


class Unsupported(Exception):
    """A node the code generator has no rule for."""


_counter = itertools.count(1)
# The most terms one generated expression adds: a longer sum is written as several statements
# (``v = a + … ; v = v + …``, the same additions in the same order), as one long expression
# nests as deep as it is long and Python's compiler recurses on it.
_CHUNK = 64
_NAME = re.compile(r"\b[vxdsl]\d+\b")
# Every local variable the generated functions use (k0, a0 and act0 are globals).
_LOCAL = re.compile(r"\b(?:[xvzsdlgp]|gp)\d+\b|\bc\b")
# CPython numbers a function's locals in order of first use; one numbered past 255 costs an
# extra instruction (EXTENDED_ARG) at every use.
_FAST_LOCALS = 256


class _Source:
    """Generated source text under its file name, registered with `linecache` (tracebacks,
    pdb and coverage show its lines) while a cache or a Program holds it: the entry goes with
    the last holder (reference counting; nothing here is part of a cycle)."""

    __slots__ = ("filename", "lines", "text")

    def __init__(self, text: str, title: str) -> None:
        self.text = text
        self.filename = f"<micrograd_covid compiled {next(_counter)} {_comment(title, 40)}>"
        self.lines = text.splitlines(True)
        self.register()

    def register(self) -> None:
        """(Re-)register the lines (`linecache.clearcache()` may have dropped them)."""
        linecache.cache[self.filename] = (len(self.text), None, self.lines, self.filename)

    def __del__(self) -> None:
        cache = getattr(linecache, "cache", None)  # None late in interpreter shutdown
        entry = cache.get(self.filename) if cache is not None else None
        if entry is not None and entry[2] is self.lines:
            del cache[self.filename]  # type: ignore[union-attr]


# Compiled code by source text: fitting the same model shape again skips `compile`.
_CODE: dict[str, tuple[Any, _Source]] = {}
# What `generate` made, by graph shape (see `_shape`): the source and the functions (the
# leaves are their argument, the kernels and params of that shape their globals), so another
# model of the same shape (a new fit call) skips writing the source, naming the nodes and
# compiling, and runs functions Python has already specialized.
_Known = tuple[_Source, Callable[..., Any], Callable[..., Any]]
_SHAPES: dict[tuple[Any, ...], _Known] = {}
# Each cache holds at most this many entries; what an evicted entry held (its functions,
# their kernels and params, its linecache lines) goes with it unless a Program still uses it.
_CACHE_SIZE = 64


def _keep(cache: dict[Any, Any], key: Any, value: Any) -> None:
    """`cache[key] = value`, the oldest entry dropped when the cache holds `_CACHE_SIZE`."""
    if len(cache) >= _CACHE_SIZE:
        del cache[next(iter(cache))]
    cache[key] = value


def _program(
    known: _Known, fixed: Sequence[Value], fed: Sequence[Value] = (), outputs: Sequence[Value] = ()
) -> Program:
    """The Program for `known` (source, forward, backward) and a graph's leaves and outputs,
    its source registered with linecache for tracebacks and pdb."""
    source, forward, backward = known
    source.register()
    return Program(
        source.text,
        source.filename,
        list(fixed),
        list(fed),
        list(outputs),
        forward,
        backward,
        source,
    )


def _comment(text: object, limit: int = 160) -> str:
    """`text` as it may stand in a comment of generated code: cut to `limit` characters, and
    every character that is not printable (newline, carriage return, other control
    characters, line and paragraph separators, surrogates) written as its escape, so the
    comment ends where the generator ends it."""
    text = str(text)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _assign_sum(target: str, terms: Sequence[str]) -> str:
    """``target = t0 + t1 + …`` added left to right, as statements of at most `_CHUNK` terms
    (``target = target + …`` after the first): the same additions in the same order."""
    parts = [f"{target} = {' + '.join(terms[:_CHUNK])}"]
    for start in range(_CHUNK, len(terms), _CHUNK):
        parts.append(f"{target} = {target} + {' + '.join(terms[start : start + _CHUNK])}")
    return "; ".join(parts)


def _leaf_data(data: tuple[Any, ...]) -> tuple[Any, ...]:
    """The fixed leaves' `.data` when the generated forward's one-pass check (their sum is a
    finite float) did not pass: `data` itself if each is a finite number
    (`checks.is_finite_number`: numpy scalars pass, and are used as they are, as the
    interpreter uses them; or the sum overflowed). BadLeaf when one is not: the
    interpreter then raises the op's own error."""
    if all(map(checks.is_finite_number, data)):
        return data
    raise BadLeaf


def _functions() -> dict[str, Callable[..., float]]:
    """Every function a rule's template calls, by name: globals of the generated code."""
    found: dict[str, Callable[..., float]] = {}
    rules = [row.python for row in ops.TABLE.values()]
    rules += [act.python for act in ops.ACTIVATIONS.values()]
    for rule in rules:
        if rule is not None:
            for function in rule.functions:
                found[function.__name__] = function
    return found


@dataclass
class _Node:
    """What the generator wrote for one node."""

    forward: str
    backward: str
    defined: list[str]  # forward variables besides the node values that backward reads
    check: str | None = None  # a value that must be finite (inline arithmetic is unchecked)
    partials: str | None = None  # local partials a kernel gave (infinite ones are refused)


@dataclass
class Program:
    """Generated code for one graph. `forward(LEAVES, ROWS, OUT, SAVED)` reads the fixed
    leaves' `.data` (LEAVES is `fixed`; BadLeaf unless all are finite numbers), appends each
    row's output values to OUT and what backward needs to SAVED, and returns the leaf values
    P it used; it raises NotFinite for a value that is not finite or a node whose local
    partials are infinite (an `ArithmeticError` or `ValueError`, as an op's own errors are:
    the caller re-runs the interpreter, which raises the op's own error). `backward(LEAVES,
    P, SAVED, seed)` adds every row's contributions to the fixed leaves' `.grad`, the rows in
    reverse (as one graph over all rows would add them), each output seeded with `seed`."""

    source: str
    filename: str
    fixed: list[Value]
    fed: list[Value]
    outputs: list[Value]
    forward: Callable[..., tuple[float, ...]] = field(repr=False)
    backward: Callable[..., None] = field(repr=False)
    # Keeps the source's linecache entry while this Program lives.
    held: _Source = field(repr=False, compare=False)


def clear_cache() -> None:
    """Forget the compiled code kept by source text, by graph shape and by key (the next
    `generate` writes and compiles afresh)."""
    _CODE.clear()
    _SHAPES.clear()
    _KEYED.clear()


def generate(
    order: Sequence[Value],
    outputs: Sequence[Value],
    fed: Sequence[Value] = (),
    names: dict[Value, str] | Callable[[], dict[Value, str]] | None = None,
    title: str = "graph",
) -> Program:
    """Generate and compile the code for `order` (interior nodes, inputs first).

    `outputs` are the nodes whose values forward returns and whose gradients backward seeds;
    `fed` the leaves given per row (no gradients kept); every other leaf is fixed. `names`
    are the display names for the comments (or a function that returns them, called only
    when the code is written: a graph of a shape seen before reuses its code). Raises
    `Unsupported` naming the first node whose op has no rule.
    """
    fixed, key = _shape(order, outputs, fed, title, names)
    known = _SHAPES.get(key) if key is not None else None
    if known is None:
        value_of: dict[Value, str] = {leaf: f"x{j}" for j, leaf in enumerate(fed)}
        grad_of: dict[Value, str | None] = {leaf: None for leaf in fed}
        for i, node in enumerate(order):
            value_of[node] = f"v{i}"
            grad_of[node] = f"g{i}"
        for j, leaf in enumerate(fixed):
            value_of[leaf] = f"p{j}"
            grad_of[leaf] = f"gp{j}"
        source, code, namespace = _write_program(
            order, outputs, fed, fixed, value_of, grad_of, _names(names), title
        )
        exec(code, namespace)
        # Taken out of their own globals: a function in the dict it refers to would be a
        # reference cycle, kept (with the kernels and params) until a collection.
        known = source, namespace.pop("forward"), namespace.pop("backward")
        if key is not None:
            _keep(_SHAPES, key, known)
    return _program(known, fixed, fed, outputs)


# Code by a caller's key that fixes a graph's shape (fit keys an MLP by its structure and
# loss): a model of a known structure gets its code without a sample graph being built.
_KEYED: dict[Any, _Known] = {}


def remember(key: Any, program: Program) -> None:
    """Keep `program`'s code under `key` (hashable), which must fix the graph's shape and the
    order of its fixed leaves; `recall(key, ...)` then gives it back."""
    _keep(_KEYED, key, (program.held, program.forward, program.backward))


def recall(key: Any, fixed: Sequence[Value]) -> Program | None:
    """The code kept under `key`, for a graph whose fixed leaves (in the order the code
    numbers them) are `fixed`; None if nothing is kept. No sample graph was built for it:
    `fed` and `outputs` are empty."""
    known = _KEYED.get(key)
    return None if known is None else _program(known, fixed)


def _names(
    names: dict[Value, str] | Callable[[], dict[Value, str]] | None,
) -> dict[Value, str]:
    if names is None:
        return {}
    return names() if callable(names) else names


def _shape(
    order: Sequence[Value],
    outputs: Sequence[Value],
    fed: Sequence[Value],
    title: str,
    names: dict[Value, str] | Callable[[], dict[Value, str]] | None,
) -> tuple[list[Value], tuple[Any, ...] | None]:
    """The fixed leaves (in the order the code numbers them) and, as a dict key, everything
    the generated source and its namespace depend on: every node's kernel, params, op, label
    and inputs (by position), the leaves' labels (the display names are made from these and
    the graph's shape), the outputs and the title. The key is None when some params cannot
    be one (the code is then written afresh)."""
    slot: dict[Value, int] = {leaf: -1 - j for j, leaf in enumerate(fed)}
    for i, node in enumerate(order):
        slot[node] = i
    base = -1 - len(fed)  # fixed leaf k is base - k
    fixed: list[Value] = []
    parts: list[Any] = [title, len(fed), len(order)]
    memo: dict[int, Any] = {}
    for node in order:
        inputs = node.inputs
        params = node.params
        pkey = memo.get(id(params))
        if pkey is None:
            pkey = memo[id(params)] = _param_key(params)
        parts += (node.kernel, pkey, node.op, node.label, len(inputs))
        for inp in inputs:
            k = slot.get(inp)
            if k is None:
                if inp.inputs:
                    raise Unsupported(
                        f"node {_comment(_name(_names(names), inp), 60)} is not in the "
                        "recorded order"
                    )
                k = slot[inp] = base - len(fixed)
                fixed.append(inp)
            parts.append(k)
    parts += [leaf.label for leaf in fed]
    parts.append(len(fixed))
    parts += [leaf.label for leaf in fixed]
    parts.append(len(outputs))
    parts += [slot[out] for out in outputs]
    key = tuple(parts)
    try:
        hash(key)
    except TypeError:  # unhashable params
        return fixed, None
    return fixed, key


def _param_key(value: Any) -> Any:
    """`value` as a key that tells apart what `==` does not (0.0 and -0.0, 1 and 1.0)."""
    kind = type(value)
    if kind is tuple:
        return tuple([item if type(item) in _AS_IS else _param_key(item) for item in value])
    if kind is float or kind is int:
        return (kind, repr(value))
    return (kind, value)


# Param types equal only to themselves, which stand for themselves in a key (a number does
# not: 0.0 == -0.0 and 1 == 1.0 == True).
_AS_IS = {type(None), str, types.FunctionType, types.BuiltinFunctionType}


def _write_program(
    order: Sequence[Value],
    outputs: Sequence[Value],
    fed: Sequence[Value],
    fixed: Sequence[Value],
    value_of: dict[Value, str],
    grad_of: dict[Value, str | None],
    names: dict[Value, str],
    title: str,
) -> tuple[_Source, Any, dict[str, Any]]:
    """Write and compile the source; returns it, its code and the namespace to run it in
    (the kernels and params of this graph's shape)."""

    written = [_write(i, node, value_of, grad_of, names) for i, node in enumerate(order)]
    # What backward reads of the forward's variables, kept per row.
    read = set(_NAME.findall(" ".join(w.backward.split("  #")[0] for w in written)))
    candidates = [value_of[leaf] for leaf in fed] + [value_of[node] for node in order]
    for w in written:
        candidates += w.defined
    saved = [name for name in candidates if name in read]
    checks = [w.check for w in written if w.check is not None]
    # A node a kernel computed may have infinite local partials, which backward refuses:
    # the interpreter re-runs such a row and raises (when backward is called) as it does.
    refusals = [f"type({w.partials}) is IG" for w in written if w.partials is not None]
    fixed_names = [value_of[leaf] for leaf in fixed]
    fixed_grads = [str(grad_of[leaf]) for leaf in fixed]
    fed_names = [value_of[leaf] for leaf in fed]
    output_set = set(outputs)
    interior_grads = [grad_of[n] for n in order if n not in output_set]

    leaves = [f"L{j}" for j in range(len(fixed))]
    forward_loop = [w.forward for w in written] + checks
    fed_comment = ", ".join(_name(names, leaf) for leaf in fed) or "nothing"
    lines = [
        "# Forward and backward, written out by micrograd_covid from the recorded graph, one",
        "# line per node; the comment is the node's display name.",
        f"# graph: {_comment(title)}",
        "",
        "def forward(LEAVES, ROWS, OUT, SAVED):",
        *_loop_names_first(forward_loop, fed_names + fixed_names + leaves, 5),
        f"    {_unpack(leaves)} = LEAVES  # the fixed leaves (Values)",
        f"    P = {_unpack([f'{leaf}.data' for leaf in leaves])}",
        "    try:  # every leaf a finite number? (their sum is a finite float)",
        "        t = sum(P)",
        "    except Exception:",
        "        t = None",
        "    if type(t) is not float or t - t != 0.0:",
        "        P = leaf_data(P)  # one by one: numpy scalars pass, a str raises BadLeaf",
        f"    {_unpack(fixed_names)} = P",
        *(
            f"    # {value_of[leaf]} = {_comment(_name(names, leaf))}"
            for leaf in fixed
            if len(fixed) <= 64
        ),
        f"    for {_unpack(fed_names)} in ROWS:  # fed: {_comment(fed_comment)}",
        *(f"        {w.forward}" for w in written),
    ]
    if checks:
        lines += [
            f"        {_assign_sum('c', checks)}",
            # nan or inf gives nan; an int too large for a float (leaves holding ints compute
            # exactly, as the interpreter does) raises OverflowError
            "        if c * 0.0 != 0.0:",
            "            raise NotFinite('a value is not finite')",
        ]
    for start in range(0, len(refusals), _CHUNK):
        lines += [
            f"        if {' or '.join(refusals[start : start + _CHUNK])}:",
            "            raise NotFinite('a local partial is infinite')",
        ]
    lines += [
        (
            f"        OUT.append({value_of[outputs[0]]})"
            if len(outputs) == 1
            else f"        OUT.extend(({', '.join(value_of[o] for o in outputs)}))"
        ),
        f"        SAVED.append({_unpack(saved)})",
        "    return P",
        "",
        "def backward(LEAVES, P, SAVED, seed):",
        *_loop_names_first(
            [w.backward for w in written] + saved + [str(g) for g in interior_grads],
            fixed_names + fixed_grads + leaves,
            4,
        ),
        f"    {_unpack(leaves)} = LEAVES",
        f"    {_unpack(fixed_names)} = P",
        f"    {_unpack(fixed_grads)} = {_unpack([f'{leaf}.grad' for leaf in leaves])}",
        f"    for {_unpack(saved)} in reversed(SAVED):",
    ]
    if interior_grads:
        lines.append(f"        {' = '.join(str(g) for g in interior_grads)} = 0.0")
    lines += [f"        {grad_of[o]} = seed" for o in outputs]
    lines += [f"        {w.backward}" for w in reversed(written) if w.backward]
    lines += [f"    {leaf}.grad = {grad}" for leaf, grad in zip(leaves, fixed_grads)]
    lines.append("")
    text = "\n".join(lines)

    cached = _CODE.get(text)
    if cached is None:
        source = _Source(text, title)
        cached = compile(text, source.filename, "exec"), source
        _keep(_CODE, text, cached)
    code, source = cached
    namespace: dict[str, Any] = {
        "__name__": "micrograd_covid.compiled",
        "NotFinite": NotFinite,
        "IG": ops.InfiniteGrads,
        "ZeroGrads": ops.ZeroGrads,
        "leaf_data": _leaf_data,
        **_functions(),
    }
    for i, node in enumerate(order):
        namespace[f"k{i}"] = node.kernel
        namespace[f"a{i}"] = node.params
        row = ops.row_of(node.kernel)
        if row is not None and row.shape == "dot":
            namespace[f"act{i}"] = node.params[4]
    return source, code, namespace


def _loop_names_first(loop: Sequence[str], others: Sequence[str], nargs: int) -> list[str]:
    """For a function with more locals than CPython numbers in one byte: a first line that
    names the variables of its per-row loop (`loop`: its lines, without their comments),
    most used first, so that they get the low numbers and the loop no extra instructions.
    Nothing for a small function, which reads as it is."""
    uses: dict[str, int] = {}
    for line in loop:
        for name in _LOCAL.findall(line.split("  #")[0]):
            uses[name] = uses.get(name, 0) + 1
    if nargs + len(uses.keys() | set(others)) <= _FAST_LOCALS:
        return []
    names = sorted(uses, key=lambda name: -uses[name])[: _FAST_LOCALS - nargs]
    return [
        "    # Python numbers variables in order of first use, and one numbered past 255 costs",
        "    # an extra instruction at every use: the loop's variables, most used first.",
        f"    {' = '.join(names)} = 0.0",
    ]


def _unpack(names: Sequence[str]) -> str:
    if not names:
        return "()"
    return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"


def _name(names: dict[Value, str], node: Value) -> str:
    return names.get(node) or node.name


def _write(
    i: int,
    node: Value,
    value_of: dict[Value, str],
    grad_of: dict[Value, str | None],
    names: dict[Value, str],
) -> _Node:
    """The forward and backward lines of node `i`, from its row's rule (or a call of its
    kernel)."""
    v, g = f"v{i}", f"g{i}"
    ins = [value_of[inp] for inp in node.inputs]
    grads = [grad_of[inp] for inp in node.inputs]
    args = [_name(names, n) for n in node.inputs]
    if node.op in ("+", "-", "*", "/", "**") and len(args) == 2:
        text = f"{_name(names, node)} = {args[0]} {node.op} {args[1]}"
    else:
        text = f"{_name(names, node)} = {node.op}({', '.join(args)})"
    label = f"  # {_comment(text, 156)}"

    def edges(locals_: Sequence[str]) -> str:
        """``grad += local * upstream`` for every input that keeps a gradient."""
        return "; ".join(_add(gi, local, g) for gi, local in zip(grads, locals_) if gi is not None)

    row = ops.row_of(node.kernel)
    if row is None:
        raise Unsupported(
            f"op {_comment(repr(node.op), 60)} (node {_comment(_name(names, node), 60)}) "
            "has no code generator"
        )
    rule = row.python
    if rule is None:
        # Called through the kernel itself: its own checks and errors, its own partials.
        lg = f"l{i}"
        arg = ", ".join(ins) + ("," if len(ins) == 1 else "")
        params = f", *a{i}" if node.params else ""
        return _Node(
            f"{v}, {lg} = k{i}(({arg}){params}){label}",
            _line(
                edges([f"{lg}[{k}]" for k in range(len(ins))]),
                label,
                f"type({lg}) is not ZeroGrads",
            ),
            [lg],
            None,
            lg,
        )
    if row.shape == "dot":
        return _write_dot(i, node, rule, ins, grads, label)
    fill = {"out": v, "d": f"d{i}", "s": f"s{i}"}
    if row.shape == "variadic":
        n = len(ins)
        fill.update(sum=_assign_sum(v, ["0.0", *ins]), n=str(n), inv_n=_fmt_float(1.0 / n))
        locals_ = [_grouped(rule.partials[0].format_map(fill))] * n
    else:
        fill.update((f"x{k}", a) for k, a in enumerate(ins))
        locals_ = [_grouped(p.format_map(fill)) for p in rule.partials]
    forward = rule.value.format_map(fill)
    defined = [fill[t] for t in ("d", "s") if f"{{{t}}}" in rule.value]
    return _Node(
        f"{forward}{label}",
        _line(edges(locals_), label),
        defined,
        v if rule.checked else None,
    )


_ATOM = re.compile(r"-?[\w.]+")


def _grouped(expression: str) -> str:
    """`expression` as a factor of ``local * upstream``: in parentheses unless it is a name,
    a number or already one parenthesized group."""
    if _ATOM.fullmatch(expression):
        return expression
    if expression.startswith("("):
        depth = 0
        for k, c in enumerate(expression):
            depth += (c == "(") - (c == ")")
            if depth == 0:
                if k == len(expression) - 1:
                    return expression
                break
    return f"({expression})"


def _add(grad: str, local: str, upstream: str) -> str:
    """``grad += local * upstream``; a local of 1.0 is left out (1.0 * u is u, exactly)."""
    if local == "1.0":
        return f"{grad} += {upstream}"
    return f"{grad} += {local} * {upstream}"


def _line(body: str, label: str, condition: str | None = None) -> str:
    if not body:
        return ""
    if condition is not None:
        return f"if {condition}: {body}{label}"
    return f"{body}{label}"


def _write_dot(
    i: int,
    node: Value,
    rule: ops.PythonRule,
    ins: list[str],
    grads: list[str | None],
    label: str,
) -> _Node:
    """a(w·x + b): the sum left to right from 0.0, then the activation's value and slope;
    backward adds (slope·local)·upstream per edge, skipping a node whose slope is 0 as the
    interpreter skips its shared zero partials."""
    n, wconst, xconst, bias, activation = node.params
    v, g, z, s = f"v{i}", f"g{i}", f"z{i}", f"s{i}"
    layout = (n, wconst, xconst, bias)
    wired_w, wired_x, wired_b = ops.dot_split(ins, *layout)
    grad_w, grad_x, bias_grad = ops.dot_split(grads, *layout)
    w = [_fmt_float(c) for c in wconst] if wired_w is None else list(wired_w)
    wg = [None] * n if grad_w is None else list(grad_w)
    x = [_fmt_float(c) for c in xconst] if wired_x is None else list(wired_x)
    xg = [None] * n if grad_x is None else list(grad_x)
    terms = ["0.0", *(f"{a} * {b}" for a, b in zip(w, x))]
    if wired_b is not None:
        terms.append(wired_b)
    elif bias is not None:
        terms.append(_fmt_float(bias))
    # The partials in the order of the node's inputs (the rule's: x for each weight, w for
    # each input, 1 for the bias); an activation scales each by its slope first.
    of_weight, of_input, of_bias = rule.partials
    pairs = [(gw, of_weight.format(w=wi, x=xi)) for gw, wi, xi in zip(wg, w, x)]
    pairs += [(gx, of_input.format(w=wi, x=xi)) for gx, wi, xi in zip(xg, w, x)]
    if bias_grad is not None:
        pairs.append((bias_grad, of_bias))
    if activation is None:
        body = "; ".join(_add(gi, local, g) for gi, local in pairs if gi is not None)
        return _Node(f"{_assign_sum(v, terms)}{label}", _line(body, label), [], v)
    total = _assign_sum(z, terms)
    act = _ACTIVATIONS.get(activation)
    if act is None:
        forward = f"{total}; {v}, ({s},) = act{i}(({z},)){label}"
        slope = s
        gate = f"{s} != 0.0"
    else:
        fill = {"out": v, "x0": z, "s": s}
        forward = f"{total}; {act.value.format_map(fill)}"
        slope = act.partials[0].format_map(fill)
        if act.gate is not None:
            gate = act.gate.format_map(fill)
        else:
            if slope != s:  # kept per row for backward
                forward = f"{forward}; {s} = {slope}"
                slope = s
            gate = f"{s} != 0.0"
        forward += label
    scaled = [(gi, _scaled(slope, local)) for gi, local in pairs]
    if bias_grad is not None and of_bias == "1.0":
        scaled[-1] = (bias_grad, slope)  # slope · 1 is the slope
    body = "; ".join(_add(gi, local, g) for gi, local in scaled if gi is not None)
    return _Node(forward, _line(body, label, gate), [slope] if slope == s else [], z)


# How a dot applies each activation that the generated code writes inline (the others are
# called through their kernel).
_ACTIVATIONS = {
    act.kernel: act.python
    for act in ops.ACTIVATIONS.values()
    if act.kernel is not None and act.python is not None
}


def _scaled(slope: str, local: str) -> str:
    """The partial `local` times the activation's `slope` (a slope of 1.0 left out)."""
    if slope == "1.0":
        return local
    return f"({slope} * {local})"


# --- the Tape contract ------------------------------------------------------------------------

_ONE_ROW = ((),)


class Compiled:
    """A `Tape` compiled to Python: `forward()` reads the leaves' current `.data` and returns
    the root's value; `backward()` accumulates into the leaves' `.grad` as `Value.backward`
    does, bit for bit. Interior nodes are not written to (their `.data` and `.grad` keep the
    values of the last interpreted run). `.source` is the generated code.

    A leaf that is not a finite number, a value that is not finite, an op's domain error or
    a node with an infinite local partial re-runs the graph on the interpreter (`Tape`),
    which raises the op's own error (backward: refuses the node), as `Tape` does.
    """

    def __init__(self, tape: Any, program: Program | None) -> None:
        """Wrap `program`, generated from `tape`'s graph (None: run on `tape` itself)."""
        self.tape = tape
        self.root: Value = tape.root
        self.order: list[Value] = tape.order
        self.program = program
        self.source = program.source if program is not None else None
        self._leaves = program.fixed if program is not None else []
        self._data: tuple[float, ...] | None = None
        self._saved: list[Any] = []
        self._interpreted = program is None

    def forward(self) -> float:
        """Recompute the graph from the leaves' current data; returns the root's value."""
        program = self.program
        if program is None:
            return float(self.tape.forward())
        out: list[float] = []
        saved: list[Any] = []
        try:
            data = program.forward(self._leaves, _ONE_ROW, out, saved)
        except (ArithmeticError, ValueError, TypeError):
            # A leaf that is not a finite number, a value that is not finite, an op's domain
            # error or a node backward refuses: the interpreter raises the op's own error
            # (leaving every node as it was), or gives the same numbers, and backward then
            # runs on it (refusing what Tape refuses, before any gradient changes).
            self._interpreted = True
            return float(self.tape.forward())
        self._interpreted = False
        self._data, self._saved = data, saved
        return out[0]

    def backward(self) -> None:
        """Backpropagate from the root: every leaf's `.grad` accumulates its gradient."""
        program = self.program
        interpreted = program is None or self._interpreted
        if MODES.watching and not interpreted and _hooks_need_interpreter(self):
            return
        if program is None or self._interpreted:
            self.tape.backward()
            return
        if self._data is None:
            self.forward()
            if self._interpreted:
                self.tape.backward()
                return
        program.backward(self._leaves, self._data, self._saved, 1.0)

    def __len__(self) -> int:
        return len(self.order)


def _hooks_need_interpreter(compiled: Compiled) -> bool:
    """Hooks or anomaly mode on a compiled graph: backward on the interpreter (`Tape`, which
    runs them), with a one-line `CompileWarning`. True when it ran."""
    reason = watched(tape_nodes(compiled.tape))
    if reason is None:
        return False
    warnings.warn(
        f"compiled backward: {reason}; running this graph on the interpreter",
        CompileWarning,
        stacklevel=3,
    )
    if not compiled._interpreted:
        compiled.tape.forward()  # the generated forward left the interior nodes as they were
        compiled._interpreted = True
    compiled.tape.backward()
    return True


def tape_nodes(tape: Any) -> list[Value]:
    """Every node of a tape's graph, leaves included, in topological order."""
    from .engine import topological_order

    return topological_order(tape.root)


def compile_tape(tape: Any) -> Compiled:
    """Generate the code of `tape`'s graph (see `Tape.compile`); an op without a code
    generator makes it run on the interpreter, with a one-line `CompileWarning`."""
    if not tape.order:
        return Compiled(tape, None)
    names = display_names(tape_nodes(tape))
    try:
        program = generate(tape.order, [tape.root], (), names, title=names.get(tape.root, "graph"))
    except Unsupported as exc:
        warnings.warn(
            f"compile: {exc}; running this graph on the interpreter", CompileWarning, stacklevel=3
        )
        return Compiled(tape, None)
    return Compiled(tape, program)
