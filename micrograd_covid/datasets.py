"""`make_moons` where code written for scikit-learn looks for it (``from micrograd_covid.datasets
import make_moons``); the data sets themselves live in `micrograd_covid.data`."""

from .data import blobs, circles, make_moons, moons, spiral, xor

__all__ = ["blobs", "circles", "make_moons", "moons", "spiral", "xor"]
