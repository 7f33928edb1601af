"""The C++ runtime headers included by generated code (shipped as package data).

`include_dir()` is the directory to pass with -I; `runtime_hash()` identifies the header
contents for compile caches. Nothing here runs a compiler.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path


def include_dir() -> Path:
    return Path(__file__).resolve().parent


@functools.lru_cache(maxsize=None)
def runtime_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(include_dir().glob("*.hpp")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
