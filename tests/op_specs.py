"""The table of differentiable functions that `test_ops.py` checks.

One `OpSpec` per function: the revad function, a NumPy reference for its value, the input
domain of each argument, the shapes (and keyword parameters) to test, and tolerances.
Every primitive of `revad.ops.PRIMITIVES` must appear here as the ``.primitive`` of some
spec's function (or as the function itself, for primitives revad only exposes through
a composite wrapper); `test_ops.test_every_primitive_has_a_spec` enforces that.

Domains (see `DOMAINS`) keep inputs where the function is smooth and away from kinks;
kinks and special points are tested with exact values elsewhere. An argument whose
domain is ``"bool"`` is a constant condition (``where``): it is generated once and held
fixed, never differentiated.
"""
from __future__ import annotations

import itertools
import operator
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import revad as rv
import revad.numpy as rnp
from revad.core import Primitive
from revad.ops import PRIMITIVES
from revad.ops import shape as shape_ops

# --- input domains --------------------------------------------------------------------


def _offgrid(rng, shape):
    # n + f with f in (0.1, 0.4) or (0.6, 0.9): away from integers (floor, ceil) and
    # from halves (round)
    n = rng.integers(-3, 4, size=shape)
    f = rng.uniform(0.1, 0.4, size=shape) + 0.5 * rng.integers(0, 2, size=shape)
    return n + f


def _nonzero(rng, shape):
    return rng.uniform(0.3, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


DOMAINS: dict[str, Callable] = {
    "real": lambda rng, shape: rng.uniform(-2.0, 2.0, size=shape),
    "positive": lambda rng, shape: rng.uniform(0.2, 2.0, size=shape),
    "unit": lambda rng, shape: rng.uniform(-0.9, 0.9, size=shape),
    "above1": lambda rng, shape: rng.uniform(1.2, 3.0, size=shape),
    "nonzero": _nonzero,
    "offgrid": _offgrid,
    "bool": lambda rng, shape: rng.integers(0, 2, size=shape).astype(bool),
    "complex": lambda rng, shape: (rng.uniform(-2.0, 2.0, size=shape)
                                   + 1j * rng.uniform(-2.0, 2.0, size=shape)),
}
CONSTANT_DOMAINS = {"bool"}


def sample(domain, shape, rng, dtype=np.float64, zero_dim_array=False):
    """An input from `domain`: a Python float for shape () (a 0-d array if asked),
    else an array of `dtype`."""
    value = np.asarray(DOMAINS[domain](rng, shape))
    if domain == "bool":
        return bool(value) if shape == () else value
    if domain == "complex":
        dtype = np.complex64 if dtype == np.float32 else np.complex128
    value = value.astype(dtype)
    if shape == () and not zero_dim_array:
        if domain == "complex":
            return complex(value) if dtype == np.complex128 else value[()]
        return float(value) if dtype == np.float64 else value[()]
    return value


# --- the spec type --------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    shapes: tuple          # one shape per argument
    params: dict = field(default_factory=dict)
    id: str = ""


@dataclass
class OpSpec:
    name: str
    fn: Callable           # called as fn(*args, **params)
    ref: Callable          # NumPy reference, same call
    domains: tuple         # per argument (the last one repeats for variadic ops)
    cases: list
    rtol: float = 1e-5     # for check_grad
    atol: float = 1e-7
    check_kw: dict = field(default_factory=dict)  # more check_grad options (eps)
    value_rtol: float = 1e-12
    zero_grad: bool = False  # derivative is 0 wherever it exists: check it is exactly 0
    float32: bool = True     # float32 inputs must give float32 values and gradients

    def domain(self, i):
        return self.domains[min(i, len(self.domains) - 1)]

    @property
    def primitive_name(self):
        prim = getattr(self.fn, "primitive", None)
        if prim is None and isinstance(self.fn, Primitive):
            prim = self.fn
        return None if prim is None else prim.name

    def seed(self, case):
        return zlib.crc32(f"{self.name}/{case.id}".encode())

    def inputs(self, case, dtype=np.float64, zero_dim_array=False, seed_offset=0):
        rng = np.random.default_rng(self.seed(case) + seed_offset)
        return [sample(self.domain(i), s, rng, dtype, zero_dim_array)
                for i, s in enumerate(case.shapes)]

    def is_constant(self, i):
        return self.domain(i) in CONSTANT_DOMAINS


def _fmt(params):
    def f(v):
        if isinstance(v, np.ndarray):
            return f"arr{v.shape}" if v.dtype != bool else f"mask{v.shape}"
        if isinstance(v, slice):
            return f"{v.start}:{v.stop}:{v.step}"
        if isinstance(v, tuple):
            return "(" + ",".join(f(x) for x in v) + ")"
        if isinstance(v, type) or isinstance(v, np.dtype):
            return np.dtype(v).name
        return str(v)
    return ",".join(f"{k}={f(v)}" for k, v in params.items())


def cases(shapes_list, params_list=({},)):
    """Every shape tuple with every params dict."""
    out = []
    for shapes, params in itertools.product(shapes_list, params_list):
        sid = "x".join(str(s).replace(" ", "") for s in shapes)
        pid = _fmt(params)
        out.append(Case(tuple(shapes), dict(params), sid + (f"[{pid}]" if pid else "")))
    return out


def case_list(*items):
    """Explicit (shapes, params) pairs."""
    out = []
    for shapes, params in items:
        out.extend(cases([shapes], [params]))
    return out


UNARY = [((),), ((4,),), ((2, 3),), ((2, 1, 3),)]
BINARY = [
    ((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (4,)), ((4,), ()),
    ((2, 3), (2, 3)), ((3, 1), (2, 1, 4)),
]

SPECS: list[OpSpec] = []


def add(name, fn, ref, domains, case_objs, **kw):
    SPECS.append(OpSpec(name, fn, ref, tuple(domains), list(case_objs), **kw))


# --- elementwise, one argument ----------------------------------------------------------

for _name, _domain, _ref in [
    ("negative", "real", np.negative),
    ("square", "real", np.square),
    ("reciprocal", "nonzero", np.reciprocal),
    ("absolute", "nonzero", np.absolute),
    ("sqrt", "positive", np.sqrt),
    ("cbrt", "nonzero", np.cbrt),
    ("exp", "real", np.exp),
    ("expm1", "real", np.expm1),
    ("log", "positive", np.log),
    ("log1p", "unit", np.log1p),
    ("log2", "positive", np.log2),
    ("log10", "positive", np.log10),
    ("sin", "real", np.sin),
    ("cos", "real", np.cos),
    ("tan", "unit", np.tan),
    ("arcsin", "unit", np.arcsin),
    ("arccos", "unit", np.arccos),
    ("arctan", "real", np.arctan),
    ("sinh", "real", np.sinh),
    ("cosh", "real", np.cosh),
    ("tanh", "real", np.tanh),
    ("arcsinh", "real", np.arcsinh),
    ("arccosh", "above1", np.arccosh),
    ("arctanh", "unit", np.arctanh),
    ("sigmoid", "real", lambda x: 1.0 / (1.0 + np.exp(-x))),
    ("relu", "nonzero", lambda x: np.maximum(x, 0)),
    ("softplus", "real", lambda x: np.log1p(np.exp(x))),
]:
    add(_name, getattr(rnp, _name), _ref, [_domain], cases(UNARY), value_rtol=1e-13)

for _name, _ref in [("sign", np.sign), ("floor", np.floor), ("ceil", np.ceil),
                    ("round", np.round)]:
    add(_name, getattr(rnp, _name), _ref, ["offgrid"], cases(UNARY), zero_grad=True)

# aliases and the Python operators (a separate, faster code path in revad)
add("abs_builtin", abs, np.abs, ["nonzero"], cases(UNARY))
add("neg_operator", operator.neg, np.negative, ["real"], cases(UNARY))

# --- elementwise, two arguments ---------------------------------------------------------

for _name, _domains, _ref in [
    ("add", ("real", "real"), np.add),
    ("subtract", ("real", "real"), np.subtract),
    ("multiply", ("real", "real"), np.multiply),
    ("divide", ("real", "nonzero"), np.divide),
    ("power", ("positive", "real"), np.power),
    ("arctan2", ("nonzero", "nonzero"), np.arctan2),
    ("hypot", ("nonzero", "nonzero"), np.hypot),
    ("logaddexp", ("real", "real"), np.logaddexp),
    ("maximum", ("real", "real"), np.maximum),
    ("minimum", ("real", "real"), np.minimum),
]:
    add(_name, getattr(rnp, _name), _ref, _domains, cases(BINARY), value_rtol=1e-13)

for _name, _op, _domains in [
    ("op_add", operator.add, ("real", "real")),
    ("op_sub", operator.sub, ("real", "real")),
    ("op_mul", operator.mul, ("real", "real")),
    ("op_truediv", operator.truediv, ("real", "nonzero")),
    ("op_pow", operator.pow, ("positive", "real")),
]:
    add(_name, _op, _op, _domains, cases(BINARY))

add("matmul_operator", operator.matmul, operator.matmul, ("real", "real"),
    cases([((3,), (3,)), ((2, 3), (3, 4)), ((2, 2, 3), (3,))]))


def _value(x):
    return getattr(x, "value", x)


def _const_like(x, lo=0.5, hi=1.5):
    v = _value(x)
    shape = np.shape(v)
    if not shape:
        return 1.25
    return np.linspace(lo, hi, int(np.prod(shape)), dtype=v.dtype).reshape(shape)


# a Var with constants on either side, and the three kinds of power
add("var_times_const_array", lambda x: x * _const_like(x), lambda x: x * _const_like(x),
    ["real"], cases(UNARY))
add("const_array_minus_var", lambda x: _const_like(x) - x, lambda x: _const_like(x) - x,
    ["real"], cases(UNARY))
add("const_array_over_var", lambda x: _const_like(x) / x, lambda x: _const_like(x) / x,
    ["nonzero"], cases(UNARY))
add("const_plus_var_int", lambda x: 3 + x, lambda x: 3 + x, ["real"], cases(UNARY))
add("var_pow_const_frac", lambda x: x ** 2.5, lambda x: x ** 2.5, ["positive"], cases(UNARY))
add("var_pow_const_int", lambda x: x ** 3, lambda x: np.power(x, 3.0), ["real"], cases(UNARY))
add("var_pow_2_negative_base", lambda x: x ** 2.0, lambda x: x ** 2.0, ["nonzero"],
    cases(UNARY))
add("var_pow_negative_const", lambda x: x ** -1.5, lambda x: x ** -1.5, ["positive"],
    cases(UNARY))
add("const_pow_var", lambda y: 2.0 ** y, lambda y: 2.0 ** y, ["real"], cases(UNARY))
add("const_array_pow_var", lambda y: _const_like(y) ** y, lambda y: _const_like(y) ** y,
    ["real"], cases(UNARY))
add("var_pow_var", lambda x, y: x ** y, lambda x, y: x ** y, ("positive", "real"),
    cases(BINARY))
add("power_fn_const_exponent", lambda x: rnp.power(x, 0.5), lambda x: np.power(x, 0.5),
    ["positive"], cases(UNARY))

# --- selection and clipping ---------------------------------------------------------------

add("where", rnp.where, np.where, ("bool", "real", "real"),
    cases([((), (), ()), ((3,), (3,), (3,)), ((2, 3), (3,), (2, 1)), ((2, 3), (), (2, 3))]))
add("clip", rnp.clip, np.clip, ["real"],
    cases(UNARY, [{"a_min": -0.5, "a_max": 0.5}, {"a_min": -0.7, "a_max": None},
                  {"a_min": None, "a_max": 0.3}]))

# --- reductions -------------------------------------------------------------------------

RED = case_list(
    (((),), {}),
    (((4,),), {}),
    (((4,),), {"axis": 0}),
    (((2, 3),), {}),
    (((2, 3),), {"axis": 0}),
    (((2, 3),), {"axis": 1, "keepdims": True}),
    (((2, 3),), {"axis": -1}),
    (((2, 3, 4),), {"axis": (0, 2)}),
    (((2, 3, 4),), {"axis": -1, "keepdims": True}),
    (((2, 3, 4),), {"keepdims": True}),
)
RED_ARRAYS = [c for c in RED if c.shapes != ((),)]


def _np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _np_norm2(x, axis=None, keepdims=False):
    return np.sqrt(np.sum(np.square(x), axis=axis, keepdims=keepdims))


add("sum", rnp.sum, np.sum, ["real"], RED)
add("mean", rnp.mean, np.mean, ["real"], RED)
add("prod", rnp.prod, np.prod, ["nonzero"], RED)
add("max", rnp.max, np.max, ["real"], RED)
add("min", rnp.min, np.min, ["real"], RED)
add("logsumexp", rnp.logsumexp, _np_logsumexp, ["real"], RED)
add("norm_primitive", PRIMITIVES["norm"], _np_norm2, ["real"], RED_ARRAYS)
add("var", rnp.var, np.var, ["real"],
    RED_ARRAYS + case_list((((5,),), {"ddof": 1}), (((2, 3),), {"axis": 1, "ddof": 1})))
add("std", rnp.std, np.std, ["real"],
    RED_ARRAYS + case_list((((5,),), {"ddof": 1}), (((2, 3),), {"axis": 0, "ddof": 1})))


def _np_vector_norm(x, ord=None, axis=None, keepdims=False):
    # revad's norm is a vector norm over the given axes (all of them by default)
    if axis is None:
        out = np.linalg.norm(np.ravel(x), ord)
        return np.reshape(out, (1,) * np.ndim(x)) if keepdims else out
    return np.linalg.norm(x, ord, axis, keepdims)


add("norm", rnp.norm, _np_vector_norm, ["nonzero"],
    case_list(
        (((5,),), {}), (((5,),), {"ord": 2}), (((5,),), {"ord": 1}), (((5,),), {"ord": np.inf}),
        (((5,),), {"ord": -np.inf}), (((5,),), {"ord": 3}), (((5,),), {"ord": 0.5}),
        (((5,),), {"ord": 0}),
        (((2, 3),), {}), (((2, 3),), {"ord": 1, "axis": 1}),
        (((2, 3),), {"ord": np.inf, "axis": 0, "keepdims": True}),
        (((2, 3),), {"axis": -1}), (((2, 3),), {"ord": 3, "axis": 0}),
    ))
add("cumsum", rnp.cumsum, np.cumsum, ["real"],
    case_list((((4,),), {}), (((2, 3),), {}), (((2, 3),), {"axis": 0}),
              (((2, 3),), {"axis": 1}), (((2, 3, 2),), {"axis": -1})))


def _np_softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _np_log_softmax(x, axis=-1):
    return np.log(_np_softmax(x, axis))


SOFTMAX = case_list((((4,),), {}), (((2, 3),), {}), (((2, 3),), {"axis": 0}),
                    (((2, 3, 2),), {"axis": 1}))
add("softmax", rnp.softmax, _np_softmax, ["real"], SOFTMAX)
add("log_softmax", rnp.log_softmax, _np_log_softmax, ["real"], SOFTMAX)

# --- shapes -------------------------------------------------------------------------------

add("reshape", rnp.reshape, np.reshape, ["real"],
    case_list((((2, 3),), {"shape": (3, 2)}), (((6,),), {"shape": (2, 3)}),
              (((2, 3),), {"shape": (-1,)}), (((),), {"shape": (1, 1)}),
              (((1, 1),), {"shape": ()}), (((2, 3, 4),), {"shape": (4, -1)})))
add("transpose", rnp.transpose, np.transpose, ["real"],
    case_list((((2, 3),), {}), (((2, 3, 4),), {}), (((2, 3, 4),), {"axes": (1, 2, 0)}),
              (((4,),), {})))
add("broadcast_to", rnp.broadcast_to, np.broadcast_to, ["real"],
    case_list((((3,),), {"shape": (2, 3)}), (((2, 1),), {"shape": (2, 3)}),
              (((),), {"shape": (2, 2)}), (((1, 3),), {"shape": (4, 2, 3)}),
              (((3,),), {"shape": (3,)})))


def _np_sum_to(x, shape):
    lead = np.ndim(x) - len(shape)
    x = np.sum(x, axis=tuple(range(lead))) if lead else x
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(x)[i] != 1)
    return np.sum(x, axis=axes, keepdims=True).reshape(shape)


add("sum_to", shape_ops.sum_to, _np_sum_to, ["real"],
    case_list((((2, 3),), {"shape": (3,)}), (((2, 3),), {"shape": (2, 1)}),
              (((4, 2, 3),), {"shape": (1, 3)}), (((2, 3),), {"shape": ()}),
              (((3,),), {"shape": (3,)})))
# astype changes precision: float32 rounding makes the default finite-difference step
# too small, so it gets a wide step (the function is linear).
add("astype", shape_ops.astype, lambda x, dtype: np.asarray(x).astype(dtype), ["real"],
    case_list((((3,),), {"dtype": np.float32}), (((2, 3),), {"dtype": np.float32}),
              (((3,),), {"dtype": np.float64})),
    check_kw={"eps": 1e-2}, rtol=1e-4, atol=1e-6, value_rtol=0, float32=False)
add("swapaxes", rnp.swapaxes, np.swapaxes, ["real"],
    case_list((((2, 3),), {"axis1": 0, "axis2": 1}), (((2, 3, 4),), {"axis1": 0, "axis2": -1})))
add("moveaxis", rnp.moveaxis, np.moveaxis, ["real"],
    case_list((((2, 3, 4),), {"source": 0, "destination": -1}),
              (((2, 3, 4),), {"source": (0, 1), "destination": (2, 0)})))
add("expand_dims", rnp.expand_dims, np.expand_dims, ["real"],
    case_list((((3,),), {"axis": 0}), (((2, 3),), {"axis": -1}), (((2, 3),), {"axis": (0, 2)}),
              (((),), {"axis": 0})))
add("squeeze", rnp.squeeze, np.squeeze, ["real"],
    case_list((((1, 3, 1),), {}), (((1, 3, 1),), {"axis": 0}), (((2, 1),), {"axis": -1})))
add("ravel", rnp.ravel, np.ravel, ["real"], cases([((2, 3),), ((4,),)]))


def _concat_prim_ref(*arrays, axis=0):
    return np.concatenate(arrays, axis=axis)


add("concatenate_primitive", PRIMITIVES["concatenate"], _concat_prim_ref, ["real"],
    case_list((((2, 3), (4, 3)), {"axis": 0}), (((2, 3), (2, 1)), {"axis": 1}),
              (((3,), (2,), (1,)), {"axis": 0}), (((2, 2), (2, 3)), {"axis": -1})))
add("concatenate", lambda *xs, axis=0: rnp.concatenate(xs, axis=axis),
    lambda *xs, axis=0: np.concatenate(xs, axis=axis), ["real"],
    case_list((((2, 3), (4, 3)), {"axis": 0}), (((3,), (2,)), {}),
              (((2, 1), (2, 2), (2, 3)), {"axis": 1})))
add("stack", lambda *xs, axis=0: rnp.stack(xs, axis=axis),
    lambda *xs, axis=0: np.stack(xs, axis=axis), ["real"],
    case_list((((3,), (3,)), {}), (((2, 3), (2, 3), (2, 3)), {"axis": 1}),
              (((2, 3), (2, 3)), {"axis": -1}), (((), ()), {})))
add("split", rnp.split, np.split, ["real"],
    case_list((((6,),), {"indices_or_sections": 3}),
              (((4, 3),), {"indices_or_sections": [1, 3], "axis": 0}),
              (((2, 6),), {"indices_or_sections": 2, "axis": 1})))
add("tile", rnp.tile, np.tile, ["real"],
    case_list((((3,),), {"reps": 2}), (((2, 3),), {"reps": (2, 1)}),
              (((3,),), {"reps": (2, 2)}), (((2, 1, 2),), {"reps": (3,)})))
add("repeat", rnp.repeat, np.repeat, ["real"],
    case_list((((3,),), {"repeats": 2}), (((2, 3),), {"repeats": 2}),
              (((2, 3),), {"repeats": 2, "axis": 1}),
              (((2, 3),), {"repeats": [1, 3], "axis": 0})))
add("flip", rnp.flip, np.flip, ["real"],
    case_list((((4,),), {}), (((2, 3),), {"axis": 0}), (((2, 3),), {}),
              (((2, 3, 2),), {"axis": (0, 2)})))

# --- indexing -----------------------------------------------------------------------------

_MASK = np.array([[True, False, True], [False, False, True]])
GETITEM = case_list(
    (((5,),), {"index": 2}),
    (((5,),), {"index": -1}),
    (((5,),), {"index": slice(1, 4)}),
    (((5,),), {"index": slice(None, None, -2)}),
    (((3, 4),), {"index": (1, slice(None))}),
    (((3, 4),), {"index": (Ellipsis, 1)}),
    (((3, 4),), {"index": (None, slice(1, 3))}),
    (((2, 3, 4),), {"index": (slice(None), 0, slice(1, None))}),
    (((5,),), {"index": np.array([0, 2, 1])}),
    (((5,),), {"index": np.array([0, 0, 3, 0])}),  # repeated indices
    (((4, 3),), {"index": np.array([[1, 1], [3, 0]])}),
    (((4, 3),), {"index": (np.array([0, 2, 0]), np.array([1, 1, 1]))}),  # repeated pairs
    (((4, 3),), {"index": (slice(None), np.array([2, 0, 2]))}),
    (((2, 3),), {"index": _MASK}),
    (((2, 3),), {"index": np.array([True, False])}),
    (((4,),), {"index": np.array([True, False, True, True])}),
)
add("getitem", shape_ops.getitem, lambda x, index: np.asarray(x)[index], ["real"], GETITEM)
add("index_operator", lambda x, index: x[index], lambda x, index: np.asarray(x)[index],
    ["real"], GETITEM)


def _np_scatter_add(g, index, shape):
    out = np.zeros(shape)
    np.add.at(out, index, g)
    return out


add("scatter_add", shape_ops.scatter_add, _np_scatter_add, ["real"],
    case_list((((3,),), {"index": np.array([0, 2, 0]), "shape": (4,)}),
              (((2,),), {"index": slice(1, 3), "shape": (5,)}),
              (((3,),), {"index": (1, slice(None)), "shape": (2, 3)}),
              (((2, 2),), {"index": np.array([3, 3]), "shape": (4, 2)}),
              (((3,),), {"index": _MASK, "shape": (2, 3)})))
add("take", rnp.take, np.take, ["real"],
    case_list((((5,),), {"indices": np.array([4, 0, 4])}),
              (((2, 3),), {"indices": np.array([1, 1]), "axis": 1}),
              (((2, 3),), {"indices": np.array([5, 0])}),
              (((3, 2),), {"indices": np.array([2, 0, 2]), "axis": 0})))
add("diag", rnp.diag, np.diag, ["real"],
    case_list((((3, 3),), {}), (((3, 4),), {"k": 1}), (((4, 3),), {"k": -2}),
              (((3,),), {}), (((2,),), {"k": 1}), (((2,),), {"k": -1})))
add("diagonal", rnp.diagonal, np.diagonal, ["real"],
    case_list((((3, 3),), {}), (((3, 4),), {"offset": 1}),
              (((2, 3, 3),), {"axis1": 1, "axis2": 2})))
add("trace", rnp.trace, np.trace, ["real"],
    case_list((((3, 3),), {}), (((3, 4),), {"offset": -1}),
              (((2, 3, 3),), {"axis1": 1, "axis2": 2})))
add("triu", rnp.triu, np.triu, ["real"],
    case_list((((3, 3),), {}), (((3, 4),), {"k": 1}), (((2, 3, 3),), {"k": -1})))
add("tril", rnp.tril, np.tril, ["real"],
    case_list((((3, 3),), {}), (((3, 4),), {"k": -1}), (((2, 3, 3),), {"k": 1})))

# --- products -----------------------------------------------------------------------------

add("matmul", rnp.matmul, np.matmul, ("real", "real"),
    cases([((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
           ((5, 2, 3), (3, 4)), ((2, 1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)),
           ((2, 2, 3), (3,))]))
add("dot", rnp.dot, np.dot, ("real", "real"),
    cases([((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((), (3,)), ((2, 3), ()),
           ((2, 2, 3), (3, 4)), ((2, 3), (2, 3, 2))]))
add("inner", rnp.inner, np.inner, ("real", "real"),
    cases([((3,), (3,)), ((2, 3), (4, 3)), ((), (2,)), ((2, 3), (3,))]))
add("outer", rnp.outer, np.outer, ("real", "real"),
    cases([((3,), (4,)), ((2, 2), (3,)), ((), (2,))]))
add("vdot", rnp.vdot, np.vdot, ("real", "real"), cases([((3,), (3,)), ((2, 3), (3, 2))]))
add("tensordot", rnp.tensordot, np.tensordot, ("real", "real"),
    case_list((((2, 3, 4), (3, 4, 5)), {}), (((2, 3), (3, 4)), {"axes": 1}),
              (((2, 3, 4), (4, 2)), {"axes": ([0, 2], [1, 0])}),
              (((2, 3), (4, 5)), {"axes": 0})))


def _prim_einsum_ref(*xs, subscripts):
    return np.einsum(subscripts, *xs)


EINSUM = case_list(
    (((2, 3), (3, 4)), {"subscripts": "ij,jk->ik"}),
    (((3, 3),), {"subscripts": "ii->i"}),
    (((3, 3),), {"subscripts": "ii->"}),
    (((2, 3),), {"subscripts": "ij->"}),
    (((2, 3),), {"subscripts": "ij->ji"}),
    (((2, 3),), {"subscripts": "ij->j"}),
    (((4, 2, 3), (4, 3, 2)), {"subscripts": "...ij,...jk->...ik"}),
    (((2, 3), (5, 3, 2)), {"subscripts": "...ij,...jk->...ik"}),
    (((3,), (3,)), {"subscripts": "i,i->"}),
    (((3,), (2,)), {"subscripts": "i,j->ij"}),
    (((2, 3), (3, 4)), {"subscripts": "ij,jk"}),
    (((2, 3), (3, 4), (4, 2)), {"subscripts": "ij,jk,kl->il"}),
    (((2, 3), (2, 3)), {"subscripts": "ij,ij->i"}),
    (((2, 2, 3),), {"subscripts": "iij->ij"}),
    (((3, 3), (3,)), {"subscripts": "ii,i->i"}),
)
add("einsum_primitive", PRIMITIVES["einsum"], _prim_einsum_ref, ["real"], EINSUM)
add("einsum", lambda *xs, subscripts: rnp.einsum(subscripts, *xs), _prim_einsum_ref,
    ["real"], EINSUM)

# A few methods and top-level names, which are separate entry points to the same ops.
add("method_sum", lambda x, **kw: x.sum(**kw), lambda x, **kw: np.sum(x, **kw), ["real"],
    case_list((((2, 3),), {"axis": 0})))
add("rv_toplevel_logsumexp", rv.logsumexp, _np_logsumexp, ["real"],
    case_list((((2, 3),), {"axis": 1})))

# --- linear algebra (revad.numpy.linalg), and kron, convolve, cumprod, sort ... -------------
# Matrix domains: square matrices far from singular ("wellcond"), symmetric positive
# definite ("spd"), symmetric with eigenvalues at least 1 apart ("symsep"), and any
# shape with singular values at least 0.8 apart and above 1 ("fullrank").


def _square_eye(shape):
    return np.eye(shape[-1]) if len(shape) >= 2 and shape[-1] == shape[-2] else 0.0


def _spd(rng, shape):
    a = rng.uniform(-1.0, 1.0, size=shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * 0.5 * np.eye(shape[-1])


def _symsep(rng, shape):
    n = shape[-1]
    q = np.linalg.qr(rng.standard_normal(shape))[0]
    w = 1.5 * (np.arange(n) - (n - 1) / 2) + rng.uniform(-0.2, 0.2, size=shape[:-1])
    out = (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)
    return 0.5 * (out + np.swapaxes(out, -1, -2))


def _fullrank(rng, shape):
    m, n = shape[-2:]
    k = min(m, n)
    u = np.linalg.qr(rng.standard_normal(shape[:-2] + (m, k)))[0]
    v = np.linalg.qr(rng.standard_normal(shape[:-2] + (n, k)))[0]
    s = 1.2 + 0.8 * np.arange(k)[::-1] + rng.uniform(0.0, 0.3, size=shape[:-2] + (k,))
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def _with_zeros(rng, shape):
    x = _nonzero(rng, shape)
    return np.where(rng.uniform(size=shape) < 0.3, 0.0, x)


DOMAINS.update({
    "wellcond": lambda rng, shape: rng.uniform(-1.0, 1.0, size=shape) + 3.0 * _square_eye(shape),
    "spd": _spd,
    "symsep": _symsep,
    "fullrank": _fullrank,
    "withzeros": _with_zeros,
    "prob": lambda rng, shape: rng.uniform(0.05, 0.95, size=shape),
    "above_half": lambda rng, shape: rng.uniform(0.5, 3.0, size=shape),
    "order": lambda rng, shape: rng.integers(0, 4, size=shape),
})
CONSTANT_DOMAINS.add("order")  # polygamma's n, iv's v: held fixed, never differentiated

import revad.scipy.special as rsp  # noqa: E402
import revad.scipy.stats as rstats  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.special  # noqa: E402
import scipy.stats  # noqa: E402
from revad.ops import matrix as matrix_ops  # noqa: E402
from revad.ops import reductions as reduction_ops  # noqa: E402

SQUARE = [((2, 2),), ((3, 3),), ((2, 3, 3),)]
add("inv", rnp.linalg.inv, np.linalg.inv, ["wellcond"], cases(SQUARE), value_rtol=1e-13)
add("det", rnp.linalg.det, np.linalg.det, ["wellcond"], cases(SQUARE + [((1, 1),)]),
    value_rtol=1e-13)
add("logabsdet", matrix_ops.logabsdet, lambda a: np.linalg.slogdet(a)[1], ["wellcond"],
    cases(SQUARE))
add("slogdet_logabsdet", lambda a: rnp.linalg.slogdet(a)[1],
    lambda a: np.linalg.slogdet(a)[1], ["wellcond"], cases([((3, 3),), ((2, 2, 2),)]))
add("solve", rnp.linalg.solve, np.linalg.solve, ("wellcond", "real"),
    cases([((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (3,)), ((2, 3, 3), (2, 3, 2)),
           ((2, 3, 3), (3, 4)), ((3, 3), (2, 3, 1))]), value_rtol=1e-13)


def _np_solve_triangular(a, b, lower=False):
    if np.ndim(a) == 2 and np.ndim(b) <= 2:
        return scipy.linalg.solve_triangular(a, b, lower=lower)
    return np.linalg.solve(np.tril(a) if lower else np.triu(a), b)


add("solve_triangular", PRIMITIVES["solve_triangular"], _np_solve_triangular,
    ("wellcond", "real"),
    cases([((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (3,)), ((2, 3, 3), (2, 3, 2))],
          [{"lower": True}, {"lower": False}]), value_rtol=1e-12)
add("solve_triangular_fn", lambda a, b: rnp.linalg.solve_triangular(a, b, lower=True),
    lambda a, b: scipy.linalg.solve_triangular(a, b, lower=True), ("wellcond", "real"),
    cases([((4, 4), (4, 2))]))
add("cholesky", rnp.linalg.cholesky, np.linalg.cholesky, ["spd"],
    cases([((1, 1),), ((3, 3),), ((2, 3, 3),)]), value_rtol=1e-13)


def _np_eigh_packed(a):
    w, v = np.linalg.eigh(a)
    return np.concatenate([w[..., None, :], v], axis=-2)


add("eigh_packed", matrix_ops.eigh_packed, _np_eigh_packed, ["symsep"],
    cases([((2, 2),), ((3, 3),), ((2, 3, 3),)]), value_rtol=1e-13)
add("eigh", lambda a: tuple(rnp.linalg.eigh(a)), lambda a: tuple(np.linalg.eigh(a)),
    ["symsep"], cases([((3, 3),), ((2, 4, 4),)]))
add("eigvalsh", rnp.linalg.eigvalsh, np.linalg.eigvalsh, ["symsep"],
    cases([((1, 1),), ((3, 3),), ((2, 3, 3),)]), value_rtol=1e-13)


def _np_svd_packed(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.concatenate([u, s[..., None, :], np.swapaxes(vh, -1, -2)], axis=-2)


MATRICES = [((3, 3),), ((4, 3),), ((3, 4),), ((2, 4, 3),)]
add("svd_packed", matrix_ops.svd_packed, _np_svd_packed, ["fullrank"], cases(MATRICES),
    value_rtol=1e-13)
add("svd", lambda a: tuple(rnp.linalg.svd(a, full_matrices=False)),
    lambda a: tuple(np.linalg.svd(a, full_matrices=False)), ["fullrank"],
    cases([((4, 3),), ((2, 3, 4),)]))
add("svdvals", rnp.linalg.svdvals, lambda a: np.linalg.svd(a, compute_uv=False),
    ["fullrank"], cases(MATRICES), value_rtol=1e-13)


def _np_qr_packed(a):
    return np.concatenate(np.linalg.qr(a), axis=-2)


add("qr_packed", matrix_ops.qr_packed, _np_qr_packed, ["fullrank"],
    cases([((3, 3),), ((4, 3),), ((2, 4, 2),)]), value_rtol=1e-13)
def _plain_tuple(x):
    return tuple(x) if isinstance(x, tuple) else x


add("qr", lambda a, **kw: _plain_tuple(rnp.linalg.qr(a, **kw)),
    lambda a, **kw: _plain_tuple(np.linalg.qr(a, **kw)),
    ["fullrank"], cases([((4, 3),), ((3, 5),), ((2, 2, 3),)]) + case_list(
        (((4, 3),), {"mode": "r"}), (((2, 4),), {"mode": "r"})), value_rtol=1e-12)
add("pinv", rnp.linalg.pinv, np.linalg.pinv, ["fullrank"], cases(MATRICES),
    value_rtol=1e-12)
add("matrix_power", rnp.linalg.matrix_power, np.linalg.matrix_power, ["wellcond"],
    case_list(*[(((3, 3),), {"n": n}) for n in (0, 1, 2, 3, -1, -2)],
              (((2, 2, 2),), {"n": 5})), value_rtol=1e-12)
add("matrix_norm_svd", rnp.linalg.norm, np.linalg.norm, ["fullrank"],
    case_list((((4, 3),), {"ord": 2}), (((3, 4),), {"ord": -2}), (((3, 3),), {"ord": "nuc"}),
              (((2, 4, 3),), {"ord": 2, "axis": (1, 2)}),
              (((3, 2, 4),), {"ord": "nuc", "axis": (2, 0), "keepdims": True})),
    value_rtol=1e-12)
add("linalg_norm_other", rnp.linalg.norm, np.linalg.norm, ["nonzero"],
    case_list((((5,),), {"ord": 1}), (((2, 3),), {"ord": "fro"}), (((2, 3),), {"ord": np.inf})))
add("matrix_transpose", rnp.linalg.matrix_transpose, lambda x: np.swapaxes(x, -1, -2),
    ["real"], cases([((2, 3),), ((2, 3, 4),)]))
add("multi_dot", lambda *xs: rnp.linalg.multi_dot(xs), lambda *xs: np.linalg.multi_dot(xs),
    ["real"], cases([((2, 3), (3, 4), (4,)), ((3,), (3, 2))]), value_rtol=1e-13)
add("kron", rnp.kron, np.kron, ("real", "real"),
    cases([((2,), (3,)), ((2, 3), (2, 2)), ((3,), (2, 2)), ((2, 1, 2), (3, 2)), ((), (2,))]))
add("convolve_primitive", PRIMITIVES["convolve"], np.convolve, ("real", "real"),
    cases([((5,), (3,)), ((2,), (4,)), ((1,), (3,)), ((4,), (4,))]), value_rtol=1e-13)
add("convolve", rnp.convolve, np.convolve, ("real", "real"),
    cases([((5,), (3,)), ((4,), (6,)), ((5,), (2,)), ((3,), (3,))],
          [{"mode": "full"}, {"mode": "same"}, {"mode": "valid"}]), value_rtol=1e-13)
add("correlate", rnp.correlate, np.correlate, ("real", "real"),
    cases([((5,), (3,)), ((4,), (6,)), ((5,), (2,))],
          [{"mode": "full"}, {"mode": "same"}, {"mode": "valid"}]), value_rtol=1e-13)
add("cumprod_primitive", reduction_ops._cumprod, np.cumprod, ["nonzero"],
    case_list((((4,),), {"axis": 0}), (((2, 3),), {"axis": 1}), (((2, 3, 2),), {"axis": 0})))
add("cumprod", rnp.cumprod, np.cumprod, ["nonzero"],
    case_list((((),), {}), (((4,),), {}), (((2, 3),), {}), (((2, 3),), {"axis": -1})))
add("cumprod_with_zeros", rnp.cumprod, np.cumprod, ["withzeros"],
    case_list((((6,),), {}), (((3, 4),), {"axis": 1}), (((4, 3),), {"axis": 0})))
add("sort", rnp.sort, np.sort, ["real"],
    case_list((((5,),), {}), (((3, 4),), {"axis": 0}), (((3, 4),), {}),
              (((2, 3),), {"axis": None})))
add("take_along_axis", rnp.take_along_axis, np.take_along_axis, ["real"],
    case_list((((3, 4),), {"indices": np.array([[0, 2, 2, 1]]), "axis": 0}),
              (((3, 4),), {"indices": np.array([[3], [0], [3]]), "axis": 1}),
              (((5,),), {"indices": np.array([4, 0, 4]), "axis": 0})))
add("diff", rnp.diff, np.diff, ["real"],
    case_list((((5,),), {}), (((5,),), {"n": 2}), (((3, 4),), {"axis": 0}),
              (((3, 4),), {"n": 3, "axis": -1}), (((4,),), {"prepend": 0.5, "append": 2.0})))
add("meshgrid", lambda *xs, **kw: rnp.meshgrid(*xs, **kw),
    lambda *xs, **kw: np.meshgrid(*xs, **kw), ["real"],
    cases([((3,), (2,)), ((2,), (3,), (2,))],
          [{}, {"indexing": "ij"}, {"sparse": True}]))
add("broadcast_arrays", lambda *xs: rnp.broadcast_arrays(*xs),
    lambda *xs: np.broadcast_arrays(*xs), ["real"],
    cases([((3,), (2, 1)), ((), (2, 2)), ((2, 3), (2, 3))]))
add("nan_to_num", rnp.nan_to_num, np.nan_to_num, ["real"], cases(UNARY))

# --- special functions (revad.scipy.special) and distributions (revad.scipy.stats) ----------

for _name, _domain in [
    ("erf", "real"), ("erfc", "real"), ("erfinv", "unit"), ("ndtr", "real"),
    ("log_ndtr", "real"), ("ndtri", "prob"), ("gamma", "positive"), ("gammaln", "positive"),
    ("digamma", "positive"), ("logit", "prob"), ("i0", "real"), ("i1", "real"),
    ("i0e", "nonzero"), ("i1e", "nonzero"), ("expit", "real"),
]:
    add(f"special_{_name}", getattr(rsp, _name), getattr(scipy.special, _name), [_domain],
        cases(UNARY), value_rtol=1e-13)

SPECIAL_BINARY = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (4,))]
for _name, _domains in [("beta", ("positive", "positive")),
                        ("betaln", ("positive", "positive")),
                        ("xlogy", ("real", "positive")), ("xlog1py", ("real", "positive"))]:
    add(f"special_{_name}", getattr(rsp, _name), getattr(scipy.special, _name), _domains,
        cases(SPECIAL_BINARY), value_rtol=1e-13)
ORDER_CASES = cases([((), ()), ((), (4,)), ((3,), (3,)), ((2, 1), (3,))])
add("special_polygamma", rsp.polygamma, scipy.special.polygamma, ("order", "above_half"),
    ORDER_CASES, value_rtol=1e-13)
add("special_iv", rsp.iv, scipy.special.iv, ("order", "positive"), ORDER_CASES,
    value_rtol=1e-13)
add("special_ive", rsp.ive, scipy.special.ive, ("order", "nonzero"), ORDER_CASES,
    value_rtol=1e-13)
add("special_logsumexp_b", lambda a, b, **kw: rsp.logsumexp(a, b=b, **kw),
    lambda a, b, **kw: scipy.special.logsumexp(a, b=b, **kw), ("real", "positive"),
    case_list((((4,), (4,)), {}), (((2, 3), (2, 3)), {"axis": 1}),
              (((2, 3), (3,)), {"axis": 0, "keepdims": True}), (((), ()), {})),
    value_rtol=1e-13)
add("special_softmax", rsp.softmax, scipy.special.softmax, ["real"],
    case_list((((4,),), {}), (((2, 3),), {}), (((2, 3),), {"axis": 1})), value_rtol=1e-13)

NORM_CASES = cases([((), (), ()), ((4,), (), ()), ((3,), (3,), (3,)), ((2, 3), (3,), (2, 1))])
for _name in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
    add(f"stats_norm_{_name}", getattr(rstats.norm, _name), getattr(scipy.stats.norm, _name),
        ("real", "real", "positive"), NORM_CASES, value_rtol=1e-11)
add("stats_norm_ppf", rstats.norm.ppf, scipy.stats.norm.ppf, ("prob", "real", "positive"),
    NORM_CASES, value_rtol=1e-11)
add("stats_multivariate_normal_logpdf", rstats.multivariate_normal.logpdf,
    scipy.stats.multivariate_normal.logpdf, ("real", "real", "spd"),
    cases([((3,), (3,), (3, 3)), ((5, 3), (3,), (3, 3)), ((2, 4, 2), (2,), (2, 2))]),
    value_rtol=1e-11)
add("stats_multivariate_normal_diag", rstats.multivariate_normal.logpdf,
    scipy.stats.multivariate_normal.logpdf, ("real", "real", "positive"),
    cases([((4, 3), (3,), (3,)), ((4,), (), ())]), value_rtol=1e-11)

SPEC_NAMES = {s.name for s in SPECS}
assert len(SPEC_NAMES) == len(SPECS), "duplicate spec names"


# --- complex numbers and Fourier transforms ---------------------------------------------

for _name, _fn, _ref in [("real", rnp.real, np.real), ("imag", rnp.imag, np.imag),
                         ("conj", rnp.conj, np.conj), ("angle", rnp.angle, np.angle)]:
    add(_name, _fn, _ref, ["complex"], cases(UNARY), float32=False)
    add(f"{_name}_of_real", _fn, _ref, ["nonzero"], cases(UNARY[1:]), float32=False)
for _name, _fn, _ref in [("sin_complex", rnp.sin, np.sin), ("exp_complex", rnp.exp, np.exp),
                         ("abs_complex", rnp.abs, np.abs), ("sqrt_complex", rnp.sqrt, np.sqrt),
                         ("log_complex", rnp.log, np.log), ("tanh_complex", rnp.tanh, np.tanh)]:
    add(_name, _fn, _ref, ["complex"], cases(UNARY), float32=False)
add("multiply_complex", rnp.multiply, np.multiply, ["complex", "real"], cases(BINARY),
    float32=False)
add("divide_complex", rnp.divide, np.divide, ["complex", "complex"], cases(BINARY),
    float32=False)
add("matmul_complex", rnp.matmul, np.matmul, ["complex", "complex"],
    cases([((2, 3), (3,)), ((2, 3), (3, 4))]), float32=False)
_FFT_PARAMS = [{}, {"n": 7}, {"n": 3}, {"norm": "ortho"}, {"norm": "forward"}]
for _name, _fn, _ref, _domain in [("fft", rnp.fft.fft, np.fft.fft, "complex"),
                                  ("ifft", rnp.fft.ifft, np.fft.ifft, "complex"),
                                  ("fft_of_real", rnp.fft.fft, np.fft.fft, "real"),
                                  ("rfft", rnp.fft.rfft, np.fft.rfft, "real"),
                                  ("irfft", rnp.fft.irfft, np.fft.irfft, "complex")]:
    add(_name, _fn, _ref, [_domain], cases([((5,),), ((4,),)], _FFT_PARAMS)
        + case_list((((3, 4),), {"axis": 0}), (((2, 6),), {"axis": -1, "n": 8})),
        float32=False, value_rtol=1e-10)
add("fft2", rnp.fft.fft2, np.fft.fft2, ["complex"], cases([((3, 4),), ((2, 3, 2),)]),
    float32=False, value_rtol=1e-10)


def _np_ifftn(x, s=None, axes=None, norm=None):
    # NumPy 2 deprecates s without axes; its documented meaning is the last len(s) axes.
    if axes is None and s is not None:
        axes = tuple(range(-len(s), 0))
    return np.fft.ifftn(x, s, axes, norm)


add("ifftn", rnp.fft.ifftn, _np_ifftn, ["complex"],
    case_list((((3, 4),), {}), (((2, 3, 2),), {"axes": (0, 2)}), (((3, 4),), {"s": (4, 3)}),
              (((2, 3, 4),), {"s": (3, 5)})),
    float32=False, value_rtol=1e-10)
add("fftshift", rnp.fft.fftshift, np.fft.fftshift, ["real"],
    case_list((((5,),), {}), (((4, 3),), {"axes": 1})), float32=False)
add("ifftshift", rnp.fft.ifftshift, np.fft.ifftshift, ["complex"],
    case_list((((5,),), {}), (((4, 3),), {})), float32=False)
