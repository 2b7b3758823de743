"""revad: reverse-mode automatic differentiation of Python and NumPy code.

    >>> import revad as rv
    >>> x = rv.Var(2.0)
    >>> y = x * rv.sin(x)
    >>> y.backward()
    >>> print(f"{x.grad:.6f}")   # sin(2) + 2 cos(2)
    0.077004
"""
from . import _compiled

_compiled.install()  # before any module that may be compiled is imported

from . import operators as _operators  # noqa: F401  (installs Var's operators)
from .core import (
    Primitive, Var, defjvp, defjvp_argnum, defvjp, defvjp_argnum, enable_grad,
    is_grad_enabled, no_grad, primitive, stop_gradient,
)
from .numpy import (
    absolute, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, broadcast_to,
    cbrt, ceil, clip, concatenate, cos, cosh, cumsum, diag, dot, einsum, exp, expand_dims,
    expm1, flip, floor, hypot, inner, log, log1p, log2, log10, log_softmax, logaddexp,
    logsumexp, matmul, max, maximum, mean, min, minimum, moveaxis, norm, outer, prod,
    reciprocal, relu, repeat, reshape, sigmoid, sign, sin, sinh, softmax, softplus,
    split, sqrt, square, squeeze, stack, std, sum, swapaxes, take, tan, tanh, tensordot,
    tile, trace, transpose, tril, triu, var, where,
)
from .numpy import abs, round  # noqa: A004  (NumPy's names, as in revad.numpy)
from .numpy import angle, conj, fft, imag, linalg, real
from .custom import checkpoint, custom_jvp, custom_vjp
from .reverse import gradients
from .testing import check_grad
from .transforms import (
    grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, linearize, value_and_grad, vjp,
)
from .tree import tree_flatten, tree_map, tree_unflatten
from .viz import draw, to_dot, to_graph
from . import optim  # noqa: E402  (the optimizers, as rv.optim.adam ...)

__version__ = "0.1.0"
