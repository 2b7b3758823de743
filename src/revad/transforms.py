"""Differential operators in the style of JAX, all thin wrappers over one traced call.

`_trace` calls the user's function with the differentiated arguments wrapped in tracers
of a fresh level (see `revad.core` on levels): Vars for reverse mode, after which `vjp`,
`grad` and `value_and_grad` run the backward pass from the output; Duals for forward
mode (`jvp`). Jacobians and Hessians are compositions of these.
"""
import functools

import numpy as np

from .core import (
    Tracer, Var, _checked_value, _recording, _transform_level, leaf, top_tracer, value_of,
)
from .forward import Dual, fit_tangent
from .reverse import backprop, fit_cotangent, own_arrays, scalar_seed
from .ops.shape import zeros_like_value
from .tree import tree_flatten, tree_structure_str, tree_unflatten

__all__ = ["vjp", "grad", "value_and_grad", "jvp", "jacrev", "jacfwd", "jacobian",
           "hessian", "hvp", "linearize"]


def _check_argnums(argnums, nargs, fun):
    if isinstance(argnums, int):
        nums = (argnums,)
    elif isinstance(argnums, (tuple, list)):
        nums = tuple(argnums)
    else:
        nums = ()
    if not nums or not all(isinstance(i, int) and not isinstance(i, bool) for i in nums):
        raise TypeError(f"argnums must be an int or a non-empty tuple of ints, "
                        f"got {argnums!r}")
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(
                f"argnums={argnums!r} is out of range: {_name(fun)} was called with "
                f"{nargs} positional argument{'s' if nargs != 1 else ''}")
    nums = tuple(i % nargs for i in nums)
    if len(set(nums)) != len(nums):
        raise ValueError(f"argnums={argnums!r} names the same argument more than once")
    return nums


def _name(fun):
    return getattr(fun, "__name__", type(fun).__name__)


def _primal(x, argnum, fun, copy=False):
    if isinstance(x, Tracer):
        return x
    try:
        return _checked_value(x, copy=copy)
    except (TypeError, ValueError):
        pass
    # Checked again to name the argument in the message: formatting the name at every
    # call would cost the valid ones.
    where = f"argument {argnum} of {_name(fun)}"
    try:
        return _checked_value(x, where, copy=copy)
    except TypeError as e:
        raise TypeError(f"cannot differentiate with respect to {where}: {e}") from None


def _trace(fun, args, kwargs, argnums, copy=False, tangents=None, batch=0):
    """Call `fun` with args[argnums] as leaf Vars of a new level (arrays copied if
    `copy`, for a pullback that outlives the call), or as Duals with the given
    `tangents` (one list of leaves per argnum; with `batch`, each a stack of that many
    tangents).

    Returns the output, a (leaves, treedef) pair per differentiated argument, and the
    level.
    """
    # Above the enclosing transforms and above any tracer passed in (a backward pass
    # with create_graph=True can call a transform on Vars of the current level).
    flat = [tree_flatten(args[i]) for i in argnums]
    inputs_top = top_tracer([x for leaves, _ in flat for x in leaves])
    level = max(_transform_level.get(), 0 if inputs_top is None else inputs_top._level) + 1
    token = _transform_level.set(level)
    # A transform differentiates whatever the caller's no_grad() says (as torch.func).
    recording = _recording.set(True)
    try:
        new_args = list(args)
        inputs = []
        for k, (i, (leaves, treedef)) in enumerate(zip(argnums, flat, strict=True)):
            values = [_primal(x, i, fun, copy) for x in leaves]
            if tangents is None:
                boxes = [leaf(v, level) for v in values]
            elif batch:
                boxes = [Dual(v, t, level, batch) for v, t in zip(values, tangents[k],
                                                                   strict=True)]
            else:
                boxes = [Dual(v, _tangent_like(t, v, i), level)
                         for v, t in zip(values, tangents[k], strict=True)]
            inputs.append((boxes, treedef))
            new_args[i] = tree_unflatten(treedef, boxes)
        out = fun(*new_args, **kwargs)
    finally:
        _recording.reset(recording)
        _transform_level.reset(token)
    return out, inputs, level


def _tangent_like(t, primal, argnum):
    if isinstance(t, Tracer):
        return t
    if np.shape(t) != np.shape(value_of(primal)):
        raise ValueError(f"the tangent for argument {argnum} has shape {np.shape(t)}, "
                         f"but the primal has shape {np.shape(value_of(primal))}")
    return fit_tangent(_checked_value(t, f"tangent for argument {argnum}", copy=False),
                       primal)


def _unbox(x, level):
    return x._value if isinstance(x, Tracer) and x._level == level else x


def _cotangents(reached, inputs):
    """The cotangent of each input tree, as arrays of their own (see own_arrays)."""
    flat = own_arrays([reached[b] if b in reached else zeros_like_value(b._value)
                       for boxes, _ in inputs for b in boxes])
    it = iter(flat)
    return [tree_unflatten(treedef, [next(it) for _ in boxes]) for boxes, treedef in inputs]


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
    return vjp_of(fun, primals, copy=True)


def vjp_of(fun, primals, copy):
    """`vjp` with a choice: copy the primal arrays (for a pullback that outlives the
    call and its caller's arrays) or not (for one used at once)."""
    out, inputs, level = _trace(fun, primals, {}, range(len(primals)), copy=copy)
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


def _scalar_output(out, fun, level, holomorphic=False):
    """Check that `fun` returned a scalar (a real one, unless `holomorphic`); return
    its Var (or None for a constant)."""
    v = value_of(out)
    if type(v) is float or isinstance(v, np.floating):  # the common case: nothing to check
        return out if isinstance(out, Var) and out._level == level else None
    if isinstance(v, (float, int, complex, np.number)) or (
            isinstance(v, np.ndarray) and v.dtype.kind in "fiuc"):
        if np.shape(v) != ():
            raise TypeError(
                f"grad needs {_name(fun)} to return a scalar, but it returned shape "
                f"{np.shape(v)}; use jacobian or vjp for non-scalar outputs, or reduce "
                "the output (e.g. with sum)")
        if np.iscomplexobj(v) and not holomorphic:
            raise TypeError(
                f"grad needs {_name(fun)} to return a real number, but it returned a "
                "complex one: differentiate its real part or abs, or pass "
                "holomorphic=True for a complex derivative")
        return out if isinstance(out, Var) and out._level == level else None
    raise TypeError(f"grad needs {_name(fun)} to return a scalar number, "
                    f"got {type(v).__name__}")


def value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False):
    """A function returning both ``fun(*args)`` and its gradient w.r.t. ``args[argnums]``.

    With a tuple `argnums` the gradient is a tuple; with ``has_aux=True`` `fun` returns
    ``(value, aux)`` and the result is ``((value, aux), gradient)``. For a complex
    input, the gradient of a real `fun` is ``df/dx - i df/dy`` (JAX's convention, see
    `revad.ops.complex`); ``holomorphic=True`` gives the complex derivative of a
    holomorphic `fun` (complex inputs and output).

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
        if holomorphic:
            _check_complex_inputs(inputs, fun)
        y = _scalar_output(out, fun, level, holomorphic)
        reached = {} if y is None else backprop([(y, scalar_seed(y))])
        grads = _cotangents(reached, inputs)
        grads = grads[0] if isinstance(argnums, int) else tuple(grads)
        value = _unbox(out, level)
        if has_aux:
            aux_leaves, aux_def = tree_flatten(aux)
            return (value, tree_unflatten(aux_def, [_unbox(a, level) for a in aux_leaves])), grads
        return value, grads

    return value_and_grad_fun


def _check_complex_inputs(inputs, fun):
    for boxes, _ in inputs:
        for b in boxes:
            if not np.iscomplexobj(value_of(b._value)):
                raise TypeError(f"holomorphic=True needs complex inputs to {_name(fun)}; "
                                "pass them as complex numbers (e.g. x + 0j)")


def grad(fun, argnums=0, has_aux=False, holomorphic=False):
    """The gradient of a scalar-valued `fun` w.r.t. ``args[argnums]``, as a function.

    Arguments can be floats, arrays or nested dicts/lists/tuples of them; the gradient
    has the same structure.

        >>> import revad as rv, revad.numpy as rnp
        >>> rv.grad(rnp.sin)(0.0)
        1.0
        >>> rv.grad(lambda p: p["w"] ** 2 + p["b"])({"w": 3.0, "b": 1.0})
        {'b': 1.0, 'w': 6.0}
        >>> rv.grad(rnp.sin, holomorphic=True)(1j) == complex(rnp.cos(1j))
        True
    """
    value_and_grad_fun = value_and_grad(fun, argnums, has_aux, holomorphic)

    @functools.wraps(fun)
    def grad_fun(*args, **kwargs):
        out, grads = value_and_grad_fun(*args, **kwargs)
        return (grads, out[1]) if has_aux else grads

    return grad_fun


def jvp(fun, primals, tangents):
    """Forward mode: ``(fun(*primals), J @ tangents)`` in one pass, nothing recorded.

    `primals` and `tangents` are tuples of pytrees of the same structure and shapes;
    the output tangent is shaped like the output.

        >>> import revad as rv, revad.numpy as rnp
        >>> rv.jvp(lambda x: rnp.exp(rnp.sin(rnp.sin(x))), (2.0,), (1.0,))
        (2.2013533791690376, -0.562752038662712)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp needs one tangent per primal: got {len(primals)} primals "
                         f"and {len(tangents)} tangents")
    tangent_leaves = []
    for i, (p, t) in enumerate(zip(primals, tangents, strict=True)):
        p_def, t_def = tree_flatten(p)[1], tree_flatten(t)[1]
        if p_def != t_def:
            raise ValueError(f"the tangent for argument {i} must be shaped like the primal: "
                             f"expected {tree_structure_str(p_def)}, got "
                             f"{tree_structure_str(t_def)}")
        tangent_leaves.append(tree_flatten(t)[0])
    out, _, level = _trace(fun, primals, {}, range(len(primals)), tangents=tangent_leaves)
    out_leaves, out_def = tree_flatten(out)
    values = [_unbox(y, level) for y in out_leaves]
    out_tangents = [y._tangent if isinstance(y, Dual) and y._level == level
                    else zeros_like_value(y) for y in out_leaves]
    return tree_unflatten(out_def, values), tree_unflatten(out_def, out_tangents)


def _unit_vectors(value):
    """Every basis vector of the space of `value`, shaped like it."""
    v = value_of(value)
    if type(v) is float:
        yield 1.0
        return
    for k in range(v.size):
        e = np.zeros(v.size, v.dtype)
        e[k] = 1
        yield e.reshape(v.shape)


def _assemble(blocks, out_def, inputs, argnums):
    """The Jacobian pytree from blocks[o][i] (output leaf o, input leaf i, each shaped
    output shape + input shape): the output's structure, holding at each leaf the
    structure of the differentiated arguments."""
    per_output = []
    for row in blocks:
        it = iter(row)
        trees = [tree_unflatten(treedef, [next(it) for _ in boxes]) for boxes, treedef in inputs]
        per_output.append(trees[0] if isinstance(argnums, int) else tuple(trees))
    return tree_unflatten(out_def, per_output)


def _rows_to_block(rows, out_shape, in_shape):
    """Stack per-output-entry cotangents (each shaped `in_shape`) into out + in shape."""
    from .ops.shape import reshape, stack
    return _float_if_scalar(reshape(stack(rows, axis=0), out_shape + in_shape))


def _float_if_scalar(x):
    """A 0-d float64 derivative as a Python float, as grad returns for float inputs."""
    v = value_of(x)
    if type(v) is np.ndarray and v.shape == () and v.dtype == np.float64:
        return float(v) if not isinstance(x, Tracer) else x
    return x


def _jacrev_traced(out, inputs, level):
    out_leaves, out_def = tree_flatten(out)
    blocks = []
    for y in out_leaves:
        out_shape = np.shape(value_of(y))
        rows = [[] for boxes, _ in inputs for _ in boxes]
        for e in _unit_vectors(y):
            reached = (backprop([(y, e)], retain_graph=True)
                       if isinstance(y, Var) and y._level == level else {})
            k = 0
            for boxes, _ in inputs:
                for b in boxes:
                    rows[k].append(reached[b] if b in reached else zeros_like_value(b._value))
                    k += 1
        in_shapes = [np.shape(value_of(b._value)) for boxes, _ in inputs for b in boxes]
        blocks.append([_rows_to_block(r, out_shape, s) if r else np.zeros(out_shape + s)
                       for r, s in zip(rows, in_shapes, strict=True)])
    return blocks, out_def


def jacrev(fun, argnums=0):
    """The Jacobian of `fun` by reverse mode (one backward pass per output entry),
    shaped output shape + input shape as in JAX.

        >>> import numpy as np, revad as rv
        >>> rv.jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 4.]])
    """
    @functools.wraps(fun)
    def jacobian_fun(*args, **kwargs):
        nums = _check_argnums(argnums, len(args), fun)
        out, inputs, level = _trace(fun, args, kwargs, nums)
        blocks, out_def = _jacrev_traced(out, inputs, level)
        return _assemble(blocks, out_def, inputs, argnums)

    return jacobian_fun


def jacfwd(fun, argnums=0):
    """The Jacobian of `fun` by forward mode, shaped output shape + input shape as in
    JAX. All basis tangents travel through one evaluation, stacked on a batch axis.

        >>> import numpy as np, revad as rv
        >>> rv.jacfwd(lambda x: x[0] * x)(np.array([1.0, 2.0]))
        array([[2., 0.],
               [2., 1.]])
    """
    @functools.wraps(fun)
    def jacobian_fun(*args, **kwargs):
        from .ops.shape import moveaxis, reshape
        nums = _check_argnums(argnums, len(args), fun)
        values = [[_primal(x, i, fun) for x in tree_flatten(args[i])[0]]
                  for i in nums]
        shapes = [np.shape(value_of(v)) for vs in values for v in vs]
        sizes = [int(np.prod(shape)) for shape in shapes]
        total = sum(sizes)
        if total == 0:
            out, inputs, level = _trace(fun, args, kwargs, nums)
        else:
            basis = iter(_basis_tangents(values, shapes, sizes, total))
            tangents = [[next(basis) for _ in vs] for vs in values]
            out, inputs, level = _trace(fun, args, kwargs, nums, tangents=tangents,
                                        batch=total)
        out_leaves, out_def = tree_flatten(out)
        offsets = np.cumsum([0] + sizes)
        blocks = []
        for y in out_leaves:
            out_shape = np.shape(value_of(_unbox(y, level)))
            if isinstance(y, Dual) and y._level == level:
                stacked = moveaxis(y._tangent, 0, -1)  # out_shape + (total,)
                blocks.append([_float_if_scalar(reshape(
                    stacked[..., offsets[k]:offsets[k + 1]], out_shape + shape))
                    for k, shape in enumerate(shapes)])
            else:
                blocks.append([_float_if_scalar(np.zeros(out_shape + shape))
                               for shape in shapes])
        return _assemble(blocks, out_def, inputs, argnums)

    return jacobian_fun


def _basis_tangents(values, shapes, sizes, total):
    """For each input leaf, the rows of the identity of size `total` that belong to
    its entries, each row shaped like the leaf."""
    flat_values = [v for vs in values for v in vs]
    start = 0
    for v, shape, size in zip(flat_values, shapes, sizes, strict=True):
        v = value_of(v)
        dtype = np.float64 if type(v) is float else np.result_type(v)
        t = np.zeros((total, size), dtype)
        t[start:start + size] = np.eye(size, dtype=dtype)
        start += size
        yield t.reshape((total,) + shape)


def jacobian(fun, argnums=0, mode="rev"):
    """The Jacobian of `fun`: ``mode="rev"`` (one backward pass per output entry),
    ``"fwd"`` (one forward pass per input entry) or ``"auto"`` (whichever makes fewer
    passes). Shaped output shape + input shape.

        >>> import numpy as np, revad as rv
        >>> rv.jacobian(lambda x: x * x.sum(), mode="auto")(np.array([1.0, 2.0]))
        array([[4., 1.],
               [2., 5.]])
    """
    if mode == "rev":
        return jacrev(fun, argnums)
    if mode == "fwd":
        return jacfwd(fun, argnums)
    if mode != "auto":
        raise ValueError(f"jacobian mode must be 'rev', 'fwd' or 'auto', got {mode!r}")

    @functools.wraps(fun)
    def jacobian_fun(*args, **kwargs):
        nums = _check_argnums(argnums, len(args), fun)
        out, inputs, level = _trace(fun, args, kwargs, nums)
        n_in = sum(int(np.size(value_of(b._value))) for boxes, _ in inputs for b in boxes)
        n_out = sum(int(np.size(value_of(y))) for y in tree_flatten(out)[0])
        if n_out > n_in:
            return jacfwd(fun, argnums)(*args, **kwargs)
        blocks, out_def = _jacrev_traced(out, inputs, level)
        return _assemble(blocks, out_def, inputs, argnums)

    return jacobian_fun


def hessian(fun, argnums=0):
    """The Hessian of a scalar `fun`, as forward mode over reverse mode.

        >>> import numpy as np, revad as rv
        >>> rv.hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 3.0]))
        array([[6., 2.],
               [2., 0.]])
    """
    return jacfwd(grad(fun, argnums), argnums)


def hvp(fun, primals, tangents):
    """The Hessian of scalar `fun` at `primals` times `tangents`, without forming the
    Hessian (forward mode over reverse mode). Returns a tuple shaped like `primals`.

        >>> import numpy as np, revad as rv, revad.numpy as rnp
        >>> rv.hvp(lambda x: rnp.sum(x ** 3), (np.array([1.0, 2.0]),), (np.ones(2),))
        (array([ 6., 12.]),)
    """
    primals = tuple(primals)
    all_args = tuple(range(len(primals)))
    return jvp(grad(fun, argnums=all_args), primals, tuple(tangents))[1]


def linearize(fun, *primals):
    """Evaluate `fun` once and return ``(out, f_jvp)`` where ``f_jvp(*tangents)``
    applies the Jacobian at `primals` to tangents, as often as wanted, without
    evaluating `fun` again (it transposes the recorded reverse pass).

        >>> import revad as rv
        >>> out, f_jvp = rv.linearize(lambda x, y: x * y, 2.0, 3.0)
        >>> out, f_jvp(1.0, 0.0), f_jvp(0.0, 1.0)
        (6.0, 3.0, 2.0)
    """
    out, pullback = vjp(fun, *primals)
    out_leaves, out_def = tree_flatten(out)
    zero_cotangent = tree_unflatten(out_def, [zeros_like_value(y) for y in out_leaves])
    # The pullback is linear in its cotangent u: the VJP of u -> J^T u is J. Its graph
    # is recorded once and transposed at every call.
    _, transpose = vjp(pullback, zero_cotangent)

    def f_jvp(*tangents):
        return transpose(tuple(tangents))[0]

    return out, f_jvp
