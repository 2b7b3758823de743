# CPython functions that revad's compiled modules call directly (see core.py).
cdef extern from "Python.h":
    void PyObject_GC_UnTrack(object op)
