"""The table of revad's built-in primitives, read by tests and docs."""
import numpy as np
from numpy import ndarray

from ..core import (
    Primitive, RulesByArgnum, Tracer, Var, binary_recorder, bind,
    unary_function,
)

PRIMITIVES: dict[str, Primitive] = {}

# Markers for `builtin(jvp=...)`: forward-mode rules that follow from the primitive.
ELEMENTWISE = "elementwise"
MULTILINEAR = "multilinear"


def builtin(impl, name, *, vjp=(), jvp=(), batched_jvp=None, saves=None, nondiff=(),
            scalar=None, fresh_cotangents=False, unary=False, binary=False, elementwise=False,
            doc=None):
    """Register a built-in primitive with its reverse- and forward-mode rules.

    `vjp` and `jvp` give one rule per argument. `jvp` may instead be ELEMENTWISE: the
    primitive acts entrywise, so its Jacobian is diagonal (up to broadcasting) and
    each JVP rule is its VJP rule applied to the tangent; or MULTILINEAR: the
    primitive is linear in each argument separately (a product, a reshape), so its JVP
    w.r.t. an argument is the primitive itself with the tangent in that argument's place.

    `batched_jvp` gives, per argument, a forward rule for a batch of tangents stacked
    on a leading axis (see `revad.forward`); elementwise primitives need none: those
    with ELEMENTWISE rules, or with their own rules and ``elementwise=True`` (where
    the VJP rule applied to the tangent would do more work than needed).

    `saves` lists what the VJP rules read: argument positions and "ans" for the
    result (None: everything). A recorded node keeps nothing else alive, which is
    what bounds the memory of a long computation's graph. It may instead give one
    such list per argument, what that argument's rule reads: a node whose other
    arguments are constants then keeps only that.

    `scalar` is the fast path for Python floats (see `Primitive.scalar`): the value and
    its local derivatives in one call, which a first-order backward pass multiplies
    instead of running the VJP rules. The generated tests check it against them.

    `fresh_cotangents`: the VJP rules always return arrays they make, never the
    cotangent, an argument or a view of one, so the backward pass may add into them in
    place (a weight read at every step of a loop then costs one gradient-sized array
    beside the step's contribution, not two beside their sum).

    Returns the public function (the primitive is its ``.primitive``): for `unary`
    and `binary` primitives, those of one or two arguments and no parameters, a faster
    specialised one.
    """
    prim = Primitive(impl, name=name, nondiff=nondiff)
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is registered twice")
    if doc is not None:
        prim.__doc__ = doc
    # a variadic primitive gives its rules as RulesByArgnum(...), one rule told which
    variadic = isinstance(vjp, RulesByArgnum)
    prim.vjps = vjp if variadic else tuple(vjp)
    if saves is not None and any(type(s) is tuple for s in saves):
        prim.saves_by_arg = tuple(frozenset(s) for s in saves)
        prim.saves = frozenset().union(*prim.saves_by_arg)
    else:
        prim.saves = None if saves is None else frozenset(saves)
    prim.scalar = scalar
    prim.fresh_cotangents = fresh_cotangents
    function = (unary_function(prim) if unary else _binary_function(prim) if binary
                else _function(prim))
    prim.elementwise = elementwise or jvp == ELEMENTWISE
    if jvp == ELEMENTWISE:
        jvp = tuple(None if rule is None else _jvp_from_vjp(rule) for rule in vjp)
    elif jvp == MULTILINEAR and variadic:
        jvp = RulesByArgnum(lambda i, t, ans, *args, **params:
                            function(*args[:i], t, *args[i + 1:], **params))
    elif jvp == MULTILINEAR:
        jvp = tuple(None if i in prim.nondiff else _jvp_by_substitution(function, i)
                    for i in range(len(vjp)))
    prim.jvps = jvp if isinstance(jvp, RulesByArgnum) else tuple(jvp)
    prim.batched_jvps = batched_jvp
    PRIMITIVES[name] = prim
    return function


def holds_tracer(items):
    """Whether a (nested) list or tuple holds a tracer."""
    return any(isinstance(x, Tracer) or (type(x) in (list, tuple) and holds_tracer(x))
               for x in items)


def _jvp_from_vjp(vjp_rule):
    def jvp_rule(t, ans, *args, **params):
        return vjp_rule(ans, *args, **params)(t)
    return jvp_rule


def _jvp_by_substitution(function, argnum):
    def jvp_rule(t, ans, *args, **params):
        return function(*args[:argnum], t, *args[argnum + 1:], **params)
    return jvp_rule


def _function(prim):
    impl = prim.impl

    def function(*args, **params):
        for a in args:
            if isinstance(a, Tracer):
                return bind(prim, args, params)
            if type(a) is list and holds_tracer(a):
                # rnp.sum([v1, v2]) means the sum of the stacked values, as in NumPy
                from .shape import stack
                return function(*(stack(x) if type(x) is list else x for x in args),
                                **params)
        return impl(*args, **params)

    function.__name__ = function.__qualname__ = prim.name
    function.__doc__ = prim.__doc__
    function.primitive = prim
    return function


_PLAIN = (float, int, ndarray)


def _binary_function(prim):
    """The public function of a two-argument primitive: a Var with a Var, number or
    array goes to the recorder the operators use (cheaper than `bind`)."""
    impl = prim.impl
    function = _function(prim)
    record = binary_recorder(prim)

    def binary(x, y):
        tx = type(x)
        ty = type(y)
        if tx is Var and (ty is Var or ty in _PLAIN) or ty is Var and tx in _PLAIN:
            return record(x, y)
        if tx is ndarray and ty is ndarray:  # plain values, as rules see them
            return impl(x, y)
        return function(x, y)

    binary.__name__ = binary.__qualname__ = prim.name
    binary.__doc__ = prim.__doc__
    binary.primitive = prim
    binary.record = record  # the operators of Var use it too
    return binary

