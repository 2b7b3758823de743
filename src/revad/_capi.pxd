# C functions that revad's compiled modules call directly (see setup.py): CPython's, and
# NumPy's inline accessors of an array's fields (no NumPy C-API table is needed).
cdef extern from "Python.h":
    void PyObject_GC_UnTrack(object op)
    object PyType_GenericAlloc(type cls, Py_ssize_t nitems)

cdef extern from "numpy/arrayobject.h":
    ctypedef struct PyArrayObject:
        pass
    int PyArray_NDIM(PyArrayObject* arr)
    Py_ssize_t* PyArray_DIMS(PyArrayObject* arr)
    void* PyArray_DESCR(PyArrayObject* arr)


cdef inline bint same_shape_and_dtype(object a, object b):
    """``a.shape == b.shape and a.dtype is b.dtype`` for two ndarrays, without making
    the shape tuples."""
    cdef PyArrayObject* x = <PyArrayObject*>a
    cdef PyArrayObject* y = <PyArrayObject*>b
    cdef int ndim = PyArray_NDIM(x)
    if ndim != PyArray_NDIM(y) or PyArray_DESCR(x) != PyArray_DESCR(y):
        return False
    cdef Py_ssize_t* x_shape = PyArray_DIMS(x)
    cdef Py_ssize_t* y_shape = PyArray_DIMS(y)
    cdef int i
    for i in range(ndim):
        if x_shape[i] != y_shape[i]:
            return False
    return True
