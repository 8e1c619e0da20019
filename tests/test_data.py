from __future__ import annotations

import pytest

from micrograd_covid import Scaler, load_daily_counts, sir_curve, windows


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
