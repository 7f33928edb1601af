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


def selected_cases(session: pytest.Session) -> set[tuple[str, str]]:
    """The (interpreter, case) pairs this run will test: `-k` or a node id selects a few
    cases, and only those are built (each case is a compile of its own)."""
    chosen: set[tuple[str, str]] = set()
    for item in session.items:
        params = getattr(item, "callspec", None)
        if params is not None and {"python", "case"} <= params.params.keys():
            chosen.add((params.params["python"], params.params["case"]))
    return chosen


@pytest.fixture(scope="session")
def case_builds(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], CaseBuild]:
    chosen = selected_cases(request.session)
    builds: dict[tuple[str, str], CaseBuild] = {}
    for exe in interpreters():
        sources = [src for src in case_files() if (exe, src.stem) in chosen]
        if not sources:
            continue
        out = tmp_path_factory.mktemp("cases")
        for build in build_cases(sources, exe, out):
            builds[(exe, build.name)] = build
    return builds
