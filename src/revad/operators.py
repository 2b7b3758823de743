"""Python operators, array methods and NumPy dispatch (NEP 13 and 18) for tracers.

Kept apart from `core` because they are defined with the primitives of `ops`, which in
turn build on `core`. Importing revad installs them: the generic versions on Tracer,
and for Var (the reverse-mode tracer, where speed matters most) fast recorders.
"""
import functools
import inspect

import numpy as np
from numpy import ndarray

from . import numpy as rnp
from .core import Tracer, Var, value_of
from .forward import Dual
from .ops import elementwise as ew
from .ops import linalg, reductions, shape


def _reflected(record):
    def method(self, other):
        return record(other, self)
    return method


_OPERANDS = (Tracer, float, int, complex, np.ndarray, np.generic, list, tuple)


def _generic_operator(function):
    def method(self, other):
        return function(self, other) if isinstance(other, _OPERANDS) else NotImplemented
    return method


def _generic_reflected(function):
    def method(self, other):
        return function(other, self) if isinstance(other, _OPERANDS) else NotImplemented
    return method


def _comparison(op):
    def method(self, other):
        return op(value_of(self), value_of(other))
    return method


_BINARY = {
    "add": ew.add, "sub": ew.subtract, "mul": ew.multiply, "truediv": ew.divide,
    "pow": ew.power, "matmul": linalg.matmul,
}
for _name, _function in _BINARY.items():
    setattr(Tracer, f"__{_name}__", _generic_operator(_function))
    setattr(Tracer, f"__r{_name}__", _generic_reflected(_function))
    _record = _function.record
    setattr(Var, f"__{_name}__", _record)
    setattr(Var, f"__r{_name}__", _reflected(_record))


def _dual_operator(function, reflected):
    """An operator of a Dual: straight to `Dual.process` when the Dual is the highest
    tracer and the other operand a number, an array or a Dual of its level or below,
    where `bind` would end (the rules of forward over reverse mode make many)."""
    prim = function.primitive
    generic = (_generic_reflected if reflected else _generic_operator)(function)

    def method(self, other):
        t = type(other)
        if t is float or t is int or t is ndarray or t is Dual and other._level <= self._level:
            return self.process(prim, (other, self) if reflected else (self, other), {})
        return generic(self, other)
    return method


for _name, _function in _BINARY.items():
    setattr(Dual, f"__{_name}__", _dual_operator(_function, False))
    setattr(Dual, f"__r{_name}__", _dual_operator(_function, True))

for _name, _op in {"lt": np.less, "le": np.less_equal, "gt": np.greater,
                   "ge": np.greater_equal, "eq": np.equal, "ne": np.not_equal}.items():
    setattr(Tracer, f"__{_name}__", _comparison(_op))

Tracer.__neg__ = ew.negative
Tracer.__pos__ = lambda self: self
Tracer.__abs__ = ew.absolute
Tracer.__getitem__ = lambda self, index: shape.getitem(self, shape._plain_index(index))
Tracer.T = property(lambda self: shape.transpose(self), doc="The transpose (axes reversed).")
Tracer.real = property(lambda self: rnp.real(self), doc="The real part.")
Tracer.imag = property(lambda self: rnp.imag(self), doc="The imaginary part.")
Tracer.conj = Tracer.conjugate = lambda self: rnp.conj(self)


def _reshape(self, *shape_args, **kwargs):
    new_shape = shape_args[0] if len(shape_args) == 1 else shape_args
    return shape.reshape(self, new_shape, **kwargs)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = axes[0]
    return shape.transpose(self, tuple(axes) if axes else None)


Tracer.reshape = _reshape
Tracer.transpose = _transpose
for _name, _fn in {
    "sum": reductions.sum, "mean": reductions.mean, "max": reductions.max,
    "min": reductions.min, "prod": reductions.prod, "var": reductions.var,
    "std": reductions.std, "cumsum": reductions.cumsum, "ravel": shape.ravel,
    "flatten": shape.ravel, "squeeze": shape.squeeze, "swapaxes": shape.swapaxes,
    "astype": shape.astype, "clip": ew.clip, "dot": linalg.dot, "repeat": shape.repeat,
    "diagonal": shape.diagonal, "trace": shape.trace,
    "sin": ew.sin, "cos": ew.cos, "tan": ew.tan, "exp": ew.exp, "log": ew.log,
    "sqrt": ew.sqrt, "tanh": ew.tanh, "sigmoid": ew.sigmoid, "relu": ew.relu,
}.items():
    setattr(Tracer, _name, _fn)  # plain functions: they bind as methods


# --- NumPy hands operations on Vars to revad ---------------------------------------

_UFUNCS = {getattr(np, name): getattr(rnp, name) for name in (
    "add subtract multiply divide power negative absolute square sqrt cbrt reciprocal "
    "exp expm1 log log1p log2 log10 sin cos tan arcsin arccos arctan arctan2 sinh cosh "
    "tanh arcsinh arccosh arctanh logaddexp hypot maximum minimum sign floor ceil "
    "matmul").split()}
_UFUNCS[np.rint] = rnp.rint
_UFUNCS[np.conjugate] = rnp.conj
_UFUNCS[np.positive] = lambda x: x
# Ufuncs whose results carry no derivative: applied to the plain values.
_VALUE_UFUNCS = {np.less, np.less_equal, np.greater, np.greater_equal, np.equal,
                 np.not_equal, np.isfinite, np.isnan, np.isinf, np.signbit,
                 np.logical_and, np.logical_or, np.logical_not, np.logical_xor}

_FUNCTIONS = {getattr(np, name): getattr(rnp, name) for name in (
    "sum mean max min amax amin prod var std cumsum logsumexp clip where dot einsum "
    "inner outer tensordot vdot matmul reshape transpose swapaxes moveaxis expand_dims "
    "squeeze broadcast_to concatenate stack split tile repeat flip take diag diagonal "
    "trace triu tril ravel round around").split() if hasattr(np, name)}
_FUNCTIONS.update({getattr(np, name): getattr(rnp, name) for name in (
    "sort cumprod diff kron convolve correlate nan_to_num take_along_axis meshgrid "
    "broadcast_arrays").split()})
_FUNCTIONS.update({np.real: rnp.real, np.imag: rnp.imag, np.angle: rnp.angle})
_FUNCTIONS.update({getattr(np.fft, name): getattr(rnp.fft, name) for name in rnp.fft.__all__})
_FUNCTIONS.update({getattr(np.linalg, name): getattr(rnp.linalg, name) for name in (
    "norm inv solve det slogdet cholesky eigh eigvalsh svd qr pinv matrix_power").split()})
# Functions that only look at shapes or values.
_VALUE_FUNCTIONS = {np.shape, np.ndim, np.size, np.result_type, np.isclose, np.allclose,
                    np.array_equal, np.iscomplexobj, np.isrealobj, np.argmax, np.argmin,
                    np.argsort, np.nonzero, np.count_nonzero}


@functools.cache
def _parameters(func):
    """The keyword parameters revad's version of a NumPy function takes (for a
    primitive, those of its implementation)."""
    ours = _FUNCTIONS[func]
    primitive = getattr(ours, "primitive", None)
    return set(inspect.signature(ours if primitive is None else primitive.impl).parameters)


def _plain(args):
    return [value_of(a) if not isinstance(a, (list, tuple)) else type(a)(_plain(a))
            for a in args]


def _not_differentiable(name):
    return NotImplementedError(
        f"revad does not differentiate numpy.{name}; use revad.numpy's functions, "
        f"or apply it to var.value if no gradient should flow through it")


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if "out" in kwargs:
        raise NotImplementedError(
            f"numpy.{ufunc.__name__}(..., out=...) on a Var: revad does not write into "
            "existing arrays (a recorded value must not change); drop out=")
    if method == "__call__":
        if ufunc in _UFUNCS and not kwargs:
            return _UFUNCS[ufunc](*inputs)
        if ufunc in _VALUE_UFUNCS:
            return ufunc(*_plain(inputs), **kwargs)
    raise _not_differentiable(ufunc.__name__ if method == "__call__"
                              else f"{ufunc.__name__}.{method}")


def _array_function(self, func, types, args, kwargs):
    if func in _FUNCTIONS:
        unsupported = {k for k, v in kwargs.items() if v is not None} - _parameters(func)
        if unsupported:
            raise NotImplementedError(
                f"revad differentiates numpy.{func.__name__} but not with its "
                f"{', '.join(sorted(unsupported))} argument")
        return _FUNCTIONS[func](*args, **{k: v for k, v in kwargs.items() if v is not None})
    if func in _VALUE_FUNCTIONS:
        return func(*_plain(args), **{k: value_of(v) for k, v in kwargs.items()})
    raise _not_differentiable(func.__name__)


Tracer.__array_ufunc__ = _array_ufunc
Tracer.__array_function__ = _array_function
