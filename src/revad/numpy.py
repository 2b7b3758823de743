"""A NumPy-like namespace whose functions differentiate: ``import revad.numpy as np``.

Code written for HIPS autograd (``import autograd.numpy as np``) ports by changing that
one import. The differentiable functions are listed here by name. Every other NumPy
name (``zeros``, ``arange``, ``pi``, ``random``, ``float32`` ...) is NumPy's own,
looked up on demand: those functions create or inspect values and carry no gradient,
and if a Var reaches one of them anyway, NumPy hands it back to revad (NEP 18), which
raises NotImplementedError naming the function rather than dropping the gradient.
"""
import numpy as _np

from .core import Tracer as _Tracer
from .core import numpy_fallback as _numpy_fallback
from .ops.elementwise import (
    absolute, add, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, cbrt,
    ceil, clip, cos, cosh, divide, exp, expm1, floor, hypot, log, log1p, log2, log10,
    logaddexp, maximum, minimum, multiply, negative, power, reciprocal, relu, rint,
    sigmoid, sign, sin, sinh, softplus, sqrt, square, subtract, tan, tanh, where,
)
from .ops.complex import angle, conj, imag, real
from .ops.linalg import dot, einsum, inner, matmul, outer, tensordot, vdot
from .ops._registry import holds_tracer as _holds_tracer
from .ops.nn import log_softmax, softmax
from .ops.reductions import cumsum, logsumexp, max, mean, min, norm, prod, std, sum, var
from .ops.shape import (
    astype, broadcast_to, concatenate, diag, diagonal, expand_dims, flip, moveaxis,
    ravel, repeat, reshape, split, squeeze, stack, swapaxes, take, tile, trace,
    transpose, tril, triu,
)
from .ops.matrix import convolve, correlate, kron
from .ops.reductions import cumprod
from .ops.shape import (
    broadcast_arrays, diff, meshgrid, nan_to_num, sort, take_along_axis,
)
from . import fft, linalg

abs = absolute
conjugate = conj
true_divide = divide
round = around = rint
amax, amin = max, min
concat = concatenate


def array(obj, dtype=None):
    """Like numpy.array, but a (nested) list holding Vars becomes a stacked Var.

        >>> import revad as rv, revad.numpy as rnp
        >>> rv.grad(lambda x: rnp.sum(rnp.array([x, 2.0 * x, 3.0])))(1.0)
        3.0
    """
    if isinstance(obj, _Tracer):
        return obj if dtype is None else astype(obj, dtype)
    if isinstance(obj, (list, tuple)) and _holds_tracer(obj):
        out = stack([array(o) for o in obj])
        return out if dtype is None else astype(out, dtype)
    return _np.array(obj, dtype=dtype)


def asarray(obj, dtype=None):
    """Like numpy.asarray (no copy of a plain array), with lists of Vars stacked.

        >>> import numpy as np, revad.numpy as rnp
        >>> a = np.ones(2)
        >>> rnp.asarray(a) is a
        True
    """
    if isinstance(obj, _Tracer) or isinstance(obj, (list, tuple)) and _holds_tracer(obj):
        return array(obj, dtype)
    return _np.asarray(obj, dtype=dtype)



__getattr__ = _numpy_fallback(_np, "revad.numpy")
