"""User-supplied derivative rules for Python functions, and checkpointing.

Each of these wraps a function of arrays (positional arguments, each a pytree) into a
primitive of its own, recorded as one node: its derivative comes from the user's rule
(`custom_vjp`, `custom_jvp`) or from differentiating the function again during the
backward pass (`checkpoint`), never from the operations inside it. A primitive's VJP
rules are asked once per differentiated argument; a node's `_Once` runs the user's
backward function once for all of them.
"""
import functools

from .core import Primitive, Var, bind, defjvp_argnum, defvjp_argnum, record, top_tracer
from .tree import tree_flatten, tree_unflatten

__all__ = ["custom_vjp", "custom_jvp", "checkpoint"]


class _Once:
    """The derivatives of one call at one level, shared by the rules of all its
    arguments: the cotangents of all arguments (reverse mode), computed on the first
    request, and their transpose (forward mode, `tangent_map`).

    Its `compute`, the map from the output's cotangent to the arguments', is set by
    the forward step that makes the call's value, once what it needs (residuals, the
    argument values) is known."""

    __slots__ = ("compute", "cotangent", "result", "transpose")

    def __init__(self):
        self.compute = self.cotangent = self.result = self.transpose = None

    def __call__(self, g):
        if self.result is None or self.cotangent is not g:
            self.cotangent, self.result = g, self.compute(g)
        return self.result

    def tangent_map(self, ans):
        """The arguments' tangents to the output's: the transpose of `compute`."""
        if self.transpose is None:
            from .ops.shape import zeros_like_value
            from .transforms import vjp
            _, self.transpose = vjp(self.compute, zeros_like_value(ans))
        return self.transpose


def _check_output(out, name):
    if isinstance(out, (tuple, list, dict)):
        raise TypeError(f"{name} must return a single float or array (got a "
                        f"{type(out).__name__}); combine several outputs into one array")
    return out


def _function_primitive(fun, name):
    """A primitive applying `fun` to its flattened arguments, whose VJP rules read the
    cotangents of all arguments from the node's `_Once`."""
    def apply(*leaves, treedef, once):
        return _check_output(fun(*tree_unflatten(treedef, leaves)), name)

    prim = Primitive(apply, name=name)
    defvjp_argnum(prim, lambda argnum, ans, *leaves, treedef, once: lambda g: once(g)[argnum])
    return prim


def _flat_cotangents(cts, treedef, name):
    cts = cts if isinstance(cts, tuple) else (cts,)
    leaves, ct_def = tree_flatten(cts)
    if ct_def != treedef:
        raise ValueError(f"{name}: the backward function must return one cotangent per "
                         "argument, shaped like the arguments")
    return leaves


class _CustomRule:
    """What custom_vjp and custom_jvp share: the wrapped function as a primitive of
    its own, applied to plain values directly, through its JVP rules under forward mode,
    and recorded as one node under reverse mode. Either way the subclass's
    `_value_and_cotangents` makes the value one level down (not the primitive bound
    there: the `_Once` that shares the work between the rules of the arguments belongs
    to one call at one level) and the map of cotangents the rules read."""

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.primitive = _function_primitive(fun, getattr(fun, "__name__", "custom"))
        defjvp_argnum(self.primitive, self._jvp)

    def __call__(self, *args):
        if not self._defined():
            raise TypeError(f"{self.__name__}: call {self._definer}(...) before using it")
        leaves, treedef = tree_flatten(args)
        top = top_tracer(leaves)
        if top is None:
            return self.fun(*args)
        once = _Once()

        def forward(values):
            out, once.compute = self._value_and_cotangents(values, treedef)
            return _check_output(out, self.__name__)

        return bind(self.primitive, leaves, {"treedef": treedef, "once": once}, forward)


class custom_vjp(_CustomRule):
    """A function with a reverse-mode rule of your own.

    ``f.defvjp(fwd, bwd)``: ``fwd(*args)`` returns ``(output, residuals)``, and
    ``bwd(residuals, g)`` returns one cotangent per argument (a tuple). Write `bwd`
    with revad's functions to keep it differentiable. Forward mode uses the same
    rule: ``g -> bwd(residuals, g)`` is linear in a derivative rule, and its
    transpose is the JVP (a nonlinear `bwd`, such as clipping, is linearised at g = 0).

        >>> import revad as rv
        >>> @rv.custom_vjp
        ... def clip_gradient(x):
        ...     return x
        >>> clip_gradient.defvjp(lambda x: (x, None),
        ...                      lambda res, g: (rv.clip(g, -1.0, 1.0),))
        >>> rv.grad(lambda x: 5.0 * clip_gradient(x))(2.0)
        1.0
        >>> rv.jvp(lambda x: 5.0 * clip_gradient(x), (2.0,), (1.0,))[1]   # tangents unclipped
        5.0
    """

    _definer = "defvjp"

    def __init__(self, fun):
        super().__init__(fun)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd):
        self.fwd, self.bwd = fwd, bwd

    def _defined(self):
        return self.fwd is not None

    def _value_and_cotangents(self, values, treedef):
        out, residuals = self.fwd(*tree_unflatten(treedef, values))
        return out, lambda g: _flat_cotangents(self.bwd(residuals, g), treedef, self.__name__)

    def _jvp(self, argnum, t, ans, *leaves, treedef, once):
        return once.tangent_map(ans)(_one_hot_tangents(leaves, argnum, t))[0]


def _one_hot_tangents(leaves, argnum, t):
    """Tangents for the leaves of a call: `t` for leaf `argnum`, zeros for the rest."""
    from .ops.shape import zeros_like_value
    return [t if i == argnum else zeros_like_value(x) for i, x in enumerate(leaves)]


class custom_jvp(_CustomRule):
    """A function with a forward-mode rule of your own.

    ``f.defjvp(rule)``: ``rule(primals, tangents)`` returns ``(output,
    output_tangent)``; it must be linear in the tangents. Reverse mode transposes the
    rule, so write it with revad's functions.

        >>> import revad as rv, revad.numpy as rnp
        >>> @rv.custom_jvp
        ... def log1pexp(x):
        ...     return rnp.log1p(rnp.exp(x))
        >>> log1pexp.defjvp(lambda p, t: (log1pexp(p[0]), t[0] * rv.sigmoid(p[0])))
        >>> rv.grad(log1pexp)(3.0) == rv.sigmoid(3.0)
        True
    """

    _definer = "defjvp"

    def __init__(self, fun):
        super().__init__(fun)
        self.rule = None

    def defjvp(self, rule):
        self.rule = rule

    def _defined(self):
        return self.rule is not None

    def _jvp(self, argnum, t, ans, *leaves, treedef, once):
        tangents = _one_hot_tangents(leaves, argnum, t)
        return self.rule(tree_unflatten(treedef, leaves), tree_unflatten(treedef, tangents))[1]

    def _value_and_cotangents(self, values, treedef):
        """The value, by this function again so that its rule serves the level below
        too, and the VJP as the transpose of the (linear) tangent map."""
        from .ops.shape import zeros_like_value
        from .transforms import vjp

        def tangent_map(*tangents):
            return self.rule(tree_unflatten(treedef, values), tree_unflatten(treedef, tangents))[1]

        def cotangents(g):
            _, pullback = vjp(tangent_map, *[zeros_like_value(x) for x in values])
            return list(pullback(g))

        return self(*tree_unflatten(treedef, values)), cotangents


def checkpoint(fun):
    """`fun` whose intermediate values are not kept for the backward pass but computed
    again during it: memory for speed, e.g. one checkpoint per block of a long loop.

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> def block(h, w):
        ...     return rnp.tanh(w * h + 0.5)
        >>> def run(w, step):
        ...     h = 0.1
        ...     for _ in range(3):
        ...         h = step(h, w)
        ...     return h
        >>> rv.grad(run)(0.7, rv.checkpoint(block)) == rv.grad(run)(0.7, block)
        True
    """
    name = getattr(fun, "__name__", "block")

    prim = _function_primitive(fun, f"checkpoint({name})")

    @functools.wraps(fun)
    def checkpointed(*args):
        leaves, treedef = tree_flatten(args)
        top = top_tracer(leaves)
        if type(top) is not Var:  # nothing recorded at this level: no memory to save
            return fun(*args)
        once = _Once()
        # only the arguments that carry a derivative are differentiated again
        wanted = [i for i, x in enumerate(leaves) if type(x) is Var and x._level == top._level]

        def forward(values):
            def recompute(g):
                from .transforms import vjp_of

                def block(*chosen):
                    full = list(values)
                    for i, x in zip(wanted, chosen, strict=True):
                        full[i] = x
                    return fun(*tree_unflatten(treedef, full))

                _, pullback = vjp_of(block, [values[i] for i in wanted], copy=False)
                cotangents = [None] * len(values)
                for i, ct in zip(wanted, pullback(g), strict=True):
                    cotangents[i] = ct
                return cotangents
            once.compute = recompute
            return prim.impl(*values, treedef=treedef, once=None)

        return record(prim, leaves, {"treedef": treedef, "once": once}, top._level, forward)

    return checkpointed
