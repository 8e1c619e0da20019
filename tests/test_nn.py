from __future__ import annotations

import random

import pytest

from micrograd_covid import MLP, Layer, Neuron, Value, mse


def test_parameter_count_and_order_with_dotted_names_set_as_labels():
    model = MLP(2, [4, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert len(model.parameters()) == 2 * 4 + 4 + 4 * 1 + 1 == 17
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert [p.label for p in model.parameters()] == names
    assert all(p.role == "param" for p in model.parameters())


def test_same_seed_gives_the_same_model_and_the_global_random_state_is_untouched():
    random.seed(123)
    before = random.getstate()
    a = MLP(3, [5, 2], seed=42)
    b = MLP(3, [5, 2], seed=42)
    assert random.getstate() == before
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in MLP(3, [5, 2], seed=43).parameters()] != [
        p.data for p in a.parameters()
    ]


def test_each_neuron_is_one_fused_node_or_a_dot_node_then_its_activation():
    fused = Neuron(3, activation="tanh", rng=random.Random(0))
    out = fused([1.0, 2.0, 3.0])
    assert out.op == "tanh(dot)" and out.inputs == (*fused.w, fused.b)
    unfused = Neuron(3, activation="tanh", rng=random.Random(0), fused=False)
    out2 = unfused([1.0, 2.0, 3.0])
    assert out2.op == "tanh"
    (dot,) = out2.inputs
    assert dot.op == "dot" and dot.inputs == (*unfused.w, unfused.b)
    linear = Neuron(2, activation="linear", bias=False, rng=random.Random(0))
    assert linear([1.0, 2.0]).op == "dot"


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_fused_and_unfused_networks_give_the_same_outputs_and_gradients(activation):  # type: ignore[no-untyped-def]
    grads = []
    for fused in (True, False):
        model = MLP(3, [5, 4, 1], activation=activation, seed=2, fused=fused)
        xs = [[0.5, -1.0, 0.2], [1.5, 0.25, -0.7]]
        loss = mse([model(x) for x in xs], [1.0, -1.0])  # type: ignore[misc]
        loss.backward()
        grads.append([loss.data] + [p.grad for p in model.parameters()])
    assert grads[0] == pytest.approx(grads[1], rel=1e-12, abs=1e-15)


def test_mlp_output_is_a_value_with_role_model_or_a_list():
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    outs = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(outs, list) and len(outs) == 2
    assert all(o.role == "model" for o in outs)


def test_gradients_reach_every_parameter():
    model = MLP(2, [4, 4, 1], activation="tanh", seed=3)
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8]]
    loss = mse([model(x) for x in xs], [1.0, -1.0, 0.5])  # type: ignore[misc]
    loss.backward()
    assert all(p.grad != 0.0 for p in model.parameters())


@pytest.mark.parametrize("init", ["uniform01", "truncated_normal", "glorot", "he"])
def test_initialisations_stay_in_their_ranges(init):  # type: ignore[no-untyped-def]
    model = MLP(4, [16, 1], init=init, seed=5)
    ws = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    if init == "uniform01":
        assert all(0.0 <= w < 1.0 for w in ws)
    elif init == "truncated_normal":
        assert all(abs(w) <= 0.1 for w in ws)
    else:
        assert all(abs(w) <= (6 / 4) ** 0.5 for w in ws)
    assert len(set(ws)) == len(ws)


def test_from_weights_sets_every_weight_and_bias():
    model = MLP.from_weights([[[1.0, 0.5], [0.2, -0.1]], [[2.0, 3.0]]], [[0.1, 0.2], [0.3]])
    assert model.weights() == [[[1.0, 0.5], [0.2, -0.1]], [[2.0, 3.0]]]
    assert model.biases() == [[0.1, 0.2], [0.3]]
    nobias = MLP.from_weights([[[1.0, 0.5]]], None)
    assert nobias.biases() is None and nobias([2.0, 1.0]).data == 2.5  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: MLP(2, [3], activation="swish"), ValueError, "unknown activation 'swish'"),
        (lambda: MLP(2, [3], init="zeros"), ValueError, "unknown init 'zeros'"),
        (lambda: MLP(2, []), ValueError, "at least one layer"),
        (lambda: Layer(2, 0), ValueError, "nout must be a positive int"),
        (lambda: Neuron(0), ValueError, "nin must be a positive int"),
        (lambda: MLP(2, [1], seed=0)([1.0]), ValueError, "expected 2 inputs, got 1"),
        (lambda: MLP.from_weights([[[1.0]]], [[1.0, 2.0]]), ValueError, "1 neurons but 2 biases"),
        (
            lambda: MLP.from_weights([[[1.0, "x"]]]),
            TypeError,
            r"weights\[0\]\[0\] must hold numbers",
        ),
        (lambda: MLP.from_weights([[[1.0], [1.0, 2.0]]]), ValueError, "neuron 1 has 2 weights"),
    ],
)
def test_bad_arguments_raise_clear_errors(make, error, words):  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=words):
        make()


@pytest.mark.parametrize("bias", [True, False])
def test_parameters_are_named_parameters_in_the_same_order(bias):  # type: ignore[no-untyped-def]
    model = MLP(3, [4, 2, 1], bias=bias, seed=0)
    for module in [model, model.layers[1], model.layers[0].neurons[2]]:
        params = module.parameters()
        assert params == [p for _, p in module.named_parameters()]
        assert all(a is b for a, b in zip(params, (p for _, p in module.named_parameters())))


def test_a_subclass_that_adds_parameters_gets_them_from_parameters():
    from micrograd_covid import Value

    class Scaled(MLP):
        def __init__(self) -> None:
            self.scale = Value(2.0, label="scale", role="param")
            super().__init__(2, [3, 1], seed=0)

        def named_parameters(self):  # type: ignore[no-untyped-def,override]
            yield from super().named_parameters()
            yield "scale", self.scale

    model = Scaled()
    assert model.parameters()[-1] is model.scale
    assert len(model.parameters()) == 3 * 3 + 4 + 1


MODEL = MLP(2, [3, 1], seed=0)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: MLP(2, 16), TypeError, "MLP: nouts must be a list of layer sizes, got int 16"),
        (lambda: MLP(2, "3"), TypeError, "MLP: nouts must be a list of layer sizes, got str '3'"),
        (
            lambda: MLP(2, [4, 2.0]),
            TypeError,
            "MLP: nouts[1] must be a positive int, got float 2.0",
        ),
        (lambda: MLP(2, [4, 0]), ValueError, "MLP: nouts[1] must be a positive int, got 0"),
        (lambda: MLP("2", [1]), TypeError, "MLP: nin must be a positive int, got str '2'"),
        (
            lambda: MLP(2, [1], bias="no"),
            TypeError,
            "MLP: bias must be True or False, got str 'no'",
        ),
        (
            lambda: MLP(2, [1], seed=1.5),
            TypeError,
            "MLP: seed must be an int or None, got float 1.5",
        ),
        (
            lambda: MLP(2, [1], activation=5),
            ValueError,
            "MLP: unknown activation 5; choose one of tanh, relu, sigmoid, linear",
        ),
        (
            lambda: MODEL(1.0),
            TypeError,
            "MLP: x must be a list of 2 inputs (numbers or Values), got float 1.0",
        ),
        (
            lambda: MODEL(None),
            TypeError,
            "MLP: x must be a list of 2 inputs (numbers or Values), got NoneType None",
        ),
        (
            lambda: MODEL({0: 1.0, 1: 2.0}),
            TypeError,
            "MLP: x must be a list of 2 inputs (numbers or Values), got dict {0: 1.0, 1: 2.0}",
        ),
        (
            lambda: Layer(2, 3)(1.0),
            TypeError,
            "Layer: x must be a list of 2 inputs (numbers or Values), got float 1.0",
        ),
        (
            lambda: Neuron(2)(3),
            TypeError,
            "Neuron: x must be a list of 2 inputs (numbers or Values), got int 3",
        ),
        (lambda: Neuron("2"), TypeError, "Neuron: nin must be a positive int, got str '2'"),
        (
            lambda: Neuron(2, rng=5),
            TypeError,
            "Neuron: rng must be a random.Random or None, got int 5",
        ),
        (
            lambda: Layer(2, 3, rng=5),
            TypeError,
            "Layer: rng must be a random.Random or None, got int 5",
        ),
        (lambda: Layer(2, "3"), TypeError, "Layer: nout must be a positive int, got str '3'"),
        (
            lambda: MLP.from_weights(5),
            TypeError,
            "from_weights: weights must be a list (weights[layer][neuron][input]), got int 5",
        ),
        (
            lambda: MLP.from_weights([[1.0, 2.0]]),
            TypeError,
            "from_weights: weights[0][0] must be a list (weights[layer][neuron][input]), "
            "got float 1.0",
        ),
        (
            lambda: MLP.from_weights([[[1.0, 2.0]]], [3.0]),
            TypeError,
            "from_weights: biases[0] must be a list (biases[layer][neuron]), got float 3.0",
        ),
    ],
)
def test_constructor_and_call_errors_name_the_argument_and_what_it_got(make, error, message):  # type: ignore[no-untyped-def]
    with pytest.raises(error) as info:
        make()
    assert str(info.value) == message


def test_a_tuple_or_a_numpy_row_is_an_input_like_a_list():
    import numpy as np

    expected = MODEL([1.0, 2.0]).data  # type: ignore[union-attr]
    assert MODEL((1.0, 2.0)).data == MODEL(np.array([1.0, 2.0])).data == expected  # type: ignore[union-attr]
    assert MLP(2, np.array([3, 1]), seed=np.int64(0)).nouts == [3, 1]
