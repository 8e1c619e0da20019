from __future__ import annotations

import html
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_covid import Module, Value, compat, fit, topological_order
from micrograd_covid.compat import MLP, Layer, Neuron
from micrograd_covid.datasets import moons
from micrograd_covid.names import display_names

ROOT = Path(__file__).resolve().parent.parent

# micrograd's demo notebook (demo.ipynb), cell by cell, verbatim, except the import lines:
# `from micrograd.engine import Value` and `from micrograd.nn import ...` name our compat
# module, and `make_moons` comes from micrograd_covid.datasets instead of scikit-learn
# (the same call, our deterministic two moons). `%matplotlib inline` becomes the Agg
# backend and the last cell saves its figure, so the script runs outside Jupyter.
DEMO = ROOT / "tests" / "micrograd_moons_demo.txt"


def _demo_cell(first_line: str, last_line: str) -> str:
    """The lines of the demo from `first_line` to `last_line`, both included."""
    text = DEMO.read_text()
    start = text.index(first_line)
    end = text.index(last_line, start) + len(last_line)
    return text[start:end] + "\n"


def test_micrograd_moons_demo_runs_verbatim_with_only_the_imports_changed(tmp_path):  # type: ignore[no-untyped-def]
    script = tmp_path / "demo.py"
    script.write_text(DEMO.read_text())
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)")
    assert lines[0].endswith("Layer of [LinearNeuron(16)]]")
    assert lines[1] == "number of parameters 337"
    steps = [re.fullmatch(r"step (\d+) loss ([\d.e-]+), accuracy ([\d.]+)%", s) for s in lines[3:]]
    assert all(steps) and [int(m[1]) for m in steps] == list(range(100))  # type: ignore[index]
    first, last = float(steps[0][2]), float(steps[-1][2])  # type: ignore[index]
    assert last < first / 20, (first, last)
    assert float(steps[-1][3]) >= 97.0  # type: ignore[index]  (99% with these seeds)
    assert (tmp_path / "boundary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_seed_gives_exactly_the_weights_micrograd_draws_after_random_seed():
    micrograd_nn = pytest.importorskip("micrograd.nn")
    state = random.getstate()
    try:
        random.seed(1337)
        theirs = micrograd_nn.MLP(2, [16, 16, 1])
    finally:
        random.setstate(state)
    ours = MLP(2, [16, 16, 1], seed=1337)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    compat.seed(1337)
    assert [p.data for p in MLP(2, [16, 16, 1]).parameters()] == [
        p.data for p in theirs.parameters()
    ]
    assert repr(ours) == repr(theirs)
    assert repr(Layer(3, 2, nonlin=False, seed=0)) == repr(micrograd_nn.Layer(3, 2, nonlin=False))


def test_same_weights_give_micrograds_losses_and_gradients_step_by_step():
    """The demo's loss cell, verbatim, on micrograd 0.1.0 and on compat with copied weights:
    every loss, accuracy, gradient and updated weight agrees to 1e-12 for three SGD steps."""
    import numpy as np

    micrograd_engine = pytest.importorskip("micrograd.engine")
    micrograd_nn = pytest.importorskip("micrograd.nn")
    xs, ys = moons(40, 0.1, seed=3, labels="01")
    X, y = np.array(xs), np.array(ys) * 2 - 1
    ours = MLP(2, [16, 16, 1], seed=5)
    state = random.getstate()
    try:
        theirs = micrograd_nn.MLP(2, [16, 16, 1])
    finally:
        random.setstate(state)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        q.data = p.data
    spaces = []
    for model, value in ((ours, Value), (theirs, micrograd_engine.Value)):
        space = {"np": np, "X": X, "y": y, "model": model, "Value": value}
        exec(
            _demo_cell("# loss function", "return total_loss, sum(accuracy) / len(accuracy)"), space
        )
        spaces.append(space)
    for k in range(3):
        results = []
        for space in spaces:
            total_loss, acc = space["loss"]()
            space["model"].zero_grad()
            total_loss.backward()
            grads = [p.grad for p in space["model"].parameters()]
            for p in space["model"].parameters():
                p.data -= (1.0 - 0.9 * k / 100) * p.grad
            results.append((total_loss.data, acc, grads))
        (loss_a, acc_a, grads_a), (loss_b, acc_b, grads_b) = results
        assert loss_a == pytest.approx(loss_b, rel=1e-12, abs=0)
        assert acc_a == acc_b
        # micrograd sums a node's contributions in the order of a set of its inputs, which
        # follows memory addresses: a gradient that cancels to 0 in one order can be 3e-18
        # in another, so near-zero gradients are compared absolutely.
        assert grads_a == pytest.approx(grads_b, rel=1e-12, abs=1e-15)
        assert any(g != 0 for g in grads_a)
    assert [p.data for p in ours.parameters()] == pytest.approx(
        [p.data for p in theirs.parameters()], rel=1e-12, abs=1e-300
    )


def test_micrograd_semantics_relu_hidden_linear_last_one_output_layer_is_a_value():
    neuron = Neuron(2, seed=0)
    assert len(neuron.parameters()) == 3 and neuron.parameters()[-1] is neuron.b
    assert neuron.b.data == 0.0 and all(-1.0 <= w.data <= 1.0 for w in neuron.w)
    for w, value in zip(neuron.w, (1.0, 1.0)):
        w.data = value
    assert neuron([-3.0, 1.0]).data == 0.0  # ReLU
    linear = Neuron(2, nonlin=False, seed=0)
    linear.w[0].data, linear.w[1].data = 1.0, 1.0
    assert linear([-3.0, 1.0]).data == -2.0
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    assert len(Layer(2, 3, seed=0)([1.0, 2.0])) == 3  # type: ignore[arg-type]
    model = MLP(2, [3, 1], seed=0)
    assert [n.nonlin for layer in model.layers for n in layer.neurons] == [True] * 3 + [False]
    assert repr(model) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], "
        "Layer of [LinearNeuron(3)]]"
    )
    out = model([Value(0.5), Value(-1.0)])
    assert isinstance(out, Value) and out.role == "model"
    assert isinstance(MLP(2, [1, 1], seed=0)([1.0, 2.0]), Value)  # a one-neuron hidden layer
    assert isinstance(MLP(2, [4, 2], seed=0)([1.0, 2.0]), list)


def test_parameters_are_named_labelled_and_zeroed():
    model = MLP(2, [2, 1], seed=0)
    assert isinstance(model, Module)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                         "layers.0.neurons.0.b", "layers.0.neurons.1.w.0"]  # fmt: skip
    assert all(p.role == "param" for p in model.parameters())
    out = model([1.0, -2.0])
    out.backward()  # type: ignore[union-attr]
    assert any(p.grad != 0.0 for p in model.parameters())
    shown = display_names(topological_order(out))  # type: ignore[arg-type]
    assert shown[model.layers[1].neurons[0].w[1]] == "L1.n0.w1"
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_randomness_comes_from_the_compat_generator_never_the_global_one():
    state = random.getstate()
    compat.seed(7)
    a = [p.data for p in MLP(2, [4, 1]).parameters()]
    compat.seed(7)
    b = [p.data for p in MLP(2, [4, 1]).parameters()]
    c = [p.data for p in MLP(2, [4, 1]).parameters()]
    assert a == b != c
    compat.seed(7)
    MLP(2, [4, 1], seed=3)  # a seed= model leaves the module generator alone
    assert [p.data for p in MLP(2, [4, 1]).parameters()] == a
    shared = random.Random(11)
    d = [p.data for p in Layer(2, 2, rng=shared).parameters()]
    assert d == [p.data for p in Layer(2, 2, rng=random.Random(11)).parameters()]
    assert random.getstate() == state


def test_compat_models_train_with_fit():
    xs, ys = moons(20, 0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, xs, [float(y) for y in ys], lr=0.05, epochs=5)
    assert history.epoch_loss[-1] < history.epoch_loss[0]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: Neuron(2, nonlin="yes"), TypeError, "Neuron: nonlin must be True or False"),
        (lambda: Neuron(0), ValueError, "Neuron: nin must be a positive int, got 0"),
        (lambda: Layer(2, 3, activation="tanh"), TypeError, "unexpected argument 'activation'"),
        (lambda: Layer(2, 0), ValueError, "Layer: nout must be a positive int, got 0"),
        (lambda: MLP(2, []), ValueError, "MLP: nouts must be a non-empty list"),
        (lambda: MLP(2, [3, 0]), ValueError, r"MLP: nouts\[1\] must be a positive int, got 0"),
        (lambda: MLP(2, [1], seed=1, rng=random.Random()), ValueError, "seed= or rng=, not both"),
        (lambda: MLP(2, [1], seed="1"), TypeError, "MLP: seed must be an int, got str"),
        (lambda: MLP(2, [1], seed=0)([1.0, 2.0, 3.0]), ValueError, "expected 2 inputs, got 3"),
        (lambda: Neuron(2, seed=0)([1.0]), ValueError, "Neuron: expected 2 inputs, got 1"),
        (lambda: compat.seed(1.5), TypeError, "compat.seed: n must be an int, got float"),
    ],
)
def test_compat_errors_name_the_problem(call, error, message):  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call()


# The lecture's helper code ("The spelled-out intro to neural networks and backpropagation"),
# as a lecture follower has it in their notebook; only the import of Value is changed.
LECTURE = """
from graphviz import Digraph
from micrograd_covid.compat import Value  # changed: was the lecture's own Value class

def trace(root):
  # builds a set of all nodes and edges in a graph
  nodes, edges = set(), set()
  def build(v):
    if v not in nodes:
      nodes.add(v)
      for child in v._prev:
        edges.add((child, v))
        build(child)
  build(root)
  return nodes, edges

def draw_dot(root):
  dot = Digraph(format='svg', graph_attr={'rankdir': 'LR'}) # LR = left to right

  nodes, edges = trace(root)
  for n in nodes:
    uid = str(id(n))
    # for any value in the graph, create a rectangular ('record') node for it
    dot.node(name = uid, label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad), shape='record')
    if n._op:
      # if this value is a result of some operation, create an op node for it
      dot.node(name = uid + n._op, label = n._op)
      # and connect this node to it
      dot.edge(uid + n._op, uid)

  for n1, n2 in edges:
    # connect n1 to the op node of n2
    dot.edge(str(id(n1)), str(id(n2)) + n2._op)

  return dot

# inputs x1,x2
x1 = Value(2.0, label='x1')
x2 = Value(0.0, label='x2')
# weights w1,w2
w1 = Value(-3.0, label='w1')
w2 = Value(1.0, label='w2')
# bias of the neuron
b = Value(6.8813735870195432, label='b')
# x1*w1 + x2*w2 + b
x1w1 = x1*w1; x1w1.label = 'x1*w1'
x2w2 = x2*w2; x2w2.label = 'x2*w2'
x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = 'x1*w1 + x2*w2'
n = x1w1x2w2 + b; n.label = 'n'
o = n.tanh(); o.label = 'o'
o.backward()
"""  # noqa: E501  (the lecture's line, as written)


def test_the_lectures_trace_and_draw_dot_run_with_only_the_import_changed():
    scope: dict[str, object] = {}
    exec(compile(LECTURE, "lecture", "exec"), scope)
    dot = scope["draw_dot"](scope["o"])  # type: ignore[operator]
    svg = dot.pipe(format="svg").decode()
    shown = {
        " | ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", group))
        for group in re.findall(r'<g id="node\d+" class="node">(.*?)</g>', svg, re.S)
    }
    # The lecture's numbers: o = 0.7071, do/dn = 0.5, x1 -1.5, w1 1.0, x2 0.5, w2 0.0.
    assert {
        "o | data 0.7071 | grad 1.0000",
        "n | data 0.8814 | grad 0.5000",
        "x1 | data 2.0000 | grad -1.5000",
        "w1 | data -3.0000 | grad 1.0000",
        "x2 | data 0.0000 | grad 0.5000",
        "w2 | data 1.0000 | grad 0.0000",
        "tanh",
    } <= shown, shown
    nodes, edges = scope["trace"](scope["o"])  # type: ignore[operator]
    assert len(nodes) == 10 and len(edges) == 9
    assert svg.count('<g id="node') == 10 + 5  # a record per value, a node per op
    for op in ("*", "+", "tanh"):
        assert f">{op}</text>" in svg


def test_prev_and_op_read_like_micrograds():
    a = Value(2.0, "a")
    b = a + a
    c = b * Value(3.0, "k")
    assert b._prev == (a,) and b._op == "+"  # type: ignore[attr-defined]
    assert [v.label for v in c._prev] == ["", "k"] and c._op == "*"  # type: ignore[attr-defined]
    assert a._prev == () and a._op == ""  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        a._prev = ()  # type: ignore[attr-defined]
