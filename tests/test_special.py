"""revad.scipy.special and revad.scipy.stats: values against SciPy, closed-form and
higher derivatives, special points. (The op-spec table checks every function's values,
finite differences, float32 and forward mode too.)"""
import math

import numpy as np
import pytest

import revad as rv
from conftest import run_docstring_examples
import revad.numpy as rnp
import revad.scipy.special as sp
from revad.scipy.stats import multivariate_normal, norm

scipy_special = pytest.importorskip("scipy.special")
scipy_stats = pytest.importorskip("scipy.stats")

UNARY = ["erf", "erfc", "erfinv", "ndtr", "log_ndtr", "ndtri", "gamma", "gammaln",
         "digamma", "logit", "expit", "i0", "i1", "i0e", "i1e"]
DOMAIN = {"erfinv": (-0.9, 0.9), "ndtri": (0.05, 0.95), "logit": (0.05, 0.95),
          "gamma": (0.3, 4.0), "gammaln": (0.3, 4.0), "digamma": (0.3, 4.0)}


@pytest.mark.parametrize("name", UNARY)
def test_values_agree_with_scipy_for_floats_arrays_and_float32(name):
    lo, hi = DOMAIN.get(name, (-2.5, 2.5))
    x = np.linspace(lo, hi, 7)
    ours, theirs = getattr(sp, name), getattr(scipy_special, name)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-13)
    out = ours(float(x[2]))
    assert type(out) is float and out == pytest.approx(theirs(x[2]), rel=1e-13)
    out32 = ours(x.astype(np.float32))
    assert out32.dtype == np.float32
    g = rv.grad(lambda t: rnp.sum(ours(t)))(x.astype(np.float32))
    assert g.dtype == np.float32


def d(f, x):
    return rv.grad(f)(x)


def test_closed_form_derivatives():
    x = 0.7
    assert d(sp.erf, x) == pytest.approx(2 / math.sqrt(math.pi) * math.exp(-x * x), rel=1e-14)
    assert d(sp.erfc, x) == pytest.approx(-2 / math.sqrt(math.pi) * math.exp(-x * x), rel=1e-14)
    y = scipy_special.erfinv(x)
    assert d(sp.erfinv, x) == pytest.approx(math.sqrt(math.pi) / 2 * math.exp(y * y), rel=1e-13)
    assert d(sp.gamma, x) == pytest.approx(math.gamma(x) * scipy_special.digamma(x), rel=1e-13)
    assert d(sp.gammaln, x) == pytest.approx(scipy_special.digamma(x), rel=1e-14)
    assert d(sp.digamma, x) == pytest.approx(scipy_special.polygamma(1, x), rel=1e-14)
    for n in range(4):
        assert d(lambda t: sp.polygamma(n, t), x) == pytest.approx(
            scipy_special.polygamma(n + 1, x), rel=1e-13)
    assert d(sp.i0, x) == pytest.approx(scipy_special.i1(x), rel=1e-14)
    assert d(sp.i1, x) == pytest.approx(scipy_special.i0(x) - scipy_special.i1(x) / x, rel=1e-13)
    assert d(sp.logit, 0.2) == pytest.approx(1 / (0.2 * 0.8), rel=1e-14)
    assert d(sp.expit, 0.0) == 0.25
    a, b = 1.5, 2.5
    ga, gb = rv.grad(sp.betaln, argnums=(0, 1))(a, b)
    psi = scipy_special.digamma
    assert ga == pytest.approx(psi(a) - psi(a + b), rel=1e-13)
    assert gb == pytest.approx(psi(b) - psi(a + b), rel=1e-13)
    ga, _ = rv.grad(sp.beta, argnums=(0, 1))(a, b)
    assert ga == pytest.approx(scipy_special.beta(a, b) * (psi(a) - psi(a + b)), rel=1e-13)


def test_exponentially_scaled_bessel_functions_follow_their_definitions():
    z = np.array([-2.0, -0.3, 0.4, 1.7])
    for v in (0.0, 1.0, 2.5):
        scaled = rv.grad(lambda z: rnp.sum(sp.ive(v, z)))(np.abs(z))
        by_definition = rv.grad(lambda z: rnp.sum(sp.iv(v, z) * rnp.exp(-rnp.abs(z))))(np.abs(z))
        np.testing.assert_allclose(scaled, by_definition, rtol=1e-12)
    np.testing.assert_allclose(rv.grad(lambda z: rnp.sum(sp.i0e(z)))(z),
                               rv.grad(lambda z: rnp.sum(sp.ive(0.0, z)))(z), rtol=1e-12)
    np.testing.assert_allclose(rv.grad(lambda z: rnp.sum(sp.i1e(z)))(z),
                               rv.grad(lambda z: rnp.sum(sp.ive(1.0, z)))(z), rtol=1e-12)


def test_removable_singularities_at_zero():
    assert rv.grad(sp.i1)(0.0) == 0.5 and rv.grad(sp.i1e)(0.0) == 0.5
    np.testing.assert_array_equal(rv.grad(lambda x: rnp.sum(sp.i1(x)))(np.zeros(2)), [0.5, 0.5])
    assert rv.grad(sp.i0)(0.0) == 0.0


def test_second_and_third_derivatives_go_through_the_special_functions():
    x = 1.3
    assert rv.grad(rv.grad(sp.gammaln))(x) == pytest.approx(scipy_special.polygamma(1, x),
                                                           rel=1e-13)
    assert rv.grad(rv.grad(rv.grad(sp.gammaln)))(x) == pytest.approx(
        scipy_special.polygamma(2, x), rel=1e-12)
    h = rv.hessian(lambda t: rnp.sum(sp.digamma(t)))(np.array([0.5, 2.0]))
    np.testing.assert_allclose(h, np.diag(scipy_special.polygamma(2, [0.5, 2.0])), rtol=1e-12)
    # erf'' = -2x erf'
    assert rv.grad(rv.grad(sp.erf))(x) == pytest.approx(
        -2 * x * 2 / math.sqrt(math.pi) * math.exp(-x * x), rel=1e-13)


def test_xlogy_and_xlog1py_at_x_zero():
    assert sp.xlogy(0.0, 0.0) == 0.0
    gx, gy = rv.grad(sp.xlogy, argnums=(0, 1))(0.0, 2.0)
    assert gx == pytest.approx(math.log(2.0)) and gy == 0.0
    assert rv.grad(sp.xlogy, argnums=1)(0.0, 0.0) == 0.0
    p = np.array([0.0, 0.25, 0.75])
    g = rv.grad(lambda p: -rnp.sum(sp.xlogy(p, 0.5)))(p)          # cross-entropy
    np.testing.assert_allclose(g, -np.log(0.5) * np.ones(3))
    assert rv.grad(sp.xlog1py, argnums=1)(0.0, -1.0) == 0.0
    assert rv.grad(sp.xlog1py, argnums=1)(3.0, 1.0) == 1.5


def test_log_ndtr_and_logcdf_far_in_the_tail():
    for x in (-40.0, -10.0, 5.0):
        assert sp.log_ndtr(x) == pytest.approx(scipy_special.log_ndtr(x), rel=1e-13)
        # d/dx log Phi(x) = phi(x) / Phi(x), about -x for large negative x
        expected = math.exp(scipy_stats.norm.logpdf(x) - scipy_special.log_ndtr(x))
        assert rv.grad(sp.log_ndtr)(x) == pytest.approx(expected, rel=1e-12)
        assert math.isfinite(rv.grad(norm.logcdf)(x))


def test_logsumexp_with_weights_and_signs():
    a = np.array([[0.5, 1.0, -2.0], [3.0, 0.0, 1.0]])
    b = np.array([[1.0, 0.0, 2.0], [0.5, 1.0, 0.0]])
    for axis in (None, 0, 1, (0, 1)):
        for keepdims in (False, True):
            np.testing.assert_allclose(sp.logsumexp(a, axis=axis, b=b, keepdims=keepdims),
                                       scipy_special.logsumexp(a, axis=axis, b=b,
                                                               keepdims=keepdims), rtol=1e-13)
    # zero weights: no nan in the gradient, and the weighted softmax as the gradient
    ga, gb = rv.grad(lambda a, b: sp.logsumexp(a, b=b), argnums=(0, 1))(a, b)
    w = b * np.exp(a)
    np.testing.assert_allclose(ga, w / w.sum(), rtol=1e-13)
    np.testing.assert_allclose(gb, np.exp(a) / w.sum(), rtol=1e-13)
    signed = np.array([1.0, -3.0, 0.5])
    out, sign = sp.logsumexp(np.zeros(3), b=signed, return_sign=True)
    ref = scipy_special.logsumexp(np.zeros(3), b=signed, return_sign=True)
    assert out == pytest.approx(ref[0], rel=1e-14) and sign == ref[1] == -1.0
    with np.errstate(invalid="ignore"):
        assert math.isnan(sp.logsumexp(np.zeros(3), b=signed))
    assert sp.logsumexp(np.array([1.0, 2.0])) == pytest.approx(
        scipy_special.logsumexp([1.0, 2.0]), rel=1e-15)


def test_softmax_defaults_to_all_axes_as_in_scipy():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(sp.softmax(x), scipy_special.softmax(x), rtol=1e-14)
    np.testing.assert_allclose(sp.log_softmax(x, axis=0), scipy_special.log_softmax(x, axis=0),
                               rtol=1e-14)


def test_normal_distribution_derivatives_in_loc_and_scale():
    x, loc, scale = 1.3, -0.4, 1.7
    z = (x - loc) / scale
    gx, gl, gs = rv.grad(norm.logpdf, argnums=(0, 1, 2))(x, loc, scale)
    assert gx == pytest.approx(-z / scale) and gl == pytest.approx(z / scale)
    assert gs == pytest.approx((z * z - 1) / scale)
    assert rv.grad(norm.cdf)(x, loc, scale) == pytest.approx(
        scipy_stats.norm.pdf(x, loc, scale), rel=1e-13)
    q = 0.8
    assert rv.grad(norm.ppf)(q, loc, scale) == pytest.approx(
        1 / scipy_stats.norm.pdf(norm.ppf(q, loc, scale), loc, scale), rel=1e-12)
    for name in ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf"):
        xs = np.linspace(-3, 3, 5)
        np.testing.assert_allclose(getattr(norm, name)(xs, loc, scale),
                                   getattr(scipy_stats.norm, name)(xs, loc, scale), rtol=1e-12)


def test_multivariate_normal_closed_form_gradients(rng):
    d = 3
    a = rng.standard_normal((d, d))
    cov = a @ a.T + d * np.eye(d)
    mean, x = rng.standard_normal(d), rng.standard_normal(d)
    assert multivariate_normal.logpdf(x, mean, cov) == pytest.approx(
        scipy_stats.multivariate_normal.logpdf(x, mean, cov), rel=1e-13)
    gx, gm, gc = rv.grad(multivariate_normal.logpdf, argnums=(0, 1, 2))(x, mean, cov)
    inv = np.linalg.inv(cov)
    r = inv @ (x - mean)
    np.testing.assert_allclose(gm, r, rtol=1e-12)
    np.testing.assert_allclose(gx, -r, rtol=1e-12)
    np.testing.assert_allclose(gc, 0.5 * (np.outer(r, r) - inv), rtol=1e-11, atol=1e-14)
    xs = rng.standard_normal((2, 4, d))
    np.testing.assert_allclose(multivariate_normal.logpdf(xs, mean, cov),
                               scipy_stats.multivariate_normal.logpdf(xs, mean, cov), rtol=1e-12)
    np.testing.assert_allclose(multivariate_normal.pdf(xs, mean, np.diag(cov)),
                               scipy_stats.multivariate_normal.pdf(xs, mean, np.diag(cov)),
                               rtol=1e-12)
    np.testing.assert_allclose(multivariate_normal.logpdf(xs[0, :, 0], 0.5, 2.0),
                               scipy_stats.multivariate_normal.logpdf(xs[0, :, 0], 0.5, 2.0),
                               rtol=1e-12)
    with pytest.raises(NotImplementedError, match="allow_singular"):
        multivariate_normal.logpdf(x, mean, cov, allow_singular=True)


def test_maximum_likelihood_fit_of_a_normal_by_gradient_descent(rng):
    data = rng.normal(2.0, 0.5, size=200)

    def nll(params):
        return -rnp.sum(norm.logpdf(data, params[0], rnp.exp(params[1])))

    p = np.array([0.0, 0.0])
    for _ in range(300):
        p = p - 0.002 * rv.grad(nll)(p)
    assert p[0] == pytest.approx(data.mean(), abs=1e-3)
    assert math.exp(p[1]) == pytest.approx(data.std(), abs=1e-3)


@pytest.mark.parametrize("name", sp.__all__)
def test_special_examples_run(name):
    run_docstring_examples(getattr(sp, name))


@pytest.mark.parametrize("method", ["pdf", "logpdf", "cdf", "logcdf", "sf", "logsf", "ppf"])
def test_norm_examples_run(method):
    run_docstring_examples(getattr(norm, method))


def test_special_functions_take_lists_as_numpy_does():
    np.testing.assert_allclose(sp.erf([0.3, 0.4]), [math.erf(0.3), math.erf(0.4)])
