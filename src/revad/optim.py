"""Gradient-descent optimizers for parameters held in pytrees.

Parameters may be a float, a NumPy array, or nested dicts, lists and tuples of them
(see `revad.tree`); gradients must have the same structure and shapes. Each optimizer
comes in two forms.

A function that runs the whole loop, with the signature of HIPS autograd's
``autograd.misc.optimizers``: ``grad_fn(params, i)`` returns the gradient at iteration
`i` (so it can pick a minibatch), ``callback(params, i, g)`` is called before each
update, and the final parameters are returned::

    >>> import revad as rv
    >>> from revad import optim
    >>> loss = lambda p: (p["w"] - 3.0) ** 2 + (p["b"] + 1.0) ** 2
    >>> grad_fn = lambda p, i: rv.grad(loss)(p)
    >>> p = optim.adam(grad_fn, {"w": 0.0, "b": 0.0}, step_size=0.1, num_iters=500)
    >>> round(p["w"], 4), round(p["b"], 4)
    (3.0, -1.0)

An object for loops written by hand: ``init`` makes the optimizer's state (the step
count and any moment estimates, shaped like the parameters) and ``update`` returns
new parameters and state, changing neither argument::

    >>> opt = optim.Momentum(step_size=0.05)
    >>> p = {"w": 0.0, "b": 0.0}
    >>> state = opt.init(p)
    >>> for _ in range(300):
    ...     p, state = opt.update(rv.grad(loss)(p), state, p)
    >>> round(p["w"], 4), round(p["b"], 4), state.count
    (3.0, -1.0, 300)

`step_size` may also be a function of the step count (0, 1, ...) returning the step
size, for a schedule.
"""
from collections import namedtuple

import numpy as np

from .tree import tree_flatten, tree_structure_str, tree_unflatten

__all__ = ["sgd", "momentum", "adam", "Optimizer", "SGD", "Momentum", "Adam",
           "OptimizerState"]

OptimizerState = namedtuple("OptimizerState", "count moments")
OptimizerState.__doc__ = """An optimizer's state: `count` updates done so far, and
`moments`, a tuple of pytrees shaped like the parameters (velocity, or Adam's first and
second moment estimates).

    >>> import revad as rv
    >>> state = rv.optim.Adam().init({"w": 1.0})
    >>> state.count, len(state.moments), sorted(state.moments[0])
    (0, 2, ['w'])
"""


class Optimizer:
    """The shared machinery: subclasses say how many moment trees they keep and how one
    parameter leaf is updated (`_step`). Used by hand-written loops as

        >>> import revad as rv
        >>> opt = rv.optim.SGD(step_size=0.5)
        >>> params, state = {"w": 4.0}, opt.init({"w": 4.0})
        >>> for _ in range(3):
        ...     grads = rv.grad(lambda p: p["w"] ** 2)(params)
        ...     params, state = opt.update(grads, state, params)
        >>> params, state.count
        ({'w': 0.0}, 3)
    """

    num_moments = 0

    def __init__(self, step_size):
        self.step_size = step_size

    def init(self, params):
        """The state before the first update."""
        leaves, treedef = tree_flatten(params)
        moments = tuple(tree_unflatten(treedef, [np.zeros_like(_array(p)) for p in leaves])
                        for _ in range(self.num_moments))
        return OptimizerState(0, moments)

    def update(self, grads, state, params):
        """One step: returns ``(new_params, new_state)``."""
        p_leaves, treedef = tree_flatten(params)
        g_leaves = _matching_leaves(grads, treedef, p_leaves, "gradient")
        m_leaves = [_matching_leaves(m, treedef, p_leaves, "optimizer state")
                    for m in state.moments]
        count = state.count + 1
        lr = self.step_size(state.count) if callable(self.step_size) else self.step_size
        new_params, new_moments = [], [[] for _ in m_leaves]
        for k, (p, g) in enumerate(zip(p_leaves, g_leaves)):
            p_arr = _array(p)
            new_p, moments = self._step(p_arr, _array(g, p_arr.dtype), lr, count,
                                        [m[k] for m in m_leaves])
            new_params.append(float(new_p) if isinstance(p, (float, int)) else
                              new_p.astype(p_arr.dtype, copy=False))
            for out, m in zip(new_moments, moments):
                out.append(m)
        return (tree_unflatten(treedef, new_params),
                OptimizerState(count, tuple(tree_unflatten(treedef, m) for m in new_moments)))

    def _step(self, p, g, lr, count, moments):
        raise NotImplementedError

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({settings})"


class SGD(Optimizer):
    """Plain gradient descent: ``p -= step_size * g``.

        >>> import revad as rv
        >>> opt = rv.optim.SGD(step_size=0.25)
        >>> opt.update(1.0, opt.init(2.0), 2.0)[0]
        1.75
    """

    def __init__(self, step_size=0.1):
        super().__init__(step_size)

    def _step(self, p, g, lr, count, moments):
        return p - lr * g, ()


class Momentum(Optimizer):
    """Gradient descent with heavy-ball momentum: ``v = mass * v + g``,
    ``p -= step_size * v`` (the form of PyTorch's SGD with momentum).

        >>> import revad as rv
        >>> opt = rv.optim.Momentum(step_size=1.0, mass=0.5)
        >>> p, state = opt.update(1.0, opt.init(0.0), 0.0)
        >>> opt.update(1.0, state, p)[0]   # v = 0.5 * 1 + 1
        -2.5
    """

    num_moments = 1

    def __init__(self, step_size=0.1, mass=0.9):
        super().__init__(step_size)
        self.mass = mass

    def _step(self, p, g, lr, count, moments):
        (v,) = moments
        v = self.mass * v + g
        return p - lr * v, (v,)


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015): steps scaled by running estimates of the gradient's
    first and second moments, with their start-up bias corrected.

        >>> import revad as rv
        >>> opt = rv.optim.Adam(step_size=0.1)
        >>> round(opt.update(5.0, opt.init(1.0), 1.0)[0], 6)   # the first step is ~step_size
        0.9
    """

    num_moments = 2

    def __init__(self, step_size=0.001, b1=0.9, b2=0.999, eps=1e-8):
        super().__init__(step_size)
        self.b1, self.b2, self.eps = b1, b2, eps

    def _step(self, p, g, lr, count, moments):
        m, v = moments
        m = self.b1 * m + (1 - self.b1) * g
        v = self.b2 * v + (1 - self.b2) * (g * g)
        m_hat = m / (1 - self.b1 ** count)
        v_hat = v / (1 - self.b2 ** count)
        return p - lr * m_hat / (np.sqrt(v_hat) + self.eps), (m, v)


def _run(optimizer, grad_fn, params, num_iters, callback):
    state = optimizer.init(params)
    for i in range(num_iters):
        g = grad_fn(params, i)
        if callback is not None:
            callback(params, i, g)
        params, state = optimizer.update(g, state, params)
    return params


def sgd(grad_fn, params, step_size=0.1, num_iters=100, callback=None):
    """Run `num_iters` steps of gradient descent (`SGD`) from `params`; return the
    final parameters. See the module's docstring for `grad_fn` and `callback`.

        >>> import numpy as np, revad as rv
        >>> grad_fn = rv.grad(lambda p, i: np.sum((p - 3.0) ** 2))
        >>> rv.optim.sgd(grad_fn, np.zeros(2), step_size=0.25, num_iters=60)
        array([3., 3.])
    """
    return _run(SGD(step_size), grad_fn, params, num_iters, callback)


def momentum(grad_fn, params, step_size=0.1, num_iters=100, mass=0.9, callback=None):
    """Run `num_iters` steps of gradient descent with momentum (`Momentum`).

        >>> import revad as rv
        >>> grad_fn = rv.grad(lambda p, i: (p - 3.0) ** 2)
        >>> round(rv.optim.momentum(grad_fn, 0.0, step_size=0.1, num_iters=400), 6)
        3.0
    """
    return _run(Momentum(step_size, mass), grad_fn, params, num_iters, callback)


def adam(grad_fn, params, step_size=0.001, num_iters=100, b1=0.9, b2=0.999, eps=1e-8,
         callback=None):
    """Run `num_iters` steps of `Adam`.

        >>> import revad as rv
        >>> grad_fn = rv.grad(lambda p, i: (p["x"] - 3.0) ** 2)
        >>> round(rv.optim.adam(grad_fn, {"x": 0.0}, step_size=0.1, num_iters=500)["x"], 3)
        3.0
    """
    return _run(Adam(step_size, b1, b2, eps), grad_fn, params, num_iters, callback)


# --- checking what the caller passed ----------------------------------------------------

def _array(x, dtype=None):
    try:
        a = np.asarray(x, dtype=dtype)
    except TypeError as e:  # a Var, say: its message says what to do
        raise TypeError(f"optimizers work on plain numbers and arrays: {e}") from None
    if a.dtype.kind not in "fiu":
        raise TypeError(f"optimizers work on real numbers, got dtype {a.dtype}")
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def _matching_leaves(tree, treedef, p_leaves, what):
    """The leaves of `tree`, checked to match the parameters in structure and shapes."""
    leaves, tree_def = tree_flatten(tree)
    if tree_def != treedef:
        raise ValueError(f"the {what} must have the structure of the parameters: expected "
                         f"{tree_structure_str(treedef)}, got {tree_structure_str(tree_def)}")
    for k, (p, g) in enumerate(zip(p_leaves, leaves)):
        if np.shape(g) != np.shape(p):
            raise ValueError(f"the {what} at params{_paths(treedef)[k]} has shape "
                             f"{np.shape(g)}, but the parameter has shape {np.shape(p)}")
    return leaves


def _paths(treedef, prefix=""):
    """Where each leaf of a flattened tree sits (``['W'][0]``), in the order of its leaves:
    read from the treedef, so it cannot disagree with `tree_flatten`."""
    kind, meta, children = treedef
    if kind == "leaf":
        return [prefix]
    keys = range(len(children)) if meta is None else meta  # dict keys, or positions
    return [p for k, c in zip(keys, children, strict=True)
            for p in _paths(c, f"{prefix}[{k!r}]")]
