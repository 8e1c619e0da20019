"""The `micrograd-covid` command: tutorials, graph drawings, backprop step pages, the demo."""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .tutorials import TUTORIALS, TutorialResult, drawing_pictures, tutorial_graph

__all__ = ["main"]

_OPTIONS = ("epochs", "lr", "seed", "out")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="micrograd-covid",
        description="A scalar autograd engine that makes backpropagation visible.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tutorial", help="run a tutorial and print its numbers")
    t.add_argument("name", nargs="?", choices=list(TUTORIALS), help="the tutorial to run")
    t.add_argument("--list", action="store_true", help="list the tutorials")
    t.add_argument("--epochs", type=int, help="epochs (or iterations) to train")
    t.add_argument("--lr", type=float, help="learning rate")
    t.add_argument("--seed", type=int, help="random seed (the deep network)")
    t.add_argument("--plot", type=Path, metavar="PATH", help="write a loss-curve PNG")
    t.add_argument("--out", type=Path, metavar="DIR", help="write the tutorial's pictures here")
    d = sub.add_parser("draw", help="render a tutorial's computation graph")
    d.add_argument("name", choices=list(TUTORIALS))
    d.add_argument("--out", type=Path, required=True, help=".svg, .png, .pdf or .dot path")
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
    s = sub.add_parser("steps", help="write a step-by-step backprop page for a tutorial's graph")
    s.add_argument("name", choices=list(TUTORIALS))
    s.add_argument("--out", type=Path, required=True, help="folder for the frames and index.html")
    m = sub.add_parser("demo", help="run every tutorial and write every picture")
    m.add_argument("--out", type=Path, default=Path("out"), help="folder for the pictures")
    return parser


def _run_tutorial(name: str, args: argparse.Namespace) -> TutorialResult:
    fn = TUTORIALS[name]
    accepted = inspect.signature(fn).parameters
    kwargs: dict[str, Any] = {}
    for option in _OPTIONS:
        value = getattr(args, option, None)
        if value is None:
            continue
        if option == "epochs" and "epochs" not in accepted and "iterations" in accepted:
            kwargs["iterations"] = value
        elif option in accepted:
            kwargs[option] = value
        else:
            raise SystemExit(f"micrograd-covid: tutorial {name} has no --{option} option")
    return fn(**kwargs)


def _losses(result: TutorialResult) -> list[float]:
    if result.history is not None:
        return result.history.epoch_loss
    errors = result.numbers.get("errors")
    return list(errors) if errors else []


def _plot(result: TutorialResult, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise SystemExit(
            "micrograd-covid: --plot needs matplotlib: pip install 'micrograd_covid[plot]'"
        ) from None
    losses = _losses(result)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(1, len(losses) + 1), losses, marker="." if len(losses) < 50 else None)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch" if result.history is not None else "iteration")
    ax.set_ylabel("error")
    if losses and min(losses) > 0 and max(losses) / min(losses) > 1e3:
        ax.set_yscale("log")
    ax.set_title(f"micrograd-covid tutorial {result.name}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except (ValueError, FileNotFoundError, RuntimeError, OSError) as exc:
        print(f"micrograd-covid: error: {exc}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "tutorial":
        if args.list or args.name is None:
            for name, fn in TUTORIALS.items():
                doc = (fn.__doc__ or "").strip().splitlines()[0]
                print(f"{name:12} {doc}")
            return 0
        result = _run_tutorial(args.name, args)
        print(result)
        if args.plot is not None:
            _plot(result, args.plot)
            print(f"wrote {args.plot}")
        for path in result.files:
            print(f"wrote {path}")
        return 0
    if args.command == "draw":
        return _draw(args)
    if args.command == "steps":
        from .explain import render_steps

        paths = render_steps(tutorial_graph(args.name), args.out)
        print(f"wrote {len(paths) - 1} frames and {paths[-1]}")
        return 0
    return _demo(args.out)


def _draw(args: argparse.Namespace) -> int:
    from .draw import render
    from .engine import topological_order
    from .names import display_names

    if args.backward and args.direction == "forward":
        print(
            "micrograd-covid: error: --backward and --direction forward disagree", file=sys.stderr
        )
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
                f"micrograd-covid: error: --focus {args.focus!r}: no node of that name in the "
                f"{args.name} graph (names: {choices})",
                file=sys.stderr,
            )
            return 2
    path = render(root, args.out, direction=direction, level=args.level, focus=focus)
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
        print(f"=== micrograd-covid tutorial {name}")
        result = _run_tutorial(name, argparse.Namespace(out=out if name == "regression" else None))
        print(result)
        _plot_if_possible(result, out / f"{name}_loss.png")
        for path in result.files:
            print(f"wrote {path}")
        print()
    print(f"wrote {render(loss, out / 'regression_backward.svg', direction='backward')}")
    paths = render_steps(loss, out / "steps")
    print(f"wrote {len(paths) - 1} backprop frames and {paths[-1]}")
    for path in drawing_pictures(out):
        print(f"wrote {path}")
    return 0


def _plot_if_possible(result: TutorialResult, path: Path) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    _plot(result, path)
    print(f"wrote {path}")
