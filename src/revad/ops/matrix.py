"""Linear algebra primitives (the functions of ``revad.numpy.linalg``), and kron/convolve.

Every function here batches over leading axes where NumPy does: a matrix argument is
shaped ``(..., m, n)``. Rules are written with revad's functions (matmul, solve,
solve_triangular ... and each other), so they differentiate again (Hessians).

A revad node holds one value, so a decomposition with several results (eigh, svd, qr) is
one primitive whose value *packs* them along the second-to-last axis, and the public
function unpacks them with getitem: one factorisation in the forward pass, and each rule
sees all the factors at once.

Conventions:

- ``eigh`` and ``cholesky`` read a symmetric matrix. They differentiate the function
  ``a -> f((a + a^T) / 2)`` (as JAX does), so their gradients are symmetric, and for a
  symmetric ``a`` their values are NumPy's.
- Eigenvector and singular-vector derivatives divide by eigenvalue gaps
  (``1 / (w_j - w_i)``, ``1 / (s_j**2 - s_i**2)``). Where two eigenvalues (squared
  singular values) are equal up to rounding (within 16 units in the last place of the
  largest), revad takes that term as 0 instead of inf or noise: the result is the exact
  gradient of any function that does not depend on the choice of basis within the
  repeated eigenspace (a projector onto it, the eigenvalues themselves), and is
  otherwise meaningless, since the eigenvectors are not differentiable there. Close but
  distinct eigenvalues give large gradients, as they should. The singular-vector rules
  likewise take ``1 / s`` as 0 where a singular value is exactly 0.
- ``det``, ``slogdet`` and ``inv`` need an invertible matrix for their gradient; ``pinv``
  is differentiable where the rank does not change (full rank, in practice).
"""
import numpy as np

from ..core import value_of
from ._registry import MULTILINEAR, builtin
from .elementwise import reciprocal_unless
from .linalg import einsum, matmul
from .reductions import sum
from .shape import (
    concatenate, diagonal, expand_dims, flip, getitem, ndim_of, python_scalar, reshape,
    shape_of, squeeze, swapaxes, tril, triu,
)


# --- helpers (all differentiable in their array arguments) ---------------------------

def _float_dtype(x):
    v = value_of(x)
    dtype = np.result_type(v)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _eye(n, like):
    return np.eye(n, dtype=_float_dtype(like))


def _T(x):
    return swapaxes(x, -1, -2)


def _sym(x):
    return 0.5 * (x + _T(x))


def _diag_embed(v):
    """A stack of diagonal matrices with v on the diagonal."""
    return expand_dims(v, -2) * _eye(shape_of(v)[-1], v)


def _rows(p, start, stop=None):
    return getitem(p, (Ellipsis, slice(start, stop), slice(None)))


def _row(p, i):
    return getitem(p, (Ellipsis, i, slice(None)))


def _inverse_gaps(w):
    """F[..., i, j] = 1 / (w[j] - w[i]), and 0 where w[i] and w[j] are equal up to
    rounding (the diagonal, and ties; see the module docstring)."""
    gap = expand_dims(w, -2) - expand_dims(w, -1)
    wv = np.abs(value_of(w))
    scale = np.max(wv, axis=-1, keepdims=True)[..., None] if np.ndim(wv) else wv
    tie = np.abs(value_of(gap)) <= _TIE_ULPS * np.finfo(_float_dtype(w)).eps * scale
    return reciprocal_unless(gap, tie)


# Eigenvalues closer than this many units in the last place of the largest are ties:
# computed eigenvalues of a matrix with a repeated one differ by about that much.
_TIE_ULPS = 16


def _solve_with(solver, a, b, vec, **kw):
    """solver(a, b, **kw), where `vec` says b stands for a (stack of) vector(s) (NumPy's
    solve treats b as a vector only when it is 1-d; a rule may hold a batch of them)."""
    if vec:
        return squeeze(solver(a, expand_dims(b, -1), **kw), -1)
    return solver(a, b, **kw)


def _outer_or_matmul(x, y, vec):
    """x y^T for stacks of column vectors (vec) or of matrices."""
    if vec:
        return expand_dims(x, -1) * expand_dims(y, -2)
    return matmul(x, _T(y))


def _matvec_or_matmul(a, x, vec):
    if vec:
        return squeeze(matmul(a, expand_dims(x, -1)), -1)
    return matmul(a, x)


# --- inverse, solve, determinant ---------------------------------------------------------

def _inv_impl(a):
    return np.linalg.inv(a)


inv = builtin(
    _inv_impl, "inv", unary=True,
    vjp=(lambda ans, a: lambda g: -matmul(matmul(_T(ans), g), _T(ans)),),
    jvp=(lambda t, ans, a: -matmul(matmul(ans, t), ans),),
    doc="""The inverse of a (stack of) square matrices (numpy.linalg.inv).

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> rv.grad(lambda a: rnp.linalg.inv(a)[0, 0])(np.array([[2.0, 0.0], [0.0, 4.0]]))
        array([[-0.25, -0.  ],
               [-0.  , -0.  ]])
    """)


def _solve_impl(a, b):
    return np.linalg.solve(a, b)


def _solve_vjp_a(ans, a, b):
    vec = ndim_of(b) == 1

    def vjp(g):
        gb = _solve_with(solve, _T(a), g, vec)
        return -_outer_or_matmul(gb, ans, vec)
    return vjp


def _solve_vjp_b(ans, a, b):
    vec = ndim_of(b) == 1
    return lambda g: _solve_with(solve, _T(a), g, vec)


def _solve_jvp_a(t, ans, a, b):
    vec = ndim_of(b) == 1
    return -_solve_with(solve, a, _matvec_or_matmul(t, ans, vec), vec)


solve = builtin(
    _solve_impl, "solve", vjp=(_solve_vjp_a, _solve_vjp_b),
    jvp=(_solve_jvp_a, lambda t, ans, a, b: solve(a, t)),
    doc="""The solution x of a @ x = b (numpy.linalg.solve), differentiable in a and b.

    As in NumPy 2, b is one right-hand side when it is 1-d, and otherwise a (stack of)
    matrices whose columns are right-hand sides; a and b batch over leading axes.

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> a = np.array([[2.0, 0.0], [0.0, 4.0]])
        >>> rv.grad(lambda b: rnp.sum(rnp.linalg.solve(a, b)))(np.array([1.0, 1.0]))
        array([0.5 , 0.25])
    """)


def _det_impl(a):
    return python_scalar(np.linalg.det(a))


def _det_vjp(ans, a):
    def vjp(g):
        scale = reshape(g * ans, shape_of(ans) + (1, 1))
        return scale * _T(inv(a))
    return vjp


det = builtin(
    _det_impl, "det", unary=True, vjp=(_det_vjp,),
    jvp=(lambda t, ans, a: ans * sum(_T(inv(a)) * t, axis=(-2, -1)),),
    doc="""The determinant of a (stack of) square matrices (numpy.linalg.det).

    Its gradient, det(a) inv(a)^T, needs an invertible matrix.

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> rv.grad(rnp.linalg.det)(np.array([[1.0, 2.0], [3.0, 4.0]]))
        array([[ 4., -3.],
               [-2.,  1.]])
    """)


def _logabsdet_impl(a):
    return python_scalar(np.linalg.slogdet(a)[1])


def _logabsdet_vjp(ans, a):
    return lambda g: reshape(g, shape_of(ans) + (1, 1)) * _T(inv(a))


logabsdet = builtin(
    _logabsdet_impl, "logabsdet", unary=True, vjp=(_logabsdet_vjp,),
    jvp=(lambda t, ans, a: sum(_T(inv(a)) * t, axis=(-2, -1)),),
    doc="""log|det(a)|, the second result of numpy.linalg.slogdet; its gradient is
    inv(a)^T.

        >>> import numpy as np, revad as rv
        >>> from revad.ops.matrix import logabsdet
        >>> rv.grad(logabsdet)(np.array([[1.0, 2.0], [1.0, 1.0]]))   # inv(a).T
        array([[-1.,  1.],
               [ 2., -1.]])
    """)


# --- triangular solves and Cholesky -------------------------------------------------------

def _solve_triangular_impl(a, b, lower=False):
    a = np.asarray(a)
    return np.linalg.solve(np.tril(a) if lower else np.triu(a), b)


def _solve_triangular_vjp_a(ans, a, b, lower=False):
    vec = ndim_of(b) == 1

    def vjp(g):
        gb = _solve_with(_solve_triangular, _T(a), g, vec, lower=not lower)
        return -(tril if lower else triu)(_outer_or_matmul(gb, ans, vec))
    return vjp


def _solve_triangular_vjp_b(ans, a, b, lower=False):
    vec = ndim_of(b) == 1
    return lambda g: _solve_with(_solve_triangular, _T(a), g, vec, lower=not lower)


def _solve_triangular_jvp_a(t, ans, a, b, lower=False):
    vec = ndim_of(b) == 1
    t = (tril if lower else triu)(t)
    return -_solve_with(_solve_triangular, a, _matvec_or_matmul(t, ans, vec), vec, lower=lower)


_solve_triangular = builtin(
    _solve_triangular_impl, "solve_triangular",
    vjp=(_solve_triangular_vjp_a, _solve_triangular_vjp_b),
    jvp=(_solve_triangular_jvp_a,
         lambda t, ans, a, b, lower=False: _solve_triangular(a, t, lower=lower)))


def solve_triangular(a, b, lower=False):
    """The solution x of a @ x = b for triangular a (as scipy.linalg.solve_triangular).

    Only the lower (``lower=True``) or upper triangle of a is read, and only it gets a
    gradient. b is one right-hand side when 1-d, else a (stack of) matrices of them, and
    a and b batch over leading axes, as in numpy.linalg.solve.

        >>> import numpy as np, revad.numpy as rnp
        >>> L = np.array([[2.0, 0.0], [1.0, 1.0]])
        >>> rnp.linalg.solve_triangular(L, np.array([2.0, 3.0]), lower=True)
        array([1., 2.])
    """
    return _solve_triangular(a, b, lower=bool(lower))


def _phi(x):
    """The lower triangle of x with its diagonal halved."""
    n = shape_of(x)[-1]
    dtype = _float_dtype(x)
    return x * (np.tril(np.ones((n, n), dtype), -1) + np.eye(n, dtype=dtype) * 0.5)


def _cholesky_impl(a):
    return np.linalg.cholesky(_sym(np.asarray(a)))


def _cholesky_vjp(ans, a):
    def vjp(g):
        # sym(L^-T phi(L^T g) L^-1)
        x = _solve_triangular(_T(ans), _phi(matmul(_T(ans), g)), lower=False)
        return _sym(_T(_solve_triangular(_T(ans), _T(x), lower=False)))
    return vjp


def _cholesky_jvp(t, ans, a):
    # L phi(L^-1 sym(t) L^-T)
    y = _solve_triangular(ans, _sym(t), lower=True)
    return matmul(ans, _phi(_solve_triangular(ans, _T(y), lower=True)))


cholesky = builtin(
    _cholesky_impl, "cholesky", unary=True, vjp=(_cholesky_vjp,), jvp=(_cholesky_jvp,),
    doc="""The lower Cholesky factor L of a symmetric positive definite a = L L^T
    (numpy.linalg.cholesky). a is read as (a + a^T) / 2, so its gradient is symmetric.

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> a = np.array([[4.0, 2.0], [2.0, 2.0]])
        >>> rnp.linalg.cholesky(a)
        array([[2., 0.],
               [1., 1.]])
        >>> rv.grad(lambda a: rnp.linalg.cholesky(a)[0, 0])(a)   # d sqrt(a00)
        array([[0.25, 0.  ],
               [0.  , 0.  ]])
    """)


# --- symmetric eigendecomposition ------------------------------------------------------

def _eigh_impl(a):
    w, v = np.linalg.eigh(_sym(np.asarray(a)))
    return np.concatenate([w[..., None, :], v], axis=-2)


def _eigh_vjp(ans, a):
    def vjp(g):
        w, v = _row(ans, 0), _rows(ans, 1)
        gw, gv = _row(g, 0), _rows(g, 1)
        inner = _diag_embed(gw) + _inverse_gaps(w) * matmul(_T(v), gv)
        return _sym(matmul(matmul(v, inner), _T(v)))
    return vjp


def _eigh_jvp(t, ans, a):
    w, v = _row(ans, 0), _rows(ans, 1)
    m = matmul(matmul(_T(v), _sym(t)), v)
    dv = matmul(v, _inverse_gaps(w) * m)
    return concatenate([expand_dims(diagonal(m, 0, -2, -1), -2), dv], axis=-2)


eigh_packed = builtin(
    _eigh_impl, "eigh", unary=True, vjp=(_eigh_vjp,), jvp=(_eigh_jvp,),
    doc="""eigh of the symmetric part of a, packed as one array: row 0 holds the
    eigenvalues (ascending), rows 1: the eigenvectors (columns). Use
    revad.numpy.linalg.eigh, which unpacks it.

        >>> import numpy as np
        >>> from revad.ops.matrix import eigh_packed
        >>> eigh_packed(np.diag([2.0, 1.0]))
        array([[1., 2.],
               [0., 1.],
               [1., 0.]])
    """)


def _eigvalsh_impl(a):
    return np.linalg.eigvalsh(_sym(np.asarray(a)))


def _eigvalsh_vjp(ans, a):
    def vjp(g):
        v = _rows(eigh_packed(a), 1)
        return matmul(v * expand_dims(g, -2), _T(v))
    return vjp


def _eigvalsh_jvp(t, ans, a):
    v = _rows(eigh_packed(a), 1)
    return einsum("...ji,...jk,...ki->...i", v, t, v)


eigvalsh = builtin(
    _eigvalsh_impl, "eigvalsh", unary=True, vjp=(_eigvalsh_vjp,), jvp=(_eigvalsh_jvp,),
    doc="""The eigenvalues of the symmetric part of a, ascending (numpy.linalg.eigvalsh).
    The gradient of eigenvalue i is v_i v_i^T (its unit eigenvector's outer product).

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> rv.grad(lambda a: rnp.linalg.eigvalsh(a)[1])(np.diag([1.0, 3.0]))
        array([[0., 0.],
               [0., 1.]])
    """)


# --- singular value decomposition ------------------------------------------------------

def _svd_impl(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.concatenate([u, s[..., None, :], np.swapaxes(vh, -1, -2)], axis=-2)


def _svd_parts(p, m):
    """U, s and V (not V^T) from a packed svd of a matrix of m rows."""
    return _rows(p, 0, m), _row(p, m), _rows(p, m + 1)


def _svd_vjp(ans, a):
    m = shape_of(a)[-2]

    def vjp(g):
        u, s, v = _svd_parts(ans, m)
        gu, gs, gv = _svd_parts(g, m)
        f = _inverse_gaps(s * s)
        s_inv = expand_dims(reciprocal_unless(s, value_of(s) == 0), -2)
        ut_gu = matmul(_T(u), gu)
        vt_gv = matmul(_T(v), gv)
        core = (_diag_embed(gs) + f * (ut_gu - _T(ut_gu)) * expand_dims(s, -2)
                + expand_dims(s, -1) * (f * (vt_gv - _T(vt_gv))))
        out = matmul(matmul(u, core), _T(v))
        gu_s = gu * s_inv                      # (I - U U^T) gU S^-1 V^T
        out = out + matmul(gu_s - matmul(u, matmul(_T(u), gu_s)), _T(v))
        gv_s = gv * s_inv                      # U S^-1 gV^T (I - V V^T)
        return out + matmul(u, _T(gv_s - matmul(v, matmul(_T(v), gv_s))))
    return vjp


def _svd_jvp(t, ans, a):
    m = shape_of(a)[-2]
    u, s, v = _svd_parts(ans, m)
    f = _inverse_gaps(s * s)
    s_inv = expand_dims(reciprocal_unless(s, value_of(s) == 0), -2)
    cols, rows = expand_dims(s, -2), expand_dims(s, -1)  # X * cols = X S, rows * X = S X
    dp = matmul(matmul(_T(u), t), v)
    tv = matmul(t, v) * s_inv
    du = matmul(u, f * (dp * cols + rows * _T(dp))) + tv - matmul(u, matmul(_T(u), tv))
    tu = matmul(_T(t), u) * s_inv
    dv = matmul(v, f * (rows * dp + _T(dp) * cols)) + tu - matmul(v, matmul(_T(v), tu))
    return concatenate([du, expand_dims(diagonal(dp, 0, -2, -1), -2), dv], axis=-2)


svd_packed = builtin(
    _svd_impl, "svd", unary=True, vjp=(_svd_vjp,), jvp=(_svd_jvp,),
    doc="""The reduced svd of an m x n matrix packed as one array: rows :m hold U, row m
    the singular values, rows m+1: hold V (= Vh^T). Use revad.numpy.linalg.svd, which
    unpacks it.

        >>> import numpy as np
        >>> from revad.ops.matrix import svd_packed
        >>> svd_packed(np.diag([3.0, 2.0])).shape
        (5, 2)
    """)


def _svdvals_impl(a):
    return np.linalg.svd(a, compute_uv=False)


def _svdvals_vjp(ans, a):
    m = shape_of(a)[-2]

    def vjp(g):
        u, _, v = _svd_parts(svd_packed(a), m)
        return matmul(u * expand_dims(g, -2), _T(v))
    return vjp


def _svdvals_jvp(t, ans, a):
    u, _, v = _svd_parts(svd_packed(a), shape_of(a)[-2])
    return einsum("...ik,...ij,...jk->...k", u, t, v)


svdvals = builtin(
    _svdvals_impl, "svdvals", unary=True, vjp=(_svdvals_vjp,), jvp=(_svdvals_jvp,),
    doc="""The singular values of a, descending (numpy.linalg.svdvals). The gradient of
    singular value i is u_i v_i^T.

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> rv.grad(lambda a: rnp.linalg.svdvals(a)[0])(np.array([[3.0, 0.0], [0.0, -1.0]]))
        array([[1., 0.],
               [0., 0.]])
    """)


# --- QR ----------------------------------------------------------------------------

def _qr_impl(a):
    m, n = np.shape(a)[-2:]
    if m < n:
        raise ValueError(f"the packed qr needs at least as many rows as columns, got {m} x {n}")
    q, r = np.linalg.qr(a)
    return np.concatenate([q, r], axis=-2)


def _right_solve_rt(b, r):
    """b R^-T for upper triangular R."""
    return _T(_solve_triangular(r, _T(b), lower=False))


def _qr_vjp(ans, a):
    m = shape_of(a)[-2]

    def vjp(g):
        q, r = _rows(ans, 0, m), _rows(ans, m)
        gq, gr = _rows(g, 0, m), _rows(g, m)
        k = matmul(r, _T(gr)) - matmul(_T(gq), q)
        copyltu = tril(k) + _T(tril(k, -1))
        return _right_solve_rt(gq + matmul(q, copyltu), r)
    return vjp


def _qr_jvp(t, ans, a):
    m = shape_of(a)[-2]
    q, r = _rows(ans, 0, m), _rows(ans, m)
    b = _T(_solve_triangular(_T(r), _T(t), lower=True))   # t R^-1
    c = matmul(_T(q), b)
    low = tril(c, -1)
    omega = low - _T(low)
    dq = matmul(q, omega - c) + b
    dr = matmul(c - omega, r)
    return concatenate([dq, dr], axis=-2)


qr_packed = builtin(
    _qr_impl, "qr", unary=True, vjp=(_qr_vjp,), jvp=(_qr_jvp,),
    doc="""The reduced QR of an m x n matrix with m >= n, packed as one array: rows :m
    hold Q, rows m: hold R. Use revad.numpy.linalg.qr, which unpacks it.

        >>> import numpy as np
        >>> from revad.ops.matrix import qr_packed
        >>> qr_packed(np.ones((3, 2))).shape
        (5, 2)
    """)


# --- pseudo-inverse -------------------------------------------------------------------

def _pinv_impl(a):
    return np.linalg.pinv(a)


def _pinv_vjp(ans, a):
    def vjp(g):
        p, pt = ans, _T(ans)
        m, n = shape_of(a)[-2:]
        left = _eye(m, g) - matmul(a, p)          # I - A P
        right = _eye(n, g) - matmul(p, a)         # I - P A
        return (-matmul(matmul(pt, g), pt)
                + matmul(matmul(left, _T(g)), matmul(p, pt))
                + matmul(matmul(pt, p), matmul(_T(g), right)))
    return vjp


def _pinv_jvp(t, ans, a):
    p, pt = ans, _T(ans)
    m, n = shape_of(a)[-2:]
    left = _eye(m, t) - matmul(a, p)
    right = _eye(n, t) - matmul(p, a)
    return (-matmul(matmul(p, t), p) + matmul(matmul(p, pt), matmul(_T(t), left))
            + matmul(right, matmul(_T(t), matmul(pt, p))))


pinv = builtin(
    _pinv_impl, "pinv", unary=True, vjp=(_pinv_vjp,), jvp=(_pinv_jvp,),
    doc="""The Moore-Penrose pseudo-inverse (numpy.linalg.pinv), differentiable where
    the rank of a does not change (Golub and Pereyra's formula).

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.linalg.pinv(np.array([[2.0], [0.0]]))
        array([[0.5, 0. ]])
    """)


# --- Kronecker product and convolution --------------------------------------------------

def kron(a, b):
    """The Kronecker product of a and b (numpy.kron), differentiable in both.

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.kron(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
        array([ 1., 10.,  2., 20.])
    """
    sa, sb = shape_of(a), shape_of(b)
    nd = max(len(sa), len(sb))
    sa = (1,) * (nd - len(sa)) + sa
    sb = (1,) * (nd - len(sb)) + sb
    # a on the even axes, b on the odd ones of an interleaved product
    a_spread = reshape(a, tuple(v for n in sa for v in (n, 1)))
    b_spread = reshape(b, tuple(v for n in sb for v in (1, n)))
    return reshape(a_spread * b_spread, tuple(x * y for x, y in zip(sa, sb, strict=True)))


def _convolve_impl(a, v):
    return np.convolve(a, v, mode="full")


def _valid_part(full, start, length):
    return getitem(full, slice(start, start + length))


_convolve_full = builtin(
    _convolve_impl, "convolve", jvp=MULTILINEAR,
    vjp=(lambda ans, a, v: lambda g: _valid_part(
             _convolve_full(g, flip(v)), shape_of(v)[0] - 1, shape_of(a)[0]),
         lambda ans, a, v: lambda g: _valid_part(
             _convolve_full(g, flip(a)), shape_of(a)[0] - 1, shape_of(v)[0])),
    doc="The full discrete convolution of two 1-d arrays (numpy.convolve).")


def convolve(a, v, mode="full"):
    """The discrete convolution of two 1-d arrays (numpy.convolve), differentiable in
    both; ``mode`` is 'full', 'same' or 'valid'.

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
        array([0. , 1. , 2.5, 4. , 1.5])
    """
    if ndim_of(a) != 1 or ndim_of(v) != 1:
        raise ValueError("convolve needs two 1-d arrays")
    n, m = shape_of(a)[0], shape_of(v)[0]
    if n == 0 or m == 0:
        raise ValueError("convolve: an input is empty")
    full = _convolve_full(a, v)
    if mode == "full":
        return full
    if mode == "same":
        length = max(n, m)
        return _valid_part(full, (min(n, m) - 1) // 2, length)
    if mode == "valid":
        return _valid_part(full, min(n, m) - 1, max(n, m) - min(n, m) + 1)
    raise ValueError(f"convolve: mode must be 'full', 'same' or 'valid', got {mode!r}")


def correlate(a, v, mode="valid"):
    """The cross-correlation of two 1-d arrays (numpy.correlate, real inputs).

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
        array([3.5])
    """
    if mode == "same" and ndim_of(a) == 1 and ndim_of(v) == 1 and shape_of(v)[0] > shape_of(a)[0]:
        # NumPy correlates the longer array with the shorter and reverses the result,
        # which centres an even-length 'same' window one place later
        n, m = shape_of(a)[0], shape_of(v)[0]
        return _valid_part(convolve(a, flip(v), "full"), n - 1 - (n - 1) // 2, m)
    return convolve(a, flip(v), mode)
