"""The revad command line: `revad grad` and `revad demo`, in-process and as a program."""
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from revad.cli import main

SRC = str(Path(__file__).resolve().parents[1] / "src")
try:
    import graphviz  # noqa: F401
    CAN_RENDER = shutil.which("dot") is not None
except ImportError:
    CAN_RENDER = False


def revad(*args):
    """Run ``python -m revad ARGS`` with this checkout's sources."""
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "revad", *args], capture_output=True,
                          text=True, env=env, timeout=60)


def run(capsys, *args):
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def grad_json(capsys, *args):
    status, out, err = run(capsys, "grad", *args, "--json")
    assert status == 0, err
    return json.loads(out)


def test_grad_prints_value_and_partials_as_a_program():
    done = revad("grad", "x*y + sin(x)", "--at", "x=0.5", "y=4.2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "f = x*y + sin(x)"
    assert "at x = 0.5, y = 4.2" in lines
    assert f"f      {0.5 * 4.2 + math.sin(0.5)!r}" in lines
    assert f"df/dx  {4.2 + math.cos(0.5)!r}" in lines
    assert "df/dy  0.5" in lines


def test_json_output(capsys):
    result = grad_json(capsys, "x*y + x**y", "--at", "x=0.5", "y=4.2")
    assert result["variables"] == ["x", "y"]
    assert result["at"] == {"x": 0.5, "y": 4.2}
    assert result["value"] == pytest.approx(0.5 * 4.2 + 0.5 ** 4.2, rel=1e-15)
    assert result["gradient"]["y"] == pytest.approx(0.46228627071977624, abs=1e-15)
    assert result["gradient"]["x"] == pytest.approx(4.2 + 4.2 * 0.5 ** 3.2, rel=1e-14)
    assert "hessian" not in result and "finite_difference" not in result


def test_hessian_and_finite_difference_check(capsys):
    result = grad_json(capsys, "x*y + sin(x)", "--at", "x=0.5", "y=4.2",
                       "--hessian", "--check")
    assert result["hessian"] == [[pytest.approx(-math.sin(0.5)), 1.0], [1.0, 0.0]]
    fd = result["finite_difference"]
    assert fd["gradient"]["x"] == pytest.approx(4.2 + math.cos(0.5), rel=1e-8)
    for row, fd_row in zip(result["hessian"], fd["hessian"]):
        assert row == pytest.approx(fd_row, abs=1e-7)


def test_hessian_of_three_variables_is_symmetric_and_right(capsys):
    result = grad_json(capsys, "exp(x*y) / z + hypot(x, z)", "--at", "x=0.3", "y=-1.2",
                       "z=2", "--hessian", "--check")
    h = np.array(result["hessian"])
    np.testing.assert_allclose(h, h.T, rtol=1e-12)
    for row, fd_row in zip(h, result["finite_difference"]["hessian"]):
        assert row == pytest.approx(fd_row, rel=1e-6, abs=1e-8)
    # d2/dy2 exp(x*y)/z = x**2 exp(x*y)/z
    assert h[1][1] == pytest.approx(0.09 * math.exp(-0.36) / 2, rel=1e-14)


def test_text_report_with_check_and_hessian(capsys):
    status, out, _ = run(capsys, "grad", "x**2 * y", "--at", "x=3", "y=2", "--hessian",
                         "--check")
    assert status == 0
    assert "finite difference" in out and "|difference|" in out
    assert "Hessian" in out and "by finite differences of the gradient" in out
    assert out.splitlines()[4].split()[:2] == ["f", "18.0"]


def test_constants_functions_and_aliases(capsys):
    result = grad_json(capsys, "sin(pi/2) * e + asin(x) + maximum(x, 0) + -x", "--at",
                       "x=0.25")
    assert result["value"] == pytest.approx(math.e + math.asin(0.25), rel=1e-14)
    assert result["gradient"]["x"] == pytest.approx(1 / math.sqrt(1 - 0.0625), rel=1e-14)
    no_variables = grad_json(capsys, "sqrt(2) ** 2", "--hessian")
    assert no_variables["value"] == pytest.approx(2.0)
    assert no_variables["gradient"] == {} and no_variables["hessian"] == []


def test_code_injection_is_refused_as_a_program(tmp_path):
    marker = tmp_path / "pwned"
    done = revad("grad", f"__import__('os').system('touch {marker}')")
    assert done.returncode == 2
    assert done.stdout == "" and not marker.exists()
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "not allowed in an expression: attribute access (.system)" in done.stderr


@pytest.mark.parametrize("args, message", [
    (["foo(x)", "--at", "x=1"], "unknown function 'foo'"),
    (["x + y", "--at", "x=1"], "no value for y: add --at y=..."),
    (["x + y"], "no value for x, y"),
    (["x", "--at", "x=abc"], "'abc' is not a number"),
    (["x", "--at", "x=nan"], "must be a finite number"),
    (["x", "--at", "x"], "--at expects NAME=NUMBER"),
    (["x", "--at", "x=1", "x=2"], "--at gives x twice"),
    (["x", "--at", "x=1", "z=2"], "--at gives z, which the expression does not use"),
    (["x +* 2", "--at", "x=1"], "syntax error"),
    (["", "--at", "x=1"], "the expression is empty"),
    (["x // 2", "--at", "x=1"], "operator // is not allowed"),
    (["sin", "--at", "x=1"], "sin is a function"),
    (["'text'"], "only numbers are allowed"),
    (["lambda: 1"], "not allowed in an expression: lambda"),
    (["1/x", "--at", "x=0"], "the value is not finite (inf) at x=0"),
    (["sqrt(x)", "--at", "x=0"], "not finite"),
    (["1/(x - x)", "--at", "x=1"], "division by zero"),
    (["log(x)", "--at", "x=-1"], "the value is not finite (nan) at x=-1"),
    (["1/0"], "the value is not finite (inf)"),
    (["x", "--at"], "expected at least one argument"),
])
def test_input_errors_are_one_line_with_status_2(capsys, args, message):
    status, out, err = run(capsys, "grad", *args)
    assert status == 2
    assert out == ""
    assert err.startswith("revad: error: ") and err.count("\n") == 1
    assert message in err


def test_input_error_as_a_program_has_no_traceback():
    done = revad("grad", "1/x", "--at", "x=0")
    assert done.returncode == 2
    assert done.stderr.startswith("revad: error: ") and "Traceback" not in done.stderr


def test_dot_file(tmp_path, capsys):
    path = tmp_path / "graph.dot"
    status, out, _ = run(capsys, "grad", "x*y + sin(x)", "--at", "x=0.5", "y=4.2",
                         "--dot", str(path))
    assert status == 0 and f"wrote the graph (DOT) to {path}" in out
    dot = path.read_text()
    assert dot.startswith("digraph") and "grad 5.0776" in dot and "<B>y</B>" in dot


def test_graph_of_a_constant_expression_is_refused(tmp_path, capsys):
    status, _, err = run(capsys, "grad", "2 + 3", "--dot", str(tmp_path / "g.dot"))
    assert status == 2 and "no graph to draw" in err


def test_svg_without_graphviz_is_an_environment_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    status, _, err = run(capsys, "grad", "x", "--at", "x=1", "--svg", str(tmp_path / "g.svg"))
    assert status == 1 and "pip install graphviz" in err and err.count("\n") == 1


def test_unwritable_file_is_an_environment_error(tmp_path, capsys):
    status, _, err = run(capsys, "grad", "x", "--at", "x=1", "--dot",
                         str(tmp_path / "missing" / "g.dot"))
    assert status == 1 and "cannot write" in err


@pytest.mark.skipif(not CAN_RENDER, reason="needs the graphviz package and the dot program")
def test_svg_file(tmp_path, capsys):
    path = tmp_path / "graph.svg"
    result = grad_json(capsys, "x*y + sin(x)", "--at", "x=0.5", "y=4.2", "--svg", str(path))
    assert result["files"] == {"svg": str(path)}
    assert "<svg" in path.read_text()


def test_demo_in_process(tmp_path, capsys):
    status, out, _ = run(capsys, "demo", "--graph-dir", str(tmp_path))
    assert status == 0
    assert "0.462286270719776" in out           # da/dy of the first example
    assert "4. The graph of a = x*y + sin(x)" in out
    assert "grad 5.0776" in (tmp_path / "graph.dot").read_text()
    assert (tmp_path / "graph.svg").exists() == CAN_RENDER
    assert (f"drawing:  {tmp_path}" in out) == CAN_RENDER
    assert ("no drawing: " in out) != CAN_RENDER


def test_demo_and_help_as_a_program():
    done = revad("demo")
    assert done.returncode == 0, done.stderr
    assert "3. f(x) = exp(sin(sin(x))) at x = 2" in done.stdout
    assert "DOT text: " in done.stdout
    shutil.rmtree(Path(done.stdout.split("DOT text: ")[1].split()[0]).parent)
    help_text = revad("grad", "--help")
    assert help_text.returncode == 0 and "--hessian" in help_text.stdout
