"""SciPy-like namespaces whose functions differentiate: ``revad.scipy.special`` and
``revad.scipy.stats`` (``norm``, ``multivariate_normal``).

Values come from SciPy, which is imported only when a function needs it; derivatives
are revad's own, so they compose with every transform (grad, jvp, hessian ...).
"""
from . import special, stats  # noqa: F401
