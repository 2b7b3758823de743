"""Every misuse gets the right exception type and a message that names the problem."""
import math

import numpy as np
import pytest

import revad as rv
import revad.numpy as rnp

# --- building Vars -----------------------------------------------------------------------


@pytest.mark.parametrize("value,words", [
    ("abc", r"str"),
    (None, r"NoneType"),
    (np.array(["a"]), r"numeric.*<U1|<U1.*numeric"),
    (np.array([1, "a"], dtype=object), r"object"),
    (np.array([1.0, 2.0], dtype=object), r"object"),
    ({"a": 1.0}, r"dict"),
    (object(), r"object"),
])
def test_var_rejects_non_real_values(value, words):
    with pytest.raises(TypeError, match=words):
        rv.Var(value)


def test_var_rejects_ragged_lists_and_bad_names():
    with pytest.raises(ValueError, match="ragged"):
        rv.Var([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="name"):
        rv.Var(1.0, name=3)


def test_var_of_a_var_is_an_error():
    with pytest.raises(TypeError, match="already a Var"):
        rv.Var(rv.Var(1.0))


def test_grad_rejects_non_numeric_inputs():
    with pytest.raises(TypeError, match="argument 0"):
        rv.grad(lambda x: x)("abc")


def test_a_non_numeric_leaf_is_named_by_argument_and_function():
    def loss(x, params):
        return x * params["w"]

    with pytest.raises(TypeError, match=r"respect to argument 1 of loss: .*dtype <U1"):
        rv.grad(loss, argnums=1)(1.0, {"w": np.array(["a"])})


def test_grad_of_a_complex_output_needs_holomorphic():
    with pytest.raises(TypeError, match="holomorphic=True"):
        rv.grad(lambda z: z * z)(1.0 + 2.0j)
    with pytest.raises(TypeError, match="complex inputs"):
        rv.grad(lambda z: z * z, holomorphic=True)(1.0)
    assert rv.grad(lambda z: z * z, holomorphic=True)(1.0 + 2.0j) == 2.0 + 4.0j


# --- backward ---------------------------------------------------------------------------------


def test_backward_on_a_non_scalar_needs_a_seed():
    y = rv.Var(np.ones((2, 3))) * 2.0
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        y.backward()
    with pytest.raises(ValueError, match="seed"):
        y.backward()
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        rv.gradients(y)


@pytest.mark.parametrize("seed", [np.ones(3), np.ones((3, 2)), 1.0, np.ones((1, 2, 3))])
def test_backward_with_a_seed_of_the_wrong_shape(seed):
    y = rv.Var(np.ones((2, 3))) * 2.0
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        y.backward(seed)


def test_backward_on_a_scalar_with_an_array_seed():
    y = rv.Var(1.0) * 2.0
    with pytest.raises(ValueError, match=r"\(2,\)"):
        y.backward(np.ones(2))


def test_backward_with_a_non_numeric_seed():
    y = rv.Var(np.ones(2)) * 2.0
    with pytest.raises(TypeError, match="seed"):
        y.backward(np.array(["a", "b"]))


def test_backward_and_gradients_need_a_var():
    from revad.reverse import backward
    with pytest.raises(TypeError, match="Var"):
        backward(1.0)
    with pytest.raises(TypeError, match="Var"):
        rv.gradients(np.ones(2))


# --- shapes in ops ---------------------------------------------------------------------------


@pytest.mark.parametrize("op,name", [
    (lambda a, b: a + b, "add"),
    (lambda a, b: a - b, "subtract"),
    (lambda a, b: a * b, "multiply"),
    (lambda a, b: a / b, "divide"),
    (lambda a, b: a ** b, "power"),
    (rnp.add, "add"),
    (rnp.maximum, "maximum"),
    (rnp.arctan2, "arctan2"),
])
def test_binary_shape_mismatch_names_the_op_and_shapes(op, name):
    a = rv.Var(np.ones((2, 3)))
    b = rv.Var(np.ones((4,)) + 1.0)
    with pytest.raises(ValueError, match=rf"{name}.*\(2, 3\).*\(4,\)"):
        op(a, b)
    # a constant operand on either side too
    with pytest.raises(ValueError, match=rf"{name}.*\(2, 3\).*\(4,\)"):
        op(a, np.ones(4) + 1.0)
    with pytest.raises(ValueError, match=rf"{name}.*\(4,\).*\(2, 3\)"):
        op(np.ones(4) + 1.0, a)


@pytest.mark.parametrize("op", [lambda a, b: a @ b, rnp.matmul, rnp.dot])
def test_matmul_shape_mismatch_names_the_op_and_shapes(op):
    a = rv.Var(np.ones((2, 3)))
    b = rv.Var(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        op(a, b)
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4,\)"):
        op(a, np.ones(4))


def test_shape_errors_in_other_ops_name_the_op():
    x = rv.Var(np.ones(3))
    with pytest.raises(ValueError, match=r"reshape.*\(3,\)"):
        rnp.reshape(x, (2, 2))
    with pytest.raises(ValueError, match="sum.*axis"):
        rnp.sum(x, axis=3)
    with pytest.raises(ValueError, match="einsum"):
        rnp.einsum("ij,jk->ik", rv.Var(np.ones((2, 3))), np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"concatenate"):
        rnp.concatenate([x, rv.Var(np.ones((2, 2)))])
    with pytest.raises(ValueError, match=r"stack.*\(2,\).*\(3,\)"):
        rnp.stack([x, rv.Var(np.ones(2))])
    with pytest.raises(ValueError, match=r"s has 1 entries but axes has 2"):
        rnp.fft.fftn(rv.Var(np.ones((2, 3))), s=(4,), axes=(0, 1))


# --- transforms -----------------------------------------------------------------------------


def test_grad_of_a_non_scalar_function():
    with pytest.raises(TypeError, match=r"scalar.*\(3,\)"):
        rv.grad(lambda x: x * np.ones(3))(1.0)
    with pytest.raises(TypeError, match=r"\(2, 2\)"):
        rv.value_and_grad(lambda x: x)(np.ones((2, 2)))


@pytest.mark.parametrize("result,word", [("abc", "str"), (None, "NoneType"),
                                         ([1.0], "list"), ({"a": 1.0}, "dict")])
def test_grad_of_a_function_returning_a_non_number(result, word):
    with pytest.raises(TypeError, match=rf"scalar.*{word}"):
        rv.grad(lambda x: result)(1.0)


@pytest.mark.parametrize("argnums", [1, -2, (0, 1), (5,)])
def test_argnums_out_of_range(argnums):
    with pytest.raises(ValueError, match="argnums"):
        rv.grad(lambda x: x * 2.0, argnums=argnums)(1.0)


@pytest.mark.parametrize("argnums", ["a", 1.0, (), (0, "b")])
def test_argnums_of_the_wrong_type(argnums):
    with pytest.raises(TypeError, match="argnums"):
        rv.grad(lambda x: x * 2.0, argnums=argnums)(1.0)


def test_missing_vjp_rule():
    @rv.primitive
    def half_known(x, y):
        return x * y

    rv.defvjp(half_known, lambda ans, x, y: lambda g: g * y, None)
    assert rv.grad(half_known)(2.0, 3.0) == 3.0
    with pytest.raises(NotImplementedError, match="half_known.*argument 1"):
        rv.grad(half_known, argnums=1)(2.0, 3.0)


def test_defvjp_on_a_plain_function():
    with pytest.raises(TypeError, match="primitive"):
        rv.defvjp(lambda x: x, None)


# --- NumPy functions revad does not handle -------------------------------------------------


@pytest.mark.parametrize("call,name", [
    (lambda v: np.fft.hfft(v), "hfft"),
    (lambda v: np.unwrap(v), "unwrap"),
    (lambda v: np.partition(v, 1), "partition"),
    (lambda v: np.linalg.eig(rv.Var(np.eye(2))), "eig"),
    (lambda v: np.median(v), "median"),
    (lambda v: np.add.reduce(v), "add.reduce"),
    (lambda v: np.sin(v, out=np.empty(3)), "sin"),
    (lambda v: np.exp2(v), "exp2"),
])
def test_unsupported_numpy_functions_raise_not_implemented(call, name):
    v = rv.Var(np.array([3.0, 1.0, 2.0]))
    with pytest.raises(NotImplementedError, match=name):
        call(v)


def test_implicit_conversion_to_an_array_raises():
    with pytest.raises(TypeError, match="gradient"):
        np.asarray(rv.Var(np.ones(2)))


# --- Python numbers ----------------------------------------------------------------------


def test_math_functions_and_float_raise():
    x = rv.Var(1.0)
    with pytest.raises(TypeError, match="item"):
        math.sin(x)
    with pytest.raises(TypeError, match="float"):
        float(x)
    with pytest.raises(TypeError, match="gradient"):
        math.exp(x * 2.0)
    assert x.item() == 1.0 and type(x.item()) is float


@pytest.mark.parametrize("other", ["a", None, object(), {"a": 1}])
def test_unsupported_operand_types(other):
    x = rv.Var(1.0)
    with pytest.raises(TypeError, match="unsupported operand"):
        x + other
    with pytest.raises(TypeError, match="unsupported operand"):
        x * other if not isinstance(other, str) else x - other
    with pytest.raises(TypeError):
        other - x
    with pytest.raises(TypeError):
        x ** other


def test_len_of_a_scalar_var():
    with pytest.raises(TypeError, match="len"):
        len(rv.Var(2.0))


def test_index_out_of_range():
    with pytest.raises(IndexError):
        rv.Var(np.ones(3))[5]
