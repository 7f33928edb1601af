"""Fixtures of the compile-and-compare suite: which interpreters to test, and one shared,
parallel build of every case for each of them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from .harness import CaseBuild, build_cases, case_files


def interpreters() -> list[str]:
    """The running interpreter, plus any listed in ZIGGURAT_TEST_PYTHONS (os.pathsep-separated)."""
    extra = [p for p in os.environ.get("ZIGGURAT_TEST_PYTHONS", "").split(os.pathsep) if p]
    return [sys.executable, *extra]


@pytest.fixture(scope="session")
def case_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], CaseBuild]:
    builds: dict[tuple[str, str], CaseBuild] = {}
    for exe in interpreters():
        out = tmp_path_factory.mktemp("cases")
        for build in build_cases(case_files(), exe, out):
            builds[(exe, build.name)] = build
    return builds
