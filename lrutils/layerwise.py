"""Per-layer learning rates in Keras 3: one optimizer for each group of layers.

Fine-tuning a pretrained network often gives its layers different rates: small ones for the
early layers, whose general features should move little, larger ones towards the new head
(*discriminative learning rates*, Howard & Ruder 2018; fastai's ``slice(lo, hi)``). A Keras
optimizer has one rate, and Keras 3.5 to 3.14 have no way to split a model between several
(TensorFlow Addons' ``MultiOptimizer`` was written for Keras 2 and is no longer maintained).

* :func:`layerwise_optimizer` makes a :class:`LayerwiseOptimizer` for a model from groups of
  layers (layer objects, layer names, or a test on the variables), each with its own Keras
  optimizer: SGD, Adam, AdamW..., with a float rate or a schedule.
* :class:`LayerwiseOptimizer` is a ``keras.optimizers.Optimizer``: it compiles, trains under
  ``model.fit`` and saves with the model, optimizer state included (loading needs
  ``import lrutils.layerwise`` first: ``import lrutils`` alone loads its submodules lazily, on
  first use). Each group's optimizer updates its own variables exactly as it would on its own.
* :func:`discriminative_rates` spreads rates geometrically over the groups, from the first
  (nearest the input) to the last (the head).

Why one optimizer per group, and not one optimizer with scaled gradients: multiplying a
group's gradients by ``c`` multiplies its SGD step by ``c``, but Adam and RMSprop divide by a
running root mean square of the same gradients, so the ``c`` cancels (up to ``epsilon``); so
does Keras's Adagrad, but only once the accumulated squared gradients exceed its
``initial_accumulator_value`` (0.1 by default), which the accumulator starts from; gradient
clipping and weight decay would see the scaled gradients too. Separate optimizers give
every group a real rate of its own, for any update rule.

Keras 3.15 added ``keras.optimizers.MultiOptimizer``, which picks an optimizer by matching
variable paths against regular expressions. A Sequential model reloaded from a ``.keras``
file names its variables differently (``sequential/dense/kernel`` becomes ``dense/kernel``),
and a pattern must match the whole path, so after ``load_model`` a pattern written against the
full path, model name included, stops matching: the variables silently fall to the default
optimizer, and the saved optimizer state is skipped (with a warning). A looser pattern that
leaves the model's name out (``(.*/)?dense/.*``) matches both forms; that is the workaround
with ``MultiOptimizer``. A :class:`LayerwiseOptimizer` stores, for each trainable variable
*in the order of* ``model.trainable_variables``, the group it belongs to: Keras rebuilds that
list in the same order when it loads the model, whatever the names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
from keras import ops

from ._checks import check_int, check_real, is_real

__all__ = ["LayerwiseOptimizer", "layerwise_optimizer", "discriminative_rates"]

# Arguments of ``keras.optimizers.Optimizer`` that belong on the groups' optimizers.
_GROUP_ARGUMENTS = ("learning_rate", "weight_decay", "clipnorm", "clipvalue", "use_ema", "ema_momentum",
                   "ema_overwrite_frequency", "gradient_accumulation_steps")

# At most this many variable paths in an error message.
_LISTED = 6


def _listing(paths: Sequence[str]) -> str:
    shown = ", ".join(repr(p) for p in paths[:_LISTED])
    return shown + (f" and {len(paths) - _LISTED} more" if len(paths) > _LISTED else "")


def _path(variable: Any) -> str:
    return str(getattr(variable, "path", getattr(variable, "name", variable)))


def _check_group_optimizer(optimizer: Any, label: str) -> None:
    """A fresh, plain Keras optimizer for one group (``label`` names it in messages)."""
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"{label} must be a keras.optimizers.Optimizer, got {optimizer!r} "
                        f"({type(optimizer).__name__})")
    if isinstance(optimizer, (LayerwiseOptimizer, keras.optimizers.LossScaleOptimizer)):
        raise ValueError(f"{label} must be a plain optimizer, got a {type(optimizer).__name__}; wrap the "
                         "LayerwiseOptimizer instead (Keras wraps it in a LossScaleOptimizer itself under "
                         "a mixed-precision policy)")
    if optimizer.built:
        raise ValueError(f"{label} is already built (it holds state for other variables, "
                         f"{optimizer.name!r}); pass a new optimizer")
    if optimizer.loss_scale_factor is not None:
        raise ValueError(f"{label} has loss_scale_factor={optimizer.loss_scale_factor!r}; the loss is "
                         "scaled once for the whole model, so pass loss_scale_factor to the "
                         "LayerwiseOptimizer instead")


class _Routing:
    """Which group each variable belongs to (a plain object, so that neither Keras's nor
    TensorFlow's attribute tracking takes the model's variables for the optimizer's own)."""

    def __init__(self) -> None:
        self.expected: list[Any] | None = None  # the model's variables, when made by layerwise_optimizer
        self.variables: list[Any] = []
        self.groups: list[list[Any]] = []
        self.group_of: dict[int, int] = {}

    def group(self, variable: Any) -> int:
        for key in (id(variable), id(getattr(variable, "value", None))):
            if key in self.group_of:
                return self.group_of[key]
        raise ValueError(f"the variable {_path(variable)!r} is not one of the variables the "
                         "LayerwiseOptimizer was built with")


@keras.saving.register_keras_serializable(package="lrutils")
class LayerwiseOptimizer(keras.optimizers.Optimizer):
    """A Keras optimizer that hands each group of variables to an optimizer of its own.

    Make it with :func:`layerwise_optimizer`, which finds each variable's group from layers,
    layer names or a test; this constructor, which takes the groups as positions, is what
    loading a saved model calls.

    At every step, :meth:`apply` splits the gradients by group and calls each group
    optimizer's own ``apply`` on its variables, so a group's update is exactly the one its
    optimizer makes alone: its rate or schedule, its slots (momentum, Adam's moments), its
    ``weight_decay``, ``clipnorm``, ``clipvalue``, EMA and gradient accumulation. (A group's
    EMA reaches the model only through :meth:`finalize_variable_values`, at the end of
    ``fit``: ``keras.callbacks.SwapEMAWeights`` does not recognise a LayerwiseOptimizer, since
    it looks for inner optimizers in an ``optimizers`` attribute, and with this optimizer's
    own ``use_ema=False`` it raises a ``ValueError`` at its first swap instead of evaluating
    the averages.) Settings that concern the whole model are the LayerwiseOptimizer's:
    ``global_clipnorm`` (one norm over every group's gradients) and ``loss_scale_factor``. A
    group whose gradients are all ``None`` in a step is skipped.

    **learning_rate**: the *largest* of the groups' current rates (fastai quotes the head's,
    the largest, as "the" rate), a tensor. Setting it (``optimizer.learning_rate = 1e-4``, as
    ``keras.callbacks.LearningRateScheduler`` and ``ReduceLROnPlateau`` do) multiplies every
    group's rate by the same factor, so that the largest becomes the new value and the ratios
    between groups stay; a group at rate 0 stays frozen. That needs float rates (a group
    built with a schedule is refused, as Keras refuses it for one optimizer) and a largest
    rate above 0 the first time. Setting 0 (a callback schedule whose value reaches 0, such as
    a warm-up that starts from 0) sets every group to 0; the ratios are remembered from the
    last setting made while a rate was above 0, so the next setting restores them. Each
    group's rate is ``group_optimizers[i].learning_rate``; a rate set there directly (to
    unfreeze a group) counts from the next setting on.

    **Freezing**: the optimizer is made for the model's trainable variables at the time.
    Changing any layer's ``trainable`` afterwards requires a new optimizer and compiling the
    model again, and the old optimizer's state (momentum, Adam's moments) is lost; a
    LayerwiseOptimizer not yet built refuses the changed list when it is built. To unfreeze
    layers gradually (ULMFiT), keep them trainable in a group at rate 0 and raise that group's
    rate later, e.g. from a callback: ``group_optimizers[i].learning_rate.assign(rate)`` (a
    group with a float rate). Unlike ``trainable = False``, which also puts
    ``BatchNormalization`` in inference mode, a rate of 0 leaves such layers in training mode.

    **iterations**: the number of steps this optimizer has taken (calls to :meth:`apply`, one
    per batch under ``fit``). Each group's optimizer keeps its own counter; without gradient
    accumulation its ``iterations`` equals this count (unless the group got no gradient in
    some step). With ``gradient_accumulation_steps=k``, a group's ``iterations`` counts its
    updates (one per ``k`` batches), which Adam's bias correction reads, while its
    learning-rate schedule is called with Keras's internal counter of batches, as for any
    accumulating Keras optimizer. This optimizer's own ``iterations`` then counts batches,
    where a plain accumulating optimizer's counts updates: read
    ``group_optimizers[i].iterations`` for the number of updates.

    **Saving**: ``model.save("model.keras")`` stores the groups' optimizers, the group of each
    variable and every slot; ``keras.models.load_model`` restores them once this module has
    been imported (``import lrutils.layerwise``; the class is registered with Keras as
    ``"lrutils>LayerwiseOptimizer"``), and training continues as it would have. A group
    optimizer of an unregistered class of your own (e.g. one made by
    :func:`lrutils.keras_schedules.scheduled_momentum`) needs ``custom_objects`` as usual.

    Checked with the TensorFlow backend, the book's: under ``fit``, with
    ``steps_per_execution``, ``jit_compile=True``, a mixed-precision policy (Keras wraps it in
    a ``LossScaleOptimizer``) and a ``MirroredStrategy`` over two replicas, where it trains as
    one Keras optimizer does (``global_clipnorm`` then clips each replica's gradients before
    they are summed, as Keras's own does). Other backends are untested. The range test
    (:func:`lrutils.lr_finder.find_lr`) sets one rate, and refuses this optimizer: run it
    with a single optimizer, then spread the rate with :func:`discriminative_rates`.

    Parameters
    ----------
    optimizers : sequence of keras.optimizers.Optimizer
        One new (not yet built) optimizer per group, none used twice.
    assignment : sequence of int
        For each trainable variable of the model, in the order of
        ``model.trainable_variables``, the index of its group in ``optimizers``; every group
        has at least one variable.
    global_clipnorm : float or None, optional
        Clip the gradients of all the groups together so that their global norm is at most
        this, as ``global_clipnorm`` does for one Keras optimizer. (A group optimizer's own
        ``global_clipnorm`` clips that group's gradients alone.) Not with groups that
        accumulate gradients (Keras clips the accumulated gradient, this would clip each
        batch's).
    loss_scale_factor : float or None, optional
        Multiply the loss by this before the gradients are computed and divide the gradients
        by it, as for a Keras optimizer. The groups' optimizers must not have their own.
    name : str or None, optional
        The optimizer's name (default ``"layerwise_optimizer"``, numbered if taken).
    **kwargs
        Refused: ``learning_rate``, ``weight_decay``, ``clipnorm``, ``clipvalue``, the EMA
        settings and ``gradient_accumulation_steps`` belong on the groups' optimizers; a
        ``gradient_accumulation_steps`` of ``k`` on each of them is the same as one optimizer
        accumulating over ``k`` batches.

    Attributes
    ----------
    group_optimizers : list of keras.optimizers.Optimizer
        The groups' optimizers, in order. (Not named ``optimizers``: Keras 3.15's callbacks
        would then set each group's rate separately, where an absolute schedule erases the
        ratios.)
    assignment : list of int
        The group of each trainable variable.

    Examples
    --------
    >>> opt = LayerwiseOptimizer([keras.optimizers.SGD(0.01), keras.optimizers.SGD(0.1)], [0, 0, 1, 1])
    >>> round(float(opt.learning_rate), 6)  # the largest group rate
    0.1
    >>> opt.learning_rate = 0.05  # halves both: the ratio stays 10
    >>> [round(float(o.learning_rate), 6) for o in opt.group_optimizers]
    [0.005, 0.05]
    """

    def __init__(self, optimizers: Sequence[keras.optimizers.Optimizer], assignment: Sequence[int], *,
                 global_clipnorm: float | None = None, loss_scale_factor: float | None = None,
                 name: str | None = None, **kwargs: Any) -> None:
        for key in kwargs:
            if key in _GROUP_ARGUMENTS:
                raise ValueError(
                    f"{key} belongs on the groups' optimizers, not on the LayerwiseOptimizer, got "
                    f"{key}={kwargs[key]!r}" + ("; give each group's optimizer the same "
                                                 "gradient_accumulation_steps to accumulate over the model"
                                                 if key == "gradient_accumulation_steps" else "")
                )
        if kwargs:
            raise TypeError(f"LayerwiseOptimizer got unexpected keyword arguments {sorted(kwargs)}")
        if isinstance(optimizers, keras.optimizers.Optimizer) or not isinstance(optimizers, Sequence):
            raise TypeError(f"optimizers must be a list of keras optimizers, got optimizers={optimizers!r}")
        optimizers = list(optimizers)
        if not optimizers:
            raise ValueError("optimizers must hold at least one optimizer, got optimizers=[]")
        for i, optimizer in enumerate(optimizers):
            _check_group_optimizer(optimizer, f"optimizers[{i}]")
        seen: dict[int, int] = {}
        for i, optimizer in enumerate(optimizers):
            if id(optimizer) in seen:
                raise ValueError(f"optimizers[{i}] is the same object as optimizers[{seen[id(optimizer)]}]; "
                                 "give every group its own optimizer (or put the layers in one group)")
            seen[id(optimizer)] = i
        if isinstance(assignment, str) or not isinstance(assignment, Sequence):
            raise TypeError(f"assignment must be a list of group indices, got assignment={assignment!r}")
        assignment = [check_int(f"assignment[{k}]", g, minimum=0) for k, g in enumerate(assignment)]
        if any(g >= len(optimizers) for g in assignment):
            k = next(k for k, g in enumerate(assignment) if g >= len(optimizers))
            raise ValueError(f"assignment[{k}] must be a group index below {len(optimizers)} (the number of "
                             f"optimizers), got assignment[{k}]={assignment[k]}")
        unused = sorted(set(range(len(optimizers))) - set(assignment))
        if unused:
            raise ValueError(f"optimizers[{unused[0]}] has no variable: assignment never names group {unused[0]}")
        if global_clipnorm is not None:
            global_clipnorm = check_real("global_clipnorm", global_clipnorm, positive=True)
            accumulating = [i for i, o in enumerate(optimizers) if (o.gradient_accumulation_steps or 1) > 1]
            if accumulating:
                raise ValueError(
                    f"global_clipnorm={global_clipnorm!r} cannot be combined with gradient accumulation "
                    f"(optimizers[{accumulating[0]}] accumulates): Keras clips the accumulated gradient, this "
                    "would clip each batch's; set global_clipnorm on the groups' optimizers instead (each "
                    "then clips its own group)"
                )
        if loss_scale_factor is not None:
            loss_scale_factor = check_real("loss_scale_factor", loss_scale_factor, positive=True)
        super().__init__(learning_rate=0.0, global_clipnorm=global_clipnorm,
                         loss_scale_factor=loss_scale_factor, name=name)
        self.group_optimizers = optimizers
        self.assignment = assignment
        self._routing = _Routing()
        self._ratios: list[float] | None = None  # the groups' rate ratios, from the last setting above 0

    # ------------------------------------------------------------------------------------
    # Building and applying
    # ------------------------------------------------------------------------------------
    def build(self, variables: Sequence[Any]) -> None:
        """Build every group's optimizer on its variables (Keras calls this with the model's
        trainable variables before the first step, or when it loads a saved model)."""
        if self.built:
            return
        variables = list(variables)
        if len(variables) != len(self.assignment):
            raise ValueError(
                f"the LayerwiseOptimizer was made for {len(self.assignment)} trainable variables, but is "
                f"built with {len(variables)}: make it after freezing or unfreezing layers "
                "(layer.trainable), then compile the model again"
            )
        expected = self._routing.expected
        if expected is not None:
            moved = [_path(v) for v, e in zip(variables, expected) if v is not e]
            if moved:
                raise ValueError(
                    "the LayerwiseOptimizer is built with other variables than those of the model it was "
                    f"made for ({_listing(moved)}): make it from the model you compile, after freezing or "
                    "unfreezing layers"
                )
        groups: list[list[Any]] = [[] for _ in self.group_optimizers]
        group_of: dict[int, int] = {}
        for variable, g in zip(variables, self.assignment):
            groups[g].append(variable)
            group_of[id(variable)] = g
            value = getattr(variable, "value", None)  # the backend variable a keras.Variable wraps
            if value is not None:
                group_of.setdefault(id(value), g)
        for optimizer, members in zip(self.group_optimizers, groups):
            optimizer.build(members)
        routing = self._routing
        routing.variables, routing.groups, routing.group_of, routing.expected = variables, groups, group_of, None
        super().build(variables)

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Any] | None = None) -> None:
        """Clip and unscale the gradients for the whole model if asked, then let each group's
        optimizer apply its share (a group whose gradients are all ``None`` is skipped)."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("apply() without trainable_variables needs a built optimizer: call "
                                 "optimizer.build(model.trainable_variables) first")
            variables = self._routing.variables
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
        if len(grads) != len(variables):
            raise ValueError(f"apply() got {len(grads)} gradients for {len(variables)} variables")
        if self.loss_scale_factor is not None:
            grads = [None if g is None else g / self.loss_scale_factor for g in grads]
        if self.global_clipnorm:
            grads = _clip_by_global_norm(grads, self.global_clipnorm)
        shares: list[tuple[list[Any], list[Any]]] = [([], []) for _ in self.group_optimizers]
        for grad, variable in zip(grads, variables):
            share = shares[self._routing.group(variable)]
            share[0].append(grad)
            share[1].append(variable)
        applied = False
        for optimizer, (group_grads, group_variables) in zip(self.group_optimizers, shares):
            if any(g is not None for g in group_grads):
                optimizer.apply(group_grads, group_variables)
                applied = True
        if not applied:
            raise ValueError("No gradients provided for any variable.")
        self.iterations.assign_add(1)

    def finalize_variable_values(self, var_list: Sequence[Any]) -> None:
        """Let each group's optimizer finalise its variables (e.g. copy in an EMA), as ``fit``
        asks at the end of training."""
        if not self.built:
            return
        shares: list[list[Any]] = [[] for _ in self.group_optimizers]
        for variable in var_list:
            shares[self._routing.group(variable)].append(variable)
        for optimizer, members in zip(self.group_optimizers, shares):
            if members:
                optimizer.finalize_variable_values(members)

    # ------------------------------------------------------------------------------------
    # What Keras and callbacks read
    # ------------------------------------------------------------------------------------
    @property
    def variables(self) -> list[Any]:
        """This optimizer's step counter and every group optimizer's variables (all saved)."""
        return [*super().variables, *(v for optimizer in self.group_optimizers for v in optimizer.variables)]

    @property
    def learning_rate(self) -> Any:
        """The largest of the groups' current rates. Setting it scales every group's rate by
        the same factor (from 0, by the ratios they had before; see the class docstring)."""
        rates = [ops.cast(optimizer.learning_rate, keras.backend.floatx()) for optimizer in self.group_optimizers]
        return rates[0] if len(rates) == 1 else ops.max(ops.stack(rates))

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        fixed = [i for i, o in enumerate(self.group_optimizers)
                 if not callable(getattr(o.learning_rate, "assign", None))]
        if fixed:
            raise TypeError(
                f"group_optimizers[{fixed[0]}] was built with a learning-rate schedule or a callable, so the "
                "LayerwiseOptimizer's rate cannot be set; give every group a float rate to scale them together"
            )
        if not is_real(value) and not (hasattr(value, "shape") and tuple(value.shape) == ()):
            raise TypeError(f"learning_rate must be a real number, got learning_rate={value!r}")
        target = float(ops.convert_to_numpy(value))
        rates = [float(ops.convert_to_numpy(o.learning_rate)) for o in self.group_optimizers]
        top = max(rates)
        if top > 0:  # the ratios now; remembered for a later setting from 0
            self._ratios = [rate / top for rate in rates]
        elif self._ratios is None:
            raise ValueError(f"the groups' rates are all 0 and were never set above 0 together, so there is "
                             f"no ratio to keep; set group_optimizers[i].learning_rate instead "
                             f"(got learning_rate={value!r})")
        for optimizer, ratio in zip(self.group_optimizers, self._ratios):
            optimizer.learning_rate = target * ratio

    # ------------------------------------------------------------------------------------
    # Serialisation
    # ------------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The groups' optimizers (serialised), the group of each variable, the model-wide
        clipping and loss scale, and the name."""
        return {
            "name": self.name,
            "optimizers": [keras.saving.serialize_keras_object(o) for o in self.group_optimizers],
            "assignment": [int(g) for g in self.assignment],
            "global_clipnorm": self.global_clipnorm,
            "loss_scale_factor": self.loss_scale_factor,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> LayerwiseOptimizer:
        """Re-create the optimizer (without state) from :meth:`get_config` output."""
        config = dict(config)
        config["optimizers"] = [keras.saving.deserialize_keras_object(c, custom_objects=custom_objects)
                                for c in config["optimizers"]]
        return cls(**config)


def _clip_by_global_norm(grads: list[Any], clip_norm: float) -> list[Any]:
    """Keras's ``global_clipnorm`` over all the groups, operation for operation (a non-finite
    norm gives NaN gradients, as in Keras)."""
    norm = ops.sqrt(ops.sum(ops.stack([ops.sum(ops.square(g)) for g in grads if g is not None])))
    scale = clip_norm * ops.minimum(1.0 / norm, 1.0 / clip_norm)
    scale = scale + (norm - norm)
    return [None if g is None else g * scale for g in grads]


# ----------------------------------------------------------------------------------------
# Groups from layers
# ----------------------------------------------------------------------------------------
def _selected(model: Any, variables: list[Any], selector: Any, label: str) -> list[int]:
    """Positions in ``variables`` of the variables a group's ``layers`` entry selects."""
    if callable(selector) and not isinstance(selector, keras.layers.Layer):
        return [k for k, v in enumerate(variables) if selector(v)]
    items = [selector] if isinstance(selector, (str, keras.layers.Layer)) else selector
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"{label} must be a layer, a layer name, a list of those or a function of a variable, "
                        f"got {selector!r} ({type(selector).__name__})")
    if not items:
        raise ValueError(f"{label} is an empty list of layers")
    wanted: set[int] = set()
    for item in items:
        if isinstance(item, str):
            try:
                layer = model.get_layer(item)
            except ValueError:
                raise ValueError(f"{label}: the model has no layer named {item!r} (names are those of "
                                 "model.layers; pass a nested layer itself)") from None
        elif isinstance(item, keras.layers.Layer):
            layer = item
        else:
            raise TypeError(f"{label} must hold layers or layer names, got {item!r} ({type(item).__name__})")
        wanted.update(id(v) for v in layer.trainable_variables)
    return [k for k, v in enumerate(variables) if id(v) in wanted]


def layerwise_optimizer(model: keras.Model, groups: Sequence[tuple[Any, keras.optimizers.Optimizer]],
                        default: keras.optimizers.Optimizer | None = None, *,
                        global_clipnorm: float | None = None, loss_scale_factor: float | None = None,
                        name: str | None = None, **kwargs: Any) -> LayerwiseOptimizer:
    """A :class:`LayerwiseOptimizer` that trains each group of ``model``'s layers with its
    own optimizer.

    Every trainable variable must fall in exactly one group, or in none when ``default`` is
    given (it then goes to ``default``). Make the optimizer after freezing the layers that
    should not train (``layer.trainable = False``): frozen variables belong to no group.
    Changing any layer's ``trainable`` after the optimizer is made requires a new optimizer
    and compiling again (the old one's state is lost). To unfreeze gradually, put the layers
    in a group at rate 0 instead, and raise its rate later with
    ``optimizer.group_optimizers[i].learning_rate.assign(rate)`` (see
    :class:`LayerwiseOptimizer`).

    Parameters
    ----------
    model : keras.Model
        The built model to train (the one you will compile).
    groups : sequence of (layers, optimizer) pairs
        ``layers`` selects the group's trainable variables: a layer, the name of one of
        ``model.layers``, a list of layers and names (a nested model counts as a layer, with
        all its variables), or a function that takes a variable (``keras.Variable``, with its
        ``path``) and returns True for those of the group. ``optimizer`` is a new Keras
        optimizer for them, with a float rate or a schedule; one per group. For fastai's order,
        list the groups from the input to the head.
    default : keras.optimizers.Optimizer or None, optional
        The optimizer of the variables in no group (the last group); ``None`` requires every
        trainable variable to be in a group.
    global_clipnorm, loss_scale_factor : float or None, optional
        For the whole model; see :class:`LayerwiseOptimizer`.
    name : str or None, optional
        The optimizer's name.
    **kwargs
        Refused, with the reason: the settings of one group (``learning_rate``,
        ``weight_decay``, ``gradient_accumulation_steps``...) belong on its optimizer.

    Returns
    -------
    LayerwiseOptimizer
        Its ``group_optimizers`` are the groups' optimizers, then ``default`` if used.

    Raises
    ------
    TypeError
        For a ``model``, a ``groups`` entry or an optimizer of the wrong kind.
    ValueError
        For a group that selects no trainable variable, a variable in two groups or (without
        ``default``) in none, an unknown layer name, an optimizer given twice or already built.

    Examples
    --------
    A body trained ten times slower than the head (fastai's ``slice(1e-4, 1e-3)`` over two
    groups):

    >>> body = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu")], name="body")
    >>> model = keras.Sequential([body, keras.layers.Dense(1, name="head")])
    >>> body_rate, head_rate = discriminative_rates(1e-3, 2, factor=10)
    >>> opt = layerwise_optimizer(model, [(body, keras.optimizers.Adam(body_rate)),
    ...                                   ("head", keras.optimizers.Adam(head_rate))])
    >>> opt.assignment  # body/kernel, body/bias, head/kernel, head/bias
    [0, 0, 1, 1]
    >>> model.compile(optimizer=opt, loss="mse")
    >>> model.fit(x, y, epochs=3)  # doctest: +SKIP

    Every bias frozen (rate 0), every kernel on Adam, the biases picked by a test:

    >>> opt = layerwise_optimizer(model, [(lambda v: v.path.endswith("bias"), keras.optimizers.SGD(0.0))],
    ...                           default=keras.optimizers.Adam(1e-3))
    >>> opt.assignment
    [1, 0, 1, 0]
    """
    if not isinstance(model, keras.layers.Layer) or not hasattr(model, "get_layer"):
        raise TypeError(f"model must be a keras.Model, got model={model!r} ({type(model).__name__})")
    variables = list(model.trainable_variables)
    if not variables:
        raise ValueError("model has no trainable variable: build it (e.g. start it with keras.Input) and leave "
                         "some layers trainable")
    if isinstance(groups, (str, dict)) or not isinstance(groups, Sequence):
        raise TypeError(f"groups must be a list of (layers, optimizer) pairs, got groups={groups!r}")
    if not groups:
        raise ValueError("groups must hold at least one (layers, optimizer) pair, got groups=[]")
    optimizers = []
    members: list[list[int]] = []
    for i, pair in enumerate(groups):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"groups[{i}] must be a (layers, optimizer) pair, got {pair!r}")
        selector, optimizer = pair
        _check_group_optimizer(optimizer, f"the optimizer of groups[{i}]")
        same = next((j for j, other in enumerate(optimizers) if other is optimizer), None)
        if same is not None:
            raise ValueError(f"the optimizer of groups[{i}] is the one of groups[{same}]; give every group its own "
                             "optimizer (or put the layers in one group)")
        positions = _selected(model, variables, selector, f"groups[{i}]")
        if not positions:
            raise ValueError(f"groups[{i}] selects no trainable variable of the model (frozen layers, layers "
                             "without weights or not in the model?); leave the group out")
        optimizers.append(optimizer)
        members.append(positions)
    owners: list[list[int]] = [[] for _ in variables]
    for i, positions in enumerate(members):
        for k in positions:
            owners[k].append(i)
    twice = [k for k, o in enumerate(owners) if len(o) > 1]
    if twice:
        first, second = owners[twice[0]][:2]
        paths = _listing([_path(variables[k]) for k in twice if owners[k][:2] == [first, second]])
        raise ValueError(f"groups[{first}] and groups[{second}] both select {paths}; every variable must be in one "
                         "group")
    alone = [k for k, o in enumerate(owners) if not o]
    if default is None:
        if alone:
            paths = _listing([_path(variables[k]) for k in alone])
            raise ValueError(f"no group selects {paths}: add their layers to a group, or pass default=an optimizer "
                             "for them")
    else:
        _check_group_optimizer(default, "default")
        if any(default is other for other in optimizers):
            raise ValueError("default is the optimizer of one of the groups; give it an optimizer of its own")
        if not alone:
            raise ValueError("default would train no variable: the groups already hold every trainable variable; "
                             "leave default out")
        optimizers.append(default)
    assignment = [o[0] if o else len(groups) for o in owners]
    optimizer = LayerwiseOptimizer(optimizers, assignment, global_clipnorm=global_clipnorm,
                                   loss_scale_factor=loss_scale_factor, name=name, **kwargs)
    optimizer._routing.expected = variables
    return optimizer


def discriminative_rates(base_rate: float, num_groups: int, factor: float = 2.6) -> list[float]:
    """Rates for ``num_groups`` groups, each ``factor`` times the one before, ending at ``base_rate``.

    Group ``i`` (0 nearest the input) gets ``base_rate / factor ** (num_groups - 1 - i)``, so
    the last group, the head, gets ``base_rate``: the discriminative fine-tuning of ULMFiT
    (Howard & Ruder 2018), whose factor 2.6 is the default. fastai's ``slice(lo, hi)`` over
    ``n`` groups is ``discriminative_rates(hi, n, factor=(hi / lo) ** (1 / (n - 1)))``.

    Parameters
    ----------
    base_rate : float
        The last group's rate, > 0.
    num_groups : int
        The number of groups, >= 1.
    factor : float, optional
        The ratio between neighbouring groups, >= 1 (1 gives every group ``base_rate``).

    Returns
    -------
    list of float
        Python floats, ready for ``keras.optimizers.Adam(rate)``.

    References
    ----------
    Howard and Ruder 2018, "Universal Language Model Fine-tuning for Text Classification"
    (arXiv:1801.06146), section 3.2.

    Examples
    --------
    >>> [f"{rate:.0e}" for rate in discriminative_rates(1e-3, 3, factor=10)]
    ['1e-05', '1e-04', '1e-03']
    >>> discriminative_rates(0.01, 1)
    [0.01]
    """
    base_rate = check_real("base_rate", base_rate, positive=True)
    num_groups = check_int("num_groups", num_groups, minimum=1)
    factor = check_real("factor", factor, minimum=1.0)
    return [base_rate / factor ** (num_groups - 1 - i) for i in range(num_groups)]

