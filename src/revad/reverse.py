# cython: infer_types=True
"""The backward pass: cotangents pushed from outputs to inputs, one node at a time.

Nodes (see `revad.core`) are popped from a heap ordered by creation number, newest
first. Every consumer of a node was created after it, so when a node leaves the heap
all of its cotangent has arrived: one pass, linear in the graph (times a log of the
frontier width), no recursion, and a node shared by many consumers is handled once.
Each cotangent is dropped as soon as its node is handled, and so is the node itself
unless something else (a retained graph, a Var the caller holds) still refers to it.
"""
from __future__ import annotations

from heapq import heappop, heappush

try:
    import cython
except ImportError:  # no Cython installed: this module runs as Python
    from . import _uncompiled as cython
if cython.compiled:
    from cython.cimports.revad._capi import same_shape_and_dtype

import numpy as np
from numpy import generic, ndarray

from .core import (
    ARGS, LEAF, LOCAL, PARAMS, PARENTS, PRIMITIVE_TABLE, RELEASED, RETAINED, VALUE, Var,
    _new_var, forget_young, leaf_var, value_of,
)
from .ops.shape import fit_to, sum_to, sum_to_value

__all__ = ["backward", "backprop", "gradients"]


def backprop(roots, *, retain_graph=False, create_graph=False, fill_grad=False, keep=None):
    """Propagate cotangents from ``roots`` (pairs of Var and cotangent) to the leaves.

    Returns ``{leaf Var: cotangent}`` for every leaf reached, and for every Var in
    `keep`. With ``fill_grad`` the cotangents of leaves and of Vars that asked for it
    (`Var.retain_grad`) are accumulated into ``.grad``. With ``create_graph`` rules see
    Vars instead of plain values, so the cotangents are Vars recording their own graph.
    Unless `retain_graph`, the roots let go of their graph (a second backward through
    it raises).
    """
    retain_graph = retain_graph or create_graph
    cts = {}  # cotangents by node seq
    # Sums this pass made itself, and results of rules that always make a new array
    # (`Primitive.fresh_cotangents`): nobody else holds them, so more is added in
    # place. (Another rule's result may be shared: add hands one array to both parents.)
    owned = set()
    heap = []
    leaf_nodes = []
    reached = {}
    level = 0
    for var, g in roots:
        level = var._level
        node = var._node
        if node is None:
            reached[var] = reached[var] + g if var in reached else g
        elif node is RELEASED:
            raise _released_error()
        elif node[0] in cts:
            cts[node[0]] = cts[node[0]] + g
        else:
            cts[node[0]] = g
            if node[1] == LEAF:
                leaf_nodes.append(node)
            else:
                heappush(heap, node)
    if not retain_graph:
        for var, _ in roots:
            if not var.is_leaf:
                var._node = RELEASED
        # so that each node (and the arrays it saved) goes as soon as it is handled
        forget_young()
    # Vars whose cotangent is wanted on the way (`keep`) or accumulated into .grad
    # (`retain_grad`), by node seq; None in the common case of neither.
    watched = {}
    if keep is not None:
        watched.update((v._node[0], (v, False)) for v in keep if v._node is not None)
    if fill_grad and len(RETAINED):
        watched.update((seq, (v, True)) for seq, v in RETAINED.items() if seq not in watched)
    watched = watched or None
    prims = PRIMITIVE_TABLE
    # C types for the compiled loop (annotations of locals are never evaluated in Python):
    # the nodes as tuples, and their field positions as C integers
    node: tuple
    parent: tuple
    local: tuple
    k: cython.Py_ssize_t
    field_args: cython.Py_ssize_t = ARGS
    field_params: cython.Py_ssize_t = PARAMS
    field_value: cython.Py_ssize_t = VALUE
    field_local: cython.Py_ssize_t = LOCAL
    field_parents: cython.Py_ssize_t = PARENTS
    # The hot path of every backward pass. Float cotangents skip fit_cotangent; the
    # most urgent node waits in `pending` rather than in the heap (it is never less
    # urgent than the heap's top), and while it has a single contribution that waits
    # in `pending_g` rather than in `cts`, so a chain of ops touches neither.
    pending = pending_g = None
    while pending is not None or heap:
        if pending is None:
            node = heappop(heap)
            g = cts.pop(node[0])
        else:
            node = pending
            g = cts.pop(node[0]) if pending_g is None else pending_g
            pending = pending_g = None
        if watched is not None and node[0] in watched:
            _watch(watched[node[0]], g, reached)
        # A float op with its local derivatives at hand needs no rule (a Var cotangent,
        # or create_graph, needs the rules: their results must be differentiable).
        local = node[field_local]
        if local is None or type(g) is not float or create_graph:
            local = None
            prim = prims[node[1]]
            args = node[field_args]
            params = node[field_params]
            if create_graph:
                # Handles over the values this node saved (a parent's own node may keep
                # only a stand-in of its value), so that the rules record their work.
                ans = _new_var(node[field_value], level, node)
                args = tuple(a if p is None or a is None else _as_var(p, a, level)
                             for p, a in zip(node[field_parents:], args, strict=True))
            else:
                ans = node[field_value]
            rules = prim.vjps
        for k in range(field_parents, len(node)):
            parent = node[k]
            if parent is None:
                continue
            if local is not None:
                gi = g * local[k - field_local]
            else:
                try:
                    rule = rules[k - field_parents]
                except IndexError:
                    rule = None
                if rule is None:
                    raise NotImplementedError(
                        f"no VJP rule for '{prim.name}' w.r.t. argument {k - PARENTS}")
                gi = rule(ans, *args, **params)(g) if params else rule(ans, *args)(g)
                if gi is None:
                    continue
                pv = parent[field_value]
                tg = type(gi)
                if tg is float:
                    if type(pv) is not float:
                        gi = fit_cotangent(gi, pv)
                elif not (tg is ndarray and type(pv) is ndarray
                          and (same_shape_and_dtype(gi, pv) if cython.compiled else
                               gi.shape == pv.shape and gi.dtype is pv.dtype)):
                    gi = fit_cotangent(gi, pv)
            pkey = parent[0]
            if parent is pending and pending_g is not None:
                cts[pkey] = pending_g  # a second contribution: they add up in cts
                pending_g = None
            old = cts.get(pkey)
            if old is not None:
                if pkey not in owned:
                    cts[pkey] = old + gi
                    if type(old) is ndarray and type(gi) is ndarray:
                        owned.add(pkey)
                elif type(gi) is ndarray:
                    old += gi  # an array this pass made: add in place, no new one
                else:  # a Var joins the sum (higher order): the sum is no array of ours
                    cts[pkey] = old + gi
                    owned.discard(pkey)
                # Let go of both before the next rules run: one of them may be a
                # checkpointed block's whole backward pass.
                old = gi = None
                continue
            if (local is None and type(gi) is ndarray and prim.fresh_cotangents
                    and gi.flags.writeable):
                owned.add(pkey)  # the rule made it for this pass: more is added in place
            if parent[1] < 0:
                if parent[1] != LEAF:
                    raise _released_error()
                cts[pkey] = gi
                leaf_nodes.append(parent)
            elif pending is None:
                if heap and heap[0][0] < pkey:
                    cts[pkey] = gi
                    heappush(heap, parent)
                else:
                    pending = parent
                    pending_g = gi
            elif pkey < pending[0]:
                if pending_g is not None:
                    cts[pending[0]] = pending_g
                heappush(heap, pending)
                pending = parent
                pending_g = gi
            else:
                cts[pkey] = gi
                heappush(heap, parent)
    for node in leaf_nodes:
        var = leaf_var(node)
        if var is not None:
            g = cts[node[0]]
            reached[var] = reached[var] + g if var in reached else g
    if fill_grad:
        for var, g in reached.items():
            # One array may reach several leaves (x + y), or be the caller's seed: a
            # first .grad gets a copy, unless this pass owns the array (see `owned`); a
            # later one is a new array anyway (old + g).
            node = var._node
            if (type(g) is ndarray and var.grad is None
                    and not (node is not None and node[0] in owned)):
                g = g.copy()
            _accumulate_grad(var, g)
    return reached


def own_arrays(gradients):
    """Gradients handed to the caller as arrays of their own: a read-only broadcast
    view, or an array already in the list (add hands one array to both inputs), is
    copied."""
    seen = set()
    out = []
    for g in gradients:
        if type(g) is ndarray:
            if id(g) in seen or not g.flags.writeable:
                g = g.copy()
            seen.add(id(g))
        out.append(g)
    return out


def _watch(entry, g, reached):
    var, into_grad = entry
    if into_grad:
        _accumulate_grad(var, g)
    else:
        reached[var] = g


def _accumulate_grad(var, g):
    old = var.grad
    var.grad = g if old is None else old + g


def _as_var(node, value, level):
    """A Var for `node` holding `value`: the leaf Var itself for a leaf node, else a
    new handle."""
    if node[1] == LEAF:
        var = leaf_var(node)
        if var is not None:
            return var
    return _new_var(value, level, node)


def _released_error():
    return RuntimeError(
        "this graph was already freed by a backward pass; pass retain_graph=True to the "
        "first backward() to go through it again")


def fit_cotangent(g, target):
    """Shape `g` like the value `target` it is the cotangent of.

    The one place where broadcasting is undone: rules return cotangents shaped like the
    op's output, and the dimensions the op broadcast are summed away here. The dtype
    follows the target too (a float32 parameter gets a float32 gradient).
    """
    tg = type(g)
    tt = type(target)
    if tg is tt and (tg is float or issubclass(tg, generic)):
        return g  # floats, or NumPy scalars of one dtype
    if tg is ndarray and tt is ndarray and g.dtype == target.dtype:
        return g if g.shape == target.shape else sum_to_value(g, target.shape)
    return fit_to(g, target, sum_to)


def scalar_seed(y, what="backward()"):
    """The cotangent 1 for a scalar output, in the output's dtype."""
    v = value_of(y)
    if type(v) is float:
        return 1.0
    if isinstance(v, generic):  # a scalar of another dtype (float32, complex)
        return v.dtype.type(1)
    shape = np.shape(v)
    if shape != ():
        raise ValueError(
            f"{what} on a Var of shape {shape} needs a seed (cotangent) of the same "
            "shape; only a scalar output can be differentiated without one")
    return np.result_type(v).type(1)


def check_seed(y, seed):
    v = value_of(y)
    sv = value_of(seed)
    if np.shape(sv) != np.shape(v):
        raise ValueError(
            f"backward() on a Var of shape {np.shape(v)} needs a seed of the same shape, "
            f"got shape {np.shape(sv)}")
    if type(v) is not float and np.result_type(sv).kind not in "fiub":
        raise TypeError(f"backward() seed must be numeric, got dtype {np.result_type(sv)}")
    return fit_cotangent(seed, y._value)


def backward(y, seed=None, *, retain_graph=False, create_graph=False):
    if not isinstance(y, Var):
        raise TypeError(f"backward() needs a Var, got {type(y).__name__}")
    seed = scalar_seed(y) if seed is None else check_seed(y, seed)
    backprop([(y, seed)], retain_graph=retain_graph, create_graph=create_graph,
             fill_grad=True)


def gradients(y, wrt=None, seed=None, *, retain_graph=False):
    """Gradients of `y` as a mapping keyed by the Vars themselves; ``.grad`` is untouched.

        >>> import revad as rv
        >>> x, y = rv.Var(0.5, name="x"), rv.Var(4.2, name="y")
        >>> g = rv.gradients(x * y)
        >>> g[x], g[y]
        (4.2, 0.5)

    Without `wrt`, every leaf `y` depends on is a key; with it, exactly the given Vars
    (intermediate ones included; those `y` does not depend on get zeros).
    """
    if not isinstance(y, Var):
        raise TypeError(f"gradients() needs a Var, got {type(y).__name__}")
    seed = scalar_seed(y, "gradients()") if seed is None else check_seed(y, seed)
    keep = None if wrt is None else set(wrt)
    reached = backprop([(y, seed)], retain_graph=retain_graph, keep=keep)
    if wrt is not None:
        from .ops.shape import zeros_like_value
        reached = {w: reached[w] if w in reached else zeros_like_value(w._value) for w in wrt}
    return dict(zip(reached, own_arrays(reached.values()), strict=True))
