"""Tables and the plot of a benchmark run, from the plain data `run.py` writes as results.json.

In: that data (a dict). Out: markdown text (speedups; builds; failures; peers' status) and a
PNG bar chart of the speedups per benchmark and tool (matplotlib, pip-installed when missing).
Must not measure anything or drop a failure: a tool that failed to build, crashed or gave
different output shows as such in every table and is left out of the geometric means.

    python -m benchmarks.report results.json [rerun.json ...]
        re-render results.md and speedups.png beside results.json; benchmarks in a later file
        (a re-run of some benchmarks with the same tools) replace the earlier ones, and the
        merged data is written back to results.json
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import sys
from pathlib import Path
from typing import Any

Data = dict[str, Any]


class NoPlot(Exception):
    """matplotlib could not be had."""


def _tools(data: Data) -> list[str]:
    return [t for t in data["tools"] if t != "cpython"]


def _speedup(b: Data, tool: str) -> float | None:
    """The median speedup, only for a tool that built, ran and gave CPython's output."""
    t = b["tools"].get(tool)
    if not t or not t["ratios"] or t["error"] or t["identical"] is not True:
        return None
    return float(statistics.median(t["ratios"]))


def _cell(b: Data, tool: str) -> str:
    t = b["tools"].get(tool)
    if b["error"]:
        return "—"
    if t is None:
        return "n/a"
    if not t["build"]["ok"]:
        return "build failed"
    if t["error"]:
        return "crashed" if "failed" in t["error"] else "error"
    if not t["ratios"]:
        return "not timed"
    med = statistics.median(t["ratios"])
    text = f"{med:.2f}x ({min(t['ratios']):.2f}–{max(t['ratios']):.2f})"
    return text if t["identical"] else f"output differs ({text})"


def _identical(b: Data, tools: list[str]) -> str:
    if b["error"]:
        return "—"
    bad = [t for t in tools if t in b["tools"] and b["tools"][t]["build"]["ok"]
           and (b["tools"][t]["identical"] is False)]
    ran = [t for t in tools if t in b["tools"] and b["tools"][t]["identical"] is True]
    if bad:
        return "NO: " + ", ".join(bad)
    return "yes" if ran else "—"


def _geomean(values: list[float | None]) -> tuple[float | None, int]:
    ok = [v for v in values if v is not None]
    return (statistics.geometric_mean(ok) if ok else None), len(ok)


def markdown(data: Data) -> str:
    tools = _tools(data)
    benches: list[Data] = data["benchmarks"]
    out = [f"# Benchmarks: speedup over CPython {data['python']}",
           "",
           f"pyperformance {data['pyperformance']}, ziggurat {data['ziggurat']}, {data['rounds']} rounds; "
           "speedup = CPython's time / the tool's time in the same round, median (min–max over rounds). "
           "Output identical: each build's results (return values, printed output, module globals, "
           "files written) compared with CPython's.",
           "",
           "| benchmark | CPython ms | " + " | ".join(tools) + " | output identical |",
           "|---|---:|" + "---:|" * len(tools) + "---|"]
    for b in benches:
        cpy = b["tools"]["cpython"]["seconds"]
        ms = _ms(statistics.median(cpy)) if cpy else "—"
        name = b["spec"]["name"] + ("" if b["spec"]["group"] != "extra" else " ◦")
        out.append(f"| {name} | {ms} | " + " | ".join(_cell(b, t) for t in tools) + f" | {_identical(b, tools)} |")
    named = [b for b in benches if b["spec"]["group"] == "named"]
    if named:
        cells = []
        for t in tools:
            g, n = _geomean([_speedup(b, t) for b in named])
            cells.append(f"**{g:.2f}x** ({n}/{len(data['named'])})" if g else f"— (0/{len(data['named'])})")
        out.append("| **geomean, the 13 named** | | " + " | ".join(cells) + " | |")
    out += ["", "◦ = an extra benchmark (not one of the 13 named). The geomean counts only the benchmarks "
            "a tool built and ran with identical output (how many, in brackets)."]

    counted = [b for b in benches if any(t.get("instructions") for t in b["tools"].values())]
    if counted:
        out += ["", "## Instructions (callgrind; `--instructions`)", "",
                "CPython's instruction count over the tool's for the same loops: repeatable on a "
                "loaded machine, blind to cache misses and branch prediction.", "",
                "| benchmark | CPython instructions | " + " | ".join(tools) + " |",
                "|---|---:|" + "---:|" * len(tools)]
        for b in counted:
            base = b["tools"]["cpython"].get("instructions")
            cells = [f"{base / n:.2f}x" if base and (n := b["tools"].get(t, {}).get("instructions")) else "—"
                     for t in tools]
            out.append(f"| {b['spec']['name']} | {base or 0:,} | " + " | ".join(cells) + " |")

    typed = [b for b in benches if b["spec"]["group"] == "typed"]
    if typed:
        by_name = {b["spec"]["name"]: b for b in benches}
        out += ["", "## What annotations buy (typed variants: annotations added, nothing else)", "",
                "| benchmark | " + " | ".join(f"{t} untyped | {t} typed" for t in tools) + " |",
                "|---|" + "---:|---:|" * len(tools)]
        for b in typed:
            base = by_name.get(b["spec"]["base"])
            cells = []
            for t in tools:
                cells.append(_cell(base, t) if base else "not run")
                cells.append(_cell(b, t))
            out.append(f"| {b['spec']['base']} | " + " | ".join(cells) + " |")

    out += ["", "## Builds: compile time (s, cold) and extension size (KiB)", "",
            "Compile time: the build command's wall clock (in brackets: its processes' CPU time, which "
            "depends far less on what else the machine is running).", "",
            "| benchmark | " + " | ".join(f"{t} s" for t in tools) + " | " + " | ".join(f"{t} KiB" for t in tools) + " |",
            "|---|" + "---:|" * (2 * len(tools))]
    for b in benches:
        secs, sizes = [], []
        for t in tools:
            tr = b["tools"].get(t)
            if tr is None:
                secs.append("n/a")
                sizes.append("n/a")
            elif not tr["build"]["ok"]:
                secs.append(f"failed ({_build_time(tr['build'])})")
                sizes.append("—")
            else:
                secs.append(_build_time(tr["build"]))
                sizes.append(f"{tr['build']['size'] / 1024:.0f}")
        out.append(f"| {b['spec']['name']} | " + " | ".join(secs) + " | " + " | ".join(sizes) + " |")
    totals = []
    for t in tools:
        built = [b["tools"][t]["build"] for b in benches if t in b["tools"] and b["tools"][t]["build"]["ok"]]
        total = {"seconds": sum(x["seconds"] for x in built), "cpu_seconds": sum(_cpu(x) for x in built)}
        totals.append(f"{_build_time(total)}, {len(built)} built")
    out.append("| **total** | " + " | ".join(totals) + " |" + " |" * len(tools))

    out += ["", "## The bars (issue #5), as measured in this run", ""] + bars(data)

    problems = []
    for b in benches:
        name = b["spec"]["name"]
        if b["error"]:
            problems.append(f"- **{name}**: {_one_line(b['error'])}")
        for t in tools:
            tr = b["tools"].get(t)
            if tr is None:
                continue
            if not tr["build"]["ok"]:
                problems.append(f"- **{name}** / {t}: build failed: `{_one_line(tr['build']['error'])}`")
            elif tr["error"]:
                problems.append(f"- **{name}** / {t}: {_one_line(tr['error'])}")
            elif tr["identical"] is False:
                problems.append(f"- **{name}** / {t}: output differs from CPython in {', '.join(tr['differences'])}")
        if b["unstable"]:
            problems.append(f"- **{name}**: not compared (CPython itself varies between runs): "
                            + ", ".join(b["unstable"]))
    out += ["", "## Failures and differences", ""] + (problems or ["none"])
    if data["peer_status"]:
        out += ["", "## Peers", ""] + [f"- {k}: {' '.join(v.split())}" for k, v in data["peer_status"].items()]
    if "shedskin" in data["tools"]:
        out += ["", "Shed Skin was given, for itself only, each module with `import pyperf` served by a one-function "
                "shim (perf_counter) and its `__main__` block replaced by one call of each bench workload with the "
                "arguments the original block passes (what its type inference starts from); the original block "
                "ran interpreted against its extension, as for every tool (benchmarks/shedskin_prep.py)."]
    if data.get("merged"):
        out += ["", "Re-run separately and merged into this run: " + ", ".join(data["merged"]) + "."]
    out += ["", f"Run took {data['seconds']:.0f} s.", ""]
    return "\n".join(out)


NUMERIC = ("nbody", "spectral_norm", "float", "fannkuch", "nqueens")  # the kernels with typed variants


def bars(data: Data) -> list[str]:
    """ziggurat against the targets issue #5 sets, one line each, with PASS / FAIL / not measured."""
    benches = {b["spec"]["name"]: b for b in data["benchmarks"]}
    peers = [t for t in _tools(data) if t != "ziggurat"]
    zig = {n: _speedup(b, "ziggurat") for n, b in benches.items()}
    named = [n for n in data["named"] if n in benches]
    lines = []

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    if named:
        g, n = _geomean([zig[x] for x in named])
        lines.append(f"- geomean over the 13 named >= 3x: {g or 0:.2f}x over {n}/{len(data['named'])} "
                     f"-> {verdict(g is not None and g >= 3 and n == len(data['named']))}")
        slower = [x for x in named if (zig[x] or 0) <= 1]
        lines.append(f"- each of them faster than CPython: {len(named) - len(slower)}/{len(named)} "
                     f"-> {verdict(not slower)}" + (f" (not: {', '.join(slower)})" if slower else ""))
        if peers:
            behind = []
            for x in named:
                best = max((s for s in (_speedup(benches[x], p) for p in peers) if s is not None), default=None)
                if best is not None and (zig[x] or 0) <= best:
                    behind.append(f"{x} {zig[x] or 0:.2f}x vs {best:.2f}x")
            lines.append(f"- each faster than the best peer: {len(named) - len(behind)}/{len(named)} "
                         f"-> {verdict(not behind)}" + (f" (not: {'; '.join(behind)})" if behind else ""))
        else:
            lines.append("- each faster than the best peer: not measured (run with --peers)")
    kernels = [(k, zig.get(k), zig.get(k + "_typed")) for k in NUMERIC if k in benches or k + "_typed" in benches]
    if kernels:
        top = {k: max((v for v in (u, t) if v is not None), default=0.0) for k, u, t in kernels}
        low = [k for k in top if top[k] < 10]
        lines.append("- numeric kernels >= 10x (best of untyped/typed): "
                     + ", ".join(f"{k} {top[k]:.2f}x" for k in top) + f" -> {verdict(not low)}")
    for kind in ("typed", "ported"):
        lines += _shedskin_bar(data, benches, zig, kind)
    if "cython" in data["tools"]:
        both = [b for b in data["benchmarks"] if all(t in b["tools"] and b["tools"][t]["build"]["ok"]
                                                     for t in ("ziggurat", "cython"))]
        z = sum(b["tools"]["ziggurat"]["build"]["seconds"] for b in both)
        c = sum(b["tools"]["cython"]["build"]["seconds"] for b in both)
        worse = [b["spec"]["name"] for b in both
                 if b["tools"]["ziggurat"]["build"]["seconds"] > b["tools"]["cython"]["build"]["seconds"]]
        zc = sum(_cpu(b["tools"]["ziggurat"]["build"]) for b in both)
        cc = sum(_cpu(b["tools"]["cython"]["build"]) for b in both)
        lines.append(f"- compile time no worse than Cython's: ziggurat {z:.1f} s vs Cython {c:.1f} s over the "
                     f"{len(both)} both built -> {verdict(z <= c)}"
                     + (f" (slower on: {', '.join(worse)})" if worse else "")
                     + (f"; CPU time ziggurat {zc:.1f} s vs Cython {cc:.1f} s" if zc and cc else ""))
    return lines


def _shedskin_bar(data: Data, benches: dict[str, Data], zig: dict[str, float | None], kind: str) -> list[str]:
    """ziggurat within 2x of Shed Skin on nbody and spectral_norm, on the typed variants (as
    given) or on their ported versions (Shed Skin's subset)."""
    ss = [k for k in (f"nbody_{kind}", f"spectral_norm_{kind}") if k in benches]
    label = f"{kind} nbody/spectral_norm within 2x of Shed Skin"
    if not ss:
        return []
    if "shedskin" not in data["tools"]:
        return [f"- {label}: not measured (Shed Skin: "
                + " ".join(data["peer_status"].get("shedskin", "not run; --peers").split()) + ")"]
    parts, judged = [], []
    for k in ss:
        s = _speedup(benches[k], "shedskin")
        parts.append(f"{k}: ziggurat {zig[k] or 0:.2f}x, Shed Skin " + (f"{s:.2f}x" if s else
                                                                     _cell(benches[k], "shedskin")))
        if s is not None:
            judged.append((zig[k] or 0) * 2 >= s)
    # A benchmark Shed Skin cannot compile (or runs differently) sets no bar to be within.
    end = f"-> {'PASS' if all(judged) else 'FAIL'}" if judged else "-> not measurable (no identical Shed Skin run)"
    return [f"- {label}: " + "; ".join(parts) + f" {end}"]


def _cpu(build: Data) -> float:
    # results written before the CPU time was recorded have none
    return float(build.get("cpu_seconds", 0.0))


def _build_time(build: Data) -> str:
    """Wall clock, with the CPU time in brackets when it was recorded."""
    cpu = _cpu(build)
    return f"{build['seconds']:.1f}" + (f" ({cpu:.1f})" if cpu else "")


def _ms(seconds: float) -> str:
    """Milliseconds with three significant digits, however small."""
    ms = seconds * 1000
    return f"{ms:.1f}" if ms >= 10 else f"{ms:.3g}"


def _one_line(text: str, limit: int = 300) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    s = " ⏎ ".join(lines[-3:])
    return s if len(s) <= limit else "…" + s[-limit:]


def plot(data: Data, path: Path) -> None:
    """Grouped bars: one group per benchmark, one bar per tool, log scale, 1x marked."""
    if importlib.util.find_spec("matplotlib") is None:
        from .tools import ensure_installed

        why = ensure_installed("matplotlib")
        if why:
            raise NoPlot(f"cannot install matplotlib: {why}")
    import matplotlib

    matplotlib.use("Agg")  # no display on a build machine
    import matplotlib.pyplot as plt

    tools = _tools(data)
    benches = [b for b in data["benchmarks"] if not b["error"]]
    width = 0.8 / max(1, len(tools))
    fig, ax = plt.subplots(figsize=(max(8.0, 0.7 * len(benches) * max(1, len(tools)) / 2 + 3), 5))
    for i, t in enumerate(tools):
        xs, ys = [], []
        for j, b in enumerate(benches):
            s = _speedup(b, t)
            if s is not None:
                xs.append(j + (i - (len(tools) - 1) / 2) * width)
                ys.append(s)
        ax.bar(xs, ys, width, label=t)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(benches)))
    ax.set_xticklabels([b["spec"]["name"] for b in benches], rotation=45, ha="right")
    ax.set_ylabel(f"speedup over CPython {data['python']} (log)")
    ax.set_title("pyperformance benchmarks: median speedup (missing bar: failed build, crash or different output)",
                 fontsize=9)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def merge(base: Data, other: Data) -> Data:
    """`base` with each benchmark `other` also ran replaced by other's run of it (a benchmark
    re-run on its own after a fix); tools must agree, and the merge is said in the report."""
    if other["tools"] != base["tools"]:
        raise SystemExit(f"cannot merge runs of different tools: {base['tools']} vs {other['tools']}")
    names = {b["spec"]["name"] for b in other["benchmarks"]}
    merged = dict(base)
    merged["benchmarks"] = [next(o for o in other["benchmarks"] if o["spec"]["name"] == b["spec"]["name"])
                            if b["spec"]["name"] in names else b for b in base["benchmarks"]]
    merged["benchmarks"] += [o for o in other["benchmarks"]
                             if o["spec"]["name"] not in {b["spec"]["name"] for b in base["benchmarks"]}]
    merged["merged"] = list(base.get("merged", [])) + sorted(names)
    merged["seconds"] = base["seconds"] + other["seconds"]
    return merged


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    if not paths:
        raise SystemExit("usage: python -m benchmarks.report RESULTS.json [RERUN.json ...]")
    path = paths[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    for other in paths[1:]:
        data = merge(data, json.loads(other.read_text(encoding="utf-8")))
    if len(paths) > 1:
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    text = markdown(data)
    path.with_name("results.md").write_text(text, encoding="utf-8")
    print(text)
    plot(data, path.with_name("speedups.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
