r"""Computational graphs of scalars: forward values, local derivatives and backpropagation.

A small expression such as :math:`e = (a + b)(b + 1)` is a graph whose nodes are the
inputs and the intermediate results, listed in the order they are computed::

    from lrutils.graphs import Node, backprop, draw_graph

    graph = [
        Node("a", "input"),
        Node("b", "input"),
        Node("c", "add", ("a", "b")),     # c = a + b
        Node("d", "add", ("b", 1.0)),     # d = b + 1   (a number is a constant)
        Node("e", "mul", ("c", "d")),     # e = c d
    ]
    result = backprop(graph, {"a": 2.0, "b": 1.0})
    result.grads["b"]     # de/db = d * 1 + c * 1 = 5.0
    draw_graph(graph, result)

:func:`backprop` makes the two passes of reverse-mode differentiation
(Rumelhart, Hinton and Williams 1986):

* **forward**, in list order: the value of every node, and the *local derivative*
  :math:`\partial v / \partial u` of every node :math:`v` with respect to each of its
  inputs :math:`u`, which only needs the node's own operation and input values;
* **backward**, in reverse list order: the gradient of the output with respect to every
  node by the chain rule,

  .. math:: \bar u = \frac{\partial\, \text{out}}{\partial u}
            = \sum_{v \,:\, u \to v} \bar v \, \frac{\partial v}{\partial u},
            \qquad \bar{\text{out}} = 1,

  a sum over the nodes that use :math:`u` (a value used twice receives two contributions).

:func:`draw_graph` draws the graph with matplotlib: the forward value above each node, the
local derivative on each edge and the backward gradient below each node.

Operations (:data:`OPS`): ``input``, ``add``, ``sub``, ``mul``, ``div``, ``neg``,
``square``, ``exp``, ``log``, ``sigmoid``, ``tanh``, ``relu``. An input of a node is the
name of an earlier node or a real number (a constant, which gets no gradient). ReLU's
derivative at 0 is taken as 0, as in TensorFlow.

References
----------
* D. E. Rumelhart, G. E. Hinton and R. J. Williams (1986), "Learning representations by
  back-propagating errors", *Nature* 323:533-536.
* C. Olah (2015), "Calculus on Computational Graphs: Backpropagation",
  https://colah.github.io/posts/2015-08-Backprop/ (the example above).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from ._checks import check_interval, check_real, check_string, is_real

__all__ = ["Op", "OPS", "Node", "GraphPass", "backprop", "graph_layout", "draw_graph"]


class Op(NamedTuple):
    """An operation: its arity, value, local derivatives and the symbol drawn in its node.

    ``fn(*args)`` is the value and ``derivatives(*args)`` the tuple of partial derivatives
    with respect to each argument, both at the argument values ``args``.
    """

    arity: int
    fn: Callable[..., float]
    derivatives: Callable[..., tuple]
    symbol: str


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _log(a: float) -> float:
    if a <= 0:
        raise ValueError(f"log needs a positive input, got {a!r}")
    return math.log(a)


def _div(a: float, b: float) -> float:
    if b == 0:
        raise ValueError("div needs a non-zero divisor, got 0")
    return a / b


#: The operations a :class:`Node` may use, by name.
OPS: dict[str, Op] = {
    "input": Op(0, lambda: 0.0, lambda: (), ""),
    "add": Op(2, lambda a, b: a + b, lambda a, b: (1.0, 1.0), "+"),
    "sub": Op(2, lambda a, b: a - b, lambda a, b: (1.0, -1.0), "\u2212"),
    "mul": Op(2, lambda a, b: a * b, lambda a, b: (b, a), "\u00d7"),
    "div": Op(2, _div, lambda a, b: (1.0 / b, -a / b**2), "\u00f7"),
    "neg": Op(1, lambda a: -a, lambda a: (-1.0,), "\u2212"),
    "square": Op(1, lambda a: a * a, lambda a: (2.0 * a,), "( )\u00b2"),
    "exp": Op(1, math.exp, lambda a: (math.exp(a),), "exp"),
    "log": Op(1, _log, lambda a: (1.0 / a,), "log"),
    "sigmoid": Op(1, _sigmoid, lambda a: (_sigmoid(a) * _sigmoid(-a),), "\u03c3"),
    "tanh": Op(1, math.tanh, lambda a: (1.0 - math.tanh(a) ** 2,), "tanh"),
    "relu": Op(1, lambda a: max(a, 0.0), lambda a: (1.0 if a > 0 else 0.0,), "relu"),
}


class Node(NamedTuple):
    """One node of a computational graph.

    Attributes
    ----------
    name : str
        Unique name of the node (the variable it computes).
    op : str
        A key of :data:`OPS`; ``"input"`` for a variable whose value is given.
    inputs : tuple of str or float
        Names of earlier nodes, or real numbers for constants; as many as the op's arity.
    """

    name: str
    op: str
    inputs: tuple = ()


class GraphPass(NamedTuple):
    """Both passes through a graph, as computed by :func:`backprop`.

    Attributes
    ----------
    values : dict of str to float
        Forward value of every node.
    local : dict of (str, str) to float
        ``local[(u, v)]`` is the local derivative :math:`\\partial v / \\partial u` of node
        ``v`` with respect to its input ``u`` (summed if ``v`` uses ``u`` twice, as in
        ``mul(u, u)``).
    grads : dict of str to float
        :math:`\\partial\\,\\text{out} / \\partial u` for every node ``u``
        (1 for the output itself, 0 for a node the output does not depend on).
    output : str
        Name of the node that was differentiated.
    """

    values: dict
    local: dict
    grads: dict
    output: str


Graph = Sequence[Node]


# --------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------
def _check_graph(graph) -> dict[str, Node]:
    """The nodes by name, after checking names, ops, arities and the order of definition."""
    if isinstance(graph, (str, bytes)) or not isinstance(graph, Sequence) or len(graph) == 0:
        raise TypeError(f"graph must be a non-empty list of Node, got graph={graph!r}")
    nodes: dict[str, Node] = {}
    for i, node in enumerate(graph):
        if not isinstance(node, Node):
            raise TypeError(f"graph[{i}] must be a Node, got {node!r} ({type(node).__name__})")
        check_string(f"graph[{i}].name", node.name)
        if node.name in nodes:
            raise ValueError(f"graph[{i}]: the name {node.name!r} is used by two nodes; names must be unique")
        if node.op not in OPS:
            raise ValueError(f"node {node.name!r}: op must be one of {sorted(OPS)}, got op={node.op!r}")
        if isinstance(node.inputs, (str, bytes)) or not isinstance(node.inputs, Sequence):
            raise TypeError(
                f"node {node.name!r}: inputs must be a tuple of node names or numbers, got inputs={node.inputs!r}"
            )
        arity = OPS[node.op].arity
        if len(node.inputs) != arity:
            raise ValueError(
                f"node {node.name!r}: op {node.op!r} takes {arity} input(s), got inputs={tuple(node.inputs)!r}"
            )
        for parent in node.inputs:
            if isinstance(parent, str):
                if parent not in nodes:
                    raise ValueError(
                        f"node {node.name!r}: input {parent!r} is not defined before it; list every "
                        f"node after its inputs (defined so far: {list(nodes)})"
                    )
            elif not is_real(parent):
                raise TypeError(
                    f"node {node.name!r}: an input must be a node name or a finite real number, got {parent!r}"
                )
            elif not math.isfinite(parent):
                raise ValueError(
                    f"node {node.name!r}: an input must be a node name or a finite real number, got {parent!r}"
                )
        if node.op != "input" and not any(isinstance(p, str) for p in node.inputs):
            raise ValueError(f"node {node.name!r}: needs at least one node among its inputs, got only constants")
        nodes[node.name] = node
    return nodes


def _check_inputs(nodes: Mapping[str, Node], inputs) -> dict[str, float]:
    if not isinstance(inputs, Mapping):
        raise TypeError(f"inputs must be a mapping from input name to value, got inputs={inputs!r}")
    needed = [name for name, node in nodes.items() if node.op == "input"]
    missing = [name for name in needed if name not in inputs]
    extra = [name for name in inputs if name not in needed]
    if missing or extra:
        raise ValueError(
            f"inputs must give a value to exactly the input nodes {needed}; "
            f"missing {missing}, not input nodes {extra}"
        )
    out = {}
    for name in needed:
        out[name] = check_real(f"inputs[{name!r}]", inputs[name])
    return out


# --------------------------------------------------------------------------------------
# The two passes
# --------------------------------------------------------------------------------------
def backprop(graph: Graph, inputs: Mapping[str, float], *, output: str | None = None) -> GraphPass:
    """Forward and backward pass through a graph of scalar operations.

    Parameters
    ----------
    graph : list of Node
        Every node listed after its inputs (a topological order).
    inputs : mapping of str to float
        A value for every ``"input"`` node, and nothing else.
    output : str, optional
        The node to differentiate; default: the last node.

    Returns
    -------
    GraphPass
        ``values``, ``local`` derivatives per edge, ``grads`` of the output with respect to
        every node, and the ``output``'s name.

    Raises
    ------
    ValueError
        For a malformed graph (unknown op, wrong number of inputs, a name used before it is
        defined or twice), missing or unexpected input values, an unknown ``output``, or a
        value outside an op's domain (``log`` of a non-positive number, division by 0).
    """
    nodes = _check_graph(graph)
    given = _check_inputs(nodes, inputs)
    if output is None:
        output = graph[-1].name
    elif output not in nodes:
        raise ValueError(f"output must be the name of a node, one of {list(nodes)}, got output={output!r}")

    values: dict[str, float] = {}
    local: dict[tuple[str, str], float] = {}
    for node in graph:                                       # forward, in order
        if node.op == "input":
            values[node.name] = given[node.name]
            continue
        op = OPS[node.op]
        args = [values[p] if isinstance(p, str) else float(p) for p in node.inputs]
        try:
            values[node.name] = float(op.fn(*args))
        except (ValueError, OverflowError) as err:
            raise ValueError(f"node {node.name!r} ({node.op} of {args}): {err}") from None
        for parent, d in zip(node.inputs, op.derivatives(*args)):
            if isinstance(parent, str):                      # constants get no edge
                local[(parent, node.name)] = local.get((parent, node.name), 0.0) + float(d)

    grads = {name: 0.0 for name in nodes}
    grads[output] = 1.0
    for node in reversed(graph):                             # backward, in reverse order
        for parent in dict.fromkeys(p for p in node.inputs if isinstance(p, str)):
            grads[parent] += grads[node.name] * local[(parent, node.name)]
    return GraphPass(values, local, grads, output)


# --------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------
def graph_layout(graph: Graph) -> dict[str, tuple[float, float]]:
    """Positions ``{name: (x, y)}`` for drawing: computation flows left to right.

    A computed node sits one column right of its rightmost input; an input node sits one
    column left of the first node that uses it (so a late input such as a target is drawn
    next to where it is used). Each column is centred on ``y = 0``, nodes in list order
    from top to bottom.
    """
    nodes = _check_graph(graph)
    column: dict[str, int] = {}
    for node in graph:
        parents = [p for p in node.inputs if isinstance(p, str) and nodes[p].op != "input"]
        column[node.name] = 1 + max((column[p] for p in parents), default=0) if node.op != "input" else 0
    for node in graph:
        if node.op == "input":
            users = [n.name for n in graph if node.name in n.inputs]
            column[node.name] = min((column[u] for u in users), default=1) - 1
    shift = min(column.values())
    by_column: dict[int, list[str]] = {}
    for node in graph:
        by_column.setdefault(column[node.name] - shift, []).append(node.name)
    positions = {}
    for x, names in by_column.items():
        for k, name in enumerate(names):
            positions[name] = (float(x), (len(names) - 1) / 2 - k)
    return positions


def _fmt(x: float) -> str:
    return f"{x:.3g}".replace("-", "\u2212")


def draw_graph(
    graph: Graph,
    result: GraphPass | None = None,
    *,
    positions: Mapping[str, tuple[float, float]] | None = None,
    ax=None,
    node_size: float = 0.22,
):
    """Draw a computational graph, annotated with the passes of :func:`backprop`.

    Each node is a circle holding its name (inputs) or its operation's symbol. With a
    ``result``, the drawing shows

    * above each node, ``name = value``: the forward value (black);
    * on each edge ``u -> v``, the local derivative :math:`\\partial v/\\partial u` (blue);
    * below each node, the gradient :math:`\\partial\\,\\text{out}/\\partial u` (red).

    Parameters
    ----------
    graph : list of Node
    result : GraphPass, optional
        The output of :func:`backprop` for this graph; without it only the structure is drawn.
    positions : mapping of str to (x, y), optional
        Node centres in data units; default :func:`graph_layout`.
    ax : matplotlib Axes, optional
        Where to draw; default: a new figure sized to the graph.
    node_size : float
        Radius of the node circles, in data units (the columns are 1 apart).

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle

    nodes = _check_graph(graph)
    if result is not None:
        if not isinstance(result, GraphPass):
            raise TypeError(f"result must be a GraphPass from backprop, got {type(result).__name__}")
        if set(result.values) != set(nodes):
            raise ValueError(
                f"result belongs to another graph: it has nodes {sorted(result.values)}, "
                f"the graph has {sorted(nodes)}"
            )
    node_size = check_interval("node_size", node_size, 0.0, 0.5, low_open=True, high_open=True)
    pos = dict(graph_layout(graph) if positions is None else positions)
    missing = [name for name in nodes if name not in pos]
    if missing:
        raise ValueError(f"positions must give (x, y) for every node; missing {missing}")
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    if ax is None:
        width = max(xs) - min(xs) + 1.4
        height = max(ys) - min(ys) + 1.4
        _, ax = plt.subplots(figsize=(1.6 * width, 1.6 * height))

    r = float(node_size)
    for node in graph:                                            # edges first, under the nodes
        for parent in dict.fromkeys(p for p in node.inputs if isinstance(p, str)):
            (x0, y0), (x1, y1) = pos[parent], pos[node.name]
            dx, dy = x1 - x0, y1 - y0
            length = math.hypot(dx, dy) or 1.0
            ux, uy = dx / length, dy / length
            ax.annotate(
                "", xy=(x1 - r * ux, y1 - r * uy), xytext=(x0 + r * ux, y0 + r * uy),
                arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.2, shrinkA=0, shrinkB=0),
            )
            if result is not None:
                ax.text(
                    x0 + 0.5 * dx, y0 + 0.5 * dy, _fmt(result.local[(parent, node.name)]),
                    ha="center", va="center", color="tab:blue", fontsize=10,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"),
                )
    for node in graph:
        x, y = pos[node.name]
        is_input = node.op == "input"
        ax.add_patch(Circle((x, y), r, fc="#f2f2f2" if is_input else "#ffe9c7", ec="0.2", lw=1.2, zorder=2))
        inner = node.name if is_input else _symbol(node)
        ax.text(x, y, inner, ha="center", va="center", fontsize=11 if len(inner) <= 3 else 9, zorder=3)
        if result is not None:
            ax.text(x, y + r + 0.05, f"{node.name} = {_fmt(result.values[node.name])}",
                    ha="center", va="bottom", fontsize=10, zorder=3)
            ax.text(x, y - r - 0.05, _fmt(result.grads[node.name]),
                    ha="center", va="top", color="tab:red", fontsize=10, zorder=3)
        elif not is_input:
            ax.text(x, y + r + 0.05, node.name, ha="center", va="bottom", fontsize=10, zorder=3)

    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    ax.set_aspect("equal")
    ax.axis("off")
    if result is not None:
        out = result.output
        handles = [
            Line2D([], [], ls="none", marker="s", color="black", label="forward value"),
            Line2D([], [], ls="none", marker="s", color="tab:blue", label="local derivative \u2202v/\u2202u"),
            Line2D([], [], ls="none", marker="s", color="tab:red", label=f"gradient \u2202{out}/\u2202u"),
        ]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3,
                  frameon=False, fontsize=9)
    return ax


def _symbol(node: Node) -> str:
    """The op's symbol, with a constant input written in (``+1``, ``×2``, ``1÷``)."""
    symbol = OPS[node.op].symbol
    consts = [p for p in node.inputs if not isinstance(p, str)]
    if not consts:
        return symbol
    c = _fmt(float(consts[0]))
    return f"{symbol}{c}" if isinstance(node.inputs[0], str) else f"{c}{symbol}"
