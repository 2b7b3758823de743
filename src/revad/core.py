# cython: infer_types=True
"""Values that record the operations applied to them, and the one entry point for every op.

A `Var` is a handle: a value, and unless it is a leaf, the *node* recording the op that
made it. A node is a plain tuple

    (-seq, primitive index, argument values, params, result value, local, *parent nodes)

with one parent entry per argument: the node of an argument that was a Var, or None for
a constant. ``local`` is None, except for an op on Python floats whose primitive has a
scalar rule (`Primitive.scalar`): then it is ``(result, d result/d arg 0, ...)``, the
local derivatives computed with the result, so that a first-order backward pass
multiplies floats instead of running the staged rules. A leaf Var gets a node of its
own (primitive index LEAF, no parents, a weak reference to the Var in place of argument
values) the first time it is used. Nodes point only from child to parent, so a graph
has no cycles and is freed by reference counting alone; handles of intermediate results
die as soon as the user drops them, and the graph lives on in the nodes.

Why tuples: Python's cyclic garbage collector walks every live container it tracks at
each of its full passes, so a graph of a million Python objects (even an acyclic one)
costs more time per op the larger it grows. A tuple holding only numbers, arrays and
untracked tuples is *untracked* at its first young collection, and from then on costs
nothing. That happens parent-first only if the collector keeps the young nodes in
creation order, which it does for objects referenced from outside the young
generation; so nodes of scalar ops also go into a ring buffer (`_RING`, old and
long-lived) that holds the last few thousand of them, and so do the tuples inside them.
Only nodes holding Python floats alone enter the ring; their parents may hold arrays, so
a backward pass that frees its graph empties the ring (`forget_young`). Compiled (see
setup.py), this module untracks nodes and their tuples as it makes them instead, every
node of the fast recorders and the scalar nodes of `record`: a node without params can
be in no reference cycle, and the collector then never visits it at all.

``seq`` is a global creation counter. Every consumer of a value is created after it, so
popping nodes from a heap ordered by ``-seq`` visits them in reverse topological order;
the backward pass (`revad.reverse`) uses that instead of a separate topological sort.

Nested differentiation (``grad(grad(f))``) works by *levels*: each transform wraps its
inputs in Vars of a fresh level whose values may themselves be Vars of lower levels.
An op on Vars of different levels records only at the highest level and computes its
value by applying the same op to the unwrapped values, which records at the lower
levels in turn. Rules applied to those values during the inner backward pass are thus
recorded by the outer levels: higher order needs no special machinery, and the inner and
outer derivatives never mix (no "perturbation confusion").
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import itertools
import numbers
import sys
import weakref
from weakref import ref as weak_ref

import numpy as np
from numpy import float64, generic, ndarray

try:
    import cython
except ImportError:  # no Cython installed: this module runs as Python
    from . import _uncompiled as cython
if cython.compiled:
    from cython.cimports.revad._capi import PyObject_GC_UnTrack, PyType_GenericAlloc

__all__ = [
    "Tracer", "Var", "Primitive", "primitive", "defvjp", "defvjp_argnum", "defjvp",
    "defjvp_argnum", "bind", "no_grad", "enable_grad",
    "is_grad_enabled", "stop_gradient", "value_of",
]

# Trace state lives in context variables so that threads and asyncio tasks each see
# their own (a module global would let one thread's no_grad() leak into another).
_recording = contextvars.ContextVar("revad_recording", default=True)
# bound once: compiled code would make a bound method object at every call
_is_recording = _recording.get
_transform_level = contextvars.ContextVar("revad_transform_level", default=0)

_next_neg_seq = itertools.count(-1, -1).__next__

# Every primitive, by the index that nodes record (a node must not hold the Primitive
# object itself: that would keep it tracked by the garbage collector).
PRIMITIVE_TABLE = []



class Primitive:
    """An operation revad knows how to differentiate.

    ``impl`` computes the value from plain floats/arrays. ``vjps[i]`` is the staged
    reverse-mode rule for argument ``i``: ``rule(ans, *args, **params)`` returns a
    function of the output cotangent. ``jvps[i]`` is the forward-mode rule:
    ``rule(t, ans, *args, **params)`` is the output tangent due to a tangent ``t`` of
    argument ``i`` (shaped like that argument; broadcasting it to the output is done
    centrally). A missing rule (``None``) for an argument that carries a derivative
    is an error when the derivative is asked for; ``nondiff`` lists argument positions
    that never carry a gradient (indices, conditions), which are then unwrapped to
    plain values. Make one with `primitive`; calling it applies it:

        >>> import revad as rv
        >>> square = rv.Primitive(lambda x: x * x, name="square")
        >>> rv.defvjp(square, lambda ans, x: lambda g: 2.0 * g * x)
        >>> rv.grad(square)(3.0)
        6.0
    """

    __slots__ = ("name", "impl", "vjps", "jvps", "batched_jvps", "elementwise", "nondiff",
                 "index", "scalar", "saves", "saves_by_arg", "fresh_cotangents", "__dict__")

    def __init__(self, impl, name=None, nondiff=()):
        self.impl = impl
        self.index = len(PRIMITIVE_TABLE)
        PRIMITIVE_TABLE.append(self)
        self.name = name or impl.__name__
        self.vjps = ()
        self.jvps = ()
        # For a batch of tangents stacked on a leading axis (see revad.forward): rules
        # that take such a batch, or True where the JVP rules broadcast over it.
        self.batched_jvps = None
        self.elementwise = False
        # Whether the VJP rules always return arrays they make (never the cotangent,
        # an argument or a view of one), which the backward pass may then add into.
        self.fresh_cotangents = False
        # What the VJP rules read: None for everything, else a set of argument
        # positions and possibly "ans". Recording keeps only that (see `kept`).
        self.saves = None
        # Or, one such set per argument: what that argument's rule reads, so that an
        # op with constant arguments keeps less (x * 2.0 need not keep x).
        self.saves_by_arg = None
        # For Python floats: ``scalar(*args)`` returns ``(value, d value/d arg 0, ...)``
        # computed with `math`, or raises one of SCALAR_ERRORS where only the general
        # path (NumPy's inf/nan and warnings, the staged rules) gives the answer: the
        # backward pass multiplies a cotangent by these derivatives as they are, so a
        # rule with another convention (`_scaled`: 0 where the cotangent is 0) must
        # raise where its derivative is not finite.
        self.scalar = None
        self.nondiff = frozenset(nondiff)
        self.__doc__ = impl.__doc__
        self.__wrapped__ = impl

    def __call__(self, *args, **params):
        for a in args:
            if isinstance(a, Tracer):
                return bind(self, args, params)
        return self.impl(*args, **params)

    def __repr__(self):
        return f"<revad primitive {self.name}>"


# Primitive indices of the two kinds of node that record no op.
LEAF = -1
_RELEASED_INDEX = -2
# Stands in for the node of a Var whose graph a backward pass has freed.
RELEASED = (0, _RELEASED_INDEX, (), None, None, None)
# Field positions in a node; parents start at PARENTS. The local derivative for the
# parent at position k is ``node[LOCAL][k - LOCAL]``.
ARGS, PARAMS, VALUE, LOCAL, PARENTS = 2, 3, 4, 5, 6
# A leaf node has no arguments: in their place it holds a weak reference to its Var (a
# strong one would be a cycle, Var -> node -> Var).
LEAF_VAR = ARGS
# What a scalar rule raises where the general path must take over.
SCALAR_ERRORS = (ValueError, OverflowError, ZeroDivisionError)

# Larger than the number of nodes made between two young collections (about 700
# allocations by default), so every young scalar node is still referenced from here.
_RING_SIZE = 4096
_RING = [None] * _RING_SIZE
# a node's argument and local-derivative tuples need the same treatment
_RING_ARGS = [None] * _RING_SIZE
_RING_LOCAL = [None] * _RING_SIZE
_RING_MASK = _RING_SIZE - 1


def primitive(fun=None, *, name=None, nondiff=()):
    """Turn a function of plain values into a differentiable primitive.

    Give it a derivative with `defvjp`::

        >>> import math, revad as rv
        >>> @rv.primitive
        ... def logcosh(x):
        ...     return math.log(math.cosh(x))
        >>> rv.defvjp(logcosh, lambda ans, x: lambda g: g * rv.tanh(x))
        >>> rv.grad(logcosh)(0.5) == math.tanh(0.5)
        True
    """
    if fun is None:
        return lambda f: Primitive(f, name=name, nondiff=nondiff)
    return Primitive(fun, name=name, nondiff=nondiff)


def defvjp(prim, *rules):
    """Declare the reverse-mode rules of `prim`, one per positional argument.

    Each rule is staged: ``rule(ans, *args, **params)`` receives the forward result and
    inputs and returns ``lambda g: cotangent_for_that_argument``. Pass ``None`` for an
    argument that has no derivative. Write rules with revad's own functions (``rv.cos``,
    ``rv.sum`` ...) rather than raw NumPy so that they are differentiable in turn:

        >>> import revad as rv
        >>> @rv.primitive
        ... def scaled(x, k):
        ...     return k * x
        >>> rv.defvjp(scaled, lambda ans, x, k: lambda g: g * k, None)
        >>> rv.grad(scaled)(1.0, 3.0)
        3.0
    """
    _as_primitive(prim, "defvjp").vjps = tuple(rules)


def _as_primitive(prim, caller):
    prim = getattr(prim, "primitive", prim)
    if not isinstance(prim, Primitive):
        raise TypeError(f"{caller} expects a revad primitive, got {type(prim).__name__}; "
                        "decorate the function with @revad.primitive first")
    return prim


class RulesByArgnum:
    """Rules for a primitive with any number of arguments: one maker, told which."""

    __slots__ = ("maker",)

    def __init__(self, maker):
        self.maker = maker

    def __getitem__(self, argnum):
        return functools.partial(self.maker, argnum)

    def __len__(self):
        return sys.maxsize


def defjvp(prim, *rules):
    """Declare the forward-mode rules of `prim`, one per positional argument.

    ``rule(t, ans, *args, **params)`` returns the output tangent contributed by the
    tangent `t` of that argument. Like VJP rules, write them with revad's functions::

        >>> import math, revad as rv
        >>> @rv.primitive
        ... def logcosh(x):
        ...     return math.log(math.cosh(x))
        >>> rv.defjvp(logcosh, lambda t, ans, x: t * rv.tanh(x))
        >>> rv.jvp(logcosh, (0.5,), (1.0,))[1] == math.tanh(0.5)
        True
    """
    _as_primitive(prim, "defjvp").jvps = tuple(rules)


def defjvp_argnum(prim, rule):
    """One forward-mode rule for every argument of a variadic primitive:
    ``rule(argnum, t, ans, *args, **params)`` (see `defvjp_argnum`).

        >>> import revad as rv
        >>> total = rv.primitive(lambda *xs: sum(xs))
        >>> rv.defjvp_argnum(total, lambda argnum, t, ans, *xs: t)
        >>> rv.jvp(lambda a: total(a, a, a), (1.0,), (1.0,))
        (3.0, 3.0)
    """
    _as_primitive(prim, "defjvp_argnum").jvps = RulesByArgnum(rule)


def defvjp_argnum(prim, maker):
    """Declare one rule maker for every argument of a variadic primitive:
    ``maker(argnum, ans, *args, **params)`` returns ``lambda g: cotangent``.

        >>> import revad as rv
        >>> total = rv.primitive(lambda *xs: sum(xs))
        >>> rv.defvjp_argnum(total, lambda argnum, ans, *xs: lambda g: g)
        >>> rv.grad(lambda a: total(a, 2.0 * a))(1.0)
        3.0
    """
    _as_primitive(prim, "defvjp_argnum").vjps = RulesByArgnum(maker)


def numpy_fallback(module, name):
    """A module ``__getattr__`` for a NumPy-like namespace `name`: what revad does not
    define there is NumPy's `module`'s own."""
    def __getattr__(attr):
        try:
            return getattr(module, attr)
        except AttributeError:
            raise AttributeError(f"module {name!r} has no attribute {attr!r} (neither has "
                                 f"{module.__name__})") from None
    return __getattr__


def is_grad_enabled():
    """Whether operations on Vars are recorded here (False inside `no_grad`).

        >>> import revad as rv
        >>> with rv.no_grad():
        ...     rv.is_grad_enabled()
        False
    """
    return _is_recording()


@contextlib.contextmanager
def _set_recording(flag):
    token = _recording.set(flag)
    try:
        yield
    finally:
        _recording.reset(token)


def no_grad():
    """Context manager in which operations on Vars record nothing.

    Results are constant leaf Vars, as with ``torch.no_grad()``::

        >>> import revad as rv
        >>> x = rv.Var(2.0)
        >>> with rv.no_grad():
        ...     y = x * 3.0
        >>> y.is_leaf, y.value
        (True, 6.0)
    """
    return _set_recording(False)


def enable_grad():
    """Context manager that turns recording back on inside `no_grad`.

        >>> import revad as rv
        >>> with rv.no_grad(), rv.enable_grad():
        ...     (rv.Var(2.0) * 3.0).is_leaf
        False
    """
    return _set_recording(True)


def value_of(x):
    """The plain value under any number of tracer levels (floats and arrays pass through)."""
    if type(x) is ndarray or type(x) is float:
        return x  # the common case: isinstance costs more when it fails
    while isinstance(x, Tracer):
        x = x._value
    return x


def stop_gradient(x):
    """The value of `x` as a constant: no derivative flows through it at any level.

        >>> import revad as rv
        >>> rv.grad(lambda x: x * rv.stop_gradient(x))(3.0)
        3.0
    """
    return value_of(x)


def _checked_value(value, what="Var value", copy=True):
    """Validate and normalise a user-supplied value: floats stay floats, ints become
    floats, arrays keep a floating or complex dtype (integers become float64). An array
    is copied unless `copy` is false (transforms do not copy: they hand the value to
    the function and differentiate before returning, so nothing can change it)."""
    t = type(value)
    if t is float or t is complex:
        return value
    if t is int or t is bool:
        return float(value)
    if t is ndarray:
        pass  # straight to the dtype checks below: the ones in between cost more
    elif isinstance(value, Tracer):
        raise TypeError(f"{what} is already a Var; use .detach() for a constant copy")
    elif isinstance(value, generic):
        if isinstance(value, np.float64):
            return float(value)
        value = np.asarray(value)
    elif isinstance(value, (list, tuple)):
        try:
            value = np.array(value)
        except ValueError as e:
            raise ValueError(f"{what}: ragged nested sequence cannot form an array ({e})") from None
    elif isinstance(value, numbers.Real):
        return float(value)
    elif isinstance(value, numbers.Complex):
        return complex(value)
    elif not isinstance(value, ndarray):
        raise TypeError(f"{what} must be a number, a list or a NumPy array, "
                        f"got {t.__name__}: {value!r:.60}")
    kind = value.dtype.kind
    if kind in "fc":
        if not value.ndim:
            return float(value) if value.dtype == np.float64 else value[()]
        return value.copy() if copy else value
    if kind in "iub":
        return value.astype(np.float64) if value.ndim else float(value)
    raise TypeError(f"{what} must be numeric, got an array of dtype {value.dtype}")


class Tracer:
    """What Var (reverse mode) and Dual (forward mode) share: a value that may be a
    tracer of a lower level, the level, and the array-like surface. Operators and
    NumPy dispatch are installed on this class by `revad.operators`."""

    __slots__ = ()
    __array_priority__ = 100.0

    @property
    def shape(self):
        return np.shape(value_of(self))

    @property
    def ndim(self):
        return np.ndim(value_of(self))

    @property
    def size(self):
        return int(np.size(value_of(self)))

    @property
    def dtype(self):
        v = value_of(self)
        return np.dtype(np.float64) if type(v) is float else v.dtype

    def __len__(self):
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d Var")
        return shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def item(self):
        """The value as a Python float (no gradient flows through it)."""
        return float(value_of(self))

    def __float__(self):
        # math.sin(v) and friends call __float__: allowing it would drop the gradient
        # silently, so only the explicit .item() gives a plain number.
        raise TypeError("float() of a Var would drop its gradient (math.* functions do "
                        "this); use revad's functions (rv.sin, ...) or var.item() for "
                        "the plain value")

    def __bool__(self):
        return bool(value_of(self))

    def __format__(self, spec):
        return format(value_of(self), spec) if spec else repr(self)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "a Var cannot be turned into a plain NumPy array implicitly: its gradient "
            "would be lost. Use var.value (or revad.stop_gradient) for the value, or a "
            "revad.numpy function for a differentiable operation")

    __hash__ = object.__hash__


def _none_while_unset(slot, doc):
    """A property over `slot` that reads None while the slot is unset."""
    return property(lambda self: getattr(self, slot, None),
                    lambda self, value: setattr(self, slot, value), doc=doc)


class Var(Tracer):
    """A float or NumPy array that records how it was computed, for differentiation.

        >>> import revad as rv
        >>> x, y = rv.Var(0.5, name="x"), rv.Var(4.2, name="y")
        >>> a = x * y + x ** y
        >>> a.backward()
        >>> round(y.grad, 12)
        0.46228627072

    Arrays are copied on creation, so later changes to the caller's array cannot alter
    a recorded graph. ``.value`` of an array Var is a read-only view for the same reason;
    assign a new array to ``.value`` to update a parameter.
    """

    # ``_grad`` and ``_name`` stay unset (read as None) in the Vars that ops make: two
    # stores fewer per op.
    __slots__ = ("_value", "_grad", "_name", "_level", "_node", "__weakref__")

    def __init__(self, value, name=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Var name must be a string, got {type(name).__name__}")
        self._value = _checked_value(value)
        self._grad = None
        self._name = name
        self._level = 0
        self._node = None

    grad = _none_while_unset("_grad", "The gradient `backward` accumulated (None before).")
    name = _none_while_unset("_name", "The name given at creation (shown by repr()).")

    # --- value access ----------------------------------------------------------------
    @property
    def value(self):
        v = self._value
        if type(v) is ndarray and v.flags.writeable:
            v = v.view()
            v.flags.writeable = False
        return v

    @value.setter
    def value(self, new):
        self._value = _checked_value(new)
        # Graphs recorded so far keep the old value in their leaf node; the next op
        # on this Var records a new one.
        if self.is_leaf:
            self._node = None

    @property
    def is_leaf(self):
        node = self._node
        return node is None or node[1] == LEAF

    def __repr__(self):
        name = f", name={self.name!r}" if self.name else ""
        grad = "" if self.grad is None else f", grad={self.grad!r}"
        return f"Var({self._value!r}{name}{grad})"

    def detach(self):
        """A leaf Var with the same value and no history."""
        out = leaf(value_of(self), 0)
        out.name = self.name
        return out

    def zero_grad(self):
        self.grad = None

    def __reduce__(self):
        # A copy (copy, deepcopy, pickle) is a new leaf: the graph stays behind, as its
        # leaf nodes refer to the original Vars.
        return (_copied_leaf, (value_of(self), self.name, self.grad))

    def retain_grad(self):
        """Have backward() fill ``.grad`` of this intermediate Var too (leaves always
        get theirs), as ``torch.Tensor.retain_grad``."""
        if not self.is_leaf:
            RETAINED[self._node[0]] = self

    def backward(self, seed=None, *, retain_graph=False, create_graph=False):
        """Accumulate d(self)/d(v) into ``v.grad`` for every Var ``v`` self depends on.

        A scalar needs no seed; otherwise pass a cotangent of the same shape. With
        ``create_graph=True`` the gradients are Vars that can be differentiated again.
        """
        from .reverse import backward
        backward(self, seed, retain_graph=retain_graph, create_graph=create_graph)


def _copied_leaf(value, name, grad):
    var = Var(value, name)
    var.grad = grad
    return var


# A new Var with no slot set. Compiled, the recorders call what object.__new__(Var)
# calls, PyType_GenericAlloc, directly: the Python-level call and its checks of the
# arguments cost about a sixth of a scalar op.
_var_new = object.__new__

# Intermediate Vars whose .grad backward() fills, by the seq of their node; seqs are
# never reused.
RETAINED = weakref.WeakValueDictionary()


def leaf_var(node):
    """The Var of a leaf node, or None if it is gone."""
    return node[LEAF_VAR]()


def _new_var(value, level, node):
    """A Var (bypasses validation: values here come from revad's own ops)."""
    v = PyType_GenericAlloc(Var, 0) if cython.compiled else _var_new(Var)
    v._value = value
    v._level = level
    v._node = node
    return v


def leaf(value, level):
    """A leaf Var at a transform's level; its value may be a Var of a lower level."""
    return _new_var(value, level, None)


def parent_entry(var):
    """The node a new node records for an argument Var (made on first use for a leaf)."""
    node = var._node
    if node is None:
        seq = _next_neg_seq()
        node = var._node = (seq, LEAF, weak_ref(var), None, var._value, None)
        if type(var._value) is float:
            if cython.compiled:
                PyObject_GC_UnTrack(node)
            else:
                _RING[seq & _RING_MASK] = node
    return node


def _shape_error(prim, args, err):
    shapes = " and ".join(str(np.shape(value_of(a))) for a in args
                          if isinstance(value_of(a), (float, int, ndarray, generic)))
    return ValueError(f"revad.{prim.name} on operands of shapes {shapes}: {err}")


def top_tracer(args):
    """The tracer of the highest level among `args`, or None."""
    top = None
    for a in args:
        if isinstance(a, Tracer) and (top is None or a._level > top._level):
            top = a
    return top


def bind(prim, args, params, compute=None):
    """Apply `prim` to `args`: the tracer of the highest level among them handles it
    (a Var records a node, a forward-mode Dual pushes its tangent through); the
    values under it are handled by the lower levels in turn, or by
    ``compute(values)`` if given (an op that works out its value one level down
    itself: a custom rule, a checkpointed block, a result already at hand)."""
    top = top_tracer(args)
    if top is None:
        return compute(args) if compute is not None else _apply(prim, args, params)
    if type(top) is not Var:
        return top.process(prim, args, params, compute)
    return record(prim, args, params, top._level, compute)


def record(prim, args, params, level, compute=None):
    """Record a node for `prim` at Var level `level`. Its value is computed one level
    down, by ``compute(values)`` if given (an op that works out its value itself, such
    as a checkpointed block), else by binding `prim` to the values."""
    if not _is_recording():
        values = tuple(value_of(a) for a in args)
        return _constant(compute(values) if compute else _apply(prim, values, params))
    nondiff = prim.nondiff
    vals = []
    parents = []
    lower_tracers = False  # whether some value is a tracer of a lower level
    for i, a in enumerate(args):
        if isinstance(a, Tracer) and (i in nondiff):
            a = value_of(a)
        if type(a) is Var and a._level == level:
            a_value = a._value
            vals.append(a_value)
            parents.append(parent_entry(a))
        else:
            a_value = a
            vals.append(a)
            parents.append(None)
        if not lower_tracers and isinstance(a_value, Tracer):
            lower_tracers = True
    vals = tuple(vals)
    local = (_scalar_local(prim, vals) if prim.scalar is not None and not params
             and compute is None else None)
    if local is not None:
        ans = local[0]
    elif compute is not None:
        ans = compute(vals)
    else:
        ans = bind(prim, vals, params) if lower_tracers else _apply(prim, vals, params)
    saves = _saves(prim, parents)
    # what the rules read, constants copied (see saved_constant), the rest dropped
    args = tuple([None if saves is not None and i not in saves
                  else v if p is not None else saved_constant(v)
                  for i, (v, p) in enumerate(zip(vals, parents))])
    seq = _next_neg_seq()
    node = (seq, prim.index, args, params or None, kept(ans, saves is None or "ans" in saves),
            local, *parents)
    if type(ans) is float and not params and all(type(v) is not ndarray for v in vals):
        _keep_young(seq, node, args, local)
    return _new_var(ans, level, node)


def _saves(prim, parents):
    """What the rules of the arguments with a parent read (see `Primitive.saves_by_arg`)."""
    by_arg = prim.saves_by_arg
    if by_arg is None:
        return prim.saves
    return frozenset().union(*(by_arg[i] for i, p in enumerate(parents) if p is not None))


def _scalar_local(prim, vals):
    """``prim.scalar(*vals)`` if every value is a Python float and the rule applies there,
    else None."""
    for v in vals:
        if type(v) is not float:
            return None
    try:
        return prim.scalar(*vals)
    except SCALAR_ERRORS:
        return None


def _keep_young(seq, node, args, local):
    """Keep the collector off a scalar node: untrack it and its tuples (compiled), or put
    them in the ring buffer (see the module's docstring). The two fast recorders inline
    this and `_new_var`: as Python, the two calls cost about 4% of a scalar op (B1 1.57
    -> 1.63 us/op forward + backward)."""
    if cython.compiled:
        PyObject_GC_UnTrack(node)
        PyObject_GC_UnTrack(args)
        if local is not None:
            PyObject_GC_UnTrack(local)
    else:
        slot = seq & _RING_MASK
        _RING[slot] = node
        _RING_ARGS[slot] = args
        _RING_LOCAL[slot] = local


_NO_NODES = (None,) * _RING_SIZE


def forget_young():
    """Empty the ring buffer of nodes, for a backward pass that frees its graph (the
    rings of argument and derivative tuples hold floats only). A node in the
    ring holds floats only, but its parents need not: the scalar loss of an array model
    is made from a reduction, and through it the ring would keep every node and array of
    the model alive, through the backward pass and thousands of ops more."""
    if not cython.compiled:  # compiled, nothing enters it
        _RING[:] = _NO_NODES


# Arrays up to this many elements are kept whole: finding a stand-in takes longer than
# computing such an array, and saves less memory than the node itself takes.
_SMALL_ARRAY_SIZE = 64


def kept(value, needed):
    """What a node keeps of its result: the value itself if its rules need it (or it
    is no array, or a small one), else a stand-in with its shape and dtype and no
    memory, enough for its consumers to shape their cotangents. The same holds for an
    array under tracers of lower levels (a Dual's value and tangent, in forward over
    reverse mode)."""
    if needed:
        return value
    plain = value if type(value) is ndarray else value_of(value)
    if type(plain) is not ndarray or plain.size <= _SMALL_ARRAY_SIZE:
        return value
    return _stand_in(plain.shape, plain.dtype)


@functools.lru_cache(maxsize=512)
def _stand_in(shape, dtype):
    return np.broadcast_to(np.zeros((), dtype), shape)


def saved_constant(x):
    """A constant argument as a node keeps it: a NumPy array the caller could still
    change in place is copied, so that a recorded gradient cannot change with it."""
    if type(x) is ndarray and x.flags.writeable:
        return x.copy()
    if type(x) is tuple:
        return tuple(saved_constant(i) for i in x)
    return x


def _apply(prim, args, params):
    try:
        return prim.impl(*args, **params)
    except ValueError as e:
        raise _shape_error(prim, args, e) from None


def _constant(value):
    return _new_var(value, 0, None)


_operand_types = (float, int, complex, ndarray, generic, list, tuple)


def _operand(x):
    """A constant operand as ops take it: lists become arrays (no second copy), NumPy's
    float64 scalars Python floats."""
    t = type(x)
    if t is list or t is tuple or t is float64:
        return _checked_value(x, "operand", copy=False)
    return x
_NO_ARGUMENT = (None,)
_NO_ARGUMENTS = (None, None)


def unary_function(prim):
    """The public function of a one-argument primitive, with the fast path of `bind`
    for a Var inline (one Python call per op: a closure is cheaper to call than a
    Primitive instance, and cheaper than two closures). Plain values go straight to
    the implementation."""
    impl = prim.impl
    # NumPy arrays skip the implementation's dispatch on the value's type.
    array_impl = getattr(impl, "array_impl", impl)
    index = prim.index
    scalar = prim.scalar
    keep_arg = prim.saves is None or 0 in prim.saves
    keep_value = prim.saves is None or "ans" in prim.saves

    def function(x):
        if type(x) is not Var:
            if type(x) is ndarray:
                return array_impl(x)
            if isinstance(x, Tracer):
                return bind(prim, (x,), {})
            return impl(x)
        v = x._value
        if not _is_recording():
            return _constant(impl(value_of(v)))
        tv = type(v)
        local = None
        if tv is float and scalar is not None:
            try:
                local = scalar(v)
            except SCALAR_ERRORS:
                ans = impl(v)
            else:
                ans = local[0]
        elif tv is ndarray:
            ans = array_impl(v)
        elif isinstance(v, Tracer):
            ans = bind(prim, (v,), {})
        else:
            ans = impl(v)
        seq = _next_neg_seq()
        args = (v,) if keep_arg else _NO_ARGUMENT
        node = (seq, index, args, None,
                ans if keep_value or type(ans) is float else kept(ans, False), local,
                x._node or parent_entry(x))
        if cython.compiled:
            # no reference cycle can pass through a node without params
            PyObject_GC_UnTrack(node)
            PyObject_GC_UnTrack(args)
            if local is not None:
                PyObject_GC_UnTrack(local)
        elif tv is float and type(ans) is float:
            slot = seq & _RING_MASK
            _RING[slot] = node
            _RING_ARGS[slot] = args
            _RING_LOCAL[slot] = local
        out = PyType_GenericAlloc(Var, 0) if cython.compiled else _var_new(Var)
        out._value = ans
        out._level = x._level
        out._node = node
        return out

    function.__name__ = function.__qualname__ = prim.name
    function.__doc__ = prim.__doc__
    function.primitive = prim
    return function


def binary_recorder(prim):
    """``record(a, b)``: the fast path of `bind` for an operator of two arguments, at
    least one of them a Var. It returns NotImplemented for operands that are not
    numbers or arrays, so that Python raises its usual "unsupported operand" TypeError.
    """
    impl = prim.impl
    index = prim.index
    scalar = prim.scalar
    keep_a, keep_b, keep_value = _keeps(prim.saves)
    # with a constant argument, what the other one's rule reads (Primitive.saves_by_arg)
    by_arg = prim.saves_by_arg
    if by_arg is not None:
        a_only, b_only = _keeps(by_arg[0]), _keeps(by_arg[1])

    def record(a, b):
        ta = type(a)
        tb = type(b)
        if ta is Var:
            level = a._level
            av = a._value
            if tb is float or tb is int:
                bv = b
            elif tb is Var:
                if b._level != level:
                    return bind(prim, (a, b), {})
                bv = b._value
            elif tb is ndarray:
                bv = b
            elif isinstance(b, _operand_types):
                bv = _operand(b)
            else:
                return NotImplemented
        elif isinstance(a, _operand_types):
            av, bv, level = _operand(a), b._value, b._level
        else:
            return NotImplemented
        if not _is_recording():
            return _constant(_apply(prim, (value_of(av), value_of(bv)), {}))
        tav = type(av)
        tbv = type(bv)
        local = None
        if scalar is not None and (tav is float or tav is int) and (tbv is float or tbv is int):
            # a Var's value is never an int, so at most one of them is
            if tav is int:
                av = float(av)
            elif tbv is int:
                bv = float(bv)
            try:
                local = scalar(av, bv)
            except SCALAR_ERRORS:
                pass
        if local is not None:
            ans = local[0]
        elif (tav is not ndarray and isinstance(av, Tracer)
              or tbv is not ndarray and isinstance(bv, Tracer)):
            ans = bind(prim, (av, bv), {})
        else:
            try:
                ans = impl(av, bv)
            except ValueError as e:
                raise _shape_error(prim, (av, bv), e) from None
        # parents, and what the rules read (a constant array copied, see saved_constant);
        # written out for each operand, as a helper called twice would cost every op
        if by_arg is None or ta is tb:
            ka, kb, kv = keep_a, keep_b, keep_value
        else:
            ka, kb, kv = a_only if ta is Var else b_only
        if ta is Var:
            pa = a._node or parent_entry(a)
            sa = av if ka else None
        else:
            pa = None
            sa = None if not ka else av if local is not None else saved_constant(av)
        if tb is Var:
            pb = b._node or parent_entry(b)
            sb = bv if kb else None
        else:
            pb = None
            sb = None if not kb else bv if local is not None else saved_constant(bv)
        seq = _next_neg_seq()
        args = (sa, sb) if sa is not None or sb is not None else _NO_ARGUMENTS
        node = (seq, index, args, None, ans if kv or local is not None else kept(ans, False),
                local, pa, pb)
        if cython.compiled:
            # no reference cycle can pass through a node without params
            PyObject_GC_UnTrack(node)
            PyObject_GC_UnTrack(args)
            if local is not None:
                PyObject_GC_UnTrack(local)
        elif local is not None or (type(ans) is float and type(av) is not ndarray
                                   and type(bv) is not ndarray):
            slot = seq & _RING_MASK
            _RING[slot] = node
            _RING_ARGS[slot] = args
            _RING_LOCAL[slot] = local
        out = PyType_GenericAlloc(Var, 0) if cython.compiled else _var_new(Var)
        out._value = ans
        out._level = level
        out._node = node
        return out

    return record


def _keeps(saves):
    return (saves is None or 0 in saves, saves is None or 1 in saves,
            saves is None or "ans" in saves)
