"""How much the curvature measurements of chapter 7 cost, and whether the edge of stability
shows up at this scale (groundwork for the chapter; no file is written).

1. Sharpness (top Hessian eigenvalue, lrutils.sharpness) of an MLP on MNIST-5k examples:
   seconds per call and Hessian-vector products needed, for a few subset sizes.
2. Full-batch gradient descent on a small subset at several rates, sharpness traced: does it
   rise to about 2/eta and hover there (Cohen et al., 2021)?

Run: LRUTILS_STATIC=1 python benchmarks/curvature_feasibility.py

Measured on the 2-core development machine (2026-11-30), MLP 784-32(tanh)-10:
- sharpness at initialisation (cross-entropy): about 10, 6 Hessian-vector products, 0.2 to 0.4 s
  for 250 to 4,000 examples: cheap enough to trace during training.
- cross-entropy, 500 examples, 1,500 full-batch steps at eta = 0.05, 0.1, 0.2 (2/eta = 40, 20,
  10, above the initial sharpness): the sharpness only falls (10 to below 2) as the loss goes
  to 0; no progressive sharpening at this scale and loss.
- MSE on one-hot targets (initial sharpness 17.8), 2,000 steps: at eta = 0.4 (2/eta = 5) the
  sharpness drops at once to 4.9-5.2 and stays there, while the loss falls to 0.009 with 646
  rising steps: the edge of stability, reached through a catapult-like first phase. At eta =
  0.2 it settles at 7.5-7.8, below 2/eta = 10; at 0.05 and 0.1 it falls slowly (17 to 11-12).
  About 15-27 s per rate with 40 sharpness calls: a chapter page can afford two or three runs.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf

import lrutils as lu


def mlp(hidden=32, seed=0, loss=None):
    lu.set_seed(seed, keras=True)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(hidden, activation="tanh"),
                              keras.layers.Dense(10)])
    model.compile(keras.optimizers.SGD(0.01),
                  loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def timing(data):
    print("== sharpness of an MLP 784-32-10 at initialisation")
    for n in (250, 1000, 4000):
        model = mlp()
        x, y = data.x_train[:n], data.y_train[:n]
        start = time.perf_counter()
        s = lu.sharpness(model, x, y)
        print(f"n={n:5d}: lambda_max {s.value:8.3f}, {s.iterations:2d} products, converged {s.converged}, "
              f"{time.perf_counter() - start:5.2f} s")


def _full_batch_steps(model, loss_fn, x, y, rate):
    variables = model.trainable_variables

    @tf.function
    def run(k):
        losses = tf.TensorArray(tf.float32, size=k)
        for i in tf.range(k):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=False))
            grads = tape.gradient(loss, variables)
            for v, g in zip(variables, grads):
                v.assign_sub(rate * g)
            losses = losses.write(i, loss)
        return losses.stack()

    return run


def edge_of_stability(data, rates=(0.05, 0.1, 0.2), n=500, steps=1500, every=50, mse=False):
    kind = "MSE on one-hot targets" if mse else "cross-entropy"
    print(f"== full-batch gradient descent on {n} examples ({kind}), sharpness every {every} steps")
    x = tf.constant(data.x_train[:n])
    labels = data.y_train[:n]
    targets = np.eye(10, dtype="float32")[labels] if mse else labels
    y = tf.constant(targets)
    for rate in rates:
        loss_fn = (keras.losses.MeanSquaredError() if mse
                   else keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model = mlp(loss=loss_fn)

        run = _full_batch_steps(model, loss_fn, x, y, rate)

        start = time.perf_counter()
        trace, losses = [], []
        for _ in range(steps // every):
            losses.extend(run(tf.constant(every)).numpy().tolist())
            if not np.isfinite(losses[-1]):
                print(f"eta={rate}: diverged")
                break
            trace.append(lu.sharpness(model, data.x_train[:n], targets, max_iterations=20).value)
        elapsed = time.perf_counter() - start
        if not np.isfinite(losses[-1]):
            continue
        ups = int(np.sum(np.diff(losses) > 0))
        print(f"eta={rate}: 2/eta={2 / rate:6.1f}; sharpness " + " ".join(f"{v:.1f}" for v in trace[::3])
              + f"; final loss {losses[-1]:.4f}, {ups} rising steps; {elapsed:.1f} s")


if __name__ == "__main__":
    data = lu.load_data("mnist5k", flatten=True)
    timing(data)
    edge_of_stability(data)
    edge_of_stability(data, rates=(0.02, 0.05, 0.1), mse=True)
