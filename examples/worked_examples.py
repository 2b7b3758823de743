"""The three worked examples of reverse-mode differentiation, step by step.

1. a = x*y + x**y at x = 0.5, y = 4.2: one backward pass gives both partial derivatives.
2. c = a + b, d = a*c: a value used twice (a) collects gradient from both of its uses;
   then a sigmoid neuron's squared-error loss, differentiated w.r.t. its weights.
3. f(x) = exp(sin(sin(x))) at x = 2: the chain rule through a composition, as
   `revad.grad` computes it and as written out by hand.

Each derivative is printed beside its closed form. Run: python examples/worked_examples.py
"""
import math

import revad as rv


def example_1():
    print("1. a = x*y + x**y at x = 0.5, y = 4.2")
    x, y = rv.Var(0.5, name="x"), rv.Var(4.2, name="y")
    a = x * y + x ** y
    # One backward pass from a fills .grad of every leaf it depends on.
    a.backward()
    print(f"   a     = {a.item():.15f}")
    print(f"   da/dx = {x.grad:.15f}   closed form y + y*x**(y-1)    = "
          f"{4.2 + 4.2 * 0.5 ** 3.2:.15f}")
    print(f"   da/dy = {y.grad:.15f}   closed form x + x**y * log(x) = "
          f"{0.5 + 0.5 ** 4.2 * math.log(0.5):.15f}")
    return x.grad, y.grad


def example_2():
    print("2. c = a + b, d = a*c at a = 4, b = 3")
    a, b = rv.Var(4.0, name="a"), rv.Var(3.0, name="b")
    c = a + b
    d = a * c
    # gradients() also reaches the intermediate c, and leaves .grad alone.
    g = rv.gradients(d, wrt=[a, b, c])
    print(f"   d = {d.item():g}; dd/dc = a = {g[c]:g}; dd/db = dd/dc * dc/db = {g[b]:g}")
    print(f"   dd/da = c + a = {g[a]:g}: a reaches d directly and through c, and the")
    print("   backward pass adds the two contributions")

    print("   The sigmoid neuron: yhat = sigmoid(w0 + w1*x1), loss = (y - yhat)**2 / 2")
    x1, target = 0.1, 10.0
    w0, w1 = rv.Var(4.0, name="w0"), rv.Var(3.0, name="w1")
    yhat = rv.sigmoid(w0 + w1 * x1)
    loss = 0.5 * (target - yhat) ** 2
    loss.backward()
    s = yhat.item()
    # sigmoid' = s(1 - s); the chain rule gives (yhat - y) * s(1 - s) * d(w0 + w1*x1)/dw
    print(f"   loss = {loss.item():.12f}")
    print(f"   dloss/dw0 = {w0.grad:.12f}   closed form (yhat - y)*s*(1-s)    = "
          f"{(s - target) * s * (1 - s):.12f}")
    print(f"   dloss/dw1 = {w1.grad:.12f}   closed form (yhat - y)*s*(1-s)*x1 = "
          f"{(s - target) * s * (1 - s) * x1:.12f}")
    return g[a], g[b], w0.grad, w1.grad


def example_3():
    print("3. f(x) = exp(sin(sin(x))) at x = 2")

    def f(x):
        return rv.exp(rv.sin(rv.sin(x)))

    value, slope = rv.value_and_grad(f)(2.0)
    # By hand, outermost factor first, as the backward pass multiplies them:
    # f'(x) = exp(sin(sin x)) * cos(sin x) * cos x
    by_hand = math.exp(math.sin(math.sin(2.0))) * math.cos(math.sin(2.0)) * math.cos(2.0)
    print(f"   f(2)  = {value:.15f}")
    print(f"   f'(2) = {slope:.15f}   by hand exp(sin(sin x))*cos(sin x)*cos x = {by_hand:.15f}")
    second = rv.grad(rv.grad(f))(2.0)
    print(f"   f''(2) = {second:.15f}   (grad of grad: the backward pass is differentiable too)")
    return slope, second


def main():
    results = {"example_1": example_1()}
    print()
    results["example_2"] = example_2()
    print()
    results["example_3"] = example_3()
    return results


if __name__ == "__main__":
    main()
