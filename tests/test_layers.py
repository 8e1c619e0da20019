"""The package's layers, read from each module's import statements (ast), against the layering
the README's "How it is built" declares: nothing below imports anything above it."""

from __future__ import annotations

import ast
from pathlib import Path

import micrograd_covid

PACKAGE = Path(micrograd_covid.__file__).parent

#: Bottom to top. A module may import modules of its own layer or of layers below it.
LAYERS: list[tuple[str, set[str]]] = [
    ("foundation", {"formatting", "files", "checks", "names", "steps", "serialize", "fast"}),
    ("ops table", {"ops"}),
    ("engine", {"debug", "engine"}),
    ("on the engine", {"dots", "user_ops", "finite_differences"}),
    ("interpreters", {"tape", "compile", "vectorized"}),
    (
        "nn and training",
        {"nn", "losses", "optim", "data", "datasets", "runners", "train", "classify", "compat"},
    ),
    (
        "what the learner sees",
        {
            "io",
            "display",
            "placement",
            "draw",
            "network_view",
            "explain",
            "explore",
            "tutorials",
            "cli",
            "__main__",
            "__init__",
        },
    ),
]

#: Imports that reach up, each made inside the one function that needs it, never at import
#: time: a result shows itself in Jupyter (`_repr_html_`) through display.py, and `Value.dot`
#: has its node built by dots.py.
LAZY_UPWARD = {
    ("finite_differences", "display"),  # GradcheckReport._repr_html_
    ("train", "display"),  # History._repr_html_
    ("engine", "dots"),  # Value.dot: dots.py builds the node
}


def _layer_of() -> dict[str, int]:
    return {module: i for i, (_, modules) in enumerate(LAYERS) for module in modules}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def package_imports(source: str) -> list[tuple[str, bool]]:
    """(module of this package imported, made at import time) for every import statement of
    `source`, a module of the package; imports for type checkers only are left out."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child, top)
            return
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:  # from .x import y
                found.append((node.module.split(".")[0], top))
            else:  # from . import x, y
                found.extend((alias.name, top) for alias in node.names)
        elif isinstance(node, (ast.ImportFrom, ast.Import)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "micrograd_covid" and len(parts) > 1:
                    found.append((parts[1], top))
        inner = top and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(source), True)
    return found


def _all_imports() -> dict[str, list[tuple[str, bool]]]:
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    # `from . import __version__` takes a name from the package's __init__
    return {
        path.stem: [
            (t if t in modules else "__init__", top)
            for t, top in package_imports(path.read_text(encoding="utf-8"))
        ]
        for path in sorted(PACKAGE.glob("*.py"))
    }


def layering_violations(
    imports: dict[str, list[tuple[str, bool]]],
    layer_of: dict[str, int],
    lazy_upward: set[tuple[str, str]],
) -> list[str]:
    """Every import of a module from a layer above its own (one line each)."""
    found = []
    for module, targets in imports.items():
        for target, at_import_time in targets:
            if layer_of[target] <= layer_of[module]:
                continue
            if (module, target) in lazy_upward and not at_import_time:
                continue
            when = "at import time" if at_import_time else "in a function"
            found.append(f"{module} imports {target} {when}")
    return found


def import_cycles(imports: dict[str, list[tuple[str, bool]]]) -> list[list[str]]:
    """The cycles among modules importing each other at import time (iterative search)."""
    graph = {m: sorted({t for t, top in ts if top and t != m}) for m, ts in imports.items()}
    cycles = []
    state: dict[str, int] = {}  # 1: on the path, 2: done
    for start in sorted(graph):
        if start in state:
            continue
        path = [start]
        state[start] = 1
        walks = [iter(graph[start])]
        while walks:
            for target in walks[-1]:
                if state.get(target) == 1:
                    cycles.append([*path[path.index(target) :], target])
                elif target not in state:
                    state[target] = 1
                    path.append(target)
                    walks.append(iter(graph.get(target, [])))
                    break
            else:
                walks.pop()
                state[path.pop()] = 2
    return cycles


def test_every_module_of_the_package_has_a_declared_layer():
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    layer_of = _layer_of()
    assert sorted(modules - set(layer_of)) == []  # a new module says where it sits
    assert sorted(set(layer_of) - modules) == []
    assert sum(len(m) for _, m in LAYERS) == len(layer_of)  # and sits in one layer only


def test_nothing_below_imports_anything_above_it():
    assert layering_violations(_all_imports(), _layer_of(), LAZY_UPWARD) == []


def test_the_upward_imports_allowed_are_made_in_a_function_and_still_needed():
    imports = _all_imports()
    for module, target in LAZY_UPWARD:
        assert (target, False) in imports[module]
        assert (target, True) not in imports[module]


def test_no_two_modules_import_each_other():
    assert import_cycles(_all_imports()) == []


def test_names_import_nothing_and_nn_takes_its_parameter_paths_from_them():
    imports = _all_imports()
    assert imports["names"] == []
    assert "engine" not in (PACKAGE / "names.py").read_text(encoding="utf-8")
    assert ("names", True) in imports["nn"]


def test_the_check_finds_an_engine_importing_nn_and_a_circle():
    """The checks themselves: an import from above, and a circle, are found."""
    layer_of = _layer_of()
    imports = {"engine": [("nn", False)], "nn": [("engine", True)]}
    assert layering_violations(imports, layer_of, set()) == ["engine imports nn in a function"]
    assert layering_violations(
        {"train": [("display", True)]}, layer_of, {("train", "display")}
    ) == ["train imports display at import time"]
    assert import_cycles({"a": [("b", True)], "b": [("a", True)]}) == [["a", "b", "a"]]
    assert import_cycles({"a": [("b", True)], "b": [("a", False)]}) == []


def test_type_checking_imports_and_function_imports_are_told_apart():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import ops\n"
        "from .engine import Value\n"
        "import micrograd_covid.nn\n"
        "if TYPE_CHECKING:\n    from .train import History\n"
        "def f():\n    from .draw import render\n"
    )
    assert package_imports(source) == [
        ("ops", True),
        ("engine", True),
        ("nn", True),
        ("draw", False),
    ]


def test_the_readme_shows_the_layers_in_this_order_with_every_module():
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## How it is built") : readme.index("## Layout")]
    rule = " ".join(section[section.index("Imports only go down") :].split())
    places = [
        rule.index(name.replace("what the learner sees", "what you see")) for name, _ in LAYERS
    ]
    assert places == sorted(places)
    for _, modules in LAYERS:
        for module in modules - {"__main__", "__init__"}:
            assert f"`{module}`" in rule, module


def test_numbers_are_written_by_formatting_alone_and_explain_does_not_import_draw():
    imports = _all_imports()
    writers = ["ops", "checks", "engine", "steps", "debug", "draw", "explain", "explore"]
    writers += ["compile", "display", "classify"]
    for module in writers:
        assert ("formatting", True) in imports[module], module
        tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
        defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert not defined & {"fmt", "fmt_number", "_fmt", "_fmt4", "_num", "_fmt_float"}, module
    assert "draw" not in {t for t, _ in imports["explain"]}
