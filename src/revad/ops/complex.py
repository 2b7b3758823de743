"""Complex numbers: the parts of a complex value, and the convention for derivatives.

revad follows JAX and HIPS autograd. A cotangent pairs with a tangent through
``Re(a * b)``, without conjugation, so that the rule of a holomorphic function is the
same formula as in the real case (``g * f'(z)``) and `holomorphic` gradients are plain
complex derivatives. The gradient of a real-valued function of a complex z is then
``df/dx - i df/dy`` (for ``|z|**2`` it is ``2 * conj(z)``), and a real input receives
the real part of its cotangent (the forward rules below, derived from the reverse ones
as for any elementwise function, rely on that too). Only the functions that are not
holomorphic need rules of their own: the parts below, and `absolute`.
"""
import numpy as np

from ._registry import ELEMENTWISE, builtin


def _part(np_fn):
    def impl(z):
        out = np_fn(z)
        return float(out) if np.ndim(out) == 0 and np.isrealobj(out) and type(z) in (
            float, complex) else out
    impl.__name__ = np_fn.__name__
    return impl


real = builtin(_part(np.real), "real", unary=True, saves=(),
               vjp=(lambda ans, z: lambda g: g,), jvp=ELEMENTWISE, doc="""
    The real part of z; its derivative w.r.t. z is 1 (the cotangent comes back as is).

        >>> import revad as rv
        >>> rv.grad(lambda z: rv.real(z * z))(1.0 + 2.0j)   # Re(z^2) = x^2 - y^2: 2x + 2y i
        (2+4j)
    """)

imag = builtin(_part(np.imag), "imag", unary=True, saves=(),
               vjp=(lambda ans, z: lambda g: -1j * g,), jvp=ELEMENTWISE, doc="""
    The imaginary part of z.

        >>> import revad as rv
        >>> rv.grad(rv.imag)(1.0 + 2.0j)   # Im z = y: df/dx - i df/dy = -i
        -1j
    """)

conj = builtin(np.conjugate, "conj", unary=True, saves=(),
               vjp=(lambda ans, z: lambda g: conj(g),), jvp=ELEMENTWISE, doc="""
    The complex conjugate of z.

        >>> import revad as rv
        >>> rv.grad(lambda z: rv.real(z * rv.conj(z)))(3.0 + 4.0j)   # |z|^2: 2 conj(z)
        (6-8j)
    """)


angle = builtin(_part(np.angle), "angle", unary=True, saves=(0,), jvp=ELEMENTWISE,
                vjp=(lambda ans, z: lambda g: -1j * g * conj(z) / real(z * conj(z)),), doc="""
    The argument (phase) of z in radians.

        >>> import math, revad as rv
        >>> g = rv.grad(rv.angle)(1.0 + 1.0j)   # angle = atan2(y, x)
        >>> math.isclose(g.real, -0.5) and math.isclose(g.imag, -0.5)
        True
    """)

