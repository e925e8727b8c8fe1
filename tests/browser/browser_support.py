"""Helpers for the browser tests: servers started by the `bsc` command, pages that record errors."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SERVER_START_TIMEOUT = 90.0
TIMEOUT_MS = 60_000


def copy_store(template: Path, where: Path) -> Path:
    """A fresh copy of the sample store at ``where``."""
    shutil.copytree(template, where)
    return where


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server started by the ``bsc`` command in its own process group."""

    process: subprocess.Popen[bytes]
    base: str
    token: str
    log: Path
    store: Path
    pages: list[Any] = field(default_factory=list)

    def url(self, path: str) -> str:
        """``path`` on this server, with the token."""
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def output(self) -> str:
        """What the server printed so far (for failure messages)."""
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def wait_ready(self, path: str) -> None:
        """Wait until ``path`` answers 200, failing with the server's output if it dies or hangs."""
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url(path), timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        pytest.fail(f"server not ready after {SERVER_START_TIMEOUT:.0f} s:\n{self.output()}")

    def stop(self) -> None:
        """Stop the server and the kernels it started (its process group)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # kernels left behind by a server that died
            os.killpg(self.process.pid, signal.SIGKILL)


def start_server(command: str, store: Path, tmp: Path, *extra: str, options: tuple[str, ...] = ()) -> Server:
    """Run ``bsc <command> --store STORE [options]`` on a free loopback port with a random token."""
    from bsc_widgets.app.servers import new_token

    port, token = free_port(), new_token()
    log = tmp / f"{command}.log"
    argv = [sys.executable, "-c", "from bsc_widgets.cli import main; main()", command, "--store", str(store),
            "--scorecard", "org", "--port", str(port), "--token", token, "--no-browser", *options, "--", *extra]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "jupyter-runtime")}
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(tmp),
                                   start_new_session=True)
    return Server(process=process, base=f"http://127.0.0.1:{port}", token=token, log=log, store=store)


def sample_workshop(template: Path, tmp: Path, pool: int) -> Iterator[Server]:
    """`bsc workshop --pool POOL` on a copy of the sample in ``tmp``, ready; stopped when the caller is done."""
    server = start_server("workshop", copy_store(template, tmp / "store"), tmp, options=("--pool", str(pool)))
    try:
        server.wait_ready("/")
        yield server
    finally:
        server.stop()


LINK = re.compile(r"^\s+(\S.*?)\s+(facilitator|participant|viewer)\s+(http://\S+)$")


def person_links(server: Server) -> dict[str, str]:
    """The link of each person, as `bsc workshop` printed them (name -> address with its own token)."""
    return {m.group(1): m.group(3) for m in map(LINK.match, server.output().splitlines()) if m}


class PageWatch:
    """Collects a page's console errors, uncaught exceptions and requests that left the machine."""

    def __init__(self, page: Any, allowed_prefixes: tuple[str, ...]) -> None:
        self.errors: list[str] = []
        self.external: list[str] = []
        self.allowed = allowed_prefixes
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.route("**/*", self._route)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.allowed):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()


def close_tab(context: Any, page: Any) -> None:
    """Close the tab as a participant does (its ``beforeunload`` handlers run), then its browser context.

    ``page.close(run_before_unload=True)`` returns before the tab is gone.  Closing the
    context at once cancelled the page's tab-close call (Voila's ``sendBeacon`` to
    ``voila/api/shutdown``) while :class:`PageWatch` held it for inspection, and the
    kernel lived on until culling; so the tab's close is awaited first.
    """
    close_page(page)
    context.close()


def close_page(page: Any) -> None:
    """Close the tab as a participant does (its ``beforeunload`` handlers run) and wait until it is gone.

    Its browser context stays open: the tab's close call (a beacon) may still be on its way,
    and closing the context cancels it (on a loaded machine it has been seen not to arrive)."""
    if not page.is_closed():
        page.close(run_before_unload=True)
        with contextlib.suppress(Exception):  # already gone: nothing to wait for
            page.wait_for_event("close", timeout=TIMEOUT_MS)


def new_page(browser: Any, allowed: tuple[str, ...]) -> tuple[Any, Any, PageWatch]:
    """A fresh browser context and page that blocks every request outside ``allowed``."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    return context, page, PageWatch(page, ("data:", "blob:", "about:", *allowed))


@contextlib.contextmanager
def failure_screenshot(page: Any, path: Path, watch: PageWatch | None = None) -> Iterator[None]:
    """Save a screenshot of ``page`` at ``path`` when the block fails (the artifact to look at first)."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(path), full_page=True)
        if watch is not None:
            print("page errors:", *watch.errors, "blocked requests:", *watch.external, sep="\n  ")
        raise


def button(scope: Any, text: str) -> Any:
    """The button reading exactly ``text`` inside ``scope`` (icons add no text)."""
    return scope.locator("button").filter(has_text=re.compile(rf"^\s*{re.escape(text)}\s*$"))
