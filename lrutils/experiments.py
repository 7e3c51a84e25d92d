"""Train a Keras model for several configurations and seeds, and collect tidy results.

The chapters on learning rates, optimizers, schedules and LR finding all compare training runs.
:func:`run_experiments` trains ``build(**params)`` for every configuration and seed and returns
one row per (configuration, seed, epoch); :func:`summarize` reduces that to mean and spread over
seeds. Seeds matter: a difference between two configurations means something only when it is
larger than the spread between seeds of one configuration.
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._checks import check_callable, check_choice, check_dataset, check_flag, check_int, check_seeds
from .mode import static_mode
from .seed import set_seed

__all__ = ["run_experiments", "summarize", "RESERVED_KEYS"]

#: Keys of a configuration that go to ``model.fit`` instead of to ``build``.
RESERVED_KEYS = ("batch_size", "epochs", "callbacks")


def run_experiments(
    build: Callable[..., Any],
    configs: Mapping[str, Mapping[str, Any]],
    *,
    data: Any,
    seeds: Iterable[int] = (0, 1, 2),
    epochs: int = 5,
    batch_size: int = 128,
    progress: bool = True,
):
    """Train one model per configuration and seed; return a tidy :class:`pandas.DataFrame`.

    Parameters
    ----------
    build : callable
        Called as ``build(**params)`` after :func:`lrutils.set_seed` (Keras included); returns a
        compiled Keras model.
    configs : mapping of str to mapping
        Maps a configuration's name to its parameters. The keys ``batch_size`` and ``epochs``
        override the defaults for that configuration, and ``callbacks`` is a function of no
        argument returning a list of fresh callbacks (callbacks keep state, so each run needs new
        ones). Every other key is passed to ``build``.
    data : Dataset or tuple
        A :class:`lrutils.Dataset` or ``(x_train, y_train, x_val, y_val)``; the validation part
        is passed as ``validation_data``.
    seeds : sequence of int
        The seeds to repeat each configuration with.
    progress : bool
        Show a progress bar over runs (``tqdm.auto``). It is never shown in static mode
        (:func:`lrutils.mode.static_mode`), so it cannot end up in committed notebook outputs.

    Returns
    -------
    pandas.DataFrame
        Columns ``config``, ``seed``, ``epoch`` (1, 2, ...), every key of the Keras history
        (``loss``, ``val_loss``, metrics, and ``learning_rate``, recorded at each epoch's end by
        :class:`lrutils.LearningRateRecorder`), and ``time_s``, the wall-clock
        time of the whole run (repeated on each of its rows).
    """
    import pandas as pd
    from tqdm.auto import tqdm

    from .callbacks import LearningRateRecorder

    check_callable("build", build)
    if not isinstance(configs, Mapping):
        raise TypeError(f"configs must be a non-empty mapping of name -> parameters, got {type(configs).__name__}")
    if not configs:
        raise ValueError("configs must be a non-empty mapping of name -> parameters, got configs={}")
    for name, params in configs.items():
        if not isinstance(params, Mapping):
            raise TypeError(f"configs[{name!r}] must be a mapping of parameters, got {type(params).__name__}")
        if "callbacks" in params and not callable(params["callbacks"]):
            raise TypeError(
                f"configs[{name!r}]['callbacks'] must be a function returning a list of callbacks, "
                f"got {params['callbacks']!r}"
            )
        for arg in ("epochs", "batch_size"):
            if arg in params:
                check_int(f"configs[{name!r}][{arg!r}]", params[arg], minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    seeds = check_seeds("seeds", seeds)
    x_train, y_train, x_val, y_val = check_dataset("data", data)
    progress = check_flag("progress", progress)

    runs = [(name, seed) for name in configs for seed in seeds]
    rows = []
    for name, seed in tqdm(runs, disable=static_mode() or not progress, desc="runs"):
        params = dict(configs[name])
        fit_epochs = int(params.pop("epochs", epochs))
        fit_batch = int(params.pop("batch_size", batch_size))
        make_callbacks = params.pop("callbacks", None)
        set_seed(seed, keras=True)
        model = build(**params)
        start = time.perf_counter()
        history = model.fit(
            x_train,
            y_train,
            validation_data=(x_val, y_val),
            epochs=fit_epochs,
            batch_size=fit_batch,
            callbacks=[*(make_callbacks() if make_callbacks else []), LearningRateRecorder(per_batch=False)],
            verbose=0,
            shuffle=True,
        )
        elapsed = time.perf_counter() - start
        n = len(next(iter(history.history.values())))
        for i in range(n):
            row = {"config": name, "seed": seed, "epoch": i + 1}
            row.update({k: float(v[i]) for k, v in history.history.items()})
            row["time_s"] = elapsed
            rows.append(row)
    return pd.DataFrame(rows)


def summarize(table, metric: str = "val_accuracy", *, epoch: int | str = "last", mode: str = "auto"):
    """Mean, standard deviation, minimum and maximum of ``metric`` over seeds, per configuration.

    ``epoch`` picks the epoch to compare: ``"last"`` (default), ``"best"`` (each run's best value
    of ``metric``), or an epoch number.

    ``mode`` says which value is the best one when ``epoch="best"``: ``"min"``, ``"max"``, or
    ``"auto"`` (default), the direction that ``keras.callbacks.EarlyStopping(monitor=metric,
    mode="auto")`` takes in Keras 3 (``MonitorCallback._set_monitor_op`` in
    ``keras/src/callbacks/monitor_callback.py``). That rule does not guess from parts of the
    name: without its ``val_`` prefix, ``loss`` is minimised, and any other name must be a
    Keras metric, whose own direction decides. Accuracies, AUC, precision, recall, F-scores,
    IoU, R² and correlations are maximised; errors such as ``mse`` and ``mae``, cross-entropies
    and the other losses are minimised. Names are resolved as ``model.compile(metrics=[name])``
    resolves them (``"accuracy"``, ``"acc"``, then :func:`keras.metrics.get`). For any other
    name (a metric of your own, ``"learning_rate"``), Keras raises an error and so does
    ``summarize``: pass ``mode="min"`` or ``mode="max"``.
    """
    if metric not in table.columns:
        raise ValueError(f"table has no column {metric!r}; it has {list(table.columns)}")
    mode = check_choice("mode", mode, ("auto", "min", "max"))
    if epoch == "last":
        per_run = table.sort_values("epoch").groupby(["config", "seed"], sort=False)[metric].last()
    elif epoch == "best":
        grouped = table.groupby(["config", "seed"], sort=False)[metric]
        if mode == "auto":
            mode = _keras_mode(metric)
        per_run = grouped.min() if mode == "min" else grouped.max()
    elif isinstance(epoch, numbers.Integral) and not isinstance(epoch, bool) and epoch >= 1:
        chosen = table[table["epoch"] == epoch]
        if chosen.empty:
            raise ValueError(f"no row has epoch {epoch}; epochs run from 1 to {table['epoch'].max()}")
        per_run = chosen.set_index(["config", "seed"])[metric]
    else:
        wrong_type = isinstance(epoch, bool) or not isinstance(epoch, (str, numbers.Integral))
        raise (TypeError if wrong_type else ValueError)(
            f"epoch must be 'last', 'best' or a positive epoch number, got epoch={epoch!r}"
        )
    order = list(dict.fromkeys(table["config"]))
    out = per_run.groupby(level="config").agg(["mean", "std", "min", "max", "count"])
    return out.reindex(order)


def _keras_mode(metric: str) -> str:
    """``"min"`` or ``"max"``: the direction of Keras 3's ``EarlyStopping(mode="auto")`` for a
    metric named ``metric`` (see :func:`summarize`)."""
    name = metric.removeprefix("val_")
    if name == "loss":
        return "min"
    if name in ("accuracy", "acc"):  # compile() makes these a Binary-, Categorical- or SparseCategoricalAccuracy
        return "max"
    from ._keras_internals import metric_direction

    direction = metric_direction(name)
    if direction is None:
        raise ValueError(
            f"cannot tell whether the best {metric!r} is the smallest or the largest (Keras's "
            "EarlyStopping(mode='auto') cannot either); pass mode='min' or mode='max'"
        )
    return "max" if direction == "up" else "min"
