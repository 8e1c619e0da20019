"""formatting.py: every number the package writes, one function per place it shows."""

import math

from micrograd_covid import formatting as f


def test_error_messages_show_six_digits_and_anything_else_as_a_short_repr():
    assert f.fmt_number(-16.928000001) == "-16.928"
    assert f.fmt_number(3) == "3"
    assert f.fmt_number(10**40) == "an int of 41 digits"
    assert f.fmt_number("x" * 50) == "'" + "x" * 36 + "..."
    assert f.fmt_number(None) == "None"


def test_drawings_show_four_digits_and_zero_as_0_and_sentences_six():
    assert (f.fmt(0.21160000001), f.fmt(-4.2320001), f.fmt(0.0), f.fmt(-0.0)) == (
        "0.2116",
        "-4.232",
        "0",
        "0",
    )
    assert f.fmt(-16.928) == "-16.93" and f.fmt_sentence(-16.928) == "-16.928"


def test_a_values_repr_shows_four_digits_and_user_data_as_its_repr():
    assert (f.fmt_repr(-0.11600001), f.fmt_repr(2), f.fmt_repr("3")) == ("-0.116", "2", "'3'")


def test_the_page_writes_four_digits_with_a_true_minus_and_keeps_slopes_near_one():
    assert (f.fmt_page(-4.2324), f.fmt_page(0), f.fmt_page(1.5e-7), f.fmt_page(-2e6)) == (
        "−4.232",
        "0",
        "1.5e−7",
        "−2e+6",
    )
    assert f.page_number(0.123456789012) == 0.123456789
    assert f.page_number(0.99999999999123) == 0.99999999999123


def test_generated_code_gets_exact_float_literals():
    assert f.float_literal(0.1) == "0.1" and float(f.float_literal(1 / 3)) == 1 / 3
    assert f.float_literal(math.inf) == "float('inf')"
