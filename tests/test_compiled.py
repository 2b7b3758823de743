"""The compiled build: doctests of the compiled modules, the pure-Python modules under the
whole suite, and the rule that only an extension built from the current source is used."""
import importlib.machinery
import os
import pathlib
import subprocess
import sys

import pytest
from conftest import run_docstring_examples

import revad
from revad import _compiled

ROOT = pathlib.Path(__file__).resolve().parent.parent
COMPILED = [sys.modules[name] for name in _compiled.compiled_modules()]


@pytest.mark.parametrize("module", COMPILED, ids=lambda m: m.__name__)
def test_doctests_of_compiled_module(module):
    run_docstring_examples(module, recurse=True)


@pytest.mark.skipif(not COMPILED, reason="no module is compiled: the suite ran them as Python")
def test_suite_passes_on_the_pure_python_modules():
    env = dict(os.environ, REVAD_PURE_PYTHON="1")
    here = f"{pathlib.Path(__file__).name}::test_suite_passes_on_the_pure_python_modules"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
         "--deselect", f"tests/{here}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_only_an_extension_built_from_the_current_source_is_used(tmp_path):
    source = tmp_path / "module.py"
    extension = tmp_path / "module.so"
    source.write_text("x = 1\n")
    extension.write_bytes(b"")
    assert not _compiled.built_from(str(extension), str(source))  # no digest
    (tmp_path / ("module.so" + _compiled.DIGEST_SUFFIX)).write_text(
        _compiled.source_digest(str(source)) + "\n")
    assert _compiled.built_from(str(extension), str(source))
    source.write_text("x = 2\n")
    assert not _compiled.built_from(str(extension), str(source))


def test_an_extension_is_used_exactly_where_it_is_fresh_and_wanted():
    """Every module with an extension built from its current source runs compiled,
    unless REVAD_PURE_PYTHON is set; no other module does."""
    package = pathlib.Path(revad.__file__).parent
    for name, module in list(sys.modules.items()):
        if not name.startswith("revad.") or not getattr(module, "__file__", None):
            continue
        source = package.joinpath(*name.split(".")[1:]).with_suffix(".py")
        fresh = any(_compiled.built_from(str(source.with_suffix(suffix)), str(source))
                    for suffix in importlib.machinery.EXTENSION_SUFFIXES)
        assert _compiled.is_compiled(module) == (fresh and not _compiled.PURE_PYTHON), name
