"""The notebooks that ship, and how results show in them.

What a notebook user sees: every shipped notebook executed by a real kernel (nbclient and
ipykernel), the display forms IPython picks for our objects, and the walkthrough opened in a
real JupyterLab in headless Chromium, run from its menu command and read back from the DOM.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from micrograd_covid import (
    MLP,
    Value,
    daily_infections,
    draw,
    explore,
    fit,
    gradcheck,
    render_steps,
    squared_error,
)
from micrograd_covid.explore import explore_tutorial
from micrograd_covid.train import History
from micrograd_covid.tutorials import regression_graph

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MINUS = "\u2212"


def _strip_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "strip_outputs", ROOT / "notebooks" / "strip_outputs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shown(obj: object) -> dict[str, Any]:
    """What IPython's display machinery puts into a notebook for `obj` (mime type → data)."""
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(obj)
    return dict(data)


# --- the shipped notebooks, as files ------------------------------------------------------------


def test_six_notebooks_ship_each_saying_first_what_it_teaches():
    assert {p.stem for p in NOTEBOOKS} == {
        "walkthrough",
        "forecast_1_one_weight",
        "forecast_2_two_features",
        "forecast_3_deep_network",
        "lecture_micrograd",
        "moons_classifier",
    }
    for path in NOTEBOOKS:
        first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
        assert first["cell_type"] == "markdown", path.name
        assert "**What this teaches:**" in "".join(first["source"]), path.name


def test_every_shipped_notebook_is_stripped_of_outputs_and_execution_counts():
    strip = _strip_module()
    for path in NOTEBOOKS:
        assert strip.problems(json.loads(path.read_text(encoding="utf-8"))) == [], path.name
    result = subprocess.run(
        [sys.executable, str(ROOT / "notebooks" / "strip_outputs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout


def test_the_strip_check_names_a_notebook_with_outputs_and_stripping_clears_it(
    tmp_path, monkeypatch, capsys
):  # type: ignore[no-untyped-def]
    strip = _strip_module()
    monkeypatch.setattr(strip, "HERE", tmp_path)
    run = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    code = next(c for c in run["cells"] if c["cell_type"] == "code")
    code["execution_count"] = 3
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
    (tmp_path / "ran.ipynb").write_text(json.dumps(run), encoding="utf-8")
    assert strip.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "ran.ipynb" in out and "1 output(s)" in out and "execution count 3" in out
    assert strip.main([]) == 0
    assert strip.main(["--check"]) == 0
    assert strip.main(["--bad"]) == 2


# --- what each object shows -------------------------------------------------------------------


def test_an_exploration_is_one_line_of_text_and_the_page_in_a_sandboxed_frame():
    page = explore_tutorial("regression")
    line = repr(page)
    assert re.fullmatch(r"Exploration\(regression, 109 steps, index\.html 0\.\d\d MB\)", line)
    assert str(page) == line
    shown = _shown(page)
    assert shown["text/plain"] == line
    frame = shown["text/html"]
    assert frame.startswith("<iframe srcdoc='") and 'sandbox="allow-scripts"' in frame
    assert "allow-same-origin" not in frame
    # The page goes in whole, quoted for a single-quoted attribute; it comes back unchanged.
    srcdoc = frame[len("<iframe srcdoc='") : frame.index("' sandbox=")]
    assert "'" not in srcdoc and html.unescape(srcdoc) == page.html
    assert "Content-Security-Policy" in srcdoc
    assert len(frame) < 1.02 * len(page.html)


def test_an_exploration_is_named_by_its_build_function_and_says_where_it_stopped():
    w = Value(0.5, "w", role="param")

    def my_model(batch: list[list[Value]]) -> Value:
        x, y = batch[0]
        return squared_error(w * x, y)

    assert repr(explore(my_model, [w], [(1.0, 2.0)], lr=0.1)).startswith("Exploration(my_model, ")
    v = Value(0.5, "v", role="param")
    lam = explore(lambda b: squared_error(v * b[0][0], b[0][1]), [v], [(1.0, 2.0)])
    assert repr(lam).startswith("Exploration(explore, ")
    u = Value(1.0, "u", role="param")
    blown = explore(lambda b: squared_error(u * b[0][0], b[0][1]), [u], [(1e150, 0.0)] * 3, lr=1.0)
    assert blown.stopped and re.fullmatch(
        r"Exploration\(explore, \d+ steps, index\.html 0\.\d\d MB, stopped at epoch 1, batch 2\)",
        repr(blown),
    )


def test_a_drawing_shows_as_inline_svg_scaled_to_the_cell_and_one_line_of_text():
    loss = regression_graph()
    drawing = draw(loss)
    shown = _shown(drawing)
    assert set(shown) == {"text/html", "text/plain"}  # not the same SVG twice
    assert shown["text/plain"] == "Drawing(L, 8 nodes, forward)" == repr(drawing)
    body = shown["text/html"]
    assert body.startswith('<div class="micrograd-drawing"><svg style="max-width:100%;height:auto"')
    assert "<?xml" not in body and "<!DOCTYPE" not in body
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", body)]
    assert "∂L/∂w1 = -16.93" in texts and any("-4.232" in t for t in texts)
    assert drawing.source.startswith("digraph")  # still a graphviz.Source
    assert repr(drawing.copy()) == repr(drawing)
    svg_only = drawing._repr_mimebundle_(include=["image/svg+xml"])
    assert list(svg_only) == ["image/svg+xml"] and svg_only["image/svg+xml"].startswith("<svg")
    back = repr(draw(loss, direction="backward", level="neuron", focus=loss.inputs[0]))
    assert back == "Drawing(L, 8 nodes, backward, level=neuron, focus=ŷ)"


def test_render_steps_is_still_its_list_of_paths_and_shows_the_page(tmp_path):  # type: ignore[no-untyped-def]
    result = render_steps(regression_graph(), tmp_path / "steps")
    assert result == [tmp_path / "steps" / "index.html"]
    shown = _shown(result)
    page = (tmp_path / "steps" / "index.html").read_text(encoding="utf-8")
    assert "wrote <code>" in shown["text/html"] and "<iframe srcdoc='" in shown["text/html"]
    assert html.unescape(shown["text/html"].split("srcdoc='")[1].split("' sandbox")[0]) == page


def _history(
    losses: list[float], epochs: int, metrics: dict[str, list[float]] | None = None
) -> History:
    per = len(losses) // epochs
    epoch_loss = [sum(losses[i * per : (i + 1) * per]) / per for i in range(epochs)]
    h = History(step_loss=list(losses), epoch_loss=epoch_loss)
    for name, values in (metrics or {}).items():
        for v in values:
            h.log(name, v)
    return h


def test_a_history_shows_its_loss_curve_and_a_table_without_matplotlib():
    xs, ys = daily_infections()
    history = fit(MLP(2, [4, 1], seed=0), xs, ys, lr=0.001, epochs=30, batch_size=1)
    shown = _shown(history)
    assert shown["text/plain"] == repr(history)
    body = shown["text/html"]
    points = re.search(r'<polyline points="([^"]*)"', body)
    assert points is not None and len(points.group(1).split()) == history.steps
    assert body.count("<circle") == history.epochs == 30
    assert "<td>epochs</td><td>30</td>" in body and "<td>steps</td><td>120</td>" in body
    assert "log scale" in body  # the step losses span 0.002 to over 100
    assert "log scale" not in _shown(_history([3.0, 2.0, 1.5, 1.0], 2))["text/html"]


def test_a_long_history_is_drawn_in_bounded_size_on_a_log_scale_and_escapes_metric_names():
    losses = [10.0 ** (3 - 7 * i / 99_999) for i in range(100_000)]
    body = _shown(_history(losses, 100, {"<b>acc</b>": [0.5, 0.9]}))["text/html"]
    points = re.search(r'<polyline points="([^"]*)"', body)
    assert points is not None and len(points.group(1).split()) <= 800
    assert "log scale" in body and len(body) < 40_000
    assert "&lt;b&gt;acc&lt;/b&gt; (last)" in body and "<b>acc" not in body


def test_a_gradcheck_report_is_a_table_of_each_inputs_two_gradients():
    a, b = Value(2.0, "a"), Value(3.0, "<img src=x>")
    good = _shown(gradcheck(lambda a, b: (a * b).tanh() + a, [a, b]))["text/html"]
    assert "<caption>gradcheck ok: 2 inputs agree</caption>" in good
    assert good.count("<tr>") == 3 and good.count("✓ agrees") == 2
    assert "&lt;img src=x&gt;" in good and "<img" not in good

    def wrong(x: Value) -> Value:  # an op whose stated derivative is wrong
        out = x * 2.0
        out.local_grads = (3.0, 0.0)
        return out

    bad = _shown(gradcheck(wrong, [Value(1.0, "x")]))["text/html"]
    assert "gradcheck failed for 1 of 1 inputs" in bad and "✗ differs" in bad


# --- the notebooks, run by a real kernel ------------------------------------------------------


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The kernel's IPython and Jupyter state in a temporary folder, not the user's home."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return tmp_path


def _execute(path: Path, folder: Path) -> Any:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        startup_timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return notebook


def _outputs(notebook: Any) -> list[dict[str, Any]]:
    return [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_shipped_notebook_runs_in_a_real_kernel_without_an_error(path, kernel_env):  # type: ignore[no-untyped-def]
    notebook = _execute(path, kernel_env)  # raises CellExecutionError on any failing cell
    outputs = _outputs(notebook)
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"], "warnings on stderr"
    for o in outputs:  # every text form is short: no page or SVG dumped as text
        plain = o.get("data", {}).get("text/plain", "")
        assert len(plain) < 400, plain[:200]
    if path.stem == "walkthrough":
        printed = "".join(o.get("text", "") for o in outputs)
        assert "∂L/∂w1 = ∂L/∂ŷ · ∂ŷ/∂w1 = (-4.232)(4) = -16.928" in printed
        assert "w1 = 0.8294, w2 = 0.1636, b = 0.2116" in printed
        pages = [o for o in outputs if "<iframe srcdoc=" in o.get("data", {}).get("text/html", "")]
        assert len(pages) == 2  # render_steps and explore
    if path.stem == "moons_classifier":
        assert any("image/png" in o.get("data", {}) for o in outputs)  # the decision boundary


def test_a_notebook_with_three_pages_stays_under_three_megabytes(kernel_env):  # type: ignore[no-untyped-def]
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("from micrograd_covid.explore import explore_tutorial"),
        *(
            nbformat.v4.new_code_cell(f"explore_tutorial({name!r})")
            for name in ("regression", "deep", "generalized")
        ),
    ]
    path = kernel_env / "three.ipynb"
    nbformat.write(notebook, path)
    ran = _execute(path, kernel_env)
    assert sum("text/html" in o.get("data", {}) for o in _outputs(ran)) == 3
    size = len(nbformat.writes(ran).encode("utf-8"))
    assert size < 3_000_000, size  # measured 2.1 MB: three pages of 0.6 to 0.7 MB


# --- the walkthrough in a real JupyterLab -----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.5)


@pytest.fixture
def jupyterlab(tmp_path, kernel_env):  # type: ignore[no-untyped-def]
    """JupyterLab on localhost: a free port, a token, a temporary root with the walkthrough,
    its settings and state in temporary folders; always shut down with its kernels."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / "walkthrough.ipynb", root)
    settings = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # Every cell stays in the DOM (JupyterLab may otherwise leave cells out of view unrendered).
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    apputils = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    apputils.mkdir(parents=True)
    (apputils / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port, token = _free_port(), "micrograd-covid-test-token"
    log = (tmp_path / "server.log").open("wb")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--expose-app-in-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.news_url=",
            "--LabApp.extension_manager=readonly",
            "--ServerApp.terminals_enabled=False",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if server.poll() is not None:
            log = (tmp_path / "server.log").read_text(errors="replace")[-2000:]
            raise AssertionError(f"JupyterLab exited: {log}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    try:
        _wait_for(up, 90, "JupyterLab to answer")
        yield url, token
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=20)
        except ProcessLookupError:
            server.wait(timeout=20)
        log.close()


@pytest.fixture
def chromium():  # type: ignore[no-untyped-def]
    from tests.test_explore import _chrome

    driver = _chrome()
    driver.set_window_size(1280, 900)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


_KERNEL = """
const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
return k ? k.status : null;
"""
_DONE = """
const w = window.jupyterapp.shell.currentWidget;
const cells = w.content.widgets.filter(c => c.model.type === 'code');
return cells.length > 0 && cells.every(c => c.model.executionCount !== null);
"""


def run_in_lab(driver: Any, url: str, token: str, name: str = "walkthrough.ipynb") -> None:
    """Open notebook `name` in JupyterLab, run all its cells, and wait until they are done."""
    driver.get(f"{url}/lab/tree/{name}?token={token}")
    _wait_for(lambda: driver.execute_script(_KERNEL) == "idle", 120, "the kernel to start")
    driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    _wait_for(lambda: driver.execute_script(_DONE), 180, "every cell to run")
    _wait_for(lambda: driver.execute_script(_KERNEL) == "idle", 60, "the kernel to finish")


def test_the_walkthrough_runs_in_jupyterlab_showing_the_graph_and_a_live_page(jupyterlab, chromium):  # type: ignore[no-untyped-def]
    url, token = jupyterlab
    run_in_lab(chromium, url, token)
    errors = chromium.execute_script(
        "return [...document.querySelectorAll('.jp-OutputArea-output')]"
        ".filter(o => /stderr|error/.test(o.dataset.mimeType || '')).map(o => o.textContent)"
    )
    assert errors == []
    drawings = chromium.execute_script(
        """
        return [...document.querySelectorAll('.jp-OutputArea-output .micrograd-drawing svg')]
          .map(svg => ({texts: [...svg.querySelectorAll('text')].map(t => t.textContent),
                        width: svg.getBoundingClientRect().width,
                        room: svg.closest('.jp-OutputArea-output').getBoundingClientRect().width}));
        """
    )
    assert len(drawings) == 4  # before and after backward, the backward view, after the update
    before, after, _, updated = (d["texts"] for d in drawings)
    assert "∂L/∂w1 = 0" in before and "∂L/∂w1 = -16.93" in after
    assert any("-4.232" in t for t in after) and any("0 → 0.2116" in t for t in updated)
    for d in drawings:  # the 977-point-wide walkthrough fits the cell
        assert 0 < d["width"] <= d["room"] + 1
    frames = chromium.find_elements("css selector", ".jp-OutputArea-output iframe")
    assert len(frames) == 2
    overflow = chromium.execute_script(
        "return [...document.querySelectorAll('.jp-OutputArea-output')]"
        ".map(o => o.scrollWidth - o.clientWidth)"
    )
    assert max(overflow) <= 0  # nothing wider than its cell: no sideways scrolling
    chromium.switch_to.frame(frames[-1])
    try:
        _wait_for(lambda: chromium.execute_script("return !!window.explorer"), 30, "the page")
        steps = chromium.execute_script("return window.explorer.steps.length")
        assert steps == 37  # Exploration(walkthrough, 37 steps, ...)
        assert chromium.execute_script("return window.explorer.go(3)") == 3
        text = " ".join(chromium.find_element("id", "explanation").text.replace(MINUS, "-").split())
        assert "-0.116" in text, text
        assert chromium.execute_script("return document.querySelectorAll('.katex').length") > 0
        policy = chromium.execute_script(
            "return document.querySelector('meta[http-equiv=Content-Security-Policy]').content"
        )
        assert policy.startswith("default-src 'none'")
        reach = "try { return !!window.parent.document; } catch (e) { return 'blocked'; }"
        assert chromium.execute_script(reach) == "blocked"  # the page cannot touch the notebook
    finally:
        chromium.switch_to.default_content()
    assert not [e for e in chromium.get_log("browser") if "Content Security Policy" in e["message"]]
