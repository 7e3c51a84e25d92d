"""Tests of lrutils.graphs: hand-computed passes, finite differences, layout, drawing, errors."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lrutils.graphs import OPS, GraphPass, Node, backprop, draw_graph, graph_layout  # noqa: E402

# e = (a + b)(b + 1), C. Olah, "Calculus on Computational Graphs" (2015), at a = 2, b = 1:
# c = 3, d = 2, e = 6; de/dc = d = 2, de/dd = c = 3, de/da = 2, de/db = 2 + 3 = 5.
OLAH = [
    Node("a", "input"),
    Node("b", "input"),
    Node("c", "add", ("a", "b")),
    Node("d", "add", ("b", 1.0)),
    Node("e", "mul", ("c", "d")),
]
# One sigmoid neuron with a squared error, L = (sigmoid(w x + b) - t)^2.
NEURON = [
    Node("w", "input"),
    Node("x", "input"),
    Node("u", "mul", ("w", "x")),
    Node("b", "input"),
    Node("z", "add", ("u", "b")),
    Node("p", "sigmoid", ("z",)),
    Node("t", "input"),
    Node("r", "sub", ("p", "t")),
    Node("L", "square", ("r",)),
]


def _sig(z):
    return 1 / (1 + math.exp(-z))


# (graph, inputs, the same function written directly in Python)
CASES = {
    "olah": (OLAH, {"a": 2.0, "b": 1.0}, lambda a, b: (a + b) * (b + 1)),
    "neuron": (NEURON, {"w": 0.5, "x": 2.0, "b": -0.5, "t": 1.0}, lambda w, x, b, t: (_sig(w * x + b) - t) ** 2),
    "x_times_x": ([Node("x", "input"), Node("y", "mul", ("x", "x"))], {"x": -1.5}, lambda x: x * x),
    "every_op": (
        [
            Node("a", "input"),
            Node("b", "input"),
            Node("s", "sub", ("a", "b")),
            Node("q", "div", ("s", "b")),
            Node("n", "neg", ("q",)),
            Node("e", "exp", ("n",)),
            Node("l", "log", ("e",)),
            Node("t", "tanh", ("l",)),
            Node("r", "relu", ("a",)),
            Node("k", "div", (2.0, "r")),
            Node("m", "mul", ("t", "k")),
            Node("o", "add", ("m", "a")),
        ],
        {"a": 0.7, "b": 1.3},
        lambda a, b: math.tanh(math.log(math.exp(-(a - b) / b))) * (2.0 / max(a, 0)) + a,
    ),
}


@pytest.mark.parametrize("graph, inputs, fn", CASES.values(), ids=CASES.keys())
def test_output_value_matches_direct_formula(graph, inputs, fn):
    result = backprop(graph, inputs)
    assert result.values[graph[-1].name] == pytest.approx(fn(**inputs), rel=1e-12)


@pytest.mark.parametrize("graph, inputs, fn", CASES.values(), ids=CASES.keys())
def test_input_gradients_match_central_differences(graph, inputs, fn):
    result = backprop(graph, inputs)
    h = 1e-6
    for name in inputs:
        up, down = dict(inputs), dict(inputs)
        up[name] += h
        down[name] -= h
        numerical = (fn(**up) - fn(**down)) / (2 * h)
        assert result.grads[name] == pytest.approx(numerical, rel=1e-7, abs=1e-9), name


def test_olah_example_by_hand():
    r = backprop(OLAH, {"a": 2.0, "b": 1.0})
    assert r.values == {"a": 2.0, "b": 1.0, "c": 3.0, "d": 2.0, "e": 6.0}
    assert r.local == {("a", "c"): 1.0, ("b", "c"): 1.0, ("b", "d"): 1.0, ("c", "e"): 2.0, ("d", "e"): 3.0}
    assert r.grads == {"a": 2.0, "b": 5.0, "c": 2.0, "d": 3.0, "e": 1.0}
    assert r.output == "e"


def test_variable_used_twice_in_one_node_sums_both_partials():
    r = backprop(CASES["x_times_x"][0], {"x": -1.5})
    assert r.local[("x", "y")] == -3.0          # d(x*x)/dx = x + x
    assert r.grads["x"] == -3.0


@pytest.mark.parametrize("name", [n for n, op in OPS.items() if op.arity > 0])
def test_local_derivatives_match_central_differences(name):
    op = OPS[name]
    args = (0.8, -1.7)[: op.arity] if name != "log" else (0.8,)
    h = 1e-6
    for k, d in enumerate(op.derivatives(*args)):
        up = list(args)
        down = list(args)
        up[k] += h
        down[k] -= h
        assert d == pytest.approx((op.fn(*up) - op.fn(*down)) / (2 * h), rel=1e-7, abs=1e-9), (name, k)


def test_relu_derivative_at_zero_is_zero_like_tensorflow():
    assert OPS["relu"].derivatives(0.0) == (0.0,)


def test_sigmoid_is_stable_for_large_inputs():
    assert OPS["sigmoid"].fn(-800.0) == 0.0 and OPS["sigmoid"].fn(800.0) == 1.0


def test_output_other_than_last_node():
    r = backprop(OLAH, {"a": 2.0, "b": 1.0}, output="d")
    assert r.grads == {"a": 0.0, "b": 1.0, "c": 0.0, "d": 1.0, "e": 0.0}


def test_layout_puts_inputs_left_of_their_users():
    pos = graph_layout(NEURON)
    for node in NEURON:
        for parent in node.inputs:
            if isinstance(parent, str):
                assert pos[parent][0] < pos[node.name][0], (parent, node.name)
    assert pos["t"][0] == pos["r"][0] - 1          # a late input sits next to its user
    assert pos["L"] == (5.0, 0.0)


def test_draw_graph_annotates_values_local_derivatives_and_gradients():
    fig, ax = plt.subplots()
    result = backprop(OLAH, {"a": 2.0, "b": 1.0})
    assert draw_graph(OLAH, result, ax=ax) is ax
    texts = [t.get_text() for t in ax.texts]
    assert "e = 6" in texts and "c = 3" in texts           # forward values
    assert texts.count("5") == 1                           # de/db, below b
    assert "+1" in texts                                   # the constant is written in the node
    assert len(ax.patches) == len(OLAH)                    # one circle per node
    plt.close(fig)


def test_draw_graph_without_result_and_with_positions():
    pos = {n.name: (i, 0.0) for i, n in enumerate(OLAH)}
    ax = draw_graph(OLAH, positions=pos)
    assert isinstance(ax, plt.Axes)
    plt.close(ax.figure)


@pytest.mark.parametrize(
    "graph, inputs, kwargs, error, match",
    [
        ([Node("a", "input"), Node("b", "cube", ("a",))], {"a": 1.0}, {}, ValueError, "op must be one of"),
        ([Node("a", "input"), Node("a", "neg", ("a",))], {"a": 1.0}, {}, ValueError, "used by two nodes"),
        ([Node("b", "neg", ("a",)), Node("a", "input")], {"a": 1.0}, {}, ValueError, "not defined before"),
        ([Node("a", "input"), Node("b", "add", ("a",))], {"a": 1.0}, {}, ValueError, "takes 2 input"),
        ([Node("a", "input"), Node("b", "add", (1.0, 2.0))], {"a": 1.0}, {}, ValueError, "only constants"),
        ([Node("a", "input"), Node("b", "add", ("a", None))], {"a": 1.0}, {}, TypeError, "finite real"),
        ([Node("a", "input"), Node("b", "add", ("a", math.inf))], {"a": 1.0}, {}, ValueError, "finite real"),
        ([Node("a", "input"), Node("", "neg", ("a",))], {"a": 1.0}, {}, ValueError,
         r"^graph\[1\]\.name must be a non-empty string, got graph\[1\]\.name=''$"),
        ([Node("a", "input"), Node(3, "neg", ("a",))], {"a": 1.0}, {}, TypeError,
         r"^graph\[1\]\.name must be a non-empty string, got graph\[1\]\.name=3 \(int\)$"),
        (OLAH, {"a": 2.0}, {}, ValueError, r"missing \['b'\]"),
        (OLAH, {"a": 2.0, "b": 1.0, "z": 0.0}, {}, ValueError, r"not input nodes \['z'\]"),
        (OLAH, {"a": 2.0, "b": "1"}, {}, TypeError, r"^inputs\['b'\] must be a real number, got inputs\['b'\]='1'"),
        (OLAH, {"a": 2.0, "b": math.nan}, {}, ValueError, r"^inputs\['b'\] must be finite, got inputs\['b'\]=nan"),
        (OLAH, {"a": 2.0, "b": 1.0}, {"output": "f"}, ValueError, "output must be"),
        ([Node("a", "input"), Node("l", "log", ("a",))], {"a": -1.0}, {}, ValueError, "positive"),
        ([Node("a", "input"), Node("q", "div", (1.0, "a"))], {"a": 0.0}, {}, ValueError, "non-zero"),
        ([], {}, {}, TypeError, "non-empty list"),
        ([("a", "input")], {}, {}, TypeError, "must be a Node"),
    ],
)
def test_bad_graphs_and_inputs_raise(graph, inputs, kwargs, error, match):
    with pytest.raises(error, match=match):
        backprop(graph, inputs, **kwargs)


def test_draw_graph_rejects_mismatched_result_and_missing_positions():
    other = backprop(NEURON, {"w": 0.5, "x": 2.0, "b": -0.5, "t": 1.0})
    with pytest.raises(ValueError, match="another graph"):
        draw_graph(OLAH, other)
    with pytest.raises(TypeError, match="GraphPass"):
        draw_graph(OLAH, {"a": 1})
    with pytest.raises(ValueError, match=r"missing \['e'\]"):
        draw_graph(OLAH, positions={n.name: (0, 0) for n in OLAH[:-1]})
    with pytest.raises(ValueError, match=r"^node_size must be in \(0, 0\.5\), got node_size=0\.5$"):
        draw_graph(OLAH, node_size=0.5)
    with pytest.raises(TypeError, match=r"^node_size must be a real number, got node_size='0\.2'"):
        draw_graph(OLAH, node_size="0.2")
    assert isinstance(other, GraphPass)


# One graph that uses every operation, and the same computation for TensorFlow's tape.
EVERY_OP = [
    Node("a", "input"), Node("b", "input"), Node("c", "input"),
    Node("s", "add", ("a", "b")), Node("d", "sub", ("a", "c")), Node("m", "mul", ("s", "d")),
    Node("q", "div", ("m", "c")), Node("n", "neg", ("q",)), Node("sq", "square", ("n",)),
    Node("e", "exp", ("a",)), Node("l", "log", ("c",)), Node("g", "sigmoid", ("b",)),
    Node("t", "tanh", ("m",)), Node("r", "relu", ("c",)), Node("r0", "relu", ("d",)),
    Node("u1", "add", ("sq", "e")), Node("u2", "mul", ("l", "g")), Node("u3", "sub", ("t", "r")),
    Node("u4", "add", ("u1", "u2")), Node("u5", "add", ("u4", "u3")), Node("out", "add", ("u5", "r0")),
]
TF_OPS = {"add": "add", "sub": "subtract", "mul": "multiply", "div": "divide", "neg": "negative",
          "square": "square", "exp": "exp", "log": "log", "sigmoid": "sigmoid", "tanh": "tanh",
          "relu": "relu"}


@pytest.mark.parametrize("inputs", [{"a": 0.7, "b": -1.3, "c": 2.1}, {"a": -0.4, "b": 0.9, "c": 0.3}])
def test_backprop_matches_gradient_tape(inputs):
    """The same computation in the reference framework: every node's value and the gradient
    of the output with respect to every input, against tf.GradientTape in float64."""
    tf = pytest.importorskip("tensorflow")
    assert {node.op for node in EVERY_OP} == set(OPS)  # the graph exercises every operation
    variables = {name: tf.Variable(value, dtype=tf.float64) for name, value in inputs.items()}
    with tf.GradientTape() as tape:
        values = dict(variables)
        for node in EVERY_OP:
            if node.op != "input":
                fn = getattr(tf.math, TF_OPS[node.op], None) or getattr(tf.nn, TF_OPS[node.op])
                values[node.name] = fn(*(values[p] for p in node.inputs))
    grads = tape.gradient(values["out"], variables)
    result = backprop(EVERY_OP, inputs)
    for name, value in values.items():
        assert result.values[name] == pytest.approx(float(value), rel=1e-12, abs=1e-15), name
    for name in inputs:
        assert result.grads[name] == pytest.approx(float(grads[name]), rel=1e-12, abs=1e-15), name
