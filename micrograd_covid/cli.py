"""The `micrograd-covid` command: tutorials, graph drawings, backprop step pages, the demo.

Every failure is one line on stderr: exit status 2 for a usage error (a bad or unknown
option), 1 for a failure while running (bad data, divergence, a missing program), 130 when
interrupted with Ctrl-C. Tutorials print their lines as they are made and report progress
on stderr during long runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .explore import EXPLORABLE, MAX_STEPS, StepLimitError
from .files import not_a_folder
from .train import DivergenceError
from .tutorials import TUTORIALS, TutorialResult, drawing_pictures, tutorial_graph

__all__ = ["main"]

PROG = "micrograd-covid"


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line: "PROG: error: what (see PROG --help)"."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _Help(argparse.HelpFormatter):
    """Help that shows every option's default (unless None or False), once."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "(default" in text
            or default is None
            or default is False
            or default == argparse.SUPPRESS
        ):
            return text
        return f"{text} (default: %(default)s)"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive int, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive int, got {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an int, got {text!r}") from None


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return value


def _blocker(text: str, path: Path) -> Path | None:
    """`not_a_folder(path)`, with a path the system refuses to look at as a usage error."""
    try:
        return not_a_folder(path)
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{text}: {exc.strerror}") from None


def _out_dir(text: str) -> Path:
    """A folder to write into: it may not exist yet, but neither it nor a folder above it
    may be a file (checked before any work, so nothing is done for nothing)."""
    if not text:
        raise argparse.ArgumentTypeError("an empty name; give a folder name")
    path = Path(text)
    blocker = _blocker(text, path)
    if blocker == path:
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder; give a folder name")
    if blocker is not None:
        raise argparse.ArgumentTypeError(f"{text}: {blocker} is a file, not a folder")
    return path


def _out_file(text: str) -> Path:
    """A file to write (a file there is replaced); no file may stand where a folder above it
    is needed."""
    if not text:
        raise argparse.ArgumentTypeError("an empty name; give a file name")
    path = Path(text)
    if _blocker(text, path) is None and path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name")
    blocker = _blocker(text, path.parent)
    if blocker is not None:
        raise argparse.ArgumentTypeError(f"{text}: {blocker} is a file, not a folder")
    return path


def _drawing_path(text: str) -> Path:
    """A drawing's file: its folder is made when missing, as every --out folder is."""
    path = _out_file(text)
    if path.suffix.lower() not in (".svg", ".png", ".pdf", ".dot"):
        raise argparse.ArgumentTypeError(f"{text}: give a .svg, .png, .pdf or .dot file name")
    return path


def _plot_path(text: str) -> Path:
    if not text:
        raise argparse.ArgumentTypeError("an empty name; give a file name such as loss.png")
    path = Path(text)
    if _blocker(text, path) is None and path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text} is a directory; give a file name such as {path / 'loss.png'}"
        )
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise argparse.ArgumentTypeError(f"{text}: give a .png, .svg or .pdf file name")
    path = _out_file(text)
    if importlib.util.find_spec("matplotlib") is None:  # the plot is made after the run
        raise argparse.ArgumentTypeError(
            "matplotlib is not installed: pip install 'micrograd_covid[plot]'"
        )
    if not path.parent.is_dir():  # the plot is written after the run: say it now
        raise argparse.ArgumentTypeError(f"{text}: the folder {path.parent} does not exist")
    return path


#: Each tutorial parameter as an option: (flag, type, help). `iterations` is spelled --epochs.
_OPTIONS: dict[str, tuple[str, Callable[[str], Any], str]] = {
    "iterations": ("--epochs", _positive_int, "iterations to run"),
    "epochs": ("--epochs", _positive_int, "epochs to train"),
    "lr": ("--lr", _positive_float, "learning rate"),
    "step": ("--step", _positive_float, "how far the weight moves up or down"),
    "fixed_lr": ("--fixed-lr", _positive_float, "learning rate of the second, converging run"),
    "seed": ("--seed", _int, "random seed of the initial weights"),
    "out": ("--out", _out_dir, "folder for the tutorial's pictures (default: none)"),
}
_METAVARS = {"iterations": "N", "epochs": "N", "fixed_lr": "LR", "out": "DIR"}
_NOT_OPTIONS = ("echo", "progress")


def _tutorial_parameters(name: str) -> list[inspect.Parameter]:
    params = inspect.signature(TUTORIALS[name]).parameters.values()
    return [p for p in params if p.name not in _NOT_OPTIONS]


def _add_tutorials(sub: Any) -> None:
    t = sub.add_parser(
        "tutorial",
        help="run a tutorial and print its numbers",
        description="Run one of the tutorials and print its numbers as they are computed. "
        f"'{PROG} tutorial NAME --help' lists the options NAME takes.",
        formatter_class=_Help,
    )
    t.add_argument("--list", action="store_true", help="list the tutorials")
    names = t.add_subparsers(dest="name", metavar="NAME", title="tutorials")
    for name, fn in TUTORIALS.items():
        doc = (fn.__doc__ or "").strip().splitlines()[0]
        p = names.add_parser(name, help=doc, description=doc, formatter_class=_Help)
        for param in _tutorial_parameters(name):
            flag, kind, text = _OPTIONS[param.name]
            p.add_argument(
                flag, dest=param.name, type=kind, default=param.default, help=text,
                metavar=_METAVARS.get(param.name, param.name.upper()),
            )  # fmt: skip
        p.set_defaults(parser=p)
        p.add_argument(
            "--plot",
            type=_plot_path,
            metavar="FILE",
            help="also write the error curve to FILE: .png, .svg or .pdf, needs matplotlib "
            "(default: none)",
        )


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(
        prog=PROG,
        description="A scalar autograd engine that makes backpropagation visible.",
        formatter_class=_Help,
    )
    # A flag rather than argparse's version action, which prints and exits before it sees
    # the rest of the line: `--version extra` is a usage error (see main).
    parser.add_argument("--version", action="store_true", help=f"print the version ({__version__})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_tutorials(sub)
    d = sub.add_parser(
        "draw",
        help="render a tutorial's computation graph",
        description="Draw the computation graph of one training step of a tutorial (one "
        "sample, after backward): every node's value and gradient, every edge's partial.",
        formatter_class=_Help,
    )
    d.add_argument(
        "name", choices=list(TUTORIALS), metavar="NAME", help=f"one of {', '.join(TUTORIALS)}"
    )
    d.add_argument(
        "--out",
        type=_drawing_path,
        required=True,
        metavar="PATH",
        help=".svg, .png, .pdf or .dot path",
    )
    d.add_argument(
        "--level",
        choices=["node", "neuron", "layer"],
        default="node",
        help="detail: every node, one box per neuron, or one per layer (default: node)",
    )
    d.add_argument(
        "--focus",
        metavar="NAME",
        help="draw only the paths from the loss to the node of this name, as the "
        "drawing names it, e.g. w1 or L0.n1.w0 (default: the whole graph)",
    )
    d.add_argument(
        "--direction",
        choices=["forward", "backward"],
        default=None,
        help="forward: edges show partials; backward: arrows point back and edges show "
        "what flows along them (default: forward)",
    )
    d.add_argument("--backward", action="store_true", help="the same as --direction backward")
    s = sub.add_parser(
        "steps",
        help="write a step-by-step backprop page for a tutorial's graph",
        description="Write DIR/index.html: backward through one training step's graph of a "
        "tutorial, one node at a time (the explore page without training).",
        formatter_class=_Help,
    )
    s.add_argument(
        "name", choices=list(TUTORIALS), metavar="NAME", help=f"one of {', '.join(TUTORIALS)}"
    )
    s.add_argument(
        "--out", type=_out_dir, required=True, metavar="DIR", help="folder for index.html"
    )
    x = sub.add_parser(
        "explore",
        help="write a page that plays a tutorial's training step by step",
        description="Write DIR/index.html, a self-contained page that plays a tutorial's "
        "training run: initialise, feed each batch, forward node by node, the loss, backward "
        "node by node, the update, for every batch of every epoch.",
        formatter_class=_Help,
    )
    x.add_argument(
        "name",
        choices=list(EXPLORABLE),
        metavar="NAME",
        help=f"a tutorial that trains: {', '.join(EXPLORABLE)}",
    )
    x.add_argument(
        "--out", type=_out_dir, required=True, metavar="DIR", help="folder for index.html"
    )
    x.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help="epochs to record (default: the tutorial's)",
    )
    x.add_argument(
        "--max-steps",
        type=_positive_int,
        default=MAX_STEPS,
        metavar="N",
        help="refuse to write a page of more steps than this",
    )
    m = sub.add_parser(
        "demo", help="run every tutorial and write every picture", formatter_class=_Help
    )
    m.add_argument("--out", type=_out_dir, default="out", help="folder for the pictures")
    for leaf in (d, s, x, m):  # an unknown option is answered by the subcommand's own usage
        leaf.set_defaults(parser=leaf)
    return parser


class _Progress:
    """Progress lines on stderr for long runs: the first after `delay` s, then every `every` s."""

    def __init__(
        self,
        label: str,
        clock: Callable[[], float] = time.monotonic,
        delay: float = 2.0,
        every: float = 5.0,
        stream: Any = None,
    ) -> None:
        self.label = label
        self.clock = clock
        self.next = clock() + delay
        self.every = every
        self.stream = stream

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if now < self.next or done >= total:
            return
        self.next = now + self.every
        stream = self.stream if self.stream is not None else sys.stderr
        print(f"{PROG}: {self.label}: {done:,} of {total:,} ({done / total:.0%})", file=stream)


def _echo(line: str) -> None:
    print(line)


def _run_tutorial(name: str, kwargs: dict[str, Any]) -> TutorialResult:
    """Run a tutorial, printing its lines as they come and its progress on stderr."""
    return TUTORIALS[name](**kwargs, echo=_echo, progress=_Progress(f"tutorial {name}"))


def _losses(result: TutorialResult) -> list[float]:
    if result.history is not None:
        return result.history.epoch_loss
    errors = result.numbers.get("errors")
    return list(errors) if errors else []


def _curves(result: TutorialResult) -> list[tuple[str | None, list[float]]]:
    """The error curves to plot: one, or for descent both of its runs (α = 1, then α)."""
    again = result.numbers.get("alpha_errors")
    if not again:
        return [(None, _losses(result))]
    alpha = result.numbers.get("alpha")
    return [("α = 1 (no learning rate)", _losses(result)), (f"α = {alpha:g}", list(again))]


def _figure(result: TutorialResult) -> Any:
    """The error curves as a matplotlib Figure."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise ImportError("--plot needs matplotlib: pip install 'micrograd_covid[plot]'") from None
    curves = _curves(result)
    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    for label, losses in curves:
        ax.plot(
            range(1, len(losses) + 1),
            losses,
            marker="." if len(losses) < 50 else None,
            label=label,
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch" if result.history is not None else "iteration")
    ax.set_ylabel("error")
    values = [x for _, losses in curves for x in losses]
    positive = [x for x in values if x > 0]
    wide = bool(positive) and max(positive) / min(positive) > 1e3
    if wide and (len(positive) == len(values) or len(curves) > 1):
        ax.set_yscale("log")  # a zero error (descent's α = 0.1 run ends at 0) is left out
    if len(curves) > 1:
        ax.legend()
    ax.set_title(f"{PROG} tutorial {result.name}")
    fig.tight_layout()
    return fig


def _plot(result: TutorialResult, path: Path) -> Path:
    """Write the error curve(s) and return the path written."""
    _figure(result).savefig(path, dpi=100)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            leaf = getattr(args, "parser", parser)
            flags = [
                f for a in leaf._actions for f in a.option_strings if f not in ("-h", "--help")
            ]
            leaf.error(f"unrecognized arguments: {' '.join(extra)}; it takes {', '.join(flags)}")
        if args.version:
            if args.command is not None:
                parser.error("--version takes nothing else")
            from . import __version__

            print(f"{PROG} {__version__}")
            return 0
        if args.command is None:
            parser.error("the following arguments are required: COMMAND")
    except SystemExit as exc:  # --help, or a usage error already printed in one line
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except DivergenceError as exc:
        print(f"{PROG}: error: {exc}; try a smaller --lr", file=sys.stderr)
        return 1
    except (ValueError, TypeError, OSError, RuntimeError, ImportError, ArithmeticError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # a defect of ours: still one line, with what it was
        print(
            f"{PROG}: error: {type(exc).__name__}: {_one_line(exc)} (an unexpected error; "
            "please report it)",
            file=sys.stderr,
        )
        return 1


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"  # not "[Errno 2] No such file…"
    return " ".join(str(exc).split()) or type(exc).__name__


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "tutorial":
        if args.list or args.name is None:
            for name, fn in TUTORIALS.items():
                doc = (fn.__doc__ or "").strip().splitlines()[0]
                print(f"{name:12} {doc}")
            return 0
        kwargs = {p.name: getattr(args, p.name) for p in _tutorial_parameters(args.name)}
        result = _run_tutorial(args.name, kwargs)
        if args.plot is not None:
            print(f"wrote {_plot(result, args.plot)}")
        for path in result.files:
            print(f"wrote {path}")
        return 0
    if args.command == "draw":
        return _draw(args)
    if args.command == "steps":
        from .explain import render_steps

        paths = render_steps(tutorial_graph(args.name), args.out)
        print(f"wrote {paths[-1]}")
        return 0
    if args.command == "explore":
        from .explore import explore_tutorial

        try:
            page = explore_tutorial(args.name, args.epochs, max_steps=args.max_steps)
        except StepLimitError as exc:
            print(
                f"{PROG}: error: the page would have about {exc.steps:,} steps, more than "
                f"--max-steps {exc.limit}; give fewer --epochs, or --max-steps {exc.steps}",
                file=sys.stderr,
            )
            return 1
        path = page.write(args.out)
        print(f"wrote {path} ({page.steps} steps, {len(page.html) // 1024} KiB)")
        if page.stopped:
            print(f"note: training {page.stopped}")
        return 0
    for folder in ("steps", "explore"):  # the folders the demo writes its pages into
        blocker = not_a_folder(args.out / folder)
        if blocker is not None:
            print(
                f"{PROG} demo: error: argument --out: {blocker} is a file, not a folder; the "
                f"demo writes its {folder} page there (see {PROG} demo --help)",
                file=sys.stderr,
            )
            return 2
    return _demo(args.out)


def _draw(args: argparse.Namespace) -> int:
    from .draw import render
    from .engine import topological_order
    from .names import display_names

    if args.backward and args.direction == "forward":
        print(f"{PROG}: error: --backward and --direction forward disagree", file=sys.stderr)
        return 2
    direction = args.direction or ("backward" if args.backward else "forward")
    root = tutorial_graph(args.name)
    focus = None
    if args.focus is not None:
        named = {name: node for node, name in display_names(topological_order(root)).items()}
        focus = named.get(args.focus)
        if focus is None:
            choices = ", ".join(list(named)[:12]) + (", …" if len(named) > 12 else "")
            print(
                f"{PROG}: error: --focus {args.focus!r}: no node of that name in the "
                f"{args.name} graph (names: {choices})",
                file=sys.stderr,
            )
            return 2
    missing = [p for p in (args.out.parent, *args.out.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir()
    try:
        path = render(root, args.out, direction=direction, level=args.level, focus=focus)
    except BaseException:
        for folder in missing:  # a failed drawing leaves no new folders behind
            folder.rmdir()
        raise
    print(f"wrote {path}")
    return 0


def _demo(out: Path) -> int:
    from .draw import render
    from .explain import explain, render_steps

    out.mkdir(parents=True, exist_ok=True)
    loss = tutorial_graph("regression")
    print("The walkthrough's first SGD step, by the engine")
    print("  ŷ = w1·x1 + w2·x2 + b,  L = (ŷ − y)²,  (x1, x2, y) = (4, 1, 2)")
    y_hat = loss.inputs[0]
    print(f"  ŷ = {y_hat.data:.10g}, L = {loss.data:.10g}")
    for p in y_hat.inputs:
        if p.role == "param":
            print(f"  {explain(loss, p)}")
    print()
    for name in TUTORIALS:
        print(f"=== {PROG} tutorial {name}")
        result = _run_tutorial(name, {"out": out} if name == "regression" else {})
        _plot_if_possible(result, out / f"{name}_loss.png")
        for path in result.files:
            print(f"wrote {path}")
        print()
    print("=== pictures and pages")
    print(f"wrote {render(loss, out / 'regression_backward.svg', direction='backward')}")
    paths = render_steps(loss, out / "steps")
    print(f"wrote {paths[-1]}")
    for path in drawing_pictures(out):
        print(f"wrote {path}")
    from .explore import explore_tutorial

    print(f"wrote {explore_tutorial('regression').write(out / 'explore')}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return 0
    from .classify import moons_demo

    print(f"wrote {moons_demo(out)}")
    return 0


def _plot_if_possible(result: TutorialResult, path: Path) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    print(f"wrote {_plot(result, path)}")


if __name__ == "__main__":  # python -m micrograd_covid.cli
    raise SystemExit(main())
