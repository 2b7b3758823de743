"""Drawing the graph that computed a Var: Graphviz DOT text, SVG or PNG.

Each value is one box, "name | value | grad": leaves show their Var's name, results the
op that made them, and ``grad`` is d(output)/d(that value), from a backward pass that
leaves the graph in place. Edges run from inputs to results; in a graph of scalars each
is labelled with its local derivative d(result)/d(input), as in the textbook figure of
``a = x*y + sin(x)``, so the gradient of a box is the sum over its outgoing edges of
label times the gradient at the other end. Constant operands are small grey ovals.

`to_dot` needs nothing beyond revad; `draw` (and showing a `Graph` in Jupyter) renders
through the ``graphviz`` Python package and Graphviz's ``dot`` program::

    pip install 'revad[viz]'      # the graphviz package
    apt-get install graphviz      # the dot program (or brew / conda install graphviz)

Graphs of more than `max_nodes` boxes are drawn as a summary: the op counts, the first
leaves, the first and last few ops, and one box standing for everything in between.
"""
from __future__ import annotations

import html
import os
import weakref
from collections import Counter

import numpy as np

from .core import (
    ARGS, LEAF, PARAMS, PARENTS, PRIMITIVE_TABLE, RELEASED, VALUE, Var, _new_var, leaf_var,
    value_of,
)
from .reverse import backprop, scalar_seed

__all__ = ["to_dot", "to_graph", "draw", "Graph"]

MAX_NODES = 200
# How much of a collapsed graph is shown: leaves, and ops at each end of the graph.
_SHOWN_LEAVES = 8
_SHOWN_OPS = 6

# Python's operator spelling reads better than the primitive's name.
_OP_LABELS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**",
              "negative": "neg", "matmul": "@"}

_COLORS = {"leaf": "#cfe2f3", "op": "#fff2cc", "output": "#d9ead3"}
_RENDERED_FORMATS = ("svg", "png", "pdf")
_TEXT_FORMATS = ("dot", "gv")


def to_dot(y, *, max_nodes=MAX_NODES):
    """Graphviz DOT text of the graph that computed `y`.

    `y`'s graph must still exist: after ``y.backward()`` it is freed unless the call
    was ``y.backward(retain_graph=True)``. Nothing in the graph is changed, and no
    ``.grad`` is touched. Gradients are shown when `y` is a scalar. A leaf is drawn
    with its Var's name and gradient while that Var exists (the graph itself does not
    keep leaf Vars alive); one that is gone shows as "input". More than
    `max_nodes` boxes (values and constants) are summarised; ``max_nodes=None`` draws
    everything.

        >>> import revad as rv
        >>> from revad.viz import to_dot
        >>> x, y = rv.Var(0.5, name="x"), rv.Var(4.2, name="y")
        >>> dot = to_dot(x * y + rv.sin(x))
        >>> dot.splitlines()[0]
        'digraph revad {'
        >>> "grad 5.0776" in dot      # da/dx = y + cos(x)
        True
    """
    return _build(y, max_nodes).source


def to_graph(y, *, max_nodes=MAX_NODES):
    """The graph that computed `y` as a `Graph`, which Jupyter displays as a drawing.

        >>> import revad as rv
        >>> from revad.viz import to_graph
        >>> x = rv.Var(2.0, name="x")
        >>> to_graph(rv.exp(rv.sin(x)))
        <revad Graph: 3 values; .source holds its DOT text>
    """
    return _build(y, max_nodes)


def draw(y, path, *, max_nodes=MAX_NODES):
    """Write the graph that computed `y` to `path` and return it as a `Graph`.

    The file's extension picks the format: ``.svg``, ``.png`` or ``.pdf`` are rendered
    by Graphviz (see the module's docstring for installing it), ``.dot`` or ``.gv`` get
    the DOT text and need nothing else.

        >>> import os, tempfile, revad as rv
        >>> from revad.viz import draw
        >>> x = rv.Var(3.0, name="x")
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     graph = draw(x * x, os.path.join(folder, "square.dot"))
        ...     with open(os.path.join(folder, "square.dot")) as f:
        ...         text = f.read()
        >>> graph.num_values, text == graph.source
        (2, True)
    """
    graph = _build(y, max_nodes)
    graph.save(path)
    return graph


class Graph:
    """A drawn computation graph: its DOT text, rendered by Graphviz on request.

    Jupyter shows it inline (through ``_repr_svg_``) when the ``graphviz`` package and
    the ``dot`` program are installed. ``num_values`` counts the values in the whole
    recorded graph (leaves and op results), shown or not; ``collapsed`` tells whether
    it was summarised.
    """

    def __init__(self, source, num_values, collapsed):
        self.source = source
        self.num_values = num_values
        self.collapsed = collapsed

    def pipe(self, format="svg"):
        """The graph rendered by Graphviz, as bytes (``format``: svg, png or pdf)."""
        if format not in _RENDERED_FORMATS:
            raise ValueError(f"cannot render to {format!r}: choose one of "
                             f"{', '.join(_RENDERED_FORMATS)}")
        try:
            import graphviz
        except ImportError:
            raise ImportError(
                "rendering a graph needs the graphviz Python package: pip install graphviz "
                "(or pip install 'revad[viz]'), and Graphviz's dot program (apt-get install "
                "graphviz); revad.viz.to_dot gives the DOT text without either") from None
        try:
            return graphviz.Source(self.source).pipe(format=format)
        except graphviz.ExecutableNotFound:
            raise RuntimeError(
                "Graphviz's 'dot' program was not found on PATH: install Graphviz "
                "(apt-get install graphviz, brew install graphviz or conda install "
                "graphviz); the graphviz Python package alone cannot render") from None

    def save(self, path):
        """Write the graph to `path` in the format its extension names (see `draw`)."""
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower().lstrip(".")
        if ext in _TEXT_FORMATS:
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.source)
        elif ext in _RENDERED_FORMATS:
            data = self.pipe(ext)
            with open(path, "wb") as f:
                f.write(data)
        else:
            known = ", ".join("." + e for e in _RENDERED_FORMATS + _TEXT_FORMATS)
            raise ValueError(f"cannot tell the format of {path!r} from its extension: "
                             f"use one of {known}")

    def _repr_svg_(self):
        # Without Graphviz, Jupyter falls back to the text repr (None means "no SVG").
        try:
            return self.pipe("svg").decode("utf-8")
        except (ImportError, RuntimeError):
            return None

    def __repr__(self):
        summary = ", collapsed" if self.collapsed else ""
        return (f"<revad Graph: {self.num_values} values{summary}; "
                ".source holds its DOT text>")


# --- reading the graph --------------------------------------------------------------

def _root_node(y):
    if not isinstance(y, Var):
        raise TypeError(f"to_dot needs a Var, got {type(y).__name__}")
    node = y._node
    if node is RELEASED:
        raise RuntimeError(
            "the graph of this Var was freed by a backward pass; call "
            "backward(retain_graph=True) to keep it for drawing, or draw before backward()")
    if node is None:
        # A leaf never used in an op has no node yet; making one would change the Var.
        return (0, LEAF, weakref.ref(y), None, y._value, None)
    return node


def _collect(root):
    """Every node `root` depends on, earliest first (an iterative walk: graphs can be
    far deeper than Python's recursion limit)."""
    seen = {root[0]: root}
    stack = [root]
    while stack:
        node = stack.pop()
        for parent in node[PARENTS:]:
            if parent is not None and parent[0] not in seen:
                seen[parent[0]] = parent
                stack.append(parent)
    # node[0] is minus the creation number
    return sorted(seen.values(), key=lambda n: n[0], reverse=True)


def _is_number(v):
    v = value_of(v)
    return isinstance(v, (float, int, np.number, np.ndarray)) and not isinstance(v, bool) \
        and np.result_type(v).kind in "iuf"


def _is_scalar(v):
    return _is_number(v) and np.ndim(value_of(v)) == 0


def _format_value(v):
    v = value_of(v)
    if _is_scalar(v):
        return format(float(v), ".5g")
    if isinstance(v, np.ndarray):
        return f"array {v.shape} {v.dtype}"
    if isinstance(v, slice):  # as written in an index: 0:2, ::-1
        text = ":".join("" if p is None else str(p) for p in (v.start, v.stop))
        text += "" if v.step is None else f":{v.step}"
    elif type(v) is tuple:
        text = "(" + ", ".join(map(_format_value, v)) + ("," if len(v) == 1 else "") + ")"
    else:
        text = repr(v)
    return text if len(text) <= 24 else text[:21] + "..."


def _format_grad(g):
    g = value_of(g)
    if _is_scalar(g):
        return f"grad {float(g):.5g}"
    # The gradient of an array has the array's shape: its size says more.
    return f"grad norm {float(np.linalg.norm(g)):.5g}"


def _gradients(y, nodes):
    """d(y)/d(value) for the given nodes, by seq; empty unless y is a scalar. Raises
    whatever the backward pass raises (a missing rule, say)."""
    if not _is_scalar(y):
        return {}
    handles = {}
    leaves = {}
    for node in nodes:
        if node[1] == LEAF:
            leaf = leaf_var(node)
            if leaf is not None:
                leaves[node[0]] = leaf
        else:
            handles[node[0]] = _new_var(node[VALUE], y._level, node)
    # Inside a transform the values are Vars of outer levels, on which the rules record
    # new nodes; nothing refers to those, so the outer graphs are left as they were.
    reached = backprop([(y, scalar_seed(y, "to_dot"))], retain_graph=True,
                       keep=handles.values())
    grads = {seq: reached[v] for seq, v in handles.items() if v in reached}
    grads.update((seq, reached[v]) for seq, v in leaves.items() if v in reached)
    return grads


def _local_derivative(node, k):
    """d(node's value)/d(its argument k) for scalars, by the primitive's rule applied to
    a cotangent of 1; None where the op has no rule for that argument."""
    rules = PRIMITIVE_TABLE[node[1]].vjps
    try:
        rule = rules[k]
    except IndexError:
        return None
    if rule is None:
        return None
    return rule(node[VALUE], *node[ARGS], **(node[PARAMS] or {}))(1.0)


# --- writing DOT --------------------------------------------------------------------

def _quote(*lines):
    """A DOT string of the given lines (centred, one below the other)."""
    escaped = (line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)
    return '"' + "\\n".join(escaped) + '"'


def _html(text):
    return html.escape(text, quote=False).replace('"', "&quot;")


def _box(title, color, rows, output=False):
    cells = [f'<TR><TD BGCOLOR="{color}"><B>{_html(title)}</B></TD></TR>']
    cells += [f"<TR><TD>{_html(r)}</TD></TR>" for r in rows]
    border = ' COLOR="#38761d"' if output else ""
    return (f'<<TABLE BORDER="{2 if output else 0}" CELLBORDER="1" CELLSPACING="0" '
            f'CELLPADDING="4"{border}>{"".join(cells)}</TABLE>>')


def _is_constant_input(node, k):
    """Whether operand k of `node` is a constant number or array, drawn as an oval of
    its own; other constant operands (shapes, axes, indices) go in the op's title."""
    return (node[PARENTS + k] is None and _is_number(node[ARGS][k])
            and k not in PRIMITIVE_TABLE[node[1]].nondiff)


def _op_title(node):
    name = PRIMITIVE_TABLE[node[1]].name
    title = _OP_LABELS.get(name, name)
    # Internal objects (functions, tree layouts) would only clutter the box.
    extras = [_format_value(a) for k, (a, p) in enumerate(zip(node[ARGS], node[PARENTS:]))
              if p is None and not _is_constant_input(node, k) and _is_plain(a)]
    extras += [f"{k}={_format_value(v)}" for k, v in (node[PARAMS] or {}).items()
               if _is_plain(v)]
    return f"{title} {', '.join(extras)}" if extras else title


def _is_plain(v):
    if type(v) in (tuple, list):  # not namedtuples: those are internal records
        return all(_is_plain(i) for i in v)
    return v is None or isinstance(v, (bool, int, float, str, slice, np.dtype, np.ndarray,
                                       type))


class _Writer:
    """Accumulates the lines of a DOT digraph."""

    def __init__(self, y, nodes, grads, grad_error, scalars):
        self.y = y
        self.root = nodes[-1]
        self.grads = grads
        self.scalars = scalars
        self.lines = [
            "digraph revad {",
            '  rankdir=LR; ranksep=0.5; nodesep=0.3; fontname="Helvetica"; fontsize=11;',
            '  node [shape=plaintext, fontname="Helvetica", fontsize=11];',
            '  edge [fontname="Helvetica", fontsize=10, color="#555555"];',
        ]
        if grad_error is not None:
            caption = f"gradients unavailable: {grad_error}"
        elif not _is_scalar(y):
            caption = "gradients are shown for a scalar output only"
        else:
            caption = "grad: d(output)/d(value)"
        if scalars and len(nodes) > 1:
            caption = "edge label: local derivative d(result)/d(input); " + caption
        self.caption = caption

    def value(self, node):
        seq = node[0]
        is_output = node is self.root
        if node[1] == LEAF:
            leaf = leaf_var(node)
            title = (leaf.name if leaf is not None else None) or "input"
            color = _COLORS["leaf"]
        else:
            title = _op_title(node)
            if is_output and self.y.name:
                title = f"{self.y.name} = {title}"
            color = _COLORS["output" if is_output else "op"]
        rows = [_format_value(node[VALUE])]
        if seq in self.grads:
            rows.append(_format_grad(self.grads[seq]))
        self.lines.append(f"  {_node_id(node)} [label={_box(title, color, rows, is_output)}];")

    def edge(self, parent_id, child, k):
        label = ""
        if self.scalars:
            try:
                d = _local_derivative(child, k)
                text = None if d is None else _format_value(d)
            except Exception:  # a broken custom rule: draw the graph anyway, marked
                text = "?"
            if text is not None:
                label = f" [label={_quote(text)}]"
        self.lines.append(f"  {parent_id} -> {_node_id(child)}{label};")

    def constant(self, child, k):
        cid = f"c{-child[0]}_{k}"
        self.lines.append(f'  {cid} [label={_quote(_format_value(child[ARGS][k]))}, '
                          'shape=ellipse, style=filled, fillcolor="#eeeeee", '
                          'color="#aaaaaa", fontsize=10, height=0.3];')
        self.lines.append(f'  {cid} -> {_node_id(child)} [style=dashed, color="#aaaaaa"];')

    def finish(self, extra_caption=""):
        text = self.caption + extra_caption
        self.lines.append(f"  label={_quote(text)}; labelloc=b; fontsize=10;")
        self.lines.append("}")
        return "\n".join(self.lines) + "\n"


def _node_id(node):
    return f"n{-node[0]}"


def _build(y, max_nodes):
    root = _root_node(y)
    nodes = _collect(root)
    constants = sum(1 for n in nodes for k in range(len(n) - PARENTS)
                    if _is_constant_input(n, k))
    collapsed = max_nodes is not None and len(nodes) + constants > max_nodes
    shown = _shown_nodes(nodes) if collapsed else nodes
    try:
        grads, grad_error = _gradients(y, shown), None
    except Exception as e:  # e.g. an op without a VJP rule: still worth drawing
        grads, grad_error = {}, f"{type(e).__name__}: {e}"
    scalars = all(_is_scalar(n[VALUE]) for n in shown)
    writer = _Writer(y, nodes, grads, grad_error, scalars)
    shown_seqs = {n[0] for n in shown}
    hidden_inputs = {}  # shown nodes with an operand among the hidden ones, by seq
    for node in shown:
        writer.value(node)
        for k, parent in enumerate(node[PARENTS:]):
            if parent is None:
                if not collapsed and _is_constant_input(node, k):
                    writer.constant(node, k)
            elif parent[0] in shown_seqs:
                writer.edge(_node_id(parent), node, k)
            else:
                hidden_inputs[node[0]] = node
    extra = ""
    if collapsed:
        extra = _write_summary(writer, nodes, shown_seqs, hidden_inputs, constants, max_nodes)
    return Graph(writer.finish(extra), len(nodes), collapsed)


def _shown_nodes(nodes):
    """The part of a large graph that a summary shows: its first leaves, and the ops
    nearest the inputs and nearest the output."""
    leaves = [n for n in nodes if n[1] == LEAF][:_SHOWN_LEAVES]
    ops = [n for n in nodes if n[1] != LEAF]
    ends = ops[:_SHOWN_OPS] + ops[max(_SHOWN_OPS, len(ops) - _SHOWN_OPS):]
    chosen = {n[0] for n in leaves + ends}
    return [n for n in nodes if n[0] in chosen]


def _write_summary(writer, nodes, shown_seqs, hidden_inputs, constants, max_nodes):
    hidden = [n for n in nodes if n[0] not in shown_seqs]
    lines = writer.lines
    lines.append(f'  hidden [label={_quote(f"... {len(hidden):,} more values ...")}, '
                 'shape=box, style="dashed,rounded", color="#999999"];')
    for node in hidden_inputs.values():
        lines.append(f'  hidden -> {_node_id(node)} [style=dashed, color="#999999"];')
    feeding = {}  # shown nodes that hidden ones use, in order
    for node in hidden:
        for parent in node[PARENTS:]:
            if parent is not None and parent[0] in shown_seqs:
                feeding[parent[0]] = parent
    for parent in feeding.values():
        lines.append(f'  {_node_id(parent)} -> hidden [style=dashed, color="#999999"];')
    counts = Counter(PRIMITIVE_TABLE[n[1]].name for n in nodes if n[1] != LEAF)
    leaves = sum(1 for n in nodes if n[1] == LEAF)
    ops = [f"{c:,} {name}" for name, c in counts.most_common()]
    summary = [f"{len(nodes):,} values ({_plural(leaves, 'leaf', 'leaves')}) and "
               f"{_plural(constants, 'constant operand')},",
               f"more than max_nodes={max_nodes}: shown are the first leaves",
               f"and the first and last {_SHOWN_OPS} ops. Ops by primitive:"]
    summary += [", ".join(ops[i:i + 4]) for i in range(0, len(ops), 4)]
    lines.append(f"  summary [label={_quote(*summary)}, shape=note, "
                 'style=filled, fillcolor="#f3f3f3", fontsize=10];')
    return "; pass max_nodes=None to draw every value"


def _plural(n, one, many=None):
    return f"{n:,} {one if n == 1 else many or one + 's'}"
