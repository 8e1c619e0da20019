"""The benchmarks run once at a tiny size, so `make bench` keeps working. Nothing is timed here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _quick(script: str, *more: str) -> str:
    """benchmarks/`script` --quick: its stdout, after checking that it succeeded."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick", *more],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


HEADINGS = [
    "## 1. Training step",
    "## 2b. The 2-16-16-1 ReLU network on",
    "## 2. Training step",
    "## 3. A chain",
    "## 4. Rendering",
    "## 5. A decision grid: 100 points",
    "## 6. What anomaly mode and hooks cost while off",
]


def test_benchmark_suite_runs_every_workload_at_a_tiny_size_and_writes_every_section(tmp_path):  # type: ignore[no-untyped-def]
    results = tmp_path / "RESULTS.md"
    out = _quick("run.py", "--out", str(results))
    written = results.read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert heading in out and heading in written
    # The grid kept without graphs holds less memory at its peak than with them.
    grid = re.findall(
        r"^\| (graphs built|inside no_grad\(\)) \| [\d.]+ s \| ([\d.]+) MB \|$", out, re.M
    )
    assert [name for name, _ in grid] == ["graphs built", "inside no_grad()"]
    assert float(grid[1][1]) < float(grid[0][1])
    # Anomaly mode's cost while off: the engine with its flag checks taken out, side by side.
    assert re.search(r"engine.py has its [1-9]\d* checks of the debug flags taken out", out)
    assert re.search(r"median \d+\.\d{3}×, per round \d+\.\d{3}× to \d+\.\d{3}×", out)
    assert "micrograd_covid_plain" not in written
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
    assert "| 2-16-16-1 ReLU on 20 moons points, 33 maps of 20 × 20 |" in out
    assert "| walkthrough | 8 |" in out
    # the walkthrough's page: init, then 3 epochs × 6 batches × 6 steps (feed, ŷ, L, two
    # backward steps, update)
    assert "| walkthrough, 6 rows, 3 epochs | 109 |" in out
