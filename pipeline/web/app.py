"""The pages' application, mounted under the API (``sohoa serve``): login and logout, errors
as pages, static assets from the package; the routes live with their room (``desk``,
``archive``, ``indicators``). Everything it shows comes from the API's own state: one
archive, one catalogue, the same review functions as the CLI."""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.errors import SohoaError
from pipeline.web import archive, desk, indicators
from pipeline.web.accounts import LoginRefused
from pipeline.web.base import HERE, NeedLogin, check_csrf, current_user, home_of, page, web
from pipeline.web.sessions import COOKIE

log = logging.getLogger("sohoa.web")


def _routes(pages: FastAPI) -> None:
    @pages.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        return RedirectResponse(home_of(current_user(request)), 303)

    @pages.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> Response:
        return _login_page(request, next=next)

    @pages.post("/login")
    def login(request: Request, username: str = Form(""), password: str = Form(""),
              csrf: str = Form(""), next: str = Form("/")) -> Response:
        check_csrf(request, csrf)
        state = web(request)
        try:
            user = state.accounts.login(username, password)
        except SohoaError as refused:
            return _login_page(request, refused.http_status, next=next, username=username,
                               error=refused.message("vi"))
        cookie, _ = state.sessions.issue(user.name)
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        response = RedirectResponse(target if target != "/" else home_of(user), 303)
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="lax",
                            max_age=state.sessions.seconds)
        return response

    @pages.post("/logout")
    def logout(request: Request, csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        response = RedirectResponse("/login", 303)
        response.delete_cookie(COOKIE)
        return response


def _login_page(request: Request, status: int = 200, **context) -> Response:
    """The login form, with a new anonymous session whose CSRF token the form carries."""
    cookie, anonymous = web(request).sessions.issue(None)
    request.state.csrf = anonymous.csrf
    response = page(request, "login.html", status=status, **context)
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="lax")
    return response


def _errors(pages: FastAPI) -> None:
    @pages.exception_handler(NeedLogin)
    def need_login(request: Request, _exc: NeedLogin) -> Response:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", 303)

    @pages.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = "Không có trang này." if exc.status_code == 404 else \
            f"Yêu cầu không thực hiện được (mã {exc.status_code})."
        return page(request, "error.html", status=exc.status_code, code=f"http_{exc.status_code}",
                    message=message)

    @pages.exception_handler(RequestValidationError)
    def invalid_form(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return page(request, "error.html", status=422, code="invalid_form",
                    message=f"Biểu mẫu thiếu hoặc sai: {fields}. Quay lại trang trước và nhập "
                            "lại.")

    @pages.exception_handler(Exception)
    def failed(request: Request, exc: Exception) -> Response:
        log.exception("page %s failed", request.url.path)
        return page(request, "error.html", status=500, code="internal_error",
                    message="Lỗi hệ thống: việc chưa làm được, không có gì bị mất. Thử lại sau "
                            "hoặc báo quản trị (chi tiết trong nhật ký).")

    @pages.exception_handler(SohoaError)
    def refused(request: Request, exc: SohoaError) -> Response:
        status = exc.http_status if exc.http_status >= 400 else 422
        if isinstance(exc, LoginRefused):
            status = 401
        return page(request, "error.html", status=status, message=exc.message("vi"),
                    code=exc.code)


def install(app: FastAPI) -> None:
    """Serve the pages at ``/`` beside the API's own routes (which are matched first)."""
    pages = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    pages.state.parent = app

    @pages.middleware("http")
    async def timing(request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1e3:.1f}"
        return response

    pages.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _routes(pages)
    _errors(pages)
    for room in (desk, archive, indicators):
        room.routes(pages)
    app.mount("/", pages)
