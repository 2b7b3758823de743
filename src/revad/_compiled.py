"""Which of revad's modules run compiled.

``setup.py`` compiles the modules on the hot path with Cython, from their own ``.py``
files, and writes beside each extension the SHA-256 of the source it was built from.
A compiled module is imported only while that source is unchanged, so an editable
install whose ``.py`` was edited since the build runs the edited code, never stale
machine code; and none is imported while the environment variable REVAD_PURE_PYTHON
is set (to debug, profile or test the pure-Python code itself).
"""
import hashlib
import importlib.machinery
import importlib.util
import os
import sys

PURE_PYTHON = bool(os.environ.get("REVAD_PURE_PYTHON"))
DIGEST_SUFFIX = ".sha256"


def source_digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def built_from(extension, source):
    """Whether `extension` was compiled from `source` as it is now."""
    try:
        with open(extension + DIGEST_SUFFIX) as f:
            recorded = f.read().strip()
    except OSError:
        return False
    return recorded == source_digest(source)


class SourceUnlessFreshlyCompiled:
    """A meta path finder for revad's modules: where a module has both an extension and
    its source, the source, unless the extension is up to date and wanted."""

    @staticmethod
    def find_spec(fullname, path, target=None):
        if not fullname.startswith("revad.") or not path:
            return None
        name = fullname.rpartition(".")[2]
        source = next((s for s in (os.path.join(d, name + ".py") for d in path)
                       if os.path.isfile(s)), None)
        if source is None:
            return None
        stem = source[:-len(".py")]
        extension = next((e for e in (stem + s for s in importlib.machinery.EXTENSION_SUFFIXES)
                          if os.path.isfile(e)), None)
        if extension is None or not PURE_PYTHON and built_from(extension, source):
            return None  # the usual finders: the .py alone, or the fresh extension
        return importlib.util.spec_from_file_location(fullname, source)


def install():
    if not any(f is SourceUnlessFreshlyCompiled for f in sys.meta_path):
        sys.meta_path.insert(0, SourceUnlessFreshlyCompiled)


def is_compiled(module):
    """Whether `module` runs as an extension rather than from its ``.py`` file."""
    return not (module.__file__ or "").endswith(".py")


def compiled_modules():
    """The names of revad's imported modules that run compiled."""
    return sorted(name for name, module in list(sys.modules.items())
                  if name.startswith("revad.") and getattr(module, "__file__", None)
                  and is_compiled(module))
