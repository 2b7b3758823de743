"""B7: peak memory (and time) of the gradient of a long recurrence.

    h_0 = 0,   h_t = tanh(W @ h_{t-1} + x_t)   for t = 1 .. 2000
    loss = sum(h_T ** 2),   gradient with respect to W

W is 256 x 256 float64 (standard normal scaled by 0.9 / sqrt(256), fixed
seed), x_t rows of a 2000 x 256 standard normal array. Reverse mode has to keep
every h_t (4 MB in all) for the backward pass, so the peak memory of one
gradient is dominated by what a library stores per step. Rows: a hand-written
NumPy forward + backward pass (the reference), revad, revad with
`rv.checkpoint` applied to blocks of 50 steps (only the 40 block inputs are
kept; each block is recomputed during the backward pass), HIPS autograd,
PyTorch eager and JAX eager (no jit).

Peak memory is measured three ways (the `case` column):
- tracemalloc, in this process, for the NumPy-based libraries: the peak of
  traced allocations during one gradient, above what was allocated before it
  (NumPy reports its array buffers to tracemalloc).
- torch.profiler (profile_memory=True), in this process, for PyTorch, whose
  allocator tracemalloc does not see: the running sum of the allocation and
  free events of one gradient, its maximum.
- RSS, in a fresh subprocess per library: after one untimed warm-up gradient,
  malloc_trim(0), then peak RSS (VmHWM, reset through /proc/self/clear_refs)
  minus the RSS before the measured gradient. Coarser (page granularity,
  allocator caching), but the same method for every library, JAX included.
"""

# Pins thread counts, so it must be imported before numpy or any peer.
import harness  # noqa: F401  # isort: skip
import ctypes
import gc
import json
import subprocess
import sys
import tracemalloc

import numpy as np

from harness import (
    Row, Table, failed_row, finite_difference_error, first_line, grad_check, measure, peer,
)

STEPS = 2000
HIDDEN = 256
BLOCK = 50
SEED = 0
MB = 1e6  # figures are in MB = 10**6 bytes


def make_problem():
    rng = np.random.default_rng(SEED)
    W = rng.standard_normal((HIDDEN, HIDDEN)) * (0.9 / np.sqrt(HIDDEN))
    xs = rng.standard_normal((STEPS, HIDDEN))
    # Read-only on purpose, for every library alike: revad copies a writable NumPy
    # array that a node saves as a constant (so that changing it in place later
    # cannot corrupt a recorded gradient), but keeps a read-only one as it is. Each
    # step adds a slice xs[t] (a view, read-only like its base), so a writable xs
    # would cost revad one 2 KB copy per step, a cost of how the benchmark is
    # written rather than of the recurrence. The other libraries never copy it.
    xs.flags.writeable = False
    h0 = np.zeros(HIDDEN)
    h0.flags.writeable = False
    return W, xs, h0


def recurrence(W, xs, h, tanh):
    """The forward pass in any library with `tanh`, `@` and `+`; xs[t] is a view."""
    for t in range(len(xs)):
        h = tanh(W @ h + xs[t])
    return h


def numpy_value_and_grad(W, xs, h0):
    """The hand-written reference: keep every h_t, then the chain rule by hand."""
    hs = [h0]
    h = h0
    for t in range(len(xs)):
        h = np.tanh(W @ h + xs[t])
        hs.append(h)
    g = 2.0 * h  # d loss / d h_T
    dW = np.zeros_like(W)
    for t in range(len(xs), 0, -1):
        dz = g * (1.0 - hs[t] * hs[t])  # through tanh
        dW += np.outer(dz, hs[t - 1])  # through W @ h_{t-1}
        g = W.T @ dz
    return float(np.sum(h * h)), dW


def reference_error(W, xs, h0):
    """How far the reference's gradient is from a central finite difference."""
    def loss(p):
        h = recurrence(p["W"], xs, h0, np.tanh)
        return float(np.sum(h * h))

    return finite_difference_error(loss, {"W": W}, {"W": numpy_value_and_grad(W, xs, h0)[1]},
                                   SEED + 1)


# Each runner returns (setup, step, grad_of_output); see B1 for the protocol.
# `step` returns the gradient; every library here frees its graph inside the call.


def numpy_runner(_, W, xs, h0):
    return (lambda: (W,)), (lambda W: numpy_value_and_grad(W, xs, h0)), lambda out: out[1]


def revad_runner(p, W, xs, h0):
    rv, rnp = p.rv, p.rnp
    step = rv.grad(lambda W: rnp.sum(recurrence(W, xs, h0, rnp.tanh) ** 2))
    return (lambda: (W,)), step, np.asarray


def revad_checkpoint_runner(p, W, xs, h0):
    rv, rnp = p.rv, p.rnp

    @rv.checkpoint
    def block(h, W, xs_block):
        return recurrence(W, xs_block, h, rnp.tanh)

    def loss(W):
        h = h0
        for start in range(0, len(xs), BLOCK):
            h = block(h, W, xs[start : start + BLOCK])
        return rnp.sum(h**2)

    return (lambda: (W,)), rv.grad(loss), np.asarray


def autograd_runner(p, W, xs, h0):
    anp = p.np
    step = p.autograd.grad(lambda W: anp.sum(recurrence(W, xs, h0, anp.tanh) ** 2))
    return (lambda: (W,)), step, np.asarray


def torch_runner(p, W, xs, h0):
    torch = p.torch
    xs_t, h0_t = torch.from_numpy(xs), torch.from_numpy(h0)

    def setup():
        return (torch.from_numpy(W).requires_grad_(),)

    def step(Wt):
        loss = torch.sum(recurrence(Wt, xs_t, h0_t, torch.tanh) ** 2)
        return torch.autograd.grad(loss, Wt)[0]

    return setup, step, lambda out: out.numpy()


def jax_runner(p, W, xs, h0):
    jax, jnp = p.jax, p.jnp
    grad_f = jax.grad(lambda W: jnp.sum(recurrence(W, xs, h0, jnp.tanh) ** 2))
    Wj = jnp.asarray(W)

    def step(Wj):
        # Eager (no jax.jit); JAX dispatches asynchronously, so wait inside the clock.
        return jax.block_until_ready(grad_f(Wj))

    return (lambda: (Wj,)), step, np.asarray


TRACEMALLOC = "tracemalloc"
PROFILER = "torch.profiler"
RSS = "RSS, fresh process"
# row label -> (peer to load, runner, how its memory is measured in process); "numpy"
# needs no peer, and only the RSS method (for every row) sees XLA's buffers.
RUNNERS = {
    "numpy": (None, numpy_runner, TRACEMALLOC),
    "revad": ("revad", revad_runner, TRACEMALLOC),
    f"revad checkpoint({BLOCK})": ("revad", revad_checkpoint_runner, TRACEMALLOC),
    "autograd": ("autograd", autograd_runner, TRACEMALLOC),
    "torch": ("torch", torch_runner, PROFILER),
    "jax": ("jax", jax_runner, None),
}


def load(label):
    """(setup, step, grad_of) for a row label, or raise RuntimeError if its peer is missing."""
    lib, runner, _ = RUNNERS[label]
    p, why_not = (None, None) if lib is None else peer(lib)
    if why_not:
        raise RuntimeError(why_not)
    return runner(p, *make_problem())


def traced_peak(setup, step):
    """Peak tracemalloc bytes of one step above what was traced before it, and its output."""
    args = setup()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = step(*args)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return peak, out


def profiler_peak(torch, setup, step):
    """Peak of the running sum of torch.profiler's CPU allocation events during one step."""
    from torch.profiler import ProfilerActivity, profile

    args = setup()
    gc.collect()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        out = step(*args)
    # The raw event list: a memory event's nbytes is + for an allocation, - for a free.
    events = [
        e
        for e in prof.profiler.kineto_results.events()
        if e.name() == "[memory]" and e.device_type() == torch.autograd.DeviceType.CPU
    ]
    events.sort(key=lambda e: e.start_ns())
    current = peak = 0
    for e in events:
        current += e.nbytes()
        peak = max(peak, current)
    return peak, out


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def rss_child(label):
    """Run in a fresh subprocess: peak RSS growth of one gradient, printed as JSON."""
    setup, step, grad_of = load(label)
    step(*setup())  # warm-up: JAX compiles its primitives, caches fill
    args = setup()
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand the warm-up's free heap back
    except (OSError, AttributeError):
        pass
    before_kb = _status_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM (the peak RSS) to the current RSS
    out = step(*args)
    peak_kb = _status_kb("VmHWM")
    W, xs, h0 = make_problem()
    check = grad_check(grad_of(out), numpy_value_and_grad(W, xs, h0)[1], rtol=1e-9)
    print(json.dumps({"bytes": (peak_kb - before_kb) * 1024, "check": check}))


def rss_row(label):
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--rss", label],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        return Row(RSS, label, note="failed: subprocess timed out")
    if proc.returncode != 0:
        lines = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()
        return Row(RSS, label, note=f"failed: {lines[-1][:120]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return Row(RSS, label, result["bytes"], 1, result["check"])


def run(quick=False):
    repeats, budget_s = (3, 1.0) if quick else (10, 3.0)
    W, xs, h0 = make_problem()
    _, ref = numpy_value_and_grad(W, xs, h0)
    fd_err = reference_error(W, xs, h0)
    common_notes = [
        (
            "numpy = hand-written forward + backward (the reference); its gradient matches "
            f"a central finite difference to {fd_err:.0e} (relative)."
        ),
        "x_t is a read-only array for every library (see make_problem), passed as slices.",
    ]
    mem = Table(
        "B7",
        f"peak memory of one gradient: h = tanh(W @ h + x_t), {STEPS} steps, "
        f"W {HIDDEN}x{HIDDEN} float64, loss sum(h_T**2), grad wrt W",
        "MB peak",
        1 / MB,
        ("numpy", "revad"),
        notes=common_notes
        + [
            (
                "MB = 10**6 bytes above the memory in use before the gradient. case = how it "
                "is measured; ratios compare rows of the same case only:"
            ),
            "tracemalloc: NumPy-based libraries, in process (tracemalloc cannot see torch/XLA).",
            (
                "torch.profiler: profile_memory=True, peak of the running sum of alloc/free "
                "events (it counts allocations as tracemalloc does: compare it with those)."
            ),
            (
                "RSS, fresh process: one subprocess per library, warm-up gradient, "
                "malloc_trim(0), then peak RSS (VmHWM reset via /proc/self/clear_refs) "
                "minus RSS before; page-granular and includes allocator slack."
            ),
        ],
        ratio_words=("more", "less"),
    )
    speed = Table(
        "B7",
        f"time of the same gradient ({STEPS} steps), forward + backward",
        "ms/grad",
        1e3,
        ("numpy", "revad"),
        notes=["jax runs eagerly (no jit): several seconds per gradient, so few runs."],
    )

    grads = {}
    case = f"{STEPS} steps"
    for label, (lib, _, method) in RUNNERS.items():
        try:
            setup, step, grad_of = load(label)
        except Exception as exc:  # a missing peer is a result, not a crash
            for table, row_case in ((speed, case), (mem, "all")):
                table.rows.append(Row(row_case, label, note=first_line(exc)))
            continue
        try:
            slow = lib == "jax"
            best, runs, out = measure(
                step, setup, 1 if slow else repeats, 0.0 if slow else budget_s
            )
            grads[label] = np.asarray(grad_of(out))
            speed.rows.append(Row(case, label, best, runs, grad_check(grads[label], ref, 1e-9)))
        except Exception as exc:  # a failing library is a result, not a crash
            speed.rows.append(failed_row(case, label, exc))
            continue
        if method is None:
            continue
        try:
            if method == TRACEMALLOC:
                peak, out = traced_peak(setup, step)
            else:
                peak, out = profiler_peak(peer(lib)[0].torch, setup, step)
            mem.rows.append(Row(method, label, peak, 1, grad_check(grad_of(out), ref, 1e-9)))
        except Exception as exc:  # a failing library is a result, not a crash
            mem.rows.append(failed_row(method, label, exc))
    for label, (lib, _, _) in RUNNERS.items():
        if lib is None or peer(lib)[0] is not None:
            mem.rows.append(rss_row(label))

    plain, ckpt = grads.get("revad"), grads.get(f"revad checkpoint({BLOCK})")
    if plain is not None and ckpt is not None:
        diff = float(np.max(np.abs(plain - ckpt)))
        mem.notes.append(
            f"revad checkpoint({BLOCK}) vs revad plain gradient: max |difference| {diff:.1e} "
            f"({diff / float(np.max(np.abs(ref))):.0e} of max |grad|); both are also "
            "checked against numpy (grad check)."
        )
    return [mem, speed]


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rss":
        rss_child(sys.argv[2])
    else:
        sys.exit("usage: b7_memory.py --rss LABEL   (run.py runs the benchmark)")
