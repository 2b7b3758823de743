"""Drawing computation graphs: DOT text, the summary of large graphs, rendering."""
import math
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import revad as rv
from revad.viz import Graph, draw, to_dot, to_graph

HAVE_DOT = shutil.which("dot") is not None
try:
    import graphviz  # noqa: F401
    HAVE_GRAPHVIZ = True
except ImportError:
    HAVE_GRAPHVIZ = False
can_render = pytest.mark.skipif(not (HAVE_DOT and HAVE_GRAPHVIZ),
                                reason="needs the graphviz package and the dot program")

NODE = re.compile(r"^  (\w+) \[label=(<<.*>>|\".*?\")")
EDGE = re.compile(r'^  (\w+) -> (\w+)(?: \[label="([^"]*)"\])?')


def check_structure(dot):
    """Quotes, HTML labels and braces are balanced (a parser-free sanity check)."""
    depth = angle = 0
    in_quote = escaped = False
    for ch in dot:
        if in_quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_quote = False
        elif angle:
            angle += {"<": 1, ">": -1}.get(ch, 0)
        elif ch == '"':
            in_quote = True
        elif ch == "<":
            angle = 1
        elif ch in "{}":
            depth += 1 if ch == "{" else -1
            assert depth >= 0, "a closing brace without an opening one"
    assert not in_quote and angle == 0 and depth == 0


def check_parses(dot):
    check_structure(dot)
    if HAVE_DOT:
        run = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True)
        assert run.returncode == 0, run.stderr.decode()


def parse(dot):
    """({node id: [texts in its label]}, [(from, to, edge label or None)])."""
    nodes, edges = {}, []
    for line in dot.splitlines():
        if m := EDGE.match(line):
            edges.append((m[1], m[2], m[3]))
        elif m := NODE.match(line):
            nodes[m[1]] = re.findall(r"<B>(.*?)</B>|<TD>(.*?)</TD>", m[2])
            nodes[m[1]] = [a or b for a, b in nodes[m[1]]] or [m[2].strip('"')]
    return nodes, edges


def node_with(nodes, title):
    (found,) = [k for k, texts in nodes.items() if texts[0] == title]
    return found


def textbook():
    x, y = rv.Var(0.5, name="x"), rv.Var(4.2, name="y")
    return x, y, x * y + rv.sin(x)


def test_textbook_graph_shows_names_values_gradients_and_local_derivatives():
    x, y, a = textbook()
    dot = to_dot(a)
    check_parses(dot)
    nodes, edges = parse(dot)
    assert nodes[node_with(nodes, "x")] == ["x", "0.5", f"grad {4.2 + math.cos(0.5):.5g}"]
    assert nodes[node_with(nodes, "y")] == ["y", "4.2", "grad 0.5"]
    assert nodes[node_with(nodes, "*")] == ["*", "2.1", "grad 1"]
    assert nodes[node_with(nodes, "sin")] == ["sin", f"{math.sin(0.5):.5g}", "grad 1"]
    assert nodes[node_with(nodes, "+")] == ["+", f"{2.1 + math.sin(0.5):.5g}", "grad 1"]
    assert "grad 5.0776" in dot and "0.87758" in dot
    ids = {t: node_with(nodes, t) for t in ("x", "y", "*", "sin", "+")}
    assert sorted(edges) == sorted([
        (ids["x"], ids["*"], "4.2"),                      # d(x*y)/dx = y
        (ids["y"], ids["*"], "0.5"),                      # d(x*y)/dy = x
        (ids["x"], ids["sin"], f"{math.cos(0.5):.5g}"),   # d sin(x)/dx = cos(x)
        (ids["*"], ids["+"], "1"),
        (ids["sin"], ids["+"], "1"),
    ])


def test_drawing_is_read_only():
    x, y, a = textbook()
    node = a._node
    to_dot(a)
    assert a._node is node and x.grad is None and y.grad is None
    a.backward()  # the graph is still there, and the gradients are unchanged by drawing
    assert x.grad == pytest.approx(4.2 + math.cos(0.5)) and y.grad == 0.5


def test_released_graph_raises_a_clear_error():
    _, _, a = textbook()
    a.backward()
    with pytest.raises(RuntimeError, match=r"backward\(retain_graph=True\)"):
        to_dot(a)


def test_retained_graph_can_be_drawn():
    x, y, a = textbook()
    a.backward(retain_graph=True)
    assert "grad 5.0776" in to_dot(a)
    assert x.grad == pytest.approx(4.2 + math.cos(0.5))  # untouched by the drawing


def test_output_name_constants_and_a_lone_leaf():
    w = rv.Var(3.0, name="w")
    loss = 0.5 * (w - 2.0) ** 2
    loss.name = "loss"
    dot = to_dot(loss)
    check_parses(dot)
    nodes, _ = parse(dot)
    assert node_with(nodes, "loss = *")
    assert {"0.5", "2"} <= {texts[0] for k, texts in nodes.items() if k.startswith("c")}
    lone = to_dot(rv.Var(2.0, name="lonely"))
    assert "lonely" in lone and "grad 1" in lone


def test_arrays_show_shape_dtype_and_gradient_norm():
    W = rv.Var(np.ones((3, 4), np.float32), name="W")
    loss = rv.sum(rv.tanh(np.ones((5, 3), np.float32) @ W) ** 2)
    dot = to_dot(loss)
    check_parses(dot)
    assert "array (3, 4) float32" in dot and "grad norm" in dot
    # edge labels (local derivatives) only in graphs of scalars
    assert not any(label for _, _, label in parse(dot)[1])


def test_op_titles_show_shapes_axes_and_indices_but_not_internals():
    W = rv.Var(np.arange(6.0).reshape(2, 3), name="W")
    y = rv.sum(rv.reshape(W, (3, 2))[0:2, 1], axis=0) + rv.sum(rv.where(W > 2, W, 0.0))
    nodes, _ = parse(to_dot(y))
    titles = {texts[0] for texts in nodes.values()}
    assert {"reshape (3, 2)", "getitem (0:2, 1)", "sum axis=0", "where array (2, 3) bool",
            "0"} <= titles  # the constant 0.0 of where is an oval
    w = rv.Var(0.7, name="w")
    out = rv.checkpoint(lambda h, w: rv.tanh(w * h + 0.5))(0.1, w)
    nodes, _ = parse(to_dot(out))
    (title,) = [texts[0] for texts in nodes.values() if texts[0].startswith("checkpoint")]
    assert "TreeDef" not in title
    # a checkpoint's rule runs the function again: the gradient must still come out
    expected = rv.grad(lambda w: rv.tanh(w * 0.1 + 0.5))(0.7)
    assert nodes[node_with(nodes, "w")][2] == f"grad {expected:.5g}"


def test_non_scalar_output_has_no_gradients():
    v = rv.Var(np.arange(3.0), name="v")
    dot = to_dot(v * 2.0)
    assert "grad" not in dot.replace("gradients are shown", "")
    assert "scalar output only" in dot


def test_large_graph_is_summarised():
    x = rv.Var(1.0, name="x")
    y = x
    for _ in range(500):
        y = rv.sin(y) + x
    graph = to_graph(y)
    assert graph.collapsed and graph.num_values == 1001
    check_parses(graph.source)
    nodes, _ = parse(graph.source)
    assert len(nodes) < 30
    assert "500 sin" in graph.source and "500 add" in graph.source
    assert "... 988 more values ..."  # 1001 - leaf - 2 * 6 ops in graph.source
    assert node_with(nodes, "x")  # the leaf, with its gradient
    assert "max_nodes=None" in graph.source
    assert not to_graph(y, max_nodes=None).collapsed


def test_deep_graph_needs_no_recursion():
    x = rv.Var(0.1, name="x")
    y = x
    for _ in range(3 * sys.getrecursionlimit()):
        y = y * 1.0
    assert to_graph(y).collapsed


def test_op_without_derivative_is_drawn_with_a_note():
    @rv.primitive
    def twice(x):
        return 2.0 * x

    dot = to_dot(twice(rv.Var(1.0, name="x")))
    check_parses(dot)
    assert "gradients unavailable: NotImplementedError" in dot
    assert "twice" in dot


def test_leaf_whose_var_is_gone_is_drawn_unnamed():
    # Nodes cannot refer to Vars (see revad.core): a dropped leaf Var takes its name
    # and its gradient with it.
    dot = to_dot(rv.sin(rv.Var(2.0, name="x")))
    nodes, _ = parse(dot)
    assert nodes[node_with(nodes, "input")] == ["input", "2"]


def test_drawing_inside_a_transform_leaves_the_derivative_alone():
    seen = []

    def f(t):
        z = t * t * t
        seen.append(to_dot(z))
        return z

    assert rv.grad(rv.grad(f))(2.0) == pytest.approx(12.0)
    assert all(d.startswith("digraph") for d in seen)


def test_errors_for_bad_input(tmp_path):
    with pytest.raises(TypeError, match="needs a Var"):
        to_dot(1.0)
    _, _, a = textbook()
    with pytest.raises(ValueError, match=r"\.svg"):
        draw(a, tmp_path / "graph.txt")


def test_dot_files_need_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now fails
    x, y, a = textbook()
    graph = draw(a, tmp_path / "a.dot")
    assert isinstance(graph, Graph)
    assert (tmp_path / "a.dot").read_text() == graph.source
    with pytest.raises(ImportError, match=r"pip install graphviz.*revad\[viz\]"):
        draw(a, tmp_path / "a.svg")
    assert graph._repr_svg_() is None  # Jupyter then shows the text repr
    assert "DOT text" in repr(graph)


@pytest.mark.skipif(not HAVE_GRAPHVIZ, reason="needs the graphviz package")
def test_missing_dot_program_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    _, _, a = textbook()
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        draw(a, tmp_path / "a.png")


@can_render
def test_render_png_and_svg(tmp_path):
    x, y, a = textbook()
    draw(a, tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    graph = draw(a, tmp_path / "a.svg")
    assert "<svg" in (tmp_path / "a.svg").read_text()
    assert "5.0776" in graph._repr_svg_()
