from __future__ import annotations

import json

import pytest

from micrograd_covid import MLP, load, save, to_torch


def test_save_load_round_trip_is_bit_exact(tmp_path):  # type: ignore[no-untyped-def]
    model = MLP(3, [5, 4, 2], activation="relu", output_activation="sigmoid", seed=11)
    path = save(model, tmp_path / "m.json")
    loaded = load(path)
    assert [p.data for p in loaded.parameters()] == [p.data for p in model.parameters()]
    assert (loaded.activation, loaded.output_activation) == ("relu", "sigmoid")
    x = [0.1, -0.7, 2.0]
    assert [o.data for o in loaded(x)] == [o.data for o in model(x)]  # type: ignore[union-attr]


def _good(tmp_path):  # type: ignore[no-untyped-def]
    return json.loads(save(MLP(2, [2, 1], seed=0), tmp_path / "g.json").read_text())


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: d.update(format="pickle"), "format is 'pickle'"),
        (lambda d: d.pop("weights"), r"missing keys \['weights'\]"),
        (lambda d: d.update(extra=1), r"unexpected keys \['extra'\]"),
        (lambda d: d.update(nin=-2), "nin is -2"),
        (lambda d: d.update(activation="gelu"), "activation is 'gelu'"),
        (lambda d: d["weights"][0][0].append(1.0), r"weights\[0\]\[0\] must be a list of 2"),
        (lambda d: d["weights"][1][0].__setitem__(0, "1"), r"weights\[1\]\[0\]\[0\] is '1'"),
        (lambda d: d["biases"][0].pop(), r"biases\[0\] must be a list of 2"),
        (lambda d: d.update(nouts=[2, 0]), "nouts is"),
    ],
)
def test_tampered_files_raise_value_error_naming_file_and_field(tmp_path, mutate, words):  # type: ignore[no-untyped-def]
    data = _good(tmp_path)
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=words) as info:
        load(path)
    assert "bad.json" in str(info.value)


def test_truncated_malformed_and_non_finite_files(tmp_path):  # type: ignore[no-untyped-def]
    text = save(MLP(2, [1], seed=0), tmp_path / "m.json").read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match=r"cut.json.*JSON error at line"):
        load(cut)
    data = json.loads(text)
    data["weights"][0][0][0] = float("nan")
    nan = tmp_path / "nan.json"
    nan.write_text(json.dumps(data))  # json writes NaN, which is not JSON
    with pytest.raises(ValueError, match="NaN is not a finite number"):
        load(nan)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="not UTF-8"):
        load(binary)
    with pytest.raises(FileNotFoundError, match="missing.json"):
        load(tmp_path / "missing.json")


def test_save_does_not_leave_a_half_written_file_when_it_fails(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "m.json"
    path.write_text("precious")
    with pytest.raises(TypeError):
        save("not a model", path)  # type: ignore[arg-type]
    assert path.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


@pytest.mark.parametrize(
    ("act", "out_act", "bias"), [("tanh", "linear", True), ("relu", "sigmoid", False)]
)
def test_to_torch_gives_the_same_outputs_in_float64(torch, act, out_act, bias):  # type: ignore[no-untyped-def]
    model = MLP(3, [6, 5, 2], activation=act, output_activation=out_act, bias=bias, seed=4)
    net = to_torch(model)
    xs = [[0.1, -0.7, 2.0], [1.5, 0.3, -0.2]]
    theirs = net(torch.tensor(xs, dtype=torch.float64)).tolist()
    ours = [[o.data for o in model(x)] for x in xs]  # type: ignore[union-attr]
    for a, b in zip(ours, theirs):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15)


def test_to_torch_without_torch_says_what_to_install(monkeypatch):  # type: ignore[no-untyped-def]
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match="pip install torch"):
        to_torch(MLP(2, [1], seed=0))


def _with_weight(tmp_path, literal: str):  # type: ignore[no-untyped-def]
    text = save(MLP(2, [1], seed=0), tmp_path / "m.json").read_text()
    data = json.loads(text)
    marker = 123.5
    data["weights"][0][0][0] = marker
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(data).replace(repr(marker), literal))
    return path


@pytest.mark.parametrize(
    ("literal", "words"),
    [
        ("1" * 401, r"the number 111111111111…111111 \(401 characters\) is out of float range"),
        ("9" * 5001, r"\(5001 characters\) is out of float range"),
        ("1e400", "the number 1e400 is out of float range"),
        ("-" + "2" * 400 + ".5", r"\(403 characters\) is out of float range"),
        ("Infinity", "Infinity is not a finite number"),
    ],
)
def test_numbers_out_of_float_range_are_a_value_error_naming_the_file(tmp_path, literal, words):  # type: ignore[no-untyped-def]
    path = _with_weight(tmp_path, literal)
    with pytest.raises(ValueError, match=words) as info:
        load(path)
    assert str(info.value).startswith(f"{path}: not a valid micrograd_covid model file")


def test_a_long_weight_that_fits_a_float_loads():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = _with_weight(Path(tmp), "0." + "3" * 400)
        assert load(path).weights()[0][0][0] == pytest.approx(1 / 3)


def test_deep_nesting_and_directories_are_value_errors_naming_the_file(tmp_path):  # type: ignore[no-untyped-def]
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(
        ValueError, match=r"deep.json: .*nested deeper than 8 levels at line 1, column 9"
    ):
        load(deep)
    nested = tmp_path / "nested.json"
    nested.write_text('{"format": "[[[[[[[[[[", "x": {"y": {"z": [[[[[[1]]]]]]}}}')
    with pytest.raises(ValueError, match=r"nested deeper than 8 levels at line 1, column 48"):
        load(nested)
    with pytest.raises(ValueError, match=rf"{tmp_path}: .*it is a directory"):
        load(tmp_path)


def test_save_refuses_a_diverged_model_and_keeps_the_old_file(tmp_path):  # type: ignore[no-untyped-def]
    model = MLP(2, [2, 1], seed=0)
    path = save(model, tmp_path / "m.json")
    before = path.read_bytes()
    model.layers[1].neurons[0].w[1].data = float("-inf")
    with pytest.raises(ValueError, match=r"parameter layers.1.neurons.0.w.1 is -inf.*untouched"):
        save(model, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    model.layers[1].neurons[0].w[1].data = 0.5
    with pytest.raises(IsADirectoryError, match="is a directory"):
        save(model, tmp_path)
    with pytest.raises(FileNotFoundError, match=r"the folder .*nowhere does not exist"):
        save(model, tmp_path / "nowhere" / "m.json")


def test_save_gives_the_umask_mode_and_keeps_an_existing_files_mode(tmp_path):  # type: ignore[no-untyped-def]
    import os
    import stat

    model = MLP(2, [2, 1], seed=0)
    old = os.umask(0o022)
    try:
        path = save(model, tmp_path / "m.json")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        path.chmod(0o640)
        save(model, path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_a_key_written_twice_is_refused_naming_the_file_the_key_and_both_lines(tmp_path):  # type: ignore[no-untyped-def]
    text = save(MLP(2, [1], seed=0), tmp_path / "m.json").read_text()
    weights = text[text.index('"weights"') : text.index('"biases"')]
    twice = tmp_path / "twice.json"
    twice.write_text(text.replace('"biases"', weights.replace("0.", "9.") + '"biases"'))
    first = twice.read_text().splitlines().index(' "weights": [') + 1
    with pytest.raises(ValueError) as info:
        load(twice)
    message = str(info.value)
    assert message.startswith(f"{twice}: not a valid micrograd_covid model file: ")
    assert f"key 'weights' appears twice, at line {first} and line " in message
    # Anywhere in the file, and however the key is spelled (\u0078 is x).
    inner = tmp_path / "inner.json"
    inner.write_text('{"format": {"x": 1,\n "\\u0078": 2}}')
    with pytest.raises(
        ValueError, match=r"inner.json: .*key 'x' appears twice, at line 1 and line 2"
    ):
        load(inner)
