"""The walkthrough's SGD steps on one graph: feed each row into the placeholders and replay it."""

from micrograd_covid import SGD, Tape, Value, regression_rows, squared_error

w1, w2, b = (
    Value(-0.017, "w1", role="param"),
    Value(-0.048, "w2", role="param"),
    Value(0.0, "b", role="param"),
)
x1, x2, y = Value(0.0, "x1"), Value(0.0, "x2"), Value(0.0, "y")  # placeholders
loss = squared_error(Value.dot([w1, w2], [x1, x2], b), y)
tape = Tape(loss)  # recorded once: 2 nodes, re-run for every row
opt = SGD([w1, w2, b], lr=0.05)
for step, row in enumerate(regression_rows(), start=1):
    x1.data, x2.data, y.data = row  # feed the batch
    value = tape.forward()  # recompute every node in place
    opt.zero_grad()
    tape.backward()  # backprop over the recorded order
    opt.step()
    weights = f"w1 = {w1.data:.10g}, w2 = {w2.data:.10g}, b = {b.data:.10g}"
    print(f"step {step}: L = {value:.10g}, {weights}")
