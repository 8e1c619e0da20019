"""Data: the tutorials' data sets, CSV loading into windows, `Scaler`, an SIR epidemic curve
and small seeded classification sets in the plane: moons, circles, xor (labels ±1), blobs and
a spiral (three classes, 0 1 2)."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import math
import random
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import checks

__all__ = [
    "BLOB_CENTRES",
    "MOON_LABELS",
    "NEGATIVE",
    "NegativeCountWarning",
    "Scaler",
    "blobs",
    "circles",
    "daily_infections",
    "load_daily_counts",
    "make_moons",
    "moons",
    "plane",
    "regression_rows",
    "sir_curve",
    "spiral",
    "windows",
    "xor",
]


#: A table (rows of columns) or a flat list (one column).
Rows = Sequence[Sequence[float]] | Sequence[float]


def daily_infections() -> tuple[list[list[float]], list[float]]:
    """The tutorials' data: [daily infections, infected countries] → next-day infections."""
    xs = [[2.0, 1.0], [5.0, 1.0], [7.0, 4.0], [12.0, 5.0]]
    ys = [5.0, 7.0, 12.0, 19.0]
    return xs, ys


def regression_rows() -> list[tuple[float, float, float]]:
    """The walkthrough's six (x1, x2, y) rows; y = x1 − 2·x2 fits them exactly."""
    return [(4, 1, 2), (2, 8, -14), (1, 0, 1), (3, 2, -1), (1, 4, -7), (6, 7, -8)]


def windows(series: Sequence[float], k: int) -> tuple[list[list[float]], list[float]]:
    """(k consecutive days → the next day) pairs from a series of finite numbers."""
    k = checks.count(k, "windows: k")
    table, flat = checks.rows_of_numbers(series, "windows: series")
    if not flat:
        raise TypeError("windows: series must be a flat list of numbers, not rows")
    values = [row[0] for row in table]
    if len(values) <= k:
        raise ValueError(
            f"windows: need more than {k} values for a window of {k}, got {len(values)}"
        )
    xs = [values[i : i + k] for i in range(len(values) - k)]
    ys = [values[i + k] for i in range(len(values) - k)]
    return xs, ys


#: What `load_daily_counts` does with a negative daily count.
NEGATIVE = ("warn", "error", "keep")


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cells) for every row of a CSV file; a UTF-8 BOM is skipped.

    Errors are ValueErrors naming the file and line: not UTF-8, a cell over the csv
    module's field limit (128 KiB).
    """
    if path.is_dir():
        raise ValueError(f"{path}: is a directory, not a CSV file")
    if not path.is_file():
        if path.exists():  # reading a pipe would wait, a device never end
            raise ValueError(f"{path}: not a regular file (a pipe or a device), not a CSV file")
        raise FileNotFoundError(f"{path}: no such file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ValueError(
            f"{path}, line {line}: byte {column} of the line is not UTF-8 "
            f"({raw[exc.start : exc.start + 1]!r}); save the file as UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        limit = csv.field_size_limit()
        what = (
            f"a cell is longer than {limit} characters"
            if "field larger than field limit" in str(exc)
            else str(exc)
        )
        raise ValueError(f"{path}, line {reader.line_num}: {what}") from None
    return rows


def load_daily_counts(
    csv_path: str | Path,
    column: str,
    *,
    window: int = 3,
    cumulative: bool = False,
    date_column: str | None = None,
    negative: str = "warn",
) -> tuple[list[list[float]], list[float]]:
    """Read one column of daily (or, with `cumulative`, running-total) counts from a CSV.

    Returns (window of `window` days → next day) pairs. Rows are taken in file order, or
    sorted by `date_column` when given (ISO dates, YYYY-MM-DD). A negative daily count
    (a correction in the data) is kept with a warning (`negative="warn"`), refused
    ("error") or kept silently ("keep"). A missing file raises FileNotFoundError; anything
    else (a directory, a pipe, bytes that are not UTF-8, a repeated or missing column name, a row
    with more or fewer fields than the header, an empty, non-numeric or non-finite cell,
    an empty, malformed or repeated date, a decreasing
    cumulative count, too few rows) raises ValueError naming the file, line and column.
    """
    path = Path(csv_path)
    window = checks.count(window, "load_daily_counts: window")
    if negative not in NEGATIVE:
        raise ValueError(
            f"load_daily_counts: negative must be one of {', '.join(NEGATIVE)}, got {negative!r}"
        )
    rows = _csv_rows(path)
    if not rows:
        raise ValueError(f"{path}: the file is empty")
    _, header = rows[0]
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in seen:
            raise ValueError(
                f"{path}, line 1: column {name!r} appears twice (columns {seen[name] + 1} "
                f"and {i + 1})"
            )
        seen[name] = i
    for name in [column] + ([date_column] if date_column else []):
        if name not in seen:
            raise ValueError(
                f"{path}, line 1: no column {name!r} (columns: {', '.join(header) or 'none'})"
            )
    col = seen[column]
    date_col = seen[date_column] if date_column else None
    values: list[tuple[str, float, int]] = []
    for line, cells in rows[1:]:
        if not cells:
            continue  # a blank line
        if len(cells) != len(header):
            raise ValueError(
                f"{path}, line {line}: {len(cells)} fields, but the header (line 1) has "
                f"{len(header)}"
            )
        cell = cells[col].strip()
        if cell == "":
            raise ValueError(f"{path}, line {line}, column {column!r}: empty cell")
        try:
            value = float(cell)
        except ValueError:
            raise ValueError(
                f"{path}, line {line}, column {column!r}: {_short(cell)!r} is not a number"
            ) from None
        if not math.isfinite(value):
            raise ValueError(f"{path}, line {line}, column {column!r}: {cell!r} is not finite")
        date = ""
        if date_col is not None:
            date = cells[date_col].strip()
            if date == "":
                raise ValueError(f"{path}, line {line}, column {date_column!r}: empty date")
            try:
                date = datetime.date.fromisoformat(date).isoformat()  # one spelling per day
            except ValueError:
                raise ValueError(
                    f"{path}, line {line}, column {date_column!r}: {_short(date)!r} is not an "
                    "ISO date (YYYY-MM-DD)"
                ) from None
        values.append((date, value, line))
    if date_col is not None:
        values.sort(key=lambda r: r[0])
        for (date, _, first), (later, _, line) in itertools.pairwise(values):
            if later == date:
                raise ValueError(
                    f"{path}, line {line}, column {date_column!r}: the date {date} "
                    f"appears twice (lines {first} and {line})"
                )
    counts = [value for _, value, _ in values]
    lines = [line for _, _, line in values]
    if cumulative:
        for (_, prev, _), (_, cur, line) in itertools.pairwise(values):
            if cur < prev:
                raise ValueError(
                    f"{path}, line {line}, column {column!r}: cumulative count falls "
                    f"from {prev:g} to {cur:g}"
                )
        counts = [cur - prev for prev, cur in itertools.pairwise(counts)]
        lines = lines[1:]
    negatives = [(line, c) for line, c in zip(lines, counts) if c < 0]
    if negatives and negative != "keep":
        line, count = negatives[0]
        message = f"{path}, line {line}, column {column!r}: negative daily count {count:g}" + (
            f" (and {len(negatives) - 1} more)" if len(negatives) > 1 else ""
        )
        if negative == "error":
            raise ValueError(message)
        warnings.warn(
            message + '; kept (pass negative="error" to refuse, "keep" to accept)',
            NegativeCountWarning,
            stacklevel=2,
        )
    if len(counts) <= window:
        raise ValueError(
            f"{path}: {len(counts)} usable rows in column {column!r}, need more than "
            f"{window} for a window of {window}"
        )
    return windows(counts, window)


class NegativeCountWarning(UserWarning):
    """A CSV column of daily counts holds a negative number (usually a data correction)."""


def _short(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:30]}… ({len(text)} characters)"


class Scaler:
    """Standardise ((x − mean) / std) or min-max scale to [0, 1], fitted on training data."""

    def __init__(self, method: str = "standard") -> None:
        """`method` is "standard" or "minmax"."""
        if method not in ("standard", "minmax"):
            raise ValueError(f"Scaler: unknown method {method!r}; choose standard or minmax")
        self.method = method
        self.shift: list[float] = []
        self.scale: list[float] = []

    def fit(self, rows: Rows) -> Scaler:
        """Learn one shift and scale per column (a flat list is one column).

        Every row must have the same number of finite numbers; anything else is refused
        naming the row and column.
        """
        table, _ = checks.rows_of_numbers(rows, "Scaler.fit")
        shift, scale = [], []
        for col in zip(*table):
            if self.method == "standard":
                mean = math.fsum(col) / len(col)
                std = math.sqrt(math.fsum((c - mean) ** 2 for c in col) / len(col))
                shift.append(mean)
                scale.append(std if std > 0 else 1.0)
            else:
                lo, hi = min(col), max(col)
                shift.append(lo)
                scale.append(hi - lo if hi > lo else 1.0)
        if not all(map(math.isfinite, shift + scale)):
            raise ValueError("Scaler.fit: the columns' spread overflows a float")
        self.shift, self.scale = shift, scale
        return self

    def transform(self, rows: Rows) -> list[Any]:
        """Scale rows with what `fit` learned."""
        return self._apply(rows, lambda x, s, k: (x - s) / k, "transform")

    def inverse(self, rows: Rows) -> list[Any]:
        """Undo `transform`."""
        return self._apply(rows, lambda x, s, k: x * k + s, "inverse")

    def fit_transform(self, rows: Rows) -> list[Any]:
        """`fit` then `transform`."""
        return self.fit(rows).transform(rows)

    def _apply(
        self, rows: Rows, fn: Callable[[float, float, float], float], what: str
    ) -> list[Any]:
        if not self.shift:
            raise ValueError("Scaler: call fit() before transform() or inverse()")
        table, flat = checks.rows_of_numbers(rows, f"Scaler.{what}")
        if len(table[0]) != len(self.shift):
            raise ValueError(
                f"Scaler.{what}: rows have {len(table[0])} columns, fitted on {len(self.shift)}"
            )
        out = [[fn(x, s, k) for x, s, k in zip(row, self.shift, self.scale)] for row in table]
        if flat:
            return [r[0] for r in out]
        return out


def sir_curve(
    days: int = 120,
    population: float = 1_000_000.0,
    infected: float = 10.0,
    beta: float = 0.3,
    gamma: float = 0.1,
) -> list[float]:
    """Daily new infections of a discrete SIR epidemic (R0 = beta/gamma), one per day.

    Every argument must be a finite number (days a positive int); NaN is refused.
    """
    days = checks.count(days, "sir_curve: days")
    population = checks.positive(population, "sir_curve: population")
    infected = checks.interval(infected, "sir_curve: infected", 0.0, population, closed=True)
    if infected == 0:
        raise ValueError("sir_curve: infected must be > 0, got 0")
    beta = checks.interval(beta, "sir_curve: beta", 0.0, math.inf)
    gamma = checks.interval(gamma, "sir_curve: gamma", 0.0, math.inf)
    s, i = population - infected, infected
    daily = []
    for _ in range(days):
        new = beta * s * i / population
        recovered = gamma * i
        s -= new
        i += new - recovered
        daily.append(new)
    return daily


# --- two interleaving moons, for classification ----------------------------------------------

#: The label sets `moons` writes: ±1 or 0/1.
MOON_LABELS = ("pm1", "01")


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
    _check_set("moons", n, noise, seed, 2)
    if labels not in MOON_LABELS:
        raise ValueError(f"moons: labels must be one of {', '.join(MOON_LABELS)}, got {labels!r}")
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


# --- more sets in the plane, each from its own random.Random(seed) --------------------------


def _check_set(name: str, n: object, noise: object, seed: object, smallest: int) -> None:
    """A clear error for a bad `n`, `noise` or `seed` of the generator `name`."""
    if isinstance(n, bool) or not isinstance(n, int) or n < smallest:
        raise ValueError(f"{name}: n must be an int >= {smallest}, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)):
        raise TypeError(f"{name}: noise must be a number, got {type(noise).__name__}")
    if not (math.isfinite(noise) and noise >= 0.0):
        raise ValueError(f"{name}: noise must be a finite number >= 0, got {noise!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"{name}: seed must be an int or None, got {type(seed).__name__}")


def _counts(n: int, k: int) -> list[int]:
    """`n` points split over `k` classes, the first ones one more when it does not divide."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _shuffled(
    points: list[tuple[list[float], int]], rng: random.Random
) -> tuple[list[list[float]], list[int]]:
    rng.shuffle(points)
    return [p for p, _ in points], [y for _, y in points]


def circles(
    n: int = 100, noise: float = 0.05, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """A ring around a disc: (xs, ys), labels ±1. The outer circle (radius 1, class −1) gets
    the first half of the points, the inner one (radius 0.5, class +1) the rest, evenly
    spaced in angle; each coordinate gets Gaussian noise of standard deviation `noise`
    from ``random.Random(seed)``, which then shuffles the points."""
    _check_set("circles", n, noise, seed, 2)
    rng = random.Random(seed)
    points: list[tuple[list[float], int]] = []
    for count, radius, label in zip(_counts(n, 2), (1.0, 0.5), (-1, 1)):
        for i in range(count):
            t = 2.0 * math.pi * i / count
            x1, x2 = radius * math.cos(t), radius * math.sin(t)
            points.append(([x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)], label))
    return _shuffled(points, rng)


def xor(
    n: int = 100, noise: float = 0.0, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """Points uniform in the square [−1, 1]², label +1 where x1·x2 > 0 (the first and third
    quadrants) and −1 elsewhere: the set no single neuron can split. A point is drawn again
    while it lies within 0.1 of an axis, so every label is clear; then each coordinate gets
    Gaussian noise of standard deviation `noise`, all from ``random.Random(seed)``."""
    _check_set("xor", n, noise, seed, 1)
    rng = random.Random(seed)
    xs: list[list[float]] = []
    ys: list[int] = []
    while len(xs) < n:
        x1, x2 = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        if abs(x1) < 0.1 or abs(x2) < 0.1:
            continue
        ys.append(1 if x1 * x2 > 0 else -1)
        xs.append([x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)])
    return xs, ys


#: Where `blobs` puts its three classes' centres: a triangle around the origin.
BLOB_CENTRES = ((0.0, 1.0), (-0.866, -0.5), (0.866, -0.5))


def blobs(
    n: int = 90, noise: float = 0.3, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """Three round clusters in the plane: (xs, ys), labels 0, 1, 2 (for cross_entropy).

    Class c's points are Gaussian around `BLOB_CENTRES[c]` (the corners of a triangle of
    side 1.73) with standard deviation `noise` in each coordinate, drawn from
    ``random.Random(seed)``, which then shuffles the points; the classes get n // 3 points
    each (the first ones one more when 3 does not divide n)."""
    _check_set("blobs", n, noise, seed, 3)
    rng = random.Random(seed)
    points: list[tuple[list[float], int]] = []
    for label, (count, (c1, c2)) in enumerate(zip(_counts(n, 3), BLOB_CENTRES)):
        for _ in range(count):
            points.append(([c1 + rng.gauss(0.0, noise), c2 + rng.gauss(0.0, noise)], label))
    return _shuffled(points, rng)


def spiral(
    n: int = 90, noise: float = 0.05, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """Three arms winding out from the origin: (xs, ys), labels 0, 1, 2 (as CS231n's spiral).

    Arm c's i-th of m points is at radius r = (i + 1) / m and angle 4r + 2πc/3 (a third of
    a turn between arms, under two thirds of a turn along each), each coordinate with
    Gaussian noise of standard deviation `noise` from ``random.Random(seed)``, which then
    shuffles the points; the classes get n // 3 points each (the first one more when 3
    does not divide n)."""
    _check_set("spiral", n, noise, seed, 3)
    rng = random.Random(seed)
    points: list[tuple[list[float], int]] = []
    for label, count in enumerate(_counts(n, 3)):
        for i in range(count):
            r = (i + 1) / count
            t = 4.0 * r + 2.0 * math.pi * label / 3
            x1, x2 = r * math.cos(t), r * math.sin(t)
            points.append(([x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)], label))
    return _shuffled(points, rng)


def plane(n: int = 8, noise: float = 0.1, seed: int | None = 0) -> list[tuple[float, float, float]]:
    """`n` rows (x1, x2, y) near the walkthrough's plane y = x1 − 2·x2: x1 and x2 uniform in
    [−2, 2], y with Gaussian noise of standard deviation `noise`, all rounded to 2 decimals
    and drawn from ``random.Random(seed)``. Inputs this small let SGD at the walkthrough's
    η = 0.05 settle where its own rows (inputs up to 8) make it diverge."""
    _check_set("plane", n, noise, seed, 1)
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        x1, x2 = round(rng.uniform(-2.0, 2.0), 2), round(rng.uniform(-2.0, 2.0), 2)
        rows.append((x1, x2, round(x1 - 2.0 * x2 + rng.gauss(0.0, noise), 2)))
    return rows
