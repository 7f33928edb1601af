"""ziggurat: a PEP 517 build backend that compiles a project's Python modules to C++
and builds them with `zig c++` into native wheels.

Sub-packages, one concern each:
  backend/     PEP 517/660 hooks, configuration, setuptools integration, wheel writing
  translator/  Python source -> C++ text (pure: no subprocesses, no zig)
  runtime/     C++ headers included by the generated code (package data)
  toolchains/  zig discovery, targets, flags, cached parallel compilation
  cli.py       the `ziggurat` command
"""

__version__ = "0.1.0"
