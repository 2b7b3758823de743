"""``revad.scipy.stats``: the normal distributions of scipy.stats, differentiable in
their arguments and parameters.

    >>> import revad as rv
    >>> from revad.scipy.stats import norm
    >>> rv.grad(norm.logpdf)(1.0)   # d/dx of -x**2 / 2
    -1.0
"""
import math

import numpy as _np

from ..core import Tracer as _Tracer
from ..core import _checked_value
from ..ops.elementwise import exp as _exp
from ..ops.elementwise import log as _log
from ..ops.matrix import _diag_embed, _eye, _T, cholesky as _cholesky
from ..ops.matrix import solve_triangular as _solve_triangular
from ..ops.reductions import sum as _sum
from ..ops.shape import diagonal as _diagonal
from ..ops.shape import expand_dims as _expand_dims
from ..ops.shape import reshape as _reshape
from ..ops.shape import shape_of as _shape_of
from ..ops.special import log_ndtr as _log_ndtr
from ..ops.special import ndtr as _ndtr
from ..ops.special import ndtri as _ndtri

__all__ = ["multivariate_normal", "norm"]

_LOG_2PI = math.log(2.0 * math.pi)


def _operand(x):
    """Vars as they are; numbers and lists as revad's ops take them (floats, arrays)."""
    return x if isinstance(x, _Tracer) else _checked_value(x, "argument", copy=False)


class _Norm:
    """The normal distribution with mean `loc` and standard deviation `scale`, like
    scipy.stats.norm: each method is differentiable in x (or q) and in loc and scale."""

    @staticmethod
    def _z(x, loc, scale):
        return (_operand(x) - _operand(loc)) / _operand(scale)

    def logpdf(self, x, loc=0.0, scale=1.0):
        """log of the density.

            >>> from revad.scipy.stats import norm
            >>> round(norm.logpdf(0.0), 12)
            -0.918938533205
        """
        z = self._z(x, loc, scale)
        return -0.5 * z * z - _log(_operand(scale)) - 0.5 * _LOG_2PI

    def pdf(self, x, loc=0.0, scale=1.0):
        """The density.

            >>> import revad as rv
            >>> from revad.scipy.stats import norm
            >>> round(rv.grad(norm.pdf, argnums=2)(1.0, 0.0, 1.0), 12)  # d/dscale
            0.0
        """
        return _exp(self.logpdf(x, loc, scale))

    def cdf(self, x, loc=0.0, scale=1.0):
        """The distribution function P(X <= x).

            >>> from revad.scipy.stats import norm
            >>> norm.cdf(3.0, loc=3.0, scale=2.0)
            0.5
        """
        return _ndtr(self._z(x, loc, scale))

    def logcdf(self, x, loc=0.0, scale=1.0):
        """log P(X <= x), accurate far into the left tail.

            >>> from revad.scipy.stats import norm
            >>> round(float(norm.logcdf(-40.0)), 3)
            -804.608
        """
        return _log_ndtr(self._z(x, loc, scale))

    def sf(self, x, loc=0.0, scale=1.0):
        """The survival function P(X > x).

            >>> from revad.scipy.stats import norm
            >>> norm.sf(0.0)
            0.5
        """
        return _ndtr(-self._z(x, loc, scale))

    def logsf(self, x, loc=0.0, scale=1.0):
        """log P(X > x), accurate far into the right tail.

            >>> from revad.scipy.stats import norm
            >>> round(float(norm.logsf(40.0)), 3)
            -804.608
        """
        return _log_ndtr(-self._z(x, loc, scale))

    def ppf(self, q, loc=0.0, scale=1.0):
        """The quantile function, the inverse of cdf.

            >>> from revad.scipy.stats import norm
            >>> norm.ppf(0.5, loc=2.0)
            2.0
        """
        return _operand(loc) + _operand(scale) * _ndtri(_operand(q))


class _MultivariateNormal:
    """The multivariate normal distribution, like scipy.stats.multivariate_normal."""

    def logpdf(self, x, mean=None, cov=1.0, allow_singular=False):
        """log of the density at the points x (shape (..., d), or (...) when d == 1),
        differentiable in x, mean and cov (a d x d positive definite matrix, a vector of
        variances, or one variance). The dimension d is cov's, else mean's, else 1, as
        in SciPy. It goes through the Cholesky factor of cov, read
        as (cov + cov^T) / 2, so the gradient in cov is symmetric.

            >>> import numpy as np, revad as rv
            >>> from revad.scipy.stats import multivariate_normal
            >>> cov = np.array([[2.0, 0.0], [0.0, 2.0]])
            >>> round(float(multivariate_normal.logpdf(np.zeros(2), cov=cov)), 12)
            -2.531024246969
            >>> rv.grad(lambda m: multivariate_normal.logpdf(np.ones(2), m, cov))(np.zeros(2))
            array([0.5, 0.5])
        """
        if allow_singular:
            raise NotImplementedError("multivariate_normal.logpdf: allow_singular=True "
                                      "is not supported (cov must be positive definite)")
        x, cov = _operand(x), _operand(cov)
        mean = None if mean is None else _operand(mean)
        cov_nd = len(_shape_of(cov))
        if cov_nd >= 1:
            d = _shape_of(cov)[-1]
        elif mean is not None and len(_shape_of(mean)) >= 1:
            d = _shape_of(mean)[-1]
        else:
            d = 1
        if cov_nd == 0:
            cov = cov * _eye(d, cov)
        elif cov_nd == 1:
            cov = _diag_embed(cov)
        elif cov_nd != 2:
            raise ValueError("multivariate_normal: cov must be 0-, 1- or 2-d")
        x_shape = _shape_of(x)
        if d == 1 and (not x_shape or x_shape[-1] != 1):
            x = _expand_dims(x, -1)  # scalars, or a batch of 1-d points
        diff = x if mean is None else x - mean
        lower = _cholesky(cov)
        batch = _shape_of(diff)[:-1]
        if batch:
            flat = _T(_reshape(diff, (-1, d)))                      # (d, points)
            z = _solve_triangular(lower, flat, lower=True)
            maha = _reshape(_sum(z * z, axis=0), batch)
        else:
            z = _solve_triangular(lower, diff, lower=True)
            maha = _sum(z * z)
        log_det = 2.0 * _sum(_log(_diagonal(lower, 0, -2, -1)))
        return -0.5 * (maha + log_det + d * _LOG_2PI)

    def pdf(self, x, mean=None, cov=1.0, allow_singular=False):
        """The density at x (see logpdf).

            >>> import numpy as np
            >>> from revad.scipy.stats import multivariate_normal
            >>> cov = np.eye(2)
            >>> round(float(multivariate_normal.pdf(np.zeros(2), cov=cov)), 12)  # 1 / (2 pi)
            0.159154943092
        """
        return _exp(self.logpdf(x, mean, cov, allow_singular))


norm = _Norm()
multivariate_normal = _MultivariateNormal()
