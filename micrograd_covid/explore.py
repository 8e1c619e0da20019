"""Watch a model learn: one self-contained page that plays a training run step by step.

`explore` trains a model batch by batch, as the regression walkthrough does (initialise the
parameters; for each epoch and batch: feed the batch, compute each node forward, the loss,
pass gradients back node by node, update the parameters), records the numbers of every
batch and writes one HTML page that replays them on one Graphviz drawing of the graph.

The page holds the drawing once and the numbers as data; the browser fills the drawing in
for the step shown. The maths is typeset with KaTeX, inlined into the page (fonts as data:
URIs), so the page works opened from disk and makes no network request at all.
"""

from __future__ import annotations

import base64
import html
import json
import math
import numbers
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import checks, ops
from .display import megabytes, page_frame
from .dots import dot_parts
from .draw import ROLE_COLOURS, _Box, draw, pipe, resolve_roles
from .engine import Value, topological_order
from .files import not_a_folder, write_atomic
from .formatting import fmt_page as _fmt4
from .formatting import page_number as _num
from .names import display_names
from .network_view import SLOPES, NetworkView, for_page, network_view, split_neurons
from .nn import INITS as _INITS
from .nn import MLP
from .optim import SGD, Adam, Optimizer

__all__ = [
    "MAX_STEPS",
    "Exploration",
    "StepLimitError",
    "explore",
    "explore_tutorial",
    "graph_page",
]

#: The tutorials that train, as `explore_tutorial` and `micrograd-covid explore` know them.
EXPLORABLE = ("regression", "descent", "generalized", "vectorized", "deep", "moons", "blobs")
#: How many steps a page may have unless `max_steps` says otherwise.
MAX_STEPS = 200_000


class StepLimitError(ValueError):
    """The page would have more steps than `max_steps`: about `steps`, over `limit`."""

    def __init__(self, message: str, steps: int, limit: int) -> None:
        super().__init__(message)
        self.steps = steps
        self.limit = limit


_PAGE_DIR = Path(__file__).resolve().parent / "page"
_KATEX_DIR = _PAGE_DIR / "vendor" / "katex"
#: The KaTeX fonts the page's formulas use (main text, maths italic, big delimiters, symbols).
_FONTS = (
    "AMS-Regular",
    "Main-Regular",
    "Main-Bold",
    "Main-Italic",
    "Math-Italic",
    "Size1-Regular",
    "Size2-Regular",
    "Size3-Regular",
    "Size4-Regular",
)
_VENDOR_HINT = (
    "the explore page needs KaTeX, fetched by the set-up: run `make vendor` in the "
    "micrograd_covid source folder (it needs npm), or install a built wheel, which ships it"
)
_PHASES = ("init", "feed", "forward", "loss", "backward", "update")

Token = Any  # a string, or a list: ["n", k], ["v", k], ["x", number], ["k", k, j], ["f", name],
# ["t", k] / ["s", k]: tanh's slope 1 − v² / sigmoid's v(1 − v) at node k's value v (written as
# that formula while it reads true at 7 digits, else as the slope's value: never "1 − 1² = 5e−7")


# --- formulas ---------------------------------------------------------------------------------


def _latex_name(name: str) -> str:
    """A display name as LaTeX: w1 → w_{1}, ŷ → \\hat{y}, anything else as escaped text."""
    if name == "ŷ":
        return "\\hat{y}"
    m = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    escaped = "".join(_TEXT_ESCAPES.get(ch, ch) for ch in name)
    return f"\\text{{{escaped}}}"


_TEXT_ESCAPES = {
    "\\": "\\textbackslash{}",
    "{": "\\{",
    "}": "\\}",
    "$": "\\$",
    "&": "\\&",
    "#": "\\#",
    "^": "\\textasciicircum{}",
    "_": "\\_",
    "~": "\\textasciitilde{}",
    "%": "\\%",
}

_UNARY_FN = {
    "exp": "exp",
    "log": "ln",
    "tanh": "tanh",
    "sigmoid": "σ",
    "relu": "relu",
    "sinh": "sinh",
    "cosh": "cosh",
}
#: The local derivative of each activation, from the node's input a and output o.
_UNARY_LOCAL: dict[str, Callable[[Token, Token, Token, Token], list[Token]]] = {
    "exp": lambda a, o, va, vo: [["f", "exp"], "(", a, ")", " = ", vo],
    "log": lambda a, o, va, vo: ["1/", a, " = 1/", va],
    "tanh": lambda a, o, va, vo: ["1 − ", o, "²", " = ", ["t", vo[1]]],
    "sigmoid": lambda a, o, va, vo: [o, "(1 − ", o, ")", " = ", ["s", vo[1]]],
    "relu": lambda a, o, va, vo: ["[", a, " > 0]", " = [", va, " > 0]"],
    "sinh": lambda a, o, va, vo: [["f", "cosh"], "(", a, ")", " = ", ["f", "cosh"], "(", va, ")"],
    "cosh": lambda a, o, va, vo: [["f", "sinh"], "(", a, ")", " = ", ["f", "sinh"], "(", va, ")"],
}
_MAX_TERMS = 12


def _n(k: int) -> Token:
    return ["n", k]


def _v(k: int) -> Token:
    return ["v", k]


def _joined(items: list[list[Token]], sep: str) -> list[Token]:
    """Terms joined by `sep`, the middle ones elided when there are more than _MAX_TERMS."""
    if len(items) > _MAX_TERMS:
        items = [*items[:3], ["⋯"], *items[-2:]]
    out: list[Token] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out += item
    return out


def _dot_shape(
    node: Value, ins: list[int]
) -> tuple[int, list[int] | None, list[int] | None, int | None] | None:
    """A dot node's length n and the node indices of its weights, inputs and bias (None
    where they are constants)."""
    if ops.shape_of(node.kernel) != "dot":
        return None
    layout = node.params[:4]
    ws, xs, bias = ops.dot_split(ins, *layout)
    return layout[0], None if ws is None else list(ws), None if xs is None else list(xs), bias


def _dot_parts(node: Value, k: int, ins: list[int]) -> tuple[list[Token], list[Token]]:
    """The symbolic and numeric sums w1·x1 + … + b of dot node k."""
    shape = _dot_shape(node, ins)
    if shape is None:
        return [["f", node.op]], [["f", node.op]]
    n, ws, xs, bias = shape
    sym: list[list[Token]] = []
    num: list[list[Token]] = []
    for i in range(n):
        w_sym: Token = _n(ws[i]) if ws is not None else ["k", k, i]
        w_num: Token = _v(ws[i]) if ws is not None else ["k", k, i]
        x_sym: Token = _n(xs[i]) if xs is not None else ["k", k, n + i]
        x_num: Token = _v(xs[i]) if xs is not None else ["k", k, n + i]
        sym.append([w_sym, "·", x_sym])
        num.append(["(", w_num, ")(", x_num, ")"])
    parts = dot_parts(node)
    if bias is not None:
        sym.append([_n(bias)])
        num.append([_v(bias)])
    elif parts is not None and isinstance(parts.bias, float):
        sym.append([["x", parts.bias]])
        num.append([["x", parts.bias]])
    return _joined(sym, " + "), _joined(num, " + ")


def _forward(node: Value, k: int, ins: list[int]) -> list[Token]:
    """``o = symbolic = numeric = value`` for node k (its inputs' indices `ins`)."""
    op = node.op
    a = ins[0] if ins else -1
    b = ins[1] if len(ins) > 1 else -1
    sym: list[Token]
    num: list[Token]
    if op in ("+", "-") and len(ins) == 2:
        sign = " + " if op == "+" else " − "
        sym, num = [_n(a), sign, _n(b)], [_v(a), sign, _v(b)]
    elif op == "*" and len(ins) == 2:
        sym, num = [_n(a), "·", _n(b)], ["(", _v(a), ")(", _v(b), ")"]
    elif op == "/" and len(ins) == 2:
        sym, num = [_n(a), "/", _n(b)], [_v(a), "/", _v(b)]
    elif op == "**" and len(ins) == 2:
        sym, num = [_n(a), ["^", [_n(b)]]], ["(", _v(a), ")", ["^", [_v(b)]]]
    elif ops.shape_of(node.kernel) == "power":
        c = ["x", node.params[0]]
        sym, num = [_n(a), ["^", [c]]], ["(", _v(a), ")", ["^", [c]]]
    elif op == "neg" and len(ins) == 1:
        sym, num = ["−", _n(a)], ["−", _v(a)]
    elif op in _UNARY_FN and len(ins) == 1:
        fn = ["f", _UNARY_FN[op]]
        sym, num = [fn, "(", _n(a), ")"], [fn, "(", _v(a), ")"]
    elif op == "squared_error" and len(ins) == 2:
        sym, num = ["(", _n(a), " − ", _n(b), ")²"], ["(", _v(a), " − ", _v(b), ")²"]
    elif op in ("sum", "mean") and ins:
        sym = _joined([[_n(i)] for i in ins], " + ")
        num = _joined([[_v(i)] for i in ins], " + ")
        if op == "mean":
            count = ["x", float(len(ins))]
            sym, num = ["(", *sym, ")/", count], ["(", *num, ")/", count]
    elif op == "dot" or op.endswith("(dot)"):
        sym, num = _dot_parts(node, k, ins)
        act = op[: -len("(dot)")] if op.endswith("(dot)") else ""
        if act:
            fn = ["f", _UNARY_FN.get(act, act)]
            sym, num = [fn, "(", *sym, ")"], [fn, "(", *num, ")"]
    else:
        # An op this page does not know (a user's own): its name and its inputs' values.
        fn = ["f", op or "op"]
        sym = [fn, "(", *_joined([[_n(i)] for i in ins], ", "), ")"]
        num = [fn, "(", *_joined([[_v(i)] for i in ins], ", "), ")"]
    return [_n(k), " = ", *sym, " = ", *num, " = ", _v(k)]


def _locals(node: Value, k: int, ins: list[int]) -> list[list[Token]]:
    """For each input edge of node k: ``symbolic = numeric`` of its local partial (the value
    itself is added by the page), or [] where only the number is known."""
    op = node.op
    a = ins[0] if ins else -1
    b = ins[1] if len(ins) > 1 else -1
    one: list[Token] = ["1"]
    if op == "+" and len(ins) == 2:
        return [one, one]
    if op == "-" and len(ins) == 2:
        return [one, ["−1"]]
    if op == "*" and len(ins) == 2:
        return [[_n(b), " = ", _v(b)], [_n(a), " = ", _v(a)]]
    if op == "/" and len(ins) == 2:
        return [
            ["1/", _n(b), " = 1/", _v(b)],
            ["−", _n(a), "/", _n(b), "²", " = −", _v(a), "/(", _v(b), ")²"],
        ]
    if ops.shape_of(node.kernel) == "power":
        c, c1 = ["x", node.params[0]], ["x", node.params[0] - 1.0]
        return [[c, "·", _n(a), ["^", [c1]], " = ", c, "·(", _v(a), ")", ["^", [c1]]]]
    if op == "**" and len(ins) == 2:
        return [
            [_n(b), "·", _n(a), ["^", [_n(b), " − 1"]]],
            [_n(a), ["^", [_n(b)]], "·", ["f", "ln"], "(", _n(a), ")"],
        ]
    if op == "neg" and len(ins) == 1:
        return [["−1"]]
    if op in _UNARY_LOCAL and len(ins) == 1:
        return [_UNARY_LOCAL[op](_n(a), _n(k), _v(a), _v(k))]
    if op == "squared_error" and len(ins) == 2:
        return [
            ["2(", _n(a), " − ", _n(b), ") = 2(", _v(a), " − ", _v(b), ")"],
            ["−2(", _n(a), " − ", _n(b), ") = −2(", _v(a), " − ", _v(b), ")"],
        ]
    if op == "sum":
        return [one for _ in ins]
    if op == "mean":
        return [["1/", ["x", float(len(ins))]] for _ in ins]
    if ops.shape_of(node.kernel) == "dot":
        return _dot_locals(node, k, ins)
    return [[] for _ in ins]


def _dot_locals(node: Value, k: int, ins: list[int]) -> list[list[Token]]:
    """∂o/∂w_i = x_i, ∂o/∂x_i = w_i, ∂o/∂b = 1, times a'(z) for a(w·x + b)."""
    shape = _dot_shape(node, ins)
    parts = dot_parts(node)
    if shape is None or parts is None:
        return [[] for _ in ins]
    n, ws, xs, bias = shape
    activation = parts.activation
    factor: list[Token] = []
    factor_num: list[Token] = []
    if activation == "tanh":
        factor, factor_num = ["(1 − ", _n(k), "²)"], ["(", ["t", k], ")"]
    elif activation == "sigmoid":
        factor, factor_num = [_n(k), "(1 − ", _n(k), ")"], ["(", ["s", k], ")"]
    elif activation == "relu":
        factor, factor_num = ["[", _n(k), " > 0]"], ["[", _v(k), " > 0]"]
    elif activation is not None:
        return [[] for _ in ins]

    def times(sym: Token, num: Token) -> list[Token]:
        if not factor:
            return [sym, " = ", num] if sym[0] != "k" else [sym]
        return [*factor, "·", sym, " = ", *factor_num, "·(", num, ")"]

    out: list[list[Token]] = []
    if ws is not None:
        for i in range(n):
            if xs is not None:
                out.append(times(_n(xs[i]), _v(xs[i])))
            else:
                out.append(times(["k", k, n + i], ["k", k, n + i]))
    if xs is not None:
        for i in range(n):
            if ws is not None:
                out.append(times(_n(ws[i]), _v(ws[i])))
            else:
                out.append(times(["k", k, i], ["k", k, i]))
    if bias is not None:
        out.append([*factor, " = ", *factor_num] if factor else ["1"])
    return out


# --- recording a run --------------------------------------------------------------------------


@dataclass
class _Layout:
    """One graph structure: its drawing and, per node, what the page needs to explain it."""

    signature: tuple[Any, ...]
    order: list[Value]
    names: list[str]
    kinds: list[str]  # "p" parameter, "i" placeholder, "c" constant leaf, "o" computed
    inputs: list[list[int]]
    params: list[int]  # index in the run's parameter list, -1 elsewhere
    feeds: list[list[int]]  # (sample, column) of each placeholder, (-1, -1) elsewhere
    svg: str = ""
    widths: list[list[int]] = field(default_factory=list)
    network: NetworkView | None = None
    node_view: NetworkView | None = None
    legend: list[str] = field(default_factory=list)
    # per neuron a(w·x + b) drawn as z and a(z) at the node level: how the page computes z
    split: list[dict[str, Any]] = field(default_factory=list)

    def ops(self) -> list[list[Any] | None]:
        """Each node's op row name and params (None for a leaf), for the page's engine to
        re-compute a batch's values and partials; ValueError for an op it has no rule for."""
        out: list[list[Any] | None] = []
        for node in self.order:
            if not node.inputs:
                out.append(None)
                continue
            row = ops.row_of(node.kernel)
            if row is None or row.javascript is None:
                raise ValueError(f"its op {node.op!r} has no rule in the page's engine")
            out.append([row.name, _js_params(node.params)])
        return out

    def data(self) -> dict[str, Any]:
        order = self.order
        origins = [node.origin for node in order]
        where = {"origins": [o and str(o) for o in origins]} if any(origins) else {}
        return {
            **where,
            "names": self.names,
            "latex": [_latex_name(n) for n in self.names],
            "kinds": "".join(self.kinds),
            "inputs": self.inputs,
            "params": self.params,
            "feeds": self.feeds,
            "fwd": [
                _forward(node, k, self.inputs[k]) if node.inputs else None
                for k, node in enumerate(order)
            ],
            "loc": [
                _locals(node, k, self.inputs[k]) if node.inputs else None
                for k, node in enumerate(order)
            ],
            "net": self.network.data() if self.network is not None else None,
            "nodeView": self.node_view.data() if self.node_view is not None else None,
            "split": self.split,
            **_code_data(self.order, self.names),
        }


def _code_data(order: list[Value], names: list[str]) -> dict[str, Any]:
    """{"code": each node's lines of the compiled program (``Tape(root).compile().source``),
    its forward line and its backward line ("" where it has none), None for a leaf;
    "codeVars": what the program's variables hold (p0: a leaf's name, v3: a node's)}, or {}
    for a graph the compiler does not take. The page shows them as text, never runs them."""
    from .tape import Tape

    try:
        with warnings.catch_warnings():  # an op without a code generator: no code to show
            warnings.simplefilter("ignore")
            compiled = Tape(order[-1]).compile()
    except Exception:  # a graph the compiler refuses: the page shows no code
        return {}
    if compiled.source is None:
        return {}
    code = _code_lines(order, compiled.order, compiled.source)
    if code is None:
        return {}
    at = {node: k for k, node in enumerate(order)}
    where = {f"v{i}": names[at[node]] for i, node in enumerate(compiled.order) if node in at}
    for line in compiled.source.splitlines():
        m = re.fullmatch(r"    # (p\d+) = (.*)", line)
        if m:
            where[m.group(1)] = m.group(2)
    return {"code": code, "codeVars": where}


def _code_lines(
    order: list[Value], compiled_order: list[Value], source: str
) -> list[list[str] | None] | None:
    """Each node's forward and backward line of `source`, None for a leaf; None if the
    source is not laid out as the compiler writes it."""
    lines = source.splitlines()
    start = next((i for i, line in enumerate(lines) if " in ROWS:" in line), -1) + 1
    forward = [line.strip() for line in lines[start : start + len(compiled_order)]]
    back = next((i for i, line in enumerate(lines) if line.startswith("def backward")), None)
    if not start or back is None or len(forward) != len(compiled_order):
        return None
    if not all("  # " in line for line in forward):
        return None
    body = lines[back:]
    backward: dict[str, str] = {}
    for line in body:
        if "  # " in line:
            backward.setdefault(line[line.index("  # ") :], line.strip())
    at = {node: k for k, node in enumerate(order)}
    out: list[list[str] | None] = [None] * len(order)
    for node, line in zip(compiled_order, forward):
        if node in at:
            out[at[node]] = [line, backward.get(line[line.index("  # ") :], "")]
    return out


@dataclass
class _Batch:
    layout: int
    epoch: int
    batch: int
    rows: list[int]
    values: list[float]
    locals: list[float]
    consts: dict[int, list[float]]
    new: list[float]  # each drawn parameter's value after the update
    phases: tuple[str, ...]
    grads: list[float] = field(default_factory=list)  # for the drawing's line widths only

    def data(self) -> dict[str, Any]:
        return {
            "l": self.layout,
            "e": self.epoch,
            "b": self.batch,
            "r": self.rows,
            "v": [_num(x) for x in self.values],
            "d": [_num(x) for x in self.locals],
            "k": {str(k): [_num(x) for x in c] for k, c in self.consts.items()},
            "u": [_num(x) for x in self.new],
            "p": list(self.phases),
        }


def _consts(node: Value) -> list[float] | None:
    """A dot node's constant weights and inputs (numbers that are not nodes), if any."""
    parts = dot_parts(node)
    if parts is None:
        return None
    weights = [0.0 if isinstance(w, Value) else w for w in parts.weights]
    inputs = [0.0 if isinstance(x, Value) else x for x in parts.inputs]
    if all(isinstance(v, Value) for v in (*parts.weights, *parts.inputs)):
        return None  # every weight and input is a node: no constants
    return weights + inputs


class _Recorder:
    """Collects layouts and batches; one layout per distinct graph structure."""

    def __init__(self, params: Sequence[Value], max_nodes: int, max_layouts: int = 4) -> None:
        self.params = list(params)
        self.param_index = {p: i for i, p in enumerate(self.params)}
        self.max_nodes = max_nodes
        self.max_layouts = max_layouts
        self.layouts: list[_Layout] = []
        self.batches: list[_Batch] = []

    def layout_for(
        self, root: Value, placeholders: dict[Value, tuple[int, int]]
    ) -> tuple[int, list[Value]]:
        order = topological_order(root)
        if len(order) > self.max_nodes:
            raise ValueError(
                f"explore: the graph of one batch has {len(order)} nodes, more than "
                f"max_nodes={self.max_nodes}; pass max_nodes={len(order)} (or more), or a "
                "smaller model or batch"
            )
        index = {node: k for k, node in enumerate(order)}
        kinds, params, feeds = [], [], []
        for node in order:
            p = self.param_index.get(node, -1)
            feed = placeholders.get(node, (-1, -1))
            params.append(p)
            feeds.append(feed)
            if node.inputs:
                kinds.append("o")
            elif p >= 0:
                kinds.append("p")
            elif feed[0] >= 0 or node.role == "input":
                kinds.append("i")
            else:
                kinds.append("c")
        inputs = [[index[i] for i in node.inputs] for node in order]
        signature = tuple(
            (node.op, tuple(ins), p, f, node.label)
            for node, ins, p, f in zip(order, inputs, params, feeds)
        )
        for li, layout in enumerate(self.layouts):
            if layout.signature == signature:
                return li, order
        if len(self.layouts) >= self.max_layouts:
            raise ValueError(
                f"explore: the batches build more than {self.max_layouts} differently shaped "
                "graphs; build the same graph for every batch (the last, shorter batch may "
                "differ)"
            )
        names_by_node = display_names(order)
        if not root.label and "L" not in names_by_node.values():
            names_by_node[root] = "L"
        names = [names_by_node[n] for n in order]
        self.layouts.append(
            _Layout(signature, order, names, kinds, inputs, params, [list(f) for f in feeds])
        )
        return len(self.layouts) - 1, order


# Points a neuron's box grows by at the neuron level of a page with maps: a square as tall
# as the box's three lines (65 points) less a 4-point inset, and a gap before the text.
_MAP_ROOM = 60


def _draw_layout(
    layout: _Layout, batches: list[_Batch], li: int, root_name: str, room: int = 0
) -> None:
    """Lay the graph out once with lines wide enough for every number the run will show;
    at the neuron level, each neuron's box `room` points wider (for the page's map)."""
    n = len(layout.order)
    value_w = [1] * n
    grad_w = [1] * n
    for batch in batches:
        if batch.layout != li:
            continue
        for k, x in enumerate(batch.values):
            value_w[k] = max(value_w[k], len(_fmt4(x)))
        pos = 0
        for k, ins in enumerate(layout.inputs):
            for inp in ins:
                # a partial sum is about as long as the contributions and the final gradient
                contribution = batch.locals[pos] * (batch.grads[k] if batch.grads else 1.0)
                grad_w[inp] = max(grad_w[inp], len(_fmt4(contribution)))
                pos += 1
        for k, g in enumerate(batch.grads):
            grad_w[k] = max(grad_w[k], len(_fmt4(g)))
    index = {node: k for k, node in enumerate(layout.order)}
    zs = _z_boxes(layout, batches, li, root_name)

    def lines(node: Value, _name: str) -> list[str]:
        k = index[node]
        name = layout.names[k]
        out = [name, "= " + "0" * value_w[k], f"∂{root_name}/∂{name} = " + "0" * grad_w[k]]
        if layout.kinds[k] == "p":
            out.append("was " + "0" * value_w[k])
        return out

    roles: dict[Value, str] = {}
    for node, kind in zip(layout.order, layout.kinds):
        if kind == "p":
            roles[node] = "param"
        elif kind == "i":
            roles[node] = "input"
    roles[layout.order[-1]] = "loss"
    graph = draw(
        layout.order[-1],
        edge_labels=False,
        show_grads=False,
        roles=roles,
        max_nodes=max(n, 1),
        title=None,
        node_lines=lines,
    )
    import graphviz

    # boxes closer side by side than draw's (unless it packs them closer still): the
    # walkthrough fits a 1280-pixel-wide window at 12 px text
    packed = "nodesep" in graph.source
    source = for_page(graph.source) if packed else for_page(graph.source, nodesep="0.15")
    if 'rankdir="LR"' in source:
        # a network: room between its layers for the step's labels (less where its neurons'
        # weights stand in grids: their columns are ranks too)
        source = for_page(source, ranksep="1.0" if packed else "1.6")
    source = split_neurons(source, {f"n{k}": z for k, z in zs.items()})
    svg = pipe(graphviz.Source(source), "svg").decode("utf-8")
    start = svg.find("<svg")
    layout.svg = svg[start:] if start >= 0 else svg

    def box_lines(ks: list[int], name: str, data_grads: bool = False) -> list[str]:
        """A box's lines, wide enough for each node it shows (one per sample)."""
        value = max(value_w[k] for k in ks)
        grad = max(grad_w[k] for k in ks)
        short = name.split(" ")[0]
        kinds = {layout.kinds[k] for k in ks}
        if kinds == {"i"} and not data_grads:  # data: its gradient is noise beside neurons
            return [name, "= " + "0" * value, ""]
        out = [name, "= " + "0" * value, f"∂{root_name}/∂{short} = " + "0" * grad]
        return [*out, "was " + "0" * value] if kinds == {"p"} else out

    def node_lines_of(ks: list[int], name: str) -> list[str]:
        return box_lines(ks, name, data_grads=True)

    resolved = resolve_roles(layout.order, roles)
    layout.legend = sorted(
        {
            resolved[id(node)] or ("intermediate" if node.inputs else "constant")
            for node in layout.order
        }
    )
    # a batch of several samples: its node level drawn for one sample too, not N copies
    layout.node_view = network_view(
        layout.order, layout.names, layout.inputs, layout.feeds, roles, node_lines_of, "node", zs=zs
    )
    layout.network = network_view(
        layout.order, layout.names, layout.inputs, layout.feeds, roles, box_lines, room=room
    )


def _z_boxes(
    layout: _Layout, batches: list[_Batch], li: int, root_name: str
) -> dict[int, tuple[str, _Box]]:
    """Each neuron a(w·x + b) of the layout (a dot node with an activation): its activation and
    the box of its z = w·x + b, wide enough for every z and ∂L/∂z of the run; and, in
    `layout.split`, what the page needs to compute z (the nodes of its weights, inputs and
    bias, -1 for a constant, which the batch's record holds)."""
    slope: dict[str, Callable[[float], float]] = {
        "tanh": lambda a: 1 - a * a,
        "sigmoid": lambda a: a * (1 - a),
        "relu": lambda a: 1.0 if a > 0 else 0.0,
    }
    fill, font, _ = ROLE_COLOURS["model"]
    out: dict[int, tuple[str, _Box]] = {}
    layout.split = []
    for k, node in enumerate(layout.order):
        parts = dot_parts(node)
        shape = _dot_shape(node, layout.inputs[k]) if parts is not None else None
        if parts is None or shape is None or parts.activation not in SLOPES[:3]:
            continue
        act = str(parts.activation)
        n, ws, xs, bias = shape
        const = parts.bias if isinstance(parts.bias, float) else 0.0
        value_w, grad_w = 1, 1
        for batch in batches:
            if batch.layout != li:
                continue
            v, consts = batch.values, batch.consts.get(k, [])
            z = const if bias is None else v[bias]
            for i in range(n):
                z += (consts[i] if ws is None else v[ws[i]]) * (
                    consts[n + i] if xs is None else v[xs[i]]
                )
            value_w = max(value_w, len(_fmt4(z)))
            if batch.grads:
                grad_w = max(grad_w, len(_fmt4(batch.grads[k] * slope[act](v[k]))))
        name = layout.names[k]
        lines = ["z = w·x + b", "= " + "0" * value_w, f"∂{root_name}/∂z = " + "0" * grad_w]
        tip = f"z of {name}: its w·x + b, before the activation {act}"
        out[k] = (act, _Box(lines, fill, font, tip, [], "model"))
        layout.split.append(
            {
                "k": k,
                "act": act,
                "w": ws if ws is not None else [-1] * n,
                "x": xs if xs is not None else [-1] * n,
                "b": bias if bias is not None else -1,
                "c": const,
            }
        )
    return out


# --- the page ---------------------------------------------------------------------------------


def _katex() -> tuple[str, str]:
    """KaTeX's script and its stylesheet with the fonts the page uses inlined (woff2 only)."""
    js_path, css_path = _KATEX_DIR / "katex.min.js", _KATEX_DIR / "katex.min.css"
    if not js_path.is_file() or not css_path.is_file():
        raise FileNotFoundError(f"{_VENDOR_HINT} (looked in {_KATEX_DIR})")
    js = js_path.read_text(encoding="utf-8")
    css = css_path.read_text(encoding="utf-8")
    if "</script" in js.lower() or "</style" in css.lower():
        raise RuntimeError(f"explore: the vendored KaTeX in {_KATEX_DIR} cannot be inlined")

    def face(m: re.Match[str]) -> str:
        rule = m.group(0)
        font = re.search(r"fonts/KaTeX_([A-Za-z0-9-]+)\.woff2", rule)
        if font is None or font.group(1) not in _FONTS:
            return ""
        path = _KATEX_DIR / "fonts" / f"KaTeX_{font.group(1)}.woff2"
        if not path.is_file():
            raise FileNotFoundError(f"{_VENDOR_HINT} (missing {path.name})")
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        src = f'src:url(data:font/woff2;base64,{data}) format("woff2")'
        return re.sub(r"src:[^;}]*", src, rule, count=1)

    css = re.sub(r"@font-face\{[^}]*\}", face, css)
    return js, css


def _script_json(data: Any) -> str:
    """JSON for a <script> element: "<" escaped, so no string can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _page(
    title: str,
    data: dict[str, Any],
    svgs: list[tuple[str, str]],
    legend: list[tuple[str, bool]] | None = None,
    spares: Sequence[tuple[str, str]] = (),
) -> str:
    template = (_PAGE_DIR / "explore.html").read_text(encoding="utf-8")
    css = (_PAGE_DIR / "explore.css").read_text(encoding="utf-8")
    js = (_PAGE_DIR / "explore.js").read_text(encoding="utf-8")
    katex_js, katex_css = _katex()
    legend = legend or []
    graphs = "\n".join(
        f'<div class="{kind}" data-layout="{i}" hidden>{svg}</div>'
        for i, pair in enumerate(svgs)
        for kind, svg in zip(("layout", "neurons"), pair)
        if svg
    )
    # drawings the page copies when it needs them (inert until then)
    graphs += "".join(
        f'<template class="spare" data-spare="{i}" data-kind="{kind}">{svg}</template>'
        for i, pair in enumerate(spares)
        for kind, svg in zip(("layout", "neurons"), pair)
        if svg
    )
    parts = {
        "TITLE": html.escape(title),
        "KATEX_CSS": katex_css,
        "CSS": css,
        "GRAPHS": graphs,
        "LEGEND": _legend_html(legend),
        "DATA": _script_json(data),
        "KATEX_JS": katex_js,
        "ENGINE": _page_engine(),
        "JS": js,
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], template)


@dataclass(repr=False)
class Exploration:
    """A recorded training run and its page: `html` (self-contained), `write(out_dir)`.

    In Jupyter the object displays the page inline; as text it is one line.
    """

    html: str
    losses: list[float]
    steps: int
    stopped: str | None = None
    name: str = "explore"

    def __repr__(self) -> str:
        size = megabytes(len(self.html.encode("utf-8")))
        stopped = f", {self.stopped.split(':')[0]}" if self.stopped else ""
        return f"Exploration({self.name}, {self.steps} steps, index.html {size}{stopped})"

    def write(self, out_dir: str | Path) -> Path:
        """Write the page to ``out_dir/index.html`` (the folder is created); returns its path."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        path = out / "index.html"
        write_atomic(path, self.html.encode("utf-8"))
        return path

    def _repr_html_(self) -> str:
        return page_frame(self.html)


def _name_of(build: Callable[..., Any]) -> str:
    """What an Exploration is called: its build function's name ("explore" for a lambda)."""
    name = getattr(build, "__name__", "")
    return name if isinstance(name, str) and name.isidentifier() else "explore"


def _check_rows(rows: Sequence[Sequence[float]]) -> list[tuple[float, ...]]:
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or not rows:
        raise ValueError("explore: rows must be a non-empty sequence of rows of numbers")
    width = None
    out = []
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
            raise TypeError(f"explore: row {i} must be a sequence of numbers, got {row!r}")
        values = []
        for j, x in enumerate(row):
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                raise TypeError(f"explore: row {i}, column {j} is {type(x).__name__}: {x!r}")
            if not math.isfinite(x):
                raise ValueError(f"explore: row {i}, column {j} is not finite: {x!r}")
            values.append(float(x))
        if width is None:
            width = len(values)
        if len(values) != width or not values:
            raise ValueError(
                f"explore: row {i} has {len(values)} numbers, row 0 has {width}; "
                "every row needs the same number of columns"
            )
        out.append(tuple(values))
    return out


def _check_int(value: object, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"explore: {what} must be an int, got {type(value).__name__}: {value!r}")
    if value < minimum:
        raise ValueError(f"explore: {what} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _check_out(out: object) -> Path | None:
    """`out` as a folder path, refused before training when it is a file or under one."""
    if out is None:
        return None
    if not isinstance(out, (str, Path)):
        raise TypeError(f"explore: out must be a folder path (str or Path), got {out!r}")
    path = Path(out)
    blocker = not_a_folder(path)
    if blocker is not None:
        raise ValueError(f"explore: out={str(out)!r}: {blocker} is a file, not a folder")
    return path


def explore(
    build: Callable[[list[list[Value]]], Value],
    params: Sequence[Value],
    rows: Sequence[Sequence[float]],
    optimizer: Optimizer | None = None,
    *,
    lr: float | None = None,
    epochs: int = 1,
    batch_size: int | None = 1,
    columns: Sequence[str] | None = None,
    title: str = "Watch a model learn",
    max_nodes: int = 2000,
    max_steps: int = MAX_STEPS,
    out: str | Path | None = None,
    model: Callable[[Any], Any] | None = None,
    loss: str | None = None,
    init: str | None = None,
    seed: int | None = None,
    datasets: Mapping[str, Sequence[Sequence[float]]] | None = None,
) -> Exploration:
    """Train with `optimizer` (default ``SGD(params, lr)``, lr 0.05 unless given; `lr` beside
    an optimizer, which has its own, is refused) and record a page of every step.

    `build(batch)` makes the loss of one batch: `batch` holds one list per row of the batch,
    each number of the row a placeholder Value (labelled by `columns`, default x1, x2, …, y).
    Rows are taken in order, `batch_size` at a time (None: all at once), for `epochs` epochs;
    each batch: feed, forward, loss, backward, update, as the regression walkthrough does.

    The parameters end trained, as `fit` leaves them. If the run diverges (a value, gradient
    or update that is not finite) after the first batch, the page ends at the last finite
    batch, the parameters keep those values, and `Exploration.stopped` says why; any other
    error restores every parameter (those in `params` and the optimizer's) and the
    optimizer, and is raised. With `out`, the page is written to ``out/index.html`` too.
    Every argument is checked before training starts.

    With `model` (a function of one row's input placeholders, e.g. an `MLP`) and `loss`
    ("mse" or "sse"), where `build(batch)` is that loss of the model on the batch's rows (the
    last column the target), the page can re-train in place: the learner changes the
    learning rate, the optimizer, the epochs and, for an `MLP` made with `init` and `seed`
    (say so here), the initial weights (`program_data` is what the page replays). Without
    them the page plays back this run and says why its settings are fixed. `datasets`
    (with `model` and `loss`) are other sets of rows of the same columns by name, offered
    in the page's data select; the one equal to `rows` names them.
    """
    if not callable(build):
        raise TypeError("explore: build must be a function of one batch that returns the loss")
    if isinstance(params, (Value, str)) or not isinstance(params, Iterable):
        raise TypeError(
            f"explore: params must be a non-empty list of Values, got {type(params).__name__}"
        )
    params = list(params)
    if not params or not all(isinstance(p, Value) for p in params):
        raise TypeError("explore: params must be a non-empty sequence of Values")
    data_rows = _check_rows(rows)
    epochs = _check_int(epochs, "epochs", 1)
    size = len(data_rows) if batch_size is None else _check_int(batch_size, "batch_size", 1)
    width = len(data_rows[0])
    if columns is None:
        columns = [*(f"x{j + 1}" for j in range(width - 1)), "y"] if width > 1 else ["x"]
    if isinstance(columns, str) or not isinstance(columns, Sequence):
        raise TypeError(f"explore: columns must be a list of names (str), got {columns!r}")
    for j, c in enumerate(columns):
        if not isinstance(c, str):
            raise TypeError(f"explore: columns[{j}] must be a str, got {type(c).__name__}: {c!r}")
    columns = list(columns)
    if len(columns) != width:
        raise ValueError(f"explore: {len(columns)} column names for rows of {width} numbers")
    if not isinstance(title, str):
        raise TypeError(f"explore: title must be a str, got {type(title).__name__}: {title!r}")
    _check_int(max_nodes, "max_nodes", 1)
    _check_int(max_steps, "max_steps", 1)
    out_dir = _check_out(out)
    if optimizer is None:
        optimizer = SGD(params, lr=0.05 if lr is None else lr)
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(f"explore: optimizer must be an Optimizer, got {type(optimizer).__name__}")
    elif lr is not None:
        raise ValueError(
            f"explore: lr={lr!r} would be ignored: the optimizer has its own learning rate "
            f"({type(optimizer).__name__}(lr={optimizer.lr!r})); give one or the other"
        )
    batches = [
        list(range(i, min(i + size, len(data_rows)))) for i in range(0, len(data_rows), size)
    ]
    live = _live(model, loss, init, seed, params, data_rows, optimizer, epochs, batch_size)
    if datasets is not None:
        _add_datasets(live, datasets, data_rows)
    # Everything training may change: the params given and the optimizer's (which may hold
    # others), each once, and the optimizer's own state.
    touched = list(dict.fromkeys([*params, *optimizer.params]))
    saved = [(p.data, p.grad, p.previous) for p in touched]
    saved_opt = {k: (list(v) if isinstance(v, list) else v) for k, v in vars(optimizer).items()}
    recorder = _Recorder(params, max_nodes)
    losses: list[float] = []
    stopped: str | None = None
    try:
        total = 0
        for epoch in range(1, epochs + 1):
            for b, batch in enumerate(batches, start=1):
                first = epoch == 1 and b == 1
                try:
                    record = _run_batch(
                        build, recorder, optimizer, data_rows, batch, columns, epoch, b, first
                    )
                except (ArithmeticError, ValueError) as exc:
                    if first or not _numeric(exc):
                        raise
                    stopped = f"stopped at epoch {epoch}, batch {b}: {exc}"
                    break
                if first:
                    per_batch = len(record.phases) + 2 * sum(
                        1 for k in recorder.layouts[record.layout].kinds if k == "o"
                    )
                    total = per_batch * epochs * len(batches)
                    if total > max_steps:
                        raise StepLimitError(
                            f"explore: the page would have about {total} steps, more than "
                            f"max_steps={max_steps}; train fewer epochs or rows, or pass "
                            f"max_steps={total}",
                            total,
                            max_steps,
                        )
                losses.append(record.values[-1])
                recorder.batches.append(record)
            if stopped:
                break
        other: list[_Batch] = []
        run_layouts = len(recorder.layouts)
        if isinstance(live, dict):
            _check_live(live.pop("check"), recorder.batches[0])
            other = _extra_layouts(live, model, recorder, data_rows, columns)
        root_name = recorder.layouts[0].names[-1]
        # a model of two inputs: the page maps each neuron's output over the input plane
        maps = isinstance(live, dict) and len(columns) == 3 and live["program"]["fed"] == 3
        for li, layout in enumerate(recorder.layouts):
            _draw_layout(layout, recorder.batches + other, li, root_name, _MAP_ROOM if maps else 0)
        spares = recorder.layouts[run_layouts:]  # the page copies them; it shows the others
        del recorder.layouts[run_layouts:]
        page = _page_from(recorder, title, data_rows, columns, optimizer, stopped, live, spares)
        result = Exploration(page, losses, _count_steps(recorder), stopped, _name_of(build))
        if out_dir is not None:
            result.write(out_dir)
    except BaseException:
        for p, (data, grad, previous) in zip(touched, saved):
            p.data, p.grad, p.previous = data, grad, previous
        vars(optimizer).update(saved_opt)
        raise
    return result


_LIVE_LOSSES = ("mse", "sse", "hinge", "bce", "cross_entropy")
_FREE_FORM = (
    "this page was made from a free-form build(batch), so it plays back its one recorded run; "
    "to change the settings here, make it with explore(..., model=, loss=)"
)


def _live(
    model: Callable[[Any], Any] | None,
    loss: str | None,
    init: str | None,
    seed: int | None,
    params: list[Value],
    rows: list[tuple[float, ...]],
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None,
) -> dict[str, Any] | str:
    """What the page needs to re-train (the program and the run's settings), or the reason
    it cannot (a sentence the page shows). Raises for a model or loss that does not fit."""
    if model is None and loss is None:
        return _FREE_FORM
    if model is None or not callable(model):
        raise TypeError("explore: model must be a function of one row's inputs (with loss=)")
    if loss not in _LIVE_LOSSES:
        raise ValueError(
            f"explore: loss must be one of {', '.join(_LIVE_LOSSES)} with model=, got {loss!r}"
        )
    if init is not None and init not in _INITS:
        raise ValueError(f"explore: init must be one of {', '.join(_INITS)}, got {init!r}")
    if seed is not None:
        _check_int(seed, "seed", -(2**63))
    nin = getattr(model, "nin", len(rows[0]) - 1)
    if not isinstance(nin, int) or not 0 < nin < len(rows[0]):
        raise ValueError(f"explore: the model takes {nin} inputs, the rows have {len(rows[0])}")
    xs = [list(r[:nin]) for r in rows]
    ys = [list(r[nin:]) for r in rows]
    program, batch_loss = _program(model, params, xs, ys, loss)
    if set(optimizer.params) != set(params):
        return "its optimizer updates other parameters than the page's params"
    if isinstance(optimizer, Adam):
        kind = "adam"
    elif type(optimizer) is SGD:
        kind = "momentum" if optimizer.momentum else "sgd"
    else:
        return f"its optimizer, {type(optimizer).__name__}, is not one the page knows"
    settings = {
        "lr": optimizer.lr,
        "optimizer": kind,
        "momentum": getattr(optimizer, "momentum", 0.0) or 0.9,
        "betas": list(getattr(optimizer, "betas", (0.9, 0.999))),
        "eps": getattr(optimizer, "eps", 1e-8),
        "weight_decay": optimizer.weight_decay,
        "batch_size": batch_size,
        "epochs": epochs,
        "init": init,
        "seed": seed,
        "loss": loss,
        "data": None,
    }
    mlp = None
    if isinstance(model, MLP):
        mlp = {
            "nin": model.nin,
            "nouts": model.nouts,
            "activation": model.activation,
            "output_activation": model.output_activation,
            "bias": model.bias,
        }
    return {
        "program": program,
        "settings": settings,
        # the losses the page can switch between: mse and sse differ only in their sum's mean
        "losses": ["mse", "sse"] if loss in ("mse", "sse") else [loss],
        "mlp": mlp,
        "redraw": seed is not None,
        "check": batch_loss,  # not page data: explore compares it with build's first loss
    }


def _add_datasets(
    live: dict[str, Any] | str,
    datasets: Mapping[str, Sequence[Sequence[float]]],
    rows: list[tuple[float, ...]],
) -> None:
    """Check the named sets of rows the page offers and put them in `live` (`datasets`, and
    the name of the set equal to `rows` as the setting `data`)."""
    if not isinstance(live, dict):
        raise ValueError("explore: datasets= needs a page that re-trains (model= and loss=)")
    if not isinstance(datasets, Mapping) or not datasets:
        raise TypeError("explore: datasets must be a non-empty dict of {name: rows}")
    allowed = live["program"]["targets"]
    sets: dict[str, list[list[float]]] = {}
    for name, table in datasets.items():
        if not isinstance(name, str) or not name.strip() or len(name) > 40:
            raise ValueError(f"explore: a data set's name must be 1 to 40 characters, got {name!r}")
        try:
            checked = _check_rows(table)
        except (TypeError, ValueError) as exc:
            what = str(exc).removeprefix("explore: ")
            raise type(exc)(f"explore: data set {name!r}: {what}") from None
        if len(checked[0]) != len(rows[0]):
            raise ValueError(
                f"explore: data set {name!r} has rows of {len(checked[0])} numbers, "
                f"the page's rows {len(rows[0])}"
            )
        for i, row in enumerate(checked):
            if allowed is not None and row[-1] not in allowed:
                raise ValueError(
                    f"explore: data set {name!r}, row {i}: the label must be "
                    f"{' or '.join(f'{a:g}' for a in allowed)}, got {row[-1]!r}"
                )
        sets[name] = [list(r) for r in checked]
    live["datasets"] = sets
    own = [name for name, table in sets.items() if table == [list(r) for r in rows]]
    live["settings"]["data"] = own[0] if own else None


#: A classifier's other loss, and its labels beside this loss's: the page switches between them
_OTHER_LOSS = {"hinge": ("bce", (0.0, 1.0)), "bce": ("hinge", (-1.0, 1.0))}


def _extra_layouts(
    live: dict[str, Any],
    model: Any,
    recorder: _Recorder,
    rows: list[tuple[float, ...]],
    columns: list[str],
) -> list[_Batch]:
    """Layouts the page copies for other batch sizes and losses, added to `live`: where the
    recorded graph is one row's term (the walkthrough's L = (ŷ − y)²), the graph of two rows
    gathered by the loss's sum or mean ("gather"); for a classifier of one output trained with
    hinge or bce, the other loss's program and graph ("alt"; the rows' labels map one to one,
    hinge's −1 to bce's 0). Returns the batches whose numbers size their drawings."""
    program = live["program"]
    loss = live["settings"]["loss"]
    if len(program["terms"]) != 1:
        return []
    nin = program["fed"] - 1
    out: list[_Batch] = []
    first = recorder.layouts[0].order[-1]
    if first.op not in ("sum", "mean") and len(rows) > 1:
        batch = _record_loss(model, recorder, rows, columns, loss, [0, 1], nin)
        if batch is not None:
            live["gather"] = {"layout": batch.layout, "batch": batch.data()}
            out.append(batch)
    if program["targets"] is not None and loss in _OTHER_LOSS:
        other, labels = _OTHER_LOSS[loss]
        mapped = [(*r[:nin], labels[program["targets"].index(r[nin])]) for r in rows]
        try:
            alt, _ = _program(
                model, recorder.params, [r[:nin] for r in mapped], [r[nin] for r in mapped], other
            )
        except ValueError:
            return out
        batch = _record_loss(model, recorder, mapped, columns, other, recorder.batches[0].rows, nin)
        if batch is not None:
            live["alt"] = {"loss": other, "program": alt, "layout": batch.layout}
            live["alt"]["batch"] = batch.data()
            live["losses"] = [loss, other]
            out.append(batch)
    return out


def _record_loss(
    model: Any,
    recorder: _Recorder,
    rows: list[tuple[float, ...]],
    columns: list[str],
    loss: str,
    batch: list[int],
    nin: int,
) -> _Batch | None:
    """The layout of `loss` of the model on rows `batch`, recorded with its numbers but not
    trained (the parameters and their gradients are kept); None where it cannot be."""
    from .train import LOSSES

    params = list(dict.fromkeys(recorder.params))
    saved = [p.grad for p in params]
    try:
        feed, placeholders = _placeholders(rows, batch, columns)
        root = LOSSES[loss]([model(row[:nin]) for row in feed], [row[nin] for row in feed])
        root.label = recorder.layouts[0].names[-1]
        li, order = recorder.layout_for(root, placeholders)
        for node in order:
            node.grad = 0.0
        root.backward()
        layout = recorder.layouts[li]
        return _Batch(
            li,
            1,
            1,
            batch,
            [node.data for node in order],
            [x for node in order for x in node.local_grads],
            {k: cs for k, node in enumerate(order) if (cs := _consts(node)) is not None},
            [node.data for node, p in zip(order, layout.params) if p >= 0],
            (),
            [node.grad for node in order],
        )
    except (ArithmeticError, ValueError, TypeError):
        return None
    finally:
        for p, grad in zip(params, saved):
            p.grad = grad


def _check_live(batch_loss: Callable[[Sequence[int]], float], first: _Batch) -> None:
    """ValueError unless `model=` and `loss=` give the loss `build` gave for the first batch
    (the page would re-train a different model than it shows)."""
    want = first.values[-1]
    got = batch_loss(first.rows)
    if not (got == want or abs(got - want) <= 1e-12 * max(abs(got), abs(want))):
        raise ValueError(
            f"explore: model= and loss= give {got!r} for the first batch, build gave {want!r}; "
            "build(batch) must be that loss of the model on the batch's rows"
        )


def _count_steps(recorder: _Recorder) -> int:
    """The number of steps the page shows (as its script counts them)."""
    total = 0
    for batch in recorder.batches:
        kinds = recorder.layouts[batch.layout].kinds
        ops = kinds.count("o")
        for phase in batch.phases:
            if phase == "forward":
                total += ops - (1 if kinds[-1] == "o" else 0)
            elif phase == "backward":
                total += ops
            else:
                total += 1
    return total


def _numeric(exc: BaseException) -> bool:
    """Errors a diverging run raises: overflow, a value or gradient that is not finite."""
    if isinstance(exc, ArithmeticError):
        return True
    text = str(exc)
    return "finite" in text or "overflow" in text.lower() or "nan" in text.lower()


def _placeholders(
    rows: Sequence[Sequence[float]], batch: list[int], columns: list[str]
) -> tuple[list[list[Value]], dict[Value, tuple[int, int]]]:
    """A batch's rows as placeholder leaves (x1, or x1[2] in a batch of several rows), and
    each placeholder's (sample, column)."""
    placeholders: dict[Value, tuple[int, int]] = {}
    feed: list[list[Value]] = []
    for j, r in enumerate(batch):
        row = []
        for c, x in enumerate(rows[r]):
            label = columns[c] if len(batch) == 1 else f"{columns[c]}[{j + 1}]"
            v = Value(x, label, role="input")
            placeholders[v] = (j, c)
            row.append(v)
        feed.append(row)
    return feed, placeholders


def _run_batch(
    build: Callable[[list[list[Value]]], Value],
    recorder: _Recorder,
    optimizer: Optimizer,
    rows: list[tuple[float, ...]],
    batch: list[int],
    columns: list[str],
    epoch: int,
    number: int,
    first: bool,
) -> _Batch:
    feed, placeholders = _placeholders(rows, batch, columns)
    loss = build(feed)
    if not isinstance(loss, Value):
        raise TypeError(f"explore: build must return a Value (the loss), got {type(loss).__name__}")
    li, order = recorder.layout_for(loss, placeholders)
    layout = recorder.layouts[li]
    values = [node.data for node in order]
    for node in order:
        node.grad = 0.0
    optimizer.zero_grad()
    loss.backward()
    for node in order:
        if not math.isfinite(node.grad):
            raise FloatingPointError(
                f"explore: the gradient of {layout.names[order.index(node)]} is not finite"
            )
    local_grads = [x for node in order for x in node.local_grads]
    grads = [node.grad for node in order]
    consts = {k: cs for k, node in enumerate(order) if (cs := _consts(node)) is not None}
    drawn = [node for node, p in zip(order, layout.params) if p >= 0]
    optimizer.step()
    if not all(math.isfinite(p.data) for p in optimizer.params):
        for p in optimizer.params:
            if p.previous is not None:
                p.data = p.previous
        raise FloatingPointError("explore: the update made a parameter infinite")
    phases = ("init", *_PHASES[1:]) if first else _PHASES[1:]
    return _Batch(
        li,
        epoch,
        number,
        batch,
        values,
        local_grads,
        consts,
        [p.data for p in drawn],
        phases,
        grads,
    )


def _page_from(
    recorder: _Recorder,
    title: str,
    rows: list[tuple[float, ...]] | None,
    columns: list[str] | None,
    optimizer: Optimizer | None,
    stopped: str | None,
    live: dict[str, Any] | str | None = None,
    spares: Sequence[_Layout] = (),
) -> str:
    plain_sgd = isinstance(optimizer, SGD) and not optimizer.momentum
    if isinstance(live, dict):
        try:
            ops_of = [layout.ops() for layout in recorder.layouts]
        except ValueError as exc:
            live = str(exc)
        else:
            live = {**live, "ops": ops_of}
            for key in ("gather", "alt"):  # a spare layout's data; its drawings in <template>s
                if key in live:
                    i = live[key]["layout"] - len(recorder.layouts)
                    try:
                        ops_i = spares[i].ops()
                    except ValueError:
                        del live[key]
                        continue
                    live[key] = {**live[key], "layout": spares[i].data(), "ops": ops_i, "spare": i}
            if "alt" not in live:
                live["losses"] = [
                    loss
                    for loss in live["losses"]
                    if loss == live["settings"]["loss"] or loss not in _OTHER_LOSS
                ]
    data = {
        "title": title,
        "layouts": [layout.data() for layout in recorder.layouts],
        "batches": [batch.data() for batch in recorder.batches],
        "rows": [list(r) for r in rows] if rows is not None else [],
        "columns": columns or [],
        "batchCount": len({(b.batch) for b in recorder.batches}),
        "optimizer": None
        if optimizer is None
        else {"name": type(optimizer).__name__, "lr": optimizer.lr, "sgd": plain_sgd},
        "stopped": stopped,
        # what the page re-trains (the program and its settings), or why it cannot
        "live": live if isinstance(live, dict) else None,
        "fixed": live if isinstance(live, str) else None,
    }
    svgs = [
        (lay.node_view.svg if lay.node_view else lay.svg, lay.network.svg if lay.network else "")
        for lay in recorder.layouts
    ]
    roles = {role for lay in recorder.layouts for role in lay.legend}
    network = any(lay.network is not None for lay in recorder.layouts)
    legend = [(role, False) for role in _LEGEND_ORDER if role in roles]
    if network:
        legend.append(("model", True)) if "model" not in roles else None
        legend.append(("weights", True))
    spare_svgs = [
        (lay.node_view.svg if lay.node_view else lay.svg, lay.network.svg if lay.network else "")
        for lay in spares
    ]
    return _page(title, data, svgs, legend, spare_svgs)


_LEGEND_ORDER = ("input", "param", "constant", "intermediate", "model", "loss")
_LEGEND_TEXT = {
    "input": "input (placeholder)",
    "param": "param (weight, bias)",
    "constant": "constant (a number)",
    "intermediate": "intermediate (computed)",
    "model": "model",
    "loss": "loss",
}
_LEGEND_FILL = {"constant": "#E8E8E8", "intermediate": "#FFFFFF"}


def _legend_html(entries: list[tuple[str, bool]]) -> str:
    """The drawing's colours, above it; `True` marks an entry of the neuron level only."""
    out = []
    for role, neuron_only in entries:
        cls = ' class="neuron-only"' if neuron_only else ""
        if role == "weights":
            out.append(
                f'<span{cls}><span class="wline" style="background:#1F77B4"></span>'
                '<span class="wline" style="background:#D62728"></span> weight + / −, '
                "width |w|</span>"
            )
            continue
        fill = ROLE_COLOURS[role][0] if role in ROLE_COLOURS else _LEGEND_FILL[role]
        text = html.escape(_LEGEND_TEXT[role])
        out.append(f'<span{cls}><span class="chip" style="background:{fill}"></span>{text}</span>')
    return "".join(out)


def graph_page(root: Value, *, max_nodes: int = 500, title: str | None = None) -> str:
    """The page for backward alone on one graph, as it stands: the gradients are replayed
    from the nodes' local partials, so nothing in the graph changes."""
    if not isinstance(root, Value):
        raise TypeError(f"graph_page: root must be a Value, got {type(root).__name__}")
    checks.count(max_nodes, "graph_page: max_nodes")
    recorder = _Recorder([], max_nodes)
    li, order = recorder.layout_for(root, {})
    layout = recorder.layouts[li]
    local_grads = [x for n in order for x in n.local_grads]
    grads = [0.0] * len(order)
    grads[-1] = 1.0
    starts = []
    pos = 0
    for ins in layout.inputs:
        starts.append(pos)
        pos += len(ins)
    for k in range(len(order) - 1, -1, -1):
        for j, inp in enumerate(layout.inputs[k]):
            grads[inp] += local_grads[starts[k] + j] * grads[k]
    batch = _Batch(
        li,
        1,
        1,
        [],
        [n.data for n in order],
        local_grads,
        {k: c for k, n in enumerate(order) if (c := _consts(n)) is not None},
        [],
        ("backward",),
        grads,
    )
    recorder.batches.append(batch)
    _draw_layout(layout, recorder.batches, li, layout.names[-1])
    name = layout.names[-1]
    return _page_from(recorder, title or f"Backprop, step by step: {name}", None, None, None, None)


# --- the page's engine: the program as data, the op rules as the table's JavaScript ---------


def program_data(
    model: Callable[[Any], Any],
    params: Sequence[Value],
    xs: Sequence[Sequence[float]],
    ys: Sequence[Any],
    loss: str | Callable[..., Value] = "mse",
) -> dict[str, Any]:
    """One sample's graph of `model` with `loss` as data for the page's engine (engine.js).

    The graph is the one `fit(..., engine="compiled")` replays: the model on placeholder
    leaves, one loss term per output, interior nodes in the batch graph's order. Value slots
    are `params` (in that order), the fed leaves (a row's inputs, then its targets), the
    constant leaves, then the interior nodes; a node is ``[op row name, input slots,
    params]``. Names and numbers only, never code. ValueError for a loss the page cannot
    replay (mse, sse, hinge, bce and cross_entropy it can), an op without a JavaScript rule,
    or a parameter of the graph missing from `params`.
    """
    return _program(model, params, xs, ys, loss)[0]


def _program(
    model: Callable[[Any], Any],
    params: Sequence[Value],
    xs: Sequence[Sequence[float]],
    ys: Sequence[Any],
    loss: str | Callable[..., Value],
) -> tuple[dict[str, Any], Callable[[Sequence[int]], float]]:
    """`program_data`, and the program's loss of a batch (row indices) at the initial
    parameters, computed in Python by the nodes' kernels (to check it against `build`)."""
    from .compile import Unsupported
    from .runners import _sample
    from .train import LOSSES

    loss_fn = LOSSES.get(loss) if isinstance(loss, str) else loss
    if loss_fn is None:
        raise ValueError(f"explore: unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    params = list(params)
    targets: list[float] | None = None
    outputs: list[Value] = []
    choice: Value | None = None
    try:
        per_sample = _per_sample_losses()
        if loss_fn is _cross_entropy():
            order, terms, fed, rows, names_of, outputs, choice = _class_sample(model, xs, ys)
            targets = [float(c) for c in range(len(outputs))]
        elif loss_fn in per_sample:
            targets = list(per_sample[loss_fn])
            order, terms, fed, rows, names_of = _classifier_sample(model, xs, ys, loss_fn)
        else:
            order, terms, fed, rows, names_of = _sample(model, xs, ys, loss_fn)
    except Unsupported as exc:
        raise ValueError(f"explore: the page cannot re-train this model: {exc}") from None
    slot: dict[Value, int] = {p: i for i, p in enumerate(params)}
    for j, leaf in enumerate(fed):
        slot[leaf] = len(params) + j
    consts: list[float] = []
    interior = set(order)
    for node in order:
        for inp in node.inputs:
            if inp in slot or inp in interior:
                continue
            if inp.role == "param":
                raise ValueError(
                    f"explore: parameter {inp.name} of the graph is not among the parameters"
                )
            slot[inp] = len(params) + len(fed) + len(consts)
            consts.append(inp.data)
    base = len(params) + len(fed) + len(consts)
    for k, node in enumerate(order):
        slot[node] = base + k
    nodes = []
    for node in order:
        row = ops.row_of(node.kernel)
        if row is None or row.javascript is None:
            raise ValueError(f"explore: op {node.op!r} has no rule in the page's engine")
        nodes.append([row.name, [slot[i] for i in node.inputs], _js_params(node.params)])
    names = names_of()
    record = getattr(loss_fn, "per_row", None)
    mean = targets is not None or bool(getattr(record, "mean", False))
    start = [p.data for p in params]
    inputs = [[slot[i] for i in node.inputs] for node in order]
    kernels = [ops.TABLE[str(n[0])].kernel for n in nodes]
    # cross_entropy reads the logit of the row's class (fed last): node `picked` takes its
    # first input from the slot of that output
    picked = order.index(choice) if choice is not None else -1
    choices = [slot[o] for o in outputs]

    def batch_loss(batch: Sequence[int]) -> float:
        out: list[float] = []
        for r in batch:
            values = [*start, *rows[r], *consts, *([0.0] * len(order))]
            for k, node in enumerate(order):
                if k == picked:
                    inputs[k][0] = choices[int(rows[r][len(fed) - 1])]
                ins = [values[i] for i in inputs[k]]
                values[base + k] = kernels[k](ins, *node.params)[0]
            out += [values[slot[t]] for t in terms]
        total = 0.0
        for term in out:
            total += term
        return total / len(out) if mean else total

    return {
        "params": [names.get(p) or p.name for p in params],
        "init": [p.data for p in params],
        "fed": len(fed),
        "consts": consts,
        "nodes": nodes,
        "terms": [slot[t] - base for t in terms],
        "mean": mean,
        "rows": [list(r) for r in rows],
        "targets": targets,  # the values a target may take (a classifier's), or None
        # the model's outputs, and the node that reads the one of the row's class (the
        # row's last fed value): [node, input, the slot of each class's output]
        "outputs": [slot[o] for o in outputs] if outputs else None,
        "pick": [picked, 0, choices] if choice is not None else None,
    }, batch_loss


def _hinge_term(score: Value, target: Value) -> Value:
    from .losses import hinge

    return hinge([score], [target])


def _bce_term(logit: Value, target: Value) -> Value:
    from .losses import bce

    return bce([logit], [target])


def _classifier_sample(
    model: Callable[[Any], Any], xs: Sequence[Sequence[float]], ys: Sequence[Any], loss: Any
) -> tuple[
    list[Value], list[Value], list[Value], list[tuple[float, ...]], Callable[[], dict[Value, str]]
]:
    """One sample's graph for a classification loss that averages a per-sample term (hinge,
    bce): the model on placeholders, each term that loss of one sample (a mean of one term,
    exactly the term), the interior nodes in the batch graph's order; the targets fed as
    placeholders, first holding row 0's (the loss checks them)."""
    from .losses import bce

    term = _bce_term if loss is bce else _hinge_term
    placeholders = [Value(float(x), f"x{j + 1}", role="input") for j, x in enumerate(xs[0])]
    out = model(placeholders)
    preds = out if isinstance(out, list) else [out]
    rows = [
        (*map(float, x), *(map(float, y) if isinstance(y, Sequence) else [float(y)]))
        for x, y in zip(xs, ys)
    ]
    first = rows[0][len(placeholders) :]
    if len(first) != len(preds):
        raise ValueError(f"explore: a row has {len(first)} targets, the model {len(preds)} outputs")
    targets = [
        Value(y, "y" if len(preds) == 1 else f"y{k + 1}", role="input") for k, y in enumerate(first)
    ]
    terms = [term(p, t) for p, t in zip(preds, targets)]
    sample = Value.sum(terms)
    order = [node for node in topological_order(sample) if node.inputs][:-1]
    fed = placeholders + targets

    def names() -> dict[Value, str]:
        return display_names(topological_order(sample))

    return order, terms, fed, rows, names


def _cross_entropy() -> Callable[..., Value]:
    from .losses import cross_entropy

    return cross_entropy


def _class_sample(
    model: Callable[[Any], Any], xs: Sequence[Sequence[float]], ys: Sequence[Any]
) -> tuple[
    list[Value],
    list[Value],
    list[Value],
    list[tuple[float, ...]],
    Callable[[], dict[Value, str]],
    list[Value],
    Value,
]:
    """One sample's graph of cross_entropy (a row of logits, a class index): as
    `_classifier_sample`, with the class fed as the row's last value (a placeholder no node
    reads) and the graph made for class 0; also the model's outputs and the node that reads
    the class's logit (l_c − m), whose first input the page takes from the row's class."""
    from .losses import cross_entropy

    placeholders = [Value(float(x), f"x{j + 1}", role="input") for j, x in enumerate(xs[0])]
    out = model(placeholders)
    preds = out if isinstance(out, list) else [out]
    rows = []
    for i, (x, y) in enumerate(zip(xs, ys)):
        c = y[0] if isinstance(y, Sequence) and len(y) == 1 else y
        if isinstance(c, bool) or not isinstance(c, numbers.Real) or c not in range(len(preds)):
            raise ValueError(
                f"explore: row {i}'s class must be a whole number from 0 to {len(preds) - 1} "
                f"(the model has {len(preds)} outputs), got {c!r}"
            )
        rows.append((*map(float, x), float(c)))
    term = cross_entropy([preds], [0])
    order = [node for node in topological_order(term) if node.inputs]
    choice = next(
        node
        for node in order
        if node.op == "-" and node.inputs[0] is preds[0] and node.inputs[1].op == "max"
    )

    def names() -> dict[Value, str]:
        return display_names(topological_order(term))

    fed = [*placeholders, Value(0.0, "class", role="input")]
    return order, [term], fed, rows, names, preds, choice


def _per_sample_losses() -> dict[Any, tuple[float, ...]]:
    """The classification losses the page replays per sample, with the labels they take."""
    from .losses import bce, hinge

    return {hinge: (-1.0, 1.0), bce: (0.0, 1.0)}


def _js_params(params: tuple[Any, ...]) -> list[Any]:
    """A node's params as JSON: numbers, None, lists, BIAS_INPUT, an activation's row name."""
    out: list[Any] = []
    for x in params:
        if x is None or isinstance(x, str):
            out.append(x)
        elif isinstance(x, bool):
            raise ValueError(f"explore: a node param {x!r} is not a number")
        elif isinstance(x, numbers.Real):
            out.append(x if isinstance(x, int) else float(x))
        elif isinstance(x, tuple):
            out.append([float(v) for v in x])
        else:
            row = ops.row_of(x)
            if row is None or row.javascript is None:
                raise ValueError(f"explore: the page's engine has no rule for {x!r}")
            out.append(row.name)
    return out


def rules_script() -> str:
    """The script that registers every op's JavaScript rule (the table's column) with the
    page's engine: our own source, keyed by the row names as JSON strings."""
    rules = ",\n".join(
        f"  {json.dumps(row.name)}: {row.javascript}"
        for row in ops.TABLE.values()
        if row.javascript is not None
    )
    return f"MGEngine.rules({{\n{rules}\n}});\n"


def _page_engine() -> str:
    """Python's random (pyrandom.js: MLP's initial weights), the engine and the rules, for a
    <script> element (our own source: nothing closes it)."""
    script = (_PAGE_DIR / "pyrandom.js").read_text(encoding="utf-8") + engine_script()
    if "</" in script:
        raise ValueError("explore: the page's engine must not contain '</'")
    return script


def engine_script() -> str:
    """engine.js followed by the rules: the page's whole training engine (also runs in node)."""
    return (_PAGE_DIR / "engine.js").read_text(encoding="utf-8") + rules_script()


# --- the tutorials ----------------------------------------------------------------------------


def explore_tutorial(
    name: str, epochs: int | None = None, *, max_steps: int = MAX_STEPS
) -> Exploration:
    """The page of a tutorial that trains (regression, descent, generalized, vectorized, deep),
    with its data, initial weights and learning rate, of a 2-16-16-1 moons classifier
    ("moons") or of a 2-8-3 classifier of three blobs with cross-entropy ("blobs");
    `max_steps` as for `explore`."""
    from .data import daily_infections, plane, regression_rows
    from .losses import mse, squared_error

    if name not in EXPLORABLE:
        raise ValueError(
            f"explore: no training to show for {name!r}; choose one of {', '.join(EXPLORABLE)}"
        )
    if epochs is not None:
        _check_int(epochs, "epochs", 1)
    if name == "regression":
        w1 = Value(-0.017, "w1", role="param")
        w2 = Value(-0.048, "w2", role="param")
        b = Value(0.0, "b", role="param")

        def line(x: list[Value]) -> Value:
            y_hat = Value.dot([w1, w2], x, b)
            y_hat.label, y_hat.role = "ŷ", "model"
            return y_hat

        def regression(batch: list[list[Value]]) -> Value:
            x1, x2, y = batch[0]
            loss = squared_error(line([x1, x2]), y)
            loss.label = "L"
            return loss

        return explore(
            regression,
            [w1, w2, b],
            regression_rows(),
            lr=0.05,
            epochs=epochs or 3,
            max_steps=max_steps,
            title="The regression walkthrough: ŷ = w1·x1 + w2·x2 + b, L = (ŷ − y)²",
            model=line,
            loss="sse",  # of one row: (ŷ − y)²
            datasets={"walkthrough": regression_rows(), "plane": plane()},
        )
    if name == "descent":
        w = Value(0.5, "w", role="param")

        def scaled(x: list[Value]) -> Value:
            y_hat = w * x[0]
            y_hat.label, y_hat.role = "ŷ", "model"
            return y_hat

        def descent(batch: list[list[Value]]) -> Value:
            x, y = batch[0]
            loss = squared_error(scaled([x]), y)
            loss.label = "L"
            return loss

        # The tutorial's α = 0.1 on its halved derivative is SGD at 0.05 on the exact one.
        return explore(
            descent,
            [w],
            [(3.0, 4.0)],
            lr=0.05,
            epochs=epochs or 10,
            columns=["x", "y"],
            max_steps=max_steps,
            title="Gradient descent on one weight: ŷ = w·x, L = (ŷ − y)²",
            model=scaled,
            loss="sse",
        )
    if name == "moons":
        return _explore_moons(epochs or MOONS_EPOCHS, max_steps)
    if name == "blobs":
        return _explore_blobs(epochs or BLOBS_EPOCHS, max_steps)
    xs, ys = daily_infections()
    rows = [(*x, y) for x, y in zip(xs, ys)]
    init: str | None = None
    seed: int | None = None
    if name == "deep":
        init, seed = "uniform01", 0
        model = MLP(2, [4, 1], "tanh", "linear", bias=False, init=init, seed=seed)
        lr, size, default_epochs = 0.02, None, 3
        heading = "The deep tutorial's 2-4-1 tanh network, full batch, MSE"
    else:
        model = MLP.from_weights([[[1.0, 0.5]]], None, output_activation="linear")
        if name == "generalized":
            lr, size, default_epochs = 0.0001, 1, 3
            heading = "Generalized gradient descent: two features, one update per example"
        else:
            lr, size, default_epochs = 0.0004, None, 3
            heading = "Vectorized: the same data as one full batch per epoch"

    def network(batch: list[list[Value]]) -> Value:
        preds = [model(row[:-1]) for row in batch]
        loss = mse([p for p in preds if isinstance(p, Value)], [row[-1] for row in batch])
        loss.label = "L"
        return loss

    network.__name__ = name  # what the result is called: Exploration(deep, ...)
    return explore(
        network,
        model.parameters(),
        rows,
        lr=lr,
        epochs=epochs or default_epochs,
        batch_size=size,
        max_steps=max_steps,
        title=heading,
        model=model,
        loss="mse",
        init=init,
        seed=seed,
    )


MOONS_ROWS, MOONS_EPOCHS = 20, 2


def _explore_moons(epochs: int, max_steps: int) -> Exploration:
    """A 2-16-16-1 ReLU classifier of 20 moons points (labels -1 and 1), hinge loss, one
    sample per batch: small enough a page, and the learner can add and remove points."""
    from .datasets import circles, moons, xor
    from .losses import hinge

    init, seed = "he", 1
    model = MLP(2, [16, 16, 1], "relu", "linear", init=init, seed=seed)
    sets = {
        name: [(*x, float(y)) for x, y in zip(*make(MOONS_ROWS, noise=noise, seed=0))]
        for name, make, noise in (
            ("moons", moons, 0.1),
            ("circles", circles, 0.05),
            ("xor", xor, 0.0),
        )
    }
    rows = sets["moons"]

    def moons_classifier(batch: list[list[Value]]) -> Value:
        scores = [model(row[:-1]) for row in batch]
        loss = hinge([s for s in scores if isinstance(s, Value)], [row[-1] for row in batch])
        loss.label = "L"
        return loss

    return explore(
        moons_classifier,
        model.parameters(),
        rows,
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=epochs,
        batch_size=1,
        columns=["x1", "x2", "y"],
        max_steps=max_steps,
        title="A 2-16-16-1 ReLU network learns the moons: hinge loss, one point per batch",
        model=model,
        loss="hinge",
        init=init,
        seed=seed,
        datasets=sets,
    )


BLOBS_ROWS, BLOBS_EPOCHS = 24, 2


def _explore_blobs(epochs: int, max_steps: int) -> Exploration:
    """A 2-8-3 tanh classifier of 24 points in three blobs (classes 0, 1, 2), softmax
    cross-entropy, one sample per batch: the page colours the plane by the predicted class."""
    from .datasets import blobs, spiral
    from .losses import cross_entropy

    init, seed = "glorot", 0
    model = MLP(2, [8, 3], "tanh", "linear", init=init, seed=seed)
    sets = {
        name: [(*x, float(y)) for x, y in zip(*make(BLOBS_ROWS, noise=noise, seed=0))]
        for name, make, noise in (("blobs", blobs, 0.35), ("spiral", spiral, 0.05))
    }
    rows = sets["blobs"]

    def blobs_classifier(batch: list[list[Value]]) -> Value:
        logits = [model(row[:-1]) for row in batch]
        loss = cross_entropy(
            [out for out in logits if isinstance(out, list)], [int(row[-1].data) for row in batch]
        )
        loss.label = "L"
        return loss

    return explore(
        blobs_classifier,
        model.parameters(),
        rows,
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=epochs,
        batch_size=1,
        columns=["x1", "x2", "class"],
        max_steps=max_steps,
        title="A 2-8-3 tanh network sorts three blobs: softmax cross-entropy, one point per batch",
        model=model,
        loss="cross_entropy",
        init=init,
        seed=seed,
        datasets=sets,
    )
