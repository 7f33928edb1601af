"""Settings: defaults, each source, precedence, and every error message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ziggurat.backend.config import (
    Settings,
    check_wheel_settings,
    env_name,
    load_settings,
    setuptools_config_settings,
)
from ziggurat.errors import ConfigError


def write_toml(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1.0"\n\n[tool.ziggurat]\n' + body, encoding="utf-8"
    )
    return tmp_path


def load(tmp_path: Path, toml: str = "", env: dict[str, str] | None = None, cs: dict[str, Any] | None = None) -> Settings:
    write_toml(tmp_path, toml)
    return load_settings(tmp_path, environ=env or {}, config_settings=cs)


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    assert load_settings(tmp_path, environ={}) == Settings()
    assert Settings().include == ("*",)
    assert Settings().opt_level == "2"


def test_defaults_with_empty_table(tmp_path: Path) -> None:
    assert load(tmp_path) == Settings()


def test_every_key_from_toml(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
include = ["pkg.*"]
exclude = ["pkg.slow", "*.__init__"]
fallback = "error"
opt-level = 3
keep-sources = true
jobs = 4
targets = ["linux-aarch64", "win_amd64"]
target = "win_amd64"
abi3 = false
cache-dir = ".zcache"
[tool.ziggurat.executables]
zz = "pkg.cli:main"
aa = "pkg:run"
""",
    )
    assert settings == Settings(
        include=("pkg.*",),
        exclude=("pkg.slow", "*.__init__"),
        fallback="error",
        opt_level="3",
        keep_sources=True,
        jobs=4,
        targets=("linux-aarch64", "win_amd64"),
        target="win_amd64",
        abi3=False,
        executables=(("aa", "pkg:run"), ("zz", "pkg.cli:main")),
        cache_dir=".zcache",
    )


def test_every_key_from_environment(tmp_path: Path) -> None:
    env = {
        "ZIGGURAT_INCLUDE": "pkg.a, pkg.b",
        "ZIGGURAT_EXCLUDE": "pkg.b",
        "ZIGGURAT_FALLBACK": "error",
        "ZIGGURAT_OPT_LEVEL": "s",
        "ZIGGURAT_KEEP_SOURCES": "1",
        "ZIGGURAT_JOBS": "2",
        "ZIGGURAT_TARGETS": "all",
        "ZIGGURAT_TARGET": " macos-arm64 ",
        "ZIGGURAT_ABI3": "false",
        "ZIGGURAT_EXECUTABLES": "tool=pkg.cli:main,other=pkg:go",
        "ZIGGURAT_CACHE_DIR": "/tmp/zc",
        "ZIGGURAT_ZIG": "/usr/bin/zig",  # a tool variable, not a setting
        "ZIGGURAT_TEST_PYTHONS": "python3.12",  # the test harness's, not a setting
        "PATH": "/bin",
    }
    settings = load(tmp_path, env=env)
    assert settings == Settings(
        include=("pkg.a", "pkg.b"),
        exclude=("pkg.b",),
        fallback="error",
        opt_level="s",
        keep_sources=True,
        jobs=2,
        targets=("all",),
        target="macos-arm64",
        executables=(("other", "pkg:go"), ("tool", "pkg.cli:main")),
        cache_dir="/tmp/zc",
    )


@pytest.mark.parametrize("prefix", ["", "ziggurat.", "tool.ziggurat."])
def test_config_settings_spellings(tmp_path: Path, prefix: str) -> None:
    settings = load(tmp_path, cs={prefix + "opt-level": "1", prefix + "keep-sources": "true"})
    assert settings.opt_level == "1" and settings.keep_sources is True


def test_config_settings_flag_and_repeated_keys(tmp_path: Path) -> None:
    # python -m build -C keep-sources -C exclude=a -C exclude=b,c
    settings = load(tmp_path, cs={"keep-sources": None, "exclude": ["a", "b,c"]})
    assert settings.keep_sources is True
    assert settings.exclude == ("a", "b", "c")


def test_precedence_toml_env_config_settings(tmp_path: Path) -> None:
    toml = 'opt-level = "0"\nfallback = "error"\njobs = 1\n'
    env = {"ZIGGURAT_OPT_LEVEL": "1", "ZIGGURAT_JOBS": "3"}
    assert load(tmp_path, toml).opt_level == "0"
    from_env = load(tmp_path, toml, env)
    assert (from_env.opt_level, from_env.jobs, from_env.fallback) == ("1", 3, "error")
    from_cs = load(tmp_path, toml, env, {"opt-level": "3"})
    assert (from_cs.opt_level, from_cs.jobs, from_cs.fallback) == ("3", 3, "error")


def test_empty_environment_variable_counts_as_unset(tmp_path: Path) -> None:
    assert load(tmp_path, "jobs = 2\n", {"ZIGGURAT_JOBS": ""}).jobs == 2


def test_setuptools_keys_pass_through(tmp_path: Path) -> None:
    cs = {"--build-option": "--foo", "--global-option": "-q", "verbose": "1", "opt-level": "0", "editable-mode": "strict"}
    assert load(tmp_path, cs=cs).opt_level == "0"
    assert setuptools_config_settings(cs) == {
        "--build-option": "--foo",
        "--global-option": "-q",
        "verbose": "1",
        "editable-mode": "strict",
    }
    assert setuptools_config_settings(None) is None


def test_env_name() -> None:
    assert env_name("keep-sources") == "ZIGGURAT_KEEP_SOURCES"
    assert env_name("opt-level") == "ZIGGURAT_OPT_LEVEL"


# (toml body, env, config_settings, exact error message)
BAD = [
    (
        "keep-source = true\n", {}, None,
        "unknown key 'keep-source' in [tool.ziggurat] in pyproject.toml; did you mean 'keep-sources'?",
    ),
    (
        "optimise = 2\n", {}, None,
        "unknown key 'optimise' in [tool.ziggurat] in pyproject.toml",
    ),
    (
        "", {"ZIGGURAT_OPT_LEVL": "2"}, None,
        "unknown key 'ZIGGURAT_OPT_LEVL' in the environment; did you mean 'ZIGGURAT_OPT_LEVEL'?",
    ),
    (
        "", {}, {"fallbak": "error"},
        "unknown key 'fallbak' in config settings (-C fallbak); did you mean 'fallback'?",
    ),
    (
        "", {}, {"ziggurat.jbs": "2"},
        "unknown key 'jbs' in config settings (-C ziggurat.jbs); did you mean 'jobs'?",
    ),
    (
        'include = "pkg.*"\n', {}, None,
        "include must be a list of non-empty strings, got 'pkg.*' (from [tool.ziggurat] in pyproject.toml)",
    ),
    (
        'fallback = "ignore"\n', {}, None,
        "fallback must be one of 'interpret', 'error', got 'ignore' (from [tool.ziggurat] in pyproject.toml)",
    ),
    (
        "opt-level = 4\n", {}, None,
        "opt-level must be one of '0', '1', '2', '3', 's', got 4 (from [tool.ziggurat] in pyproject.toml)",
    ),
    (
        'keep-sources = "yes"\n', {}, None,
        "keep-sources must be a boolean (true or false), got 'yes' (from [tool.ziggurat] in pyproject.toml)",
    ),
    (
        "jobs = 0\n", {}, None,
        "jobs must be a positive integer, got 0 (from [tool.ziggurat] in pyproject.toml)",
    ),
    (
        'executables = ["a"]\n', {}, None,
        "executables must be a table of name = \"module:function\", got ['a'] (from [tool.ziggurat] in pyproject.toml)",
    ),
    (
        '[tool.ziggurat.executables]\ntool = "pkg.cli"\n', {}, None,
        "executables.tool must be an entry point \"module:function\", got 'pkg.cli' (from [tool.ziggurat] in pyproject.toml)",
    ),
    (
        "", {"ZIGGURAT_KEEP_SOURCES": "maybe"}, None,
        "keep-sources must be a boolean (true/false/1/0), got 'maybe' (from environment variable ZIGGURAT_KEEP_SOURCES)",
    ),
    (
        "", {"ZIGGURAT_JOBS": "many"}, None,
        "jobs must be a positive integer, got 'many' (from environment variable ZIGGURAT_JOBS)",
    ),
    (
        "", {}, {"opt-level": "fast"},
        "opt-level must be one of '0', '1', '2', '3', 's', got 'fast' (from config setting -C opt-level)",
    ),
    (
        "", {}, {"tool.ziggurat.executables": "tool"},
        "executables must be comma-separated name=module:function pairs, got 'tool' (from config setting -C tool.ziggurat.executables)",
    ),
]


@pytest.mark.parametrize("toml, env, cs, message", BAD)
def test_bad_config(tmp_path: Path, toml: str, env: dict[str, str], cs: dict[str, Any] | None, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, toml, env, cs)
    assert str(info.value) == message
    assert info.value.key is not None


def test_tool_ziggurat_must_be_a_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool]\nziggurat = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[tool.ziggurat\] in pyproject.toml must be a table"):
        load_settings(tmp_path, environ={})


def test_invalid_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ziggurat\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="pyproject.toml is not valid TOML"):
        load_settings(tmp_path, environ={})


def test_later_source_does_not_hide_earlier_errors(tmp_path: Path) -> None:
    # A bad pyproject value is an error even when -C overrides it: the file itself is wrong.
    with pytest.raises(ConfigError, match="jobs must be a positive integer"):
        load(tmp_path, "jobs = -1\n", cs={"jobs": "2"})


def test_abi3_is_accepted_for_wheels(tmp_path: Path) -> None:
    # (what it builds: tests/abi3)
    settings = load(tmp_path, "abi3 = true\n")
    assert settings.abi3 is True
    check_wheel_settings(settings)
    check_wheel_settings(Settings())


def test_one_target_for_a_pep517_build(tmp_path: Path) -> None:
    # -C target wins over the environment, which wins over pyproject.toml
    assert load(tmp_path, 'target = "linux-aarch64"').target == "linux-aarch64"
    assert load(tmp_path, 'target = "linux-aarch64"', env={"ZIGGURAT_TARGET": "win_amd64"}).target == "win_amd64"
    settings = load(tmp_path, 'target = "linux-aarch64"', env={"ZIGGURAT_TARGET": "win_amd64"}, cs={"target": "macos-arm64"})
    assert settings.target == "macos-arm64"


@pytest.mark.parametrize("toml, cs", [('target = ["linux-aarch64"]', None), ('target = ""', None), ("", {"target": "a,b"})])
def test_target_is_one_name(tmp_path: Path, toml: str, cs: dict[str, Any] | None) -> None:
    with pytest.raises(ConfigError, match="one name") as info:
        load(tmp_path, toml, cs=cs)
    assert info.value.key == "target"
