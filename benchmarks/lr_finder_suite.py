"""The LR finder on problems it was not tuned on: a broad benchmark against a half-decade grid.

    python benchmarks/lr_finder_suite.py [--pairs NAME ...] [--seeds 0 1 2] [--out benchmarks/results]
                                         [--phase all|grid|finder]
    python benchmarks/lr_finder_suite.py --from-runs benchmarks/results/lr_finder_suite_runs.csv

Thirteen model/data pairs, all offline, chosen to differ from the chapter's MNIST examples in the
ways that move a range test's curve: the task (classification scored by validation accuracy,
regression scored by validation R^2), the model (dense, convolutional, recurrent), the optimizer
(SGD with momentum, RMSprop, Adam, AdamW), the batch size (16 to 256) and the data (scikit-learn's
small tabular sets, generated data, 8x8 digits, MNIST-5k). Ten were used to choose
:func:`~lrutils.lr_finder.find_lr`'s default suggestion (``lr_finder_suite_study.py``); three,
marked ``held_out``, were defined before that choice and not looked at while making it.

For every pair and seed:

* **grid**: the model trained from the seed's initial weights at each of 11 rates, 1e-5 to 1
  in half-decades, for the pair's epochs; its validation score is taken after every epoch,
  and two are kept: the best over the epochs (what early stopping with
  ``restore_best_weights`` would keep, the headline score) and the one after the last epoch
  (a run that overflows scores 0 accuracy, or the R^2 of predicting the mean, 0);
* **range test**: :func:`~lrutils.lr_finder.find_lr` with its defaults on the same initial
  weights and batch size, timed; its steps count the sweep and the trials;
* **suggestions**: the model trained from the same initial weights, scored the same way, at
  ``find_lr``'s default suggestion ("default") and at each of fastai's rules read off the same
  sweep (valley, steepest, minimum).

``--phase grid`` runs the grid (and stores the curves below) only; ``--phase finder`` runs the
range tests and suggestions only, keeping the stored grid runs.

Writes, under ``--out``:

* ``lr_finder_suite_runs.csv``: one row per training run or range test;
* ``lr_finder_suite_curves.json``: by pair and seed, the curve of a 100-step sweep (rates and
  raw batch losses) and of a 300-step one, and the training losses of every grid run (per
  batch for its first 400 steps, per epoch after) with its validation scores per epoch: what
  a short trial run at each grid rate would have seen, for studying rules without training;
* ``lr_finder_suite.csv``: per pair and rule, the best grid rate (highest mean score over the
  seeds) and score, the rule's rates (geometric mean, min, max over seeds), its mean score and
  that score as a share of the best grid score, for the best-epoch score and (``final_``
  columns) the last-epoch one, and the range test's cost as a share of the grid's, in steps
  (exact) and seconds (median test against 11 median grid runs).

The score share of a pair is computed on the mean over seeds; the summary printed at the end
gives, per rule, the mean and the worst share over the pairs.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402

import lrutils as lu  # noqa: E402
from lrutils.lr_finder import SUGGESTION_RULES, find_lr  # noqa: E402

#: The grid: 11 rates, half a decade apart, from 1e-5 to 1.
GRID = tuple(float(10.0 ** e) for e in np.arange(-5.0, 0.01, 0.5))
RESULTS = ROOT / "benchmarks" / "results"


# --------------------------------------------------------------------------------------
# Data: arrays (x_train, y_train, x_val, y_val), float32 inputs, standardised where tabular
# --------------------------------------------------------------------------------------
def _split(x: np.ndarray, y: np.ndarray, *, stratify: bool, standardize: bool = True,
           val_fraction: float = 0.25, seed: int = 1234):
    from sklearn.model_selection import train_test_split

    x_tr, x_va, y_tr, y_va = train_test_split(
        x, y, test_size=val_fraction, random_state=seed, stratify=y if stratify else None)
    if standardize:
        mean, std = x_tr.mean(axis=0), x_tr.std(axis=0) + 1e-8
        x_tr, x_va = (x_tr - mean) / std, (x_va - mean) / std
    return x_tr.astype("float32"), y_tr, x_va.astype("float32"), y_va


def _regression_targets(y_tr: np.ndarray, y_va: np.ndarray):
    mean, std = y_tr.mean(), y_tr.std()
    return ((y_tr - mean) / std).astype("float32"), ((y_va - mean) / std).astype("float32")


def data_breast_cancer():
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    return _split(x, y.astype("int64"), stratify=True)


def data_wine():
    from sklearn.datasets import load_wine

    x, y = load_wine(return_X_y=True)
    return _split(x, y.astype("int64"), stratify=True)


def data_many_classes():
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=4000, n_features=40, n_informative=24, n_redundant=8,
                               n_classes=20, n_clusters_per_class=1, class_sep=1.5, random_state=0)
    return _split(x, y.astype("int64"), stratify=True)


def data_moons():
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=3000, noise=0.25, random_state=0)
    return _split(x, y.astype("int64"), stratify=True)


def data_friedman():
    from sklearn.datasets import make_friedman1

    x, y = make_friedman1(n_samples=3000, n_features=10, noise=1.0, random_state=0)
    x_tr, y_tr, x_va, y_va = _split(x, y, stratify=False)
    t_tr, t_va = _regression_targets(y_tr, y_va)
    return x_tr, t_tr, x_va, t_va


def data_diabetes():
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    x_tr, y_tr, x_va, y_va = _split(x, y, stratify=False)
    t_tr, t_va = _regression_targets(y_tr, y_va)
    return x_tr, t_tr, x_va, t_va


def data_regression():
    from sklearn.datasets import make_regression

    x, y = make_regression(n_samples=2000, n_features=20, n_informative=10, noise=10.0, random_state=0)
    x_tr, y_tr, x_va, y_va = _split(x, y, stratify=False)
    t_tr, t_va = _regression_targets(y_tr, y_va)
    return x_tr, t_tr, x_va, t_va


def data_circles():
    from sklearn.datasets import make_circles

    x, y = make_circles(n_samples=2000, noise=0.1, factor=0.5, random_state=0)
    return _split(x, y.astype("int64"), stratify=True)


def data_digits_flat():
    d = lu.load_data("digits", flatten=True)
    return d.x_train, d.y_train, d.x_val, d.y_val


def data_digits_images():
    d = lu.load_data("digits")
    return d.x_train, d.y_train, d.x_val, d.y_val


def data_digits_rows():
    """The 8x8 digits read as sequences of 8 rows of 8 pixels, for a recurrent network."""
    d = lu.load_data("digits")
    return d.x_train[..., 0], d.y_train, d.x_val[..., 0], d.y_val


def data_mnist5k_flat():
    d = lu.load_data("mnist5k", flatten=True)
    return d.x_train, d.y_train, d.x_val, d.y_val


# --------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------
OPTIMIZERS: dict[str, Callable[[float], keras.optimizers.Optimizer]] = {
    "sgd-momentum": lambda lr: keras.optimizers.SGD(learning_rate=lr, momentum=0.9),
    "rmsprop": lambda lr: keras.optimizers.RMSprop(learning_rate=lr),
    "adam": lambda lr: keras.optimizers.Adam(learning_rate=lr),
    "adamw": lambda lr: keras.optimizers.AdamW(learning_rate=lr, weight_decay=1e-4),
}


def mlp(input_dim: int, hidden: Sequence[int], outputs: int, activation: str = "relu") -> keras.Model:
    layers = [keras.Input((input_dim,))]
    layers += [keras.layers.Dense(h, activation=activation) for h in hidden]
    layers += [keras.layers.Dense(outputs, activation="softmax" if outputs > 1 else None)]
    return keras.Sequential(layers)


def small_cnn() -> keras.Model:
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.MaxPool2D(),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(10, activation="softmax"),
    ])


def small_gru() -> keras.Model:
    return keras.Sequential([
        keras.Input((8, 8)),
        keras.layers.GRU(32),
        keras.layers.Dense(10, activation="softmax"),
    ])


@dataclass(frozen=True)
class Pair:
    """A model/data pair: how to load its data and build its (uncompiled) model, and how to train."""

    name: str
    task: str  # "classification" (score: validation accuracy) or "regression" (score: validation R^2)
    data: Callable[[], tuple]
    model: Callable[[], keras.Model]
    optimizer: str
    batch_size: int
    epochs: int
    held_out: bool = False  # not looked at while the default suggestion was chosen

    def build(self, learning_rate: float) -> keras.Model:
        model = self.model()
        if self.task == "classification":
            model.compile(optimizer=OPTIMIZERS[self.optimizer](learning_rate),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        else:
            model.compile(optimizer=OPTIMIZERS[self.optimizer](learning_rate), loss="mse")
        return model


PAIRS: dict[str, Pair] = {p.name: p for p in [
    Pair("cancer-mlp-sgd", "classification", data_breast_cancer,
         lambda: mlp(30, [32, 16], 2), "sgd-momentum", 16, 20),
    Pair("wine-mlp-rmsprop", "classification", data_wine,
         lambda: mlp(13, [32], 3), "rmsprop", 16, 30),
    Pair("classes20-mlp-rmsprop", "classification", data_many_classes,
         lambda: mlp(40, [128, 64], 20), "rmsprop", 64, 10),
    Pair("moons-mlp-sgd", "classification", data_moons,
         lambda: mlp(2, [32, 32], 2, activation="tanh"), "sgd-momentum", 256, 40),
    Pair("friedman-mlp-adam", "regression", data_friedman,
         lambda: mlp(10, [64, 64], 1), "adam", 32, 15),
    Pair("diabetes-mlp-adamw", "regression", data_diabetes,
         lambda: mlp(10, [32], 1), "adamw", 16, 40),
    Pair("digits-cnn-sgd", "classification", data_digits_images,
         small_cnn, "sgd-momentum", 32, 10),
    Pair("digits-gru-adam", "classification", data_digits_rows,
         small_gru, "adam", 64, 15),
    Pair("mnist5k-mlp-adamw", "classification", data_mnist5k_flat,
         lambda: mlp(784, [256], 10), "adamw", 128, 8),
    Pair("mnist5k-mlp-rmsprop", "classification", data_mnist5k_flat,
         lambda: mlp(784, [512], 10), "rmsprop", 32, 4),
    # Held out: defined before the default suggestion was chosen, and not used to choose it.
    Pair("digits-mlp-adam", "classification", data_digits_flat,
         lambda: mlp(64, [64], 10), "adam", 32, 10, held_out=True),
    Pair("regression-mlp-sgd", "regression", data_regression,
         lambda: mlp(20, [64], 1), "sgd-momentum", 64, 20, held_out=True),
    Pair("circles-mlp-adamw", "classification", data_circles,
         lambda: mlp(2, [16, 16], 2, activation="tanh"), "adamw", 128, 30, held_out=True),
]}


# --------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------
def score(pair: Pair, model: keras.Model, x_val: np.ndarray, y_val: np.ndarray) -> float:
    """Validation accuracy or R^2; a diverged model scores 0 (chance-free floor) rather than NaN."""
    prediction = model.predict(x_val, batch_size=512, verbose=0)
    if not np.all(np.isfinite(prediction)):
        return 0.0
    if pair.task == "classification":
        return float(np.mean(np.argmax(prediction, axis=1) == y_val))
    residual = np.sum((y_val - prediction[:, 0]) ** 2)
    total = np.sum((y_val - y_val.mean()) ** 2)
    return float(max(0.0, 1.0 - residual / total))


#: Training losses recorded per batch for the first this many steps of every grid run.
HISTORY_STEPS = 400


class _History(keras.callbacks.Callback):
    """Keras's running mean of the loss after each of the first steps, and at each epoch's end.

    Within an epoch of equal batches, the mean loss of batches a+1..b is
    (b * m_b - a * m_a) / (b - a): what a short trial run at this rate would have seen.
    """

    def __init__(self, max_steps: int):
        super().__init__()
        self.max_steps = max_steps
        self.running: list[float] = []  # per batch, reset to a new mean at each epoch
        self.epoch_losses: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        if len(self.running) < self.max_steps:
            self.running.append(float(logs["loss"]))

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_losses.append(float(logs["loss"]))


class _Validation(keras.callbacks.Callback):
    """The validation score after every epoch (what early stopping would choose from)."""

    def __init__(self, pair: Pair, x_val: np.ndarray, y_val: np.ndarray):
        super().__init__()
        self.pair, self.x_val, self.y_val = pair, x_val, y_val
        self.scores: list[float] = []
        self.seconds = 0.0  # spent scoring, taken out of the training time

    def on_epoch_end(self, epoch, logs=None):
        start = time.perf_counter()
        self.scores.append(score(self.pair, self.model, self.x_val, self.y_val))
        self.seconds += time.perf_counter() - start


def train(pair: Pair, data: tuple, learning_rate: float, seed: int,
          history: dict | None = None) -> tuple[float, float, float, int]:
    """Scores after ``pair.epochs`` from the seed's initial weights: (final, best epoch), seconds, steps.

    ``final`` is the validation score after the last epoch; ``best`` the highest score after
    any epoch, what early stopping with ``restore_best_weights`` keeps. ``seconds`` counts the
    training only (the per-epoch scoring is timed apart). With ``history`` (a dict), the run's
    losses are stored in it: ``running`` (Keras's running mean after each of the first
    :data:`HISTORY_STEPS` batches, restarting every epoch), ``steps_per_epoch``,
    ``epoch_losses`` and ``val_scores`` (per epoch).
    """
    x_tr, y_tr, x_va, y_va = data
    lu.set_seed(seed, keras=True)
    model = pair.build(learning_rate)
    record = _History(HISTORY_STEPS)
    validation = _Validation(pair, x_va, y_va)
    start = time.perf_counter()
    model.fit(x_tr, y_tr, batch_size=pair.batch_size, epochs=pair.epochs, verbose=0,
              callbacks=[record, validation])
    seconds = time.perf_counter() - start - validation.seconds
    final = score(pair, model, x_va, y_va)
    steps = pair.epochs * math.ceil(len(x_tr) / pair.batch_size)
    if history is not None:
        history.update(running=record.running, epoch_losses=record.epoch_losses,
                       steps_per_epoch=math.ceil(len(x_tr) / pair.batch_size),
                       val_scores=validation.scores)
    return final, max(validation.scores), seconds, steps


def run_grid(name: str, seeds: Sequence[int] = (0, 1, 2),
             grid: Sequence[float] = GRID) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The grid runs of one pair, and for study the range-test curves (100 and 300 steps).

    Returns (rows, curves) with curves[seed] = {"rates", "losses", "stop_reason",
    "long_rates", "long_losses", "long_stop_reason", "grid_histories"}.
    """
    pair = PAIRS[name]
    data = pair.data()
    rows, curves = [], {}
    for seed in seeds:
        histories = {}
        for rate in grid:
            histories[f"{rate:.6g}"] = history = {}
            final, best, seconds, steps = train(pair, data, rate, seed, history)
            rows.append(dict(pair=name, seed=seed, kind="grid", rule="", learning_rate=rate,
                             score=final, best_epoch_score=best, seconds=seconds, steps=steps,
                             stop_reason=""))
        sweeps = {}
        for key, num_steps in (("", 100), ("long_", 300)):
            lu.set_seed(seed, keras=True)
            found = find_lr(pair.build(1e-3), (data[0], data[1]), batch_size=pair.batch_size,
                            num_steps=num_steps, suggestion="valley")
            sweeps.update({key + "rates": [float(r) for r in found.learning_rates],
                           key + "losses": [float(v) for v in found.losses],
                           key + "stop_reason": found.stop_reason})
        curves[str(seed)] = dict(**sweeps, grid_histories=histories)
    return rows, curves


def run_finder(name: str, seeds: Sequence[int] = (0, 1, 2)) -> list[dict[str, Any]]:
    """The range tests of one pair, timed, and a training run at each rule's suggestion.

    Per seed, two tests from the seed's initial weights: :func:`find_lr` with its defaults
    (sweep and trials; its suggestion is the "default" rule) and with
    ``suggestion="valley"`` (the sweep alone, which is all fastai's rules need; valley,
    steepest and minimum are read off it). Both sweeps are the same computation; the
    benchmark checks that they recorded the same losses.
    """
    pair = PAIRS[name]
    data = pair.data()
    rows = []
    for seed in seeds:
        found = {}
        for test, suggestion in (("default", "trials"), ("curve rules", "valley")):
            lu.set_seed(seed, keras=True)
            model = pair.build(1e-3)  # the test sets the rate itself
            start = time.perf_counter()
            found[test] = result = find_lr(model, (data[0], data[1]), batch_size=pair.batch_size,
                                           suggestion=suggestion)
            seconds = time.perf_counter() - start
            rows.append(dict(pair=name, seed=seed, kind="range_test", rule=test,
                             learning_rate=float(result.learning_rates[-1]), score="", best_epoch_score="",
                             seconds=seconds, steps=result.total_steps, stop_reason=result.stop_reason))
        if not np.array_equal(found["default"].losses, found["curve rules"].losses):
            print(f"warning: {name} seed {seed}: the two sweeps differ", flush=True)
        suggestions = {"default": found["default"].suggested_lr}
        suggestions.update({rule: found["curve rules"].suggest(rule).learning_rate for rule in SUGGESTION_RULES})
        for rule, rate in suggestions.items():
            final, best, seconds, steps = train(pair, data, rate, seed)
            rows.append(dict(pair=name, seed=seed, kind="suggestion", rule=rule,
                             learning_rate=rate, score=final, best_epoch_score=best,
                             seconds=seconds, steps=steps, stop_reason=""))
    return rows


def summarize(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per pair and rule (see the module docstring)."""
    out = []
    for name in dict.fromkeys(r["pair"] for r in rows):
        mine = [r for r in rows if r["pair"] == name]
        grid = [r for r in mine if r["kind"] == "grid"]
        rates = sorted({float(r["learning_rate"]) for r in grid})
        seeds = sorted({int(r["seed"]) for r in mine})
        grid_seconds = len(rates) * float(np.median([float(r["seconds"]) for r in grid]))
        grid_steps = sum(int(r["steps"]) for r in grid) / len(seeds)

        def cost(rule: str) -> dict[str, float]:
            test = "default" if rule == "default" else "curve rules"
            tests = [r for r in mine if r["kind"] == "range_test" and r["rule"] == test]
            return dict(cost_steps=float(np.mean([int(r["steps"]) for r in tests])) / grid_steps,
                        cost_seconds=float(np.median([float(r["seconds"]) for r in tests])) / grid_seconds)
        row_of = {}
        for column, prefix in (("best_epoch_score", ""), ("score", "final_")):
            mean_score = {lr: float(np.mean([float(r[column]) for r in grid if float(r["learning_rate"]) == lr]))
                          for lr in rates}
            best_rate = max(rates, key=lambda lr: mean_score[lr])
            for rule in dict.fromkeys(r["rule"] for r in mine if r["kind"] == "suggestion"):
                runs = [r for r in mine if r["kind"] == "suggestion" and r["rule"] == rule]
                value = float(np.mean([float(r[column]) for r in runs]))
                lrs = [float(r["learning_rate"]) for r in runs]
                row = row_of.setdefault(rule, dict(
                    pair=name, task=PAIRS[name].task, held_out=PAIRS[name].held_out, rule=rule,
                    seeds=len(seeds),
                    suggested_lr=float(np.exp(np.mean(np.log(lrs)))),
                    suggested_lr_min=min(lrs), suggested_lr_max=max(lrs)))
                row.update({prefix + "score": value, prefix + "best_grid_lr": best_rate,
                            prefix + "best_grid_score": mean_score[best_rate],
                            prefix + "score_share": value / mean_score[best_rate]})
        for rule, row in row_of.items():
            row.update(cost(rule))
            out.append(row)
    return out


def _write(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Rows of dicts to a CSV file, floats to 6 significant digits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(dict.fromkeys(k for row in rows for k in row)), restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})


def _rounded(obj: Any) -> Any:
    """Floats to 6 significant digits, in nested dicts and lists (a smaller JSON file)."""
    if isinstance(obj, float):
        return float(f"{obj:.6g}")
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rounded(v) for v in obj]
    return obj


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--phase", choices=["all", "grid", "finder"], default="all",
                        help="grid: the grid runs and the study curves only; finder: the range "
                             "tests and suggestions only, keeping the stored grid runs")
    parser.add_argument("--from-runs", type=Path, default=None,
                        help="recompute the summary from this runs CSV instead of training")
    args = parser.parse_args(argv)
    runs_csv, curves_json = args.out / "lr_finder_suite_runs.csv", args.out / "lr_finder_suite_curves.json"
    if args.from_runs:
        with args.from_runs.open() as fh:
            rows = list(csv.DictReader(fh))
    else:
        rows, curves = [], {}
        if runs_csv.exists() and curves_json.exists():  # keep the other pairs' stored runs
            with runs_csv.open() as fh:
                rows = list(csv.DictReader(fh))
            curves = json.loads(curves_json.read_text())
        elif args.phase == "finder":
            parser.error(f"--phase finder needs the grid runs stored in {args.out}")
        for name in args.pairs:
            start = time.perf_counter()
            if args.phase in ("all", "grid"):
                rows = [r for r in rows if not (r["pair"] == name and r["kind"] == "grid")]
                grid_rows, curves[name] = run_grid(name, seeds=args.seeds)
                rows += grid_rows
            if args.phase in ("all", "finder"):
                rows = [r for r in rows if not (r["pair"] == name and r["kind"] != "grid")]
                rows += run_finder(name, seeds=args.seeds)
            print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
            # written after every pair, so an interrupted run keeps what it measured
            order = {name: i for i, name in enumerate(PAIRS)}
            rows.sort(key=lambda r: (order[r["pair"]], int(r["seed"]), r["kind"] != "grid"))
            _write(runs_csv, rows)
            curves_json.write_text(json.dumps(_rounded(curves), separators=(",", ":")))
        if args.phase == "grid":
            return 0
    summary = summarize(rows)
    _write(args.out / "lr_finder_suite.csv", summary)
    for row in summary:
        print(f"{row['pair']:22s} {row['rule']:18s} lr {row['suggested_lr']:.1e} "
              f"score {row['score']:.3f} = {100 * row['score_share']:5.1f}% of best grid "
              f"({row['best_grid_lr']:.0e}: {row['best_grid_score']:.3f}; after the last epoch "
              f"{100 * row['final_score_share']:5.1f}%); cost "
              f"{100 * row['cost_steps']:.1f}% steps, {100 * row['cost_seconds']:.1f}% time")
    for held_out, label in ((False, "pairs the default was chosen on"), (True, "held-out pairs")):
        group = [r for r in summary if r["held_out"] == held_out]
        if not group:
            continue
        print(f"-- {label} ({len({r['pair'] for r in group})})")
        for rule in dict.fromkeys(r["rule"] for r in group):
            mine = [r for r in group if r["rule"] == rule]
            for key, kind in (("score_share", "best epoch"), ("final_score_share", "last epoch")):
                shares = [r[key] for r in mine]
                print(f"{rule:9s} ({kind}): mean share {100 * np.mean(shares):.1f}%, worst "
                      f"{100 * min(shares):.1f}%")
            print(f"{rule:9s} cost: at most {100 * max(r['cost_steps'] for r in mine):.1f}% of the "
                  f"grid's steps, {100 * max(r['cost_seconds'] for r in mine):.1f}% of its time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
