"""B4: many elementwise ops on small arrays, where per-op overhead dominates.

From a 10-element float64 leaf x0, repeat 400 times the 5-op cycle

    x -> exp(tanh(sin(x) * 1.5 + x0))

(2,000 ops: sin, mul by a constant, add of the leaf itself, tanh, exp), then
sum the result and take its gradient wrt x0. Adding the leaf in every cycle
makes 400 gradient contributions accumulate into it; tanh bounds the exp's
argument, so values stay in (e^-1, e). The final sum is not counted; the figure
is wall time per op. Reference: a hand-written NumPy forward + backward pass.
"""

# Pins thread counts, so it must be imported before numpy or any peer.
import harness  # isort: skip
import numpy as np

from harness import Table, against, peer_rows

SIZE = 10
CYCLES = 400
OPS_PER_CYCLE = 5
SEED = 0


def make_input():
    return np.random.default_rng(SEED).uniform(-0.5, 0.5, SIZE)


def chain(x0, sin, tanh, exp):
    """The forward pass in any library that has these three functions and + and *."""
    x = x0
    for _ in range(CYCLES):
        x = exp(tanh(sin(x) * 1.5 + x0))
    return x


def numpy_value_and_grad(x0):
    """The hand-written reference: forward pass keeping what backward needs, then
    the chain rule by hand, last cycle first."""
    saved = []
    x = x0
    for _ in range(CYCLES):
        t = np.tanh(np.sin(x) * 1.5 + x0)
        e = np.exp(t)
        saved.append((x, t, e))
        x = e
    g = np.ones_like(x)  # d sum(x) / d x
    g_x0 = np.zeros_like(x0)
    for x_in, t, e in reversed(saved):
        g = g * e * (1.0 - t * t)  # through exp, then tanh
        g_x0 += g  # through "+ x0"
        g = g * 1.5 * np.cos(x_in)  # through "* 1.5", then sin
    g_x0 += g  # the first cycle's input is x0 itself
    return x.sum(), g_x0


# Each runner returns (setup, step, grad_of_output); see B1 for the protocol.


def numpy_runner(_, x0):
    return (lambda: (x0,)), numpy_value_and_grad, lambda out: out[1]


def summed_chain(lib, x):
    """sum(chain(x)) with a library's sum, sin, tanh and exp."""
    return lib.sum(chain(x, lib.sin, lib.tanh, lib.exp))


def backward_step(lib):
    """The timed step of a library whose results have .backward()."""
    return harness.backward_step(lambda x: summed_chain(lib, x))


def revad_runner(p, x0):
    return (lambda: (p.rv.Var(x0.copy()),)), backward_step(p.rnp), lambda out: out[0].grad


def autograd_runner(p, x0):
    def loss(x):
        return summed_chain(p.np, x)

    # autograd frees its graph inside grad(), so teardown is timed here.
    return (lambda: (x0,)), p.autograd.grad(loss), lambda out: out


def torch_runner(p, x0):
    def setup():
        return (p.torch.from_numpy(x0.copy()).requires_grad_(),)

    return setup, backward_step(p.torch), lambda out: out[0].grad.numpy()


def mygrad_runner(p, x0):
    return (lambda: (p.mg.tensor(x0),)), backward_step(p.mg), lambda out: out[0].grad


# (label, library, runner) in table order
RUNNERS = [(lib, lib, runner) for lib, runner in (
    ("numpy", numpy_runner), ("revad", revad_runner), ("autograd", autograd_runner),
    ("torch", torch_runner), ("mygrad", mygrad_runner))]


def run(quick=False):
    repeats, budget_s = (3, 1.0) if quick else (10, 3.0)
    ops = CYCLES * OPS_PER_CYCLE
    case = f"{ops} ops x{SIZE}"
    x0 = make_input()
    _, ref = numpy_value_and_grad(x0)
    table = Table(
        "B4",
        f"{ops} elementwise ops (sin, *1.5, +x0, tanh, exp) on {SIZE}-element float64 "
        "arrays, forward + backward",
        "us/op",
        1e6,
        ("revad", "numpy"),
        notes=["numpy = hand-written forward + hand-derived backward (the reference)."],
    )
    table.rows += peer_rows(case, RUNNERS, (x0,), against(ref), repeats, budget_s, per=ops)
    return table
