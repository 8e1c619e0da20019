"""Data: the tutorials' data sets, CSV loading into windows, `Scaler` and an SIR epidemic curve."""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "Scaler",
    "daily_infections",
    "load_daily_counts",
    "regression_rows",
    "sir_curve",
    "windows",
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
    """(k consecutive days → the next day) pairs from a series."""
    if k < 1:
        raise ValueError(f"windows: k must be >= 1, got {k}")
    if len(series) <= k:
        raise ValueError(
            f"windows: need more than {k} values for a window of {k}, got {len(series)}"
        )
    xs = [list(series[i : i + k]) for i in range(len(series) - k)]
    ys = [series[i + k] for i in range(len(series) - k)]
    return xs, ys


def load_daily_counts(
    csv_path: str | Path,
    column: str,
    *,
    window: int = 3,
    cumulative: bool = False,
    date_column: str | None = None,
) -> tuple[list[list[float]], list[float]]:
    """Read one column of daily (or, with `cumulative`, running-total) counts from a CSV.

    Returns (window of `window` days → next day) pairs. Rows are taken in file order, or
    sorted by `date_column` when given (ISO dates sort as text). A missing file raises
    FileNotFoundError; a missing column, an empty or non-numeric cell, a decreasing
    cumulative count or too few rows raise ValueError naming the file, line and column.
    """
    path = Path(csv_path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        for name in [column] + ([date_column] if date_column else []):
            if name not in header:
                raise ValueError(
                    f"{path}, line 1: no column {name!r} (columns: {', '.join(header) or 'none'})"
                )
        rows: list[tuple[str, float, int]] = []
        for row in reader:
            line = reader.line_num
            cell = row.get(column)
            if cell is None or cell.strip() == "":
                raise ValueError(f"{path}, line {line}, column {column!r}: empty cell")
            try:
                value = float(cell)
            except ValueError:
                raise ValueError(
                    f"{path}, line {line}, column {column!r}: {cell!r} is not a number"
                ) from None
            if not math.isfinite(value):
                raise ValueError(f"{path}, line {line}, column {column!r}: {cell!r} is not finite")
            rows.append((row.get(date_column, "") if date_column else "", value, line))
    if date_column:
        rows.sort(key=lambda r: r[0])
    counts = [value for _, value, _ in rows]
    if cumulative:
        daily = []
        for (_, prev, _), (_, cur, line) in itertools.pairwise(rows):
            if cur < prev:
                raise ValueError(
                    f"{path}, line {line}, column {column!r}: cumulative count falls "
                    f"from {prev:g} to {cur:g}"
                )
            daily.append(cur - prev)
        counts = daily
    if len(counts) <= window:
        raise ValueError(
            f"{path}: {len(counts)} usable rows in column {column!r}, need more than "
            f"{window} for a window of {window}"
        )
    return windows(counts, window)


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
        """Learn one shift and scale per column (a flat list is one column)."""
        table = _as_table(rows)
        if not table:
            raise ValueError("Scaler.fit: no rows")
        self.shift, self.scale = [], []
        for col in zip(*table):
            if self.method == "standard":
                mean = math.fsum(col) / len(col)
                std = math.sqrt(math.fsum((c - mean) ** 2 for c in col) / len(col))
                self.shift.append(mean)
                self.scale.append(std if std > 0 else 1.0)
            else:
                lo, hi = min(col), max(col)
                self.shift.append(lo)
                self.scale.append(hi - lo if hi > lo else 1.0)
        return self

    def transform(self, rows: Rows) -> list[Any]:
        """Scale rows with what `fit` learned."""
        return self._apply(rows, lambda x, s, k: (x - s) / k)

    def inverse(self, rows: Rows) -> list[Any]:
        """Undo `transform`."""
        return self._apply(rows, lambda x, s, k: x * k + s)

    def fit_transform(self, rows: Rows) -> list[Any]:
        """`fit` then `transform`."""
        return self.fit(rows).transform(rows)

    def _apply(self, rows: Rows, fn: Callable[[float, float, float], float]) -> list[Any]:
        if not self.shift:
            raise ValueError("Scaler: call fit() before transform() or inverse()")
        table = _as_table(rows)
        for i, row in enumerate(table):
            if len(row) != len(self.shift):
                raise ValueError(
                    f"Scaler: row {i} has {len(row)} columns, fitted on {len(self.shift)}"
                )
        out = [[fn(x, s, k) for x, s, k in zip(row, self.shift, self.scale)] for row in table]
        if rows and not isinstance(rows[0], Sequence):
            return [r[0] for r in out]
        return out


def _as_table(rows: Rows) -> list[list[float]]:
    if rows and not isinstance(rows[0], Sequence):
        return [[float(x)] for x in rows]  # type: ignore[arg-type]
    return [[float(x) for x in row] for row in rows]  # type: ignore[union-attr]


def sir_curve(
    days: int = 120,
    population: float = 1_000_000.0,
    infected: float = 10.0,
    beta: float = 0.3,
    gamma: float = 0.1,
) -> list[float]:
    """Daily new infections of a discrete SIR epidemic (R0 = beta/gamma), one per day."""
    if days < 1 or population <= 0 or not 0 < infected <= population:
        raise ValueError("sir_curve: need days >= 1, population > 0 and 0 < infected <= population")
    if beta < 0 or gamma < 0:
        raise ValueError("sir_curve: beta and gamma must be >= 0")
    s, i = population - infected, infected
    daily = []
    for _ in range(days):
        new = beta * s * i / population
        recovered = gamma * i
        s -= new
        i += new - recovered
        daily.append(new)
    return daily
