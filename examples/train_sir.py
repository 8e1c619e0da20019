"""Train an MLP on an SIR epidemic to predict tomorrow's new infections from the last 7 days."""

import time

from micrograd_covid import MLP, Adam, Scaler, fit, mse, sir_curve, windows

daily = sir_curve(days=120, population=1_000_000, infected=10, beta=0.3, gamma=0.1)
xs, ys = windows(daily, 7)
x_scaler, y_scaler = Scaler().fit(xs), Scaler().fit(ys)
xs_s, ys_s = x_scaler.transform(xs), y_scaler.transform(ys)

model = MLP(7, [8, 1], activation="tanh", seed=0)


def error() -> float:
    """Mean squared error in scaled units on the whole series."""
    return mse([model(x) for x in xs_s], ys_s).data  # type: ignore[misc]


before = error()
epochs = 200
start = time.perf_counter()
fit(model, xs_s, ys_s, optimizer=Adam(model.parameters(), lr=0.01), epochs=epochs, batch_size=16)
seconds = time.perf_counter() - start
after = error()

print(f"{len(xs)} windows of 7 days; MLP(7, [8, 1]), {len(model.parameters())} parameters")
print(f"error before: {before:.4f}, after {epochs} epochs: {after:.6f} (scaled units)")
print(f"{seconds / epochs * 1000:.1f} ms per epoch")
day = len(daily) // 3
guess = y_scaler.inverse([model(x_scaler.transform([xs[day]])[0]).data])[0]  # type: ignore[union-attr]
print(f"day {day + 7}: predicted {guess:,.0f} new infections, true {ys[day]:,.0f}")
