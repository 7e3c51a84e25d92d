"""Suggestion rules studied offline on the stored results of ``lr_finder_suite.py``.

    python benchmarks/lr_finder_suite_study.py [--results benchmarks/results]

Reads ``lr_finder_suite_runs.csv`` and ``lr_finder_suite_curves.json`` and prints, per rule and
pair, the score share (mean over seeds of the score at the rule's rate, over the best mean grid
score), then the mean and the worst share over the pairs. Nothing is trained, so these are
estimates for choosing what to try, not results:

* a rule that suggests a rate between two grid rates is scored by interpolating the seed's grid
  scores linearly in log-rate; across a cliff (accuracy collapsing between two grid rates) this
  can be far off, so a winning rule must be re-measured with real runs;
* a two-stage rule ("sh", successive halving reduced to one round) trains a few candidate grid
  rates for a short trial each and keeps the one with the lowest mean training loss over the
  second half of its trial. Its trials are read from the grid runs themselves, which start from
  the same initial weights and see the same batches, so its choice is exact and so is its score.
  The candidates share what is left of 10% of the grid's steps after the range test.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lrutils.lr_finder import (  # noqa: E402
    DEFAULT_TRIAL_STEPS,
    LRFinderResult,
    batch_losses_from_running_mean,
    smooth_losses,
    trial_candidates,
    trial_score,
)

sys.path.insert(0, str(ROOT / "benchmarks"))
from lr_finder_suite import PAIRS  # noqa: E402

BUDGET = 0.10  # share of the grid's steps for the range test and any trials


def curve(stored: dict, long: bool = False) -> LRFinderResult:
    prefix = "long_" if long else ""
    rates, losses = np.array(stored[prefix + "rates"]), np.array(stored[prefix + "losses"])
    return LRFinderResult(rates, losses, smooth_losses(losses, 0.98), {}, stored[prefix + "stop_reason"],
                          300 if long else 100, 0.98, 4.0, "exponential")


def batch_losses(history: dict, steps: int) -> np.ndarray:
    """Per-batch training losses of the first ``steps`` batches, from Keras's running means
    (which restart every epoch)."""
    running, per_epoch = history["running"], history["steps_per_epoch"]
    epochs = [batch_losses_from_running_mean(running[start:start + per_epoch])
              for start in range(0, len(running), per_epoch)]
    return np.concatenate(epochs)[:steps] if epochs else np.array([])


def trial_loss(history: dict, steps: int) -> float:
    losses = batch_losses(history, steps)
    value = float(losses[len(losses) // 2:].mean()) if len(losses) else math.inf
    return value if math.isfinite(value) else math.inf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--score", choices=["best_epoch_score", "score"], default="best_epoch_score",
                        help="the validation score at the best epoch (early stopping) or after the last")
    args = parser.parse_args(argv)
    with (args.results / "lr_finder_suite_runs.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    curves = json.loads((args.results / "lr_finder_suite_curves.json").read_text())
    pairs = [p for p in curves if not PAIRS[p].held_out]  # the held-out pairs stay unseen
    shares: dict[tuple[str, str], list[float]] = {}
    for pair in pairs:
        seeds = sorted(int(s) for s in curves[pair])
        column = args.score if args.score in rows[0] else "score"
        grids = {s: sorted((float(r["learning_rate"]), float(r[column]), int(r["steps"])) for r in rows
                           if r["pair"] == pair and r["kind"] == "grid" and int(r["seed"]) == s) for s in seeds}
        best = max(np.mean([[g[1] for g in grids[s]] for s in seeds], axis=0))
        for s in seeds:
            grid = grids[s]
            rates = [g[0] for g in grid]
            score = dict((g[0], g[1]) for g in grid)
            stored = curves[pair][str(s)]
            histories = {float(k): v for k, v in stored["grid_histories"].items()}

            def at(rate: float) -> float:
                return float(np.interp(math.log10(rate), np.log10(rates), [g[1] for g in grid]))

            def snap(rate: float) -> float:
                return min(rates, key=lambda r: abs(math.log10(r) - math.log10(rate)))

            def history(rate: float) -> dict:
                return histories[min(histories, key=lambda r: abs(math.log10(r) - math.log10(rate)))]

            res = curve(stored)
            budget = int(BUDGET * sum(g[2] for g in grid)) - len(res.losses)

            def two_stage(candidates: list[float]) -> float:
                candidates = sorted(set(candidates))
                steps = max(1, budget // len(candidates))
                return score[min(candidates, key=lambda r: trial_loss(history(r), steps))]

            def trials(candidates: np.ndarray, steps: int = DEFAULT_TRIAL_STEPS) -> float:
                # lrutils' default, its candidates snapped to the grid
                snapped = sorted({snap(c) for c in candidates})
                return score[min(snapped, key=lambda r: trial_score(batch_losses(history(r), steps))
                                 if len(batch_losses(history(r), steps)) == steps else math.inf)]

            valley = res.suggest("valley").learning_rate
            bottom = res.suggest("minimum").learning_rate * 10
            got = {
                "trials (lrutils' default), snapped to the grid": trials(trial_candidates(res)[1]),
                "valley": at(valley),
                "steepest": at(res.suggest("steepest").learning_rate),
                "minimum/10": at(bottom / 10),
                "minimum/30": at(bottom / 30),
                "geomean(valley, minimum/10)": at(math.sqrt(valley * bottom / 10)),
                "sh: grid rates in [min/100, min]": two_stage([r for r in rates if bottom / 100 <= r <= bottom * 1.0001]
                                                              or [snap(bottom / 10)]),
                "sh: grid rates in [min/1000, min]": two_stage([r for r in rates if bottom / 1000 <= r <= bottom * 1.0001]
                                                               or [snap(bottom / 10)]),
                "sh: valley, x3, x10": two_stage([snap(valley), snap(valley * 10 ** 0.5), snap(valley * 10)]),
                "sh: valley/3, valley, x3": two_stage([snap(valley / 10 ** 0.5), snap(valley), snap(valley * 10 ** 0.5)]),
            }
            if "long_losses" in stored:
                long = curve(stored, long=True)
                got["valley, 300-step sweep"] = at(long.suggest("valley", skip_start=30).learning_rate)
                got["minimum/10, 300-step sweep"] = at(long.suggest("minimum", skip_start=30).learning_rate)
                long_valley = long.suggest("valley", skip_start=30).learning_rate
                budget = int(BUDGET * sum(g[2] for g in grid)) - len(long.losses)
                if budget > 0:
                    got["sh: valley, x3, x10 of a 300-step sweep"] = two_stage(
                        [snap(long_valley), snap(long_valley * 10 ** 0.5), snap(long_valley * 10)])
            for rule, value in got.items():
                shares.setdefault((rule, pair), []).append(value / best)
    rules = list(dict.fromkeys(rule for rule, _ in shares))
    width = max(map(len, rules))
    print(f"{'rule':{width}s}" + "".join(f"{p[:11]:>12s}" for p in pairs) + "    mean  worst")
    for rule in rules:
        values = [float(np.mean(shares[rule, p])) for p in pairs]
        print(f"{rule:{width}s}" + "".join(f"{100 * v:12.1f}" for v in values)
              + f"  {100 * np.mean(values):6.1f} {100 * min(values):6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
