"""Copying and pickling a graph without recursion, so a graph of any depth copies and pickles.

`Value.__copy__`, `__deepcopy__` and `__reduce_ex__` hand their work here, with the graph's
topological order (inputs first), so every loop runs over a flat list.
"""

from __future__ import annotations

import copy
import gc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["FIELDS", "copy_graph", "copy_node", "flatten", "unflatten", "user_attrs"]

#: A node's fields other than its inputs, in the order a pickled record lists them.
FIELDS = ("data", "grad", "label", "role", "op", "local_grads", "previous", "kernel", "params")

_object_getstate = getattr(object, "__getstate__", None)  # Python 3.11+


def user_attrs(node: Value) -> dict[str, Any] | None:
    """The node's own attributes (``p.m``), or None, without creating an empty __dict__.
    debug.py's notes (hooks, origin) stay with the node: copies and pickles go without."""
    if _object_getstate is not None:
        state = _object_getstate(node)
        attrs = state[0] if type(state) is tuple else state
    else:  # Python 3.10: a __dict__ is a referent once made
        attrs = next((ref for ref in gc.get_referents(node) if type(ref) is dict), None)
    if attrs and "_debug_notes" in attrs:
        attrs = {name: value for name, value in attrs.items() if name != "_debug_notes"}
    return attrs or None


def copy_node(node: Value) -> Value:
    """A shallow copy: a new node with the same fields and the same inputs."""
    twin = object.__new__(type(node))
    for name in FIELDS:
        setattr(twin, name, getattr(node, name))
    twin.inputs = node.inputs
    attrs = user_attrs(node)
    if attrs:
        twin.__dict__.update(attrs)
    return twin


def copy_graph(order: Sequence[Value], memo: dict[int, Any]) -> Value:
    """`copy.deepcopy` of the graph whose topological order is `order` (its root last): inputs
    are copied before the nodes that use them; a node already in `memo` (copied earlier in the
    same deepcopy) is reused."""
    for node in order:
        if id(node) in memo:
            continue
        twin = object.__new__(type(node))
        for name in FIELDS:
            setattr(twin, name, getattr(node, name))
        twin.inputs = tuple(memo[id(i)] for i in node.inputs)
        memo[id(node)] = twin
        attrs = user_attrs(node)
        if attrs:
            twin.__dict__.update(copy.deepcopy(attrs, memo))
    return memo[id(order[-1])]  # type: ignore[no-any-return]


def flatten(order: Sequence[Value]) -> list[Any]:
    """The graph whose topological order is `order` (its root last) as one flat list for
    pickle: other leaves as themselves (so pickle shares them, e.g. a model's parameters),
    every other node as a tuple of its fields with its inputs as positions in the list.
    Nothing nests, so any depth pickles. An interior node pickled both alone and inside
    another graph comes back as two copies (`copy.deepcopy` keeps all sharing)."""
    root = order[-1]
    position = {node: i for i, node in enumerate(order)}
    entries: list[Any] = []
    for node in order:
        if node.inputs or node is root:
            record = [getattr(node, name) for name in FIELDS]
            record.append(tuple(position[i] for i in node.inputs))
            record.append(user_attrs(node) or None)
            entries.append(tuple(record))
        else:
            entries.append(node)
    return entries


def unflatten(entries: list[Any], cls: type[Value]) -> Value:
    """Rebuild the graph `flatten` wrote, its records as nodes of `cls`; returns its root."""
    nodes: list[Value] = []
    for entry in entries:
        if isinstance(entry, cls):
            nodes.append(entry)
            continue
        node = object.__new__(cls)
        *fields, inputs, attrs = entry
        for name, value in zip(FIELDS, fields):
            setattr(node, name, value)
        node.inputs = tuple(nodes[i] for i in inputs)
        if attrs:
            node.__dict__.update(attrs)
        nodes.append(node)
    return nodes[-1]
