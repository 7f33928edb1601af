"""PEP 695 type parameters under `from __future__ import annotations`: annotations become
strings, bounds and alias values stay lazily evaluated code."""
# requires-python: >=3.12
from __future__ import annotations


def f[T: int, *Ts](x: T, *args: *Ts) -> list[T]:
    return [x]


class C[T: (int, str)]:
    attr: T

    def m[U](self, u: U) -> C[U]:
        return self


type Alias[K] = dict[K, Missing]  # noqa: F821


def test_strings_and_lazy_values():
    T, Ts = f.__type_params__
    assert f.__annotations__ == {"x": "T", "args": "*Ts", "return": "list[T]"}
    assert T.__bound__ is int
    (CT,) = C.__type_params__
    assert CT.__constraints__ == (int, str)
    assert C.__annotations__ == {"attr": "T"}
    assert C.m.__annotations__ == {"u": "U", "return": "C[U]"}
    try:
        Alias.__value__
    except NameError as e:
        print(e)
    else:
        raise AssertionError
