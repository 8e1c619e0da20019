"""`make_moons` where code written for scikit-learn looks for it (``from micrograd_covid.datasets
import make_moons``); the data sets themselves live in `micrograd_covid.data`."""

from .data import make_moons, moons

__all__ = ["make_moons", "moons"]
