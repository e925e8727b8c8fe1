"""How fast the `bsc` command starts: `bsc --help` and `bsc --version` against what they must not pay.

    python benchmarks/cli_startup.py [--repeat 15]

Runs each command in a fresh interpreter ``--repeat`` times and prints the median wall
time side by side with the interpreter alone and with importing the data stack the old
flat package loaded for every command (pandas, pyarrow, deltalake), the ratios, and the
goal (`bsc --help` ≤ 0.5 s).  Then lists, from ``python -X importtime``, the slowest
imports of `bsc --help` and whether any heavy library was imported at all.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

GOAL_S = 0.5
HEAVY = ("pandas", "numpy", "pyarrow", "deltalake", "ipywidgets", "IPython", "plotly", "papermill", "nbformat")
BSC = [sys.executable, "-c", "from bsc_widgets.cli import main; main()"]

CASES: dict[str, list[str]] = {
    "python (interpreter only)": [sys.executable, "-c", "pass"],
    "bsc --version": [*BSC, "--version"],
    "bsc --help": [*BSC, "--help"],
    "bsc report --help": [*BSC, "report", "--help"],
    "import pandas, pyarrow, deltalake": [sys.executable, "-c", "import pandas, pyarrow, deltalake"],
}


def median_run(argv: list[str], repeat: int) -> float:
    """Median seconds of ``argv`` from start to exit (it must succeed)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_profile(argv: list[str]) -> list[tuple[float, str]]:
    """(cumulative seconds, module) of every import ``argv`` makes, from ``python -X importtime``."""
    done = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            rows.append((int(match[1]) / 1e6, match[3]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    results = {name: median_run(argv, args.repeat) for name, argv in CASES.items()}
    floor = results["python (interpreter only)"]
    stack = results["import pandas, pyarrow, deltalake"]
    print(f"Median of {args.repeat} runs each (seconds):\n")
    print(f"{'command':36} {'time':>8} {'× interpreter':>14} {'× data stack':>13}")
    for name, seconds in results.items():
        print(f"{name:36} {seconds:8.3f} {seconds / floor:14.1f} {seconds / stack:13.2f}")
    helped = results["bsc --help"]
    print(f"\nGoal: bsc --help <= {GOAL_S} s -> {helped:.3f} s ({'met' if helped <= GOAL_S else 'NOT met'}); "
          f"it costs {helped - floor:.3f} s over the bare interpreter.")

    profile = import_profile([*BSC, "--help"])
    top_level = {name.split(".")[0] for _, name in profile}
    heavy = sorted(set(HEAVY) & top_level)
    total = max((s for s, _ in profile), default=0.0)
    print(f"\npython -X importtime bsc --help: {len(profile)} modules, {total:.3f} s in the largest import tree; "
          f"heavy libraries imported: {', '.join(heavy) or 'none'}")
    print("Slowest imports (cumulative):")
    for seconds, name in sorted(profile, reverse=True)[:12]:
        print(f"  {seconds:7.3f} s  {name}")


if __name__ == "__main__":
    main()
