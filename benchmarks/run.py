"""`make bench`: micrograd_covid beside micrograd, a pure-float floor and PyTorch, in one run.

Every engine is timed in this process: the median of repeated steps after a warm-up. The tables
go to stdout and to benchmarks/RESULTS.md with a description of the machine.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from micrograd_covid import MLP, Value, fit, mse, no_grad, render, topological_order
from micrograd_covid.tutorials import regression_graph

Table = list[list[str]]
GRAPH = 'fit, engine="graph" (graph rebuilt each step)'
TAPE = 'fit, engine="tape" (Tape replay)'
COMPILED = 'fit, engine="compiled" (generated code)'
NUMPY = 'fit, engine="numpy" (whole batch, numpy)'
FLOOR = "pure-float floor"
TORCH = "PyTorch float64 (1 thread)"
MICRO = "micrograd 0.1.0"
ENGINES = {GRAPH: "graph", TAPE: "tape", COMPILED: "compiled", NUMPY: "numpy"}
# The engines are timed in CPU time of this process: every engine here runs on one thread,
# and on a shared machine wall-clock time also counts the time other processes held the CPU.
CLOCK = time.process_time


def two_moons(n: int, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two interleaved half circles with a little noise; targets -1 and +1."""
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2 == 0:
            x, y, label = math.cos(t), math.sin(t), -1.0
        else:
            x, y, label = 1 - math.cos(t), 0.5 - math.sin(t), 1.0
        xs.append([x + rng.gauss(0, 0.1), y + rng.gauss(0, 0.1)])
        ys.append(label)
    return xs, ys


def median_seconds(step: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = CLOCK()
        step()
        times.append(CLOCK() - start)
    return statistics.median(times)


# --- the engines: a block of `steps` training steps each --------------------------------------


class Block:
    """A block of `steps` training steps: `prepare()` (untimed) then `block(steps)` (timed),
    which returns the first step's loss."""

    def prepare(self) -> None:
        """Anything made before the clock starts (nothing by default)."""

    def __call__(self, steps: int) -> float:
        raise NotImplementedError


class FitBlock(Block):
    """`fit(..., batch_size=None, epochs=steps, engine=engine)` from the same weights, the way
    a user runs it (a compiled engine compiles inside fit, so that time is included). The
    model is made from the weights before the clock starts, as the floor's lists are."""

    def __init__(
        self,
        engine: str,
        weights: list[list[list[float]]],
        biases: list[list[float]],
        activation: str,
        xs: list[list[float]],
        ys: list[float],
        lr: float,
    ) -> None:
        self.engine, self.activation = engine, activation
        self.weights, self.biases = weights, biases
        self.xs, self.ys, self.lr = xs, ys, lr
        self.model: MLP | None = None

    def prepare(self) -> None:
        self.model = MLP.from_weights(self.weights, self.biases, self.activation, "linear")

    def __call__(self, steps: int) -> float:
        model = self.model
        if model is None:
            self.prepare()
            model = self.model
            assert model is not None
        self.model = None
        history = fit(
            model, self.xs, self.ys, lr=self.lr, epochs=steps, batch_size=None, engine=self.engine
        )
        return history.step_loss[0]


def step_block(step: Callable[[], float]) -> Callable[[int], float]:
    """`steps` calls of a one-step function; returns the first step's loss."""

    def block(steps: int) -> float:
        first = step()
        for _ in range(steps - 1):
            step()
        return first

    return block


def micrograd_step(
    weights: list[list[list[float]]],
    biases: list[list[float]],
    xs: list[list[float]],
    ys: list[float],
    lr: float,
) -> Callable[[], float]:
    """micrograd 0.1.0's MLP with the same weights, the same graph maths and MSE."""
    from micrograd.nn import MLP as MicroMLP

    nin = len(weights[0][0])
    model = MicroMLP(nin, [len(layer) for layer in weights])
    for layer, lw, lb in zip(model.layers, weights, biases):
        for neuron, nw, nb in zip(layer.neurons, lw, lb):
            for p, w in zip(neuron.w, nw):
                p.data = w
            neuron.b.data = nb
    n = len(xs)

    def step() -> float:
        preds = [model(x) for x in xs]
        loss = sum((p - y) ** 2 for p, y in zip(preds, ys)) * (1.0 / n)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        return float(loss.data)

    return step


def floor_step(
    weights: list[list[list[float]]],
    biases: list[list[float]],
    xs: list[list[float]],
    ys: list[float],
    lr: float,
    activation: str,
) -> Callable[[], float]:
    """A hand-written pure-float forward and backward of the same network: the floor."""
    W = [[list(row) for row in layer] for layer in weights]
    B = [list(layer) for layer in biases]
    depth = len(W)
    n = len(xs)
    tanh = activation == "tanh"

    def step() -> float:
        gW = [[[0.0] * len(row) for row in layer] for layer in W]
        gB = [[0.0] * len(layer) for layer in B]
        total = 0.0
        for x, y in zip(xs, ys):
            outs = [x]
            a = x
            for k in range(depth):
                z = []
                for row, b in zip(W[k], B[k]):
                    s = 0.0
                    for w, v in zip(row, a):
                        s += w * v
                    z.append(s + b)
                if k < depth - 1:
                    a = [math.tanh(v) for v in z] if tanh else [v if v > 0.0 else 0.0 for v in z]
                else:
                    a = z
                outs.append(a)
            d = a[0] - y
            total += d * d
            delta = [2.0 * d / n]
            for k in range(depth - 1, -1, -1):
                prev = outs[k]
                for j, dj in enumerate(delta):
                    gB[k][j] += dj
                    row = gW[k][j]
                    for i, v in enumerate(prev):
                        row[i] += dj * v
                if k:
                    back = [0.0] * len(prev)
                    for j, dj in enumerate(delta):
                        for i, w in enumerate(W[k][j]):
                            back[i] += dj * w
                    if tanh:
                        delta = [g * (1.0 - v * v) for g, v in zip(back, prev)]
                    else:
                        delta = [g if v > 0.0 else 0.0 for g, v in zip(back, prev)]
        for k in range(depth):
            for j in range(len(W[k])):
                row, grow = W[k][j], gW[k][j]
                for i in range(len(row)):
                    row[i] -= lr * grow[i]
                B[k][j] -= lr * gB[k][j]
        return total / n

    return step


def torch_step(
    model: MLP, xs: list[list[float]], ys: list[float], lr: float
) -> Callable[[], float]:
    import torch

    from micrograd_covid import to_torch

    torch.set_num_threads(1)
    net = to_torch(model)
    x = torch.tensor(xs, dtype=torch.float64)
    y = torch.tensor(ys, dtype=torch.float64).unsqueeze(1)
    opt = torch.optim.SGD(net.parameters(), lr=lr)

    def step() -> float:
        loss = torch.nn.functional.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.item())

    return step


def training_table(
    sizes: list[int],
    activation: str,
    points: int,
    steps: int,
    repeats: int,
    with_micrograd: bool,
    engines: tuple[str, ...] = tuple(ENGINES),
) -> tuple[Table, dict[str, float], dict[str, float]]:
    """Blocks of `steps` full-batch steps per engine, the engines interleaved `repeats` times
    (the machine is shared: interleaving spreads its noise over every engine alike); the
    median block over `steps` is the time per step."""
    xs, ys = two_moons(points, seed=1)
    lr = 0.01
    model = MLP(2, sizes, activation=activation, output_activation="linear", seed=0)
    weights, biases = model.weights(), model.biases()
    assert biases is not None
    blocks: dict[str, Callable[[int], float]] = {
        name: FitBlock(ENGINES[name], weights, biases, activation, xs, ys, lr) for name in engines
    }
    blocks[FLOOR] = step_block(floor_step(weights, biases, xs, ys, lr, activation))
    blocks[TORCH] = step_block(torch_step(model, xs, ys, lr))
    # Each block starts from the same weights: equal first losses show that every engine
    # computes the same thing.
    first = {name: block(1) for name, block in blocks.items()}
    from micrograd_covid.compile import clear_cache

    clear_cache()  # the first timed compiled block compiles its code cold
    times: dict[str, list[float]] = {name: [] for name in blocks}
    for _ in range(repeats):
        for name, block in blocks.items():
            if isinstance(block, Block):
                block.prepare()
            start = CLOCK()
            block(steps)
            times[name].append((CLOCK() - start) / steps)
    per_step = {name: statistics.median(t) for name, t in times.items()}
    first_block = {name: t[0] for name, t in times.items()}
    if with_micrograd:
        micro = micrograd_step(weights, biases, xs, ys, lr)
        first[MICRO] = micro()
        per_step[MICRO] = median_seconds(micro, max(1, repeats // 2), warmup=0)
    floor, torch = per_step[FLOOR], per_step[TORCH]
    rows = [
        [
            name,
            f"{t * 1000:.3f} ms",
            f"{t / floor:.2f}×",
            f"{t / torch:.2f}×",
            f"{first[name]:.10g}",
        ]
        for name, t in sorted(per_step.items(), key=lambda kv: kv[1])
    ]
    return rows, per_step, first_block


def compile_ms(sizes: list[int], activation: str, repeats: int) -> float:
    """Median time to generate and compile one sample's code, the code cache cleared."""
    from micrograd_covid import compile as compiler
    from micrograd_covid.runners import make_runner

    xs, ys = two_moons(4, seed=1)
    model = MLP(2, sizes, activation=activation, seed=0)
    times = []
    for _ in range(repeats):
        compiler.clear_cache()
        start = CLOCK()
        make_runner("compiled", lambda batch: Value(0.0), model, xs, ys, mse)
        times.append(CLOCK() - start)
    return statistics.median(times) * 1000


def verdict(ratio: float, target: float) -> str:
    return f"{ratio:.3f}× (target ≤ {target:g}×: {'met' if ratio <= target else 'missed'})"


# --- chains, memory, depth ------------------------------------------------------------------


def chain_figures(length: int) -> dict[str, float]:
    """ns per node forward and backward, bytes per node, for x = x + 1 repeated `length` times."""
    gc.collect()
    x = Value(0.5)
    start = time.perf_counter()
    node = x
    for _ in range(length):
        node = node + 1
    forward = time.perf_counter() - start
    start = time.perf_counter()
    node.backward()
    backward = time.perf_counter() - start
    nodes = 2 * length + 1  # each step adds the constant's leaf and the sum
    del node
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    node = Value(0.5)
    for _ in range(min(length, 200_000)):
        node = node + 1
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del node
    return {
        "forward_ns": forward / nodes * 1e9,
        "backward_ns": backward / nodes * 1e9,
        "bytes": used / (2 * min(length, 200_000) + 1),
    }


def micrograd_chain() -> dict[str, float]:
    from micrograd.engine import Value as MicroValue

    length = 20_000
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    node = MicroValue(0.5)
    for _ in range(length):
        node = node + 1
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del node
    gc.collect()

    def works(n: int) -> bool:
        v = MicroValue(0.5)
        for _ in range(n):
            v = v + 1
        try:
            v.backward()
            return True
        except RecursionError:
            return False

    lo, hi = 1, 5000
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if works(mid):
            lo = mid
        else:
            hi = mid - 1
    gc.collect()
    return {"bytes": used / (2 * length + 1), "deepest": lo}


# --- evaluation without graphs ----------------------------------------------------------------


def grid_rows(side: int, repeats: int) -> Table:
    """A decision grid of side² points through a 2-16-16-1 tanh MLP, the predictions kept as
    a plotting loop keeps them: time and peak traced memory, with and without `no_grad`."""
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    grid = [
        [-2.0 + 4.0 * i / (side - 1), -2.0 + 4.0 * j / (side - 1)]
        for i in range(side)
        for j in range(side)
    ]

    def with_graphs() -> list[Value]:
        return [model(point) for point in grid]  # type: ignore[misc]

    def without_graphs() -> list[Value]:
        with no_grad():
            return [model(point) for point in grid]  # type: ignore[misc]

    rows = []
    for name, predict in [("graphs built", with_graphs), ("inside no_grad()", without_graphs)]:
        gc.collect()
        seconds = median_seconds(predict, repeats, 1)
        tracemalloc.start()
        predictions = predict()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del predictions
        rows.append([name, f"{seconds:.3f} s", f"{peak / 1e6:.2f} MB"])
    return rows


# --- what anomaly mode and hooks cost while off --------------------------------------------


def engine_without_debug_checks(folder: Path) -> tuple[object, int]:
    """A copy of the package, imported as `micrograd_covid_plain`, whose engine.py has every
    check of the debug flags taken out: each ``if _MODES.x: …`` statement (none has an else)
    is deleted and each ``a if _MODES.x else b`` becomes ``b``, which is exactly what runs
    while the flags are off. Returns the module and how many checks were taken out."""
    import ast
    import importlib
    import shutil

    import micrograd_covid

    source = Path(micrograd_covid.__file__).parent
    target = folder / "micrograd_covid_plain"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("page", "__pycache__"))

    def reads_flags(test: ast.expr) -> bool:
        return (
            isinstance(test, ast.Attribute)
            and isinstance(test.value, ast.Name)
            and test.value.id == "_MODES"
        )

    class TakeOut(ast.NodeTransformer):
        removed = 0

        def visit_If(self, node: ast.If) -> object:
            if reads_flags(node.test):
                TakeOut.removed += 1
                return [self.visit(statement) for statement in node.orelse] or None
            return self.generic_visit(node)

        def visit_IfExp(self, node: ast.IfExp) -> object:
            if reads_flags(node.test):
                TakeOut.removed += 1
                return self.visit(node.orelse)
            return self.generic_visit(node)

    engine = target / "engine.py"
    tree = TakeOut().visit(ast.parse(engine.read_text(encoding="utf-8")))
    engine.write_text(ast.unparse(ast.fix_missing_locations(tree)), encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        plain = importlib.import_module("micrograd_covid_plain")
    finally:
        sys.path.remove(str(folder))
    return plain, TakeOut.removed


def anomaly_off_rows(steps: int, rounds: int) -> tuple[Table, int, list[float]]:
    """One sample's forward and backward through a 2-16-16-1 tanh MLP, timed in interleaved
    blocks of `steps`: the package as it is (anomaly mode and hooks off, their flags checked)
    and the copy with the checks taken out. Rows, checks taken out, and each round's ratio
    (shipped ÷ taken out)."""
    with tempfile.TemporaryDirectory() as tmp:
        plain, removed = engine_without_debug_checks(Path(tmp))
        packages = {"as shipped (flags checked, all off)": sys.modules["micrograd_covid"]}
        packages["debug checks taken out of engine.py"] = plain

        def block(package: object) -> Callable[[], float]:
            model = package.MLP(2, [16, 16, 1], activation="tanh", seed=0)  # type: ignore[attr-defined]

            def run() -> float:
                start = CLOCK()
                for _ in range(steps):
                    loss = (model([0.5, -0.25]) - 1.0) ** 2
                    loss.backward()
                return (CLOCK() - start) / steps

            return run

        blocks = {name: block(package) for name, package in packages.items()}
        grads = []
        for package in packages.values():  # the copy computes the same numbers
            model = package.MLP(2, [16, 16, 1], activation="tanh", seed=0)  # type: ignore[attr-defined]
            ((model([0.5, -0.25]) - 1.0) ** 2).backward()
            grads.append([p.grad for p in model.parameters()])
        if grads[0] != grads[1]:
            raise RuntimeError("the copy without debug checks computes other gradients")
        times: dict[str, list[float]] = {name: [] for name in blocks}
        for run in blocks.values():  # warm-up
            run()
        for _ in range(rounds):
            for name, run in blocks.items():
                times[name].append(run())
        sys.modules.pop("micrograd_covid_plain", None)
        for name in list(sys.modules):
            if name.startswith("micrograd_covid_plain."):
                del sys.modules[name]
    shipped, stripped = times.values()
    ratios = [a / b for a, b in zip(shipped, stripped)]
    rows = [[name, f"{statistics.median(ts) * 1e3:.4f} ms"] for name, ts in times.items()]
    return rows, removed, ratios


# --- rendering ------------------------------------------------------------------------------


def rendering_rows(repeats: int) -> Table:
    rows = []
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    mlp_loss = mse([model([0.5, -0.5])], [1.0])  # type: ignore[list-item]
    mlp_loss.backward()
    with tempfile.TemporaryDirectory() as tmp:
        for name, root in [
            ("walkthrough (8 nodes)", regression_graph()),
            ("2-16-16-1 MLP, one sample", mlp_loss),
        ]:
            count = len(topological_order(root))
            seconds = median_seconds(
                lambda root=root: render(root, Path(tmp) / "g.svg", max_nodes=10_000), repeats, 1
            )
            rows.append([name, str(count), f"{seconds:.3f} s"])
    return rows


# --- report ---------------------------------------------------------------------------------


def markdown(headers: list[str], rows: Table) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat (smoke test)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where the tables go (default benchmarks/RESULTS.md; with --quick, nowhere)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    sections = [
        f"# Benchmarks\n\nMachine: {machine()}.\n\nEvery engine in one run, timed in CPU "
        "time of this process (`time.process_time`; everything runs on one thread, and the "
        "machine is shared): the median of interleaved blocks of steps.\n"
    ]

    def emit(text: str) -> None:
        print(text + "\n", flush=True)
        sections.append(text + "\n")

    points = 10 if quick else 100
    steps = 3 if quick else 50
    headers = ["engine", "time per step", "× floor", "× PyTorch", "first loss"]
    rows, t1, cold1 = training_table(
        [16, 16, 1], "relu", points, steps, 1 if quick else 9, with_micrograd=True
    )
    ms = compile_ms([16, 16, 1], "relu", 1 if quick else 5)
    emit(
        f"## 1. Training step: 2-16-16-1 ReLU MLP, {points} two-moons points, full batch, "
        "MSE, SGD\n\n"
        f"Each engine runs blocks of {steps} steps, interleaved; our engines through "
        f"`fit(..., batch_size=None, epochs={steps}, engine=...)`, so fit's own work and the "
        "compiled engine's code generation are included.\n\n"
        + markdown(headers, rows)
        + f"\n\nOver the floor: graph rebuilt {verdict(t1[GRAPH] / t1[FLOOR], 2.3)}, "
        f"Tape replay {verdict(t1[TAPE] / t1[FLOOR], 1.65)}, "
        f"compiled {verdict(t1[COMPILED] / t1[FLOOR], 0.25)}. "
        f"Compiled, first block (its code compiled cold): "
        f"{cold1[COMPILED] / cold1[FLOOR]:.2f}×. "
        f"Generating and compiling one sample's code: {ms:.1f} ms (target < 50 ms). "
        f"Faster than micrograd: {t1[MICRO] / t1[COMPILED]:.0f}× (compiled), "
        f"{t1[MICRO] / t1[GRAPH]:.0f}× (graph rebuilt)."
    )
    rows, t2, cold2 = training_table(
        [4, 1], "tanh", 4, steps, 3 if quick else 41, with_micrograd=False
    )
    emit(
        "## 2. Training step at the tutorials' size: 2-4-1 tanh, 4 points\n\n"
        + markdown(headers, rows)
        + f"\n\nOver the floor: graph rebuilt {verdict(t2[GRAPH] / t2[FLOOR], 3.2)}, "
        f"Tape replay {t2[TAPE] / t2[FLOOR]:.2f}×, "
        f"compiled {verdict(t2[COMPILED] / t2[FLOOR], 0.40)}; compiled, first block: "
        f"{cold2[COMPILED] / cold2[FLOOR]:.2f}×. "
        f"Faster than PyTorch: {t2[TORCH] / t2[COMPILED]:.1f}× (compiled), "
        f"{t2[TORCH] / t2[TAPE]:.1f}× (Tape replay), {t2[TORCH] / t2[GRAPH]:.1f}× (graph rebuilt)."
    )
    big = 50 if quick else 1000
    rows, t3, _ = training_table(
        [16, 16, 1],
        "relu",
        big,
        3 if quick else 50,
        1 if quick else 3,
        with_micrograd=False,
        engines=(NUMPY, COMPILED),
    )
    emit(
        f"## 2b. The 2-16-16-1 ReLU network on {big:,} points (full batch)\n\n"
        + markdown(headers, rows)
        + f"\n\nnumpy engine: {t3[NUMPY] / t3[TORCH]:.2f}× PyTorch's time (target < 1×: "
        f"{'met' if t3[NUMPY] < t3[TORCH] else 'missed'}), {t3[NUMPY] / t3[FLOOR]:.3f}× the "
        "floor. Its losses agree with the other engines to about 1e-15 relative per step "
        "(numpy sums in its own order), so the first loss is compared to 10 digits."
    )
    lengths = [1_000, 10_000] if quick else [10_000, 100_000, 1_000_000]
    chain_rows = []
    for n in lengths:
        f = chain_figures(n)
        chain_rows.append(
            [f"{n:,}", f"{f['forward_ns']:.0f}", f"{f['backward_ns']:.0f}", f"{f['bytes']:.0f}"]
        )
    micro = micrograd_chain()
    emit(
        "## 3. A chain of ops: `x = x + 1` repeated (each op adds two nodes, the constant's "
        "leaf and the sum)\n\n"
        + markdown(["ops", "forward ns/node", "backward ns/node", "bytes/node"], chain_rows)
        + f"\n\nmicrograd 0.1.0: {micro['bytes']:.0f} bytes per node "
        f"({2 * micro['bytes']:.0f} per op); its recursive backward works up "
        f"to a chain of {micro['deepest']:,} ops at the default recursion limit "
        f"({sys.getrecursionlimit()}) and raises RecursionError beyond."
    )
    emit(
        "## 4. Rendering to SVG with Graphviz's dot (draw + render)\n\n"
        + markdown(["graph", "nodes", "seconds"], rendering_rows(1 if quick else 5))
    )
    side = 10 if quick else 100
    emit(
        f"## 5. A decision grid: {side * side:,} points through a 2-16-16-1 tanh MLP, "
        "predictions kept\n\n"
        + markdown(["evaluation", "time", "peak memory"], grid_rows(side, 1 if quick else 3))
        + "\n\nInside `no_grad()` every op returns a leaf holding its value, so each point's "
        "graph is freed as soon as the next layer has read it."
    )
    steps6, rounds6 = (5, 3) if quick else (200, 15)
    rows, removed, ratios = anomaly_off_rows(steps6, rounds6)
    emit(
        "## 6. What anomaly mode and hooks cost while off: a 2-16-16-1 tanh MLP, one sample's "
        "forward and backward\n\n"
        f"The package as shipped beside a copy of it whose engine.py has its {removed} checks "
        "of the debug flags taken out (the statements they guard never run while the flags "
        "are off), both in this process, timed in interleaved blocks of "
        f"{steps6} steps, {rounds6} rounds (median per step):\n\n"
        + markdown(["engine", "time per step"], rows)
        + f"\n\nShipped ÷ checks taken out: median {statistics.median(ratios):.3f}×, per round "
        f"{min(ratios):.3f}× to {max(ratios):.3f}× (the spread is the shared machine's noise)."
    )
    out = args.out if args.out is not None or quick else Path(__file__).with_name("RESULTS.md")
    if out is not None:
        out.write_text("\n".join(sections), encoding="utf-8")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
