"""Every op of the table in `op_specs.py`: values against NumPy, gradients against finite
differences (float64), dtype preservation (float32), and coverage of the primitives."""
import itertools
import math
import re

import numpy as np
import pytest

import revad as rv
import revad.numpy as rnp
from conftest import assert_tree_close, plain
from op_specs import SPEC_NAMES, SPECS
from revad.ops import PRIMITIVES
from revad.tree import tree_flatten, tree_map

ALL_CASES = [pytest.param(spec, case, id=f"{spec.name}-{case.id}")
             for spec in SPECS for case in spec.cases]
SCALAR_CASES = [p for p in ALL_CASES if any(s == () for s in p.values[1].shapes)]
FLOAT32_CASES = [p for p in ALL_CASES if p.values[0].float32]


def split_args(spec, case, args):
    """The differentiable inputs, and a function of them that calls the op (constant
    arguments, such as where's condition, are held fixed)."""
    diff = [i for i in range(len(args)) if not spec.is_constant(i)]

    def fun(*xs):
        full = list(args)
        for i, x in zip(diff, xs):
            full[i] = x
        return spec.fn(*full, **case.params)

    return [args[i] for i in diff], fun


def leaves(tree):
    return tree_flatten(tree)[0]


@pytest.mark.parametrize("spec,case", ALL_CASES)
def test_value_on_plain_inputs(spec, case):
    args = spec.inputs(case)
    expected = spec.ref(*args, **case.params)
    actual = spec.fn(*args, **case.params)
    for leaf in leaves(actual):
        assert not isinstance(leaf, rv.Var)
    assert_tree_close(actual, expected, rtol=spec.value_rtol, atol=1e-14)


@pytest.mark.parametrize("spec,case", ALL_CASES)
def test_value_on_vars(spec, case):
    args = spec.inputs(case)
    expected = spec.ref(*args, **case.params)
    diff, fun = split_args(spec, case, args)
    out = fun(*[rv.Var(x) for x in diff])
    for leaf in leaves(out):
        assert isinstance(leaf, rv.Var)
        assert leaf.shape == np.shape(leaf.value)
    assert_tree_close(tree_map(plain, out), expected, rtol=spec.value_rtol, atol=1e-14)


@pytest.mark.parametrize("spec,case", ALL_CASES)
def test_gradient_matches_finite_differences(spec, case):
    diff, fun = split_args(spec, case, spec.inputs(case))
    rv.check_grad(fun, *diff, rtol=spec.rtol, atol=spec.atol, **spec.check_kw)
    if spec.zero_grad:
        out, pullback = rv.vjp(fun, *diff)
        cotangent = tree_map(lambda y: np.ones_like(y) if np.ndim(y) else 1.0, out)
        for g, x in zip(pullback(cotangent), diff):
            assert np.shape(g) == np.shape(x)
            assert not np.any(np.isnan(g))
            assert np.all(np.asarray(g) == 0.0), g


def _random_like(rng, tree):
    return tree_map(lambda x: rng.standard_normal(np.shape(x)) if np.ndim(x)
                    else float(rng.standard_normal()), tree)


def _inner(a, b):
    """The pairing of revad's convention, Re(sum(a * b))."""
    return sum(float(np.real(np.sum(np.asarray(x) * np.asarray(y))))
               for x, y in zip(leaves(a), leaves(b), strict=True))


@pytest.mark.parametrize("spec,case", ALL_CASES)
def test_forward_mode_matches_finite_differences_and_reverse_mode(spec, case):
    """jvp along a random direction v against a central difference, and the
    dot-product identity <u, J v> == <J^T u, v> linking the JVP and VJP rules."""
    rng = np.random.default_rng(0)
    diff, fun = split_args(spec, case, spec.inputs(case))
    if not diff:
        pytest.skip("no differentiable argument")
    v = tuple(_random_like(rng, x) for x in diff)
    out, jv = rv.jvp(fun, tuple(diff), v)
    h = spec.check_kw.get("eps") or 1e-6
    plus = fun(*[x + h * d for x, d in zip(diff, v, strict=True)])
    minus = fun(*[x - h * d for x, d in zip(diff, v, strict=True)])
    numeric = tree_map(lambda p, m: (np.asarray(p) - np.asarray(m)) / (2 * h), plus, minus)
    scale = 1.0 + max(float(np.max(np.abs(np.asarray(y)), initial=0.0)) for y in leaves(numeric))
    assert_tree_close(tree_map(plain, jv), numeric, rtol=1e-4 * (spec.rtol / 1e-5),
                      atol=max(spec.atol, 1e-6) * scale)
    u = _random_like(rng, out)
    _, pullback = rv.vjp(fun, *diff)
    lhs, rhs = _inner(u, jv), _inner(pullback(u), v)
    single = any(np.result_type(plain(y)) == np.float32 for y in leaves(out))
    tol = 1e-5 if single else 1e-9
    assert lhs == pytest.approx(rhs, rel=tol, abs=tol)


# Functions with kinks or steps inside their domain (where a second derivative does not
# exist) or with derivatives that are piecewise constant by construction.
NOT_TWICE_DIFFERENTIABLE = {
    "absolute", "sign", "floor", "ceil", "round", "relu", "maximum", "minimum", "clip",
    "max", "min", "sort", "abs_complex", "angle_of_real", "nan_to_num", "norm",
}
SECOND_ORDER_CASES = [pytest.param(spec, spec.cases[0], id=f"{spec.name}-{spec.cases[0].id}")
                      for spec in SPECS
                      if not spec.zero_grad and spec.name not in NOT_TWICE_DIFFERENTIABLE
                      and not any(spec.is_constant(i) for i in range(len(spec.cases[0].shapes)))]


@pytest.mark.parametrize("spec,case", SECOND_ORDER_CASES)
def test_second_derivatives_match_finite_differences(spec, case):
    """The backward pass is itself differentiable: the VJP along a fixed cotangent u, as
    a function of the inputs, checked against finite differences (order 2)."""
    diff, fun = split_args(spec, case, spec.inputs(case))
    out = fun(*diff)
    u = _random_like(np.random.default_rng(1), out)

    def pulled_back(*xs):
        return rv.vjp(fun, *xs)[1](u)

    rv.check_grad(pulled_back, *diff, rtol=max(spec.rtol, 1e-4), atol=max(spec.atol, 1e-6),
                  **spec.check_kw)


@pytest.mark.parametrize("spec,case", SCALAR_CASES)
def test_zero_dim_array_inputs(spec, case):
    """0-d arrays are accepted wherever floats are, with the same results."""
    args = spec.inputs(case, zero_dim_array=True)
    expected = spec.ref(*args, **case.params)
    diff, fun = split_args(spec, case, args)
    out = fun(*[rv.Var(x) for x in diff])
    assert_tree_close(tree_map(plain, out), expected, rtol=spec.value_rtol, atol=1e-14)
    rv.check_grad(fun, *diff, rtol=spec.rtol, atol=spec.atol, **spec.check_kw)
    out, pullback = rv.vjp(fun, *diff)
    for g, x in zip(pullback(tree_map(lambda y: np.ones(np.shape(y)), out)), diff):
        assert np.shape(g) == np.shape(x)


def _dtype(x):
    return np.result_type(plain(x))


@pytest.mark.parametrize("spec,case", FLOAT32_CASES)
def test_float32_values_and_gradients_stay_float32(spec, case):
    args = spec.inputs(case, dtype=np.float32)
    diff, fun = split_args(spec, case, args)
    out, pullback = rv.vjp(fun, *diff)
    for leaf in leaves(out):
        assert _dtype(leaf) == np.float32, f"value dtype {_dtype(leaf)}"
    rng = np.random.default_rng(0)
    cotangent = tree_map(lambda y: np.asarray(rng.standard_normal(np.shape(y)),
                                              np.float32)[()], out)
    grads = pullback(cotangent)
    for g in grads:
        assert _dtype(g) == np.float32, f"gradient dtype {_dtype(g)}"
    # and they agree with the float64 gradients at the same point
    diff64 = [np.asarray(x, np.float64)[()] if np.ndim(x) == 0 else np.asarray(x, np.float64)
              for x in diff]
    diff64 = [float(x) if np.ndim(x) == 0 else x for x in diff64]
    _, pullback64 = rv.vjp(fun, *diff64)
    grads64 = pullback64(tree_map(lambda c: np.asarray(c, np.float64)[()]
                                  if np.ndim(c) else float(c), cotangent))
    for g, g64 in zip(grads, grads64):
        scale = max(1.0, float(np.max(np.abs(g64))))
        np.testing.assert_allclose(np.asarray(g, np.float64), g64, rtol=2e-3,
                                   atol=2e-4 * scale)


def test_every_primitive_has_a_spec():
    covered = {spec.primitive_name for spec in SPECS}
    missing = sorted(set(PRIMITIVES) - covered)
    assert not missing, f"primitives without an op spec: {missing}"


def test_the_table_covers_the_composites():
    required = """sum mean prod max min var std logsumexp norm cumsum reshape transpose
        swapaxes moveaxis expand_dims squeeze broadcast_to concatenate stack split tile
        repeat flip getitem take diag trace triu tril matmul dot outer inner tensordot
        einsum softmax log_softmax where clip maximum minimum sign floor ceil round
        var_pow_const_frac const_pow_var var_pow_var""".split()
    assert not sorted(set(required) - SPEC_NAMES)


def test_specs_are_well_formed():
    for spec in SPECS:
        assert spec.cases, spec.name
        for case in spec.cases:
            args = spec.inputs(case)
            assert len(args) == len(case.shapes)
            # deterministic inputs
            again = spec.inputs(case)
            for a, b in zip(args, again):
                assert np.array_equal(a, b)
    binary = [s for s in SPECS if s.name in ("add", "multiply", "power", "maximum")]
    for spec in binary:
        shapes = {c.shapes for c in spec.cases}
        assert ((2, 1), (1, 3)) in shapes and ((), (4,)) in shapes and ((), ()) in shapes


def test_plain_inputs_give_plain_outputs_for_scalars():
    """Floats in, float out: the scalar fast path returns Python floats."""
    for name in ("sin", "exp", "add", "multiply", "power", "maximum"):
        spec = next(s for s in SPECS if s.name == name)
        case = next(c for c in spec.cases if all(s == () for s in c.shapes))
        out = spec.fn(*spec.inputs(case))
        assert isinstance(out, float), (name, type(out))
        var_out = spec.fn(*[rv.Var(x) for x in spec.inputs(case)])
        assert isinstance(var_out.value, float), (name, type(var_out.value))


# --- scalar rules: the float fast path agrees with the staged rules ------------------------

FLOAT_CASES = [p for p in ALL_CASES
               if getattr(PRIMITIVES.get(p.values[0].primitive_name), "scalar", None)
               and all(s == () for s in p.values[1].shapes) and not p.values[1].params
               and "complex" not in p.values[0].domains]
SPECIAL_POINTS = (0.0, -0.0, 1.0, -1.0, 2.0, -2.5, 1e-300, 800.0, -800.0, math.inf, -math.inf,
                  math.nan)


def test_scalar_rules_are_covered():
    elementwise = {s.primitive_name for s in SPECS
                   if s.primitive_name in PRIMITIVES and PRIMITIVES[s.primitive_name].elementwise}
    covered = {p.values[0].primitive_name for p in FLOAT_CASES}
    assert len(covered) >= 40 and covered <= elementwise


@pytest.mark.parametrize("spec,case", FLOAT_CASES)
def test_scalar_rule_matches_the_value_and_the_vjp_rules(spec, case):
    prim = PRIMITIVES[spec.primitive_name]
    args = spec.inputs(case)
    value, *local = prim.scalar(*args)
    assert type(value) is float
    assert math.isclose(value, prim.impl(*args), rel_tol=1e-14, abs_tol=1e-300)
    assert len(local) == len(args)
    for rule, arg, derivative in zip(prim.vjps, args, local, strict=True):
        expected = rule(value, *args)(1.0)
        assert math.isclose(derivative, expected, rel_tol=1e-13, abs_tol=1e-15), (arg, expected)


def _same_float(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b or math.isclose(a, b, rel_tol=1e-13)


def _gradients_both_ways(f, args, seed):
    """(through the local derivatives, through the staged rules): create_graph makes
    the backward pass run the rules."""
    fast = rv.vjp(f, *args)[1](seed)
    xs = [rv.Var(a) for a in args]
    f(*xs).backward(seed, create_graph=True)
    return fast, tuple(plain(x.grad) if x.grad is not None else 0.0 for x in xs)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", sorted(n for n, p in PRIMITIVES.items()
                                        if p.scalar is not None))
def test_fast_path_and_rules_agree_at_special_points(name):
    prim = PRIMITIVES[name]
    arity = len(prim.vjps)
    f = getattr(rnp, name)
    # a zero cotangent too: rules differ in what 0 times an infinite derivative gives
    for args, seed in itertools.product(itertools.product(SPECIAL_POINTS, repeat=arity),
                                        (1.0, 0.0)):
        fast, rules = _gradients_both_ways(f, args, seed)
        for a, b in zip(fast, rules, strict=True):
            assert type(a) is float
            assert _same_float(a, b), (name, args, seed, fast, rules)
        value = plain(f(*[rv.Var(a) for a in args]))
        assert _same_float(value, f(*args)), (name, args, value)


# --- special points: kinks, ties, zeros, overflow (exact expected values) ---------------------


def grad_array(f, x):
    return rv.grad(lambda t: rv.sum(f(t)))(np.asarray(x, dtype=np.float64))


@pytest.mark.parametrize("f", [rnp.abs, rnp.sign, rnp.relu, abs])
def test_derivative_at_zero_is_zero(f):
    assert rv.grad(f)(0.0) == 0.0
    g = grad_array(f, [-2.0, 0.0, 3.0])
    expected = {rnp.sign: [0.0, 0.0, 0.0], rnp.relu: [0.0, 0.0, 1.0]}.get(f, [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(g, expected)


@pytest.mark.parametrize("f", [rnp.floor, rnp.ceil, rnp.round, rnp.sign])
def test_step_functions_have_zero_gradient_everywhere(f):
    x = np.array([-2.0, -1.5, -0.5, 0.0, 0.5, 1.0, 2.5])
    g = grad_array(f, x)
    assert not np.isnan(g).any()
    np.testing.assert_array_equal(g, np.zeros_like(x))
    assert rv.grad(f)(1.0) == 0.0 and rv.grad(f)(0.5) == 0.0


def test_maximum_minimum_split_ties_evenly():
    assert rv.grad(rnp.maximum, argnums=(0, 1))(2.0, 2.0) == (0.5, 0.5)
    assert rv.grad(rnp.minimum, argnums=(0, 1))(2.0, 2.0) == (0.5, 0.5)
    assert rv.grad(rnp.maximum, argnums=(0, 1))(3.0, 2.0) == (1.0, 0.0)
    assert rv.grad(rnp.minimum, argnums=(0, 1))(3.0, 2.0) == (0.0, 1.0)
    x = np.array([0.0, 1.0, 2.0])
    np.testing.assert_array_equal(grad_array(lambda t: rnp.maximum(t, 1.0), x), [0, 0.5, 1])
    np.testing.assert_array_equal(grad_array(lambda t: rnp.minimum(t, 1.0), x), [1, 0.5, 0])
    # broadcast against a Var: the scalar collects the shares
    gx, gy = rv.grad(lambda a, b: rv.sum(rnp.maximum(a, b)), argnums=(0, 1))(x, 1.0)
    np.testing.assert_array_equal(gx, [0.0, 0.5, 1.0])
    assert gy == 1.5
    np.testing.assert_array_equal(grad_array(lambda t: rnp.maximum(t, t), x), [1, 1, 1])


def test_max_min_reductions_share_ties_evenly():
    np.testing.assert_array_equal(grad_array(rnp.max, [1.0, 3.0, 3.0]), [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(grad_array(rnp.min, [2.0, 2.0, 2.0, 5.0]),
                                  [1 / 3, 1 / 3, 1 / 3, 0.0])
    m = np.array([[1.0, 1.0], [2.0, 0.0]])
    np.testing.assert_array_equal(grad_array(lambda t: rnp.max(t, axis=1), m),
                                  [[0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_array_equal(grad_array(lambda t: rnp.min(t, axis=0, keepdims=True), m),
                                  [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(grad_array(lambda t: rnp.max(t, axis=0), [[4.0, 1.0], [4.0, 1.0]]),
                                  [[0.5, 0.5], [0.5, 0.5]])


def test_prod_gradient_is_exact_with_zeros():
    np.testing.assert_array_equal(grad_array(rnp.prod, [2.0, 0.0, 3.0]), [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(grad_array(rnp.prod, [0.0, 2.0, 0.0]), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad_array(rnp.prod, [2.0, 5.0, 3.0]), [15.0, 6.0, 10.0])
    m = np.array([[1.0, 0.0, 3.0], [0.0, 0.0, 2.0], [2.0, 3.0, 4.0]])
    np.testing.assert_array_equal(grad_array(lambda t: rnp.prod(t, axis=1), m),
                                  [[0.0, 3.0, 0.0], [0.0, 0.0, 0.0], [12.0, 8.0, 6.0]])
    np.testing.assert_array_equal(grad_array(lambda t: rnp.prod(t, axis=0), m),
                                  [[0.0, 0.0, 8.0], [2.0, 0.0, 12.0], [0.0, 0.0, 6.0]])
    assert rv.grad(rnp.prod)(0.0) == 1.0


def test_power_at_negative_and_zero_bases():
    assert rv.grad(lambda x: x ** 2)(-3.0) == -6.0
    assert rv.grad(lambda x: x ** 3)(-2.0) == 12.0
    assert rv.grad(lambda x: x ** 2.0)(0.0) == 0.0
    assert rv.grad(lambda x: x ** 1.0)(0.0) == 1.0
    assert rv.grad(lambda x: x ** 0.0)(0.0) == 0.0
    np.testing.assert_array_equal(grad_array(lambda x: x ** 2, [-3.0, 0.0, 2.0]),
                                  [-6.0, 0.0, 4.0])
    np.testing.assert_array_equal(grad_array(lambda x: rnp.power(x, 3.0), [-1.0, -2.0]),
                                  [3.0, 12.0])
    # d(x**y)/dy at x == 0 is 0, not nan
    gx, gy = rv.grad(lambda x, y: x ** y, argnums=(0, 1))(0.0, 2.0)
    assert (gx, gy) == (0.0, 0.0)
    assert rv.grad(lambda y: 0.0 ** y)(2.0) == 0.0
    assert rv.grad(lambda y: 0.0 ** y)(0.5) == 0.0
    g = rv.grad(lambda y: rv.sum(np.array([0.0, 2.0]) ** y))(np.array([2.0, 3.0]))
    np.testing.assert_allclose(g, [0.0, 8.0 * math.log(2.0)], rtol=1e-15)
    assert not np.isnan(g).any()


def test_norm_at_the_zero_vector_has_zero_gradient():
    np.testing.assert_array_equal(grad_array(rnp.norm, np.zeros(3)), np.zeros(3))
    assert rv.grad(rnp.norm)(0.0) == 0.0
    g = grad_array(lambda t: rnp.norm(t, axis=1), [[0.0, 0.0], [3.0, 4.0]])
    np.testing.assert_allclose(g, [[0.0, 0.0], [0.6, 0.8]], rtol=1e-15)
    np.testing.assert_allclose(grad_array(rnp.norm, [3.0, -4.0]), [0.6, -0.8], rtol=1e-15)


def test_where_selects_the_cotangent_rather_than_masking_it():
    # d sqrt(u)/du is inf at u == 0: the unselected input must get 0, not 0 * inf
    c = np.array([True, False])
    with np.errstate(divide="ignore"):
        gx, gy = rv.grad(lambda x, y: rv.sum(rnp.sqrt(rnp.where(c, x, y))), argnums=(0, 1))(
            np.array([4.0, 0.0]), np.array([0.0, 0.0]))
    np.testing.assert_array_equal(gx, [0.25, 0.0])
    assert gy[0] == 0.0 and gy[1] == np.inf
    # a nan or inf value in the unselected branch does not reach the selected one
    g = grad_array(lambda x: rnp.where(x > 0, x, rnp.log(x)), [2.0, 1.0])
    np.testing.assert_array_equal(g, [1.0, 1.0])


def test_where_does_not_leak_nan_from_the_unselected_branch():
    with np.errstate(all="ignore"):
        assert rv.grad(lambda x: rnp.where(x > 0, rnp.sqrt(x), 0.0))(-2.0) == 0.0
        g = grad_array(lambda x: rnp.where(x > 0, rnp.sqrt(x), 0.0), [4.0, -1.0])
    np.testing.assert_array_equal(g, [0.25, 0.0])


def test_clip_passes_the_gradient_inside_and_at_the_bounds():
    g = grad_array(lambda t: rnp.clip(t, -1.0, 1.0), [-2.0, -1.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_logsumexp_of_infinite_slices():
    x = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [1.0, 2.0]])
    with np.errstate(divide="ignore", invalid="ignore"):
        out = rnp.logsumexp(x, axis=1)
    np.testing.assert_array_equal(out, [-np.inf, np.inf, 2.0 + math.log1p(math.exp(-1.0))])


def test_no_overflow_at_large_inputs():
    big = np.array([1000.0, 1000.0])
    assert rnp.logsumexp(big) == pytest.approx(1000.0 + math.log(2.0), rel=1e-15)
    np.testing.assert_allclose(grad_array(rnp.logsumexp, big), [0.5, 0.5], rtol=1e-12)
    x = np.array([1000.0, 0.0, -1000.0])
    np.testing.assert_allclose(rnp.softmax(x), [1.0, 0.0, 0.0])
    g = rv.grad(lambda t: rnp.softmax(t)[1])(x)
    assert np.isfinite(g).all()
    assert np.isfinite(rnp.log_softmax(x)).all()
    for f in (rnp.sigmoid, rnp.softplus):
        for v in (-1000.0, 1000.0):
            assert math.isfinite(rv.grad(f)(v))
        assert np.isfinite(grad_array(f, x)).all()
    assert rv.grad(rnp.sigmoid)(-1000.0) == 0.0 and rv.grad(rnp.softplus)(1000.0) == 1.0
    g = rv.grad(rnp.logaddexp, argnums=(0, 1))(1000.0, 1000.0)
    assert g == pytest.approx((0.5, 0.5), rel=1e-12)


def test_square_of_an_integer_array_keeps_its_gradient():
    grad = rv.grad(lambda x: rnp.sum(x.astype(np.int64) ** 2))(np.array([1.5, 2.5]))
    np.testing.assert_array_equal(grad, [2.0, 4.0])


def test_logsumexp_of_booleans_is_that_of_their_values():
    assert math.isclose(rnp.logsumexp(np.array([True, True])), 1.0 + math.log(2.0))


def test_reflected_operator_errors_name_the_operands_in_order():
    with pytest.raises(ValueError, match=r"shapes \(3,\) and \(2,\)"):
        [1.0, 2.0, 3.0] + rv.Var(np.ones(2))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_float_and_array_paths_agree_on_a_zero_cotangent():
    # where() sends a zero cotangent into x * exp(y), whose derivative in x is inf
    def f(x, y):
        return rnp.sum(rnp.where(y < 700.0, x * rnp.exp(y), x))
    on_floats = rv.grad(f)(2.0, 800.0)
    on_arrays = rv.grad(f)(np.array([2.0]), np.array([800.0]))
    np.testing.assert_array_equal(on_arrays, [on_floats])


# --- broadcast_to builds its own zero-stride views -------------------------------------


@pytest.mark.parametrize("value, shape", [
    (np.arange(6.0).reshape(2, 3).T[:, :1], (4, 3, 1)),  # not contiguous
    (np.arange(3.0), [2, 3]),  # a list as the shape
    (np.float32(1.5), (2, 2)),  # a NumPy scalar keeps its dtype
    (2.5, (3,)),
    (np.ones((2, 1), np.float32), (2, 1)),
])
def test_broadcast_to_matches_numpy_and_is_read_only(value, shape):
    out = rnp.broadcast_to(value, shape)
    expected = np.broadcast_to(value, shape)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == expected.dtype
    with pytest.raises(ValueError, match="read-only"):
        out[...] = 0


@pytest.mark.parametrize("shape, to", [((3,), (2, 4)), ((2, 3), (3,))])
def test_broadcast_to_an_incompatible_shape_raises_numpys_error(shape, to):
    with pytest.raises(ValueError) as numpy_error:
        np.broadcast_to(np.ones(shape), to)
    with pytest.raises(ValueError, match=re.escape(str(numpy_error.value))):
        rnp.broadcast_to(np.ones(shape), to)
    named = re.escape(f"revad.broadcast_to on operands of shapes {shape}")
    with pytest.raises(ValueError, match=named):
        rnp.broadcast_to(rv.Var(np.ones(shape)), to)
