"""Discrete Fourier transforms (numpy.fft), differentiable.

With cotangents paired as ``Re(a * b)`` (see `revad.ops.complex`), the transpose of a
transform is its plain transpose, and the DFT matrix is symmetric: the reverse rule of
`fft` is `fft`, that of `ifft` is `ifft` (whatever `norm`), with the cotangent cut or
zero-padded back where `n` resized the input. The real transforms add a projection:
`rfft` keeps half the spectrum, so its rule pads that half back; `irfft` reads each
entry other than the first (and the Nyquist one) twice, hence the factor 2 in its rule.
The multidimensional transforms are the one-dimensional ones applied along each axis.
"""
import numpy as np

from ..core import value_of
from ._registry import MULTILINEAR, builtin
from .complex import conj
from .shape import concatenate, getitem, ndim_of, shape_of


def _resize(x, length, axis):
    """x cut or zero-padded to `length` along `axis` (as numpy.fft does with n)."""
    size = shape_of(x)[axis]
    if size == length:
        return x
    nd = ndim_of(x)
    axis = axis % nd
    if size > length:
        return getitem(x, (slice(None),) * axis + (slice(0, length),))
    pad_shape = list(shape_of(x))
    pad_shape[axis] = length - size
    return concatenate([x, np.zeros(pad_shape, np.result_type(value_of(x)))], axis=axis)


def _batched(rule):
    """A rule for a batch of tangents on axis 0: the same transform one axis further."""
    def batched(t, ans, x, n=None, axis=-1, norm=None):
        return rule(t, n=n, axis=axis % ndim_of(x) + 1, norm=norm)
    return batched


def _dft_vjp(adjoint):
    """The rule of a transform whose cotangent map is the transform ``adjoint()`` (fft
    for fft and rfft, ifft for ifft): the cotangent, padded to the transform's length n
    (rfft's is shorter), transformed, and cut or padded back to x's length. For rfft
    the real part is taken centrally, as x is real."""
    def rule(ans, x, n=None, axis=-1, norm=None):
        length = shape_of(x)[axis]
        full = length if n is None else n
        return lambda g: _resize(adjoint()(_resize(g, full, axis), None, axis, norm),
                                 length, axis)
    return rule


def _irfft_vjp(ans, c, n=None, axis=-1, norm=None):
    nd = ndim_of(c)
    axis = axis % nd
    length = shape_of(ans)[axis]
    half = length // 2 + 1
    weights = np.full(half, 2.0)
    weights[0] = 1.0
    if length % 2 == 0:
        weights[-1] = 1.0
    weights = weights.reshape((-1,) + (1,) * (nd - axis - 1))
    scale = {None: 1.0 / length, "backward": 1.0 / length, "ortho": 1.0 / np.sqrt(length),
             "forward": 1.0}[norm]

    def vjp(g):
        spectrum = rfft(g, None, axis)  # unnormalised: the scale is applied here
        return _resize(conj(spectrum * weights) * scale, shape_of(c)[axis], axis)
    return vjp


def _transform(np_fn, name, vjp, doc):
    def impl(x, n=None, axis=-1, norm=None):
        return np_fn(x, n, axis, norm)
    impl.__name__ = name

    def transform(x, n=None, axis=-1, norm=None):
        # parameters travel as keywords, so that every rule sees them by name
        return prim(x, n=n, axis=axis, norm=norm)

    prim = builtin(impl, name, vjp=(vjp,), jvp=MULTILINEAR, batched_jvp=(_batched(transform),))
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = doc
    transform.primitive = prim.primitive
    return transform


fft = _transform(np.fft.fft, "fft", _dft_vjp(lambda: fft), """
    One-dimensional discrete Fourier transform (numpy.fft.fft), differentiable.

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> x = np.array([1.0, 2.0, 0.0, -1.0])
        >>> g = rv.grad(lambda x: rnp.sum(rnp.abs(rnp.fft.fft(x)) ** 2))(x)
        >>> np.allclose(g, 2 * 4 * x)   # Parseval: sum |fft(x)|^2 = n sum x^2
        True
    """)
ifft = _transform(np.fft.ifft, "ifft", _dft_vjp(lambda: ifft), """
    One-dimensional inverse discrete Fourier transform (numpy.fft.ifft).

        >>> import numpy as np, revad.numpy as rnp
        >>> np.allclose(rnp.fft.ifft(rnp.fft.fft(np.arange(4.0))), np.arange(4.0))
        True
    """)
rfft = _transform(np.fft.rfft, "rfft", _dft_vjp(lambda: fft), """
    Discrete Fourier transform of a real input, non-negative frequencies only.

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> rv.grad(lambda x: rnp.real(rnp.fft.rfft(x)[0]))(np.ones(3))   # the sum
        array([1., 1., 1.])
    """)
irfft = _transform(np.fft.irfft, "irfft", _irfft_vjp, """
    Inverse of `rfft`: a real signal from its non-negative frequencies.

        >>> import numpy as np, revad.numpy as rnp
        >>> np.allclose(rnp.fft.irfft(rnp.fft.rfft(np.arange(4.0))), np.arange(4.0))
        True
    """)


def _along_axes(transform, x, s, axes, norm):
    # NumPy's rule: without axes, all of them, or the last len(s) if s is given.
    if axes is None:
        axes = range(ndim_of(x)) if s is None else range(-len(s), 0)
    axes = tuple(axes)
    sizes = [None] * len(axes) if s is None else list(s)
    if len(sizes) != len(axes):
        raise ValueError(f"s has {len(sizes)} entries but axes has {len(axes)}: give one "
                         "output size per transformed axis")
    for axis, size in zip(axes, sizes):
        x = transform(x, size, axis, norm)
    return x


def fftn(x, s=None, axes=None, norm=None):
    """N-dimensional discrete Fourier transform (numpy.fft.fftn).

        >>> import numpy as np, revad.numpy as rnp
        >>> a = np.arange(6.0).reshape(2, 3)
        >>> np.allclose(rnp.fft.fftn(a), np.fft.fftn(a))
        True
    """
    return _along_axes(fft, x, s, axes, norm)


def ifftn(x, s=None, axes=None, norm=None):
    """N-dimensional inverse discrete Fourier transform (numpy.fft.ifftn).

        >>> import numpy as np, revad.numpy as rnp
        >>> a = np.arange(6.0).reshape(2, 3)
        >>> np.allclose(rnp.fft.ifftn(rnp.fft.fftn(a)), a)
        True
    """
    return _along_axes(ifft, x, s, axes, norm)


def fft2(x, s=None, axes=(-2, -1), norm=None):
    """Two-dimensional discrete Fourier transform (numpy.fft.fft2).

        >>> import numpy as np, revad.numpy as rnp
        >>> np.allclose(rnp.fft.fft2(np.eye(3)), np.fft.fft2(np.eye(3)))
        True
    """
    return fftn(x, s, axes, norm)


def ifft2(x, s=None, axes=(-2, -1), norm=None):
    """Two-dimensional inverse discrete Fourier transform (numpy.fft.ifft2).

        >>> import numpy as np, revad.numpy as rnp
        >>> np.allclose(rnp.fft.ifft2(rnp.fft.fft2(np.eye(3))), np.eye(3))
        True
    """
    return ifftn(x, s, axes, norm)


def _roll_half(x, axes, direction):
    nd = ndim_of(x)
    axes = range(nd) if axes is None else np.atleast_1d(axes)
    for axis in axes:
        axis = int(axis) % nd
        size = shape_of(x)[axis]
        order = (np.arange(size) - direction * (size // 2)) % size
        x = getitem(x, (slice(None),) * axis + (order,))
    return x


def fftshift(x, axes=None):
    """The zero frequency moved to the centre (numpy.fft.fftshift).

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.fft.fftshift(np.arange(5.0))
        array([3., 4., 0., 1., 2.])
    """
    return _roll_half(x, axes, 1)


def ifftshift(x, axes=None):
    """The inverse of `fftshift` (numpy.fft.ifftshift).

        >>> import numpy as np, revad.numpy as rnp
        >>> rnp.fft.ifftshift(rnp.fft.fftshift(np.arange(5.0)))
        array([0., 1., 2., 3., 4.])
    """
    return _roll_half(x, axes, -1)
