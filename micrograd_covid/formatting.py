"""How numbers are written, everywhere: one function per place a number appears.

Each format is named for where it shows, so the same number reads the same in every error
message, every drawing, every sentence and every page:

- `fmt_number`: error messages (6 significant digits; anything else as a short repr).
- `fmt_repr`: the fields of a Value's repr (4 significant digits).
- `fmt`: drawings and plots (4 significant digits, 0 as "0"); `fmt(x, 6)` for sentences.
- `fmt_sentence`: explanations' sentences and formulas (6 significant digits).
- `fmt_page`: the explore page's numbers (4 significant digits, a true minus sign).
- `page_number`: numbers in the explore page's data (10 significant digits).
- `float_literal`: a float constant in generated Python source.

This module imports nothing from the package: every layer may use it.
"""

from __future__ import annotations

import math

__all__ = [
    "float_literal",
    "fmt",
    "fmt_number",
    "fmt_page",
    "fmt_repr",
    "fmt_sentence",
    "page_number",
]


def fmt_number(x: object) -> str:
    """A number in an error message (anything else as its short repr, never a crash)."""
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x) if abs(x) < 10**30 else f"an int of {len(str(abs(x)))} digits"
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


def fmt_repr(x: object) -> str:
    """A field in a Value's repr; data a user wrote (a str, None, an int too large for a
    float) shows as `fmt_number` writes it."""
    if isinstance(x, float) or (type(x) is int and abs(x) < 10**30):
        return f"{x:.4g}"
    return fmt_number(x)


def fmt(x: float, digits: int = 4) -> str:
    """A compact number: `digits` significant digits (0.2116, -4.232, 4.477). What a leaf's
    `.data` was set to that is not one (a str, None, an int too large for a float) shows as
    `fmt_number` writes it."""
    if x == 0.0:
        return "0"
    try:
        return f"{x:.{digits}g}"
    except (TypeError, ValueError, OverflowError):
        return fmt_number(x)


def fmt_sentence(x: float) -> str:
    """Numbers in sentences: 6 significant digits (-16.928), more than the drawings' 4."""
    return fmt(x, 6)


def fmt_page(x: float) -> str:
    """The drawing's numbers, as the page writes them (4 significant digits, U+2212 minus)."""
    if x == 0:
        return "0"
    if 1e-4 <= abs(x) < 1e6:
        s = f"{x:.4g}"
    else:
        m, e = f"{x:.3e}".split("e")
        m = m.rstrip("0").rstrip(".")
        s = f"{m}e{int(e):+d}"
    return s.replace("-", "−")


def page_number(x: float) -> float | str:
    """A number for the page's data: 10 significant digits (the page shows at most 7).

    A value within 0.001 of ±1 keeps every digit: the page writes a saturated tanh's or
    sigmoid's slope (1 − v², v(1 − v)) from it, which 10 digits would leave 3 digits right.
    """
    if 0.999 < abs(x) < 1.001:
        return x
    return float(f"{x:.10g}")


def float_literal(x: float) -> str:
    """A constant as a float literal (one that is not finite, never made by the engine, as
    a call that makes it)."""
    value = float(x)
    return repr(value) if math.isfinite(value) else f"float('{value!r}')"
