"""Persistence as JSON (never pickle) and the way over to PyTorch."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from . import ops
from .files import not_a_folder, write_atomic
from .nn import ACTIVATIONS, MLP

__all__ = ["FORMAT", "load", "save", "to_torch"]

FORMAT = "micrograd_covid.MLP/1"


def _model_dict(model: MLP) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "nin": model.nin,
        "nouts": model.nouts,
        "activation": model.activation,
        "output_activation": model.output_activation,
        "weights": model.weights(),
        "biases": model.biases(),
    }


def save(model: MLP, path: str | Path) -> Path:
    """Write `model` as JSON (every parameter as a float, bit-exact) and return the path.

    The file is written to a temporary neighbour and renamed, so an existing file is never
    left half-written. A parameter that is not finite (a diverged model) raises ValueError
    naming it, and nothing is written.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"save: expected an MLP, got {type(model).__name__}")
    path = Path(path)
    try:
        fields = _model_dict(model)  # every parameter as a float, or an error naming it
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"save: {exc}; {path} is untouched") from None
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ValueError(
                f"save: parameter {name} is {p.data!r}; a model with non-finite parameters "
                f"is not saved ({path} is untouched)"
            )
    if path.is_dir():
        raise IsADirectoryError(f"save: {path} is a directory; give a file name")
    if not path.parent.is_dir():
        blocker = not_a_folder(path.parent)
        if blocker is not None:
            raise NotADirectoryError(f"save: {path}: {blocker} is a file, not a folder")
        raise FileNotFoundError(f"save: {path}: the folder {path.parent} does not exist")
    text = json.dumps(fields, indent=1, allow_nan=False)
    write_atomic(path, text.encode("utf-8"))
    return path


def _bad(path: Path, what: str) -> ValueError:
    return ValueError(f"{path}: not a valid micrograd_covid model file: {what}")


#: A model file is an object of lists of lists of numbers: nesting deeper than this is not one.
MAX_DEPTH = 8
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_KEYS = re.compile(r'("(?:[^"\\]|\\.)*")(\s*:)?|[\[\]{}]')


class _DuplicateKey(Exception):
    """Raised by the parser's object hook; `load` then finds where the key was repeated."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _DuplicateKey
    return data


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _duplicate_key(path: Path, text: str) -> ValueError:
    """The error for the first key (in reading order) that an object of `text` repeats.

    Only called on text the parser read up to a repeated key, so the scan of strings and
    brackets sees well-formed JSON there."""
    objects: list[dict[str, int] | None] = []  # per open bracket: an object's keys → line
    for match in _KEYS.finditer(text):
        token, colon = match.group(1), match.group(2)
        if token is None:
            bracket = match.group()
            if bracket in "[{":
                objects.append({} if bracket == "{" else None)
            elif objects:
                objects.pop()
            continue
        keys = objects[-1] if objects else None
        if colon is None or keys is None:
            continue
        key = json.loads(token)
        line = _line(text, match.start())
        if key in keys:
            return _bad(path, f"key {key!r} appears twice, at line {keys[key]} and line {line}")
        keys[key] = line
    return _bad(path, "a key appears twice in one object")


def _check_depth(path: Path, text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before the JSON parser recurses into it."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = _line(text, match.start())
                column = match.start() - text.rfind("\n", 0, match.start())
                raise _bad(
                    path,
                    f"nested deeper than {MAX_DEPTH} levels at line {line}, column {column}",
                )
        elif token in "]}":
            depth -= 1


def _floats(path: Path, value: Any, where: str, shape: list[int]) -> None:
    """Check that `value` is nested lists of finite floats of the given lengths."""
    if not isinstance(value, list) or len(value) != shape[0]:
        raise _bad(path, f"{where} must be a list of {shape[0]} entries")
    for i, item in enumerate(value):
        if len(shape) > 1:
            _floats(path, item, f"{where}[{i}]", shape[1:])
        elif (
            isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item)
        ):
            raise _bad(path, f"{where}[{i}] is {item!r}, not a finite number")


def load(path: str | Path) -> MLP:
    """Read a model written by `save`, validating every field.

    A missing file raises FileNotFoundError; anything else wrong (a directory, a pipe, not UTF-8,
    not JSON, a key repeated in one object, too deeply nested, a number out of float range,
    a wrong field) raises
    ValueError naming the file and what was wrong.
    """
    path = Path(path)
    if path.is_dir():
        raise _bad(path, "it is a directory")
    if not path.is_file():
        if path.exists():  # reading a pipe would wait, a device never end
            raise _bad(path, "it is not a regular file (a pipe or a device)")
        raise FileNotFoundError(f"{path}: no such model file")

    def reject_constant(name: str) -> Any:
        raise _bad(path, f"{name} is not a finite number")

    def parse_float(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise _bad(path, f"the number {_short(text)} is out of float range")
        return value

    def parse_int(text: str) -> int | float:
        # Counts are small; a long integer is a weight written without a point.
        return int(text) if len(text) <= 18 else parse_float(text)

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _bad(path, f"not UTF-8 text (byte {exc.start})") from None
    _check_depth(path, text)
    try:
        data = json.loads(
            text,
            parse_constant=reject_constant,
            parse_float=parse_float,
            parse_int=parse_int,
            object_pairs_hook=_unique_keys,
        )
    except _DuplicateKey:
        raise _duplicate_key(path, text) from None
    except json.JSONDecodeError as exc:
        raise _bad(
            path, f"JSON error at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise _bad(path, "the top level must be an object")
    if data.get("format") != FORMAT:
        raise _bad(path, f"format is {data.get('format')!r}, expected {FORMAT!r}")
    expected = {"format", "nin", "nouts", "activation", "output_activation", "weights", "biases"}
    if set(data) != expected:
        missing, extra = expected - set(data), set(data) - expected
        raise _bad(path, f"missing keys {sorted(missing)}, unexpected keys {sorted(extra)}")
    nin, nouts = data["nin"], data["nouts"]
    if isinstance(nin, bool) or not isinstance(nin, int) or nin < 1:
        raise _bad(path, f"nin is {nin!r}, not a positive int")
    if (
        not isinstance(nouts, list)
        or not nouts
        or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in nouts)
    ):
        raise _bad(path, f"nouts is {nouts!r}, not a list of positive ints")
    for key in ("activation", "output_activation"):
        if data[key] not in ACTIVATIONS:
            raise _bad(path, f"{key} is {data[key]!r}; expected one of {', '.join(ACTIVATIONS)}")
    sizes = [nin, *nouts]
    weights = data["weights"]
    if not isinstance(weights, list) or len(weights) != len(nouts):
        raise _bad(path, f"weights must be a list of {len(nouts)} layers")
    for k in range(len(nouts)):
        _floats(path, weights[k], f"weights[{k}]", [sizes[k + 1], sizes[k]])
    biases = data["biases"]
    if biases is not None:
        if not isinstance(biases, list) or len(biases) != len(nouts):
            raise _bad(path, f"biases must be null or a list of {len(nouts)} layers")
        for k in range(len(nouts)):
            _floats(path, biases[k], f"biases[{k}]", [sizes[k + 1]])
    return MLP.from_weights(weights, biases, data["activation"], data["output_activation"])


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}…{text[-6:]} ({len(text)} characters)"


def to_torch(model: MLP) -> Any:
    """The same network as a float64 `torch.nn.Sequential` (needs ``pip install torch``)."""
    try:
        import torch
    except ImportError:
        raise ImportError(
            "to_torch needs PyTorch: pip install torch (or pip install 'micrograd_covid[torch]')"
        ) from None
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch: expected an MLP, got {type(model).__name__}")
    modules: list[Any] = []
    try:
        weights, biases = model.weights(), model.biases()
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"to_torch: {exc}") from None
    for k, layer in enumerate(model.layers):
        linear = torch.nn.Linear(len(weights[k][0]), len(weights[k]), bias=model.bias)
        linear = linear.to(torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights[k], dtype=torch.float64))
            if biases is not None:
                linear.bias.copy_(torch.tensor(biases[k], dtype=torch.float64))
        modules.append(linear)
        name = layer.neurons[0].activation
        activation = ops.ACTIVATIONS.get(name)
        module = getattr(torch.nn, activation.torch_module, None) if activation else None
        if activation is None or module is None:
            raise ValueError(f"to_torch: layer {k}'s activation {name!r} has no torch.nn module")
        if activation.kernel is not None:  # linear needs no module
            modules.append(module())
    return torch.nn.Sequential(*modules)
