"""Run the revad benchmark suite and print one table per benchmark.

    OMP_NUM_THREADS=1 python benchmarks/run.py [--only B1,B3] [--quick]

Every peer library is optional: one that cannot be imported gets a note in
the table instead of figures. Nothing is asserted; see benchmarks/README.md.
"""

# Pins thread counts, so it must be imported before numpy or any peer.
import harness  # isort: skip

import argparse
import importlib.metadata
import platform
import sys
import time
from collections import defaultdict

import b1_scalar_chain
import b2_scalar_mlp
import b3_array_mlp
import b4_elementwise
import b5_hessian
import b6_hvp
import b7_memory

BENCHMARKS = {
    "B1": b1_scalar_chain.run,
    "B2": b2_scalar_mlp.run,
    "B3": b3_array_mlp.run,
    "B4": b4_elementwise.run,
    "B5": b5_hessian.run,
    "B6": b6_hvp.run,
    "B7": b7_memory.run,
}


def ratio_text(seconds, base_seconds, words):
    """How `seconds` compares with the baseline, in words that read without a legend."""
    if seconds is None or base_seconds is None:
        return "n/a"
    ratio = seconds / base_seconds
    if 0.995 <= ratio <= 1.005:
        return "same"
    if ratio > 1:
        return f"{ratio:.2f}x {words[0]}"
    return f"{1 / ratio:.2f}x {words[1]}"


def format_table(table):
    headers = ["case", "library", table.unit, "runs"]
    headers += [f"vs {base}" for base in table.baselines]
    headers += [table.check_header, "note"]
    # Group rows by case so each case's libraries sit together; rows that apply
    # to every case (a library that is not importable) go last.
    by_case = defaultdict(list)
    for row in table.rows:
        by_case[row.case].append(row)
    cases = [c for c in by_case if c != "all"] + (["all"] if "all" in by_case else [])
    lines = []
    for case in cases:
        base_seconds = {
            base: next((r.seconds for r in by_case[case] if r.lib == base), None)
            for base in table.baselines
        }
        for row in by_case[case]:
            figure = "-" if row.seconds is None else f"{row.seconds * table.scale:.3g}"
            cells = [case, row.lib, figure, str(row.runs) if row.runs else "-"]
            for base in table.baselines:
                cells.append(
                    "-"
                    if row.lib == base
                    else ratio_text(row.seconds, base_seconds[base], table.ratio_words)
                )
            cells += [row.check or "-", row.note]
            lines.append(cells)
    widths = [max(len(h), *(len(cells[i]) for cells in lines)) for i, h in enumerate(headers)]
    # The note column is last and free-form: don't pad it.
    widths[-1] = 0
    out = [f"{table.key}: {table.title}"]
    out += [f"  * {note}" for note in table.notes]
    for cells in [headers, ["-" * w for w in widths[:-1]] + ["----"], *lines]:
        out.append("  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    return "\n".join(out)


def versions():
    parts = [f"python {platform.python_version()}"]
    for lib in harness.VERSIONED:
        try:
            parts.append(f"{lib} {importlib.metadata.version(lib)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{lib} (not installed)")
        if lib == "revad":
            parts[-1] += f" ({revad_build()})"
    return ", ".join(parts)


def revad_build():
    """Which of revad's modules run compiled (see setup.py)."""
    from revad import _compiled
    compiled = _compiled.compiled_modules()
    if not compiled:
        return "pure Python"
    return f"compiled with Cython: {len(compiled)} modules"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated benchmark keys, e.g. B1,B3")
    parser.add_argument("--quick", action="store_true", help="smaller N and fewer repeats")
    args = parser.parse_args(argv)
    keys = list(BENCHMARKS)
    if args.only:
        keys = [k.strip().upper() for k in args.only.split(",") if k.strip()]
        unknown = [k for k in keys if k not in BENCHMARKS]
        if unknown:
            parser.error(
                f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
            )

    print(versions())
    print(f"{cpu_model()}; single-threaded; timings are the minimum over repeats, gc enabled")
    start = time.perf_counter()
    for key in keys:
        print()
        # A benchmark returns one table, or several (B7: memory and time).
        tables = BENCHMARKS[key](quick=args.quick)
        for i, table in enumerate(tables if isinstance(tables, list) else [tables]):
            if i:
                print()
            print(format_table(table), flush=True)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
