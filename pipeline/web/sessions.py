"""Sessions in a signed cookie (itsdangerous): who is logged in, since when, and the session's
CSRF token, which every form carries back. Nothing is kept on the server, so any process
serving the same home (or given the same ``SOHOA_WEB_SECRET``) knows the session."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from pipeline.settings import Settings

COOKIE = "sohoa_session"


@dataclass(frozen=True)
class Session:
    user: str | None  # None: not logged in yet (the login form's own CSRF token)
    csrf: str


def secret(settings: Settings) -> str:
    """The configured key, or the home's own, made once (its owner alone may read it)."""
    if settings.web_secret:
        return settings.web_secret
    path = Path(settings.home_dir) / "web-secret"
    if not path.exists():  # made aside, then linked in: a reader never sees it half-written
        draft = path.with_name(f".web-secret.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
        try:
            os.link(draft, path)
        except FileExistsError:  # another process made it first: theirs is the key
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


class Sessions:
    def __init__(self, key: str, minutes: int):
        self.serializer = URLSafeTimedSerializer(key, salt="sohoa-web-session")
        self.seconds = minutes * 60

    def issue(self, user: str | None) -> tuple[str, Session]:
        """A new session (a new CSRF token too: a login never keeps the anonymous one)."""
        session = Session(user, secrets.token_urlsafe(24))
        return self.serializer.dumps({"u": user, "c": session.csrf}), session

    def read(self, cookie: str | None) -> Session | None:
        """The session a cookie holds, unless it is forged or older than a login lasts."""
        if not cookie:
            return None
        try:
            data = self.serializer.loads(cookie, max_age=self.seconds)
        except BadSignature:  # SignatureExpired is one
            return None
        return Session(data.get("u"), data.get("c", ""))
