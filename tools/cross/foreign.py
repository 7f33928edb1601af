"""Run Python code under a foreign target's real CPython (qemu for aarch64, wine for Windows,
natively for the musl CPython built by provision.py).

    py = provisioned_python("linux-aarch64", "3.11")        # provisions first when needed
    site = install_wheel(wheel, tmp / "site", py)          # unpack; checks the wheel's tags
    proc = py.run(["-c", "import stockroom"], cwd=tmp, extra_paths=[site])

`ForeignPython.run` returns the CompletedProcess whatever the exit status (the caller
compares exit codes and stderr with CPython's own); stdout and stderr are text with
universal newlines, so a Windows program's "\r\n" reads as "\n" just as the host's does.
The foreign interpreter sees only the environment it needs: the caller's PYTHON* variables
are dropped, and `extra_paths` become its PYTHONPATH (in the target's own path syntax).

This module must not install anything (provision.py does) nor build wheels.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.tags import Tag
from packaging.utils import parse_wheel_filename

from ziggurat.errors import ToolchainError
from ziggurat.toolchains.run import run

from . import provision
from .provision import LINUX_AARCH64, MUSLLINUX_X86_64, target_alias

@dataclass(frozen=True)
class ForeignPython:
    """One foreign interpreter and how to start it on this machine."""

    target: str  # an alias from provision.TARGETS
    version: str  # "3.11"
    command: tuple[str, ...]  # argv that starts the interpreter (arguments follow)
    env: tuple[tuple[str, str], ...] = ()  # added to the environment of every run
    windows: bool = False  # paths and PYTHONPATH in Windows syntax (Z: is wine's view of /)

    def guest_path(self, path: Path) -> str:
        """`path` as the foreign interpreter names it."""
        path = Path(path).resolve()
        return "Z:" + str(path).replace("/", "\\") if self.windows else str(path)

    def run(
        self,
        args: Sequence[str | os.PathLike[str]],
        *,
        cwd: Path,
        extra_paths: Sequence[Path] = (),
        env: Mapping[str, str] | None = None,
        timeout: float = 600,
    ) -> subprocess.CompletedProcess[str]:
        """Run the interpreter with `args` in `cwd`; `extra_paths` go first on sys.path."""
        full = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        full.update(self.env)
        if extra_paths:
            sep = ";" if self.windows else ":"
            full["PYTHONPATH"] = sep.join(self.guest_path(p) for p in extra_paths)
        full.update(env or {})
        return run([*self.command, *args], cwd=cwd, env=full, timeout=timeout, check=False)

    def accepts(self, wheel: Path) -> bool:
        """Whether pip on the target would install `wheel` (python and platform tags)."""
        _name, _version, _build, tags = parse_wheel_filename(wheel.name)
        return any(self._accepts_tag(tag) for tag in tags)

    def _accepts_tag(self, tag: Tag) -> bool:
        cp = "cp" + self.version.replace(".", "")
        major, minor = (int(x) for x in self.version.split("."))
        if tag.interpreter in (cp, "py3", f"py{major}{minor}") or (
            tag.abi == "abi3" and tag.interpreter.startswith("cp3") and int(tag.interpreter[3:]) <= minor
        ):
            if tag.abi not in ("none", "abi3", cp):
                return False
        else:
            return False
        if tag.platform == "any":
            return True
        if self.target == LINUX_AARCH64:
            return tag.platform == "linux_aarch64" or (
                tag.platform.startswith("manylinux") and tag.platform.endswith("_aarch64")
            )
        if self.target == MUSLLINUX_X86_64:
            # Debian's musl is 1.2.3: musllinux_1_0 .. musllinux_1_2.
            return tag.platform == "linux_x86_64" or tag.platform in {
                f"musllinux_1_{minor}_x86_64" for minor in range(3)
            }
        return tag.platform == "win_amd64"


def foreign_python(target: str, version: str, *, cache: Path | None = None) -> ForeignPython:
    """The provisioned interpreter for `target`; ToolchainError (saying how to provision) if absent."""
    alias = target_alias(target)
    cache = cache or provision.cache_dir()
    hint = f"; run `python -m tools.cross.provision {alias}`"
    if alias == LINUX_AARCH64:
        root = provision.aarch64_root(cache, version)
        if not (provision.is_provisioned(root) and provision.QEMU_AARCH64.is_file()):
            raise ToolchainError(f"no aarch64 CPython {version} provisioned in {cache}{hint}")
        # No binfmt_misc is assumed (containers rarely have it): qemu is called explicitly,
        # and -L makes the guest's absolute paths (/usr/lib/python3.11, ld-linux) resolve
        # inside the unpacked Debian root first.
        command = (str(provision.QEMU_AARCH64), "-L", str(root), str(root / "usr" / "bin" / f"python{version}"))
        return ForeignPython(alias, version, command)
    if alias == MUSLLINUX_X86_64:
        prefix = provision.musl_python_dir(cache, version)
        if not provision.is_provisioned(prefix):
            raise ToolchainError(f"no musl CPython {version} provisioned in {cache}{hint}")
        # Native: the executable names /lib/ld-musl-x86_64.so.1 (Debian's musl) as its loader.
        return ForeignPython(alias, version, (str(prefix / "bin" / f"python{version}"),))
    folder = provision.windows_python_dir(cache, version)
    ready = provision.is_provisioned(folder) and provision.is_provisioned(provision.wine_prefix(cache))
    if not (ready and provision.WINE64.is_file()):
        raise ToolchainError(f"no Windows CPython {version} under wine provisioned in {cache}{hint}")
    env = dict(provision.wine_env(cache))
    # Windows CPython writes stdout in the ANSI code page (cp1252) when it is a pipe; UTF-8
    # mode makes its bytes what a Linux CPython writes for the same text.
    env["PYTHONUTF8"] = "1"
    return ForeignPython(alias, version, (str(provision.WINE64), str(folder / "python.exe")),
                         tuple(sorted(env.items())), windows=True)


def provisioned_python(target: str, version: str, *, cache: Path | None = None) -> ForeignPython:
    """Provision `target`'s interpreter `version` when needed (skipped when done), then return it."""
    alias = target_alias(target)
    if alias == LINUX_AARCH64:
        provision.provision([alias], cache=cache, aarch64_versions=[version])
    elif alias == MUSLLINUX_X86_64:
        provision.provision([alias], cache=cache, musl_versions=[version])
    else:
        provision.provision([alias], cache=cache, windows_versions=[version])
    return foreign_python(alias, version, cache=cache)


def install_wheel(wheel: Path, dest: Path, python: ForeignPython | None = None) -> Path:
    """Unpack `wheel` into `dest` (a folder to put on sys.path), as pip would lay out purelib/platlib.

    `*.data/purelib` and `*.data/platlib` are merged into `dest`; `*.data/scripts`,
    `headers` and `data` are left out (the tests run entry points through -c). With
    `python`, a wheel that interpreter's pip would refuse (wrong platform or Python) raises.
    """
    if python is not None and not python.accepts(wheel):
        raise ToolchainError(f"{wheel.name} is not installable on {python.target} CPython {python.version}")
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            parts = PurePosixPath(info.filename).parts
            if info.is_dir() or not parts or ".." in parts:
                continue
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue
                parts = parts[2:]
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
    return dest


def console_scripts(site: Path) -> dict[str, str]:
    """name -> "module:function" of every console script of the wheels unpacked into `site`."""
    scripts: dict[str, str] = {}
    for entry_points in sorted(site.glob("*.dist-info/entry_points.txt")):
        parser = configparser.ConfigParser(delimiters=("=",))
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # names are case-sensitive
        parser.read(entry_points)
        if parser.has_section("console_scripts"):
            scripts.update({k: v.strip() for k, v in parser.items("console_scripts")})
    return scripts
