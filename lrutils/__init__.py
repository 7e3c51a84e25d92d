"""lrutils: the helper package of *Learning Rates and Optimizers, a hands-on guide with Keras 3*.

Importing :mod:`lrutils` is cheap: submodules load on first use, and nothing imports TensorFlow
until a Keras-facing name is used. The entry points of the submodules are available at the top
level (``lrutils.load_data``, ``lrutils.gradient_descent``, ``lrutils.cosine_decay``,
``lrutils.find_lr``, ...). Three kinds of names stay with their module, where they read
unambiguously:

* the optimizers and the network pieces, as in Keras: ``lrutils.optimizers.adam(...)``,
  ``lrutils.mlp.forward(...)``, ``lrutils.batched.MLP(...)``;
* names that would mean something else at the top level: the schedules ``constant``,
  ``exponential``, ``triangular``, ``triangular2`` and ``exp_range``
  (``lrutils.schedules.constant(0.1)``), the descent trajectory ``lrutils.descent.Path`` (not a
  file path), the graph pieces ``lrutils.graphs.Node``, ``Op`` and ``OPS``, and the controls'
  base class ``lrutils.controls.Control``.

The table below (``_EXPORTS``) is written out, and repeated as imports for type checkers and
IDEs; a test keeps both equal to the modules' ``__all__``.

Modules, in the order of the book: :mod:`~lrutils.functions`, :mod:`~lrutils.descent`,
:mod:`~lrutils.mlp`, :mod:`~lrutils.gradcheck`, :mod:`~lrutils.graphs`,
:mod:`~lrutils.optimizers`, :mod:`~lrutils.schedules`, :mod:`~lrutils.keras_schedules`,
:mod:`~lrutils.keras_optimizers`, :mod:`~lrutils.curvature`, :mod:`~lrutils.layerwise`,
:mod:`~lrutils.callbacks`, :mod:`~lrutils.lr_range`, :mod:`~lrutils.lr_finder`,
:mod:`~lrutils.data`, :mod:`~lrutils.experiments`, :mod:`~lrutils.batched`,
:mod:`~lrutils.controls`, :mod:`~lrutils.explorer`, :mod:`~lrutils.widgets`,
:mod:`~lrutils.animation`, :mod:`~lrutils.plotting`,
:mod:`~lrutils.seed`, :mod:`~lrutils.mode`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .mode import set_static_mode, static_mode
from .seed import set_seed

__version__ = "0.1.0"

#: The public modules, each documented on the reference page.
PUBLIC_MODULES = (
    "functions", "descent", "mlp", "gradcheck", "graphs", "optimizers", "schedules",
    "keras_schedules", "keras_optimizers", "curvature", "layerwise", "callbacks", "lr_range", "lr_finder", "data",
    "experiments", "batched",
    "controls", "explorer", "widgets", "animation", "plotting", "seed", "mode",
)

#: Top-level name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    # seed, mode (imported above)
    "set_seed": "seed",
    "static_mode": "mode",
    "set_static_mode": "mode",
    # data
    "DATASETS": "data",
    "Dataset": "data",
    "DatasetUnavailableError": "data",
    "load_data": "data",
    "stratified_split": "data",
    # plotting
    "BOOK_STYLE": "plotting",
    "use_book_style": "plotting",
    "plot_runs": "plotting",
    "log_lr_axis": "plotting",
    "contour_levels": "plotting",
    "plot_contours": "plotting",
    "plot_function": "plotting",
    "loss_gap": "plotting",
    "set_log_limits": "plotting",
    "PathFigure": "plotting",
    "new_figure": "plotting",
    "fixed_layout": "plotting",
    # experiments
    "run_experiments": "experiments",
    "summarize": "experiments",
    "RESERVED_KEYS": "experiments",
    # callbacks
    "LearningRateRecorder": "callbacks",
    "current_learning_rate": "callbacks",
    "to_epoch_scheduler": "callbacks",
    "LRFinder": "callbacks",
    # functions
    "Objective": "functions",
    "quadratic": "functions",
    "parabola": "functions",
    "double_well": "functions",
    "rosenbrock": "functions",
    "beale": "functions",
    "himmelblau": "functions",
    "saddle": "functions",
    "six_hump_camel": "functions",
    "FUNCTIONS": "functions",
    "get_function": "functions",
    "make_objective": "functions",
    # descent
    "gradient_descent": "descent",
    "optimize": "descent",
    "preconditioned_descent": "descent",
    "newton": "descent",
    "LinearRegressionData": "descent",
    "make_linear_regression": "descent",
    "regression_objective": "descent",
    "MinibatchPath": "descent",
    "minibatch_gd": "descent",
    "convergence_rate": "descent",
    # gradcheck
    "DEFAULT_TINY": "gradcheck",
    "numerical_gradient": "gradcheck",
    "relative_error": "gradcheck",
    "GradCheckResult": "gradcheck",
    "gradient_check": "gradcheck",
    # schedules
    "Schedule": "schedules",
    "step_decay": "schedules",
    "inverse_time_decay": "schedules",
    "exponential_decay": "schedules",
    "polynomial_decay": "schedules",
    "piecewise_constant": "schedules",
    "cosine_decay": "schedules",
    "linear_warmup": "schedules",
    "cosine_decay_restarts": "schedules",
    "one_cycle": "schedules",
    "one_cycle_momentum": "schedules",
    "join_schedules": "schedules",
    "per_epoch": "schedules",
    "SCHEDULES": "schedules",
    "get_schedule": "schedules",
    # keras_schedules
    "KerasSchedule": "keras_schedules",
    "to_keras": "keras_schedules",
    "scheduled_momentum": "keras_schedules",
    # curvature
    "SHARPNESS_METHODS": "curvature",
    "DescentTrace": "curvature",
    "Sharpness": "curvature",
    "full_batch_descent": "curvature",
    "hessian_vector_product": "curvature",
    "sharpness": "curvature",
    # layerwise
    "LayerwiseOptimizer": "layerwise",
    "layerwise_optimizer": "layerwise",
    "discriminative_rates": "layerwise",
    # keras_optimizers
    "make_optimizer": "keras_optimizers",
    "keras_equivalent": "keras_optimizers",
    # controls
    "LogSlider": "controls",
    "Slider": "controls",
    "IntSlider": "controls",
    "Choice": "controls",
    # explorer
    "explore": "explorer",
    "StaticExplorer": "explorer",
    "LiveExplorer": "explorer",
    # widgets
    "lr_explorer": "widgets",
    "optimizer_explorer": "widgets",
    "schedule_explorer": "widgets",
    # animation
    "AnimationHTML": "animation",
    "race": "animation",
    "saddle_escape": "animation",
    # lr_range
    "SWEEP_MODES": "lr_range",
    "SUGGESTION_RULES": "lr_range",
    "SUGGESTION_METHODS": "lr_range",
    "DEFAULT_TRIAL_STEPS": "lr_range",
    "STOP_REASONS": "lr_range",
    "MIN_STEPS": "lr_range",
    "sweep_learning_rates": "lr_range",
    "smooth_losses": "lr_range",
    "smoothing_step": "lr_range",
    "batch_losses_from_running_mean": "lr_range",
    "Suggestion": "lr_range",
    "suggest_lr": "lr_range",
    "valley_index": "lr_range",
    "FLAT_DROP": "lr_range",
    "loss_drop": "lr_range",
    "trial_candidates": "lr_range",
    "trial_score": "lr_range",
    "trial_diverged": "lr_range",
    "Trials": "lr_range",
    "LRFinderResult": "lr_range",
    # lr_finder
    "find_lr": "lr_finder",
    # graphs
    "GraphPass": "graphs",
    "backprop": "graphs",
    "graph_layout": "graphs",
    "draw_graph": "graphs",
    # optimizers
    "GradientTransformation": "optimizers",
    "apply_updates": "optimizers",
    "get_optimizer": "optimizers",
    "OPTIMIZERS": "optimizers",
    # mlp
    "MLPParams": "mlp",
    "init_two_layer": "mlp",
    "init_mlp": "mlp",
    "deep_stack_grad_norms": "mlp",
    # batched
    "run_grid": "batched",
    "keras_model": "batched",
}

if TYPE_CHECKING:  # what static tools see; the same names as _EXPORTS
    from .animation import (
        AnimationHTML,
        race,
        saddle_escape,
    )
    from .batched import (
        keras_model,
        run_grid,
    )
    from .callbacks import (
        LearningRateRecorder,
        LRFinder,
        current_learning_rate,
        to_epoch_scheduler,
    )
    from .controls import (
        Choice,
        IntSlider,
        LogSlider,
        Slider,
    )
    from .curvature import (
        SHARPNESS_METHODS,
        DescentTrace,
        Sharpness,
        full_batch_descent,
        hessian_vector_product,
        sharpness,
    )
    from .data import (
        DATASETS,
        Dataset,
        DatasetUnavailableError,
        load_data,
        stratified_split,
    )
    from .descent import (
        LinearRegressionData,
        MinibatchPath,
        convergence_rate,
        gradient_descent,
        make_linear_regression,
        minibatch_gd,
        newton,
        optimize,
        preconditioned_descent,
        regression_objective,
    )
    from .experiments import (
        RESERVED_KEYS,
        run_experiments,
        summarize,
    )
    from .explorer import (
        LiveExplorer,
        StaticExplorer,
        explore,
    )
    from .functions import (
        FUNCTIONS,
        Objective,
        beale,
        double_well,
        get_function,
        himmelblau,
        make_objective,
        parabola,
        quadratic,
        rosenbrock,
        saddle,
        six_hump_camel,
    )
    from .gradcheck import (
        DEFAULT_TINY,
        GradCheckResult,
        gradient_check,
        numerical_gradient,
        relative_error,
    )
    from .graphs import (
        GraphPass,
        backprop,
        draw_graph,
        graph_layout,
    )
    from .keras_optimizers import (
        keras_equivalent,
        make_optimizer,
    )
    from .keras_schedules import (
        KerasSchedule,
        scheduled_momentum,
        to_keras,
    )
    from .layerwise import (
        LayerwiseOptimizer,
        discriminative_rates,
        layerwise_optimizer,
    )
    from .lr_finder import (
        find_lr,
    )
    from .lr_range import (
        DEFAULT_TRIAL_STEPS,
        FLAT_DROP,
        MIN_STEPS,
        STOP_REASONS,
        SUGGESTION_METHODS,
        SUGGESTION_RULES,
        SWEEP_MODES,
        LRFinderResult,
        Suggestion,
        Trials,
        batch_losses_from_running_mean,
        loss_drop,
        smooth_losses,
        smoothing_step,
        suggest_lr,
        sweep_learning_rates,
        trial_candidates,
        trial_diverged,
        trial_score,
        valley_index,
    )
    from .mlp import (
        MLPParams,
        deep_stack_grad_norms,
        init_mlp,
        init_two_layer,
    )
    from .optimizers import (
        OPTIMIZERS,
        GradientTransformation,
        apply_updates,
        get_optimizer,
    )
    from .plotting import (
        BOOK_STYLE,
        PathFigure,
        contour_levels,
        fixed_layout,
        log_lr_axis,
        loss_gap,
        new_figure,
        plot_contours,
        plot_function,
        plot_runs,
        set_log_limits,
        use_book_style,
    )
    from .schedules import (
        SCHEDULES,
        Schedule,
        cosine_decay,
        cosine_decay_restarts,
        exponential_decay,
        get_schedule,
        inverse_time_decay,
        join_schedules,
        linear_warmup,
        one_cycle,
        one_cycle_momentum,
        per_epoch,
        piecewise_constant,
        polynomial_decay,
        step_decay,
    )
    from .widgets import (
        lr_explorer,
        optimizer_explorer,
        schedule_explorer,
    )

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in PUBLIC_MODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lrutils' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | set(PUBLIC_MODULES))
