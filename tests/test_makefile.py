"""The Makefile's set-up: `make demo` installs only what the demo needs."""

from __future__ import annotations

import re
from pathlib import Path

MAKEFILE = (Path(__file__).resolve().parent.parent / "Makefile").read_text(encoding="utf-8")


def _recipe(target: str) -> tuple[list[str], str]:
    """The prerequisites and the recipe text of `target`."""
    m = re.search(rf"^{re.escape(target)}:([^\n]*)\n((?:\t[^\n]*\n)*)", MAKEFILE, re.MULTILINE)
    assert m is not None, f"no rule for {target}"
    return m.group(1).replace("|", " ").split(), m.group(2)


def test_make_demo_installs_the_package_with_the_plot_extra_only() -> None:
    prereqs, _ = _recipe("demo")
    assert "$(DEMO)" in prereqs
    assert "$(STAMP)" not in prereqs
    _, install = _recipe("$(DEMO)")
    assert "-e '.[plot]'" in install
    for heavy in ("test", "torch", "bench", "selenium"):
        assert heavy not in install


def test_make_test_installs_the_test_stack() -> None:
    prereqs, _ = _recipe("test")
    assert "$(STAMP)" in prereqs
    _, install = _recipe("$(STAMP)")
    assert "'.[test,plot]'" in install
