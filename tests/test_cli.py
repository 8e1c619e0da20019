from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micrograd_covid.cli import main

BIN = Path(sys.executable).parent / "micrograd-covid"

EXPECTED = {
    "guess": "iteration 20 error: 0.0025000000000002486 prediction: 4.0500000000000025",
    "descent": "iteration 17 error: 0 prediction: 4",
    "generalized": "error: 0.7491098293607978",
    "vectorized": "epoch 100 error: 0.7478039599358327",
    "deep": "epoch 20 error: ",
    "regression": "  L = (ŷ − y)² = 4.477456",
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_console_script_runs_each_tutorial(name):  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [str(BIN), "tutorial", name], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert EXPECTED[name] in result.stdout.splitlines() or EXPECTED[name] in result.stdout


def test_python_dash_m_lists_the_tutorials():
    result = subprocess.run(
        [sys.executable, "-m", "micrograd_covid", "tutorial", "--list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == list(EXPECTED)


def test_options_reach_the_tutorial_and_plot_writes_a_png(tmp_path, capsys):  # type: ignore[no-untyped-def]
    plot = tmp_path / "loss.png"
    assert (
        main(["tutorial", "generalized", "--epochs", "5", "--lr", "0.0002", "--plot", str(plot)])
        == 0
    )
    out = capsys.readouterr().out
    assert "epoch 5" in out and "epoch 6" not in out
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_an_option_a_tutorial_does_not_take_is_refused():
    with pytest.raises(SystemExit, match="tutorial guess has no --lr option"):
        main(["tutorial", "guess", "--lr", "0.1"])
    with pytest.raises(SystemExit, match="tutorial deep has no --out option"):
        main(["tutorial", "deep", "--out", "pictures"])


def test_draw_and_steps_commands_write_real_files(tmp_path, capsys):  # type: ignore[no-untyped-def]
    svg = tmp_path / "regression.svg"
    assert main(["draw", "regression", "--out", str(svg)]) == 0
    assert ET.parse(svg).getroot().tag.endswith("svg")
    for name in ["guess", "deep", "vectorized"]:
        assert main(["draw", name, "--out", str(tmp_path / f"{name}.dot")]) == 0
    assert main(["steps", "regression", "--out", str(tmp_path / "steps")]) == 0
    assert (tmp_path / "steps" / "index.html").exists()
    assert "steps/index.html" in capsys.readouterr().out


def test_errors_are_one_line_not_a_traceback(tmp_path, capsys):  # type: ignore[no-untyped-def]
    assert main(["draw", "regression", "--out", str(tmp_path / "g.gif")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("micrograd-covid: error: render: cannot tell the format")
    assert "Traceback" not in err


def test_demo_runs_every_tutorial_and_writes_the_pictures(tmp_path):  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [str(BIN), "demo", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "ŷ = -0.116, L = 4.477456" in out
    assert "∂L/∂b = ∂L/∂ŷ · ∂ŷ/∂b = (-4.232)(1) = -4.232" in out
    assert "∂L/∂w1 = ∂L/∂ŷ · ∂ŷ/∂w1 = (-4.232)(4) = -16.928" in out
    for name in ["regression_step1_before.svg", "regression_step1_after.svg", "steps/index.html"]:
        assert (tmp_path / name).exists()
