"""Python source -> C++ text. Pure: no subprocesses, no zig, no wheel knowledge.

Public API:
    translate_module(source, filename=..., module_name=..., fallback="interpret")
        -> TranslationResult(module_name, cpp, report)

The C++ includes "ziggurat.hpp" from `ziggurat.runtime.include_dir()` and defines exactly
one exported symbol, `PyInit_<last component of module_name>`.
"""

from .report import FunctionReport, ModuleReport
from .driver import TranslationResult, translate_module

__all__ = ["translate_module", "TranslationResult", "ModuleReport", "FunctionReport"]
