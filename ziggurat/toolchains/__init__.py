"""zig discovery, targets, compile/link flags, target Python ABI, cached parallel builds.

Public API (the backend and CLI use only these names):
    find_zig() -> ZigInfo
    Target, host_target()
    PythonABI, host_python_abi()
    ExtensionJob, build_extensions(jobs, target=..., python=..., opt_level=..., cache_dir=..., parallel=...)
"""
