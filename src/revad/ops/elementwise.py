"""Elementwise primitives: each forward function beside its reverse-mode rule.

Forward functions take plain Python floats or NumPy arrays. Floats go through `math`
(ten times cheaper than a NumPy call on a scalar) and fall back to NumPy where `math`
raises, so that domain errors give NumPy's inf/nan and warning rather than an exception.
Rules are written with these same differentiable functions, so that they can be
differentiated again. Broadcasting is undone centrally (`revad.reverse.fit_cotangent`):
a rule returns a cotangent shaped like the output.

Every primitive here acts entrywise, so its forward-mode rule is its reverse-mode rule
applied to the tangent (`ELEMENTWISE`); the commonest give it directly, one staged
closure cheaper per op (forward over reverse mode runs a forward rule for every op of
the backward pass).

Conventions at kinks (documented subgradients): ``abs``, ``sign`` and ``relu`` have
derivative 0 at 0; ``maximum``/``minimum`` give half the cotangent to each argument
where they are equal; ``clip`` passes the gradient where ``a_min <= x <= a_max``.
"""
import math
import operator
from math import isfinite

import numpy as np
from numpy import ndarray

from ..core import SCALAR_ERRORS, Tracer, value_of
from ._registry import ELEMENTWISE, builtin
from .complex import conj

_PYTHON_NUMBERS = (float, int)


def _unary(np_fn, math_fn):
    """Forward function using `math_fn` on Python numbers and `np_fn` otherwise."""
    def impl(x):
        if type(x) is float or type(x) is int:
            x = float(x)
            try:
                return math_fn(x)
            except SCALAR_ERRORS:
                return float(np_fn(x))
        return np_fn(x)
    impl.__name__ = np_fn.__name__
    impl.__doc__ = f"Elementwise {np_fn.__name__}, differentiable (numpy.{np_fn.__name__})."
    impl.array_impl = np_fn
    return impl


def _binary(np_fn, float_fn=None):
    """Forward function of two arguments; Python numbers in give a Python float out."""
    def impl(x, y):
        if type(x) in _PYTHON_NUMBERS and type(y) in _PYTHON_NUMBERS:
            if float_fn is not None:
                try:
                    return float(float_fn(float(x), float(y)))
                except SCALAR_ERRORS:
                    pass
            return float(np_fn(np.float64(x), np.float64(y)))
        return np_fn(x, y)
    impl.__name__ = np_fn.__name__
    impl.__doc__ = f"Elementwise {np_fn.__name__}, differentiable (numpy.{np_fn.__name__})."
    return impl


def _no_gradient(ans, *args):
    return lambda g: 0.0 * g


def _scaled(g, d):
    """g * d, but exactly 0 where g is 0 and the derivative d is infinite or nan: the
    branch of a `where` that was not selected sends a zero cotangent, and 0 * inf must
    not turn into a nan gradient (the "double where" problem). Where d is finite the
    product is left alone, so that it stays differentiable in g even at g == 0. Rules
    divide with `reciprocal`, which gives inf at 0 for floats as for arrays (Python's
    own division would raise)."""
    out = g * d
    if type(d) is float and math.isfinite(d):  # a constant factor, as in x / n
        return out
    if type(out) is float:
        return 0.0 if g == 0 and not math.isfinite(d) else out
    value = value_of(out)
    if np.isfinite(value).all():  # the common case: one pass, nothing to mask
        return out
    masked = (value_of(g) == 0) & ~np.isfinite(value_of(d))
    return where(masked, 0.0, out) if np.any(masked) else out


def _finite_derivatives(scalar):
    """The scalar rule of a primitive whose VJP rules use `_scaled`, which sends 0 where
    the cotangent is 0 even through an infinite derivative: where a derivative is not
    finite, the rule raises and the general path applies that convention."""
    def rule(*args):
        local = scalar(*args)
        # local[-1] is local[1] for one argument, the second derivative for two
        if isfinite(local[1]) and isfinite(local[-1]):
            return local
        raise ValueError("derivative not finite")
    return rule


def conj_sign(x):
    """sign(x) for real x, conj(x) / |x| for complex x (0 at 0): the derivative of |x|.
    For complex x it is written with differentiable functions, as it varies with x
    (sign's derivative is 0, right for real x only)."""
    v = value_of(x)
    if type(v) is float or not np.iscomplexobj(v):
        return sign(x)
    return conj(x) * reciprocal_unless(absolute(x), np.abs(v) == 0)


def reciprocal_unless(d, mask):
    """1 / d, and 0 where `mask` (a plain boolean array) holds: d is replaced by 1
    there before dividing, so that no inf or nan appears, nor reaches a gradient."""
    return where(mask, 0.0, reciprocal(where(mask, 1.0, d)))


def _unary_op(np_fn, math_fn, name, vjp, derivative, saves, scalar, at=0.5, doc=None,
              jvp=None):
    """Register an elementwise primitive of one argument. `derivative` is its textbook
    derivative, a Python expression in x, written independently of the rule `vjp`:
    the docstring's example checks the one against the other at x = `at`. `saves`
    says what `vjp` reads: () nothing, (0,) x, ("ans",) the result. `scalar(x)` gives
    ``(value, derivative)`` for a Python float (see `Primitive.scalar`). `jvp`, if
    given, is the forward rule (else `vjp` applied to the tangent)."""
    doc = (doc or f"Elementwise {name}, differentiable (see numpy.{np_fn.__name__}).") + f"""

    d/dx {name}(x) = {derivative}, e.g. at x = {at}:

        >>> import math, revad as rv, revad.numpy as rnp
        >>> x = {at}
        >>> math.isclose(rv.grad(rnp.{name})(x), {derivative}, rel_tol=1e-12, abs_tol=1e-15)
        True
    """
    return builtin(_unary(np_fn, math_fn), name, unary=True, vjp=(vjp,),
                   jvp=ELEMENTWISE if jvp is None else (jvp,), elementwise=True,
                   saves=saves, scalar=scalar, doc=doc)


def _binary_op(impl, name, vjp_x, vjp_y, derivatives, saves, scalar, at=(0.5, 1.5),
               doc=None, jvp=None):
    """Register an elementwise primitive of two arguments (broadcasting as NumPy);
    `derivatives` are its textbook partial derivatives in x and y, checked by the
    docstring's example as for `_unary_op`; `scalar(x, y)` gives ``(value, d/dx,
    d/dy)`` for Python floats; `jvp`, if given, the forward rules for x and y."""
    dx, dy = derivatives
    doc = (doc or f"Elementwise {name} of x and y, differentiable (see numpy.{name}).") + f"""

    d/dx = {dx} and d/dy = {dy}, e.g. at (x, y) = {at}:

        >>> import math, revad as rv, revad.numpy as rnp
        >>> x, y = {at}
        >>> gx, gy = rv.grad(rnp.{name}, argnums=(0, 1))(x, y)
        >>> math.isclose(gx, {dx}, abs_tol=1e-15), math.isclose(gy, {dy}, abs_tol=1e-15)
        (True, True)
    """
    return builtin(impl, name, vjp=(vjp_x, vjp_y), jvp=ELEMENTWISE if jvp is None else jvp,
                   elementwise=True, saves=saves, binary=True, scalar=scalar, doc=doc)


# --- arithmetic --------------------------------------------------------------------

# Python's operators already act elementwise on floats and arrays alike.
add = _binary_op(operator.add, "add",
                 lambda ans, x, y: lambda g: g, lambda ans, x, y: lambda g: g,
                 jvp=(lambda t, ans, x, y: t, lambda t, ans, x, y: t),
                 derivatives=("1.0", "1.0"),
                 saves=(),
                 scalar=lambda x, y: (x + y, 1.0, 1.0))
subtract = _binary_op(operator.sub, "subtract",
                      lambda ans, x, y: lambda g: g, lambda ans, x, y: lambda g: -g,
                      jvp=(lambda t, ans, x, y: t, lambda t, ans, x, y: -t),
                      derivatives=("1.0", "-1.0"),
                      saves=(),
                      scalar=lambda x, y: (x - y, 1.0, -1.0))
multiply = _binary_op(operator.mul, "multiply",
                      lambda ans, x, y: lambda g: g * y, lambda ans, x, y: lambda g: g * x,
                      jvp=(lambda t, ans, x, y: t * y, lambda t, ans, x, y: t * x),
                      derivatives=("y", "x"),
                      saves=((1,), (0,)),
                      scalar=lambda x, y: (x * y, y, x))
def _divide_scalar(x, y):
    ans = x / y
    return ans, 1.0 / y, -ans / y


divide = _binary_op(_binary(np.divide, operator.truediv), "divide",
                    lambda ans, x, y: lambda g: _scaled(g, reciprocal(y)),
                    lambda ans, x, y: lambda g: _scaled(-g, ans * reciprocal(y)),
                    derivatives=("1 / y", "-x / y ** 2"),
                    saves=((1,), (1, "ans")),
                    scalar=_finite_derivatives(_divide_scalar))
negative = _unary_op(np.negative, operator.neg, "negative", lambda ans, x: lambda g: -g,
                     jvp=lambda t, ans, x: -t,
                     derivative="-1.0",
                     saves=(),
                     scalar=lambda x: (-x, -1.0))


def _float_pow(x, y):
    r = x ** y
    # Python gives a complex number for a negative base and fractional exponent;
    # NumPy's real answer is nan.
    return math.nan if type(r) is complex else r


def _power_scalar(x, y):
    ans = x ** y
    if type(ans) is complex:
        raise ValueError("negative base, fractional exponent")
    if y == 0:
        d_base = 0.0
    elif y == 2:
        d_base = 2.0 * x
    else:
        d_base = y * x ** (y - 1)
    # log(x) only where it is real: for x < 0 (no real x**y nearby) the rule's nan is
    # not finite, and the general path takes over
    d_exponent = ans * math.log(x) if x > 0 else 0.0 if x == 0 else math.nan
    return ans, d_base, d_exponent


def _pow_times_d_base(g, x, y):
    """g * y * x**(y-1), but 0 where y == 0 (x**0 is constant, even at x == 0 where
    x**(y-1) is infinite) and never through log(x), so x**2 at x < 0 is exact."""
    yv = value_of(y)
    if type(yv) is float or type(yv) is int or np.ndim(yv) == 0:
        # a scalar exponent: decide once, not per entry
        if yv == 0:
            return 0.0 * g
        if yv == 2 and not isinstance(y, Tracer):
            # The commonest: 2x, finite for finite x (an infinite x with a zero
            # cotangent gives nan, as x * x does, but for a Python float, which keeps
            # `_scaled`'s 0 like its scalar rule). Doubling is exact, so the order is
            # free: double a plain operand (an op less on tracers), or else the
            # product (one tracer less held at once).
            if type(x) is float and type(g) is float:
                return _scaled(g, 2.0 * x)
            if not isinstance(x, Tracer):
                if type(g) is ndarray and type(x) is ndarray and g.shape == x.shape and (
                        g.dtype == x.dtype and g.dtype.kind in "fc"):
                    out = g * x  # a new array of plain values: doubled in place, one less
                    out *= 2.0
                    return out
                return g * (2.0 * x)
            return x * (2.0 * g) if not isinstance(g, Tracer) else 2.0 * (g * x)
        return _scaled(g, y * power(x, y - 1))
    return _scaled(g, where(y == 0, 0.0, y * power(x, where(y == 0, 1.0, y - 1))))


def _pow_times_d_exponent(g, ans, x):
    """g * x**y * log(x). At x == 0, x**y is flat in y (0 for y > 0), so the
    derivative is 0 there; log(0) = -inf must not reach the product."""
    safe_x = where(x == 0, 1.0, x)
    return _scaled(g, where(x == 0, 0.0, ans * log(safe_x)))


def _array_pow(x, y):
    # The ** operator has NumPy's fast paths for scalar exponents (2 is x * x); the
    # np.power ufunc does not, and is several times slower for them.
    return x ** y


_array_pow.__name__ = "power"
power = _binary_op(_binary(_array_pow, _float_pow), "power",
                   lambda ans, x, y: lambda g: _pow_times_d_base(g, x, y),
                   lambda ans, x, y: lambda g: _pow_times_d_exponent(g, ans, x),
                   jvp=(lambda t, ans, x, y: _pow_times_d_base(t, x, y),
                        lambda t, ans, x, y: _pow_times_d_exponent(t, ans, x)),
                   derivatives=("y * x ** (y - 1)", "x ** y * math.log(x)"),
                   saves=((0, 1), (0, "ans")),
                   scalar=_finite_derivatives(_power_scalar))

def _reciprocal_scalar(x):
    ans = 1.0 / x
    return ans, -ans * ans


def _float_sign(x):
    return x if x != x or x == 0.0 else math.copysign(1.0, x)


square = _unary_op(np.square, lambda x: x * x, "square",
                   lambda ans, x: lambda g: g * 2.0 * x,
                   derivative="2 * x",
                   saves=(0,),
                   scalar=lambda x: (x * x, 2.0 * x))
reciprocal = _unary_op(np.reciprocal, lambda x: 1.0 / x, "reciprocal",
                       lambda ans, x: lambda g: _scaled(-g, ans * ans),
                       derivative="-1 / x ** 2",
                       saves=("ans",),
                       scalar=_finite_derivatives(_reciprocal_scalar))
absolute = _unary_op(np.absolute, abs, "absolute",
                     lambda ans, x: lambda g: g * conj_sign(x),
                     derivative="-1.0", at=-0.5,
                     saves=(0,),
                     scalar=lambda x: (abs(x), _float_sign(x)))
sign = _unary_op(np.sign, _float_sign, "sign",
                 _no_gradient,
                 derivative="0.0",
                 saves=(),
                 scalar=lambda x: (_float_sign(x), 0.0))
floor = _unary_op(np.floor, lambda x: float(math.floor(x)), "floor", _no_gradient,
                  derivative="0.0", at=1.5,
                  saves=(),
                  scalar=lambda x: (float(math.floor(x)), 0.0))
ceil = _unary_op(np.ceil, lambda x: float(math.ceil(x)), "ceil", _no_gradient,
                 derivative="0.0", at=1.5,
                 saves=(),
                 scalar=lambda x: (float(math.ceil(x)), 0.0))
rint = _unary_op(np.round, lambda x: round(x, 0), "round", _no_gradient,
                 derivative="0.0", at=1.25,
                 saves=(),
                 scalar=lambda x: (round(x, 0), 0.0))

# --- powers, exponentials and logarithms -------------------------------------------

def _sqrt_scalar(x):
    ans = math.sqrt(x)
    return ans, 0.5 / ans


# math.cbrt is new in Python 3.11
_float_cbrt = getattr(math, "cbrt", lambda x: float(np.cbrt(x)))


def _cbrt_scalar(x):
    ans = _float_cbrt(x)
    return ans, 1.0 / (3.0 * ans * ans)


def _exp_scalar(x):
    ans = math.exp(x)
    return ans, ans


def _expm1_scalar(x):
    ans = math.expm1(x)
    return ans, ans + 1.0


sqrt = _unary_op(np.sqrt, math.sqrt, "sqrt",
                 lambda ans, x: lambda g: _scaled(g, 0.5 * reciprocal(ans)),
                 derivative="0.5 / math.sqrt(x)",
                 saves=("ans",),
                 scalar=_finite_derivatives(_sqrt_scalar))
cbrt = _unary_op(np.cbrt, _float_cbrt, "cbrt",
                 lambda ans, x: lambda g: _scaled(g, reciprocal(3.0 * ans * ans)),
                 derivative="1 / (3 * x ** (2 / 3))",
                 saves=("ans",),
                 scalar=_finite_derivatives(_cbrt_scalar))
exp = _unary_op(np.exp, math.exp, "exp", lambda ans, x: lambda g: g * ans,
                derivative="math.exp(x)",
                saves=("ans",),
                scalar=_exp_scalar)
expm1 = _unary_op(np.expm1, math.expm1, "expm1", lambda ans, x: lambda g: g * (ans + 1.0),
                  derivative="math.exp(x)",
                  saves=("ans",),
                  scalar=_expm1_scalar)
log = _unary_op(np.log, math.log, "log", lambda ans, x: lambda g: _scaled(g, reciprocal(x)),
                derivative="1 / x",
                saves=(0,),
                scalar=_finite_derivatives(lambda x: (math.log(x), 1.0 / x)))
log1p = _unary_op(np.log1p, math.log1p, "log1p",
                  lambda ans, x: lambda g: _scaled(g, reciprocal(1.0 + x)),
                  derivative="1 / (1 + x)",
                  saves=(0,),
                  scalar=_finite_derivatives(lambda x: (math.log1p(x), 1.0 / (1.0 + x))))


def _log_in_base(np_fn, math_fn, name, base):
    """The logarithm to a fixed base: d/dx = 1 / (x ln(base))."""
    ln_base = math.log(base)
    return _unary_op(np_fn, math_fn, name,
                     lambda ans, x: lambda g: _scaled(g, reciprocal(x * ln_base)),
                     derivative=f"1 / (x * math.log({base}))",
                     saves=(0,),
                     scalar=_finite_derivatives(lambda x: (math_fn(x), 1.0 / (x * ln_base))))


log2 = _log_in_base(np.log2, math.log2, "log2", 2)
log10 = _log_in_base(np.log10, math.log10, "log10", 10)

# --- trigonometric and hyperbolic --------------------------------------------------

def _tan_scalar(x):
    ans = math.tan(x)
    return ans, 1.0 + ans * ans


def _arctan2_scalar(y, x):
    r2 = x * x + y * y
    return math.atan2(y, x), x / r2, -y / r2


def _hypot_scalar(x, y):
    ans = math.hypot(x, y)
    return ans, x / ans, y / ans


def _tanh_scalar(x):
    ans = math.tanh(x)
    return ans, 1.0 - ans * ans


sin = _unary_op(np.sin, math.sin, "sin", lambda ans, x: lambda g: g * cos(x),
                derivative="math.cos(x)",
                saves=(0,),
                scalar=lambda x: (math.sin(x), math.cos(x)))
cos = _unary_op(np.cos, math.cos, "cos", lambda ans, x: lambda g: -g * sin(x),
                derivative="-math.sin(x)",
                saves=(0,),
                scalar=lambda x: (math.cos(x), -math.sin(x)))
tan = _unary_op(np.tan, math.tan, "tan", lambda ans, x: lambda g: g * (1.0 + ans * ans),
                derivative="1 / math.cos(x) ** 2",
                saves=("ans",),
                scalar=_tan_scalar)
arcsin = _unary_op(np.arcsin, math.asin, "arcsin",
                   lambda ans, x: lambda g: _scaled(g, reciprocal(sqrt(1.0 - x * x))),
                   derivative="1 / math.sqrt(1 - x * x)",
                   saves=(0,),
                   scalar=_finite_derivatives(
                       lambda x: (math.asin(x), 1.0 / math.sqrt(1.0 - x * x))))
arccos = _unary_op(np.arccos, math.acos, "arccos",
                   lambda ans, x: lambda g: _scaled(-g, reciprocal(sqrt(1.0 - x * x))),
                   derivative="-1 / math.sqrt(1 - x * x)",
                   saves=(0,),
                   scalar=_finite_derivatives(
                       lambda x: (math.acos(x), -1.0 / math.sqrt(1.0 - x * x))))
arctan = _unary_op(np.arctan, math.atan, "arctan",
                   lambda ans, x: lambda g: g * reciprocal(1.0 + x * x),
                   derivative="1 / (1 + x * x)",
                   saves=(0,),
                   scalar=lambda x: (math.atan(x), 1.0 / (1.0 + x * x)))
arctan2 = _binary_op(_binary(np.arctan2, math.atan2), "arctan2",
                     lambda ans, y, x: lambda g: _scaled(g, x * reciprocal(x * x + y * y)),
                     lambda ans, y, x: lambda g: _scaled(-g, y * reciprocal(x * x + y * y)),
                     derivatives=("y / (x * x + y * y)", "-x / (x * x + y * y)"),
                     saves=(0, 1),
                     scalar=_finite_derivatives(_arctan2_scalar))
hypot = _binary_op(_binary(np.hypot, math.hypot), "hypot",
                   lambda ans, x, y: lambda g: _scaled(g, x * reciprocal(ans)),
                   lambda ans, x, y: lambda g: _scaled(g, y * reciprocal(ans)),
                   derivatives=("x / math.hypot(x, y)", "y / math.hypot(x, y)"),
                   saves=(0, 1, "ans"),
                   scalar=_finite_derivatives(_hypot_scalar))
sinh = _unary_op(np.sinh, math.sinh, "sinh", lambda ans, x: lambda g: g * cosh(x),
                 derivative="math.cosh(x)",
                 saves=(0,),
                 scalar=lambda x: (math.sinh(x), math.cosh(x)))
cosh = _unary_op(np.cosh, math.cosh, "cosh", lambda ans, x: lambda g: g * sinh(x),
                 derivative="math.sinh(x)",
                 saves=(0,),
                 scalar=lambda x: (math.cosh(x), math.sinh(x)))
tanh = _unary_op(np.tanh, math.tanh, "tanh", lambda ans, x: lambda g: g * (1.0 - ans * ans),
                 derivative="1 - math.tanh(x) ** 2",
                 saves=("ans",),
                 scalar=_tanh_scalar)
arcsinh = _unary_op(np.arcsinh, math.asinh, "arcsinh",
                    lambda ans, x: lambda g: g * reciprocal(sqrt(x * x + 1.0)),
                    derivative="1 / math.sqrt(x * x + 1)",
                    saves=(0,),
                    scalar=lambda x: (math.asinh(x), 1.0 / math.sqrt(x * x + 1.0)))
arccosh = _unary_op(np.arccosh, math.acosh, "arccosh",
                    lambda ans, x: lambda g: _scaled(g, reciprocal(sqrt(x * x - 1.0))),
                    derivative="1 / math.sqrt(x * x - 1)", at=1.5,
                    saves=(0,),
                    scalar=_finite_derivatives(
                        lambda x: (math.acosh(x), 1.0 / math.sqrt(x * x - 1.0))))
arctanh = _unary_op(np.arctanh, math.atanh, "arctanh",
                    lambda ans, x: lambda g: _scaled(g, reciprocal(1.0 - x * x)),
                    derivative="1 / (1 - x * x)",
                    saves=(0,),
                    scalar=_finite_derivatives(
                        lambda x: (math.atanh(x), 1.0 / (1.0 - x * x))))

# --- activations -------------------------------------------------------------------


def _sigmoid_array(x):
    # exp of -|x| never overflows; the two branches are the same function.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def _sigmoid_float(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _relu_array(x):
    return np.maximum(x, 0)


def _softplus_array(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _softplus_float(x):
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


def _sigmoid_scalar(x):
    ans = _sigmoid_float(x)
    return ans, ans * (1.0 - ans)


sigmoid = _unary_op(_sigmoid_array, _sigmoid_float, "sigmoid",
                    lambda ans, x: lambda g: g * ans * (1.0 - ans),
                    doc="Logistic function 1 / (1 + exp(-x)), computed without overflow.",
                    derivative="math.exp(-x) / (1 + math.exp(-x)) ** 2",
                    saves=("ans",),
                    scalar=_sigmoid_scalar)
relu = _unary_op(_relu_array, lambda x: x if x > 0 else 0.0, "relu",
                 lambda ans, x: lambda g: g * (x > 0),
                 doc="max(x, 0) elementwise; its derivative at 0 is taken as 0.",
                 derivative="1.0",
                 saves=(0,),
                 scalar=lambda x: (x, 1.0) if x > 0 else (0.0, 0.0))
softplus = _unary_op(_softplus_array, _softplus_float, "softplus",
                     lambda ans, x: lambda g: g * sigmoid(x),
                     doc="log(1 + exp(x)) elementwise, computed without overflow.",
                     derivative="1 / (1 + math.exp(-x))",
                     saves=(0,),
                     scalar=lambda x: (_softplus_float(x), _sigmoid_float(x)))

def _logaddexp_scalar(x, y):
    diff = x - y
    if not math.isfinite(diff):
        raise ValueError("infinite or nan argument")  # NumPy's conventions apply
    ans = max(x, y) + math.log1p(math.exp(-abs(diff)))
    return ans, math.exp(x - ans), math.exp(y - ans)


logaddexp = _binary_op(_binary(np.logaddexp), "logaddexp",
                       lambda ans, x, y: lambda g: g * exp(x - ans),
                       lambda ans, x, y: lambda g: g * exp(y - ans),
                       derivatives=("1 / (1 + math.exp(y - x))", "1 / (1 + math.exp(x - y))"),
                       saves=(0, 1, "ans"),
                       scalar=_logaddexp_scalar)


def _max_share(x, y):
    """Fraction of the cotangent that maximum(x, y) sends to x: 1, 0, or 1/2 on ties."""
    greater = x > y
    ties = x == y
    if type(ties) is bool:
        return 0.5 if ties else float(greater)
    # Ties are rare; skipping their term saves two passes over the arrays.
    return greater + 0.5 * ties if ties.any() else greater


def _maximum_scalar(x, y):
    if x > y:
        return x, 1.0, 0.0
    if x < y:
        return y, 0.0, 1.0
    if x == y:
        return x, 0.5, 0.5
    raise ValueError("nan")  # NumPy's nan propagation is the general path's


def _minimum_scalar(x, y):
    negated, d_x, d_y = _maximum_scalar(-x, -y)
    return -negated, d_x, d_y


def _selection(np_fn, name, share, derivatives, scalar):
    """maximum or minimum: `share(x, y)` is the fraction of the cotangent for x."""
    return _binary_op(_binary(np_fn), name,
                      lambda ans, x, y: lambda g: g * share(x, y),
                      lambda ans, x, y: lambda g: g * share(y, x),
                      derivatives=derivatives, saves=(0, 1), scalar=scalar)


maximum = _selection(np.maximum, "maximum", _max_share, ("0.0", "1.0"), _maximum_scalar)
minimum = _selection(np.minimum, "minimum", lambda x, y: _max_share(y, x), ("1.0", "0.0"),
                     _minimum_scalar)


def _clip_impl(x, a_min=None, a_max=None):
    out = np.clip(x, a_min, a_max)
    return float(out) if type(x) is float else out


def _clip_vjp(ans, x, a_min=None, a_max=None):
    inside = True
    if a_min is not None:
        inside = inside & (x >= a_min)
    if a_max is not None:
        inside = inside & (x <= a_max)
    return lambda g: g * inside


clip = builtin(_clip_impl, "clip", jvp=ELEMENTWISE, vjp=(_clip_vjp,), doc="""
    Limit x to [a_min, a_max]; the gradient passes where a_min <= x <= a_max.

        >>> import numpy as np, revad as rv
        >>> rv.grad(lambda x: rv.sum(rv.clip(x, -1.0, 1.0)))(np.array([-2.0, 0.5, 1.0]))
        array([0., 1., 1.])
    """)


def _where_impl(condition, x, y):
    if type(x) is float and type(y) is float and np.ndim(condition) == 0:
        return x if condition else y
    return np.where(condition, x, y)


# Selecting (not multiplying by a mask) keeps a nan or inf in the unselected branch
# out of the other branch's gradient.
where = builtin(_where_impl, "where", jvp=ELEMENTWISE, nondiff=(0,),
                vjp=(None,
                     lambda ans, c, x, y: lambda g: where(c, g, 0.0),
                     lambda ans, c, x, y: lambda g: where(c, 0.0, g)),
                doc="""
    Elementwise choice: x where `condition` holds, else y (differentiable in x and y).

    The unselected branch gets a zero cotangent, even where its own derivative is
    infinite or nan:

        >>> import numpy as np, revad as rv
        >>> with np.errstate(invalid="ignore"):   # sqrt(-4.0) is nan, and not selected
        ...     rv.grad(lambda x: rv.where(x > 0, rv.sqrt(x), 0.0))(-4.0)
        0.0
    """)
