"""B1: a long chain of scalar ops from one scalar leaf, then one backward pass.

    x -> sin(x) * 1.0001 + 0.1     repeated N times, then d(x_N)/d(x_0)

Each step is 3 ops (sin, mul, add), so a run is 3N ops; the figure is wall
time per op. This is the worst case for per-op overhead and for graph depth:
a backward pass that recurses once per node cannot get through it.
"""

# Pins thread counts, so it must be imported before numpy or any peer.
import harness  # isort: skip
import math
import sys
import threading

from harness import (
    SLOW_LIMIT_S, Row, Table, failed_row, grad_check, measure, micrograd_unary, peer,
)

X0 = 0.5
OPS_PER_STEP = 3
SIZES = (10**3, 10**4, 10**5, 10**6)
QUICK_SIZES = (10**3, 10**4)
# micrograd's backward() builds its topological order by recursion, one
# Python frame per graph level (3 per step). Python 3.11 keeps Python-to-Python
# frames off the C stack, but a big thread stack is kept as a safety margin for
# C-level recursion (e.g. deallocating the long chain of nodes).
MICROGRAD_THREAD_STACK = 512 * 1024 * 1024


def reference_grad(n):
    """d(x_N)/d(x_0) as the product of the per-step derivatives 1.0001*cos(x_i)."""
    x, g = X0, 1.0
    for _ in range(n):
        g *= 1.0001 * math.cos(x)
        x = math.sin(x) * 1.0001 + 0.1
    return g


def chain(x, sin, n):
    """The forward pass in any library: n steps of x -> sin(x) * 1.0001 + 0.1."""
    for _ in range(n):
        x = sin(x) * 1.0001 + 0.1
    return x


# Each runner returns (setup, step, grad_of_output): `setup()` makes a fresh
# leaf untimed, `step(*setup())` is the timed forward + backward and returns
# what it built, `grad_of_output` reads d(x_N)/d(x_0) from that afterwards.


def backward_step(sin, n):
    """The timed step of a library whose results have .backward()."""
    return harness.backward_step(lambda x: chain(x, sin, n))


def revad_runner(p, n):
    return (lambda: (p.rv.Var(X0),)), backward_step(p.rv.sin, n), lambda out: out[0].grad


def torch_runner(p, n):
    torch = p.torch

    def setup():
        return (torch.tensor(X0, dtype=torch.float64, requires_grad=True),)

    return setup, backward_step(torch.sin, n), lambda out: out[0].grad.item()


def autograd_runner(p, n):
    dchain = p.autograd.grad(lambda x: chain(x, p.np.sin, n))
    # autograd frees its graph inside grad(), so teardown is timed here.
    return (lambda: (X0,)), dchain, float


def mygrad_runner(p, n):
    mg = p.mg
    return (lambda: (mg.tensor(X0),)), backward_step(mg.sin, n), lambda out: float(out[0].grad)


def micrograd_runner(p, n):
    Value = p.Value
    sin = micrograd_unary(Value, math.sin, lambda x, _: math.cos(x), "sin")
    return (lambda: (Value(X0),)), backward_step(sin, n), lambda out: out[0].grad


def in_deep_thread(fn, recursion_limit):
    """Run fn() in a thread with a big stack and a raised recursion limit,
    restoring both afterwards; re-raises fn's exception here."""
    outcome = {}

    def target():
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    old_limit = sys.getrecursionlimit()
    old_stack = threading.stack_size(MICROGRAD_THREAD_STACK)
    sys.setrecursionlimit(recursion_limit)
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        sys.setrecursionlimit(old_limit)
        threading.stack_size(old_stack)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def micrograd_needed_limit(n):
    # One frame per graph level (3 per step) plus head room for the caller's frames.
    return OPS_PER_STEP * n + 1000


RUNNERS = {
    "revad": revad_runner,
    "micrograd": micrograd_runner,
    "autograd": autograd_runner,
    "torch": torch_runner,
    "mygrad": mygrad_runner,
}


def case_name(n):
    return f"N=1e{round(math.log10(n))}"


def time_cell(lib, p, n, repeats, budget_s):
    setup, step, grad_of = RUNNERS[lib](p, n)

    def timed():
        return measure(step, setup, repeats, budget_s, warmup=False)

    if lib == "micrograd":
        best, runs, out = in_deep_thread(timed, micrograd_needed_limit(n))
    else:
        best, runs, out = timed()
    check = grad_check(grad_of(out), reference_grad(n), rtol=1e-9)
    return Row(case_name(n), lib, best / (OPS_PER_STEP * n), runs, check)


def micrograd_default_limit_row(p, n):
    """micrograd once as shipped: default recursion limit, main thread."""
    lib = f"micrograd (default limit {sys.getrecursionlimit()})"
    setup, step, grad_of = micrograd_runner(p, n)
    try:
        best, runs, out = measure(step, setup, 1, 0.0, warmup=False)
    except RecursionError as exc:
        return Row(case_name(n), lib, note=f"RecursionError in backward(): {exc}")
    return Row(
        case_name(n),
        lib,
        best / (OPS_PER_STEP * n),
        runs,
        grad_check(grad_of(out), reference_grad(n), rtol=1e-9),
    )


def run(quick=False):
    sizes = QUICK_SIZES if quick else SIZES
    repeats, budget_s = (3, 1.0) if quick else (5, 3.0)
    table = Table(
        "B1",
        "scalar chain x -> sin(x)*1.0001 + 0.1, N steps (3N ops), forward + backward",
        "us/op",
        1e6,
        ("revad",),
        notes=[
            (
                "micrograd has no sin(): a sin op is added in the benchmark, written like "
                "micrograd's own ops."
            ),
            (
                "micrograd rows: recursion limit raised to 3N+1000 and run in a thread "
                f"with a {MICROGRAD_THREAD_STACK >> 20} MiB stack, since its backward() "
                "recurses once per graph level."
            ),
            "autograd's time includes freeing its graph (it happens inside grad()).",
            (
                "The gradient is a product of N factors 1.0001*cos(x_i) (about 0.67 each): "
                "it underflows to 0.0 from N=1e4 on, so there the check only rules out NaN "
                "and garbage."
            ),
        ],
    )
    for lib in RUNNERS:
        p, why_not = peer(lib)
        if p is None:
            table.rows.append(Row("all", lib, note=why_not))
            continue
        if lib == "micrograd":
            table.rows.append(micrograd_default_limit_row(p, sizes[0]))
        per_op = None  # last measured time per op, to predict the next size
        growth = 1.0  # how much per-op time grew over the last 10x in N
        failed = False
        for n in sizes:
            if failed:
                # It failed at a smaller N; a bigger graph would fail the same way.
                table.rows.append(Row(case_name(n), lib, note="not run (failed at a smaller N)"))
                continue
            # Per-op time often grows with N (GC passes over an ever larger
            # live graph), so extrapolate that growth too, not just the op count.
            if per_op is not None and per_op * growth * OPS_PER_STEP * n > SLOW_LIMIT_S:
                table.rows.append(Row(case_name(n), lib, note="skipped (too slow)"))
                continue
            try:
                row = time_cell(lib, p, n, repeats, budget_s)
            except Exception as exc:  # a failing library is a result, not a crash
                row = failed_row(case_name(n), lib, exc)
            table.rows.append(row)
            if per_op is not None and row.seconds is not None:
                growth = max(1.0, row.seconds / per_op)
            per_op = row.seconds
            failed = per_op is None
    return table
