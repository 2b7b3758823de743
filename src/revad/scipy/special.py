"""``revad.scipy.special``: scipy.special's functions, differentiable.

    >>> import revad as rv
    >>> from revad.scipy.special import gammaln
    >>> round(rv.grad(gammaln)(3.0), 12)   # digamma(3) = 3/2 - Euler's constant
    0.922784335098

Each primitive lives in `revad.ops.special`, beside its derivative. Orders (polygamma's
n, iv's v) are not differentiated.
"""
import numpy as _np

from ..core import Tracer as _Tracer
from ..core import value_of as _value_of
from ..ops.elementwise import absolute as _absolute
from ..ops.elementwise import exp as _exp
from ..ops.elementwise import log as _log
from ..ops.elementwise import sigmoid as expit
from ..ops.elementwise import where as _where
from ..ops.nn import log_softmax as _log_softmax
from ..ops.nn import softmax as _softmax
from ..ops.reductions import logsumexp as _logsumexp
from ..ops.reductions import sum as _sum
from ..ops.shape import normalize_axes as _normalize_axes
from ..ops.shape import python_scalar as _python_scalar
from ..ops.shape import reshape as _reshape
from ..ops.special import (
    beta, betaln, digamma, erf, erfc, erfinv, gamma, gammaln, i0, i0e, i1, i1e, iv, ive,
    log_ndtr, logit, ndtr, ndtri, polygamma, xlog1py, xlogy,
)

psi = digamma

__all__ = [
    "beta", "betaln", "digamma", "erf", "erfc", "erfinv", "expit", "gamma", "gammaln",
    "i0", "i0e", "i1", "i1e", "iv", "ive", "log_ndtr", "log_softmax", "logit",
    "logsumexp", "ndtr", "ndtri", "polygamma", "psi", "softmax", "xlog1py", "xlogy",
]


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(sum(b * exp(a))) over `axis`, computed without overflow, with
    scipy.special.logsumexp's signature; differentiable in a and b.

    With ``return_sign=True`` it returns the log of the absolute value and the sign (a
    plain constant); without it, a negative sum gives nan, as in SciPy.

        >>> import numpy as np
        >>> from revad.scipy.special import logsumexp
        >>> round(float(logsumexp(np.array([0.0, 0.0]), b=np.array([2.0, 1.0]))), 12)
        1.098612288668
        >>> logsumexp(np.array([0.0, 0.0]), b=np.array([1.0, -2.0]), return_sign=True)
        (0.0, -1.0)
    """
    if b is None and not return_sign:
        return _logsumexp(a, axis, keepdims)
    if b is None:
        b = 1.0
    shape = _np.broadcast_shapes(_np.shape(_value_of(a)), _np.shape(_value_of(b)))
    nd = len(shape)
    axes = _normalize_axes(axis, nd)
    av = _np.broadcast_to(_value_of(a), shape)
    m = _np.max(av, axis=axes, keepdims=True)
    m = _np.where(_np.isfinite(m), m, 0.0).astype(_np.result_type(av, 0.0))
    total = _sum(b * _exp(a - m), axes, keepdims=True)
    sign = _np.sign(_value_of(total))
    out = _log(_absolute(total)) + m
    if not keepdims and nd:
        out_shape = tuple(n for i, n in enumerate(shape) if i not in axes)
        out = _reshape(out, out_shape)
        sign = _np.reshape(sign, out_shape)
    if not isinstance(out, _Tracer) and _np.ndim(out) == 0:
        out = _python_scalar(_np.asarray(out)[()])
    if _np.ndim(sign) == 0:
        sign = _python_scalar(_np.asarray(sign)[()])
    if return_sign:
        return out, sign
    return _where(sign < 0, _np.nan, out)


def log_softmax(x, axis=None):
    """x - logsumexp(x) over `axis` (all axes by default, as in SciPy).

        >>> import numpy as np
        >>> from revad.scipy.special import log_softmax
        >>> np.exp(log_softmax(np.array([0.0, 0.0])))
        array([0.5, 0.5])
    """
    return _log_softmax(x, axis)


def softmax(x, axis=None):
    """exp(x) / sum(exp(x)) over `axis` (all axes by default, as in SciPy).

        >>> import numpy as np
        >>> from revad.scipy.special import softmax
        >>> softmax(np.zeros((2, 2)))
        array([[0.25, 0.25],
               [0.25, 0.25]])
    """
    return _softmax(x, axis)
