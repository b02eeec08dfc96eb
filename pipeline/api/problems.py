"""Errors as ``application/problem+json`` (RFC 9457), each with a Vietnamese and an English
message and a stable machine ``code``; never a bare 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pipeline.errors import SohoaError

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("sohoa.api")


class ApiProblem(Exception):
    def __init__(self, status: int, code: str, message_vi: str, message_en: str, **extra):
        super().__init__(message_en)
        self.status, self.code = status, code
        self.message_vi, self.message_en, self.extra = message_vi, message_en, extra


def problem_body(status: int, code: str, message_vi: str, message_en: str, **extra) -> dict:
    return {"type": f"urn:sohoa:problem:{code}", "title": message_en, "status": status,
            "detail": message_vi, "code": code, "message_vi": message_vi,
            "message_en": message_en, **extra}


def respond(status: int, code: str, message_vi: str, message_en: str, **extra) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(problem_body(status, code, message_vi, message_en, **extra), status,
                        media_type=MEDIA_TYPE, headers=headers)


def not_found(what: str) -> ApiProblem:
    """Also the answer for another agency's dossier: its existence is not revealed."""
    return ApiProblem(404, "not_found", f"Không tìm thấy {what}.", f"{what} not found")


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _problem(_: Request, exc: ApiProblem) -> JSONResponse:
        return respond(exc.status, exc.code, exc.message_vi, exc.message_en, **exc.extra)

    @app.exception_handler(SohoaError)
    async def _sohoa(_: Request, exc: SohoaError) -> JSONResponse:
        return respond(422, exc.code, exc.message("vi"), exc.message("en"))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")}
                  for e in exc.errors()]
        return respond(422, "invalid_request", "Yêu cầu không hợp lệ: "
                       + "; ".join(f"{e['where']}: {e['problem']}" for e in errors),
                       "invalid request", errors=errors)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        messages = {404: ("Không có địa chỉ này.", "no such resource"),
                    405: ("Phương thức không được hỗ trợ.", "method not allowed")}
        vi, en = messages.get(exc.status_code, ("Yêu cầu không hợp lệ.", str(exc.detail)))
        return respond(exc.status_code, f"http_{exc.status_code}", vi, en)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return respond(500, "internal_error", "Lỗi hệ thống; yêu cầu chưa được thực hiện, hãy gửi "
                       "lại sau.", "internal error; the request was not carried out, retry later")
