"""``python -m bsc_widgets.cli`` runs the ``bsc`` command."""

from . import main

main()
