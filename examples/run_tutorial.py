"""Run one tutorial by name (the same function `micrograd-covid tutorial NAME` runs)."""

import sys

from micrograd_covid.tutorials import TUTORIALS

name = sys.argv[1] if len(sys.argv) > 1 else "regression"
if name not in TUTORIALS:
    raise SystemExit(f"unknown tutorial {name!r}; choose one of {', '.join(TUTORIALS)}")
print(TUTORIALS[name]())
