"""The Voila server of ``bsc workshop``: Voila whose step pages also set the XSRF cookie.

Run as ``python -m bsc_widgets.app.voila_app`` (the same options as ``python -m voila``).

Every step page closes its kernel when the tab closes: the page posts to
``voila/api/shutdown/<kernel>`` with the ``_xsrf`` cookie.  Voila sets that cookie only on
the landing page, so a step opened directly by its address had its shutdown refused
(403, "'_xsrf' argument missing") and its kernel lived until the server stopped.  Here
the step pages set the cookie too.
"""

from __future__ import annotations

from typing import Any

import tornado.web
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler


class StepPageHandler(TornadoVoilaHandler):
    """A workshop step page: Voila's page, plus the ``_xsrf`` cookie its tab-close shutdown needs."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        """Set the XSRF cookie (before the first byte is sent), then stream the page as Voila does."""
        _ = self.xsrf_token  # tornado sets the ``_xsrf`` cookie when the token is first read
        await super().get(path=path)


class WorkshopVoila(Voila):
    """Voila serving the workbooks folder with :class:`StepPageHandler` for the step pages."""

    def init_handlers(self) -> list[Any]:
        """Voila's handlers, with the step pages' handler replaced."""
        return [(spec[0], StepPageHandler, *spec[2:]) if spec[1] is TornadoVoilaHandler else spec
                for spec in super().init_handlers()]


main = WorkshopVoila.launch_instance

if __name__ == "__main__":
    main()
