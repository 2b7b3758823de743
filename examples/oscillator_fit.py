"""Recover a damped oscillator's parameters from noisy samples, by differentiating
through a simulation of it.

The oscillator obeys x'' + 2 zeta omega x' + omega**2 x = 0, starting at rest at
x(0) = amplitude. The data are samples of its exact solution plus noise. The model is
an explicit integrator (semi-implicit Euler) written as a plain Python loop of a
thousand steps over scalar revad values; `revad.value_and_grad` differentiates the
mean squared error between the simulated and the measured positions through the whole
loop (about ten thousand recorded ops), and `revad.optim.adam` fits amplitude, damping
ratio zeta and natural frequency omega.

The error is a many-humped function of the frequency (a simulation a period off
matches badly), so gradient descent needs a start in the right valley: a coarse scan
over omega, on plain floats with no gradients, gives one. The fit is as good as the
noise allows; the integrator's own error, first order in the time step, shifts the
best fit by a few tenths of a percent. Needs only NumPy.
Run: python examples/oscillator_fit.py
"""
import math

import numpy as np

import revad as rv
from revad import optim

TRUE = {"amplitude": 1.5, "zeta": 0.08, "omega": 2.5}


def exact_position(t, amplitude, zeta, omega):
    """The underdamped solution with x(0) = amplitude, x'(0) = 0."""
    decay = zeta * omega
    omega_d = omega * math.sqrt(1.0 - zeta ** 2)
    return amplitude * np.exp(-decay * t) * (np.cos(omega_d * t)
                                             + decay / omega_d * np.sin(omega_d * t))


def simulate(params, steps, dt, stride):
    """Positions every `stride` steps of semi-implicit Euler (the velocity is updated
    first and the position with the new velocity, which keeps the energy from drifting
    as plain Euler's does). Works on floats and on revad Vars alike."""
    damping = 2.0 * params["zeta"] * params["omega"]
    stiffness = params["omega"] * params["omega"]
    x, v = params["amplitude"], 0.0
    positions = []
    for k in range(1, steps + 1):
        v = v - dt * (damping * v + stiffness * x)
        x = x + dt * v
        if k % stride == 0:
            positions.append(x)
    return positions


def mse(params, data, steps, dt, stride):
    total = 0.0
    for x, measured in zip(simulate(params, steps, dt, stride), data):
        total = total + (x - measured) ** 2
    return total / len(data)


def main(steps=1000, duration=10.0, n_samples=100, num_iters=200, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    dt = duration / steps
    stride = steps // n_samples
    times = dt * stride * np.arange(1, n_samples + 1)
    data = exact_position(times, **TRUE) + noise * rng.standard_normal(n_samples)
    fit_args = (data, steps, dt, stride)

    # Start: amplitude from the largest sample, light damping, and the frequency that
    # fits best on a coarse grid.
    start = {"amplitude": float(np.max(np.abs(data))), "zeta": 0.05}
    scan = {w: mse({**start, "omega": w}, *fit_args) for w in np.linspace(0.5, 6.0, 20)}
    start["omega"] = float(min(scan, key=scan.get))

    value_and_grad = rv.value_and_grad(mse)
    losses = []

    def grad_fn(params, i):
        value, g = value_and_grad(params, *fit_args)
        losses.append(value)
        return g

    def report(params, i, g):
        if i % max(1, num_iters // 5) == 0:
            print(f"  iteration {i:4d}: mean squared error {losses[-1]:.5f}")

    print(f"fitting {n_samples} noisy samples (noise {noise}) through {steps} integrator "
          f"steps of {dt:g} s")
    # A step size that shrinks as the fit settles.
    fitted = optim.adam(grad_fn, start, step_size=lambda i: 0.05 * 0.985 ** i,
                        num_iters=num_iters, callback=report)
    final = mse(fitted, *fit_args)
    print(f"  final mean squared error {final:.5f} (noise variance {noise ** 2:.5f})")
    print()
    print(f"  {'parameter':<10} {'true':>8} {'start':>8} {'recovered':>10}")
    for name in TRUE:
        print(f"  {name:<10} {TRUE[name]:8.4f} {start[name]:8.4f} {fitted[name]:10.4f}")
    return {"true": TRUE, "start": start, "fitted": fitted, "final_mse": final,
            "losses": losses}


if __name__ == "__main__":
    main()
