"""The scripts in examples/, run at reduced sizes (each skipped without its extras)."""
import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def load(name):
    """Import examples/NAME.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"revad_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_has_a_docstring_and_a_main():
    scripts = sorted(EXAMPLES.glob("*.py"))
    assert {p.stem for p in scripts} >= {"worked_examples", "scipy_optimize", "digits_mlp",
                                         "oscillator_fit"}
    for path in scripts:
        text = path.read_text()
        assert text.startswith('"""'), f"{path.name} needs a module docstring"
        assert "def main(" in text and 'if __name__ == "__main__":\n    main()' in text


def test_worked_examples(capsys):
    results = load("worked_examples").main()
    out = capsys.readouterr().out
    for heading in ("1. a = x*y + x**y", "2. c = a + b, d = a*c", "3. f(x) = exp(sin(sin(x)))"):
        assert heading in out
    dx, dy = results["example_1"]
    assert dx == pytest.approx(4.2 + 4.2 * 0.5 ** 3.2, rel=1e-14)
    assert dy == pytest.approx(0.5 + 0.5 ** 4.2 * math.log(0.5), rel=1e-14)
    assert results["example_2"][:2] == (11.0, 4.0)
    slope, second = results["example_3"]
    s = math.sin(2.0)
    assert slope == pytest.approx(math.exp(math.sin(s)) * math.cos(s) * math.cos(2.0), rel=1e-14)
    # f'' of exp(sin(sin x)), by the product rule on the three factors of f'
    u = math.sin(s)
    expected = math.exp(u) * ((math.cos(s) * math.cos(2.0)) ** 2
                              - math.sin(s) * math.cos(2.0) ** 2
                              - math.cos(s) * math.sin(2.0))
    assert second == pytest.approx(expected, rel=1e-12)


def test_worked_examples_as_a_script():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    done = subprocess.run([sys.executable, str(EXAMPLES / "worked_examples.py")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "f''(2)" in done.stdout


def test_scipy_optimize_needs_fewer_evaluations_with_gradients(capsys):
    pytest.importorskip("scipy")
    results = load("scipy_optimize").main(n_dim=5, n_samples=300, n_features=4)
    exact, estimated = results["rosenbrock"]
    np.testing.assert_allclose(exact.x, np.ones(5), atol=1e-4)
    assert exact.nfev * 3 < estimated.nfev
    fit, fit_fd = results["logistic"]
    assert fit.nfev * 3 < fit_fd.nfev
    np.testing.assert_allclose(fit.x, fit_fd.x, atol=1e-4)
    assert "function evaluations" in capsys.readouterr().out


def test_digits_mlp(tmp_path, capsys):
    pytest.importorskip("sklearn")
    plot_path = tmp_path / "digits.png"
    results = load("digits_mlp").main(epochs=6, plot_path=str(plot_path))
    assert results["test_accuracy"] >= 0.95
    assert len(results["history"]["test_accuracy"]) == 6
    out = capsys.readouterr().out
    assert "test accuracy after 6 epochs" in out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert results["plot"] is None
    else:
        assert plot_path.read_bytes()[:4] == b"\x89PNG" and str(plot_path) in out


def test_oscillator_fit_recovers_the_parameters(capsys):
    module = load("oscillator_fit")
    results = module.main(steps=250, n_samples=50, num_iters=60)
    for name, true in module.TRUE.items():
        assert results["fitted"][name] == pytest.approx(true, rel=0.05), name
    assert results["losses"][-1] < results["losses"][0] / 3
    assert "recovered" in capsys.readouterr().out
