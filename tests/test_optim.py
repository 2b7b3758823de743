"""Optimizers: convergence on convex problems with known minima, pytrees, errors."""
import numpy as np
import pytest

import revad as rv
import revad.numpy as rnp
from revad import optim

# (function form, its object form, settings that converge on the problems below)
OPTIMIZERS = [
    pytest.param(optim.sgd, optim.SGD, {"step_size": 0.1, "num_iters": 500}, id="sgd"),
    pytest.param(optim.momentum, optim.Momentum, {"step_size": 0.02, "num_iters": 500},
                 id="momentum"),
    pytest.param(optim.adam, optim.Adam, {"step_size": 0.05, "num_iters": 1000}, id="adam"),
]


def quadratic_problem(rng):
    """f(p) = (p - c)^T A (p - c) / 2 with A well conditioned: minimum at c."""
    Q = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    A = Q @ np.diag([1.0, 2.0, 3.0, 4.0]) @ Q.T
    c = rng.standard_normal(4)

    def f(p):
        d = p - c
        return 0.5 * rnp.sum(d * (A @ d))

    return f, c


@pytest.mark.parametrize("run, _, settings", OPTIMIZERS)
def test_quadratic_reaches_its_known_minimum(rng, run, _, settings):
    f, c = quadratic_problem(rng)
    grad = rv.grad(f)
    p = run(lambda p, i: grad(p), np.zeros(4), **settings)
    np.testing.assert_allclose(p, c, atol=1e-5)


@pytest.mark.parametrize("run, _, settings", OPTIMIZERS)
def test_least_squares_with_nested_params_matches_lstsq(rng, run, _, settings):
    X = rng.standard_normal((50, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * rng.standard_normal(50)
    expected = np.linalg.lstsq(np.c_[X, np.ones(50)], y, rcond=None)[0]

    def loss(params):
        w, (b,) = params["layer"]["w"], params["bias"]
        return rnp.mean((X @ w + b - y) ** 2)

    grad = rv.grad(loss)
    start = {"layer": {"w": np.zeros(3)}, "bias": [0.0]}
    fitted = run(lambda p, i: grad(p), start, **settings)
    assert set(fitted) == {"layer", "bias"} and isinstance(fitted["bias"], list)
    assert isinstance(fitted["bias"][0], float)  # a float parameter stays a float
    np.testing.assert_allclose(fitted["layer"]["w"], expected[:3], atol=1e-5)
    assert fitted["bias"][0] == pytest.approx(expected[3], abs=1e-5)
    # not changed in place
    assert start["bias"] == [0.0] and not np.any(start["layer"]["w"])


@pytest.mark.parametrize("run, cls, settings", OPTIMIZERS)
def test_object_form_takes_the_same_steps(rng, run, cls, settings):
    f, _ = quadratic_problem(rng)
    grad = rv.grad(f)
    settings = dict(settings, num_iters=20)
    expected = run(lambda p, i: grad(p), np.ones(4), **settings)
    opt = cls(step_size=settings["step_size"])
    p = np.ones(4)
    state = opt.init(p)
    for _ in range(settings["num_iters"]):
        p, state = opt.update(grad(p), state, p)
    np.testing.assert_array_equal(p, expected)
    assert state.count == 20


def test_callback_sees_params_iteration_and_gradient():
    seen = []
    optim.sgd(lambda p, i: 2 * p, 1.0, step_size=0.25, num_iters=3,
              callback=lambda p, i, g: seen.append((p, i, g)))
    assert seen == [(1.0, 0, 2.0), (0.5, 1, 1.0), (0.25, 2, 0.5)]


def test_update_rules_by_hand():
    # momentum: v = 0.9 v + g; p -= lr v, with g = 1 throughout
    p = optim.momentum(lambda p, i: 1.0, 0.0, step_size=0.1, mass=0.9, num_iters=2)
    assert p == pytest.approx(-0.1 - 0.1 * 1.9)
    # Adam's bias correction makes its first step exactly step_size in size
    p = optim.adam(lambda p, i: np.array([3.0, -1e-3]), np.zeros(2), step_size=0.01,
                   num_iters=1)
    np.testing.assert_allclose(p, [-0.01, 0.01], rtol=1e-4)


def test_step_size_schedule():
    counts = []

    def schedule(count):
        counts.append(count)
        return 0.5

    p = optim.sgd(lambda p, i: 1.0, 0.0, step_size=schedule, num_iters=3)
    assert counts == [0, 1, 2] and p == -1.5


def test_float32_parameters_stay_float32():
    p = optim.adam(lambda p, i: np.ones(2), np.zeros(2, np.float32), num_iters=3)
    assert p.dtype == np.float32


def test_gradient_of_the_wrong_structure_is_named():
    params = {"w": np.zeros(2), "b": 0.0}
    with pytest.raises(ValueError, match=r"gradient must have the structure of the "
                       r"parameters: expected \{'b': \*, 'w': \*\}, got \{'w': \*\}"):
        optim.adam(lambda p, i: {"w": np.zeros(2)}, params, num_iters=1)
    with pytest.raises(ValueError, match=r"gradient at params\['w'\] has shape \(3,\), but "
                       r"the parameter has shape \(2,\)"):
        optim.sgd(lambda p, i: {"w": np.zeros(3), "b": 0.0}, params, num_iters=1)


def test_state_of_other_parameters_is_refused():
    opt = optim.Momentum()
    state = opt.init([np.zeros(2)])
    with pytest.raises(ValueError, match="optimizer state must have the structure"):
        opt.update((np.zeros(2),), state, (np.zeros(2),))


def test_non_numeric_gradient_is_refused():
    with pytest.raises(TypeError, match="plain numbers and arrays"):
        optim.sgd(lambda p, i: rv.Var(1.0), 0.0, num_iters=1)
