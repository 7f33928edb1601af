"""Reading and reproducibly writing wheel archives.

In: a wheel file (`read_wheel`), or members plus tags (`write_wheel`, `render_wheel_file`).
Out: `WheelContents`, or a wheel on disk whose bytes depend only on its members: members in
sorted order with the .dist-info last and RECORD very last, one fixed timestamp (from
`SOURCE_DATE_EPOCH`, clamped to the zip minimum of 1980-01-01, else 1980-01-01 itself),
modes normalised to 0o644 / 0o755, a fixed compression level, and RECORD regenerated with
sha256 hashes and sizes. A wheel appears in its directory atomically or not at all.

This module knows the wheel format only: it must not translate, compile, or guess tags.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import tempfile
import time
import zipfile
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ziggurat.errors import ConfigError, InternalError

# Zip timestamps cannot express anything before 1980-01-01 00:00:00 UTC.
ZIP_EPOCH = 315532800
# Any fixed level gives the same bytes for the same zlib; 6 is zlib's own default.
COMPRESS_LEVEL = 6


@dataclass(frozen=True)
class WheelMember:
    """One file in a wheel; `path` uses `/` and is relative to the wheel's root."""

    path: str
    data: bytes
    executable: bool = False


@dataclass(frozen=True)
class WheelTag:
    """One PEP 425 tag triple, e.g. cp311 / cp311 / manylinux_2_17_x86_64."""

    python: str
    abi: str
    platform: str

    def __str__(self) -> str:
        return f"{self.python}-{self.abi}-{self.platform}"


@dataclass(frozen=True)
class WheelInfo:
    """The parsed `.dist-info/WHEEL` file."""

    root_is_purelib: bool
    tags: tuple[WheelTag, ...]
    build: str | None = None
    generator: str = ""


@dataclass(frozen=True)
class WheelContents:
    """A wheel read into memory. `filename` is the basename it was read from."""

    filename: str
    members: tuple[WheelMember, ...]
    dist_info: str  # e.g. "pkg-1.0.dist-info"

    @property
    def name(self) -> str:
        """The distribution name as spelled in the filename (already escaped)."""
        return self.dist_info[: -len(".dist-info")].rsplit("-", 1)[0]

    @property
    def version(self) -> str:
        return self.dist_info[: -len(".dist-info")].rsplit("-", 1)[1]

    def member(self, path: str) -> WheelMember:
        for m in self.members:
            if m.path == path:
                return m
        raise KeyError(path)

    @property
    def info(self) -> WheelInfo:
        return parse_wheel_file(self.member(f"{self.dist_info}/WHEEL").data)


def read_wheel(path: Path) -> WheelContents:
    """Read every file of a wheel. RECORD and its signatures are dropped: writing regenerates it."""
    members: list[WheelMember] = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            members.append(
                WheelMember(
                    path=info.filename,
                    data=archive.read(info),
                    executable=bool((info.external_attr >> 16) & 0o111),
                )
            )
    dist_infos = sorted(
        {m.path.split("/")[0] for m in members if m.path.count("/") == 1 and m.path.endswith(".dist-info/WHEEL")}
    )
    if len(dist_infos) != 1:
        raise InternalError("wheel", f"expected one .dist-info directory in {path.name}, found {dist_infos}")
    dist_info = dist_infos[0]
    record_names = {f"{dist_info}/RECORD", f"{dist_info}/RECORD.jws", f"{dist_info}/RECORD.p7s"}
    kept = tuple(m for m in members if m.path not in record_names)
    return WheelContents(filename=path.name, members=kept, dist_info=dist_info)


def parse_wheel_file(data: bytes) -> WheelInfo:
    """Parse the email-header format of `.dist-info/WHEEL`."""
    headers = BytesHeaderParser().parsebytes(data)
    tags: list[WheelTag] = []
    for text in headers.get_all("Tag") or []:
        python, abi, platform = text.strip().split("-")
        tags.append(WheelTag(python, abi, platform))
    return WheelInfo(
        root_is_purelib=(headers.get("Root-Is-Purelib", "true").strip().lower() == "true"),
        tags=tuple(tags),
        build=headers.get("Build"),
        generator=headers.get("Generator", ""),
    )


def render_wheel_file(info: WheelInfo) -> bytes:
    """The `.dist-info/WHEEL` text for `info`, one `Tag:` line per tag, in the given order."""
    lines = ["Wheel-Version: 1.0", f"Generator: {info.generator}"]
    lines.append(f"Root-Is-Purelib: {'true' if info.root_is_purelib else 'false'}")
    lines.extend(f"Tag: {tag}" for tag in info.tags)
    if info.build:
        lines.append(f"Build: {info.build}")
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def _compress(parts: Iterable[str]) -> str:
    """Join tag components the PEP 425 way: unique, in first-seen order, with dots."""
    return ".".join(dict.fromkeys(parts))


def wheel_filename(name: str, version: str, tags: Sequence[WheelTag], build: str | None = None) -> str:
    """`name-version[-build]-py-abi-plat.whl`, with compressed tag sets."""
    parts = [name, version]
    if build:
        parts.append(build)
    parts.append(_compress(t.python for t in tags))
    parts.append(_compress(t.abi for t in tags))
    parts.append(_compress(t.platform for t in tags))
    return "-".join(parts) + ".whl"


def zip_date_time(environ: Mapping[str, str]) -> tuple[int, int, int, int, int, int]:
    """The one timestamp every member gets: SOURCE_DATE_EPOCH, clamped; 1980-01-01 if unset.

    A fixed default (not "now") means building twice on one machine gives identical bytes
    without the user having to know about SOURCE_DATE_EPOCH.
    """
    text = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not text:
        epoch = ZIP_EPOCH
    else:
        try:
            epoch = int(text)
        except ValueError:
            raise ConfigError(
                f"SOURCE_DATE_EPOCH must be an integer number of seconds, got {text!r}",
                key="SOURCE_DATE_EPOCH",
            ) from None
    t = time.gmtime(max(epoch, ZIP_EPOCH))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def _hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def record_bytes(members: Sequence[WheelMember], record_path: str) -> bytes:
    """RECORD for `members` (in the given order), listing itself last with no hash or size."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for m in members:
        writer.writerow((m.path, _hash(m.data), str(len(m.data))))
    writer.writerow((record_path, "", ""))
    return out.getvalue().encode("utf-8")


def _order_key(member: WheelMember, dist_info: str) -> tuple[bool, str]:
    # PEP 427 encourages the .dist-info at the physical end of the archive (metadata can
    # then be amended without rewriting the whole zip); bdist_wheel and flit do the same.
    return (member.path.startswith(dist_info + "/"), member.path)


def ordered_members(members: Iterable[WheelMember], dist_info: str) -> tuple[WheelMember, ...]:
    """Members in archive order, without any RECORD: sorted, .dist-info last."""
    record = f"{dist_info}/RECORD"
    chosen = [m for m in members if m.path != record]
    paths = [m.path for m in chosen]
    if len(set(paths)) != len(paths):
        dupes = sorted({p for p in paths if paths.count(p) > 1})
        raise InternalError("wheel", f"duplicate wheel members: {dupes}")
    return tuple(sorted(chosen, key=lambda m: _order_key(m, dist_info)))


def _zipinfo(path: str, executable: bool, date_time: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so installers honour the mode bits below
    # VCSs and installers only care about the executable bit; everything else is fixed.
    mode = 0o755 if executable else 0o644
    info.external_attr = (0o100000 | mode) << 16  # regular file
    return info


def write_wheel(
    stream: io.BufferedIOBase | io.BufferedRandom | io.BytesIO,
    members: Iterable[WheelMember],
    *,
    dist_info: str,
    date_time: tuple[int, int, int, int, int, int],
) -> None:
    """Write a complete wheel (members + generated RECORD) to a binary stream."""
    ordered = ordered_members(members, dist_info)
    record_path = f"{dist_info}/RECORD"
    record = WheelMember(record_path, record_bytes(ordered, record_path))
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for m in (*ordered, record):
            archive.writestr(_zipinfo(m.path, m.executable, date_time), m.data, compresslevel=COMPRESS_LEVEL)


def write_wheel_atomically(
    directory: Path,
    filename: str,
    members: Iterable[WheelMember],
    *,
    dist_info: str,
    date_time: tuple[int, int, int, int, int, int],
) -> Path:
    """Write `directory/filename` through a temp file and `os.replace`: all or nothing."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=".ziggurat-", suffix=".whl.part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w+b") as stream:
            write_wheel(stream, members, dist_info=dist_info, date_time=date_time)
        # mkstemp makes the file 0o600, which would surprise anyone sharing the wheelhouse.
        os.chmod(tmp, 0o644)
        final = directory / filename
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return final
