"""The one subprocess runner of ziggurat.

Every external command (zig, another Python interpreter, ...) goes through `run()`, which
logs the command at INFO as `RUN: <argv>` and turns any failure (cannot start, non-zero
exit, timeout) into a `ToolchainError` carrying the command, the exit code and stderr.
It must not interpret a command's output, retry, or swallow errors: callers decide.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import ToolchainError

log = logging.getLogger(__name__)


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run `argv`, capture stdout/stderr as text, raise ToolchainError unless it exits 0.

    `env` replaces the environment when given (None inherits ours), like subprocess.
    `check=False` returns a non-zero exit as it is (for callers that compare exit codes,
    e.g. a program run under a foreign interpreter); failing to start still raises.
    """
    args = [os.fspath(a) for a in argv]
    if not args:
        raise ValueError("run() needs a non-empty argv")
    log.info("RUN: %s", shlex.join(args))
    try:
        proc = subprocess.run(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            # Compilers may print non-UTF-8 bytes (e.g. quoting a source line); never let a
            # decode error hide the real diagnostic.
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        where = f" (in {Path(cwd)})" if cwd is not None and not Path(cwd).is_dir() else ""
        raise ToolchainError(f"cannot run '{args[0]}': not found{where}", command=args) from exc
    except PermissionError as exc:
        raise ToolchainError(f"cannot run '{args[0]}': permission denied", command=args) from exc
    except OSError as exc:
        raise ToolchainError(f"cannot run '{args[0]}': {exc}", command=args) from exc
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr if isinstance(exc.stderr, str) else ""
        raise ToolchainError(
            f"'{args[0]}' did not finish within {timeout} s", command=args, stderr=stderr
        ) from exc
    if proc.returncode != 0 and check:
        raise ToolchainError(
            f"command failed: {Path(args[0]).name}",
            command=args,
            returncode=proc.returncode,
            # Some tools report errors on stdout only; fall back so the user sees something.
            stderr=proc.stderr or proc.stdout,
        )
    if proc.stderr:
        log.debug("stderr of %s:\n%s", Path(args[0]).name, proc.stderr.rstrip())
    return proc
