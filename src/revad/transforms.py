"""Differential operators in the style of JAX, all thin wrappers over one traced call.

`_trace` calls the user's function with the differentiated arguments wrapped in Vars of
a fresh level (see `revad.core` on levels); `vjp`, `grad` and `value_and_grad` then run
the backward pass from its output.
"""
import functools

import numpy as np

from .core import Var, _checked_value, _transform_level, leaf, value_of
from .reverse import backprop, fit_cotangent, scalar_seed
from .ops.shape import zeros_like_value
from .tree import tree_flatten, tree_structure_str, tree_unflatten

__all__ = ["vjp", "grad", "value_and_grad"]


def _check_argnums(argnums, nargs, fun):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums or not all(isinstance(i, int) for i in nums):
        raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(
                f"argnums={argnums!r} is out of range: {_name(fun)} was called with "
                f"{nargs} positional argument{'s' if nargs != 1 else ''}")
    return tuple(i % nargs for i in nums)


def _name(fun):
    return getattr(fun, "__name__", type(fun).__name__)


def _primal(x, where, copy=False):
    if isinstance(x, Var):
        return x
    try:
        return _checked_value(x, where, copy=copy)
    except TypeError as e:
        raise TypeError(f"cannot differentiate with respect to {where}: {e}") from None


def _trace(fun, args, kwargs, argnums, copy=False):
    """Call `fun` with args[argnums] as leaf Vars of a new level (arrays copied if
    `copy`, for a pullback that outlives the call).

    Returns the output, a (leaves, treedef) pair per differentiated argument, and the
    level.
    """
    level = _transform_level.get() + 1
    token = _transform_level.set(level)
    try:
        new_args = list(args)
        inputs = []
        for i in argnums:
            leaves, treedef = tree_flatten(args[i])
            boxes = [leaf(_primal(x, f"argument {i} of {_name(fun)}", copy), level)
                     for x in leaves]
            inputs.append((boxes, treedef))
            new_args[i] = tree_unflatten(treedef, boxes)
        out = fun(*new_args, **kwargs)
    finally:
        _transform_level.reset(token)
    return out, inputs, level


def _unbox(x, level):
    return x._value if isinstance(x, Var) and x._level == level else x


def _cotangents(reached, inputs):
    """The cotangent of each input tree; no two returned arrays share memory."""
    seen = set()
    out = []
    for boxes, treedef in inputs:
        cts = []
        for b in boxes:
            g = reached[b] if b in reached else zeros_like_value(b._value)
            if type(g) is np.ndarray:
                if id(g) in seen:
                    g = g.copy()
                seen.add(id(g))
            cts.append(g)
        out.append(tree_unflatten(treedef, cts))
    return out


def vjp(fun, *primals):
    """Evaluate ``fun(*primals)`` and return it with its pullback.

    The pullback maps a cotangent shaped like the output to a tuple with one cotangent
    per primal, each shaped like that primal (a pytree of floats and arrays). It can be
    called any number of times.

        >>> import revad as rv
        >>> out, pullback = rv.vjp(lambda x, y: x * y, 2.0, 3.0)
        >>> out, pullback(1.0)
        (6.0, (3.0, 2.0))
    """
    out, inputs, level = _trace(fun, primals, {}, range(len(primals)), copy=True)
    out_leaves, out_def = tree_flatten(out)

    def pullback(cotangent):
        ct_leaves, ct_def = tree_flatten(cotangent)
        if ct_def != out_def:
            raise ValueError(
                f"the cotangent must be shaped like the output of {_name(fun)}: expected "
                f"{tree_structure_str(out_def)}, got {tree_structure_str(ct_def)}")
        roots = []
        for k, (y, ct) in enumerate(zip(out_leaves, ct_leaves, strict=True)):
            if np.shape(value_of(ct)) != np.shape(value_of(y)):
                raise ValueError(
                    f"cotangent for output leaf {k} has shape {np.shape(value_of(ct))}, "
                    f"but the output has shape {np.shape(value_of(y))}")
            if isinstance(y, Var) and y._level == level:
                roots.append((y, fit_cotangent(ct, y._value)))
        reached = backprop(roots, retain_graph=True)
        return tuple(_cotangents(reached, inputs))

    return tree_unflatten(out_def, [_unbox(y, level) for y in out_leaves]), pullback


def _scalar_output(out, fun, level):
    """Check that `fun` returned a scalar; return its Var (or None for a constant)."""
    v = value_of(out)
    if isinstance(v, (float, int, np.floating, np.integer)) or (
            isinstance(v, np.ndarray) and v.dtype.kind in "fiu"):
        if np.shape(v) != ():
            raise TypeError(
                f"grad needs {_name(fun)} to return a scalar, but it returned shape "
                f"{np.shape(v)}; use jacobian or vjp for non-scalar outputs, or reduce "
                "the output (e.g. with sum)")
        return out if isinstance(out, Var) and out._level == level else None
    raise TypeError(f"grad needs {_name(fun)} to return a scalar number, "
                    f"got {type(v).__name__}")


def value_and_grad(fun, argnums=0, has_aux=False):
    """A function returning both ``fun(*args)`` and its gradient w.r.t. ``args[argnums]``.

    With a tuple `argnums` the gradient is a tuple; with ``has_aux=True`` `fun` returns
    ``(value, aux)`` and the result is ``((value, aux), gradient)``.

        >>> import revad as rv
        >>> rv.value_and_grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 3.0)
        (6.0, (3.0, 2.0))
    """
    @functools.wraps(fun)
    def value_and_grad_fun(*args, **kwargs):
        nums = _check_argnums(argnums, len(args), fun)
        out, inputs, level = _trace(fun, args, kwargs, nums)
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"with has_aux=True, {_name(fun)} must return a pair "
                                f"(value, aux), got {type(out).__name__}")
            out, aux = out
        y = _scalar_output(out, fun, level)
        reached = {} if y is None else backprop([(y, scalar_seed(y))])
        grads = _cotangents(reached, inputs)
        grads = grads[0] if isinstance(argnums, int) else tuple(grads)
        value = _unbox(out, level)
        if has_aux:
            aux_leaves, aux_def = tree_flatten(aux)
            return (value, tree_unflatten(aux_def, [_unbox(a, level) for a in aux_leaves])), grads
        return value, grads

    return value_and_grad_fun


def grad(fun, argnums=0, has_aux=False):
    """The gradient of a scalar-valued `fun` w.r.t. ``args[argnums]``, as a function.

    Arguments can be floats, arrays or nested dicts/lists/tuples of them; the gradient
    has the same structure.

        >>> import revad as rv, revad.numpy as rnp
        >>> rv.grad(rnp.sin)(0.0)
        1.0
        >>> rv.grad(lambda p: p["w"] ** 2 + p["b"])({"w": 3.0, "b": 1.0})
        {'b': 1.0, 'w': 6.0}
    """
    value_and_grad_fun = value_and_grad(fun, argnums, has_aux)

    @functools.wraps(fun)
    def grad_fun(*args, **kwargs):
        out, grads = value_and_grad_fun(*args, **kwargs)
        return (grads, out[1]) if has_aux else grads

    return grad_fun
