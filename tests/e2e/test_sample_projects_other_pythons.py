"""The sample projects built and run on the other interpreters of ZIGGURAT_TEST_PYTHONS
(.ci/run adds a Python 3.13): a venv of that interpreter gets `build`, builds each project
with isolation, installs the wheel and compares the console script's output with the
uncompiled project run by the same interpreter. Skipped when no other interpreter is listed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from .conftest import Builds
from .support import FIGURES, PLATFORM_TAGS, PROJECTS, copy_project, entry_code, parse_summary, run, run_split, venv

pytestmark = pytest.mark.e2e


def other_interpreters() -> list[str]:
    listed = [p for p in os.environ.get("ZIGGURAT_TEST_PYTHONS", "").split(os.pathsep) if p]
    this = Path(sys.executable).resolve()
    return [p for p in listed if Path(p).resolve() != this]


@pytest.mark.parametrize(
    "python",
    other_interpreters() or [pytest.param("", marks=pytest.mark.skip(reason="ZIGGURAT_TEST_PYTHONS lists no other interpreter"))],
)
def test_sample_projects_on_another_interpreter(python: str, builds: Builds, tmp_path: Path) -> None:
    env = builds.env
    version = run([python, "-c", "import sys; print(*sys.version_info[:2])"], env=env, cwd=tmp_path).check()
    major, minor = map(int, version.output.split())
    tag = f"cp{major}{minor}"
    bin_dir = venv(tmp_path / "venv", env, python)
    run([bin_dir / "python", "-m", "pip", "install", "-q", "build"], env=env, cwd=tmp_path).check()
    neutral = tmp_path / "cwd"
    neutral.mkdir()
    tried = 0
    for project in PROJECTS.values():
        if (major, minor) < project.requires_python:
            continue
        tried += 1
        tree = copy_project(project, tmp_path / project.dirname)
        result = run([bin_dir / "python", "-m", "build", "--wheel", "--outdir", tmp_path / "dist", tree], env=env, cwd=tree)
        assert result.returncode == 0, f"{project.dirname} on Python {major}.{minor}:\n{result.output}"
        summary = parse_summary(result.output) or {}
        FIGURES.builds.append(
            dict(
                project=project.dirname, kind=f"on Python {major}.{minor} (cold)", wall=result.seconds,
                compile=summary.get("seconds"), built=summary.get("built"), cached=summary.get("cached"),
                native=summary.get("native"), functions=summary.get("functions"),
            )
        )
        wheel = tmp_path / "dist" / f"{project.dist}-{project.version}-{tag}-{tag}-{PLATFORM_TAGS}.whl"
        assert wheel.is_file(), sorted(p.name for p in (tmp_path / "dist").iterdir())
        run([bin_dir / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], env=env, cwd=tmp_path).check()
        reference_env = {**env, "PYTHONPATH": str((tree / project.source_root).resolve()), "PYTHONDONTWRITEBYTECODE": "1"}
        for args in project.runs:
            compiled = run_split([bin_dir / project.script, *args], env=env, cwd=neutral)
            reference = run_split([python, "-c", entry_code(project.entry), *args], env=reference_env, cwd=neutral)
            assert compiled[:2] == reference[:2], f"{project.script} {' '.join(args)} on Python {major}.{minor}\n{compiled[2]}"
    assert tried, f"no sample project supports Python {major}.{minor}"
