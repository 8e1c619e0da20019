"""The README's first example: one SGD step of the linear-regression walkthrough."""

from micrograd_covid import SGD, Value, explain, render, squared_error

w1, w2, b = (
    Value(v, name, role="param") for v, name in [(-0.017, "w1"), (-0.048, "w2"), (0.0, "b")]
)
x1, x2, y = Value(4.0, "x1"), Value(1.0, "x2"), Value(2.0, "y")
y_hat = Value.dot([w1, w2], [x1, x2], b)  # one node, wired to w1, w2, x1, x2, b
y_hat.label, y_hat.role = "ŷ", "model"
loss = squared_error(y_hat, y)  # one node: ∂L/∂ŷ = 2(ŷ − y)
loss.label = "L"
loss.backward()
print(explain(loss, w1))  # ∂L/∂w1 = ∂L/∂ŷ · ∂ŷ/∂w1 = (-4.232)(4) = -16.928
SGD([w1, w2, b], lr=0.05).step()
print(render(loss, "walkthrough.svg"))  # colour-coded, partials on the edges, b = 0 → 0.2116
