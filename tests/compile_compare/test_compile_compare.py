"""Every case in cases/ must behave compiled exactly as under CPython, on every
interpreter under test (see conftest.py), with no memory growth per call."""

from __future__ import annotations

import pytest

from .conftest import interpreters
from .harness import CaseBuild, case_files, compare_case


@pytest.mark.parametrize("python", interpreters(), ids=lambda p: p.rsplit("/", 3)[-3] if "/versions/" in p else "host")
@pytest.mark.parametrize("case", [p.stem for p in case_files()])
def test_case(case_builds: dict[tuple[str, str], CaseBuild], python: str, case: str) -> None:
    if (python, case) not in case_builds:
        pytest.skip(f"{case} needs a newer Python than {python}")
    problems = compare_case(case_builds[(python, case)])
    assert not problems, "\n".join(problems)
