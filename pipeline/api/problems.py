"""Errors as ``application/problem+json`` (RFC 9457), each with a Vietnamese and an English
message and a stable machine ``code``; never a bare 500. Every ``SohoaError`` answers with its
own HTTP status; the conditions below are the API's own."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pipeline.errors import SohoaError

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("sohoa.api")


def problem_body(status: int, code: str, message_vi: str, message_en: str, **extra) -> dict:
    return {"type": f"urn:sohoa:problem:{code}", "title": message_en, "status": status,
            "detail": message_vi, "code": code, "message_vi": message_vi,
            "message_en": message_en, **extra}


def respond(status: int, code: str, message_vi: str, message_en: str, **extra) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(problem_body(status, code, message_vi, message_en, **extra), status,
                        media_type=MEDIA_TYPE, headers=headers)


class Unauthorized(SohoaError):
    code, http_status = "unauthorized", 401
    vi = "Thiếu hoặc sai mã truy cập (Bearer token)."
    en = "missing or invalid bearer token"


class NotFound(SohoaError):
    """Also the answer for another agency's dossier: its existence is not revealed."""

    code, http_status = "not_found", 404
    vi = "Không tìm thấy {what_vi}."
    en = "{what_en} not found"


class IdempotencyKeyReused(SohoaError):
    code = "idempotency_key_reused"
    vi = "Idempotency-Key này đã dùng cho một yêu cầu khác."
    en = "this Idempotency-Key was used for another request"


class AgencyMismatch(SohoaError):
    code = "agency_mismatch"
    vi = "Mã cơ quan {agency} khác mã cơ quan trong mã hồ sơ ({expected})."
    en = "agency {agency} differs from the dossier code's ({expected})"


class FileTooLarge(SohoaError):
    code, http_status, published = "file_too_large", 413, ("limit", "value")
    vi = "Tệp lớn hơn giới hạn {value} byte."
    en = "file larger than the limit of {value} bytes"


class TooManyFiles(SohoaError):
    code, http_status, published = "too_many_files", 413, ("limit", "value")
    vi = "Quá {value} tệp trong một yêu cầu."
    en = "more than {value} files in one request"



def install(app: FastAPI) -> None:
    @app.exception_handler(SohoaError)
    async def _sohoa(_: Request, exc: SohoaError) -> JSONResponse:
        return respond(exc.http_status, exc.code, exc.message("vi"), exc.message("en"),
                       **exc.extra)

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
