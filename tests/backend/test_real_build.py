"""Real builds of the tiny project: the real translator and `zig c++`, no fakes.

The wheel must hold extension modules in place of the sources, and the modules must import
and behave like the sources. The tests marked e2e install the wheel into a fresh venv or
drive the backend through a real frontend; they are slower.
Skipped when the translator or a usable zig is not available.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import ziggurat.backend as backend
from backend_support import forget_distutils_created_paths, wheel_names, write_project

REPO = Path(__file__).resolve().parents[2]

# Run against the sources and against the compiled wheel; the output must be the same.
BEHAVIOUR = """\
import tiny_demo, tiny_demo.core, tiny_demo.sub.util as util
print(tiny_demo.add(2, 3), tiny_demo.add("a", "b"), tiny_demo.greet("Ann"), util.double(21))
print(tiny_demo.core.GREETING, tiny_demo.__doc__, tiny_demo.__all__)
"""
LOADERS = """\
import tiny_demo, tiny_demo.core, tiny_demo.sub, tiny_demo.sub.util
print(sorted({type(m.__loader__).__name__ for m in (tiny_demo, tiny_demo.core, tiny_demo.sub, tiny_demo.sub.util)}))
"""


@pytest.fixture(scope="session")
def compile_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One compile cache for the session: later builds of the same code are fast."""
    return tmp_path_factory.mktemp("zcache")


@pytest.fixture
def real_toolchain(compile_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    try:
        from ziggurat.translator import translate_module  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"translator not importable yet: {exc}")
    from ziggurat.toolchains import zig_available

    if not zig_available():
        pytest.skip("no usable zig")
    monkeypatch.setenv("ZIGGURAT_CACHE_DIR", str(compile_cache))
    return compile_cache


def run_python(python: str | Path, code: str, *, path: Path | None = None, cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if path is not None:
        env["PYTHONPATH"] = str(path)
    proc = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, env=env, cwd=cwd or Path("/"), check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def expected_wheel_name() -> str:
    from ziggurat.toolchains import host_python_abi, host_target, wheel_platform_tags

    abi = host_python_abi()
    platforms = ".".join(wheel_platform_tags(host_target()))
    return f"tiny_demo-0.1-{abi.python_tag}-{abi.abi_tag}-{platforms}.whl"


def unpack(wheel: Path, where: Path) -> Path:
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(where)
    return where


def test_real_wheel_imports_and_behaves_like_the_source(tiny_project: Path, tmp_path: Path, real_toolchain: Path) -> None:
    wheel = tmp_path / "dist" / backend.build_wheel(str(tmp_path / "dist"))
    from ziggurat.toolchains import host_python_abi

    abi = host_python_abi()
    assert wheel.name == expected_wheel_name()
    names = wheel_names(wheel)
    for module in ("__init__", "core", "cli", "sub/__init__", "sub/util"):
        assert f"tiny_demo/{module}{abi.ext_suffix}" in names
        assert f"tiny_demo/{module}.py" not in names
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read(f"tiny_demo/core{abi.ext_suffix}")[:4] == b"\x7fELF"

    installed = unpack(wheel, tmp_path / "site")
    assert run_python(sys.executable, BEHAVIOUR, path=installed) == run_python(
        sys.executable, BEHAVIOUR, path=tiny_project
    )
    assert run_python(sys.executable, LOADERS, path=installed).strip() == "['ExtensionFileLoader']"


def test_real_extension_exports_only_its_init(tiny_project: Path, tmp_path: Path, real_toolchain: Path) -> None:
    elffile = pytest.importorskip("elftools.elf.elffile")
    from ziggurat.toolchains import host_python_abi

    wheel = tmp_path / "dist" / backend.build_wheel(str(tmp_path / "dist"))
    so = unpack(wheel, tmp_path / "x") / "tiny_demo" / f"__init__{host_python_abi().ext_suffix}"
    with so.open("rb") as stream:
        dynsym = elffile.ELFFile(stream).get_section_by_name(".dynsym")
        exported = sorted(
            s.name
            for s in dynsym.iter_symbols()
            if s["st_shndx"] != "SHN_UNDEF" and s["st_info"]["bind"] == "STB_GLOBAL" and s.name
        )
    # A package's __init__ extension is initialised by the package's name.
    assert exported == ["PyInit_tiny_demo"]


@pytest.mark.e2e
def test_real_builds_are_byte_identical_with_fresh_caches(
    tiny_project: Path, tmp_path: Path, real_toolchain: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = backend.build_wheel(str(tmp_path / "one"), {"cache-dir": str(tmp_path / "c1")})
    forget_distutils_created_paths()
    second = backend.build_wheel(str(tmp_path / "two"), {"cache-dir": str(tmp_path / "c2")})
    one, two = tmp_path / "one" / first, tmp_path / "two" / second
    with zipfile.ZipFile(one) as a, zipfile.ZipFile(two) as b:
        assert a.namelist() == b.namelist()
        differing = [name for name in a.namelist() if a.read(name) != b.read(name)]
    # Names the members first: a differing .so means the compiler (or the C++) is not deterministic.
    assert differing == []
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.e2e
def test_real_wheel_installs_into_a_fresh_venv(tiny_project: Path, tmp_path: Path, real_toolchain: Path) -> None:
    wheel = tmp_path / "dist" / backend.build_wheel(str(tmp_path / "dist"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    assert run_python(python, BEHAVIOUR) == run_python(sys.executable, BEHAVIOUR, path=tiny_project)
    assert run_python(python, LOADERS).strip() == "['ExtensionFileLoader']"
    # The console script and `python -m` (whose __main__.py stays source) both work.
    assert subprocess.run([str(venv / "bin" / "tiny")], capture_output=True, text=True, check=True).stdout == "5\n"
    assert subprocess.run([str(python), "-m", "tiny_demo"], capture_output=True, text=True, check=True).stdout == "5\n"
    # pip checks RECORD on uninstall as well: every file it lists must go.
    subprocess.run([str(python), "-m", "pip", "uninstall", "-q", "-y", "tiny-demo"], check=True, capture_output=True)
    assert not list((venv / "lib").glob("python*/site-packages/tiny_demo"))


@pytest.mark.e2e
def test_python_m_build_through_the_frontend(tmp_path: Path, real_toolchain: Path) -> None:
    """The real frontend path: pyproject_hooks runs the backend in a subprocess."""
    project = write_project(tmp_path / "project")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist"), str(project)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ziggurat: compiled 5 modules" in proc.stdout + proc.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel.name == expected_wheel_name()


@pytest.mark.e2e
def test_frontend_reports_config_errors_cleanly(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-C", "opt-levl=3", str(project)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert "ziggurat: error: unknown key 'opt-levl' in config settings (-C opt-levl); did you mean 'opt-level'?" in output
    assert "Traceback" not in output


@pytest.mark.e2e
def test_auditwheel_agrees_with_the_manylinux_tag(tiny_project: Path, tmp_path: Path, real_toolchain: Path) -> None:
    import re
    import shutil

    auditwheel = shutil.which("auditwheel", path=str(Path(sys.executable).parent)) or shutil.which("auditwheel")
    if auditwheel is None or not sys.platform.startswith("linux"):
        pytest.skip("auditwheel (Linux) not available")
    wheel = tmp_path / "dist" / backend.build_wheel(str(tmp_path / "dist"))
    if "manylinux_2_17" not in wheel.name:
        pytest.skip("not a manylinux_2_17 host target")
    proc = subprocess.run([auditwheel, "show", str(wheel)], capture_output=True, text=True, check=True)
    match = re.search(r'platform tag:\s+"manylinux_(\d+)_(\d+)_', proc.stdout)
    assert match, proc.stdout
    # auditwheel names the most permissive policy the wheel meets; it must not need newer than 2.17.
    assert (int(match[1]), int(match[2])) <= (2, 17), proc.stdout
