"""From receipt to a flow run: the original into S3, then a run of ``digitise_submission`` on
the Prefect server, which a worker on any machine takes.

The spool only bridges the time until S3 has acknowledged a file: once it has, the upload
records its key and the spool copy goes. When S3 or the Prefect server cannot be reached, the
request is still answered (the spool copy is synced) and the bridge thread stores and submits
what is left, every ``BRIDGE_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pipeline.flows.deployments import NAME
from pipeline.identifiers import parse_dossier_code
from pipeline.pages import SUFFIX
from pipeline.settings import Settings
from storage.errors import StorageError
from storage.ingest import Ingest, UploadRow
from storage.objects import ObjectStore
from storage.originals import store_original

log = logging.getLogger("sohoa.submit")
DEPLOYMENT = f"digitise_submission/{NAME}"
BRIDGE_SECONDS = 5.0


def store_upload(store: ObjectStore, ingest: Ingest, upload: UploadRow) -> bool:
    """Put an upload's spool copy in S3 under the key the flows use; whether S3 has it now."""
    path = Path(upload.path)
    kind = next((k for k, suffix in SUFFIX.items() if suffix == path.suffix), None)
    try:
        key = store_original(store, parse_dossier_code(upload.dossier_code), path, upload.sha256,
                             kind, upload.filename)
    except StorageError as exc:
        log.warning("%s: kept in the spool until S3 answers (%s)", upload.filename, exc.code)
        return False
    ingest.stored(upload.id, key)
    path.unlink(missing_ok=True)
    return True


class Submitter:
    """Runs of ``digitise_submission`` on the Prefect server at ``api_url``."""

    def __init__(self, settings: Settings, ingest: Ingest, api_url: str):
        self.settings, self.ingest, self.api_url = settings, ingest, api_url

    def submit(self, code: str, again: str = "") -> bool:
        """One run for the dossier's uploads in S3, after the settling time; the same uploads
        submitted twice are one run (idempotency key), unless ``again`` names a new round.
        Whether the server took it."""
        from prefect.deployments import run_deployment
        from prefect.settings import PREFECT_API_URL, temporary_settings

        uploads = self.ingest.unprocessed(code)
        if not uploads:
            return True
        start = datetime.now(timezone.utc) + timedelta(seconds=self.settings.settle_seconds)
        key = f"{code}:{uploads[-1].id}{':' + again if again else ''}"
        try:
            with temporary_settings({PREFECT_API_URL: self.api_url}):
                run_deployment(DEPLOYMENT, timeout=0, scheduled_time=start, idempotency_key=key,
                               parameters={"dossier": code, "files": [
                                   u.reference().model_dump() for u in uploads]},
                               as_subflow=False)
        except Exception as exc:  # noqa: BLE001  (the server is away: the bridge submits later)
            log.warning("%s: not submitted yet (%s)", code, exc)
            return False
        return True


class Bridge(threading.Thread):
    """Submits the dossiers the requests name (off the request: a slow or absent Prefect
    server never delays an answer), stores what S3 did not acknowledge, and tries again every
    ``BRIDGE_SECONDS`` what the server did not take. At start it submits every waiting dossier:
    with the same keys (a run already made is not made twice), or, given ``again``, anew (the
    local worker that had their runs died with the previous ``sohoa serve``)."""

    def __init__(self, store: ObjectStore, submitter: Submitter, again: str = ""):
        super().__init__(name="sohoa-bridge", daemon=True)
        self.store, self.submitter, self.again = store, submitter, again
        self.stopping, self.woken = threading.Event(), threading.Event()
        self.due: set[str] = set()
        self.lock = threading.Lock()

    def submit_soon(self, code: str) -> None:
        with self.lock:
            self.due.add(code)
        self.woken.set()

    def run(self) -> None:
        ingest = self.submitter.ingest
        for code in ingest.waiting():
            if not self.submitter.submit(code, self.again):
                self.submit_soon(code)
        while not self.stopping.is_set():
            self.woken.wait(BRIDGE_SECONDS)
            self.woken.clear()
            for upload in ingest.unstored():
                if store_upload(self.store, ingest, upload):
                    self.submit_soon(upload.dossier_code)
            with self.lock:
                due, self.due = self.due, set()
            for code in sorted(due):
                if not self.submitter.submit(code):
                    with self.lock:
                        self.due.add(code)

    def stop(self) -> None:
        self.stopping.set()
        self.woken.set()
        self.join()
