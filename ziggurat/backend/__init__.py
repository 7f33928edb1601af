"""ziggurat's PEP 517 / PEP 660 build backend hooks (`build-backend = "ziggurat.backend"`).

The hooks are thin. setuptools (`setuptools.build_meta`) does everything it already does:
metadata, package discovery, package data, entry points, sdists and editable installs (an
editable install runs the project's Python sources uncompiled). ziggurat adds one thing, in
`build_wheel`: the project's modules are compiled and the pure wheel becomes a native one
(see `ziggurat.backend.build`). Settings come from `ziggurat.backend.config`.

Every hook reports a `ZigguratError` as one `ziggurat: error: <message>` line on stderr and
exits with status 1, without a traceback; any other exception is a bug and keeps its traceback.
PEP 517 guarantees the current directory is the project's source tree. This module must not
contain build logic of its own.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Callable, Mapping, TypeVar

from ziggurat.backend.build import setuptools_backend
from ziggurat.backend.config import Settings, load_settings, setuptools_config_settings
from ziggurat.errors import ZigguratError

__all__ = [
    "build_wheel",
    "build_sdist",
    "build_editable",
    "get_requires_for_build_wheel",
    "get_requires_for_build_sdist",
    "get_requires_for_build_editable",
    "prepare_metadata_for_build_wheel",
    "prepare_metadata_for_build_editable",
]

ConfigSettings = Mapping[str, "str | list[str] | None"]
_T = TypeVar("_T")


def _hook(function: Callable[..., _T]) -> Callable[..., _T]:
    """Turn a ZigguratError into one clean error line and exit status 1."""

    @functools.wraps(function)
    def wrapper(*args: object, **kwargs: object) -> _T:
        try:
            return function(*args, **kwargs)
        except ZigguratError as exc:
            sys.stderr.write(f"ziggurat: error: {exc}\n")
            sys.stderr.flush()
            raise SystemExit(1) from None

    return wrapper


def _settings(config_settings: ConfigSettings | None) -> Settings:
    # Validated by every hook, so a typo in a -C key fails the sdist as well as the wheel.
    return load_settings(Path.cwd(), environ=os.environ, config_settings=config_settings)


@_hook
def get_requires_for_build_wheel(config_settings: ConfigSettings | None = None) -> list[str]:
    from ziggurat.toolchains import zig_available

    _settings(config_settings)
    requires = list(setuptools_backend().get_requires_for_build_wheel(setuptools_config_settings(config_settings)))
    # Ask the frontend for the ziglang wheel (100 MB) only when no usable zig is around.
    if not zig_available():
        requires.append("ziglang")
    return requires


@_hook
def get_requires_for_build_sdist(config_settings: ConfigSettings | None = None) -> list[str]:
    _settings(config_settings)
    return list(setuptools_backend().get_requires_for_build_sdist(setuptools_config_settings(config_settings)))


@_hook
def get_requires_for_build_editable(config_settings: ConfigSettings | None = None) -> list[str]:
    # An editable install runs the sources uncompiled, so it never needs zig.
    _settings(config_settings)
    return list(setuptools_backend().get_requires_for_build_editable(setuptools_config_settings(config_settings)))


@_hook
def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: ConfigSettings | None = None
) -> str:
    from ziggurat.backend.build import prepare_native_metadata

    settings = _settings(config_settings)
    dist_info = setuptools_backend().prepare_metadata_for_build_wheel(
        metadata_directory, setuptools_config_settings(config_settings)
    )
    prepare_native_metadata(metadata_directory, dist_info, settings)
    return str(dist_info)


@_hook
def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: ConfigSettings | None = None
) -> str:
    _settings(config_settings)
    return str(
        setuptools_backend().prepare_metadata_for_build_editable(
            metadata_directory, setuptools_config_settings(config_settings)
        )
    )


@_hook
def build_wheel(
    wheel_directory: str,
    config_settings: ConfigSettings | None = None,
    metadata_directory: str | None = None,
) -> str:
    from ziggurat.backend.build import build_native_wheel

    return build_native_wheel(
        Path(wheel_directory).resolve(),
        _settings(config_settings),
        setuptools_settings=setuptools_config_settings(config_settings),
        metadata_directory=metadata_directory,
        environ=os.environ,
    )


@_hook
def build_sdist(sdist_directory: str, config_settings: ConfigSettings | None = None) -> str:
    _settings(config_settings)
    return str(setuptools_backend().build_sdist(sdist_directory, setuptools_config_settings(config_settings)))


@_hook
def build_editable(
    wheel_directory: str,
    config_settings: ConfigSettings | None = None,
    metadata_directory: str | None = None,
) -> str:
    _settings(config_settings)
    return str(
        setuptools_backend().build_editable(wheel_directory, setuptools_config_settings(config_settings), metadata_directory)
    )
