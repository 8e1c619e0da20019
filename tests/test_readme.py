"""The README against the code: its pictures exist, its files exist, its commands parse."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from micrograd_covid.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_picture_the_readme_shows_is_a_png_in_the_repository():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert len(pictures) >= 5
    for picture in pictures:
        assert (ROOT / picture).read_bytes()[:4] == b"\x89PNG", picture


def test_every_example_and_module_the_readme_names_exists():
    examples = set(re.findall(r"examples/(\w+\.py)", README))
    assert examples and all((ROOT / "examples" / name).is_file() for name in examples)
    on_disk = {p.name for p in (ROOT / "examples").glob("*.py")}
    layout = README[README.index("## Layout") :]
    for name in on_disk:  # the layout lists every example
        assert name.removesuffix(".py") in layout, name


def _commands() -> list[list[str]]:
    out = []
    for block in re.findall(r"```(?:sh|text)\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip().removeprefix("$ ")
            for prefix in (".venv/bin/micrograd-covid ", "micrograd-covid "):
                if line.startswith(prefix):
                    out.append(shlex.split(line[len(prefix) :]))
    return out


@pytest.mark.parametrize("argv", _commands(), ids=" ".join)
def test_every_command_the_readme_shows_is_one_the_cli_takes(argv):  # type: ignore[no-untyped-def]
    if "--help" in argv or "--list" in argv:
        argv = [a for a in argv if a not in ("--help", "--list")] or ["tutorial"]
        if argv == ["tutorial"]:
            return
    args, extra = _parser().parse_known_args(argv)
    assert extra == [], argv
    assert args.command == argv[0]


def test_the_readme_commands_cover_every_subcommand():
    assert {argv[0] for argv in _commands()} >= {"tutorial", "draw", "explore"}
