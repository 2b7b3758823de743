"""Shape and indexing primitives, and the composites built on them.

Each primitive's rule is again a shape op (reshape <-> reshape, sum_to <-> broadcast_to,
getitem <-> scatter_add ...), so these pairs differentiate each other to any order.
Composites (stack, flip, take, diag, triu ...) are written with the primitives and need
no rule of their own.
"""
import numpy as np
from numpy import float64, generic, ndarray

from ..core import RulesByArgnum, Tracer, value_of
from ._registry import MULTILINEAR, builtin


# Arrays and NumPy scalars answer for themselves: np.shape and np.ndim add a layer of
# Python dispatch.
_NUMPY_VALUES = (ndarray, generic)


def shape_of(x):
    v = value_of(x)
    return v.shape if isinstance(v, _NUMPY_VALUES) else np.shape(v)


def ndim_of(x):
    if type(x) is ndarray:  # what rules mostly ask about, with no call to value_of
        return x.ndim
    v = value_of(x)
    return v.ndim if isinstance(v, _NUMPY_VALUES) else np.ndim(v)


def python_scalar(out):
    """A float64 scalar result as a Python float, as revad's ops give."""
    return float(out) if type(out) is float64 else out


def zeros_like_value(x):
    v = value_of(x)
    return 0.0 if type(v) is float else np.zeros(np.shape(v), np.result_type(v))


def normalize_axes(axis, ndim):
    """Reduction axes as a sorted tuple of non-negative ints (None: all axes)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for an array of dimension {ndim}")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(out))


# --- broadcasting, the pair that undoes it, and dtype ----------------------------------

def sum_to_value(x, shape):
    """`sum_to` of a plain value (what the backward pass calls for array cotangents)."""
    x_shape = x.shape if type(x) is ndarray else np.shape(x)
    if type(shape) is not tuple:
        shape = tuple(shape)
    if x_shape == shape:
        return x
    lead = len(x_shape) - len(shape)
    if shape and x_shape[lead:] == shape:  # leading axes only, as for a bias
        return np.add.reduce(x, axis=0 if lead == 1 else tuple(range(lead)))
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x_shape[lead + i] != 1)
    out = np.add.reduce(x, axis=axes, keepdims=True).reshape(shape)
    return float(out) if shape == () and out.dtype == np.float64 else out


def _broadcast_to_impl(x, shape):
    if type(shape) is not tuple:
        shape = tuple(shape)
    tx = type(x)
    if tx is float and shape == ():
        return x
    if tx is float or isinstance(x, generic):
        x = np.asarray(x)
    elif tx is not ndarray or not x.flags.c_contiguous:
        return np.broadcast_to(x, shape)
    # A view made from x's memory and zero strides: np.broadcast_to does the same
    # through a Python layer and an iterator, which cost several times as much.
    strides = _broadcast_strides(x.shape, x.strides, shape)
    if strides is None:
        return np.broadcast_to(x, shape)  # which raises NumPy's error
    out = ndarray(shape, x.dtype, x, 0, strides)
    out.flags.writeable = False
    return out


def _broadcast_strides(x_shape, x_strides, shape):
    """The strides of x broadcast to `shape`, or None if it does not broadcast."""
    lead = len(shape) - len(x_shape)
    if lead < 0:
        return None
    strides = [0] * lead
    for n, m, stride in zip(x_shape, shape[lead:], x_strides):
        if n == m:
            strides.append(stride)
        elif n == 1 and m >= 0:
            strides.append(0)
        else:
            return None
    return tuple(strides)


# Forward rules for a batch of tangents stacked on axis 0 (see revad.forward): the
# primitive applied with its axes and shapes shifted past the batch axis.

def _batch_of(t):
    return shape_of(t)[0]


def _batched_sum_to(t, ans, x, shape):
    # sum_to sums leading axes: move the batch axis out of the way first
    moved = sum_to(moveaxis(t, 0, -1), tuple(shape) + (_batch_of(t),))
    return moveaxis(moved, -1, 0)


def _batched_broadcast_to(t, ans, x, shape):
    extra = len(shape) - ndim_of(x)
    t = reshape(t, (_batch_of(t),) + (1,) * extra + shape_of(x))
    return broadcast_to(t, (_batch_of(t),) + tuple(shape))


def _batched_reshape(t, ans, x, shape):
    return reshape(t, (_batch_of(t),) + tuple(np.atleast_1d(shape).tolist()))


def _batched_transpose(t, ans, x, axes=None):
    n = ndim_of(x)
    axes = range(n - 1, -1, -1) if axes is None else axes
    return transpose(t, (0,) + tuple(a % n + 1 for a in axes))


def _batched_index(index):
    return (slice(None),) + (index if isinstance(index, tuple) else (index,))


sum_to = builtin(sum_to_value, "sum_to", jvp=MULTILINEAR,
                 batched_jvp=(_batched_sum_to,),
                 vjp=(lambda ans, x, shape: lambda g: broadcast_to(g, shape_of(x)),),
                 doc="""
    Sum x down to `shape` (the adjoint of broadcast_to).

        >>> import numpy as np
        >>> from revad.ops.shape import sum_to
        >>> sum_to(np.ones((2, 3)), (1, 3))
        array([[2., 2., 2.]])
    """)
broadcast_to = builtin(_broadcast_to_impl, "broadcast_to", jvp=MULTILINEAR,
                       batched_jvp=(_batched_broadcast_to,),
                       vjp=(lambda ans, x, shape: lambda g: sum_to(g, shape_of(x)),),
                       doc="""
    Broadcast x to `shape` without copying (see numpy.broadcast_to).

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda x: rv.sum(rv.broadcast_to(x, (4, 2))))(np.ones(2))
        array([4., 4.])
    """)


def _astype_impl(x, dtype):
    dtype = np.dtype(dtype)
    if type(x) is complex:
        return x if dtype == np.complex128 else dtype.type(x)
    if type(x) is float:
        return x if dtype == np.float64 else dtype.type(x)
    if np.ndim(x) == 0 and dtype == np.float64:
        return float(x)
    return np.asarray(x).astype(dtype)


def _astype_vjp(ans, x, dtype):
    # back to x's kind of number (the real part, for a real x: see revad.ops.complex)
    return lambda g: fit_to(g, x, sum_to)


astype = builtin(_astype_impl, "astype", jvp=MULTILINEAR, vjp=(_astype_vjp,),
                 batched_jvp=(lambda t, ans, x, dtype: astype(t, dtype),),
                 doc="""
    x converted to a floating `dtype`; the gradient is converted back.

        >>> import numpy as np, revad as rv
        >>> from revad.ops.shape import astype
        >>> rv.grad(lambda x: rv.sum(astype(x, np.float32)))(np.ones(2)).dtype
        dtype('float64')
    """)


def fit_to(x, target, fix_shape):
    """`x` (a derivative) in the form of the value `target`: the shape, by
    ``fix_shape(x, shape)`` (sum_to for a cotangent, broadcast_to for a tangent), and
    the kind of number (a Python float, or target's dtype)."""
    tv = value_of(target)
    xv = value_of(x)
    if type(xv) is ndarray and type(tv) is ndarray and xv.dtype is tv.dtype and (
            xv.shape == tv.shape):
        return x  # the common case, a tracer's value already in form
    shape = tv.shape if hasattr(tv, "shape") else np.shape(tv)
    if np.shape(xv) != shape:
        x = fix_shape(x, shape)
        xv = value_of(x)
    if type(xv) is ndarray and type(tv) is ndarray and xv.dtype == tv.dtype:
        return x
    if np.iscomplexobj(xv) and not np.iscomplexobj(tv):
        # a real value's derivative is the real part (the pairing is Re(a * b))
        from .complex import real
        x = real(x)
        xv = value_of(x)
    if type(tv) is float:
        return x if isinstance(x, Tracer) or type(x) is float else float(x)
    if type(tv) is complex:
        return x if isinstance(x, Tracer) or type(x) is complex else complex(x)
    if np.result_type(xv) != tv.dtype:
        x = astype(x, tv.dtype)
    return x


# --- reshaping and axis order ------------------------------------------------------

def _reshape_impl(x, shape):
    return np.reshape(x, shape)


reshape = builtin(_reshape_impl, "reshape", jvp=MULTILINEAR,
                  batched_jvp=(_batched_reshape,),
                  vjp=(lambda ans, x, shape: lambda g: reshape(g, shape_of(x)),),
                  doc="""
    x with a new shape and the same entries (see numpy.reshape).

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda x: rv.reshape(x, (2, 2))[0, 1])(np.zeros(4))
        array([0., 1., 0., 0.])
    """)


def _transpose_impl(x, axes=None):
    return np.transpose(x, axes)


def _transpose_vjp(ans, x, axes=None):
    inverse = None if axes is None else tuple(np.argsort(axes))
    return lambda g: transpose(g, inverse)


transpose = builtin(_transpose_impl, "transpose", jvp=MULTILINEAR, vjp=(_transpose_vjp,),
                    batched_jvp=(_batched_transpose,),
                    doc="""
    Permute the axes of x (reverse them by default).

        >>> import numpy as np, revad as rv
        >>> rv.transpose(np.ones((2, 3, 4)), (2, 0, 1)).shape
        (4, 2, 3)
    """)


def swapaxes(x, axis1, axis2):
    """x with two axes interchanged.

        >>> import numpy as np, revad as rv
        >>> rv.swapaxes(np.ones((2, 3)), 0, 1).shape
        (3, 2)
    """
    if type(x) is ndarray:  # a constant, or a value in a rule: no derivative to record
        return x.swapaxes(axis1, axis2)
    perm = list(range(ndim_of(x)))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return transpose(x, tuple(perm))


def moveaxis(x, source, destination):
    """x with axes moved to new positions (see numpy.moveaxis).

        >>> import numpy as np, revad as rv
        >>> rv.moveaxis(np.ones((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
    """
    n = ndim_of(x)
    src = [s % n for s in np.atleast_1d(source)]
    dst = [d % n for d in np.atleast_1d(destination)]
    order = [a for a in range(n) if a not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return transpose(x, tuple(order))


def expand_dims(x, axis):
    """x with new length-1 axes at the given positions.

        >>> import numpy as np, revad as rv
        >>> rv.expand_dims(np.ones(3), 0).shape
        (1, 3)
    """
    return reshape(x, np.expand_dims(np.empty(shape_of(x), bool), axis).shape)


def squeeze(x, axis=None):
    """x without length-1 axes (all of them, or those given).

        >>> import numpy as np, revad as rv
        >>> rv.squeeze(np.ones((1, 3, 1))).shape
        (3,)
    """
    return reshape(x, np.squeeze(np.empty(shape_of(x), bool), axis).shape)


def ravel(x):
    """x flattened to one dimension.

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.ravel(np.ones((2, 3))).shape
        (6,)
    """
    return reshape(x, (-1,))


def atleast_1d(x):
    return reshape(x, (1,)) if ndim_of(x) == 0 else x


# --- joining and splitting ---------------------------------------------------------

def _concat_impl(*arrays, axis=0):
    return np.concatenate(arrays, axis=axis)


def _concat_vjp(i, ans, *arrays, axis=0):
    sizes = [shape_of(a)[axis] for a in arrays]
    start = sum(sizes[:i])
    index = [slice(None)] * ndim_of(ans)
    index[axis] = slice(start, start + sizes[i])
    index = tuple(index)
    return lambda g: getitem(g, index)


def _concat_jvp(i, t, ans, *arrays, axis=0):
    parts = [t if j == i else zeros_like_value(a) for j, a in enumerate(arrays)]
    return _concatenate(*parts, axis=axis)


def _batched_concat_jvp(i, t, ans, *arrays, axis=0):
    batch = _batch_of(t)
    parts = [t if j == i else np.zeros((batch,) + shape_of(a)) for j, a in enumerate(arrays)]
    return _concatenate(*parts, axis=axis % ndim_of(arrays[0]) + 1)


_concatenate = builtin(_concat_impl, "concatenate", vjp=RulesByArgnum(_concat_vjp),
                       jvp=RulesByArgnum(_concat_jvp),
                       batched_jvp=RulesByArgnum(_batched_concat_jvp))


def concatenate(arrays, axis=0):
    """Join a sequence of arrays along an existing axis.

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda x: rv.sum(rv.concatenate([x, 2.0 * x])))(np.ones(2))
        array([3., 3.])
    """
    arrays = tuple(arrays)
    if not arrays:
        raise ValueError("concatenate needs at least one array")
    arrays = tuple(atleast_1d(a) if ndim_of(a) == 0 else a for a in arrays)
    return _concatenate(*arrays, axis=axis)


def stack(arrays, axis=0):
    """Join a sequence of same-shaped arrays along a new axis.

        >>> import numpy as np, revad as rv
        >>> rv.stack([np.ones(3), np.zeros(3)], axis=1).shape
        (3, 2)
    """
    arrays = tuple(arrays)
    if not arrays:
        raise ValueError("stack needs at least one array")
    shapes = {shape_of(a) for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"stack needs arrays of one shape, got shapes {sorted(shapes)}")
    axis = axis % (ndim_of(arrays[0]) + 1)
    return _concatenate(*(expand_dims(a, axis) for a in arrays), axis=axis)


def split(x, indices_or_sections, axis=0):
    """Split x into a list of sub-arrays along `axis` (see numpy.split).

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda x: rv.sum(rv.split(x, 2)[1]))(np.ones(4))
        array([0., 0., 1., 1.])
    """
    n = shape_of(x)[axis]
    bounds = np.split(np.arange(n), indices_or_sections)
    out = []
    for part in bounds:
        index = [slice(None)] * ndim_of(x)
        start = part[0] if len(part) else 0
        index[axis] = slice(int(start), int(start) + len(part))
        out.append(getitem(x, tuple(index)))
    return out


def tile(x, reps):
    """x repeated `reps` times along each axis (see numpy.tile).

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda x: rv.sum(rv.tile(x, 3)))(np.ones(2))
        array([3., 3.])
    """
    reps = tuple(np.atleast_1d(reps).tolist())
    shape = shape_of(x)
    d = max(len(shape), len(reps))
    shape = (1,) * (d - len(shape)) + shape
    reps = (1,) * (d - len(reps)) + reps
    # repeat, as a broadcast over interleaved axes: (r0, s0, r1, s1, ...)
    interleaved = tuple(v for pair in zip(reps, shape, strict=True) for v in pair)
    spread = tuple(v for n in shape for v in (1, n))
    out = broadcast_to(reshape(x, spread), interleaved)
    return reshape(out, tuple(r * n for r, n in zip(reps, shape, strict=True)))


def repeat(x, repeats, axis=None):
    """Each element of x repeated (see numpy.repeat).

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda x: rv.sum(rv.repeat(x, [1, 3])))(np.ones(2))
        array([1., 3.])
    """
    if axis is None:
        x, axis = ravel(x), 0
    n = shape_of(x)[axis]
    return take(x, np.repeat(np.arange(n), repeats), axis=axis)


def flip(x, axis=None):
    """x with the order of entries reversed along the given axes.

        >>> import numpy as np, revad as rv
        >>> rv.flip(np.array([1.0, 2.0, 3.0]))
        array([3., 2., 1.])
    """
    index = [slice(None)] * ndim_of(x)
    for a in normalize_axes(axis, ndim_of(x)):
        index[a] = slice(None, None, -1)
    return getitem(x, tuple(index))


# --- indexing ----------------------------------------------------------------------

def _plain_index(index):
    """The index with any Vars replaced by their values (indices carry no gradient)."""
    if isinstance(index, tuple):
        return tuple(value_of(i) for i in index)
    return value_of(index)


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice, np.integer))
               for p in parts)


def _getitem_impl(x, index):
    return x[index]


def _scatter_add_impl(g, index, shape):
    out = np.zeros(shape, np.result_type(g))
    if _is_basic(index):
        out[index] = g
    else:
        # add.at accumulates repeated indices (x[[0, 0]] uses x[0] twice)
        np.add.at(out, index, g)
    return out


getitem = builtin(_getitem_impl, "getitem", jvp=MULTILINEAR, nondiff=(1,),
                  batched_jvp=(lambda t, ans, x, index: getitem(t, _batched_index(index)), None),
                  vjp=(lambda ans, x, index: lambda g: scatter_add(g, index, shape_of(x)),),
                  doc="""
    x[index] for basic and advanced indices.

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda x: rv.sum(x[[0, 0, 2]]))(np.ones(3))   # repeated indices add up
        array([2., 0., 1.])
    """)
scatter_add = builtin(_scatter_add_impl, "scatter_add", jvp=MULTILINEAR, nondiff=(1, 2),
                      batched_jvp=(lambda t, ans, g, index, shape: scatter_add(
                          t, _batched_index(index), (_batch_of(t),) + tuple(shape)),
                          None, None),
                      vjp=(lambda ans, g, index, shape: lambda h: getitem(h, index),),
                      doc="""
    Zeros of `shape` with g added at `index` (the adjoint of getitem).

        >>> import numpy as np
        >>> from revad.ops.shape import scatter_add
        >>> scatter_add(np.array([1.0, 2.0]), ([0, 0],), (3,))
        array([3., 0., 0.])
    """)


def take(x, indices, axis=None):
    """Elements of x at `indices` along `axis` (flattened x when axis is None).

        >>> import numpy as np, revad as rv
        >>> rv.take(np.array([[1.0, 2.0], [3.0, 4.0]]), [1, 1], axis=1)
        array([[2., 2.],
               [4., 4.]])
    """
    indices = np.asarray(value_of(indices))
    if axis is None:
        return getitem(ravel(x), indices)
    axis = axis % ndim_of(x)
    return getitem(x, (slice(None),) * axis + (indices,))


def diag(x, k=0):
    """The k-th diagonal of a matrix, or a matrix with x on its k-th diagonal.

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda a: rv.sum(rv.diag(a)))(np.ones((2, 2)))
        array([[1., 0.],
               [0., 1.]])
    """
    nd = ndim_of(x)
    if nd == 1:
        n = shape_of(x)[0]
        size = n + abs(k)
        rows = np.arange(n) + max(-k, 0)
        cols = np.arange(n) + max(k, 0)
        return scatter_add(x, (rows, cols), (size, size))
    if nd != 2:
        raise ValueError(f"diag needs a 1-d or 2-d array, got {nd} dimensions")
    rows, cols = _diagonal_indices(shape_of(x), k)
    return getitem(x, (rows, cols))


def _diagonal_indices(shape, k):
    n, m = shape[-2], shape[-1]
    start_r, start_c = max(-k, 0), max(k, 0)
    length = max(0, min(n - start_r, m - start_c))
    return np.arange(length) + start_r, np.arange(length) + start_c


def diagonal(x, offset=0, axis1=0, axis2=1):
    """Diagonals of x over axes axis1, axis2, as a new last axis (see numpy.diagonal).

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.diagonal(np.arange(4.0).reshape(2, 2))
        array([0., 3.])
    """
    x = moveaxis(x, (axis1, axis2), (-2, -1))
    rows, cols = _diagonal_indices(shape_of(x), offset)
    return getitem(x, (Ellipsis, rows, cols))


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of the diagonal (see numpy.trace).

        >>> import numpy as np, revad as rv
        >>> rv.trace(np.arange(4.0).reshape(2, 2))
        3.0
    """
    from .reductions import sum
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


def triu(x, k=0):
    """x with entries below the k-th diagonal zeroed.

        >>> import numpy as np, revad as rv
        >>> rv.triu(np.ones((2, 2)))
        array([[1., 1.],
               [0., 1.]])
    """
    mask = np.triu(np.ones(shape_of(x)[-2:], bool), k)
    return x * mask


def tril(x, k=0):
    """x with entries above the k-th diagonal zeroed.

        >>> import numpy as np, revad as rv
        >>> rv.tril(np.ones((2, 2)))
        array([[1., 0.],
               [1., 1.]])
    """
    mask = np.tril(np.ones(shape_of(x)[-2:], bool), k)
    return x * mask



# --- sorting, differences, grids and broadcasting helpers ----------------------------------

def take_along_axis(arr, indices, axis):
    """Entries of arr at `indices` along `axis` (numpy.take_along_axis); the gradient is
    added back at those positions.

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.take_along_axis(np.array([[10.0, 30.0, 20.0]]), np.array([[0, 2]]), axis=1)
        array([[10., 20.]])
    """
    if axis is None:
        return take(arr, indices)
    indices = np.asarray(value_of(indices))
    nd = ndim_of(arr)
    axis = int(axis) % nd
    if indices.ndim != nd:
        raise ValueError("take_along_axis: indices and arr must have the same number of "
                         "dimensions")
    index = []
    for d in range(nd):
        if d == axis:
            index.append(indices)
        else:
            shape = [1] * nd
            shape[d] = shape_of(arr)[d]
            index.append(np.arange(shape[d]).reshape(shape))
    return getitem(arr, tuple(index))


def sort(a, axis=-1, kind=None, order=None):
    """a sorted along `axis` (of the flattened array when axis is None), as numpy.sort.
    The gradient of each sorted entry goes back to the entry it came from (ties keep
    their order, as a stable sort does).

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> x = np.array([3.0, 1.0, 2.0])
        >>> rnp.sort(x)
        array([1., 2., 3.])
        >>> rv.grad(lambda x: rnp.sort(x)[0])(x)   # the smallest entry
        array([0., 1., 0.])
    """
    if order is not None:
        raise NotImplementedError("sort: `order` (structured arrays) is not supported")
    if not isinstance(a, Tracer):
        return np.sort(a, axis=axis, kind=kind)
    if axis is None:
        a, axis = ravel(a), 0
    if ndim_of(a) == 0:
        raise ValueError("sort: axis out of bounds for a 0-d array (use axis=None)")
    indices = np.argsort(value_of(a), axis=axis, kind="stable")
    return take_along_axis(a, indices, axis)


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The n-th discrete difference along `axis`, as numpy.diff (with `prepend` and
    `append` values, which may be Vars too).

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.diff(np.array([1.0, 4.0, 9.0, 16.0]), n=2)
        array([2., 2.])
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"diff: order must be non-negative, got {n}")
    if n == 0:
        return a
    nd = ndim_of(a)
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = int(axis) % nd
    parts = []
    for extra in (prepend, a, append):
        if extra is None:
            continue
        if extra is not a and ndim_of(extra) == 0:
            shape = list(shape_of(a))
            shape[axis] = 1
            if isinstance(extra, (int, float)):  # a Python number takes a's dtype
                extra = np.full(shape, extra, np.result_type(value_of(a)))
            else:
                extra = broadcast_to(extra, tuple(shape))
        parts.append(extra)
    if len(parts) > 1:
        a = concatenate(parts, axis=axis)
    upper = [slice(None)] * nd
    lower = [slice(None)] * nd
    upper[axis] = slice(1, None)
    lower[axis] = slice(None, -1)
    for _ in range(n):
        a = getitem(a, tuple(upper)) - getitem(a, tuple(lower))
    return a


def broadcast_arrays(*args):
    """The arguments broadcast to one shape (numpy.broadcast_arrays), as read-only views
    or Vars; gradients are summed back to each argument's shape.

        >>> import numpy as np, revad.numpy as rnp
        >>> [x.shape for x in rnp.broadcast_arrays(np.ones(3), np.ones((2, 1)))]
        [(2, 3), (2, 3)]
    """
    if not any(isinstance(x, Tracer) for x in args):
        return np.broadcast_arrays(*args)
    shape = np.broadcast_shapes(*(shape_of(x) for x in args))
    return tuple(broadcast_to(x, shape) for x in args)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate arrays from 1-d coordinate vectors, as numpy.meshgrid (indexing 'xy'
    or 'ij', `sparse` for broadcastable rather than full arrays); each is a broadcast of
    its vector, and its gradient is summed back onto that vector.

        >>> import numpy as np, revad.numpy as rnp
        >>> xs, ys = rnp.meshgrid(np.arange(3.0), np.arange(2.0))
        >>> xs
        array([[0., 1., 2.],
               [0., 1., 2.]])
    """
    if indexing not in ("xy", "ij"):
        raise ValueError("meshgrid: indexing must be 'xy' or 'ij'")
    if not any(isinstance(x, Tracer) for x in xi):
        return np.meshgrid(*xi, copy=copy, sparse=sparse, indexing=indexing)
    nd = len(xi)
    lengths = [int(np.size(value_of(x))) for x in xi]
    out = []
    for i, x in enumerate(xi):
        shape = [1] * nd
        shape[i] = lengths[i]
        if indexing == "xy" and nd > 1 and i < 2:
            shape[0], shape[1] = shape[1], shape[0]
        out.append(reshape(x, tuple(shape)))
    if sparse:
        return tuple(out)
    full = list(lengths)
    if indexing == "xy" and nd > 1:
        full[0], full[1] = full[1], full[0]
    return tuple(broadcast_to(x, tuple(full)) for x in out)


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """x with nan and infinities replaced by finite numbers (numpy.nan_to_num); the
    gradient passes where x is finite and is 0 where an entry was replaced.

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> x = np.array([1.0, np.nan, np.inf])
        >>> rnp.nan_to_num(x, posinf=9.0)
        array([1., 0., 9.])
        >>> rv.grad(lambda x: rnp.sum(rnp.nan_to_num(x)))(x)
        array([1., 0., 0.])
    """
    from .elementwise import where
    v = value_of(x)
    replaced = np.nan_to_num(v, copy=True, nan=nan, posinf=posinf, neginf=neginf)
    if not isinstance(x, Tracer):
        return float(replaced) if type(v) is float else replaced
    if type(v) is float:
        replaced = float(replaced)
    return where(np.isfinite(v), x, replaced)
