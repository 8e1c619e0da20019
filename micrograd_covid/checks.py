"""One validation path per kind of argument: a Value's data and label, numbers, counts and
rows of numbers.

Every public function that takes a hyper-parameter, a count or a table of numbers checks it
here, so the same input gets the same error wherever it goes in. A wrong type raises
TypeError, a wrong value ValueError; both name the argument (`what`) and show what it got.
numpy scalars are numbers (`numbers.Real`); `bool` is not, although Python counts it as one.
"""

from __future__ import annotations

import itertools
import math
import numbers
import re
from collections.abc import Sequence
from typing import Any, NoReturn, TypeGuard

from .formatting import fmt_number

__all__ = [
    "MAX_LABEL",
    "as_list",
    "check_label",
    "check_number",
    "count",
    "finite",
    "float_table_width",
    "interval",
    "is_finite_number",
    "is_sequence",
    "positive",
    "refuse_infinite_partial",
    "rows_of_numbers",
]


def check_number(data: object, what: str) -> float:
    """Return `data` as a finite float (a Value's data), or raise naming the type or the value."""
    if isinstance(data, float):
        value = data
    elif isinstance(data, (int, numbers.Real)):
        try:
            value = float(data)
        except OverflowError:
            raise ValueError(
                f"{what} must be finite, got {fmt_number(data)} (beyond a float's range)"
            ) from None
    else:
        raise TypeError(
            f"{what} must be an int or float, got {type(data).__name__}: {fmt_number(data)}"
        )
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return value


#: The longest label a Value takes (a drawing or a page shows it whole).
MAX_LABEL = 16_384
# Control characters (all but newline), lone surrogates and U+FFFE/U+FFFF: text a drawing,
# an SVG or a page cannot show as itself.
_BAD_LABEL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Labels check_label has passed (at most 4,096): a leaf labelled "y" per sample is checked once.
_GOOD_LABELS: set[str] = set()


def check_label(label: object, what: str = "Value label") -> str:
    """Return `label` if a drawing can show it as itself, else raise naming what is wrong.

    Refused: a non-str, more than 16,384 characters, control characters other than
    newline (NUL, tab, ESC, ...), lone surrogates, U+FFFE and U+FFFF. Everything else
    (any script, emoji, ``<b>``, ``&lt;``, quotes, backslashes) is allowed and is drawn as
    written.
    """
    if type(label) is str and label in _GOOD_LABELS:
        return label
    if not isinstance(label, str):
        raise TypeError(f"{what} must be a str, got {type(label).__name__}")
    if len(label) > MAX_LABEL:
        raise ValueError(f"{what} is {len(label):,} characters long; at most {MAX_LABEL:,}")
    bad = _BAD_LABEL.search(label)
    if bad is not None:
        char = bad.group()
        kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
        if char in "\ufffe\uffff":
            kind = "a non-character"
        raise ValueError(
            f"{what} contains {kind} U+{ord(char):04X} at index {bad.start()}; "
            "labels may hold any text but control characters (newline is allowed)"
        )
    if type(label) is str and len(_GOOD_LABELS) < 4096:
        _GOOD_LABELS.add(label)
    return label


def finite(value: object, what: str) -> float:
    """`value` as a float; it must be a real number (not bool) and finite."""
    if type(value) is float and value - value == 0.0:  # the common case, without the ABC check
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number, got {type(value).__name__}: {value!r}")
    try:
        result = float(value)
    except OverflowError:
        raise ValueError(f"{what} must be a finite number, got an int too large") from None
    if not math.isfinite(result):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return result


def positive(value: object, what: str) -> float:
    """A finite number > 0."""
    result = finite(value, what)
    if not result > 0:
        raise ValueError(f"{what} must be a positive finite number, got {value!r}")
    return result


def interval(value: object, what: str, low: float, high: float, *, closed: bool = False) -> float:
    """A finite number in [low, high), or [low, high] when `closed`."""
    result = finite(value, what)
    if not (low <= result < high or (closed and result == high)):
        bracket = "]" if closed else ")"
        raise ValueError(f"{what} must be in [{low:g}, {high:g}{bracket}, got {value!r}")
    return result


def count(value: object, what: str, minimum: int = 1) -> int:
    """An int (numpy integers too, not bool) of at least `minimum`."""
    if type(value) is int and value >= minimum:  # the common case, without the ABC check
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}: {value!r}")
    result = int(value)
    if result < minimum:
        kind = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{what} must be {kind}, got {result}")
    return result


def is_sequence(obj: object) -> TypeGuard[Sequence[Any]]:
    """A sequence (not a string; a Value is none) or a numpy-style array of at least one
    dimension."""
    if isinstance(obj, (str, bytes)):
        return False
    return isinstance(obj, Sequence) or getattr(obj, "ndim", 0) >= 1


def _is_array(x: object) -> bool:
    """A numpy array of one or more dimensions (numpy scalars have ndim 0)."""
    return bool(getattr(x, "ndim", 0)) and hasattr(x, "tolist")


def _is_row(x: object) -> bool:
    return isinstance(x, (list, tuple)) or _is_array(x)


def as_list(values: Any, what: str) -> list[Any]:
    """A list from a list, tuple, range or numpy array (`tolist()`); not str, bytes or dict."""
    if _is_array(values):
        values = values.tolist()
    if isinstance(values, (str, bytes, dict)) or not isinstance(values, Sequence):
        raise TypeError(
            f"{what} must be a list (or tuple, or numpy array), got {type(values).__name__}"
        )
    return list(values)


def rows_of_numbers(
    rows: Any, what: str, *, flat_ok: bool = True, values_ok: type[Any] | None = None
) -> tuple[list[list[Any]], bool]:
    """A table of finite floats, every row as wide as the first, and whether it was flat.

    `rows` is a list of rows, or (when `flat_ok`) a flat list of numbers, one column. Strings
    are refused (``"12"`` is not a row of digits), as are NaN, infinity and rows of another
    width; the error names the row (and column). With `values_ok` (a class: `Value`), a cell
    may be one of those (kept as it is; its `.data` must be finite).
    """
    plain = _plain_table(rows, flat_ok)
    if plain is not None:
        return plain, type(rows[0]) is float
    items = as_list(rows, what)
    if not items:
        raise ValueError(f"{what}: no rows")
    flat = not _is_row(items[0])
    if flat and not flat_ok:
        raise TypeError(
            f"{what}: row 0 is {type(items[0]).__name__}; each row must be a list of numbers"
        )
    table: list[list[Any]] = []
    width = 1 if flat else -1
    for i, row in enumerate(items):
        if flat:
            if _is_row(row):
                raise TypeError(f"{what}: row {i} is a list, but row 0 is a number")
            table.append([_cell(row, f"{what}: row {i}", values_ok)])
            continue
        if not _is_row(row):
            raise TypeError(
                f"{what}: row {i} is {type(row).__name__}; each row must be a list of numbers"
            )
        cells = as_list(row, f"{what}: row {i}")
        if width < 0:
            width = len(cells)
            if width == 0:
                raise ValueError(f"{what}: row 0 is empty")
        if len(cells) != width:
            raise ValueError(f"{what}: row {i} has {len(cells)} values, row 0 has {width}")
        table.append(
            [_cell(c, f"{what}: row {i}, column {j}", values_ok) for j, c in enumerate(cells)]
        )
    return table, flat


def _plain_table(values: Any, flat_ok: bool) -> list[list[Any]] | None:
    """What `rows_of_numbers` returns for the common case, checked in a few passes over
    the whole table: a list of lists (or tuples) of one width, or with `flat_ok` a list, of
    finite floats. None for anything else, which the general check then takes (and names
    what is wrong)."""
    if type(values) is not list or not values:
        return None
    if type(values[0]) is float:
        if not flat_ok or set(map(type, values)) != {float}:
            return None
        total = sum(values)
        return [[v] for v in values] if total - total == 0.0 else None
    return [list(row) for row in values] if float_table_width(values) else None


def float_table_width(values: Any) -> int | None:
    """The width of `values` when it is a non-empty list of lists (or tuples) of one width
    of finite floats, checked in a few passes over the whole table; None otherwise."""
    if type(values) is not list or not values:
        return None
    width = len(values[0]) if type(values[0]) in (list, tuple) else 0
    if not width or not set(map(type, values)) <= {list, tuple}:
        return None
    if set(map(len, values)) != {width}:
        return None
    cells = list(itertools.chain.from_iterable(values))
    if set(map(type, cells)) != {float}:
        return None
    total = sum(cells)  # finite exactly when every cell is (an overflow goes the long way)
    return width if total - total == 0.0 else None


def _cell(cell: object, what: str, values_ok: type[Any] | None) -> Any:
    if values_ok is not None and isinstance(cell, values_ok):
        finite(cell.data, what)
        return cell
    return finite(cell, what)


# --- what a node refuses: one definition for every engine --------------------------------------


def is_finite_number(x: object) -> bool:
    """Whether `x` may stand as a leaf's `.data` on the fast paths of the engines that re-run
    a recorded graph (compiled code, numpy): a real number (numpy scalars too; not bool) whose
    float is finite. Anything else goes to the interpreter, whose kernels name the op and the
    input (``dot: weight 0 must be a number, got str``)."""
    if type(x) is float:
        return x - x == 0.0
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return False
    try:
        return math.isfinite(float(x))
    except OverflowError:  # an int too large for a float
        return False


def refuse_infinite_partial(
    op: str, inputs: Sequence[object], value: object, local_grads: Sequence[float]
) -> NoReturn:
    """Raise the ValueError for backward through a node (`op` applied to the values `inputs`,
    giving `value`) whose local partials `local_grads` hold one that is infinite or beyond a
    float's range. Every engine raises this one, before it changes any gradient."""
    fmt = fmt_number
    which = [i for i, g in enumerate(local_grads) if not math.isfinite(g)]
    raise ValueError(
        f"backward through {op}({', '.join(map(fmt, inputs))}) = {fmt(value)}: its local "
        f"derivative with respect to input {which[0] if which else 0} is infinite (or beyond a "
        "float's range), so no finite gradient flows through it (PyTorch would put inf or nan "
        "into the gradients); no gradient was changed. Keep the op's input off that point "
        "(e.g. sqrt(x + eps))."
    )
