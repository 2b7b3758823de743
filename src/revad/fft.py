"""``revad.numpy.fft``: numpy.fft's transforms, differentiable (``rnp.fft.fft``).

Derivatives follow revad's convention for complex numbers (see `revad.ops.complex`).
Any other name (``fftfreq``, ``rfftfreq`` ...) is numpy.fft's own.
"""
import numpy as _np

from .core import numpy_fallback as _numpy_fallback
from .ops.fft import fft, fft2, fftn, fftshift, ifft, ifft2, ifftn, ifftshift, irfft, rfft

__all__ = ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "fftn", "ifftn", "fftshift",
           "ifftshift"]


__getattr__ = _numpy_fallback(_np.fft, "revad.numpy.fft")
