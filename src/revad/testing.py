"""Checking derivatives against central finite differences.

Shipped with the library so that users can test their own functions and rules the way
revad tests its own.
"""
import numpy as np

from .core import value_of
from .transforms import vjp
from .tree import tree_flatten, tree_unflatten

__all__ = ["check_grad"]


def _as_float64(x):
    """x in double precision: float64, or complex128 for complex x."""
    v = value_of(x)
    return np.array(v, dtype=np.complex128 if np.iscomplexobj(v) else np.float64)


def _restore(template, array):
    """`array` in the form of the leaf `template` (a Python number stays one)."""
    if isinstance(template, complex):
        return complex(array)
    return float(array) if isinstance(template, (float, int)) else array


def _random_like(rng, y):
    """A random cotangent for an output like y (complex for a complex output)."""
    shape = np.shape(value_of(y))
    u = rng.standard_normal(shape)
    if np.iscomplexobj(value_of(y)):
        u = u + 1j * rng.standard_normal(shape)
    return u if shape else u[()]


def check_grad(fun, *args, rtol=1e-5, atol=1e-7, eps=None, max_entries=2000,
               directions=8, seed=0):
    """Compare revad's derivatives of `fun` at `args` with central finite differences.

    `fun` may return a scalar or an array: for arrays, the check is on the scalar
    ``Re(sum(u * fun(x)))`` for a fixed random `u`. Each input entry is perturbed in
    turn (a complex one along its real and its imaginary part) when there are at most
    `max_entries` of them, otherwise the check is along `directions` random
    directions. Complex derivatives follow revad's convention (``Re(sum(g * d))`` is
    the derivative along d; see `revad.ops.complex`). Raises AssertionError with a report of the worst entries when
    ``|analytic - numeric| > atol + rtol * |numeric|`` anywhere, else returns the
    largest error seen.

        >>> import revad as rv, revad.numpy as rnp
        >>> rv.check_grad(lambda x: rnp.sum(rnp.sin(x) ** 2), rnp.linspace(0, 1, 5)) < 1e-7
        True
    """
    rng = np.random.default_rng(seed)
    leaves, treedef = tree_flatten(args)
    base = [_as_float64(x) for x in leaves]
    out, pullback = vjp(fun, *tree_unflatten(treedef, [_restore(t, b) for t, b in zip(
        leaves, base, strict=True)]))
    out_leaves, out_def = tree_flatten(out)
    projections = [_random_like(rng, y) for y in out_leaves]

    def project(result):
        result_leaves, _ = tree_flatten(result)
        return float(sum(np.real(np.sum(u * _as_float64(y)))
                         for u, y in zip(projections, result_leaves, strict=True)))

    def f_at(arrays):
        return project(fun(*tree_unflatten(treedef, [_restore(t, a) for t, a in zip(
            leaves, arrays, strict=True)])))

    cotangent = tree_unflatten(out_def, [u if np.ndim(value_of(y)) else u.item()
                                         for u, y in zip(projections, out_leaves, strict=True)])
    analytic = [_as_float64(g) for g in tree_flatten(pullback(cotangent))[0]]

    h = eps if eps is not None else 6e-6 * max(1.0, max(
        (float(np.max(np.abs(b))) for b in base if b.size), default=1.0))

    def numeric_along(direction):
        plus = [b + h * d for b, d in zip(base, direction, strict=True)]
        minus = [b - h * d for b, d in zip(base, direction, strict=True)]
        return (f_at(plus) - f_at(minus)) / (2 * h)

    rows = []
    total = sum(b.size for b in base)
    if total <= max_entries:
        for k, b in enumerate(base):
            units = (1.0, 1j) if np.iscomplexobj(b) else (1.0,)
            for index in np.ndindex(b.shape):
                for unit in units:
                    direction = [np.zeros_like(c) for c in base]
                    direction[k][index] = unit
                    part = "" if unit == 1.0 and len(units) == 1 else (
                        " (real part)" if unit == 1.0 else " (imaginary part)")
                    rows.append((f"input leaf {k} at {index}{part}",
                                 float(np.real(analytic[k][index] * unit)),
                                 numeric_along(direction)))
    else:
        for n in range(directions):
            direction = [_random_like(rng, b) for b in base]
            a = float(sum(np.real(np.sum(g * d))
                          for g, d in zip(analytic, direction, strict=True)))
            rows.append((f"random direction {n}", a, numeric_along(direction)))
    worst = 0.0
    failures = []
    for where, a, n in rows:
        err = float(abs(a - n))
        worst = max(worst, err)
        if not err <= atol + rtol * abs(n):
            failures.append((err, where, a, n))
    if failures:
        failures.sort(reverse=True)
        lines = [f"  {where}: revad {a:.10g}, finite difference {n:.10g}, error {err:.3g}"
                 for err, where, a, n in failures[:10]]
        raise AssertionError(
            f"gradient check of {getattr(fun, '__name__', 'function')} failed at "
            f"{len(failures)} of {len(rows)} entries (rtol={rtol}, atol={atol}); worst:\n"
            + "\n".join(lines))
    return worst
