"""Reductions over axes, each with `axis` and `keepdims` as in NumPy.

A reduction's reverse rule restores the reduced axes of the cotangent (length 1) and
broadcasts it back over the input (`_spread`). The nonlinear ones (prod, max, min,
logsumexp, norm) are each defined by their *local derivative*: the derivative of each
output entry w.r.t. each input entry of its slice, an array shaped like the input. Both
rules follow from it (`_rules_from_local_derivative`).
"""
import numpy as np
from numpy import ndarray

from ..core import Tracer, value_of
from ._registry import MULTILINEAR, builtin
from .elementwise import absolute, exp, power, reciprocal_unless, sqrt, where
from .shape import (
    broadcast_to, concatenate, flip, moveaxis, ndim_of, normalize_axes, python_scalar, ravel,
    reshape, shape_of, squeeze,
)


def _kept_shape(shape, axis):
    axes = normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(g, x, axis, keepdims):
    """The cotangent of a reduction of x, broadcast back to x's shape."""
    return broadcast_to(_keep(g, x, axis, keepdims), shape_of(x))


def _keep(y, x, axis, keepdims):
    """A reduction's result (or cotangent) with the reduced axes kept, to broadcast
    against x (a 0-d one broadcasts as it is)."""
    return y if keepdims or not ndim_of(y) else reshape(y, _kept_shape(shape_of(x), axis))


def _reduce(reduce, name):
    """The forward function of a reduction: `reduce` is a ufunc's own (np.add.reduce
    for sum: np.sum adds a Python layer of dispatch around it) or has its signature."""
    def impl(x, axis=None, keepdims=False):
        if type(x) is float:
            normalize_axes(axis, 0)
            return x
        return python_scalar(reduce(x, axis=axis, keepdims=keepdims))
    impl.__name__ = name
    return impl


sum = builtin(_reduce(np.add.reduce, "sum"), "sum", jvp=MULTILINEAR,
              vjp=(lambda ans, x, axis=None, keepdims=False:
                   lambda g: _spread(g, x, axis, keepdims),),
              batched_jvp=(lambda t, ans, x, axis=None, keepdims=False:
                           sum(t, _past_batch(axis, x), keepdims),),
                   doc="""
    Sum of entries over the given axes (all by default).

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda x: rv.sum(x * x))(np.array([1.0, 2.0]))
        array([2., 4.])
    """)


def _count(x, axis):
    shape = shape_of(x)
    return int(np.prod([shape[a] for a in normalize_axes(axis, len(shape))]))


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over the given axes.

        >>> import numpy as np, revad as rv
        >>> rv.grad(rv.mean)(np.ones(4))
        array([0.25, 0.25, 0.25, 0.25])
    """
    return sum(x, axis, keepdims) / _count(x, axis)


def var(x, axis=None, ddof=0, keepdims=False):
    """Variance over the given axes, with `ddof` as in numpy.var.

        >>> import numpy as np, revad as rv
        >>> rv.grad(rv.var)(np.array([1.0, 3.0]))   # 2 (x - mean) / n
        array([-1.,  1.])
    """
    centred = x - mean(x, axis, keepdims=True)
    return sum(centred * centred, axis, keepdims) / (_count(x, axis) - ddof)


def std(x, axis=None, ddof=0, keepdims=False):
    """Standard deviation over the given axes (its gradient is infinite where it is 0).

        >>> import numpy as np, revad as rv
        >>> rv.grad(rv.std)(np.array([1.0, 3.0]))
        array([-0.5,  0.5])
    """
    return sqrt(var(x, axis, ddof, keepdims))


def _rules_from_local_derivative(local):
    """The VJP and JVP rules of a reduction whose derivative w.r.t. x is
    ``local(ans, x, axis, keepdims)`` (shaped like x)."""
    def vjp(ans, x, axis=None, keepdims=False):
        # the product with the local derivative, shaped like x, broadcasts g back
        return lambda g: _keep(g, x, axis, keepdims) * local(ans, x, axis, keepdims)

    def jvp(t, ans, x, axis=None, keepdims=False):
        return sum(t * local(ans, x, axis, keepdims), axis, keepdims)

    def batched_jvp(t, ans, x, axis=None, keepdims=False):
        return sum(t * local(ans, x, axis, keepdims), _past_batch(axis, x), keepdims)

    return {"vjp": (vjp,), "jvp": (jvp,), "batched_jvp": (batched_jvp,)}


def _past_batch(axis, x):
    """Reduction axes of x, as axes of a batch of tangents stacked on axis 0."""
    return tuple(a + 1 for a in normalize_axes(axis, np.ndim(value_of(x))))


def _prod_local(ans, x, axis, keepdims):
    # The derivative w.r.t. an entry is the product of the other entries of its slice.
    # The textbook ans / x breaks at zeros; exclusive running products from both ends
    # of the slice are exact there, and (cumprod being exact at zeros) to any order.
    nd = np.ndim(value_of(x))
    if nd == 0:
        return 0.0 * x + 1.0
    axes = normalize_axes(axis, nd)
    last = tuple(range(nd - len(axes), nd))
    moved = moveaxis(x, axes, last)
    moved_shape = shape_of(moved)
    flat = reshape(moved, moved_shape[:nd - len(axes)] + (-1,))
    ones = np.ones(shape_of(flat)[:-1] + (1,))
    left = cumprod(concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = flip(cumprod(concatenate([ones, flip(flat, -1)[..., :-1]], axis=-1), axis=-1), -1)
    return moveaxis(reshape(left * right, moved_shape), last, axes)


prod = builtin(_reduce(np.multiply.reduce, "prod"), "prod",
               **_rules_from_local_derivative(_prod_local),
               doc="""
    Product of entries over the given axes; its gradient is exact at zeros.

        >>> import numpy as np, revad as rv
        >>> rv.grad(rv.prod)(np.array([2.0, 0.0, 3.0]))
        array([0., 6., 0.])
    """)


def _extremum_local(ans, x, axis, keepdims):
    # Tied extrema share the derivative evenly.
    hit = value_of(x) == value_of(_keep(ans, x, axis, keepdims))
    return hit / np.sum(hit, axis=axis, keepdims=True)


max = builtin(_reduce(np.maximum.reduce, "max"), "max",
              **_rules_from_local_derivative(_extremum_local),
              doc="""
    Largest entry over the given axes; tied maxima share the gradient evenly.

        >>> import numpy as np, revad as rv
        >>> rv.grad(rv.max)(np.array([1.0, 3.0, 3.0]))
        array([0. , 0.5, 0.5])
    """)
min = builtin(_reduce(np.minimum.reduce, "min"), "min",
              **_rules_from_local_derivative(_extremum_local),
              doc="""
    Smallest entry over the given axes; tied minima share the gradient evenly.

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda x: rv.sum(rv.min(x, axis=1)))(np.array([[1.0, 2.0], [4.0, 3.0]]))
        array([[1., 0.],
               [0., 1.]])
    """)


def _logsumexp(x, axis=None, keepdims=False):
    if (x.dtype if type(x) is ndarray else np.result_type(x)).kind in "biu":
        x = np.asarray(x, dtype=np.float64)
    m = np.maximum.reduce(x, axis=axis, keepdims=True)
    # Slices of -inf (or with inf, nan) are not shifted. Their sum is not finite either
    # (nor is one that overflows, which then takes this path needlessly but rightly).
    if not np.isfinite(np.add.reduce(m, axis=None)):
        m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.add.reduce(np.exp(x - m), axis=axis, keepdims=True))
    out += m
    if not keepdims:
        out = np.squeeze(out, axis=normalize_axes(axis, np.ndim(x)))
    return out[()] if out.ndim == 0 else out  # a scalar, as np.sum gives


def _logsumexp_local(ans, x, axis, keepdims):
    return exp(x - _keep(ans, x, axis, keepdims))


logsumexp = builtin(_reduce(_logsumexp, "logsumexp"), "logsumexp",
                    **_rules_from_local_derivative(_logsumexp_local),
                    doc="""
    log(sum(exp(x))) over the given axes, computed without overflow.

        >>> import numpy as np, revad as rv
        >>> rv.grad(rv.logsumexp)(np.array([1000.0, 1000.0]))   # softmax
        array([0.5, 0.5])
    """)


def _norm_impl(x, axis=None, keepdims=False):
    if type(x) is float:
        return abs(x)
    return python_scalar(np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims)))


def _norm_local(ans, x, axis, keepdims):
    # x / |x|, and 0 (a valid subgradient) at the zero vector instead of 0/0.
    kept = _keep(ans, x, axis, keepdims)
    return x * reciprocal_unless(kept, value_of(kept) == 0)


_norm2 = builtin(_norm_impl, "norm", **_rules_from_local_derivative(_norm_local))


def norm(x, ord=None, axis=None, keepdims=False):
    """The norm of numpy.linalg.norm: of a vector (x 1-d, or one `axis`), or of a
    matrix (x 2-d with axis None, or a pair of axes).

    Vector ``ord``: None or 2 (Euclidean; its gradient at the zero vector is 0), 1,
    inf, -inf, 0 (the count of nonzeros, whose gradient is 0) or any p. Matrix ``ord``:
    None or 'fro', 1, -1, inf, -inf, 2, -2, 'nuc' (the last three through singular
    values).

        >>> import numpy as np, revad as rv
        >>> rv.grad(rv.norm)(np.array([3.0, 4.0]))
        array([0.6, 0.8])
    """
    nd = np.ndim(value_of(x))
    matrix_axes = (axis is None and nd == 2 and ord is not None) or (
        axis is not None and np.ndim(axis) == 1 and len(axis) == 2)
    if matrix_axes:
        return _matrix_norm(x, ord, (-2, -1) if axis is None else tuple(axis), keepdims)
    if ord is None or ord == 2 or ord == "fro":
        return _norm2(x, axis, keepdims)
    a = absolute(x)
    if ord == 1:
        return sum(a, axis, keepdims)
    if ord == np.inf:
        return max(a, axis, keepdims)
    if ord == -np.inf:
        return min(a, axis, keepdims)
    if ord == 0:
        return sum(0.0 * a + (value_of(a) != 0), axis, keepdims)
    return power(sum(power(a, ord), axis, keepdims), 1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    rows, cols = axes
    if ord is None or ord == "fro":
        return _norm2(x, axes, keepdims)
    if ord in (1, -1):
        column_sums = sum(absolute(x), rows, keepdims=True)
        pick = max if ord == 1 else min
        out = pick(column_sums, cols, keepdims=True)
    elif ord in (np.inf, -np.inf):
        row_sums = sum(absolute(x), cols, keepdims=True)
        pick = max if ord == np.inf else min
        out = pick(row_sums, rows, keepdims=True)
    elif ord in (2, -2, "nuc"):
        return _matrix_norm_by_singular_values(x, ord, axes, keepdims)
    else:
        raise ValueError(f"invalid matrix norm order {ord!r}: use None, 'fro', 'nuc', "
                         "1, -1, 2, -2, inf or -inf")
    if keepdims:
        return out
    return squeeze(out, axis=axes)


def _matrix_norm_by_singular_values(x, ord, axes, keepdims):
    """ord 2: the largest singular value; -2: the smallest; 'nuc': their sum."""
    from .matrix import svdvals  # matrix imports this module
    nd = np.ndim(value_of(x))
    rows, cols = (int(a) % nd for a in axes)
    s = svdvals(moveaxis(x, (rows, cols), (-2, -1)))
    out = max(s, -1) if ord == 2 else min(s, -1) if ord == -2 else sum(s, -1)
    if keepdims:
        shape = list(shape_of(x))
        shape[rows] = shape[cols] = 1
        out = reshape(out, tuple(shape))
    return out


def _cumsum_impl(x, axis=None):
    return np.cumsum(x, axis=axis)


def _cumsum_vjp(ans, x, axis=None):
    def vjp(g):
        if axis is None:
            return reshape(_reverse_cumsum(g, None), shape_of(x))
        return _reverse_cumsum(g, axis)
    return vjp


def _batched_cumsum(t, ans, x, axis=None):
    if axis is None:
        return cumsum(reshape(t, (shape_of(t)[0], -1)), 1)
    return cumsum(t, axis % np.ndim(value_of(x)) + 1)


cumsum = builtin(_cumsum_impl, "cumsum", vjp=(_cumsum_vjp,), jvp=MULTILINEAR,
                 batched_jvp=(_batched_cumsum,),
                 doc="""
    Running sum along `axis` (of the flattened array when axis is None).

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda x: rv.sum(rv.cumsum(x)))(np.ones(3))
        array([3., 2., 1.])
    """)


# --- cumulative product ----------------------------------------------------------------

def _cumprod_impl(x, axis=0):
    return np.cumprod(x, axis=axis)


def _zero_masks(x, axis):
    """Where x is before its first zero along `axis`, and where that first zero is
    (plain boolean arrays; x's derivative is piecewise defined by them)."""
    zeros_so_far = np.cumsum(value_of(x) == 0, axis=axis)
    return zeros_so_far == 0, (zeros_so_far == 1) & (value_of(x) == 0)


def _reverse_cumsum(g, axis):
    return flip(cumsum(flip(g, axis), axis), axis)


def _cumprod_vjp(ans, x, axis=0):
    return lambda g: _cumprod_cotangent(g, ans, x, axis)


def _cumprod_cotangent(g, ans, x, axis):
    # Entry i before the first zero z of its slice: sum over k >= i of g_k ans_k / x_i.
    # At z: sum over k >= z of g_k ans1_k, where ans1 is the running product of x1, x
    # with x_z taken as 1. After z: x_z times the same rule at x1 (the products there
    # all contain x_z): 0, but with a derivative in x_z, which is needed only when x
    # is itself being differentiated (Hessians), so only then computed.
    before, first = _zero_masks(x, axis)
    if before.all():
        return _reverse_cumsum(g * ans, axis) / x
    x1 = where(first, 1.0, x)
    ans1 = _cumprod(x1, axis=axis)
    after = 0.0
    if isinstance(x, Tracer):
        after = sum(where(first, x, 0.0), axis, keepdims=True) * _cumprod_cotangent(
            g, ans1, x1, axis)
    return where(before, _reverse_cumsum(g * ans, axis) / where(before, x, 1.0),
                 where(first, _reverse_cumsum(g * ans1, axis), after))


def _cumprod_jvp(t, ans, x, axis=0):
    # The same derivative, applied to a tangent: before z, ans_k times the running sum
    # of t_i / x_i; from z on, t_z ans1_k (plus x_z times the same rule at x1, see above).
    before, first = _zero_masks(x, axis)
    if before.all():
        return ans * cumsum(t / x, axis)
    x1 = where(first, 1.0, x)
    ans1 = _cumprod(x1, axis=axis)
    after = cumsum(where(first, t, 0.0), axis) * ans1
    if isinstance(x, Tracer):
        after = after + sum(where(first, x, 0.0), axis, keepdims=True) * _cumprod_jvp(
            where(first, 0.0, t), ans1, x1, axis)
    return where(before, ans * cumsum(where(before, t / where(before, x, 1.0), 0.0), axis),
                 after)


_cumprod = builtin(_cumprod_impl, "cumprod", vjp=(_cumprod_vjp,), jvp=(_cumprod_jvp,),
                   doc="Running product along an integer `axis` (see cumprod).")


def cumprod(x, axis=None):
    """Running product along `axis` (of the flattened array when axis is None), as
    numpy.cumprod. Its derivatives are exact where x has zeros (no division by them),
    to any order.

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> rnp.cumprod(np.array([1.0, 2.0, 3.0]))
        array([1., 2., 6.])
        >>> rv.grad(lambda x: rnp.cumprod(x)[-1])(np.array([2.0, 0.0, 3.0]))
        array([0., 6., 0.])
    """
    if axis is None:
        return _cumprod(ravel(x), axis=0)
    nd = np.ndim(value_of(x))
    return _cumprod(x, axis=int(axis) % nd if nd else int(axis))
