"""``digitise_submission``: what the one-stop system sent for a dossier, taken from S3 by key.

The ingest API stores each file in S3 before it answers, then, once no file has come for the
dossier for ``settle_seconds``, submits a run of this flow's deployment keyed by the dossier
and its newest upload (``pipeline.api.submit``). Any worker runs it: its inputs are object keys and sha256s. A run
that finds a newer upload waiting leaves the work to that upload's run; otherwise it digitises
the dossier's component files (pages already read come from the page cache),
then each result, marks them processed and sets the dossier's status. The run itself and its
state hooks change statuses and queue webhooks, whichever worker it runs on.

One run of a dossier works at a time (a lock of the catalogue's, released if its machine
dies): a run started again while the first still works (a heartbeat that came late) waits,
then finds the uploads processed. Runs are attempts counted on the uploads
(``MAX_ATTEMPTS``): a failure is retried by Prefect, a crash is scheduled again by ``sohoa
deploy``'s automation, and a dossier that fails every time ends ``failed`` for staff rather
than being retried for ever.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
from pathlib import Path

from prefect import flow
from prefect.client.schemas.objects import FlowRun, State

from pipeline.errors import SohoaError
from pipeline.flows.digitise import digitise_files
from pipeline.flows.result import digitise_result_file
from pipeline.identifiers import parse_dossier_code
from pipeline.settings import Settings, load_settings
from storage.archive import Archive
from storage.errors import ChecksumMismatch
from storage.ingest import Ingest, StoredFile
from storage.session import open_archive

MAX_ATTEMPTS = 4
RETRIES, RETRY_DELAY_S = 2, 30


def _fetch(archive: Archive, item: StoredFile, folder: Path) -> Path:
    """The original from S3 into this run's folder, checked against the sha256 received."""
    data = archive.store.get(item.key)
    if hashlib.sha256(data).hexdigest() != item.sha256:
        raise ChecksumMismatch(key=item.key)
    path = folder / item.sha256 / item.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _worker() -> str:
    """Who processed it: the Prefect worker that started this run, and its host."""
    return f"{os.environ.get('PREFECT__WORKER_NAME', 'in-process')}@{socket.gethostname()}"


def _failed(_flow, run: FlowRun, state: State) -> None:
    """A run that failed for good (its retries spent) or crashed in a way its process saw: the
    dossier shows ``failed`` with the reason; its uploads wait for the next run."""
    error = {"code": "processing_failed", "message_vi": "Xử lý hồ sơ bị lỗi; hệ thống sẽ thử "
             "lại.", "message_en": f"processing stopped: {state.name}"}
    try:
        state.result()
    except SohoaError as exc:
        error = {"code": exc.code, "message_vi": exc.message("vi"), "message_en": exc.message("en")}
    except BaseException as exc:  # noqa: BLE001  (what the run raised is the reason shown)
        error["message_en"] = f"processing failed: {exc}"
    with open_archive(load_settings()) as archive:
        Ingest(archive.catalogue).change_status(run.parameters["dossier"], "failed", error)


@flow(name="digitise_submission", persist_result=False, retries=RETRIES,
      retry_delay_seconds=RETRY_DELAY_S, on_failure=[_failed], on_crashed=[_failed])
def digitise_submission(dossier: str, files: list[StoredFile],
                        settings: Settings | None = None) -> str:
    """Digitise what was sent for ``dossier`` (its uploads, by key); return ``processed``,
    ``superseded`` (a newer upload's run takes all), ``done`` (processed already) or
    ``exhausted`` (its attempts spent: the dossier is ``failed``)."""
    settings = settings or load_settings()
    parse_dossier_code(dossier)
    with open_archive(settings) as archive, \
            archive.catalogue.locked([f"submission:{dossier}"]), \
            tempfile.TemporaryDirectory(prefix="sohoa-submission-") as workdir:
        ingest = Ingest(archive.catalogue)  # one run of a dossier at a time, on any machine
        outcome = ingest.take(dossier, [f.upload for f in files], MAX_ATTEMPTS)
        if outcome == "exhausted":
            ingest.change_status(dossier, "failed", {
                "code": "processing_exhausted",
                "message_vi": f"Hồ sơ đã xử lý lỗi {MAX_ATTEMPTS} lần; cần cán bộ kiểm tra.",
                "message_en": f"processing failed {MAX_ATTEMPTS} times; staff must look at it"})
        if outcome != "taken":
            return outcome
        waiting = {u.id for u in ingest.unprocessed(dossier)}
        todo = [f for f in files if f.upload in waiting]
        _process(ingest, archive, dossier, todo, settings, Path(workdir))
    return "processed"


def _process(ingest: Ingest, archive: Archive, dossier: str, files: list[StoredFile],
             settings: Settings, workdir: Path) -> None:
    if any(f.kind == "component" for f in files):
        submission = ingest.submission(dossier)
        ingest.change_status(dossier, "processing")
        uploads = [u for u in ingest.uploads(dossier, "component")
                   if u.processed_at or u.object_key]
        whole = [u.reference() for u in uploads]  # digitised whole
        record = digitise_files([_fetch(archive, f, workdir) for f in whole], dossier,
                                submission.procedure, submission.owner_id,
                                [f.component for f in whole], settings, archive, workdir)
        # what was digitised is processed: a file that reached S3 after this run was submitted
        # is in the record too, and left unprocessed it showed "digitised" beside it
        ingest.mark_processed([u.id for u in uploads if u.processed_at is None], _worker())
        ingest.change_status(dossier, record.status)
    for item in files:
        if item.kind == "result":
            entry = digitise_result_file(_fetch(archive, item, workdir), dossier, settings,
                                         archive)
            ingest.mark_processed([item.upload], _worker())
            ingest.notify(dossier, "result_issued", result=entry.code)
