"""Keep the shipped notebooks without outputs: git holds the lessons, not one run of them.

    python notebooks/strip_outputs.py           # strip outputs and execution counts in place
    python notebooks/strip_outputs.py --check   # list notebooks that have any; exit 1 if one does

`make check` runs the second form. Only the standard library: the check runs before anything
else is installed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def problems(notebook: dict[str, object]) -> list[str]:
    """What a notebook keeps that a stripped one would not: outputs, execution counts."""
    found = []
    cells = notebook.get("cells")
    for i, cell in enumerate(cells if isinstance(cells, list) else []):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {i} has {len(cell['outputs'])} output(s)")
        if cell.get("execution_count") is not None:
            found.append(f"cell {i} has execution count {cell['execution_count']}")
    return found


def strip(notebook: dict[str, object]) -> None:
    """Empty every code cell's outputs and execution count."""
    cells = notebook.get("cells")
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None


def main(argv: list[str]) -> int:
    """Check or strip every notebook in this folder; returns the exit status."""
    check = argv == ["--check"]
    if argv and not check:
        print("usage: strip_outputs.py [--check]", file=sys.stderr)
        return 2
    status = 0
    for path in sorted(HERE.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        found = problems(notebook)
        if not found:
            continue
        if check:
            print(f"{path.name}: {'; '.join(found)} (strip: python notebooks/strip_outputs.py)")
            status = 1
        else:
            strip(notebook)
            text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
            path.write_text(text, encoding="utf-8")
            print(f"{path.name}: stripped")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
