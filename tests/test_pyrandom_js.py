"""The page's pyrandom.js against Python: random.Random's draws and MLP's initial weights,
run in node with JSON in and out."""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from micrograd_covid import MLP, nn, ops

SCRIPT = Path(__file__).resolve().parent.parent / "micrograd_covid" / "page" / "pyrandom.js"
SEEDS = [0, 1, 42, 2**31, 2**40, -5, 123456789, 2**32 - 1, 2**32, 2**53 - 1, -(2**40)]

# Reads a list of requests on stdin and answers each: the results of a seed's calls, an
# mlpInit, or the error a call throws.
RUNNER = r"""
const lib = require(process.argv[1]);
const requests = JSON.parse(require("fs").readFileSync(0, "utf8"));
function call(rng, c) {
  switch (c[0]) {
    case "random": return rng.random();
    case "getrandbits": return rng.getrandbits(c[1]);
    case "randbelow": return rng.randbelow(c[1]);
    case "shuffle": return rng.shuffle(c[1].slice());
    case "uniform": return rng.uniform(c[1], c[2]);
    case "gauss": return rng.gauss(c[1], c[2]);
  }
  throw new Error("runner: unknown call " + c[0]);
}
function answer(q) {
  if (q.calls) { const rng = new lib.PyRandom(q.seed); return q.calls.map(c => call(rng, c)); }
  if (q.mlp) return lib.mlpInit(...q.mlp);
  if (q.libm) return q.xs.map(x => lib.pyrandomLibm[q.libm](x));
  if (q.tables) return {inits: lib.PYRANDOM_INITS, defaults: lib.PYRANDOM_DEFAULT_INIT};
  try {
    if (q.throws[0] === "PyRandom") new lib.PyRandom(q.throws[1]);
    else if (q.throws[0] === "mlpInit") lib.mlpInit(...q.throws.slice(1));
    else call(new lib.PyRandom(0), q.throws);
  } catch (e) { return {name: e.name, message: e.message}; }
  return null;
}
process.stdout.write(JSON.stringify(requests.map(answer)));
"""


def node(requests: list[dict[str, Any]]) -> list[Any]:
    """Each request's answer from pyrandom.js in node."""
    exe = shutil.which("node")
    assert exe is not None, "these tests need node on the PATH"
    done = subprocess.run(
        [exe, "-e", RUNNER, str(SCRIPT)],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answers: list[Any] = json.loads(done.stdout)
    return answers


def python_calls(seed: int, calls: list[list[Any]]) -> list[Any]:
    """What random.Random(seed) returns for the same calls."""
    rng = random.Random(seed)
    out: list[Any] = []
    for name, *args in calls:
        if name == "shuffle":
            items = list(args[0])
            rng.shuffle(items)
            out.append(items)
        elif name == "randbelow":
            out.append(rng._randbelow(*args))
        else:
            out.append(getattr(rng, name)(*args))
    return out


def bits(numbers: list[float]) -> list[str]:
    """Each number's exact bits (JSON's 0 arrives as an int)."""
    return [float(x).hex() for x in numbers]


def js_calls(seeds: list[int], calls: list[list[Any]]) -> list[list[Any]]:
    return node([{"seed": s, "calls": calls} for s in seeds])


def test_random_gives_python_floats_bit_for_bit_for_every_seed() -> None:
    calls = [["random"]] * 3000  # 6000 words: the state is regenerated nine times
    for seed, got in zip(SEEDS, js_calls(SEEDS, calls)):
        want = python_calls(seed, calls)
        assert bits(got) == bits(want), f"seed {seed}"


def test_getrandbits_gives_python_ints_for_every_width_up_to_53() -> None:
    widths = [0, 1, 5, 31, 32, 33, 45, 52, 53]
    calls = [["getrandbits", widths[i % len(widths)]] for i in range(1800)]
    for seed, got in zip(SEEDS, js_calls(SEEDS, calls)):
        assert got == python_calls(seed, calls), f"seed {seed}"


def test_randbelow_gives_python_ints_including_the_redraws() -> None:
    bounds = [1, 2, 3, 5, 7, 100, 1000, 2**31 + 1, 2**32, 2**32 + 1, 3 * 2**40, 2**53 - 1]
    calls = [["randbelow", bounds[i % len(bounds)]] for i in range(1200)]
    for seed, got in zip(SEEDS, js_calls(SEEDS, calls)):
        assert got == python_calls(seed, calls), f"seed {seed}"


def test_shuffle_makes_python_swaps_for_lists_of_every_length() -> None:
    calls = [["shuffle", list(range(n))] for n in [0, 1, 2, 3, 4, 10, 33, 100, 1000]]
    calls += [["shuffle", ["a", "b", "c", "d", "e"]]]
    for seed, got in zip(SEEDS, js_calls(SEEDS, calls)):
        assert got == python_calls(seed, calls), f"seed {seed}"


def test_uniform_gives_python_floats_bit_for_bit() -> None:
    ends = [(0.0, 1.0), (-1.0, 1.0), (2.5, -3.25), (-0.7745966692414834, 0.7745966692414834)]
    calls = [["uniform", *ends[i % len(ends)]] for i in range(2000)]
    for seed, got in zip(SEEDS, js_calls(SEEDS, calls)):
        want = python_calls(seed, calls)
        assert bits(got) == bits(want), f"seed {seed}"


def test_gauss_agrees_with_python_to_1e_15_relative_keeping_its_second_value() -> None:
    calls = [["gauss", 0.0, 1.0]] * 4000 + [["gauss", 0.0, 0.05]] * 1000
    for seed, got in zip(SEEDS, js_calls(SEEDS, calls)):
        want = python_calls(seed, calls)
        far = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if abs(g - w) > 1e-15 * abs(w)]
        assert not far, f"seed {seed}: {far[:3]}"


def test_gauss_is_bit_identical_to_pythons_in_more_than_99_percent_of_draws() -> None:
    calls = [["gauss", 0.0, 1.0]] * 5000
    same = total = 0
    for seed, got in zip(SEEDS, js_calls(SEEDS, calls)):
        want = python_calls(seed, calls)
        same += sum(bits([g]) == bits([w]) for g, w in zip(got, want))
        total += len(want)
    assert same / total > 0.995, f"{same} of {total} draws are bit-identical"


def _edges(*xs: float) -> list[float]:
    """Each x and its two neighbouring floats."""
    return [y for x in xs for y in (math.nextafter(x, -math.inf), x, math.nextafter(x, math.inf))]


def test_the_scripts_cos_sin_and_log_are_correctly_rounded() -> None:
    import mpmath  # comes with torch, a test dependency

    mpmath.mp.prec = 200
    rng = random.Random(5)
    angles = [rng.random() * 2.0 * math.pi for _ in range(3000)]
    angles += [0.0, 5e-324, 1e-300, 1e-8, -2.5, 100.0, 12345.678]
    angles += _edges(*(k * math.pi / 4 for k in range(1, 9)))
    logs = [1.0 - rng.random() for _ in range(3000)] + [5e-324, 1e-310, 1e-300, 2.0**-53]
    logs += _edges(0.5, 1.0, 2.0, math.sqrt(0.5), math.sqrt(2.0), math.e, 1e300)
    asked = [("cos", angles), ("sin", angles), ("log", logs)]
    answers = node([{"libm": name, "xs": xs} for name, xs in asked])
    for (name, xs), got in zip(asked, answers):
        exact = getattr(mpmath, name)
        wrong = [
            (x, g) for x, g in zip(xs, got) if bits([g]) != bits([float(exact(mpmath.mpf(x)))])
        ]
        assert not wrong, f"{name}: {wrong[:3]}"


def test_mixed_calls_share_one_stream_as_in_python() -> None:
    """An odd gauss leaves its cached value for the next gauss, whatever is drawn between."""
    calls: list[list[Any]] = [
        ["gauss", 1.0, 2.0],
        ["random"],
        ["shuffle", list(range(7))],
        ["gauss", 1.0, 2.0],
        ["gauss", -3.0, 0.5],
        ["getrandbits", 40],
        ["uniform", -2.0, 2.0],
        ["gauss", 0.0, 1.0],
        ["randbelow", 10**12],
        ["random"],
    ] * 50
    for seed, got in zip(SEEDS, js_calls(SEEDS, calls)):
        want = python_calls(seed, calls)
        for i, (g, w, c) in enumerate(zip(got, want, calls)):
            if c[0] == "gauss":
                assert math.isclose(g, w, rel_tol=1e-15, abs_tol=1e-15), (seed, i, g, w)
            else:
                assert g == w, (seed, i, c)


SHAPES = [(2, [4, 1]), (2, [16, 16, 1]), (1, [3]), (3, [5, 3])]
INITS = [None, *nn.INITS]


def _mlp_cases() -> list[tuple[int, list[int], dict[str, Any]]]:
    cases = []
    for nin, nouts in SHAPES:
        for init in INITS:
            for seed in [0, 7, 2**40]:
                for bias in [True, False]:
                    cases.append((nin, nouts, {"seed": seed, "init": init, "bias": bias}))
    for activation in ops.ACTIVATIONS:
        for output in ops.ACTIVATIONS:
            cases.append(
                (2, [4, 2], {"seed": 3, "activation": activation, "output_activation": output})
            )
    return cases


def test_mlp_init_is_the_python_mlps_parameters_for_every_init_shape_seed_and_bias() -> None:
    cases = _mlp_cases()
    answers = node([{"mlp": case} for case in cases])
    for (nin, nouts, options), got in zip(cases, answers):
        want = [p.data for p in MLP(nin, nouts, **options).parameters()]
        assert len(got) == len(want), (nin, nouts, options)
        if options.get("init") == "truncated_normal":
            assert all(math.isclose(g, w, rel_tol=1e-15) for g, w in zip(got, want)), options
        else:
            assert bits(got) == bits(want), (nin, nouts, options)


def test_mlp_init_zeros_gives_a_zero_for_every_parameter() -> None:
    cases = [
        (nin, nouts, {"seed": 1, "init": "zeros", "bias": b})
        for nin, nouts in SHAPES
        for b in [True, False]
    ]
    for (nin, nouts, options), got in zip(cases, node([{"mlp": c} for c in cases])):
        count = len(MLP(nin, nouts, bias=options["bias"]).parameters())
        assert got == [0.0] * count


def test_the_scripts_inits_and_default_inits_are_pythons() -> None:
    (tables,) = node([{"tables": True}])
    assert tables["inits"] == [*nn.INITS, "zeros"]
    assert tables["defaults"] == {name: a.default_init for name, a in ops.ACTIVATIONS.items()}


@pytest.mark.parametrize(
    ("call", "name", "words"),
    [
        (["PyRandom", 1.5], "TypeError", "seed must be an integer"),
        (["PyRandom", "3"], "TypeError", 'got string "3"'),
        (["PyRandom", 2**53], "TypeError", "seed must be an integer"),
        (["getrandbits", 54], "RangeError", "k must be an integer from 0 to 53, got number 54"),
        (["randbelow", 0], "RangeError", "n must be a positive safe integer, got number 0"),
        (["mlpInit", 2, [4, 1], {}], "TypeError", "mlpInit: seed must be an integer"),
        (["mlpInit", 2, [4, 1], {"seed": 0, "init": "xavier"}], "RangeError", "unknown init"),
        (["mlpInit", 2, [4, 1], {"seed": 0, "activation": "elu"}], "RangeError", "activation"),
        (["mlpInit", 0, [4, 1], {"seed": 0}], "TypeError", "nin must be a positive int"),
        (["mlpInit", 2, [], {"seed": 0}], "TypeError", "nouts must be a non-empty list"),
        (["mlpInit", 2, [4, 0], {"seed": 0}], "TypeError", "nouts[1] must be a positive int"),
        (["mlpInit", 2, [1], {"seed": 0, "bias": 1}], "TypeError", "bias must be true or false"),
    ],
)
def test_bad_arguments_throw_an_error_that_names_them(
    call: list[Any], name: str, words: str
) -> None:
    (error,) = node([{"throws": call}])
    assert error is not None, f"{call} did not throw"
    assert error["name"] == name
    assert words in error["message"]


def test_the_script_runs_without_node_modules_or_a_dom_as_a_page_would_load_it() -> None:
    exe = shutil.which("node")
    assert exe is not None
    code = (
        "const vm = require('vm'); const ctx = {};"
        f"vm.runInNewContext(require('fs').readFileSync({json.dumps(str(SCRIPT))}, 'utf8'), ctx);"
        "const r = new ctx.PyRandom(42);"
        "process.stdout.write(JSON.stringify([r.random(), ctx.mlpInit(1, [2], {seed: 42})]));"
    )
    done = subprocess.run([exe, "-e", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    first, params = json.loads(done.stdout)
    assert first == random.Random(42).random()
    assert params == [p.data for p in MLP(1, [2], seed=42).parameters()]
