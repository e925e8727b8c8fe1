"""Period review reports: run the review template with papermill, export offline HTML, index them.

One report = one (scorecard, period).  :class:`ReportRunner` executes the template
(``templates/review.ipynb``) with papermill and exports the executed notebook to HTML
with the ``bsc_report`` nbconvert template (code hidden, table of contents, no network
resources).  A runner keeps one kernel warm: libraries are imported once, and between
reports the kernel's namespace is reset, so a batch pays the kernel start-up and import
costs once per worker instead of once per report.

:func:`run_reports` runs a batch in this process (``workers=1``), in a pool of spawned
processes (deltalake cannot run in forked children), or on a Dask distributed cluster;
a failing report does not stop the others.  :func:`write_index` writes ``index.html``.
"""

from __future__ import annotations

import atexit
import html
import json
import multiprocessing
import multiprocessing.util
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import charts
from .report_sections import HEADLINE_MIME, INLINE
from .resources import shipped_dir

__all__ = [
    "DEFAULT_TEMPLATE",
    "SHARED_PLOTLY_JS",
    "ReportJob",
    "ReportResult",
    "ReportRunner",
    "run_reports",
    "write_index",
]

TEMPLATES = shipped_dir("templates")
DEFAULT_TEMPLATE = TEMPLATES / "review.ipynb"
"""The review notebook template."""
HTML_TEMPLATE = "bsc_report"
"""nbconvert template (in ``templates/nbconvert``) used for the HTML export."""
SHARED_PLOTLY_JS = "plotly.min.js"
"""File name of the plotly.js copy shared by the reports of a batch (``--shared-plotly``)."""
KERNEL = "python3"
_WARM_UP = "import bsc_widgets.report_sections, bsc_widgets.store"
_RESET = "get_ipython().run_line_magic('reset', '-f')"


@dataclass(frozen=True)
class ReportJob:
    """One report to produce: the template's parameters."""

    store: str
    scorecard: str
    period: str
    today: str = ""
    plotly_js: str = INLINE

    @property
    def name(self) -> str:
        """File stem of the report: ``org-2026Q3``."""
        return f"{self.scorecard}-{self.period}"

    def parameters(self) -> dict[str, str]:
        """The values papermill injects into the template's ``parameters`` cell."""
        return {"store": self.store, "scorecard": self.scorecard, "period": self.period, "today": self.today,
                "plotly_js": self.plotly_js}


@dataclass
class ReportResult:
    """What running one report produced: the executed notebook, the HTML (None if it failed), its headline."""

    job: ReportJob
    notebook: str
    html: str | None
    headline: dict[str, Any] | None = None
    error: str | None = None
    seconds: float = 0.0
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the report was produced."""
        return self.error is None


# ----------------------------------------------------------------------------- one report
class _WarmKernel:
    """A kernel with the report libraries imported, reused report after report."""

    def __init__(self, timeout: float) -> None:
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name=KERNEL)
        self.km.start_kernel(cwd=tempfile.gettempdir(), extra_arguments=["--IPKernelApp.log_level=ERROR"])
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=timeout)
        self.run(_WARM_UP, timeout)

    def run(self, code: str, timeout: float) -> None:
        reply = self.kc.execute_interactive(code, timeout=timeout, store_history=False, output_hook=lambda _: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel set-up failed: {reply['content'].get('evalue', '')}")

    def alive(self) -> bool:
        return bool(self.km.is_alive())

    def close(self) -> None:
        try:
            self.kc.stop_channels()
            self.km.shutdown_kernel()
        except Exception:  # pragma: no cover - the kernel is gone already
            pass


def _engine() -> type:
    """A papermill engine that executes in a :class:`_WarmKernel` (registered as ``bsc-warm``)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                     stdout_file: Any = None, stderr_file: Any = None, start_timeout: int = 60,
                                     execution_timeout: int | None = None, **kwargs: Any) -> Any:
            kernel: _WarmKernel = kwargs["warm_kernel"]
            client = PapermillNotebookClient(nb_man, km=kernel.km, timeout=execution_timeout,
                                             startup_timeout=start_timeout, kernel_name=kernel_name,
                                             log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            client.kc = kernel.kc
            try:
                return client.execute()
            finally:
                atexit.unregister(client._cleanup_kernel)  # the kernel outlives the client

    papermill_engines.register("bsc-warm", WarmKernelEngine)
    return WarmKernelEngine


class ReportRunner:
    """Runs reports one after the other in one warm kernel (create one per worker; not thread-safe).

    ``warm=False`` starts a fresh kernel for every report (what a plain papermill call does).
    """

    def __init__(self, template: str | os.PathLike[str] = DEFAULT_TEMPLATE, *, warm: bool = True,
                 timeout: float = 600) -> None:
        import papermill  # noqa: F401  (imported once per runner, not per report)
        from nbconvert import HTMLExporter

        self.template = str(template)
        self.warm = warm
        self.timeout = timeout
        self._exporter = HTMLExporter(template_name=HTML_TEMPLATE,
                                      extra_template_basedirs=[str(TEMPLATES / "nbconvert")], exclude_input=True,
                                      exclude_input_prompt=True, exclude_output_prompt=True)
        self._kernel: _WarmKernel | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="bsc-report-")
        if warm:
            _engine()

    def _warm_kernel(self) -> _WarmKernel:
        if self._kernel is None or not self._kernel.alive():
            if self._kernel is not None:
                self._kernel.close()
            self._kernel = _WarmKernel(self.timeout)
        return self._kernel

    def run(self, job: ReportJob) -> ReportResult:
        """Execute the template for ``job`` and export it; errors become a failed result, never an exception."""
        import nbformat
        import papermill
        from papermill.exceptions import PapermillExecutionError

        start = time.perf_counter()
        output = Path(self._tmp.name) / f"{job.name}.ipynb"
        output.unlink(missing_ok=True)
        engine: dict[str, Any] = {}
        if self.warm:
            engine = {"engine_name": "bsc-warm", "warm_kernel": self._warm_kernel()}
        error = None
        try:
            papermill.execute_notebook(self.template, str(output), parameters=job.parameters(), kernel_name=KERNEL,
                                       progress_bar=False, request_save_on_cell_execute=False,
                                       execution_timeout=int(self.timeout), cwd=tempfile.gettempdir(), **engine)
        except PapermillExecutionError as exc:
            error = f"{exc.ename}: {exc.evalue}"
        except Exception as exc:  # a dead kernel, a timeout, an unreadable template: the batch goes on
            error = f"{type(exc).__name__}: {exc}"
        finally:
            if self.warm and self._kernel is not None and self._kernel.alive():
                self._kernel.run(_RESET, self.timeout)
        notebook = output.read_text(encoding="utf-8") if output.exists() else ""
        result = ReportResult(job, notebook, None, error=error)
        if error is None:
            nb = nbformat.reads(notebook, as_version=4)
            result.headline = _headline(nb)
            result.html = self.export(nb)
        result.seconds = time.perf_counter() - start
        return result

    def export(self, nb: Any) -> str:
        """HTML of an executed notebook: code hidden, stderr dropped, a table of contents after the title."""
        for cell in nb.cells:
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell["id"] = "injected-parameters"  # papermill gives it a random id: keep reports reproducible
            if cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
        title = nb.metadata.get("title", "Review")
        if isinstance(headline := _headline(nb), dict):
            title = f"{headline['name']}: review of {headline['period']}"
        body, _ = self._exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
        return _add_contents(body)

    def close(self) -> None:
        """Shut the warm kernel down and remove temporary files."""
        if self._kernel is not None:
            self._kernel.close()
            self._kernel = None
        self._tmp.cleanup()

    def __enter__(self) -> ReportRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _headline(nb: Any) -> dict[str, Any] | None:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if HEADLINE_MIME in data:
                value = data[HEADLINE_MIME]
                return json.loads(value) if isinstance(value, str) else dict(value)
    return None


_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)<a class="anchor-link"', re.S)
_FIRST_TEXT_CELL = re.compile(r'<div[^>]*class="cell border-box-sizing text_cell')


def _add_contents(body: str) -> str:
    """Insert a table of contents (the level-2 headings) before the first text cell."""
    entries = "".join(f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in _H2.findall(body))
    first = _FIRST_TEXT_CELL.search(body)
    if not entries or first is None:
        return body
    nav = f'<nav class="bsc-toc"><h2>Contents</h2><ol>{entries}</ol></nav>\n'
    return body[:first.start()] + nav + body[first.start():]


# ----------------------------------------------------------------------------- batches
def write_result(result: ReportResult, out: Path) -> ReportResult:
    """Write a report's executed notebook (and its HTML, if it succeeded) into ``out``."""
    notebook, page = out / f"{result.job.name}.ipynb", out / f"{result.job.name}.html"
    if result.notebook:
        notebook.write_text(result.notebook, encoding="utf-8")
        result.paths["notebook"] = notebook
    if result.html is not None:
        page.write_text(result.html, encoding="utf-8")
        result.paths["html"] = page
    else:
        page.unlink(missing_ok=True)  # never leave an older report that looks current
    return result


def _pool_runner_init(template: str) -> None:
    global _POOL_RUNNER
    _POOL_RUNNER = ReportRunner(template)
    multiprocessing.util.Finalize(None, _POOL_RUNNER.close, exitpriority=10)  # pool workers skip atexit
    _POOL_RUNNER._warm_kernel()  # start the kernel while the other workers start theirs


_POOL_RUNNER: ReportRunner | None = None


def _pool_run(job: ReportJob) -> ReportResult:
    assert _POOL_RUNNER is not None, "worker not initialised"
    return _POOL_RUNNER.run(job)


def _local(jobs: Sequence[ReportJob], template: str, workers: int) -> Iterator[ReportResult]:
    if workers <= 1 or len(jobs) <= 1:
        with ReportRunner(template) as runner:
            for job in jobs:
                yield runner.run(job)
        return
    context = multiprocessing.get_context("spawn")  # deltalake panics in forked children
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context,
                             initializer=_pool_runner_init, initargs=(template,)) as pool:
        futures = {pool.submit(_pool_run, job): job for job in jobs}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # the worker process died
                yield ReportResult(futures[future], "", None, error=f"{type(exc).__name__}: {exc}")


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


def run_reports(jobs: Iterable[ReportJob], out: str | os.PathLike[str], *, workers: int | None = None,
                dask_address: str | None = None, template: str | os.PathLike[str] = DEFAULT_TEMPLATE,
                progress: Callable[[ReportResult], None] | None = None) -> list[ReportResult]:
    """Produce every report of ``jobs`` into ``out`` (notebook + HTML each) and write ``index.html``.

    ``workers``: processes on this machine (default: the number of cores; 1 runs in this
    process); ``dask_address``: run on that Dask cluster instead.  ``progress`` is called
    with each result as it arrives.  Failed reports are returned with their error; they do
    not stop the others.  When a job loads plotly.js from a shared file, the file is
    written into ``out`` once.
    """
    jobs = list(jobs)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    if any(job.plotly_js != INLINE for job in jobs):
        _write_shared_plotly(folder)
    if dask_address:
        results = _dask(jobs, str(template), dask_address)
    else:
        results = _local(jobs, str(template), workers or os.cpu_count() or 1)
    done = []
    for result in results:
        done.append(write_result(result, folder))
        if progress is not None:
            progress(result)
    order = {job: i for i, job in enumerate(jobs)}
    done.sort(key=lambda r: order[r.job])
    write_index(done, folder)
    return done


def _write_shared_plotly(folder: Path) -> None:
    from plotly.offline import get_plotlyjs

    target = folder / SHARED_PLOTLY_JS
    source = get_plotlyjs()
    if not target.exists() or target.read_text(encoding="utf-8") != source:
        target.write_text(source, encoding="utf-8")


# ----------------------------------------------------------------------------- index
_INDEX_CSS = """
body{font-family:"Segoe UI","Helvetica Neue",Arial,sans-serif;color:#1d252c;max-width:1000px;margin:2em auto;
  padding:0 1.5em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}th{text-align:left;background:#f3f5f7;
  border-bottom:2px solid #8e99a4;padding:.35em .6em}td{border-bottom:1px solid #dde1e5;padding:.35em .6em}
td.num{text-align:right;font-variant-numeric:tabular-nums}.chip{display:inline-block;padding:.05em .6em;
  border-radius:.8em;color:#fff;font-weight:600;font-size:.85em;-webkit-print-color-adjust:exact;
  print-color-adjust:exact}
.failed{color:#d64541}a{color:#1f4e79}
"""


def _fmt(value: Any, pattern: str) -> str:
    if value is None:
        return "—"
    text = pattern.format(value)
    return pattern.format(0.0) if text.strip("+-0.%") == "" else text.replace("-", "−")  # no "−0.00"


def write_index(results: Sequence[ReportResult], out: str | os.PathLike[str]) -> Path:
    """Write ``index.html`` linking every report with its headline score and status (failures with the reason)."""
    folder = Path(out)
    groups: dict[str, list[ReportResult]] = {}
    for result in results:
        groups.setdefault(result.job.scorecard, []).append(result)
    parts = []
    for scorecard, rows in groups.items():
        name = next((r.headline["name"] for r in rows if r.headline), scorecard)
        cells = []
        for r in rows:
            h = r.headline or {}
            if r.ok:
                colour = charts.status_colour(h.get("status"))
                cells.append(
                    f'<tr><td><a href="{html.escape(r.job.name)}.html">{html.escape(r.job.period)}</a></td>'
                    f'<td class="num">{_fmt(h.get("score"), "{:.2f}")}</td>'
                    f'<td><span class="chip" style="background:{colour}">'
                    f'{html.escape(str(h.get("status")))}</span></td>'
                    f'<td class="num">{_fmt(h.get("coverage"), "{:.0%}")}</td>'
                    f'<td class="num">{_fmt(h.get("score_change"), "{:+.2f}")}</td>'
                    f'<td><a href="{html.escape(r.job.name)}.ipynb">notebook</a></td></tr>')
            else:
                link = (f'<a href="{html.escape(r.job.name)}.ipynb">executed notebook</a>' if r.notebook
                        else "no notebook")
                cells.append(f'<tr class="failed"><td>{html.escape(r.job.period)}</td>'
                             f'<td colspan="4">failed: {html.escape(str(r.error))}</td><td>{link}</td></tr>')
        parts.append(f"<h2>{html.escape(str(name))} <small>({html.escape(scorecard)})</small></h2><table><thead><tr>"
                     "<th>Period</th><th>Score</th><th>Status</th><th>Coverage</th><th>Change</th><th>Audit</th>"
                     f"</tr></thead><tbody>{''.join(cells)}</tbody></table>")
    failed = sum(not r.ok for r in results)
    summary = f"{len(results) - failed} report(s)" + (f", {failed} failed" if failed else "")
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Period review reports</title>'
            f"<style>{_INDEX_CSS}</style></head><body><h1>Period review reports</h1><p>{summary}. Scores run from 0 "
            "to 10; change is against the previous period. Each report opens offline; the executed notebook next "
            f"to it is kept for audit.</p>{''.join(parts)}</body></html>")
    target = folder / "index.html"
    target.write_text(page, encoding="utf-8")
    return target
