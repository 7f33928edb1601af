"""Pure pieces of cross-compiling: target suffixes, the Windows pyconfig.h and shadow headers,
the COFF reader and .def text, the ELF NEEDED edit, Python versions and header directories.
No zig here (tests/cross compiles real modules)."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

from ziggurat.errors import ConfigError, InternalError
from ziggurat.toolchains import (
    ALL_TARGETS,
    TARGET_TABLE,
    Target,
    find_python,
    host_python_abi,
    parse_python_version,
    python_abi_from_headers,
    target_ext_suffix,
    target_python_abi,
    zig_triple,
)
from ziggurat.toolchains.elf import needed_names, retarget_needed
from ziggurat.toolchains.python_abi import PythonABI
from ziggurat.toolchains.targets import musl_libc_soname
from ziggurat.toolchains.windows import (
    coff_machine,
    def_file_text,
    pyconfig_h_text,
    python_symbols,
    undefined_symbols,
    windows_include_dir,
)

SUFFIXES = {
    "linux-x86_64": ".cpython-{v}-x86_64-linux-gnu.so",
    "linux-aarch64": ".cpython-{v}-aarch64-linux-gnu.so",
    "musllinux-x86_64": ".cpython-{v}-x86_64-linux-musl.so",
    "musllinux-aarch64": ".cpython-{v}-aarch64-linux-musl.so",
    "macos-x86_64": ".cpython-{v}-darwin.so",
    "macos-arm64": ".cpython-{v}-darwin.so",
    "windows-x64": ".cp{v}-win_amd64.pyd",
    "windows-arm64": ".cp{v}-win_arm64.pyd",
}


@pytest.mark.parametrize("row", TARGET_TABLE, ids=lambda r: r.alias)
@pytest.mark.parametrize("abi", ["cp310", "cp313", "cp313t"])
def test_ext_suffix_per_target(row: object, abi: str) -> None:
    alias, target = row.alias, row.target  # type: ignore[attr-defined]
    assert target_ext_suffix(target, abi) == SUFFIXES[alias].format(v=abi[2:])


def test_stable_abi_suffixes() -> None:
    assert {target_ext_suffix(t, "abi3") for t in ALL_TARGETS if not t.is_windows} == {".abi3.so"}
    assert {target_ext_suffix(t, "abi3") for t in ALL_TARGETS if t.is_windows} == {".pyd"}
    with pytest.raises(InternalError):
        target_ext_suffix(ALL_TARGETS[0], "pp73")


def test_musl_libc_names() -> None:
    assert [musl_libc_soname(t) for t in ALL_TARGETS if t.libc == "musl"] == [
        "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"]


def test_windows_pyconfig_is_llp64_and_dll_imported() -> None:
    text = pyconfig_h_text((3, 12))
    for define in ("MS_WINDOWS", "MS_WIN64", "NT_THREADS", "Py_ENABLE_SHARED 1", "HAVE_DECLSPEC_DLL",
                   "SIZEOF_LONG 4", "SIZEOF_WCHAR_T 2", "SIZEOF_VOID_P 8", "SIZEOF_SIZE_T 8"):
        assert f"#define {define}\n" in text, define
    # Nothing Unix-only that would make pyport.h include <sys/select.h> and friends.
    assert "HAVE_SYS_" not in text and "HAVE_UNISTD_H" not in text
    assert "#error" in text  # a 32-bit target fails loudly instead of miscompiling
    with pytest.raises(Exception, match="3.10 or newer"):
        pyconfig_h_text((3, 9))


def test_shadow_include_dir(tmp_path: Path) -> None:
    source = tmp_path / "inc"
    (source / "cpython").mkdir(parents=True)
    (source / "Python.h").write_text("#include \"pyconfig.h\"\n")
    (source / "pyconfig.h").write_text("#define SIZEOF_LONG 8\n")
    (source / "cpython" / "object.h").write_text("/* object */\n")
    shadow = windows_include_dir([source], (3, 11), tmp_path / "cache" / "windows-abc")
    assert (shadow / "Python.h").read_text() == "#include \"pyconfig.h\"\n"
    assert (shadow / "cpython" / "object.h").is_file()
    assert (shadow / "pyconfig.h").read_text() == pyconfig_h_text((3, 11))
    assert (source / "pyconfig.h").read_text() == "#define SIZEOF_LONG 8\n"  # the original is untouched
    # Reused as is the second time (its name is a content hash); no temp dirs left behind.
    assert windows_include_dir([source], (3, 11), shadow) == shadow
    assert sorted(p.name for p in shadow.parent.iterdir()) == ["windows-abc"]


def _coff(symbols: list[tuple[str, int, int, int]], *, bigobj: bool, machine: int = 0x8664) -> bytes:
    """A COFF object with no sections and these (name, value, section, storage class) symbols."""
    record = 20 if bigobj else 18
    header_size = 56 if bigobj else 20
    strings = b""
    table = b""
    for name, value, section, storage in symbols:
        raw = name.encode()
        if len(raw) <= 8:
            field = raw.ljust(8, b"\0")
        else:
            field = b"\0\0\0\0" + struct.pack("<I", 4 + len(strings))
            strings += raw + b"\0"
        table += field + struct.pack("<I", value)
        table += struct.pack("<i" if bigobj else "<h", section)
        table += struct.pack("<HBB", 0x20, storage, 0)
        assert len(table) % record == 0
    if bigobj:
        header = struct.pack("<HHHHI16sIIIIIII", 0, 0xFFFF, 2, machine, 0, b"\0" * 16, 0, 0, 0, 0, 0,
                             header_size, len(symbols))
    else:
        header = struct.pack("<HHIIIHH", machine, 0, 0, header_size, len(symbols), 0, 0)
    assert len(header) == header_size
    return header + table + struct.pack("<I", 4 + len(strings)) + strings


@pytest.mark.parametrize("bigobj", [False, True])
def test_coff_undefined_symbols(bigobj: bool) -> None:
    data = _coff([
        ("__imp_PyLong_FromLong", 0, 0, 2),  # undefined, through the import table
        ("PyInit_mod", 0, 1, 2),  # defined in section 1
        ("_PyObject_GetMethod", 0, 0, 2),  # undefined, plain declaration
        ("memcpy", 0, 0, 2),  # undefined, from the CRT
        ("static_fn", 0, 1, 3),  # static
        ("common_var", 8, 0, 2),  # a common symbol: defined by the object
    ], bigobj=bigobj, machine=0xAA64)
    assert coff_machine(data) == 0xAA64
    undefined = undefined_symbols(data)
    assert undefined == ("__imp_PyLong_FromLong", "_PyObject_GetMethod", "memcpy")
    assert python_symbols(undefined) == ("PyLong_FromLong", "_PyObject_GetMethod")


def test_coff_garbage_is_an_internal_error() -> None:
    with pytest.raises(InternalError, match="not a readable COFF"):
        undefined_symbols(b"\x64\x86\x00\x00" + b"\xff" * 12, where="x.obj")


def test_def_file() -> None:
    assert def_file_text("python312.dll", ["PyType_Ready", "PyBool_Type", "PyType_Ready"]) == (
        "LIBRARY python312.dll\nEXPORTS\n    PyBool_Type\n    PyType_Ready\n")


def _elf_with_dynamic(entries: list[tuple[int, int]], strings: bytes) -> bytes:
    """A minimal ELF64 LE: one PT_LOAD covering the file, PT_DYNAMIC, .dynstr at 0x200."""
    dynamic_at, strtab_at = 0x100, 0x200
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 0x20, 64)  # e_phoff
    struct.pack_into("<HH", header, 0x36, 56, 2)  # e_phentsize, e_phnum
    size = strtab_at + len(strings)
    phdrs = struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, size, size, 0x1000)  # PT_LOAD, vaddr == offset
    phdrs += struct.pack("<IIQQQQQQ", 2, 6, dynamic_at, dynamic_at, 0, 16 * 8, 16 * 8, 8)
    data = bytearray(size)
    data[:64] = header
    data[64 : 64 + len(phdrs)] = phdrs
    for i, (tag, value) in enumerate([*entries, (0, 0)]):
        struct.pack_into("<qQ", data, dynamic_at + 16 * i, tag, value)
    data[strtab_at:] = strings
    return bytes(data)


def test_elf_needed_retargeted_through_the_planted_runpath(tmp_path: Path) -> None:
    strings = b"\0libc.so\0libc.musl-x86_64.so.1\0libm.so\0"
    entries = [(29, 9), (1, 1), (1, 31), (5, 0x200), (10, len(strings))]  # RUNPATH, NEEDED x2, STRTAB, STRSZ
    path = tmp_path / "m.so"
    path.write_bytes(_elf_with_dynamic(entries, strings))
    assert needed_names(path.read_bytes()) == ("libc.so", "libm.so")
    assert retarget_needed(path, "libc.so", "libc.musl-x86_64.so.1") is True
    data = path.read_bytes()
    assert needed_names(data) == ("libc.musl-x86_64.so.1", "libm.so")
    # The RUNPATH entry is gone and the array ends in DT_NULL; the file keeps its size.
    tags = [struct.unpack_from("<q", data, 0x100 + 16 * i)[0] for i in range(6)]
    assert tags == [1, 1, 5, 10, 0, 0] and len(data) == len(_elf_with_dynamic(entries, strings))


def test_elf_without_libc_needed_only_loses_the_runpath(tmp_path: Path) -> None:
    strings = b"\0libc.musl-aarch64.so.1\0"
    path = tmp_path / "m.so"
    path.write_bytes(_elf_with_dynamic([(29, 1), (5, 0x200)], strings))
    assert retarget_needed(path, "libc.so", "libc.musl-aarch64.so.1") is False
    assert needed_names(path.read_bytes()) == ()
    with pytest.raises(InternalError, match="expected one DT_RUNPATH"):
        retarget_needed(path, "libc.so", "libc.musl-aarch64.so.1")


@pytest.mark.parametrize("text, version", [("3.11", (3, 11)), ("311", (3, 11)), ("cp313", (3, 13)), (" py3.10 ", (3, 10))])
def test_parse_python_version(text: str, version: tuple[int, int]) -> None:
    assert parse_python_version(text) == version


@pytest.mark.parametrize("text", ["2.7", "3", "three", "3.11.4"])
def test_parse_python_version_rejects(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_python_version(text)
    assert info.value.key == "python-version"


def test_find_python_for_this_version_is_this_interpreter() -> None:
    assert find_python(sys.version_info[:2]) == sys.executable


def test_find_python_missing_version_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="--python-headers"):
        find_python((3, 4))


def _headers(root: Path, minor: int, pyconfig: str = "#define SIZEOF_LONG 8\n") -> Path:
    inc = root / f"python3.{minor}"
    inc.mkdir(parents=True)
    (inc / "Python.h").write_text("")
    (inc / "patchlevel.h").write_text(f"#define PY_MAJOR_VERSION 3\n#define PY_MINOR_VERSION {minor}\n")
    (inc / "pyconfig.h").write_text(pyconfig)
    return inc


def test_python_abi_from_headers(tmp_path: Path) -> None:
    abi = python_abi_from_headers(_headers(tmp_path / "a", 12))
    assert (abi.version, abi.python_tag, abi.abi_tag, abi.executable) == ((3, 12), "cp312", "cp312", "")
    free = python_abi_from_headers(_headers(tmp_path / "b", 13, "#define Py_GIL_DISABLED 1\n"))
    assert (free.python_tag, free.abi_tag) == ("cp313", "cp313t")
    with pytest.raises(ConfigError, match="Python.h"):
        python_abi_from_headers(tmp_path)


def test_target_abi_for_every_target(tmp_path: Path) -> None:
    abi = python_abi_from_headers(_headers(tmp_path / "inc", 11))
    for target in ALL_TARGETS:
        prepared = target_python_abi(abi, target, tmp_path / "cache")
        assert prepared.target_triple == zig_triple(target)
        assert prepared.ext_suffix == target_ext_suffix(target, "cp311")
        assert target_python_abi(prepared, target, tmp_path / "cache") is prepared
        if target.is_windows:
            (shadow,) = prepared.include_dirs
            assert prepared.dll_name == "python311.dll"
            assert "MS_WINDOWS" in (shadow / "pyconfig.h").read_text()
            assert prepared.identity() != abi.identity()
        else:
            assert prepared.include_dirs == abi.include_dirs and prepared.dll_name == ""
        with pytest.raises(InternalError):  # prepared for one target, never reused for another
            target_python_abi(prepared, Target("x86_64", "windows") if not target.is_windows else ALL_TARGETS[0])


def test_host_target_keeps_the_interpreters_own_suffix() -> None:
    from ziggurat.toolchains import host_target

    host = host_python_abi()
    assert target_python_abi(host, host_target()).ext_suffix == host.ext_suffix


def test_unix_targets_refuse_windows_or_32_bit_headers(tmp_path: Path) -> None:
    windows = python_abi_from_headers(_headers(tmp_path / "w", 11, "#define MS_WINDOWS\n#define SIZEOF_LONG 4\n"))
    small = python_abi_from_headers(_headers(tmp_path / "s", 11, "#define SIZEOF_LONG 4\n#define SIZEOF_VOID_P 4\n"))
    for abi in (windows, small):
        with pytest.raises(ConfigError, match="64-bit Linux or macOS"):
            target_python_abi(abi, Target("aarch64", "linux", "gnu", "2.17"), tmp_path / "cache")


def test_unsupported_versions_and_free_threaded_windows(tmp_path: Path) -> None:
    old = python_abi_from_headers(_headers(tmp_path / "o", 9))
    with pytest.raises(ConfigError, match="not supported"):
        target_python_abi(old, Target("x86_64", "windows"), tmp_path / "cache")
    free = python_abi_from_headers(_headers(tmp_path / "f", 13, "#define Py_GIL_DISABLED 1\n#define SIZEOF_LONG 8\n"))
    with pytest.raises(ConfigError, match="cp313t"):
        target_python_abi(free, Target("x86_64", "windows"), tmp_path / "cache")
    assert target_python_abi(free, Target("aarch64", "linux", "musl", "1.2")).ext_suffix == (
        ".cpython-313t-aarch64-linux-musl.so")


def test_python_abi_is_hashable_for_the_lru_cache() -> None:
    abi = PythonABI((3, 11), (Path("/x"),), ".so", "cp311", "cp311")
    assert hash(abi) == hash(PythonABI((3, 11), (Path("/x"),), ".so", "cp311", "cp311"))


def test_debian_style_headers(tmp_path: Path) -> None:
    """Debian's python3.X-dev: a stub pyconfig.h including the multiarch one under /usr/include."""
    inc = _headers(tmp_path / "usr" / "include", 11, "#include <x86_64-linux-gnu/python3.11/pyconfig.h>\n")
    real = tmp_path / "usr" / "include" / "x86_64-linux-gnu" / "python3.11"
    real.mkdir(parents=True)
    (real / "pyconfig.h").write_text("#define SIZEOF_LONG 8\n#define SIZEOF_WCHAR_T 4\n")
    (tmp_path / "usr" / "include" / "stdio.h").write_text("/* the host's libc: never copied */\n")
    abi = python_abi_from_headers(inc)
    assert abi.after_include_dirs == (tmp_path / "usr" / "include",)
    assert target_python_abi(abi, Target("aarch64", "macos", macos_min="11.0")).include_dirs == (inc,)
    windows = target_python_abi(abi, Target("x86_64", "windows"), tmp_path / "cache")
    (shadow,) = windows.include_dirs
    assert sorted(p.name for p in shadow.iterdir()) == ["Python.h", "patchlevel.h", "pyconfig.h"]
    assert windows.after_include_dirs == ()
