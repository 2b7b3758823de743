"""Property tests: random expression trees and random DAGs, differentiated by revad and
by central finite differences of the same computation done in plain NumPy."""
import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import revad as rv
import revad.numpy as rnp
from conftest import finite_difference_grads

# name: (revad function, NumPy function)
UNARY = {
    "sin": (rnp.sin, np.sin),
    "tanh": (rnp.tanh, np.tanh),
    "exp_tanh": (lambda e: rnp.exp(rnp.tanh(e)), lambda e: np.exp(np.tanh(e))),
    "exp_sin": (lambda e: np.exp(np.sin(e)), lambda e: np.exp(np.sin(e))),  # NumPy dispatch
    "square": (rnp.square, np.square),
    "self_mul": (lambda e: e * e, lambda e: e * e),
    "neg": (lambda e: -e, lambda e: -e),
    "cos_method": (lambda e: rnp.cos(e), np.cos),
    "sigmoid": (rnp.sigmoid, lambda e: 1 / (1 + np.exp(-e))),
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}
SHAPES = [(), (3,), (2, 3)]  # broadcast together to (2, 3)


@st.composite
def expressions(draw, nvars, depth, top=True):
    """A random expression tree over variables 0..nvars-1 and constants, nested at most
    `depth` deep, with an op at the root (variables are drawn more often than constants)."""
    if depth == 0 or (not top and draw(st.integers(0, 5)) == 5):
        if draw(st.integers(0, 4)) == 4:
            return ("const", round(draw(st.floats(-2.0, 2.0, allow_nan=False)), 3))
        return ("var", draw(st.integers(0, nvars - 1)))
    if draw(st.booleans()):
        return ("unary", draw(st.sampled_from(sorted(UNARY))),
                draw(expressions(nvars, depth - 1, False)))
    return ("binary", draw(st.sampled_from(sorted(BINARY))),
            draw(expressions(nvars, depth - 1, False)), draw(expressions(nvars, depth - 1, False)))


def evaluate(expr, env, numpy):
    kind = expr[0]
    if kind == "var":
        return env[expr[1]]
    if kind == "const":
        return expr[1]
    if kind == "unary":
        fn = UNARY[expr[1]][1 if numpy else 0]
        return fn(evaluate(expr[2], env, numpy))
    return BINARY[expr[1]](evaluate(expr[2], env, numpy), evaluate(expr[3], env, numpy))


def values(shape):
    elements = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False)
    if shape == ():
        return elements
    return hnp.arrays(np.float64, shape, elements=elements)


@st.composite
def problems(draw):
    nvars = draw(st.integers(1, 3))
    shapes = [draw(st.sampled_from(SHAPES)) for _ in range(nvars)]
    xs = [draw(values(s)) for s in shapes]
    expr = draw(expressions(nvars, draw(st.integers(2, 5))))
    return expr, xs


def scalar_np(f, xs):
    return float(np.sum(f(xs)))


def assert_grads_close(actual, expected, scale):
    tol = 1e-5 * max(1.0, scale)
    for a, e in zip(actual, expected):
        a = np.asarray(a, dtype=np.float64)
        assert a.shape == e.shape
        assert np.all(np.abs(a - e) <= tol + 1e-5 * np.abs(e)), (a, e)


@given(problems())
def test_random_expression_gradients_match_finite_differences(problem):
    expr, xs = problem
    with np.errstate(all="ignore"):
        f_np = lambda vs: scalar_np(lambda v: evaluate(expr, v, True), vs)  # noqa: E731
        value = f_np(xs)
    assume(np.isfinite(value) and abs(value) < 1e4)

    def f_rv(*vs):
        return rv.sum(evaluate(expr, list(vs), False))

    got_value, grads = rv.value_and_grad(f_rv, argnums=tuple(range(len(xs))))(*xs)
    assert np.isclose(got_value, value, rtol=1e-12, atol=1e-12)
    for g, x in zip(grads, xs):
        assert np.shape(g) == np.shape(x)
        assert np.result_type(g) == np.float64
    fd = finite_difference_grads(f_np, xs)
    assert_grads_close(grads, fd, abs(value))


@st.composite
def dags(draw):
    """Inputs, then nodes that each apply an op to one or two earlier nodes (picked
    with replacement, so nodes are shared), then a sum of several nodes."""
    nvars = draw(st.integers(1, 3))
    shapes = [draw(st.sampled_from(SHAPES)) for _ in range(nvars)]
    xs = [draw(values(s)) for s in shapes]
    nodes = []
    for k in range(draw(st.integers(1, 20))):
        available = nvars + k
        if draw(st.booleans()):
            nodes.append(("unary", draw(st.sampled_from(["sin", "tanh", "exp_tanh", "neg",
                                                          "sigmoid", "cos_method"])),
                          draw(st.integers(0, available - 1))))
        else:
            nodes.append(("binary", draw(st.sampled_from(sorted(BINARY))),
                          draw(st.integers(0, available - 1)),
                          draw(st.integers(0, available - 1))))
    total = nvars + len(nodes)
    outputs = draw(st.lists(st.integers(0, total - 1), min_size=1, max_size=4))
    return xs, nodes, outputs


def run_dag(xs, nodes, outputs, numpy):
    vals = list(xs)
    for node in nodes:
        if node[0] == "unary":
            fn = UNARY[node[1]][1 if numpy else 0]
            vals.append(fn(vals[node[2]]))
        else:
            vals.append(BINARY[node[1]](vals[node[2]], vals[node[3]]))
    total = 0.0
    for i in outputs:
        total = total + (np.sum(vals[i]) if numpy else rv.sum(vals[i]))
    return total


@given(dags())
def test_backward_through_a_random_dag_matches_finite_differences(dag):
    xs, nodes, outputs = dag
    with np.errstate(all="ignore"):
        f_np = lambda vs: float(run_dag(vs, nodes, outputs, True))  # noqa: E731
        value = f_np(xs)
    assume(np.isfinite(value) and abs(value) < 1e4)
    vars_ = [rv.Var(x) for x in xs]
    out = run_dag(vars_, nodes, outputs, False)
    fd = finite_difference_grads(f_np, xs)
    if not isinstance(out, rv.Var):  # the output does not depend on any input
        assert all(np.all(g == 0) for g in fd)
        return
    assert np.isclose(out.item(), value, rtol=1e-12, atol=1e-12)
    mapping = rv.gradients(out, wrt=vars_, retain_graph=True)
    out.backward()
    grads = [v.grad if v.grad is not None else np.zeros(np.shape(x))
             for v, x in zip(vars_, xs)]
    assert_grads_close(grads, fd, abs(value))
    for v, g in zip(vars_, grads):
        np.testing.assert_allclose(np.asarray(mapping[v]), np.asarray(g), rtol=1e-13,
                                   atol=1e-13)


@settings(max_examples=30)
@given(problems())
def test_second_order_of_random_scalar_expressions(problem):
    """d/dx of revad's derivative matches finite differences of that derivative."""
    expr, xs = problem
    x0 = float(np.sum(xs[0]))  # one scalar variable, the others fixed at scalars

    def f(x):
        env = [x] + [float(np.mean(v)) for v in xs[1:]]
        return evaluate(expr, env, False) * 1.0

    with np.errstate(all="ignore"):
        value = evaluate(expr, [x0] + [float(np.mean(v)) for v in xs[1:]], True)
    assume(np.isfinite(value) and abs(value) < 1e3)
    assume(abs(x0) < 3)
    d1 = rv.grad(f)
    d2 = rv.grad(d1)(x0)
    h = 1e-5
    fd = (d1(x0 + h) - d1(x0 - h)) / (2 * h)
    assert abs(d2 - fd) <= 1e-4 * max(1.0, abs(fd), abs(value))
