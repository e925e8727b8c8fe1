"""The workshop servers: JupyterLab on the workbooks, and the workbooks as a Voila app.

Imports only the base modules (:mod:`bsc_widgets.config`, :mod:`~bsc_widgets.resources`,
:mod:`~bsc_widgets.errors`): it builds command lines and environments and depends on
configuration, never on the forms the servers will show.
"""
