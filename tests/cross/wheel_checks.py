"""Check one cross-built wheel of the sample project as a whole: its name and tags (read with
`packaging`), RECORD, the extension modules in place of the sources, package data and entry
points, every binary with the parser for its format, and `auditwheel show` for Linux."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from packaging.tags import Tag, mac_platforms
from packaging.utils import parse_wheel_filename

from artifacts import check_elf, check_macho, check_pe
from ziggurat.toolchains import target_ext_suffix
from ziggurat.toolchains.targets import TargetRow

DIST, VERSION = "stockroom", "0.3.0"
DIST_INFO = f"{DIST}-{VERSION}.dist-info"


def sample_modules(source_root: Path) -> dict[str, str]:
    """member stem ("stockroom/models/__init__") -> PyInit name ("models"), for every .py."""
    modules = {}
    for path in sorted(source_root.rglob("*.py")):
        stem = path.relative_to(source_root).with_suffix("").as_posix()
        parts = stem.split("/")
        modules[stem] = parts[-2] if parts[-1] == "__init__" else parts[-1]
    return modules


def check_record(archive: zipfile.ZipFile) -> None:
    rows = list(csv.reader(io.StringIO(archive.read(f"{DIST_INFO}/RECORD").decode())))
    assert sorted(r[0] for r in rows) == sorted(archive.namelist())
    for path, digest, size in rows:
        if path.endswith("RECORD"):
            continue
        data = archive.read(path)
        expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, int(size)) == (expected, len(data)), path


def auditwheel_show(wheel: Path) -> str:
    proc = subprocess.run([sys.executable, "-m", "auditwheel", "show", str(wheel)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return " ".join(proc.stdout.split())


def check_wheel(wheel: Path, row: TargetRow, python_tag: str, modules: dict[str, str]) -> dict[str, Any]:
    """Everything about one wheel; returns figures (size, per-format findings)."""
    target = row.target
    name, version, build, tags = parse_wheel_filename(wheel.name)
    assert (str(name), str(version), build) == (DIST, VERSION, ())
    expected_tags = [Tag(python_tag, python_tag, platform) for platform in row.wheel_tags]
    assert tags == frozenset(expected_tags)
    if target.is_macos:
        # A macOS 11 pip of that arch accepts it (packaging's own list of compatible tags).
        assert row.wheel_tags[0] in list(mac_platforms((11, 0), row.wheel_tags[0].split("_", 3)[3]))
    suffix = target_ext_suffix(target, python_tag)
    findings: dict[str, Any] = {"size": wheel.stat().st_size}
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        wheel_file = archive.read(f"{DIST_INFO}/WHEEL").decode()
        assert "Root-Is-Purelib: false" in wheel_file
        assert re.findall(r"^Tag: (.+)$", wheel_file, re.M) == [str(t) for t in expected_tags]
        check_record(archive)
        assert {"stockroom/catalog.json", "stockroom/banner.txt"} <= names  # package data kept
        assert "stockroom = stockroom.cli:main" in archive.read(f"{DIST_INFO}/entry_points.txt").decode()
        binaries = sorted(n for n in names if n.endswith((".so", ".pyd")))
        assert binaries == sorted(stem + suffix for stem in modules)
        assert not any(stem + ".py" in names for stem in modules)  # compiled, not shipped as source
        for member in binaries:
            stem = member[: -len(suffix)]
            module = modules[stem]
            data = archive.read(member)
            assert archive.getinfo(member).external_attr >> 16 & 0o755 == 0o755
            if target.is_windows:
                seen = check_pe(data, arch=target.arch, module=module, dll=f"python{python_tag[2:]}.dll")
            elif target.is_macos:
                seen = check_macho(data, arch=target.arch, module=module, minos=(11, 0))
            else:
                seen = check_elf(data, arch=target.arch, libc=target.libc, module=module)
            findings.setdefault("binaries", {})[member] = seen
    if target.is_linux:
        shown = auditwheel_show(wheel)
        if target.libc == "musl":
            assert re.search(rf'consistent with the following platform tag:\s+"musllinux_1_2_{target.arch}"', shown), shown
        else:
            match = re.search(r'consistent with the following platform tag:\s+"manylinux_(\d+)_(\d+)_(\w+)"', shown)
            assert match, shown
            # auditwheel names the oldest policy the wheel meets; ours (2.17) must not be older.
            assert (int(match[1]), int(match[2])) <= (2, 17) and match[3] == target.arch, shown
        findings["auditwheel"] = shown
    return findings
