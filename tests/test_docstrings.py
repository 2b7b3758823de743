"""Every public function documents itself with a runnable example, and the examples run.

pytest's --doctest-modules finds docstrings of module-level functions only; revad's
primitives are functions made by a factory, so their examples run from here.
"""
import inspect

import pytest
from conftest import run_docstring_examples

import revad
import revad.numpy as rnp
import revad.optim
import revad.scipy.special
import revad.scipy.stats
import revad.tree
import revad.viz

# The differentiable names of revad.numpy are those it defines or imports from revad
# (the rest is NumPy's own, forwarded by module __getattr__).
NUMPY_NAMES = [n for n, v in vars(rnp).items()
               if not n.startswith("_") and callable(v)
               and (getattr(v, "__module__", "") or "").startswith("revad")]


def _public(module, names):
    for name in names:
        obj = getattr(module, name)
        if name.startswith("_") or inspect.ismodule(obj) or not callable(obj):
            continue
        yield pytest.param(obj, id=f"{module.__name__}.{name}")


PUBLIC = [
    *_public(revad, revad.__dict__),
    *_public(rnp, NUMPY_NAMES),
    *_public(revad.optim, revad.optim.__all__),
    *_public(revad.tree, ["tree_flatten", "tree_unflatten", "tree_map"]),
    *_public(revad.viz, ["to_dot", "to_graph", "draw"]),
    *_public(rnp.linalg, rnp.linalg.__all__),
    *_public(revad.scipy.special, revad.scipy.special.__all__),
]


@pytest.mark.parametrize("obj", PUBLIC)
def test_public_function_has_a_runnable_example(obj):
    run_docstring_examples(obj)
