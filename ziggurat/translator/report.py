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
        return "\n".join(lines)
