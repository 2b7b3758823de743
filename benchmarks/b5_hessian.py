"""B5: the full Hessian of the extended Rosenbrock function.

    f(x) = sum_i 100 (x[i+1] - x[i]**2)**2 + (1 - x[i])**2,   i = 0 .. n-2

at n = 50 and n = 200, x uniform in [0.5, 1.5] (fixed seed). Each library's
own "Hessian of a scalar function" transform is timed on the whole n x n
matrix: revad's `hessian` (forward over reverse with batched tangents),
torch.func.hessian (jacfwd over jacrev, vmapped), torch.autograd.functional.
hessian (one double-backward per row by default; also with vectorize=True),
HIPS autograd's `hessian` (reverse over reverse, one backward per row) and
JAX's `hessian` run eagerly (no jit). The figure is ms per Hessian; the
reference is the closed-form tridiagonal Hessian.
"""

# Pins thread counts, so it must be imported before numpy or any peer.
import harness  # noqa: F401  # isort: skip
import numpy as np

from harness import Table, against, peer_rows

SIZES = (50, 200)
SEED = 0


def make_input(n):
    return np.random.default_rng(SEED).uniform(0.5, 1.5, n)


def rosenbrock(x, sum):
    """The forward pass in any library whose arrays slice, broadcast and have `sum`."""
    head, tail = x[:-1], x[1:]
    return sum(100.0 * (tail - head**2) ** 2 + (1.0 - head) ** 2)


def rosenbrock_hessian_bands(x):
    """The closed-form Hessian as (diagonal, off-diagonal): it is tridiagonal.

    d2f/dx_i^2        = [i < n-1] (1200 x_i^2 - 400 x_{i+1} + 2) + [i > 0] 200
    d2f/dx_i dx_{i+1} = -400 x_i
    """
    diag = np.zeros_like(x)
    diag[:-1] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    diag[1:] += 200.0
    return diag, -400.0 * x[:-1]


def reference_hessian(x):
    diag, off = rosenbrock_hessian_bands(x)
    return np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)


# Each runner returns (setup, step, hessian_of_output); see B1 for the protocol.


def revad_runner(p, x):
    hess = p.rv.hessian(lambda x: rosenbrock(x, p.rnp.sum))
    return (lambda: (x,)), hess, np.asarray


def autograd_runner(p, x):
    hess = p.autograd.hessian(lambda x: rosenbrock(x, p.np.sum))
    return (lambda: (x,)), hess, np.asarray


def torch_func_runner(p, x):
    torch = p.torch
    hess = torch.func.hessian(lambda x: rosenbrock(x, torch.sum))
    return (lambda: (torch.from_numpy(x),)), hess, lambda out: out.numpy()


def torch_functional_runner(p, x, vectorize=False):
    torch = p.torch

    def step(xt):
        return torch.autograd.functional.hessian(
            lambda x: rosenbrock(x, torch.sum), xt, vectorize=vectorize
        )

    return (lambda: (torch.from_numpy(x),)), step, lambda out: out.numpy()


def jax_runner(p, x):
    jax = p.jax
    hess = jax.hessian(lambda x: rosenbrock(x, p.jnp.sum))  # eager: no jax.jit
    xj = p.jnp.asarray(x)

    def step(xj):
        # JAX dispatches asynchronously: wait for the result inside the clock.
        return jax.block_until_ready(hess(xj))

    return (lambda: (xj,)), step, np.asarray


# (row label, peer to load, runner)
RUNNERS = (
    ("revad", "revad", revad_runner),
    ("autograd", "autograd", autograd_runner),
    ("torch.func", "torch", torch_func_runner),
    ("torch.autograd.functional", "torch", torch_functional_runner),
    (
        "torch.autograd.functional vectorize",
        "torch",
        lambda p, x: torch_functional_runner(p, x, vectorize=True),
    ),
    ("jax", "jax", jax_runner),
)


def run(quick=False):
    sizes = SIZES[:1] if quick else SIZES
    # Few repeats: each one starts with a full gc.collect(), about 0.1 s once torch
    # and jax are imported, which would otherwise dominate the benchmark's run time.
    repeats, budget_s = (5, 0.5) if quick else (20, 2.0)
    table = Table(
        "B5",
        "full Hessian of the extended Rosenbrock function, x uniform in [0.5, 1.5]",
        "ms/hessian",
        1e3,
        ("revad",),
        notes=[
            "Reference: the closed-form (tridiagonal) Hessian; check = max error / max |H|.",
            (
                "revad: forward over reverse, batched tangents; torch.func.hessian: jacfwd "
                "over jacrev (vmap); torch.autograd.functional.hessian: one double-backward "
                "per row (vectorize=False, default) or vmapped (vectorize=True); autograd: "
                "reverse over reverse, one backward per row; jax: jax.hessian eagerly, no jit."
            ),
        ],
        check_header="hessian check",
    )
    for n in sizes:
        case = f"n={n}"
        x = make_input(n)
        ref = reference_hessian(x)
        table.rows += peer_rows(case, RUNNERS, (x,), against(ref), repeats, budget_s)
    return table
