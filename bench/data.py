"""CSV loading benchmarks: ratios measured in one run, each printed with its target.

    python bench/data.py [--big]

On a generated CSV of 1,300,000 rows and 4 columns (≈ 65 MB, header line, "%.10g"
numbers) written to a temporary folder:

1. load_csv time / numpy.loadtxt time on the same file.               target ≤ 2
2. Peak memory added by load_csv (tracemalloc: NumPy's buffers and every Python object,
   the returned Dataset included) / the size of the float64 array.   target ≤ 3

With --big, also a ≈ 200 MB file (4,000,000 rows) loaded in a child process: its wall
time and the peak resident memory the load added (ru_maxrss after − RSS before), which
must stay under 3× the array as well (it shows the file never sits in memory whole).

The machine may be shared, so the two sides of 1 are timed several times, interleaved,
and the best (least disturbed) time of each is used.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from linreg_tui.engine.data import load_csv

ROWS, COLS = 1_300_000, 4
BIG_ROWS = 4_000_000
ROUNDS = 3


def write_csv(path: Path, rows: int, seed: int = 0) -> None:
    """``rows`` rows of a, b, c, y with values of mixed scales, in slabs to bound memory."""
    rng = np.random.default_rng(seed)
    scale = np.array([1.0, 100.0, 1e-3, 1e4])
    with path.open("w", encoding="ascii") as f:
        f.write("a,b,c,y\n")
        for start in range(0, rows, 500_000):
            slab = rng.normal(size=(min(500_000, rows - start), COLS)) * scale
            np.savetxt(f, slab, fmt="%.9g", delimiter=",")


def best_of(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Least wall time of each function over ``rounds`` interleaved rounds."""
    times = {name: float("inf") for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            times[name] = min(times[name], time.perf_counter() - started)
    return times


def peak_added(fn: Callable[[], object]) -> int:
    """Bytes of the tracemalloc peak above what was allocated when ``fn`` started."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
        del result
    finally:
        tracemalloc.stop()
    return peak - before


def report(label: str, ratio: float, target: float, detail: str) -> bool:
    ok = ratio <= target
    print(f"{label}: ratio {ratio:.2f} (target ≤ {target:g}) {'PASS' if ok else 'FAIL'}")
    print(f"    {detail}")
    return ok


def rss_bytes() -> int:
    """Resident memory of this process now (Linux /proc), in bytes."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize()


def child(path: str) -> None:
    """Load ``path`` and print: seconds, peak RSS added (bytes), rows."""
    before = rss_bytes()
    started = time.perf_counter()
    ds = load_csv(path)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(seconds, peak - before, ds.n)


def big(folder: Path) -> bool:
    path = folder / "big.csv"
    write_csv(path, BIG_ROWS, seed=1)
    size = path.stat().st_size
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path)], capture_output=True, text=True
    )
    if out.returncode != 0:
        print(f"3. {size / 1e6:.0f} MB file: FAIL\n    {out.stderr.strip()[-500:]}")
        return False
    seconds, added, rows = out.stdout.split()
    array = int(rows) * COLS * 8
    return report(
        f"3. {size / 1e6:.0f} MB file, peak RSS added / array",
        int(added) / array,
        3,
        f"{int(rows):,} rows in {float(seconds):.2f} s; RSS +{int(added) / 2**20:.0f} MiB "
        f"for a {array / 2**20:.0f} MiB array",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--big", action="store_true", help="also load a 200 MB file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "data.csv"
        write_csv(path, ROWS)
        size = path.stat().st_size
        array = ROWS * COLS * 8
        print(f"file: {ROWS:,} rows × {COLS} columns, {size / 1e6:.1f} MB", end="; ")
        print(f"float64 array {array / 1e6:.1f} MB")
        ds = load_csv(path)
        ref = np.loadtxt(path, delimiter=",", skiprows=1)
        assert np.array_equal(ds.X, ref[:, :-1]) and np.array_equal(ds.y, ref[:, -1])
        del ds, ref
        times = best_of(
            {
                "loadtxt": lambda: np.loadtxt(path, delimiter=",", skiprows=1),
                "load_csv": lambda: load_csv(path),
            },
            ROUNDS,
        )
        ok = report(
            "1. load_csv / numpy.loadtxt time",
            times["load_csv"] / times["loadtxt"],
            2,
            f"load_csv {times['load_csv']:.3f} s, loadtxt {times['loadtxt']:.3f} s "
            f"(best of {ROUNDS}, interleaved)",
        )
        ours = peak_added(lambda: load_csv(path))
        theirs = peak_added(lambda: np.loadtxt(path, delimiter=",", skiprows=1))
        ok &= report(
            "2. load_csv peak memory added / float64 array",
            ours / array,
            3,
            f"load_csv +{ours / 2**20:.0f} MiB, numpy.loadtxt +{theirs / 2**20:.0f} MiB, "
            f"array {array / 2**20:.0f} MiB (tracemalloc)",
        )
        if args.big:
            ok &= big(folder)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
