"""Emit (slotclass.py): which class statements hand their class to zrt::slots_class (the
runtime re-checks the made class; its behaviour is checked by
tests/compile_compare/cases/slots_classes.py)."""

from __future__ import annotations

import ast

import pytest

from ziggurat.translator import translate_module
from ziggurat.translator.slotclass import has_literal_slots


def first_class(source: str) -> ast.ClassDef:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    return node


@pytest.mark.parametrize("source", [
    "class P:\n    __slots__ = ('x', 'y')\n",
    "class P(object):\n    __slots__ = ['x']\n    def f(self):\n        __slots__ = 1\n",
    "class P(B, flag=1):\n    __slots__ = 'x'\n",
    "class P:\n    __slots__ = ()\n",
])
def test_literal_slots_are_chosen(source: str) -> None:
    assert has_literal_slots(first_class(source))


@pytest.mark.parametrize("source", [
    "class P:\n    pass\n",
    "class P(metaclass=M):\n    __slots__ = ('x',)\n",
    "class P(**kw):\n    __slots__ = ('x',)\n",
    "class P:\n    __slots__ = tuple('x')\n",
    "class P:\n    __slots__ = ('x', 1)\n",
    "class P:\n    __slots__ = {'x': 'doc'}\n",
    "class P:\n    __slots__ = ('x',)\n    __slots__ = ('y',)\n",
    "class P:\n    if c:\n        __slots__ = ('x',)\n",
    "class P:\n    __slots__ = ('x',)\n    from m import __slots__\n",
    "class P:\n    __slots__ = ('x',)\n    for __slots__ in ():\n        pass\n",
    "class P:\n    __slots__ = s = ('x',)\n",
])
def test_anything_else_is_left_alone(source: str) -> None:
    assert not has_literal_slots(first_class(source))


def test_only_chosen_classes_call_the_runtime() -> None:
    cpp = translate_module("class P:\n    __slots__ = ('x',)\nclass Q:\n    x = 1\n", filename="m.py", module_name="m").cpp
    assert cpp.count("zrt::slots_class(") == 1
