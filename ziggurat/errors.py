"""The one error hierarchy of ziggurat.

User errors (bad config, untranslatable source, a failing toolchain) derive from
`ZigguratError` and are reported without a Python traceback by the hooks and the CLI.
`InternalError` marks a bug in ziggurat itself. This module must not import anything
from the rest of the package.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Sequence


class ZigguratError(Exception):
    """Root of every error ziggurat reports to a user."""


class ConfigError(ZigguratError):
    """A configuration value is wrong: names the key and, if possible, suggests one."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key

    @classmethod
    def unknown_key(cls, key: str, known: Iterable[str], where: str) -> "ConfigError":
        close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return cls(f"unknown key '{key}' in {where}{hint}", key=key)


@dataclass(frozen=True)
class Diagnostic:
    """One message about a source position (1-based line, 1-based column)."""

    path: str
    line: int
    col: int
    message: str
    source_line: str = ""
    severity: str = "error"

    def render(self) -> str:
        # "path:line:col: message" for errors (the caller's "ziggurat: error:" says what it is)
        kind = "" if self.severity == "error" else f"{self.severity}: "
        text = f"{self.path}:{self.line}:{self.col}: {kind}{self.message}"
        if self.source_line:
            stripped = self.source_line.rstrip("\n")
            caret = " " * max(self.col - 1, 0) + "^"
            text += f"\n    {stripped}\n    {caret}"
        return text


class TranslationError(ZigguratError):
    """The translator refused a module; carries diagnostics with file:line:col."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))


class ToolchainError(ZigguratError):
    """zig is missing, too old, or a compile/link command failed."""

    def __init__(
        self,
        message: str,
        *,
        command: Sequence[str] | None = None,
        returncode: int | None = None,
        stderr: str = "",
    ) -> None:
        self.command = tuple(command) if command else None
        self.returncode = returncode
        self.stderr = stderr
        text = message
        if command:
            text += "\n  command: " + " ".join(command)
        if returncode is not None:
            text += f"\n  exit code: {returncode}"
        if stderr:
            text += "\n  " + stderr.rstrip().replace("\n", "\n  ")
        super().__init__(text)


class InternalError(ZigguratError):
    """A bug in ziggurat: names the stage and the source position being processed."""

    def __init__(self, stage: str, message: str, *, path: str = "", line: int = 0) -> None:
        where = f" while processing {path}:{line}" if path else ""
        super().__init__(
            f"internal error in {stage}{where}: {message} (this is a bug in ziggurat, please report it)"
        )
