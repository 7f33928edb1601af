"""The one subprocess runner: logs every command, turns failures into ToolchainError."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from ziggurat.errors import ToolchainError
from ziggurat.toolchains.run import run


def test_success_logs_and_returns_output(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ziggurat.toolchains.run")
    proc = run([sys.executable, "-c", "print('hi')"])
    assert proc.stdout == "hi\n"
    assert proc.returncode == 0
    assert any(r.message.startswith("RUN: ") and "print" in r.message for r in caplog.records)


def test_cwd_and_env(tmp_path: Path) -> None:
    proc = run(
        [sys.executable, "-c", "import os; print(os.getcwd(), os.environ['ZT'])"],
        cwd=tmp_path,
        env={"ZT": "1", "PATH": "/usr/bin:/bin"},
    )
    assert proc.stdout.split() == [str(tmp_path), "1"]


def test_failure_carries_command_code_and_stderr() -> None:
    argv = [sys.executable, "-c", "import sys; sys.stderr.write('boom\\n'); sys.exit(7)"]
    with pytest.raises(ToolchainError) as info:
        run(argv)
    error = info.value
    assert error.command == tuple(argv)
    assert error.returncode == 7
    assert error.stderr == "boom\n"
    assert "exit code: 7" in str(error) and "boom" in str(error)


def test_check_false_returns_a_failure_as_it_is() -> None:
    proc = run([sys.executable, "-c", "import sys; print('out'); sys.exit(5)"], check=False)
    assert (proc.returncode, proc.stdout) == (5, "out\n")
    with pytest.raises(ToolchainError, match="not found"):
        run(["/no/such/program"], check=False)  # failing to start still raises


def test_missing_program(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match="not found"):
        run([str(tmp_path / "no-such-tool"), "--help"])


def test_timeout() -> None:
    with pytest.raises(ToolchainError, match="did not finish"):
        run([sys.executable, "-c", "import time; time.sleep(5)"], timeout=0.3)
