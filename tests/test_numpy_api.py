"""NumPy's own functions and operators on Vars, the revad.numpy namespace, Var methods."""
import math

import numpy as np
import pytest

import revad as rv
import revad.numpy as rnp

M = np.arange(6.0).reshape(2, 3) - 2.5


# --- NumPy dispatch ------------------------------------------------------------------------


@pytest.mark.parametrize("ufunc", [np.sin, np.exp, np.tanh, np.sqrt, np.log, np.negative,
                                   np.square, np.absolute, np.arctan])
def test_numpy_ufuncs_on_a_var(ufunc):
    v = np.array([0.5, 1.0, 2.0])
    x = rv.Var(v)
    y = ufunc(x)
    assert isinstance(y, rv.Var)
    np.testing.assert_allclose(y.value, ufunc(v), rtol=1e-15)
    rv.check_grad(lambda x: ufunc(x), v)


def test_numpy_binary_ufuncs_and_mixed_operands():
    x = rv.Var(np.array([1.0, 2.0]))
    for y in (np.add(x, 1.0), np.multiply(np.ones(2), x), np.maximum(x, 1.5),
              np.power(x, 2.0), np.arctan2(x, np.ones(2))):
        assert isinstance(y, rv.Var)
    g = rv.grad(lambda x: np.sum(np.multiply(np.array([3.0, 4.0]), x)))(np.ones(2))
    np.testing.assert_array_equal(g, [3.0, 4.0])


def test_numpy_functions_on_a_var():
    W = rv.Var(M)
    s = np.sum(W)
    assert isinstance(s, rv.Var) and s.item() == np.sum(M)
    s.backward()
    np.testing.assert_array_equal(W.grad, np.ones((2, 3)))
    for y, expected in [(np.mean(W, axis=0), np.mean(M, axis=0)),
                        (np.max(W, axis=1), np.max(M, axis=1)),
                        (np.transpose(W), M.T), (np.reshape(W, (3, 2)), M.reshape(3, 2)),
                        (np.concatenate([W, W]), np.concatenate([M, M])),
                        (np.stack([W, W], axis=1), np.stack([M, M], axis=1)),
                        (np.where(M > 0, W, 0.0), np.where(M > 0, M, 0.0)),
                        (np.clip(W, -1, 1), np.clip(M, -1, 1)),
                        (np.linalg.norm(W), np.linalg.norm(M)),
                        (np.einsum("ij->j", W), M.sum(0)),
                        (np.dot(W, np.ones(3)), M @ np.ones(3))]:
        assert isinstance(y, rv.Var)
        np.testing.assert_allclose(y.value, expected, rtol=1e-15)


def test_numpy_norm_dispatch_keeps_numpys_meaning():
    # np.linalg.norm(matrix, ord) is a matrix norm in NumPy: a Var must not silently
    # get a different number (it may raise NotImplementedError instead)
    for ord in (1, np.inf, -1):
        try:
            out = np.linalg.norm(rv.Var(M), ord)
        except NotImplementedError:
            continue
        assert out.item() == pytest.approx(np.linalg.norm(M, ord)), ord
    # vectors agree
    v = np.array([3.0, -4.0, 1.0])
    for ord in (None, 1, 2, np.inf, 3):
        assert np.linalg.norm(rv.Var(v), ord).item() == pytest.approx(np.linalg.norm(v, ord))


def test_matmul_with_ndarray_on_either_side():
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    W = rv.Var(np.array([[1.0, -1.0], [0.5, 2.0]]))
    left = A @ W
    right = W @ A.T
    assert isinstance(left, rv.Var) and isinstance(right, rv.Var)
    np.testing.assert_array_equal(left.value, A @ W.value)
    np.testing.assert_array_equal(right.value, W.value @ A.T)
    rv.sum(left).backward()
    np.testing.assert_array_equal(W.grad, A.T @ np.ones((3, 2)))
    W.zero_grad()
    rv.sum(right * right).backward()
    np.testing.assert_allclose(W.grad, 2 * (W.value @ A.T) @ A)
    assert isinstance(np.matmul(A, W), rv.Var)


def test_ndarray_operators_with_a_var():
    a = np.array([1.0, 2.0])
    x = rv.Var(np.array([3.0, 4.0]))
    for y, expected in [(a + x, a + x.value), (a - x, a - x.value), (a * x, a * x.value),
                        (a / x, a / x.value), (a ** x, a ** x.value)]:
        assert isinstance(y, rv.Var)
        np.testing.assert_allclose(y.value, expected, rtol=1e-15)
    assert isinstance(np.float64(2.0) * x, rv.Var)


def test_value_ufuncs_and_functions_give_plain_results():
    x = rv.Var(M)
    assert isinstance(np.isfinite(x), np.ndarray) and np.isfinite(x).all()
    assert np.argmax(x) == 5 and np.shape(x) == (2, 3) and np.ndim(x) == 2
    assert np.allclose(x, M)
    assert isinstance(np.greater(x, 0.0), np.ndarray)


# --- the revad.numpy namespace ---------------------------------------------------------------


def test_namespace_forwards_numpy_names():
    assert rnp.pi == np.pi and rnp.e == np.e
    assert rnp.float32 is np.float32 and rnp.random is np.random
    z = rnp.zeros((2, 3))
    assert isinstance(z, np.ndarray) and z.shape == (2, 3)
    assert isinstance(rnp.arange(3), np.ndarray)
    assert rnp.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(AttributeError, match="no_such_name"):
        rnp.no_such_name


def test_namespace_functions_are_differentiable_and_accept_plain_values():
    assert rnp.sin(0.5) == math.sin(0.5)
    assert isinstance(rnp.sum(np.ones(3)), float)
    assert rv.grad(rnp.sin)(0.5) == math.cos(0.5)
    assert rnp.abs is rnp.absolute and rnp.round is rnp.rint


def test_array_of_vars_stacks_and_differentiates():
    a, b = rv.Var(1.0), rv.Var(2.0)
    s = rnp.array([a, b])
    assert isinstance(s, rv.Var)
    np.testing.assert_array_equal(s.value, [1.0, 2.0])
    rv.sum(s * np.array([3.0, 5.0])).backward()
    assert a.grad == 3.0 and b.grad == 5.0

    def f(x, y):
        m = rnp.array([[x, 1.0], [2.0, y * y]])
        return rv.sum(m @ np.array([1.0, 10.0]))

    assert rv.grad(f, argnums=(0, 1))(2.0, 3.0) == (1.0, 60.0)
    plain = rnp.array([1.0, 2.0])
    assert isinstance(plain, np.ndarray)
    assert rnp.array(a) is a


# --- Var methods and protocols ------------------------------------------------------------


def test_var_methods():
    x = rv.Var(M)
    for y, expected in [(x.sum(), M.sum()), (x.sum(axis=0), M.sum(0)), (x.mean(), M.mean()),
                        (x.mean(axis=1), M.mean(1)), (x.max(), M.max()),
                        (x.min(axis=0), M.min(0)), (x.reshape(3, 2), M.reshape(3, 2)),
                        (x.reshape((6,)), M.reshape(6)), (x.transpose(), M.T),
                        (x.transpose(1, 0), M.T), (x.T, M.T), (x.ravel(), M.ravel()),
                        (x.prod(), M.prod()), (x.cumsum(), M.cumsum()), (x.var(), M.var()),
                        (x.std(axis=0), M.std(0)), (x.clip(-1, 1), M.clip(-1, 1)),
                        (x.dot(np.ones(3)), M.dot(np.ones(3))), (x.swapaxes(0, 1), M.T),
                        (x.exp(), np.exp(M)), (x.tanh(), np.tanh(M))]:
        assert isinstance(y, rv.Var)
        np.testing.assert_allclose(y.value, expected, rtol=1e-14)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.dtype == np.float64
    assert rv.Var(1.0).shape == () and rv.Var(1.0).dtype == np.float64


def test_method_gradients():
    def f(x):
        return x.reshape(3, 2).T.sum(axis=0).max() + x.mean() * x.min()

    rv.check_grad(f, np.array([[0.1, 0.5, -0.3], [0.8, -0.7, 0.2]]))


def test_indexing_and_slicing():
    v = np.arange(12.0).reshape(3, 4)
    x = rv.Var(v)
    np.testing.assert_array_equal(x[1].value, v[1])
    np.testing.assert_array_equal(x[:, 1:3].value, v[:, 1:3])
    np.testing.assert_array_equal(x[..., -1].value, v[..., -1])
    np.testing.assert_array_equal(x[v > 5].value, v[v > 5])
    assert x[1, 2].item() == 6.0
    # repeated indices accumulate
    y = x[[0, 0, 2]]
    rv.sum(y).backward()
    np.testing.assert_array_equal(x.grad, [[2.0] * 4, [0.0] * 4, [1.0] * 4])
    x.zero_grad()
    (x[0, 1] * 2.0 + x[0, 1] + rv.sum(x[np.array([1, 1]), np.array([3, 3])])).backward()
    expected = np.zeros((3, 4))
    expected[0, 1] = 3.0
    expected[1, 3] = 2.0
    np.testing.assert_array_equal(x.grad, expected)


def test_index_with_a_var_index():
    x = rv.Var(np.array([10.0, 20.0, 30.0]))
    i = rv.Var(np.array([2, 0]))  # an index that is a Var carries no gradient
    y = x[i.value.astype(int)]
    np.testing.assert_array_equal(y.value, [30.0, 10.0])


def test_len_and_iteration():
    x = rv.Var(M)
    assert len(x) == 2
    rows = list(x)
    assert len(rows) == 2 and all(isinstance(r, rv.Var) for r in rows)
    np.testing.assert_array_equal(rows[1].value, M[1])
    total = rows[0] * 2.0 + rows[1]
    rv.sum(total).backward()
    np.testing.assert_array_equal(x.grad, [[2.0] * 3, [1.0] * 3])
    assert [r.item() for r in rv.Var(np.array([1.0, 2.0]))] == [1.0, 2.0]


def test_comparisons_return_plain_values():
    x = rv.Var(np.array([1.0, 2.0, 3.0]))
    for r, expected in [(x > 2, [False, False, True]), (x >= 2, [False, True, True]),
                        (x < 2, [True, False, False]), (x <= 2, [True, True, False]),
                        (x == 2, [False, True, False]), (x != 2, [True, False, True]),
                        (x > rv.Var(np.array([0.0, 5.0, 3.0])), [True, False, False]),
                        (2.5 < x, [False, False, True])]:
        assert isinstance(r, np.ndarray) and not isinstance(r, rv.Var)
        assert r.tolist() == expected
    s = rv.Var(1.0)
    assert (s < 2.0) is not None and bool(s < 2.0) and not isinstance(s < 2.0, rv.Var)
    assert bool(s == 1.0)
    assert s == s  # value comparison, yet Vars stay hashable by identity
    assert len({s, rv.Var(1.0)}) == 2


def test_python_scalar_protocols():
    x = rv.Var(1.5, name="w")
    assert f"{x:.2f}" == "1.50"
    assert "w" in repr(x) and "1.5" in repr(x)
    assert bool(rv.Var(0.0)) is False and bool(x) is True
    assert (-x).item() == -1.5 and (+x) is x and abs(rv.Var(-2.0)).item() == 2.0
    assert (2 ** rv.Var(3.0)).item() == 8.0
