"""The ingest API's routes. Requests only validate, store durably (the spool, synced) and
answer; storer processes put the files in S3 (``pipeline.api.storers``) and the flows run on
Prefect workers (``pipeline.api.submit``)."""

from __future__ import annotations

import hashlib
import json
import pathlib
from datetime import date, datetime, timezone
from collections.abc import Callable, Iterator
from contextlib import ExitStack, asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import FastAPI, File, Form, Header, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, Field
from starlette.formparsers import MultiPartParser

from pipeline.api import ocr_service, problems, spool
from pipeline.api.auth import Client
from storage.ingest import ClientRow, IdempotencyRow, Ingest, UploadRow
from pipeline.api.problems import (AgencyMismatch, FileTooLarge, IdempotencyKeyReused, NotFound,
                                   TooManyFiles)
from pipeline.api.reports import digitisation_report, listed
from pipeline.api.views import DossierView, dossier_view, paper_check
from pipeline.api.sender import Sender
from pipeline.api.submit import Bridge, Submitter
from pipeline.flows.engine import local_worker
from pipeline.errors import InputFileError, UnknownComponent
from pipeline.identifiers import (parse_agency_code, parse_dossier_code, parse_owner_id,
                                  parse_procedure_code)
from pipeline.procedures.definitions import find_procedure
from pipeline.indicators import COLUMNS, within
from pipeline.records import EventKind
from pipeline.settings import Settings
from pipeline.signing.verify import load_trust_roots
from storage.archive import Archive
from storage.session import open_archive
from storage.tables import SubmissionRow

VERSION = "1"
MultiPartParser.spool_max_size = 4 << 20
"""A received file up to 4 MB (a scanned page or a few) stays in memory until the spool has it:
past Starlette's default 1 MB every 64 KB read is a temporary-file write handed to a thread,
the API's CPU at 50 uploads/s."""


class DossierIn(BaseModel):
    code: str = Field(description="Mã hồ sơ: <agency>-<YYMMDD>-<NNNN>",
                      examples=["000.00.06.H56-231027-0361"])
    procedure: str = Field(description="Mã thủ tục", examples=["2.000488"])
    agency: str = Field(description="Mã định danh cơ quan (the dossier code's own)",
                        examples=["000.00.06.H56"])
    owner_id: str | None = Field(None, description="CCCD, CMND or tax code of the owner")
    components: list[str] = Field(default=[], description="Expected component codes")
    callback_url: AnyHttpUrl | None = None
    channel: Literal["counter", "post", "online"] | None = Field(
        None, description="How the dossier was handed in")
    received_at: AwareDatetime | None = Field(None, description="When the agency received it")
    returns_result: bool | None = Field(
        None, description="Whether its procedure returns a paper result (issue of a result)")
    reused_components: list[str] = Field(
        default=[], description="Components taken from the national portal's personal folder")


class EventIn(BaseModel):
    event: Literal["resolved", "returned", "withdrawn"] = Field(
        description="How the dossier's life ended at the one-stop system")
    at: AwareDatetime = Field(description="When, with its time zone")


class ApiState:
    """What the routes share: settings, archive, ingest records, the background threads."""

    def __init__(self, settings: Settings, archive: Archive, prefect_url: str, again: str):
        self.settings, self.archive = settings, archive
        self.ingest = Ingest(archive.catalogue)
        self.submitter = Submitter(settings, self.ingest, prefect_url)
        self.bridge = Bridge(archive.store, self.submitter, again)
        self.sender = Sender(settings, self.ingest)


def create_app(settings: Settings, archive: Archive | None = None,
               prefect_url: str | None = None) -> FastAPI:
    """The API; with no ``archive`` given, the configured one is opened for its lifetime. Its
    dossiers are digitised by the workers of the Prefect server at ``prefect_url``; with none,
    by one worker of the home's local server that runs as long as the API."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Iterator[None]:
        with ExitStack() as stack:
            opened = archive or stack.enter_context(open_archive(settings))
            stack.enter_context(opened.catalogue.grouped())  # the requests' commits, together
            url, again = prefect_url, ""
            if url is None:  # that worker's runs died with the last API: submitted anew
                url = stack.enter_context(local_worker(settings))
                again = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%f")
            state = ApiState(settings, opened, url, again)
            app.state.api = state
            state.bridge.start()
            state.sender.start()
            try:
                yield
            finally:
                state.sender.stopping.set()
                state.sender.join()
                state.bridge.stop()

    app = FastAPI(title="sohoa ingest API", version=VERSION, lifespan=lifespan,
                  description="Dossiers from the one-stop system, their files and results; "
                              "drop-in OCR service. Errors are application/problem+json.")
    problems.install(app)
    _routes(app)
    ocr_service.install(app)
    return app


def _state(request: Request) -> ApiState:
    return request.app.state.api


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def _scoped(state: ApiState, client: ClientRow, code: str) -> SubmissionRow:
    """The dossier, if it exists and belongs to one of the client's agencies; else 404 (a
    malformed code: 422)."""
    parse_dossier_code(code)
    row = state.ingest.submission(code)
    if row is None or row.agency not in client.agencies:
        raise NotFound(what_vi=f"hồ sơ {code}", what_en=f"dossier {code}")
    return row


def _idempotent(state: ApiState, client: ClientRow, key: str | None,
                fingerprint: Callable[[], str], work: Callable[[], tuple[int, dict]]
                ) -> JSONResponse:
    """Do ``work`` once per ``Idempotency-Key``: the same key again returns the first answer;
    the same key with another request (``fingerprint``) is refused."""
    digest = fingerprint() if key else ""
    if key:
        seen = state.ingest.remembered(client.name, key)
        if seen is not None:
            if seen.fingerprint != digest:
                raise IdempotencyKeyReused()
            return JSONResponse(seen.body, seen.status_code, headers={"Idempotent-Replayed": "true"})
    status, body = work()
    if key:
        kept = state.ingest.remember(IdempotencyRow(client=client.name, key=key,
                                                    fingerprint=digest, status_code=status,
                                                    body=body))
        status, body = kept.status_code, kept.body
    return JSONResponse(body, status)


def _content(upload: UploadFile) -> tuple[str | None, str]:
    """A file's name and sha256, to tell one request from another (read, then rewound)."""
    digest = hashlib.file_digest(upload.file, "sha256").hexdigest()
    upload.file.seek(0)
    return upload.filename, digest


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _view(state: ApiState, row: SubmissionRow) -> DossierView:
    archived = state.archive.catalogue.find(row.code)
    return dossier_view(row, state.ingest.uploads(row.code), archived.record if archived else None)


def _utc(moment: datetime | None) -> datetime | None:
    """Times kept in UTC, as the database gives them back."""
    return moment.astimezone(timezone.utc) if moment else None


def _validate(body: DossierIn, client: ClientRow, settings: Settings) -> SubmissionRow:
    code = parse_dossier_code(body.code)
    agency = parse_agency_code(body.agency)
    if agency != code.agency:
        raise AgencyMismatch(agency=agency, expected=code.agency)
    if agency not in client.agencies:
        raise NotFound(what_vi=f"cơ quan {agency}", what_en=f"agency {agency}")
    procedure = find_procedure(parse_procedure_code(body.procedure), settings.procedures_dir)
    unknown = [c for c in body.components + body.reused_components
               if procedure.component(c) is None]
    if unknown:
        raise UnknownComponent(procedure=procedure.code, components=", ".join(unknown))
    return SubmissionRow(code=str(code), agency=agency, procedure=procedure.code,
                         owner_id=parse_owner_id(body.owner_id) if body.owner_id else None,
                         components=body.components,
                         callback_url=str(body.callback_url) if body.callback_url else None,
                         client=client.name, status="registered", channel=body.channel,
                         received_at=_utc(body.received_at), returns_result=body.returns_result,
                         reused_components=body.reused_components)


def _refused(exc: InputFileError, settings: Settings) -> InputFileError:
    """A refused file's problem names it, and the setting whose limit it passed."""
    limit = exc.setting
    exc.details.update(file=exc.subject, **({"limit": limit, "value": getattr(settings, limit)}
                                             if limit else {}))
    return exc


def _receive(state: ApiState, row: SubmissionRow, uploads: list[UploadFile], kind: str,
             component: str | None, counter: int | None = None) -> tuple[list[dict], str]:
    """Spool, check and record every file, or none: a refused file refuses the request. What
    was received, and the dossier's status now."""
    settings, folder = state.settings, state.settings.home_dir / "inbox" / row.code
    written: list[spool.Spooled] = []
    try:
        for upload in uploads:
            try:
                written.append(spool.write_durably(upload.file, spool.safe_name(upload.filename),
                                                   folder, settings.max_upload_bytes))
            except spool.TooLarge:
                raise FileTooLarge(limit="max_upload_bytes",
                                   value=settings.max_upload_bytes) from None
            try:
                spool.check(written[-1], settings)
            except InputFileError as exc:
                raise _refused(exc, settings) from None
    except BaseException:
        for item in written:
            item.path.unlink(missing_ok=True)
        raise
    received = []
    for item in written:
        upload, new = state.ingest.add_upload(UploadRow(
            dossier_code=row.code, kind=kind, sha256=item.sha256, filename=item.name,
            component=component, size=item.size, path=str(spool.keep(item)), counter=counter))
        if upload.object_key is None:  # into S3 off the request; the spool keeps it till then
            state.bridge.store_soon(upload)
        else:  # the same bytes, already in S3
            pathlib.Path(upload.path).unlink(missing_ok=True)
        received.append({"file": item.name, "sha256": item.sha256, "size": item.size,
                         "component": upload.component, "duplicate": not new})
    if kind == "component" and any(not r["duplicate"] for r in received) \
            and row.status not in ("received", "processing"):
        state.ingest.change_status(row.code, "received")
        return received, "received"
    return received, row.status


def _routes(app: FastAPI) -> None:
    @app.post("/v1/dossiers", status_code=201, tags=["dossiers"],
              summary="Create or update a dossier", response_model=DossierView)
    def create_dossier(request: Request, body: DossierIn, client: Client,
                       idempotency_key: IdempotencyKey = None) -> JSONResponse:
        state = _state(request)

        def work() -> tuple[int, dict]:
            row = _validate(body, client, state.settings)
            saved, created = state.ingest.save_submission(row)
            return (201 if created else 200), _view(state, saved).to_json()

        return _idempotent(state, client, idempotency_key,
                           lambda: _digest("dossier", body.model_dump(mode="json")), work)

    @app.get("/v1/dossiers/{code}", tags=["dossiers"], summary="A dossier and its records",
             response_model=DossierView, response_model_exclude_unset=True)
    def get_dossier(request: Request, code: str, client: Client) -> DossierView:
        state = _state(request)
        return _view(state, _scoped(state, client, code))

    @app.post("/v1/dossiers/{code}/files", status_code=202, tags=["dossiers"],
              summary="Upload scans (PDF, TIFF, JPEG, PNG); processed in the background")
    def upload_files(request: Request, code: str, client: Client,
                           files: Annotated[list[UploadFile], File(description="Scans")],
                           component: Annotated[str | None, Form()] = None,
                           counter: Annotated[int | None, Form(
                               ge=1, description="The counter that scanned them")] = None,
                           idempotency_key: IdempotencyKey = None) -> JSONResponse:
        state = _state(request)
        row = _scoped(state, client, code)
        if len(files) > state.settings.max_files_per_request:
            raise TooManyFiles(limit="max_files_per_request",
                               value=state.settings.max_files_per_request)
        if component is not None and \
                find_procedure(row.procedure, state.settings.procedures_dir).component(
                    component) is None:
            raise UnknownComponent(procedure=row.procedure, components=component)
        def fingerprint() -> str:
            return _digest("files", code, component, counter, [_content(f) for f in files])

        def work() -> tuple[int, dict]:
            received, status = _receive(state, row, files, "component", component, counter)
            return 202, {"dossier": code, "received": received, "status": status}

        return _idempotent(state, client, idempotency_key, fingerprint, work)

    @app.post("/v1/dossiers/{code}/results", status_code=202, tags=["results"],
              summary="An issued result to digitise and sign as the agency (<code>-KQ<n>)")
    def upload_result(request: Request, code: str, client: Client,
                            file: Annotated[UploadFile, File(description="The result")],
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
        state = _state(request)
        row = _scoped(state, client, code)

        def work() -> tuple[int, dict]:
            received, status = _receive(state, row, [file], "result", None)
            return 202, {"dossier": code, "received": received, "status": status}

        return _idempotent(state, client, idempotency_key,
                           lambda: _digest("result", code, _content(file)), work)

    @app.get("/v1/dossiers/{code}/documents/{order}", tags=["dossiers"],
             response_class=Response, summary="A signed PDF of the dossier")
    def get_document(request: Request, code: str, order: int, client: Client) -> Response:
        return _pdf(request, code, order, "component", client)

    @app.get("/v1/dossiers/{code}/results/{number}", tags=["results"],
             response_class=Response, summary="A signed result, <code>-KQ<number>")
    def get_result(request: Request, code: str, number: int, client: Client) -> Response:
        return _pdf(request, code, number, "result", client)

    @app.post("/v1/dossiers/{code}/events", tags=["dossiers"], response_model=DossierView,
              summary="How the dossier's life ended (resolved, returned, withdrawn)")
    def post_event(request: Request, code: str, body: EventIn, client: Client) -> JSONResponse:
        state = _state(request)
        row = _scoped(state, client, code)
        at = _utc(body.at)
        if state.ingest.end(row.code, body.event, at):
            state.archive.catalogue.add_event(row.code, EventKind(body.event), client.name,
                                              {"at": at.isoformat()})
        return JSONResponse(_view(state, state.ingest.submission(row.code)).to_json())

    @app.get("/tra-cuu/{token}", tags=["public"],
             summary="Public look-up of a paper sohoa issued (its QR code): status, authenticity")
    def look_up(request: Request, token: Annotated[str, Path(max_length=40)]) -> dict:
        state = _state(request)
        found = state.archive.catalogue.by_lookup(token)
        if found is None:
            raise NotFound(what_vi="giấy tờ có mã tra cứu này", what_en="paper with this token")
        return paper_check(state.archive.store.get(found[0].object_key), found[0], found[1],
                           load_trust_roots(state.settings.trust_roots))

    @app.get("/v1/reports/digitisation", tags=["reports"],
             summary="Digitisation rates of the client's agencies (sohoa report --json)")
    def get_report(request: Request, client: Client,
                   start: Annotated[date | None, Query(alias="from")] = None,
                   end: Annotated[date | None, Query(alias="to")] = None,
                   agency: str | None = None,
                   by: Literal["agency", "procedure", "month"] = "agency") -> dict:
        state = _state(request)
        units = set(client.agencies)
        if agency is not None:
            if not within(parse_agency_code(agency), units):
                raise NotFound(what_vi=f"cơ quan {agency}", what_en=f"agency {agency}")
            units = {agency}
        start, end = start or date(2000, 1, 1), end or date.today()
        out = digitisation_report(state.archive.catalogue, state.settings,
                                  start, end, by, units)
        for row in out["units"]:  # each count can be listed: add &column=<a count's name>
            row["dossiers"] = (f"/v1/reports/digitisation/dossiers?unit={row['unit']}"
                               f"&from={start}&to={end}&by={by}")
        return out

    @app.get("/v1/reports/digitisation/dossiers", tags=["reports"],
             summary="The dossiers one count of the report is made of")
    def get_report_dossiers(request: Request, client: Client, unit: str,
                            column: Literal[COLUMNS],  # type: ignore[valid-type]
                            start: Annotated[date | None, Query(alias="from")] = None,
                            end: Annotated[date | None, Query(alias="to")] = None,
                            by: Literal["agency", "procedure", "month"] = "agency") -> dict:
        state = _state(request)
        codes = listed(state.archive.catalogue, start or date(2000, 1, 1),
                       end or date.today(), by, unit, column, set(client.agencies))
        return {"unit": unit, "column": column, "dossiers": codes}

    @app.get("/v1/dossiers/{code}/webhooks", tags=["dossiers"],
             summary="The webhook delivery log of a dossier")
    def get_deliveries(request: Request, code: str, client: Client) -> list[dict]:
        state = _state(request)
        row = _scoped(state, client, code)
        return [d.to_json() for d in state.ingest.deliveries(row.code)]


def _pdf(request: Request, code: str, number: int, kind: str, client: ClientRow) -> Response:
    state = _state(request)
    row = _scoped(state, client, code)
    archived = state.archive.catalogue.find(row.code)
    document = archived.document(number, kind) if archived else None
    if document is None:
        raise NotFound(what_vi=f"tài liệu {number} của hồ sơ {code}",
                       what_en=f"document {number} of dossier {code}")
    name = f"{code}-KQ{number}.pdf" if kind == "result" else f"{code}.{number:02d}.pdf"
    return Response(state.archive.store.get(document.object_key), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Sohoa-Sha256": document.sha256})
