"""The compile report of one module: which functions are native and why others fell back.

Pure data, produced by the translator's check stage and printed by the backend and CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FunctionReport:
    """One function, method, lambda or class body of a module."""

    qualname: str
    line: int
    native: bool
    reason: str = ""  # why it fell back to the interpreter; empty when native


@dataclass(frozen=True)
class ModuleReport:
    module_name: str
    filename: str
    functions: tuple[FunctionReport, ...] = field(default_factory=tuple)
    module_fallback_reason: str = ""  # non-empty when the whole module runs interpreted
    # line of a top-level `if __name__ == "__main__":`, 0 when there is none. Such a module is
    # meant to be run with `python -m`, which cannot run an extension module (runpy needs a
    # code object; CPython's ExtensionFileLoader has none), so the build log says so.
    main_guard_line: int = 0

    @property
    def native_count(self) -> int:
        return sum(1 for f in self.functions if f.native)

    @property
    def fallbacks(self) -> tuple[FunctionReport, ...]:
        return tuple(f for f in self.functions if not f.native)

    def summary(self) -> str:
        """A few lines for the build log."""
        total = len(self.functions)
        head = f"{self.module_name}: {self.native_count}/{total} functions native"
        if self.module_fallback_reason:
            head += f" (whole module interpreted: {self.module_fallback_reason})"
        lines = [head]
        for f in self.fallbacks:
            lines.append(f"    interpreted: {f.qualname} (line {f.line}): {f.reason}")
        if self.main_guard_line:
            lines.append(
                f"    note: {self.filename}:{self.main_guard_line}: `if __name__ == \"__main__\"` block; "
                f"`python -m {self.module_name}` cannot run a compiled module: list it in "
                f"[tool.ziggurat] exclude to keep it runnable that way"
            )
        return "\n".join(lines)
