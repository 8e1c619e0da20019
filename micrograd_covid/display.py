"""How results show in Jupyter: a line of text for the REPL, something to read in a notebook.

IPython asks an object for its `_repr_html_` or `_repr_mimebundle_`; these are them. A
drawing is its SVG, inline and scaled to the cell's width (its tooltips still work); a page
is itself, live, in a sandboxed frame; a training history is its loss curve and a table; a
gradient check is a table of each input's two gradients. The text form is always one line.
User text (labels, names) enters the HTML escaped, never as markup.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import graphviz

from .formatting import fmt as _num

if TYPE_CHECKING:
    from .finite_differences import GradcheckReport
    from .train import History

__all__ = ["Drawing", "PageFiles", "gradcheck_html", "history_html", "page_frame", "scaled_svg"]

# The page's own layout wants about this much height to show the drawing and the maths.
_FRAME_HEIGHT = 760
# A history chart plots at most this many buckets of steps (each as its lowest and highest
# loss), so a million-step run draws as fast as a short one and keeps its spikes.
_CHART_BUCKETS = 400


def scaled_svg(svg: str) -> str:
    """`svg` (dot's output) without its XML prologue, scaled down to fit its container's
    width and never up (``max-width:100%``, height following)."""
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    return svg.replace("<svg", '<svg style="max-width:100%;height:auto"', 1)


class Drawing(graphviz.Source):  # type: ignore[misc]  # graphviz ships no type hints
    """What `draw` returns: a `graphviz.Source` (`.source` is the DOT, `.pipe`, `.render`)
    that shows in Jupyter as inline SVG scaled to the cell, and as one line of text."""

    def __init__(self, source: str, *, summary: str = "", **kwargs: Any) -> None:
        """The DOT `source`; `summary` is the one-line text form."""
        super().__init__(source, **kwargs)
        self.summary = summary

    def _copy_kwargs(self, **kwargs: Any) -> Any:
        return super()._copy_kwargs(summary=self.summary, **kwargs)

    def __repr__(self) -> str:
        return self.summary or "Drawing()"

    def pipe(
        self, format: str | None = None, *args: Any, encoding: str | None = None, **kwargs: Any
    ) -> Any:
        """The drawing in `format` as `render` writes it (every edge label by its own
        edge); with any other option, Graphviz's own `pipe`."""
        from .draw import pipe

        if args or kwargs:
            return super().pipe(format, *args, encoding=encoding, **kwargs)
        data = pipe(self, format or self.format)
        return data.decode(encoding) if encoding else data

    # what graphviz's own display hooks ask for, drawn the same way
    def _repr_image_svg_xml(self) -> str:
        return str(self.pipe("svg", encoding="utf-8"))

    def _repr_image_png(self) -> bytes:
        return bytes(self.pipe("png"))

    def _repr_image_jpeg(self) -> bytes:
        return bytes(self.pipe("jpeg"))

    def _repr_mimebundle_(
        self,
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        **_: Any,
    ) -> dict[str, str]:
        from .draw import pipe

        # Inline SVG in HTML rather than an image: a notebook shows it at the cell's width
        # and the tooltips (each edge's value and gradient) still work. The same SVG as
        # image/svg+xml only when asked for: it would double the notebook's size.
        wanted = {"text/html", "text/plain"} if include is None else set(include)
        wanted -= set(exclude or ())
        bundle = {"text/plain": repr(self)}
        if wanted & {"text/html", "image/svg+xml"}:
            svg = scaled_svg(pipe(self, "svg").decode("utf-8"))
            bundle["text/html"] = f'<div class="micrograd-drawing">{svg}</div>'
            bundle["image/svg+xml"] = svg
        return {mime: data for mime, data in bundle.items() if mime in wanted}


def page_frame(page: str) -> str:
    """A self-contained page as an iframe for a notebook's output: its scripts run, sandboxed
    (no access to the notebook, no same-origin), and its Content-Security-Policy holds."""
    # Inside a single-quoted attribute only & and ' are markup. The page has about fifty
    # times more double quotes than single ones: quoting with ' keeps the frame 1% larger
    # than the page, where html.escape's &quot; made it 16% larger.
    srcdoc = page.replace("&", "&amp;").replace("'", "&#39;")
    return (
        f"<iframe srcdoc='{srcdoc}' sandbox=\"allow-scripts\" "
        f'style="box-sizing:border-box;width:100%;height:{_FRAME_HEIGHT}px;border:1px solid #ccc">'
        "</iframe>"
    )


def megabytes(n_bytes: int) -> str:
    """A size as a person reads it: ``0.54 MB``."""
    return f"{n_bytes / 1e6:.2f} MB"


class PageFiles(list[Path]):
    """The files a page was written to (a list of paths), shown in Jupyter as the page."""

    def __init__(self, paths: Sequence[Path], page: str, caption: str) -> None:
        """`paths` written; `page` the HTML of the page; `caption` says what it shows."""
        super().__init__(paths)
        self.page = page
        self.caption = caption

    def _repr_html_(self) -> str:
        where = ", ".join(html.escape(str(p)) for p in self)
        size = megabytes(len(self.page.encode("utf-8")))
        return (
            f"<p>{html.escape(self.caption)}: wrote <code>{where}</code> ({size})</p>"
            + page_frame(self.page)
        )


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], caption: str = "") -> str:
    """An HTML table; every cell is text, escaped here."""
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f'<table class="micrograd-table">{cap}<thead><tr>{th}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def gradcheck_html(report: GradcheckReport) -> str:
    """A gradcheck report as a table: each input's backward gradient beside its central
    difference, and whether they agree."""
    rows = [
        (
            e.label or f"input {e.index}",
            repr(e.analytic),
            repr(e.numeric),
            f"{abs(e.analytic - e.numeric):.3g}",
            "✓ agrees" if e.ok else "✗ differs",
        )
        for e in report.entries
    ]
    head = ("input", "backward", "central difference", "|difference|", "")
    return _table(head, rows, str(report).splitlines()[0])


def _chart(history: History, width: int = 520, height: int = 180) -> str:
    """The loss of every step (a line) and each epoch's mean (dots) against epochs, as SVG;
    on a log scale when the loss spans more than three decades and never reaches 0."""
    losses = history.step_loss
    steps, epochs = len(losses), max(history.epochs, 1)
    low, high = min(losses), max(losses)
    log = low > 0 and high / low > 1e3

    def y_of(v: float) -> float:
        a, b, x = (math.log10(low), math.log10(high), math.log10(v)) if log else (low, high, v)
        frac = 0.5 if b == a else (x - a) / (b - a)
        return 10 + (height - 40) * (1 - frac)

    def x_of(step: float) -> float:  # step counted from 0 to `steps`
        return 60 + (width - 75) * step / max(steps, 1)

    size = max(1, math.ceil(steps / _CHART_BUCKETS))
    points = []
    for start in range(0, steps, size):
        chunk = losses[start : start + size]
        lo, hi = chunk.index(min(chunk)), chunk.index(max(chunk))
        for k in sorted({lo, hi}):
            points.append(f"{x_of(start + k + 1):.1f},{y_of(chunk[k]):.1f}")
    per_epoch = steps / epochs
    dots = "".join(
        f'<circle cx="{x_of((e + 1) * per_epoch):.1f}" cy="{y_of(v):.1f}" r="2" fill="#d62728"/>'
        for e, v in enumerate(history.epoch_loss)
    )
    bottom = height - 30
    labels = (
        f'<text x="55" y="{y_of(high) + 4:.1f}" text-anchor="end">{_num(high)}</text>'
        f'<text x="55" y="{y_of(low) + 4:.1f}" text-anchor="end">{_num(low)}</text>'
        f'<text x="60" y="{bottom + 16}" text-anchor="start">0</text>'
        f'<text x="{width - 15}" y="{bottom + 16}" text-anchor="end">{epochs}</text>'
        f'<text x="{(width + 45) / 2:.0f}" y="{bottom + 16}" text-anchor="middle">'
        f"epoch{' (loss on a log scale)' if log else ''}</text>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'style="max-width:100%;width:{width}px;height:auto" font-family="sans-serif" '
        f'font-size="11" role="img" aria-label="loss per step">'
        f'<path d="M60,10 V{bottom} H{width - 15}" fill="none" stroke="#888"/>'
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#1f77b4" stroke-width="1"/>'
        f"{dots}{labels}</svg>"
    )


def history_html(history: History) -> str:
    """A training history as its loss curve and a table of what it measured."""
    if not history.step_loss:
        return "<p>History: no steps ran</p>"
    losses = history.epoch_loss or history.step_loss
    rows = [
        ("epochs", str(history.epochs)),
        ("steps", str(history.steps)),
        ("loss, first epoch", _num(losses[0])),
        ("loss, last epoch", _num(losses[-1])),
        ("lowest step loss", _num(min(history.step_loss))),
    ]
    for name, values in history.metrics.items():
        rows.append((f"{name} (last)", _num(values[-1])))
    legend = "<p>loss of every step (line) and each epoch's mean (dots)</p>"
    return (
        '<div class="micrograd-history" style="display:flex;gap:1.5em;align-items:center;'
        'flex-wrap:wrap">'
        f"<div>{_chart(history)}{legend}</div>{_table(('measured', 'value'), rows)}</div>"
    )
