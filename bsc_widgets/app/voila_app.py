"""The Voila server of ``bsc workshop``: step pages that set the XSRF cookie, kernels culled with care.

Run as ``python -m bsc_widgets.app.voila_app`` (the same options as ``python -m voila``).

Every step page closes its kernel when the tab closes: the page posts to
``voila/api/shutdown/<kernel>`` with the ``_xsrf`` cookie.  Voila sets that cookie only on
the landing page, so a step opened directly by its address had its shutdown refused
(403, "'_xsrf' argument missing") and its kernel lived until the server stopped.  Here
the step pages set the cookie too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import tornado.web
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

UNOPENED_GRACE_S = 600
"""Seconds a kernel whose page never connected is kept, however idle (a page still loading on a busy machine)."""


class StepPageHandler(TornadoVoilaHandler):
    """A workshop step page: Voila's page, plus the ``_xsrf`` cookie its tab-close shutdown needs."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        """Set the XSRF cookie (before the first byte is sent), then stream the page as Voila does."""
        _ = self.xsrf_token  # tornado sets the ``_xsrf`` cookie when the token is first read
        await super().get(path=path)


class RoomKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager that culls a kernel only once its page connected, or after a long grace."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.opened: set[str] = set()  # kernels a page connected to (ids only: a few per participant)

    def notify_connect(self, kernel_id: str) -> None:
        """Remember that a page connected to ``kernel_id``."""
        self.opened.add(kernel_id)
        super().notify_connect(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Cull as Jupyter does, except a kernel no page has connected to yet and idle for less than the grace."""
        kernel = self._kernels.get(kernel_id)
        last = getattr(kernel, "last_activity", None)
        if kernel_id not in self.opened and isinstance(last, datetime) and \
                datetime.now(UTC) - last < timedelta(seconds=UNOPENED_GRACE_S):
            return
        await super().cull_kernel_if_idle(kernel_id)


class WorkshopVoila(Voila):
    """Voila serving the workbooks folder with :class:`StepPageHandler` for the step pages."""

    def init_handlers(self) -> list[Any]:
        """Voila's handlers, with the step pages' handler replaced."""
        return [(spec[0], StepPageHandler, *spec[2:]) if spec[1] is TornadoVoilaHandler else spec
                for spec in super().init_handlers()]


main = WorkshopVoila.launch_instance

if __name__ == "__main__":
    main()
