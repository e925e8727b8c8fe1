"""One report at a time: run the review template with papermill in a warm kernel and export offline HTML.

One report = one (scorecard, period).  :class:`ReportRunner` executes the template
(``templates/review.ipynb``) with papermill and exports the executed notebook to HTML
with the ``bsc_report`` nbconvert template (code hidden, table of contents, no network
resources).  A runner keeps one kernel warm: libraries are imported once, and between
reports the kernel's namespace is reset, so a batch pays the kernel start-up and import
costs once per worker instead of once per report (:mod:`~bsc_widgets.reports.batch`
runs many).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..render.html import INLINE, plotly_loader
from ..resources import shipped_dir
from .pinning import RESULTS_MIME

__all__ = [
    "DEFAULT_TEMPLATE",
    "HEADLINE_MIME",
    "SHARED_PLOTLY_JS",
    "ReportJob",
    "ReportResult",
    "ReportRunner",
    "lean_notebook",
    "report_exporter",
]

TEMPLATES = shipped_dir("templates")
DEFAULT_TEMPLATE = TEMPLATES / "review.ipynb"
"""The review notebook template."""
HTML_TEMPLATE = "bsc_report"
"""nbconvert template (in ``templates/nbconvert``) used for the HTML export."""
SHARED_PLOTLY_JS = "plotly.min.js"
"""File name of the plotly.js copy shared by the reports of a batch (``--shared-plotly``)."""
KERNEL = "python3"
HEADLINE_MIME = "application/vnd.bsc-widgets.headline+json"
"""Mime type of the machine-readable headline the report index reads from an executed notebook."""
_WARM_UP = "import bsc_widgets.reports.sections, bsc_widgets.store, gc; gc.collect(); gc.freeze()"
"""What a report kernel runs before its first report: the report libraries imported, then set aside from garbage
collection (``gc.freeze``): the reset after each report collects only what reports made (0.18 s -> 0.07 s a report),
and so does every collection while a report runs."""
_KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"]
"""A report kernel logs only errors and keeps no input history (no SQLite writes; papermill reads none)."""
_RESET = "get_ipython().run_line_magic('reset', '-f')"


@dataclass(frozen=True)
class ReportJob:
    """One report to produce: the template's parameters."""

    store: str
    scorecard: str
    period: str
    today: str = ""
    plotly_js: str = INLINE
    as_of: str = ""
    versions: str = ""
    """JSON map of the table versions to read (every report of a batch reads the same ones)."""
    previous: str = ""
    """Results file of an earlier report of this scorecard and period (its numbers are compared)."""

    @property
    def name(self) -> str:
        """File stem of the report: ``org-2026Q3``."""
        return f"{self.scorecard}-{self.period}"

    def parameters(self) -> dict[str, str]:
        """The values papermill injects into the template's ``parameters`` cell."""
        return {"store": self.store, "scorecard": self.scorecard, "period": self.period, "today": self.today,
                "plotly_js": self.plotly_js, "as_of": self.as_of, "versions": self.versions,
                "previous": self.previous}


@dataclass
class ReportResult:
    """What running one report produced: the executed notebook, the HTML (None if it failed), its headline."""

    job: ReportJob
    notebook: str
    html: str | None
    headline: dict[str, Any] | None = None
    results: dict[str, Any] | None = None
    """The report's results file (pin, numbers, what was first reported)."""
    error: str | None = None
    seconds: float = 0.0
    paths: dict[str, Path] = field(default_factory=dict)
    printed: bytes | None = None
    """The report printed to PDF without page numbers, kept for the briefing book (None: not printed or not kept)."""

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
        self.km.start_kernel(cwd=tempfile.gettempdir(), extra_arguments=_KERNEL_ARGUMENTS)
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
        """Stop the kernel at once: it holds nothing to save (a polite shutdown request waits ~2.6 s for it)."""
        try:
            self.kc.stop_channels()
            self.km.shutdown_kernel(now=True)
        except Exception:  # pragma: no cover - the kernel is gone already
            pass


def report_exporter() -> Any:
    """The HTML exporter of the reports: the ``bsc_report`` template, code and prompts hidden, no network resources.

    nbconvert's own HTML exporter then re-parses the whole page with BeautifulSoup (about
    two thirds of an export) to give images without alt text one and to make the cells of
    its lab template focusable.  The report's classic-based template has neither, so this
    one skips that pass when the page has no image: the browser reads the same document.
    It also validates the notebook once, after its preprocessors, instead of after each one.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None,  # type: ignore[override]
                               **kw: Any) -> tuple[str, dict[str, Any]]:
            if any("<img" in str(o.get("data", {}).get("text/html", "")) or "image/" in " ".join(o.get("data", {}))
                   for c in nb.cells for o in c.get("outputs", [])):
                return super().from_notebook_node(nb, resources, **kw)  # nbconvert's own pass adds alt texts
            language = nb.metadata.get("language_info", {})  # what HTMLExporter.from_notebook_node does, without
            lexer = language.get("pygments_lexer", language.get("name", None))  # its BeautifulSoup pass
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter(template_name=HTML_TEMPLATE, extra_template_basedirs=[str(TEMPLATES / "nbconvert")],
                          exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                          optimistic_validation=True)


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

        self.template = str(template)
        self.warm = warm
        self.timeout = timeout
        self._exporter = report_exporter()
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
        if notebook:
            kept = nbformat.reads(notebook, as_version=4)
            if error is None:
                result.headline = _output(kept, HEADLINE_MIME)
                result.results = _output(kept, RESULTS_MIME)
                result.html = self.export(nbformat.reads(notebook, as_version=4))
            if result.results is not None:  # the executed notebook says what it read, like the results file
                kept.metadata[NOTEBOOK_METADATA] = {key: result.results[key] for key in ("scorecard", "period",
                                                                                         "today", "reported_at", "pin")}
            result.notebook = nbformat.writes(lean_notebook(kept))
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
        if isinstance(headline := _output(nb, HEADLINE_MIME), dict):
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


NOTEBOOK_METADATA = "bsc_widgets"
"""Key of the executed notebook's metadata that holds its pin (store, table versions, rules, package)."""


def lean_notebook(nb: Any) -> Any:
    """``nb`` with every inline copy of plotly.js in its outputs replaced by the batch's shared file.

    The executed notebook kept next to a report is for audit: its charts load
    ``plotly.min.js`` from the report folder (:data:`SHARED_PLOTLY_JS`, which the batch
    writes) instead of carrying 4.8 MB of plotly.js each.  The HTML report is unchanged.
    """
    inline, shared = plotly_loader(INLINE), plotly_loader(SHARED_PLOTLY_JS)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            page = data.get("text/html")
            if isinstance(page, str) and inline in page:
                data["text/html"] = page.replace(inline, shared)
    return nb


def _output(nb: Any, mime: str) -> dict[str, Any] | None:
    """The first output of ``mime`` in an executed notebook, as a dict (None when there is none)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if mime in data:
                value = data[mime]
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
