"""PEP 696 defaults of PEP 695 type parameters (3.13)."""
# requires-python: >=3.13
import typing


def defaults[T = int, *Ts = *tuple[str, ...], **P = [float]](): pass  # noqa: E251

class WithDefault[T, U = list[T]]:
    pass

type AliasDefault[T = str] = list[T]

def lazy_default[T = Nowhere](): pass  # noqa: F821

def test_defaults():
    T, Ts, P = defaults.__type_params__
    assert T.__default__ is int and T.has_default()
    assert Ts.__default__ == next(iter(tuple[str, ...]))
    print(repr(Ts.__default__))
    assert P.__default__ == [float]
    T, U = WithDefault.__type_params__
    assert not T.has_default() and T.__default__ is typing.NoDefault
    assert U.__default__ == list[T]
    print(WithDefault[int]().__orig_class__)
    (A,) = AliasDefault.__type_params__
    assert A.__default__ is str
    (L,) = lazy_default.__type_params__
    assert L.has_default()
    try:
        L.__default__
    except NameError as e:
        print(e)
    else:
        raise AssertionError