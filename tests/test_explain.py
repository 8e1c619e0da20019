from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_covid import Value, explain, render_steps, topological_order
from micrograd_covid.tutorials import regression_graph

ROOT = Path(__file__).resolve().parent.parent


def walkthrough_params(loss: Value) -> dict[str, Value]:
    return {n.label: n for n in topological_order(loss) if n.role == "param"}


def test_explain_gives_the_walkthrough_sentences():
    loss = regression_graph()
    p = walkthrough_params(loss)
    assert str(explain(loss, p["b"])) == "∂L/∂b = ∂L/∂ŷ · ∂ŷ/∂b = (-4.232)(1) = -4.232"
    assert str(explain(loss, p["w1"])) == "∂L/∂w1 = ∂L/∂ŷ · ∂ŷ/∂w1 = (-4.232)(4) = -16.928"
    e = explain(loss, p["w2"])
    assert e.total == p["w2"].grad == pytest.approx(-4.232, rel=1e-12)
    assert len(e.paths) == 1 and e.paths[0].locals == pytest.approx((-4.232, 1.0))


def test_explain_sums_every_path_of_a_shared_subexpression():
    a = Value(3.0, "a")
    b = a + a
    b.label = "b"
    c = b * b
    c.label = "c"
    c.backward()
    e = explain(c, a)
    assert len(e.paths) == 4
    assert e.total == a.grad == 24.0
    assert str(e).startswith("∂c/∂a = (∂c/∂b (as input 1) · ∂b/∂a (as input 1)) + ")
    assert str(e).endswith("= (6)(1) + (6)(1) + (6)(1) + (6)(1) = 24")


def test_a_node_used_twice_is_explained_as_two_paths_told_apart():
    a = Value(3.0, "a")
    out = a * a
    out.backward()
    e = explain(out, a)
    assert str(e) == (
        "∂L/∂a = (∂L/∂a (as input 1)) + (∂L/∂a (as input 2)) = (3) + (3) = 6, where L = a · a"
    )
    assert [p.positions for p in e.paths] == [(0,), (1,)]


def test_explain_uses_the_display_names_of_the_drawings():
    from micrograd_covid import MLP, mse

    model = MLP(2, [2, 1], seed=0)
    loss = mse([model([0.5, -0.5])], [1.0])  # type: ignore[list-item]
    loss.backward()
    w = model.layers[0].neurons[1].w[0]
    e = explain(loss, w)
    assert str(e).startswith(
        "∂L/∂L0.n1.w0 = ∂L/∂t1 · ∂t1/∂L1.n0 · ∂L1.n0/∂L0.n1 · ∂L0.n1/∂L0.n1.w0 = "
    )
    assert e.total == pytest.approx(w.grad, rel=1e-12)


def test_explain_is_linear_in_depth():
    x = Value(0.1, "x")
    s = x
    for _ in range(30_000):
        s = s.tanh()
    start = time.perf_counter()
    e = explain(s, x)
    assert len(str(e)) > 30_000 and len(e.paths[0].nodes) == 30_001
    assert time.perf_counter() - start < 10  # about 0.5 s; it took 13.5 s when quadratic


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.booleans()),
        min_size=1,
        max_size=12,
    )
)
def test_explain_total_equals_the_gradient_on_random_graphs(program):  # type: ignore[no-untyped-def]
    leaves = [Value(0.5, "p"), Value(-1.25, "q")]
    nodes = list(leaves)
    for i, j, multiply in program:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(a * b if multiply else (a + b).tanh())
    root = nodes[-1]
    root.backward()
    for leaf in leaves:
        assert explain(root, leaf, max_paths=10**6).total == pytest.approx(
            leaf.grad, rel=1e-9, abs=1e-12
        )


def test_explain_caps_the_number_of_paths_with_a_clear_message():
    x = Value(1.0, "x")
    node = x
    for _ in range(12):
        node = node * node  # 2^12 paths
    with pytest.raises(ValueError, match=r"more than max_paths=1000 paths from L to x"):
        explain(node, x)


def test_explain_of_an_unconnected_value_is_zero():
    loss = regression_graph()
    assert str(explain(loss, Value(1.0, "z"))) == "∂L/∂z = 0 (z does not reach L)"


def test_pdb_session_on_the_readme_script_shows_labels_and_gradients():
    script = ROOT / "examples" / "step_through_backprop.py"
    commands = "c\np step.node\np str(step)\nc\np str(step)\np w1.grad\nc\n"
    env = {**os.environ, "PYTHONBREAKPOINT": "pdb.set_trace", "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run(
        [sys.executable, "-m", "pdb", str(script)],
        input=commands,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    out = result.stdout
    assert "Value(data=4.477, grad=1, label='L', op='squared_error')" in out
    assert "step 1/2: ∂L/∂L = 1" in out
    assert "step 2/2: ∂L/∂ŷ = -4.232" in out
    assert "∂ŷ/∂w1 = 4: ∂L/∂w1 += -4.232 × 4 = -16.928 (now -16.928)" in out
    assert "-16.928" in out.split("p w1.grad")[-1] or "(Pdb) -16.928" in out
    assert "∂L/∂w1 = -16.928, ∂L/∂w2 = -4.232, ∂L/∂b = -4.232" in out


def test_step_sentences_use_the_display_names_when_given_them():
    from micrograd_covid.explain import step_sentence
    from micrograd_covid.names import display_names

    a = Value(3.0, "a")
    out = (a * 2).tanh()
    names = display_names(topological_order(out))
    steps = list(out.backward_steps())
    text = step_sentence(steps[1], out, names)
    assert text.startswith("Step 2 of 2: ∂L/∂t1 = ")
    assert "∂L/∂a += ∂L/∂t1 · ∂t1/∂a = " in text


def test_render_steps_into_a_file_or_under_one_is_a_value_error_naming_it(tmp_path):  # type: ignore[no-untyped-def]
    afile = tmp_path / "afile"
    afile.write_text("mine")
    a = Value(2.0, "a")
    for out in (afile, afile / "steps"):
        with pytest.raises(ValueError, match=f"out_dir='{out}': {afile} is a file, not a folder"):
            render_steps(a * a, out)
    assert afile.read_text() == "mine" and list(tmp_path.iterdir()) == [afile]


def test_explain_says_what_each_made_up_name_stands_for_and_names_a_defined_op():
    import math

    from micrograd_covid import MLP, define_op, mse

    a, b = Value(2.0, "a"), Value(3.0, "b")
    loss = ((a * b).tanh() * 2.0) ** 2
    e = explain(loss, a)
    assert str(e).startswith("∂L/∂a = ∂L/∂t3 · ∂t3/∂t2 · ∂t2/∂t1 · ∂t1/∂a = ")
    assert str(e).endswith(", where t1 = a · b, t2 = tanh(t1), t3 = t2 · 2, L = t3²")
    assert e.where() == ["t1 = a · b", "t2 = tanh(t1)", "t3 = t2 · 2", "L = t3²"]

    softplus = define_op("softplus", lambda x: (math.log1p(math.exp(x)), (1 / (1 + math.exp(-x)),)))
    w = Value(0.8, "w")
    e = explain(softplus(w * 2.0), w)
    assert (
        str(e)
        == "∂L/∂w = ∂L/∂t1 · ∂t1/∂w = (0.832018)(2) = 1.66404, where t1 = w · 2, L = softplus(t1)"
    )

    c = Value(5.0)  # a number that became a leaf, explained itself
    assert explain(a * c + 1, c).where() == ["c1 = 5", "t1 = a · c1", "L = t1 + 1"]

    # A wide network: the long sums show the term on the path; names off the paths that a
    # definition shows are defined too, at most MAX_EXTRA_DEFINITIONS of them.
    model = MLP(40, [30, 1], seed=0)
    loss = mse([model([0.1] * 40)], [1.0])  # type: ignore[list-item]
    where = explain(loss, model.layers[0].neurons[20].w[33]).where()
    assert [line.split(" = ")[0] for line in where] == [
        *(f"L0.n{j}" for j in (0, 1, 2, 3, 4, 20)),
        "L1.n0",
        "t1",
        "L",
    ]
    assert " + … + L0.n20.w33·0.1 + … + L0.n20.b (41 terms))" in where[5]
    assert where[6].endswith(" + … + L1.n0.w20·L0.n20 + … + L1.n0.b (31 terms)")
    assert where[-2:] == ["t1 = (L1.n0 − y)²", "L = t1/1"]


def test_explain_defines_at_most_a_few_names_off_the_paths():
    x = Value(1.0, "x")
    others = [(Value(float(k), f"k{k}") * 2.0).tanh() for k in range(20)]  # off the path
    loss = Value.sum([x * 3.0, *others])
    where = explain(loss, x).where()
    # The path's two, eight of the twelve made-up names the sum shows, then "…".
    assert len(where) == 2 + 8 + 1 and where[-1] == "…"
    assert where[0] == "t1 = x · 3" and where[-2].startswith("L = t1 + ")
