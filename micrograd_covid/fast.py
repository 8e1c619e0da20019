"""Speed tricks the plain code applies, each with the reason it is worth it.

`without_gc`: a graph walk keeps one input iterator per node on its path; down a deep graph
(a chain of a million ops) they pile up, survive, and set off full collections of the cyclic
GC, which scan every live node for nothing (graphs hold no reference cycles: reference
counting frees them). Pausing the GC for the walk makes backward on such a chain 2–3× faster;
the walk's result is the same either way (tests/test_engine.py checks it). `fit` pauses it for
a whole training run for the same reason: a collection would only scan the live graph.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["without_gc"]

P = ParamSpec("P")
R = TypeVar("R")


def without_gc(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` with the cyclic GC paused, restoring the caller's GC state afterwards, also
    on an exception."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():  # already paused (as in `fit`)
            return func(*args, **kwargs)
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            gc.enable()

    return wrapper
