"""End to end, as a new user would do it: build each sample project with `python -m build`
(build isolation on), check the wheel, install it into a fresh venv, run its console script
and compare everything it prints with the uncompiled project run by CPython.

The projects and what each proves are in sample_projects/*/README.md; their expected
contents are in support.PROJECTS.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from .conftest import Builds, sdist_names
from .support import (
    EXT_SUFFIX,
    PLATFORM_TAGS,
    PROJECTS,
    PY_TAG,
    SampleProject,
    copy_project,
    entry_code,
    normalise_stderr,
    parse_summary,
    python_build,
    run,
    run_split,
    venv,
    wheel_members,
)

pytestmark = pytest.mark.e2e


def module_name(wheel_path: str) -> str:
    """`pkg/sub/__init__.py` -> `pkg.sub`; `pkg/mod.py` -> `pkg.mod`."""
    parts = wheel_path[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def site_packages(bin_dir: Path) -> Path:
    (path,) = bin_dir.parent.glob("lib/python*/site-packages")
    return path


# ---------------------------------------------------------------------------------------
# The wheel itself


def test_wheel_name_and_tags(project: SampleProject, builds: Builds) -> None:
    build = builds(project.dirname)
    assert build.wheel.name == project.wheel_name()
    with zipfile.ZipFile(build.wheel) as zf:
        wheel_file = zf.read(f"{project.dist}-{project.version}.dist-info/WHEEL").decode()
    assert "Root-Is-Purelib: false" in wheel_file
    tags = sorted(line.split(": ", 1)[1] for line in wheel_file.splitlines() if line.startswith("Tag: "))
    assert tags == sorted(f"{PY_TAG}-{PY_TAG}-{platform}" for platform in PLATFORM_TAGS.split("."))


def test_every_module_is_an_extension_module(project: SampleProject, builds: Builds) -> None:
    build = builds(project.dirname)
    members = wheel_members(build.wheel)
    sources = project.source_files(build.tree)
    assert sources, "the project has no modules?"
    compiled = [s for s in sources if s not in project.kept_sources]
    assert sorted(n for n in members if n.endswith(".so")) == sorted(s[: -len(".py")] + EXT_SUFFIX for s in compiled)
    # No Python source of the project is left, except what [tool.ziggurat] keeps.
    assert sorted(n for n in members if n.endswith(".py")) == sorted(project.kept_sources)
    for data in project.data_files:
        assert data in members, f"package data {data} missing"
    with zipfile.ZipFile(build.wheel) as zf:
        for name in members:
            if name.endswith(".so"):
                assert zf.read(name)[:4] == b"\x7fELF", name
        record = zf.read(f"{project.dist}-{project.version}.dist-info/RECORD").decode()
    recorded = {line.split(",", 1)[0] for line in record.splitlines() if line}
    assert recorded == set(members)


def test_auditwheel_accepts_the_manylinux_tag(project: SampleProject, builds: Builds) -> None:
    auditwheel = shutil.which("auditwheel", path=str(Path(sys.executable).parent)) or shutil.which("auditwheel")
    if auditwheel is None:
        pytest.skip("auditwheel is not installed (pip install -e '.[test]')")
    build = builds(project.dirname)
    result = run([auditwheel, "show", build.wheel], env=builds.env, cwd=build.wheel.parent).check()
    match = re.search(r'consistent with the following platform tag:\s+"manylinux_(\d+)_(\d+)_x86_64"', result.output)
    assert match, result.output
    # auditwheel names the most permissive policy the wheel meets: at most glibc 2.17 needed.
    assert (int(match[1]), int(match[2])) <= (2, 17), result.output
    # Only the system libraries every manylinux policy allows (libc, libm: the specialised
    # tier calls libm), nothing auditwheel would have to vendor.
    assert "external shared libraries are required" not in result.output, result.output


def test_build_log_reports_every_module(project: SampleProject, builds: Builds) -> None:
    build = builds(project.dirname)
    output = build.log.output
    summary = parse_summary(output)
    assert summary is not None, output
    compiled = [s for s in project.source_files(build.tree) if s not in project.kept_sources]
    assert summary["modules"] == len(compiled)
    assert summary["built"] + summary["cached"] == len(compiled)
    for source in compiled:
        assert re.search(rf"^ziggurat: {re.escape(module_name(source))}: \d+/\d+ functions native", output, re.M), (
            f"no report line for {source}\n{output}"
        )
    for kept in project.kept_sources:
        assert f"ziggurat: {module_name(kept)}:" not in output
    assert "Traceback" not in output


# ---------------------------------------------------------------------------------------
# Installed and run


def test_installed_wheel_behaves_like_the_sources(
    project: SampleProject, builds: Builds, e2e_root: Path, tmp_path: Path
) -> None:
    build = builds(project.dirname)
    bin_dir = venv(tmp_path / "venv", builds.env)
    run([bin_dir / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-index", build.wheel],
        env=builds.env, cwd=tmp_path).check()
    neutral = tmp_path / "cwd"  # nothing importable here
    neutral.mkdir()
    source_root = (build.tree / project.source_root).resolve()
    reference_env = {**builds.env, "PYTHONPATH": str(source_root), "PYTHONDONTWRITEBYTECODE": "1"}
    for args in project.runs:
        code, out, err = run_split([bin_dir / project.script, *args], env=builds.env, cwd=neutral)
        ref_code, ref_out, ref_err = run_split(
            [sys.executable, "-c", entry_code(project.entry), *args], env=reference_env, cwd=neutral
        )
        assert ref_code in (0, 1), f"the uncompiled project itself fails oddly:\n{ref_err}"
        assert (code, out) == (ref_code, ref_out), f"{project.script} {' '.join(args)}\n{err}"
        # Tracebacks through compiled code name the same files, lines and functions.
        assert normalise_stderr(err, [site_packages(bin_dir)]) == normalise_stderr(ref_err, [source_root])

    # And it really is the compiled code that ran: every module loads as an extension.
    names = [module_name(s) for s in project.source_files(build.tree)]
    probe = "import importlib, sys\nfor n in sys.argv[1:]:\n    print(n, type(importlib.import_module(n).__loader__).__name__)"
    code, out, err = run_split([bin_dir / "python", "-c", probe, *names], env=builds.env, cwd=neutral)
    assert code == 0, err
    loaders = dict(line.split() for line in out.splitlines())
    for source in project.source_files(build.tree):
        expected = "SourceFileLoader" if source in project.kept_sources else "ExtensionFileLoader"
        assert loaders[module_name(source)] == expected, source


# ---------------------------------------------------------------------------------------
# sdist and editable installs


def test_sdist_rebuilds_the_same_wheel(project: SampleProject, builds: Builds) -> None:
    build = builds(project.dirname)
    names = sdist_names(build.sdist)
    prefix = "" if project.source_root == "." else project.source_root + "/"
    for required in ["pyproject.toml", "README.md", *(prefix + s for s in project.source_files(build.tree)),
                     *(prefix + d for d in project.data_files)]:
        assert required in names, f"{required} missing from {build.sdist.name}"
    assert build.wheel_from_sdist.name == build.wheel.name
    with zipfile.ZipFile(build.wheel) as a, zipfile.ZipFile(build.wheel_from_sdist) as b:
        assert a.namelist() == b.namelist()
        differing = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert differing == [], "members differ between the wheel from the tree and the one from the sdist"
    assert build.wheel.read_bytes() == build.wheel_from_sdist.read_bytes()
    # The second build of the same code compiled nothing: every module came from the cache.
    summary = parse_summary(build.sdist_log.output)
    assert summary is not None and summary["built"] == 0, build.sdist_log.output


def test_editable_install_runs_the_sources(project: SampleProject, builds: Builds, tmp_path: Path) -> None:
    build = builds(project.dirname)  # for the reference output and a warm pip cache
    tree = copy_project(project, tmp_path / "tree")
    bin_dir = venv(tmp_path / "venv", builds.env)
    run([bin_dir / "python", "-m", "pip", "install", "-q", "-e", tree], env=builds.env, cwd=tmp_path).check()
    assert not list(tree.rglob("*.so")), "an editable install must not compile anything"
    neutral = tmp_path / "cwd"
    neutral.mkdir()
    source_root = (build.tree / project.source_root).resolve()
    reference_env = {**builds.env, "PYTHONPATH": str(source_root), "PYTHONDONTWRITEBYTECODE": "1"}
    args = project.runs[0]
    code, out, err = run_split([bin_dir / project.script, *args], env=builds.env, cwd=neutral)
    ref = run_split([sys.executable, "-c", entry_code(project.entry), *args], env=reference_env, cwd=neutral)
    assert (code, out) == ref[:2], err

    # The modules are the tree's .py files, and an edit shows without reinstalling.
    first = project.source_files(tree)[0]
    (tree / project.source_root / first).open("a", encoding="utf-8").write("\nEDITED_IN_PLACE = 42\n")
    probe = (
        "import importlib, sys; m = importlib.import_module(sys.argv[1]); "
        "print(type(m.__loader__).__name__, m.__file__, m.EDITED_IN_PLACE)"
    )
    code, out, err = run_split([bin_dir / "python", "-c", probe, module_name(first)], env=builds.env, cwd=neutral)
    assert code == 0, err
    loader, path, value = out.split()
    assert (loader, value) == ("SourceFileLoader", "42")
    assert Path(path).resolve() == (tree / project.source_root / first).resolve()


# ---------------------------------------------------------------------------------------
# Failures and fallbacks


def test_syntax_error_fails_cleanly_and_leaves_no_wheel(builds: Builds, tmp_path: Path) -> None:
    project = PROJECTS["src_layout_app"]
    tree = copy_project(project, tmp_path / "broken")
    module = tree / "src/stockroom/models/orders.py"
    text = module.read_text(encoding="utf-8")
    broken = text.replace("        self.customer = customer\n", "        self.customer = = customer\n", 1)
    assert broken != text
    module.write_text(broken, encoding="utf-8")
    with pytest.raises(SyntaxError) as info:
        compile(broken, "orders.py", "exec")
    line, col = info.value.lineno, info.value.offset
    assert line is not None and col is not None

    outdir = tmp_path / "dist"
    result = python_build(tree, outdir, builds.env, "--wheel")
    assert result.returncode != 0
    output = result.output
    # path:line:col, the source line, and a caret under the column; no Python traceback.
    match = re.search(rf"^ziggurat: error: src/stockroom/models/orders\.py:{line}:{col}: syntax error.*$",
                      output, re.M)
    assert match, output
    shown, caret = output[match.end():].splitlines()[1:3]
    source_line = broken.splitlines()[line - 1]
    assert shown.endswith(source_line), output
    margin = len(shown) - len(source_line)
    assert caret == " " * (margin + col - 1) + "^", output
    assert "Traceback" not in output
    assert not outdir.exists() or not any(outdir.iterdir()), sorted(p.name for p in outdir.iterdir())


REPORTS = """
import json, sys
from pathlib import Path
from ziggurat.translator import translate_module
root, out = Path(sys.argv[1]), []
for source, name in zip(sys.argv[2::2], sys.argv[3::2]):
    report = translate_module((root / source).read_text(encoding="utf-8"), filename=source, module_name=name).report
    out.append({"summary": report.summary(), "fallbacks": len(report.fallbacks)})
print(json.dumps(out))
"""


def translator_reports(builds: Builds, project: SampleProject, tree: Path) -> list[dict[str, Any]]:
    """What the translator that built the wheels says about each compiled module of a project.

    Run from the copy the wheelhouse was built from, not from this checkout, which may be
    edited while the session runs.
    """
    args: list[str | Path] = [sys.executable, "-c", REPORTS, tree / project.source_root]
    for source in project.source_files(tree):
        if source not in project.kept_sources:
            args += [source, module_name(source)]
    env = {**builds.env, "PYTHONPATH": str(builds.ziggurat_source)}
    result = run(args, env=env, cwd=builds.ziggurat_source).check()
    reports: list[dict[str, Any]] = json.loads(result.output)
    return reports


def skip_without_fallbacks(reports: list[dict[str, Any]]) -> None:
    # The translator keeps learning constructs; when fallbacks_demo has nothing left that falls
    # back, these tests have nothing to prove until it is given constructs that still do.
    if not any(report["fallbacks"] for report in reports):
        pytest.skip("the translator compiles all of fallbacks_demo natively now: give it constructs that still fall back")


def test_fallbacks_are_listed_in_the_build_log(builds: Builds) -> None:
    project = PROJECTS["fallbacks_demo"]
    build = builds(project.dirname)
    output = build.log.output
    reports = translator_reports(builds, project, build.tree)
    # The build log carries, per module, the translator's own report: every fallback with its reason.
    for report in reports:
        for line in report["summary"].splitlines():
            assert f"ziggurat: {line}" in output, f"missing from the build log: {line}\n{output}"
    skip_without_fallbacks(reports)
    assert re.search(r"^ziggurat:     fallback x\d+: ", output, re.M), output


def test_fallback_error_setting_fails_the_build(builds: Builds, tmp_path: Path) -> None:
    project = PROJECTS["fallbacks_demo"]
    if sys.version_info < project.requires_python:
        pytest.skip("fallbacks_demo uses Python 3.11 syntax")
    tree = copy_project(project, tmp_path / "strict")
    skip_without_fallbacks(translator_reports(builds, project, tree))
    outdir = tmp_path / "dist"
    result = python_build(tree, outdir, builds.env, "--wheel", "-C", "fallback=error")
    assert result.returncode != 0
    assert re.search(
        r'^ziggurat: error: (src/)?fallbacks_demo/\w+\.py:\d+:\d+: .+ \(fallback = "error" forbids running it interpreted\)$',
        result.output,
        re.M,
    ), result.output
    assert "Traceback" not in result.output
    assert not outdir.exists() or not any(outdir.iterdir())
