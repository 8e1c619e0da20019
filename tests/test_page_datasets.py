"""The 3-class page (cross-entropy) and the pages' built-in data sets, in headless Chromium:
re-training compared with Python `fit`, the data select, the URL fragment, hostile names."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from micrograd_covid import MLP
from micrograd_covid.data import blobs, circles, moons, plane, regression_rows, spiral, xor

from .test_page_engine import (
    _fit,
    _fit_moons,
    _fit_walkthrough,
    _load,
    _same_run,
    close,
)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from .test_explore import _chrome

    driver = _chrome()
    yield driver
    driver.quit()


def _mlp_names(model: MLP) -> tuple[str, ...]:
    return tuple(
        f"L{i}.n{j}.{'b' if k is None else f'w{k}'}"
        for i, layer in enumerate(model.layers)
        for j, n in enumerate(layer.neurons)
        for k in [*range(len(n.w)), None]
    )


def _fit_blobs(
    settings: dict[str, Any], rows: list[list[float]]
) -> tuple[list[float], dict[str, float]]:
    """fit on the blobs page's 2-8-3 tanh network, `rows`, cross-entropy, batches of one."""
    model = MLP(2, [8, 3], "tanh", "linear", init=settings["init"], seed=settings["seed"])
    xs, ys = [r[:2] for r in rows], [int(r[2]) for r in rows]
    return _fit(model, xs, ys, "cross_entropy", 1, settings, _mlp_names(model))


def _rows(xs: list[list[float]], ys: list[int]) -> list[list[float]]:
    return [[*x, float(y)] for x, y in zip(xs, ys)]


@pytest.fixture(scope="module")
def pages(tmp_path_factory):  # type: ignore[no-untyped-def]
    from micrograd_covid.cli import main

    out = tmp_path_factory.mktemp("sets")
    for name in ("blobs", "moons", "regression"):
        assert main(["explore", name, "--out", str(out / name)]) == 0
    return {name: out / name / "index.html" for name in ("blobs", "moons", "regression")}


#: Each page's built-in sets, as Python makes them
SETS = {
    "blobs": {
        "blobs": _rows(*blobs(24, noise=0.35, seed=0)),
        "spiral": _rows(*spiral(24, noise=0.05, seed=0)),
    },
    "moons": {
        "moons": _rows(*moons(20, noise=0.1, seed=0)),
        "circles": _rows(*circles(20, noise=0.05, seed=0)),
        "xor": _rows(*xor(20, noise=0.0, seed=0)),
    },
    "regression": {
        "walkthrough": [[float(x) for x in r] for r in regression_rows()],
        "plane": [list(r) for r in plane()],
    },
}
FIT = {"blobs": _fit_blobs, "moons": _fit_moons, "regression": _fit_walkthrough}


def _python(page: str, settings: dict[str, Any], rows: list[list[float]]) -> Any:
    if page == "regression":
        return _fit_walkthrough({**settings, "epochs": settings["epochs"]}, rows)
    return FIT[page](settings, rows)


def _state(browser) -> tuple[Any, Any, Any, int]:  # type: ignore[no-untyped-def]
    return browser.execute_script(
        "const e = window.explorer;"
        "return [e.settings, e.rows, location.hash.replace(/^#step=\\d+/, ''), e.steps.length]"
    )


# --- the 3-class page ------------------------------------------------------------------------


def test_explore_blobs_writes_a_live_three_class_page_that_retrains_as_fit(browser, pages):  # type: ignore[no-untyped-def]
    assert pages["blobs"].stat().st_size < 2_000_000
    _load(browser, pages["blobs"])
    settings = browser.execute_script("return window.explorer.settings")
    assert (settings["loss"], settings["optimizer"], settings["batch_size"]) == (
        "cross_entropy",
        "adam",
        1,
    )
    assert settings["data"] == "blobs"
    rows = browser.execute_script("return window.explorer.rows")
    assert rows == SETS["blobs"]["blobs"] and {r[2] for r in rows} == {0.0, 1.0, 2.0}
    _same_run(
        browser.execute_script("return window.explorer.retrain({})"), _fit_blobs(settings, rows)
    )


BLOBS_SETTINGS = [
    {"lr": 0.2, "optimizer": "sgd", "epochs": 3},
    {"lr": 0.05, "optimizer": "momentum", "momentum": 0.8, "epochs": 2},
    {"lr": 0.01, "optimizer": "adam", "betas": [0.8, 0.99], "epochs": 4},
    {"lr": 0.05, "optimizer": "adam", "seed": 3, "init": "he"},
    {"lr": 0.1, "optimizer": "sgd", "seed": 5, "init": "uniform01", "epochs": 1},
]


@pytest.mark.parametrize("changes", BLOBS_SETTINGS, ids=[str(c) for c in BLOBS_SETTINGS])
def test_the_three_class_page_retrains_to_fits_numbers_at_each_setting(browser, pages, changes):  # type: ignore[no-untyped-def]
    _load(browser, pages["blobs"])
    page = browser.execute_script("return window.explorer.retrain(arguments[0])", changes)
    settings, rows, _, _ = _state(browser)
    assert all(settings[k] == v for k, v in changes.items())
    _same_run(page, _fit_blobs(settings, rows))


def test_each_batch_of_the_three_class_page_is_drawn_reading_its_rows_class(browser, pages):  # type: ignore[no-untyped-def]
    _load(browser, pages["blobs"])
    browser.execute_script("window.explorer.retrain({epochs: 1})")
    own = browser.execute_script("return window.explorer.rows")
    rows = [*reversed(SETS["blobs"]["spiral"])]
    assert [r[2] for r in rows] != [r[2] for r in own]  # other classes at the same batches
    browser.execute_script("window.explorer.setRows(arguments[0])", rows)
    texts = browser.execute_script(
        "return window.explorer.steps.filter(s => s.phase === 'forward' && s.node === 't6')"
        ".map(s => [s.batch, s.text])"
    )
    assert len(texts) == len(rows) == 24
    for batch, text in texts:  # t6 = l_c − m: the logit of the row's class
        assert f"t6 = L1.n{int(rows[batch - 1][2])} − m" in text, (batch, text)


def _pixel(browser, x1: float, x2: float) -> list[int]:  # type: ignore[no-untyped-def]
    return browser.execute_script(  # type: ignore[no-any-return]
        "const p = window.explorer.plotPoint(arguments[0], arguments[1]);"
        "const c = document.getElementById('plot');"
        "const k = c.width / c.getBoundingClientRect().width;"
        "return Array.from(c.getContext('2d').getImageData("
        "Math.round(p[0] * k), Math.round(p[1] * k), 1, 1).data);",
        x1,
        x2,
    )


#: The page's class colours (explore.js MANY_COLOURS): orange, blue, purple
COLOURS = [(217, 115, 26), (42, 122, 176), (176, 80, 154)]


def _hue(rgba: list[int]) -> int:
    """The class whose colour a pixel is, pale or full (a colour over white lies on the line
    from white to it: 255 − pixel points the way 255 − colour does)."""
    assert rgba[3] == 255, "the plot is opaque where it is drawn"
    away = [255 - v for v in rgba[:3]]

    def cosine(c: tuple[int, int, int]) -> float:
        d = [255 - v for v in c]
        dot = sum(a * b for a, b in zip(away, d))
        return dot / (math.hypot(*away) * math.hypot(*d) or 1.0)

    return max(range(3), key=lambda k: cosine(COLOURS[k]))


def test_the_three_class_plot_colours_points_by_class_and_the_plane_by_the_argmax(browser, pages):  # type: ignore[no-untyped-def]
    _load(browser, pages["blobs"])
    browser.execute_script("window.explorer.retrain({epochs: 6})")
    last = browser.execute_script("return window.explorer.steps.length") - 1
    browser.execute_script(f"window.explorer.go({last})")
    rows = browser.execute_script("return window.explorer.rows")
    # a point's centre is its class's colour
    for x1, x2, c in rows:
        rgba = _pixel(browser, x1, x2)
        assert rgba[3] == 255 and _hue(rgba) == int(c)
    # the plane: the predicted class where the model is sure, from the page's own forward
    grid = [[-1.4 + 0.35 * i, -1.2 + 0.35 * j] for i in range(9) for j in range(8)]
    logits = browser.execute_script("return window.explorer.predict(arguments[0])", grid)
    settings = browser.execute_script("return window.explorer.settings")
    model = MLP(2, [8, 3], "tanh", "linear", init=settings["init"], seed=settings["seed"])
    _fit_blobs(settings, rows)  # trains a model of its own; predict it here too
    from micrograd_covid import Adam, fit

    fit(
        model,
        [r[:2] for r in rows],
        [int(r[2]) for r in rows],
        loss="cross_entropy",
        optimizer=Adam(model.parameters(), settings["lr"]),
        epochs=settings["epochs"],
        batch_size=1,
    )
    checked = 0
    for x, z in zip(grid, logits):
        want = [v.data for v in model(x)]
        assert all(close(a, b) for a, b in zip(z, want)), (z, want)
        far = min(((x[0] - r[0]) ** 2 + (x[1] - r[1]) ** 2 for r in rows), default=1.0) > 0.15**2
        top = sorted(z)
        if far and top[2] - top[1] > 0.5:  # away from the points and from a boundary
            assert _hue(_pixel(browser, *x)) == z.index(top[2]), (x, z)
            checked += 1
    assert checked >= 10


def test_clicking_the_three_class_plot_adds_a_point_of_the_chosen_class(browser, pages):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from .test_page_engine import _click_plot

    _load(browser, pages["blobs"])
    options = [
        o.get_attribute("value")
        for o in browser.find_elements(By.CSS_SELECTOR, "#plot-label option")
    ]
    assert options == ["0", "1", "2"]
    Select(browser.find_element(By.ID, "plot-label")).select_by_value("2")
    _click_plot(browser, 0.0, -1.2)
    settings, rows, fragment, _ = _state(browser)
    assert len(rows) == 25 and rows[-1][2] == 2.0
    assert abs(rows[-1][0]) < 0.05 and abs(rows[-1][1] + 1.2) < 0.05
    assert settings["data"] is None and "data=" not in fragment  # the learner's own rows
    _same_run(
        browser.execute_script("return window.explorer.retrain({})"), _fit_blobs(settings, rows)
    )
    assert Select(browser.find_element(By.ID, "set-data")).first_selected_option.text == "your rows"


# --- the data sets ---------------------------------------------------------------------------

CHOICES = [(page, name) for page in SETS for name in SETS[page]]


@pytest.mark.parametrize(("page", "name"), CHOICES, ids=[f"{p}:{n}" for p, n in CHOICES])
def test_choosing_a_data_set_in_the_select_retrains_on_its_rows_as_fit(browser, pages, page, name):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _load(browser, pages[page])
    select = Select(browser.find_element(By.ID, "set-data"))
    assert [o.text for o in select.options if o.is_enabled()] == list(SETS[page])
    others = [n for n in SETS[page] if n != name]
    select.select_by_value(others[0])  # from another set, so that choosing `name` changes it
    select.select_by_value(name)
    settings, rows, fragment, _ = _state(browser)
    assert settings["data"] == name
    assert rows == SETS[page][name]
    own = (page == "regression" and name == "walkthrough") or name == page
    assert ("data=" in fragment) == (not own)
    note = browser.find_element(By.ID, "settings-note").text
    assert note.startswith(f"Data: {name}, {len(rows)} rows. Re-trained"), note
    page_run = browser.execute_script("return window.explorer.retrain({})")
    if page == "regression" and name == "walkthrough":
        _same_run(page_run, _python(page, {**settings}, rows))
    else:
        _same_run(page_run, _python(page, settings, rows))


def test_retrain_with_data_takes_the_sets_rows_and_reset_brings_back_the_pages_own(browser, pages):  # type: ignore[no-untyped-def]
    _load(browser, pages["moons"])
    page = browser.execute_script(
        "return window.explorer.retrain({data: 'circles', lr: 0.02, epochs: 3})"
    )
    settings, rows, _, _ = _state(browser)
    assert rows == SETS["moons"]["circles"] and settings["epochs"] == 3
    _same_run(page, _fit_moons(settings, rows))
    browser.execute_script("window.explorer.reset()")
    settings, rows, fragment, _ = _state(browser)
    assert settings["data"] == "moons" and rows == SETS["moons"]["moons"] and fragment == ""


def test_the_url_fragment_carries_the_data_set_and_reproduces_the_run(browser, pages):  # type: ignore[no-untyped-def]
    _load(browser, pages["blobs"])
    first = browser.execute_script("return window.explorer.retrain({data: 'spiral', lr: 0.1})")
    _, rows, fragment, count = _state(browser)
    assert re.fullmatch(r"&lr=0\.1&data=spiral", fragment), fragment
    _load(browser, pages["blobs"], "#step=5" + fragment)
    settings, again, fragment_again, count_again = _state(browser)
    assert (settings["data"], settings["lr"], again, count_again) == ("spiral", 0.1, rows, count)
    assert fragment_again == fragment
    assert browser.execute_script("return window.explorer.current") == 4
    assert browser.execute_script("return window.explorer.retrain({})") == first


HOSTILE = '<img src=x onerror="window.pwned=1">'


def test_a_hostile_data_set_name_from_python_is_text_in_the_select_and_the_note(browser, tmp_path):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from micrograd_covid import explore, mse

    model = MLP(2, [2, 1], "tanh", "linear", seed=0)
    rows = [[0.0, 1.0, 0.5], [1.0, 0.0, -0.5], [0.5, 0.5, 0.0]]
    other = [[0.25, 1.0, 0.5], [1.0, 0.25, -0.5]]
    name = "</script><img src=x onerror=pwned=1>"

    def build(batch):  # type: ignore[no-untyped-def]
        return mse([model(r[:-1]) for r in batch], [r[-1] for r in batch])

    path = explore(
        build,
        model.parameters(),
        rows,
        model=model,
        loss="mse",
        datasets={"own": rows, name: other},
    ).write(tmp_path)
    _load(browser, path)
    select = Select(browser.find_element(By.ID, "set-data"))
    assert [o.text for o in select.options if o.is_enabled()] == ["own", name]
    select.select_by_visible_text(name)
    assert browser.execute_script("return window.explorer.rows") == other
    assert browser.find_element(By.ID, "settings-note").text.startswith(f"Data: {name}, 2 rows.")
    assert browser.execute_script("return window.pwned === undefined")
    assert not browser.find_elements(By.CSS_SELECTOR, "#settings img")


def test_an_unknown_or_hostile_data_name_is_an_error_listing_the_sets_and_changes_nothing(
    browser, pages
):  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import JavascriptException
    from selenium.webdriver.common.by import By

    _load(browser, pages["moons"])
    before = _state(browser)
    for name in ("spiral", HOSTILE, 3, ""):
        with pytest.raises(JavascriptException) as info:
            browser.execute_script("return window.explorer.retrain({data: arguments[0]})", name)
        assert "explorer.retrain: data must be one of moons, circles, xor, got " in info.value.msg
        assert _state(browser) == before
    # in a link: the page says so as text, trains nothing new, runs nothing
    _load(browser, pages["moons"], "#step=3&data=" + HOSTILE.replace(" ", "%20"))
    note = browser.find_element(By.ID, "settings-note").text
    assert note.startswith("The link's settings were not used: ") and "onerror" in note
    assert browser.execute_script("return window.pwned === undefined")
    assert not browser.find_elements(By.CSS_SELECTOR, "#settings-note img, #settings img")
    assert _state(browser)[1] == before[1] and _state(browser)[0]["data"] == "moons"


def test_a_page_without_built_in_sets_has_no_data_select_and_refuses_a_name(browser, tmp_path):  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import JavascriptException
    from selenium.webdriver.common.by import By

    from micrograd_covid import explore, mse

    model = MLP(2, [2, 1], "tanh", "linear", seed=0)
    rows = [[0.0, 1.0, 0.5], [1.0, 0.0, -0.5], [0.5, 0.5, 0.0]]

    def build(batch):  # type: ignore[no-untyped-def]
        return mse([model(r[:-1]) for r in batch], [r[-1] for r in batch])

    path = explore(build, model.parameters(), rows, model=model, loss="mse").write(tmp_path)
    _load(browser, path)
    assert not browser.find_elements(By.ID, "set-data")
    assert browser.execute_script("return window.explorer.settings.data") is None
    with pytest.raises(JavascriptException, match="data must be null: this page has no built-in"):
        browser.execute_script("return window.explorer.retrain({data: 'moons'})")


def test_a_set_of_another_row_count_at_batches_of_two_retrains_as_fit_or_says_why_not(
    browser, tmp_path
):  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import JavascriptException

    from micrograd_covid import explore, mse

    model = MLP(2, [2, 1], "tanh", "linear", init="glorot", seed=0)
    rows = [[0.0, 1.0, 0.5], [1.0, 0.0, -0.5], [0.5, 0.5, 0.0], [1.0, 1.0, 0.25]]
    five = [*rows, [0.25, 0.75, 0.1]]

    def build(batch):  # type: ignore[no-untyped-def]
        return mse([model(r[:-1]) for r in batch], [r[-1] for r in batch])

    path = explore(
        build,
        model.parameters(),
        rows,
        batch_size=2,
        model=model,
        loss="mse",
        init="glorot",
        seed=0,
        datasets={"four": rows, "five": five},
    ).write(tmp_path)
    _load(browser, path)
    before = _state(browser)
    assert before[0]["data"] == "four"
    try:
        page = browser.execute_script("return window.explorer.retrain({data: 'five'})")
    except JavascriptException as exc:  # the page cannot yet draw batches of this count
        assert 'explorer.retrain: data "five": give 4 rows' in exc.msg
        assert _state(browser) == before
    else:
        settings, got, _, _ = _state(browser)
        assert got == five and settings["data"] == "five"
        fresh = MLP(2, [2, 1], "tanh", "linear", init="glorot", seed=0)
        _same_run(
            page,
            _fit(
                fresh,
                [r[:2] for r in five],
                [r[2] for r in five],
                "mse",
                2,
                settings,
                _mlp_names(fresh),
            ),
        )


def test_explore_checks_the_data_sets_it_is_given(tmp_path):  # type: ignore[no-untyped-def]
    from micrograd_covid import explore, mse

    model = MLP(2, [2, 1], "tanh", "linear", seed=0)
    rows = [[0.0, 1.0, 0.5], [1.0, 0.0, -0.5]]

    def build(batch):  # type: ignore[no-untyped-def]
        return mse([model(r[:-1]) for r in batch], [r[-1] for r in batch])

    live = {"model": model, "loss": "mse"}
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"datasets": {"a": rows}}, ValueError, "datasets= needs a page that re-trains"),
        ({**live, "datasets": {}}, TypeError, "datasets must be a non-empty dict"),
        ({**live, "datasets": {"": rows}}, ValueError, "a data set's name must be 1 to 40"),
        ({**live, "datasets": {"a": [[0.0, 1.0]]}}, ValueError, "data set 'a' has rows of 2"),
        (
            {**live, "datasets": {"a": [[0.0, 1.0, float("nan")]]}},
            ValueError,
            "data set 'a': row 0",
        ),
    ]
    before = [p.data for p in model.parameters()]
    for kwargs, error, words in cases:
        with pytest.raises(error, match=re.escape(words)):
            explore(build, model.parameters(), rows, **kwargs)
    assert [p.data for p in model.parameters()] == before
    clf = MLP(2, [3, 3], "tanh", "linear", seed=0)

    def classes(batch):  # type: ignore[no-untyped-def]
        from micrograd_covid import cross_entropy

        return cross_entropy([clf(r[:-1]) for r in batch], [int(r[-1].data) for r in batch])

    with pytest.raises(ValueError, match=r"data set 'b', row 1: the label must be 0 or 1 or 2"):
        explore(
            classes,
            clf.parameters(),
            [[0.0, 0.0, 1.0]],
            model=clf,
            loss="cross_entropy",
            datasets={"b": [[0.0, 0.0, 1.0], [1.0, 1.0, 3.0]]},
        )


def test_a_fragment_edited_in_place_switches_the_data_set_and_back(browser, pages):  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait

    _load(browser, pages["blobs"])
    browser.execute_script("location.hash = '#step=3&data=spiral'")
    WebDriverWait(browser, 20).until(
        lambda b: b.execute_script("return window.explorer.settings.data") == "spiral"
    )
    assert _state(browser)[1] == SETS["blobs"]["spiral"]
    assert browser.execute_script("return window.explorer.current") == 2
    browser.execute_script("location.hash = '#step=7'")  # no data: the page's own set
    WebDriverWait(browser, 20).until(
        lambda b: b.execute_script("return window.explorer.settings.data") == "blobs"
    )
    assert _state(browser)[1] == SETS["blobs"]["blobs"]
    assert browser.execute_script("return document.getElementById('set-data').value") == "blobs"


def test_the_blobs_batch_field_is_disabled_and_says_why(browser, pages):  # type: ignore[no-untyped-def]
    # every batch-size change is refused on a cross-entropy page: the field must not invite one
    _load(browser, pages["blobs"])
    disabled, title = browser.execute_script(
        "const f = document.getElementById('set-batch'); return [f.disabled, f.title]"
    )
    assert disabled and "cross-entropy" in title, title
