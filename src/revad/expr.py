"""Arithmetic expressions typed by a user, evaluated with revad's functions.

Used by the ``revad grad`` command. The text is parsed by Python's `ast` module and
every node is checked against a whitelist: numbers, variable names, ``+ - * / **``,
unary ``-`` and ``+``, parentheses, and calls by name of the functions in `FUNCTIONS`.
Nothing is ever passed to `eval`, so text such as ``__import__('os').system('id')`` is
refused with an `ExpressionError` instead of being run.

    >>> import revad as rv
    >>> from revad.expr import parse
    >>> f = parse("x*y + sin(x)")
    >>> f.variables
    ('x', 'y')
    >>> f(0.5, 4.2)
    2.579425538604203
    >>> rv.grad(f, argnums=(0, 1))(0.5, 4.2)
    (5.077582561890373, 0.5)
"""
import ast
import math

from . import numpy as rnp

__all__ = ["parse", "Expression", "ExpressionError", "FUNCTIONS", "CONSTANTS"]

FUNCTIONS = {name: getattr(rnp, name) for name in (
    "sin cos tan exp log log1p expm1 sqrt cbrt abs tanh sinh cosh arcsin arccos arctan "
    "arctan2 hypot sigmoid relu softplus logaddexp maximum minimum").split()}
FUNCTIONS.update(asin=rnp.arcsin, acos=rnp.arccos, atan=rnp.arctan)

CONSTANTS = {"pi": math.pi, "e": math.e}

_OPERATORS = {ast.Add: rnp.add, ast.Sub: rnp.subtract, ast.Mult: rnp.multiply,
              ast.Div: rnp.divide, ast.Pow: rnp.power}
_UNARY = {ast.USub: rnp.negative, ast.UAdd: lambda x: x}

# What a refused construct is called in the error message.
_REFUSED = {
    ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Lambda: "lambda",
    ast.Compare: "comparison", ast.BoolOp: "and/or", ast.IfExp: "if/else",
    ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict", ast.Set: "a set",
    ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a generator",
    ast.Starred: "unpacking (*)", ast.NamedExpr: "assignment (:=)",
    ast.JoinedStr: "an f-string", ast.Await: "await", ast.Slice: "a slice",
}


class ExpressionError(ValueError):
    """Text that is not an allowed expression; the message says what is wrong."""


class Expression:
    """A parsed expression: call it with one value (float, array or Var) per name in
    ``variables``, which lists the names in order of first appearance."""

    def __init__(self, text, evaluate, variables):
        self.text = text
        self.variables = variables
        self._evaluate = evaluate

    def __call__(self, *values):
        if len(values) != len(self.variables):
            raise TypeError(f"{self.text!r} takes {len(self.variables)} values "
                            f"({', '.join(self.variables)}), got {len(values)}")
        return self._evaluate(dict(zip(self.variables, values)))

    def __repr__(self):
        return f"Expression({self.text!r})"


def parse(text):
    """Parse `text` into an `Expression`, or raise `ExpressionError` saying why not.

        >>> from revad.expr import parse
        >>> parse("2 * pi * r").variables
        ('r',)
        >>> parse("x.real")
        Traceback (most recent call last):
        ...
        revad.expr.ExpressionError: not allowed in an expression: attribute access (.real)
    """
    text = text.strip()
    if not text:
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        where = f" at column {e.offset}" if e.offset else ""
        raise ExpressionError(f"syntax error{where}: {e.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply") from None
    variables = []
    try:
        evaluate = _compile(tree.body, variables)
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply") from None
    return Expression(text, evaluate, tuple(variables))


def _compile(node, variables):
    """A function of the variables' values (a dict) that evaluates `node`; appends the
    names it reads to `variables`."""
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name):
        return _name(node.id, variables)
    if isinstance(node, ast.BinOp):
        op = _OPERATORS.get(type(node.op))
        if op is None:
            raise ExpressionError(f"operator {_spelling(node.op)} is not allowed "
                                  "(only + - * / ** are)")
        left, right = _compile(node.left, variables), _compile(node.right, variables)
        return lambda env: op(left(env), right(env))
    if isinstance(node, ast.UnaryOp):
        op = _UNARY.get(type(node.op))
        if op is None:
            raise ExpressionError(f"operator {_spelling(node.op)} is not allowed "
                                  "(only unary - and + are)")
        operand = _compile(node.operand, variables)
        return lambda env: op(operand(env))
    if isinstance(node, ast.Call):
        return _call(node, variables)
    what = _REFUSED.get(type(node), type(node).__name__)
    if isinstance(node, ast.Attribute):
        what += f" (.{node.attr})"
    raise ExpressionError(f"not allowed in an expression: {what}")


def _number(value):
    if type(value) not in (int, float):
        raise ExpressionError(f"only numbers are allowed as literals, not {value!r:.40}")
    try:
        value = float(value)
    except OverflowError:
        raise ExpressionError("a number in the expression is too large") from None
    return lambda env: value


def _name(name, variables):
    if name in CONSTANTS:
        value = CONSTANTS[name]
        return lambda env: value
    if name in FUNCTIONS:
        raise ExpressionError(f"{name} is a function: call it as {name}(...)")
    if name not in variables:
        variables.append(name)
    return lambda env: env[name]


def _call(node, variables):
    if not isinstance(node.func, ast.Name):
        what = (f"attribute access (.{node.func.attr})" if isinstance(node.func, ast.Attribute)
                else "a call of something other than a function name")
        raise ExpressionError(f"not allowed in an expression: {what}")
    name = node.func.id
    fn = FUNCTIONS.get(name)
    if fn is None:
        raise ExpressionError(f"unknown function {name!r}; the known ones are "
                              f"{', '.join(sorted(FUNCTIONS))}")
    if node.keywords:
        raise ExpressionError(f"{name}() takes no keyword arguments")
    arity = len(fn.primitive.vjps)  # one rule per argument
    if len(node.args) != arity:
        raise ExpressionError(f"{name}() takes {arity} argument{'s' if arity > 1 else ''}, "
                              f"got {len(node.args)}")
    args = [_compile(a, variables) for a in node.args]
    if arity == 1:
        (arg,) = args
        return lambda env: fn(arg(env))
    first, second = args
    return lambda env: fn(first(env), second(env))


def _spelling(op):
    return {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitAnd: "&",
            ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>",
            ast.Not: "not", ast.Invert: "~"}.get(type(op), type(op).__name__)
