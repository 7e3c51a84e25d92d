"""Cost of the LR range test on the MNIST-5k MLP: total time, and per-step overhead over plain ``fit``.

    python benchmarks/lr_finder_overhead.py [--repeats 7] [--csv benchmarks/results/lr_finder_overhead.csv]

The budget: the range test on the MNIST-5k MLP (Dense(512) + Dense(10), Adam) has a per-step
overhead of at most 10% over plain ``fit``, for its sweep and for its trials.

* **Cold run**: a freshly built and compiled model, ``find_lr`` with its defaults (a sweep of
  at most 100 steps of 32 images, then three trials of 50 steps); the time includes tracing
  the training step, which a plain ``fit`` pays as well.
* **First test on a trained model**: the finder runs its chores (zeroing the metrics,
  setting the next rate) inside its own compiled training step, traced once per compiled
  model and then kept; this times that first ``find_lr`` of 100 steps, tracing included.
* **Per step**: on a model whose training step is already traced, in turn a plain
  ``model.fit`` of 100 batches of 32, a sweep alone (``find_lr`` with ``suggestion="valley"``,
  100 steps, ``end_lr=1e-3`` so that it does not stop early), plain fits shaped like the
  default test (100 batches, then three fits of 50) and the default test (the same sweep and
  its three trials), each repeated; the medians of seconds per step are compared: the sweep
  with the plain fit, the default test with the plain fits of the same lengths (each ``fit``
  call has a fixed cost, which the trials pay three times), and the default test with the
  single plain fit too. The finder's time includes taking
  and restoring the snapshot of the state (once for the sweep and once per trial).

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

import keras  # noqa: E402
import numpy as np  # noqa: E402

import lrutils as lu  # noqa: E402
from lrutils.lr_finder import find_lr  # noqa: E402

BATCH_SIZE = 32
STEPS = 100


def build_mlp() -> keras.Model:
    """Dense(512, relu) + Dense(10, softmax) on MNIST-5k, compiled with Adam at 1e-3."""
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


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
    print(f"cold find_lr: {cold_s:.2f} s, {cold.total_steps} steps ({len(cold.losses)} of the sweep; "
          f"one epoch = {steps_per_epoch} steps of {BATCH_SIZE}), stop_reason={cold.stop_reason}")

    lu.set_seed(0, keras=True)
    model = build_mlp()
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, steps_per_epoch=10, verbose=0)  # trace
    start = time.perf_counter()
    find_lr(model, (x, y), end_lr=1e-3, num_steps=STEPS, suggestion="valley")  # traces the finder's step
    first_s = time.perf_counter() - start
    print(f"first find_lr on a trained model (traces the finder's step): {first_s:.2f} s for {STEPS} steps")
    plain, sweep, matched, default = [], [], [], []
    trial_steps = 50  # find_lr's default
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, steps_per_epoch=STEPS, verbose=0)
        plain.append((time.perf_counter() - start) / STEPS)
        start = time.perf_counter()
        result = find_lr(model, (x, y), end_lr=1e-3, num_steps=STEPS, suggestion="valley")
        sweep.append((time.perf_counter() - start) / result.total_steps)
        assert len(result.losses) == STEPS, result
        # plain fits shaped like the default test: one of STEPS batches, three of trial_steps
        start = time.perf_counter()
        for steps in (STEPS, trial_steps, trial_steps, trial_steps):
            model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, steps_per_epoch=steps, verbose=0)
        matched.append((time.perf_counter() - start) / (STEPS + 3 * trial_steps))
        start = time.perf_counter()
        result = find_lr(model, (x, y), end_lr=1e-3, num_steps=STEPS)
        default.append((time.perf_counter() - start) / result.total_steps)
        assert result.trials is not None and result.trials.steps == trial_steps, result
    p, f, m, d = (statistics.median(v) for v in (plain, sweep, matched, default))
    overhead, overhead_default, default_vs_plain = f / p - 1, d / m - 1, d / p - 1
    overhead_min = min(sweep) / min(plain) - 1
    for name, values in (("plain fit", plain), ("sweep", sweep), ("plain x4", matched), ("default", default)):
        print(f"{name:9s}: median {statistics.median(values) * 1e3:.3f} ms/step "
              f"(min {min(values) * 1e3:.3f}, max {max(values) * 1e3:.3f})")
    print(f"per-step overhead of the sweep: {100 * overhead:+.1f}% (medians over {args.repeats} repeats), "
          f"{100 * overhead_min:+.1f}% (fastest of each)")
    print(f"per-step overhead of the default test (sweep and trials) over plain fits of the same "
          f"lengths: {100 * overhead_default:+.1f}%; over one plain fit: {100 * default_vs_plain:+.1f}%")
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with args.csv.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["cold_seconds", "cold_steps", "steps_per_epoch", "first_on_trained_seconds",
                             "repeats", "plain_ms_per_step", "finder_ms_per_step", "overhead_median",
                             "overhead_fastest", "matched_plain_ms_per_step", "default_ms_per_step",
                             "overhead_default_median", "default_vs_one_fit_median"])
            writer.writerow([f"{cold_s:.3f}", cold.total_steps, steps_per_epoch, f"{first_s:.3f}",
                             args.repeats, f"{p * 1e3:.4f}", f"{f * 1e3:.4f}", f"{overhead:.4f}",
                             f"{overhead_min:.4f}", f"{m * 1e3:.4f}", f"{d * 1e3:.4f}",
                             f"{overhead_default:.4f}", f"{default_vs_plain:.4f}"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
