"""Stands in for Cython's ``cython`` module where Cython is not installed: modules that
``setup.py`` compiles ask ``cython.compiled`` to choose their compiled-only code."""
compiled = False
