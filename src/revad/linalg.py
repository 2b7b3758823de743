"""``revad.numpy.linalg``: numpy.linalg's functions, differentiable (``rnp.linalg.inv``).

Every function batches over leading axes as NumPy does, and works on Vars, forward-mode
tracers and plain arrays alike. Decompositions return NumPy's named tuples' fields in
NumPy's order (``w, v = eigh(a)``, ``u, s, vh = svd(a, full_matrices=False)``,
``q, r = qr(a)``, ``sign, logabsdet = slogdet(a)``). Conventions for symmetric inputs,
repeated eigenvalues and singular matrices are in `revad.ops.matrix`. Any other name
(``LinAlgError``, ``matrix_rank`` ...) is numpy.linalg's own.
"""
from collections import namedtuple

import numpy as _np

from .core import Tracer as _Tracer
from .core import bind as _bind
from .core import numpy_fallback as _numpy_fallback
from .core import value_of as _value_of
from .ops.linalg import matmul, tensordot
from .ops.matrix import (
    cholesky, det, eigh_packed as _eigh_packed, eigvalsh, inv, logabsdet as _logabsdet,
    pinv, qr_packed as _qr_packed, solve, solve_triangular, svd_packed as _svd_packed,
    svdvals,
)
from .ops.matrix import _rows, _row, _T
from .ops.reductions import norm
from .ops.shape import concatenate as _concatenate
from .ops.shape import getitem as _getitem
from .ops.shape import python_scalar as _python_scalar
from .ops.shape import shape_of as _shape_of
from .ops.elementwise import where as _where

__all__ = [
    "cholesky", "det", "eigh", "eigvalsh", "inv", "matmul", "matrix_power",
    "matrix_transpose", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
    "solve_triangular", "svd", "svdvals", "tensordot",
]

EighResult = namedtuple("EighResult", "eigenvalues eigenvectors")
SVDResult = namedtuple("SVDResult", "U S Vh")
QRResult = namedtuple("QRResult", "Q R")
SlogdetResult = namedtuple("SlogdetResult", "sign logabsdet")


def eigh(a, UPLO="L"):
    """Eigenvalues (ascending) and unit eigenvectors (columns) of a symmetric matrix,
    as numpy.linalg.eigh.

    a is read as (a + a^T) / 2, whatever `UPLO` says (it is accepted for NumPy's
    signature), so gradients are symmetric. Eigenvector gradients divide by eigenvalue
    gaps; for exactly repeated eigenvalues the term is taken as 0, which is right for
    functions that do not depend on the basis chosen within the repeated eigenspace (see
    `revad.ops.matrix`). Eigenvectors are defined up to sign, so differentiate functions
    that do not depend on it (``v * v``, ``v @ v.T``).

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> a = np.array([[2.0, 1.0], [1.0, 2.0]])
        >>> w, v = rnp.linalg.eigh(a)
        >>> w
        array([1., 3.])
        >>> rv.grad(lambda a: rnp.linalg.eigh(a)[0][1])(a)   # v1 v1^T
        array([[0.5, 0.5],
               [0.5, 0.5]])
    """
    p = _eigh_packed(a)
    return EighResult(_row(p, 0), _rows(p, 1))


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """Singular value decomposition, as numpy.linalg.svd: ``u, s, vh`` with
    ``a = u @ (s[..., None] * vh)``, or the singular values alone (``compute_uv=False``).

    Derivatives are those of the reduced decomposition (``full_matrices=False``); for a
    non-square Var the full one's extra columns are not unique, so asking for them
    raises NotImplementedError. Singular vectors are defined up to a common sign per
    pair; singular-vector gradients divide by gaps between squared singular values and
    by the singular values (terms taken as 0 where those are exactly 0, see
    `revad.ops.matrix`).

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> a = np.array([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
        >>> u, s, vh = rnp.linalg.svd(a, full_matrices=False)
        >>> s
        array([3., 1.])
        >>> rv.grad(lambda a: rnp.sum(rnp.linalg.svd(a, compute_uv=False)))(a)
        array([[1., 0.],
               [0., 1.],
               [0., 0.]])
    """
    if not compute_uv:
        return svdvals(a)
    m, n = _shape_of(a)[-2:]
    if full_matrices and m != n:
        if not isinstance(a, _Tracer):
            return _np.linalg.svd(a, full_matrices=True)
        raise NotImplementedError(
            "revad differentiates the reduced svd only: pass full_matrices=False")
    p = _svd_packed(a)
    return SVDResult(_rows(p, 0, m), _row(p, m), _T(_rows(p, m + 1)))


def qr(a, mode="reduced"):
    """QR decomposition, as numpy.linalg.qr: ``q, r`` (``mode='reduced'``) or ``r``
    alone (``mode='r'``); differentiable where a has full rank.

    A wide a (m < n) is split as [X, Y] with X square: q, r_X = qr(X) and
    r = [r_X, q^T Y], which is NumPy's answer too.

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> q, r = rnp.linalg.qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
        >>> np.abs(r).round(6)
        array([[5. , 2.2],
               [0. , 0.4]])
    """
    if mode not in ("reduced", "r"):
        raise NotImplementedError(f"revad's qr supports mode 'reduced' and 'r', not {mode!r}")
    m, n = _shape_of(a)[-2:]
    if m < n:
        left = _getitem(a, (Ellipsis, slice(None), slice(None, m)))
        right = _getitem(a, (Ellipsis, slice(None), slice(m, None)))
        q, r = qr(left)
        r = _concatenate([r, matmul(_T(q), right)], axis=-1)
    else:
        p = _qr_packed(a)
        q, r = _rows(p, 0, m), _rows(p, m)
    return r if mode == "r" else QRResult(q, r)


def slogdet(a):
    """Sign and log|det| of a (stack of) square matrices, as numpy.linalg.slogdet.

    The sign is a plain constant (no gradient); log|det a| has gradient inv(a)^T.

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> a = np.array([[1.0, 2.0], [1.0, 1.0]])   # det -1
        >>> sign, logdet = rnp.linalg.slogdet(a)
        >>> float(sign), float(logdet)
        (-1.0, 0.0)
        >>> rv.grad(lambda a: rnp.linalg.slogdet(a)[1])(a)   # inv(a).T
        array([[-1.,  1.],
               [ 2., -1.]])
    """
    plain = _value_of(a)
    sign, logabsdet = _np.linalg.slogdet(plain)  # one factorization gives both
    sign, logabsdet = _python_scalar(sign), _python_scalar(logabsdet)
    if not isinstance(a, _Tracer):
        return SlogdetResult(sign, logabsdet)

    def value_one_level_down(values):
        # known already, unless a tracer of a lower level is in between
        return logabsdet if values[0] is plain else _logabsdet(values[0])

    return SlogdetResult(sign, _bind(_logabsdet.primitive, (a,), {}, value_one_level_down))


def matrix_power(a, n):
    """a to the integer power n, as numpy.linalg.matrix_power (negative n through inv;
    n = 0 gives the identity, with zero gradient).

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> a = np.array([[1.0, 1.0], [0.0, 1.0]])
        >>> rnp.linalg.matrix_power(a, 3)
        array([[1., 3.],
               [0., 1.]])
        >>> rv.grad(lambda a: rnp.linalg.matrix_power(a, 2)[0, 1])(a)  # a00 a01 + a01 a11
        array([[1., 2.],
               [0., 1.]])
    """
    if int(n) != n:
        raise TypeError(f"matrix_power needs an integer exponent, got {n!r}")
    n = int(n)
    shape = _shape_of(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise _np.linalg.LinAlgError("matrix_power needs a (stack of) square matrices")
    if n == 0:
        if not isinstance(a, _Tracer):
            return _np.linalg.matrix_power(a, 0)
        identity = _np.broadcast_to(_np.eye(shape[-1], dtype=a.dtype), shape)
        # a Var holding the identity, with a zero gradient (0 * a could make nan)
        return _where(_np.ones(shape, bool), identity, a)
    if n < 0:
        a, n = inv(a), -n
    result = None
    base = a
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def matrix_transpose(x):
    """Transpose of each matrix in a stack: the last two axes swapped.

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.linalg.matrix_transpose(np.ones((2, 3, 4))).shape
        (2, 4, 3)
    """
    return _T(x)


def multi_dot(arrays):
    """The product of a sequence of matrices, left to right (numpy.linalg.multi_dot,
    without its reordering of the products).

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.linalg.multi_dot([np.eye(2), np.ones((2, 3)), np.ones(3)])
        array([3., 3.])
    """
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("multi_dot needs at least two arrays")
    out = arrays[0]
    for x in arrays[1:]:
        out = matmul(out, x)
    return out


__getattr__ = _numpy_fallback(_np.linalg, "revad.numpy.linalg")
