"""The worked examples of the issue, as exact-number tests."""
import math

import numpy as np
import pytest

import revad as rv
import revad.numpy as rnp
from conftest import central_difference


def test_x_times_y_plus_x_pow_y():
    x, y = rv.Var(0.5, name="x"), rv.Var(4.2, name="y")
    a = x * y + x ** y
    assert a.item() == pytest.approx(0.5 * 4.2 + 0.5 ** 4.2, rel=1e-15)
    a.backward()
    assert y.grad == pytest.approx(0.46228627071977624, abs=1e-15)
    # d/dy = x + x**y log x, d/dx = y + y x**(y-1)
    assert y.grad == pytest.approx(0.5 + 0.5 ** 4.2 * math.log(0.5), rel=1e-14)
    assert x.grad == pytest.approx(4.2 + 4.2 * 0.5 ** 3.2, rel=1e-14)
    assert isinstance(x.grad, float) and isinstance(y.grad, float)


def test_gradients_mapping_keyed_by_the_vars():
    x, y = rv.Var(0.5, name="x"), rv.Var(4.2, name="y")
    a = x * y + x ** y
    grads = rv.gradients(a)
    assert set(grads) == {x, y}
    assert [k for k in grads if k is x] and [k for k in grads if k is y]
    assert grads[y] == pytest.approx(0.46228627071977624, abs=1e-15)
    assert grads[x] == pytest.approx(4.2 + 4.2 * 0.5 ** 3.2, rel=1e-14)
    # .grad is untouched
    assert x.grad is None and y.grad is None


def test_sum_and_product_graph():
    a, b = rv.Var(4.0), rv.Var(3.0)
    c = a + b
    d = a * c
    d.backward()
    assert d.item() == 28.0
    assert a.grad == 11.0  # c + a
    assert b.grad == 4.0   # a


def test_sigmoid_neuron_loss():
    x1, target = 0.1, 10.0
    w0, w1 = rv.Var(4.0), rv.Var(3.0)
    yhat = rv.sigmoid(w0 + w1 * x1)
    loss = 0.5 * (target - yhat) ** 2
    loss.backward()
    s = 1.0 / (1.0 + math.exp(-(4.0 + 3.0 * 0.1)))
    assert yhat.item() == pytest.approx(s, rel=1e-15)
    assert loss.item() == pytest.approx(0.5 * (target - s) ** 2, rel=1e-15)
    assert w1.grad == pytest.approx((s - target) * x1 * s * (1 - s), rel=1e-13)
    assert w0.grad == pytest.approx((s - target) * s * (1 - s), rel=1e-13)


def test_exp_sin_sin():
    def f(x):
        return rnp.exp(rnp.sin(rnp.sin(x)))

    value, derivative = rv.value_and_grad(f)(2.0)
    assert value == pytest.approx(2.2013533791690376, rel=1e-15)
    assert derivative == pytest.approx(-0.562752038662712, rel=1e-14)
    fd = central_difference(lambda t: math.exp(math.sin(math.sin(t))), 2.0)
    assert abs(derivative - fd) < 1e-6
    # the same through a Var and backward()
    x = rv.Var(2.0)
    f(x).backward()
    assert x.grad == derivative


def test_readme_usage_layer():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 4))
    W, b = rv.Var(w0), rv.Var(np.zeros(4))
    X = np.ones((5, 3))
    loss = rv.sum(rv.tanh(X @ W + b) ** 2)
    loss.backward()
    assert W.grad.shape == (3, 4) and b.grad.shape == (4,)
    # by hand
    t = np.tanh(X @ w0)
    assert loss.item() == pytest.approx(np.sum(t ** 2), rel=1e-14)
    dz = 2 * t * (1 - t ** 2)
    np.testing.assert_allclose(W.grad, X.T @ dz, rtol=1e-13)
    np.testing.assert_allclose(b.grad, dz.sum(axis=0), rtol=1e-13)
    rv.check_grad(lambda W, b: rv.sum(rv.tanh(X @ W + b) ** 2), w0, np.zeros(4))


def test_grad_of_a_dict_of_parameters():
    def f(p):
        return rnp.sum(rnp.tanh(p["W"]) ** 2) + p["b"][0] ** 2

    g = rv.grad(f)({"W": np.ones((2, 2)), "b": [1.0, 2.0]})
    assert isinstance(g, dict) and set(g) == {"W", "b"}
    assert isinstance(g["b"], list) and len(g["b"]) == 2
    t = math.tanh(1.0)
    np.testing.assert_allclose(g["W"], np.full((2, 2), 2 * t * (1 - t * t)), rtol=1e-14)
    assert g["W"].shape == (2, 2)
    assert g["b"] == [2.0, 0.0]


def test_readme_tour():
    x, y = rv.Var(0.5, name="x"), rv.Var(4.2, name="y")
    a = x * y + x ** y
    a.backward()
    assert y.grad == pytest.approx(0.5 + 0.5 ** 4.2 * math.log(0.5), abs=1e-15)
    s = np.sin(x)
    assert isinstance(s, rv.Var) and s.item() == math.sin(0.5)

    def f(p):
        return rnp.sum(rnp.tanh(p["W"]) ** 2) + p["b"][0] ** 2

    params = {"W": np.ones((2, 2)), "b": [1.0, 2.0]}
    g = rv.grad(f)(params)
    value, grads = rv.value_and_grad(f)(params)
    t = math.tanh(1.0)
    assert value == pytest.approx(4 * t * t + 1.0, rel=1e-15)
    np.testing.assert_array_equal(grads["W"], g["W"])
    assert grads["b"] == g["b"] == [2.0, 0.0]
    out, pullback = rv.vjp(f, params)
    assert out == value
    (pg,) = pullback(1.0)
    np.testing.assert_array_equal(pg["W"], g["W"])
    assert pg["b"] == [2.0, 0.0]
    rv.check_grad(f, params)
    assert rv.grad(rv.grad(rnp.sin))(0.3) == pytest.approx(-math.sin(0.3), rel=1e-15)
    # the params were not modified
    np.testing.assert_array_equal(params["W"], np.ones((2, 2)))
    assert params["b"] == [1.0, 2.0]


def test_check_grad_catches_a_wrong_rule():
    @rv.primitive
    def bad_sin(x):
        return np.sin(x)

    rv.defvjp(bad_sin, lambda ans, x: lambda g: g * rnp.cos(x) * 1.01)
    with pytest.raises(AssertionError, match="gradient check"):
        rv.check_grad(lambda x: rnp.sum(bad_sin(x)), np.array([0.1, 0.7]))
    assert rv.check_grad(lambda x: rnp.sum(rnp.sin(x)), np.array([0.1, 0.7])) < 1e-7
