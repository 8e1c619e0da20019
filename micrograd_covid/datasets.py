"""Small deterministic data sets for classification: two interleaving moons."""

from __future__ import annotations

import math
import random
from typing import Any

__all__ = ["make_moons", "moons"]

LABELS = ("pm1", "01")


def moons(
    n: int = 100,
    noise: float = 0.1,
    seed: int | None = 0,
    labels: str = "pm1",
    shuffle: bool = True,
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles in the plane: (xs, ys), `n` points of two coordinates.

    The upper moon (class −1, or 0 with ``labels="01"``) is (cos t, sin t), the lower one
    (class +1) is (1 − cos t, 0.5 − sin t), with t evenly spaced over [0, π]; the upper moon
    gets n // 2 points. Each coordinate gets Gaussian noise of standard deviation `noise`
    drawn from ``random.Random(seed)``, and the points are shuffled with it, so one seed
    always gives the same data set.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"moons: n must be an int >= 2, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)):
        raise TypeError(f"moons: noise must be a number, got {type(noise).__name__}")
    if not (math.isfinite(noise) and noise >= 0.0):
        raise ValueError(f"moons: noise must be a finite number >= 0, got {noise!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"moons: seed must be an int or None, got {type(seed).__name__}")
    if labels not in LABELS:
        raise ValueError(f"moons: labels must be one of {', '.join(LABELS)}, got {labels!r}")
    rng = random.Random(seed)
    lower, upper = (1, -1) if labels == "pm1" else (1, 0)
    n_upper = n // 2
    points: list[tuple[list[float], int]] = []
    for count, label in ((n_upper, upper), (n - n_upper, lower)):
        for i in range(count):
            t = math.pi * i / max(count - 1, 1)
            if label == upper:
                x1, x2 = math.cos(t), math.sin(t)
            else:
                x1, x2 = 1.0 - math.cos(t), 0.5 - math.sin(t)
            points.append(([x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)], label))
    if shuffle:
        rng.shuffle(points)
    return [p for p, _ in points], [y for _, y in points]


def make_moons(
    n_samples: int = 100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    random_state: int | None = None,
) -> tuple[Any, Any]:
    """scikit-learn's `make_moons` call answered by `moons`: (X, y) as numpy arrays, X of
    shape (n_samples, 2) and y of 0/1 ints, so code written for scikit-learn runs unchanged.

    The points are `moons`' (not scikit-learn's), and deterministic: `random_state` None
    means seed 0. Needs numpy (it comes with the `plot` extra).
    """
    try:
        import numpy as np
    except ImportError:
        raise ImportError(
            "make_moons returns numpy arrays and needs numpy: pip install 'micrograd_covid[plot]'"
            " (or call moons(), which returns lists)"
        ) from None
    xs, ys = moons(
        n_samples,
        0.0 if noise is None else noise,
        seed=0 if random_state is None else random_state,
        labels="01",
        shuffle=shuffle,
    )
    return np.array(xs), np.array(ys)
