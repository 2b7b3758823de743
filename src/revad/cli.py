"""The ``revad`` command line."""
import argparse
import math
import sys

import revad as rv


def _central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def _row(label, exact, numeric):
    return f"  {label:<28} revad {exact: .15f}   finite difference {numeric: .15f}   " \
           f"|diff| {abs(exact - numeric):.1e}"


def demo(out=sys.stdout):
    """Run the three worked examples, each derivative beside a finite-difference check."""
    def say(line=""):
        print(line, file=out)

    say("1. a = x*y + x**y at x = 0.5, y = 4.2")
    x, y = rv.Var(0.5, name="x"), rv.Var(4.2, name="y")
    a = x * y + x ** y
    a.backward()
    say(f"  a = {a.item():.15f}")
    say(_row("da/dx", x.grad, _central_difference(lambda t: t * 4.2 + t ** 4.2, 0.5)))
    say(_row("da/dy = x + x**y log x", y.grad,
             _central_difference(lambda t: 0.5 * t + 0.5 ** t, 4.2)))
    say()

    say("2. c = a + b, d = a*c at a = 4, b = 3; and a sigmoid neuron")
    a, b = rv.Var(4.0, name="a"), rv.Var(3.0, name="b")
    c = a + b
    d = a * c
    d.backward()
    say(f"  d = {d.item():g}   dd/da = {a.grad:g}   dd/db = {b.grad:g}")
    x1, w0, w1, target = 0.1, rv.Var(4.0, name="w0"), rv.Var(3.0, name="w1"), 10.0
    yhat = rv.sigmoid(w0 + w1 * x1)
    loss = 0.5 * (target - yhat) ** 2
    loss.backward()
    s = yhat.item()

    def loss_at(w):
        p = 1 / (1 + math.exp(-(4.0 + w * x1)))
        return 0.5 * (target - p) ** 2

    say(f"  loss = 0.5*(y - sigmoid(w0 + w1*x1))**2 = {loss.item():.15f}")
    say(_row("dloss/dw1", w1.grad, _central_difference(loss_at, 3.0)))
    say(f"  analytic (yhat - y)*x1*yhat*(1 - yhat) = {(s - target) * x1 * s * (1 - s):.15f}")
    say()

    say("3. f(x) = exp(sin(sin(x))) at x = 2")
    value, slope = rv.value_and_grad(lambda t: rv.exp(rv.sin(rv.sin(t))))(2.0)
    say(f"  f(2) = {value:.16f}")
    say(_row("f'(2)", slope, _central_difference(lambda t: math.exp(math.sin(math.sin(t))), 2.0)))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="revad", description="Reverse-mode automatic "
                                     "differentiation of Python and NumPy code.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="differentiate the worked examples and check them")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
