"""The configuration of one ziggurat build: a frozen `Settings`, read from three sources.

Sources, lowest to highest precedence (the most explicit, per-build setting wins):

  1. `[tool.ziggurat]` in pyproject.toml           keep-sources = true
  2. `ZIGGURAT_<KEY>` environment variables         ZIGGURAT_KEEP_SOURCES=1
  3. PEP 517 `config_settings` from the frontend    -C keep-sources=true
     (also spelled `-C ziggurat.keep-sources=...` or `-C tool.ziggurat.keep-sources=...`)

Each source is validated on its own, so an error names the key *and* where it came from.
Environment variables and config settings are text: lists are comma-separated, booleans are
true/false/1/0 (yes/no/on/off too), executables are `name=module:function` pairs.
Config settings that belong to setuptools (`--build-option`, `--global-option`, `verbose`,
`editable-mode`, ...) are split off by `setuptools_config_settings` and handed to setuptools.

This module reads only the pyproject.toml, environment and settings it is given. It must not
build anything, import the translator or toolchains, or print.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal, Mapping

from ziggurat.errors import ConfigError

Fallback = Literal["interpret", "error"]
ConfigSettings = Mapping[str, "str | list[str] | None"]


@dataclass(frozen=True)
class Settings:
    """Everything a user can configure about a ziggurat build."""

    include: tuple[str, ...] = ("*",)
    """fnmatch globs over dotted module names to compile (`pkg.*`); default: every module."""
    exclude: tuple[str, ...] = ()
    """Globs of modules left as Python source; wins over `include`."""
    fallback: Fallback = "interpret"
    """What to do with code that cannot be compiled natively: run it interpreted, or fail."""
    opt_level: str = "2"
    """The C++ optimisation level passed to zig (`-O<level>`): 0, 1, 2, 3 or s."""
    keep_sources: bool = False
    """Ship each compiled module's `.py` beside its extension module."""
    jobs: int | None = None
    """Parallel compile jobs; None lets the toolchain choose (one per CPU)."""
    targets: tuple[str, ...] = ()
    """Wheel platform tags or aliases to build for (`all` for the eight); empty means the host.
    `ziggurat build` builds them all; a PEP 517 build builds one (see `target`)."""
    target: str | None = None
    """The one target a PEP 517 build produces (`-C target=linux-aarch64`). Unset: the host
    if `targets` is empty or lists it, else the first of `targets`."""
    abi3: bool = False
    """Build against the limited API of the oldest CPython `requires-python` allows (3.11 at
    least) into one cp3X-abi3 wheel per platform."""
    executables: tuple[tuple[str, str], ...] = ()
    """Standalone executables, (name, "module:function") pairs sorted by name; the CLI builds them."""
    cache_dir: str | None = None
    """Where compiled objects are cached; None lets the toolchain choose."""


# The table of keys: TOML spelling -> (Settings attribute, kind, allowed values). The kind
# picks both the TOML validator and the text parser below; adding a key is one row here.
@dataclass(frozen=True)
class _Key:
    attr: str
    kind: Literal["strings", "choice", "bool", "jobs", "executables", "path", "name"]
    choices: tuple[str, ...] = ()


_KEYS: dict[str, _Key] = {
    "include": _Key("include", "strings"),
    "exclude": _Key("exclude", "strings"),
    "fallback": _Key("fallback", "choice", ("interpret", "error")),
    "opt-level": _Key("opt_level", "choice", ("0", "1", "2", "3", "s")),
    "keep-sources": _Key("keep_sources", "bool"),
    "jobs": _Key("jobs", "jobs"),
    "targets": _Key("targets", "strings"),
    "target": _Key("target", "name"),
    "abi3": _Key("abi3", "bool"),
    "executables": _Key("executables", "executables"),
    "cache-dir": _Key("cache_dir", "path"),
}
assert {k.attr for k in _KEYS.values()} == {f.name for f in fields(Settings)}

ENV_PREFIX = "ZIGGURAT_"
# ZIGGURAT_* variables that are not settings, so never "unknown": ones the toolchain reads,
# and the test harness's own (ZIGGURAT_TEST_PYTHONS...), which may be set while wheels build.
# (ZIGGURAT_CACHE_DIR is both: the toolchain reads it and it is the cache-dir setting.)
TOOL_ENV_VARS = frozenset({"ZIGGURAT_ZIG"})
TOOL_ENV_PREFIXES = ("ZIGGURAT_TEST_",)
# config_settings keys that setuptools.build_meta reads; everything starting with "-" too.
SETUPTOOLS_KEYS = frozenset(
    {"verbose", "quiet", "editable-mode", "editable_mode", "tag-date", "tag-build"}
)
_CONFIG_PREFIXES = ("tool.ziggurat.", "ziggurat.")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_ENTRY = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*\Z")


def env_name(key: str) -> str:
    """The environment variable for a TOML key: `keep-sources` -> `ZIGGURAT_KEEP_SOURCES`."""
    return ENV_PREFIX + key.upper().replace("-", "_")


def _fail(key: str, expected: str, value: object, where: str) -> ConfigError:
    return ConfigError(f"{key} must be {expected}, got {value!r} (from {where})", key=key)


def _validate(key: str, value: Any, where: str) -> Any:
    """Check one typed value (as TOML gives it) and return it in the form Settings stores."""
    spec = _KEYS[key]
    if spec.kind == "strings":
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise _fail(key, "a list of non-empty strings", value, where)
        return tuple(value)
    if spec.kind == "choice":
        # opt-level = 2 in TOML is natural; accept the integer and store its text.
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if text not in spec.choices:
            allowed = ", ".join(repr(c) for c in spec.choices)
            raise _fail(key, f"one of {allowed}", value, where)
        return text
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise _fail(key, "a boolean (true or false)", value, where)
        return value
    if spec.kind == "jobs":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _fail(key, "a positive integer", value, where)
        return value
    if spec.kind == "path":
        if not isinstance(value, str) or not value:
            raise _fail(key, "a non-empty path string", value, where)
        return value
    if spec.kind == "name":
        if not isinstance(value, str) or not value.strip() or "," in value:
            raise _fail(key, "one name (e.g. linux-aarch64 or manylinux_2_17_aarch64)", value, where)
        return value.strip()
    # executables: a table of name -> "module:function", like [project.scripts]
    if not isinstance(value, dict):
        raise _fail(key, 'a table of name = "module:function"', value, where)
    for name, entry in value.items():
        if not name or "/" in name or "\\" in name:
            raise _fail(f"{key}.{name}", "a plain executable name", name, where)
        if not isinstance(entry, str) or not _ENTRY.match(entry):
            raise _fail(f"{key}.{name}", 'an entry point "module:function"', entry, where)
    return tuple(sorted(value.items()))


def _parse_text(key: str, text: str, where: str) -> Any:
    """Turn the text of an environment variable or config setting into a TOML-like value."""
    kind = _KEYS[key].kind
    if kind == "strings":
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind == "bool":
        if text.strip().lower() in _TRUE:
            return True
        if text.strip().lower() in _FALSE:
            return False
        raise _fail(key, "a boolean (true/false/1/0)", text, where)
    if kind == "jobs":
        try:
            return int(text.strip())
        except ValueError:
            raise _fail(key, "a positive integer", text, where) from None
    if kind == "executables":
        table: dict[str, str] = {}
        for pair in filter(None, (p.strip() for p in text.split(","))):
            name, sep, entry = pair.partition("=")
            if not sep:
                raise _fail(key, "comma-separated name=module:function pairs", text, where)
            table[name.strip()] = entry.strip()
        return table
    return text.strip()


def _from_toml(table: Mapping[str, Any], where: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError.unknown_key(key, _KEYS, where)
        values[key] = _validate(key, value, where)
    return values


def _from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    by_env = {env_name(key): key for key in _KEYS}
    values: dict[str, Any] = {}
    for var in sorted(environ):
        if not var.startswith(ENV_PREFIX) or var in TOOL_ENV_VARS or var.startswith(TOOL_ENV_PREFIXES):
            continue
        if var not in by_env:
            raise ConfigError.unknown_key(var, [*by_env, *TOOL_ENV_VARS], "the environment")
        text = environ[var]
        if text == "":  # an empty variable counts as unset, as most tools treat it
            continue
        key, where = by_env[var], f"environment variable {var}"
        values[key] = _validate(key, _parse_text(key, text, where), where)
    return values


def _is_setuptools_key(key: str) -> bool:
    return key.startswith("-") or key in SETUPTOOLS_KEYS


def _from_config_settings(config_settings: ConfigSettings) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for raw in sorted(config_settings):
        if _is_setuptools_key(raw):
            continue
        key = raw
        for prefix in _CONFIG_PREFIXES:
            if raw.startswith(prefix):
                key = raw[len(prefix):]
                break
        where = f"config setting -C {raw}"
        if key not in _KEYS:
            raise ConfigError.unknown_key(key, _KEYS, f"config settings (-C {raw})")
        value = config_settings[raw]
        if value is None or (value == "" and _KEYS[key].kind == "bool"):
            value = "true"  # `-C keep-sources` with no value is a flag
        # A key repeated on the command line arrives as a list; lists concatenate.
        text = ",".join(value) if isinstance(value, list) else value
        values[key] = _validate(key, _parse_text(key, text, where), where)
    return values


def _read_pyproject(project_dir: Path) -> Mapping[str, Any]:
    """The project's pyproject.toml as a document; empty if there is none."""
    path = project_dir / "pyproject.toml"
    if not path.is_file():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: tomli (a dependency of ziggurat there)
        import tomli as tomllib
    try:
        document: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"pyproject.toml is not valid TOML: {exc}") from None
    return document


def read_pyproject_table(project_dir: Path) -> Mapping[str, Any]:
    """`[tool.ziggurat]` of the project's pyproject.toml; empty if either is missing."""
    table = _read_pyproject(project_dir).get("tool", {}).get("ziggurat", {})
    if not isinstance(table, dict):
        raise ConfigError("[tool.ziggurat] in pyproject.toml must be a table", key="tool.ziggurat")
    return table


def load_settings(
    project_dir: Path,
    *,
    environ: Mapping[str, str],
    config_settings: ConfigSettings | None = None,
) -> Settings:
    """Merge pyproject.toml < environment < config_settings into one validated Settings."""
    values = _from_toml(read_pyproject_table(project_dir), "[tool.ziggurat] in pyproject.toml")
    values.update(_from_environ(environ))
    values.update(_from_config_settings(config_settings or {}))
    return Settings(**{_KEYS[key].attr: value for key, value in values.items()})


def setuptools_config_settings(
    config_settings: ConfigSettings | None,
) -> dict[str, str | list[str] | None] | None:
    """The part of config_settings that setuptools reads (its `--build-option` and friends)."""
    if config_settings is None:
        return None
    return {k: v for k, v in config_settings.items() if _is_setuptools_key(k)}


def check_wheel_settings(settings: Settings) -> None:
    """Refuse settings that are stored but cannot be built into a wheel yet (none at present)."""
    del settings


def read_requires_python(project_dir: Path) -> str | None:
    """`[project] requires-python` of the project's pyproject.toml, if it sets one."""
    value = _read_pyproject(project_dir).get("project", {}).get("requires-python")
    if value is not None and not isinstance(value, str):
        raise ConfigError("requires-python in [project] must be a string", key="requires-python")
    return value
