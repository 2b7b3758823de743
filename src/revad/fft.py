"""``revad.numpy.fft``: numpy.fft's transforms, differentiable (``rnp.fft.fft``).

Derivatives follow revad's convention for complex numbers (see `revad.ops.complex`).
Any other name (``fftfreq``, ``rfftfreq`` ...) is numpy.fft's own.
"""
import numpy as _np

from .ops.fft import fft, fft2, fftn, fftshift, ifft, ifft2, ifftn, ifftshift, irfft, rfft

__all__ = ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "fftn", "ifftn", "fftshift",
           "ifftshift"]


def __getattr__(name):
    try:
        return getattr(_np.fft, name)
    except AttributeError:
        raise AttributeError(f"module 'revad.numpy.fft' has no attribute {name!r}") from None
