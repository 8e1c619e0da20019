"""Display names: short, unique, the same scheme everywhere."""

from __future__ import annotations

from micrograd_covid import MLP, Value, mse, topological_order
from micrograd_covid.names import display_names, short_label


def test_short_label_shortens_mlp_parameter_names() -> None:
    assert short_label("layers.1.neurons.0.w.2") == "L1.n0.w2"
    assert short_label("layers.0.neurons.3.b") == "L0.n3.b"
    assert short_label("neurons.2.w.0") == "n2.w0"
    assert short_label("w.1") == "w.1"  # a lone neuron's names stay as written
    assert short_label("w1") == "w1"
    assert short_label("ŷ") == "ŷ"


def test_generated_names_are_unique_and_in_topological_order() -> None:
    a = Value(2.0, "a")
    t = a * 3 + a * 3
    names = display_names(topological_order(t))
    assert sorted(names.values()) == sorted(["a", "c1", "t1", "c2", "t2", "L"])
    assert names[t] == "L"  # the unlabelled root: the L of every ∂L/∂name
    assert len(set(names.values())) == len(names)


def test_mlp_graph_names_neurons_and_disambiguates_samples() -> None:
    model = MLP(2, [3, 1], seed=0)
    preds = [model([1.0, 2.0]), model([3.0, 4.0])]
    loss = mse([p for p in preds if isinstance(p, Value)], [1.0, 2.0])
    names = display_names(topological_order(loss))
    values = list(names.values())
    assert len(set(values)) == len(values)
    for n in ("L0.n0", "L0.n2", "L1.n0", "L0.n0#2", "L1.n0#2", "y", "y#2", "L0.n1.w1"):
        assert n in values, n


def test_generated_name_never_collides_with_a_user_label() -> None:
    a = Value(1.0, "t1")
    b = Value(1.0, "t1#2")
    out = (a + b) * a
    names = display_names(topological_order(out))
    assert len(set(names.values())) == 4
    assert names[b] == "t1#2"
