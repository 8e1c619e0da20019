"""Every number the tutorials print, through the same functions the command line runs."""

from __future__ import annotations

import pytest

from micrograd_covid.tutorials import (
    deep,
    descent,
    generalized,
    guess,
    js_number,
    regression,
    vectorized,
)


def close(x: float) -> object:
    return pytest.approx(x, rel=1e-12, abs=0)


def test_guess_steps_up_and_down_like_part_1():
    r = guess()
    errors, predictions = r.numbers["errors"], r.numbers["predictions"]
    assert (errors[0], predictions[0]) == (6.25, 1.5)
    assert errors[1] == close(5.522499999999998)
    assert errors[19] == close(0.0025000000000002486)
    assert predictions[19] == close(4.0500000000000025)
    assert "iteration 2 error: 5.522499999999998 prediction: 1.6500000000000001" in r.lines


def test_descent_without_a_rate_diverges_and_with_alpha_converges():
    r = descent()
    n = r.numbers
    assert (n["errors"][1], n["predictions"][1]) == (400.0, 24.0)
    assert n["errors"][19] == close(1.2980742146337069e35)
    assert n["diverged"] is True
    assert any(
        line.startswith("diverged: the error grew from 6.25 to 1.298e+35") for line in r.lines
    )
    assert (n["alpha_errors"][1], n["alpha_predictions"][1]) == (0.0625, 3.75)
    assert (n["alpha_errors"][16], n["alpha_predictions"][16]) == (0.0, 4.0)
    assert "iteration 17 error: 0 prediction: 4" in r.lines
    assert "iteration 20 error: 1.2980742146337069e+35 prediction: 360287970189639700" in r.lines
    assert r.lines[0].startswith("note: the tutorial's derivative drops the 2")


def test_generalized_gradient_descent_matches_part_2():
    r = generalized()
    first = r.numbers["predictions"][0]
    assert first == [2.5, close(5.505499999999999), close(9.020657099999998), close(14.59589883232)]
    assert r.numbers["epoch_loss"][0] == close(9.189030365235194)
    assert r.numbers["epoch_loss"][99] == close(0.7491098293607978)
    assert "error: 0.7491098293607978" in r.lines
    assert "prediction: 5.505499999999999" in r.lines


def test_vectorized_matches_the_tensorflow_version_in_float64():
    r = vectorized()
    assert r.numbers["epoch_loss"][0] == 9.4375
    assert r.numbers["epoch_loss"][99] == close(0.7478039599358327)
    assert "epoch 100 error: 0.7478039599358327" in r.lines
    assert any("0.7478042244911194" in line and "float32" in line for line in r.lines)


def test_deep_network_error_falls_and_the_fix_is_measured_lower():
    r = deep(seed=0)
    losses = r.numbers["epoch_loss"]
    assert len(losses) == 20 and losses[-1] < losses[0] / 2
    d = r.numbers["diagnosis"]
    assert d["saturated"] > 0.3  # the measured reason: tanh saturates on raw inputs
    assert r.numbers["fixed_loss"] < d["loss"] / 10
    assert r.numbers["fixed_diagnosis"]["saturated"] == 0.0
    assert any("lower" in line for line in r.lines)


def test_deep_network_is_reproducible_by_seed():
    assert deep(seed=3).numbers["epoch_loss"] == deep(seed=3).numbers["epoch_loss"]


def test_regression_walkthrough_first_step_and_divergence(tmp_path):  # type: ignore[no-untyped-def]
    r = regression(out=tmp_path)
    s1 = r.numbers["steps"][0]
    assert s1["y_hat"] == close(-0.116)
    assert s1["loss"] == close(4.477456)
    assert s1["dL_dyhat"] == close(-4.232)
    assert (s1["grad_w1"], s1["grad_w2"], s1["grad_b"]) == (
        close(-16.928),
        close(-4.232),
        close(-4.232),
    )
    assert (s1["b"], s1["w1"], s1["w2"]) == (close(0.2116), close(0.8294), close(0.1636))
    assert r.numbers["steps"][5]["loss"] == pytest.approx(2089.58, abs=0.005)
    assert any(
        line.startswith("diverged within the first epoch at learning rate 0.05") for line in r.lines
    )
    w1, w2, b = r.numbers["fixed"]
    assert (w1, w2, b) == (
        pytest.approx(1, abs=1e-3),
        pytest.approx(-2, abs=1e-3),
        pytest.approx(0, abs=1e-3),
    )
    assert "  ∂L/∂ŷ = 2(ŷ − y) = -4.232" in r.lines
    assert "  ∂L/∂w1 = ∂L/∂ŷ · ∂ŷ/∂w1 = (-4.232)(4) = -16.928" in r.lines
    names = sorted(p.name for p in r.files)
    assert names == ["regression_step1_after.svg", "regression_step1_before.svg"]
    assert "0 → 0.2116" in (tmp_path / "regression_step1_before.svg").read_text()
    assert "w1 = 0.8294" in (tmp_path / "regression_step1_after.svg").read_text()


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (4.0, "4"),
        (1.5, "1.5"),
        (6.2499999999997335e-06, "0.0000062499999999997335"),
        (6.249999999993073e-08, "6.249999999993073e-8"),
        (1.2980742146337069e35, "1.2980742146337069e+35"),
        (360287970189639700.0, "360287970189639700"),
        (-0.116, "-0.116"),
        (0.0, "0"),
        (1e21, "1e+21"),
    ],
)
def test_numbers_print_as_the_javascript_tutorials_printed_them(x, text):  # type: ignore[no-untyped-def]
    assert js_number(x) == text


@pytest.mark.parametrize("tutorial", [guess, descent, generalized, vectorized, deep, regression])
def test_lines_sent_to_echo_are_the_lines_a_collected_run_keeps(tutorial):  # type: ignore[no-untyped-def]
    kwargs = {"iterations": 5} if tutorial in (guess, descent) else {"epochs": 8}
    streamed: list[str] = []
    ticks: list[tuple[int, int]] = []
    r = tutorial(**kwargs, echo=streamed.append, progress=lambda d, t: ticks.append((d, t)))
    assert r.lines == [] and streamed == tutorial(**kwargs).lines
    assert ticks and ticks[-1][0] == ticks[-1][1]  # progress reaches the end


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: guess(iterations=0), ValueError, "guess: iterations must be a positive int"),
        (lambda: descent(iterations=0), ValueError, "descent: iterations must be a positive int"),
        (lambda: deep(epochs=0), ValueError, "deep: epochs must be a positive int"),
        (lambda: regression(epochs=0), ValueError, "regression: epochs must be a positive int"),
        (lambda: vectorized(lr=float("inf")), ValueError, "vectorized: lr must be a finite"),
        (lambda: generalized(epochs=2.5), TypeError, "generalized: epochs must be an int"),
        (lambda: deep(seed=True), TypeError, "deep: seed must be an int"),
    ],
)
def test_tutorial_arguments_are_checked_before_anything_runs(call, error, words):  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=words):
        call()


def test_runs_that_leave_float_range_stop_with_a_line_instead_of_an_error():
    r = descent(iterations=200, lr=8.0)
    assert "iteration 172: stopped, the numbers left float range" in " ".join(r.lines)
    assert r.lines[-1] == "diverged at α = 8.0: try a smaller --lr"
    assert r.numbers["diverged"] is True and len(r.numbers["errors"]) == 171
    w = regression(lr=1e40, epochs=1)
    said = "\n".join(w.lines)
    assert "stopped" in said and "step 5: stopped, the numbers left float range" in said
    assert "diverged within the first epoch at learning rate 1e+40" in said
    assert deep(epochs=1).lines[-2].startswith("epoch 1 error (scaled units): ")


def test_the_moons_picture_feeds_its_sample_as_placeholders_drawn_orange():
    # It fed two floats: the neuron-level picture drew them grey, "constant (a number)",
    # beside an orange y, and without their gradients.
    import re

    from micrograd_covid import draw
    from micrograd_covid.tutorials import moons_sample_graph

    sample, title = moons_sample_graph(epochs=1)
    dot = draw(sample, level="neuron", title=title).source
    for name in ("x1", "x2", "y"):
        line = next(ln for ln in dot.splitlines() if re.search(rf"<TD>{name} = ", ln))
        assert 'fillcolor="#FFA500"' in line and "role=input" in line, line  # placeholder orange
        assert f"∂L/∂{name} = " in line
    assert "constant" not in dot
