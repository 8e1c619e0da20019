from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(script: str, *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_quickstart_prints_the_walkthrough_gradient_and_renders(tmp_path):  # type: ignore[no-untyped-def]
    out = run("quickstart.py", cwd=tmp_path)
    assert "∂L/∂w1 = ∂L/∂ŷ · ∂ŷ/∂w1 = (-4.232)(4) = -16.928" in out
    assert "b = 0 → 0.2116" in (tmp_path / "walkthrough.svg").read_text()


def test_sir_example_lowers_the_error(tmp_path):  # type: ignore[no-untyped-def]
    out = run("train_sir.py", cwd=tmp_path)
    before, after = map(
        float, re.search(r"error before: ([\d.]+), after \d+ epochs: ([\d.]+)", out).groups()
    )  # type: ignore[union-attr]
    assert after < before / 100


def test_run_tutorial_example(tmp_path):  # type: ignore[no-untyped-def]
    assert "epoch 100 error: 0.7478039599358327" in run(
        "run_tutorial.py", "vectorized", cwd=tmp_path
    )


def test_replay_example_reproduces_the_walkthrough_steps(tmp_path):  # type: ignore[no-untyped-def]
    out = run("replay_walkthrough.py", cwd=tmp_path).splitlines()
    assert out[0] == "step 1: L = 4.477456, w1 = 0.8294, w2 = 0.1636, b = 0.2116"
    assert out[5].startswith("step 6: L = 2089.584165")
