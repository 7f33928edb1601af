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

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag

from ziggurat.backend.wheel import WheelTag
from ziggurat.errors import ConfigError

if TYPE_CHECKING:
    from ziggurat.toolchains import PythonABI, Target


def platform_tags(target: Target) -> tuple[str, ...]:
    """Platform tags for `target`, from the toolchain's table."""
    from ziggurat.toolchains import wheel_platform_tags

    return tuple(wheel_platform_tags(target))


def native_wheel_tags(python: PythonABI, target: Target) -> tuple[WheelTag, ...]:
    """Every tag of a native wheel, in the order they are written: cp311-cp311-<platform>
    for a version-specific build, cp311-abi3-<platform> for an abi3 one."""
    tags = (Tag(python.python_tag, python.abi_tag, plat) for plat in platform_tags(target))
    return tuple(WheelTag(t.interpreter, t.abi, t.platform) for t in tags)


# CPython 3 minor versions an abi3 floor is looked for in (3.0 ... 3.99).
_MINORS = range(0, 100)


def abi3_minimum(requires_python: str | None, floor: tuple[int, int]) -> tuple[int, int]:
    """The CPython version an abi3 wheel targets: the oldest 3.X, `floor` (the oldest limited
    API the runtime supports) or later, that `requires-python` allows."""
    if not requires_python:
        return floor
    try:
        spec = SpecifierSet(requires_python)
    except InvalidSpecifier as exc:
        raise ConfigError(f"requires-python {requires_python!r} is not a version specifier: {exc}",
                          key="requires-python") from None
    allowed = [m for m in _MINORS if (3, m) >= floor and spec.contains(f"3.{m}.99", prereleases=True)]
    if not allowed:
        raise ConfigError(
            f"requires-python {requires_python!r} allows no CPython >= {floor[0]}.{floor[1]}, "
            "the oldest an abi3 wheel can be built for", key="requires-python")
    return (3, allowed[0])
