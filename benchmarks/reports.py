"""Period review reports: an analyst's shell loop vs `bsc report`, the floor, and report sizes, in one run.

    python benchmarks/reports.py [--workers 2] [--baseline-reports 24]

The same 24 reports (scorecards ``org`` and ``cs`` x the 12 months 2025-11 .. 2026-10, monthly
reviews of the embedded sample organisation) are produced by:

- **baseline**: a bash loop calling the ``papermill`` CLI and then
  ``jupyter nbconvert --to html --no-input`` for each report (what an analyst would write);
- **bsc report**: ``bsc report --workers N`` as a subprocess, end to end (CLI start included).

Goal: bsc report at least 4x faster.  Then, in this process, on the same machine:

- **floor**: execute (papermill, fresh kernel) and export (the report's HTML exporter) a notebook
  that only imports the libraries the template uses;
- **one report, cold**: the same for one real report (fresh kernel), and **one report in a
  batch**: the per-report cost in a runner whose kernel is already warm.  Goal: <= 1.5x floor.

Sizes: self-contained HTML (goal <= 6 MB) and with ``--shared-plotly`` (goal <= 600 KB each).
``--baseline-reports K`` runs the baseline on the first K reports only and scales its time to 24.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from bsc_widgets import Store
from bsc_widgets.io.samples import load_sample
from bsc_widgets.reports.runner import DEFAULT_TEMPLATE, KERNEL, ReportJob, ReportRunner

BIN = Path(sys.executable).parent
TODAY = "2026-11-24"
SCORECARDS = ("org", "cs")
PERIODS = [f"2025-{m:02d}" for m in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 11)]
FLOOR_SOURCE = "import bsc_widgets.reports.sections, bsc_widgets.store  # pandas, numpy, pyarrow, deltalake, plotly"


def timed(command: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def baseline(store: Path, jobs: list[ReportJob], out: Path) -> float:
    lines = ["set -e"]
    for job in jobs:
        nb = out / f"{job.name}.ipynb"
        params = " ".join(f"-p {k} {shlex.quote(v)}" for k, v in job.parameters().items())
        template = shlex.quote(str(DEFAULT_TEMPLATE))
        lines.append(f"{BIN}/papermill -k {KERNEL} {template} {nb} {params} --no-progress-bar")
        lines.append(f"{BIN}/jupyter nbconvert --to html --no-input {nb}")
    return timed(["bash", "-c", "\n".join(lines)], env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"})


def per_run(runner: ReportRunner, job: ReportJob, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        result = runner.run(job)
        assert result.ok, result.error
        times.append(result.seconds)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--baseline-reports", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bsc-bench-") as tmp:
        root = Path(tmp)
        store = root / "store"
        load_sample(Store.create(store))
        jobs = [ReportJob(str(store), s, p, today=TODAY) for s in SCORECARDS for p in PERIODS]

        (root / "baseline").mkdir()
        k = min(args.baseline_reports, len(jobs))
        base = baseline(store, jobs[:k], root / "baseline") * len(jobs) / k
        cli = [str(BIN / "bsc"), "report", "--store", str(store), "--scorecard", "org", "--scorecard", "cs",
               "--periods", f"{PERIODS[0]}:{PERIODS[-1]}", "--today", TODAY, "--workers", str(args.workers)]
        ours = timed([*cli, "--out", str(root / "inline")])
        shared = timed([*cli, "--out", str(root / "shared"), "--shared-plotly"])
        inline_sizes = [p.stat().st_size for p in (root / "inline").glob("*-*.html")]
        shared_sizes = [p.stat().st_size for p in (root / "shared").glob("*-*.html")]
        assert len(inline_sizes) == len(shared_sizes) == len(jobs), "some reports failed"

        floor_nb = root / "floor.ipynb"
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_SOURCE)])
        nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, floor_nb)
        job = jobs[-1]
        with ReportRunner(floor_nb, warm=False) as runner:
            per_run(runner, ReportJob(str(store), "org", "x"), 1)  # warm the disk cache and this process
            floor = per_run(runner, ReportJob(str(store), "org", "x"), args.repeat)
        with ReportRunner(warm=False) as runner:
            cold = per_run(runner, job, args.repeat)
            cold_shared = per_run(runner, ReportJob(job.store, job.scorecard, job.period, today=TODAY,
                                                    plotly_js="plotly.min.js"), args.repeat)
        with ReportRunner() as runner:
            runner.run(job)  # starts and warms the kernel
            warm = per_run(runner, job, args.repeat)

    mb = 1024 * 1024
    print(f"24 reports ({', '.join(SCORECARDS)} x monthly {PERIODS[0]}..{PERIODS[-1]}), {args.workers} workers, "
          f"{os.cpu_count()} cores")
    print(f"{'':34}{'seconds':>10}{'ratio':>10}  goal")
    print(f"{'baseline: papermill + nbconvert':34}{base:10.1f}{'':>10}" + (f"  (scaled from {k})" if k < 24 else ""))
    print(f"{'bsc report (self-contained)':34}{ours:10.1f}{base / ours:9.1f}x  >= 4x faster")
    print(f"{'bsc report --shared-plotly':34}{shared:10.1f}{base / shared:9.1f}x")
    print(f"{'floor: imports only, 1 notebook':34}{floor:10.2f}{1:9.2f}x")
    print(f"{'one report, cold kernel':34}{cold:10.2f}{cold / floor:9.2f}x  <= 1.5x floor")
    print(f"{'one report, cold, shared plotly.js':34}{cold_shared:10.2f}{cold_shared / floor:9.2f}x")
    print(f"{'one report in a batch (warm)':34}{warm:10.2f}{warm / floor:9.2f}x  <= 1.5x floor")
    print(f"{'bsc report, wall time per report':34}{ours / len(jobs):10.2f}{ours / len(jobs) / floor:9.2f}x")
    print(f"{'size, self-contained (max)':34}{max(inline_sizes) / mb:9.2f}M{'':>10}  <= 6 MB")
    print(f"{'size, shared plotly.js (max)':34}{max(shared_sizes) / 1024:9.0f}K{'':>10}  <= 600 KB"
          f"  (+ one plotly.min.js)")


if __name__ == "__main__":
    main()
