"""Train a whole grid of small networks at once: one compiled step for every run.

Comparing optimizers fairly takes many runs: every optimizer, at several learning rates,
with several seeds. Trained one after the other with ``model.fit``
(:func:`lrutils.run_experiments`), each run pays for building and tracing its own model,
which on a small CPU costs more than the training itself. :func:`run_grid` trains all the
runs side by side instead, as independent networks inside one ``tf.function``:

* every run (a configuration and a seed) is a separate network with its own weights, its own
  ``keras.optimizers`` optimizer state and its own losses; nothing is shared between runs
  except the compiled step that computes them all;
* the networks are the small multilayer perceptrons and convolutional networks described by
  :class:`MLP` and :class:`CNN`; :func:`keras_model` builds the same network as an ordinary
  ``keras.Sequential`` model, and each run starts from that model's initial weights for its
  seed (:func:`lrutils.set_seed`), so ``run_grid`` reproduces ``model.fit`` up to float32
  rounding (the test suite checks this);
* the runs of one seed see the same mini-batches in the same order (common random numbers):
  differences between configurations are then not blurred by different batch orders.

How the weights are stored depends on the optimizer. An *elementwise* optimizer (SGD,
RMSprop, Adagrad, Adadelta, Adam, AdamW, Adamax, Nadam, Lion, Ftrl, ScheduleFreeAdamW, without
``clipnorm`` or ``global_clipnorm``) updates each number from its own gradient history only,
so the weights of all seeds of one configuration are stored in one flat variable and updated
by one optimizer. The other optimizers (Lamb's trust ratio, Adafactor's factored moments and
Muon's orthogonalisation look at whole matrices) get one variable per layer, with the layer's
Keras shape, and one optimizer per run, exactly as in a Keras model.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ._checks import check_choice, check_dataset, check_flag, check_int, check_seeds
from .seed import set_seed

if TYPE_CHECKING:  # pandas is imported when run_grid runs
    import pandas as pd

__all__ = ["MLP", "CNN", "keras_model", "run_grid", "ELEMENTWISE_OPTIMIZERS"]

#: Keras optimizer classes whose update of each number depends only on that number's
#: gradients (and the step count): their runs can share one flat variable per configuration.
ELEMENTWISE_OPTIMIZERS = frozenset({
    "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "AdamW", "Adamax", "Nadam", "Lion",
    "Ftrl", "ScheduleFreeAdamW",
})


class MLP(NamedTuple):
    """A multilayer perceptron: ``Flatten``, ``Dense(h, activation)`` for each ``h`` in
    ``hidden``, then ``Dense(num_classes)`` producing logits."""

    hidden: tuple[int, ...] = (128,)
    activation: str = "relu"


class CNN(NamedTuple):
    """A small convolutional network: ``Conv2D(f, kernel_size, strides, "valid", activation)``
    for each ``f`` in ``filters``, ``Flatten``, then ``Dense(num_classes)`` producing logits.
    Strided convolutions instead of pooling keep it cheap."""

    filters: tuple[int, ...] = (8, 16)
    kernel_size: int = 3
    strides: int = 2
    activation: str = "relu"


Architecture = MLP | CNN
_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


def _check_architecture(model: Any) -> Architecture:
    if not isinstance(model, (MLP, CNN)):
        raise TypeError(f"model must be an lrutils.batched.MLP or CNN, got {model!r}")
    sizes = model.hidden if isinstance(model, MLP) else model.filters
    what = "hidden" if isinstance(model, MLP) else "filters"
    if not isinstance(sizes, tuple):
        raise TypeError(f"{what} must be a tuple of positive integers, got {what}={sizes!r}")
    sizes = tuple(check_int(f"{what}[{i}]", h, minimum=1) for i, h in enumerate(sizes))
    checked = {what: sizes, "activation": check_choice("activation", model.activation, _ACTIVATIONS)}
    if isinstance(model, CNN):
        if not sizes:
            raise ValueError("filters must name at least one convolution, got filters=()")
        for arg in ("kernel_size", "strides"):
            checked[arg] = check_int(arg, getattr(model, arg), minimum=1)
    return model._replace(**checked)


def keras_model(model: Architecture, input_shape: Sequence[int], num_classes: int):
    """The network ``model`` describes, as an uncompiled ``keras.Sequential`` with logits out.

    Layers are named ``hidden1, hidden2, ...`` (or ``conv1, conv2, ...``) and ``output``, so
    an optimizer that treats layers by name (``keras.optimizers.Muon(exclude_layers=
    ["output"])``) sees the same names here and in :func:`run_grid`. Compile it with
    ``keras.losses.SparseCategoricalCrossentropy(from_logits=True)``.
    """
    import keras

    model = _check_architecture(model)
    layers: list[Any] = [keras.Input(tuple(int(d) for d in input_shape))]
    if isinstance(model, MLP):
        layers.append(keras.layers.Flatten(name="flatten"))
        layers += [keras.layers.Dense(h, activation=model.activation, name=f"hidden{i + 1}")
                   for i, h in enumerate(model.hidden)]
    else:
        if len(input_shape) != 3:
            raise ValueError("a CNN needs images of shape (height, width, channels), "
                             f"got input_shape={tuple(input_shape)}")
        layers += [keras.layers.Conv2D(f, model.kernel_size, strides=model.strides, padding="valid",
                                       activation=model.activation, name=f"conv{i + 1}")
                   for i, f in enumerate(model.filters)]
        layers.append(keras.layers.Flatten(name="flatten"))
    layers.append(keras.layers.Dense(int(num_classes), name="output"))
    return keras.Sequential(layers, name=type(model).__name__.lower())


def _is_elementwise(opt) -> bool:
    return (type(opt).__name__ in ELEMENTWISE_OPTIMIZERS and opt.clipnorm is None
            and opt.global_clipnorm is None)


class _Layer(NamedTuple):
    kind: str  # "dense" or "conv"
    shapes: tuple[tuple[int, ...], tuple[int, ...]]  # kernel, bias (Keras shapes)
    name: str


def _layers(keras_net) -> list[_Layer]:
    out = []
    for layer in keras_net.layers:
        if not layer.weights:
            continue
        kernel, bias = layer.weights
        kind = "conv" if len(kernel.shape) == 4 else "dense"
        out.append(_Layer(kind, (tuple(kernel.shape), tuple(bias.shape)), layer.name))
    return out


def run_grid(
    configs: Mapping[str, Mapping[str, Any]],
    *,
    data: Any,
    model: Architecture = MLP(),  # noqa: B008 (a frozen dataclass: one shared default is safe)
    seeds: Iterable[int] = (0, 1, 2),
    epochs: int = 3,
    batch_size: int = 128,
    shuffle: bool = True,
) -> pd.DataFrame:
    """Train one network per configuration and seed, all in one compiled step; return a
    tidy :class:`pandas.DataFrame` like :func:`lrutils.run_experiments`.

    Parameters
    ----------
    configs : mapping of str to mapping
        Maps a configuration's name to ``{"optimizer": name or factory, **arguments}``; the
        arguments go to the optimizer (see :func:`lrutils.keras_optimizers.make_optimizer`), e.g.
        ``{"adam 1e-3": {"optimizer": "adam", "learning_rate": 1e-3}}``.
    data : Dataset or tuple
        A :class:`lrutils.Dataset` or ``(x_train, y_train, x_val, y_val)`` with integer
        class labels; images for a :class:`CNN` have shape ``(n, height, width, channels)``.
    model : MLP or CNN
        The architecture, :class:`MLP` or :class:`CNN`; the loss is the softmax cross-entropy
        of its logits (``SparseCategoricalCrossentropy(from_logits=True)``).
    seeds : sequence of int
        Each configuration is trained once per seed. The seed fixes the initial weights
        (those of :func:`keras_model` after ``set_seed(seed)``) and the order of the batches.
    epochs, batch_size : int
        As in ``model.fit``; the last batch of an epoch is smaller when ``batch_size`` does
        not divide the number of training examples.
    shuffle : bool
        Shuffle the training set before each epoch (with ``numpy.random.default_rng(seed)``);
        False keeps the order, as ``model.fit(shuffle=False)`` does.

    Returns
    -------
    pandas.DataFrame
        One row per configuration, seed and epoch, with the columns ``config``, ``optimizer``
        (the class name), ``seed``, ``epoch`` (1, 2, ...), ``loss`` and ``accuracy`` (means
        over the epoch's batches, weighted by batch size, as Keras reports them),
        ``val_loss`` and ``val_accuracy`` (at the end of the epoch), ``learning_rate`` (the
        optimizer's rate at the end of the epoch) and ``time_s`` (the wall-clock time of the
        whole grid, shared by all its runs). A run that diverges shows ``nan`` or ``inf``
        losses and does not affect the others.

    Notes
    -----
    Like :func:`lrutils.run_experiments`, this calls :func:`lrutils.set_seed` (Keras included)
    for each seed, so the global random state afterwards is that of the last seed. The
    TensorFlow backend of Keras is required.
    """
    _check_configs(configs)
    model = _check_architecture(model)
    seeds = check_seeds("seeds", seeds, distinct=True)
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    shuffle = check_flag("shuffle", shuffle)
    x_train, y_train, x_val, y_val = _check_data(data, model)
    num_classes = int(max(y_train.max(), y_val.max())) + 1

    start_time = time.perf_counter()
    # The networks: every configuration starts from each seed's weights of the Keras model.
    initial, layers = _initial_weights(model, seeds, x_train.shape[1:], num_classes)
    groups = [_make_group(index, name, params, initial, layers)
              for index, (name, params) in enumerate(configs.items())]
    # One compiled step trains all of them on a batch, another evaluates all of them.
    train_step = _make_train_step(groups, layers, model, len(seeds), x_train, y_train)
    eval_step = _make_eval_step(groups, layers, model, len(seeds), x_train.shape[1:])
    history = _run_epochs(groups, train_step, eval_step, seeds, len(x_train), x_val, y_val,
                          epochs=epochs, batch_size=batch_size, shuffle=shuffle)
    return _table(groups, seeds, history, elapsed=time.perf_counter() - start_time)


# --------------------------------------------------------------------------------------
# Checking the arguments
# --------------------------------------------------------------------------------------


def _check_configs(configs: Any) -> None:
    """A non-empty mapping of name -> ``{"optimizer": ..., **arguments}``."""
    if not isinstance(configs, Mapping):
        raise TypeError("configs must be a non-empty mapping of name -> optimizer settings, "
                        f"got {type(configs).__name__}")
    if not configs:
        raise ValueError("configs must be a non-empty mapping of name -> optimizer settings, got configs={}")
    for name, params in configs.items():
        if not isinstance(params, Mapping):
            raise TypeError(f"configs[{name!r}] must be a mapping with an 'optimizer' key, got {params!r}")
        if "optimizer" not in params:
            raise ValueError(f"configs[{name!r}] must be a mapping with an 'optimizer' key, got {params!r}")


def _check_data(data: Any, model: Architecture) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_val, y_val)`` as arrays, with integer labels and, for a CNN, images."""
    x_train, y_train, x_val, y_val = (np.asarray(a) for a in check_dataset("data", data))
    for name, y in (("y_train", y_train), ("y_val", y_val)):
        if not np.issubdtype(y.dtype, np.integer) or y.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of integer class labels, "
                             f"got dtype {y.dtype} and shape {y.shape}")
    if len(x_train) != len(y_train) or len(x_val) != len(y_val):
        raise ValueError("x and y must have the same number of examples")
    if isinstance(model, CNN) and x_train.ndim != 4:
        raise ValueError("a CNN needs images of shape (n, height, width, channels), "
                         f"got x_train of shape {x_train.shape}")
    return x_train, y_train, x_val, y_val


# --------------------------------------------------------------------------------------
# The networks: variables and optimizers
# --------------------------------------------------------------------------------------


def _initial_weights(model: Architecture, seeds: Sequence[int], input_shape: Sequence[int],
                     num_classes: int) -> tuple[list[list[np.ndarray]], list[_Layer]]:
    """The initial weights of each seed, those of :func:`keras_model` after ``set_seed(seed)``
    (per seed: kernel and bias of each layer, in order), and the layers they belong to."""
    initial = []
    for seed in seeds:
        set_seed(int(seed), keras=True)
        net = keras_model(model, input_shape, num_classes)
        initial.append([np.asarray(w, dtype=np.float32) for w in net.get_weights()])
    return initial, _layers(net)


class _Group(NamedTuple):
    """The networks of one configuration, one per seed: their variables and optimizers.

    ``variables[i]`` is the list of variables that ``optimizers[i]`` updates. Flat (an
    elementwise optimizer): one optimizer and one variable of shape (seeds, all weights),
    each row one seed's weights end to end. Otherwise: per seed one optimizer and the
    variables of a Keras model (kernel and bias of each layer, with their Keras shapes).
    """

    name: str
    flat: bool
    optimizers: list[Any]
    variables: list[list[Any]]


def _make_group(index: int, name: str, params: Mapping[str, Any], initial: list[list[np.ndarray]],
                layers: list[_Layer]) -> _Group:
    """Build the variables (from the initial weights) and optimizers of configuration ``name``,
    the ``index``-th of the grid."""
    import keras

    from .keras_optimizers import make_optimizer

    kwargs = {k: v for k, v in params.items() if k != "optimizer"}
    probe = make_optimizer(params["optimizer"], **kwargs)
    if _is_elementwise(probe):
        flat = np.stack([np.concatenate([w.ravel() for w in weights]) for weights in initial])
        with keras.name_scope(f"grid_{index}"):
            variable = keras.Variable(flat, name="weights")
        probe.build([variable])
        return _Group(name, True, [probe], [[variable]])
    optimizers, variables = [], []
    for s, weights in enumerate(initial):
        optimizer = probe if s == 0 else make_optimizer(params["optimizer"], **kwargs)
        member = []
        for i, layer in enumerate(layers):
            with keras.name_scope(f"grid_{index}_{s}"), keras.name_scope(layer.name):
                member.append(keras.Variable(weights[2 * i], name="kernel"))
                member.append(keras.Variable(weights[2 * i + 1], name="bias"))
        optimizer.build(member)
        optimizers.append(optimizer)
        variables.append(member)
    return _Group(name, False, optimizers, variables)


# --------------------------------------------------------------------------------------
# The forward pass and the losses (traced inside the compiled steps)
# --------------------------------------------------------------------------------------


def _stacked_weights(groups: list[_Group], layers: list[_Layer]) -> list[Any]:
    """The weights of every network: kernel and bias of each layer, in order, each a tensor of
    shape (configurations G, seeds S, *Keras shape)."""
    import tensorflow as tf

    shapes = [shape for layer in layers for shape in layer.shapes]
    per_group = []
    for group in groups:
        if group.flat:  # split each row into the layers' tensors
            value = group.variables[0][0].value
            parts = tf.split(value, [int(np.prod(shape)) for shape in shapes], axis=1)
            per_group.append([tf.reshape(p, (value.shape[0], *shape)) for p, shape in zip(parts, shapes)])
        else:
            per_group.append([tf.stack([member[j].value for member in group.variables]) for j in range(len(shapes))])
    return [tf.stack([weights[j] for weights in per_group]) for j in range(len(shapes))]


def _forward(weights: list[Any], layers: list[_Layer], model: Architecture, x: Any) -> Any:
    """Logits of every network, shape (G, S, B, classes), for inputs ``x`` of shape (S, B, ...):
    network (g, s) sees the batch ``x[s]`` of its seed. ``weights`` are :func:`_stacked_weights`.

    A dense layer is one ``einsum`` over all networks; a convolution is an ``einsum`` of the
    kernels with the image patches (``tf.image.extract_patches``), the same sums as ``Conv2D``.
    """
    import tensorflow as tf

    G, S = weights[0].shape[:2]
    act = {"relu": tf.nn.relu, "tanh": tf.tanh, "sigmoid": tf.sigmoid, "linear": tf.identity}[model.activation]
    h, shared = x, True  # shared: the input has no G axis yet
    for i, layer in enumerate(layers):
        kernel, bias = weights[2 * i], weights[2 * i + 1]
        lead = tf.shape(h)[:2] if shared else tf.shape(h)[:3]  # (S, B) or (G, S, B)
        if layer.kind == "conv":
            kh, kw, cin, cout = layer.shapes[0]
            images = tf.reshape(h, tf.concat([[-1], tf.shape(h)[-3:]], 0))
            patches = tf.image.extract_patches(
                images, [1, kh, kw, 1], [1, model.strides, model.strides, 1], [1, 1, 1, 1], "VALID")
            patches = tf.reshape(patches, tf.concat([lead, tf.shape(patches)[1:]], 0))
            kernel = tf.reshape(kernel, (G, S, kh * kw * cin, cout))
            spec = "sbhwp,gspc->gsbhwc" if shared else "gsbhwp,gspc->gsbhwc"
            h = tf.einsum(spec, patches, kernel) + bias[:, :, None, None, None, :]
        else:
            if h.shape.rank != (3 if shared else 4):  # flatten images (or feature maps)
                h = tf.reshape(h, tf.concat([lead, [-1]], 0))
            spec = "sbi,gsio->gsbo" if shared else "gsbi,gsio->gsbo"
            h = tf.einsum(spec, h, kernel) + bias[:, :, None, :]
        shared = False
        if i < len(layers) - 1:
            h = act(h)
    return h


def _losses_and_hits(logits: Any, y: Any) -> tuple[Any, Any]:
    """Per example, shape (G, S, B): the cross-entropy of the logits, and 1.0 where the
    predicted class is the label ``y[s]`` (shape (S, B)), else 0.0."""
    import tensorflow as tf

    labels = tf.broadcast_to(y[None], tf.shape(logits)[:3])
    per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    hits = tf.cast(tf.equal(tf.argmax(logits, axis=-1, output_type=labels.dtype), labels), tf.float32)
    return per_example, hits


# --------------------------------------------------------------------------------------
# The compiled steps
# --------------------------------------------------------------------------------------


def _make_train_step(groups: list[_Group], layers: list[_Layer], model: Architecture, num_seeds: int,
                     x_train: np.ndarray, y_train: np.ndarray):
    """The compiled training step. ``train_step(index)`` takes a batch of indices into the
    training set for each seed, shape (S, B); it makes one optimizer step of every network on
    its seed's batch and returns the sums over the batch of the losses and of the hits, each of
    shape (G, S)."""
    import tensorflow as tf

    variables = [v for group in groups for member in group.variables for v in member]
    x_train_t = tf.constant(x_train, dtype=tf.float32)
    y_train_t = tf.constant(y_train, dtype=tf.int32)

    @tf.function(input_signature=[tf.TensorSpec([num_seeds, None], tf.int32)], autograph=False)
    def train_step(index):
        x = tf.gather(x_train_t, index)
        y = tf.gather(y_train_t, index)
        with tf.GradientTape() as tape:
            per_example, hits = _losses_and_hits(_forward(_stacked_weights(groups, layers), layers, model, x), y)
            loss = tf.reduce_mean(per_example, axis=2)  # (G, S): each run's batch loss
            total = tf.reduce_sum(loss)  # d total / d (run's weights) = that run's gradient
        grads = tape.gradient(total, variables)
        k = 0  # grads follow `variables`: each optimizer takes the next len(its variables)
        for group in groups:
            for optimizer, member in zip(group.optimizers, group.variables):
                optimizer.apply(grads[k:k + len(member)], member)
                k += len(member)
        return tf.reduce_sum(per_example, axis=2), tf.reduce_sum(hits, axis=2)

    return train_step


def _make_eval_step(groups: list[_Group], layers: list[_Layer], model: Architecture, num_seeds: int,
                    input_shape: Sequence[int]):
    """The compiled evaluation step. ``eval_step(x, y)`` takes one batch of examples, the same
    for every network, and returns the sums over the batch of the losses and of the hits, each
    of shape (G, S); it changes no weights."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([None, *input_shape], tf.float32),
                                  tf.TensorSpec([None], tf.int32)], autograph=False)
    def eval_step(x, y):
        xs = tf.broadcast_to(x[None], tf.concat([[num_seeds], tf.shape(x)], 0))
        ys = tf.broadcast_to(y[None], [num_seeds, tf.shape(y)[0]])
        per_example, hits = _losses_and_hits(_forward(_stacked_weights(groups, layers), layers, model, xs), ys)
        return tf.reduce_sum(per_example, axis=2), tf.reduce_sum(hits, axis=2)

    return eval_step


# --------------------------------------------------------------------------------------
# The epochs and the table
# --------------------------------------------------------------------------------------


def _batch_orders(seeds: Sequence[int], n: int, epochs: int, shuffle: bool):
    """For each epoch, the order in which each seed's networks see the ``n`` training examples,
    shape (S, n); batches are consecutive slices of it.

    The order depends on the seed only, through one ``numpy.random.default_rng(seed)`` per
    seed, and not on the configuration: all networks of one seed see the same batches in the
    same order (common random numbers).
    """
    rngs = [np.random.default_rng(int(seed)) for seed in seeds]
    for _ in range(epochs):
        yield np.stack([rng.permutation(n) if shuffle else np.arange(n) for rng in rngs]).astype(np.int32)


def _run_epochs(groups: list[_Group], train_step, eval_step, seeds: Sequence[int], n: int,
                x_val: np.ndarray, y_val: np.ndarray, *, epochs: int, batch_size: int,
                shuffle: bool) -> list[tuple[Any, ...]]:
    """The epoch loop: train every network on the ``n`` training examples, batch by batch in
    the orders of :func:`_batch_orders`, then evaluate it on ``(x_val, y_val)``.

    Returns one tuple ``(loss, accuracy, val_loss, val_accuracy, rates)`` per epoch: the means
    over the epoch's examples, each of shape (G, S), and the learning rate of each optimizer at
    the end of the epoch (per configuration, a list over its optimizers).
    """
    from .callbacks import current_learning_rate

    shape, m = (len(groups), len(seeds)), len(x_val)
    history = []
    for order in _batch_orders(seeds, n, epochs, shuffle):
        loss_sum, hit_sum = np.zeros(shape), np.zeros(shape)
        for start in range(0, n, batch_size):
            batch_loss, batch_hits = train_step(order[:, start:start + batch_size])
            loss_sum += batch_loss.numpy()
            hit_sum += batch_hits.numpy()
        val_loss, val_hits = np.zeros(shape), np.zeros(shape)
        for start in range(0, m, batch_size):
            batch_loss, batch_hits = eval_step(x_val[start:start + batch_size].astype(np.float32),
                                               y_val[start:start + batch_size].astype(np.int32))
            val_loss += batch_loss.numpy()
            val_hits += batch_hits.numpy()
        rates = [[float(current_learning_rate(opt)) for opt in group.optimizers] for group in groups]
        history.append((loss_sum / n, hit_sum / n, val_loss / m, val_hits / m, rates))
    return history


def _table(groups: list[_Group], seeds: Sequence[int], history: list[tuple[Any, ...]],
           elapsed: float) -> pd.DataFrame:
    """The tidy table of :func:`run_grid`: one row per configuration, seed and epoch."""
    import pandas as pd

    rows = []
    for gi, group in enumerate(groups):
        class_name = type(group.optimizers[0]).__name__
        for si, seed in enumerate(seeds):
            for epoch, (loss, acc, vloss, vacc, rates) in enumerate(history):
                rows.append({
                    "config": group.name, "optimizer": class_name, "seed": int(seed), "epoch": epoch + 1,
                    "loss": float(loss[gi, si]), "accuracy": float(acc[gi, si]),
                    "val_loss": float(vloss[gi, si]), "val_accuracy": float(vacc[gi, si]),
                    "learning_rate": rates[gi][0] if group.flat else rates[gi][si], "time_s": elapsed,
                })
    return pd.DataFrame(rows)
