"""``bsc lab`` and ``bsc workshop``: the workshop servers.

See docs/workshop-app.md.  Both bind to 127.0.0.1 with a token by default; ``--ip``
exposes them on another address (with a warning).  ``bsc workshop`` prints a link per
member of the room (the facilitator, each participant and viewer), each with its own token.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from ..app.servers import (
    DEFAULT_POOL,
    LAB_PORT,
    LOOPBACK,
    WORKSHOP_PORT,
    ServerCommand,
    lab_command,
    workbooks_folder,
    workshop_command,
)
from ..config import is_uri, resolve_store
from ..errors import InputError
from ..roster import PARTICIPANT, VIEWER, read_names, split_names
from .common import handles_errors

_STORE_HELP = ("Folder (or object-store URI) of the store. Default: $BSC_STORE, else the plan chosen in "
               "'00 Start here', else workbooks/workshop-store.")
_COMMON = [
    click.option("--store", "store_path", default=None, envvar="BSC_STORE", show_envvar=True, help=_STORE_HELP),
    click.option("--scorecard", default=None, envvar="BSC_SCORECARD", show_envvar=True,
                 help="Scorecard the workbooks open on (default: as chosen in '00 Start here', else the top one)."),
    click.option("--ip", default=LOOPBACK, show_default=True,
                 help="Address to listen on. Anything but 127.0.0.1 lets other computers in: see "
                      "docs/workshop-app.md before you change it."),
    click.option("--token", default=None, envvar="BSC_TOKEN", show_envvar=True,
                 help="Token needed to open the app [default: a new random one, printed with the URL]."),
    click.option("--no-browser", is_flag=True, help="Do not open a web browser."),
    click.option("--create", is_flag=True,
                 help="Create a new, empty store when --store names a folder that does not exist or is empty "
                      "(without it such a folder is refused, so that a typo never starts an empty plan)."),
    click.option("--workbooks", default=None, type=click.Path(file_okay=False),
                 help="Folder of the guided workbooks [default: workbooks/ of this checkout]."),
    click.argument("server_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- SERVER OPTIONS]"),
]


OPEN_LATER = "import os, time, webbrowser; time.sleep(3); webbrowser.open(os.environ['BSC_OPEN_URL'])"
"""Opens the facilitator's link once the server is up (the link comes in the environment)."""


def _common(func: click.decorators.FC) -> click.decorators.FC:
    for decorator in reversed(_COMMON):
        func = decorator(func)
    return func


def _run(command: ServerCommand, what: str) -> None:
    """Print where the server is, then become the server (so that Ctrl-C and signals reach it)."""
    for warning in command.warnings:
        click.secho(f"Warning: {warning}", fg="yellow", err=True)
    click.echo(f"{what}\n  store: {command.store or '(as chosen in the workbooks)'}")
    if command.links:
        click.echo("  links (give each person their own; a link is as good as a key):")
        width = max(len(link.name) for link in command.links)
        for link in command.links:
            click.echo(f"    {link.name:<{width}}  {link.role:<11}  {link.url}")
    else:
        click.echo(f"  open:  {command.url}")
    sys.stdout.flush()
    sys.stderr.flush()
    if command.open_url:  # the browser opens the facilitator's link (its token is in no command line)
        subprocess.Popen([sys.executable, "-c", OPEN_LATER], env={**os.environ, "BSC_OPEN_URL": command.open_url},
                         start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chdir(command.cwd)
    if os.name == "posix":
        os.execve(command.argv[0], command.argv, command.env)
    sys.exit(subprocess.call(command.argv, env=command.env, cwd=command.cwd))  # pragma: no cover (Windows)


def _prepare_store(location: str, create: bool) -> str:
    """Open the store; a missing or empty folder is refused (exit 2) unless ``create``, then an empty store is made."""
    from ..store import Store

    path = Path(location)
    if not is_uri(location) and not create and (not path.is_dir() or not any(path.iterdir())):
        why = "the folder does not exist" if not path.exists() else "the folder is empty"
        raise InputError(f"there is no store at {location} ({why}); nothing was started. Fix: check the name, or "
                         f"add --create to start a new, empty plan there, or run `bsc init {location} --sample` "
                         "first to rehearse with the sample organisation.")
    return Store.open_or_create(location).location


@click.command("lab")
@_common
@click.option("--port", type=click.IntRange(1, 65535), default=LAB_PORT, show_default=True)
@handles_errors
def lab(store_path: str | None, scorecard: str | None, ip: str, token: str | None, no_browser: bool, create: bool,
        workbooks: str | None, server_args: tuple[str, ...], port: int) -> None:
    """Open JupyterLab on the guided workbooks, with the store configured for every workbook.

    Extra JupyterLab options go after `--`, e.g. `bsc lab -- --ServerApp.base_url=/bsc/`.
    """
    folder = workbooks_folder(workbooks)
    store = _prepare_store(resolve_store(store_path, folder=folder), create) if store_path else None
    command = lab_command(workbooks=folder, store=store, scorecard=scorecard, ip=ip, port=port, token=token,
                          open_browser=not no_browser, extra=server_args)
    _run(command, f"JupyterLab on {folder}")


def _people(participants: str | None, viewers: str | None, roster: str | None) -> list[tuple[str, str]]:
    """The (name, role) of everyone but the facilitator, from the options; exit 2 naming what is wrong."""
    try:
        people = [(n, PARTICIPANT) for n in split_names(participants)] + [(n, VIEWER) for n in split_names(viewers)]
        if roster:
            people += read_names(Path(roster).read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"--roster: {roster} could not be read ({error.strerror or error}). Fix: check the "
                         "file's name.") from None
    except ValueError as error:
        raise InputError(f"{'--roster ' + roster if roster else 'names'}: {error}. Fix: one person a line, "
                         "'Name' or 'Name, viewer'.") from None
    return people


@click.command("workshop")
@_common
@click.option("--port", type=click.IntRange(1, 65535), default=WORKSHOP_PORT, show_default=True)
@click.option("--pool", type=click.IntRange(0, 20), default=DEFAULT_POOL, show_default=True,
              help="Sessions kept ready per step, so that a page opens at once (0: start each when opened).")
@click.option("--participants", default=None, metavar="NAMES",
              help="Participants, comma-separated (e.g. \"Ana,Ben,Chloe\"): each gets a link that proposes, "
                   "comments, votes and signs off in their name.")
@click.option("--viewers", default=None, metavar="NAMES", help="People who may only read, comma-separated.")
@click.option("--roster", "roster_file", default=None, type=click.Path(dir_okay=False),
              help="File of people, one a line: 'Name' (a participant) or 'Name, viewer' / 'Name, participant'.")
@click.option("--facilitator", default="Facilitator", show_default=True,
              help="The facilitator's name, as their saves record it.")
@click.option("--stores-root", default=None, type=click.Path(file_okay=False),
              help="Folder under which the facilitator may open or create other stores in the app "
                   "[default: the store's parent folder].")
@handles_errors
def workshop(store_path: str | None, scorecard: str | None, ip: str, token: str | None, no_browser: bool,
             create: bool, workbooks: str | None, server_args: tuple[str, ...], port: int, pool: int,
             participants: str | None, viewers: str | None, roster_file: str | None, facilitator: str,
             stores_root: str | None) -> None:
    """Serve the guided workbooks as a Voila app for participants: no code, one session per browser tab.

    Prints a link for the facilitator (who may change everything; --token chooses its token)
    and one for each participant and viewer, each with its own token: every save records
    who made it. Everyone works on the same store; a save over someone else's change of
    the same record is shown as a conflict with both versions. Extra Voila options go
    after `--` (options that would change who gets in are refused).
    """
    folder = workbooks_folder(workbooks)
    people = _people(participants, viewers, roster_file)
    store = _prepare_store(resolve_store(store_path, folder=folder), create)
    try:
        command = workshop_command(workbooks=folder, store=store, scorecard=scorecard, ip=ip, port=port,
                                   token=token, open_browser=not no_browser, extra=server_args, pool=pool,
                                   people=people, facilitator=facilitator, stores_root=stores_root)
    except ValueError as error:  # a name given twice
        raise InputError(f"names: {error}.") from None
    _run(command, f"Workshop app (Voila) on {folder}")
