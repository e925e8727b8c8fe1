"""The workshop servers: JupyterLab on the workbooks, and the workbooks as a Voila app.

This module only builds command lines and environments; :mod:`bsc_widgets.cli.servers`
runs them.  Both servers bind to 127.0.0.1 with a token unless told otherwise, and both
work without internet:

- JupyterLab renders plotly figures through the ``jupyterlab-plotly`` extension that
  ships with plotly; its news feed and update check are switched off (server options and
  ``templates/jupyterlab/settings/overrides.json``).
- Voila uses the ``bsc`` template (``templates/voila/templates/bsc``): Voila's lab
  template minus its Font Awesome and mermaid CDN links (the icons are bundled with
  Voila), code cells stripped, and a landing page that lists the workshop steps.

Every kernel finds the store in ``BSC_STORE`` (:mod:`bsc_widgets.config` resolves it the
same way on both sides).

No token is put on a command line (where ``ps`` shows it to every local user): JupyterLab
reads its token from the environment (``JUPYTER_TOKEN``); the workshop app reads only a
roster of token *hashes* (:mod:`bsc_widgets.roster`), in a folder of its own readable by
its owner only, with the app's current choice of plan next to it.  Options passed through
to the servers cannot turn authentication off (:func:`checked_pass_through`).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config import APP_CHOICE_ENV, FIGURES_ENV, PRIVATE_TEMP_ENV, SCORECARD_ENV, STORE_ENV, STORES_ROOT_ENV, is_uri
from ..errors import InputError
from ..resources import shipped_dir
from ..roster import ROSTER_ENV, make_roster
from ..roster import new_token as _new_token

WORKBOOKS = shipped_dir("workbooks")
"""The guided workbooks."""
JUPYTER_DATA = shipped_dir("templates")
"""Added to ``JUPYTER_PATH`` so that Voila finds ``voila/templates/bsc`` there."""
LAB_SETTINGS = JUPYTER_DATA / "jupyterlab" / "settings"
"""JupyterLab's app settings: ``overrides.json`` turns the news feed and its "get notified?" prompt off."""
VOILA_TEMPLATE = "bsc"
LOOPBACK = "127.0.0.1"
LAB_PORT = 8888
WORKSHOP_PORT = 8866
DEFAULT_POOL = 1
"""Pre-heated kernels kept ready per workshop step (``bsc workshop --pool N``; 0: none)."""
REFILL_AFTER_S = 20
"""Seconds after a pre-heated kernel is taken before its replacement starts (Voila's 1 s competes with the rush)."""
KERNEL_STARTUP_S = 120
"""How long a step page waits for its kernel to start (Voila's 60 s is too short for a room on 2 cores)."""
IOPUB_WAIT_S = 60
"""How long a step waits for its form's output after the code ran (nbclient's 4 s lost forms on a busy machine)."""
CULL_IDLE_S = 60
CULL_EVERY_S = 20
"""Kernels without a page connected and idle for :data:`CULL_IDLE_S` are stopped, checked every
:data:`CULL_EVERY_S`: a closed tab's kernel is gone within 80 s even when its tab-close call is lost."""


@dataclass(frozen=True)
class Link:
    """One person's way into the workshop app: their name, role and address (with their own token)."""

    name: str
    role: str
    url: str


@dataclass(frozen=True)
class ServerCommand:
    """A server to start: its command line, environment, working folder and the address to open."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    url: str
    store: str | None
    warnings: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    """The workshop app's links, the facilitator's first (empty for JupyterLab)."""
    open_url: str | None = None
    """An address to open in a web browser once the server runs (None: the server opens it, or nobody)."""


def new_token() -> str:
    """A random token for the server's URL (what a participant needs to get in)."""
    return _new_token()


REFUSED_OPTIONS = re.compile(r"token|password|identity_?provider|authorizer|cookie_secret|disable_check_xsrf|"
                             r"allow_origin|tornado_settings|allow_unauthenticated", re.IGNORECASE)
"""Pass-through options that would weaken authentication or the security headers (refused)."""
IP_OPTION = re.compile(r"^--(?:[A-Za-z]+\.)?ip(?:=(.*))?$")


def checked_pass_through(extra: Sequence[str]) -> tuple[list[str], list[str]]:
    """The options passed through to a server, and the warnings they call for.

    Options that would turn authentication off or weaken it (``--token=``,
    ``--IdentityProvider.token=``, another identity provider or authorizer, the cookie
    secret, headers …) are refused with :class:`InputError`: ``bsc`` sets them. An address
    given this way (``--Voila.ip=0.0.0.0``) gets the same warning as ``--ip``.
    """
    warnings: list[str] = []
    options = list(extra)
    for number, option in enumerate(options):
        name = option.split("=", 1)[0]
        if option.startswith("-") and REFUSED_OPTIONS.search(name.lstrip("-")):
            raise InputError(f"the server option {name} is set by bsc and cannot be passed through (it would "
                             "change who may open the app). Nothing was started. Fix: drop it; use --token, "
                             "--participants or --viewers to choose who gets in.")
        found = IP_OPTION.match(option)
        if found:
            value = found.group(1)
            if value is None and number + 1 < len(options):
                value = options[number + 1]
            warnings += exposure_warning(value if value is not None else "")
    return options, warnings


def is_loopback(ip: str) -> bool:
    """True for 127.0.0.1, ::1 and localhost: only this computer can connect."""
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def exposure_warning(ip: str) -> list[str]:
    """The warning to print when the server listens on more than this computer."""
    if is_loopback(ip):
        return []
    return [f"Listening on {ip}: anyone who can reach this address and has the token can read and change the "
            "plan and run code on this computer. Use it only on a network you trust, for the time of the workshop."]


def workbooks_folder(workbooks: str | os.PathLike[str] | None = None) -> Path:
    """The folder of guided workbooks (default: ``workbooks/`` of the source checkout)."""
    folder = Path(workbooks) if workbooks is not None else WORKBOOKS
    if not folder.is_dir() or not any(folder.glob("*.ipynb")):
        raise InputError(f"no workbooks in {folder}: pass --workbooks with the folder holding the guided "
                         "workbooks (00-start-here.ipynb …)")
    return folder.resolve()


def _environment(store: str | None, scorecard: str | None, base: Mapping[str, str] | None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    if store:
        env[STORE_ENV] = store
    if scorecard:
        env[SCORECARD_ENV] = scorecard
    return env


def lab_command(*, workbooks: Path, store: str | None = None, scorecard: str | None = None, ip: str = LOOPBACK,
                port: int = LAB_PORT, token: str | None = None, open_browser: bool = True,
                extra: Sequence[str] = (), env: Mapping[str, str] | None = None) -> ServerCommand:
    """JupyterLab on ``workbooks`` (``store``: the store every workbook uses; None: as the workbooks decide)."""
    token = token or new_token()
    extra, passed_warnings = checked_pass_through(extra)
    argv = [sys.executable, "-m", "jupyterlab",
            f"--ServerApp.ip={ip}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={workbooks}",
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.app_settings_dir={LAB_SETTINGS}"]
    if not open_browser:
        argv.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    argv += extra
    environment = _environment(store, scorecard, env)
    environment["JUPYTER_TOKEN"] = token  # read by Jupyter Server; a command line would show it in `ps`
    return ServerCommand(argv=argv, env=environment, cwd=str(workbooks),
                         url=f"http://{_host(ip)}:{port}/lab?token={token}", store=store,
                         warnings=exposure_warning(ip) + passed_warnings)


def room_options(pool: int = DEFAULT_POOL) -> list[str]:
    """Voila options for a room of participants: patient timeouts, idle kernels culled, ``pool`` pre-heated kernels.

    Kernels talk to the server over unix sockets: with TCP, kernels started at the same
    moment sometimes picked the same port and died ("Address already in use").

    A pre-heated kernel has imported everything and waits (in ``open_workshop``) for its
    participant before it reads the store, so the page shows the plan as it is when opened.
    """
    options = ["--KernelManager.transport=ipc",  # unix sockets: no TCP port races when many kernels start at once
               f"--VoilaExecutor.startup_timeout={KERNEL_STARTUP_S}", f"--VoilaExecutor.iopub_timeout={IOPUB_WAIT_S}",
               "--VoilaConfiguration.multi_kernel_manager_class=bsc_widgets.app.voila_app.RoomKernelManager",
               f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_S}",
               f"--MappingKernelManager.cull_interval={CULL_EVERY_S}"]
    if pool > 0:  # a used kernel is replaced after REFILL_AFTER_S: in a rush, refills would slow everyone down
        options += ["--VoilaConfiguration.preheat_kernel=True", f"--VoilaConfiguration.default_pool_size={pool}",
                    f"--VoilaKernelManager.fill_delay={REFILL_AFTER_S}"]
    return options


def workshop_command(*, workbooks: Path, store: str, scorecard: str | None = None, ip: str = LOOPBACK,
                     port: int = WORKSHOP_PORT, token: str | None = None, open_browser: bool = True,
                     extra: Sequence[str] = (), env: Mapping[str, str] | None = None,
                     pool: int = DEFAULT_POOL, people: Sequence[tuple[str, str]] = (),
                     facilitator: str = "Facilitator", stores_root: str | None = None,
                     private_dir: str | os.PathLike[str] | None = None) -> ServerCommand:
    """The workbooks as a Voila app: landing page, no code, one kernel per browser tab, all on ``store``.

    ``pool``: pre-heated kernels kept ready per step (0: each page starts its kernel when opened).
    ``people``: (name, role) of each participant and viewer; each gets a link with a token
    of their own, the facilitator too (``token``: the facilitator's, default a new one).
    ``stores_root``: the folder under which the facilitator may open or create stores in
    the app (default: the store's parent folder). ``private_dir`` (default: a new folder
    readable by its owner only, removed when the server stops) receives the roster of token
    hashes and the app's choice.
    """
    extra, passed_warnings = checked_pass_through(extra)
    roster, tokens = make_roster(people, facilitator=facilitator, facilitator_token=token)
    folder = Path(private_dir) if private_dir is not None else Path(tempfile.mkdtemp(prefix="bsc-workshop-"))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    roster_path = roster.save(folder / "roster.json")
    choice_path = folder / "choice.json"
    descriptor = os.open(choice_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump({"store": store, "scorecard": scorecard}, out)
    argv = [sys.executable, "-m", "bsc_widgets.app.voila_app", str(workbooks),
            f"--Voila.ip={ip}", f"--port={port}", "--Voila.port_retries=0",
            f"--template={VOILA_TEMPLATE}", "--strip_sources=True", "--show_tracebacks=False", *room_options(pool),
            # pages draw charts with the app's plotly.js basic bundle (app/voila_app.py), not this extension's 4.8 MB
            "--VoilaConfiguration.extension_denylist=['jupyterlab-plotly']",
            "--no-browser"]  # Voila would open its address without a token: the CLI opens the facilitator's link
    argv += extra
    environment = _environment(store, scorecard, env)
    environment[ROSTER_ENV] = str(roster_path)
    environment[APP_CHOICE_ENV] = str(choice_path)
    environment[FIGURES_ENV] = "script"
    if private_dir is None:  # made here: the server removes it when it stops
        environment[PRIVATE_TEMP_ENV] = str(folder)
    root = stores_root or (None if is_uri(store) else str(Path(store).parent))
    if root:
        environment[STORES_ROOT_ENV] = str(Path(root).resolve())
    if ip not in ("", "0.0.0.0", "::"):  # where a pre-heated kernel asks the server for its participant's page
        environment["VOILA_APP_IP"] = ip
    environment["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(JUPYTER_DATA), environment.get("JUPYTER_PATH", "")) if p)
    base = f"http://{_host(ip)}:{port}/"
    links = [Link(m.name, m.role, f"{base}?token={tokens[m.id]}") for m in roster.members]
    return ServerCommand(argv=argv, env=environment, cwd=str(workbooks), url=links[0].url, store=store,
                         warnings=exposure_warning(ip) + passed_warnings, links=links,
                         open_url=links[0].url if open_browser else None)


def _host(ip: str) -> str:
    if ip in ("", "0.0.0.0", "::"):
        return "localhost"
    return f"[{ip}]" if ":" in ip else ip
