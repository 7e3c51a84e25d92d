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
    configs:
        Maps a configuration's name to ``{"optimizer": name or factory, **arguments}``; the
        arguments go to the optimizer (see :func:`lrutils.keras_optimizers.make_optimizer`), e.g.
        ``{"adam 1e-3": {"optimizer": "adam", "learning_rate": 1e-3}}``.
    data:
        A :class:`lrutils.Dataset` or ``(x_train, y_train, x_val, y_val)`` with integer
        class labels; images for a :class:`CNN` have shape ``(n, height, width, channels)``.
    model:
        The architecture, :class:`MLP` or :class:`CNN`; the loss is the softmax cross-entropy
        of its logits (``SparseCategoricalCrossentropy(from_logits=True)``).
    seeds:
        Each configuration is trained once per seed. The seed fixes the initial weights
        (those of :func:`keras_model` after ``set_seed(seed)``) and the order of the batches.
    epochs, batch_size:
        As in ``model.fit``; the last batch of an epoch is smaller when ``batch_size`` does
        not divide the number of training examples.
    shuffle:
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
    import keras
    import pandas as pd
    import tensorflow as tf

    from .callbacks import current_learning_rate
    from .keras_optimizers import make_optimizer

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
    model = _check_architecture(model)
    seeds = check_seeds("seeds", seeds, distinct=True)
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    shuffle = check_flag("shuffle", shuffle)
    x_train, y_train, x_val, y_val = (np.asarray(a) for a in check_dataset("data", data))
    for name, y in (("y_train", y_train), ("y_val", y_val)):
        if not np.issubdtype(y.dtype, np.integer) or y.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of integer class labels, "
                             f"got dtype {y.dtype} and shape {y.shape}")
    if len(x_train) != len(y_train) or len(x_val) != len(y_val):
        raise ValueError("x and y must have the same number of examples")
    num_classes = int(max(y_train.max(), y_val.max())) + 1
    input_shape = x_train.shape[1:]
    if isinstance(model, CNN) and len(input_shape) != 3:
        raise ValueError("a CNN needs images of shape (n, height, width, channels), "
                         f"got x_train of shape {x_train.shape}")

    start_time = time.perf_counter()
    # Initial weights of each seed: those of the equivalent Keras model.
    initial = []
    for seed in seeds:
        set_seed(int(seed), keras=True)
        net = keras_model(model, input_shape, num_classes)
        initial.append([np.asarray(w, dtype=np.float32) for w in net.get_weights()])
    layers = _layers(net)
    shapes = [s for layer in layers for s in layer.shapes]
    sizes = [int(np.prod(s)) for s in shapes]
    S, G = len(seeds), len(configs)

    # One group per configuration: its optimizer(s) and variables.
    groups = []
    for name, params in configs.items():
        kwargs = {k: v for k, v in params.items() if k != "optimizer"}
        probe = make_optimizer(params["optimizer"], **kwargs)
        if _is_elementwise(probe):
            flat = np.stack([np.concatenate([w.ravel() for w in ws]) for ws in initial])
            with keras.name_scope(f"grid_{len(groups)}"):
                var = keras.Variable(flat, name="weights")
            probe.build([var])
            groups.append({"name": name, "flat": True, "optimizers": [probe], "variables": [var]})
        else:
            optimizers, variables = [], []
            for s in range(S):
                opt = probe if s == 0 else make_optimizer(params["optimizer"], **kwargs)
                member = []
                for i, layer in enumerate(layers):
                    with keras.name_scope(f"grid_{len(groups)}_{s}"), keras.name_scope(layer.name):
                        member.append(keras.Variable(initial[s][2 * i], name="kernel"))
                        member.append(keras.Variable(initial[s][2 * i + 1], name="bias"))
                opt.build(member)
                optimizers.append(opt)
                variables.append(member)
            groups.append({"name": name, "flat": False, "optimizers": optimizers, "variables": variables})

    act = {"relu": tf.nn.relu, "tanh": tf.tanh, "sigmoid": tf.sigmoid, "linear": tf.identity}[model.activation]

    def weights_of(group):
        """Per layer (kernel, bias), each of shape (S, *Keras shape)."""
        if group["flat"]:
            parts = tf.split(group["variables"][0].value, sizes, axis=1)
            return [tf.reshape(p, (S, *shape)) for p, shape in zip(parts, shapes)]
        return [tf.stack([member[j].value for member in group["variables"]]) for j in range(len(shapes))]

    def forward(x):
        """Logits of every network, shape (G, S, B, classes), for inputs x of shape (S, B, ...)."""
        per_group = [weights_of(g) for g in groups]
        stacked = [tf.stack([w[j] for w in per_group]) for j in range(len(shapes))]  # (G, S, ...)
        h, shared = x, True  # shared: the input has no G axis yet
        for i, layer in enumerate(layers):
            kernel, bias = stacked[2 * i], stacked[2 * i + 1]
            if layer.kind == "conv":
                kh, kw, cin, cout = layer.shapes[0]
                lead = tf.shape(h)[:2] if shared else tf.shape(h)[:3]
                images = tf.reshape(h, tf.concat([[-1], tf.shape(h)[-3:]], 0))
                patches = tf.image.extract_patches(
                    images, [1, kh, kw, 1], [1, model.strides, model.strides, 1], [1, 1, 1, 1], "VALID")
                patches = tf.reshape(patches, tf.concat([lead, tf.shape(patches)[1:]], 0))
                kernel = tf.reshape(kernel, (G, S, kh * kw * cin, cout))
                spec = "sbhwp,gspc->gsbhwc" if shared else "gsbhwp,gspc->gsbhwc"
                h = tf.einsum(spec, patches, kernel) + bias[:, :, None, None, None, :]
            else:
                if layer.kind == "dense" and h.shape.rank != (3 if shared else 4):
                    lead = tf.shape(h)[:2] if shared else tf.shape(h)[:3]
                    h = tf.reshape(h, tf.concat([lead, [-1]], 0))
                spec = "sbi,gsio->gsbo" if shared else "gsbi,gsio->gsbo"
                h = tf.einsum(spec, h, kernel) + bias[:, :, None, :]
            shared = False
            if i < len(layers) - 1:
                h = act(h)
        return h

    def losses_and_hits(x, y):
        logits = forward(x)
        labels = tf.broadcast_to(y[None], tf.shape(logits)[:3])
        per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
        hits = tf.cast(tf.equal(tf.argmax(logits, axis=-1, output_type=labels.dtype), labels), tf.float32)
        return per_example, hits  # (G, S, B)

    all_variables = [v for g in groups for v in (g["variables"] if g["flat"] else
                                                   [v for member in g["variables"] for v in member])]
    x_train_t = tf.constant(x_train, dtype=tf.float32)
    y_train_t = tf.constant(y_train, dtype=tf.int32)

    @tf.function(input_signature=[tf.TensorSpec([S, None], tf.int32)], autograph=False)
    def train_step(index):
        x = tf.gather(x_train_t, index)
        y = tf.gather(y_train_t, index)
        with tf.GradientTape() as tape:
            per_example, hits = losses_and_hits(x, y)
            loss = tf.reduce_mean(per_example, axis=2)  # (G, S): each run's batch loss
            total = tf.reduce_sum(loss)  # d total / d (run's weights) = that run's gradient
        grads = tape.gradient(total, all_variables)
        k = 0
        for g in groups:
            if g["flat"]:
                g["optimizers"][0].apply(grads[k:k + 1], g["variables"])
                k += 1
            else:
                for opt, member in zip(g["optimizers"], g["variables"]):
                    opt.apply(grads[k:k + len(member)], member)
                    k += len(member)
        return tf.reduce_sum(per_example, axis=2), tf.reduce_sum(hits, axis=2)

    @tf.function(input_signature=[tf.TensorSpec([None, *input_shape], tf.float32),
                                  tf.TensorSpec([None], tf.int32)], autograph=False)
    def eval_step(x, y):
        xs = tf.broadcast_to(x[None], tf.concat([[S], tf.shape(x)], 0))
        ys = tf.broadcast_to(y[None], [S, tf.shape(y)[0]])
        per_example, hits = losses_and_hits(xs, ys)
        return tf.reduce_sum(per_example, axis=2), tf.reduce_sum(hits, axis=2)

    n, m = len(x_train), len(x_val)
    rngs = [np.random.default_rng(int(seed)) for seed in seeds]
    rows = []
    history = []
    for _ in range(epochs):
        orders = np.stack([rng.permutation(n) if shuffle else np.arange(n) for rng in rngs]).astype(np.int32)
        loss_sum = np.zeros((G, S))
        hit_sum = np.zeros((G, S))
        for start in range(0, n, batch_size):
            batch_loss, batch_hits = train_step(orders[:, start:start + batch_size])
            loss_sum += batch_loss.numpy()
            hit_sum += batch_hits.numpy()
        val_loss = np.zeros((G, S))
        val_hits = np.zeros((G, S))
        for start in range(0, m, batch_size):
            batch_loss, batch_hits = eval_step(x_val[start:start + batch_size].astype(np.float32),
                                               y_val[start:start + batch_size].astype(np.int32))
            val_loss += batch_loss.numpy()
            val_hits += batch_hits.numpy()
        rates = [[float(current_learning_rate(opt)) for opt in g["optimizers"]] for g in groups]
        history.append((loss_sum / n, hit_sum / n, val_loss / m, val_hits / m, rates))
    elapsed = time.perf_counter() - start_time

    for gi, g in enumerate(groups):
        class_name = type(g["optimizers"][0]).__name__
        for si, seed in enumerate(seeds):
            for epoch, (loss, acc, vloss, vacc, rates) in enumerate(history):
                rate = rates[gi][0] if g["flat"] else rates[gi][si]
                rows.append({
                    "config": g["name"], "optimizer": class_name, "seed": int(seed), "epoch": epoch + 1,
                    "loss": float(loss[gi, si]), "accuracy": float(acc[gi, si]),
                    "val_loss": float(vloss[gi, si]), "val_accuracy": float(vacc[gi, si]),
                    "learning_rate": rate, "time_s": elapsed,
                })
    return pd.DataFrame(rows)
