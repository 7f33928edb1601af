"""Wheel tags of a native ziggurat wheel.

In: the target interpreter's ABI (`toolchains.PythonABI`: python tag, ABI tag, following
`packaging.tags` conventions such as cp311 / cp313t) and the toolchain's `Target`.
Out: one `WheelTag` per platform tag of the target, most specific first, e.g.
cp311-cp311-manylinux_2_17_x86_64 then cp311-cp311-manylinux2014_x86_64.
The target -> platform tag table lives in `toolchains.targets`; this module only combines.
Must not look at wheels or compile anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ziggurat.backend.wheel import WheelTag

if TYPE_CHECKING:
    from ziggurat.toolchains import PythonABI, Target


def platform_tags(target: Target) -> tuple[str, ...]:
    """Platform tags for `target`, from the toolchain's table."""
    from ziggurat.toolchains import wheel_platform_tags

    return tuple(wheel_platform_tags(target))


def native_wheel_tags(python: PythonABI, target: Target) -> tuple[WheelTag, ...]:
    """Every tag of a version-specific native wheel, in the order they are written."""
    return tuple(WheelTag(python.python_tag, python.abi_tag, plat) for plat in platform_tags(target))
