"""Collection rules for the whole tree (the tests' own helpers are in tests/conftest.py)."""
import pathlib
import sys

SRC = pathlib.Path(__file__).resolve().parent / "src"


def pytest_ignore_collect(collection_path, config):
    """Skip the doctests of a module that runs compiled: pytest would import its .py
    file and meet the extension under that module's name. tests/test_compiled.py runs
    them on the compiled module instead."""
    path = pathlib.Path(collection_path)
    if path.suffix != ".py" or SRC not in path.parents:
        return None
    module = sys.modules.get(".".join(path.relative_to(SRC).with_suffix("").parts))
    if module is not None and getattr(module, "__file__", None) not in (None, str(path)):
        return True
    return None
