"""Forward mode: values carried together with their tangents ("dual numbers").

A `Dual` of a given level holds a value and its tangent; an op on it computes the value
with the same op one level down and the tangent with the primitive's JVP rules. Nothing
is recorded, so memory does not grow with the length of the computation. Levels nest
with those of reverse mode (see `revad.core`): the JVP rules are written with revad's
functions, so forward-over-reverse (Hessian-vector products, `hessian`) and any other
mix compose.

A Dual may carry a *batch* of tangents, stacked on a leading axis (`jacfwd` pushes all
basis vectors through one evaluation this way). Elementwise rules broadcast over the
batch once the tangent is aligned to the output's rank; primitives with a
`batched_jvps` rule handle the batch axis themselves; any other primitive is applied
to one tangent of the batch at a time, which is slower but always right.
"""
import numpy as np
from numpy import ndarray

from .core import Tracer, _apply, _stand_in, bind, value_of

__all__ = ["Dual", "fit_tangent"]


class Dual(Tracer):
    """A value with a tangent, at one forward-mode level (made by `revad.jvp`)."""

    __slots__ = ("_value", "_tangent", "_level", "_batch")

    def __init__(self, value, tangent, level, batch=0):
        self._value = value
        self._tangent = tangent
        self._level = level
        self._batch = batch  # the number of stacked tangents, or 0 for a single one

    def __repr__(self):
        return f"Dual({self._value!r}, tangent={self._tangent!r})"

    def process(self, prim, args, params, compute=None):
        """Apply `prim` with this Dual's level the highest among `args`. The value one
        level down is ``compute(values)`` if given (a function with rules of its own,
        see `revad.custom`), else `prim` bound to the values."""
        level = self._level
        nondiff = prim.nondiff
        primals = list(args)
        tangents = []  # (argument position, tangent)
        lower = False  # whether a value is a tracer of a lower level
        for i, a in enumerate(args):
            if not isinstance(a, Tracer):
                continue
            if i in nondiff:
                primals[i] = value_of(a)
            elif type(a) is Dual and a._level == level:
                tangents.append((i, a._tangent))
                primals[i] = a = a._value
                lower = lower or isinstance(a, Tracer)
            else:
                lower = True
        if compute is not None:
            ans = compute(tuple(primals))
        else:
            # bind goes through the lower levels; with none, straight to the implementation
            ans = (bind if lower else _apply)(prim, tuple(primals), params)
        batch = self._batch
        rules = prim.jvps
        tangent = None
        for i, t in tangents:
            rule = rules[i] if i < len(rules) else None
            if rule is None:
                raise NotImplementedError(f"no JVP rule for '{prim.name}' w.r.t. argument {i}")
            if batch:
                ti = _batched_tangent(prim, i, rule, t, ans, primals, params, batch)
            else:
                ti = rule(t, ans, *primals, **params)
            if ti is not None:
                tangent = ti if tangent is None else tangent + ti
        if tangent is None:
            return ans
        if batch or not (type(tangent) is type(ans) is ndarray and tangent.shape == ans.shape
                         and tangent.dtype is ans.dtype):  # else already in form
            tangent = fit_tangent(tangent, ans, batch)
        return Dual(ans, tangent, level, batch)


def _batched_tangent(prim, i, rule, t, ans, primals, params, batch):
    """The output tangents for a batch `t` of tangents of argument i (stacked on axis 0)."""
    from .ops.shape import ndim_of, reshape, shape_of, stack
    if prim.elementwise:
        extra = ndim_of(ans) - ndim_of(primals[i])
        if extra > 0:
            t = reshape(t, (batch,) + (1,) * extra + shape_of(primals[i]))
        return rule(t, ans, *primals, **params)
    batched = prim.batched_jvps
    if batched is not None and batched[i] is not None:
        return batched[i](t, ans, *primals, **params)
    return stack([fit_tangent(rule(t[k], ans, *primals, **params), ans)
                  for k in range(batch)])


def fit_tangent(t, ans, batch=0):
    """Shape the tangent `t` like the value `ans` (with the batch axis first, if any):
    rules may leave a tangent that broadcasts to the output (the JVP of ``x + y``
    w.r.t. x is x's tangent)."""
    if type(t) is float and type(ans) is float and not batch:
        return t
    if type(t) is ndarray and type(ans) is ndarray and t.dtype is ans.dtype and (
            t.shape[1:] == ans.shape if batch else t.shape == ans.shape):
        return t
    from .ops.shape import broadcast_to, fit_to
    if not batch:
        return fit_to(t, ans, broadcast_to)
    # the value of a batch of tangents: ans's shape with the batch axis in front
    v = value_of(ans)
    return fit_to(t, _stand_in((batch,) + np.shape(v), np.result_type(v)), broadcast_to)
