"""Step through backprop in pdb: run `python -m pdb examples/step_through_backprop.py`, then `c`.

At each breakpoint, `p step` shows the node whose gradient is being passed on, `p str(step)`
the chain rule of that step, and `p w1.grad` a gradient filling in; `c` goes to the next step.
"""

from micrograd_covid import Value, squared_error

w1 = Value(-0.017, "w1", role="param")
w2 = Value(-0.048, "w2", role="param")
b = Value(0.0, "b", role="param")
x1, x2, y = Value(4.0, "x1"), Value(1.0, "x2"), Value(2.0, "y")

y_hat = Value.dot([w1, w2], [x1, x2], b)
y_hat.label = "ŷ"
loss = squared_error(y_hat, y)
loss.label = "L"

for step in loss.backward_steps():  # noqa: B007 (read in the debugger)
    breakpoint()  # p step / p str(step) / p w1.grad, then c

print(f"∂L/∂w1 = {w1.grad:.6g}, ∂L/∂w2 = {w2.grad:.6g}, ∂L/∂b = {b.grad:.6g}")
