"""The compile report: the `__main__` guard note (runpy cannot run an extension module)."""

from __future__ import annotations

import ast

import pytest

from ziggurat.translator import translate_module
from ziggurat.translator.driver import main_guard_line


@pytest.mark.parametrize(
    "source, line",
    [
        ("x = 1\nif __name__ == '__main__':\n    print(x)\n", 2),
        ("if '__main__' == __name__:\n    pass\n", 1),
        ("if __name__ != '__main__':\n    pass\n", 0),
        ("def f():\n    if __name__ == '__main__':\n        pass\n", 0),
        ("if __name__ == '__main__' and x:\n    pass\n", 0),
        ("x = 1\n", 0),
    ],
)
def test_main_guard_line(source: str, line: int) -> None:
    assert main_guard_line(ast.parse(source)) == line


def test_summary_names_the_guard_and_the_way_out() -> None:
    source = "def main():\n    return 1\n\nif __name__ == '__main__':\n    main()\n"
    report = translate_module(source, filename="pkg/cli.py", module_name="pkg.cli").report
    assert report.main_guard_line == 4
    assert 'pkg/cli.py:4: `if __name__ == "__main__"` block' in report.summary()
    assert "python -m pkg.cli" in report.summary() and "exclude" in report.summary()


def test_no_note_without_a_guard() -> None:
    report = translate_module("def main():\n    return 1\n", filename="pkg/m.py", module_name="pkg.m").report
    assert "note:" not in report.summary()
