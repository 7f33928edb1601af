"""Fixtures of the cross-target tests: one compile cache per session, sample-project copies,
and `ziggurat build` run the way a user runs it (a subprocess of this interpreter)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_projects" / "src_layout_app"
SOURCE_DATE_EPOCH = "1700000000"


@dataclass(frozen=True)
class CliBuild:
    """What one `ziggurat build` printed and wrote."""

    wheels: tuple[Path, ...]
    stdout: str
    stderr: str
    seconds: float


@pytest.fixture(scope="session")
def cross_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ziggurat's compile cache for the session (zig's own cache stays the user's: its
    per-target runtime libraries are what makes a first build slow)."""
    return tmp_path_factory.mktemp("ziggurat-cache")


def copy_sample(destination: Path) -> Path:
    shutil.copytree(SAMPLE, destination, ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__"))
    return destination


def cross_env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZIGGURAT_") or k == "ZIGGURAT_ZIG"}
    env.update(ZIGGURAT_CACHE_DIR=str(cache), SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
    return env


def ziggurat_build(project: Path, out: Path, cache: Path, *args: str) -> CliBuild:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "ziggurat.cli", "build", str(project), "-o", str(out), *args],
        env=cross_env(cache), capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    seconds = time.monotonic() - started
    assert proc.returncode == 0, f"ziggurat build failed:\n{proc.stderr}"
    wheels = tuple(Path(line) for line in proc.stdout.splitlines() if line.strip())
    return CliBuild(wheels, proc.stdout, proc.stderr, seconds)
