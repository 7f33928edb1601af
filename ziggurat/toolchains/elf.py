"""One small, in-place edit of a linked ELF shared object: musl's libc NEEDED name.

Target: *-linux-musl. Symptom: `auditwheel show` refuses the module ("libc.so needs to be
eliminated"), so the musllinux tag would be a lie to every policy checker. Cause: zig links
against its own musl stub whose soname is plain `libc.so`, while musl systems (and the
musllinux policy) name the library `libc.musl-<arch>.so.1`. musl's loader treats both names
as itself, so only the name changes, never behaviour.

How, without patchelf: a longer name does not fit over `libc.so` in .dynstr, and moving
.dynstr means rewriting the file's layout. Instead the link adds `-rpath <new name>`
(flags.py), which makes the linker put the exact string in .dynstr as a DT_RUNPATH entry;
`retarget_needed()` then points the DT_NEEDED entry at that string and deletes the
DT_RUNPATH entry (the later entries move up one slot and a DT_NULL fills the end). Sizes,
offsets and hashes of everything else stay as the linker wrote them.

This module edits only the .dynamic array of little-endian ELF64 files; it must not run
anything or know wheels.
"""

from __future__ import annotations

import struct
from pathlib import Path

from ..errors import InternalError

DT_NULL = 0
DT_NEEDED = 1
DT_STRTAB = 5
DT_RUNPATH = 29
PT_LOAD = 1
PT_DYNAMIC = 2


def dynamic_entries(data: bytes) -> tuple[list[tuple[int, int]], int]:
    """The (tag, value) pairs of PT_DYNAMIC up to DT_NULL, and the array's file offset."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise InternalError("toolchains", "not a little-endian ELF64 file")
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset = struct.unpack_from("<IIQ", data, phoff + i * phentsize)
        if p_type == PT_DYNAMIC:
            entries: list[tuple[int, int]] = []
            at = p_offset
            while True:
                tag, value = struct.unpack_from("<qQ", data, at)
                if tag == DT_NULL:
                    return entries, p_offset
                entries.append((tag, value))
                at += 16
    raise InternalError("toolchains", "no PT_DYNAMIC segment: not a shared object")


def _file_offset(data: bytes, vaddr: int) -> int:
    """The file offset of virtual address `vaddr`, through the PT_LOAD segments."""
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == PT_LOAD and p_vaddr <= vaddr < p_vaddr + p_filesz:
            return int(p_offset + vaddr - p_vaddr)
    raise InternalError("toolchains", f"address {vaddr:#x} is in no PT_LOAD segment")


def _string(data: bytes | bytearray, strtab: int, offset: int) -> str:
    start = strtab + offset
    return data[start : data.index(b"\0", start)].decode("utf-8")


def needed_names(data: bytes) -> tuple[str, ...]:
    """The DT_NEEDED library names, in order."""
    entries, _ = dynamic_entries(data)
    strtab = _file_offset(data, dict(entries)[DT_STRTAB])
    return tuple(_string(data, strtab, v) for t, v in entries if t == DT_NEEDED)


def retarget_needed(path: Path, old: str, new: str) -> bool:
    """Rename DT_NEEDED `old` to `new` in place, using the DT_RUNPATH entry that holds `new`
    (put there by the link's `-rpath new`), and remove that DT_RUNPATH entry.

    Returns True when a NEEDED entry was renamed; False when the module needs no `old`
    (a module using no libc function has no NEEDED at all), the helper entry still removed.
    """
    data = bytearray(path.read_bytes())
    entries, at = dynamic_entries(bytes(data))
    strtab = _file_offset(bytes(data), dict(entries)[DT_STRTAB])
    helper = [i for i, (t, v) in enumerate(entries) if t == DT_RUNPATH and _string(data, strtab, v) == new]
    if len(helper) != 1:
        raise InternalError("toolchains", f"{path.name}: expected one DT_RUNPATH {new!r} from the link, found {len(helper)}")
    string_offset = entries[helper[0]][1]
    renamed = False
    patched: list[tuple[int, int]] = []
    for i, (tag, value) in enumerate(entries):
        if i == helper[0]:
            continue
        if tag == DT_NEEDED and _string(data, strtab, value) == old:
            value, renamed = string_offset, True
        patched.append((tag, value))
    patched.append((DT_NULL, 0))  # the array keeps its size: the freed slot becomes DT_NULL
    for i, (tag, value) in enumerate(patched):
        struct.pack_into("<qQ", data, at + 16 * i, tag, value)
    path.write_bytes(bytes(data))
    return renamed
