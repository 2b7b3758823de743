"""The graph and the backward pass: depth, sharing, memory, accumulation, retained and
higher-order graphs, no_grad and its threads, custom primitives, nested transforms."""
import copy
import gc
import math
import pickle
import threading
import tracemalloc
import weakref

import numpy as np
import pytest

import revad as rv
import revad.numpy as rnp
from conftest import central_difference
from revad.core import value_of

# --- depth and sharing ------------------------------------------------------------------


def test_million_op_chain_has_the_closed_form_gradient():
    n, c = 1_000_000, 1.0000001
    x = rv.Var(1.0)
    y = x
    for _ in range(n):
        y = y * c
    y.backward()  # no RecursionError
    expected = c ** n  # about e**0.1
    assert y.item() == pytest.approx(expected, rel=1e-9)
    assert x.grad == pytest.approx(expected, rel=1e-9)
    assert x.grad == pytest.approx(math.exp(0.1), rel=1e-6)


def test_long_chain_through_grad_transform():
    n = 100_000

    def f(x):
        y = x
        for _ in range(n):
            y = y + x
        return y

    assert rv.grad(f)(0.25) == float(n + 1)


def test_doubling_dag_is_walked_once_per_node():
    # every node is used twice: a walk per path would take 2**depth steps
    depth = 80
    x = rv.Var(1.5)
    y = x
    for _ in range(depth):
        y = y + y
    y.backward()
    assert x.grad == 2.0 ** depth
    assert y.item() == 1.5 * 2.0 ** depth


def test_squaring_dag():
    depth = 70
    x = rv.Var(1.0)
    y = x
    for _ in range(depth):
        y = y * y  # x ** (2 ** depth): derivative 2**depth at x == 1
    y.backward()
    assert y.item() == 1.0
    assert x.grad == 2.0 ** depth


def test_array_doubling_dag():
    depth = 64
    x = rv.Var(np.array([1.0, -2.0, 0.5]))
    y = x
    for _ in range(depth):
        y = y + y
    rv.sum(y).backward()
    np.testing.assert_array_equal(x.grad, np.full(3, 2.0 ** depth))


def test_shared_subexpressions_match_finite_differences():
    def build(x, sin, cos):
        y = x
        for _ in range(100):
            a = sin(y)
            b = cos(y)
            y = 0.5 * (a * b + y * a) + 0.1 * b  # y, a and b each used twice
        return y

    x = rv.Var(0.7)
    build(x, rv.sin, rv.cos).backward()
    fd = central_difference(lambda t: build(t, math.sin, math.cos), 0.7, h=1e-6)
    assert x.grad == pytest.approx(fd, rel=1e-6, abs=1e-9)


def test_same_var_on_both_sides():
    x = rv.Var(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    x = rv.Var(np.array([1.0, 2.0]))
    rv.sum(x * x + x).backward()
    np.testing.assert_array_equal(x.grad, [3.0, 5.0])


# --- memory ---------------------------------------------------------------------------------


def _array_graph(x, n=50):
    refs = []
    y = x
    for _ in range(n):
        y = rnp.sin(y) * 1.01
        refs.append(weakref.ref(value_of(y)))
    return rv.sum(y), refs


def test_backward_frees_the_intermediate_results():
    size = 100_000
    nbytes = 8 * size
    x = rv.Var(np.random.default_rng(0).standard_normal(size))
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loss, refs = _array_graph(x)
        built = tracemalloc.get_traced_memory()[0]
        # the graph holds the intermediate arrays that sin's rule needs
        assert built - base > 40 * nbytes
        assert sum(r() is not None for r in refs) >= 40
        loss.backward()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # what is left: x.grad (and small change), not 50+ arrays
    assert after - base < 3 * nbytes, (after - base) / nbytes
    assert all(r() is None for r in refs)
    assert x.grad.shape == (size,)


def test_a_weight_read_at_every_step_is_summed_in_place():
    # Every step's contribution to W's gradient is as large as W: the backward pass
    # holds their running sum and one contribution (the first one becomes the sum),
    # not two contributions beside a new sum; and it writes into no array of the
    # caller's.
    rng = np.random.default_rng(0)
    W = rng.standard_normal((256, 256))
    xs = rng.standard_normal((20, 256))
    seed = np.ones(256)
    before = W.copy(), xs.copy()
    _, pullback = rv.vjp(lambda W: sum(W @ x for x in xs), W)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        (g,) = pullback(seed)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(g, np.outer(seed, xs.sum(axis=0)), rtol=1e-12)
    assert peak < 2.5 * W.nbytes, peak / W.nbytes
    np.testing.assert_array_equal(W, before[0])
    np.testing.assert_array_equal(xs, before[1])
    np.testing.assert_array_equal(seed, np.ones(256))


def test_backward_frees_each_node_once_handled_under_scalar_ops():
    # The nodes of -loss / 2 hold floats only, but their parents lead to every array:
    # by the time the first op's rule runs, the arrays saved by all later ones are gone.
    first = rv.primitive(lambda x: x * 1.0, name="first")
    alive = []

    def rule(ans, x):
        return lambda g: alive.append(any(r() is not None for r in refs)) or g

    rv.defvjp(first, rule)
    x = rv.Var(np.linspace(0.0, 1.0, 1000))
    loss, refs = _array_graph(first(x), n=10)
    loss = -loss / 2.0
    loss.backward()
    assert alive == [False]


def test_retained_graph_is_freed_when_the_output_is_dropped():
    x = rv.Var(np.linspace(0.0, 1.0, 1000))
    loss, refs = _array_graph(x, n=10)
    loss.backward(retain_graph=True)
    first = x.grad.copy()
    loss.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad, 2 * first)
    del loss
    gc.collect()
    assert all(r() is None for r in refs)


def test_an_op_with_a_constant_keeps_only_what_the_other_arguments_rule_reads():
    # a * 3.0 needs 3.0, not a; d / 4.0 and c ** 2 need not keep their result (only the
    # rules for the divisor and the exponent read it)
    x = rv.Var(np.linspace(0.5, 1.5, 1000))
    a, c = rnp.sin(x), rnp.cos(x)
    d, s = rnp.sin(x) / 4.0, c ** 2
    refs = [weakref.ref(value_of(v)) for v in (a, d, s)]
    loss = rv.sum(a * 3.0 + d * 1.0 + s * 1.0)
    del a, c, d, s
    assert all(r() is None for r in refs)
    loss.backward()
    xv = x.value
    np.testing.assert_allclose(x.grad, 3.25 * np.cos(xv) - 2.0 * np.cos(xv) * np.sin(xv))


def test_intermediate_handles_are_not_kept_by_the_graph():
    x = rv.Var(np.ones(10))
    h = rnp.sin(x)
    handle = weakref.ref(h)
    y = rv.sum(h * 2.0)
    del h
    assert handle() is None  # the graph records values, not the Var handles
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * np.cos(np.ones(10)))


# --- retain_graph, accumulation, retain_grad ----------------------------------------------


def test_second_backward_without_retain_graph_raises():
    x = rv.Var(2.0)
    y = x * x + 1.0
    y.backward()
    assert x.grad == 4.0
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    assert x.grad == 4.0


def test_retain_graph_allows_a_second_backward_that_accumulates():
    x = rv.Var(np.array([1.0, 2.0]))
    y = rv.sum(rnp.exp(x) * x)
    y.backward(retain_graph=True)
    first = x.grad.copy()
    np.testing.assert_allclose(first, np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad, 2 * first)
    y.backward()
    np.testing.assert_allclose(x.grad, 3 * first)
    with pytest.raises(RuntimeError):
        y.backward()


def test_gradients_frees_the_graph_unless_retained():
    x = rv.Var(2.0)
    y = x * x
    assert rv.gradients(y, retain_graph=True)[x] == 4.0
    assert rv.gradients(y)[x] == 4.0
    with pytest.raises(RuntimeError):
        rv.gradients(y)


def test_grad_accumulates_over_graphs_and_zero_grad_resets():
    x = rv.Var(3.0)
    (x * 2.0).backward()
    (x * x).backward()
    assert x.grad == 2.0 + 6.0
    x.zero_grad()
    assert x.grad is None
    (x * 5.0).backward()
    assert x.grad == 5.0


def test_array_grad_accumulation_does_not_alias():
    x = rv.Var(np.ones(3))
    y = rv.Var(np.ones(3))
    rv.sum(x + y).backward()
    assert x.grad is not y.grad
    x.grad[0] = 100.0
    np.testing.assert_array_equal(y.grad, [1.0, 1.0, 1.0])


def test_retain_grad_on_an_intermediate():
    x = rv.Var(2.0)
    h = x * x
    h.retain_grad()
    other = x + 1.0  # not retained
    y = rv.sin(h) + other
    y.backward()
    assert h.grad == pytest.approx(math.cos(4.0), rel=1e-15)
    assert x.grad == pytest.approx(math.cos(4.0) * 4.0 + 1.0, rel=1e-15)
    assert other.grad is None


def test_gradients_wrt_intermediate_and_unrelated_vars():
    x = rv.Var(np.array([1.0, 2.0]))
    h = x * 3.0
    unrelated = rv.Var(np.ones((2, 2)))
    y = rv.sum(h * h)
    g = rv.gradients(y, wrt=[h, x, unrelated])
    assert set(g) == {h, x, unrelated}
    np.testing.assert_allclose(g[h], 2 * np.array([3.0, 6.0]))
    np.testing.assert_allclose(g[x], 18 * np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g[unrelated], np.zeros((2, 2)))
    assert x.grad is None and h.grad is None


def test_backward_with_a_seed():
    x = rv.Var(np.array([1.0, 2.0, 3.0]))
    y = x * x
    y.backward(np.array([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, -6.0])


# --- higher order ---------------------------------------------------------------------


def test_create_graph_gives_a_differentiable_gradient():
    x = rv.Var(1.5)
    y = x ** 3
    y.backward(create_graph=True)
    g = x.grad
    assert isinstance(g, rv.Var)
    assert g.item() == pytest.approx(3 * 1.5 ** 2, rel=1e-15)
    x.zero_grad()
    g.backward()
    assert x.grad == pytest.approx(6 * 1.5, rel=1e-15)


def test_create_graph_with_arrays():
    x = rv.Var(np.array([0.5, -1.0, 2.0]))
    rv.sum(rnp.sin(x) * x).backward(create_graph=True)
    g = x.grad
    assert isinstance(g, rv.Var)
    x.zero_grad()
    rv.sum(g).backward()
    v = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(x.grad, 2 * np.cos(v) - v * np.sin(v), rtol=1e-14)


def test_nested_grad_examples():
    assert rv.grad(lambda x: x * rv.grad(lambda y: x * y)(1.0))(2.0) == 4.0
    assert rv.grad(rv.grad(rv.grad(rv.grad(rnp.sin))))(0.3) == pytest.approx(
        math.sin(0.3), rel=1e-15)
    assert rv.grad(rv.grad(rv.grad(rnp.sin)))(0.3) == pytest.approx(-math.cos(0.3), rel=1e-15)


def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1
    assert rv.grad(lambda x: x * rv.grad(lambda y: x + y)(1.0))(3.0) == 1.0


def test_hessian_diagonal_via_nested_grad():
    x0 = np.array([0.5, -1.0, 2.0])
    hess_diag = rv.grad(lambda x: rv.sum(rv.grad(lambda z: rv.sum(z ** 3))(x)))(x0)
    np.testing.assert_allclose(hess_diag, 6 * x0, rtol=1e-15)


def test_second_derivatives_of_ops():
    for f, d2, x in [
        (rnp.exp, math.exp, 0.3),
        (rnp.tanh, lambda t: -2 * math.tanh(t) * (1 - math.tanh(t) ** 2), 0.4),
        (rnp.log, lambda t: -1 / t ** 2, 1.7),
        (rnp.sqrt, lambda t: -0.25 * t ** -1.5, 1.3),
        (rnp.arctan, lambda t: -2 * t / (1 + t * t) ** 2, 0.6),
        (rnp.sigmoid, lambda t: (lambda s: s * (1 - s) * (1 - 2 * s))(1 / (1 + math.exp(-t))),
         0.8),
        (lambda t: t ** 3.5, lambda t: 3.5 * 2.5 * t ** 1.5, 1.2),
        (lambda t: 2.0 ** t, lambda t: 2.0 ** t * math.log(2.0) ** 2, 0.7),
    ]:
        assert rv.grad(rv.grad(f))(x) == pytest.approx(d2(x), rel=1e-12), f


# --- no_grad, stop_gradient, detach ---------------------------------------------------------


def test_no_grad_records_nothing():
    x = rv.Var(2.0)
    assert rv.is_grad_enabled()
    with rv.no_grad():
        assert not rv.is_grad_enabled()
        y = x * 3.0
        z = rnp.sin(x) + rnp.sum(rv.Var(np.ones(2)) * x)
        with rv.enable_grad():
            w = x * 5.0
    assert rv.is_grad_enabled()
    assert isinstance(y, rv.Var) and y.is_leaf and y.item() == 6.0
    assert z.is_leaf
    assert not w.is_leaf
    y.backward()
    assert x.grad is None
    w.backward()
    assert x.grad == 5.0


def test_no_grad_is_per_thread():
    entered = threading.Event()
    recorded = threading.Event()
    results = {}
    errors = []

    def quiet():
        try:
            a = rv.Var(2.0)
            with rv.no_grad():
                entered.set()
                assert recorded.wait(10)
                results["quiet"] = (a * a).is_leaf
                results["quiet_enabled"] = rv.is_grad_enabled()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
            entered.set()

    def recording():
        try:
            assert entered.wait(10)
            b = rv.Var(3.0)
            results["recording_enabled"] = rv.is_grad_enabled()
            y = b * b
            results["recording_leaf"] = y.is_leaf
            y.backward()
            results["recording_grad"] = b.grad
        except Exception as e:  # pragma: no cover
            errors.append(e)
        finally:
            recorded.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=recording)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors, errors
    assert results == {"quiet": True, "quiet_enabled": False, "recording_enabled": True,
                       "recording_leaf": False, "recording_grad": 6.0}
    assert rv.is_grad_enabled()


def test_no_grad_in_main_thread_does_not_reach_a_worker():
    out = {}
    barrier = threading.Barrier(2, timeout=10)

    def worker():
        barrier.wait()
        x = rv.Var(1.5)
        y = x * x
        out["leaf"] = y.is_leaf
        y.backward()
        out["grad"] = x.grad

    t = threading.Thread(target=worker)
    t.start()
    with rv.no_grad():
        barrier.wait()
        t.join(10)
    assert out == {"leaf": False, "grad": 3.0}


def test_no_grad_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with rv.no_grad():
            1 / 0
    assert rv.is_grad_enabled()


def test_stop_gradient():
    assert rv.grad(lambda x: x * rv.stop_gradient(x))(3.0) == 3.0
    assert rv.stop_gradient(rv.Var(2.5)) == 2.5
    assert not isinstance(rv.stop_gradient(rv.Var(2.5)), rv.Var)
    g = rv.grad(lambda x: rv.sum(rv.stop_gradient(x) * x ** 2))(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g, [2.0, 8.0])
    # at every level of nesting
    assert rv.grad(rv.grad(lambda x: rv.stop_gradient(x) * x ** 2))(2.0) == 4.0


def test_detach():
    x = rv.Var(np.array([1.0, 2.0]), name="x")
    h = x * 3.0
    d = h.detach()
    assert d.is_leaf and isinstance(d, rv.Var)
    np.testing.assert_array_equal(d.value, [3.0, 6.0])
    rv.sum(x * d).backward()
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])
    assert d.grad is not None  # a leaf of its own
    xd = x.detach()
    assert xd is not x and xd.name == "x" and xd.is_leaf


# --- custom primitives ------------------------------------------------------------------------


@rv.primitive
def cube(x):
    return x * x * x


rv.defvjp(cube, lambda ans, x: lambda g: g * 3.0 * x * x)


@rv.primitive
def scaled_sum(x, y, scale=1.0):
    return np.sum(x) * scale + y


rv.defvjp(scaled_sum,
          lambda ans, x, y, scale=1.0: lambda g: g * scale * rnp.ones_like(rv.core.value_of(x)),
          lambda ans, x, y, scale=1.0: lambda g: g)


def test_custom_primitive_first_and_second_order():
    assert cube(2.0) == 8.0  # plain values go straight to the implementation
    assert rv.grad(cube)(1.5) == pytest.approx(6.75, rel=1e-15)
    assert rv.grad(rv.grad(cube))(1.5) == pytest.approx(9.0, rel=1e-15)
    assert rv.grad(rv.grad(rv.grad(cube)))(1.5) == pytest.approx(6.0, rel=1e-15)
    x = rv.Var(np.array([1.0, -2.0]))
    rv.sum(cube(x)).backward()
    np.testing.assert_allclose(x.grad, [3.0, 12.0])
    rv.check_grad(lambda x: rnp.sin(cube(x)), np.array([0.3, -0.7, 1.1]))


def test_custom_primitive_with_params_and_two_arguments():
    x = np.array([1.0, 2.0, 3.0])
    gx, gy = rv.grad(lambda x, y: scaled_sum(x, y, scale=2.5) ** 2, argnums=(0, 1))(x, 0.5)
    outer = 2 * (6.0 * 2.5 + 0.5)
    np.testing.assert_allclose(gx, np.full(3, outer * 2.5))
    assert gy == pytest.approx(outer)


# --- values of Vars -------------------------------------------------------------------------


def test_mutating_the_users_array_does_not_change_the_gradient():
    a = np.array([1.0, 2.0, 3.0])
    x = rv.Var(a)
    y = rv.sum(x * x)
    a[:] = 100.0
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(x.value, [1.0, 2.0, 3.0])


def test_mutating_a_constant_array_after_recording_does_not_change_the_gradient():
    c = np.array([1.0, 2.0, 3.0])
    x = rv.Var(np.ones(3))
    y = rv.sum(x * c) + rv.sum(c / x) + rv.sum(rnp.maximum(x, c))
    c[:] = -7.0
    y.backward()
    np.testing.assert_allclose(x.grad, [1.0 - 1.0 + 0.5, 2.0 - 2.0, 3.0 - 3.0])


def test_mutating_vjp_primals_does_not_change_the_pullback():
    v = np.array([1.0, 2.0])
    out, pullback = rv.vjp(lambda x: x * x, v)
    v[:] = 0.0
    np.testing.assert_array_equal(out, [1.0, 4.0])
    np.testing.assert_array_equal(pullback(np.ones(2))[0], [2.0, 4.0])


def test_value_of_an_array_var_is_read_only():
    x = rv.Var(np.zeros(3))
    with pytest.raises(ValueError):
        x.value[0] = 1.0
    y = x * 2.0
    with pytest.raises(ValueError):
        y.value[0] = 1.0


def test_assigning_value_of_a_leaf_rebinds():
    x = rv.Var(1.0)
    y = x * 2.0
    x.value = 5.0
    assert x.value == 5.0
    z = x * x
    assert z.item() == 25.0
    z.backward()
    assert x.grad == 10.0
    assert y.item() == 2.0  # recorded before: keeps the old value
    x.zero_grad()
    w = rv.Var(np.ones(2))
    w.value = np.array([3.0, 4.0])
    rv.sum(w * w).backward()
    np.testing.assert_array_equal(w.grad, [6.0, 8.0])
    with pytest.raises(TypeError):
        w.value = "abc"


def test_int_values_become_floats():
    x = rv.Var(3)
    assert isinstance(x.value, float)
    assert rv.Var(np.arange(3)).value.dtype == np.float64
    assert rv.Var([1, 2]).value.dtype == np.float64
    x = rv.Var(np.arange(3, dtype=np.float32))
    assert x.value.dtype == np.float32


# --- leaf Vars ------------------------------------------------------------------------


def test_a_graph_keeps_no_leaf_alive_and_a_live_leaf_gets_its_gradient():
    kept = rv.Var(np.ones(3))
    dropped = rv.Var(np.ones(3))
    loss = rv.sum(kept * 2.0) + rv.sum(dropped * 3.0)
    dropped_ref = weakref.ref(dropped)
    del dropped
    assert dropped_ref() is None  # leaf nodes refer to their Vars weakly
    loss.backward()  # the dropped leaf's gradient goes nowhere
    np.testing.assert_array_equal(kept.grad, [2.0, 2.0, 2.0])


@pytest.mark.parametrize("duplicate", [copy.copy, copy.deepcopy,
                                       lambda v: pickle.loads(pickle.dumps(v))],
                         ids=["copy", "deepcopy", "pickle"])
def test_a_copy_of_a_var_is_a_new_leaf_with_its_value_name_and_gradient(duplicate):
    x = rv.Var(np.array([1.0, 2.0]), name="x")
    y = x * x
    rv.sum(y).backward(retain_graph=True)
    for original in (x, y):
        c = duplicate(original)
        assert c.is_leaf and c.name == original.name
        np.testing.assert_array_equal(c.value, original.value)
        assert (c.grad is None) == (original.grad is None)
        c.zero_grad()
        rv.sum(c * 3.0).backward()
        np.testing.assert_array_equal(c.grad, [3.0, 3.0])
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])  # the original's is untouched
