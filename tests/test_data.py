from __future__ import annotations

import math
import random

import pytest

from micrograd_covid import Scaler, load_daily_counts, sir_curve, windows
from micrograd_covid.data import NegativeCountWarning


def test_windows_pair_k_days_with_the_next():
    xs, ys = windows([1, 2, 3, 4, 5], 3)
    assert xs == [[1, 2, 3], [2, 3, 4]] and ys == [4, 5]


def test_load_daily_counts_reads_daily_and_cumulative_columns(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "cases.csv"
    path.write_text(
        "date,total,new\n2020-03-02,3,2\n2020-03-01,1,1\n2020-03-03,7,4\n2020-03-04,12,5\n"
    )
    xs, ys = load_daily_counts(path, "new", window=2)
    assert xs == [[2.0, 1.0], [1.0, 4.0]] and ys == [4.0, 5.0]
    xs, ys = load_daily_counts(path, "total", window=1, cumulative=True, date_column="date")
    assert xs == [[2.0], [4.0]] and ys == [4.0, 5.0]


@pytest.mark.parametrize(
    ("text", "kwargs", "error", "words"),
    [
        ("date,new\n1,2\n", {"column": "cases"}, ValueError, r"line 1: no column 'cases'"),
        (
            "date,new\na,1\nb,x\nc,3\n",
            {"column": "new"},
            ValueError,
            r"line 3, column 'new': 'x' is not a number",
        ),
        ("date,new\na,1\nb,\n", {"column": "new"}, ValueError, r"line 3, column 'new': empty cell"),
        (
            "date,new\na,1\nb,2\n",
            {"column": "new", "window": 3},
            ValueError,
            r"2 usable rows .* need more than 3",
        ),
        (
            "d,t\na,5\nb,3\nc,9\nd,10\ne,11\n",
            {"column": "t", "cumulative": True},
            ValueError,
            r"line 3, column 't': cumulative count falls from 5 to 3",
        ),
    ],
)
def test_bad_csv_raises_naming_file_line_and_column(tmp_path, text, kwargs, error, words):  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(error, match=words) as info:
        load_daily_counts(path, **kwargs)
    assert "bad.csv" in str(info.value)


def test_missing_csv_is_file_not_found(tmp_path):  # type: ignore[no-untyped-def]
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_daily_counts(tmp_path / "nope.csv", "new")


def test_scaler_standardises_and_inverts():
    rows = [[2.0, 1.0], [5.0, 1.0], [7.0, 4.0], [12.0, 5.0]]
    s = Scaler().fit(rows)
    scaled = s.transform(rows)
    assert sum(r[0] for r in scaled) == pytest.approx(0.0, abs=1e-12)
    assert s.inverse(scaled) == [pytest.approx(r) for r in rows]
    m = Scaler("minmax").fit([5.0, 7.0, 12.0, 19.0])
    assert m.transform([5.0, 19.0]) == [0.0, 1.0] and m.inverse([0.5]) == [12.0]
    with pytest.raises(ValueError, match="call fit"):
        Scaler().transform([1.0])
    with pytest.raises(ValueError, match="unknown method"):
        Scaler("log")


def test_sir_curve_rises_and_falls_and_conserves_people():
    daily = sir_curve(days=200, population=10_000, infected=5, beta=0.3, gamma=0.1)
    peak = daily.index(max(daily))
    assert 0 < peak < 199 and daily[-1] < max(daily) / 10
    assert sum(daily) < 10_000


@pytest.mark.parametrize(
    ("content", "kwargs", "words"),
    [
        (
            b"date,cases,cases\n1,2,3\n",
            {},
            r"line 1: column 'cases' appears twice \(columns 2 and 3\)",
        ),
        (
            b"date,cases\n2020-01-02,1\n,2\n2020-01-03,3\n",
            {"date_column": "date"},
            r"line 3, column 'date': empty date",
        ),
        (
            b"date,cases\n2020-01-02,1\n03/01/2020,2\n",
            {"date_column": "date"},
            r"line 3, column 'date': '03/01/2020' is not an ISO date",
        ),
        (b"date,cases\na,1\nb,2\nc,\xe9t\xe9\n", {}, r"line 4: byte 3 of the line is not UTF-8"),
        (
            b'date,cases\na,1\nb,"' + b"9" * (128 * 1024 + 1) + b'"\nc,3\n',
            {},
            r"line 3: a cell is longer than 131072 characters",
        ),
        (
            b"date,cases\na,1\nb,2\nc,-3\nd,4\ne,-1\n",
            {"negative": "error"},
            r"line 4, column 'cases': negative daily count -3 \(and 1 more\)",
        ),
        (b"date,cases\na,nan\n", {}, r"line 2, column 'cases': 'nan' is not finite"),
        (b"", {}, r"the file is empty"),
    ],
)
def test_hostile_csv_files_get_one_line_errors_naming_file_and_line(
    tmp_path, content, kwargs, words
):  # type: ignore[no-untyped-def]
    path = tmp_path / "hostile.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=words) as info:
        load_daily_counts(path, "cases", window=1, **kwargs)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message and len(message) < 200


def test_negative_daily_counts_warn_by_default_and_keep_on_request(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "c.csv"
    path.write_text("date,cases\na,1\nb,-2\nc,3\n")
    with pytest.warns(
        NegativeCountWarning, match=r"c.csv, line 3, column 'cases': negative daily count -2; kept"
    ):
        xs, ys = load_daily_counts(path, "cases", window=1)
    assert ys == [-2.0, 3.0]
    assert load_daily_counts(path, "cases", window=1, negative="keep") == (xs, ys)
    with pytest.raises(ValueError, match="negative must be one of warn, error, keep"):
        load_daily_counts(path, "cases", negative="drop")


def test_a_utf8_bom_just_works_and_a_directory_is_named(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffcases,date\n1,2020-01-01\n2,2020-01-02\n3,2020-01-03\n".encode())
    assert load_daily_counts(path, "cases", window=1, date_column="date") == (
        [[1.0], [2.0]],
        [2.0, 3.0],
    )
    with pytest.raises(ValueError, match=rf"{tmp_path}: is a directory, not a CSV file"):
        load_daily_counts(tmp_path, "cases")


@pytest.mark.parametrize(
    ("rows", "error", "words"),
    [
        (
            [[1.0, 2.0], [float("nan"), 3.0]],
            ValueError,
            r"Scaler.fit: row 1, column 0 must be a finite number, got nan",
        ),
        ([[1.0, 2.0, 3.0], [4.0, 5.0]], ValueError, r"Scaler.fit: row 1 has 2 values, row 0 has 3"),
        (["12", "34"], TypeError, r"Scaler.fit: row 0 must be a number, got str: '12'"),
        ([1.0, [2.0]], TypeError, r"Scaler.fit: row 1 is a list, but row 0 is a number"),
        ([[1.0], ["2"]], TypeError, r"row 1, column 0 must be a number, got str"),
        ([[1.0, True]], TypeError, r"row 0, column 1 must be a number, got bool"),
        ([], ValueError, r"Scaler.fit: no rows"),
        ("1234", TypeError, r"Scaler.fit must be a list"),
    ],
)
def test_scaler_refuses_bad_rows_and_keeps_what_it_learned(rows, error, words):  # type: ignore[no-untyped-def]
    s = Scaler().fit([[1.0, 2.0], [3.0, 6.0]])
    with pytest.raises(error, match=words):
        s.fit(rows)
    assert (s.shift, s.scale) == ([2.0, 4.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"Scaler.transform: row 1 has 1 values"):
        s.transform([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match=r"Scaler.transform: rows have 3 columns, fitted on 2"):
        s.transform([[1.0, 2.0, 3.0]])


def test_scaler_takes_numpy_arrays():
    import numpy as np

    rows = [[2.0, 1.0], [5.0, 1.0], [7.0, 4.0]]
    assert Scaler().fit(np.array(rows)).transform(np.array(rows)) == Scaler().fit_transform(rows)
    assert Scaler().fit_transform(np.array([1.0, 3.0])) == [-1.0, 1.0]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"beta": float("nan")}, ValueError, r"sir_curve: beta must be a finite number, got nan"),
        ({"gamma": float("inf")}, ValueError, r"sir_curve: gamma must be a finite number"),
        ({"beta": -0.1}, ValueError, r"sir_curve: beta must be in \[0, inf\)"),
        ({"days": 0}, ValueError, r"sir_curve: days must be a positive int"),
        ({"days": 10.5}, TypeError, r"sir_curve: days must be an int"),
        ({"infected": 0}, ValueError, r"sir_curve: infected must be > 0"),
        ({"infected": 2e6}, ValueError, r"sir_curve: infected must be in \[0, 1e\+06\]"),
        ({"population": float("nan")}, ValueError, r"sir_curve: population must be a finite"),
    ],
)
def test_sir_curve_refuses_nan_and_out_of_range_arguments(kwargs, error, words):  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=words):
        sir_curve(**kwargs)


def test_windows_refuses_non_finite_values_and_bad_k():
    with pytest.raises(ValueError, match=r"windows: series: row 2 must be a finite number"):
        windows([1.0, 2.0, float("inf"), 4.0], 2)
    with pytest.raises(TypeError, match=r"windows: k must be an int, got bool"):
        windows([1.0, 2.0, 3.0], True)


@pytest.mark.parametrize(
    ("text", "kwargs", "words"),
    [
        (
            "date,cases\n2020-03-01,5\n2020-03-02,7,99\n2020-03-03,9\n",
            {},
            "line 3: 3 fields, but the header (line 1) has 2",
        ),
        (
            "date,cases,deaths\n2020-03-01,5,0\n2020-03-02,7\n",
            {},
            "line 3: 2 fields, but the header (line 1) has 3",
        ),
        (
            "date,cases\n2020-03-01,5\n2020-03-02,7\n2020-03-01,9\n",
            {"date_column": "date"},
            "line 4, column 'date': the date 2020-03-01 appears twice (lines 2 and 4)",
        ),
    ],
)
def test_a_row_of_another_width_or_a_repeated_date_is_refused_naming_file_and_line(
    tmp_path, text, kwargs, words
):  # type: ignore[no-untyped-def]
    path = tmp_path / "cases.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_daily_counts(path, "cases", window=1, **kwargs)
    assert str(info.value) == f"{path}, {words}"


def test_moons_live_in_data_and_datasets_still_answers_scikit_learns_import():
    from micrograd_covid import data, datasets, moons

    assert datasets.make_moons is data.make_moons and datasets.moons is data.moons is moons
    xs, ys = data.moons(6, noise=0.0, seed=1)
    assert len(xs) == 6 and sorted(ys) == [-1, -1, -1, 1, 1, 1]


SETS = {"circles": (-1, 1), "xor": (-1, 1), "blobs": (0, 1, 2), "spiral": (0, 1, 2)}


@pytest.mark.parametrize("name", sorted(SETS))
def test_each_set_in_the_plane_is_seeded_balanced_and_labelled_as_documented(name):  # type: ignore[no-untyped-def]
    from micrograd_covid import data, datasets

    make = getattr(data, name)
    assert getattr(datasets, name) is make
    xs, ys = make(31, seed=3)
    assert len(xs) == len(ys) == 31 and all(len(x) == 2 for x in xs)
    assert all(isinstance(v, float) and math.isfinite(v) for x in xs for v in x)
    assert set(ys) == set(SETS[name])
    counts = [ys.count(c) for c in SETS[name]]
    if name != "xor":  # xor's labels follow where its uniform points fall
        assert max(counts) - min(counts) <= 1
    assert make(31, seed=3) == (xs, ys)  # the same seed, the same set
    assert make(31, seed=4) != (xs, ys)
    state = random.getstate()
    make(31, seed=None)
    assert random.getstate() == state  # no global random state


def test_the_sets_put_each_class_where_their_docstrings_say():
    from micrograd_covid.data import BLOB_CENTRES, blobs, circles, spiral, xor

    xs, ys = circles(40, noise=0.0)
    for x, y in zip(xs, ys):
        assert math.hypot(*x) == pytest.approx(1.0 if y == -1 else 0.5)
    xs, ys = xor(40)
    assert all(
        (x1 * x2 > 0) == (y == 1) and min(abs(x1), abs(x2)) >= 0.1 for (x1, x2), y in zip(xs, ys)
    )
    xs, ys = blobs(60, noise=0.0)
    assert all(tuple(x) == BLOB_CENTRES[y] for x, y in zip(xs, ys))
    xs, ys = spiral(30, noise=0.0)
    for x, y in zip(xs, ys):
        r = math.hypot(*x)
        angle = math.atan2(x[1], x[0]) - 4 * r - 2 * math.pi * y / 3
        assert math.cos(angle) == pytest.approx(1.0)  # on arm y's curve


@pytest.mark.parametrize("name", sorted(SETS))
@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"n": 0}, ValueError, "n must be an int >="),
        ({"n": 2.5}, ValueError, "n must be an int >="),
        ({"n": True}, ValueError, "n must be an int >="),
        ({"noise": -0.1}, ValueError, "noise must be a finite number >= 0"),
        ({"noise": float("nan")}, ValueError, "noise must be a finite number >= 0"),
        ({"noise": "0.1"}, TypeError, "noise must be a number"),
        ({"seed": 1.5}, TypeError, "seed must be an int or None"),
    ],
)
def test_each_set_refuses_a_bad_argument_naming_it(name, kwargs, error, words):  # type: ignore[no-untyped-def]
    from micrograd_covid import data

    with pytest.raises(error, match=f"^{name}: {words}"):
        getattr(data, name)(**kwargs)


def test_plane_rows_lie_near_the_walkthroughs_plane_and_a_seed_repeats_them():
    from micrograd_covid.data import plane

    rows = plane(20, noise=0.1, seed=5)
    assert len(rows) == 20 and rows == plane(20, noise=0.1, seed=5) != plane(20, seed=6)
    assert all(max(abs(x1), abs(x2)) <= 2.0 for x1, x2, _ in rows)
    assert all(abs(y - (x1 - 2 * x2)) < 0.6 for x1, x2, y in rows)
    assert plane(3, noise=0.0) == [(x1, x2, round(x1 - 2 * x2, 2)) for x1, x2, _ in plane(3)]
    with pytest.raises(ValueError, match="^plane: noise must be a finite number >= 0"):
        plane(noise=-1.0)
