"""Does the LR finder work? Its suggestions against a grid of 7 rates, on three model/data pairs.

    python benchmarks/lr_finder_vs_grid.py [--pairs mlp-mnist5k cnn-mnist5k mlp-digits] [--seeds 0 1 2]
                                           [--out benchmarks/results]

For every pair and seed:

* **grid**: the model trained from the same initial weights at each of 7 rates, 1e-4 to 1e-1
  in half-decades, for the same number of epochs (Adam, batches of 32); the validation
  accuracy after the last epoch is kept;
* **finder**: :func:`lrutils.lr_finder.find_lr` with its defaults (1e-7 to 10 over 100
  batches of 32), then the model trained from the same initial weights at each rule's
  suggestion (valley, the default; steepest; minimum/10) for the same epochs.

Reported per pair: the best grid rate (highest mean validation accuracy over seeds), and for each
rule the mean accuracy at its suggestion relative to that best accuracy; the cost of the range
test relative to the whole grid, in training steps (exact) and in seconds (the median range
test against 7 times the median grid run: timings on a shared machine are noisy). The goal set in the book: the default suggestion reaches at least 98% of the
best grid accuracy at no more than 10% of the grid's cost.

Writes ``lr_finder_vs_grid_runs.csv`` (one row per training run or range test) and
``lr_finder_vs_grid.csv`` (the summary) under ``--out``. The chapter "Finding the learning
rate" reads both, and re-runs one pair with :func:`run_pair` to check them.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402

import lrutils as lu  # noqa: E402
from lrutils.lr_finder import SUGGESTION_RULES, find_lr  # noqa: E402

#: The grid: 7 rates, half a decade apart.
GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
BATCH_SIZE = 32
RESULTS = ROOT / "benchmarks" / "results"


def _compile(model: keras.Model, learning_rate: float) -> keras.Model:
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def build_mlp(input_dim: int, hidden: int, learning_rate: float) -> keras.Model:
    """Dense(hidden, relu) + Dense(10, softmax), Adam."""
    return _compile(keras.Sequential([
        keras.Input((input_dim,)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]), learning_rate)


def build_cnn(learning_rate: float) -> keras.Model:
    """The iThome LR-finder post's CNN (page 02-a-published-finder) on 28x28x1 images, Adam."""
    return _compile(keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPool2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(10, activation="softmax"),
    ]), learning_rate)


#: name -> (dataset name, flatten, build(learning_rate), epochs)
PAIRS: dict[str, tuple[str, bool, Callable[[float], keras.Model], int]] = {
    "mlp-mnist5k": ("mnist5k", True, lambda lr: build_mlp(784, 512, lr), 5),
    "cnn-mnist5k": ("mnist5k", False, build_cnn, 5),
    "mlp-digits": ("digits", True, lambda lr: build_mlp(64, 64, lr), 10),
}


def _train(build: Callable[[float], keras.Model], learning_rate: float, data: Any, epochs: int,
           seed: int) -> tuple[float, float, int]:
    """Validation accuracy after ``epochs``, seconds, and steps, from the seed's initial weights."""
    lu.set_seed(seed, keras=True)
    model = build(learning_rate)
    start = time.perf_counter()
    model.fit(data.x_train, data.y_train, batch_size=BATCH_SIZE, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(data.x_val, data.y_val, batch_size=256, verbose=0)
    steps = epochs * math.ceil(len(data.x_train) / BATCH_SIZE)
    return float(accuracy), seconds, steps


def run_pair(name: str, seeds: Sequence[int] = (0, 1, 2), grid: Sequence[float] = GRID,
             rules: Sequence[str] = SUGGESTION_RULES) -> list[dict[str, Any]]:
    """Every run of one pair: the grid, the range test and the training at each suggestion.

    Returns one dict per run with keys ``pair``, ``seed``, ``kind`` (``"grid"``,
    ``"range_test"`` or ``"suggestion"``), ``rule``, ``learning_rate``, ``val_accuracy``
    (empty for the range test), ``seconds`` and ``steps``.
    """
    dataset, flatten, build, epochs = PAIRS[name]
    data = lu.load_data(dataset, flatten=flatten)
    rows = []
    for seed in seeds:
        for rate in grid:
            accuracy, seconds, steps = _train(build, rate, data, epochs, seed)
            rows.append(dict(pair=name, seed=seed, kind="grid", rule="", learning_rate=rate,
                             val_accuracy=accuracy, seconds=seconds, steps=steps))
        lu.set_seed(seed, keras=True)
        model = build(1e-3)  # the rate it is compiled with does not matter: the test sets it
        start = time.perf_counter()
        result = find_lr(model, (data.x_train, data.y_train), batch_size=BATCH_SIZE)
        seconds = time.perf_counter() - start
        rows.append(dict(pair=name, seed=seed, kind="range_test", rule=result.stop_reason,
                         learning_rate=float(result.learning_rates[-1]), val_accuracy="",
                         seconds=seconds, steps=len(result.losses)))
        for rule in rules:
            rate = result.suggest(rule).learning_rate
            accuracy, seconds, steps = _train(build, rate, data, epochs, seed)
            rows.append(dict(pair=name, seed=seed, kind="suggestion", rule=rule, learning_rate=rate,
                             val_accuracy=accuracy, seconds=seconds, steps=steps))
    return rows


def summarize(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per pair and rule: accuracy relative to the best grid rate, and the cost ratios."""
    out = []
    for pair in dict.fromkeys(r["pair"] for r in rows):
        mine = [r for r in rows if r["pair"] == pair]
        grid = [r for r in mine if r["kind"] == "grid"]
        rates = sorted({float(r["learning_rate"]) for r in grid})
        mean_acc = {lr: np.mean([float(r["val_accuracy"]) for r in grid if float(r["learning_rate"]) == lr])
                    for lr in rates}
        best_rate = max(rates, key=lambda lr: mean_acc[lr])
        tests = [r for r in mine if r["kind"] == "range_test"]
        seeds = sorted({int(r["seed"]) for r in mine})
        # Medians, not sums, for the seconds: on a shared machine one run can stall for a minute.
        grid_seconds = len(rates) * float(np.median([float(r["seconds"]) for r in grid]))
        grid_steps = sum(int(r["steps"]) for r in grid) / len(seeds)
        test_seconds = float(np.median([float(r["seconds"]) for r in tests]))
        test_steps = np.mean([int(r["steps"]) for r in tests])
        for rule in dict.fromkeys(r["rule"] for r in mine if r["kind"] == "suggestion"):
            runs = [r for r in mine if r["kind"] == "suggestion" and r["rule"] == rule]
            accuracy = float(np.mean([float(r["val_accuracy"]) for r in runs]))
            lrs = [float(r["learning_rate"]) for r in runs]
            out.append(dict(
                pair=pair, rule=rule, seeds=len(seeds),
                suggested_lr=float(np.exp(np.mean(np.log(lrs)))),
                suggested_lr_min=min(lrs), suggested_lr_max=max(lrs),
                val_accuracy=accuracy,
                best_grid_lr=best_rate, best_grid_accuracy=float(mean_acc[best_rate]),
                relative_accuracy=accuracy / float(mean_acc[best_rate]),
                cost_steps=float(test_steps / grid_steps),
                cost_seconds=float(test_seconds / grid_seconds),
            ))
    return out


def _write(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--from-runs", type=Path, default=None,
                        help="recompute the summary from this runs CSV instead of training")
    args = parser.parse_args(argv)
    if args.from_runs:
        with args.from_runs.open() as fh:
            rows = list(csv.DictReader(fh))
    else:
        rows = []
        for pair in args.pairs:
            start = time.perf_counter()
            rows += run_pair(pair, seeds=args.seeds)
            print(f"{pair}: {time.perf_counter() - start:.0f} s", flush=True)
        _write(args.out / "lr_finder_vs_grid_runs.csv", rows)
    summary = summarize(rows)
    _write(args.out / "lr_finder_vs_grid.csv", summary)
    for row in summary:
        print(f"{row['pair']:12s} {row['rule']:9s} lr {row['suggested_lr']:.2e} "
              f"acc {row['val_accuracy']:.4f} = {100 * row['relative_accuracy']:.1f}% of best grid "
              f"({row['best_grid_lr']:.0e}: {row['best_grid_accuracy']:.4f}); cost "
              f"{100 * row['cost_steps']:.1f}% of the grid's steps, {100 * row['cost_seconds']:.1f}% of its time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
