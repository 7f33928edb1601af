"""Structural checks of cross-built extension modules, each with a real parser.

ELF (pyelftools): machine, NEEDED libraries, symbol-version floor, exported dynamic symbols.
Mach-O (macholib for the load commands; the export trie, bind opcodes and code signature are
decoded here, following Apple's <mach-o/loader.h> and <kern/cs_blobs.h> layouts): arch,
file type, minimum OS, loaded libraries, exports, Python symbols left for dynamic lookup,
and for arm64 an ad-hoc signature whose page hashes match the file.
PE (pefile): machine, DLL flag, imported DLLs, exported names.

Each check returns a small dict of what it saw (for messages and figures) and asserts.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
from typing import Any

import pefile  # type: ignore[import-untyped]
from elftools.elf.elffile import ELFFile
from macholib import mach_o  # type: ignore[import-untyped]
from macholib.MachO import MachO  # type: ignore[import-untyped]

ELF_MACHINE = {"x86_64": "EM_X86_64", "aarch64": "EM_AARCH64"}
# What a manylinux2014 module may need (the policy's libraries that zig's output uses).
GLIBC_LIBS = {"libc.so.6", "libpthread.so.0", "libdl.so.2", "libm.so.6", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}
MACHO_CPU = {"x86_64": 0x01000007, "aarch64": 0x0100000C}  # CPU_TYPE_X86_64, CPU_TYPE_ARM64
PE_MACHINE = {"x86_64": 0x8664, "aarch64": 0xAA64}
# Symbols zig's Mach-O linker synthesises and exports from every dylib (Apple's ld keeps
# them private); harmless under the two-level namespace, but they are not ours.
MACHO_LINKER_SYMBOLS = {"__mh_dylib_header", "___dso_handle"}
# Windows: the Python DLL, KERNEL32 and the Universal CRT, nothing else. The UCRT (the
# api-ms-win-crt-* API sets, or ucrtbase.dll directly) is what python.org's builds use
# since 3.5 and ships with Windows 10+; msvcrt.dll would be a second, older CRT, and any
# libstdc++/libgcc/winpthread DLL a file the user does not have.
PE_ALLOWED = re.compile(r"(?i)(kernel32\.dll|api-ms-win-crt-[a-z]+-l1-1-0\.dll|ucrtbase\.dll)")


def check_elf(data: bytes, *, arch: str, libc: str, module: str) -> dict[str, Any]:
    elf = ELFFile(io.BytesIO(data))
    assert elf.header["e_machine"] == ELF_MACHINE[arch], elf.header["e_machine"]
    assert elf.header["e_type"] == "ET_DYN"
    dynamic = elf.get_section_by_name(".dynamic")
    needed = [tag.needed for tag in dynamic.iter_tags() if tag.entry.d_tag == "DT_NEEDED"]
    runpaths = [tag.entry.d_tag for tag in dynamic.iter_tags() if tag.entry.d_tag in ("DT_RPATH", "DT_RUNPATH")]
    assert not runpaths, runpaths  # the musl helper RUNPATH must be gone
    if libc == "musl":
        assert set(needed) <= {f"libc.musl-{arch}.so.1"}, needed
    else:
        assert set(needed) <= GLIBC_LIBS, needed
    symbols = list(elf.get_section_by_name(".dynsym").iter_symbols())
    exported = sorted(s.name for s in symbols if s.name and s["st_shndx"] != "SHN_UNDEF"
                      and s["st_info"]["bind"] in ("STB_GLOBAL", "STB_WEAK"))
    assert exported == [f"PyInit_{module}"], exported
    undefined = {s.name for s in symbols if s.name and s["st_shndx"] == "SHN_UNDEF"}
    assert any(n.startswith("Py") for n in undefined), "no Python API left for the interpreter"
    glibc: list[tuple[int, ...]] = []
    versions = elf.get_section_by_name(".gnu.version_r")
    if versions is not None:
        for _, auxes in versions.iter_versions():
            for aux in auxes:
                if aux.name.startswith("GLIBC_"):
                    glibc.append(tuple(int(p) for p in aux.name[6:].split(".")))
    if libc == "gnu":
        assert max(glibc, default=(0,)) <= (2, 17), glibc
    return {"needed": needed, "exported": exported, "glibc_max": max(glibc, default=())}


def _uleb(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def macho_exports(trie: bytes) -> list[str]:
    """Names in a dyld export trie (LC_DYLD_INFO export_off/size)."""
    names: list[str] = []

    def walk(node: int, prefix: str) -> None:
        info_size, at = _uleb(trie, node)
        if info_size:
            names.append(prefix)
        at += info_size
        children = trie[at]
        at += 1
        for _ in range(children):
            end = trie.index(b"\0", at)
            label = trie[at:end].decode()
            child, at = _uleb(trie, end + 1)
            walk(child, prefix + label)

    if trie:
        walk(0, "")
    return sorted(names)


def macho_bind_ordinals(opcodes: bytes) -> dict[str, int]:
    """Symbol -> library ordinal of each bind in a dyld bind-opcode stream
    (-2 is BIND_SPECIAL_DYLIB_FLAT_LOOKUP: looked up in every loaded image)."""
    ordinals: dict[str, int] = {}
    at, ordinal, symbol = 0, 0, ""
    while at < len(opcodes):
        op, imm = opcodes[at] & 0xF0, opcodes[at] & 0x0F
        at += 1
        if op == 0x10:  # SET_DYLIB_ORDINAL_IMM
            ordinal = imm
        elif op == 0x20:  # SET_DYLIB_ORDINAL_ULEB
            ordinal, at = _uleb(opcodes, at)
        elif op == 0x30:  # SET_DYLIB_SPECIAL_IMM (0, -1, -2, -3 as a sign-extended nibble)
            ordinal = (imm | 0xF0) - 0x100 if imm else 0
        elif op == 0x40:  # SET_SYMBOL_TRAILING_FLAGS_IMM
            end = opcodes.index(b"\0", at)
            symbol, at = opcodes[at:end].decode(), end + 1
        elif op == 0x60:  # SET_ADDEND_SLEB
            while opcodes[at] & 0x80:
                at += 1
            at += 1
        elif op in (0x70, 0x80, 0xA0):  # SET_SEGMENT_AND_OFFSET_ULEB, ADD_ADDR_ULEB, DO_BIND_ADD_ADDR_ULEB
            _, at = _uleb(opcodes, at)
            if op == 0xA0:
                ordinals[symbol] = ordinal
        elif op == 0xC0:  # DO_BIND_ULEB_TIMES_SKIPPING_ULEB
            _, at = _uleb(opcodes, at)
            _, at = _uleb(opcodes, at)
            ordinals[symbol] = ordinal
        elif op in (0x90, 0xB0):  # DO_BIND, DO_BIND_ADD_ADDR_IMM_SCALED
            ordinals[symbol] = ordinal
        # 0x00 DONE, 0x50 SET_TYPE_IMM: nothing to record
    return ordinals


CSMAGIC_EMBEDDED_SIGNATURE = 0xFADE0CC0
CSMAGIC_CODEDIRECTORY = 0xFADE0C02
CS_ADHOC = 0x2
CS_HASHTYPE_SHA256 = 2


def check_code_signature(data: bytes, dataoff: int, datasize: int) -> dict[str, Any]:
    """Parse the embedded signature and recompute every code page hash."""
    blob = data[dataoff : dataoff + datasize]
    magic, _, count = struct.unpack_from(">III", blob, 0)
    assert magic == CSMAGIC_EMBEDDED_SIGNATURE, hex(magic)
    directories = []
    for i in range(count):
        _, offset = struct.unpack_from(">II", blob, 12 + 8 * i)
        if struct.unpack_from(">I", blob, offset)[0] == CSMAGIC_CODEDIRECTORY:
            directories.append(offset)
    assert directories, "no CodeDirectory"
    cd = directories[0]
    (_, _, version, flags, hash_offset, ident_offset, _, code_slots, code_limit,
     hash_size, hash_type, _, page_log2) = struct.unpack_from(">IIIIIIIIIBBBB", blob, cd)
    assert flags & CS_ADHOC, f"not ad-hoc signed (flags {flags:#x})"
    assert hash_type == CS_HASHTYPE_SHA256 and hash_size == 32, (hash_type, hash_size)
    assert code_limit == dataoff, "the signature must cover the whole file before it"
    page = 1 << page_log2
    assert code_slots == -(-code_limit // page)
    for slot in range(code_slots):
        expected = blob[cd + hash_offset + slot * 32 : cd + hash_offset + (slot + 1) * 32]
        actual = hashlib.sha256(data[slot * page : min((slot + 1) * page, code_limit)]).digest()
        assert actual == expected, f"page {slot} hash mismatch"
    identifier = blob[cd + ident_offset : blob.index(b"\0", cd + ident_offset)].decode()
    return {"flags": flags, "pages": code_slots, "page_size": page, "identifier": identifier, "version": version}


def check_macho(data: bytes, *, arch: str, module: str, minos: tuple[int, int] = (11, 0)) -> dict[str, Any]:
    macho = MachO.__new__(MachO)
    macho.graphident = macho.filename = "<memory>"
    macho.allow_unknown_load_commands = True
    macho.fat = None
    macho.headers = []
    macho.load(io.BytesIO(data))
    assert len(macho.headers) == 1, "expected a thin (one-arch) Mach-O"
    header = macho.headers[0]
    assert header.header.cputype == MACHO_CPU[arch], header.header.cputype
    assert header.filetype in ("dylib", "bundle"), header.filetype
    loaded, build, signature, dyld_info = [], None, None, None
    for command, body, extra in header.commands:
        if command.cmd in (mach_o.LC_LOAD_DYLIB, mach_o.LC_LOAD_WEAK_DYLIB, mach_o.LC_REEXPORT_DYLIB):
            loaded.append(extra.rstrip(b"\0").decode())
        elif command.cmd == mach_o.LC_BUILD_VERSION:
            build = body
        elif command.cmd == mach_o.LC_CODE_SIGNATURE:
            signature = body
        elif command.cmd in (mach_o.LC_DYLD_INFO, mach_o.LC_DYLD_INFO_ONLY):
            dyld_info = body
    assert loaded == ["/usr/lib/libSystem.B.dylib"], loaded
    assert build is not None and build.platform == 1, "no LC_BUILD_VERSION for macOS"  # PLATFORM_MACOS
    assert (build.minos >> 16, (build.minos >> 8) & 0xFF) == minos, hex(build.minos)
    assert dyld_info is not None, "no LC_DYLD_INFO (chained fixups are not decoded here)"
    exports = macho_exports(data[dyld_info.export_off : dyld_info.export_off + dyld_info.export_size])
    assert f"_PyInit_{module}" in exports, exports
    assert set(exports) - {f"_PyInit_{module}"} <= MACHO_LINKER_SYMBOLS, exports
    binds = macho_bind_ordinals(data[dyld_info.bind_off : dyld_info.bind_off + dyld_info.bind_size])
    binds.update(macho_bind_ordinals(data[dyld_info.lazy_bind_off : dyld_info.lazy_bind_off + dyld_info.lazy_bind_size]))
    python = {name: ordinal for name, ordinal in binds.items() if name.startswith(("_Py", "__Py"))}
    assert python, "no Python symbols bound"
    assert set(python.values()) == {-2}, {n: o for n, o in python.items() if o != -2}  # flat lookup
    seen: dict[str, Any] = {"exports": exports, "minos": "%d.%d" % minos, "python_symbols": len(python)}
    if arch == "aarch64":
        assert signature is not None, "arm64 macOS needs a code signature"
        seen["signature"] = check_code_signature(data, signature.dataoff, signature.datasize)
    return seen


def check_pe(data: bytes, *, arch: str, module: str, dll: str) -> dict[str, Any]:
    pe = pefile.PE(data=data)
    assert pe.FILE_HEADER.Machine == PE_MACHINE[arch], hex(pe.FILE_HEADER.Machine)
    assert pe.FILE_HEADER.Characteristics & 0x2000, "not a DLL"  # IMAGE_FILE_DLL
    assert pe.OPTIONAL_HEADER.Magic == 0x20B, "not PE32+"
    imports = [entry.dll.decode() for entry in pe.DIRECTORY_ENTRY_IMPORT]
    assert dll in imports, imports
    others = [name for name in imports if name != dll]
    assert all(PE_ALLOWED.fullmatch(name) for name in others), others
    python_imports = [imp.name.decode() for entry in pe.DIRECTORY_ENTRY_IMPORT if entry.dll.decode() == dll
                      for imp in entry.imports]
    assert python_imports and all(n.startswith(("Py", "_Py")) for n in python_imports), python_imports
    exports = [symbol.name.decode() for symbol in pe.DIRECTORY_ENTRY_EXPORT.symbols]
    assert exports == [f"PyInit_{module}"], exports
    return {"imports": imports, "exports": exports, "python_imports": len(python_imports)}
