"""B3: one value-and-grad step of an array MLP, where BLAS should dominate.

    784 -> 256 -> 128 -> 10, ReLU, softmax cross-entropy, batch 128
    loss = -sum(Y * log_softmax(logits)) / batch     (Y one-hot)
    log_softmax(z) = z - logsumexp(z, axis=1)        (each library's stable logsumexp)

Gradient with respect to all 6 parameter arrays, in float64 and float32. The
reference is a hand-written NumPy forward + backward pass, checked once
against a central finite difference; the figure is ms per step and the ratio
to that reference is the autodiff overhead. The same formula is used in every
library (one-hot product rather than integer indexing, so no library needs
fancy-index gradients), and each library's own ReLU where it has one (revad,
PyTorch, JAX; HIPS autograd has none and uses maximum(z, 0)).
"""

# Pins thread counts, so it must be imported before numpy or any peer.
import harness  # noqa: F401  # isort: skip
import itertools

import numpy as np

from harness import Table, finite_difference_error, grad_check, peer_rows

SIZES = (784, 256, 128, 10)
BATCH = 128
SEED = 0
PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
RTOL = {np.float64: 1e-9, np.float32: 1e-4}


def make_problem(dtype):
    rng = np.random.default_rng(SEED)
    params = {}
    for i, (nin, nout) in enumerate(itertools.pairwise(SIZES), start=1):
        params[f"W{i}"] = (rng.standard_normal((nin, nout)) * np.sqrt(2.0 / nin)).astype(dtype)
        params[f"b{i}"] = (rng.standard_normal(nout) * 0.1).astype(dtype)
    X = rng.standard_normal((BATCH, SIZES[0])).astype(dtype)
    Y = np.eye(SIZES[-1], dtype=dtype)[rng.integers(0, SIZES[-1], BATCH)]
    # Constant data, marked so as revad's README advises: revad saves a writable
    # constant by copying it (a later in-place change cannot alter the gradient), a
    # read-only one as it is. The other libraries do the same either way.
    X.flags.writeable = False
    Y.flags.writeable = False
    return params, X, Y


def numpy_value_and_grad(p, X, Y):
    """The hand-written reference: forward pass, then the backward pass by hand."""
    z1 = X @ p["W1"] + p["b1"]
    h1 = np.maximum(z1, 0)
    z2 = h1 @ p["W2"] + p["b2"]
    h2 = np.maximum(z2, 0)
    z3 = h2 @ p["W3"] + p["b3"]
    shifted = z3 - z3.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -(Y * logp).sum() / BATCH
    # d loss / d z3 = (softmax - Y) / batch, because each row of Y sums to 1.
    dz3 = (np.exp(logp) - Y) / BATCH
    dz2 = (dz3 @ p["W3"].T) * (z2 > 0)
    dz1 = (dz2 @ p["W2"].T) * (z1 > 0)
    grads = {
        "W3": h2.T @ dz3,
        "b3": dz3.sum(axis=0),
        "W2": h1.T @ dz2,
        "b2": dz2.sum(axis=0),
        "W1": X.T @ dz1,
        "b1": dz1.sum(axis=0),
    }
    return loss, grads


def reference_error():
    """How far the reference's float64 gradient is from a central finite difference."""
    params, X, Y = make_problem(np.float64)
    return finite_difference_error(lambda p: numpy_value_and_grad(p, X, Y)[0], params,
                                   numpy_value_and_grad(params, X, Y)[1], SEED + 1)


# Each runner returns (setup, step, grads_of_output); see B1 for the protocol.
# `setup` hands fresh parameter leaves to every run, untimed.


def numpy_runner(_, params, X, Y):
    def step(p):
        return numpy_value_and_grad(p, X, Y)

    return (lambda: (params,)), step, lambda out: out[1]


def mlp_loss(p, X, Y, relu, logsumexp_rows, total):
    """The forward pass and loss in any library, given its relu, a logsumexp over rows
    that keeps the reduced axis, and a sum of all entries."""
    h1 = relu(X @ p["W1"] + p["b1"])
    h2 = relu(h1 @ p["W2"] + p["b2"])
    z3 = h2 @ p["W3"] + p["b3"]
    logp = z3 - logsumexp_rows(z3)
    return -total(logp * Y) / BATCH


def revad_runner(pe, params, X, Y):
    rnp = pe.rnp

    def loss(p):
        return mlp_loss(p, X, Y, rnp.relu,
                        lambda z: rnp.logsumexp(z, axis=1, keepdims=True), rnp.sum)

    step = pe.rv.value_and_grad(loss)
    return (lambda: (dict(params),)), step, lambda out: out[1]


def autograd_runner(pe, params, X, Y):
    anp = pe.np

    def loss(p):
        return mlp_loss(p, X, Y, lambda z: anp.maximum(z, 0.0),
                        lambda z: pe.special.logsumexp(z, axis=1, keepdims=True), anp.sum)

    step = pe.autograd.value_and_grad(loss)
    return (lambda: (dict(params),)), step, lambda out: out[1]


def torch_runner(pe, params, X, Y):
    torch = pe.torch
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def setup():
        # from_numpy shares memory, so fresh leaves cost no copy.
        return ({k: torch.from_numpy(v).requires_grad_() for k, v in params.items()},)

    def step(p):
        loss = mlp_loss(p, Xt, Yt, torch.relu,
                        lambda z: torch.logsumexp(z, dim=1, keepdim=True), torch.sum)
        loss.backward()
        return loss, p

    return setup, step, lambda out: {k: v.grad.numpy() for k, v in out[1].items()}


def jax_runner(pe, params, X, Y):
    jax, jnp = pe.jax, pe.jnp
    jparams = {k: jnp.asarray(v) for k, v in params.items()}
    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

    def loss(p):
        return mlp_loss(p, Xj, Yj, jax.nn.relu,
                        lambda z: pe.special.logsumexp(z, axis=1, keepdims=True), jnp.sum)

    value_and_grad = jax.value_and_grad(loss)  # eager: no jax.jit anywhere

    def step(p):
        # JAX dispatches asynchronously: wait for the results inside the clock.
        return jax.block_until_ready(value_and_grad(p))

    return (lambda: (jparams,)), step, lambda out: {k: np.asarray(v) for k, v in out[1].items()}


# (label, library, runner) in table order
RUNNERS = [(lib, lib, runner) for lib, runner in (
    ("numpy", numpy_runner), ("revad", revad_runner), ("autograd", autograd_runner),
    ("torch", torch_runner), ("jax", jax_runner))]


def run(quick=False):
    repeats, budget_s = (5, 1.0) if quick else (30, 3.0)
    fd_err = reference_error()
    table = Table(
        "B3",
        "array MLP 784-256-128-10 (ReLU, softmax CE), batch 128, value and grad wrt 6 arrays",
        "ms/step",
        1e3,
        ("numpy", "revad"),
        notes=[
            (
                "numpy = hand-written forward + backward (the reference); its float64 gradient "
                f"matches a central finite difference to {fd_err:.0e} (relative)."
            ),
            "jax runs eagerly (no jit), with jax_enable_x64 so float64 stays float64.",
            ("X and Y are read-only arrays, which revad saves without copying (a writable "
             "X it would copy, about 3% of a step here)."),
        ],
    )
    for dtype in (np.float64, np.float32):
        case = np.dtype(dtype).name
        params, X, Y = make_problem(dtype)
        _, ref = numpy_value_and_grad(params, X, Y)
        ref_flat = np.concatenate([ref[k].ravel() for k in PARAM_NAMES])
        check = _check_against(ref_flat, dtype)
        table.rows += peer_rows(case, RUNNERS, (params, X, Y), check, repeats, budget_s)
    return table


def _check_against(ref_flat, dtype):
    """The gradients compared with the reference, and a note if their dtype drifted."""
    def check(grads):
        got = np.concatenate([np.asarray(grads[k]).ravel() for k in PARAM_NAMES])
        dtypes = {np.asarray(g).dtype for g in grads.values()}
        note = "" if dtypes == {np.dtype(dtype)} else f"grad dtype {sorted(map(str, dtypes))}"
        return grad_check(got, ref_flat, RTOL[dtype]), note
    return check
