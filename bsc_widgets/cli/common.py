"""Pieces shared by the ``bsc`` commands: the --store option and error handling.

Command modules define their click commands with these; :mod:`bsc_widgets.cli` loads
them when they are called.  Nothing here imports pandas or deltalake.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

import click

from ..errors import BscError, InputError, NotAStoreError, StoreVersionError, UnreadableFileError
from ..model.schema import PLAN_TABLES

STORE_OPTION = click.option(
    "--store", "store_path", required=True, envvar="BSC_STORE", show_envvar=True,
    help="Folder (or object-store URI) of the store.",
)
TABLE_ARGUMENT = click.argument("table_name", metavar="TABLE", type=click.Choice(PLAN_TABLES))
ANY_TABLE_ARGUMENT = click.argument("table_name", metavar="TABLE", type=click.Choice((*PLAN_TABLES, "closed_periods")))
"""A table to read or list the history of: the plan tables and the closed periods."""


class Moment(click.ParamType):
    """A time to read the history at (``--as-of``); a usage error listing the accepted forms otherwise."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..model.parse import MOMENT_FORMS, moment

        found = moment(value)
        if found is None:
            self.fail(f"{value!r} is not a time; write it as {'; or '.join(MOMENT_FORMS)}", param, ctx)
        return found


MOMENT = Moment()
AS_OF_OPTION = click.option(
    "--as-of", "as_of", type=MOMENT, default=None,
    help="Read the store as it was at this time: YYYY-MM-DD (end of that day, UTC), 'YYYY-MM-DD HH:MM' (UTC) or "
         "ISO 8601 with a zone.")


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Print bsc errors as plain messages with the documented exit codes."""
    try:
        yield
    except UnreadableFileError as exc:  # the file is the problem, not how the command was called
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except (NotAStoreError, StoreVersionError, InputError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except BscError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


def handles_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for commands: bsc errors become messages and exit codes 1 / 2, never tracebacks."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with friendly_errors():
            return func(*args, **kwargs)

    return wrapper
