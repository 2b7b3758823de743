"""Products of arrays: matmul and einsum are primitives, the rest are written with them."""
import string

import numpy as np

from ..core import RulesByArgnum
from ._registry import MULTILINEAR, builtin
from .shape import (
    broadcast_to, ndim_of, python_scalar, ravel, reshape, shape_of, sum_to, swapaxes,
)


def _matmul_impl(a, b):
    return python_scalar(np.matmul(a, b))


def _as_matrices(a, b, g):
    """Promote 1-d operands of matmul (and the cotangent) to 2-d, as matmul does."""
    if ndim_of(a) == 1:
        a = reshape(a, (1, -1))
        g = reshape(g, shape_of(g)[:-1] + (1,) + shape_of(g)[-1:])
    if ndim_of(b) == 1:
        b = reshape(b, (-1, 1))
        g = reshape(g, shape_of(g) + (1,))
    return a, b, g


def _batched_matmul_b(t, ans, a, b):
    if ndim_of(b) == 1:  # a batch of vectors is a stack of matrices to matmul
        return reshape(matmul(a, reshape(t, shape_of(t) + (1,))), shape_of(t)[:1] + shape_of(ans))
    return matmul(a, t)


def _as_operand_shape(grad, operand, as_matrix):
    """A cotangent computed for the 2-d form of a 1-d operand, summed over any batch
    axes the other operand brought in and reshaped back to 1-d."""
    if ndim_of(operand) != 1:
        return grad
    return reshape(sum_to(grad, as_matrix), shape_of(operand))


def _matmul_vjp_a(ans, a, b):
    def vjp(g):
        if ndim_of(a) >= 2 and ndim_of(b) >= 2:  # the common case, nothing to promote
            return matmul(g, swapaxes(b, -1, -2))
        if ndim_of(b) == 1 and ndim_of(a) >= 2:
            # An outer product: einsum beats a matmul with an inner size of 1, and
            # unlike a broadcast product needs no buffers beside the result.
            return einsum("...i,j->...ij", g, b)
        a2, b2, g2 = _as_matrices(a, b, g)
        ga = matmul(g2, swapaxes(b2, -1, -2))
        return _as_operand_shape(ga, a, (1, shape_of(a)[-1]))
    return vjp


def _matmul_vjp_b(ans, a, b):
    def vjp(g):
        if ndim_of(a) >= 2 and ndim_of(b) >= 2:
            return matmul(swapaxes(a, -1, -2), g)
        if ndim_of(a) == 1 and ndim_of(b) >= 2:
            return einsum("i,...j->...ij", a, g)
        a2, b2, g2 = _as_matrices(a, b, g)
        gb = matmul(swapaxes(a2, -1, -2), g2)
        return _as_operand_shape(gb, b, (shape_of(b)[0], 1))
    return vjp


matmul = builtin(_matmul_impl, "matmul", vjp=(_matmul_vjp_a, _matmul_vjp_b),
                 jvp=MULTILINEAR, saves=(0, 1), fresh_cotangents=True, binary=True,
                 batched_jvp=(lambda t, ans, a, b: matmul(t, b), _batched_matmul_b), doc="""
    Matrix product with NumPy's rules for 1-d and stacked (batched) operands.

        >>> import numpy as np, revad as rv
        >>> A, x = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0])
        >>> rv.grad(lambda x: rv.sum(rv.matmul(A, x)))(x)   # A^T 1
        array([4., 6.])
    """)


# --- einsum ------------------------------------------------------------------------

def _parse_einsum(subscripts, shapes):
    """Explicit subscripts, one letter per axis: ellipses expanded, output spelled out."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
    else:
        inputs, output = subscripts, None
    inputs = inputs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: {len(inputs)} operand subscripts for {len(shapes)} operands")
    spare = [c for c in string.ascii_letters if c not in subscripts]
    ell_ndim = 0
    for sub, shape in zip(inputs, shapes, strict=True):
        if "..." in sub:
            ell_ndim = max(ell_ndim, len(shape) - len(sub.replace("...", "")))
    ellipsis = "".join(spare[:ell_ndim])
    explicit = []
    for sub, shape in zip(inputs, shapes, strict=True):
        if "..." in sub:
            n = len(shape) - len(sub.replace("...", ""))
            sub = sub.replace("...", ellipsis[ell_ndim - n:])
        if len(sub) != len(shape):
            raise ValueError(f"einsum: subscripts '{sub}' do not fit an operand of shape {shape}")
        explicit.append(sub)
    if output is None:
        counts = {}
        for c in "".join(explicit):
            counts[c] = counts.get(c, 0) + 1
        output = ellipsis + "".join(sorted(c for c, k in counts.items()
                                           if k == 1 and c not in ellipsis))
    else:
        output = output.replace("...", ellipsis)
    return explicit, output


def _einsum_impl(*operands, subscripts):
    return python_scalar(np.einsum(subscripts, *operands))


def _einsum_vjp(i, ans, *operands, subscripts):
    inputs, output = _parse_einsum(subscripts, [shape_of(o) for o in operands])
    target = inputs[i]
    sizes = dict(zip(target, shape_of(operands[i]), strict=True))
    others = [s for j, s in enumerate(inputs) if j != i]
    other_ops = [o for j, o in enumerate(operands) if j != i]
    spare = iter(c for c in string.ascii_letters
                 if c not in "".join(inputs) + output)
    # A letter repeated in the target (a diagonal, as in "ii->i") is renamed and tied
    # to the original by an identity matrix, since einsum cannot write a diagonal.
    renamed, seen = "", set()
    for c in target:
        if c in seen:
            fresh = next(spare)
            others.append(c + fresh)
            other_ops.append(np.eye(sizes[c]))
            c = fresh
        seen.add(c)
        renamed += c
    available = set(output).union(*others)
    # A letter summed over in this operand alone gets a broadcast back.
    kept = "".join(c for c in renamed if c in available)
    full_shape = shape_of(operands[i])

    def vjp(g):
        spec = ",".join([output] + others) + "->" + kept
        out = einsum(spec, g, *other_ops)
        if kept != renamed:
            shape = tuple(n if c in kept else 1 for c, n in zip(renamed, full_shape, strict=True))
            out = broadcast_to(reshape(out, shape), full_shape)
        return out
    return vjp


def _batched_einsum_jvp(i, t, ans, *operands, subscripts):
    inputs, output = _parse_einsum(subscripts, [shape_of(o) for o in operands])
    batch = next(c for c in string.ascii_letters if c not in "".join(inputs) + output)
    inputs[i] = batch + inputs[i]
    spec = ",".join(inputs) + "->" + batch + output
    return _einsum(*operands[:i], t, *operands[i + 1:], subscripts=spec)


_einsum = builtin(_einsum_impl, "einsum", vjp=RulesByArgnum(_einsum_vjp), jvp=MULTILINEAR,
                  batched_jvp=RulesByArgnum(_batched_einsum_jvp))


def einsum(subscripts, *operands):
    """Einstein summation (see numpy.einsum), differentiable in every operand.

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda a: rv.einsum("ii->", a))(np.ones((2, 2)))   # d trace = I
        array([[1., 0.],
               [0., 1.]])
    """
    if not isinstance(subscripts, str):
        raise TypeError("einsum needs the subscripts string first (the interleaved "
                        "operand/sublist form is not supported)")
    return _einsum(*operands, subscripts=subscripts)


def tensordot(a, b, axes=2):
    """Sum of products over the given axes of a and b (see numpy.tensordot).

        >>> import numpy as np, revad as rv
        >>> rv.tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
        (2, 4)
    """
    na, nb = ndim_of(a), ndim_of(b)
    if np.ndim(axes) == 0:
        axes_a, axes_b = list(range(na - axes, na)), list(range(axes))
    else:
        axes_a, axes_b = (np.atleast_1d(ax).tolist() for ax in axes)
    axes_a = [ax % na for ax in axes_a]
    axes_b = [ax % nb for ax in axes_b]
    letters = iter(string.ascii_letters)
    sub_a = [next(letters) for _ in range(na)]
    sub_b = [next(letters) for _ in range(nb)]
    for ax_a, ax_b in zip(axes_a, axes_b, strict=True):
        sub_b[ax_b] = sub_a[ax_a]
    out = [c for k, c in enumerate(sub_a) if k not in axes_a]
    out += [c for k, c in enumerate(sub_b) if k not in axes_b]
    return einsum(f"{''.join(sub_a)},{''.join(sub_b)}->{''.join(out)}", a, b)


def dot(a, b):
    """Dot product with NumPy's rules (matmul for 1-d/2-d, tensordot beyond).

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda a: rv.dot(a, a))(np.array([1.0, 2.0]))
        array([2., 4.])
    """
    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return a * b
    if na <= 2 and nb <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([-1], [-2 if nb > 1 else -1]))


def inner(a, b):
    """Sum of products over the last axes (see numpy.inner).

        >>> import numpy as np, revad as rv
        >>> rv.inner(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
        11.0
    """
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return a * b
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a, b):
    """Outer product of the flattened a and b.

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda a: rv.sum(rv.outer(a, np.array([1.0, 2.0]))))(np.ones(2))
        array([3., 3.])
    """
    return reshape(ravel(a), (-1, 1)) * reshape(ravel(b), (1, -1))


def vdot(a, b):
    """Dot product of the flattened a and b.

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.vdot(np.ones((2, 2)), np.ones((2, 2)))
        4.0
    """
    return matmul(ravel(a), ravel(b))
