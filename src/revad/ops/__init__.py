"""revad's primitives and the composites written with them, grouped by family."""
from . import elementwise, linalg, nn, reductions, shape  # noqa: F401  (registers them)
from . import complex, fft, matrix, special  # noqa: F401  (registers them)
from ._registry import PRIMITIVES  # noqa: F401
