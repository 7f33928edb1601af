"""Session fixtures of the end-to-end tests: ziggurat's own wheel in a wheelhouse, the
environment every frontend runs in, and one shared set of builds of the sample projects.

Caches are private to the session, so the figures mean what they say: the first build
starts with an empty zig cache (zig builds compiler-rt and libc stubs for the target
first) and an empty ziggurat compile cache; later projects start with a warm zig cache
and an empty ziggurat cache ("cold"); the rebuild from the sdist finds every module in
the ziggurat cache ("cached"). pip's own download cache is the user's, as it would be.
"""

from __future__ import annotations

import json
import shutil
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from .support import (
    FIGURES,
    PROJECTS,
    REPO,
    SOURCE_DATE_EPOCH,
    Completed,
    SampleProject,
    clean_env,
    copy_project,
    parse_summary,
    python_build,
    run,
    wheel_members,
)


@pytest.fixture(scope="session")
def e2e_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def wheelhouse(e2e_root: Path) -> Path:
    """ziggurat's own wheel, built from this checkout with `python -m build --wheel`."""
    source = e2e_root / "ziggurat-src"
    # A copy: setuptools writes build/ and *.egg-info into the tree it builds.
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".mypy_cache",
            ".ziggurat_test_output", ".venv", "venv", "*.so", "*.whl",
        ),
    )
    house = e2e_root / "wheelhouse"
    result = run([sys.executable, "-m", "build", "--wheel", "--outdir", house, source], env=clean_env(), cwd=source)
    result.check()
    (wheel,) = house.glob("ziggurat-*.whl")
    FIGURES.builds.append(dict(project="ziggurat", kind="own wheel (pure Python)", wall=result.seconds))
    return house


@pytest.fixture(scope="session")
def frontend_env(e2e_root: Path, wheelhouse: Path) -> dict[str, str]:
    """The environment of every `python -m build` / `pip install`: the user's, plus the
    wheelhouse for ziggurat itself, private caches, and a fixed SOURCE_DATE_EPOCH."""
    find_links = " ".join(filter(None, [str(wheelhouse), clean_env().get("PIP_FIND_LINKS", "")]))
    return clean_env(
        PIP_FIND_LINKS=find_links,
        SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH,
        ZIGGURAT_CACHE_DIR=str(e2e_root / "ziggurat-cache"),
        ZIG_GLOBAL_CACHE_DIR=str(e2e_root / "zig-cache"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )


@dataclass(frozen=True)
class Build:
    """A sample project built from its tree, and again via `python -m build` (sdist -> wheel)."""

    project: SampleProject
    tree: Path  # the private copy it was built from
    wheel: Path
    log: Completed
    sdist: Path
    wheel_from_sdist: Path
    sdist_log: Completed


class Builds:
    """Builds each sample project once per session, on first use, and records the figures."""

    def __init__(self, root: Path, env: dict[str, str], ziggurat_source: Path) -> None:
        self.root, self.env = root, env
        self.ziggurat_source = ziggurat_source  # the sources the wheelhouse's ziggurat was built from
        self.done: dict[str, Build] = {}
        self.failed: dict[str, str] = {}

    def __call__(self, name: str) -> Build:
        if name in self.failed:
            pytest.fail(self.failed[name], pytrace=False)
        if name not in self.done:
            try:
                self.done[name] = self._build(PROJECTS[name])
            except AssertionError as exc:
                self.failed[name] = str(exc)
                raise
        return self.done[name]

    def _record(self, project: SampleProject, kind: str, result: Completed) -> None:
        summary = parse_summary(result.output) or {}
        FIGURES.builds.append(
            dict(
                project=project.dirname, kind=kind, wall=result.seconds, compile=summary.get("seconds"),
                built=summary.get("built"), cached=summary.get("cached"),
                native=summary.get("native"), functions=summary.get("functions"),
            )
        )

    def _build(self, project: SampleProject) -> Build:
        if sys.version_info < project.requires_python:
            pytest.skip(f"{project.dirname} needs Python {'.'.join(map(str, project.requires_python))}+")
        base = self.root / project.dirname
        tree = copy_project(project, base / "tree")
        zig_cache = Path(self.env["ZIG_GLOBAL_CACHE_DIR"])
        zig_cold = not zig_cache.exists() or not any(zig_cache.iterdir())

        # 1. what a user types in the project: python -m build --wheel
        log = python_build(tree, base / "dist", self.env, "--wheel").check()
        kind = "first-ever (zig + ziggurat caches empty)" if zig_cold else "cold (ziggurat cache empty)"
        self._record(project, kind, log)
        (wheel,) = (base / "dist").glob("*.whl")

        # 2. plain python -m build: an sdist, then a wheel built from the unpacked sdist.
        sdist_log = python_build(tree, base / "sdist-dist", self.env).check()
        self._record(project, "cached (wheel from sdist)", sdist_log)
        (sdist,) = (base / "sdist-dist").glob("*.tar.gz")
        (from_sdist,) = (base / "sdist-dist").glob("*.whl")

        members = wheel_members(wheel)
        extensions = {n: s for n, s in members.items() if n.endswith(".so")}
        FIGURES.sizes.append(
            dict(
                name=wheel.name, bytes=wheel.stat().st_size, extensions=len(extensions),
                ext_bytes=sum(extensions.values()), largest=max(extensions.values(), default=0),
            )
        )
        return Build(project, tree, wheel, log, sdist, from_sdist, sdist_log)


@pytest.fixture(scope="session")
def builds(e2e_root: Path, frontend_env: dict[str, str]) -> Builds:
    return Builds(e2e_root / "projects", frontend_env, e2e_root / "ziggurat-src")


@pytest.fixture(params=list(PROJECTS), ids=list(PROJECTS))
def project(request: pytest.FixtureRequest) -> SampleProject:
    return PROJECTS[request.param]


def sdist_names(sdist: Path) -> list[str]:
    with tarfile.open(sdist) as tf:
        return [m.name.split("/", 1)[1] for m in tf.getmembers() if "/" in m.name]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = FIGURES.lines()
    if not lines:
        return
    terminalreporter.section("ziggurat end-to-end figures")
    for line in lines:
        terminalreporter.write_line(line)
    out = REPO / ".ziggurat_test_output"
    out.mkdir(exist_ok=True)
    (out / "e2e-figures.json").write_text(
        json.dumps({"builds": FIGURES.builds, "sizes": FIGURES.sizes}, indent=2) + "\n", encoding="utf-8"
    )
