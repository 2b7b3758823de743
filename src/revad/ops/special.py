"""Special functions (those of scipy.special), each beside its derivative.

Values come from SciPy, imported when first needed (SciPy is optional: only calling one
of these on an array, or on a float without a `math` equivalent, needs it). Derivatives
are written with revad's functions, most of them with the special functions themselves
(gamma' = gamma * digamma, digamma' = polygamma(1, .), i0' = i1 ...), so they
differentiate to any order. The public namespace is `revad.scipy.special`.

Orders (polygamma's n, iv's v) are not differentiated. At removable singularities the
derivative is the limit (i1'(0) = 1/2); xlogy and xlog1py have d/dy = 0 where x == 0.
"""
import math

import numpy as np

from ..core import value_of
from ._registry import ELEMENTWISE, builtin
from .elementwise import _scaled, exp, log, log1p, reciprocal, reciprocal_unless, sign, where
from .elementwise import _unary as _math_or_array

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _scipy_special():
    try:
        from scipy import special
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("revad's special functions need SciPy for their values: "
                          "pip install scipy") from None
    return special


def _like(out, *inputs):
    """SciPy's result as revad keeps values: a Python float for Python numbers, else an
    array (or NumPy scalar) of the inputs' float type (float32 stays float32)."""
    if all(type(x) in (float, int) for x in inputs):
        return float(out)
    floats = [x for x in inputs if type(x) not in (float, int, list, tuple)
              and np.result_type(x).kind == "f"]
    dtype = np.result_type(*floats) if floats else np.dtype(np.float64)
    if np.result_type(out) != dtype:
        out = np.asarray(out, dtype)
        return out[()] if out.ndim == 0 else out
    return out


def _unary_impl(name, math_fn=None):
    """The forward function of scipy.special's `name`: `math_fn` on Python numbers
    where given (falling back to SciPy where it raises), SciPy otherwise."""
    def array_impl(x):
        return _like(getattr(_scipy_special(), name)(x), x)

    array_impl.__name__ = name
    return _math_or_array(array_impl, math_fn or array_impl)


def _nary_impl(name):
    def impl(*args):
        return _like(getattr(_scipy_special(), name)(*args), *args)
    impl.__name__ = name
    return impl


def _unary(name, vjp, doc, math_fn=None):
    return builtin(_unary_impl(name, math_fn), name, unary=True, jvp=ELEMENTWISE,
                   vjp=(vjp,), doc=doc)


# --- error function and the normal distribution -----------------------------------------

erf = _unary("erf", lambda ans, x: lambda g: g * (2.0 / _SQRT_PI) * exp(-x * x), math_fn=math.erf,
             doc="""The error function (scipy.special.erf).

        >>> import revad as rv
        >>> from revad.scipy.special import erf
        >>> round(rv.grad(erf)(0.0), 12)   # 2 / sqrt(pi)
        1.128379167096
    """)
erfc = _unary("erfc", lambda ans, x: lambda g: g * (-2.0 / _SQRT_PI) * exp(-x * x),
              math_fn=math.erfc,
              doc="""The complementary error function 1 - erf(x) (scipy.special.erfc).

        >>> from revad.scipy.special import erfc
        >>> erfc(0.0)
        1.0
    """)
erfinv = _unary("erfinv", lambda ans, x: lambda g: _scaled(g, (_SQRT_PI / 2.0) * exp(ans * ans)),
                doc="""The inverse of erf on (-1, 1) (scipy.special.erfinv).

        >>> import revad as rv
        >>> from revad.scipy.special import erfinv
        >>> round(rv.grad(erfinv)(0.0), 12)   # sqrt(pi) / 2
        0.886226925453
    """)
ndtr = _unary("ndtr", lambda ans, x: lambda g: g * exp(-0.5 * x * x) / _SQRT_2PI,
              doc="""The standard normal CDF (scipy.special.ndtr).

        >>> import revad as rv
        >>> from revad.scipy.special import ndtr
        >>> ndtr(0.0), round(rv.grad(ndtr)(0.0), 12)
        (0.5, 0.398942280401)
    """)
log_ndtr = _unary("log_ndtr",
                  lambda ans, x: lambda g: g * exp(-0.5 * x * x - _LOG_SQRT_2PI - ans),
                  doc="""log of the standard normal CDF, accurate far into the left tail
    (scipy.special.log_ndtr); its derivative pdf / cdf is computed in logs too.

        >>> import revad as rv
        >>> from revad.scipy.special import log_ndtr
        >>> round(rv.grad(log_ndtr)(-30.0), 4)   # about -x for large negative x
        30.0333
    """)
ndtri = _unary("ndtri", lambda ans, x: lambda g: _scaled(g, _SQRT_2PI * exp(0.5 * ans * ans)),
               doc="""The inverse of ndtr: the standard normal quantile function
    (scipy.special.ndtri).

        >>> from revad.scipy.special import ndtri
        >>> ndtri(0.5)
        0.0
    """)

# --- gamma and friends ------------------------------------------------------------------


def _polygamma_vjp(ans, n, x):
    return lambda g: g * polygamma(n + 1, x)


polygamma = builtin(_nary_impl("polygamma"), "polygamma", nondiff=(0,), jvp=ELEMENTWISE,
                    vjp=(None, _polygamma_vjp),
                    doc="""The n-th derivative of digamma (scipy.special.polygamma); the
    integer order n is not differentiated.

        >>> import revad as rv
        >>> from revad.scipy.special import polygamma
        >>> round(polygamma(1, 1.0), 12)   # pi**2 / 6
        1.644934066848
    """)
digamma = _unary("digamma", lambda ans, x: lambda g: g * polygamma(1, x),
                 doc="""The logarithmic derivative of gamma (scipy.special.digamma, psi).

        >>> from revad.scipy.special import digamma
        >>> round(digamma(1.0), 12)   # -Euler's constant
        -0.577215664902
    """)
gamma = _unary("gamma", lambda ans, x: lambda g: g * ans * digamma(x), math_fn=math.gamma,
               doc="""The gamma function (scipy.special.gamma).

        >>> import revad as rv
        >>> from revad.scipy.special import gamma
        >>> gamma(5.0), round(rv.grad(gamma)(1.0), 12)
        (24.0, -0.577215664902)
    """)
gammaln = _unary("gammaln", lambda ans, x: lambda g: g * digamma(x), math_fn=math.lgamma,
                 doc="""log|gamma(x)| (scipy.special.gammaln); its derivative is digamma.

        >>> import revad as rv
        >>> from revad.scipy.special import gammaln
        >>> round(rv.grad(gammaln)(1.0), 12)
        -0.577215664902
    """)


def _betaln_vjp(first):
    def rule(ans, a, b):
        return lambda g: g * (digamma(a if first else b) - digamma(a + b))
    return rule


def _beta_vjp(first):
    # beta = exp(betaln): betaln's rule, of the cotangent times beta
    betaln_rule = _betaln_vjp(first)
    return lambda ans, a, b: lambda g: betaln_rule(ans, a, b)(g * ans)


beta = builtin(_nary_impl("beta"), "beta", jvp=ELEMENTWISE,
               vjp=(_beta_vjp(True), _beta_vjp(False)),
               doc="""The beta function gamma(a) gamma(b) / gamma(a + b)
    (scipy.special.beta).

        >>> from revad.scipy.special import beta
        >>> round(beta(2.0, 3.0), 12)
        0.083333333333
    """)
betaln = builtin(_nary_impl("betaln"), "betaln", jvp=ELEMENTWISE,
                 vjp=(_betaln_vjp(True), _betaln_vjp(False)),
                 doc="""log|beta(a, b)| (scipy.special.betaln).

        >>> import revad as rv
        >>> from revad.scipy.special import betaln
        >>> round(rv.grad(betaln)(1.0, 1.0), 12)   # digamma(1) - digamma(2)
        -1.0
    """)

# --- logs and logits ----------------------------------------------------------------------

logit = _unary("logit", lambda ans, x: lambda g: _scaled(g, reciprocal(x * (1.0 - x))),
               doc="""log(p / (1 - p)), the inverse of expit (scipy.special.logit).

        >>> import revad as rv
        >>> from revad.scipy.special import logit
        >>> logit(0.5), rv.grad(logit)(0.5)
        (0.0, 4.0)
    """)


def _over_unless_zero(x, y):
    """x / y, and 0 where x == 0 (whatever y is)."""
    return x * reciprocal_unless(y, value_of(x) == 0)


xlogy = builtin(_nary_impl("xlogy"), "xlogy", jvp=ELEMENTWISE,
                vjp=(lambda ans, x, y: lambda g: _scaled(g, log(y)),
                     lambda ans, x, y: lambda g: g * _over_unless_zero(x, y)),
                doc="""x * log(y), and 0 where x == 0 (scipy.special.xlogy); its
    derivative in y is x / y, and 0 where x == 0.

        >>> import revad as rv
        >>> from revad.scipy.special import xlogy
        >>> xlogy(0.0, 0.0), rv.grad(xlogy, argnums=1)(0.0, 0.0)
        (0.0, 0.0)
    """)
xlog1py = builtin(_nary_impl("xlog1py"), "xlog1py", jvp=ELEMENTWISE,
                  vjp=(lambda ans, x, y: lambda g: _scaled(g, log1p(y)),
                       lambda ans, x, y: lambda g: g * _over_unless_zero(x, 1.0 + y)),
                  doc="""x * log1p(y), and 0 where x == 0 (scipy.special.xlog1py).

        >>> import revad as rv
        >>> from revad.scipy.special import xlog1py
        >>> rv.grad(xlog1py, argnums=1)(2.0, 1.0)
        1.0
    """)

# --- modified Bessel functions of the first kind ------------------------------------------


def _bessel1_vjp(order0, scaled):
    """i1'(x) = i0(x) - i1(x) / x, and for the scaled i1e = exp(-|x|) i1 that minus
    sign(x) i1e(x), with `order0()` the matching i0 or i0e; the limit at x = 0 is 1/2."""
    def rule(ans, x):
        def vjp(g):
            zero = value_of(x) == 0
            d = order0()(x) - ans * reciprocal_unless(x, zero)
            return g * where(zero, 0.5, d - sign(x) * ans if scaled else d)
        return vjp
    return rule


i0 = _unary("i0", lambda ans, x: lambda g: g * i1(x),
            doc="""The modified Bessel function of order 0 (scipy.special.i0).

        >>> from revad.scipy.special import i0
        >>> i0(0.0)
        1.0
    """)
i1 = _unary("i1", _bessel1_vjp(lambda: i0, scaled=False),
            doc="""The modified Bessel function of order 1 (scipy.special.i1).

        >>> import revad as rv
        >>> from revad.scipy.special import i1
        >>> i1(0.0), rv.grad(i1)(0.0)
        (0.0, 0.5)
    """)
i0e = _unary("i0e", lambda ans, x: lambda g: g * (i1e(x) - sign(x) * ans),
             doc="""exp(-|x|) i0(x) (scipy.special.i0e), which does not overflow.

        >>> from revad.scipy.special import i0e
        >>> i0e(0.0)
        1.0
    """)
i1e = _unary("i1e", _bessel1_vjp(lambda: i0e, scaled=True),
             doc="""exp(-|x|) i1(x) (scipy.special.i1e), which does not overflow.

        >>> import revad as rv
        >>> from revad.scipy.special import i1e
        >>> rv.grad(i1e)(0.0)
        0.5
    """)


def _iv_vjp(ans, v, z):
    # I_v'(z) = (I_{v-1}(z) + I_{v+1}(z)) / 2
    return lambda g: g * 0.5 * (iv(v - 1, z) + iv(v + 1, z))


def _ive_vjp(ans, v, z):
    # ive = iv(v, z) exp(-|z|)
    return lambda g: g * (0.5 * (ive(v - 1, z) + ive(v + 1, z)) - sign(z) * ans)


iv = builtin(_nary_impl("iv"), "iv", nondiff=(0,), jvp=ELEMENTWISE, vjp=(None, _iv_vjp),
             doc="""The modified Bessel function of real order v (scipy.special.iv);
    differentiable in z (not in the order).

        >>> import revad as rv
        >>> from revad.scipy.special import iv
        >>> rv.grad(iv, argnums=1)(1.0, 0.0)
        0.5
    """)
ive = builtin(_nary_impl("ive"), "ive", nondiff=(0,), jvp=ELEMENTWISE, vjp=(None, _ive_vjp),
              doc="""iv(v, z) exp(-|z|) (scipy.special.ive); differentiable in z.

        >>> import revad as rv
        >>> from revad.scipy.special import ive
        >>> ive(0.0, 0.0)
        1.0
    """)
