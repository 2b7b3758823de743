"""The table of revad's built-in primitives, read by tests and docs."""
from ..core import Primitive, Var, bind, defvjp, unary_function

PRIMITIVES: dict[str, Primitive] = {}


def builtin(impl, name, *, vjp=(), nondiff=(), unary=False, doc=None):
    """Register a built-in primitive with its reverse-mode rules (one per argument).

    Returns the public function (the primitive is its ``.primitive``): for `unary`
    primitives, those of one argument and no parameters, a faster specialised one.
    """
    prim = Primitive(impl, name=name, nondiff=nondiff)
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is registered twice")
    if doc is not None:
        prim.__doc__ = doc
    defvjp(prim, *vjp)
    PRIMITIVES[name] = prim
    return unary_function(prim) if unary else _function(prim)


def _function(prim):
    impl = prim.impl

    def function(*args, **params):
        for a in args:
            if isinstance(a, Var):
                return bind(prim, args, params)
        return impl(*args, **params)

    function.__name__ = function.__qualname__ = prim.name
    function.__doc__ = prim.__doc__
    function.primitive = prim
    return function

