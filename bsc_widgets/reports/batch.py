"""Many reports: in this process, in a pool of spawned processes, or on a Dask cluster; then the index.

:func:`run_reports` runs a batch in this process (``workers=1``), in a pool of spawned
processes (deltalake cannot run in forked children), or on a Dask distributed cluster;
a failing report does not stop the others.  Each worker keeps one
:class:`~bsc_widgets.reports.runner.ReportRunner` (and its warm kernel) for all its reports.
With PDFs asked for, each local worker also keeps one Chromium
(:class:`~bsc_widgets.reports.pdf.PdfPrinter`) and prints every report it has just written,
so that printing overlaps the making of the other workers' reports; on Dask the reports are
printed here after the batch.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.util
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..render.plotly_bundle import plotly_js
from .index import write_index
from .pdf import PdfPrinter, check_engine, print_report, print_reports
from .pinning import RESULTS_SUFFIX
from .runner import DEFAULT_TEMPLATE, SHARED_PLOTLY_JS, ReportJob, ReportResult, ReportRunner

__all__ = ["check_outputs", "run_reports", "write_result"]


def write_result(result: ReportResult, out: Path) -> ReportResult:
    """Write a report's executed notebook (and its HTML and results file, if it succeeded) into ``out``.

    A failed report keeps the results file of the last report that succeeded (what was
    published), never a newer HTML that looks current.
    """
    notebook, page = out / f"{result.job.name}.ipynb", out / f"{result.job.name}.html"
    numbers = out / f"{result.job.name}{RESULTS_SUFFIX}"
    if result.notebook:
        notebook.write_text(result.notebook, encoding="utf-8")
        result.paths["notebook"] = notebook
    if result.html is not None:
        page.write_text(result.html, encoding="utf-8")
        result.paths["html"] = page
        if result.results is not None:
            numbers.write_text(json.dumps(result.results, indent=1, sort_keys=True), encoding="utf-8")
            result.paths["results"] = numbers
    else:
        page.unlink(missing_ok=True)  # never leave an older report that looks current
    return result


@dataclass(frozen=True)
class _Outputs:
    """Where a batch writes and what it prints: what each local worker needs besides the job."""

    folder: str
    pdf: bool = False
    book: bool = False

    @property
    def printing(self) -> bool:
        return self.pdf or self.book


class _Worker:
    """One local worker: its runner (warm kernel) and, when PDFs are asked for, its own Chromium.

    Each report is made, written into the batch folder and printed at once, so a worker's
    printing overlaps the other workers' report making instead of waiting for the batch.
    """

    def __init__(self, template: str, outputs: _Outputs) -> None:
        self.runner = ReportRunner(template)
        self.outputs = outputs
        self.printer = PdfPrinter() if outputs.printing else None

    def warm(self) -> None:
        """Start the kernel and Chromium before the first report."""
        self.runner._warm_kernel()
        if self.printer is not None:
            self.printer.start()

    def run(self, job: ReportJob) -> ReportResult:
        result = write_result(self.runner.run(job), Path(self.outputs.folder))
        if self.printer is not None:
            print_report(result, self.outputs.folder, self.printer.start(), each=self.outputs.pdf,
                         keep=self.outputs.book)
        return result

    def close(self) -> None:
        if self.printer is not None:
            self.printer.close()
        self.runner.close()


def _pool_worker_init(template: str, outputs: _Outputs) -> None:
    global _POOL_WORKER
    _POOL_WORKER = _Worker(template, outputs)
    multiprocessing.util.Finalize(None, _POOL_WORKER.close, exitpriority=10)  # pool workers skip atexit
    _POOL_WORKER.warm()  # start the kernel (and Chromium) while the other workers start theirs


_POOL_WORKER: _Worker | None = None


def _pool_run(job: ReportJob) -> ReportResult:
    assert _POOL_WORKER is not None, "worker not initialised"
    return _POOL_WORKER.run(job)


def _local(jobs: Sequence[ReportJob], template: str, workers: int, outputs: _Outputs) -> Iterator[ReportResult]:
    """Results of ``jobs``, written into the batch folder (and printed) by the workers."""
    if workers <= 1 or len(jobs) <= 1:
        worker = _Worker(template, outputs)
        try:
            for job in jobs:
                yield worker.run(job)
        finally:
            worker.close()
        return
    context = multiprocessing.get_context("spawn")  # deltalake panics in forked children
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context,
                             initializer=_pool_worker_init, initargs=(template, outputs)) as pool:
        futures = {pool.submit(_pool_run, job): job for job in jobs}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # the worker process died
                yield write_result(ReportResult(futures[future], "", None, error=f"{type(exc).__name__}: {exc}"),
                                   Path(outputs.folder))


# Dask workers run tasks in threads: one runner (and kernel) per worker thread, closed by a plugin.
_DASK_RUNNERS: list[ReportRunner] = []
_DASK_LOCAL = threading.local()
_DASK_LOCK = threading.Lock()
_DASK_PLUGIN = "bsc-report-runners"


def _dask_run(job: ReportJob, template: str) -> ReportResult:
    runner = getattr(_DASK_LOCAL, "runner", None)
    if runner is None:
        runner = _DASK_LOCAL.runner = ReportRunner(template)
        with _DASK_LOCK:
            _DASK_RUNNERS.append(runner)
    return runner.run(job)


def _close_dask_runners() -> None:
    with _DASK_LOCK:
        while _DASK_RUNNERS:
            _DASK_RUNNERS.pop().close()


def _dask(jobs: Sequence[ReportJob], template: str, address: str) -> Iterator[ReportResult]:
    from distributed import Client, WorkerPlugin
    from distributed import as_completed as dask_completed

    class CloseRunners(WorkerPlugin):
        def teardown(self, worker: Any) -> None:
            _close_dask_runners()

    with Client(address) as client:
        client.register_plugin(CloseRunners(), name=_DASK_PLUGIN)
        try:
            futures = [client.submit(_dask_run, job, template, pure=False, key=f"bsc-report-{job.name}-{i}")
                       for i, job in enumerate(jobs)]
            jobs_by_key = {f.key: job for f, job in zip(futures, jobs, strict=True)}
            for future in dask_completed(futures):
                try:
                    yield future.result()
                except Exception as exc:
                    yield ReportResult(jobs_by_key[future.key], "", None, error=f"{type(exc).__name__}: {exc}")
        finally:
            client.unregister_worker_plugin(_DASK_PLUGIN)


def check_outputs(jobs: Sequence[ReportJob], *, pdf: bool = False, book: str | os.PathLike[str] | None = None) -> None:
    """Check that the PDFs asked for can be made: Chromium is there, a book is of one period (:class:`InputError`)."""
    periods = sorted({job.period for job in jobs})
    if book and len(periods) > 1:
        raise InputError(f"a briefing book is of one period, and these reports are of {', '.join(periods)}. "
                         "Fix: give one --period")
    if pdf or book:
        check_engine()


def run_reports(jobs: Iterable[ReportJob], out: str | os.PathLike[str], *, workers: int | None = None,
                dask_address: str | None = None, template: str | os.PathLike[str] = DEFAULT_TEMPLATE,
                progress: Callable[[ReportResult], None] | None = None, pdf: bool = False,
                book: str | os.PathLike[str] | None = None) -> list[ReportResult]:
    """Produce every report of ``jobs`` into ``out`` (notebook, HTML and results file each) and write ``index.html``.

    A report whose results file is already in ``out`` (an earlier run) is compared with it:
    what changed since the period was first reported is said in the report.

    ``workers``: processes on this machine (default: the number of cores; 1 runs in this
    process); ``dask_address``: run on that Dask cluster instead.  ``progress`` is called
    with each result as it arrives.  Failed reports are returned with their error; they do
    not stop the others.  The executed notebooks (and reports that share it) load
    plotly.js from one file written into ``out``.  ``pdf``: print each report to
    ``<scorecard>-<period>.pdf``; ``book``: write the briefing book of the batch's one
    period there (:mod:`~bsc_widgets.reports.pdf`; both need Chromium, checked first).
    """
    jobs = list(jobs)
    check_outputs(jobs, pdf=pdf, book=book)  # before any kernel starts
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [_with_previous(job, folder) for job in jobs]
    _write_shared_plotly(folder)
    if dask_address:  # written here, printed after the batch (a Dask worker may not see this folder)
        results: Iterable[ReportResult] = (write_result(r, folder) for r in _dask(jobs, str(template), dask_address))
    else:  # written and printed by the workers, each report as soon as it is made
        outputs = _Outputs(str(folder), pdf=pdf, book=book is not None)
        results = _local(jobs, str(template), workers or os.cpu_count() or 1, outputs)
    done = []
    for result in results:
        done.append(result)
        if progress is not None:
            progress(result)
    order = {job: i for i, job in enumerate(jobs)}
    done.sort(key=lambda r: order[r.job])
    if pdf or book:
        print_reports(done, folder, each=pdf, book=book)  # what is not printed yet, and the book
    write_index(done, folder)
    return done


def _with_previous(job: ReportJob, folder: Path) -> ReportJob:
    """``job`` comparing with the results file an earlier report of it left in ``folder`` (if any)."""
    earlier = folder / f"{job.name}{RESULTS_SUFFIX}"
    return replace(job, previous=str(earlier.resolve())) if not job.previous and earlier.is_file() else job


def _write_shared_plotly(folder: Path) -> None:
    target = folder / SHARED_PLOTLY_JS
    source = plotly_js()
    if not target.exists() or target.read_text(encoding="utf-8") != source:
        target.write_text(source, encoding="utf-8")
