"""Forward mode, higher-order derivatives, Jacobians and Hessians, custom rules and
checkpointing (the second issue built on the reverse-mode core)."""
import gc
import math
import tracemalloc

import numpy as np
import pytest

import revad as rv
import revad.numpy as rnp
from revad.ops import PRIMITIVES


def rosenbrock(x):
    return rnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i, i + 1] -= 400 * x[i]
        H[i + 1, i] -= 400 * x[i]
        H[i + 1, i + 1] += 200
    return H


# --- forward mode ------------------------------------------------------------------

def test_dual_number_worked_example():
    value, slope = rv.jvp(lambda x: rnp.exp(rnp.sin(rnp.sin(x))), (2.0,), (1.0,))
    assert value == pytest.approx(2.2013533791690376, abs=1e-15)
    assert slope == pytest.approx(-0.562752038662712, abs=1e-15)


def test_jvp_over_pytrees_matches_reverse_mode(rng):
    def f(p):
        return {"out": rnp.tanh(p["W"] @ p["x"][0]) * p["x"][1]}

    primal = {"W": rng.standard_normal((3, 2)), "x": [rng.standard_normal(2), 1.5]}
    tangent = {"W": rng.standard_normal((3, 2)), "x": [rng.standard_normal(2), -0.5]}
    out, t_out = rv.jvp(f, (primal,), (tangent,))
    J = rv.jacrev(lambda p: f(p)["out"])(primal)
    expected = (np.einsum("ijk,jk->i", J["W"], tangent["W"])
                + J["x"][0] @ tangent["x"][0] + J["x"][1] * tangent["x"][1])
    np.testing.assert_allclose(t_out["out"], expected, rtol=1e-12)
    np.testing.assert_allclose(out["out"], f(primal)["out"])


def test_jvp_rejects_mismatched_tangents():
    with pytest.raises(ValueError, match="one tangent per primal"):
        rv.jvp(rnp.sin, (1.0, 2.0), (1.0,))
    with pytest.raises(ValueError, match="shape"):
        rv.jvp(rnp.sin, (np.ones(3),), (np.ones(2),))
    with pytest.raises(ValueError, match="shaped like the primal"):
        rv.jvp(lambda p: p["a"], ({"a": 1.0},), ([1.0],))


def test_jvp_keeps_nothing_alive():
    x = np.ones(1000)
    tracemalloc.start()
    _, t = rv.jvp(lambda v: rnp.sum(rnp.sin(v) * rnp.exp(v)), (x,), (x,))
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert current < 40_000  # a few arrays of 8 kB at most survive the call


def test_every_primitive_has_a_jvp_rule():
    missing = [name for name, prim in PRIMITIVES.items() if not prim.jvps]
    assert not missing, f"primitives without a JVP rule: {missing}"


# --- any order, any mix --------------------------------------------------------------

def test_no_perturbation_confusion():
    assert rv.grad(lambda x: x * rv.grad(lambda y: x * y)(1.0))(2.0) == 4.0
    inner = lambda x: rv.jvp(lambda y: x * y, (1.0,), (1.0,))[1]  # noqa: E731
    assert rv.jvp(lambda x: x * inner(x), (2.0,), (1.0,))[1] == 4.0
    assert rv.grad(lambda x: x * inner(x))(2.0) == 4.0


@pytest.mark.parametrize("x", [0.3, 1.2, -2.0])
def test_fourth_derivatives_against_closed_forms(x):
    d4 = lambda f: rv.grad(rv.grad(rv.grad(rv.grad(f))))  # noqa: E731
    assert d4(rnp.sin)(x) == pytest.approx(math.sin(x), rel=1e-12)
    assert d4(rnp.exp)(x) == pytest.approx(math.exp(x), rel=1e-12)
    if x > 0:
        assert d4(rnp.log)(x) == pytest.approx(-6 / x ** 4, rel=1e-12)
    # the same through every mix of forward and reverse mode
    fwd = lambda f: lambda v: rv.jvp(f, (v,), (1.0,))[1]  # noqa: E731
    assert fwd(rv.grad(fwd(rv.grad(rnp.sin))))(x) == pytest.approx(math.sin(x), rel=1e-12)
    assert rv.grad(fwd(fwd(rv.grad(rnp.exp))))(x) == pytest.approx(math.exp(x), rel=1e-12)


def test_backward_with_create_graph_differentiates_again():
    x = rv.Var(1.5)
    y = x ** 3 * rv.sin(x)
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, rv.Var)
    assert first.item() == pytest.approx(3 * 1.5 ** 2 * math.sin(1.5) + 1.5 ** 3 * math.cos(1.5))
    x.zero_grad()
    first.backward()
    expected = (6 * 1.5 * math.sin(1.5) + 6 * 1.5 ** 2 * math.cos(1.5)
                - 1.5 ** 3 * math.sin(1.5))
    assert x.grad == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("terms", [
    # two plain arrays (terms with constants only) summed first, then a Var
    lambda W, c, C: rnp.sum(W * c * W) + rnp.sum(W @ C) + rnp.sum(W @ (2.0 * C)),
    lambda W, c, C: rnp.sum(W * c * W) + rnp.sum(W * C) + rnp.sum(W * (2.0 * C)),
])
def test_second_derivative_where_constant_and_variable_contributions_mix(terms):
    # In the inner backward pass W's gradient is first a plain array the pass may add
    # into, then a Var of the outer level joins the sum.
    W, C = np.arange(1.0, 4.0), np.array([1.0, 2.0, 3.0])
    first = lambda c: rnp.sum(rv.grad(terms)(W, c, C))  # noqa: E731
    assert rv.grad(first)(1.5) == pytest.approx(2 * W.sum(), rel=1e-14)


# --- Jacobians and Hessians ------------------------------------------------------------

@pytest.mark.parametrize("mode", ["rev", "fwd", "auto"])
def test_jacobian_modes_agree_and_have_jax_shapes(rng, mode):
    A = rng.standard_normal((2, 3))
    x = rng.standard_normal((3, 4))

    def f(x):
        return rnp.tanh(A @ x)

    J = rv.jacobian(f, mode=mode)(x)
    assert J.shape == (2, 4, 3, 4)
    np.testing.assert_allclose(J, rv.jacrev(f)(x), rtol=1e-12)
    np.testing.assert_allclose(J, rv.jacfwd(f)(x), rtol=1e-12)
    np.testing.assert_allclose(np.einsum("ijkl,kl->ij", J, np.ones_like(x)),
                               rv.jvp(f, (x,), (np.ones_like(x),))[1], rtol=1e-12)


def test_jacobian_with_argnums_and_pytrees():
    def f(a, p):
        return {"s": a * p["w"][0], "t": rnp.sum(p["w"]) * a}

    a, p = 2.0, {"w": np.array([1.0, 3.0])}
    for jac in (rv.jacrev, rv.jacfwd):
        J = jac(f, argnums=(0, 1))(a, p)
        assert J["s"][0] == pytest.approx(1.0)
        np.testing.assert_allclose(J["s"][1]["w"], [2.0, 0.0])
        assert J["t"][0] == pytest.approx(4.0)
        np.testing.assert_allclose(J["t"][1]["w"], [2.0, 2.0])
    with pytest.raises(ValueError, match="mode"):
        rv.jacobian(f, mode="sideways")


@pytest.mark.parametrize("n", [2, 50])
def test_rosenbrock_hessian_matches_closed_form(n):
    x = np.random.default_rng(n).uniform(0.5, 1.5, n)
    np.testing.assert_allclose(rv.hessian(rosenbrock)(x), rosenbrock_hessian(x),
                               rtol=1e-12, atol=1e-9)


def test_hessian_of_a_matrix_argument_and_of_floats():
    M = np.array([[1.0, 2.0], [3.0, 4.0]])
    H = rv.hessian(lambda m: rnp.sum(m ** 3))(M)
    assert H.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(H.reshape(4, 4), np.diag(6 * M.ravel()))
    assert rv.hessian(lambda a, b: a * a * b, argnums=(0, 1))(1.0, 2.0) == (
        (4.0, 2.0), (2.0, 0.0))


def test_hvp_and_linearize_agree_with_the_hessian(rng):
    x, v = rng.uniform(0.5, 1.5, 6), rng.standard_normal(6)
    (hv,) = rv.hvp(rosenbrock, (x,), (v,))
    np.testing.assert_allclose(hv, rosenbrock_hessian(x) @ v, rtol=1e-12)
    out, f_jvp = rv.linearize(rv.grad(rosenbrock), x)
    np.testing.assert_allclose(out, rv.grad(rosenbrock)(x))
    for _ in range(3):  # applied as often as wanted, without evaluating f again
        u = rng.standard_normal(6)
        np.testing.assert_allclose(f_jvp(u), rosenbrock_hessian(x) @ u, rtol=1e-12)


def test_hvp_keeps_only_what_the_rules_read():
    # grad's graph records values that are Duals (a value and a tangent): its nodes keep
    # none that their rules do not read, as for plain arrays, so memory does not grow
    # with the number of ops whose derivatives are constants
    x = np.linspace(0.5, 1.5, 100_000)
    v = np.cos(x)

    def f(y):
        for _ in range(20):
            y = y * 1.01 + 0.5
        return rnp.sum(y * y)

    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        (hv,) = rv.hvp(f, (x,), (v,))
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak < 12 * x.nbytes, peak / x.nbytes
    np.testing.assert_allclose(hv, 2 * 1.01 ** 40 * v, rtol=1e-12)


def test_jacfwd_through_primitives_without_batched_rules(rng):
    # prod along an axis and clip-by-where go through the one-tangent-at-a-time path
    x = rng.uniform(0.5, 1.5, (3, 4))
    f = lambda x: rnp.prod(x, axis=1) * rnp.max(x, axis=1)  # noqa: E731
    np.testing.assert_allclose(rv.jacfwd(f)(x), rv.jacrev(f)(x), rtol=1e-12)
    g = lambda x: rnp.cumsum(rnp.sort(x, axis=1), axis=1) if hasattr(rnp, "sort") else x  # noqa
    np.testing.assert_allclose(rv.jacfwd(g)(x), rv.jacrev(g)(x), rtol=1e-12)


# --- custom rules ----------------------------------------------------------------------

def test_custom_vjp_gradient_clipping_composes_with_transforms():
    @rv.custom_vjp
    def clip_gradient(x):
        return x

    clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (rv.clip(g, -1.0, 1.0),))
    assert rv.grad(lambda x: 5.0 * clip_gradient(x))(2.0) == 1.0
    assert rv.grad(lambda x: 0.5 * clip_gradient(x))(2.0) == 0.5
    # forward mode follows the rule linearised at g = 0, where clipping does nothing
    assert rv.jvp(lambda x: 5.0 * clip_gradient(x), (2.0,), (1.0,))[1] == 5.0
    np.testing.assert_allclose(rv.jacfwd(lambda x: 5.0 * clip_gradient(x))(np.ones(2)),
                               5.0 * np.eye(2))


def _newton_sqrt_of_constant(a):
    """sqrt(a) by Newton's method on a as a constant: not differentiable step by step
    (its derivative is 0 without a rule of its own)."""
    a = rv.stop_gradient(a)
    y = 1.0
    for _ in range(60):
        y = 0.5 * (y + a / y)
    return y


def test_custom_vjp_implicit_function_solve():
    # the derivative comes from the implicit function theorem: d/da = 1 / (2 sqrt(a))
    newton_sqrt = rv.custom_vjp(_newton_sqrt_of_constant)
    newton_sqrt.defvjp(lambda a: (newton_sqrt(a), newton_sqrt(a)),
                       lambda y, g: (g / (2.0 * y),))
    assert rv.grad(newton_sqrt)(9.0) == pytest.approx(1 / 6, rel=1e-12)
    assert rv.grad(lambda a: newton_sqrt(a) ** 2)(9.0) == pytest.approx(1.0, rel=1e-12)
    # second order through the custom rule: d2/da2 sqrt(a) = -a**-1.5 / 4
    assert rv.grad(rv.grad(newton_sqrt))(4.0) == pytest.approx(-4.0 ** -1.5 / 4, rel=1e-9)
    H = rv.hessian(lambda a: newton_sqrt(a[0]) * a[1])(np.array([4.0, 3.0]))
    np.testing.assert_allclose(H, [[3 * -4.0 ** -1.5 / 4, 0.25], [0.25, 0.0]], rtol=1e-9)


def test_custom_jvp_stable_log1pexp():
    @rv.custom_jvp
    def log1pexp(x):
        return rnp.logaddexp(0.0, x)

    log1pexp.defjvp(lambda p, t: (log1pexp(p[0]), t[0] * rv.sigmoid(p[0])))
    assert rv.grad(log1pexp)(1000.0) == 1.0          # sigmoid, no inf/inf
    assert rv.jvp(log1pexp, (0.0,), (2.0,)) == (math.log(2.0), 1.0)
    x = np.linspace(-3, 3, 5)
    np.testing.assert_allclose(rv.grad(lambda v: rnp.sum(log1pexp(v)))(x),
                               1 / (1 + np.exp(-x)), rtol=1e-12)
    assert rv.grad(rv.grad(log1pexp))(0.0) == pytest.approx(0.25, rel=1e-12)


def _x_sin_x_with_rule(kind, calls):
    """x sin(x), its derivative given by a custom_vjp or custom_jvp rule; `calls` counts
    the runs of the function and of fwd."""
    def bare(x):
        calls.append("f")
        return rnp.sin(x) * x

    def derivative(x):
        return rnp.cos(x) * x + rnp.sin(x)

    f = kind(bare)
    if kind is rv.custom_vjp:
        def fwd(x):
            calls.append("fwd")
            return bare(x), x
        f.defvjp(fwd, lambda x, g: (g * derivative(x),))
    else:
        f.defjvp(lambda p, t: (f(p[0]), t[0] * derivative(p[0])))
    return f


@pytest.mark.parametrize("kind", [rv.custom_vjp, rv.custom_jvp])
def test_custom_rules_under_every_nesting_of_modes(kind):
    f = _x_sin_x_with_rule(kind, [])
    x = 0.7
    second = -math.sin(x) * x + 2 * math.cos(x)
    for name, d2 in [("fwd of fwd", rv.jacfwd(rv.jacfwd(f))), ("fwd of rev", rv.jacfwd(rv.grad(f))),
                     ("rev of fwd", rv.grad(lambda x: rv.jvp(f, (x,), (1.0,))[1])),
                     ("rev of rev", rv.grad(rv.grad(f)))]:
        assert d2(x) == pytest.approx(second, rel=1e-12), name
    third = rv.jacfwd(rv.jacfwd(rv.jacfwd(f)))(x)
    assert third == pytest.approx(-math.cos(x) * x - 3 * math.sin(x), rel=1e-12)
    # reverse mode over a forward-mode call whose primal output is used too
    def primal_times_tangent(x):
        primal, tangent = rv.jvp(f, (x,), (1.0,))
        return primal * tangent
    expected = rv.grad(lambda x: rnp.sin(x) * x * (rnp.cos(x) * x + rnp.sin(x)))(x)
    assert rv.grad(primal_times_tangent)(x) == pytest.approx(expected, rel=1e-12)
    xs = np.array([0.3, 0.7])
    np.testing.assert_allclose(rv.jacfwd(rv.jacfwd(lambda v: rnp.sum(f(v))))(xs),
                               np.diag(-np.sin(xs) * xs + 2 * np.cos(xs)), rtol=1e-12)


@pytest.mark.parametrize("kind", [rv.custom_vjp, rv.custom_jvp])
def test_a_custom_rule_is_used_for_the_value_at_every_level(kind):
    # any level that differentiates the function's own operations gets 0 for its slope
    sqrt = kind(_newton_sqrt_of_constant)
    if kind is rv.custom_vjp:
        sqrt.defvjp(lambda a: (sqrt(a), sqrt(a)), lambda y, g: (g / (2.0 * y),))
    else:
        sqrt.defjvp(lambda p, t: (sqrt(p[0]), t[0] / (2.0 * sqrt(p[0]))))

    def value_plus_slope_by_grad(x):
        value, slope = rv.value_and_grad(sqrt)(x)
        return value + slope

    def value_plus_slope_by_jvp(x):
        value, slope = rv.jvp(sqrt, (x,), (1.0,))
        return value + slope

    expected = 0.25 - 1 / 32  # d/dx (sqrt(x) + 1 / (2 sqrt(x))) at x = 4
    for f in (value_plus_slope_by_grad, value_plus_slope_by_jvp):
        assert rv.grad(f)(4.0) == pytest.approx(expected, rel=1e-12), f.__name__
        assert rv.jacfwd(f)(4.0) == pytest.approx(expected, rel=1e-12), f.__name__


def test_custom_vjp_under_forward_mode_runs_fwd_once():
    calls = []
    f = _x_sin_x_with_rule(rv.custom_vjp, calls)
    value, tangent = rv.jvp(f, (0.7,), (1.0,))
    assert calls == ["fwd", "f"]  # fwd, and the function inside it: nothing twice
    assert tangent == pytest.approx(math.cos(0.7) * 0.7 + math.sin(0.7), rel=1e-15)


def test_custom_rules_need_their_definition():
    @rv.custom_vjp
    def f(x):
        return x

    with pytest.raises(TypeError, match="defvjp"):
        rv.grad(f)(1.0)


# --- checkpointing -----------------------------------------------------------------------

def _recurrence(step, W, xs, block=None):
    h = np.zeros(W.shape[0])
    stride = 25
    for s in range(0, len(xs), stride):
        h = (block or _block)(h, W, xs[s:s + stride])
    return rnp.sum(h * h)


def _block(h, W, xs):
    for x in xs:
        h = rnp.tanh(W @ h + x)
    return h


def test_checkpoint_gives_the_same_gradient_with_less_memory():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((64, 64)) * 0.9 / 8
    xs = rng.standard_normal((1000, 64)) * 0.1
    xs.flags.writeable = False  # a read-only constant is saved without a copy
    checkpointed = rv.checkpoint(_block)

    def peak(block):
        tracemalloc.start()
        g = rv.grad(lambda W: _recurrence(None, W, xs, block))(W)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return g, peak

    g_plain, peak_plain = peak(None)
    g_ckpt, peak_ckpt = peak(checkpointed)
    np.testing.assert_allclose(g_ckpt, g_plain, rtol=1e-12)
    assert peak_ckpt < 0.6 * peak_plain, (peak_ckpt, peak_plain)


def test_checkpointed_loop_holds_three_weight_sized_arrays():
    # At the peak of the backward pass: W's gradient so far, the current block's and
    # one step's (each as large as W), besides the block inputs and one block's
    # recomputed steps; no copy of W, no stale sum.
    rng = np.random.default_rng(4)
    W = rng.standard_normal((256, 256)) * 0.9 / 16
    xs = rng.standard_normal((200, 256))
    xs.flags.writeable = False
    checkpointed = rv.checkpoint(_block)
    loss = lambda W: _recurrence(None, W, xs, checkpointed)  # noqa: E731
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        g = rv.grad(loss)(W)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(g, rv.grad(lambda W: _recurrence(None, W, xs))(W), rtol=1e-12)
    assert peak < 4 * W.nbytes, peak / W.nbytes


def test_checkpoint_composes_with_higher_order():
    block = rv.checkpoint(lambda h, w: rnp.tanh(w * h + 0.5))

    def run(w, step):
        h = 0.1
        for _ in range(4):
            h = step(h, w)
        return h

    plain = lambda w: run(w, lambda h, w: rnp.tanh(w * h + 0.5))  # noqa: E731
    ckpt = lambda w: run(w, block)  # noqa: E731
    assert rv.grad(ckpt)(0.7) == pytest.approx(rv.grad(plain)(0.7), rel=1e-14)
    assert rv.grad(rv.grad(ckpt))(0.7) == pytest.approx(rv.grad(rv.grad(plain))(0.7), rel=1e-12)
    assert rv.jvp(ckpt, (0.7,), (1.0,))[1] == pytest.approx(rv.grad(plain)(0.7), rel=1e-14)


def test_jacfwd_of_a_complex_scalar():
    # a batch of tangents of a complex scalar is shaped and typed like the value
    z = 1.0 + 2.0j
    assert rv.jacfwd(lambda z: z * z * z)(z) == pytest.approx(3 * z * z, rel=1e-15)
