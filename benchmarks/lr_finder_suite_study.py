"""Suggestion rules studied offline on the stored results of ``lr_finder_suite.py``.

    python benchmarks/lr_finder_suite_study.py [--results benchmarks/results] [--score best_epoch_score|score]

Reads ``lr_finder_suite_runs.csv`` and ``lr_finder_suite_curves.json`` and prints, per rule and
pair, the estimated score share (mean over seeds of the score at the rule's rate, over the best
mean grid score), then the mean and the worst share over the pairs, and the most the rule
would cost on any pair, in steps, as a share of the grid's. Only the ten pairs the default was
chosen on are read: the held-out pairs stay unseen. Nothing is trained, so these are estimates
for choosing what to measure, not results:

* a rule that reads one rate off the curve is scored by interpolating the seed's grid scores
  linearly in log-rate; across a cliff (a score collapsing between two grid rates) this can be
  far off;
* a rule with trials (:func:`lrutils.lr_finder.trial_candidates` and its variants) trains
  candidate rates for a few steps each and keeps the one with the lowest
  :func:`~lrutils.lr_finder.trial_score`. Its trials are read from the grid runs themselves,
  which start from the same initial weights and see the same batches: the candidates are moved
  to the nearest grid rate (at most a quarter of a decade away), and the kept one scores what
  that grid run scored.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from lr_finder_suite import PAIRS  # noqa: E402

from lrutils.lr_finder import (  # noqa: E402
    DEFAULT_TRIAL_STEPS,
    LRFinderResult,
    batch_losses_from_running_mean,
    trial_candidates,
    trial_score,
)

HALF = 10 ** 0.5


def curve(stored: dict, long: bool = False) -> LRFinderResult:
    """A stored sweep (100 steps, or 300 with ``long``) as a result to read rules off."""
    prefix = "long_" if long else ""
    rates, losses = np.array(stored[prefix + "rates"]), np.array(stored[prefix + "losses"])
    return LRFinderResult.from_losses(rates, losses, stop_reason=stored[prefix + "stop_reason"],
                                      num_steps=300 if long else 100)


def batch_losses(history: dict, steps: int) -> np.ndarray:
    """Per-batch training losses of the first ``steps`` batches, from Keras's running means
    (which restart every epoch)."""
    running, per_epoch = history["running"], history["steps_per_epoch"]
    epochs = [batch_losses_from_running_mean(running[start:start + per_epoch])
              for start in range(0, len(running), per_epoch)]
    return np.concatenate(epochs)[:steps] if epochs else np.array([])


def rules_of(result: LRFinderResult, long: LRFinderResult) -> dict[str, tuple[str, object, int]]:
    """The rules studied: name -> ("rate", rate, steps) for a rate read off a curve, or
    ("trials", candidates, steps per trial); the sweep's own steps are added by the caller."""
    valley = result.suggest("valley").learning_rate
    top = result.suggest("minimum").learning_rate * 10  # the curve's minimum
    candidates = trial_candidates(result)[1]
    out = {
        "valley": ("rate", valley, 0),
        "steepest": ("rate", result.suggest("steepest").learning_rate, 0),
        "minimum/10": ("rate", top / 10, 0),
        "valley of a 300-step sweep": ("rate", long.suggest("valley", skip_start=30).learning_rate, 0),
    }
    for steps in (30, DEFAULT_TRIAL_STEPS, 80):
        out[f"trials (default candidates), {steps} steps"] = ("trials", candidates, steps)
    out["trials at valley/3, valley, x3"] = ("trials", valley * HALF ** np.arange(-1.0, 2.0), DEFAULT_TRIAL_STEPS)
    out["trials at valley, x3, x10 (no flat-curve case)"] = ("trials", valley * HALF ** np.arange(3.0),
                                                             DEFAULT_TRIAL_STEPS)
    out["trials at minimum/100 to minimum/10"] = ("trials", top * HALF ** np.arange(-4.0, -1.0), DEFAULT_TRIAL_STEPS)
    return out


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
    costs: dict[str, float] = {}
    for pair in pairs:
        seeds = sorted(int(s) for s in curves[pair])
        grids = {s: sorted((float(r["learning_rate"]), float(r[args.score]), int(r["steps"])) for r in rows
                           if r["pair"] == pair and r["kind"] == "grid" and int(r["seed"]) == s) for s in seeds}
        best = max(np.mean([[g[1] for g in grids[s]] for s in seeds], axis=0))
        for s in seeds:
            rates = [g[0] for g in grids[s]]
            scores = [g[1] for g in grids[s]]
            grid_steps = sum(g[2] for g in grids[s])
            stored = curves[pair][str(s)]
            histories = {float(k): v for k, v in stored["grid_histories"].items()}
            nearest: Callable[[float], float] = lambda rate: min(  # noqa: E731
                rates, key=lambda r: abs(math.log10(r) - math.log10(rate)))
            result, long = curve(stored), curve(stored, long=True)
            for rule, (kind, what, steps) in rules_of(result, long).items():
                if kind == "rate":
                    value = float(np.interp(math.log10(what), np.log10(rates), scores))
                    used = len(long.losses) if "300" in rule else len(result.losses)
                else:
                    tried = sorted({nearest(c) for c in what})
                    losses = {r: batch_losses(histories[r], steps) for r in tried}
                    judged = {r: trial_score(v) if len(v) == steps else math.inf for r, v in losses.items()}
                    kept = min(tried, key=lambda r: judged[r]) if any(map(math.isfinite, judged.values())) else tried[0]
                    value = scores[rates.index(kept)]
                    used = len(result.losses) + steps * len(what)
                shares.setdefault((rule, pair), []).append(value / best)
                costs[rule] = max(costs.get(rule, 0.0), used / grid_steps)
    rules = list(dict.fromkeys(rule for rule, _ in shares))
    width = max(map(len, rules))
    print(f"Estimated share of the best grid score ({args.score}, %), mean over three seeds, on the pairs")
    print("  " + ", ".join(f"{i}: {p}" for i, p in enumerate(pairs, 1)))
    print("and the most a rule costs on any of them, in steps, as a share of the grid's (%).\n")
    print(f"{'rule':{width}s}" + "".join(f"{i:>6d}" for i in range(1, len(pairs) + 1)) + "    mean  worst   cost")
    for rule in rules:
        values = [float(np.mean(shares[rule, p])) for p in pairs]
        print(f"{rule:{width}s}" + "".join(f"{100 * v:6.1f}" for v in values)
              + f"  {100 * np.mean(values):6.1f} {100 * min(values):6.1f} {100 * costs[rule]:6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
