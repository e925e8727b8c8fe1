"""Who is who in a workshop: the members of the room, their roles, and the member this kernel serves.

``bsc workshop`` makes a link per member (the facilitator, each participant, each viewer);
each link carries its own secret token. The server needs only the *roster*: every
member's id, name, role and the SHA-256 hash of their token, in a JSON file readable by
its owner only (``BSC_ROSTER`` names it). The tokens themselves are printed once and kept
nowhere.

The server (:mod:`bsc_widgets.app.voila_app`) knows which member opened a page from the
token or login cookie, and hands the member's id to the page's kernel in the request's
query string (:data:`MEMBER_PARAM`, set by the server over anything the browser sent).
The kernel looks the id up in the same roster (:func:`member_of_request`) and
:func:`join`s: from then on every save of the kernel is made in the member's name and
checked against the member's role (:mod:`bsc_widgets.model.permissions`).

A kernel without a roster (JupyterLab, a script, the command line) serves nobody in
particular: :func:`session` is None and nothing is restricted.

This module imports nothing from the package: every layer may use it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import parse_qs

FACILITATOR = "facilitator"
PARTICIPANT = "participant"
VIEWER = "viewer"
ROLES = (FACILITATOR, PARTICIPANT, VIEWER)
"""The roles, from the most to the least allowed."""
ROSTER_ENV = "BSC_ROSTER"
"""Environment variable naming the roster file (set by ``bsc workshop`` for the server and its kernels)."""
MEMBER_PARAM = "bsc_member"
"""Query parameter in which the server tells a step page's kernel which member opened the page."""
NAME_LENGTH = 60


@dataclass(frozen=True)
class Member:
    """One person of the workshop: a short id, the name their saves carry, their role and their token's hash."""

    id: str
    name: str
    role: str
    token_hash: str = ""

    @property
    def facilitator(self) -> bool:
        """True for the facilitator (who may change everything)."""
        return self.role == FACILITATOR


def new_token() -> str:
    """A random token for one member's link."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """The hash of a token kept in the roster (tokens are random: a plain SHA-256 is enough)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Roster:
    """The members of a workshop, found by id or by token."""

    def __init__(self, members: Iterable[Member]) -> None:
        self.members = tuple(members)
        self._by_id = {m.id: m for m in self.members}

    def __len__(self) -> int:
        return len(self.members)

    def member(self, member_id: str | None) -> Member | None:
        """The member with ``member_id`` (None when there is none)."""
        return self._by_id.get(member_id or "")

    def find(self, token: str | None) -> Member | None:
        """The member whose token is ``token`` (compared in constant time); None for a wrong or empty token."""
        if not token:
            return None
        wanted = hash_token(token)
        found = None
        for member in self.members:
            if member.token_hash and hmac.compare_digest(member.token_hash, wanted):
                found = member
        return found

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the roster (hashes only, never tokens) to ``path``, readable and writable by its owner only."""
        target = Path(path)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # also when the file existed with looser permissions
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump({"members": [asdict(m) for m in self.members]}, out, indent=2)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Roster:
        """Read a roster written by :meth:`save`; ``ValueError`` when it is not one."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        members = [Member(**{k: str(m[k]) for k in ("id", "name", "role", "token_hash")})
                   for m in data["members"]]
        if any(m.role not in ROLES for m in members):
            raise ValueError(f"{path}: a member's role is not one of {', '.join(ROLES)}")
        return cls(members)


def _clean_name(name: str) -> str:
    text = " ".join(name.split())
    if not text:
        raise ValueError("a name is empty")
    if len(text) > NAME_LENGTH:
        raise ValueError(f"the name '{text[:20]}…' is longer than {NAME_LENGTH} characters")
    if any(not ch.isprintable() for ch in text):
        raise ValueError(f"the name '{text}' holds characters that cannot be shown")
    return text


def read_names(text: str) -> list[tuple[str, str]]:
    """The (name, role) pairs of a roster file's text: one person a line, ``Name`` or ``Name, role``.

    Empty lines and lines starting with ``#`` are skipped; the role defaults to participant.
    ``ValueError`` says which line is wrong.
    """
    people: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, role = line.rpartition(",") if "," in line else (line, "", PARTICIPANT)
        role = role.strip().lower() or PARTICIPANT
        if role not in ROLES:
            raise ValueError(f"line {number}: '{role}' is not a role (write {', '.join(ROLES)})")
        try:
            people.append((_clean_name(name), role))
        except ValueError as error:
            raise ValueError(f"line {number}: {error}") from None
    return people


def split_names(text: str | None) -> list[str]:
    """Names given as one comma-separated text (``"Ana, Ben, Chloe"``)."""
    return [_clean_name(n) for n in (text or "").split(",") if n.strip()]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:20] or "member"


def make_roster(people: Iterable[tuple[str, str]], *, facilitator: str = "Facilitator",
                facilitator_token: str | None = None) -> tuple[Roster, dict[str, str]]:
    """A roster of the facilitator and ``people`` ((name, role) pairs), and each member's new token by id.

    Each name appears once (``ValueError`` otherwise: two people saving under one name could
    not be told apart). ``facilitator_token`` keeps a token chosen by the facilitator.
    """
    everyone = [(_clean_name(facilitator), FACILITATOR), *((_clean_name(n), r) for n, r in people)]
    seen: dict[str, str] = {}
    for name, _ in everyone:
        if name.casefold() in seen:
            raise ValueError(f"'{name}' is named twice: give each person a different name")
        seen[name.casefold()] = name
    members, tokens = [], {}
    for number, (name, role) in enumerate(everyone):
        member_id = f"{number}-{_slug(name)}"
        token = facilitator_token if number == 0 and facilitator_token else new_token()
        tokens[member_id] = token
        members.append(Member(member_id, name, role, hash_token(token)))
    return Roster(members), tokens


def member_of_request(query: str | None, roster: Roster) -> Member | None:
    """The member the server named in a step page's query string (None when it named nobody it knows)."""
    values = parse_qs(query or "", keep_blank_values=True).get(MEMBER_PARAM, [])
    return roster.member(values[-1]) if values else None


def roster_file(env: Mapping[str, str] | None = None) -> str | None:
    """The roster file of this workshop (``BSC_ROSTER``), or None outside a workshop with a roster."""
    environment = os.environ if env is None else env
    return environment.get(ROSTER_ENV) or None


_SESSION: list[Member] = []


def join(member: Member) -> None:
    """Make ``member`` the person this kernel serves (once: a kernel never changes hands)."""
    if _SESSION and _SESSION[0] != member:
        raise RuntimeError("this kernel already serves another member")
    if not _SESSION:
        _SESSION.append(member)


def leave() -> None:
    """Serve nobody in particular again (for tests and scripts; a page's kernel never calls it)."""
    _SESSION.clear()


def session() -> Member | None:
    """The member this kernel serves (None: nobody in particular — JupyterLab, a script, the command line)."""
    return _SESSION[0] if _SESSION else None
