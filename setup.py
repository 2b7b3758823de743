"""Compiles revad's hot modules with Cython where a C compiler is at hand.

The extensions are built from the very same ``.py`` files, which stay the one source:
where a module cannot be compiled (no compiler, an unusual platform) its extension is
optional and Python runs the ``.py`` file, and with REVAD_PURE_PYTHON=1 set at install
time none is built. Beside each extension goes the SHA-256 of the source it was built
from, so that revad imports it only while that source is unchanged (see
``revad/_compiled.py``, which also reads REVAD_PURE_PYTHON at run time).
"""
import importlib.util
import os

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# The modules that every op, rule and backward pass goes through.
COMPILED = [
    "revad.core", "revad.reverse", "revad.operators", "revad.forward", "revad.transforms",
    "revad.tree", "revad.ops._registry", "revad.ops.elementwise", "revad.ops.shape",
    "revad.ops.reductions", "revad.ops.linalg",
]


def _load_compiled_rules():
    """revad._compiled, which reads the digests, loaded alone (revad is not built yet)."""
    spec = importlib.util.spec_from_file_location("revad_compiled", "src/revad/_compiled.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_compiled = _load_compiled_rules()


def source_of(name):
    return os.path.join("src", *name.split(".")) + ".py"


class BuildExtRecordingSources(build_ext):
    def run(self):
        super().run()  # builds in build_lib, then copies to src/ for an editable install
        for ext in self.extensions:
            filename = self.get_ext_filename(ext.name)
            digest = _compiled.source_digest(source_of(ext.name))
            for built in {os.path.join(self.build_lib, filename),
                          os.path.join("src", filename) if self.inplace else None} - {None}:
                if os.path.exists(built):
                    with open(built + _compiled.DIGEST_SUFFIX, "w") as f:
                        f.write(digest + "\n")


def extensions():
    if os.environ.get("REVAD_PURE_PYTHON"):
        return []
    import numpy
    from Cython.Build import cythonize
    modules = [Extension(name, [source_of(name)], include_dirs=[numpy.get_include()],
                         optional=True)
               for name in COMPILED]
    return cythonize(modules, build_dir="build/cython", quiet=True,
                     compiler_directives={"language_level": 3, "binding": True})


setup(
    ext_modules=extensions(),
    cmdclass={"build_ext": BuildExtRecordingSources},
    options={"build_ext": {"parallel": os.cpu_count() or 1}},
)
