"""The Voila server of ``bsc workshop``: who is who, what each may reach, step pages, kernels culled with care.

Run as ``python -m bsc_widgets.app.voila_app`` (the same options as ``python -m voila``).

**Who is who.** :class:`RosterIdentityProvider` lets in the members of the workshop's
roster (``BSC_ROSTER``, :mod:`bsc_widgets.roster`): each link's token (or the login
cookie it leaves) names one member — the facilitator, a participant or a viewer.  A step
page tells its kernel which member opened it: :class:`StepPageHandler` writes the member's
id into the query string Voila hands the kernel, over anything the browser sent; the
kernel looks it up in the roster and saves in that member's name, within their role.

**What each may reach.** Voila's kernels take no code from a page (only widget and
kernel-info messages pass), for everyone.  :class:`RoleAuthorizer` also refuses every
change through the server's API (shutting a kernel down with ``DELETE /api/kernels/…``)
to everyone but the facilitator: participants and viewers read the pages, their widgets'
channel and what the pages need.

**Headers.** Every page carries a Content-Security-Policy (:data:`CONTENT_SECURITY_POLICY`):
nothing is loaded from outside the server, pages cannot be framed by other sites.

Every step page closes its kernel when the tab closes: the page posts to
``voila/api/shutdown/<kernel>`` with the ``_xsrf`` cookie.  Voila sets that cookie only on
the landing page, so a step opened directly by its address had its shutdown refused
(403, "'_xsrf' argument missing") and its kernel lived until the server stopped.  Here
the step pages set the cookie too.

**Charts.** The pages draw plotly charts with plotly.js's basic bundle (1.2 MB, served
at ``bsc/static/plotly-basic.min.js``, loaded by a page when its first chart arrives)
instead of the jupyterlab-plotly extension, whose 4.8 MB bundle took 0.7–1.0 s of the
browser's time before a step with a chart was usable (measured with Chromium's profiler).
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import tornado.web
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
from jupyter_server.utils import url_path_join
from traitlets import Type, Unicode, default
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from ..config import PRIVATE_TEMP_ENV
from ..resources import PLOTLY_BASIC
from ..roster import MEMBER_PARAM, ROSTER_ENV, Member, Roster

UNOPENED_GRACE_S = 600
"""Seconds a kernel whose page never connected is kept, however idle (a page still loading on a busy machine)."""

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    # Voila's page starts from inline scripts (its settings, the widgets' state) and plotly draws with
    # inline styles; nothing else is allowed, and nothing from another server.
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])
"""The Content-Security-Policy of every page (measured in Chromium: see tests/browser/test_workshop_roles.py)."""


class RosterIdentityProvider(IdentityProvider):
    """Lets in the members of the workshop's roster: a member's token (link, login form) or login cookie."""

    roster_file = Unicode(help="The roster of the workshop's members (default: $BSC_ROSTER).").tag(config=True)

    @default("roster_file")
    def _roster_file_default(self) -> str:
        return os.environ.get(ROSTER_ENV, "")

    @property
    def roster(self) -> Roster:
        """The members (read once; an unreadable roster lets nobody in)."""
        found: Roster | None = getattr(self, "_roster", None)
        if found is None:
            try:
                found = Roster.load(self.roster_file)
            except (OSError, ValueError, KeyError, TypeError) as error:
                self.log.error("No workshop roster could be read (%s): nobody can open the app.", error)
                found = Roster([])
            self._roster = found
        return found

    @staticmethod
    def user(member: Member) -> User:
        """The server's user for ``member`` (its username is the member's id)."""
        return User(username=member.id, name=member.name, display_name=f"{member.name} ({member.role})")

    def member(self, user: User | None) -> Member | None:
        """The member a user of this server is (None for anyone else)."""
        return self.roster.member(user.username) if user is not None else None

    async def get_user_token(self, handler: tornado.web.RequestHandler) -> User | None:
        """The member whose token the request carries (``?token=`` or ``Authorization: token …``)."""
        member = self.roster.find(self.get_token(handler))
        return self.user(member) if member is not None else None

    def get_user_cookie(self, handler: tornado.web.RequestHandler) -> User | None:
        """The member of the login cookie, if the cookie is genuine and names a member of this roster."""
        cookie = handler.get_secure_cookie(self.get_cookie_name(handler), **self.get_secure_cookie_kwargs)
        if not cookie:
            return None
        try:
            user = self.user_from_cookie(cookie.decode())
        except (ValueError, KeyError, TypeError):
            return None
        member = self.member(user)
        return self.user(member) if member is not None else None

    def process_login_form(self, handler: tornado.web.RequestHandler) -> User | None:
        """The member whose token was typed in the login form."""
        member = self.roster.find(handler.get_argument("password", default=""))
        return self.user(member) if member is not None else None

    @property
    def auth_enabled(self) -> bool:
        """Always: the app never runs without its roster."""
        return True

    @property
    def login_available(self) -> bool:
        """The login form accepts a member's token."""
        return True

    def validate_security(self, app: Any, ssl_options: dict[str, Any] | None = None) -> None:
        """Warn when nobody can get in (no roster)."""
        if not len(self.roster):
            app.log.warning("The workshop roster is empty: nobody can open the app. Start it with `bsc workshop`.")


class RoleAuthorizer(Authorizer):
    """The facilitator may use every route; participants and viewers only read what their page needs.

    Of the kernel API they keep what a page needs: reading a kernel's description (the page
    asks for it when it starts) and the widgets' channel of their page's kernel (Voila lets
    no code through it). Shutting kernels down (``DELETE /api/kernels/…``) and any other
    change through the API is refused (403).
    """

    def is_authorized(self, handler: Any, user: User, action: str, resource: str) -> bool:
        """True when ``user`` is a member allowed to ``action`` the ``resource``."""
        provider = self.identity_provider
        member = provider.member(user) if isinstance(provider, RosterIdentityProvider) else None
        if member is None:
            return False
        if member.facilitator:
            return True
        if resource == "kernels" and isinstance(handler, KernelWebsocketHandler):
            return True
        return action == "read"


class StepPageHandler(TornadoVoilaHandler):
    """A workshop step page: Voila's page, plus the ``_xsrf`` cookie its tab-close shutdown needs."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        """Set the XSRF cookie, name the member for the kernel, then stream the page as Voila does."""
        _ = self.xsrf_token  # tornado sets the ``_xsrf`` cookie when the token is first read
        self.request.query = member_query(self.request.query, self.current_user)
        await super().get(path=path)


def member_query(query: str, user: User | None) -> str:
    """The query string Voila gives the page's kernel: the browser's, without tokens or a member of its own,
    plus the member the server authenticated."""
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in (MEMBER_PARAM, "token")]
    if user is not None:
        kept.append((MEMBER_PARAM, user.username))
    return urlencode(kept)


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
    """Voila serving the workbooks folder to the roster's members, with :class:`StepPageHandler` for the steps."""

    identity_provider_class = Type(default_value=RosterIdentityProvider, klass=IdentityProvider,
                                   help="Who may open the app (the workshop's roster).").tag(config=True)
    authorizer_class = Type(default_value=RoleAuthorizer, klass=Authorizer,
                            help="What each member may reach.").tag(config=True)

    def init_settings(self) -> dict[str, Any]:
        """Voila's settings, with the Content-Security-Policy and the other security headers."""
        settings: dict[str, Any] = super().init_settings()
        settings["headers"] = {**settings.get("headers", {}), "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                               "Referrer-Policy": "no-referrer", "X-Frame-Options": "SAMEORIGIN"}
        return settings

    def stop(self) -> None:
        """Stop as Voila does (kernels shut down), then remove the private folder ``bsc workshop`` made.

        Voila calls this when its loop ends: on Ctrl-C and on SIGTERM alike.
        """
        try:
            super().stop()
        finally:
            folder = os.environ.get(PRIVATE_TEMP_ENV)
            if folder:
                shutil.rmtree(folder, ignore_errors=True)

    def init_handlers(self) -> list[Any]:
        """Voila's handlers, with the step pages' handler replaced, and the plotly.js the pages draw charts with."""
        charts = (url_path_join(self.server_url, rf"/bsc/static/({PLOTLY_BASIC.name.replace('.', '[.]')})"),
                  tornado.web.StaticFileHandler, {"path": str(PLOTLY_BASIC.parent)})
        return [charts, *((spec[0], StepPageHandler, *spec[2:]) if spec[1] is TornadoVoilaHandler else spec
                          for spec in super().init_handlers())]


main = WorkshopVoila.launch_instance

if __name__ == "__main__":
    main()
