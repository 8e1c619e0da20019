"""The benchmarks run once at a tiny size, so `make bench` keeps working. Nothing is timed here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _quick(script: str) -> str:
    """benchmarks/`script` --quick: its stdout, after checking that it succeeded."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_benchmark_suite_runs_every_workload_at_a_tiny_size():
    out = _quick("run.py")
    for heading in [
        "## 1. Training step",
        "## 2b. The 2-16-16-1 ReLU network on",
        "## 2. Training step",
        "## 3. A chain",
        "## 4. Rendering",
    ]:
        assert heading in out
    # Every engine starts from the same weights: the first losses agree to 12 digits.
    rows = [
        line.split(" | ") for line in out.splitlines() if line.startswith("| ") and " ms |" in line
    ]
    table1, table2, table1b = rows[:7], rows[7:13], rows[13:17]
    engines = {r[0].strip("| ") for r in table1}
    assert {
        'fit, engine="compiled" (generated code)',
        'fit, engine="numpy" (whole batch, numpy)',
        "micrograd 0.1.0",
    } <= engines
    for table in (table1, table1b, table2):
        assert len({r[-1] for r in table}) == 1, table
    assert "Generating and compiling one sample's code" in out
    assert "RecursionError" in out


def test_picture_benchmarks_run_at_a_tiny_size():
    out = _quick("pictures.py")
    assert "## Drawings" in out and "## The explore page" in out
    assert "| walkthrough | 8 |" in out
    # the walkthrough's page: init, then 3 epochs × 6 batches × 6 steps (feed, ŷ, L, two
    # backward steps, update)
    assert "| walkthrough, 6 rows, 3 epochs | 109 |" in out
