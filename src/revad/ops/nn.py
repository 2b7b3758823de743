"""Normalised exponentials, written with logsumexp so that they never overflow."""
from .elementwise import exp
from .reductions import logsumexp


def log_softmax(x, axis=-1):
    """log(softmax(x)) along `axis`, computed as x - logsumexp(x).

        >>> import numpy as np, revad as rv
        >>> bool(np.allclose(rv.log_softmax(np.array([1000.0, 1000.0])), np.log(0.5)))
        True
    """
    return x - logsumexp(x, axis, keepdims=True)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, without overflow for large x.

        >>> import numpy as np, revad as rv
        >>> rv.softmax(np.array([1000.0, 1000.0]))
        array([0.5, 0.5])
    """
    return exp(log_softmax(x, axis))
