"""Train a two-moons classifier with hinge loss and draw its decision boundary.

python examples/train_moons.py [--epochs 100] [--out moons_boundary.png]
"""

import argparse

from micrograd_covid import MLP, SGD, accuracy, fit, hinge, moons, plot_decision_boundary

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=100, help="full-batch steps (default 100)")
parser.add_argument("--out", default="moons_boundary.png", help="the PNG to write")
args = parser.parse_args()

xs, ys = moons(n=100, noise=0.1, seed=0)  # 100 points (x1, x2), labels -1 or +1
model = MLP(2, [16, 16, 1], activation="relu", seed=0)  # one score: > 0 means +1
optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)

# Full batch (batch_size=None): each epoch is one step on the mean of max(0, 1 − y·score).
history = fit(model, xs, ys, loss=hinge, optimizer=optimizer, epochs=args.epochs)
for epoch, loss in enumerate(history.epoch_loss, start=1):
    if epoch == 1 or epoch % 20 == 0 or epoch == args.epochs:
        print(f"epoch {epoch} loss {loss:.6f}")

print(f"accuracy: {accuracy([model(x) for x in xs], ys):.0%} of {len(xs)} points")
print(f"wrote {plot_decision_boundary(model, xs, ys, args.out)}")
