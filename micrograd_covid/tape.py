"""Record a graph once, then re-run it on new data without building a single new node.

The walkthrough calls x1, x2 and y placeholders: the graph is fixed and data is fed in. A
`Tape` does exactly that. Build the graph once, change any leaf's `.data` (placeholders,
weights after an optimizer step), then `forward()` recomputes every node in place from its
op record (``node.data, node.local_grads = node.kernel(input values, *node.params)``, the
kernels the ops ran), and `backward()` backpropagates over the recorded order. The numbers
are the ones a freshly built graph gives, bit for bit.

A forward that raises (a leaf set to nan or a str, a log of a negative number) leaves every
node as it was before the call, and the error names the op, the input and the node. Not
thread-safe, as the engine (see `micrograd_covid.engine`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .debug import MODES
from .engine import Value, interior_order, reset_gradients
from .ops import ZeroGrads

if TYPE_CHECKING:
    from .compile import Compiled

__all__ = ["Tape"]


class Tape:
    """A recorded graph that re-runs in place: `forward()` then `backward()`.

    Set leaves' `.data` between runs; every interior node is recomputed in topological
    order. The graph's shape is fixed: a relu that was off stays wired (its partials are
    zero), a dot keeps its constants.
    """

    def __init__(self, root: Value) -> None:
        """Record every interior node `root` depends on, in topological order."""
        if not isinstance(root, Value):
            raise TypeError(f"Tape: root must be a Value, got {type(root).__name__}")
        self.root = root
        self.order = interior_order(root)
        for node in self.order:
            if node.kernel is None:
                raise ValueError(f"Tape: node {node.name} (op {node.op!r}) has no kernel to re-run")

    def forward(self) -> float:
        """Recompute every node from the leaves' current data; returns the root's value.

        If an op raises, every node gets back the data and partials it had before the call
        (no half-updated graph) and the error is raised with the node's name added.
        """
        # What each node held, to put back if an op raises: two lists, cheaper than a
        # tuple per node.
        old_data = [node.data for node in self.order]
        old_grads = [node.local_grads for node in self.order]
        node = None
        try:
            for node in self.order:
                values = []
                for inp in node.inputs:
                    values.append(inp.data)
                node.data, node.local_grads = node.kernel(values, *node.params)  # type: ignore[misc]
        except Exception as error:
            for restored, data, local_grads in zip(self.order, old_data, old_grads):
                restored.data = data
                restored.local_grads = local_grads
            add_note = getattr(error, "add_note", None)  # Python 3.11+
            if node is not None and add_note is not None:
                add_note(
                    f"Tape.forward: at node {node.name} (op {node.op!r}); "
                    "every node was left as it was before this call"
                )
            raise
        return self.root.data

    def backward(self) -> None:
        """Backpropagate from the root over the recorded order (as `Value.backward`)."""
        if MODES.watching:  # hooks or anomaly mode: backward runs them, in the same order
            self.root.backward()
            return
        reset_gradients(self.order, self.root)
        # `Value.backward`'s chain-rule loop, over the recorded order
        for node in reversed(self.order):
            upstream = node.grad
            if type(node.local_grads) is ZeroGrads:
                continue  # a switched-off relu neuron passes nothing back
            for inp, local in zip(node.inputs, node.local_grads):
                inp.grad += local * upstream

    def compile(self) -> Compiled:
        """This graph as generated Python with the same contract, bit for bit: see
        `micrograd_covid.compile`. `.source` is the code, one line per node."""
        from .compile import compile_tape

        return compile_tape(self)

    def __len__(self) -> int:
        return len(self.order)
