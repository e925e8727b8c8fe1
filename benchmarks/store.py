"""How the store holds up: save latency by plan size, history growth, eight writers at once, a 100,000-row import.

    python benchmarks/store.py [--before DIR] [--quick]

Each measurement runs in its own process, on real stores in a temporary folder:

- latency: one-actual and one-objective saves (median of 7) on the sample and on plans
  10x and 100x its size (the sample copied into 10 / 100 organisations);
- history: 1,000 one-actual saves on the sample — save and open+read latency after 10,
  100 and 1,000 commits, the store's size (bytes of its files), and its size after
  ``bsc compact`` with and without a short retention;
- writers: 8 processes each saving 50 different objectives at once — acknowledged,
  present, failed, wall time;
- import: 100,000 actuals from a CSV file, then the same file again.

``--before DIR`` runs the same workloads on another checkout of bsc-widgets (e.g. a
``git worktree`` of main before a change) and prints the two side by side with ratios;
the slowest of its runs (the 100x plan, eight writers) are left out unless
``--full-before``.  Goals (issue 11): 100x save <= 2x the sample's; open after 1,000
commits <= 1.3x after 100; size after 1,000 saves <= 5 MB and <= 0.5 MB after compacting
with a short retention; 8 x 50 writers: 400 of 400, none failing, <= 60 s; 100,000
actuals imported in <= 15 s, re-imported in <= 10 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
GOALS = {"latency": "100x <= 2x sample", "open": "after 1,000 <= 1.3x after 100",
         "size": "<= 5 MB; <= 0.5 MB compacted", "writers": "400/400, 0 failed, <= 60 s",
         "import": "<= 15 s; again <= 10 s"}


# ----------------------------------------------------------------------------- workers (run in a subprocess)
def _store_api() -> tuple[Any, Callable[[Any], Any], Callable[[], dict[str, Any]]]:
    """Store, load_sample and sample_frames of whichever checkout is first on sys.path."""
    from bsc_widgets import Store

    try:
        from bsc_widgets.io.samples import load_sample, sample_frames
    except ImportError:  # the flat layout before issue 10
        from bsc_widgets.samples import load_sample, sample_frames  # type: ignore[no-redef]
    return Store, load_sample, sample_frames


def _size(folder: str) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def _median(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _copies(frames: dict[str, Any], copies: int) -> dict[str, Any]:
    """The sample repeated as ``copies`` organisations, every id prefixed ``s<i>-`` (perspective ids stay)."""
    import pandas as pd

    ids = {"scorecard_id", "parent_id", "objective_id", "supports", "cause", "effect", "kpi_id", "initiative_id",
           "task_id"}
    out = {}
    for name, frame in frames.items():
        parts = []
        for i in range(copies):
            part = frame.copy()
            for column in ids & set(part.columns):
                part[column] = part[column].map(lambda v, i=i: f"s{i}-{v}" if isinstance(v, str) and v else v)
            if name == "comments":
                scoped = part["subject_type"] != "perspective"
                part.loc[scoped, "subject_id"] = [f"s{i}-{v}" for v in part.loc[scoped, "subject_id"]]
            parts.append(part)
        out[name] = pd.concat(parts, ignore_index=True)
    return out


def _save_latency(store: Any) -> dict[str, float]:
    """Median one-actual and one-objective save times on a store built by :func:`_copies`."""
    counter = iter(range(10_000))
    actual = {"kpi_id": "s0-rev-net", "period": "2026-03", "scorecard_id": "s0-org"}
    objective = {"objective_id": "s0-F1"}
    store.upsert("actuals", [{**actual, "value": 1.0}])  # warm: the first save reads every table
    return {
        "actual_s": _median(lambda: store.upsert("actuals", [{**actual, "value": float(next(counter))}]), 7),
        "objective_s": _median(lambda: store.upsert("objectives", [{**objective, "owner": f"O{next(counter)}"}]), 7),
    }


def work_latency(scales: list[int]) -> dict[str, Any]:
    Store, _, sample_frames = _store_api()
    out: dict[str, Any] = {}
    for scale in scales:
        folder = tempfile.mkdtemp(prefix=f"bsc-bench-{scale}x-")
        store = Store.create(Path(folder) / "store")
        start = time.perf_counter()
        for name, frame in _copies(sample_frames(), scale).items():
            store.upsert(name, frame, user="bench")
        built = time.perf_counter() - start
        out[f"{scale}x"] = {"build_s": built, **_save_latency(store), "targets": len(store.read("targets"))}
    return out


def work_history(saves: int, compact: bool) -> dict[str, Any]:
    Store, load_sample, _ = _store_api()
    folder = Path(tempfile.mkdtemp(prefix="bsc-bench-history-")) / "store"
    store = Store.create(folder)
    load_sample(store)
    keys = store.read("actuals")[["kpi_id", "period", "scorecard_id"]].to_dict("records")
    out: dict[str, Any] = {"fresh_bytes": _size(str(folder)), "marks": {}}
    done = 0
    for mark in (10, 100, saves):
        while done < mark - 5:
            store.upsert("actuals", [{**keys[(done * 7) % len(keys)], "value": float(done)}])
            done += 1
        latency = _median(lambda: store.upsert("actuals", [{**keys[0], "value": time.perf_counter()}]), 5)
        done += 5

        def open_and_read() -> None:
            Store.open(folder).read("actuals")

        out["marks"][str(mark)] = {"save_s": latency, "open_read_s": _median(open_and_read, 15)}
    out["bytes"] = _size(str(folder))
    if compact and hasattr(store, "compact"):
        import datetime as dt

        store.compact()
        out["bytes_compacted_full_history"] = _size(str(folder))
        store.compact(keep=dt.timedelta(0))
        out["bytes_compacted_short_retention"] = _size(str(folder))
    return out


def _writer(location: str, worker: int, count: int) -> tuple[int, int, float]:
    Store, _, _ = _store_api()
    store = Store.open(location)
    acknowledged = failed = 0
    slowest = 0.0
    for i in range(count):
        start = time.perf_counter()
        try:
            store.upsert("objectives", [{"objective_id": f"W{worker}-{i:03d}", "scorecard_id": "org",
                                         "perspective_id": "internal", "title": f"Objective {i} of writer {worker}"}],
                         user=f"writer{worker}")
            acknowledged += 1
        except Exception:  # StoreBusyError and the like: counted, not fatal
            failed += 1
        slowest = max(slowest, time.perf_counter() - start)
    return acknowledged, failed, slowest


def work_writers(processes: int, each: int) -> dict[str, Any]:
    Store, load_sample, _ = _store_api()
    folder = Path(tempfile.mkdtemp(prefix="bsc-bench-writers-")) / "store"
    store = Store.create(folder)
    load_sample(store)
    before = len(store.read("objectives"))
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.starmap(_writer, [(str(folder), w, each) for w in range(processes)])
    wall = time.perf_counter() - start
    present = len(Store.open(folder).read("objectives")) - before
    return {"wall_s": wall, "acknowledged": sum(r[0] for r in results), "failed": sum(r[1] for r in results),
            "present": present, "slowest_save_s": max(r[2] for r in results), "asked": processes * each}


def work_import(rows: int) -> dict[str, Any]:
    Store, _, _ = _store_api()
    try:
        from bsc_widgets.io.importer import import_file
    except ImportError:
        from bsc_widgets.imports import import_file  # type: ignore[no-redef]
    folder = Path(tempfile.mkdtemp(prefix="bsc-bench-import-"))
    store = Store.create(folder / "store")
    kpis, months = rows // 100, 100
    store.upsert("scorecards", [{"scorecard_id": "big", "name": "Big", "horizon_start": "2020-01",
                                 "horizon_end": "2028-12", "review_frequency": "Q"}])
    store.upsert("perspectives", [{"scorecard_id": "big", "perspective_id": p, "name": p, "position": i + 1}
                                  for i, p in enumerate("fcil")])
    store.upsert("objectives", [{"objective_id": f"O{i}", "scorecard_id": "big", "perspective_id": "fcil"[i % 4],
                                 "title": f"Objective number {i}"} for i in range(100)])
    store.upsert("kpis", [{"kpi_id": f"K{i:05d}", "scorecard_id": "big", "objective_id": f"O{i % 100}",
                           "name": f"KPI {i}", "frequency": "M", "aggregation": "sum"} for i in range(kpis)])
    path = folder / "actuals.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["kpi", "period", "value"])
        for i in range(kpis):
            for m in range(months):
                out.writerow([f"K{i:05d}", f"{2020 + m // 12}-{m % 12 + 1:02d}", i * 0.5 + m])
    start = time.perf_counter()
    import_file(store, path)
    first = time.perf_counter() - start
    start = time.perf_counter()
    import_file(store, path)
    return {"rows": kpis * months, "import_s": first, "reimport_s": time.perf_counter() - start}


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {"latency": work_latency, "history": work_history,
                                                     "writers": work_writers, "import": work_import}


# ----------------------------------------------------------------------------- the driver
def run(checkout: Path, work: str, **kwargs: Any) -> dict[str, Any]:
    """Run one workload in a fresh interpreter that imports bsc_widgets from ``checkout``."""
    code = (f"import sys, json; sys.path.insert(0, {str(checkout)!r}); sys.path.insert(1, {str(HERE.parent)!r}); "
            f"import store as bench; print(json.dumps(bench.WORKERS[{work!r}](**{kwargs!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tempfile.gettempdir())
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _fmt(value: Any, unit: str = "s") -> str:
    if value is None:
        return "—"
    if unit == "MB":
        return f"{value / 1e6:.2f} MB"
    return f"{value:.3f} s" if unit == "s" else str(value)


def _row(label: str, now: Any, before: Any, unit: str = "s") -> str:
    ratio = f"{now / before:6.2f}x" if isinstance(now, int | float) and isinstance(before, int | float) and before \
        else "      "
    return f"  {label:44} {_fmt(now, unit):>12} {_fmt(before, unit):>12} {ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, default=None, help="another checkout to compare with")
    parser.add_argument("--full-before", action="store_true", help="also run the slow workloads on --before")
    parser.add_argument("--quick", action="store_true", help="smaller runs (10x instead of 100x, 200 saves)")
    args = parser.parse_args()
    scales = [1, 10] if args.quick else [1, 10, 100]
    saves = 200 if args.quick else 1000
    plan = {
        "latency": {"scales": scales},
        "history": {"saves": saves, "compact": True},
        "writers": {"processes": 8, "each": 10 if args.quick else 50},
        "import": {"rows": 20_000 if args.quick else 100_000},
    }
    now: dict[str, dict[str, Any]] = {}
    before: dict[str, dict[str, Any]] = {}
    for work, kwargs in plan.items():
        print(f"running {work} …", file=sys.stderr, flush=True)
        now[work] = run(ROOT, work, **kwargs)
        if args.before is not None:
            slow = work == "writers" or (work == "latency" and 100 in scales)
            old_kwargs = kwargs if not (slow and work == "latency") or args.full_before else {"scales": [1, 10]}
            if not slow or args.full_before or work == "latency":
                before[work] = run(args.before, work, **old_kwargs)
    label_before = str(args.before) if args.before else "(not run)"
    print(f"\n{'':46} {'this checkout':>12} {'before':>12}  ratio      ({label_before})")
    lat, lat_b = now["latency"], before.get("latency", {})
    print("Save latency (median of 7):")
    for scale in scales:
        key = f"{scale}x"
        for what in ("actual", "objective"):
            print(_row(f"{key} plan: save one {what}", lat.get(key, {}).get(f"{what}_s"),
                       lat_b.get(key, {}).get(f"{what}_s")))
    if f"{scales[-1]}x" in lat and "1x" in lat:
        big = lat[f"{scales[-1]}x"]["actual_s"] / lat["1x"]["actual_s"]
        print(f"  -> {scales[-1]}x / sample: {big:.2f} (goal {GOALS['latency']})")
    hist, hist_b = now["history"], before.get("history", {})
    print(f"History ({saves} one-actual saves on the sample; saves median of 5, opens of 15):")
    for mark in ("10", "100", str(saves)):
        for what, label in (("save_s", "save"), ("open_read_s", "open + read actuals")):
            print(_row(f"after {mark} commits: {label}", hist.get("marks", {}).get(mark, {}).get(what),
                       hist_b.get("marks", {}).get(mark, {}).get(what)))
    if "marks" in hist:
        growth = hist["marks"][str(saves)]["open_read_s"] / hist["marks"]["100"]["open_read_s"]
        print(f"  -> open after {saves} / after 100: {growth:.2f} (goal {GOALS['open']})")
    print(_row("store size, fresh", hist.get("fresh_bytes"), hist_b.get("fresh_bytes"), "MB"))
    print(_row(f"store size after {saves} saves", hist.get("bytes"), hist_b.get("bytes"), "MB"))
    print(_row("after bsc compact (full history kept)", hist.get("bytes_compacted_full_history"), None, "MB"))
    print(_row("after bsc compact --keep-days 0", hist.get("bytes_compacted_short_retention"), None, "MB"))
    print(f"  -> goal {GOALS['size']}")
    wr, wr_b = now["writers"], before.get("writers", {})
    print(f"Writers ({plan['writers']['processes']} processes x {plan['writers']['each']} objectives):")
    for key, label, unit in (("acknowledged", "acknowledged", "n"), ("present", "present", "n"),
                             ("failed", "failed", "n"), ("wall_s", "wall time", "s"),
                             ("slowest_save_s", "slowest single save", "s")):
        print(_row(label, wr.get(key), wr_b.get(key), unit))
    print(f"  -> goal {GOALS['writers']}")
    im, im_b = now["import"], before.get("import", {})
    print(f"Import ({im.get('rows')} actuals):")
    print(_row("import", im.get("import_s"), im_b.get("import_s")))
    print(_row("same file again", im.get("reimport_s"), im_b.get("reimport_s")))
    print(f"  -> goal {GOALS['import']}")
    for name, result in (*(("this", r) for r in now.values()), *(("before", r) for r in before.values())):
        if "error" in result:
            print(f"! a {name} run failed: {result['error']}", file=sys.stderr)


if __name__ == "__main__":
    main()
