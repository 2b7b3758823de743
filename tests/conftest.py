"""Shared helpers for revad's tests.

Import them with ``from conftest import ...`` (pytest puts this directory on sys.path).
"""
import numpy as np
import pytest
from hypothesis import settings

from revad.core import value_of
from revad.tree import tree_flatten

# Deterministic hypothesis runs that write nothing to disk (no example database).
settings.register_profile("revad", database=None, deadline=None, derandomize=True,
                          max_examples=60, print_blob=True)
settings.load_profile("revad")


@pytest.fixture
def rng():
    """A seeded generator, fresh for each test."""
    return np.random.default_rng(20240601)


def plain(x):
    """The value under a Var (or the object itself)."""
    return value_of(x)


def assert_tree_close(actual, expected, rtol=1e-12, atol=1e-12, check_dtype=False):
    """Same tree structure (lists/tuples/dicts), leafwise allclose (plain values)."""
    a_leaves, a_def = tree_flatten(actual)
    e_leaves, e_def = tree_flatten(expected)
    assert a_def == e_def, f"structure {a_def} != expected {e_def}"
    for a, e in zip(a_leaves, e_leaves):
        av = np.asarray(plain(a))
        ev = np.asarray(e)
        assert av.shape == ev.shape, f"shape {av.shape} != expected {ev.shape}"
        np.testing.assert_allclose(av, ev, rtol=rtol, atol=atol)
        if check_dtype:
            assert av.dtype == ev.dtype, f"dtype {av.dtype} != expected {ev.dtype}"


def central_difference(f, x, h=1e-6):
    """Derivative of a scalar function of a float by central differences."""
    return (f(x + h) - f(x - h)) / (2 * h)


def finite_difference_grads(f, xs, h=1e-6):
    """Central differences of the float function ``f(list of inputs)`` with respect to
    every entry of every input (floats or arrays); one array per input."""
    grads = []
    for k, x in enumerate(xs):
        x = np.asarray(x, dtype=np.float64)
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            plus = [np.array(v, dtype=np.float64) for v in xs]
            minus = [np.array(v, dtype=np.float64) for v in xs]
            plus[k][idx] += h
            minus[k][idx] -= h
            g[idx] = (f(plus) - f(minus)) / (2 * h)
        grads.append(g)
    return grads


def is_float(x):
    """A Python float (np.float64 counts: it subclasses float)."""
    return isinstance(x, float) and not isinstance(x, np.ndarray)


def run_docstring_examples(obj, recurse=False):
    """Run the examples in obj's docstring (there must be some) and fail on a mismatch.
    pytest's --doctest-modules misses functions made by a factory, as primitives are.
    With `recurse`, obj is a module and the examples of everything in it run, in its
    namespace, as --doctest-modules runs them (for a compiled module, which pytest
    cannot collect; like --doctest-modules, it accepts a module with none)."""
    import doctest
    found = doctest.DocTestFinder(recurse=recurse).find(obj, globs=None if recurse else {})
    # a compiled module also lists its functions' docstrings again under __test__
    tests = [t for t in found if t.examples and ".__test__." not in t.name]
    assert tests or recurse, f"{obj!r} has no example in its docstring"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    assert runner.failures == 0
