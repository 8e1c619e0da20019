"""A drawing shows in Jupyter exactly as `render` writes it: one way to a picture, with every
edge label placed by its own edge, whatever asks for it (IPython, graphviz's hooks, `pipe`)."""

from __future__ import annotations

import re
from pathlib import Path

import graphviz
import pytest

from micrograd_covid import draw, render
from micrograd_covid.display import scaled_svg
from micrograd_covid.tutorials import tutorial_graph
from tests.test_notebooks import _execute, _outputs, _shown

# an edge's label: its partial, in the edges' 12-point font
LABEL_AT = re.compile(
    r'<text text-anchor="middle" x="([^"]+)" y="([^"]+)"[^>]*font-size="12.00">(∂[^<]*)</text>'
)


def _label_positions(svg: str) -> dict[str, tuple[str, str]]:
    return {text: (x, y) for x, y, text in LABEL_AT.findall(svg)}


def test_every_form_of_a_drawing_is_the_svg_render_writes(tmp_path):  # type: ignore[no-untyped-def]
    deep = tutorial_graph("deep")
    written = render(deep, tmp_path / "deep.svg").read_text(encoding="utf-8")
    drawing = draw(deep)
    assert (
        _shown(drawing)["text/html"]
        == f'<div class="micrograd-drawing">{scaled_svg(written)}</div>'
    )
    assert drawing._repr_mimebundle_(include=["image/svg+xml"])["image/svg+xml"] == scaled_svg(
        written
    )
    assert drawing._repr_image_svg_xml() == written
    assert drawing.pipe("svg", encoding="utf-8") == written
    assert drawing.pipe("png") == render(deep, tmp_path / "deep.png").read_bytes()
    # and that is not dot's own placement: labels were moved by their edges
    own = graphviz.pipe("dot", "svg", drawing.source.encode("utf-8")).decode("utf-8")
    assert _label_positions(own) != _label_positions(written)


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The kernel's IPython and Jupyter state in a temporary folder, not the user's home."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))
    return tmp_path


def test_a_notebook_run_by_a_real_kernel_shows_the_placed_labels(kernel_env):  # type: ignore[no-untyped-def]
    import nbformat

    picture = kernel_env / "deep.svg"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from micrograd_covid import draw, render\n"
            "from micrograd_covid.tutorials import tutorial_graph\n"
            f"render(tutorial_graph('deep'), {str(picture)!r});"
        ),
        nbformat.v4.new_code_cell("draw(tutorial_graph('deep'))"),
    ]
    path = kernel_env / "draw.ipynb"
    nbformat.write(notebook, path)
    shown = [o["data"]["text/html"] for o in _outputs(_execute(path, kernel_env)) if "data" in o]
    assert len(shown) == 1
    written = Path(picture).read_text(encoding="utf-8")
    assert shown[0] == f'<div class="micrograd-drawing">{scaled_svg(written)}</div>'
    assert len(_label_positions(shown[0])) == 27  # every edge's label, where render put it
