"""zig discovery, targets, compile/link flags, target Python ABI, cached parallel builds.

Public API (the backend and CLI use only these names):
    find_zig() -> ZigInfo
    Target, host_target()
    PythonABI, host_python_abi(), abi3_python_abi()
    ExtensionJob, build_extensions(jobs, target=..., python=..., opt_level=..., cache_dir=..., parallel=...)
    ExtensionSet, build_extension_sets(sets, opt_level=..., cache_dir=..., parallel=...): several
      targets / Python versions in one pool of workers
    target_python_abi(python, target): a PythonABI prepared for a (foreign) target
    python_abi_for_version((3, 12)), python_abi_from_headers(DIR), find_python((3, 12))

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
    ExtensionSet,
    build_extension_sets,
    ModuleBuild,
    ModuleCompileError,
    build_extensions,
    default_cache_dir,
)
from .cross_abi import (
    find_python,
    parse_python_version,
    python_abi_for_version,
    python_abi_from_headers,
    target_ext_suffix,
    target_python_abi,
)
from .flags import compile_argv, init_symbol, link_argv, version_script_text
from .windows import import_library
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
    "ExtensionSet",
    "ModuleBuild",
    "ModuleCompileError",
    "PythonABI",
    "TARGET_TABLE",
    "abi3_python_abi",
    "Target",
    "ZigInfo",
    "build_extension_sets",
    "build_extensions",
    "clear_zig_cache",
    "compile_argv",
    "default_cache_dir",
    "find_python",
    "find_zig",
    "host_python_abi",
    "host_target",
    "import_library",
    "init_symbol",
    "link_argv",
    "parse_python_version",
    "parse_target",
    "parse_targets",
    "python_abi_for",
    "python_abi_for_version",
    "python_abi_from_headers",
    "run",
    "target_ext_suffix",
    "target_python_abi",
    "version_script_text",
    "wheel_platform_tags",
    "zig_available",
    "zig_triple",
]
