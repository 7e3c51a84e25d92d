"""Cost of the LR range test on the MNIST-5k MLP: total time, and per-step overhead over plain ``fit``.

    python benchmarks/lr_finder_overhead.py [--repeats 7] [--csv benchmarks/results/lr_finder_overhead.csv]

The issue's budget: the range test on the MNIST-5k MLP (Dense(512) + Dense(10), Adam) runs at
most one epoch of steps and 10 s, with a per-step overhead of at most 10% over plain ``fit``.

* **Cold run**: a freshly built and compiled model, ``find_lr`` with its defaults (100 steps
  of 32 images = 3,200 images, less than one pass over the 4,000 training images); the time
  includes tracing the training step, which a plain ``fit`` pays as well.
* **First test on a trained model**: the finder runs its chores (zeroing the metrics,
  setting the next rate) inside its own compiled training step, traced once per compiled
  model and then kept; this times that first ``find_lr`` of 100 steps, tracing included.
* **Per step**: on a model whose training step is already traced, alternately a plain
  ``model.fit`` of 100 batches of 32 and a ``find_lr`` of 100 steps (``end_lr=1e-3``, so the
  sweep does not stop early), each repeated; the medians of seconds per step are compared.
  The finder's time includes taking and restoring the snapshot of the state.

Timings on a shared machine are noisy: the script reports the medians, the fastest repeat of
each and the spread. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from lr_finder_vs_grid import build_mlp as build_grid_mlp  # noqa: E402

import lrutils as lu  # noqa: E402
from lrutils.lr_finder import find_lr  # noqa: E402

BATCH_SIZE = 32
STEPS = 100


def build_mlp() -> keras.Model:
    """The MNIST-5k MLP of the finder-vs-grid benchmark, compiled with Adam at 1e-3."""
    return build_grid_mlp(784, 512, 1e-3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--csv", type=Path, default=None, help="write the summary here")
    args = parser.parse_args(argv)

    data = lu.load_data("mnist5k", flatten=True)
    x, y = data.x_train, data.y_train
    steps_per_epoch = int(np.ceil(len(x) / BATCH_SIZE))

    lu.set_seed(0, keras=True)
    cold_model = build_mlp()
    start = time.perf_counter()
    cold = find_lr(cold_model, (x, y))
    cold_s = time.perf_counter() - start
    print(f"cold find_lr: {cold_s:.2f} s, {len(cold.losses)} steps "
          f"(one epoch = {steps_per_epoch} steps of {BATCH_SIZE}), stop_reason={cold.stop_reason}")

    lu.set_seed(0, keras=True)
    model = build_mlp()
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, steps_per_epoch=10, verbose=0)  # trace
    start = time.perf_counter()
    find_lr(model, (x, y), end_lr=1e-3, num_steps=STEPS)  # traces the finder's own step
    first_s = time.perf_counter() - start
    print(f"first find_lr on a trained model (traces the finder's step): {first_s:.2f} s for {STEPS} steps")
    plain, finder = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, steps_per_epoch=STEPS, verbose=0)
        plain.append((time.perf_counter() - start) / STEPS)
        start = time.perf_counter()
        result = find_lr(model, (x, y), end_lr=1e-3, num_steps=STEPS)
        finder.append((time.perf_counter() - start) / len(result.losses))
        assert len(result.losses) == STEPS, result
    p, f = statistics.median(plain), statistics.median(finder)
    overhead = f / p - 1
    overhead_min = min(finder) / min(plain) - 1
    print(f"plain fit: median {p * 1e3:.3f} ms/step (min {min(plain) * 1e3:.3f}, max {max(plain) * 1e3:.3f})")
    print(f"find_lr:   median {f * 1e3:.3f} ms/step (min {min(finder) * 1e3:.3f}, max {max(finder) * 1e3:.3f})")
    print(f"per-step overhead: {100 * overhead:+.1f}% (medians over {args.repeats} alternating repeats), "
          f"{100 * overhead_min:+.1f}% (fastest of each)")
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with args.csv.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["cold_seconds", "cold_steps", "steps_per_epoch", "first_on_trained_seconds",
                             "repeats", "plain_ms_per_step", "finder_ms_per_step", "overhead_median",
                             "overhead_fastest"])
            writer.writerow([f"{cold_s:.3f}", len(cold.losses), steps_per_epoch, f"{first_s:.3f}",
                             args.repeats, f"{p * 1e3:.4f}", f"{f * 1e3:.4f}", f"{overhead:.4f}",
                             f"{overhead_min:.4f}"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
