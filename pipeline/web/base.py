"""What every page shares: the pages' state (accounts, sessions) beside the API's, who is
logged in and what their role allows, CSRF, a dossier seen only within the user's agencies,
and rendering a template with the menu."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from pipeline.errors import Refusal, SohoaError, UnknownDossier
from pipeline.web.accounts import Accounts, Forbidden, UserRow
from pipeline.web.sessions import COOKIE, Session, Sessions, secret
from storage.tables import DossierRow

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
ROLE_NAMES = {"scanner": "Cán bộ số hóa", "reviewer": "Cán bộ kiểm tra",
              "archivist": "Lưu trữ viên", "manager": "Lãnh đạo", "admin": "Quản trị"}
HOMES = [("desk", "/desk"), ("archive", "/search"), ("indicators", "/indicators")]


class NeedLogin(Exception):
    """No session, or it expired: back to the login page, then to where the person was."""


class WebState:
    def __init__(self, api: Any):
        settings = api.settings
        self.api, self.settings, self.archive = api, settings, api.archive
        self.accounts = Accounts(api.archive.catalogue, settings.web_lockout_failures,
                                 settings.web_lockout_minutes)
        self.sessions = Sessions(secret(settings), settings.web_session_minutes)


def web(request: Request) -> WebState:
    parent = request.app.state.parent
    if not hasattr(parent.state, "web"):
        parent.state.web = WebState(parent.state.api)
    return parent.state.web


def session_of(request: Request) -> Session | None:
    return web(request).sessions.read(request.cookies.get(COOKIE))


def current_user(request: Request) -> UserRow:
    found = session_of(request)
    user = web(request).accounts.user(found.user) if found and found.user else None
    if user is None:
        raise NeedLogin()
    request.state.user, request.state.csrf = user, found.csrf
    return user


def require(request: Request, right: str) -> UserRow:
    """The logged-in user, if their role gives ``right``; a refusal is recorded."""
    user = current_user(request)
    if not user.may(right):
        web(request).accounts.record(user.name, "refused", {"right": right,
                                                            "path": request.url.path})
        raise Forbidden()
    return user


class CsrfRefused(SohoaError):
    code, exit_status, http_status = "csrf_refused", 1, 403
    vi = "Biểu mẫu đã hết hạn hoặc không phải của trang này: tải lại trang rồi làm lại."
    en = "the form's CSRF token is missing or not this session's: reload the page"


def check_csrf(request: Request, token: str) -> None:
    """A form's token must be its session's: a page of another site cannot post here."""
    found = session_of(request)
    if found is None or not token or token != found.csrf:
        raise CsrfRefused()


class UnknownCounter(Refusal):
    code, http_status = "unknown_counter", 404
    vi = "Quầy {counter} chưa có máy quét (SOHOA_COUNTER_SCANNERS)."
    en = "counter {counter} has no scanner (SOHOA_COUNTER_SCANNERS)"


def dossier_for(request: Request, user: UserRow, code: str) -> DossierRow:
    """The archived dossier, if it is one of the user's agencies'; else "not found"."""
    row = web(request).archive.catalogue.find(code)
    if row is None or not user.sees(row.agency):
        raise UnknownDossier(dossier=code)
    return row


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    links = [(right, path) for right, path in HOMES if user and user.may(right)]
    return templates.TemplateResponse(request, name, {
        "user": user, "csrf": getattr(request.state, "csrf", ""), "roles": ROLE_NAMES,
        "links": links, **context}, status_code=status)


def home_of(user: UserRow) -> str:
    """Where a user lands: the first room their role opens."""
    return next((path for right, path in HOMES if user.may(right)), "/login")
