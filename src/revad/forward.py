"""Forward mode: values carried together with their tangents ("dual numbers").

A `Dual` of a given level holds a value and its tangent; an op on it computes the value
with the same op one level down and the tangent with the primitive's JVP rules. Nothing
is recorded, so memory does not grow with the length of the computation. Levels nest
with those of reverse mode (see `revad.core`): the JVP rules are written with revad's
functions, so forward-over-reverse (Hessian-vector products, `hessian`) and any other
mix compose.
"""
from .core import Tracer, bind, value_of

__all__ = ["Dual", "fit_tangent"]


class Dual(Tracer):
    """A value with a tangent, at one forward-mode level (made by `revad.jvp`)."""

    __slots__ = ("_value", "_tangent", "_level")

    def __init__(self, value, tangent, level):
        self._value = value
        self._tangent = tangent
        self._level = level

    def __repr__(self):
        return f"Dual({self._value!r}, tangent={self._tangent!r})"

    def process(self, prim, args, params):
        """Apply `prim` with this Dual's level the highest among `args`."""
        level = self._level
        nondiff = prim.nondiff
        primals = []
        tangents = []
        for i, a in enumerate(args):
            if isinstance(a, Tracer) and i in nondiff:
                a = value_of(a)
            if type(a) is Dual and a._level == level:
                primals.append(a._value)
                tangents.append(a._tangent)
            else:
                primals.append(a)
                tangents.append(None)
        primals = tuple(primals)
        ans = bind(prim, primals, params)
        rules = prim.jvps
        tangent = None
        for i, t in enumerate(tangents):
            if t is None:
                continue
            try:
                rule = rules[i]
            except IndexError:
                rule = None
            if rule is None:
                raise NotImplementedError(f"no JVP rule for '{prim.name}' w.r.t. argument {i}")
            ti = rule(t, ans, *primals, **params)
            if ti is not None:
                tangent = ti if tangent is None else tangent + ti
        if tangent is None:
            return ans
        return Dual(ans, fit_tangent(tangent, ans), level)


def fit_tangent(t, ans):
    """Shape the tangent `t` like the value `ans`: rules may leave a tangent that
    broadcasts to the output (the JVP of ``x + y`` w.r.t. x is x's tangent)."""
    from .ops.shape import broadcast_to, fit_to
    return fit_to(t, ans, broadcast_to)
