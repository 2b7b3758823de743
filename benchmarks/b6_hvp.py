"""B6: one Hessian-vector product of the extended Rosenbrock function, n = 10,000.

    f(x) = sum_i 100 (x[i+1] - x[i]**2)**2 + (1 - x[i])**2      (as in B5)

H(x) v without forming H, x uniform in [0.5, 1.5] and v standard normal (fixed
seed). Each library in the forms it offers: revad's `hvp` (forward over
reverse), torch.func (jvp of grad: forward over reverse), torch.autograd.
functional.hvp, the double-backward form in plain PyTorch
(`torch.autograd.grad(..., create_graph=True)` then a second grad with
grad_outputs=v), HIPS autograd's `hessian_vector_product` (reverse over
reverse) and JAX eagerly (jvp of grad, no jit). The figure is ms per product;
the reference is the closed-form tridiagonal Hessian applied band by band.
"""

# Pins thread counts, so it must be imported before numpy or any peer.
import harness  # noqa: F401  # isort: skip
import numpy as np

from b5_hessian import rosenbrock, rosenbrock_hessian_bands
from harness import Table, against, peer_rows

N = 10_000
SEED = 0


def make_problem(n):
    rng = np.random.default_rng(SEED)
    return rng.uniform(0.5, 1.5, n), rng.standard_normal(n)


def reference_hvp(x, v):
    """H v from the closed-form bands, O(n): (Hv)_i = d_i v_i + o_{i-1} v_{i-1} + o_i v_{i+1}."""
    diag, off = rosenbrock_hessian_bands(x)
    hv = diag * v
    hv[:-1] += off * v[1:]
    hv[1:] += off * v[:-1]
    return hv


# Each runner returns (setup, step, hv_of_output); see B1 for the protocol.


def revad_runner(p, x, v):
    def step(x, v):
        return p.rv.hvp(lambda x: rosenbrock(x, p.rnp.sum), (x,), (v,))[0]

    return (lambda: (x, v)), step, np.asarray


def autograd_runner(p, x, v):
    hvp = p.autograd.hessian_vector_product(lambda x: rosenbrock(x, p.np.sum))
    return (lambda: (x, v)), hvp, np.asarray


def torch_func_runner(p, x, v):
    torch = p.torch
    grad_f = torch.func.grad(lambda x: rosenbrock(x, torch.sum))

    def step(xt, vt):
        return torch.func.jvp(grad_f, (xt,), (vt,))[1]

    return (lambda: (torch.from_numpy(x), torch.from_numpy(v))), step, lambda out: out.numpy()


def torch_functional_runner(p, x, v):
    torch = p.torch

    def step(xt, vt):
        return torch.autograd.functional.hvp(lambda x: rosenbrock(x, torch.sum), xt, vt)[1]

    return (lambda: (torch.from_numpy(x), torch.from_numpy(v))), step, lambda out: out.numpy()


def torch_double_backward_runner(p, x, v):
    torch = p.torch

    def setup():
        # A fresh leaf per run (from_numpy shares memory, so no copy).
        return torch.from_numpy(x).requires_grad_(), torch.from_numpy(v)

    def step(xt, vt):
        (g,) = torch.autograd.grad(rosenbrock(xt, torch.sum), xt, create_graph=True)
        (hv,) = torch.autograd.grad(g, xt, grad_outputs=vt)
        return hv

    return setup, step, lambda out: out.numpy()


def jax_runner(p, x, v):
    jax, jnp = p.jax, p.jnp
    grad_f = jax.grad(lambda x: rosenbrock(x, jnp.sum))
    xj, vj = jnp.asarray(x), jnp.asarray(v)

    def step(xj, vj):
        # Eager (no jax.jit); JAX dispatches asynchronously, so wait inside the clock.
        return jax.block_until_ready(jax.jvp(grad_f, (xj,), (vj,))[1])

    return (lambda: (xj, vj)), step, np.asarray


# (row label, peer to load, runner)
RUNNERS = (
    ("revad", "revad", revad_runner),
    ("autograd", "autograd", autograd_runner),
    ("torch.func", "torch", torch_func_runner),
    ("torch.autograd.functional", "torch", torch_functional_runner),
    ("torch double backward", "torch", torch_double_backward_runner),
    ("jax", "jax", jax_runner),
)


def run(quick=False):
    # Each repeat starts with a full gc.collect() (about 0.1 s with torch and jax
    # imported), so the repeat count, not the HVP itself, sets the run time.
    repeats, budget_s = (10, 0.5) if quick else (30, 2.0)
    case = f"n={N}"
    x, v = make_problem(N)
    ref = reference_hvp(x, v)
    table = Table(
        "B6",
        f"one Hessian-vector product of the extended Rosenbrock function, n={N}",
        "ms/hvp",
        1e3,
        ("revad",),
        notes=[
            (
                "Reference: the closed-form tridiagonal Hessian applied band by band (O(n)); "
                "check = max error / max |Hv|."
            ),
            (
                "revad, torch.func, jax: forward over reverse (jvp of grad); autograd: "
                "reverse over reverse; torch.autograd.functional.hvp and torch double "
                "backward: grad with create_graph=True, then a second backward pass."
            ),
        ],
        check_header="Hv check",
    )
    table.rows += peer_rows(case, RUNNERS, (x, v), against(ref), repeats, budget_s)
    return table
