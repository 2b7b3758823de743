"""grad, value_and_grad and vjp: argnums, has_aux, pytrees, dtypes, pullbacks."""
import collections
import math

import numpy as np
import pytest

import revad as rv
import revad.numpy as rnp
from conftest import is_float


def f3(x, y, z):
    return x * y ** 2 + rnp.sin(z)


# --- argnums --------------------------------------------------------------------------------


@pytest.mark.parametrize("argnums,expected", [
    (0, 9.0), (1, 12.0), (2, math.cos(0.5)), (-1, math.cos(0.5)), (-3, 9.0),
    ((0, 2), (9.0, math.cos(0.5))), ((2, 0), (math.cos(0.5), 9.0)),
    ((-1, 1), (math.cos(0.5), 12.0)), ((1,), (12.0,)),
])
def test_argnums(argnums, expected):
    g = rv.grad(f3, argnums=argnums)(2.0, 3.0, 0.5)
    if isinstance(expected, tuple):
        assert isinstance(g, tuple) and len(g) == len(expected)
        for a, b in zip(g, expected):
            assert a == pytest.approx(b, rel=1e-15)
    else:
        assert g == pytest.approx(expected, rel=1e-15)


def test_value_and_grad_with_argnums():
    value, grads = rv.value_and_grad(f3, argnums=(0, 1))(2.0, 3.0, 0.5)
    assert value == pytest.approx(18.0 + math.sin(0.5), rel=1e-15)
    assert grads == (9.0, 12.0)
    assert is_float(value) and not isinstance(value, rv.Var)


def test_repeated_argnum_is_either_rejected_or_gives_both_gradients():
    try:
        g = rv.grad(f3, argnums=(0, 0))(2.0, 3.0, 0.5)
    except (ValueError, TypeError) as e:
        assert "argnums" in str(e)
    else:
        assert g == (9.0, 9.0)  # never a silent 0.0 for one of them


def test_keyword_arguments_are_passed_through_and_not_differentiated():
    g = rv.grad(lambda x, power=2.0: x ** power)(3.0, power=3.0)
    assert g == 27.0


def test_non_differentiated_arguments_can_be_anything():
    g = rv.grad(lambda x, label, n: x * n if label == "a" else 0.0)(2.0, "a", 4)
    assert g == 4.0


# --- has_aux ---------------------------------------------------------------------------------


def test_has_aux_grad():
    def f(x):
        y = x * x
        return y, {"y": y, "note": "aux", "x": x}

    g, aux = rv.grad(f, has_aux=True)(3.0)
    assert g == 6.0
    assert aux["note"] == "aux"
    assert aux["y"] == 9.0 and not isinstance(aux["y"], rv.Var)
    assert aux["x"] == 3.0 and not isinstance(aux["x"], rv.Var)


def test_has_aux_value_and_grad():
    (value, aux), g = rv.value_and_grad(
        lambda x: (rv.sum(x ** 2), [x * 2.0]), has_aux=True)(np.array([1.0, 2.0]))
    assert value == 5.0
    assert isinstance(aux, list) and not isinstance(aux[0], rv.Var)
    np.testing.assert_array_equal(aux[0], [2.0, 4.0])
    np.testing.assert_array_equal(g, [2.0, 4.0])


def test_has_aux_requires_a_pair():
    with pytest.raises(TypeError, match="has_aux"):
        rv.grad(lambda x: x * 2.0, has_aux=True)(1.0)
    with pytest.raises(TypeError, match="has_aux"):
        rv.grad(lambda x: (x, x, x), has_aux=True)(1.0)


# --- pytrees ---------------------------------------------------------------------------------


def test_dict_list_tuple_and_nesting():
    params = {"layer": [np.array([1.0, 2.0]), (3.0, {"c": np.eye(2)})], "bias": 0.5}

    def f(p):
        a, (b, d) = p["layer"]
        return rv.sum(a ** 2) * b + rv.sum(d["c"] * 2.0) + p["bias"] ** 3

    g = rv.grad(f)(params)
    assert set(g) == {"layer", "bias"}
    assert isinstance(g["layer"], list) and isinstance(g["layer"][1], tuple)
    np.testing.assert_array_equal(g["layer"][0], [6.0, 12.0])
    assert g["layer"][1][0] == 5.0
    np.testing.assert_array_equal(g["layer"][1][1]["c"], np.full((2, 2), 2.0))
    assert g["bias"] == 0.75
    # the input is not modified
    assert isinstance(params["layer"][0], np.ndarray) and params["bias"] == 0.5


def test_none_leaves_are_kept():
    g = rv.grad(lambda p: p[0] * p[1]["a"])([2.0, {"a": 3.0, "b": None}, None])
    assert g == [3.0, {"a": 2.0, "b": None}, None]


def test_namedtuple_structure_is_kept():
    Point = collections.namedtuple("Point", "x y")
    g = rv.grad(lambda p: p.x * p.y ** 2)(Point(2.0, 3.0))
    assert isinstance(g, Point) and g == Point(9.0, 12.0)


def test_unused_inputs_get_zero_gradients_of_their_shape():
    g = rv.grad(lambda x, y: x * 2.0, argnums=(0, 1))(1.0, np.ones((2, 3)))
    assert g[0] == 2.0
    assert isinstance(g[1], np.ndarray) and g[1].shape == (2, 3) and not g[1].any()
    g = rv.grad(lambda x: 5.0)(np.ones(2))
    np.testing.assert_array_equal(g, [0.0, 0.0])


# --- dtypes -----------------------------------------------------------------------------------


def test_int_inputs_give_float_gradients():
    g = rv.grad(lambda x: x * 2.5)(3)
    assert g == 2.5 and is_float(g)
    g = rv.grad(lambda x: rv.sum(x * x))(np.arange(3))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [0.0, 2.0, 4.0])
    g = rv.grad(lambda x: x[0] * x[1])([1, 2])
    assert isinstance(g, list) and all(is_float(v) for v in g) and g == [2.0, 1.0]


def test_float32_arrays_keep_their_dtype():
    x = np.array([1.0, 2.0], dtype=np.float32)
    value, g = rv.value_and_grad(lambda x: rv.sum(rnp.tanh(x) * 3.0))(x)
    assert g.dtype == np.float32
    assert np.result_type(value) == np.float32
    # mixed with a float64 input: each gradient follows its input
    gx, gy = rv.grad(lambda x, y: rv.sum(x * y), argnums=(0, 1))(x, np.ones(2))
    assert gx.dtype == np.float32 and gy.dtype == np.float64


def test_gradients_do_not_alias_each_other():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    gx, gy = rv.grad(lambda x, y: rv.sum(x + y), argnums=(0, 1))(x, y)
    assert gx is not gy and not np.shares_memory(gx, gy)
    np.testing.assert_array_equal(gx, [1.0, 1.0])
    np.testing.assert_array_equal(gy, [1.0, 1.0])
    g = rv.grad(lambda p: rv.sum(p["a"] + p["b"]))({"a": x, "b": y})
    assert not np.shares_memory(g["a"], g["b"])
    _, pullback = rv.vjp(lambda x, y: x + y, x, y)
    ga, gb = pullback(np.ones(2))
    assert not np.shares_memory(ga, gb)


@pytest.mark.parametrize("reduce", [rv.sum, rv.mean, lambda x: rv.sum(x * 2.0)])
def test_returned_gradients_are_ordinary_writable_arrays(reduce):
    # users update gradients in place (g *= lr; g[mask] = 0): no read-only or
    # zero-stride broadcast views
    x0 = np.ones(3)
    results = [rv.grad(reduce)(x0), rv.value_and_grad(reduce)(x0)[1],
               rv.vjp(reduce, x0)[1](1.0)[0]]
    x = rv.Var(x0)
    results.append(rv.gradients(reduce(x))[x])
    x = rv.Var(x0)
    reduce(x).backward()
    results.append(x.grad)
    for g in results:
        assert isinstance(g, np.ndarray) and g.shape == (3,)
        expected = g.copy()
        g *= 2.0
        g[0] = -1.0
        np.testing.assert_array_equal(g, [-1.0] + list(2 * expected[1:]))


def test_gradient_does_not_alias_the_input():
    x = np.array([1.0, 2.0])
    g = rv.grad(lambda x: rv.sum(x * 1.0))(x)
    assert not np.shares_memory(g, x)


# --- vjp -------------------------------------------------------------------------------------


def test_vjp_basic_and_pullback_twice():
    out, pullback = rv.vjp(lambda x, y: x * y, 2.0, 3.0)
    assert out == 6.0 and not isinstance(out, rv.Var)
    assert pullback(1.0) == (3.0, 2.0)
    assert pullback(2.0) == (6.0, 4.0)
    assert pullback(1.0) == (3.0, 2.0)  # no accumulation between calls


def test_vjp_arrays():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = np.array([0.5, -1.0])
    out, pullback = rv.vjp(lambda A, x: A @ x, A, x)
    np.testing.assert_array_equal(out, A @ x)
    u = np.array([1.0, 2.0])
    gA, gx = pullback(u)
    np.testing.assert_array_equal(gA, np.outer(u, x))
    np.testing.assert_array_equal(gx, A.T @ u)


def test_vjp_of_several_outputs_with_a_pytree_cotangent():
    def f(x, y):
        return x * y, {"s": rnp.sin(x), "both": [x + y]}

    out, pullback = rv.vjp(f, 2.0, np.array([1.0, 3.0]))
    assert isinstance(out, tuple) and isinstance(out[1], dict)
    np.testing.assert_array_equal(out[0], [2.0, 6.0])
    assert out[1]["s"] == math.sin(2.0)
    gx, gy = pullback((np.array([1.0, 1.0]), {"s": 2.0, "both": [np.array([0.5, 0.0])]}))
    assert gx == pytest.approx(4.0 + 2 * math.cos(2.0) + 0.5, rel=1e-15)
    np.testing.assert_array_equal(gy, [2.0 + 0.5, 2.0])


def test_vjp_with_an_output_that_does_not_depend_on_the_inputs():
    out, pullback = rv.vjp(lambda x: (x * 2.0, 7.0), 1.0)
    assert out == (2.0, 7.0)
    assert pullback((1.0, 1.0)) == (2.0,)


def test_vjp_pytree_primals():
    out, pullback = rv.vjp(lambda p: p["a"] * p["b"][0], {"a": 2.0, "b": [3.0, 4.0]})
    assert out == 6.0
    (g,) = pullback(1.0)
    assert g == {"a": 3.0, "b": [2.0, 0.0]}


def test_vjp_cotangent_structure_and_shape_are_checked():
    _, pullback = rv.vjp(lambda x: (x * 2.0, x), np.ones(2))
    with pytest.raises(ValueError, match="cotangent"):
        pullback(np.ones(2))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        pullback((np.ones(3), np.ones(2)))


def test_grad_of_vjp():
    def f(x):
        _, pullback = rv.vjp(rnp.sin, x)
        return pullback(1.0)[0]

    assert rv.grad(f)(0.4) == pytest.approx(-math.sin(0.4), rel=1e-15)


def test_grad_of_value_and_grad():
    def f(x):
        value, g = rv.value_and_grad(lambda t: t ** 4)(x)
        return value + g

    assert rv.grad(f)(1.5) == pytest.approx(4 * 1.5 ** 3 + 12 * 1.5 ** 2, rel=1e-15)


def test_transform_preserves_function_name():
    def my_function(x):
        return x

    assert rv.grad(my_function).__name__ == "my_function"
    assert rv.value_and_grad(my_function).__name__ == "my_function"


def test_grad_accepts_vars_and_leaves_them_untouched():
    x = rv.Var(2.0)
    g = rv.grad(lambda t: t * t)(x)
    assert g == 4.0
    assert x.grad is None
