"""zig discovery, targets, compile/link flags, target Python ABI, cached parallel builds.

Public API (the backend and CLI use only these names):
    find_zig() -> ZigInfo
    Target, host_target()
    PythonABI, host_python_abi(), abi3_python_abi()
    ExtensionJob, build_extensions(jobs, target=..., python=..., opt_level=..., cache_dir=..., parallel=...)

Also exported: zig_available(), clear_zig_cache(); zig_triple(), wheel_platform_tags(),
parse_target(), parse_targets(), ALL_TARGETS, TARGET_TABLE; python_abi_for(); compile_argv(),
version_script_text(); BuildResult, ModuleBuild, ModuleCompileError (a ToolchainError
with .kept_source), default_cache_dir(); run().
build_extensions() returns a BuildResult (`.outputs` in job order, `.compiled`, `.cached`,
`.seconds`, `.summary()`).
"""

from __future__ import annotations

from .compile import (
    BuildResult,
    ExtensionJob,
    ModuleBuild,
    ModuleCompileError,
    build_extensions,
    default_cache_dir,
)
from .flags import compile_argv, init_symbol, version_script_text
from .python_abi import ABI3_FLOOR, PythonABI, abi3_python_abi, host_python_abi, python_abi_for
from .run import run
from .targets import (
    ALL_TARGETS,
    TARGET_TABLE,
    Target,
    host_target,
    parse_target,
    parse_targets,
    wheel_platform_tags,
    zig_triple,
)
from .zig import ZigInfo, clear_zig_cache, find_zig, zig_available

__all__ = [
    "ABI3_FLOOR",
    "ALL_TARGETS",
    "BuildResult",
    "ExtensionJob",
    "ModuleBuild",
    "ModuleCompileError",
    "PythonABI",
    "TARGET_TABLE",
    "abi3_python_abi",
    "Target",
    "ZigInfo",
    "build_extensions",
    "clear_zig_cache",
    "compile_argv",
    "default_cache_dir",
    "find_zig",
    "host_python_abi",
    "host_target",
    "init_symbol",
    "parse_target",
    "parse_targets",
    "python_abi_for",
    "run",
    "version_script_text",
    "wheel_platform_tags",
    "zig_available",
    "zig_triple",
]
