"""revad.numpy.linalg and the NumPy extras (sort, cumprod, convolve ...): closed-form
derivatives, edge cases and second derivatives. Values, finite differences, float32 and
forward mode for every function are in the op-spec table (`op_specs.py`)."""
import subprocess
import sys

import numpy as np
import pytest

import revad as rv
from conftest import run_docstring_examples
import revad.numpy as rnp
from revad.ops import PRIMITIVES
from revad.ops import shape as shape_ops

la = rnp.linalg


def well_conditioned(rng, *shape):
    return rng.uniform(-1, 1, shape) + 3.0 * np.eye(shape[-1])


def spd(rng, n):
    a = rng.standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


def symmetric_with(rng, w):
    q = np.linalg.qr(rng.standard_normal((len(w), len(w))))[0]
    out = (q * np.asarray(w)) @ q.T
    return 0.5 * (out + out.T)


def hessian_by_differences(f, x, h=1e-5):
    g = rv.grad(f)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = h
        e = e.reshape(x.shape)
        cols.append((g(x + e) - g(x - e)) / (2 * h))
    return np.stack(cols, axis=-1).reshape(x.shape * 2)


# --- the namespace ------------------------------------------------------------------------


def test_linalg_namespace_forwards_numpys_other_names():
    assert rnp.linalg is rv.numpy.linalg
    assert la.LinAlgError is np.linalg.LinAlgError
    assert la.matrix_rank(np.eye(3)) == 3
    with pytest.raises(AttributeError, match="revad.numpy.linalg"):
        la.no_such_function
    for name in ("inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "svd",
                 "svdvals", "qr", "norm", "pinv", "matrix_power", "solve_triangular"):
        assert getattr(la, name).__doc__, name


def test_plain_inputs_give_plain_outputs():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    assert type(la.det(a)) is float and type(la.slogdet(a)[1]) is float
    for out in (la.inv(a), la.cholesky(a), *la.eigh(a), *la.svd(a), *la.qr(a), la.pinv(a)):
        assert type(out) is np.ndarray
    u, s, vh = la.svd(np.ones((3, 2)))            # full_matrices=True is fine on plain values
    assert u.shape == (3, 3)


def test_singular_matrix_raises_numpys_error():
    with pytest.raises(np.linalg.LinAlgError):
        la.inv(rv.Var(np.zeros((2, 2))))


# --- determinants and inverses: closed forms ------------------------------------------------


def test_gradient_of_log_abs_det_is_the_inverse_transpose(rng):
    a = well_conditioned(rng, 4, 4)
    a[0] *= -1.0                                      # negative determinant too
    g = rv.grad(lambda a: la.slogdet(a)[1])(a)
    np.testing.assert_allclose(g, np.linalg.inv(a).T, rtol=1e-12, atol=1e-14)
    sign, logdet = la.slogdet(rv.Var(a))
    assert sign == np.sign(np.linalg.det(a)) and not isinstance(sign, rv.Var)
    batch = well_conditioned(rng, 3, 2, 2)
    g = rv.grad(lambda a: rnp.sum(la.slogdet(a)[1]))(batch)
    np.testing.assert_allclose(g, np.swapaxes(np.linalg.inv(batch), -1, -2), rtol=1e-12)


def test_slogdet_factorises_once_per_level(rng, monkeypatch):
    a = well_conditioned(rng, 4, 4)
    calls = []
    slogdet = np.linalg.slogdet
    monkeypatch.setattr(np.linalg, "slogdet", lambda x: calls.append(1) or slogdet(x))
    rv.grad(lambda a: la.slogdet(a)[1])(a)
    rv.jvp(lambda a: la.slogdet(a)[1], (a,), (np.eye(4),))
    assert len(calls) == 2  # the sign comes with log|det|, not from a second factorisation
    t = rng.standard_normal((4, 4))
    tangent = rv.jvp(lambda a: la.slogdet(a)[1], (a,), (t,))[1]
    assert tangent == pytest.approx(np.sum(np.linalg.inv(a).T * t), rel=1e-12)


def test_gradient_of_det_and_inverse(rng):
    a = well_conditioned(rng, 3, 3)
    np.testing.assert_allclose(rv.grad(la.det)(a), np.linalg.det(a) * np.linalg.inv(a).T,
                               rtol=1e-12)
    # d inv(a)[0, 1] = -inv(a)[0, :] da inv(a)[:, 1]
    inv = np.linalg.inv(a)
    g = rv.grad(lambda a: la.inv(a)[0, 1])(a)
    np.testing.assert_allclose(g, -np.outer(inv[0, :], inv[:, 1]), rtol=1e-12)


def test_second_derivative_of_log_det(rng):
    # d2 log det(A) / dA_ij dA_kl = -inv(A)[j, k] inv(A)[l, i]
    a = well_conditioned(rng, 3, 3)
    h = rv.hessian(lambda a: la.slogdet(a)[1])(a)
    inv = np.linalg.inv(a)
    expected = -np.einsum("jk,li->ijkl", inv, inv)
    np.testing.assert_allclose(h, expected, rtol=1e-10, atol=1e-12)


def test_solve_matches_inverse_for_one_and_many_right_hand_sides(rng):
    a = well_conditioned(rng, 2, 3, 3)
    b1, b2 = rng.standard_normal(3), rng.standard_normal((2, 3, 4))
    np.testing.assert_allclose(la.solve(a, b1), np.einsum("...ij,j->...i", np.linalg.inv(a), b1),
                               rtol=1e-12)
    ga, gb = rv.grad(lambda a, b: rnp.sum(la.solve(a, b) ** 2), argnums=(0, 1))(a, b1)
    ga2, gb2 = rv.grad(lambda a, b: rnp.sum(rnp.einsum("...ij,j->...i", la.inv(a), b) ** 2),
                       argnums=(0, 1))(a, b1)
    np.testing.assert_allclose(ga, ga2, rtol=1e-10)
    np.testing.assert_allclose(gb, gb2, rtol=1e-10)
    assert gb.shape == (3,)
    rv.check_grad(lambda a, b: la.solve(a, b), a, b2)


def test_solve_triangular_reads_one_triangle(rng):
    import scipy.linalg
    a = well_conditioned(rng, 4, 4)
    b = rng.standard_normal((4, 2))
    for lower in (True, False):
        np.testing.assert_allclose(la.solve_triangular(a, b, lower=lower),
                                   scipy.linalg.solve_triangular(a, b, lower=lower), rtol=1e-12)
        g = rv.grad(lambda a: rnp.sum(la.solve_triangular(a, b, lower=lower)))(a)
        other = np.triu(g, 1) if lower else np.tril(g, -1)
        assert np.all(other == 0.0)


# --- Cholesky, eigh: symmetric inputs -------------------------------------------------------


def test_cholesky_gradient_is_symmetric_and_gives_half_the_inverse(rng):
    a = spd(rng, 4)
    # log det A = 2 sum(log diag L), so d/dA sum(log diag L) = A^-1 / 2
    g = rv.grad(lambda a: rnp.sum(rnp.log(rnp.diagonal(la.cholesky(a)))))(a)
    np.testing.assert_allclose(g, 0.5 * np.linalg.inv(a), rtol=1e-12)
    g = rv.grad(lambda a: rnp.sum(la.cholesky(a) * np.arange(16.0).reshape(4, 4)))(a)
    np.testing.assert_allclose(g, g.T, rtol=1e-14)


def test_eigenvalue_gradient_is_the_eigenvector_outer_product(rng):
    a = symmetric_with(rng, [-1.0, 0.5, 2.0, 4.0])
    w, v = np.linalg.eigh(a)
    for i in range(4):
        g = rv.grad(lambda a: la.eigvalsh(a)[i])(a)
        np.testing.assert_allclose(g, np.outer(v[:, i], v[:, i]), atol=1e-12)
        g = rv.grad(lambda a: la.eigh(a)[0][i])(a)
        np.testing.assert_allclose(g, np.outer(v[:, i], v[:, i]), atol=1e-12)
    # the gradient is symmetric: a is read as (a + a^T) / 2
    lopsided = a + np.triu(np.ones((4, 4)), 1)
    np.testing.assert_allclose(la.eigvalsh(lopsided), np.linalg.eigvalsh(
        0.5 * (lopsided + lopsided.T)), rtol=1e-12)
    g = rv.grad(lambda a: la.eigvalsh(a)[3])(lopsided)
    np.testing.assert_allclose(g, g.T, atol=1e-15)


def test_eigenvector_gradient_of_a_sign_free_function(rng):
    a = symmetric_with(rng, [-1.0, 0.5, 2.0])
    c = rng.standard_normal((3, 3))
    f = lambda a: rnp.sum(la.eigh(a)[1] ** 2 * c)      # noqa: E731  (v**2 is sign-free)
    rv.check_grad(f, a)
    np.testing.assert_allclose(rv.hessian(f)(a), hessian_by_differences(f, a), atol=1e-6)


@pytest.mark.parametrize("rotate", [False, True])
def test_repeated_eigenvalues_give_the_gradient_of_basis_free_functions(rng, rotate):
    a = np.diag([1.0, 1.0, 3.0])
    if rotate:  # the computed eigenvalues then differ by rounding only
        a = symmetric_with(rng, [1.0, 1.0, 3.0])
    c = rng.standard_normal((3, 3))
    c = c + c.T

    def projector_term(a):
        v = la.eigh(a)[1][:, :2]          # basis of the repeated eigenspace: not unique
        return rnp.sum((v @ v.T) * c)     # but its projector is

    g = rv.grad(projector_term)(a)
    assert np.isfinite(g).all()
    rv.check_grad(projector_term, a, eps=1e-6)
    np.testing.assert_allclose(rv.grad(lambda a: rnp.sum(la.eigh(a)[0]))(a), np.eye(3),
                               atol=1e-12)


def test_batched_eigh_matches_a_loop(rng):
    a = np.stack([symmetric_with(rng, [0.0, 1.0, 3.0]) for _ in range(3)])
    c = rng.standard_normal((3, 3))
    f = lambda a: rnp.sum(la.eigh(a)[1] ** 2 * c) + rnp.sum(la.eigh(a)[0] ** 2)  # noqa: E731
    g = rv.grad(f)(a)
    for k in range(3):
        np.testing.assert_allclose(g[k], rv.grad(f)(a[k]), rtol=1e-12, atol=1e-14)


# --- SVD, QR, pinv, norms -----------------------------------------------------------------


def test_svd_gradients_closed_forms(rng):
    a = rng.standard_normal((5, 3))
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    # nuclear norm: U V^T; spectral norm: u1 v1^T
    np.testing.assert_allclose(rv.grad(lambda a: la.norm(a, "nuc"))(a), u @ vh, atol=1e-12)
    np.testing.assert_allclose(rv.grad(lambda a: la.norm(a, 2))(a), np.outer(u[:, 0], vh[0]),
                               atol=1e-12)
    np.testing.assert_allclose(rv.grad(lambda a: la.norm(a, -2))(a),
                               np.outer(u[:, -1], vh[-1]), atol=1e-12)
    np.testing.assert_allclose(rv.grad(lambda a: rnp.sum(la.svd(a, compute_uv=False)))(a),
                               u @ vh, atol=1e-12)
    np.testing.assert_allclose(rv.grad(lambda a: rnp.sum(la.svd(a, full_matrices=False)[1]))(a),
                               u @ vh, atol=1e-12)


def test_svd_vectors_and_second_derivatives(rng):
    a = rng.standard_normal((4, 3))
    c = rng.standard_normal((4, 3))
    f = lambda a: rnp.sum(la.svd(a, full_matrices=False)[0] ** 2 * c)  # noqa: E731
    rv.check_grad(f, a)
    np.testing.assert_allclose(rv.hessian(f)(a), hessian_by_differences(f, a), atol=1e-5)
    u, s, vh = la.svd(rv.Var(a), full_matrices=False)
    np.testing.assert_allclose(((u * s) @ vh).value, a, atol=1e-13)


def test_full_svd_of_a_non_square_var_is_refused():
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        la.svd(rv.Var(np.ones((3, 2))))
    u, s, vh = la.svd(rv.Var(np.diag([2.0, 1.0])))   # square: full == reduced
    np.testing.assert_array_equal(s.value, [2.0, 1.0])


def test_singular_values_of_a_rank_deficient_matrix_have_finite_gradients():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    g = rv.grad(lambda a: rnp.sum(la.svd(a, full_matrices=False)[1]))(a)
    assert np.isfinite(g).all()


def test_qr_is_orthonormal_times_upper_and_differentiates_wide_matrices(rng):
    for shape in ((5, 3), (3, 3), (3, 5), (2, 4, 3)):
        a = rng.standard_normal(shape)
        q, r = la.qr(rv.Var(a))
        np.testing.assert_allclose(q.value @ r.value, a, atol=1e-13)
        k = q.shape[-1]
        np.testing.assert_allclose(np.swapaxes(q.value, -1, -2) @ q.value,
                                   np.broadcast_to(np.eye(k), q.shape[:-2] + (k, k)), atol=1e-13)
        assert np.all(np.tril(r.value, -1) == 0)
    with pytest.raises(NotImplementedError, match="complete"):
        la.qr(rv.Var(np.ones((3, 2))), mode="complete")


def test_pinv_of_an_invertible_matrix_is_its_inverse(rng):
    a = well_conditioned(rng, 3, 3)
    c = rng.standard_normal((3, 3))
    np.testing.assert_allclose(rv.grad(lambda a: rnp.sum(la.pinv(a) * c))(a),
                               rv.grad(lambda a: rnp.sum(la.inv(a) * c))(a), rtol=1e-10)


def test_pinv_gives_least_squares(rng):
    x, y = rng.standard_normal((6, 3)), rng.standard_normal(6)
    np.testing.assert_allclose(la.pinv(rv.Var(x)).value @ y,
                               np.linalg.lstsq(x, y, rcond=None)[0], rtol=1e-12)


def test_matrix_power(rng):
    a = well_conditioned(rng, 3, 3)
    np.testing.assert_allclose(la.matrix_power(a, -3), np.linalg.matrix_power(a, -3), rtol=1e-12)
    f = lambda a: rnp.sum(la.matrix_power(a, 5))  # noqa: E731
    g = lambda a: rnp.sum(a @ a @ a @ a @ a)       # noqa: E731
    np.testing.assert_allclose(rv.grad(f)(a), rv.grad(g)(a), rtol=1e-12)
    with np.errstate(invalid="ignore"):
        nan_matrix = np.array([[np.nan, 1.0], [0.0, 1.0]])
        out = la.matrix_power(rv.Var(nan_matrix), 0)
        np.testing.assert_array_equal(out.value, np.eye(2))
        np.testing.assert_array_equal(rv.grad(lambda a: rnp.sum(la.matrix_power(a, 0)))(
            nan_matrix), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="integer"):
        la.matrix_power(a, 0.5)


def test_numpy_matrix_norms_through_singular_values_agree_with_numpy(rng):
    a = rng.standard_normal((2, 3, 4))
    for ord in (2, -2, "nuc", "fro", 1, -1, np.inf, -np.inf):
        for axis in ((1, 2), (2, 0)):
            np.testing.assert_allclose(rnp.norm(rv.Var(a), ord, axis=axis).value,
                                       np.linalg.norm(a, ord, axis=axis), rtol=1e-12)
    # NumPy's own np.linalg.norm on a Var reaches revad's too
    m = rng.standard_normal((3, 3))
    assert np.linalg.norm(rv.Var(m), 2).item() == pytest.approx(np.linalg.norm(m, 2))


# --- sort, cumprod, diff, convolve, kron, grids --------------------------------------------


def test_sort_routes_the_gradient_through_the_permutation():
    x = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, -1.0]])
    w = np.array([1.0, 10.0, 100.0])
    g = rv.grad(lambda x: rnp.sum(rnp.sort(x) * w))(x)
    np.testing.assert_array_equal(g, [[100.0, 1.0, 10.0], [10.0, 100.0, 1.0]])
    g = rv.grad(lambda x: rnp.sort(x, axis=None)[-1])(x)
    np.testing.assert_array_equal(g, [[0, 0, 0], [0, 1, 0]])
    # ties keep their order: each entry still gets exactly one cotangent
    g = rv.grad(lambda x: rnp.sum(rnp.sort(x) * w))(np.array([2.0, 2.0, 1.0]))
    np.testing.assert_array_equal(g, [10.0, 100.0, 1.0])


def test_cumprod_is_exact_at_zeros_to_second_order():
    x = np.array([2.0, 0.0, 3.0, 0.0, 1.5])
    w = np.arange(1.0, 6.0)
    f = lambda x: rnp.sum(rnp.cumprod(x) * w)    # noqa: E731  (a polynomial)

    def exact_grad(x):
        return np.array([sum(w[k] * np.prod(np.delete(x[:k + 1], i)) for k in range(i, 5))
                         for i in range(5)])
    g = rv.grad(f)(x)
    assert not np.isnan(g).any()
    np.testing.assert_allclose(g, exact_grad(x), rtol=1e-15)
    np.testing.assert_allclose(rv.hessian(f)(x), hessian_by_differences(f, x), atol=1e-7)
    np.testing.assert_allclose(rv.jacfwd(rv.jacfwd(f))(x), hessian_by_differences(f, x),
                               atol=1e-7)
    m = np.array([[0.0, 2.0, 0.0], [1.0, 3.0, 2.0]])
    rv.check_grad(lambda m: rnp.cumprod(m, axis=0) + rnp.cumprod(m, axis=1), m)


def test_diff_convolve_kron_against_numpy(rng):
    x = rng.standard_normal(6)
    np.testing.assert_allclose(rnp.diff(rv.Var(x), 3).value, np.diff(x, 3), rtol=1e-14)
    np.testing.assert_array_equal(rv.grad(lambda x: rnp.sum(rnp.diff(x)))(x),
                                  [-1, 0, 0, 0, 0, 1])
    for n in (1, 2, 5):
        for m in (1, 3, 4):
            a, v = rng.standard_normal(n), rng.standard_normal(m)
            for mode in ("full", "same", "valid"):
                np.testing.assert_allclose(rnp.convolve(rv.Var(a), v, mode).value,
                                           np.convolve(a, v, mode), rtol=1e-13, atol=1e-15)
                np.testing.assert_allclose(rnp.correlate(a, rv.Var(v), mode).value,
                                           np.correlate(a, v, mode), rtol=1e-13, atol=1e-15)
    # the gradient of a full convolution is a correlation
    a, v = rng.standard_normal(5), rng.standard_normal(3)
    g = rng.standard_normal(7)
    np.testing.assert_allclose(rv.vjp(lambda a: rnp.convolve(a, v), a)[1](g)[0],
                               np.correlate(g, v, "valid"), rtol=1e-13)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((4, 2))
    np.testing.assert_allclose(rnp.kron(rv.Var(a), b).value, np.kron(a, b), rtol=1e-15)
    with pytest.raises(ValueError, match="mode"):
        rnp.convolve(a[0], b[0], "middle")


def test_meshgrid_and_broadcast_arrays_sum_gradients_back():
    x, y = np.arange(3.0), np.arange(2.0)
    gx, gy = rv.grad(lambda x, y: rnp.sum(rnp.meshgrid(x, y)[0] * rnp.meshgrid(x, y)[1]),
                     argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [1.0, 1.0, 1.0])    # sum over y
    np.testing.assert_array_equal(gy, [3.0, 3.0])         # sum over x
    a, b = rnp.broadcast_arrays(rv.Var(np.ones(3)), np.zeros((2, 1)))
    assert a.shape == b.shape == (2, 3) and isinstance(a, rv.Var)
    g = rv.grad(lambda t: rnp.sum(rnp.broadcast_arrays(t, np.zeros((4, 1)))[0]))(np.ones(3))
    np.testing.assert_array_equal(g, [4.0, 4.0, 4.0])


def test_nan_to_num_passes_the_gradient_only_where_finite():
    x = np.array([1.0, np.nan, np.inf, -np.inf, -2.0])
    out = rnp.nan_to_num(rv.Var(x), nan=-1.0, posinf=7.0, neginf=-7.0)
    np.testing.assert_array_equal(out.value, [1.0, -1.0, 7.0, -7.0, -2.0])
    g = rv.grad(lambda x: rnp.sum(rnp.nan_to_num(x) * 0.5))(x)
    np.testing.assert_array_equal(g, [0.5, 0.0, 0.0, 0.0, 0.5])
    assert rnp.nan_to_num(rv.Var(np.nan)).value == 0.0
    assert rnp.astype is shape_ops.astype


def test_new_primitives_are_registered():
    for name in ("inv", "solve", "det", "logabsdet", "solve_triangular", "cholesky", "eigh",
                 "eigvalsh", "svd", "svdvals", "qr", "pinv", "convolve", "cumprod"):
        assert name in PRIMITIVES


def test_importing_revad_does_not_import_scipy():
    code = "import sys, revad, revad.numpy, revad.scipy.special, revad.scipy.stats; " \
           "print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("fn", [
    pytest.param(f, id=f"revad.ops.matrix.{f.__name__}") for f in (
        rv.ops.matrix.logabsdet, rv.ops.matrix.eigh_packed, rv.ops.matrix.svd_packed,
        rv.ops.matrix.qr_packed)])
def test_internal_linalg_primitives_examples_run(fn):
    # the public ones run in test_docstrings.py
    run_docstring_examples(fn)


SECOND_ORDER = {
    "inv": (lambda a, c: rnp.sum(la.inv(a) * c), "wellcond"),
    "solve": (lambda a, c: rnp.sum(la.solve(a, c[0]) * c[1]), "wellcond"),
    "det": (lambda a, c: la.det(a), "wellcond"),
    "cholesky": (lambda a, c: rnp.sum(la.cholesky(a) * c), "spd"),
    "solve_triangular": (lambda a, c: rnp.sum(la.solve_triangular(a, c, lower=True) ** 2),
                         "wellcond"),
    "eigvalsh": (lambda a, c: rnp.sum(la.eigvalsh(a) * c[0]), "sym"),
    "svdvals": (lambda a, c: rnp.sum(la.svdvals(a) ** 3), "any"),
    "svd_vh": (lambda a, c: rnp.sum(la.svd(a, full_matrices=False)[2] ** 2 * c), "any"),
    "qr": (lambda a, c: rnp.sum(la.qr(a)[0] ** 2 * c) + rnp.sum(la.qr(a)[1] * c), "any"),
    "pinv": (lambda a, c: rnp.sum(la.pinv(a) * c), "any"),
    "norm_nuc": (lambda a, c: la.norm(a, "nuc"), "any"),
}


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_hessians_match_differences_of_gradients(name, rng):
    f, kind = SECOND_ORDER[name]
    a = {"wellcond": well_conditioned(rng, 3, 3), "spd": spd(rng, 3),
         "sym": symmetric_with(rng, [-1.0, 0.5, 2.0]),
         "any": rng.standard_normal((3, 3)) + 2.0 * np.eye(3)}[kind]
    c = rng.standard_normal((3, 3))
    fa = lambda a: f(a, c)  # noqa: E731
    h = rv.hessian(fa)(a)
    np.testing.assert_allclose(h, hessian_by_differences(fa, a), rtol=1e-5, atol=1e-6)
    # reverse over reverse agrees with forward over reverse
    u = rng.standard_normal((3, 3))
    rr = rv.grad(lambda a: rnp.sum(rv.grad(fa)(a) * u))(a)
    np.testing.assert_allclose(rr, np.tensordot(h, u, axes=2), rtol=1e-9, atol=1e-10)
