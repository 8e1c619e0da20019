from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micrograd_covid.cli import _one_line, _Progress, main

BIN = Path(sys.executable).parent / "micrograd-covid"

EXPECTED = {
    "guess": "iteration 20 error: 0.0025000000000002486 prediction: 4.0500000000000025",
    "descent": "iteration 17 error: 0 prediction: 4",
    "generalized": "error: 0.7491098293607978",
    "vectorized": "epoch 100 error: 0.7478039599358327",
    "deep": "epoch 20 error: ",
    "regression": "  L = (ŷ − y)² = 4.477456",
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_console_script_runs_each_tutorial(name):  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [str(BIN), "tutorial", name], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert EXPECTED[name] in result.stdout.splitlines() or EXPECTED[name] in result.stdout


def test_python_dash_m_lists_the_tutorials():
    result = subprocess.run(
        [sys.executable, "-m", "micrograd_covid", "tutorial", "--list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == list(EXPECTED)


def test_options_reach_the_tutorial_and_plot_writes_a_png(tmp_path, capsys):  # type: ignore[no-untyped-def]
    plot = tmp_path / "loss.png"
    assert (
        main(["tutorial", "generalized", "--epochs", "5", "--lr", "0.0002", "--plot", str(plot)])
        == 0
    )
    out = capsys.readouterr().out
    assert "epoch 5" in out and "epoch 6" not in out
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_an_option_a_tutorial_does_not_take_is_a_one_line_usage_error(capsys):  # type: ignore[no-untyped-def]
    assert main(["tutorial", "guess", "--lr", "0.1"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "micrograd-covid tutorial guess: error: unrecognized arguments: --lr 0.1; it takes "
        "--epochs, --step, --plot (see micrograd-covid tutorial guess --help)\n"
    )
    assert main(["tutorial", "deep", "--out", "pictures"]) == 2
    assert "tutorial deep: error: unrecognized arguments: --out" in capsys.readouterr().err


def test_an_option_draw_explore_steps_or_demo_does_not_take_names_theirs(capsys):  # type: ignore[no-untyped-def]
    # was "...; it takes  (see micrograd-covid --help)": the top parser's empty list
    assert main(["explore", "deep", "--out", "x", "--level", "node"]) == 2
    assert capsys.readouterr().err == (
        "micrograd-covid explore: error: unrecognized arguments: --level node; it takes "
        "--out, --epochs, --max-steps (see micrograd-covid explore --help)\n"
    )
    for argv in (
        ["draw", "deep", "--out", "x.svg", "--epochs", "3"],
        ["steps", "deep", "--out", "x", "--lr", "1"],
        ["demo", "--seed", "1"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "it takes --" in err
        assert f"(see micrograd-covid {argv[0]} --help)" in err


def test_draw_and_steps_commands_write_real_files(tmp_path, capsys):  # type: ignore[no-untyped-def]
    svg = tmp_path / "regression.svg"
    assert main(["draw", "regression", "--out", str(svg)]) == 0
    assert ET.parse(svg).getroot().tag.endswith("svg")
    for name in ["guess", "deep", "vectorized"]:
        assert main(["draw", name, "--out", str(tmp_path / f"{name}.dot")]) == 0
    assert main(["steps", "regression", "--out", str(tmp_path / "steps")]) == 0
    assert (tmp_path / "steps" / "index.html").exists()
    assert "steps/index.html" in capsys.readouterr().out


def test_errors_are_one_line_not_a_traceback(tmp_path, capsys):  # type: ignore[no-untyped-def]
    assert main(["draw", "regression", "--out", str(tmp_path / "g.gif")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("micrograd-covid draw: error: argument --out: ")
    assert err.endswith(
        "g.gif: give a .svg, .png, .pdf or .dot file name (see micrograd-covid draw --help)\n"
    )
    assert "Traceback" not in err


def test_demo_runs_every_tutorial_and_writes_the_pictures(tmp_path):  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [str(BIN), "demo", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "ŷ = -0.116, L = 4.477456" in out
    assert "∂L/∂b = ∂L/∂ŷ · ∂ŷ/∂b = (-4.232)(1) = -4.232" in out
    assert "∂L/∂w1 = ∂L/∂ŷ · ∂ŷ/∂w1 = (-4.232)(4) = -16.928" in out
    for name in ["regression_step1_before.svg", "regression_step1_after.svg", "steps/index.html"]:
        assert (tmp_path / name).exists()


@pytest.mark.parametrize(
    ("args", "status", "words"),
    [
        (
            "tutorial descent --epochs 0",
            2,
            "tutorial descent: error: argument --epochs: must be a positive int, got '0'",
        ),
        (
            "tutorial deep --epochs 0",
            2,
            "tutorial deep: error: argument --epochs: must be a positive int",
        ),
        ("tutorial regression --epochs 0", 2, "argument --epochs: must be a positive int, got '0'"),
        ("tutorial guess --epochs -5", 2, "argument --epochs: must be a positive int, got '-5'"),
        ("tutorial guess --epochs 1e3", 2, "argument --epochs: must be a positive int, got '1e3'"),
        ("tutorial deep --lr inf", 2, "argument --lr: must be a positive finite number, got 'inf'"),
        ("tutorial deep --lr nan", 2, "argument --lr: must be a positive finite number, got 'nan'"),
        ("tutorial deep --seed x", 2, "argument --seed: must be an int, got 'x'"),
        ("tutorial vectorized --lr 1", 1, "error: training diverged at epoch "),
        ("tutorial generalized --lr 1", 1, "error: training diverged at epoch "),
        ("tutorial nope", 2, "argument NAME: invalid choice: 'nope'"),
        ("frobnicate", 2, "micrograd-covid: error: argument COMMAND: invalid choice"),
    ],
)
def test_every_failure_is_one_line_on_stderr_with_its_exit_status(capsys, args, status, words):  # type: ignore[no-untyped-def]
    assert main(args.split()) == status
    err = capsys.readouterr().err
    assert words in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_divergence_in_a_tutorial_names_where_and_suggests_a_smaller_rate(capsys):  # type: ignore[no-untyped-def]
    assert main(["tutorial", "vectorized", "--lr", "1"]) == 1
    captured = capsys.readouterr()
    assert "epoch 3 error: " in captured.out  # the lines before it were printed as they came
    assert captured.err.startswith("micrograd-covid: error: training diverged at epoch ")
    assert "last finite loss" in captured.err and captured.err.endswith("try a smaller --lr\n")


def test_descent_with_200_iterations_stops_the_overflowing_run_and_goes_on(capsys):  # type: ignore[no-untyped-def]
    assert main(["tutorial", "descent", "--epochs", "200"]) == 0
    out = capsys.readouterr().out
    assert "iteration 172: stopped, the numbers left float range" in out
    assert "diverged: the error grew from 6.25 to 7.022e+307 in 171 iterations" in out
    assert out.rstrip().endswith("iteration 200 error: 0 prediction: 4")


def test_plot_takes_a_picture_file_name_and_says_what_it_wrote(tmp_path, capsys):  # type: ignore[no-untyped-def]
    assert main(["tutorial", "guess", "--plot", str(tmp_path)]) == 2
    assert f"argument --plot: {tmp_path} is a directory; give a file name such as" in (
        capsys.readouterr().err
    )
    assert main(["tutorial", "guess", "--plot", str(tmp_path / "loss")]) == 2
    assert "give a .png, .svg or .pdf file name" in capsys.readouterr().err
    svg = tmp_path / "loss.svg"
    assert main(["tutorial", "guess", "--plot", str(svg)]) == 0
    assert capsys.readouterr().out.endswith(f"wrote {svg}\n")
    assert ET.parse(svg).getroot().tag.endswith("svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.svg"]


OPTIONS = {
    "guess": {"--epochs": "20", "--step": "0.05"},
    "descent": {"--epochs": "20", "--lr": "0.1"},
    "generalized": {"--epochs": "100", "--lr": "0.0002"},
    "vectorized": {"--epochs": "100", "--lr": "0.0002"},
    "deep": {"--epochs": "20", "--lr": "0.01", "--seed": "0"},
    "regression": {"--lr": "0.05", "--epochs": "200", "--fixed-lr": "0.01", "--out": "none"},
}


@pytest.mark.parametrize("name", list(OPTIONS))
def test_tutorial_help_lists_exactly_its_options_with_their_defaults(capsys, name):  # type: ignore[no-untyped-def]
    assert main(["tutorial", name, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())  # unwrap
    options = text.split("options:")[1]
    listed = [w for w in options.split() if w.startswith("--")]
    assert listed == ["--help", *OPTIONS[name], "--plot"]
    for flag, default in OPTIONS[name].items():
        described = options.split(flag, 1)[1].split(" --")[0]
        assert f"(default: {default})" in described, (flag, described)
    assert "(default: none)" in options.split("--plot", 1)[1]


def test_top_level_and_demo_help_show_defaults(capsys):  # type: ignore[no-untyped-def]
    assert main(["demo", "--help"]) == 0
    assert "folder for the pictures (default: out)" in " ".join(capsys.readouterr().out.split())
    assert main(["tutorial", "--help"]) == 0
    text = capsys.readouterr().out
    assert "tutorial NAME --help" in text and all(name in text for name in OPTIONS)


def test_progress_lines_come_after_a_delay_and_then_periodically():
    import io

    now = [0.0]
    stream = io.StringIO()
    progress = _Progress(
        "tutorial guess", clock=lambda: now[0], delay=2.0, every=5.0, stream=stream
    )
    for done in range(1, 1001):
        now[0] = done * 0.01  # 10 s in all
        progress(done, 1000)
    lines = stream.getvalue().splitlines()
    assert lines == [
        "micrograd-covid: tutorial guess: 200 of 1,000 (20%)",
        "micrograd-covid: tutorial guess: 700 of 1,000 (70%)",
    ]


def test_a_million_iteration_run_streams_lines_and_keeps_none():
    import tracemalloc

    from micrograd_covid.tutorials import guess

    seen: list[str] = []
    ticks: list[tuple[int, int]] = []
    tracemalloc.start()
    try:
        result = guess(
            iterations=3000,
            echo=lambda line: seen.append(line[:0]),
            progress=lambda d, t: ticks.append((d, t)) if d % 1000 == 0 else None,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.lines == [] and len(seen) == 3001 and ticks[-1] == (3000, 3000)
    assert len(result.numbers["errors"]) == 3000
    assert peak < 40 * 3000  # two float arrays, no lines (collected, the lines take ~150 B each)


def test_ctrl_c_stops_with_one_line_and_status_130():
    import signal

    proc = subprocess.Popen(
        [str(BIN), "tutorial", "guess", "--epochs", "100000000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the run is under way and streaming
        assert first.startswith("weight 0.5, input 3, target 4")
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert err == "micrograd-covid: interrupted\n"


def test_the_descent_plot_shows_both_runs():
    # It drew only the α = 1 run: a learner saw the error explode and never the fix.
    from micrograd_covid.cli import _figure
    from micrograd_covid.tutorials import descent

    result = descent()
    ax = _figure(result).axes[0]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["α = 1 (no learning rate)", "α = 0.1"]
    assert list(lines[0].get_ydata()) == list(result.numbers["errors"])
    assert list(lines[1].get_ydata()) == list(result.numbers["alpha_errors"])
    assert ax.get_yscale() == "log"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ("demo --out afile", "demo: error: argument --out: afile is a file, not a folder"),
        ("demo", "demo: error: argument --out: out is a file, not a folder"),  # the default
        ("demo --out afile/x", "demo: error: argument --out: afile/x: afile is a file, not"),
        ("explore regression --out afile", "explore: error: argument --out: afile is a file,"),
        ("explore descent --out afile/a/b", "argument --out: afile/a/b: afile is a file, not a"),
        ("tutorial regression --out afile", "regression: error: argument --out: afile is a file"),
        ("steps regression --out afile", "steps: error: argument --out: afile is a file, not a"),
        ("draw regression --out afile/x.svg", "argument --out: afile/x.svg: afile is a file, not"),
        ("draw regression --out .", "draw: error: argument --out: . is a folder; give a file"),
        (["draw", "regression", "--out", ""], "argument --out: an empty name; give a file name"),
        (["demo", "--out", ""], "demo: error: argument --out: an empty name; give a folder"),
        (["tutorial", "guess", "--plot", ""], "argument --plot: an empty name; give a file name"),
        ("tutorial guess --plot afile/x.png", "argument --plot: afile/x.png: afile is a file, no"),
        ("tutorial guess --plot none/x.png", "argument --plot: none/x.png: the folder none does"),
    ],
)
def test_an_out_path_that_is_or_goes_through_a_file_is_one_usage_line_before_any_work(
    tmp_path, monkeypatch, capsys, args, words
):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("mine")
    (tmp_path / "out").write_text("mine too")
    assert main(args.split() if isinstance(args, str) else args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing printed before the error: no work was done
    assert words in captured.err
    assert captured.err.count("\n") == 1 and captured.err.startswith("micrograd-covid ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "out"]
    assert (tmp_path / "afile").read_text() == "mine"


def test_the_explore_step_limit_is_advised_in_options_the_command_has(tmp_path, capsys):  # type: ignore[no-untyped-def]
    out = str(tmp_path / "page")
    assert main(["explore", "descent", "--epochs", "30", "--max-steps", "20", "--out", out]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "max_steps=" not in err
    assert err.startswith("micrograd-covid: error: the page would have about ")
    advised = err.split("give fewer --epochs, or --max-steps ")[1].strip()
    assert not (tmp_path / "page").exists()
    assert main(["explore", "descent", "--epochs", "30", "--max-steps", advised, "--out", out]) == 0
    assert (tmp_path / "page" / "index.html").exists()


def test_version_prints_the_one_version_the_package_declares():
    import tomllib

    import micrograd_covid

    result = subprocess.run([str(BIN), "--version"], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"micrograd-covid {micrograd_covid.__version__}\n",
        "",
    )
    root = Path(micrograd_covid.__file__).parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["hatch"]["version"]["path"] == "micrograd_covid/__init__.py"


def test_draw_makes_the_folders_of_its_out_path_and_leaves_none_when_it_fails(
    tmp_path, monkeypatch, capsys
):  # type: ignore[no-untyped-def]
    out = tmp_path / "new" / "deeper" / "regression.dot"
    assert main(["draw", "regression", "--out", str(out)]) == 0
    assert out.read_text().startswith("digraph")
    monkeypatch.setenv("PATH", "")  # no Graphviz: an SVG cannot be made
    assert main(["draw", "regression", "--out", str(tmp_path / "a" / "b" / "g.svg")]) == 1
    assert "dot" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]


def test_an_overflow_and_an_os_error_are_one_line_with_status_1(tmp_path, capsys):  # type: ignore[no-untyped-def]
    assert main(["tutorial", "guess", "--step", "1e308"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "micrograd-covid: error: *: result of (1e+308, 3) is not finite (inf): "
        "the inputs are finite, the result overflowed\n"
    )
    long = tmp_path / ("x" * 300)  # a name longer than any file system takes
    for option, path in (("--out", long / "steps"), ("--plot", long / "loss.png")):
        argv = ["steps", "regression"] if option == "--out" else ["tutorial", "guess"]
        assert main([*argv, option, str(path)]) == 2
        err = capsys.readouterr().err
        assert f"error: argument {option}: {path}: File name too long (see " in err
        assert err.count("\n") == 1
    failed = FileNotFoundError(2, "No such file or directory", "/proc/x")
    assert _one_line(failed) == "/proc/x: No such file or directory"  # not "[Errno 2] …"


def test_python_m_micrograd_covid_cli_runs_the_command_line() -> None:
    # it wrote nothing and exited 0 without a word
    done = subprocess.run(
        [sys.executable, "-m", "micrograd_covid.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "0.1.0" in done.stdout + done.stderr, done
