"""The ``bsc`` command line: a click group whose subcommands are loaded only when called.

The top layer: it may import every layer but the forms (model, store, scoring, smart,
render, io, reports, app); nothing imports it.

Exit codes: 0 success; 1 the command ran but found problems or could not finish
(invalid data, a save conflict, a damaged table); 2 the command was called wrongly
(unknown option, table, scorecard or period; a path that is not a store).

``bsc --help`` and ``bsc --version`` import click and this package's command modules
only: each command imports pandas, deltalake or Jupyter inside its own body (see
benchmarks/cli_startup.py).  To add a command, write it in one of the modules below
(or a new one) and name it in :data:`COMMANDS`.
"""

from __future__ import annotations

from importlib import import_module

import click

from ..version import __version__

COMMANDS: dict[str, str] = {
    "init": "store_commands:init",
    "validate": "store_commands:validate",
    "history": "store_commands:history",
    "read": "store_commands:read",
    "restore": "store_commands:restore",
    "compact": "store_commands:compact",
    "repair": "store_commands:repair",
    "show": "store_commands:show",
    "schema": "store_commands:schema",
    "migrate": "store_commands:migrate",
    "lint": "plan_commands:lint",
    "score": "plan_commands:score",
    "due": "plan_commands:due",
    "import": "data:import_",
    "export": "data:export_",
    "templates": "data:templates",
    "report": "reports:report",
    "close": "periods:close",
    "reopen": "periods:reopen",
    "periods": "periods:periods",
    "diff": "diff:diff",
    "lab": "servers:lab",
    "workshop": "servers:workshop",
    "candidates": "workshop_commands:candidates",
    "propose": "workshop_commands:propose",
    "comment": "workshop_commands:comment",
    "vote": "workshop_commands:vote",
    "decide": "workshop_commands:decide",
    "signoff": "workshop_commands:signoff",
}
"""Every subcommand: its name and where it is defined (module of this package : object)."""


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module when the subcommand is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, name = COMMANDS[cmd_name].split(":")
            command = getattr(import_module(f"{__name__}.{module}"), name)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="bsc")
def main() -> None:
    """bsc-widgets: Balanced Scorecard planning and review from the command line.

    A store is a folder of Delta Lake tables holding one or more scorecards.
    Start with `bsc init DIR --sample` to get the example organisation.
    """
