"""``POST /ocr?textCode=CODE``: the OCR service an existing one-stop system already calls
(DOMAIN.md). Multipart field ``file``; answers ``{"errorCode": 0, "errorMessage": "",
"results": [{…fields…}]}``, the template code choosing the fields. Every failure is a
non-zero ``errorCode`` with a Vietnamese message, never a bare 500."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from pipeline.api import spool
from pipeline.api.auth import Credentials
from pipeline.api.templates import (detected_code, one_stop_values, template_code,
                                    templates)
from pipeline.errors import InputFileError
from pipeline.fields.extract import extract_fields
from pipeline.model import ReceivedFile
from pipeline.reading import read_files

log = logging.getLogger("sohoa.ocr")
OK, BAD_FILE, UNAUTHORIZED, TOO_LARGE, INTERNAL = 0, 1, 3, 4, 9  # 2 was an unknown textCode


def _answer(code: int, message: str = "", results: list | None = None, status: int = 200
            ) -> JSONResponse:
    return JSONResponse({"errorCode": code, "errorMessage": message, "results": results or []},
                        status)


def recognise(item: spool.Spooled, asked: str, settings) -> dict:
    """Every page read (side by side), then the template's fields over all of them: the
    caller's template, or the one of the document's detected type."""
    local = ReceivedFile(item.name, item.path, item.size, item.sha256, item.kind, object_key="")
    [pages] = read_files([local], settings)
    ocr = [p.ocr for p in pages if p.ocr is not None]
    known = templates(settings.procedures_dir)
    code = template_code(asked, known, settings.ocr_text_codes)
    detected = None
    if code is None:
        kind, _ = extract_fields(ocr, {"doc_type": "doc_type"})
        code = detected = detected_code(pages, settings.procedures_dir,
                                        kind["doc_type"].value if "doc_type" in kind else None)
    values, _ = extract_fields(ocr, known[code])
    return {**{k: v.value for k, v in values.items()}, **one_stop_values(values),
            "confidence": {k: round(v.confidence, 3) for k, v in values.items()},
            "text": "\n\n".join(o.text for o in ocr), "pages": len(pages),
            "textCode": asked.upper(), **({"detected": detected} if detected else {})}


def install(app: FastAPI) -> None:
    @app.post("/ocr", tags=["ocr"], summary="Drop-in OCR service for one-stop systems")
    def ocr(request: Request, file: Annotated[UploadFile, File()],
            credentials: Credentials,
            text_code: Annotated[str, Query(alias="textCode", max_length=50)] = "VBHC"
            ) -> JSONResponse:
        state = request.app.state.api
        settings = state.settings
        if credentials is not None or settings.ocr_requires_token:
            if credentials is None or state.ingest.client_by_token(credentials.credentials) is None:
                return _answer(UNAUTHORIZED, "Thiếu hoặc sai mã truy cập (Bearer token).",
                               status=401)
        with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as tmp:
            try:
                item = spool.write_durably(file.file, spool.safe_name(file.filename), Path(tmp),
                                           settings.max_upload_bytes)
                result = recognise(item, text_code, settings)
            except spool.TooLarge:
                return _answer(TOO_LARGE, f"Tệp lớn hơn giới hạn {settings.max_upload_bytes} byte.")
            except InputFileError as exc:
                return _answer(BAD_FILE, exc.message("vi"))
            except Exception:
                log.exception("OCR failed")
                return _answer(INTERNAL, "Lỗi hệ thống khi nhận dạng; hãy gửi lại sau.")
        return _answer(OK, results=[result])
