"""Real builds with zig: parallel, importable, minimal exports, cached, failing, concurrent.

Each test uses its own compile-cache dir (tmp_path) but zig's global cache stays at its
default so zig's runtime libraries stay warm between runs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from ziggurat.errors import ConfigError, InternalError, ToolchainError
from ziggurat.toolchains import compile as compile_mod
from ziggurat.toolchains import (
    BuildResult,
    ExtensionJob,
    ModuleCompileError,
    build_extensions,
    host_python_abi,
    python_abi_for,
)
from ziggurat.toolchains.targets import Target

Source = Callable[..., str]
SUFFIX = host_python_abi().ext_suffix
PYENV_313 = Path("/root/.pyenv/versions/3.13.0/bin/python")
DEBIAN_PY = Path("/usr/bin/python3")


def jobs_for(root: Path, names: list[str], make_source: Source, answer: int = 42) -> list[ExtensionJob]:
    return [
        ExtensionJob(
            module_name=name,
            cpp_source=make_source(name, answer),
            output=root.joinpath(*name.split("."))
            .with_name(name.rsplit(".", 1)[-1] + SUFFIX),
        )
        for name in names
    ]


def import_and_call(root: Path, names: list[str], python: str = sys.executable) -> dict[str, int]:
    """Import each module in a fresh interpreter and call answer()."""
    script = textwrap.dedent(
        f"""
        import importlib, json
        print(json.dumps({{n: importlib.import_module(n).answer() for n in {names!r}}}))
        """
    )
    proc = subprocess.run(
        [python, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    result: dict[str, int] = json.loads(proc.stdout)
    return result


def exported_symbols(path: Path) -> set[str]:
    with path.open("rb") as handle:
        elf = ELFFile(handle)
        dynsym = elf.get_section_by_name(".dynsym")
        assert isinstance(dynsym, SymbolTableSection)
        return {
            sym.name
            for sym in dynsym.iter_symbols()
            if sym.name
            and sym["st_shndx"] != "SHN_UNDEF"
            and sym["st_info"]["bind"] in ("STB_GLOBAL", "STB_WEAK")
        }


def needed_libraries(path: Path) -> list[str]:
    with path.open("rb") as handle:
        elf = ELFFile(handle)
        return [
            str(tag.needed)  # type: ignore[attr-defined]  # pyelftools sets it dynamically
            for section in elf.iter_sections()
            if isinstance(section, DynamicSection)
            for tag in section.iter_tags()
            if tag.entry.d_tag == "DT_NEEDED"
        ]


def test_parallel_build_import_exports_and_cache(
    tmp_path: Path, make_source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["pkg.alpha", "pkg.sub.beta", "gamma"]
    jobs = jobs_for(tmp_path / "out", names, make_source)
    cache = tmp_path / "cache"

    result = build_extensions(jobs, cache_dir=cache, parallel=3)
    assert isinstance(result, BuildResult)
    assert result.outputs == tuple(job.output for job in jobs)  # job order
    assert (result.compiled, result.cached) == (3, 0)
    assert result.summary().startswith("3 modules: 3 compiled, 0 cached in ")

    assert import_and_call(tmp_path / "out", names) == {n: 42 for n in names}
    for job in jobs:
        last = job.module_name.rsplit(".", 1)[-1]
        assert exported_symbols(job.output) == {f"PyInit_{last}"}
        needed = needed_libraries(job.output)
        assert not any("stdc++" in lib or "c++" in lib for lib in needed), needed

    # Second build, new output dir: every module from the cache, zig never runs.
    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"zig was run on a cache hit: {args}")

    monkeypatch.setattr(compile_mod, "run", no_run)
    again = build_extensions(jobs_for(tmp_path / "out2", names, make_source), cache_dir=cache)
    assert (again.compiled, again.cached) == (0, 3)
    assert all(m.cached for m in again.modules)
    assert [p.read_bytes() for p in again.outputs] == [p.read_bytes() for p in result.outputs]
    assert import_and_call(tmp_path / "out2", names) == {n: 42 for n in names}


def test_changed_source_recompiles_only_that_module(tmp_path: Path, make_source: Source) -> None:
    cache = tmp_path / "cache"
    names = ["one", "two"]
    build_extensions(jobs_for(tmp_path / "a", names, make_source), cache_dir=cache)
    jobs = jobs_for(tmp_path / "b", names, make_source)
    jobs[1] = ExtensionJob("two", make_source("two", 7), jobs[1].output)
    result = build_extensions(jobs, cache_dir=cache)
    assert [m.cached for m in result.modules] == [True, False]
    assert import_and_call(tmp_path / "b", names) == {"one": 42, "two": 7}


def test_cache_key_covers_opt_level_and_python(tmp_path: Path, make_source: Source) -> None:
    cache = tmp_path / "cache"
    jobs = jobs_for(tmp_path / "o", ["keyed"], make_source)
    first = build_extensions(jobs, cache_dir=cache).modules[0].cache_key
    other_opt = build_extensions(jobs, cache_dir=cache, opt_level="1")
    assert not other_opt.modules[0].cached
    assert other_opt.modules[0].cache_key != first
    assert build_extensions(jobs, cache_dir=cache).modules[0].cache_key == first


def test_builds_are_reproducible(tmp_path: Path, make_source: Source) -> None:
    # Different caches, different temp dirs, different output paths: identical bytes.
    a = build_extensions(jobs_for(tmp_path / "a", ["repro"], make_source), cache_dir=tmp_path / "c1")
    b = build_extensions(jobs_for(tmp_path / "b", ["repro"], make_source), cache_dir=tmp_path / "c2")
    assert (a.compiled, b.compiled) == (1, 1)
    assert a.outputs[0].read_bytes() == b.outputs[0].read_bytes()


def test_compile_error_reports_command_message_and_kept_source(
    tmp_path: Path, make_source: Source
) -> None:
    bad = ExtensionJob("pkg.broken", "int f() { return undeclared_name; }\n", tmp_path / "broken.so")
    good = jobs_for(tmp_path / "out", ["fine"], make_source)[0]
    with pytest.raises(ToolchainError) as info:
        build_extensions([good, bad], cache_dir=tmp_path / "cache")
    error = info.value
    assert isinstance(error, ModuleCompileError)
    try:
        message = str(error)
        assert error.command is not None and "c++" in error.command
        assert error.returncode not in (None, 0)
        assert "undeclared_name" in error.stderr and "error" in error.stderr
        assert "pkg.broken" in message and "c++" in message and "undeclared_name" in message
        assert f"kept at {error.kept_source}" in message
        assert error.kept_source.read_text() == bad.cpp_source
        assert (error.kept_source.parent / "command.txt").is_file()
        assert str(error.kept_source) in error.stderr  # zig's messages point at the kept file
    finally:
        shutil.rmtree(error.kept_source.parent)
    assert not bad.output.exists()
    assert good.output.is_file()  # the other job still finished


def test_several_failures_are_all_reported(tmp_path: Path) -> None:
    jobs = [ExtensionJob(f"bad{i}", "syntax error here\n", tmp_path / f"bad{i}.so") for i in range(3)]
    with pytest.raises(ModuleCompileError) as info:
        build_extensions(jobs, cache_dir=tmp_path / "cache")
    error = info.value
    kept = [error.kept_source] + [path for _, path in error.also_failed]
    try:
        assert error.module_name == "bad0"
        assert [name for name, _ in error.also_failed] == ["bad1", "bad2"]
        message = str(error)
        assert "2 more module(s) failed" in message
        for path in kept:
            assert path.is_file() and str(path) in message
    finally:
        for path in kept:
            shutil.rmtree(path.parent)


def test_concurrent_builds_share_one_cache(tmp_path: Path, make_source: Source) -> None:
    cache = tmp_path / "cache"
    names = ["conc.a", "conc.b"]
    results: dict[int, BuildResult] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = build_extensions(
                jobs_for(tmp_path / f"t{i}", names, make_source, answer=101), cache_dir=cache
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for i in range(2):
        assert import_and_call(tmp_path / f"t{i}", names) == {n: 101 for n in names}
    entries = list((cache / "ext-v1").rglob("*.so"))
    assert len(entries) == 2
    assert not list((cache / "ext-v1").rglob("*.tmp"))  # no temp files left behind


def test_concurrent_processes_share_one_cache(tmp_path: Path, make_source: Source) -> None:
    cache = tmp_path / "cache"
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from ziggurat.toolchains import ExtensionJob, build_extensions
        out, cache, source = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
        r = build_extensions([ExtensionJob("proc_mod", source, out / "proc_mod.so")], cache_dir=cache)
        print(r.compiled, r.cached)
        """
    )
    source = make_source("proc_mod", 5)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / f"p{i}"), str(cache), source],
            cwd=Path(__file__).resolve().parents[2],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    first = (tmp_path / "p0" / "proc_mod.so").read_bytes()
    assert first == (tmp_path / "p1" / "proc_mod.so").read_bytes()
    assert len(list((cache / "ext-v1").rglob("*.so"))) == 1


@pytest.mark.skipif(not PYENV_313.exists(), reason="needs pyenv's CPython 3.13.0")
def test_build_for_another_interpreter(tmp_path: Path, make_source: Source) -> None:
    py313 = python_abi_for(str(PYENV_313))
    out = tmp_path / "out"
    job = ExtensionJob("other", make_source("other", 313), out / f"other{py313.ext_suffix}")
    build_extensions([job], python=py313, cache_dir=tmp_path / "cache")
    assert import_and_call(out, ["other"], python=str(PYENV_313)) == {"other": 313}


@pytest.mark.skipif(
    not (DEBIAN_PY.exists() and Path("/usr/include/x86_64-linux-gnu").is_dir()),
    reason="needs Debian's python3 with python3-dev (multiarch pyconfig.h)",
)
def test_build_for_debian_python(tmp_path: Path, make_source: Source) -> None:
    deb = python_abi_for(str(DEBIAN_PY))
    out = tmp_path / "out"
    job = ExtensionJob("deb", make_source("deb", 12), out / f"deb{deb.ext_suffix}")
    build_extensions([job], python=deb, cache_dir=tmp_path / "cache")
    assert import_and_call(out, ["deb"], python=str(DEBIAN_PY)) == {"deb": 12}


def test_refusals(tmp_path: Path, make_source: Source) -> None:
    job = jobs_for(tmp_path, ["r"], make_source)[0]
    with pytest.raises(InternalError, match="both write"):
        build_extensions([job, ExtensionJob("r2", "", job.output)], cache_dir=tmp_path)
    with pytest.raises(ConfigError):
        build_extensions([ExtensionJob("bad-name", "", tmp_path / "x.so")], cache_dir=tmp_path)
    assert build_extensions([], cache_dir=tmp_path).outputs == ()


def test_unwritable_cache_still_builds(
    tmp_path: Path, make_source: Source, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    jobs = jobs_for(tmp_path / "out", ["nocache"], make_source)
    result = build_extensions(jobs, cache_dir=blocker / "cache")
    assert result.compiled == 1
    assert "compile cache disabled" in caplog.text


def test_no_jobs_needs_no_zig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZIGGURAT_ZIG", str(tmp_path / "missing-zig"))
    result = build_extensions([], cache_dir=tmp_path)
    assert (result.outputs, result.compiled, result.cached) == ((), 0, 0)


def test_missing_zig_is_a_toolchain_error(
    tmp_path: Path, make_source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZIGGURAT_ZIG", str(tmp_path / "missing-zig"))
    with pytest.raises(ToolchainError, match="ZIGGURAT_ZIG"):
        build_extensions(jobs_for(tmp_path, ["needs_zig"], make_source), cache_dir=tmp_path)
