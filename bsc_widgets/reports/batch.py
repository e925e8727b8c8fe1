"""Many reports: in this process, in a pool of spawned processes, or on a Dask cluster; then the index.

:func:`run_reports` runs a batch in this process (``workers=1``), in a pool of spawned
processes (deltalake cannot run in forked children), or on a Dask distributed cluster;
a failing report does not stop the others.  Each worker keeps one
:class:`~bsc_widgets.reports.runner.ReportRunner` (and its warm kernel) for all its reports.
With PDFs asked for, each local worker also keeps one Chromium
(:class:`~bsc_widgets.reports.pdf.PdfPrinter`) in a printing thread and prints every report it
has just written there while its kernel makes the next one, so that printing overlaps the
making of reports (its own next one and the other workers'); a report is handed back once
printed.  On Dask the reports are printed here after the batch.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.util
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from queue import Empty
from typing import Any

from ..errors import InputError
from ..render.plotly_bundle import plotly_js
from .index import write_index
from .pdf import PdfPrinter, check_engine, print_report, print_reports
from .pinning import RESULTS_SUFFIX
from .runner import DEFAULT_TEMPLATE, SHARED_PLOTLY_JS, ReportJob, ReportResult, ReportRunner

__all__ = ["ReportPool", "check_outputs", "run_reports", "start_pool", "write_result"]


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


@dataclass
class _Printed:
    """What printing a report added to its result (sent from a worker's printing thread to the batch)."""

    name: str
    error: str | None
    paths: dict[str, Path]
    printed: bytes | None


def _printable(result: ReportResult) -> bool:
    """Whether a worker prints this result (it succeeded and its HTML is written)."""
    return result.ok and "html" in result.paths


def _merge(result: ReportResult, printed: _Printed) -> ReportResult:
    result.error, result.printed = printed.error, printed.printed
    result.paths.update(printed.paths)
    return result


class _Worker:
    """One local worker: its runner (warm kernel) and, when PDFs are asked for, its own Chromium in a thread.

    Each report is made and written into the batch folder, then printed in the worker's
    printing thread while its kernel already makes the next report: printing overlaps
    the making of the next report in the same worker (and the other workers' reports).
    Chromium (playwright's sync API) lives in that one thread from start to close.
    """

    def __init__(self, template: str, outputs: _Outputs) -> None:
        self.runner = ReportRunner(template)
        self.outputs = outputs
        self._printer: PdfPrinter | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bsc-pdf") if outputs.printing else None

    def warm(self) -> None:
        """Start Chromium (in its thread) while the kernel starts, before the first report."""
        if self._thread is not None:
            self._thread.submit(self._start)
        self.runner._warm_kernel()

    def _start(self) -> PdfPrinter:
        if self._printer is None:
            self._printer = PdfPrinter()
        return self._printer.start()

    def run(self, job: ReportJob) -> tuple[ReportResult, Future[_Printed] | None]:
        """Make and write the report of ``job``; its printing (if asked for) goes on in the printing thread."""
        result = write_result(self.runner.run(job), Path(self.outputs.folder))
        if self._thread is None or not _printable(result):
            return result, None
        return result, self._thread.submit(self._print, replace(result, paths=dict(result.paths)))

    def _print(self, result: ReportResult) -> _Printed:
        """Print a copy of a result (the original may be on its way to the batch meanwhile)."""
        try:
            printer = self._start()
        except Exception as exc:  # Chromium did not start: this report has no PDF, the others try again
            result.error = f"PDF: {type(exc).__name__}: {exc}"
        else:
            print_report(result, self.outputs.folder, printer, each=self.outputs.pdf, keep=self.outputs.book)
        return _Printed(result.job.name, result.error, {k: v for k, v in result.paths.items() if k == "pdf"},
                        result.printed)

    def close(self) -> None:
        """Close Chromium (after the prints still queued) while the kernel stops."""
        closing = self._thread.submit(self._close_printer) if self._thread is not None else None
        self.runner.close()
        if closing is not None and self._thread is not None:
            closing.result()
            self._thread.shutdown()

    def _close_printer(self) -> None:
        if self._printer is not None:
            self._printer.close()


def _without_iri_grammar() -> None:
    """Keep jsonschema (which nbformat imports) from importing ``rfc3987_syntax`` in a worker process.

    When installed (jupyter-events asks for it) it builds a grammar at import: 1.1 s of each
    worker's start.  jsonschema only checks the ``iri`` formats with it, which no notebook
    schema uses.  Done in the batch's own worker processes only, never in a caller's process.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "import fails", as documented


def _pool_worker_init(template: str, outputs: _Outputs, printed: Any) -> None:
    global _POOL_WORKER, _POOL_PRINTED
    _without_iri_grammar()
    _POOL_WORKER, _POOL_PRINTED = _Worker(template, outputs), printed
    multiprocessing.util.Finalize(None, _POOL_WORKER.close, exitpriority=10)  # pool workers skip atexit
    _POOL_WORKER.warm()  # start the kernel (and Chromium) while the other workers start theirs


_POOL_WORKER: _Worker | None = None
_POOL_PRINTED: Any = None
"""The queue a pool worker's printing thread sends what it printed on (None without PDFs)."""


def _pool_run(job: ReportJob) -> ReportResult:
    """Make one report; its printing goes on after this returns and reports on the batch's queue."""
    assert _POOL_WORKER is not None, "worker not initialised"
    result, printing = _POOL_WORKER.run(job)
    if printing is not None:
        queue = _POOL_PRINTED
        printing.add_done_callback(lambda done: queue.put(_outcome(done, job.name)))
    return result


def _outcome(done: Future[_Printed], name: str) -> _Printed:
    try:
        return done.result()
    except Exception as exc:  # pragma: no cover - _print catches what printing raises
        return _Printed(name, f"PDF: {type(exc).__name__}: {exc}", {}, None)


PRINT_WAIT = 300.0
"""Seconds the batch waits for a worker to say it printed a report before that report fails (a dead worker)."""


def _pool_ready() -> None:
    """A task that does nothing: submitted once per worker, it makes the pool start that worker now."""


class ReportPool:
    """The batch's worker processes, started before their jobs are known (use as a context manager).

    Each worker starts its kernel (and, for PDFs, its Chromium) as soon as it is spawned, so
    a caller that starts the pool first (``bsc report`` does when it knows there will be
    several reports) reads and checks the store meanwhile.  Make one with
    :func:`start_pool`; :func:`run_reports` uses it with ``pool=``.
    """

    def __init__(self, workers: int, template: str, outputs: _Outputs) -> None:
        context = multiprocessing.get_context("spawn")  # deltalake panics in forked children
        self.workers, self.template, self.outputs = workers, template, outputs
        self._printed = context.Queue() if outputs.printing else None
        self._executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_pool_worker_init,
                                             initargs=(template, outputs, self._printed))
        for _ in range(workers):  # the pool spawns a worker for each task no idle worker takes
            self._executor.submit(_pool_ready)

    def run(self, jobs: Sequence[ReportJob]) -> Iterator[ReportResult]:
        """Results of ``jobs``, written into the batch folder (and printed) by the workers, each once complete."""
        futures = {self._executor.submit(_pool_run, job): job for job in jobs}
        waiting: dict[str, ReportResult] = {}  # made, its printing not reported yet
        arrived: dict[str, _Printed] = {}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # the worker process died
                yield write_result(ReportResult(futures[future], "", None, error=f"{type(exc).__name__}: {exc}"),
                                   Path(self.outputs.folder))
                continue
            if self._printed is None or not _printable(result):
                yield result
                continue
            waiting[result.job.name] = result
            yield from _collect(self._printed, waiting, arrived, block=False)
        while waiting:
            yield from _collect(self._printed, waiting, arrived, block=True)

    def close(self) -> None:
        """Stop the workers (each stops its kernel and Chromium); jobs not started are dropped."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ReportPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_pool(out: str | os.PathLike[str], workers: int, *, template: str | os.PathLike[str] = DEFAULT_TEMPLATE,
               pdf: bool = False, book: str | os.PathLike[str] | None = None) -> ReportPool:
    """Start ``workers`` report workers for a batch into ``out`` now (pass it to :func:`run_reports` as ``pool=``).

    ``pdf`` and ``book`` must be what the batch will ask for: the workers start Chromium for them.
    """
    return ReportPool(workers, str(template), _Outputs(str(Path(out)), pdf=pdf, book=book is not None))


def _local(jobs: Sequence[ReportJob], template: str, workers: int, outputs: _Outputs,
           pool: ReportPool | None = None) -> Iterator[ReportResult]:
    """Results of ``jobs``, written into the batch folder (and printed) by the workers, each once complete."""
    if pool is not None:
        yield from pool.run(jobs)
        return
    if workers <= 1 or len(jobs) <= 1:
        worker = _Worker(template, outputs)
        try:
            worker.warm()
            pending: list[tuple[ReportResult, Future[_Printed] | None]] = []
            for job in jobs:
                pending.append(worker.run(job))  # the report before it prints meanwhile
                while pending and (pending[0][1] is None or pending[0][1].done() or len(pending) > 1):
                    result, printing = pending.pop(0)
                    yield result if printing is None else _merge(result, _outcome(printing, result.job.name))
            for result, printing in pending:
                yield result if printing is None else _merge(result, _outcome(printing, result.job.name))
        finally:
            worker.close()
        return
    with ReportPool(min(workers, len(jobs)), template, outputs) as own:
        yield from own.run(jobs)


def _collect(printed: Any, waiting: dict[str, ReportResult], arrived: dict[str, _Printed], *,
             block: bool) -> Iterator[ReportResult]:
    """The waiting results whose printing the workers reported (``block``: wait for one report at least)."""
    try:
        while True:
            news = printed.get(timeout=PRINT_WAIT) if block else printed.get_nowait()
            block = False
            arrived[news.name] = news
    except (Empty, OSError):
        if block:  # nothing for minutes: the workers that were printing are gone
            for name in list(waiting):
                arrived.setdefault(name, _Printed(name, "PDF: the worker stopped before printing it", {}, None))
    for name in [n for n in waiting if n in arrived]:
        yield _merge(waiting.pop(name), arrived.pop(name))


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
                book: str | os.PathLike[str] | None = None, pool: ReportPool | None = None) -> list[ReportResult]:
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
    ``pool``: workers started earlier by :func:`start_pool` for this folder, template and
    outputs (the caller closes it); else the batch starts and stops its own.
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
        if pool is not None and (pool.outputs, pool.template) != (outputs, str(template)):
            raise ValueError(f"the pool was started for {pool.outputs} with {pool.template}, not for {outputs} with "
                             f"{template}")
        results = _local(jobs, str(template), workers or os.cpu_count() or 1, outputs, pool)
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
