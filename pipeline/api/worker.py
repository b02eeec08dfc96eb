"""Background work of ``sohoa serve``: the flows run here, never in a request.

The processor takes each dossier whose newest file arrived ``settle_seconds`` ago and runs
``digitise_dossier`` over all its files (unchanged files are read from the page cache), then
``digitise_result`` for each result received; statuses change and webhooks are queued as it
goes. Uploads are marked processed only when their flow has archived them, so after a
restart whatever was accepted and not yet processed is processed. The sender delivers the
webhooks due, one attempt each, logging every outcome.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from pipeline.api.webhooks import deliver, notify
from pipeline.errors import SohoaError
from pipeline.flows.engine import prefect_api
from pipeline.logs import send_logs
from pipeline.settings import Settings
from storage.archive import Archive
from pipeline.api.ingest import Ingest, UploadRow
from storage.session import open_archive

log = logging.getLogger("sohoa.worker")
POLL_SECONDS = 0.2
RETRY_AFTER = timedelta(seconds=60)  # a dossier whose processing failed is tried again after


def set_status(ingest: Ingest, code: str, status: str, error: dict | None = None) -> None:
    """Change a dossier's status; a change is announced by webhook."""
    previous = ingest.set_status(code, status, error)
    if previous != status:
        notify(ingest, code, "status_changed", previous=previous, error=error)


def _local_files(archive: Archive, uploads: list[UploadRow], workdir: Path) -> list[Path]:
    """Each upload's file: its spool copy, or its original from S3 once the spool is cleared."""
    originals = {}
    paths = []
    for upload in uploads:
        path = Path(upload.path)
        if not path.exists():
            if not originals:
                row = archive.catalogue.find(upload.dossier_code)
                originals = {o.sha256: o.object_key for o in (row.originals if row else [])}
            path = workdir / upload.sha256 / upload.filename
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.store.get(originals[upload.sha256]))
        paths.append(path)
    return paths


def _clear_spool(uploads: list[UploadRow]) -> None:
    """Once archived (originals in S3), spool copies are no longer needed."""
    for upload in uploads:
        Path(upload.path).unlink(missing_ok=True)


class Processor(threading.Thread):
    def __init__(self, settings: Settings, archive: Archive, ingest: Ingest):
        super().__init__(name="sohoa-processor", daemon=True)
        self.settings, self.archive, self.ingest = settings, archive, ingest
        self.stopping = threading.Event()
        self.failed_at: dict[str, datetime] = {}

    def run(self) -> None:
        while not self.stopping.wait(POLL_SECONDS):
            self.step()

    def step(self) -> None:
        now = datetime.now(timezone.utc)
        for code, latest in self.ingest.waiting():
            if self.stopping.is_set():
                return
            if now - latest < timedelta(seconds=self.settings.settle_seconds):
                continue
            if code in self.failed_at and now - self.failed_at[code] < RETRY_AFTER:
                continue
            try:
                self.process(code)
                self.failed_at.pop(code, None)
            except Exception as exc:  # recorded on the dossier; its uploads wait for a retry
                log.exception("processing %s failed", code)
                self.failed_at[code] = now
                error = ({"code": exc.code, "message_vi": exc.message("vi"),
                          "message_en": exc.message("en")} if isinstance(exc, SohoaError) else
                         {"code": "processing_failed", "message_vi": "Xử lý hồ sơ bị lỗi; hệ thống "
                          "sẽ thử lại.", "message_en": f"processing failed: {exc}"})
                set_status(self.ingest, code, "failed", error)

    def process(self, code: str) -> None:
        from pipeline.flows.digitise import digitise_dossier
        from pipeline.flows.result import digitise_result

        submission = self.ingest.submission(code)
        components = self.ingest.uploads(code, "component")
        with tempfile.TemporaryDirectory(prefix="sohoa-worker-") as tmp:
            if any(u.processed_at is None for u in components):
                set_status(self.ingest, code, "processing")
                paths = _local_files(self.archive, components, Path(tmp))
                record = digitise_dossier(files=[str(p) for p in paths], dossier=code,
                                          procedure=submission.procedure,
                                          owner_id=submission.owner_id,
                                          components=[u.component for u in components],
                                          settings=self.settings)
                self.ingest.mark_processed([u.id for u in components])
                _clear_spool(components)
                set_status(self.ingest, code, record.status)
            for upload in self.ingest.uploads(code, "result"):
                if upload.processed_at is None:
                    entry = digitise_result(file=upload.path, dossier=code,
                                            settings=self.settings)
                    self.ingest.mark_processed([upload.id])
                    _clear_spool([upload])
                    notify(self.ingest, code, "result_issued", result=entry.code)


PROCESSOR_NICE = 10


def processor_main(settings: Settings, stop: threading.Event, nice: int = PROCESSOR_NICE) -> None:
    """``sohoa serve``'s processor in a process of its own at a lower priority, so OCR never
    takes the CPU from the requests, with the API's settings; ``stop`` (a multiprocessing
    event) lets the current dossier finish first."""
    os.nice(nice)
    send_logs(settings.home_dir)  # a process of its own: its log goes to the same file
    with prefect_api(settings), open_archive(settings) as archive:
        processor = Processor(settings, archive, Ingest(archive.catalogue))
        processor.stopping = stop
        processor.run()


class Sender(threading.Thread):
    def __init__(self, settings: Settings, ingest: Ingest):
        super().__init__(name="sohoa-webhooks", daemon=True)
        self.settings, self.ingest = settings, ingest
        self.stopping = threading.Event()

    def run(self) -> None:
        with httpx.Client() as client:
            while not self.stopping.wait(POLL_SECONDS):
                for delivery in self.ingest.due_deliveries(datetime.now(timezone.utc)):
                    if self.stopping.is_set():
                        return
                    deliver(self.ingest, delivery, self.settings, client)
