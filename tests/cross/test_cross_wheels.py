"""The sample project `src_layout_app` built for foreign targets and checked structurally.

Default run: `ziggurat build --target linux-aarch64 --target windows-x64` (one build, two
wheels, translated once), and a PEP 517 build with `-C target=linux-aarch64`.
Slow (`python -m pytest tests/cross -m slow`): `--target all` for every CPython 3.10-3.13 on
this machine, all wheels checked, wall time and sizes printed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLE, copy_sample, cross_env, ziggurat_build
from wheel_checks import check_wheel, sample_modules
from ziggurat.toolchains import TARGET_TABLE, find_python, parse_target
from ziggurat.errors import ConfigError

ROWS = {row.alias: row for row in TARGET_TABLE}
FAST = ("linux-aarch64", "windows-x64")
HOST_TAG = f"cp{sys.version_info[0]}{sys.version_info[1]}"
MODULES = sample_modules(SAMPLE / "src")


@pytest.fixture(scope="module")
def fast_build(tmp_path_factory: pytest.TempPathFactory, cross_cache: Path) -> object:
    root = tmp_path_factory.mktemp("fast")
    project = copy_sample(root / "project")
    args = [arg for alias in FAST for arg in ("--target", alias)]
    return ziggurat_build(project, root / "dist", cross_cache, *args)


def test_fast_build_prints_one_wheel_per_target(fast_build: object) -> None:
    build = fast_build  # type: ignore[assignment]
    assert [w.name for w in build.wheels] == [  # type: ignore[attr-defined]
        f"stockroom-0.3.0-{HOST_TAG}-{HOST_TAG}-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        f"stockroom-0.3.0-{HOST_TAG}-{HOST_TAG}-win_amd64.whl",
    ]
    # Translated once: the per-module report appears once, one summary per wheel.
    stderr = build.stderr  # type: ignore[attr-defined]
    assert stderr.count("stockroom.models.orders:") == 1
    assert stderr.count("ziggurat: compiled 12 modules") == 2


@pytest.mark.parametrize("alias", FAST)
def test_fast_slice_wheel(fast_build: object, alias: str) -> None:
    (wheel,) = [w for w in fast_build.wheels if ROWS[alias].wheel_tags[0] in w.name]  # type: ignore[attr-defined]
    check_wheel(wheel, ROWS[alias], HOST_TAG, MODULES)


def test_pep517_build_for_one_foreign_target(tmp_path: Path, cross_cache: Path) -> None:
    """What a user types: python -m build -C target=linux-aarch64 (no isolation: this venv
    already holds ziggurat and setuptools)."""
    project = copy_sample(tmp_path / "project")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-C", "target=linux-aarch64",
         "--outdir", str(tmp_path / "dist"), str(project)],
        env=cross_env(cross_cache), capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    check_wheel(wheel, ROWS["linux-aarch64"], HOST_TAG, MODULES)


def test_configured_targets_and_a_bad_name(fast_build: object, tmp_path: Path, cross_cache: Path) -> None:
    """[tool.ziggurat] targets drive `ziggurat build` when no --target is given; a typo in a
    target is one clean error with a suggestion."""
    project = copy_sample(tmp_path / "project")
    with open(project / "pyproject.toml", "a", encoding="utf-8") as f:
        # Spelled as wheel tags, in the other order; the compile cache of fast_build serves them.
        f.write('\n[tool.ziggurat]\ntargets = ["win_amd64", "manylinux2014_aarch64"]\n')
    build = ziggurat_build(project, tmp_path / "dist", cross_cache)
    assert [w.name.rsplit("-", 1)[1] for w in build.wheels] == [
        "win_amd64.whl", "manylinux_2_17_aarch64.manylinux2014_aarch64.whl"]
    assert "ziggurat: compiled 12 modules (0 built, 12 from cache)" in build.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "ziggurat.cli", "build", str(project), "--target", "linux-arm46"],
        env=cross_env(cross_cache), capture_output=True, text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("ziggurat: error: unknown target 'linux-arm46'; did you mean")
    with pytest.raises(ConfigError):
        parse_target("linux-arm46")


def _versions() -> list[object]:
    params: list[object] = []
    for minor in (10, 11, 12, 13):
        try:
            find_python((3, minor))
            params.append(f"3.{minor}")
        except ConfigError as exc:
            params.append(pytest.param(f"3.{minor}", marks=pytest.mark.skip(reason=str(exc))))
    return params


@pytest.mark.slow
@pytest.mark.parametrize("version", _versions())
def test_all_targets_matrix(version: str, tmp_path: Path, cross_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_sample(tmp_path / "project")
    build = ziggurat_build(project, tmp_path / "dist", cross_cache, "--target", "all", "--python-version", version)
    tag = "cp" + version.replace(".", "")
    assert len(build.wheels) == len(TARGET_TABLE)
    lines = [f"ziggurat build --target all --python-version {version}: {build.seconds:.1f} s"]
    for wheel, row in zip(build.wheels, TARGET_TABLE):
        findings = check_wheel(wheel, row, tag, MODULES)
        lines.append(f"  {wheel.name}: {findings['size']} bytes")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
