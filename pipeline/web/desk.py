"""The digitisation desk (scanning staff, reviewers): the queue, and a dossier's page with its
pages, problems, fields beside the page they were read from, missing components and reusable
papers; the actions go through the review functions the CLI uses (``pipeline.flows.review``),
so each keeps its history with who did it."""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from storage.ingest import UploadRow
from pipeline.errors import SohoaError
from pipeline.fields.extract import FIELD_NAMES
from pipeline.identifiers import VIETNAM
from pipeline.flows import review
from pipeline.model import Separator
from pipeline.procedures.definitions import find_procedure
from pipeline.records import Status
from pipeline.separators import sheet_pdf
from pipeline.web import images
from pipeline.web.base import (UnknownCounter, check_csrf, current_user, dossier_for, page,
                               require, web)
from scanner_drivers.base import BatchSettings
from scanner_drivers.batches import write_pages
from scanner_drivers.devices import open_scanner
from storage.tables import DossierRow

QUEUE_ROWS = 50  # per column; the counts are whole
REFRESH_SECONDS = 15
STATUS_NAMES = {"registered": "Chờ số hóa", "received": "Chờ số hóa", "processing": "Đang xử lý",
                Status.NEEDS_REVIEW: "Cần kiểm tra", Status.DIGITISED: "Đã số hóa",
                Status.REJECTED: "Bị từ chối", "failed": "Lỗi xử lý"}


EVENT_NAMES = {"correct": "sửa dữ liệu", "attach": "bổ sung trang", "reuse": "dùng lại giấy tờ",
               "approve": "duyệt", "hold": "giữ pháp lý", "release": "bỏ giữ pháp lý",
               "audit": "kiểm tra kho", "resolved": "đã giải quyết", "returned": "trả lại",
               "withdrawn": "rút hồ sơ"}


def _today_start() -> datetime:
    now = datetime.now(VIETNAM)
    return now.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)


def queue(request: Request, agencies: list[str], counter: int | None = None) -> dict:
    """The desk's four columns, each with its whole count and its first rows; with
    ``counter``, the dossiers whose pages that counter's scanner sent."""
    catalogue = web(request).archive.catalogue
    among = select(UploadRow.dossier_code).where(UploadRow.counter == counter) \
        if counter else None

    def declared(statuses: list[str]) -> dict:
        count, rows = catalogue.declared(agencies, statuses, QUEUE_ROWS, among)
        return {"count": count, "items": [
            {"code": r.code, "procedure": r.procedure, "archived": False, "note": r.channel}
            for r in rows]}

    def archived(status: str, since: datetime | None) -> dict:
        count, rows = catalogue.queue(agencies, status, since, QUEUE_ROWS, among)
        return {"count": count, "items": [
            {"code": r.code, "procedure": r.procedure, "archived": True,
             "note": f"{len(r.record.problems)} vấn đề" if r.record.problems else None}
            for r in rows]}

    return {"waiting": declared(["registered", "received"]),
            "processing": declared(["processing"]),
            "review": archived(Status.NEEDS_REVIEW, None),
            "today": archived(Status.DIGITISED, _today_start())}


def _fields_of(row: DossierRow, order: int) -> list[dict]:
    """A document's fields as the page shows them: label, value, confidence, whether corrected,
    the problems that name it."""
    doc = row.record.document(order)
    problems = {p.field: p for p in row.record.problems if p.document == order and p.field}
    return [{"name": name, "label": FIELD_NAMES.get(name, name), "value": entry.value,
             "confidence": entry.confidence, "corrected_by": entry.corrected_by,
             "problem": problems.get(name)}
            for name, entry in doc.fields.items()]


def dossier_page(request: Request, row: DossierRow, status: int = 200, **context) -> Response:
    state = web(request)
    procedure = find_procedure(row.procedure, state.settings.procedures_dir)
    names = {c.code: c.name for c in procedure.components}
    documents = [{"entry": d, "component": names.get(d.component, d.component or "—"),
                  "fields": _fields_of(row, d.order),
                  "boxes": images.field_boxes(state.archive, d)}
                 for d in row.record.documents]
    events = state.archive.catalogue.events(row.code)
    holds = [e.kind for e in events if e.kind in ("hold", "release")]
    return page(request, "dossier.html", status=status, row=row, record=row.record,
                counters=sorted(state.settings.counter_scanners),
                procedure=procedure, component_names=names, documents=documents,
                statuses=STATUS_NAMES, originals=images.original_pages(row),
                events=events, event_names=EVENT_NAMES, held=holds[-1:] == ["hold"],
                general=[p for p in row.record.problems if p.document is None or not p.field],
                **context)


def routes(pages: FastAPI) -> None:
    @pages.get("/desk")
    def desk(request: Request, agency: str | None = None, counter: int | None = None,
             partial: bool = False) -> Response:
        user = require(request, "desk")
        agencies = [agency] if agency and user.sees(agency) else user.agencies
        return page(request, "queue_table.html" if partial else "queue.html",
                    queue=queue(request, agencies, counter), agency=agency, counter=counter,
                    counters=sorted(web(request).settings.counter_scanners),
                    statuses=STATUS_NAMES, refresh=REFRESH_SECONDS)

    @pages.get("/dossiers/{code}")
    def dossier(request: Request, code: str) -> Response:
        user = current_user(request)  # the desk and the archive share it; actions by right
        if not (user.may("desk") or user.may("archive")):
            user = require(request, "desk")
        return dossier_page(request, dossier_for(request, user, code))

    @pages.post("/dossiers/{code}/correct")
    def correct(request: Request, code: str, document: int = Form(...), field: str = Form(...),
                value: str = Form(""), csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        user = require(request, "review")
        row = dossier_for(request, user, code)
        state = web(request)
        try:
            review.correct(state.archive, state.settings, row.code, document, field, value,
                           user.name)
        except SohoaError as refused:  # shown in place, beside the field
            return dossier_page(request, row, status=422, refused={
                "document": document, "field": field, "value": value,
                "message": refused.message("vi")})
        return RedirectResponse(f"/dossiers/{code}#doc-{document}", 303)

    @pages.post("/dossiers/{code}/reuse")
    def reuse(request: Request, code: str, component: str = Form(...),
              csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        user = require(request, "review")
        row = dossier_for(request, user, code)
        state = web(request)
        review.reuse(state.archive, state.settings, row.code, component, user.name)
        return RedirectResponse(f"/dossiers/{code}", 303)

    @pages.post("/dossiers/{code}/approve")
    def approve(request: Request, code: str, csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        user = require(request, "review")
        row = dossier_for(request, user, code)
        state = web(request)
        review.approve(state.archive, state.settings, row.code, user.name)
        return RedirectResponse(f"/dossiers/{code}", 303)

    @pages.post("/dossiers/{code}/attach")
    def attach(request: Request, code: str, files: list[UploadFile] = File(...),
               csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        user = require(request, "attach")
        row = dossier_for(request, user, code)
        state = web(request)
        with tempfile.TemporaryDirectory(prefix="sohoa-web-attach-") as tmp:
            paths = []
            for index, upload in enumerate(files):  # each in its own folder: its name kept
                path = Path(tmp) / f"{index:03d}" / Path(upload.filename or "trang").name
                path.parent.mkdir()
                path.write_bytes(upload.file.read())
                paths.append(path)
            review.attach(state.settings, row.code, paths, user.name)
        return RedirectResponse(f"/dossiers/{code}", 303)

    @pages.post("/dossiers/{code}/scan")
    def scan(request: Request, code: str, counter: int = Form(...), csrf: str = Form("")
             ) -> Response:
        """Pages rescanned at the counter's scanner (its feeder), attached as an upload is."""
        check_csrf(request, csrf)
        user = require(request, "attach")
        row = dossier_for(request, user, code)
        state = web(request)
        device = state.settings.counter_scanners.get(counter)
        if device is None:
            raise UnknownCounter(counter=counter)
        with tempfile.TemporaryDirectory(prefix="sohoa-web-scan-") as tmp:
            pages = write_pages(open_scanner(device).scan(BatchSettings()), Path(tmp))
            review.attach(state.settings, row.code, pages, user.name)
        return RedirectResponse(f"/dossiers/{code}", 303)

    @pages.get("/dossiers/{code}/separator.pdf")
    def separator(request: Request, code: str, component: str | None = None) -> Response:
        user = require(request, "attach")
        row = dossier_for(request, user, code)
        procedure = find_procedure(row.procedure, web(request).settings.procedures_dir)
        names = {c.code: c.name for c in procedure.components}
        component = component if component in names else None
        return Response(sheet_pdf(Separator(row.code, component), names.get(component)),
                        media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="to-tach-{code}.pdf"'})

