"""define_op: a user's op (a float kernel giving its value and local partials) works like a
built-in one in every engine path, and what the kernel returns is checked."""

from __future__ import annotations

import math
import pickle
import subprocess
from pathlib import Path

import pytest

from micrograd_covid import Tape, Value, define_op, draw, explain, gradcheck

from .conftest import central_difference


def _softplus_kernel(x: float) -> tuple[float, tuple[float]]:
    """softplus(x) = ln(1 + e^x); d/dx = sigmoid(x). Module level, so graphs pickle."""
    return math.log1p(math.exp(x)), (1.0 / (1.0 + math.exp(-x)),)


softplus = define_op("softplus", _softplus_kernel)


@define_op("hypot")
def hypot(a: float, b: float) -> tuple[float, tuple[float, float]]:
    """√(a² + b²); partials a/r and b/r."""
    r = math.hypot(a, b)
    return r, (a / r, b / r)


def test_a_defined_op_matches_torch_and_central_differences(torch):  # type: ignore[no-untyped-def]
    for x in (-2.0, 0.3, 1.7):
        v = Value(x)
        out = softplus(v)
        assert (out.op, out.inputs) == ("softplus", (v,))
        out.backward()
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        tout = torch.nn.functional.softplus(t)
        tout.backward()
        assert out.data == pytest.approx(tout.item(), rel=1e-12)
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-12)
        slope = central_difference(lambda z: _softplus_kernel(z)[0], x)
        assert out.local_grads[0] == pytest.approx(slope, rel=1e-6)


def test_the_decorator_form_makes_a_two_input_op_and_numbers_become_leaves(torch):  # type: ignore[no-untyped-def]
    a = Value(3.0)
    out = hypot(a, 4.0)
    assert out.data == 5.0 and out.inputs[0] is a and out.inputs[1].is_leaf
    assert out.inputs[1].data == 4.0
    out.backward()
    ta = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    torch.hypot(ta, torch.tensor(4.0, dtype=torch.float64)).backward()
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    assert hypot.__name__ == "hypot" and "√(a² + b²)" in (hypot.__doc__ or "")
    assert gradcheck(lambda x, y: hypot(x, y) * softplus(x), [Value(0.5), Value(-1.2)]).ok


def test_backward_steps_give_the_same_gradients_and_name_the_op():
    def build() -> tuple[Value, Value]:
        w = Value(0.8, label="w")
        return softplus(w * 2.0) * hypot(w, 1.0), w

    loss, w = build()
    loss.backward()
    loss2, w2 = build()
    steps = list(loss2.backward_steps())
    assert w2.grad == w.grad
    assert any(step.node.op == "softplus" for step in steps)
    assert any(step.node.op == "hypot" for step in steps)


def test_a_tape_replays_a_defined_op_like_a_fresh_graph():
    x = Value(1.0)
    y = Value(1.0)
    tape = Tape(softplus(x * 3.0) + hypot(x, y))
    for point in [(0.4, 1.0), (-1.5, 2.0), (2.0, -0.5)]:
        x.grad = y.grad = 0.0
        x.data, y.data = point
        value = tape.forward()
        tape.backward()
        fx, fy = Value(point[0]), Value(point[1])
        fresh = softplus(fx * 3.0) + hypot(fx, fy)
        fresh.backward()
        assert (value, x.grad, y.grad) == (fresh.data, fx.grad, fy.grad)


def test_draw_and_explain_show_a_defined_op():
    w = Value(0.8, label="w")
    loss = softplus(w * 2.0)
    loss.label = "L"
    loss.backward()
    source = draw(loss).source
    assert "softplus" in source
    explanation = explain(loss, w)
    assert explanation.total == pytest.approx(w.grad, rel=1e-12)
    assert len(explanation.paths) == 1


def test_the_real_dot_draws_a_defined_op(tmp_path):  # type: ignore[no-untyped-def]
    loss = softplus(Value(0.8, label="w") * 2.0)
    loss.backward()
    dot_file = tmp_path / "g.dot"
    dot_file.write_text(draw(loss).source, encoding="utf-8")
    svg = subprocess.run(
        ["dot", "-Tsvg", str(dot_file)], capture_output=True, text=True, check=True
    ).stdout
    assert "softplus" in svg


def test_a_graph_with_a_defined_op_pickles_and_replays():
    x = Value(0.3, label="x")
    out = softplus(x) * hypot(x, 2.0)
    copy = pickle.loads(pickle.dumps(out))
    assert copy.data == out.data and copy.op == "*"
    assert copy.inputs[0].kernel.fn is _softplus_kernel  # type: ignore[union-attr]
    tape = Tape(copy)
    leaf = copy.inputs[0].inputs[0]
    leaf.data = 1.1
    assert tape.forward() == (softplus(Value(1.1)) * hypot(Value(1.1), 2.0)).data


def _returns(result: object):  # type: ignore[no-untyped-def]
    return define_op("bad_op", lambda *xs: result)


@pytest.mark.parametrize(
    ("result", "error", "words"),
    [
        ((1.0, (1.0, 2.0)), ValueError, r"bad_op: the kernel gave 2 local partials for 1 inputs"),
        ((1.0, ()), ValueError, r"bad_op: the kernel gave 0 local partials for 1 inputs"),
        ((math.nan, (1.0,)), OverflowError, r"bad_op: the kernel's value .* not finite"),
        ((math.inf, (1.0,)), OverflowError, r"bad_op: the kernel's value .* not finite"),
        (("1", (1.0,)), TypeError, r"bad_op: the kernel's value must be a number, got str"),
        ((1.0, (math.nan,)), ValueError, r"bad_op: local partial 0 is nan"),
        ((1.0, ("x",)), TypeError, r"bad_op: local partial 0 must be a number, got str"),
        ((1.0, 2.0), TypeError, r"bad_op: the kernel's local_partials must be a sequence"),
        (1.0, TypeError, r"bad_op: the kernel must return \(value, local_partials\), got float"),
        ((1.0, (1.0,), 3), TypeError, r"bad_op: the kernel must return \(value, local_partials\)"),
    ],
)
def test_what_the_kernel_returns_is_checked_naming_the_op(result, error, words):  # type: ignore[no-untyped-def]
    op = _returns(result)
    with pytest.raises(error, match=words):
        op(Value(0.5))


def test_an_infinite_partial_from_a_kernel_follows_the_engines_rule():
    cbrt = define_op("cbrt", lambda x: (math.copysign(abs(x) ** (1 / 3), x), (math.inf,)))
    w = Value(0.0)
    w.grad = 7.0
    out = cbrt(w)
    assert out.data == 0.0
    with pytest.raises(ValueError, match=r"backward through cbrt\(0\) = 0: .* infinite"):
        out.backward()
    assert w.grad == 7.0


@pytest.mark.parametrize("bad", [math.nan, math.inf, "3", None])
def test_bad_data_in_a_leaf_is_refused_before_the_kernel_runs(bad):  # type: ignore[no-untyped-def]
    calls = []

    def kernel(x: float) -> tuple[float, tuple[float]]:
        calls.append(x)
        return x, (1.0,)

    op = define_op("ident", kernel)
    v = Value(1.0)
    v.data = bad
    with pytest.raises((ValueError, TypeError), match=r"ident: input 0 "):
        op(v)
    assert calls == []


def test_an_error_inside_the_kernel_is_raised_with_a_note_naming_the_op():
    with pytest.raises(ZeroDivisionError) as caught:
        hypot(0.0, 0.0)
    assert "in the kernel of op 'hypot' at (0, 0)" in "\n".join(caught.value.__notes__)


def test_define_op_refuses_a_bad_name_kernel_or_operand():
    with pytest.raises(ValueError, match="needs a name"):
        define_op("", lambda x: (x, (1.0,)))
    with pytest.raises(TypeError, match="define_op name must be a str"):
        define_op(3, lambda x: (x, (1.0,)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="define_op name contains a control character"):
        define_op("a\x00b", lambda x: (x, (1.0,)))
    with pytest.raises(TypeError, match="kernel must be callable"):
        define_op("k", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="softplus: operand 0 must be a Value or a number, got str"):
        softplus("x")
    with pytest.raises(ValueError, match="finite"):
        softplus(math.nan)


def test_the_readme_example_runs_as_written():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Add your own op", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, object] = {}
    exec(code, scope)
    w = scope["w"]
    assert w.grad == pytest.approx(3.0 / (1.0 + math.exp(-1.5)), rel=1e-15)  # type: ignore[attr-defined]
