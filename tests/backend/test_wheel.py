"""The reproducible wheel writer and reader, without any translator or compiler."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from ziggurat.backend.wheel import (
    WheelInfo,
    WheelMember,
    WheelTag,
    parse_wheel_file,
    read_wheel,
    record_bytes,
    render_wheel_file,
    wheel_filename,
    write_wheel,
    write_wheel_atomically,
    zip_date_time,
)
from ziggurat.errors import ConfigError, InternalError

DIST = "demo-1.0.dist-info"
MEMBERS = (
    WheelMember(f"{DIST}/METADATA", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"),
    WheelMember("demo/b.py", b"x = 1\n"),
    WheelMember(f"{DIST}/WHEEL", b"Wheel-Version: 1.0\n"),
    WheelMember("demo/__init__.py", b""),
    WheelMember("demo-1.0.data/scripts/tool", b"#!python\n", executable=True),
    WheelMember("demo/a.cpython-311-x86_64-linux-gnu.so", b"\x7fELF...", executable=True),
    WheelMember("demo/x,y.txt", b"comma in the name"),
)


def build(members: tuple[WheelMember, ...] = MEMBERS, date_time: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0)) -> bytes:
    stream = io.BytesIO()
    write_wheel(stream, members, dist_info=DIST, date_time=date_time)
    return stream.getvalue()


def test_member_order_dist_info_last_record_very_last() -> None:
    names = zipfile.ZipFile(io.BytesIO(build())).namelist()
    assert names == [
        "demo-1.0.data/scripts/tool",
        "demo/__init__.py",
        "demo/a.cpython-311-x86_64-linux-gnu.so",
        "demo/b.py",
        "demo/x,y.txt",
        f"{DIST}/METADATA",
        f"{DIST}/WHEEL",
        f"{DIST}/RECORD",
    ]


def test_order_and_bytes_do_not_depend_on_input_order() -> None:
    assert build(MEMBERS) == build(tuple(reversed(MEMBERS)))


def test_timestamps_modes_and_compression() -> None:
    archive = zipfile.ZipFile(io.BytesIO(build(date_time=(2024, 5, 6, 7, 8, 10))))
    for info in archive.infolist():
        assert info.date_time == (2024, 5, 6, 7, 8, 10)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.create_system == 3
        mode = info.external_attr >> 16
        executable = info.filename.endswith((".so", "/tool"))
        assert mode == (0o100755 if executable else 0o100644), info.filename


def test_record_hashes_and_sizes() -> None:
    archive = zipfile.ZipFile(io.BytesIO(build()))
    rows = list(csv.reader(io.StringIO(archive.read(f"{DIST}/RECORD").decode("utf-8"))))
    assert rows[-1] == [f"{DIST}/RECORD", "", ""]
    assert [r[0] for r in rows] == archive.namelist()
    for path, digest, size in rows[:-1]:
        data = archive.read(path)
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert digest == f"sha256={expected}"
        assert "=" not in expected
        assert size == str(len(data))


def test_record_verified_by_the_wheel_package(tmp_path: Path) -> None:
    wheelfile = pytest.importorskip("wheel.wheelfile")
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    path.write_bytes(build())
    with wheelfile.WheelFile(path) as wf:  # checks every member's hash as it reads
        for name in wf.namelist():
            wf.read(name)


def test_record_bytes_directly() -> None:
    text = record_bytes([WheelMember("a.py", b"")], "d.dist-info/RECORD").decode()
    assert text == "a.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\nd.dist-info/RECORD,,\n"


def test_old_record_is_replaced_and_duplicates_refused() -> None:
    stale = WheelMember(f"{DIST}/RECORD", b"stale")
    names = zipfile.ZipFile(io.BytesIO(build((*MEMBERS, stale)))).namelist()
    assert names.count(f"{DIST}/RECORD") == 1
    with pytest.raises(InternalError, match="duplicate wheel members"):
        build((*MEMBERS, WheelMember("demo/b.py", b"y = 2\n")))


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, (1980, 1, 1, 0, 0, 0)),
        ("", (1980, 1, 1, 0, 0, 0)),
        ("0", (1980, 1, 1, 0, 0, 0)),  # clamped: zip cannot go below 1980
        ("315532800", (1980, 1, 1, 0, 0, 0)),
        ("1700000000", (2023, 11, 14, 22, 13, 20)),
    ],
)
def test_zip_date_time(value: str | None, expected: tuple[int, ...]) -> None:
    env = {} if value is None else {"SOURCE_DATE_EPOCH": value}
    assert zip_date_time(env) == expected


def test_zip_date_time_rejects_garbage() -> None:
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH must be an integer"):
        zip_date_time({"SOURCE_DATE_EPOCH": "yesterday"})


def test_read_wheel_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    path.write_bytes(build())
    contents = read_wheel(path)
    assert contents.dist_info == DIST
    assert (contents.name, contents.version) == ("demo", "1.0")
    assert f"{DIST}/RECORD" not in {m.path for m in contents.members}
    assert contents.member("demo-1.0.data/scripts/tool").executable
    assert not contents.member("demo/b.py").executable
    assert set(contents.members) == set(MEMBERS)


def test_read_wheel_needs_exactly_one_dist_info(tmp_path: Path) -> None:
    path = tmp_path / "bad-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("bad/__init__.py", "")
    with pytest.raises(InternalError, match="expected one .dist-info"):
        read_wheel(path)


def test_wheel_file_render_and_parse() -> None:
    info = WheelInfo(
        root_is_purelib=False,
        tags=(
            WheelTag("cp311", "cp311", "manylinux_2_17_x86_64"),
            WheelTag("cp311", "cp311", "manylinux2014_x86_64"),
        ),
        generator="ziggurat 0.1.0",
    )
    text = render_wheel_file(info).decode()
    assert text == (
        "Wheel-Version: 1.0\nGenerator: ziggurat 0.1.0\nRoot-Is-Purelib: false\n"
        "Tag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\n\n"
    )
    assert parse_wheel_file(text.encode()) == info
    pure = parse_wheel_file(b"Wheel-Version: 1.0\nGenerator: bdist_wheel (0.48.0)\nRoot-Is-Purelib: true\nTag: py3-none-any\nBuild: 7\n\n")
    assert pure.root_is_purelib and pure.tags == (WheelTag("py3", "none", "any"),) and pure.build == "7"


def test_wheel_filename() -> None:
    tags = (
        WheelTag("cp311", "cp311", "manylinux_2_17_x86_64"),
        WheelTag("cp311", "cp311", "manylinux2014_x86_64"),
    )
    assert wheel_filename("my_pkg", "1.0", tags) == "my_pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    assert wheel_filename("my_pkg", "1.0", tags[:1], build="2") == "my_pkg-1.0-2-cp311-cp311-manylinux_2_17_x86_64.whl"


def test_atomic_write(tmp_path: Path) -> None:
    out = write_wheel_atomically(tmp_path / "dist", "demo-1.0-py3-none-any.whl", MEMBERS, dist_info=DIST, date_time=(1980, 1, 1, 0, 0, 0))
    assert out.read_bytes() == build()
    assert sorted(p.name for p in out.parent.iterdir()) == ["demo-1.0-py3-none-any.whl"]
    assert out.stat().st_mode & 0o777 == 0o644


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    bad = (*MEMBERS, WheelMember("demo/b.py", b"duplicate"))
    with pytest.raises(InternalError):
        write_wheel_atomically(tmp_path, "demo-1.0-py3-none-any.whl", bad, dist_info=DIST, date_time=(1980, 1, 1, 0, 0, 0))
    assert list(tmp_path.iterdir()) == []
