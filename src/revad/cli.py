"""The ``revad`` command line (also ``python -m revad``).

``revad grad EXPR --at NAME=VALUE ...`` differentiates an expression typed on the
command line (parsed safely by `revad.expr`, never evaluated as Python) and prints its
value and every partial derivative; ``--hessian``, ``--check``, ``--dot``, ``--svg``
and ``--json`` add the Hessian, finite-difference checks, a drawing of the graph and
machine-readable output. ``revad demo`` runs the worked examples.

Exit status: 0 on success, 2 for a problem with the input (a refused expression, a
missing or malformed value, a result that is not finite), 1 when the environment lacks
something (Graphviz, a writable output file). Errors are one line on stderr.
"""
import argparse
import json
import math
import os
import sys
import tempfile

import numpy as np

import revad as rv

from .expr import CONSTANTS, FUNCTIONS, ExpressionError, parse
from .viz import to_graph


class CommandError(Exception):
    """An error reported as one line on stderr, with the given exit status."""

    def __init__(self, message, status=2):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    # argparse's own errors print the usage too; one line reads better in scripts.
    def error(self, message):
        raise CommandError(f"{message} (see '{self.prog} --help')")


# --- revad grad ---------------------------------------------------------------------

def _parse_point(pairs, variables):
    """The value of each variable, in the expression's order, from NAME=VALUE words."""
    values = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CommandError(f"--at expects NAME=NUMBER, got {pair!r}")
        if name in values:
            raise CommandError(f"--at gives {name} twice")
        try:
            value = float(text)
        except ValueError:
            raise CommandError(f"--at {name}={text}: {text!r} is not a number") from None
        if not math.isfinite(value):
            raise CommandError(f"--at {name}={text}: the value must be a finite number")
        values[name] = value
    unused = [n for n in values if n not in variables]
    if unused:
        used = ", ".join(variables) or "none"
        raise CommandError(f"--at gives {', '.join(unused)}, which the expression does "
                           f"not use (it uses {used})")
    missing = [n for n in variables if n not in values]
    if missing:
        example = " ".join(f"{n}=..." for n in missing)
        raise CommandError(f"no value for {', '.join(missing)}: add --at {example}")
    return [values[n] for n in variables]


def _central_differences(fun, point):
    """Column j: (fun(x + h e_j) - fun(x - h e_j)) / 2h, for a vector-valued `fun`."""
    columns = []
    for j, x in enumerate(point):
        h = 6e-6 * max(1.0, abs(x))
        up, down = list(point), list(point)
        up[j] += h
        down[j] -= h
        columns.append((np.array(fun(*up), float) - np.array(fun(*down), float)) / (2 * h))
    return columns


def _check_finite(what, value, names, point):
    if not np.all(np.isfinite(value)):
        raise CommandError(f"{what} is not finite ({_fmt_number(value)}){_at(names, point)}: "
                           "a division by zero or a function outside its domain")


def _at(names, point):
    return " at " + ", ".join(f"{n}={x:g}" for n, x in zip(names, point)) if names else ""


def _fmt_number(x):
    x = np.asarray(x, float)
    return repr(float(x)) if x.ndim == 0 else str(x.tolist())


def _evaluate(expression, point, hessian, check):
    """The numbers `revad grad` reports, as a dict (the --json document)."""
    names = expression.variables
    argnums = tuple(range(len(names)))
    result = {"expression": expression.text, "variables": list(names),
              "at": dict(zip(names, point))}
    # Non-finite results are reported below; NumPy's warnings would only repeat that.
    with np.errstate(all="ignore"):
        if not names:
            value, grads = expression(), ()
        else:
            value, grads = rv.value_and_grad(expression, argnums=argnums)(*point)
        _check_finite("the value", value, names, point)
        for name, g in zip(names, grads):
            _check_finite(f"d/d{name}", g, names, point)
        result["value"] = float(value)
        result["gradient"] = {n: float(g) for n, g in zip(names, grads)}
        if hessian:
            rows = rv.hessian(expression, argnums=argnums)(*point) if names else []
            _check_finite("the Hessian", rows, names, point)
            result["hessian"] = [[float(h) for h in row] for row in rows]
        if check:
            result["finite_difference"] = fd = {"gradient": {
                n: float(c) for n, c in zip(names, _central_differences(expression, point))}}
            if hessian:
                # differences of revad's gradient: a check of the Hessian by itself
                columns = _central_differences(rv.grad(expression, argnums=argnums), point)
                fd["hessian"] = [[float(c[i]) for c in columns] for i in range(len(names))]
    return result


def _table(rows):
    """Left-aligned columns, two spaces apart."""
    widths = [max(len(r[k]) for r in rows if k < len(r)) for k in range(max(map(len, rows)))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in rows)


def _report(result, out):
    names = result["variables"]
    print(f"f = {result['expression']}", file=out)
    if names:
        print("at " + ", ".join(f"{n} = {x!r}" for n, x in result["at"].items()), file=out)
    fd = result.get("finite_difference")
    rows = [["", "revad"] + (["finite difference", "|difference|"] if fd else [])]
    rows.append(["f", repr(result["value"])])
    for n in names:
        g = result["gradient"][n]
        row = [f"df/d{n}", repr(g)]
        if fd:
            c = fd["gradient"][n]
            row += [repr(c), f"{abs(g - c):.1e}"]
        rows.append(row)
    print(file=out)
    print(_table(rows), file=out)
    if names and "hessian" in result:
        print(file=out)
        print("Hessian d2f/(d row d column):", file=out)
        print(_table(_matrix_rows(names, result["hessian"])), file=out)
        if fd:
            print(file=out)
            error = max((abs(a - b) for ra, rb in zip(result["hessian"], fd["hessian"])
                         for a, b in zip(ra, rb)), default=0.0)
            print("by finite differences of the gradient "
                  f"(largest |difference| {error:.1e}):", file=out)
            print(_table(_matrix_rows(names, fd["hessian"])), file=out)


def _matrix_rows(names, matrix):
    return [[""] + list(names)] + [[n] + [repr(h) for h in row]
                                   for n, row in zip(names, matrix)]


def _write_graph(expression, point, dot_path, svg_path):
    """Write the graph of the expression at `point`; return {format: path}."""
    # The leaves must outlive the drawing: their names and gradients are read from them.
    leaves = [rv.Var(x, name=n) for n, x in zip(expression.variables, point)]
    out = expression(*leaves)
    if not isinstance(out, rv.Var):
        raise CommandError("the expression uses no variable: there is no graph to draw")
    graph = to_graph(out)
    written = {}
    try:
        if dot_path:
            with open(dot_path, "w", encoding="utf-8") as f:
                f.write(graph.source)
            written["dot"] = dot_path
        if svg_path:
            svg = graph.pipe("svg")
            with open(svg_path, "wb") as f:
                f.write(svg)
            written["svg"] = svg_path
    except (ImportError, RuntimeError) as e:
        raise CommandError(f"cannot write an SVG: {e}", status=1) from None
    except OSError as e:
        raise CommandError(f"cannot write {e.filename}: {e.strerror}", status=1) from None
    return written


def _grad_command(args, out):
    try:
        expression = parse(args.expression)
    except ExpressionError as e:
        raise CommandError(f"in {args.expression!r}: {e}") from None
    point = _parse_point(args.at, expression.variables)
    result = _evaluate(expression, point, args.hessian, args.check)
    if args.dot or args.svg:
        with np.errstate(all="ignore"):
            result["files"] = _write_graph(expression, point, args.dot, args.svg)
    if args.json:
        print(json.dumps(result, indent=2), file=out)
        return
    _report(result, out)
    for kind, path in result.get("files", {}).items():
        print(f"wrote the graph ({kind.upper()}) to {path}", file=out)


# --- revad demo ---------------------------------------------------------------------

def _central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def _row(label, exact, numeric):
    return f"  {label:<28} revad {exact: .15f}   finite difference {numeric: .15f}   " \
           f"|diff| {abs(exact - numeric):.1e}"


def demo(out=None, graph_dir=None):
    """Run the three worked examples, each derivative beside a finite-difference check,
    then draw the graph of ``a = x*y + sin(x)`` into `graph_dir` (a new temporary
    directory by default): DOT text always, an SVG too when Graphviz is installed."""
    out = sys.stdout if out is None else out

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
    say()

    say("4. The graph of a = x*y + sin(x) at x = 0.5, y = 4.2: each box shows a value and")
    say("   its gradient da/d(box); each edge its local derivative")
    x, y = rv.Var(0.5, name="x"), rv.Var(4.2, name="y")
    graph = to_graph(x * y + rv.sin(x))
    if graph_dir is None:
        graph_dir = tempfile.mkdtemp(prefix="revad-demo-")
    else:
        os.makedirs(graph_dir, exist_ok=True)
    dot_path = os.path.join(graph_dir, "graph.dot")
    graph.save(dot_path)
    say(f"  DOT text: {dot_path}")
    svg_path = os.path.join(graph_dir, "graph.svg")
    try:
        graph.save(svg_path)
        say(f"  drawing:  {svg_path}")
    except (ImportError, RuntimeError) as e:
        say(f"  no drawing: {e}")


# --- entry point ----------------------------------------------------------------------

def _parser():
    parser = _Parser(prog="revad", description="Reverse-mode automatic differentiation "
                     "of Python and NumPy code.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo_parser = sub.add_parser("demo", help="differentiate the worked examples and check them")
    demo_parser.add_argument("--graph-dir", metavar="DIR", help="where to write the drawn "
                             "graph (default: a new temporary directory)")
    grad = sub.add_parser(
        "grad", help="differentiate an expression at a point",
        description="Print the value of an expression and its partial derivatives. "
        "Allowed: numbers, variables, + - * / **, parentheses, the constants "
        f"{' and '.join(CONSTANTS)}, and the functions {' '.join(FUNCTIONS)}.",
        epilog="Example: revad grad 'x*y + sin(x)' --at x=0.5 y=4.2 --hessian --check. "
        "An expression starting with '-' needs a space in it or a leading space: ' -x'.")
    grad.add_argument("expression", help="for example 'x*y + sin(x)'")
    grad.add_argument("--at", nargs="+", default=[], metavar="NAME=VALUE",
                      help="the point: a value for every variable")
    grad.add_argument("--hessian", action="store_true", help="also print the Hessian")
    grad.add_argument("--check", action="store_true",
                      help="compare with central finite differences")
    grad.add_argument("--dot", metavar="FILE", help="write the graph as Graphviz DOT text")
    grad.add_argument("--svg", metavar="FILE", help="draw the graph as SVG (needs Graphviz)")
    grad.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser


def main(argv=None):
    """Run the command line with `argv` (default: ``sys.argv[1:]``); return the exit
    status.

        >>> from revad.cli import main
        >>> main(["grad", "x**2 * y", "--at", "x=3", "y=2"])
        f = x**2 * y
        at x = 3.0, y = 2.0
        <BLANKLINE>
               revad
        f      18.0
        df/dx  12.0
        df/dy  9.0
        0
    """
    try:
        args = _parser().parse_args(argv)
        if args.command == "demo":
            demo(graph_dir=args.graph_dir)
        else:
            _grad_command(args, sys.stdout)
    except CommandError as e:
        print(f"revad: error: {e}", file=sys.stderr)
        return e.status
    return 0


if __name__ == "__main__":
    sys.exit(main())
