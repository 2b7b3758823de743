"""Normalised exponentials, written with logsumexp so that they never overflow."""
from .elementwise import exp
from .reductions import logsumexp


def log_softmax(x, axis=-1):
    """log(softmax(x)) along `axis`, computed as x - logsumexp(x)."""
    return x - logsumexp(x, axis, keepdims=True)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, without overflow for large x."""
    return exp(log_softmax(x, axis))
