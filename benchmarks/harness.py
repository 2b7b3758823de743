"""Shared benchmark machinery: single-threaded setup, peer loading, timing, rows.

Import this module before numpy (or any peer): BLAS and OpenMP read their
thread counts when they are first loaded, and every figure in this suite is a
single-threaded one so that libraries are compared on equal footing.
"""

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"
# JAX/XLA ignores the variables above; it has its own switches.
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import gc  # noqa: E402
import importlib  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import numpy as np  # noqa: E402

# A peer whose next size is predicted to take longer than this (one run) is
# reported as "skipped (too slow)" instead of being run.
SLOW_LIMIT_S = 30.0


@dataclass
class Row:
    """One measured (or skipped / failed) cell: a library on one case."""

    case: str
    lib: str
    seconds: float | None = None  # best time per unit (per op or per step); bytes in B7 memory
    runs: int = 0
    check: str = ""  # gradient agreement with the benchmark's reference
    note: str = ""


@dataclass
class Table:
    """What one benchmark module returns; run.py prints it."""

    key: str  # "B1"
    title: str
    unit: str  # e.g. "us/op", "ms/step"
    scale: float  # seconds -> unit
    baselines: tuple[str, ...]  # libraries that get a "vs <lib>" ratio column
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    check_header: str = "grad check"
    # How a ratio above / below 1 reads: a time is slower / faster, memory more / less.
    ratio_words: tuple[str, str] = ("slower", "faster")


def _load_revad():
    rv = importlib.import_module("revad")
    return types.SimpleNamespace(rv=rv, rnp=importlib.import_module("revad.numpy"))


def _load_torch():
    import torch

    torch.set_num_threads(1)
    # from_numpy of the benchmarks' read-only constants warns; torch never writes them.
    warnings.filterwarnings("ignore", message="The given NumPy array is not writable",
                            category=UserWarning)
    return types.SimpleNamespace(torch=torch)


def _load_autograd():
    import autograd
    import autograd.numpy as anp
    import autograd.scipy.special as aspecial

    return types.SimpleNamespace(autograd=autograd, np=anp, special=aspecial)


def _load_micrograd():
    from micrograd.engine import Value

    return types.SimpleNamespace(Value=Value)


def backward_step(forward):
    """The timed step of a library whose results have .backward(): ``step(leaves)``
    runs ``forward(leaves).backward()`` and returns ``(leaves, output)``."""
    def step(leaves):
        y = forward(leaves)
        y.backward()
        return leaves, y

    return step


def micrograd_unary(Value, function, derivative, name):
    """A unary op for micrograd, whose Value has only relu: built exactly the way
    micrograd builds its own ops (a child tuple plus a closure that accumulates the
    local derivative, ``derivative(x, y)`` at input x and output y, times the output's
    gradient)."""
    def op(v):
        out = Value(function(v.data), (v,), name)

        def _backward():
            v.grad += derivative(v.data, out.data) * out.grad

        out._backward = _backward
        return out

    return op


def _load_mygrad():
    import mygrad

    return types.SimpleNamespace(mg=mygrad)


def _load_jax():
    import jax

    # Without this JAX silently turns float64 inputs into float32.
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.scipy.special as jspecial

    return types.SimpleNamespace(jax=jax, jnp=jnp, special=jspecial)


_LOADERS = {
    "revad": _load_revad,
    "torch": _load_torch,
    "autograd": _load_autograd,
    "micrograd": _load_micrograd,
    "mygrad": _load_mygrad,
    "jax": _load_jax,
}
# Distributions whose versions head the report.
VERSIONED = ("revad", "numpy", "torch", "autograd", "micrograd", "mygrad", "jax")
_cache: dict[str, tuple[object, str | None]] = {}


def peer(name):
    """Import a peer once. Returns (namespace, None) or (None, reason it is unavailable)."""
    if name not in _cache:
        try:
            _cache[name] = (_LOADERS[name](), None)
        except Exception as exc:  # any import-time failure just means "not available"
            _cache[name] = (None, f"not importable ({type(exc).__name__}: {first_line(exc)})")
    return _cache[name]


def first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0][:120] if text else ""


def measure(step, setup, repeats, budget_s, warmup=True):
    """Best wall time of `step(*setup())` over up to `repeats` runs (see `timed_run`).

    With `warmup`, one untimed run comes first (JAX compiles each primitive on
    first use, PyTorch and NumPy allocate caches); benchmarks whose single run
    is long turn it off and rely on the minimum over repeats instead.
    Stops early once `budget_s` seconds were spent (always at least one run).
    Returns (best_seconds, runs, output_of_last_run).
    """
    if warmup:
        step(*setup())
    times = []
    out = None
    while len(times) < repeats:
        out = None
        seconds, out = timed_run(step, setup)
        times.append(seconds)
        if sum(times) >= budget_s:
            break
    return min(times), len(times), out


def timed_run(step, setup):
    """One run of `step(*setup())`: (seconds, what it returned).

    `setup` runs untimed (fresh leaves, zeroed grads) so every run starts from
    the same state. The cyclic GC stays enabled while the clock runs, because
    how much GC work a library's graph causes is part of its cost; a full
    collection before each run keeps the previous run's garbage off the bill.
    `step` returns what it built (graph included), so tearing the graph down
    happens after the clock stops, for every library alike.
    """
    args = setup()
    gc.collect()
    start = time.perf_counter()
    out = step(*args)
    return time.perf_counter() - start, out


def finite_difference_error(loss, params, grads, seed, eps=1e-6):
    """Relative error of `grads`, the gradient of `loss` at `params` (dicts of arrays),
    along a random direction, against a central difference of `loss` along it. The
    direction has unit length, which keeps the +-eps steps from crossing kinks such as
    ReLU's."""
    rng = np.random.default_rng(seed)
    direction = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    norm = np.sqrt(sum(float(np.sum(d * d)) for d in direction.values()))
    direction = {k: d / norm for k, d in direction.items()}
    analytic = sum(float(np.sum(grads[k] * direction[k])) for k in params)

    def loss_at(sign):
        return loss({k: params[k] + sign * eps * direction[k] for k in params})

    numeric = (loss_at(+1) - loss_at(-1)) / (2 * eps)
    return abs(numeric - analytic) / abs(analytic)


def grad_check(got, ref, rtol):
    """'ok' or 'MISMATCH' with the max error relative to the reference's scale."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if got.shape != ref.shape:
        return f"MISMATCH shape {got.shape} vs {ref.shape}"
    scale = max(float(np.max(np.abs(ref))), np.finfo(np.float64).tiny)
    err = float(np.max(np.abs(got - ref))) / scale
    return f"{'ok' if err <= rtol else 'MISMATCH'} {err:.0e}"


def failed_row(case, lib, exc):
    return Row(case, lib, note=f"failed: {type(exc).__name__}: {first_line(exc)}")


def against(ref, rtol=1e-9):
    """A `check` for `peer_rows`: the result compared with `ref` (see grad_check)."""
    return lambda result: (grad_check(result, ref, rtol), "")


def peer_rows(case, entries, args, check, repeats, budget_s, per=1):
    """The rows of one case, one per ``(label, lib, runner)`` entry: why the library
    did not run, why it failed, or its best time (divided by `per`, e.g. an op count)
    and ``check(result)``, a pair of the check column and a note.

    The libraries take turns: each repeat runs every one of them once (after one
    untimed warm-up each, see `measure`, whose result is the one checked), so a slow
    spell of the shared machine falls on all of them alike instead of on whichever ran
    then, and the ratios between rows hold. A library stops once it has spent
    `budget_s`. ``runner(peer, *args)`` returns (setup, step, result_of); the
    hand-written NumPy reference (lib "numpy") needs no peer.
    """
    rows = {}
    timed = {}
    for label, lib, runner in entries:
        p = None
        if lib != "numpy":
            p, why_not = peer(lib)
            if p is None:
                rows[label] = Row(case, label, note=why_not)
                continue
        try:
            setup, step, result_of = runner(p, *args)
            checked = check(result_of(step(*setup())))
        except Exception as exc:  # a failing library is a result, not a crash
            rows[label] = failed_row(case, label, exc)
            continue
        timed[label] = (setup, step, checked, [])
    for _ in range(repeats):
        for label, (setup, step, _, times) in list(timed.items()):
            if times and sum(times) >= budget_s:
                continue
            try:
                times.append(timed_run(step, setup)[0])
            except Exception as exc:
                rows[label] = failed_row(case, label, exc)
                del timed[label]
    for label, (_, _, (checked, note), times) in timed.items():
        rows[label] = Row(case, label, min(times) / per, len(times), checked, note)
    return [rows[label] for label, _, _ in entries]
