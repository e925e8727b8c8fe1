"""PDF output: every report printed by Chromium on A4, and the briefing book of a period.

The engine is the Chromium the browser tests already use, driven by playwright: a
report's HTML is opened from disk with every network request refused, printed with the
print styles and with its charts fitted to the page (``bscPrint.fit()`` of
:mod:`bsc_widgets.render.printing`), the scorecard and period in the footer.  Each report
is printed once: with its page numbers (``page 3 of 11``) printed by Chromium when no
briefing book is made; for a book without them, and :func:`numbered` stamps them on for
the report's own PDF, and :func:`write_book` for the book (cover, contents, the
organisation's report, then each department's, numbered through).  pypdf merges and
stamps; the stamped numbers are printed by Chromium on blank pages with the same margins,
so they sit where the footer is.  A batch prints in its workers, each with its own
Chromium (:func:`print_report`), as soon as each report is written.

playwright and pypdf are the ``pdf`` extra (``pip install 'bsc-widgets[pdf]'``); Chromium
is found at ``$BSC_CHROMIUM``, then Debian's ``/usr/bin/chromium`` and other usual
places, then playwright's own browser (``playwright install chromium``).
:func:`check_engine` says which is missing before anything runs.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import MissingToolError
from ..render.printing import PAGE
from ..render.theme import FONT, INK, MUTED, RULE, status_colour
from .runner import ReportResult

__all__ = ["CHROMIUM_ENV", "BookEntry", "PdfPrinter", "check_engine", "footer_label", "numbered", "page_count",
           "print_report", "print_reports", "write_book"]

CHROMIUM_ENV = "BSC_CHROMIUM"
"""Environment variable naming the Chromium (or Chrome) binary to print with."""
_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "chromium",
               "chromium-browser", "google-chrome")
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
_LOCAL = ("file:", "data:", "blob:", "about:")
INSTALL = ("install the PDF extra with `pip install 'bsc-widgets[pdf]'` (playwright and pypdf) and Chromium: "
           "`sudo apt-get install chromium` on Debian/Ubuntu, `playwright install chromium`, or set "
           f"{CHROMIUM_ENV} to a Chromium or Chrome binary")
_TIMEOUT_MS = 60_000
# The report's own ready signal (every chart drawn, fonts loaded: bscPrint.ready() of render.printing), then its
# charts fitted to the page in print media.  A page without charts (no bscPrint) is ready once loaded.
_READY_AND_FIT = """async () => {
  if (!window.bscPrint) { await document.fonts.ready; return; }
  await window.bscPrint.ready();
  await window.bscPrint.fit();
}"""


def _chromium() -> str | None:
    """The Chromium binary to use: ``$BSC_CHROMIUM``, a usual place, else None (playwright's own browser)."""
    named = os.environ.get(CHROMIUM_ENV, "")
    if named:
        if not Path(named).is_file():
            raise MissingToolError(f"PDF output: {CHROMIUM_ENV}={named} is not a file. Fix: point it at a Chromium "
                                   f"binary, or unset it; or {INSTALL}")
        return named
    for candidate in _CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def check_engine() -> str | None:
    """Check that PDFs can be made; the Chromium binary (None: playwright's own). :class:`MissingToolError` if not."""
    missing = []
    for module in ("playwright", "pypdf"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise MissingToolError(f"PDF output needs {' and '.join(missing)}, which is not installed. Fix: {INSTALL}")
    binary = _chromium()
    if binary is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            own = playwright.chromium.executable_path
        if not own or not Path(own).is_file():
            raise MissingToolError(f"PDF output needs Chromium, and none was found (not at {_CANDIDATES[0]}, "
                                   f"not in {CHROMIUM_ENV}, not playwright's own). Fix: {INSTALL}")
    return binary


def _footer(left: str, numbers: bool) -> str:
    """Chromium's footer template: ``left`` text over a rule, and the page number on the right (or nothing).

    Page-number stamps have no text on the left and no rule: they are laid over a page that has both."""
    right = ('page <span class="pageNumber"></span> of <span class="totalPages"></span>' if numbers else "")
    rule = f"border-top:.5px solid {RULE};" if left else "border-top:.5px solid transparent;"
    return (f'<div style="font-family:{FONT};font-size:8px;color:{MUTED};width:100%;margin:0 {PAGE.left}mm 0 '
            f'{PAGE.right}mm;display:flex;justify-content:space-between;{rule}padding-top:2mm">'
            f"<span>{html.escape(left)}</span><span>{right}</span></div>")


class PdfPrinter:
    """One headless Chromium that prints pages to PDF (A4, offline); use as a context manager."""

    def __init__(self) -> None:
        self._binary = check_engine()
        self._playwright: Any = None
        self._browser: Any = None
        self._stamps: dict[tuple[int, str], bytes] = {}
        self._reports: Any = None
        """The page reports are printed in, reused report after report (its context; None until the first)."""

    def start(self) -> PdfPrinter:
        """Launch Chromium (once; a batch worker keeps it for all its reports)."""
        from playwright.sync_api import sync_playwright

        if self._browser is None:
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=self._binary, args=_FLAGS)
        return self

    def close(self) -> None:
        """Close Chromium."""
        self._drop_report_page()
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None

    def __enter__(self) -> PdfPrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _new_page(self) -> Any:
        """A page in a context of its own: the printable width, offline, charts drawn for paper at once."""
        context = self._browser.new_context(viewport={"width": PAGE.printable_width, "height": 1000})
        context.set_default_timeout(_TIMEOUT_MS)
        context.add_init_script("window.bscPrintFirst = true;")  # charts drawn at their printed size at once
        page = context.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(_LOCAL)
                   else route.abort())  # offline: nothing leaves the machine
        return page

    @contextmanager
    def _page(self) -> Iterator[Any]:
        page = self._new_page()
        try:
            yield page
        finally:
            page.context.close()

    def _report_page(self) -> Any:
        """The page reports are printed in: made once, in print media, and reused (a new context costs ~0.4 s)."""
        if self._reports is None or self._reports.is_closed():
            self._drop_report_page()
            self._reports = self._new_page()
            self._reports.emulate_media(media="print")
        return self._reports

    def _drop_report_page(self) -> None:
        if self._reports is not None:
            with suppress(Exception):  # Chromium is gone already
                self._reports.context.close()
            self._reports = None

    def _pdf(self, page: Any, footer: str, numbers: bool) -> bytes:
        return bytes(page.pdf(format=PAGE.name, print_background=True, display_header_footer=True,
                              header_template="<span></span>", footer_template=_footer(footer, numbers),
                              margin=PAGE.margins()))

    def report(self, path: str | os.PathLike[str], footer: str, numbers: bool = False) -> bytes:
        """A report (HTML file) as PDF, charts fitted to the page, ``footer`` at the bottom left (and the page
        numbers at the bottom right with ``numbers``)."""
        page = self._report_page()
        try:
            page.goto(Path(path).resolve().as_uri(), wait_until="load")
            page.evaluate(_READY_AND_FIT)
            return self._pdf(page, footer, numbers)
        except Exception:
            self._drop_report_page()  # the next report starts on a fresh page
            raise

    def html(self, body: str, footer: str = "", numbers: bool = False) -> bytes:
        """A page of HTML (cover, contents, blank pages for numbers) as PDF."""
        with self._page() as page:
            page.set_content(body, wait_until="load")
            return self._pdf(page, footer, numbers)

    def numbers(self, pages: int, label: str = "") -> Any:
        """``pages`` blank pages with only the footer: ``label`` and ``page n of pages`` (a pypdf reader)."""
        from pypdf import PdfReader

        if (pages, label) not in self._stamps:  # reports of a batch often have the same number of pages
            blank = ("".join('<div style="break-after:page;height:1px"></div>' for _ in range(pages - 1))
                     + "<div></div>")
            self._stamps[pages, label] = self.html(
                f"<!DOCTYPE html><html><body style='margin:0'>{blank}</body></html>", label, numbers=True)
        return PdfReader(io.BytesIO(self._stamps[pages, label]))


def page_count(pdf: bytes) -> int:
    """How many pages a PDF has."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def numbered(pdf: bytes, printer: PdfPrinter) -> bytes:
    """``pdf`` with ``page n of N`` stamped at the bottom right of every page."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    stamps = printer.numbers(len(writer.pages))
    for page, stamp in zip(writer.pages, stamps.pages, strict=True):
        page.merge_page(stamp)
    return _bytes(writer)


def _bytes(writer: Any) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- the briefing book
@dataclass(frozen=True)
class BookEntry:
    """One report of the book: its scorecard, headline (from its results file) and unnumbered PDF."""

    scorecard: str
    name: str
    pdf: bytes | None
    """None when the report failed (the contents say so)."""
    headline: dict[str, Any]
    error: str = ""


_BOOK_CSS = f"""
body{{font-family:{FONT};color:{INK};margin:0}}
.cover{{height:{PAGE.printable_height - 40}px;display:flex;flex-direction:column;justify-content:center;
  break-after:page}}
.cover h1{{font-size:34px;margin:0 0 .3em}}.cover .period{{font-size:22px;margin:0 0 1.5em}}
.cover p{{color:{MUTED};margin:.2em 0}}
h2{{font-size:22px;border-bottom:2px solid {RULE};padding-bottom:.2em}}
table{{border-collapse:collapse;width:100%;font-size:13px}}
td,th{{border-bottom:1px solid {RULE};padding:.45em .5em;text-align:left}}
td.num,th.num{{text-align:right;font-variant-numeric:tabular-nums}}
.chip{{display:inline-block;padding:.05em .6em;border-radius:.8em;color:#fff;font-weight:600;font-size:.85em;
  -webkit-print-color-adjust:exact;print-color-adjust:exact}}
.failed{{color:{MUTED};font-style:italic}}
"""


def _front(organisation: str, period: str, made: str, data_as_of: str, entries: Sequence[BookEntry],
           starts: Sequence[int | None]) -> str:
    """Cover and contents as one HTML document (``starts``: the page each report begins on)."""
    from ..model.words import number

    rows = []
    for entry, start in zip(entries, starts, strict=True):
        h = entry.headline
        if entry.pdf is None or start is None:
            rows.append(f"<tr><td>{html.escape(entry.name)} ({html.escape(entry.scorecard)})</td>"
                        f'<td class="failed" colspan="2">not produced: {html.escape(entry.error)}</td>'
                        "<td></td></tr>")
            continue
        rows.append(f"<tr><td>{html.escape(entry.name)} ({html.escape(entry.scorecard)})</td>"
                    f'<td class="num">{number(h.get("score"))}</td>'
                    f'<td><span class="chip" style="background:{status_colour(h.get("status"))}">'
                    f'{html.escape(str(h.get("status", "")))}</span></td><td class="num">{start}</td></tr>')
    as_of = f"<p>Data as of {html.escape(data_as_of)}</p>" if data_as_of else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>{_BOOK_CSS}</style></head><body>'
            f'<section class="cover"><h1>{html.escape(organisation)}</h1><p class="period">Briefing book: review of '
            f"{html.escape(period)}</p><p>Made {html.escape(made)}</p>{as_of}<p>{len(entries)} scorecard report(s): "
            "the organisation, then each department.</p></section>"
            '<section><h2>Contents</h2><table><thead><tr><th>Scorecard</th><th class="num">Score</th>'
            f'<th>Status</th><th class="num">Page</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
            "</section></body></html>")


def write_book(entries: Sequence[BookEntry], target: str | os.PathLike[str], printer: PdfPrinter, *,
               organisation: str, period: str, data_as_of: str = "", made: dt.date | None = None) -> int:
    """Write the briefing book of ``period`` to ``target``: cover, contents, each report; the page count.

    ``entries`` come in the order of the book (the organisation first).  Pages are
    numbered through (the cover counts as page 1 but shows no number), each report is a
    bookmark, and the contents give the page each report begins on.
    """
    from pypdf import PdfReader, PdfWriter

    lengths = [page_count(e.pdf) if e.pdf is not None else 0 for e in entries]
    made_text = (made or dt.date.today()).isoformat()
    front_pages, front = 2, b""
    for _ in range(3):  # the contents may run onto more pages, which moves every start: settle
        starts, at = [], front_pages + 1
        for entry, length in zip(entries, lengths, strict=True):
            starts.append(at if entry.pdf is not None else None)
            at += length
        front = printer.html(_front(organisation, period, made_text, data_as_of, entries, starts))
        if page_count(front) == front_pages:
            break
        front_pages = page_count(front)
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(front)).pages:
        writer.add_page(page)
    marks = []
    for entry in entries:
        if entry.pdf is None:
            continue
        marks.append((f"{entry.name} ({entry.scorecard})", len(writer.pages)))
        for page in PdfReader(io.BytesIO(entry.pdf)).pages:
            writer.add_page(page)
    total = len(writer.pages)
    stamps = printer.numbers(total)
    for i, page in enumerate(writer.pages):
        if i:  # the cover stays clean
            page.merge_page(stamps.pages[i])
    writer.add_outline_item(title="Contents", page_number=1)
    for title, start in marks:
        writer.add_outline_item(title=title, page_number=start)
    writer.add_metadata({"/Title": f"{organisation}: briefing book, review of {period}"})
    Path(target).write_bytes(_bytes(writer))
    return total


# ----------------------------------------------------------------------------- a batch
def footer_label(result: ReportResult) -> str:
    """What a report's footer says: ``Alder & Finch · org · review of 2026Q3``."""
    name = (result.headline or {}).get("name") or result.job.scorecard
    return f"{name} · {result.job.scorecard} · review of {result.job.period}"


def print_report(result: ReportResult, folder: str | os.PathLike[str], printer: PdfPrinter, *, each: bool = True,
                 keep: bool = False) -> None:
    """Print one report that succeeded (its HTML is in ``folder``): ``<scorecard>-<period>.pdf`` (``each``).

    ``keep``: also keep the unnumbered PDF in ``result.printed``, for the briefing book.  A
    report that cannot be printed becomes a failed result (its HTML stays).
    """
    if not result.ok or "html" not in result.paths:
        return
    try:  # without a book, Chromium prints the page numbers itself: nothing to stamp
        printed = printer.report(result.paths["html"], footer_label(result), numbers=not keep)
    except Exception as exc:  # a page that never finished drawing: the other reports go on
        result.error = f"PDF: {type(exc).__name__}: {exc}"
        return
    if each:
        target = Path(folder) / f"{result.job.name}.pdf"
        target.write_bytes(numbered(printed, printer) if keep else printed)
        result.paths["pdf"] = target
    if keep:
        result.printed = printed


def print_reports(results: Sequence[ReportResult], folder: str | os.PathLike[str], *, each: bool = True,
                  book: str | os.PathLike[str] | None = None) -> None:
    """Print what is not printed yet: ``<scorecard>-<period>.pdf`` each (``each``), then the briefing ``book``.

    Reports the batch's workers printed already (:func:`print_report`) are not printed
    again.  The book's order is the order of ``results`` (the organisation first).
    """
    todo = [r for r in results if r.ok and "html" in r.paths
            and ((each and "pdf" not in r.paths) or (book is not None and r.printed is None))]
    if not todo and book is None:
        return
    with PdfPrinter() as printer:
        for result in todo:
            print_report(result, folder, printer, each=each and "pdf" not in result.paths, keep=book is not None)
        if book is not None:
            entries = [BookEntry(r.job.scorecard, str((r.headline or {}).get("name") or r.job.scorecard),
                                 r.printed if r.ok else None, dict(r.headline or {}), str(r.error or ""))
                       for r in results]
            first = next((r.results for r in results if r.results), None) or {}
            saved = str(first.get("pin", {}).get("saved_at", ""))
            write_book(entries, book, printer, organisation=entries[0].name if entries else "",
                       period=results[0].job.period if results else "",
                       data_as_of=saved.replace("T", " ").replace("+00:00", " UTC"))
