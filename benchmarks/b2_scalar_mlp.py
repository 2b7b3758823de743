"""B2: a micrograd-style MLP built from scalar ops, one forward + backward.

The shape of micrograd's `micrograd.nn.MLP(2, [16, 16, 1])` with tanh as the
nonlinearity: tanh on the hidden layers, a linear output neuron, and each neuron
computed as  b + w0*x0 + w1*x1 + ...  one scalar op at a time. Every library
builds the identical graph from scalar leaves (PyTorch: 0-d tensors; revad:
Python-float Vars; micrograd: Values, with a tanh op added the way micrograd
writes its own, since its Value has only relu), starting from the same weights.

Loss: sum of squared errors over 50 random 2-D points with +-1 targets,
    loss = sum_i (score_i + (-y_i)) ** 2      (Python's sum(), starting at 0)
The difference is written as an add of the constant -y_i so it is one op in
every library (micrograd spells a - b as a + (-1 * b), two ops).

Ops counted analytically (see count_ops), per point:
    layer nin -> nout: nout * (nin muls + nin adds + 1 tanh if hidden)
    2->16: 80, 16->16: 528, 16->1: 32; loss: add, square, accumulate: 3
    => 643 per point, 32,150 for 50 points. The figure is wall time per op.
"""

# Pins thread counts, so it must be imported before numpy or any peer.
import harness  # noqa: F401  # isort: skip
import itertools
import math
import random

import numpy as np

from harness import Table, against, backward_step, micrograd_unary, peer_rows

LAYER_SIZES = (2, 16, 16, 1)
N_POINTS = 50
SEED = 0


def count_ops():
    per_point = 0
    for i, (nin, nout) in enumerate(itertools.pairwise(LAYER_SIZES)):
        hidden = i < len(LAYER_SIZES) - 2
        per_point += nout * (2 * nin + hidden)
    per_point += 3  # score + (-y), ** 2, accumulate into the sum
    return per_point * N_POINTS


def make_problem():
    """Weights as micrograd initialises them (uniform(-1, 1), zero bias) and the data.

    weights[layer][neuron] = (list of input weights, bias), all Python floats.
    """
    rng = random.Random(SEED)
    weights = [
        [([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)]
        for nin, nout in itertools.pairwise(LAYER_SIZES)
    ]
    points = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(N_POINTS)]
    targets = [1.0 if x0 * x1 > 0 else -1.0 for x0, x1 in points]
    return weights, points, targets


def flatten(weights):
    """Parameters in micrograd's parameters() order: per neuron, its weights then its bias."""
    return [v for layer in weights for w, b in layer for v in (*w, b)]


def reference_grad(weights, points, targets):
    """The gradient by a hand-written batched NumPy backward pass (untimed)."""
    X = np.array(points)
    Ws = [np.array([w for w, _ in layer]).T for layer in weights]  # (nin, nout)
    bs = [np.array([b for _, b in layer]) for layer in weights]
    acts = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        z = acts[-1] @ W + b
        acts.append(np.tanh(z) if i < len(Ws) - 1 else z)
    dz = 2.0 * (acts[-1][:, 0] - np.array(targets))[:, None]
    grads = []
    for i in reversed(range(len(Ws))):
        grads.append((acts[i].T @ dz, dz.sum(axis=0)))
        if i:
            dz = (dz @ Ws[i].T) * (1.0 - acts[i] ** 2)
    grads.reverse()
    return [v for dW, db in grads for j in range(dW.shape[1]) for v in (*dW[:, j], db[j])]


def mlp_loss(params, tanh, points, targets):
    """The forward pass over any scalar type with + and *; `params` as in make_problem."""
    losses = []
    for x, y in zip(points, targets):
        h = x
        for i, layer in enumerate(params):
            hidden = i < len(params) - 1
            out = []
            for w, b in layer:
                act = b
                for wi, xi in zip(w, h):
                    act = act + wi * xi
                out.append(tanh(act) if hidden else act)
            h = out
        losses.append((h[0] + (-y)) ** 2)
    return sum(losses)


def leaves_like(weights, make_leaf):
    return [[([make_leaf(v) for v in w], make_leaf(b)) for w, b in layer] for layer in weights]


# Each runner returns (setup, step, grads_of_output); see B1 for the protocol.


def scalar_runner(make_leaf, tanh, weights, points, targets):
    """The runner of a library of scalar leaves with .backward() and .grad."""
    step = backward_step(lambda params: mlp_loss(params, tanh, points, targets))

    def grads_of(out):
        return [float(v.grad) for v in flatten(out[0])]

    return (lambda: (leaves_like(weights, make_leaf),)), step, grads_of


def revad_runner(p, weights, points, targets):
    return scalar_runner(p.rv.Var, p.rv.tanh, weights, points, targets)


def torch_runner(p, weights, points, targets):
    torch = p.torch

    def leaf(v):
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    return scalar_runner(leaf, torch.tanh, weights, points, targets)


def micrograd_runner(p, weights, points, targets):
    tanh = micrograd_unary(p.Value, math.tanh, lambda _, y: 1.0 - y * y, "tanh")
    return scalar_runner(p.Value, tanh, weights, points, targets)


# (label, library, runner) in table order
RUNNERS = [(lib, lib, runner) for lib, runner in (
    ("revad", revad_runner), ("micrograd", micrograd_runner), ("torch", torch_runner))]


def run(quick=False):
    repeats, budget_s = (3, 1.0) if quick else (10, 3.0)
    ops = count_ops()
    case = f"{N_POINTS} pts"
    weights, points, targets = make_problem()
    ref = reference_grad(weights, points, targets)
    table = Table(
        "B2",
        f"scalar MLP {'-'.join(map(str, LAYER_SIZES))} (tanh), SSE over {N_POINTS} points, "
        f"{ops} scalar ops, forward + backward",
        "us/op",
        1e6,
        ("revad",),
        notes=["Gradient checked against a hand-written batched NumPy backward pass."],
    )
    table.rows += peer_rows(case, RUNNERS, (weights, points, targets), against(ref), repeats,
                            budget_s, per=ops)
    return table
